//! The command line: `ssot check`, `ssot baseline`, `ssot rules`, `ssot explain`, `ssot test-rules`. Argument types (clap) and the
//! glue that runs one command; everything else is in the pipeline modules.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};
use termcolor::WriteColor;

use crate::baseline::Baseline;
use crate::config::{Overrides, Settings};
use crate::diagnostic::Outcome;
use crate::report::{self, Format};
use crate::rule::Catalog;
use crate::rules::RuleSet;
use crate::score::Summary;
use crate::terminal::visible;
use crate::{docs, ExitStatus};

/// Audit a Python codebase for single-source-of-truth compliance.
#[derive(Debug, Parser)]
#[command(name = "ssot", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour the output: `auto` (on a terminal, unless `NO_COLOR` is set; `FORCE_COLOR`
    /// forces it), `always` or `never`.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

impl ColorWhen {
    /// How to colour a stream that is (`terminal`) or is not a terminal: `always` and `never`
    /// say; `auto` colours a terminal (unless `TERM=dumb`) but not when `NO_COLOR` is set
    /// (non-empty), and anything when `FORCE_COLOR` is set (non-empty, not `0`), as
    /// <https://no-color.org> and <https://force-color.org> ask.
    pub fn choice(self, terminal: bool) -> termcolor::ColorChoice {
        use termcolor::ColorChoice;
        let no_color = std::env::var_os("NO_COLOR"); // ssot: ignore[direct-env-access] -- a colour convention
        let force_color = std::env::var_os("FORCE_COLOR"); // ssot: ignore[direct-env-access] -- a colour convention
        match self {
            Self::Always => ColorChoice::AlwaysAnsi,
            Self::Never => ColorChoice::Never,
            Self::Auto if no_color.is_some_and(|value| !value.is_empty()) => ColorChoice::Never,
            Self::Auto if force_color.is_some_and(|value| !value.is_empty() && value != "0") => ColorChoice::AlwaysAnsi,
            Self::Auto if terminal => ColorChoice::Auto,
            Self::Auto => ColorChoice::Never,
        }
    }
}

/// How the standard output of a run with `args` is coloured (`--color`, `NO_COLOR`,
/// `FORCE_COLOR`, and whether it is a terminal); arguments that do not parse give `auto`.
pub fn color_choice(args: &[std::ffi::OsString], terminal: bool) -> termcolor::ColorChoice {
    let when = Cli::try_parse_from(args).map_or(ColorWhen::Auto, |cli| cli.color);
    when.choice(terminal)
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories and report findings and compliance scores.
    Check(CheckArgs),
    /// List every rule: id, severity, whether it needs configuration, summary.
    Rules(RulesArgs),
    /// Print the documentation of a rule.
    Explain(ExplainArgs),
    /// Record today's findings so `check --baseline` fails only on new ones.
    Baseline(BaselineArgs),
    /// Run the fixtures of rule files: each `<dir>/<id>/` beside `<dir>/<id>.toml`, whose lines
    /// ending in `# expect: <id>` must be flagged and whose other lines must not.
    TestRules(TestRulesArgs),
    /// Print the import graph of the project's own modules (JSON, or Graphviz dot).
    Graph(GraphArgs),
    /// Run the language server over stdin/stdout (for editors: see docs/editors.md).
    Server(ServerArgs),
}

#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Accepted for clients that pass it (the server speaks only stdio).
    #[arg(long)]
    pub stdio: bool,
}

/// One entry of a `--select`/`--ignore` list, spaces around it dropped (`--select "a, b"`).
fn rule_name(value: &str) -> Result<String, String> {
    let name = value.trim();
    if name.is_empty() {
        return Err("an empty rule name (a list is comma-separated: `--select a,b`)".to_string());
    }
    Ok(name.to_string())
}

