//! The command line: `ssot check`, `ssot rules`, `ssot explain`. Argument types (clap) and the
//! glue that runs one command; everything else is in the pipeline modules.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use termcolor::WriteColor;

use crate::config::{Overrides, Settings};
use crate::report::{self, Format};
use crate::rule::{Catalog, RuleSet};
use crate::score::Summary;
use crate::{docs, ExitStatus};

/// Audit a Python codebase for single-source-of-truth compliance.
#[derive(Debug, Parser)]
#[command(name = "ssot", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories and report findings and compliance scores.
    Check(CheckArgs),
    /// List every rule: id, severity, whether it needs configuration, summary.
    Rules(RulesArgs),
    /// Print the documentation of a rule.
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Files and directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Use this configuration file instead of discovering `ssot.toml`/`pyproject.toml`.
    /// Its globs are relative to the current directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour `.gitignore`, `.ignore` and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Scan hidden files and directories.
    #[arg(long)]
    pub hidden: bool,
    /// Skip files and directories matching GLOB (relative to the scanned root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Run only this rule (repeatable; replaces `rules.select`).
    #[arg(long, value_name = "RULE")]
    pub select: Vec<String>,
    /// Do not run this rule (repeatable; adds to `rules.ignore`).
    #[arg(long, value_name = "RULE")]
    pub ignore: Vec<String>,
    /// Exit 1 when the overall score is below SCORE (0–100).
    #[arg(long, value_name = "SCORE", value_parser = parse_threshold)]
    pub threshold: Option<f64>,
    /// Exit 0 even when there are error findings (the threshold still applies).
    #[arg(long)]
    pub exit_zero: bool,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Configuration file whose `rules.rule-dirs` add rules (default: discovered from here).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print the list as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rule id.
    pub rule: String,
    /// Configuration file whose `rules.rule-dirs` add rules (default: discovered from here).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_threshold(text: &str) -> Result<f64, String> {
    let value: f64 = text.parse().map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=100.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not between 0 and 100"))
    }
}

/// Runs the parsed command.
pub fn execute(cli: Cli, stdout: &mut dyn WriteColor, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let cwd = std::env::current_dir()?;
    match cli.command {
        Command::Check(args) => check(args, &cwd, stdout, stderr),
        Command::Rules(args) => {
            let catalog = catalog_for(&cwd, args.config)?;
            list_rules(&catalog, args.json, stdout)?;
            Ok(ExitStatus::Success)
        }
        Command::Explain(args) => {
            let catalog = catalog_for(&cwd, args.config)?;
            match catalog.get(&args.rule) {
                Some((spec, _)) => {
                    stdout.write_all(docs::rule_markdown(spec).as_bytes())?;
                    Ok(ExitStatus::Success)
                }
                None => {
                    writeln!(stderr, "error: unknown rule `{}` (run `ssot rules` to list the rules)", args.rule)?;
                    Ok(ExitStatus::Error)
                }
            }
        }
    }
}

fn catalog_for(cwd: &std::path::Path, config: Option<PathBuf>) -> anyhow::Result<Catalog> {
    let overrides = Overrides { config, ..Overrides::default() };
    let settings = Settings::resolve(cwd, &[], &overrides)?;
    Ok(RuleSet::catalog(&settings)?)
}

fn check(args: CheckArgs, cwd: &std::path::Path, stdout: &mut dyn WriteColor, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let overrides = Overrides {
        config: args.config,
        exclude: args.exclude,
        select: args.select,
        ignore: args.ignore,
        no_ignore: args.no_ignore,
        hidden: args.hidden,
    };
    let settings = Settings::resolve(cwd, &args.paths, &overrides)?;
    let catalog = RuleSet::catalog(&settings)?;
    let rules = RuleSet::new(&catalog, &settings)?;
    let outcome = crate::scan::scan(&settings, &rules, stderr);
    let summary = Summary::new(&outcome);
    let context = report::Context { cwd: Some(cwd), rules: rules.rules.iter().map(report::RuleMeta::from_rule).collect() };
    report::write(args.format, &outcome, &summary, &context, stdout)?;

    let below_threshold = match (args.threshold, summary.overall) {
        (Some(threshold), Some(score)) => score < threshold,
        _ => false,
    };
    if below_threshold {
        writeln!(
            stderr,
            "ssot: overall score {} is below the threshold {}",
            report::format_score(summary.overall),
            args.threshold.unwrap_or_default()
        )?;
    }
    let failed = below_threshold || (summary.errors > 0 && !args.exit_zero);
    Ok(if failed { ExitStatus::Failure } else { ExitStatus::Success })
}

fn list_rules(catalog: &Catalog, json: bool, out: &mut dyn WriteColor) -> std::io::Result<()> {
    if json {
        let rows: Vec<serde_json::Value> = catalog
            .entries
            .iter()
            .map(|(spec, _)| {
                serde_json::json!({
                    "id": spec.id.get_ref(),
                    "severity": spec.severity.as_str(),
                    "needs_config": spec.needs_config,
                    "summary": spec.summary.trim(),
                    "engine": spec.engine.as_ref().map(|e| e.get_ref().clone()),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = catalog.ids().map(str::len).max().unwrap_or(4).max(4);
    writeln!(out, "{:<width$}  {:<8}  {:<6}  summary", "rule", "severity", "config")?;
    for (spec, _) in &catalog.entries {
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<6}  {}",
            spec.id.get_ref(),
            spec.severity.as_str(),
            if spec.needs_config { "needed" } else { "-" },
            spec.summary.trim()
        )?;
    }
    Ok(())
}
