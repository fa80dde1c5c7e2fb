//! The scan: discover files → analyze each in parallel (one [`analyze::Analyzer`] per worker) →
//! collect in path order → [`Outcome`]. Per-file trouble (unreadable, binary, too large, parse
//! budget exceeded) becomes a skipped entry; nothing here aborts the run.

mod analyze;
mod discover;
pub(crate) mod lexer;
mod parse;
mod source;
pub(crate) mod suppress;

use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Outcome, ScannedFile, Skipped};
use crate::rule::RuleSet;
use crate::rules::Facts;
use analyze::{Analyzer, FileReport};

/// Runs every project engine's pass over the facts its files gave, adding its findings.
fn project_pass(rules: &RuleSet, facts: Vec<Vec<(FileId, Facts)>>, outcome: &mut Outcome) {
    let paths: Vec<&str> = outcome.files.iter().map(|f| f.path.as_str()).collect();
    let mut found = Vec::new();
    for ((rule_index, engine), engine_facts) in rules.engines.iter().zip(facts) {
        if engine_facts.is_empty() {
            continue;
        }
        let rule = &rules.rules[*rule_index];
        for finding in engine.finish(engine_facts, &paths) {
            found.push((rule, finding));
        }
    }
    for (rule, finding) in found {
        if finding.site.suppressed {
            outcome.suppressed += 1;
            continue;
        }
        outcome.diagnostics.push(Diagnostic {
            rule: rule.id.clone(),
            severity: rule.severity,
            file: finding.file,
            range: finding.site.range,
            start: finding.site.start,
            end: finding.site.end,
            message: finding.message,
            related: finding.related,
        });
    }
}

/// Scans everything `settings` names with `rules`. Warnings (such as unreadable directories) go
/// to `stderr`.
pub fn scan(settings: &Settings, rules: &RuleSet, stderr: &mut dyn Write) -> Outcome {
    let (files, walk_errors) = discover::discover(settings);
    let mut outcome = Outcome { rules: rules.ids(), root: settings.root.clone(), ..Outcome::default() };
    for (path, message) in walk_errors {
        let _ = writeln!(stderr, "warning: {message}");
        if !path.as_os_str().is_empty() && discover::is_python(&path) {
            outcome.skipped.push(Skipped { path: settings.display_path(&path), reason: message });
        }
    }
    let reports: Vec<FileReport> = files
        .par_iter()
        .map_init(|| Analyzer::new(rules, settings), |analyzer, path| analyzer.analyze(path))
        .collect();
    let mut facts: Vec<Vec<(FileId, Facts)>> = rules.engines.iter().map(|_| Vec::new()).collect();
    let mut scanned_paths: Vec<&std::path::Path> = Vec::new();
    for (path, report) in files.iter().zip(reports) {
        let display = settings.display_path(path);
        match report {
            FileReport::Skipped(reason) => outcome.skipped.push(Skipped { path: display, reason }),
            FileReport::Scanned { category, findings, suppressed, source, facts: file_facts } => {
                let file = FileId(outcome.files.len());
                outcome.suppressed += suppressed;
                for (engine, fact) in file_facts {
                    facts[engine].push((file, fact));
                }
                outcome.diagnostics.extend(findings.into_iter().map(|finding| {
                    let rule = &rules.rules[finding.rule];
                    Diagnostic {
                        rule: rule.id.clone(),
                        severity: rule.severity,
                        file,
                        range: finding.range,
                        start: finding.start,
                        end: finding.end,
                        message: finding.message,
                        related: Vec::new(),
                    }
                }));
                outcome.files.push(ScannedFile { path: display, category, source });
                scanned_paths.push(path);
            }
        }
    }
    project_pass(rules, facts, &mut outcome);
    // The human report quotes the text of every file a diagnostic points into.
    let mut wanted = vec![false; outcome.files.len()];
    for d in &outcome.diagnostics {
        wanted[d.file.0] = true;
        for related in &d.related {
            wanted[related.file.0] = true;
        }
    }
    for (index, file) in outcome.files.iter_mut().enumerate() {
        if wanted[index] && file.source.is_none() {
            file.source = source::read(scanned_paths[index], settings.max_file_size).ok().map(Arc::from);
        }
    }
    outcome.sort();
    outcome
}