/// What to scan and with which rules: shared by `check` and `baseline`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files and directories to scan.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Use this configuration file instead of discovering `ssot.toml`/`pyproject.toml` (for every
    /// file: nested configurations do not apply). Its globs are relative to its directory.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not honour `.gitignore`, `.ignore` and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,
    /// Scan hidden files and directories.
    #[arg(long)]
    pub hidden: bool,
    /// Skip files and directories matching GLOB (relative to the project root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Run only these rules (comma-separated or repeated; replaces `rules.select`).
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = rule_name)]
    pub select: Vec<String>,
    /// Do not run these rules (comma-separated or repeated; adds to `rules.ignore`).
    #[arg(long, value_name = "RULE", value_delimiter = ',', value_parser = rule_name)]
    pub ignore: Vec<String>,
    /// Do not read or write the result cache (`.ssot_cache/`).
    #[arg(long)]
    pub no_cache: bool,
    /// Decide nothing from tokens alone: parse every file some rule could match and run every
    /// rule on its syntax tree (slower; the reference the fast path is tested against).
    #[arg(long)]
    pub no_fast_path: bool,
    /// Run every rule on every file, without the byte tests that tell a rule a file cannot
    /// concern it (for testing ssot: a byte test must never turn away a file with a finding).
    #[arg(long, hide = true)]
    pub no_byte_tests: bool,
    /// Print to stderr what the scan did and where its time went: files walked, read, tokenized
    /// and parsed, each phase, each rule's CPU time, and the slowest parses with the rules that
    /// needed them.
    #[arg(long)]
    pub timings: bool,
    /// Print to stderr which configuration is used, the project's roots and languages, and how
    /// many files of each language were scanned.
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Never draw a progress bar (one is drawn on a terminal for scans of 2,000 files or more).
    #[arg(long)]
    pub no_progress: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Output format (`--format` is an alias).
    #[arg(long = "output-format", alias = "format", value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print the number of findings per rule instead of the findings (human and concise formats).
    #[arg(long)]
    pub statistics: bool,
    /// Print the findings only: no summary (human, concise and `--statistics`).
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Check the text read from stdin as the file PATH (an editor's unsaved buffer; give `-` as
    /// the path to scan): the project it belongs to is scanned with the buffer in place of the
    /// file, and the findings in PATH are reported.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["fix", "fix_only", "diff"])]
    pub stdin_filename: Option<PathBuf>,
    /// Print the files a check would scan (path, language, category) and scan nothing.
    #[arg(long, conflicts_with_all = ["fix", "fix_only", "diff", "statistics"])]
    pub show_files: bool,
    /// Print the resolved settings (configuration file, roots, globs, limits, rules and their
    /// options, each with where it came from) and scan nothing.
    #[arg(long, conflicts_with_all = ["fix", "fix_only", "diff", "statistics", "show_files"])]
    pub show_settings: bool,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Exit 1 when the overall score is below SCORE (0–100).
    #[arg(long, value_name = "SCORE", value_parser = parse_threshold)]
    pub threshold: Option<f64>,
    /// Exit 0 even when there are error findings (the threshold still applies).
    #[arg(long)]
    pub exit_zero: bool,
    /// Apply the safe fixes of the findings (see `docs/fixes.md`), then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// With `--fix`, `--fix-only` or `--diff`: apply the unsafe fixes too.
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Apply fixes as `--fix` does, but report nothing and exit 0 whatever remains.
    #[arg(long)]
    pub fix_only: bool,
    /// Write nothing: print the unified diff the fixes would make (one pass) and exit 1 when it
    /// is not empty.
    #[arg(long, conflicts_with_all = ["fix", "fix_only"])]
    pub diff: bool,
    /// Findings listed in this baseline (see `ssot baseline`) are marked and do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Report only findings on lines added or changed since the merge base of the git revision
    /// REV and HEAD, uncommitted and untracked files included, or within a range `A..B`
    /// (project-wide rules still see the whole tree).
    #[arg(long, value_name = "REV")]
    pub changed_since: Option<String>,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Where to write the baseline (default: `ssot-baseline.json` in the project root).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Only remove entries whose finding is gone; never add new ones (a shrink-only ratchet).
    #[arg(long)]
    pub update: bool,
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

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// Files and directories whose modules are listed (the whole project is read).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// Use this configuration file instead of discovering `ssot.toml`/`pyproject.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// `json` (module → imports with file, line and context) or `dot` (Graphviz).
    #[arg(long, value_enum, default_value = "json")]
    pub format: crate::graph::GraphFormat,
    /// Skip files and directories matching GLOB (relative to the project root; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Do not honour `.gitignore`, `.ignore` and git exclude files.
    #[arg(long)]
    pub no_ignore: bool,
}

#[derive(Debug, Args)]
pub struct TestRulesArgs {
    /// A directory of rule files (default: the `rules.rule-dirs` of the configuration).
    pub dir: Option<PathBuf>,
    /// Configuration file whose `rules.rule-dirs` are tested (default: discovered from here).
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
    // As the paths it is compared with (the project root is canonical).
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    match cli.command {
        Command::Check(args) => check(args, &cwd, stdout, stderr),
        Command::Baseline(args) => baseline(args, &cwd, stderr),
        Command::TestRules(args) => test_rules(args, &cwd, stdout),
        Command::Graph(args) => graph(args, &cwd, stdout, stderr),
        Command::Server(_) => {
            // The protocol's exit code: 0 after `shutdown`, 1 when the client left without it.
            let shut_down = crate::server::run_stdio()?;
            Ok(if shut_down { ExitStatus::Success } else { ExitStatus::Failure })
        }
        Command::Rules(args) => {
            let catalog = catalog_for(&cwd, args.config)?;
            list_rules(&catalog, args.json, stdout)?;
            Ok(ExitStatus::Success)
        }
        Command::Explain(args) => {
            let catalog = catalog_for(&cwd, args.config)?;
            match catalog.get(&args.rule) {
                Some((spec, origin)) => {
                    // A rule file (a project's rule-dirs) is text for the terminal like any other.
                    let page = docs::rule_markdown(spec, origin);
                    stdout.write_all(crate::terminal::visible_lines(&page).as_bytes())?;
                    Ok(ExitStatus::Success)
                }
                None => {
                    writeln!(
                        stderr,
                        "error: unknown rule `{}` (run `ssot rules` to list the rules)",
                        visible(&args.rule)
                    )?;
                    Ok(ExitStatus::Error)
                }
            }
        }
    }
}

