//! Report printers, one file per output format, each writing an [`Outcome`] and its
//! [`Summary`] to any writer. Printers never decide what was found or the exit code.

mod github;
mod gitlab;
mod human;
mod json;
mod markdown;
mod sarif;

use std::path::Path;

use termcolor::WriteColor;

use crate::diagnostic::Outcome;
use crate::score::Summary;

/// An output format of `ssot check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Diagnostics with source excerpts, then a summary (colour on a terminal).
    Human,
    /// One JSON document, `version` 1 (see docs/json.md).
    Json,
    /// GitHub Actions workflow commands (`::error file=…::message`).
    Github,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitLab code quality report (JSON), for `artifacts:reports:codequality`.
    Gitlab,
    /// A Markdown summary: scores, findings per rule, top files (for `$GITHUB_STEP_SUMMARY`).
    Markdown,
}

/// What printers may need besides the outcome.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The current directory: GitHub annotations name files relative to it (the workspace).
    pub cwd: Option<&'a Path>,
    /// The active rules' metadata, sorted by id (SARIF lists them in `tool.driver.rules`).
    pub rules: Vec<RuleMeta>,
}

/// What reports may say about a rule.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub severity: crate::diagnostic::Severity,
    /// One line.
    pub summary: String,
    /// Why it matters (a paragraph).
    pub why: String,
    /// The rule's documentation page in Markdown (what `ssot explain` prints).
    pub help: String,
}

impl RuleMeta {
    pub fn from_rule(rule: &crate::rule::Rule) -> Self {
        Self {
            id: rule.id.clone(),
            severity: rule.severity,
            summary: rule.summary.trim().to_string(),
            why: rule.spec.docs.why.trim().to_string(),
            help: crate::docs::rule_markdown(&rule.spec),
        }
    }
}

/// Writes the report in `format`.
pub fn write(
    format: Format,
    outcome: &Outcome,
    summary: &Summary,
    context: &Context,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(outcome, summary, out),
        Format::Json => json::write(outcome, summary, out),
        Format::Github => github::write(outcome, context, out),
        Format::Sarif => sarif::write(outcome, summary, context, out),
        Format::Gitlab => gitlab::write(outcome, summary, context, out),
        Format::Markdown => markdown::write(outcome, summary, context, out),
    }
}

/// A score for humans: `95.0%`, or `n/a` for a category with no files.
pub(crate) fn format_score(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".to_string(), |s| format!("{s:.1}%"))
}

/// Writes `value` as pretty-printed JSON through a buffer: serde_json writes a report in
/// thousands of small pieces, which must not each go through `out`'s dynamic dispatch.
pub(crate) fn write_json(out: &mut dyn std::io::Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, value)?;
    std::io::Write::flush(&mut buffered)
}

/// Renders `items` on the thread pool and writes them in order: in batches (bounding the text
/// held in memory), each batch split into pieces of `piece` items. `render` gets the index of the
/// piece's first item and the piece; `write` gets the rendered pieces in order. Reports of large
/// trees run to tens of megabytes.
pub(crate) fn render_in_order<T: Sync, B: Send>(
    items: &[T],
    piece: usize,
    render: impl Fn(usize, &[T]) -> std::io::Result<B> + Sync,
    mut write: impl FnMut(B) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use rayon::prelude::*;
    let batch = piece * 32;
    for (batch_index, items) in items.chunks(batch).enumerate() {
        let rendered: Vec<std::io::Result<B>> = items
            .par_chunks(piece)
            .enumerate()
            .map(|(index, items)| render(batch_index * batch + index * piece, items))
            .collect();
        for pieces in rendered {
            write(pieces?)?;
        }
    }
    Ok(())
}

/// Writes `items` as a JSON array pretty-printed as serde_json prints one whose elements sit
/// `depth` levels deep, each item rendered by `render` at that depth with state `S` that lives
/// for one piece of the work; in parallel pieces, in order ([`render_in_order`]).
pub(crate) fn write_json_array<T: Sync, S: Default>(
    items: &[T],
    depth: usize,
    render: impl Fn(&mut S, &T, &mut Vec<u8>) -> std::io::Result<()> + Sync,
    out: &mut impl std::io::Write,
) -> std::io::Result<()> {
    if items.is_empty() {
        return out.write_all(b"[]");
    }
    out.write_all(b"[")?;
    let indent = "  ".repeat(depth);
    let render_piece = |first: usize, piece: &[T]| -> std::io::Result<Vec<u8>> {
        let mut text = Vec::new();
        let mut state = S::default();
        for (index, item) in piece.iter().enumerate() {
            text.extend_from_slice(if first + index == 0 { b"\n" } else { b",\n" });
            text.extend_from_slice(indent.as_bytes());
            render(&mut state, item, &mut text)?;
        }
        Ok(text)
    };
    render_in_order(items, 512, render_piece, |text| out.write_all(&text))?;
    write!(out, "\n{}]", &indent[2..])
}

/// `value` pretty-printed as serde_json prints it `depth` levels deep.
pub(crate) fn pretty_element(value: &impl serde::Serialize, depth: usize, text: &mut Vec<u8>) -> std::io::Result<()> {
    let element = serde_json::to_vec_pretty(value)?;
    let indent = "  ".repeat(depth);
    // Literal newlines in JSON text are all between tokens (strings escape theirs): indent each
    // following line by the element's depth.
    let mut line_start = 0;
    for newline in memchr::memchr_iter(b'\n', &element) {
        text.extend_from_slice(&element[line_start..newline]);
        text.push(b'\n');
        text.extend_from_slice(indent.as_bytes());
        line_start = newline + 1;
    }
    text.extend_from_slice(&element[line_start..]);
    Ok(())
}
