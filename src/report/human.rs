//! The human report: each diagnostic rendered by codespan-reporting (rule id, message, source
//! excerpt with a label), then skipped files, then a summary of files, findings per rule and
//! scores. Colour comes from the writer (a terminal gets colour, anything else plain text).
//! Paths, messages and quoted source pass through [`crate::terminal`]: their control characters
//! are shown, never sent to the terminal.

use std::sync::Arc;

use codespan_reporting::diagnostic::{Diagnostic as Rendered, Label};
use codespan_reporting::files::{Files, SimpleFiles};
use codespan_reporting::term::{self, Config};
use termcolor::{ColorSpec, WriteColor};

use super::format_score;
use crate::diagnostic::{Category, Outcome, Severity};
use crate::score::Summary;
use crate::terminal::{visible, visible_source, Shifts};

/// The files codespan quotes, names and texts with their control characters made visible, and
/// what it takes to give the original columns in its `┌─ path:line:column` headers.
struct Excerpts {
    files: SimpleFiles<String, Arc<str>>,
    /// Per codespan file id: the original text and where its offsets moved.
    originals: Vec<(Arc<str>, Shifts)>,
}

impl Excerpts {
    fn new() -> Self {
        Self { files: SimpleFiles::new(), originals: Vec::new() }
    }

    fn add(&mut self, path: &str, source: Arc<str>) -> usize {
        // codespan-reporting ends lines only at `\n`; ssot's positions follow CPython, which
        // also ends one at a lone `\r` (same offsets).
        let source: Arc<str> = match crate::text::universal_newlines(&source) {
            std::borrow::Cow::Owned(translated) => translated.into(),
            std::borrow::Cow::Borrowed(_) => source,
        };
        let (text, shifts) = visible_source(&source);
        self.originals.push((source, shifts));
        self.files.add(visible(path).into_owned(), text)
    }

    /// The text of file `id` as scanned (lone `\r` read as `\n`), before it was made visible.
    fn original(&self, id: usize) -> &str {
        &self.originals[id].0
    }

    /// Where `range` of the original text of file `id` is in the visible one.
    fn range(&self, id: usize, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let (original, shifts) = &self.originals[id];
        let range = clamp(original, range);
        shifts.offset(range.start)..shifts.offset(range.end)
    }
}

