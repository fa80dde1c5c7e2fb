//! The JSON report, version 1. The wire format is these structs (not the internal types), so a
//! refactor cannot change it by accident; `docs/json.md` documents it.
//!
//! ```json
//! {"version": 1, "tool": {"name": "ssot", "version": "0.1.0"},
//!  "summary": {"files": {"scanned": 0, "skipped": 0, "production": 0, "test": 0, "other": 0},
//!              "findings": 0, "suppressed": 0, "by_rule": {"relative-import": 0},
//!              "score": {"overall": null, "production": null, "test": null, "other": null}},
//!  "diagnostics": [{"rule": "…", "severity": "error", "path": "pkg/mod.py", "line": 3, "column": 1,
//!                   "end_line": 3, "end_column": 16, "message": "…", "category": "production"}],
//!  "skipped": [{"path": "big.py", "reason": "…"}]}
//! ```

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::diagnostic::{Category, Outcome};
use crate::score::Summary;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    tool: Tool,
    summary: JsonSummary<'a>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    skipped: Vec<JsonSkipped<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    files: Files,
    findings: usize,
    errors: usize,
    warnings: usize,
    suppressed: usize,
    baselined: usize,
    stale: usize,
    by_rule: &'a BTreeMap<String, usize>,
    score: Scores,
}

#[derive(Serialize)]
struct Files {
    scanned: usize,
    skipped: usize,
    production: usize,
    test: usize,
    other: usize,
}

#[derive(Serialize)]
struct Scores {
    overall: Option<f64>,
    production: Option<f64>,
    test: Option<f64>,
    other: Option<f64>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'static str,
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
    category: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    baselined: bool,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

pub(super) fn write(outcome: &Outcome, summary: &Summary, out: &mut dyn Write) -> std::io::Result<()> {
    let count = |category| summary.per_category.get(&category).copied().unwrap_or(0);
    let score = |category| summary.scores.get(&category).copied().flatten();
    let report = Report {
        version: 1,
        tool: Tool { name: "ssot", version: env!("CARGO_PKG_VERSION") },
        summary: JsonSummary {
            files: Files {
                scanned: summary.scanned,
                skipped: summary.skipped,
                production: count(Category::Production),
                test: count(Category::Test),
                other: count(Category::Other),
            },
            findings: summary.findings,
            errors: summary.errors,
            warnings: summary.warnings,
            baselined: summary.baselined,
            stale: summary.stale,
            suppressed: summary.suppressed,
            by_rule: &summary.by_rule,
            score: Scores {
                overall: summary.overall,
                production: score(Category::Production),
                test: score(Category::Test),
                other: score(Category::Other),
            },
        },
        diagnostics: outcome
            .diagnostics
            .iter()
            .map(|d| {
                let file = outcome.file(d.file);
                JsonDiagnostic {
                    rule: &d.rule,
                    severity: d.severity.as_str(),
                    path: &file.path,
                    line: d.start.line,
                    column: d.start.column,
                    end_line: d.end.line,
                    end_column: d.end.column,
                    message: &d.message,
                    category: file.category.as_str(),
                    baselined: d.baselined,
                    related: d
                        .related
                        .iter()
                        .map(|r| JsonRelated {
                            path: &outcome.file(r.file).path,
                            line: r.start.line,
                            column: r.start.column,
                            message: &r.message,
                        })
                        .collect(),
                }
            })
            .collect(),
        skipped: outcome.skipped.iter().map(|s| JsonSkipped { path: &s.path, reason: &s.reason }).collect(),
    };
    super::write_json(out, &report)?;
    writeln!(out)
}
