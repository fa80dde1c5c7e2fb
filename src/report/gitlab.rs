//! GitLab code quality report (a Code Climate subset): one JSON array with an issue per
//! diagnostic, for `artifacts:reports:codequality`. The wire format is these structs (not the
//! internal types). `fingerprint` is the diagnostic's fingerprint, which is unique within a run
//! (it includes an occurrence index) and ignores line numbers, so GitLab tracks an issue across
//! edits; `location.path` is relative to the scanned root. A location holds `lines` or
//! `positions` in Code Climate, not both: `lines` is what GitLab shows (it has no columns).
//!
//! ```json
//! [{"description": "…", "check_name": "relative-import", "fingerprint": "2c6a…",
//!   "severity": "major", "location": {"path": "pkg/mod.py", "lines": {"begin": 3, "end": 3}}}]
//! ```
//!
//! The issues are serialised by serde_json on the thread pool ([`super::pretty::Document`]).

use std::io::Write;

use serde::Serialize;

use super::pretty::Document;
use super::Context;
use crate::diagnostic::{Outcome, Severity};
use crate::score::Summary;

#[derive(Serialize)]
struct Issue<'a> {
    description: &'a str,
    check_name: &'a str,
    fingerprint: &'a str,
    severity: &'static str,
    location: Location<'a>,
}

#[derive(Serialize)]
struct Location<'a> {
    path: &'a str,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

/// GitLab's severities are info, minor, major, critical and blocker.
fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

pub(super) fn write(
    outcome: &Outcome,
    _summary: &Summary,
    _context: &Context,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let mut document = Document::new(out);
    document.array(&outcome.diagnostics, |d| Issue {
        description: &d.message,
        check_name: &d.rule,
        fingerprint: &d.fingerprint,
        severity: severity(d.severity),
        location: Location { path: &outcome.file(d.file).path, lines: Lines { begin: d.start.line, end: d.end.line } },
    })?;
    document.finish()
}