impl<'a> Files<'a> for Excerpts {
    type FileId = usize;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: usize) -> Result<String, codespan_reporting::files::Error> {
        self.files.name(id)
    }

    fn source(&'a self, id: usize) -> Result<&'a str, codespan_reporting::files::Error> {
        self.files.source(id)
    }

    fn line_index(&'a self, id: usize, byte_index: usize) -> Result<usize, codespan_reporting::files::Error> {
        self.files.line_index(id, byte_index)
    }

    fn line_range(
        &'a self,
        id: usize,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, codespan_reporting::files::Error> {
        self.files.line_range(id, line_index)
    }

    /// The column in the original text: an escape that replaced one character counts as one.
    fn column_number(
        &'a self,
        id: usize,
        line_index: usize,
        byte_index: usize,
    ) -> Result<usize, codespan_reporting::files::Error> {
        let (original, shifts) = &self.originals[id];
        let start = shifts.original(self.files.line_range(id, line_index)?.start);
        let end = shifts.original(byte_index).max(start);
        Ok(original.get(start..end).map_or(0, |before| before.chars().count()) + 1)
    }
}

pub(super) fn write(
    outcome: &Outcome,
    summary: &Summary,
    context: &super::Context,
    out: &mut dyn WriteColor,
) -> std::io::Result<()> {
    let mut files = Excerpts::new();
    let mut ids = vec![None; outcome.files.len()];
    for d in &outcome.diagnostics {
        for file in std::iter::once(d.file).chain(d.related.iter().map(|r| r.file)) {
            if ids[file.0].is_none() {
                let scanned = outcome.file(file);
                let path = super::terminal_path(&outcome.root, &scanned.path, context.cwd);
                ids[file.0] = Some(files.add(&path, scanned.source.clone().unwrap_or_default()));
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
            render(outcome, context.cwd, &files, &ids, &mut long_lines, d, &mut buffer)?;
        }
        Ok(buffer)
    };
    super::render_in_order(&shown, 256, render_piece, |buffer| out.write_all(buffer.as_slice()))?;
    if context.quiet {
        return Ok(());
    }

    if !outcome.skipped.is_empty() {
        out.set_color(ColorSpec::new().set_bold(true))?;
        writeln!(out, "Skipped files:")?;
        out.reset()?;
        for skipped in &outcome.skipped {
            let path = super::terminal_path(&outcome.root, &skipped.path, context.cwd);
            writeln!(out, "  {}: {}", visible(&path), visible(&skipped.reason))?;
        }
        writeln!(out)?;
    }

    let count = |category| summary.per_category.get(&category).copied().unwrap_or(0);
    out.set_color(ColorSpec::new().set_bold(true))?;
    writeln!(out, "Summary")?;
    out.reset()?;
    let languages = summary.languages_text().map(|text| format!("; {text}")).unwrap_or_default();
    writeln!(
        out,
        "  files: {} scanned (production {}, test {}, other {}{languages}), {} skipped",
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
    // Only the rules that found something (`--statistics` and the JSON report list them all).
    let found: Vec<(&String, &usize)> = summary.by_rule.iter().filter(|(_, count)| **count > 0).collect();
    let width = found.iter().map(|(rule, _)| rule.len()).max().unwrap_or(0);
    for (rule, count) in found {
        writeln!(out, "    {rule:<width$}  {count}")?;
    }
    if summary.fixable > 0 || summary.unsafe_fixable > 0 {
        writeln!(out, "  {}", fixable_line(summary))?;
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
    writeln!(out, "  (a score is the share of files with no error or warning finding; docs/scoring.md)")?;
    Ok(())
}

/// Per (file, line): whether the line is too long to quote.
type LongLines = std::collections::HashMap<(usize, usize), bool>;

/// Renders one diagnostic: rule id, message, the source excerpt with its label and a label for
/// each related place.
fn render(
    outcome: &Outcome,
    cwd: Option<&std::path::Path>,
    files: &Excerpts,
    ids: &[Option<usize>],
    long_lines: &mut LongLines,
    d: &crate::diagnostic::Diagnostic,
    out: &mut termcolor::Buffer,
) -> std::io::Result<()> {
    // The texts as scanned, lines ended as CPython ends them (see `Excerpts::add`).
    let text_of = |file: crate::diagnostic::FileId| {
        let id = ids[file.0].expect("file registered above");
        files.original(id)
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
    let mut labels = Vec::new();
    let mut notes = Vec::new();
    // A line too long to quote (generated code) is named, not printed.
    if too_long(d.file, d.start.line, d.range.start) {
        let path = super::terminal_path(&outcome.root, &outcome.file(d.file).path, cwd);
        let path = visible(&path);
        notes.push(format!("at {path}:{}:{} (the line is too long to show)", d.start.line, d.start.column));
    } else {
        labels.push(Label::primary(file_id, files.range(file_id, d.range.clone())));
    }
    for related in &d.related {
        let related_id = ids[related.file.0].expect("file registered above");
        let message = visible(&related.message);
        if too_long(related.file, related.start.line, related.range.start) {
            let path = super::terminal_path(&outcome.root, &outcome.file(related.file).path, cwd);
            let path = visible(&path);
            notes.push(format!("{message} at {path}:{}:{}", related.start.line, related.start.column));
        } else {
            let range = files.range(related_id, related.range.clone());
            labels.push(Label::secondary(related_id, range).with_message(message.into_owned()));
        }
    }
    if let Some(fix) = &d.fix {
        let how = match fix.applicability {
            crate::fix::Applicability::Safe => " (`--fix`)",
            crate::fix::Applicability::Unsafe => " (unsafe: `--fix --unsafe-fixes`)",
            crate::fix::Applicability::DisplayOnly => " (not applied automatically)",
        };
        notes.push(format!("help: {}{how}", visible(&fix.message)));
    }
    let rendered = rendered
        .with_code(d.rule.to_string())
        .with_message(visible(&d.message).into_owned())
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
    let fit = |offset: usize| crate::text::floor_char_boundary(text, offset.min(text.len()));
    let start = fit(range.start);
    start..fit(range.end).max(start)
}

/// "3 fixable with `--fix` (2 more with `--unsafe-fixes`)".
pub(super) fn fixable_line(summary: &Summary) -> String {
    match (summary.fixable, summary.unsafe_fixable) {
        (safe, 0) => format!("fixable: {safe} with `--fix`"),
        (0, risky) => format!("fixable: {risky} with `--fix --unsafe-fixes`"),
        (safe, risky) => format!("fixable: {safe} with `--fix` ({risky} more with `--unsafe-fixes`)"),
    }
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
