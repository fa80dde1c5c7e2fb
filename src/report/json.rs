//! The JSON report, version 1. The wire format is these structs (not the internal types), so a
//! refactor cannot change it by accident; `docs/json.md` documents it. Diagnostics, most of a
//! large report, are written by hand ([`write_diagnostic`]) in parallel pieces; the unit tests
//! hold the whole report byte-identical to serde_json's pretty printing of these structs.
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

use crate::diagnostic::{Category, Diagnostic, Outcome, Skipped};
use crate::score::Summary;

/// The top of the report; the `diagnostics` and `skipped` arrays follow it (see [`write`]).
#[derive(Serialize)]
struct Head<'a> {
    version: u32,
    tool: Tool,
    summary: JsonSummary<'a>,
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

/// A diagnostic on the wire. [`write_diagnostic`] writes it by hand (much faster on reports of
/// hundreds of thousands of related places); the unit tests hold the two byte-identical.
#[cfg(test)]
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

#[cfg(test)]
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

/// Writes the report: `{"version", "tool", "summary", "diagnostics", "skipped"}`, formatted as
/// `serde_json`'s pretty printer formats the whole (the tests hold the two equal). Reports run to
/// tens of megabytes on large trees, so the diagnostics are rendered in parallel, in batches,
/// and written in order.
pub(super) fn write(outcome: &Outcome, summary: &Summary, out: &mut dyn Write) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    let head = serde_json::to_vec_pretty(&head(summary))?;
    // The head's closing "\n}" is written after the arrays.
    buffered.write_all(&head[..head.len() - 2])?;
    buffered.write_all(b",\n  \"diagnostics\": ")?;
    // Each file's path, escaped once.
    let paths: Vec<Vec<u8>> =
        outcome.files.par_iter().map(|file| serde_json::to_vec(&file.path)).collect::<Result<_, _>>()?;
    let render =
        |texts: &mut Texts, d: &Diagnostic, text: &mut Vec<u8>| write_diagnostic(outcome, &paths, texts, d, text);
    super::write_json_array(&outcome.diagnostics, 2, render, &mut buffered)?;
    buffered.write_all(b",\n  \"skipped\": ")?;
    let skipped = |_: &mut (), s: &Skipped, text: &mut Vec<u8>| {
        super::pretty_element(&JsonSkipped { path: &s.path, reason: &s.reason }, 2, text)
    };
    super::write_json_array(&outcome.skipped, 2, skipped, &mut buffered)?;
    buffered.write_all(b"\n}\n")?;
    buffered.flush()
}

fn head(summary: &Summary) -> Head<'_> {
    let count = |category| summary.per_category.get(&category).copied().unwrap_or(0);
    let score = |category| summary.scores.get(&category).copied().flatten();
    Head {
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
    }
}

#[cfg(test)]
fn diagnostic<'a>(outcome: &'a Outcome, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
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
}

/// Related places' messages already escaped, by the shared text's address: a group's findings
/// repeat the same few texts many times.
type Texts = std::collections::HashMap<*const u8, Vec<u8>>;

