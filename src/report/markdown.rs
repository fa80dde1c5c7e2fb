//! A Markdown summary for `$GITHUB_STEP_SUMMARY` and pull-request comments: scores per
//! category, findings per rule, the files with the most findings and, collapsed, the first
//! findings. Not a full report (that is `--format json` or `sarif`). Everything that comes from
//! scanned files or rule messages is escaped, so a path or a message cannot break a table, start
//! HTML or emphasis; backtick-quoted code in messages stays code.

use std::collections::BTreeMap;
use std::io::Write;

use super::{format_score, Context};
use crate::diagnostic::{Category, Outcome, Severity};
use crate::score::Summary;

/// Rows of the "Top files" table.
const TOP_FILES: usize = 10;
/// Findings listed in the collapsed block.
const LISTED_FINDINGS: usize = 20;

/// `text` safe as inline Markdown in a table cell: Markdown punctuation is backslash-escaped,
/// `<`, `>` and `&` become entities, line breaks become spaces, other control characters and
/// bidirectional overrides are made visible ([`crate::terminal`]).
fn text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::terminal::visible_but_line_breaks(text).chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '$' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\r' | '\n' => out.push(' '),
            _ => out.push(c),
        }
    }
    out
}

/// `text` as a code span in a table cell (`|` escaped, which GFM tables honour inside code), or
/// escaped text when a code span cannot hold it.
fn code(text_: &str) -> String {
    let text_ = crate::terminal::visible(&text_.replace(['\r', '\n'], " ")).into_owned();
    if text_.is_empty() || text_.contains('`') || text_.starts_with(' ') || text_.ends_with(' ') {
        return text(&text_);
    }
    format!("`{}`", text_.replace('|', "\\|"))
}

/// A rule message: its backtick-quoted parts stay code spans when the backticks pair up,
/// the rest is escaped text.
fn message(message: &str) -> String {
    let parts: Vec<&str> = message.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return text(message); // an odd number of backticks
    }
    parts.iter().enumerate().map(|(i, part)| if i % 2 == 0 { text(part) } else { code(part) }).collect()
}

