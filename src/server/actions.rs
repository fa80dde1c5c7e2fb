//! Code actions and hovers over a buffer's diagnostics: each fix as a quick fix (an unsafe one
//! says so in its title; display-only ones are not offered), a quick fix that suppresses the
//! finding with a `ssot: ignore[rule] -- ` comment on its line (not offered where a comment
//! cannot end the line: inside a string that goes on, after a backslash), and the rule's documentation
//! (`ssot explain`) on hover. "Fix all" (`source.fixAll.ssot`) applies the safe fixes in passes
//! and lives with the loop ([`super::Server`]), which can analyse the fixed text again.

use std::collections::HashMap;

use lsp_types::{CodeAction, CodeActionKind, CodeActionOrCommand, Range, TextEdit, Uri, WorkspaceEdit};

use super::diagnostics::shifted;
use super::position::{Encoding, Text};
use crate::diagnostic::Diagnostic;
use crate::fix::Applicability;
use crate::language::Language;

/// The kind of "fix all" ssot offers.
pub(crate) fn fix_all_kind() -> CodeActionKind {
    CodeActionKind::new("source.fixAll.ssot")
}

/// Whether a client asking for kinds `only` wants actions of `kind` (a kind covers its
/// sub-kinds: `source` covers `source.fixAll.ssot`).
pub(crate) fn wanted(only: Option<&[CodeActionKind]>, kind: &CodeActionKind) -> bool {
    only.is_none_or(|only| {
        only.iter()
            .any(|asked| kind.as_str() == asked.as_str() || kind.as_str().starts_with(&format!("{}.", asked.as_str())))
    })
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.start <= b.end && b.start <= a.end
}

/// The buffer an action edits: its URI, and its version when the client takes versioned edits
/// (it then refuses an edit made for a text it no longer has, instead of applying it in the
/// wrong place).
pub(crate) struct Edited<'a> {
    pub uri: &'a Uri,
    pub version: Option<i32>,
}

impl Edited<'_> {
    pub(crate) fn edit(&self, edits: Vec<TextEdit>) -> WorkspaceEdit {
        let Some(version) = self.version else {
            return WorkspaceEdit {
                changes: Some(HashMap::from([(self.uri.clone(), edits)])),
                ..WorkspaceEdit::default()
            };
        };
        let text_document =
            lsp_types::OptionalVersionedTextDocumentIdentifier { uri: self.uri.clone(), version: Some(version) };
        let edits = edits.into_iter().map(lsp_types::OneOf::Left).collect();
        WorkspaceEdit {
            document_changes: Some(lsp_types::DocumentChanges::Edits(vec![lsp_types::TextDocumentEdit {
                text_document,
                edits,
            }])),
            ..WorkspaceEdit::default()
        }
    }
}

/// The quick fixes for the diagnostics (ssot's, each with the protocol's form sent for it) that
/// touch `range`.
pub(crate) fn quick_fixes(
    buffer: &Edited,
    text: &Text,
    language: Language,
    diagnostics: &[(&Diagnostic, lsp_types::Diagnostic)],
    range: &Range,
    encoding: Encoding,
) -> Vec<CodeActionOrCommand> {
    let mut actions = Vec::new();
    // (A file that was not analysed has no finding to fix or silence.)
    let findings = diagnostics.iter().filter(|(d, _)| &*d.rule != super::diagnostics::NOT_ANALYSED);
    for (d, sent) in findings.filter(|(_, sent)| overlaps(&sent.range, range)) {
        if let Some(fix) = d.fix.as_ref().filter(|fix| fix.applicability != Applicability::DisplayOnly) {
            let safe = fix.applicability == Applicability::Safe;
            let title = if safe { fix.message.clone() } else { format!("{} (unsafe fix)", fix.message) };
            let edits = fix
                .edits
                .iter()
                .map(|e| TextEdit { range: shifted(text, &e.range, encoding), new_text: e.content.clone() })
                .collect();
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title,
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![sent.clone()]),
                edit: Some(buffer.edit(edits)),
                is_preferred: Some(safe),
                ..CodeAction::default()
            }));
        }
        if let Some(suppress) = suppression(text, language, d, encoding) {
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Suppress `{}` on this line (# ssot: ignore)", d.rule),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![sent.clone()]),
                edit: Some(buffer.edit(vec![suppress])),
                ..CodeAction::default()
            }));
        }
    }
    actions
}

