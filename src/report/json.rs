//! The JSON report, version 1. The wire format is these structs (not the internal types), so a
//! refactor cannot change it by accident; `docs/json.md` documents it. The report's top-level
//! object is written member by member ([`super::pretty::Document`]) and every value in it is
//! serialised by serde_json, the diagnostics (most of a large report) on the thread pool, each
//! file's path once; the unit tests hold the report byte-identical to serde_json's pretty printing
//! of one whole value.
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

use rayon::prelude::*;
use serde::Serialize;
use serde_json::value::{to_raw_value, RawValue};

use super::pretty::Document;
use crate::diagnostic::{Category, Diagnostic, FileId, Outcome, Skipped};
use crate::score::Summary;

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    files: Files<'a>,
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
struct Files<'a> {
    scanned: usize,
    skipped: usize,
    production: usize,
    test: usize,
    other: usize,
    languages: &'a BTreeMap<crate::language::Language, usize>,
}

#[derive(Serialize)]
struct Scores {
    overall: Option<f64>,
    production: Option<f64>,
    test: Option<f64>,
    other: Option<f64>,
}

/// A diagnostic on the wire.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: &'static str,
    path: JsonPath<'a>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<JsonFix<'a>>,
}

/// A fix on the wire: how safe, what it does, and its edits positioned as diagnostics are.
#[derive(Serialize)]
struct JsonFix<'a> {
    applicability: &'static str,
    message: &'a str,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    content: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    path: JsonPath<'a>,
    line: usize,
    column: usize,
    message: &'a str,
}

/// A file's path on the wire: serialised by serde_json here, or serialised before (a large
/// report names each file in hundreds of places, see [`write`]).
#[derive(Serialize)]
#[serde(untagged)]
enum JsonPath<'a> {
    Text(&'a str),
    Serialized(&'a RawValue),
}

#[derive(Serialize)]
struct JsonSkipped<'a> {
    path: &'a str,
    reason: &'a str,
}

/// Writes the report: `{"version", "tool", "summary", "diagnostics", "skipped"}`, as serde_json's
/// pretty printer prints it.
pub(super) fn write(outcome: &Outcome, summary: &Summary, out: &mut dyn Write) -> std::io::Result<()> {
    let mut document = Document::new(out);
    document.begin_object()?;
    document.field("version", &VERSION)?;
    document.field("tool", &TOOL)?;
    document.field("summary", &json_summary(summary))?;
    document.key("diagnostics")?;
    // Each file's path serialised once: it is most of the text of a large report.
    let paths: Vec<Box<RawValue>> =
        outcome.files.par_iter().map(|file| to_raw_value(&file.path)).collect::<Result<_, _>>()?;
    document.array(&outcome.diagnostics, |d| diagnostic(outcome, Some(&paths), d))?;
    document.key("skipped")?;
    document.array(&outcome.skipped, skipped)?;
    document.end_object()?;
    document.finish()
}

/// The report's `version`.
const VERSION: u32 = 1;

const TOOL: Tool = Tool { name: "ssot", version: env!("CARGO_PKG_VERSION") };

fn json_summary(summary: &Summary) -> JsonSummary<'_> {
    let count = |category| summary.per_category.get(&category).copied().unwrap_or(0);
    let score = |category| summary.scores.get(&category).copied().flatten();
    JsonSummary {
        files: Files {
            scanned: summary.scanned,
            skipped: summary.skipped,
            production: count(Category::Production),
            test: count(Category::Test),
            other: count(Category::Other),
            languages: &summary.per_language,
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
    }
}

fn skipped(s: &Skipped) -> JsonSkipped<'_> {
    JsonSkipped { path: &s.path, reason: &s.reason }
}