/// `ssot graph`: the import graph, read with the configuration's roots and exclusions.
fn graph(
    args: GraphArgs,
    cwd: &Path,
    stdout: &mut dyn WriteColor,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let overrides = Overrides {
        config: args.config,
        exclude: args.exclude,
        select: vec!["import-cycle".to_string()],
        no_ignore: args.no_ignore,
        no_cache: true,
        no_progress: true,
        ..Overrides::default()
    };
    let settings = Settings::resolve(cwd, &args.paths, &overrides)?;
    let catalog = crate::rules::catalog(&settings)?;
    let mut rules = RuleSet::new(&catalog, &settings)?;
    let mut graph = crate::graph::build(&settings, &mut rules, stderr)?;
    // Only the modules in the paths named (all of them by default).
    let named = |path: &str| {
        settings.paths.iter().any(|named| settings.root.join(crate::path_text::real(path)).starts_with(named))
    };
    graph.retain(|_, module| named(&module.path));
    crate::graph::write(&graph, args.format, stdout)?;
    Ok(ExitStatus::Success)
}

fn catalog_for(cwd: &Path, config: Option<PathBuf>) -> anyhow::Result<Catalog> {
    let overrides = Overrides { config, ..Overrides::default() };
    let settings = Settings::resolve(cwd, &[], &overrides)?;
    Ok(crate::rules::catalog(&settings)?)
}

/// What the command line overrides of the configuration.
fn overrides(scan: &ScanArgs) -> Overrides {
    Overrides {
        config: scan.config.clone(),
        exclude: scan.exclude.clone(),
        select: scan.select.clone(),
        ignore: scan.ignore.clone(),
        no_ignore: scan.no_ignore,
        hidden: scan.hidden,
        no_cache: scan.no_cache,
        no_fast_path: scan.no_fast_path,
        no_byte_tests: scan.no_byte_tests,
        no_progress: scan.no_progress,
        own_config_only: false,
    }
}

/// `--show-files`: each file a check would scan, with its language and category.
fn show_files(scan: &ScanArgs, cwd: &Path, out: &mut dyn WriteColor) -> anyhow::Result<ExitStatus> {
    let settings = Settings::resolve(cwd, &scan.paths, &overrides(scan))?;
    let catalog = crate::rules::catalog(&settings)?;
    let rules = RuleSet::new(&catalog, &settings)?;
    let (walk, scoped) = crate::scan::discover_files(&settings, &rules)?;
    let settings = scoped.as_ref().unwrap_or(&settings);
    // The files reported on: those under the paths named.
    for path in walk.iter().filter(|path| settings.paths.iter().any(|named| path.starts_with(named))) {
        let language = crate::language::Language::of_scanned(path);
        let category = settings.category(path);
        writeln!(out, "{}\t{}\t{}", visible(&settings.display_path(path)), language.name(), category.as_str())?;
    }
    Ok(ExitStatus::Success)
}

