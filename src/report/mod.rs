//! Report printers, one file per output format, each writing an [`Outcome`] and its
//! [`Summary`] to any writer. Printers never decide what was found or the exit code. The JSON
//! formats (JSON, SARIF, GitLab) are wire-format structs serialised by serde_json into a document
//! written step by step through serde_json's pretty formatter (`pretty.rs`); no printer writes
//! JSON by hand. Large reports are rendered on the thread pool and written in order
//! ([`render_in_order`]).

mod github;
mod gitlab;
mod human;
mod json;
mod markdown;
mod pretty;
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

/// Renders `items` on the thread pool and writes them in order: in batches (bounding the text
/// held in memory), each batch split into pieces of `piece` items. `render` gets the index of the
/// piece's first item and the piece; `write` gets the rendered pieces in order. Reports of large
/// trees run to tens of megabytes.
pub(crate) fn render_in_order<'a, T: Sync, B: Send>(
    items: &'a [T],
    piece: usize,
    render: impl Fn(usize, &'a [T]) -> std::io::Result<B> + Sync,
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
