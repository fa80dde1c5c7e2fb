//! Parsing with tree-sitter-python under a time budget. Comment-only lines are blanked first
//! (same byte offsets), because tree-sitter-python's scanner is quadratic on long runs of
//! indented comment lines; a lone `\r` becomes `\n`, as CPython reads it. A file whose
//! indentation could overflow the scanner's fixed-size state is refused before parsing
//! ([`MAX_INDENT_WIDTHS`]): tree-sitter aborts the process on it. An overrun or a refusal is
//! reported by the caller, never hidden.

use crate::python::tokens::{blank_comment_lines, Comment};
use crate::python::FastKind;
use std::time::{Duration, Instant};

use tree_sitter::{ParseOptions, ParseState, Parser, Tree};

use crate::rules::FileText;

/// Why a file has no tree.
#[derive(Debug)]
pub(crate) enum ParseFailure {
    /// The budget ran out after this long.
    Timeout(Duration),
    /// tree-sitter returned no tree for another reason.
    Failed,
    /// Not parsed: more distinct indentation widths than [`MAX_INDENT_WIDTHS`] (the count).
    TooDeep(usize),
}

/// The most distinct indentation widths a parsed file may have.
///
/// tree-sitter-python's scanner keeps a stack of strictly increasing indentation widths and
/// saves it, with its stack of open string delimiters (at most 255 saved), into tree-sitter's
/// 1024-byte state buffer, two bytes per width; past about 384 widths the write overruns the
/// buffer and tree-sitter's assertion aborts the whole process. The stack never holds more
/// widths than the file has distinct ones, so bounding those bounds it. 100 is also the most
/// indentation levels CPython accepts ("too many levels of indentation"), and every level is a
/// distinct width: no file CPython accepts is refused for its code, only (in theory) for more
/// than 100 different indentations inside multi-line strings.
pub(crate) const MAX_INDENT_WIDTHS: usize = 100;

/// The number of distinct indentation widths of the lines of `source` that hold something,
/// measured as tree-sitter-python's scanner measures them (a space 1, a tab 8, a carriage return
/// or form feed back to 0, a backslash-newline continues the same measure; wrapping at 2^16),
/// when more than `limit`; `None` otherwise.
pub(crate) fn too_many_indent_widths(source: &[u8], limit: usize) -> Option<usize> {
    // One bit per possible width; the scanner's stack also holds the width 0 of the module level.
    let mut seen = vec![0u64; 1 << 10];
    let mut count = 1;
    let mut at = 0;
    while at < source.len() {
        // One measure, from a line's start to what ends it; it goes on past a backslash-newline,
        // and the next measure starts on the line after the one where it stopped (each byte is
        // looked at once).
        let mut width: u16 = 0;
        let mut i = at;
        let holds_something = loop {
            match source.get(i) {
                Some(b' ') => width = width.wrapping_add(1),
                Some(b'\t') => width = width.wrapping_add(8),
                Some(b'\r' | b'\x0c') => width = 0,
                Some(b'\\') => match (source.get(i + 1), source.get(i + 2)) {
                    (Some(b'\n'), _) => i += 1,
                    (Some(b'\r'), Some(b'\n')) => i += 2,
                    (None, _) => break false,
                    _ => break true,
                },
                Some(b'\n') | None => break false,
                Some(_) => break true,
            }
            i += 1;
        };
        if holds_something && width > 0 {
            let (word, bit) = (usize::from(width) / 64, 1u64 << (width % 64));
            if seen[word] & bit == 0 {
                seen[word] |= bit;
                count += 1;
            }
        }
        at = match memchr::memchr(b'\n', source.get(i..).unwrap_or_default()) {
            Some(offset) => i + offset + 1,
            None => source.len(),
        };
    }
    (count > limit).then_some(count)
}

/// A tree-sitter parser for one worker thread.
pub(crate) struct PythonParser {
    parser: Parser,
    budget: Duration,
}

impl PythonParser {
    pub(crate) fn new(budget: Duration) -> Self {
        let mut parser = Parser::new();
        parser
            .set_language(&crate::rule::python_language())
            .expect("tree-sitter-python is compatible with the tree-sitter crate");
        Self { parser, budget }
    }