/// `--show-settings`: the resolved settings, each with where it came from.
fn show_settings(scan: &ScanArgs, cwd: &Path, out: &mut dyn WriteColor) -> anyhow::Result<ExitStatus> {
    let settings = Settings::resolve(cwd, &scan.paths, &overrides(scan))?;
    let catalog = crate::rules::catalog(&settings)?;
    let rules = RuleSet::new(&catalog, &settings)?;
    let origin = match settings.configs.split_last() {
        Some((file, [])) => format!("from {}", visible(&file.path.display().to_string())),
        Some((file, extended)) => {
            let extended: Vec<String> =
                extended.iter().rev().map(|file| visible(&file.path.display().to_string()).into_owned()).collect();
            format!("from {}, extending {}", visible(&file.path.display().to_string()), extended.join(", then "))
        }
        None => "no configuration file: defaults".to_string(),
    };
    let shown = shown_path;
    writeln!(out, "# {origin}; command-line flags applied")?;
    let whole = if settings.whole_project { "scanned whole" } else { "only the paths named are scanned" };
    writeln!(out, "root = {:?}  # the project root ({whole}; docs/projects.md)", shown(&settings.root))?;
    let paths: Vec<String> = settings.paths.iter().map(|p| shown(p)).collect();
    writeln!(out, "paths = {paths:?}")?;
    writeln!(out, "\n[scan]")?;
    let languages: Vec<&str> = settings.languages.iter().map(|l| l.name()).collect();
    writeln!(out, "languages = {languages:?}")?;
    let globs = |globs: &crate::config::Globs| format!("{:?}", globs.patterns());
    let excludes: Vec<&String> = settings.exclude.iter().flat_map(|globs| globs.patterns()).collect();
    writeln!(out, "exclude = {excludes:?}  # configuration, then --exclude")?;
    writeln!(out, "test = {}", globs(&settings.test))?;
    writeln!(out, "other = {}", globs(&settings.other))?;
    writeln!(out, "max-file-size = {}", settings.max_file_size)?;
    writeln!(out, "parse-timeout-ms = {}", settings.parse_timeout.as_millis())?;
    let roots: Vec<String> = settings.source_roots.iter().map(|p| shown(p)).collect();
    writeln!(out, "roots = {roots:?}")?;
    writeln!(out, "namespace-packages = {:?}", settings.namespace_packages)?;
    writeln!(out, "respect-ignore-files = {}  # --no-ignore turns it off", settings.respect_ignore_files)?;
    writeln!(out, "hidden = {}  # --hidden", settings.hidden)?;
    writeln!(out, "cache = {}  # --no-cache turns it off", settings.cache)?;
    writeln!(out, "\n[rules]")?;
    writeln!(out, "active = {:?}", rules.ids())?;
    writeln!(out, "require-reason = {}", settings.require_reason)?;
    let ignores: Vec<String> = settings
        .per_file_ignores
        .iter()
        .map(|entry| {
            let ids: Vec<&str> = entry.rules.iter().map(|(id, _)| id.as_str()).collect();
            format!("{:?} = {ids:?}", entry.globs.patterns().join(", "))
        })
        .collect();
    writeln!(out, "per-file-ignores = {{ {} }}", ignores.join(", "))?;
    for rule in &rules.rules {
        let table = settings.rule_tables.get(&rule.id);
        writeln!(out, "\n[rules.{}]", rule.id)?;
        writeln!(out, "severity = {:?}", rule.severity.as_str())?;
        for (key, globs) in [("include", &rule.include), ("exclude", &rule.exclude)] {
            if let Some(globs) = globs.as_ref().filter(|globs| !globs.is_empty()) {
                let from = match table.and_then(|table| table.values.get(key)) {
                    Some((_, at)) => {
                        settings.configs.get(at.file).map_or_else(String::new, |file| file.place(at.offset))
                    }
                    None => "rule file".to_string(),
                };
                writeln!(out, "{key} = {:?}  # {}", globs.patterns(), visible(&from))?;
            }
        }
        if let Some(prefilter) = &rule.prefilter {
            let from = if rule.prefilter_derived { "derived from the query" } else { "rule file" };
            writeln!(out, "prefilter = {:?}  # {from}", prefilter.as_str())?;
        }
        for (key, value) in &rule.options {
            let from = match table.and_then(|table| table.values.get(key)) {
                Some((_, at)) => settings.configs.get(at.file).map_or_else(String::new, |file| file.place(at.offset)),
                None => "default".to_string(),
            };
            let from = visible(&from);
            writeln!(out, "{key} = {value}  # {from}")?;
        }
    }
    // The nested configurations the walk finds (docs/projects.md): what each sets for its folder.
    let (_, scoped) = crate::scan::discover_files(&settings, &rules)?;
    if let Some(scoped) = &scoped {
        for scope in &scoped.scopes {
            let file = scope.configs.last().map_or_else(String::new, |file| shown(&file.path));
            writeln!(out, "\n# nested configuration for {}/ ({file})", shown(&scope.dir))?;
            let ids = |list: &[(String, Option<crate::config::At>)]| -> Vec<String> {
                list.iter().map(|(id, _)| id.clone()).collect()
            };
            if let Some(select) = &scope.selection.select {
                writeln!(out, "select = {:?}", ids(select))?;
            }
            writeln!(out, "ignore = {:?}", ids(&scope.selection.ignore))?;
            writeln!(out, "exclude = {:?}  # added to the project's", scope.exclude.patterns())?;
            writeln!(out, "test = {:?}", scope.test.patterns())?;
            writeln!(out, "other = {:?}", scope.other.patterns())?;
            for (id, severity) in &scope.severities {
                writeln!(out, "[rules.{id}] severity = {:?}", severity.as_str())?;
            }
            for (key, map) in [("include", &scope.includes), ("exclude", &scope.excludes)] {
                for (id, globs) in map {
                    writeln!(out, "[rules.{id}] {key} = {:?}", globs.patterns())?;
                }
            }
            for (id, table) in &scope.options {
                for (key, (value, at)) in &table.values {
                    let from = scope.configs.get(at.file).map_or_else(String::new, |file| file.place(at.offset));
                    writeln!(out, "[rules.{id}] {key} = {value}  # {}", visible(&from))?;
                }
            }
        }
        // An option that does not fit its rule is the error it would be in a check.
        rules.scoped(scoped)?;
        for dir in &scoped.subprojects {
            writeln!(out, "\n# {}/ is a project of its own (it holds a configuration file): not scanned", shown(dir))?;
        }
    }
    Ok(ExitStatus::Success)
}

