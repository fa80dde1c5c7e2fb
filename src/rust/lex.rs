//! What ssot reads of Rust source without syn: its comments (suppression directives live in
//! them; syn drops all but doc comments) and a bound on how deep syn's recursive descent could go
//! on it, so a hostile file is refused before it can overflow the stack. One small lexer serves
//! both; it knows strings (raw, byte and C strings included), character literals and lifetimes,
//! nested block comments, and nothing finer.

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

    fn ident_continues(&self) -> bool {
        self.peek(0).is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80)
    }

    fn skip_ident(&mut self) {
        while self.ident_continues() {
            self.at += 1;
        }
    }
}

impl Iterator for Lexer<'_> {
    type Item = (Kind, Range<usize>);

    fn next(&mut self) -> Option<(Kind, Range<usize>)> {
        while self.peek(0).is_some_and(|b| b.is_ascii_whitespace()) {
            self.at += 1;
        }
        let start = self.at;
        let byte = self.peek(0)?;
        let kind = match byte {
            b'/' if self.peek(1) == Some(b'/') => {
                self.at = memchr::memchr2(b'\n', b'\r', &self.bytes[start..]).map_or(self.bytes.len(), |i| start + i);
                Kind::LineComment
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

/// The line comments of `source` that may hold suppression directives, each ending before its
/// line break: `//` comments, not doc comments (`///`, `//!`), which are documentation (they
/// describe the directive syntax more often than they use it).
pub(crate) fn comments(source: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut line_start_clean = true; // only whitespace since the last line break
    let mut last_end = 0;
    for (kind, range) in Lexer::new(source) {
        let between = &source[last_end..range.start];
        if between.contains(['\n', '\r']) {
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
    let bytes = source.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
    memchr::memmem::find_iter(bytes, word.as_bytes()).filter(move |&at| {
        (at == 0 || !is_ident(bytes[at - 1])) && bytes.get(at + word.len()).is_none_or(|&b| !is_ident(b))
    })
}

/// Words that may open a nested construct syn parses by recursion (`return return x`, `move ||
/// move || x`, `&mut &mut T`, `impl Fn() -> impl Fn()`).
const NESTING_WORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "dyn", "else", "fn", "for", "if", "impl", "in", "let", "loop",
    "match", "mod", "move", "mut", "ref", "return", "static", "unsafe", "where", "while", "yield",
];

/// An upper bound of how deep syn's recursive descent nests on `source`, in units of at most a
/// few kilobytes of stack each: every open bracket, plus, inside each bracket (and the file),
/// the operators and keywords that may nest (`-`, `!`, `*`, `&`, `<`, `|`, `=`, `.`, `return`,
/// `move`, …) since its last `;` or `,`.
pub(crate) fn nesting(source: &str) -> usize {
    let mut saved: Vec<usize> = Vec::new();
    let (mut current, mut enclosing, mut deepest) = (0usize, 0usize, 0usize);
    for (kind, range) in Lexer::new(source) {
        match kind {
            Kind::Open => {
                saved.push(current);
                enclosing += 1 + current;
                current = 0;
            }
            Kind::Close => {
                if let Some(outer) = saved.pop() {
                    enclosing -= 1 + outer;
                    current = outer;
                }
            }
            Kind::Punct(b';' | b',') => current = 0,
            Kind::Punct(b'-' | b'!' | b'*' | b'&' | b'<' | b'|' | b'=' | b'.' | b'#') => current += 1,
            Kind::Ident if NESTING_WORDS.contains(&&source[range]) => current += 1,
            _ => {}
        }
        deepest = deepest.max(enclosing + current);
    }
    deepest
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

    #[test]
    fn nesting_counts_brackets_and_chains_that_recurse() {
        assert_eq!(nesting("fn f() {}"), 2); // `fn` and `(`, then `{` after `fn` closed
        let deep = format!("fn f() {{ let x = {}1{}; }}", "(".repeat(500), ")".repeat(500));
        assert!(nesting(&deep) > 500);
        let negations = format!("fn f() {{ let x = {}1; }}", "-".repeat(2000));
        assert!(nesting(&negations) > 2000);
        // A long list resets at each comma: it does not nest.
        let list = format!("const X: [u8; 3000] = [{}];", "1, ".repeat(3000));
        assert!(nesting(&list) < 10, "{}", nesting(&list));
        // Brackets in strings and comments do not count.
        assert_eq!(nesting("\"((((((\" // ((((\n"), 0);
    }
}