    /// Parses `source`, whose comments are `comments` (comment-only lines blanked first, and lone
    /// `\r` turned into `\n`: CPython ends a line there, tree-sitter-python does not).
    pub(crate) fn parse(&mut self, source: &str, comments: &[Comment]) -> Result<Tree, ParseFailure> {
        let blanked = blank_comment_lines(source, comments);
        let text = crate::text::universal_newlines(&blanked);
        let bytes = text.as_bytes();
        if let Some(count) = too_many_indent_widths(bytes, MAX_INDENT_WIDTHS) {
            return Err(ParseFailure::TooDeep(count));
        }
        let started = Instant::now();
        let budget = self.budget;
        let mut timed_out = false;
        let mut progress = |_: &ParseState| {
            if started.elapsed() > budget {
                timed_out = true;
            }
            timed_out
        };
        let options = ParseOptions::new().progress_callback(&mut progress);
        let len = bytes.len();
        let tree = self.parser.parse_with_options(
            &mut |offset, _| if offset < len { &bytes[offset..] } else { &[] as &[u8] },
            None,
            Some(options),
        );
        match tree {
            Some(tree) => Ok(tree),
            None => {
                self.parser.reset();
                if timed_out {
                    Err(ParseFailure::Timeout(started.elapsed()))
                } else {
                    Err(ParseFailure::Failed)
                }
            }
        }
    }
}

/// The first syntax error of the file in document order: its byte range (clipped to one line)
/// and a short description. Either the first error node of `tree`, or an indentation CPython
/// refuses and tree-sitter-python accepts (found by the tokenizer: a `TabError`, an unindent
/// matching no outer level, an unexpected indent, a missing indented block), or a name of prefix
/// letters before a quote that tree-sitter-python reads as a string prefix and CPython refuses
/// (`bf"…"`), or a name NFKC normalisation changes (`ｏｓ`: CPython reads `os`, ssot does not),
/// whichever comes first.
pub(crate) fn first_error(tree: &Tree, text: &FileText) -> Option<(std::ops::Range<usize>, String)> {
    let tokens = text.tokens();
    let indentation = tokens.indentation_error.as_ref().map(|e| (e.range.clone(), e.message.to_string()));
    [first_error_node(tree, text.source), indentation, tokens.read_unlike_cpython(text.source)]
        .into_iter()
        .flatten()
        .min_by_key(|error| error.0.start)
}

/// The first error or missing node of `tree` in document order.
fn first_error_node(tree: &Tree, source: &str) -> Option<(std::ops::Range<usize>, String)> {
    let root = tree.root_node();
    if !root.has_error() {
        return None;
    }
    let mut cursor = root.walk();
    loop {
        let node = cursor.node();
        if node.is_error() || node.is_missing() {
            let start = node.start_byte();
            let line_end = source[start..].find(['\n', '\r']).map_or(source.len(), |i| start + i);
            let end = node.end_byte().min(line_end).max(start);
            let detail = if node.is_missing() {
                format!("expected `{}` here", node.k())
            } else {
                match source.get(start..end).map(str::trim).filter(|t| !t.is_empty()) {
                    Some(text) => {
                        let short: String = text.chars().take(40).collect();
                        let ellipsis = if short.len() < text.len() { "…" } else { "" };
                        format!("unexpected `{short}{ellipsis}`")
                    }
                    None => "unexpected end of input".to_string(),
                }
            };
            return Some((start..end, detail));
        }
        // Descend into the first child with an error, else move on.
        if node.has_error() && cursor.goto_first_child() {
            continue;
        }
        loop {
            if cursor.goto_next_sibling() {
                break;
            }
            if !cursor.goto_parent() {
                return None;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indentation_widths_are_counted_as_the_scanner_measures_them() {
        let count = |text: &str| too_many_indent_widths(text.as_bytes(), 0).unwrap();
        assert_eq!(count("a\n  b\n    c\n  d\n"), 3, "0, 2 and 4");
        assert_eq!(count("a\n\tb\n        c\n"), 2, "a tab is 8, like 8 spaces");
        assert_eq!(count("a\n  \\\n  b\n"), 2, "a continuation adds up: 4");
        assert_eq!(count("a\n    \n  # c\n"), 2, "blank lines do not count; comment lines do (they are blanked first)");
        assert_eq!(count("a\n  \x0c  b\n"), 2, "a form feed starts again: 2");
    }

    /// Each byte is looked at once: a chain of 200,000 backslash-newlines was measured from each
    /// of its lines again (quadratic: 31 s). The chain is one measure.
    #[test]
    fn a_long_chain_of_continuation_lines_is_one_measure() {
        let mut text = String::from("import os\n");
        text.push_str(&" \\\n".repeat(200_000));
        text.push_str("x\n");
        assert_eq!(too_many_indent_widths(text.as_bytes(), 0), Some(2), "the chain's 200,000 spaces: one width");
        // Wider than u16: the scanner's width wraps, and so does ours.
        let wide = format!("a\n{}b\n", " ".repeat(65_537));
        assert_eq!(too_many_indent_widths(wide.as_bytes(), 0), Some(2));
    }
}