/// Writes `d` two levels deep as serde_json's pretty printer writes [`diagnostic`]`(d)` (a unit
/// test holds the two equal), without building it: the reports of large trees hold hundreds of
/// thousands of related places. `paths` holds each file's path as a JSON string.
fn write_diagnostic(
    outcome: &Outcome,
    paths: &[Vec<u8>],
    texts: &mut Texts,
    d: &Diagnostic,
    text: &mut Vec<u8>,
) -> std::io::Result<()> {
    let mut number = itoa::Buffer::new();
    let field = |text: &mut Vec<u8>, indent: &[u8], name: &str, first: bool| {
        text.extend_from_slice(if first { b"\n" } else { b",\n" });
        text.extend_from_slice(indent);
        text.push(b'"');
        text.extend_from_slice(name.as_bytes());
        text.extend_from_slice(b"\": ");
    };
    const FIELD: &[u8] = b"      ";
    text.push(b'{');
    field(text, FIELD, "rule", true);
    serde_json::to_writer(&mut *text, &*d.rule)?;
    field(text, FIELD, "severity", false);
    serde_json::to_writer(&mut *text, d.severity.as_str())?;
    field(text, FIELD, "path", false);
    text.extend_from_slice(&paths[d.file.0]);
    for (name, value) in
        [("line", d.start.line), ("column", d.start.column), ("end_line", d.end.line), ("end_column", d.end.column)]
    {
        field(text, FIELD, name, false);
        text.extend_from_slice(number.format(value).as_bytes());
    }
    field(text, FIELD, "message", false);
    serde_json::to_writer(&mut *text, &*d.message)?;
    field(text, FIELD, "category", false);
    serde_json::to_writer(&mut *text, outcome.file(d.file).category.as_str())?;
    if !d.related.is_empty() {
        field(text, FIELD, "related", false);
        text.push(b'[');
        const RELATED: &[u8] = b"          ";
        for (index, related) in d.related.iter().enumerate() {
            text.extend_from_slice(if index == 0 { b"\n        {" } else { b",\n        {" });
            field(text, RELATED, "path", true);
            text.extend_from_slice(&paths[related.file.0]);
            field(text, RELATED, "line", false);
            text.extend_from_slice(number.format(related.start.line).as_bytes());
            field(text, RELATED, "column", false);
            text.extend_from_slice(number.format(related.start.column).as_bytes());
            field(text, RELATED, "message", false);
            let escaped = match texts.entry(related.message.as_ptr()) {
                std::collections::hash_map::Entry::Occupied(known) => known.into_mut(),
                std::collections::hash_map::Entry::Vacant(new) => new.insert(serde_json::to_vec(&*related.message)?),
            };
            text.extend_from_slice(escaped);
            text.extend_from_slice(b"\n        }");
        }
        text.extend_from_slice(b"\n      ]");
    }
    if d.baselined {
        field(text, FIELD, "baselined", false);
        text.extend_from_slice(b"true");
    }
    text.extend_from_slice(b"\n    }");
    Ok(())
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::diagnostic::{FileId, Position, Related, ScannedFile, Severity, Skipped};

    /// The whole report as one value: what [`write`] must print, byte for byte, as serde_json's
    /// pretty printer prints it.
    #[derive(Serialize)]
    struct Report<'a> {
        #[serde(flatten)]
        head: Head<'a>,
        diagnostics: Vec<JsonDiagnostic<'a>>,
        skipped: Vec<JsonSkipped<'a>>,
    }

    /// An outcome with `diagnostics` varied findings (escapes, shared and own related texts,
    /// every severity and category, some baselined) and `skipped` skipped files.
    pub(in crate::report) fn outcome(diagnostics: usize, skipped: usize) -> Outcome {
        let files = (0..3)
            .map(|i| ScannedFile { path: format!("pkg/m{i}.py"), category: Category::ALL[i % 3], source: None })
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
    fn parallel_writer_prints_what_serde_json_prints() {
        // Empty arrays, one element, and enough to span several pieces and batches.
        for (diagnostics, skipped) in [(0, 0), (1, 1), (3, 0), (0, 2), (40_000, 3)] {
            let outcome = outcome(diagnostics, skipped);
            let summary = Summary::new(&outcome);
            let mut written = Vec::new();
            write(&outcome, &summary, &mut written).unwrap();
            let report = Report {
                head: head(&summary),
                diagnostics: outcome.diagnostics.iter().map(|d| diagnostic(&outcome, d)).collect(),
                skipped: outcome.skipped.iter().map(|s| JsonSkipped { path: &s.path, reason: &s.reason }).collect(),
            };
            let mut expected = serde_json::to_vec_pretty(&report).unwrap();
            expected.push(b'\n');
            assert!(written == expected, "{diagnostics} diagnostics, {skipped} skipped: the outputs differ");
        }
    }
}