/// `d` on the wire; its paths taken from `paths`, each file's path serialised, if given.
fn diagnostic<'a>(outcome: &'a Outcome, paths: Option<&'a [Box<RawValue>]>, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let path = |id: FileId| match paths {
        Some(paths) => JsonPath::Serialized(&paths[id.0]),
        None => JsonPath::Text(&outcome.file(id).path),
    };
    let file = outcome.file(d.file);
    JsonDiagnostic {
        rule: &d.rule,
        severity: d.severity.as_str(),
        path: path(d.file),
        line: d.start.line,
        column: d.start.column,
        end_line: d.end.line,
        end_column: d.end.column,
        message: &d.message,
        category: file.category.as_str(),
        baselined: d.baselined,
        fix: d.fix.as_ref().map(|fix| JsonFix {
            applicability: fix.applicability.as_str(),
            message: &fix.message,
            edits: fix
                .edits
                .iter()
                .map(|e| JsonEdit {
                    line: e.start.line,
                    column: e.start.column,
                    end_line: e.end.line,
                    end_column: e.end.column,
                    content: &e.content,
                })
                .collect(),
        }),
        related: d
            .related
            .iter()
            .map(|r| JsonRelated {
                path: path(r.file),
                line: r.start.line,
                column: r.start.column,
                message: &r.message,
            })
            .collect(),
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::diagnostic::{Position, Related, ScannedFile, Severity};

    /// The whole report as one value: what [`write`] must print, byte for byte, as serde_json's
    /// pretty printer prints it.
    #[derive(Serialize)]
    struct Report<'a> {
        version: u32,
        tool: Tool,
        summary: JsonSummary<'a>,
        diagnostics: Vec<JsonDiagnostic<'a>>,
        skipped: Vec<JsonSkipped<'a>>,
    }

    /// An outcome with `diagnostics` varied findings (escapes, shared and own related texts,
    /// every severity and category, some baselined) and `skipped` skipped files.
    pub(in crate::report) fn outcome(diagnostics: usize, skipped: usize) -> Outcome {
        let files = (0..3)
            .map(|i| ScannedFile {
                path: format!("pkg/m{i}.py").into(),
                category: Category::ALL[i % 3],
                suppressed: 0,
                outside: false,
                source: None,
            })
            .collect();
        let at = |line| Position { line, column: 1 + line % 7 };
        let shared: std::sync::Arc<str> = "`NAME` also \"defined\" here".into();
        let diagnostics = (0..diagnostics)
            .map(|i| Diagnostic {
                rule: ["relative-import", "duplicate-string-constant"][i % 2].into(),
                severity: [Severity::Error, Severity::Warning, Severity::Info][i % 3],
                file: FileId(i % 3),
                range: i..i + 3,
                start: at(i + 1),
                end: at(i + 2),
                message: format!("message {i} with \"quotes\", a tab\t, a newline\n and é").into(),
                related: (0..i % 4)
                    .map(|r| Related {
                        file: FileId(r % 3),
                        range: 0..1,
                        start: at(r + 1),
                        // Shared texts (escaped once, then reused) and texts of their own.
                        message: if r % 2 == 0 { shared.clone() } else { format!("also {r} \\ \u{1}").into() },
                    })
                    .collect(),
                fingerprint: format!("{i:016x}"),
                line_text: String::new(),
                baselined: i % 5 == 0,
                // Some with a fix: an insertion and a replacement, with text to escape.
                fix: (i % 4 == 1).then(|| {
                    let mut insert = crate::fix::Edit::insert(0, "from x import \"y\"\n");
                    insert.start = at(1);
                    insert.end = at(1);
                    let mut replace = crate::fix::Edit::replace(i..i + 3, "é\t");
                    replace.start = at(i + 1);
                    replace.end = at(i + 2);
                    crate::fix::Fix::new(
                        [crate::fix::Applicability::Safe, crate::fix::Applicability::Unsafe][i % 2],
                        format!("fix {i}"),
                        vec![insert, replace],
                    )
                }),
            })
            .collect();
        let skipped =
            (0..skipped).map(|i| Skipped { path: format!("big{i}.py"), reason: "binary file".to_string() }).collect();
        Outcome {
            files,
            skipped,
            diagnostics,
            suppressed: 2,
            rules: vec!["relative-import".to_string()],
            ..Outcome::default()
        }
    }

    #[test]
    fn written_member_by_member_as_serde_json_prints_the_whole() {
        // Empty arrays, one element, and enough to span several pieces and batches.
        for (diagnostics, skipped) in [(0, 0), (1, 1), (3, 0), (0, 2), (40_000, 3)] {
            let outcome = outcome(diagnostics, skipped);
            let summary = Summary::new(&outcome);
            let mut written = Vec::new();
            write(&outcome, &summary, &mut written).unwrap();
            let report = Report {
                version: VERSION,
                tool: TOOL,
                summary: json_summary(&summary),
                diagnostics: outcome.diagnostics.iter().map(|d| diagnostic(&outcome, None, d)).collect(),
                skipped: outcome.skipped.iter().map(super::skipped).collect(),
            };
            let mut expected = serde_json::to_vec_pretty(&report).unwrap();
            expected.push(b'\n');
            assert!(written == expected, "{diagnostics} diagnostics, {skipped} skipped: the outputs differ");
        }
    }
}