/// `--stdin-filename NAME -`: the absolute path of NAME; the scan starts from its directory, so
/// it covers the project NAME belongs to.
fn buffer_path(name: &Path, scan: &mut ScanArgs, cwd: &Path) -> anyhow::Result<PathBuf> {
    if !matches!(scan.paths.as_slice(), [] | [_])
        || scan.paths.first().is_some_and(|p| p != Path::new("-") && p != Path::new("."))
    {
        anyhow::bail!("--stdin-filename reads the file from stdin: give `-` as the only path");
    }
    let path = cwd.join(name);
    let (parent, file_name) = match (path.parent(), path.file_name()) {
        (Some(parent), Some(file_name)) => (parent, file_name),
        _ => anyhow::bail!("--stdin-filename {}: not a file name", name.display()),
    };
    let parent = parent.canonicalize().map_err(|err| anyhow::anyhow!("--stdin-filename {}: {err}", name.display()))?;
    scan.paths = vec![parent.clone()];
    Ok(parent.join(file_name))
}

/// Resolves settings and rules and scans: the shared part of `check` and `baseline`.
fn run_scan(
    scan: ScanArgs,
    cwd: &Path,
    buffer: Option<PathBuf>,
    stderr: &mut dyn Write,
) -> anyhow::Result<(Settings, RuleSet, Outcome)> {
    use std::io::Read;
    let overrides = overrides(&scan);
    let mut settings = Settings::resolve(cwd, &scan.paths, &overrides)?;
    if let Some(path) = buffer {
        // At most `scan.max-file-size` bytes, and one more to tell a larger buffer (skipped).
        let mut bytes = Vec::new();
        std::io::stdin().take(settings.max_file_size.saturating_add(1)).read_to_end(&mut bytes)?;
        // What is reported is the buffer.
        settings.paths = vec![path.clone()];
        settings.stdin = Some(std::sync::Arc::new(crate::config::StdinBuffer { path, bytes }));
    }
    let verbose = scan.verbose;
    let catalog = crate::rules::catalog(&settings)?;
    let rules = RuleSet::new(&catalog, &settings)?;
    if scan.timings {
        settings.timings = Some(std::sync::Arc::new(crate::timings::Timings::new(rules.rules.len())));
    }
    let outcome = crate::scan::scan(&settings, &rules, stderr)?;
    if verbose {
        describe_run(&settings, &rules, &outcome, stderr)?;
    }
    Ok((settings, rules, outcome))
}

/// A path for the terminal.
fn shown_path(path: &Path) -> String {
    visible(&path.display().to_string()).into_owned()
}

/// `-v`: which configuration, roots, languages and rules a run used, and what it scanned.
fn describe_run(
    settings: &Settings,
    rules: &RuleSet,
    outcome: &Outcome,
    stderr: &mut dyn Write,
) -> std::io::Result<()> {
    let shown = shown_path;
    match &settings.config {
        Some(file) => writeln!(stderr, "ssot: configuration: {}", shown(&file.path))?,
        None => writeln!(stderr, "ssot: configuration: none (defaults)")?,
    }
    let whole = if settings.whole_project { "scanned whole" } else { "only the paths named are scanned" };
    writeln!(stderr, "ssot: project root: {} ({whole})", shown(&settings.root))?;
    let roots: Vec<String> = settings.source_roots.iter().map(|root| shown(root)).collect();
    writeln!(stderr, "ssot: source roots: {}", roots.join(", "))?;
    let languages: Vec<&str> = settings.languages.iter().map(|language| language.name()).collect();
    writeln!(stderr, "ssot: languages: {}", languages.join(", "))?;
    writeln!(stderr, "ssot: rules: {}", rules.ids().join(", "))?;
    let counts: Vec<String> = crate::score::files_per_language(outcome)
        .iter()
        .filter(|(_, count)| **count > 0)
        .map(|(language, count)| format!("{count} {}", language.title()))
        .collect();
    let reported = outcome.reported_files().count();
    // The files of the project outside the paths named: analysed, not reported.
    let others = match outcome.files.len() - reported {
        0 => String::new(),
        others => format!("; {others} other files of the project analysed for its project-wide rules"),
    };
    writeln!(
        stderr,
        "ssot: scanned {} files ({}), skipped {}{others}",
        reported,
        if counts.is_empty() { "none".to_string() } else { counts.join(", ") },
        outcome.skipped.len()
    )
}

