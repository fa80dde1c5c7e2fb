//! What ssot reads of Rust source without syn: its comments (suppression directives live in
//! them; syn drops all but doc comments), and byte tests for prefilters (whole words, what
//! follows a keyword past blanks and comments). A small lexer that knows strings (raw, byte and
//! C strings included), character literals and lifetimes, nested block comments and whitespace
//! as proc-macro2 reads it, and nothing finer.

use std::ops::Range;

use crate::text::Comment;

/// What the lexer tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    LineComment,
    BlockComment,
    /// A string, character or number literal.
    Literal,
    Ident,
    Lifetime,
    Open,
    Close,
    Punct(u8),
}

/// Rust's lexical tokens, coarsely, with their byte ranges.
struct Lexer<'s> {
    source: &'s str,
    bytes: &'s [u8],
    at: usize,
}

impl<'s> Lexer<'s> {
    fn new(source: &'s str) -> Self {
        Self { source, bytes: source.as_bytes(), at: 0 }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.at + ahead).copied()
    }

    /// Past the end of a quoted literal whose opening quote is at `self.at`: escapes skipped.
    fn quoted(&mut self, quote: u8) {
        self.at += 1;
        while let Some(byte) = self.peek(0) {
            self.at += 1;
            if byte == b'\\' {
                self.at += 1;
            } else if byte == quote {
                return;
            }
        }
        self.at = self.at.min(self.bytes.len());
    }

    /// Past the end of a raw string whose `#`s or opening quote are at `self.at`; `false` (and
    /// nothing consumed) when no quote follows the `#`s.
    fn raw(&mut self) -> bool {
        let hashes = self.bytes[self.at..].iter().take_while(|&&b| b == b'#').count();
        if self.bytes.get(self.at + hashes) != Some(&b'"') {
            return false;
        }
        self.at += hashes + 1;
        while let Some(found) = memchr::memchr(b'"', &self.bytes[self.at..]) {
            self.at += found + 1;
            if self.bytes[self.at..].iter().take(hashes).take_while(|&&b| b == b'#').count() == hashes {
                self.at += hashes;
                return true;
            }
        }
        self.at = self.bytes.len();
        true
    }

    /// Past an identifier's characters (ASCII word characters, and any other character that is
    /// not whitespace).
    fn skip_ident(&mut self) {
        while let Some(c) = self.source[self.at..].chars().next() {
            let word = c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && !is_whitespace(c));
            if !word {
                return;
            }
            self.at += c.len_utf8();
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = (Kind, Range<usize>);

    fn next(&mut self) -> Option<(Kind, Range<usize>)> {
        // Whitespace as proc-macro2 (and so syn) reads it: Unicode whitespace and the two
        // direction marks.
        while let Some(c) = self.source[self.at..].chars().next().filter(|&c| is_whitespace(c)) {
            self.at += c.len_utf8();
        }
        let start = self.at;
        let byte = self.peek(0)?;
        let kind = match byte {
            b'/' if self.peek(1) == Some(b'/') => {
                // To the line feed, as rustc reads it (a lone carriage return stays inside); a
                // `\r` before it is not part of the comment.
                let end = memchr::memchr(b'\n', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
                self.at = end;
                return Some((Kind::LineComment, start..end - usize::from(self.bytes[start..end].ends_with(b"\r"))));
            }
            b'/' if self.peek(1) == Some(b'*') => {
                self.at += 2;
                let mut depth = 1;
                while depth > 0 && self.at < self.bytes.len() {
                    match (self.bytes[self.at], self.peek(1)) {
                        (b'/', Some(b'*')) => (depth, self.at) = (depth + 1, self.at + 2),
                        (b'*', Some(b'/')) => (depth, self.at) = (depth - 1, self.at + 2),
                        _ => self.at += 1,
                    }
                }
                self.at = self.at.min(self.bytes.len());
                Kind::BlockComment
            }
            b'"' => {
                self.quoted(b'"');
                Kind::Literal
            }
            b'\'' => {
                // A character literal (`'a'`, `'\n'`, `'é'`) or a lifetime or label (`'a`).
                let next_char = self.source[start + 1..].chars().next();
                let after = next_char.map_or(start + 1, |c| start + 1 + c.len_utf8());
                if next_char == Some('\\') || self.bytes.get(after) == Some(&b'\'') {
                    self.quoted(b'\'');
                    Kind::Literal
                } else {
                    self.at += 1;
                    self.skip_ident();
                    Kind::Lifetime
                }
            }
            b'0'..=b'9' => {
                self.skip_ident();
                while self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|b| b.is_ascii_digit()) {
                    self.at += 1;
                    self.skip_ident();
                }
                Kind::Literal
            }
            b'(' | b'[' | b'{' => {
                self.at += 1;
                Kind::Open
            }
            b')' | b']' | b'}' => {
                self.at += 1;
                Kind::Close
            }
            byte if byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80 => {
                self.skip_ident();
                let word = &self.source[start..self.at];
                match (word, self.peek(0)) {
                    ("r" | "br" | "cr", Some(b'"' | b'#')) if self.raw() => Kind::Literal,
                    ("b" | "c", Some(b'"')) => {
                        self.quoted(b'"');
                        Kind::Literal
                    }
                    ("b", Some(b'\'')) => {
                        self.quoted(b'\'');
                        Kind::Literal
                    }
                    ("r", Some(b'#')) => {
                        // A raw identifier, `r#type`.
                        self.at += 1;
                        self.skip_ident();
                        Kind::Ident
                    }
                    _ => Kind::Ident,
                }
            }
            byte => {
                self.at += 1;
                Kind::Punct(byte)
            }
        };
        Some((kind, start..self.at))
    }
}

