//! Report printers, one file per output format, each writing an [`Outcome`] and its
//! [`Summary`] to any writer. Printers never decide what was found or the exit code.

mod github;
mod human;
mod json;

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
}

/// What printers may need besides the outcome.
#[derive(Debug, Clone, Default)]
pub struct Context<'a> {
    /// The current directory: GitHub annotations name files relative to it (the workspace).
    pub cwd: Option<&'a Path>,
}

/// Writes the report in `format`.
pub fn write(format: Format, outcome: &Outcome, summary: &Summary, context: &Context, out: &mut dyn WriteColor) -> std::io::Result<()> {
    match format {
        Format::Human => human::write(outcome, summary, out),
        Format::Json => json::write(outcome, summary, out),
        Format::Github => github::write(outcome, context, out),
    }
}

/// A score for humans: `95.0%`, or `n/a` for a category with no files.
pub(crate) fn format_score(score: Option<f64>) -> String {
    score.map_or_else(|| "n/a".to_string(), |s| format!("{s:.1}%"))
}