/// `--timings`: the run's counters on stderr.
fn report_timings(settings: &Settings, rules: &RuleSet, stderr: &mut dyn Write) -> std::io::Result<()> {
    if let Some(timings) = &settings.timings {
        let ids: Vec<&str> = rules.rules.iter().map(|rule| rule.id.as_str()).collect();
        write!(stderr, "{}", timings.render(&ids))?;
    }
    Ok(())
}

fn check(
    mut args: CheckArgs,
    cwd: &Path,
    stdout: &mut dyn WriteColor,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    if args.show_files {
        return show_files(&args.scan, cwd, stdout);
    }
    if args.show_settings {
        return show_settings(&args.scan, cwd, stdout);
    }
    let buffer = match args.stdin_filename.take() {
        Some(name) => Some(buffer_path(&name, &mut args.scan, cwd)?),
        None => None,
    };
    // Validate the inputs that do not need a scan first.
    if args.statistics && !matches!(args.format, Format::Human | Format::Concise) {
        anyhow::bail!("--statistics prints text: use it with --output-format human or concise");
    }
    let baseline = args.baseline.as_ref().map(|path| Baseline::load(&cwd.join(path))).transpose()?;
    let (settings, rules, mut outcome) = run_scan(args.scan, cwd, buffer, stderr)?;
    if let Some(buffer) = &settings.stdin {
        // Quoted from the buffer, not from the file on disk.
        let index = (0..outcome.files.len()).find(|&i| outcome.real_path(crate::diagnostic::FileId(i)) == buffer.path);
        if let (Some(index), Ok(text)) = (index, std::str::from_utf8(&buffer.bytes)) {
            outcome.files[index].source = Some(std::sync::Arc::from(text.trim_start_matches('\u{feff}')));
        }
    }
    let changed = match &args.changed_since {
        Some(rev) => Some(crate::diff::changed_since(&settings.root, rev)?),
        None => None,
    };
    // With `--changed-since`, fixes touch only the files the change touched.
    let scope = |path: &Path| changed.as_ref().is_none_or(|changed| changed.touches(path, 1, usize::MAX));
    let mode = crate::fixer::Mode::new(args.unsafe_fixes);
    if args.diff {
        let status = preview_fixes(&outcome, mode, &scope, &settings, cwd, stdout, stderr);
        report_timings(&settings, &rules, stderr)?;
        return status;
    }
    if args.fix || args.fix_only {
        let fixed;
        (outcome, fixed) = crate::fixer::run(&settings, &rules, outcome, mode, &scope, stderr)?;
        report_fixed(&fixed, &outcome, stderr)?;
        if args.fix_only {
            report_timings(&settings, &rules, stderr)?;
            let broken = report_internal_errors(&outcome, stderr)?;
            return Ok(if broken { ExitStatus::Error } else { ExitStatus::Success });
        }
    }
    let mut stale = Vec::new();
    if let Some(baseline) = &baseline {
        let asked = |entry: &crate::baseline::Entry| crate::baseline::covers(&settings.root, &settings.paths, entry);
        stale = crate::baseline::apply(baseline, &mut outcome, &asked);
    }
    // The score is the truth about the whole tree; diff mode only narrows what is reported.
    let whole = Summary::new(&outcome);
    if let Some(changed) = &changed {
        // Each file's real path once, not once per finding.
        let paths: Vec<std::path::PathBuf> =
            (0..outcome.files.len()).map(|i| outcome.real_path(crate::diagnostic::FileId(i))).collect();
        outcome.diagnostics.retain(|d| changed.touches(&paths[d.file.0], d.start.line, d.end.line));
    }
    let mut summary = Summary::new(&outcome);
    summary.overall = whole.overall;
    summary.scores = whole.scores;
    summary.stale = stale.len();

    if matches!(args.format, Format::Human) {
        crate::scan::load_sources(&mut outcome, settings.max_file_size);
    }
    if matches!(args.format, Format::Sarif | Format::Gitlab) {
        // Code scanning and GitLab resolve paths against the repository's top, which holds the
        // project (its configuration may be in a subdirectory).
        if let Some(top) = crate::config::repository_top(&settings.root) {
            outcome.rebase(&top);
        }
    }
    let context = report::Context {
        cwd: Some(cwd),
        rules: rules.rules.iter().map(report::RuleMeta::from_rule).collect(),
        quiet: args.quiet,
    };
    let write = |out: &mut dyn WriteColor| match args.statistics {
        true => report::write_statistics(&outcome, &summary, &context, out),
        false => report::write(args.format, &outcome, &summary, &context, out),
    };
    match &args.output {
        Some(path) => {
            // Streamed to the file (a report of tens of megabytes is not held in memory first).
            let cannot = |err: std::io::Error| anyhow::anyhow!("{}: cannot write the report: {err}", path.display());
            let file = std::fs::File::create(cwd.join(path)).map_err(cannot)?;
            let mut out = termcolor::NoColor::new(std::io::BufWriter::with_capacity(1 << 16, file));
            write(&mut out).map_err(cannot)?;
            out.into_inner().flush().map_err(cannot)?;
        }
        None => write(stdout)?,
    }

    report_timings(&settings, &rules, stderr)?;
    if !stale.is_empty() {
        writeln!(
            stderr,
            "ssot: {} baseline entries no longer match a finding (fixed); run `ssot baseline --update` to drop them",
            stale.len()
        )?;
    }
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
    let failed = below_threshold || (summary.new_errors > 0 && !args.exit_zero);
    let broken = report_internal_errors(&outcome, stderr)?;
    // Freeing tens of thousands of diagnostics takes a while; the process need not wait for it.
    std::thread::spawn(move || drop(outcome));
    Ok(match (broken, failed) {
        (true, _) => ExitStatus::Error,
        (false, true) => ExitStatus::Failure,
        (false, false) => ExitStatus::Success,
    })
}