/// Whitespace as proc-macro2's lexer (which syn uses) reads it.
pub(crate) fn is_whitespace(c: char) -> bool {
    c.is_whitespace() || c == '\u{200e}' || c == '\u{200f}'
}

/// `text` after any whitespace and comments at its start (for prefilters that look past a
/// keyword: `struct /* x */ Name`).
pub(crate) fn skip_trivia(mut text: &str) -> &str {
    loop {
        text = text.trim_start_matches(is_whitespace);
        if text.starts_with("//") {
            text = text.find('\n').map_or("", |i| &text[i..]);
        } else if text.starts_with("/*") {
            let mut lexer = Lexer::new(text);
            let end = lexer.next().map_or(text.len(), |(_, range)| range.end);
            text = &text[end..];
        } else {
            return text;
        }
    }
}

/// The line comments of `source` that may hold suppression directives, each ending before its
/// line break: `//` comments, not doc comments (`///`, `//!`), which are documentation (they
/// describe the directive syntax more often than they use it).
pub(crate) fn comments(source: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut line_start_clean = true; // only whitespace since the last line break
    let mut last_end = 0;
    for (kind, range) in Lexer::new(source) {
        let between = &source[last_end..range.start];
        if between.contains('\n') {
            line_start_clean = true;
        }
        let text = &source[range.clone()];
        let doc = (text.starts_with("///") && !text.starts_with("////")) || text.starts_with("//!");
        if kind == Kind::LineComment && !doc {
            out.push(Comment { start: range.start, end: range.end, own_line: line_start_clean });
        }
        // A token spanning lines (a block comment, a string) ends somewhere inside a line.
        line_start_clean = false;
        last_end = range.end;
    }
    out
}

/// The byte offsets where `word` occurs in `source` as a whole identifier (not inside a longer
/// one); comments and strings are not told apart (a byte test, for prefilters).
pub(crate) fn words<'s>(source: &'s str, word: &'s str) -> impl Iterator<Item = usize> + 's {
    let is_ident = |c: char| c.is_alphanumeric() || c == '_';
    memchr::memmem::find_iter(source.as_bytes(), word.as_bytes()).filter(move |&at| {
        !source[..at].chars().next_back().is_some_and(is_ident)
            && !source[at + word.len()..].chars().next().is_some_and(is_ident)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_found_outside_strings_and_characters() {
        let source = "let a = \"// no\"; // yes\n  // own\nlet b = r#\"// \"no\"#; let c = '\"'; // after\n\
                      /* block // no */ let d = 'x; // label\nlet e = b'/'; /// doc\n//! inner doc\nlet f = 1; //// not doc\n";
        let texts: Vec<(&str, bool)> = comments(source).iter().map(|c| (&source[c.start..c.end], c.own_line)).collect();
        assert_eq!(
            texts,
            [("// yes", false), ("// own", true), ("// after", false), ("// label", false), ("//// not doc", false)]
        );
    }
}
