//! The human report: each diagnostic rendered by codespan-reporting (rule id, message, source
//! excerpt with a label), then skipped files, then a summary of files, findings per rule and
//! scores. Colour comes from the writer (a terminal gets colour, anything else plain text).

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, Config};
use termcolor::{ColorSpec, WriteColor};

use super::format_score;
use crate::diagnostic::{Category, Outcome, Severity};
use crate::score::Summary;

pub(super) fn write(outcome: &Outcome, summary: &Summary, out: &mut dyn WriteColor) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids = vec![None; outcome.files.len()];
    for d in &outcome.diagnostics {
        for file in std::iter::once(d.file).chain(d.related.iter().map(|r| r.file)) {
            if ids[file.0].is_none() {
                let scanned = outcome.file(file);
                let text = scanned.source.clone().unwrap_or_default();
                // codespan-reporting ends lines only at `\n`; ssot's positions follow CPython.
                let text = match crate::text::universal_newlines(&text) {
                    std::borrow::Cow::Owned(translated) => translated.into(),
                    std::borrow::Cow::Borrowed(_) => text,
                };
                ids[file.0] = Some(files.add(scanned.path.clone(), text));
            }
        }
    }
    // Colour, when the writer takes it, is ANSI.
    let shown: Vec<&crate::diagnostic::Diagnostic> = outcome.diagnostics.iter().filter(|d| !d.baselined).collect();
    let color = out.supports_color();
    let render_piece = |_, piece: &[&crate::diagnostic::Diagnostic]| {
        let mut buffer = if color { termcolor::Buffer::ansi() } else { termcolor::Buffer::no_color() };
        let mut long_lines = LongLines::default();
        for d in piece {
            render(outcome, &files, &ids, &mut long_lines, d, &mut buffer)?;
        }
        Ok(buffer)
    };
    super::render_in_order(&shown, 256, render_piece, |buffer| out.write_all(buffer.as_slice()))?;

    if !outcome.skipped.is_empty() {
        out.set_color(ColorSpec::new().set_bold(true))?;
        writeln!(out, "Skipped files:")?;
        out.reset()?;
        for skipped in &outcome.skipped {
            writeln!(out, "  {}: {}", skipped.path, skipped.reason)?;
        }
        writeln!(out)?;
    }

    let count = |category| summary.per_category.get(&category).copied().unwrap_or(0);
    out.set_color(ColorSpec::new().set_bold(true))?;
    writeln!(out, "Summary")?;
    out.reset()?;
    writeln!(
        out,
        "  files: {} scanned (production {}, test {}, other {}), {} skipped",
        summary.scanned,
        count(Category::Production),
        count(Category::Test),
        count(Category::Other),
        summary.skipped
    )?;
    writeln!(
        out,
        "  findings: {} ({}, {}), {} suppressed",
        summary.findings,
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        summary.suppressed
    )?;
    if summary.baselined > 0 || summary.stale > 0 {
        writeln!(out, "  baseline: {} known findings not shown, {} stale entries", summary.baselined, summary.stale)?;
    }
    let width = summary.by_rule.keys().map(String::len).max().unwrap_or(0);
    for (rule, count) in &summary.by_rule {
        writeln!(out, "    {rule:<width$}  {count}")?;
    }
    let score = |category| format_score(summary.scores.get(&category).copied().flatten());
    writeln!(
        out,
        "  score: overall {} | production {} | test {} | other {}",
        format_score(summary.overall),
        score(Category::Production),
        score(Category::Test),
        score(Category::Other)
    )?;
    Ok(())
}

/// Per (file, line): whether the line is too long to quote.
type LongLines = std::collections::HashMap<(usize, usize), bool>;

/// Renders one diagnostic: rule id, message, the source excerpt with its label and a label for
/// each related place.
fn render(
    outcome: &Outcome,
    files: &SimpleFiles<String, std::sync::Arc<str>>,
    ids: &[Option<usize>],
    long_lines: &mut LongLines,
    d: &crate::diagnostic::Diagnostic,
    out: &mut termcolor::Buffer,
) -> std::io::Result<()> {
    // The texts as codespan-reporting holds them (see `write`).
    let text_of = |file: crate::diagnostic::FileId| {
        let id = ids[file.0].expect("file registered above");
        files.get(id).map_or("", |f| codespan_reporting::files::SimpleFile::source(f).as_ref())
    };
    let mut too_long = |file: crate::diagnostic::FileId, line: usize, offset: usize| {
        *long_lines.entry((file.0, line)).or_insert_with(|| line_too_long(text_of(file), offset))
    };
    let rendered = match d.severity {
        Severity::Error => Rendered::error(),
        Severity::Warning => Rendered::warning(),
        Severity::Info => Rendered::note(),
    };
    let file_id = ids[d.file.0].expect("file registered above");
    let text = text_of(d.file);
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    // A line too long to quote (generated code) is named, not printed.
    if too_long(d.file, d.start.line, d.range.start) {
        let path = &outcome.file(d.file).path;
        notes.push(format!("at {path}:{}:{} (the line is too long to show)", d.start.line, d.start.column));
    } else {
        labels.push(Label::primary(file_id, clamp(text, d.range.clone())));
    }
    for related in &d.related {
        let related_id = ids[related.file.0].expect("file registered above");
        let related_text = text_of(related.file);
        if too_long(related.file, related.start.line, related.range.start) {
            let path = &outcome.file(related.file).path;
            notes.push(format!("{} at {path}:{}:{}", related.message, related.start.line, related.start.column));
        } else {
            let range = clamp(related_text, related.range.clone());
            labels.push(Label::secondary(related_id, range).with_message(related.message.to_string()));
        }
    }
    let rendered = rendered
        .with_code(d.rule.to_string())
        .with_message(d.message.to_string())
        .with_labels(labels)
        .with_notes(notes);
    term::emit(out, &Config::default(), files, &rendered).map_err(to_io)
}

/// Lines longer than this many bytes are not quoted.
const MAX_QUOTED_LINE: usize = 1_000;

fn line_too_long(text: &str, offset: usize) -> bool {
    let offset = offset.min(text.len());
    let start = text.as_bytes()[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let end = text.as_bytes()[offset..].iter().position(|&b| b == b'\n').map_or(text.len(), |i| offset + i);
    end - start > MAX_QUOTED_LINE
}

/// `range` within `text` on character boundaries (the file may have changed since the scan).
fn clamp(text: &str, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
    let fit = |mut offset: usize| {
        offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    };
    let start = fit(range.start);
    start..fit(range.end).max(start)
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

fn to_io(err: codespan_reporting::files::Error) -> std::io::Error {
    match err {
        codespan_reporting::files::Error::Io(err) => err,
        other => std::io::Error::other(other.to_string()),
    }
}