/// `--diff`: the changes one pass of fixes would make, as a unified diff on stdout.
fn preview_fixes(
    outcome: &Outcome,
    mode: crate::fixer::Mode,
    scope: &dyn Fn(&Path) -> bool,
    settings: &crate::config::Settings,
    cwd: &Path,
    stdout: &mut dyn WriteColor,
    stderr: &mut dyn Write,
) -> anyhow::Result<ExitStatus> {
    let (changes, refusals) = crate::fixer::plan(outcome, mode, scope, settings.max_file_size);
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    for change in &changes {
        write!(stdout, "{}", crate::fixer::unified_diff(change, &cwd))?;
    }
    for refusal in &refusals {
        writeln!(stderr, "ssot: {}: fixes not applied: {}", visible(&refusal.path), visible(&refusal.reason))?;
    }
    let applied: usize = changes.iter().map(|change| change.applied).sum();
    let deferred: usize = changes.iter().map(|change| change.deferred).sum();
    writeln!(stderr, "ssot: would fix {applied} findings in {} files", changes.len())?;
    if deferred > 0 {
        writeln!(stderr, "ssot: {deferred} more fixes overlap these and would follow in a later pass of `--fix`")?;
    }
    if report_internal_errors(outcome, stderr)? {
        return Ok(ExitStatus::Error);
    }
    Ok(if changes.is_empty() { ExitStatus::Success } else { ExitStatus::Failure })
}

/// What `--fix` did, on stderr: fixes applied, files refused or not finished, what remains.
fn report_fixed(fixed: &crate::fixer::Fixed, outcome: &Outcome, stderr: &mut dyn Write) -> std::io::Result<()> {
    for (path, reason) in &fixed.refused {
        writeln!(stderr, "ssot: {}: fixes not applied: {}", visible(path), visible(reason))?;
    }
    for path in &fixed.unfinished {
        writeln!(
            stderr,
            "ssot: {}: fixes still apply after {} passes; run `ssot check --fix` again",
            visible(path),
            crate::fixer::MAX_PASSES
        )?;
    }
    let fixable = outcome.diagnostics.iter().filter(|d| d.fix.is_some()).count();
    writeln!(
        stderr,
        "ssot: fixed {} findings in {} files; {} remain ({} of them with a fix not applied)",
        fixed.applied,
        fixed.files.len(),
        outcome.diagnostics.len(),
        fixable
    )
}

/// Names each internal error of the run on stderr; whether there was any. Findings are missing
/// then, so no gate may take the run for a pass (nor may a baseline be written from it).
fn report_internal_errors(outcome: &Outcome, stderr: &mut dyn Write) -> std::io::Result<bool> {
    for error in &outcome.internal_errors {
        writeln!(stderr, "ssot: {}", visible(error))?;
    }
    Ok(!outcome.internal_errors.is_empty())
}