fn plural(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

pub(super) fn write(
    outcome: &Outcome,
    summary: &Summary,
    context: &Context,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    writeln!(out, "## ssot: single-source-of-truth report\n")?;
    let infos = summary.findings - summary.errors - summary.warnings;
    write!(
        out,
        "**{}** ({}, {}, {info}) in {} scanned",
        plural(summary.findings, "finding", "findings"),
        plural(summary.errors, "error", "errors"),
        plural(summary.warnings, "warning", "warnings"),
        plural(summary.scanned, "file", "files"),
        info = plural(infos, "info", "info"),
    )?;
    if let Some(languages) = summary.languages_text() {
        write!(out, " ({languages})")?;
    }
    if summary.skipped > 0 {
        write!(out, ", {} skipped", plural(summary.skipped, "file", "files"))?;
    }
    writeln!(out, "; overall score **{}**.\n", format_score(summary.overall))?;
    writeln!(out, "A score is the share of files with no error or warning finding (see `docs/scoring.md`).\n")?;
    let baselined = outcome.diagnostics.iter().filter(|d| d.baselined).count();
    if baselined > 0 {
        writeln!(
            out,
            "{} in the baseline: known, they do not fail the run.\n",
            plural(baselined, "finding is", "findings are")
        )?;
    }

    writeln!(out, "| category | files | score |")?;
    writeln!(out, "| --- | ---: | ---: |")?;
    for category in Category::ALL {
        let files = summary.per_category.get(&category).copied().unwrap_or(0);
        let score = summary.scores.get(&category).copied().flatten();
        writeln!(out, "| {} | {files} | {} |", category.as_str(), format_score(score))?;
    }
    writeln!(out, "| **overall** | **{}** | **{}** |\n", summary.scanned, format_score(summary.overall))?;

    write_folders(outcome, out)?;
    write_rules(outcome, summary, context, out)?;
    if outcome.diagnostics.is_empty() {
        return Ok(());
    }
    write_top_files(outcome, out)?;
    write_findings(outcome, out)
}

/// At most this many folders in the per-folder table and chart (those with the most files).
const FOLDERS: usize = 20;

/// Per top-level folder (files directly in the root are `(root)`): files, findings and score,
/// then the scores as a Mermaid bar chart (GitHub renders it in job summaries and comments).
/// Only when the files are in two or more folders.
fn write_folders(outcome: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let mut failing = vec![false; outcome.files.len()];
    let mut findings = vec![0usize; outcome.files.len()];
    for d in &outcome.diagnostics {
        findings[d.file.0] += 1;
        failing[d.file.0] |= d.severity.counts_against_score();
    }
    // Folder → (files, failing files, findings).
    let mut folders: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for (index, file) in outcome.reported_files() {
        let folder = file.path.split_once('/').map_or("(root)", |(first, _)| first);
        let entry = folders.entry(folder).or_default();
        entry.0 += 1;
        entry.1 += usize::from(failing[index]);
        entry.2 += findings[index];
    }
    if folders.len() < 2 {
        return Ok(());
    }
    let mut rows: Vec<(&str, (usize, usize, usize))> = folders.into_iter().collect();
    rows.sort_by(|a, b| b.1 .0.cmp(&a.1 .0).then(a.0.cmp(b.0)));
    let shown = &rows[..rows.len().min(FOLDERS)];
    writeln!(out, "### Folders\n")?;
    writeln!(out, "| folder | files | findings | score |")?;
    writeln!(out, "| --- | ---: | ---: | ---: |")?;
    let score = |(files, failing, _): (usize, usize, usize)| crate::score::percentage(files - failing, files);
    for (folder, counts) in shown {
        writeln!(out, "| {} | {} | {} | {} |", code(folder), counts.0, counts.2, format_score(score(*counts)))?;
    }
    if rows.len() > FOLDERS {
        writeln!(out, "\n…and {} more.", plural(rows.len() - FOLDERS, "folder", "folders"))?;
    }
    // Mermaid labels are quoted strings: a quote or a backslash in a name cannot end one early.
    let label = |name: &str| {
        let cleaned: String =
            name.chars().map(|c| if matches!(c, '"' | '\\' | '`') || c.is_control() { '_' } else { c }).collect();
        format!("\"{cleaned}\"")
    };
    let labels: Vec<String> = shown.iter().map(|(folder, _)| label(folder)).collect();
    let values: Vec<String> = shown.iter().map(|(_, counts)| format!("{:.1}", score(*counts).unwrap_or(0.0))).collect();
    writeln!(out, "\n```mermaid\nxychart-beta\n    title \"Score per folder (%)\"")?;
    writeln!(out, "    x-axis [{}]", labels.join(", "))?;
    writeln!(out, "    y-axis \"score\" 0 --> 100\n    bar [{}]\n```\n", values.join(", "))
}

/// Findings per rule: only rules with findings, most first, then the suppressed count.
fn write_rules(outcome: &Outcome, summary: &Summary, context: &Context, out: &mut dyn Write) -> std::io::Result<()> {
    let mut rules: Vec<(&str, usize)> =
        summary.by_rule.iter().filter(|(_, &n)| n > 0).map(|(id, &n)| (id.as_str(), n)).collect();
    rules.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if !rules.is_empty() {
        // The severity findings were reported with (a rule's severity can be configured).
        let mut severity: BTreeMap<&str, Severity> =
            context.rules.iter().map(|r| (r.id.as_str(), r.severity)).collect();
        for d in &outcome.diagnostics {
            severity.insert(&d.rule, d.severity);
        }
        writeln!(out, "### Findings by rule\n")?;
        writeln!(out, "| rule | severity | findings |")?;
        writeln!(out, "| --- | --- | ---: |")?;
        for (id, count) in rules {
            let shown = severity.get(id).map_or("", |s| s.as_str());
            writeln!(out, "| {} | {shown} | {count} |", code(id))?;
        }
        writeln!(out)?;
    }
    if summary.suppressed > 0 {
        writeln!(
            out,
            "{} suppressed by `# ssot: ignore[…]` comments (not counted above).\n",
            plural(summary.suppressed, "finding", "findings")
        )?;
    }
    Ok(())
}

/// Up to [`TOP_FILES`] files with the most findings; ties by path.
fn write_top_files(outcome: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let mut per_file: BTreeMap<&str, (usize, Category)> = BTreeMap::new();
    for d in &outcome.diagnostics {
        let file = outcome.file(d.file);
        per_file.entry(&file.path).or_insert((0, file.category)).0 += 1;
    }
    let mut files: Vec<(&str, usize, Category)> = per_file.into_iter().map(|(p, (n, c))| (p, n, c)).collect();
    files.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    writeln!(out, "### Top files\n")?;
    writeln!(out, "| file | category | findings |")?;
    writeln!(out, "| --- | --- | ---: |")?;
    for (path, count, category) in files.iter().take(TOP_FILES) {
        writeln!(out, "| {} | {} | {count} |", code(path), category.as_str())?;
    }
    if files.len() > TOP_FILES {
        writeln!(out, "\n…and {} more.", plural(files.len() - TOP_FILES, "file", "files"))?;
    }
    writeln!(out)
}

/// The first [`LISTED_FINDINGS`] findings, in report order, in a collapsed block.
fn write_findings(outcome: &Outcome, out: &mut dyn Write) -> std::io::Result<()> {
    let total = outcome.diagnostics.len();
    let title = if total <= LISTED_FINDINGS {
        format!("All {}", plural(total, "finding", "findings"))
    } else {
        format!("First {LISTED_FINDINGS} of {total} findings")
    };
    writeln!(out, "<details>\n<summary>{title}</summary>\n")?;
    writeln!(out, "| location | rule | message |")?;
    writeln!(out, "| --- | --- | --- |")?;
    for d in outcome.diagnostics.iter().take(LISTED_FINDINGS) {
        let location = format!("{}:{}:{}", outcome.file(d.file).path, d.start.line, d.start.column);
        let known = if d.baselined { " (baseline)" } else { "" };
        writeln!(out, "| {} | {}{known} | {} |", code(&location), code(&d.rule), message(&d.message))?;
    }
    writeln!(out, "\n</details>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_could_break_a_table_or_start_markup() {
        assert_eq!(text("a|b <script> & *x* `y` $z$"), "a\\|b &lt;script&gt; &amp; \\*x\\* \\`y\\` \\$z\\$");
        assert_eq!(text("two\nlines"), "two lines");
        assert_eq!(code("we|ird.py"), "`we\\|ird.py`");
        assert_eq!(code("back`tick.py"), "back\\`tick.py");
        assert_eq!(message("use `os.environ` | not <this>"), "use `os.environ` \\| not &lt;this&gt;");
        assert_eq!(message("unpaired ` tick"), "unpaired \\` tick");
        assert_eq!(message("`a|b`"), "`a\\|b`");
        assert_eq!(text("a\x1b[2Jb\u{202e}"), "a␛\\[2Jb\\\\u{202e}");
        assert_eq!(code("a\x1b[2J\u{202e}.py"), "`a␛[2J\\u{202e}.py`");
    }
}
