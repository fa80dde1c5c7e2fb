//! Report printers, one file per output format, each writing an [`Outcome`] and its
//! [`Summary`] to any writer. Printers never decide what was found or the exit code. The JSON
//! formats (JSON, SARIF, GitLab) are wire-format structs serialised by serde_json into a document
//! written step by step through serde_json's pretty formatter (`pretty.rs`); no printer writes
//! JSON by hand. Large reports are rendered on the thread pool and written in order
//! ([`render_in_order`]).

mod concise;
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
    /// One line per finding, `path:line:column: rule message`, then a summary line (for Vim's
    /// errorformat, grep and editors).
    Concise,
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
    /// `--quiet`: the terminal formats print findings only, no summary.
    pub quiet: bool,
}

/// What reports may say about a rule.
#[derive(Debug, Clone)]
pub struct RuleMeta {
    pub id: String,
    pub severity: crate::diagnostic::Severity,
    /// One line.
    pub summary: String,
    /// Why it matters (a paragraph); the summary for a user rule without `[docs]`.
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
            why: rule.spec.docs.as_ref().map_or(&rule.summary, |docs| &docs.why).trim().to_string(),
            help: crate::docs::rule_markdown(&rule.spec, &rule.origin),
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
        Format::Human => human::write(outcome, summary, context, out),
        Format::Concise => concise::write(outcome, summary, context, out),
        Format::Json => json::write(outcome, summary, out),
        Format::Github => github::write(outcome, context, out),
        Format::Sarif => sarif::write(outcome, summary, context, out),
        Format::Gitlab => gitlab::write(outcome, summary, context, out),
        Format::Markdown => markdown::write(outcome, summary, context, out),
    }
}

/// Writes `--statistics`: per rule with findings (most first), the count, the rule, its
/// severity and `[*]` when `--fix` removes some of them; then the summary line.
pub fn write_statistics(
    outcome: &Outcome,
    summary: &Summary,
    context: &Context,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let mut rows: Vec<(&str, usize)> =
        summary.by_rule.iter().filter(|(_, count)| **count > 0).map(|(rule, count)| (rule.as_str(), *count)).collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let fixable = |rule: &str| outcome.diagnostics.iter().any(|d| &*d.rule == rule && d.has_safe_fix());
    let severity =
        |rule: &str| context.rules.iter().find(|meta| meta.id == rule).map_or("", |meta| meta.severity.as_str());
    let width = rows.iter().map(|(rule, _)| rule.len()).max().unwrap_or(0);
    let count_width = rows.iter().map(|(_, count)| count.to_string().len()).max().unwrap_or(1);
    for (rule, count) in &rows {
        let marker = if fixable(rule) { "  [*]" } else { "" };
        writeln!(out, "{count:>count_width$}  {rule:<width$}  {}{marker}", severity(rule))?;
    }
    if !context.quiet {
        writeln!(out, "{}", one_line_summary(summary))?;
    }
    Ok(())
}

/// "Found 12 findings (3 errors, 9 warnings) in 40 files; overall score 85.0% (the share of
/// scanned files with no error or warning finding)."
pub(crate) fn one_line_summary(summary: &Summary) -> String {
    let noun = |count: usize, one: &str, many: &str| format!("{count} {}", if count == 1 { one } else { many });
    let mut line = format!(
        "Found {} ({}, {}) in {} scanned; overall score {} {}.",
        noun(summary.findings, "finding", "findings"),
        noun(summary.errors, "error", "errors"),
        noun(summary.warnings, "warning", "warnings"),
        noun(summary.scanned, "file", "files"),
        format_score(summary.overall),
        SCORE_MEANING
    );
    if summary.fixable > 0 || summary.unsafe_fixable > 0 {
        line.push_str(&format!(" {}.", human::fixable_line(summary).replacen("fixable", "Fixable", 1)));
    }
    line
}

/// What the overall score is, in a few words (docs/scoring.md has the formula).
pub(crate) const SCORE_MEANING: &str = "(the share of scanned files with no error or warning finding)";

/// A file's path as the terminal formats and GitHub annotations show it: relative to the current
/// directory (`cwd`). `path` is its shown path, relative to the project `root`; the result keeps
/// its escapes (a `\\` in a Unix file name is part of the name). A file outside the current
/// directory but in the same project is reached with `..`; when the current directory is outside
/// the project (and does not hold it), the path stays relative to the project root.
pub(crate) fn terminal_path(root: &Path, path: &str, cwd: Option<&Path>) -> String {
    let Some(cwd) = cwd else { return path.to_string() };
    if let Ok(down) = root.strip_prefix(cwd) {
        // The project is inside the current directory.
        if down.as_os_str().is_empty() {
            return path.to_string();
        }
        return format!("{}/{path}", crate::path_text::text(down));
    }
    let Ok(inside) = cwd.strip_prefix(root) else { return path.to_string() };
    // The current directory is inside the project: climb out of it as far as needed.
    let here = crate::path_text::text(inside);
    let here: Vec<&str> = here.split('/').collect();
    let there: Vec<&str> = path.split('/').collect();
    // The file's own name is never a directory to share.
    let shared = here.iter().zip(&there[..there.len().saturating_sub(1)]).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; here.len() - shared];
    parts.extend(&there[shared..]);
    parts.join("/")
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

#[cfg(test)]
mod tests {
    use super::terminal_path;
    use std::path::Path;

    #[test]
    fn terminal_paths_climb_out_of_the_current_directory_within_the_project() {
        let root = Path::new("/repo");
        let path = "src/pkg/a.py";
        assert_eq!(terminal_path(root, path, None), "src/pkg/a.py");
        assert_eq!(terminal_path(root, path, Some(Path::new("/repo"))), "src/pkg/a.py");
        assert_eq!(terminal_path(root, path, Some(Path::new("/"))), "repo/src/pkg/a.py");
        assert_eq!(terminal_path(root, path, Some(Path::new("/repo/src"))), "pkg/a.py");
        assert_eq!(terminal_path(root, path, Some(Path::new("/repo/src/pkg"))), "a.py");
        assert_eq!(terminal_path(root, path, Some(Path::new("/repo/src/other"))), "../pkg/a.py");
        assert_eq!(terminal_path(root, path, Some(Path::new("/repo/tests/unit"))), "../../src/pkg/a.py");
        // A directory named like the file is not the file's directory.
        assert_eq!(terminal_path(root, "a.py", Some(Path::new("/repo/a.py"))), "../a.py");
        // Outside the project, and not holding it: relative to the project root.
        assert_eq!(terminal_path(root, path, Some(Path::new("/elsewhere"))), "src/pkg/a.py");
    }
}