fn baseline(args: BaselineArgs, cwd: &Path, stderr: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    let (settings, rules, outcome) = run_scan(args.scan, cwd, None, stderr)?;
    report_timings(&settings, &rules, stderr)?;
    if report_internal_errors(&outcome, stderr)? {
        return Ok(ExitStatus::Error);
    }
    let path = match &args.output {
        Some(path) => cwd.join(path),
        None => settings.root.join(crate::baseline::DEFAULT_FILE),
    };
    let mut current = Baseline::from_outcome(&outcome);
    // A run that names part of the project speaks only for that part: the file's entries for
    // the rest of the project stay as they are.
    let asked = |entry: &crate::baseline::Entry| crate::baseline::covers(&settings.root, &settings.paths, entry);
    if args.update {
        let mut existing = Baseline::load(&path)?;
        let found = current.fingerprints();
        let before = existing.entries.len();
        existing.entries.retain(|entry| !asked(entry) || found.contains(entry.fingerprint.as_str()));
        existing.save(&path)?;
        writeln!(
            stderr,
            "ssot: removed {} fixed entries from {} ({} remain; new findings are never added by --update)",
            before - existing.entries.len(),
            visible(&path.display().to_string()),
            existing.entries.len()
        )?;
    } else {
        if !settings.names_root() && path.is_file() {
            let existing = Baseline::load(&path)?;
            current.entries.extend(existing.entries.into_iter().filter(|entry| !asked(entry)));
            current.entries.sort();
            current.entries.dedup();
        }
        current.save(&path)?;
        let path = path.display().to_string();
        writeln!(stderr, "ssot: wrote {} entries to {}", current.entries.len(), visible(&path))?;
    }
    Ok(ExitStatus::Success)
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
                    "languages": crate::rule::rule_languages(spec),
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &rows)?;
        return writeln!(out);
    }
    let width = catalog.ids().map(str::len).max().unwrap_or(4).max(4);
    writeln!(out, "{:<width$}  {:<8}  {:<6}  {:<11}  summary", "rule", "severity", "config", "languages")?;
    for (spec, _) in &catalog.entries {
        let languages: Vec<&str> = crate::rule::rule_languages(spec).iter().map(|l| l.name()).collect();
        writeln!(
            out,
            "{:<width$}  {:<8}  {:<6}  {:<11}  {}",
            spec.id.get_ref(),
            spec.severity.as_str(),
            if spec.needs_config { "needed" } else { "-" },
            languages.join(","),
            visible(spec.summary.trim())
        )?;
    }
    Ok(())
}

/// `ssot test-rules [DIR]`: every user rule file of DIR (or of the configuration's rule
/// directories) with a fixture directory `<dir>/<id>/` is run on it (`crate::fixture`); each
/// mismatch is a line on stdout, then a summary. Failure when any fixture disagrees.
fn test_rules(args: TestRulesArgs, cwd: &Path, stdout: &mut dyn WriteColor) -> anyhow::Result<ExitStatus> {
    let overrides = Overrides { config: args.config, ..Overrides::default() };
    let mut settings = Settings::resolve(cwd, &[], &overrides)?;
    if let Some(dir) = &args.dir {
        let dir = cwd.join(dir);
        if !dir.is_dir() {
            anyhow::bail!("{}: not a directory of rule files", dir.display());
        }
        settings.rule_dirs = vec![(dir, None)];
    }
    if settings.rule_dirs.is_empty() {
        anyhow::bail!("no rule directories to test: give one (`ssot test-rules DIR`) or set `rules.rule-dirs`");
    }
    // Every rule file is loaded (and a broken one stops the run) before any fixture runs.
    let catalog = crate::rules::catalog(&settings)?;
    let dirs: Vec<PathBuf> = settings.rule_dirs.iter().map(|(dir, _)| dir.clone()).collect();
    let cwd = cwd.canonicalize().unwrap_or_else(|_| cwd.to_path_buf());
    let shown = |path: &Path| {
        let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        shown_path(path.strip_prefix(&cwd).unwrap_or(&path))
    };
    let (mut passed, mut failed, mut untested) = (0, 0, Vec::new());
    for (spec, origin) in &catalog.entries {
        let crate::rule::Origin::User(file) = origin else { continue };
        let id = spec.id.get_ref();
        let fixtures = file.with_extension("");
        if !fixtures.is_dir() {
            untested.push(id.as_str());
            continue;
        }
        let outcome = crate::fixture::check(&fixtures, id, &dirs)?;
        let dir = shown(&fixtures);
        for mismatch in &outcome.mismatches {
            writeln!(stdout, "{dir}/{}", visible(&mismatch.to_string()))?;
        }
        for (path, reason) in &outcome.skipped {
            writeln!(stdout, "{dir}/{}: not checked: {}", visible(path), visible(reason))?;
        }
        for error in &outcome.internal_errors {
            writeln!(stdout, "{dir}: {}", visible(error))?;
        }
        if outcome.expected.is_empty() && outcome.mismatches.is_empty() {
            writeln!(stdout, "{dir}: note: no `# expect: {id}` marker, so nothing shows the rule finds anything")?;
        }
        if outcome.passed() {
            passed += 1;
        } else {
            failed += 1;
        }
    }
    let mut summary = format!("test-rules: {passed} passed, {failed} failed");
    if !untested.is_empty() {
        summary.push_str(&format!(", {} without fixtures ({})", untested.len(), untested.join(", ")));
    }
    writeln!(stdout, "{summary}")?;
    Ok(if failed > 0 { ExitStatus::Failure } else { ExitStatus::Success })
}