/// The edit that silences `d` on its line: its id added to the line's `ssot: ignore[…]`, or a
/// new directive at the end of the line, with the `-- ` of a reason to write.
fn suppression(text: &Text, language: Language, d: &Diagnostic, encoding: Encoding) -> Option<TextEdit> {
    let line = shifted(text, &(d.range.start..d.range.start), encoding).start.line as usize;
    let bounds = text.line(line)?;
    let line_text = &text.as_str()[bounds.clone()];
    const DIRECTIVE: &str = "ssot: ignore[";
    let (at, new_text) = match line_text.find(DIRECTIVE) {
        Some(found) => (bounds.start + found + DIRECTIVE.len(), format!("{}, ", d.rule)),
        None => {
            let comment = match language {
                Language::Python => "#",
                Language::Rust => "//",
            };
            (bounds.end, format!("  {comment} ssot: ignore[{}] -- ", d.rule))
        }
    };
    if !silences(text.as_str(), language, at, &new_text, &d.rule, d.start.line) {
        return None;
    }
    let position = text.position(at, encoding);
    Some(TextEdit { range: Range { start: position, end: position }, new_text })
}

/// Whether inserting `new_text` at byte `at` of `text` makes a directive that silences `rule` on
/// `line` (1-based), as the scanner will read it: the inserted comment is a comment (not inside
/// a string that goes on, not after a backslash continuation) and the text still reads as the
/// language wherever it did.
fn silences(text: &str, language: Language, at: usize, new_text: &str, rule: &str, line: usize) -> bool {
    let bom = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let Some(at) = at.checked_sub(bom) else { return false };
    let before = &text[bom..];
    let mut after = before.to_string();
    after.insert_str(at, new_text);
    let comments = match language {
        Language::Python => {
            let tokens = crate::python::tokens::tokenize(&after);
            if !tokens.ok && crate::python::tokens::tokenize(before).ok {
                return false;
            }
            tokens.comments
        }
        Language::Rust => crate::rust::lex::comments(&after),
    };
    let lines = crate::text::LineIndex::for_language(&after, language);
    let suppressions = crate::suppress::Suppressions::parse(&after, &comments, &lines, false);
    suppressions.would_suppress(rule, line)
}

/// The hover over `position`: the documentation of each rule with a diagnostic there.
pub(crate) fn hover(
    diagnostics: &[(&Diagnostic, lsp_types::Diagnostic)],
    position: lsp_types::Position,
    docs: &dyn Fn(&str) -> Option<String>,
) -> Option<lsp_types::Hover> {
    let mut rules: Vec<&str> = diagnostics
        .iter()
        .filter(|(_, sent)| sent.range.start <= position && position <= sent.range.end)
        .map(|(d, _)| &*d.rule)
        .collect();
    rules.dedup();
    let pages: Vec<String> = rules.iter().filter_map(|rule| docs(rule)).collect();
    if pages.is_empty() {
        return None;
    }
    Some(lsp_types::Hover {
        contents: lsp_types::HoverContents::Markup(lsp_types::MarkupContent {
            kind: lsp_types::MarkupKind::Markdown,
            value: pages.join("\n\n---\n\n"),
        }),
        range: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding_at(source: &str, offset: usize) -> Diagnostic {
        let mut d = super::super::diagnostics::skipped_finding("");
        d.rule = "magic-none".into();
        d.range = offset..offset + 1;
        d.start.line = source[..offset].matches('\n').count() + 1;
        d
    }

    fn suppressed(source: &str, at: &str, language: Language) -> Option<String> {
        let text = Text::new(source.to_string());
        let edit = suppression(&text, language, &finding_at(source, source.find(at).unwrap()), Encoding::Utf16)?;
        let offset = text.offset(edit.range.start, Encoding::Utf16);
        Some(format!("{}{}{}", &source[..offset], edit.new_text, &source[offset..]))
    }

    #[test]
    fn a_suppression_goes_where_a_comment_can_end_the_line() {
        let py = Language::Python;
        assert_eq!(
            suppressed("a = 1\nb = X()\n", "X", py).unwrap(),
            "a = 1\nb = X()  # ssot: ignore[magic-none] -- \n"
        );
        assert_eq!(
            suppressed("b = X()  # ssot: ignore[other] -- why\n", "X", py).unwrap(),
            "b = X()  # ssot: ignore[magic-none, other] -- why\n"
        );
        assert_eq!(
            suppressed("let x = y();\n", "y", Language::Rust).unwrap(),
            "let x = y();  // ssot: ignore[magic-none] -- \n"
        );
        // Inside a string that goes on, or before a backslash continuation: nothing offered.
        assert_eq!(suppressed("s = X('''a\nb''')\n", "X", py), None);
        assert_eq!(suppressed("s = X() + \\\n    1\n", "X", py), None);
        assert_eq!(suppressed("let s = y(\"a\nb\");\n", "y", Language::Rust), None);
        // A string that ends on the line is no obstacle.
        assert!(suppressed("s = X('''a''')\n", "X", py).is_some());
    }
}
