//! The scan: discover files → analyze each in parallel (one [`analyze::Analyzer`] per worker) →
//! collect in path order → [`Outcome`]. Per-file trouble (unreadable, binary, too large, parse
//! budget exceeded) becomes a skipped entry; nothing here aborts the run.

mod analyze;
mod discover;
pub(crate) mod lexer;
mod parse;
mod source;
mod suppress;

use std::io::Write;

use rayon::prelude::*;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Outcome, ScannedFile, Skipped};
use crate::rule::RuleSet;
use analyze::{Analyzer, FileReport};

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
    for (path, report) in files.iter().zip(reports) {
        let display = settings.display_path(path);
        match report {
            FileReport::Skipped(reason) => outcome.skipped.push(Skipped { path: display, reason }),
            FileReport::Scanned { category, findings, suppressed, source } => {
                let file = FileId(outcome.files.len());
                outcome.suppressed += suppressed;
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
            }
        }
    }
    outcome.sort();
    outcome
}
