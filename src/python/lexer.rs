//! A small, allocation-light Python tokenizer that knows only what it must: comments and string
//! literals (every quote style, prefix, escape and PEP 701 f-string nesting, as Python 3.12 reads
//! them), plus line structure (`\n`, `\r\n`, lone `\r`, backslash continuations).
//!
//! It owns two jobs: finding comments (suppression comments are read from them) and blanking
//! comment-only lines before tree-sitter parses a file. It deliberately does not build a syntax
//! tree or emit other tokens: one pass over the bytes, no regex, and no allocation besides the
//! returned `Vec` (plus a small mode stack, allocated only when the file contains f-strings).
//!
//! Broken input is recovered from locally: an unterminated single-quoted string (or f-string
//! literal part) ends at the end of its line, an unterminated triple-quoted string runs to the end
//! of the file, and nothing ever panics. Inside a replacement field, `#` starts a comment as in
//! Python 3.12, in single- and triple-quoted f-strings alike (the field then closes on a later
//! line); such comments are never `own_line`.

use std::borrow::Cow;

/// Byte range of one comment, `start` at the `#`, `end` exclusive at the end of the line (before
/// `\r`/`\n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comment {
    pub start: usize,
    pub end: usize,
    /// The comment is the only token on its physical line (only whitespace before the `#`), and
    /// the line does not start inside a string (f-strings included) or after a backslash
    /// continuation.
    pub own_line: bool,
}

/// All comments of `source`, in order. Never panics on any input (arbitrary, even broken,
/// Python).
pub(crate) fn comments(source: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    scan(source.as_bytes(), |comment| out.push(comment));
    out
}

/// `source` with every own-line comment replaced by spaces (same byte length, same newlines, so
/// every byte offset and line/column of the rest stays valid). Returns `Cow::Borrowed` when there
/// is nothing to blank.
pub(crate) fn blank_comment_lines(source: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut copied = 0;
    scan(source.as_bytes(), |comment| {
        if !comment.own_line {
            return;
        }
        let out = out.get_or_insert_with(|| String::with_capacity(source.len()));
        // Both ends are char boundaries: `start` is at an ASCII `#`, `end` at `\r`, `\n` or EOF.
        out.push_str(&source[copied..comment.start]);
        out.extend(std::iter::repeat_n(' ', comment.end - comment.start));
        copied = comment.end;
    });
    match out {
        None => Cow::Borrowed(source),
        Some(mut out) => {
            out.push_str(&source[copied..]);
            Cow::Owned(out)
        }
    }
}

/// One entry of the mode stack; the stack is empty in ordinary code.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Literal part of an f-string (or t-string) opened with `quote` (tripled if `triple`).
    FString { quote: u8, triple: bool, raw: bool },
    /// Expression part of a replacement field, `depth` brackets deep inside it.
    Field { depth: u32 },
    /// Format spec after a depth-0 `:` of the `Field` just below: literal again, but `{` always
    /// opens a nested field and `}` closes the enclosing one.
    Spec,
}

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// Bytes that can change the lexer's state in ordinary code.
static CODE_STOPS: [bool; 256] = byte_set(b"#'\"\\\r\n");
/// Bytes that can change the lexer's state in a replacement field's expression.
static FIELD_STOPS: [bool; 256] = byte_set(b"#'\"\\\r\n()[]{}:");

fn is_newline(byte: u8) -> bool {
    byte == b'\n' || byte == b'\r'
}

/// Whether `byte` can be part of an identifier (any non-ASCII byte may be).
fn is_word(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

/// Whitespace Python allows before a token on a line.
fn is_blank(byte: u8) -> bool {
    byte == b' ' || byte == b'\t' || byte == b'\x0c'
}

struct Lexer<'a, F> {
    bytes: &'a [u8],
    pos: usize,
    /// Offset of the current physical line.
    line_start: usize,
    /// The current physical line starts in ordinary code, not inside a string or after a
    /// backslash continuation.
    line_clean: bool,
    stack: Vec<Frame>,
    emit: F,
}

fn scan(bytes: &[u8], emit: impl FnMut(Comment)) {
    let bom = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut lexer = Lexer { bytes, pos: bom, line_start: bom, line_clean: true, stack: Vec::new(), emit };
    lexer.run();
}

impl<F: FnMut(Comment)> Lexer<'_, F> {
    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            match self.stack.last() {
                None => self.code(false),
                Some(Frame::Field { .. }) => self.code(true),
                Some(&Frame::FString { quote, triple, raw }) => {
                    self.literal(quote, triple, raw, false);
                }
                Some(Frame::Spec) => {
                    let owner = self.stack.iter().rev().find_map(|frame| match *frame {
                        Frame::FString { quote, triple, raw } => Some((quote, triple, raw)),
                        _ => None,
                    });
                    match owner {
                        Some((quote, triple, raw)) => self.literal(quote, triple, raw, true),
                        // Unreachable by construction; recover rather than loop forever.
                        None => self.stack.clear(),
                    }
                }
            }
        }
    }

    fn byte_at(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    /// Consumes the line break at `self.pos` (`\r\n` counts as one) and starts a new line.
    fn newline(&mut self, clean: bool) {
        let len = if self.bytes[self.pos] == b'\r' && self.byte_at(self.pos + 1) == Some(b'\n') { 2 } else { 1 };
        self.pos += len;
        self.line_start = self.pos;
        self.line_clean = clean;
    }

    /// Consumes a backslash at `self.pos` and the character it escapes; a backslash before a line
    /// break is a continuation.
    fn escape(&mut self) {
        self.pos += 1;
        match self.byte_at(self.pos) {
            Some(byte) if is_newline(byte) => self.newline(false),
            Some(_) => self.pos += 1,
            None => {}
        }
    }

    /// Ordinary code (`in_field` false, empty stack) or the expression of a replacement field
    /// (`in_field` true, a `Field` on top of the stack). Returns when the mode changes.
    fn code(&mut self, in_field: bool) {
        let stops = if in_field { &FIELD_STOPS } else { &CODE_STOPS };
        let len = self.bytes.len();
        loop {
            while self.pos < len && !stops[self.bytes[self.pos] as usize] {
                self.pos += 1;
            }
            let Some(byte) = self.byte_at(self.pos) else {
                return;
            };
            match byte {
                b'#' => self.comment(in_field),
                b'\n' | b'\r' => {
                    let clean = self.stack.is_empty();
                    self.newline(clean);
                }
                b'\\' => {
                    // Outside strings, only a continuation is meaningful; a stray backslash is
                    // skipped alone.
                    self.pos += 1;
                    if self.byte_at(self.pos).is_some_and(is_newline) {
                        self.newline(false);
                    }
                }
                b'\'' | b'"' => {
                    if self.string(byte) {
                        return;
                    }
                }
                _ => {
                    // Only reachable in a field: brackets and `:`.
                    self.pos += 1;
                    let Some(Frame::Field { depth }) = self.stack.last_mut() else {
                        return;
                    };
                    match byte {
                        b'(' | b'[' | b'{' => *depth = depth.saturating_add(1),
                        b')' | b']' => *depth = depth.saturating_sub(1),
                        b'}' if *depth > 0 => *depth -= 1,
                        b'}' => {
                            self.stack.pop();
                            return;
                        }
                        b':' if *depth == 0 => {
                            self.stack.push(Frame::Spec);
                            return;
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    /// A comment starting at the `#` at `self.pos`; it ends before the line break.
    fn comment(&mut self, in_field: bool) {
        let start = self.pos;
        let len = self.bytes.len();
        let mut end = start + 1;
        while end < len && !is_newline(self.bytes[end]) {
            end += 1;
        }
        let own_line = !in_field && self.line_clean && self.bytes[self.line_start..start].iter().all(|&b| is_blank(b));
        self.pos = end;
        (self.emit)(Comment { start, end, own_line });
    }

    /// A string opening with the quote at `self.pos`. Plain strings are consumed whole; an
    /// f-string pushes its frame and returns true (the mode changed).
    fn string(&mut self, quote: u8) -> bool {
        let (fstring, raw) = self.prefix();
        let triple = self.byte_at(self.pos + 1) == Some(quote) && self.byte_at(self.pos + 2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        if fstring {
            self.stack.push(Frame::FString { quote, triple, raw });
            return true;
        }
        // Raw or not, a backslash keeps the next character (a quote, a line break) from acting.
        let len = self.bytes.len();
        loop {
            while self.pos < len {
                let b = self.bytes[self.pos];
                if b == quote || b == b'\\' || is_newline(b) {
                    break;
                }
                self.pos += 1;
            }
            let Some(byte) = self.byte_at(self.pos) else {
                return false; // Unterminated: runs to the end of the file.
            };
            match byte {
                b'\\' => self.escape(),
                b'\n' | b'\r' if triple => self.newline(false),
                // Unterminated single-quoted string: ends at the end of its line.
                b'\n' | b'\r' => return false,
                _ if !triple => {
                    self.pos += 1;
                    return false;
                }
                _ if self.byte_at(self.pos + 1) == Some(quote) && self.byte_at(self.pos + 2) == Some(quote) => {
                    self.pos += 3;
                    return false;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// The string prefix just before the quote at `self.pos`: (is an f- or t-string, is raw).
    /// Only a whole word that is a valid prefix counts (`abr"x"` is a name and a plain string).
    fn prefix(&self) -> (bool, bool) {
        let mut start = self.pos;
        while start > 0 && self.pos - start <= 2 && is_word(self.bytes[start - 1]) {
            start -= 1;
        }
        let word = &self.bytes[start..self.pos];
        let (mut f, mut r, mut b, mut u) = (0, 0, 0, 0);
        for &c in word {
            match c.to_ascii_lowercase() {
                b'f' | b't' => f += 1,
                b'r' => r += 1,
                b'b' => b += 1,
                b'u' => u += 1,
                _ => return (false, false),
            }
        }
        let valid = match word.len() {
            1 => true,
            2 => r == 1 && (f == 1 || b == 1),
            _ => false,
        };
        if !valid || u + b + f + r == 0 {
            return (false, false);
        }
        (f == 1, r == 1)
    }

    /// Literal part of an f-string (`in_spec` false) or a format spec (`in_spec` true), owned by
    /// the f-string opened with `quote`. Returns when the mode changes.
    fn literal(&mut self, quote: u8, triple: bool, raw: bool, in_spec: bool) {
        let len = self.bytes.len();
        loop {
            while self.pos < len {
                let b = self.bytes[self.pos];
                if b == quote || b == b'{' || b == b'}' || b == b'\\' || is_newline(b) {
                    break;
                }
                self.pos += 1;
            }
            let Some(byte) = self.byte_at(self.pos) else {
                return; // Unterminated triple-quoted f-string: runs to the end of the file.
            };
            let next = self.byte_at(self.pos + 1);
            match byte {
                b'{' if !in_spec && next == Some(b'{') => self.pos += 2,
                b'{' => {
                    self.pos += 1;
                    self.stack.push(Frame::Field { depth: 0 });
                    return;
                }
                b'}' if in_spec => {
                    self.pos += 1;
                    self.stack.pop(); // Spec
                    self.stack.pop(); // its Field
                    return;
                }
                b'}' if next == Some(b'}') => self.pos += 2,
                b'}' => self.pos += 1, // A lone `}` is an error; keep it literal.
                b'\\' => match next {
                    // `\{` and `\}` do not escape the brace (3.12): it is read next round.
                    Some(b'{' | b'}') => self.pos += 1,
                    Some(b'N') if !raw && self.byte_at(self.pos + 2) == Some(b'{') => {
                        // `\N{NAME}`: the braces are not a replacement field.
                        self.pos += 3;
                        while self.pos < len {
                            let b = self.bytes[self.pos];
                            if b == b'}' {
                                self.pos += 1;
                                break;
                            }
                            if b == quote || is_newline(b) {
                                break;
                            }
                            self.pos += 1;
                        }
                    }
                    _ => self.escape(),
                },
                b'\n' | b'\r' if triple => self.newline(false),
                b'\n' | b'\r' => {
                    // Unterminated single-quoted f-string: ends at the end of its line.
                    self.pop_fstring();
                    return;
                }
                _ if !triple => {
                    self.pos += 1;
                    self.pop_fstring();
                    return;
                }
                _ if next == Some(quote) && self.byte_at(self.pos + 2) == Some(quote) => {
                    self.pos += 3;
                    self.pop_fstring();
                    return;
                }
                _ => self.pos += 1,
            }
        }
    }

    /// Leaves the innermost f-string, with any spec and field frames above it.
    fn pop_fstring(&mut self) {
        while let Some(frame) = self.stack.pop() {
            if let Frame::FString { .. } = frame {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Byte offsets of the comments' `#`.
    fn starts(source: &str) -> Vec<usize> {
        comments(source).iter().map(|c| c.start).collect()
    }

    /// The comments' texts with their `own_line` flags.
    fn texts(source: &str) -> Vec<(&str, bool)> {
        comments(source).iter().map(|c| (&source[c.start..c.end], c.own_line)).collect()
    }

    #[test]
    fn plain_comments_and_line_ends() {
        assert_eq!(
            comments("# a\nx = 1  # b\r\n  # c\ry # d"),
            vec![
                Comment { start: 0, end: 3, own_line: true },
                Comment { start: 11, end: 14, own_line: false },
                Comment { start: 18, end: 21, own_line: true },
                Comment { start: 24, end: 27, own_line: false },
            ]
        );
        assert_eq!(texts("\t\x0c# tab\n"), vec![("# tab", true)]);
        assert_eq!(texts("#"), vec![("#", true)]);
        assert!(comments("").is_empty());
        assert!(comments("x = 1\n").is_empty());
    }

    #[test]
    fn lone_cr_ends_lines_and_strings() {
        // A lone `\r` ends the comment, and the unterminated string, like `\n` does.
        assert_eq!(texts("x = 1 # a\r# b\r"), vec![("# a", false), ("# b", true)]);
        assert_eq!(texts("s = 'ab\r# c"), vec![("# c", true)]);
        assert_eq!(texts("s = 'a\\\r\n# in string'\r\n# d"), vec![("# d", true)]);
    }

    #[test]
    fn hash_in_quoted_strings_is_not_a_comment() {
        assert_eq!(texts("a = '#' # c"), vec![("# c", false)]);
        assert_eq!(texts("a = \"#\" # c"), vec![("# c", false)]);
        assert_eq!(texts("a = '\"#' + \"'#\" # c"), vec![("# c", false)]);
        assert_eq!(texts("a = '' # c"), vec![("# c", false)]);
        assert_eq!(texts("a = '''#\n'#'\n# x\n''' # c"), vec![("# c", false)]);
        assert_eq!(texts("a = \"\"\"#\n\"#\" \"\" \n# x\n\"\"\" # c"), vec![("# c", false)]);
        assert_eq!(texts("a = ''''#' # c"), vec![]); // `'''` then `'#' # c` inside, unclosed
        assert_eq!(texts("a = '''x''''#' # c"), vec![("# c", false)]);
    }

    #[test]
    fn string_prefixes_in_any_case() {
        for prefix in
            ["r", "R", "b", "B", "u", "U", "f", "F", "t", "T", "rb", "Rb", "bR", "BR", "fr", "Rf", "tr", "rT", "RT"]
        {
            let source = format!("x = {prefix}'#' # c\ny = {prefix}\"\"\"#\n#\"\"\" # d");
            assert_eq!(texts(&source), vec![("# c", false), ("# d", false)], "{prefix}");
        }
        // Not prefixes: the word is a name, the quote still opens a plain string.
        assert_eq!(texts("x = abr'#' # c"), vec![("# c", false)]);
        assert_eq!(texts("x = ub'{' # c"), vec![("# c", false)]);
        // `abf` is a name, so `'{'` is not an f-string (a field would swallow the comment).
        assert_eq!(texts("x = abf'{' # c"), vec![("# c", false)]);
        assert_eq!(texts("x = f'{' # c"), vec![]);
        assert_eq!(texts("x = é'#' # c"), vec![("# c", false)]);
    }

    #[test]
    fn backslash_escapes() {
        assert_eq!(texts(r##"a = "\"#" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"a = '\'#' # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"a = "\\" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"a = "\\\"#" # c"##), vec![("# c", false)]);
        // Raw strings: the backslash is kept, but still stops the quote from closing.
        assert_eq!(texts(r##"a = r"\"#" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"a = r"\\" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"a = rb'''a\'''#''' # c"##), vec![("# c", false)]);
    }

    #[test]
    fn backslash_newline_continues_a_single_quoted_string() {
        assert_eq!(texts("a = 'x\\\n# in\\\r\n# still' # c\n# d"), vec![("# c", false), ("# d", true)]);
        assert_eq!(texts("a = f'{x}\\\n# in' # c"), vec![("# c", false)]);
    }

    #[test]
    fn unterminated_single_quoted_string_ends_at_end_of_line() {
        assert_eq!(texts("a = 'abc # d\n# e\nb = \"x # f\r\n  # g"), vec![("# e", true), ("# g", true)]);
        assert_eq!(texts("a = f'abc {x} # d\n# e"), vec![("# e", true)]);
        assert_eq!(texts("a = f'{x:abc # d\n# e"), vec![("# e", true)]);
    }

    #[test]
    fn unterminated_triple_quoted_string_runs_to_end_of_file() {
        assert_eq!(texts("a = '''abc\n# d\n'' # e\n"), vec![]);
        assert_eq!(texts("# a\nb = f\"\"\"{x}\n# d\n"), vec![("# a", true)]);
    }

    #[test]
    fn fstring_nested_same_quotes() {
        assert_eq!(texts(r##"f"{x["key"]}" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f"{x["#"]}" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f"{f"{f"{1}"}"}" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f"{f"{f"{'#'}#"}#"}#" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f'{", ".join(x)}' # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f"{'\"'}" # c"##), vec![("# c", false)]);
    }

    #[test]
    fn fstring_literal_braces() {
        assert_eq!(texts("f'{{#}}' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'{{' '#' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'}}{x}}}#' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'}#' # c"), vec![("# c", false)]);
        // `{{` in a plain string is nothing special.
        assert_eq!(texts("'{' # c"), vec![("# c", false)]);
    }

    #[test]
    fn fstring_format_spec() {
        assert_eq!(texts("f'{x:#>10}' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'{x:{w}#}' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'{x:{\"#\"}}' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'{x:{y:{z}#}#}#' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'{x!r:#^{n}}{y!s}#' # c"), vec![("# c", false)]);
        // The spec ends at its string's closing quote too (an error, but don't lose the file).
        assert_eq!(texts("f'{x:#' # c"), vec![("# c", false)]);
        // A `:` inside brackets of the field is not a spec: `'"'` is a nested string here.
        assert_eq!(texts(r##"f"{x[1:'"']}" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f"{(lambda: '"')()}" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"f"{ {'a': '"'}['a'] }" # c"##), vec![("# c", false)]);
    }

    #[test]
    fn fstring_conversion_and_debug() {
        assert_eq!(texts("f'{x!r}#{y=}#{z = !a}' # c"), vec![("# c", false)]);
        assert_eq!(texts("f'{x != y}#' # c"), vec![("# c", false)]);
    }

    #[test]
    fn fstring_backslashes() {
        // `\{` does not escape the brace: `{'"'}` is a field holding a nested string.
        assert_eq!(texts(r##"f"\{'"'}" # c"##), vec![("# c", false)]);
        // `\N{...}` is a named escape in a non-raw f-string, a field in a raw one.
        assert_eq!(texts(r##"f"\N{a'}" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"rf"\N{a'}" # c"##), vec![]);
        assert_eq!(texts(r##"f"\"#{x}\"#" # c"##), vec![("# c", false)]);
        assert_eq!(texts(r##"fr"\"#{x}\"#" # c"##), vec![("# c", false)]);
    }

    #[test]
    fn comment_in_replacement_field() {
        // Python 3.12: everything after `#` in a field is a comment, in triple-quoted and in
        // single-quoted f-strings alike (the field must then close on a later line).
        assert_eq!(
            texts("f'''{x # a }'''\n  # b\n}''' # c"),
            vec![("# a }'''", false), ("# b", false), ("# c", false)]
        );
        assert_eq!(texts("f'abc{a # x }'\n+ 3}' # c"), vec![("# x }'", false), ("# c", false)]);
        assert_eq!(
            texts("f\"{', '.join([\n    'a',  # x's\n    'b'  # y\n])}\" # c"),
            vec![("# x's", false), ("# y", false), ("# c", false)]
        );
    }

    #[test]
    fn comment_only_lines_in_brackets_are_own_line() {
        let source = "x = [\n    1,\n    # a\n    (2, # b\n  # c\n    ),\n]\n";
        assert_eq!(texts(source), vec![("# a", true), ("# b", false), ("# c", true)]);
        let blanked = blank_comment_lines(source);
        assert_eq!(blanked, "x = [\n    1,\n       \n    (2, # b\n     \n    ),\n]\n");
    }

    #[test]
    fn lines_starting_in_strings_are_not_own_line() {
        let source = "a = '''\n'''# x\nb = f'''{\n1}''' # y\nc = f'''{\n# z\n}'''\n";
        assert_eq!(texts(source), vec![("# x", false), ("# y", false), ("# z", false)]);
        assert!(matches!(blank_comment_lines(source), Cow::Borrowed(_)));
    }

    #[test]
    fn backslash_continuation_is_not_own_line() {
        let source = "x = 1 + \\\n# c\n# d\ny = 2 + \\\r\n  # e\r\n";
        assert_eq!(texts(source), vec![("# c", false), ("# d", true), ("# e", false)]);
        assert_eq!(blank_comment_lines(source), "x = 1 + \\\n# c\n   \ny = 2 + \\\r\n  # e\r\n");
    }

    #[test]
    fn bom_counts_as_nothing() {
        assert_eq!(texts("\u{feff}# a\n"), vec![("# a", true)]);
    }

    #[test]
    fn blank_comment_lines_keeps_offsets() {
        let source = "# é ünïcode\r\nx = 1  # keep\n\t# ß\ry = '#'\n  #";
        let blanked = blank_comment_lines(source);
        assert_eq!(blanked.len(), source.len());
        assert_eq!(blanked, format!("{}\r\nx = 1  # keep\n\t    \ry = '#'\n   ", " ".repeat(14)));
        assert!(matches!(blank_comment_lines("x = 1  # keep\n"), Cow::Borrowed(_)));
        assert!(matches!(blank_comment_lines(""), Cow::Borrowed(_)));
    }

    /// The invariants every input must satisfy (used by the fuzz and stdlib tests).
    fn check_invariants(source: &str) -> Result<(), String> {
        let found = comments(source);
        let bytes = source.as_bytes();
        let mut previous_end = 0;
        for c in &found {
            if c.start < previous_end || c.end < c.start + 1 || c.end > bytes.len() {
                return Err(format!("bad range {c:?}"));
            }
            if bytes[c.start] != b'#' || bytes[c.start..c.end].iter().any(|&b| is_newline(b)) {
                return Err(format!("not a one-line `#` comment: {c:?}"));
            }
            if c.end < bytes.len() && !is_newline(bytes[c.end]) {
                return Err(format!("comment does not reach the end of its line: {c:?}"));
            }
            previous_end = c.end;
        }
        let blanked = blank_comment_lines(source);
        if blanked.len() != source.len() {
            return Err("blank_comment_lines changed the length".into());
        }
        let mut blank = vec![false; bytes.len()];
        for c in found.iter().filter(|c| c.own_line) {
            blank[c.start..c.end].iter_mut().for_each(|b| *b = true);
        }
        for (i, (&old, &new)) in bytes.iter().zip(blanked.as_bytes()).enumerate() {
            let expected = if blank[i] { b' ' } else { old };
            if new != expected {
                return Err(format!("blank_comment_lines: byte {i} is {new:#x}, expected {expected:#x}"));
            }
        }
        // Blanking whole comments cannot change how the rest lexes.
        let kept: Vec<Comment> = found.iter().copied().filter(|c| !c.own_line).collect();
        if comments(&blanked) != kept {
            return Err("re-lexing the blanked source found different comments".into());
        }
        Ok(())
    }

    #[test]
    fn never_panics_on_junk() {
        const ALPHABET: &[&str] = &[
            "'", "\"", "'''", "\"\"\"", "#", "\\", "\n", "\r", "\r\n", "{", "}", "{{", "}}", "(", ")", "[", "]", ":",
            "!", "=", " ", "\t", "f", "r", "b", "rf", "t", "N", "x", "é", "\u{feff}", "\0",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut source = String::new();
        for _ in 0..20_000 {
            source.clear();
            let len = next() % 40;
            for _ in 0..len {
                source.push_str(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
            }
            if let Err(err) = check_invariants(&source) {
                panic!("{err} for {source:?}");
            }
        }
        // Every prefix of a tricky snippet (truncation anywhere).
        let snippet = "x = f'{a[\"#\"]:{b}#}' rf\"\\{x}\\N{y}\" '''\n#\n''' # c\r\n(\n  # d\n) \\\n";
        for end in (0..=snippet.len()).filter(|&end| snippet.is_char_boundary(end)) {
            check_invariants(&snippet[..end]).unwrap();
        }
        // Deep nesting.
        let deep = "f'{".repeat(10_000) + &"}'".repeat(10_000) + " # c";
        check_invariants(&deep).unwrap();
        assert_eq!(texts(&deep), vec![("# c", false)]);
        let unbalanced = "f'{".repeat(10_000) + &"}'".repeat(9_999) + " # c\n# d";
        check_invariants(&unbalanced).unwrap();
        assert_eq!(texts(&unbalanced), vec![("# c", false), ("# d", false)]);
    }

    // --- Differential test against CPython's `tokenize` ---------------------------------------

    /// Given a directory, prints one JSON line per UTF-8 `*.py` file that `tokenize` accepts:
    /// `{"path": ..., "valid": <ast.parse accepts it>, "starts": [<byte offset of each COMMENT>]}`.
    const ORACLE: &str = r#"
import ast, io, json, os, sys, tokenize, warnings
warnings.simplefilter("ignore")
root = sys.argv[1]
for dirpath, dirnames, filenames in os.walk(root):
    dirnames[:] = sorted(d for d in dirnames if d not in ("site-packages", "__pycache__"))
    for name in sorted(filenames):
        if not name.endswith(".py"):
            continue
        path = os.path.join(dirpath, name)
        try:
            with open(path, "rb") as f:
                data = f.read()
            text = data.decode("utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        bom = 0
        if text.startswith("\ufeff"):
            text, bom = text[1:], 3
        lines = io.StringIO(text).readlines()
        line_starts, offset = [], bom
        for line in lines:
            line_starts.append(offset)
            offset += len(line.encode("utf-8"))
        it = iter(lines)
        try:
            tokens = list(tokenize.generate_tokens(lambda: next(it, "")))
        except Exception:
            continue
        starts = []
        for tok in tokens:
            if tok.type == tokenize.COMMENT:
                row, col = tok.start
                starts.append(line_starts[row - 1] + len(lines[row - 1][:col].encode("utf-8")))
        try:
            ast.parse(data)
            valid = True
        except Exception:
            valid = False
        print(json.dumps({"path": path, "valid": valid, "starts": starts}))
"#;

    /// Parses one line of the oracle's output.
    fn parse_record(line: &str) -> Option<(String, bool, Vec<usize>)> {
        let rest = line.trim().strip_prefix("{\"path\": \"")?;
        let mut path = String::new();
        let mut chars = rest.char_indices();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    end = Some(i + 1);
                    break;
                }
                '\\' => match chars.next()?.1 {
                    'n' => path.push('\n'),
                    't' => path.push('\t'),
                    'r' => path.push('\r'),
                    'b' => path.push('\u{8}'),
                    'f' => path.push('\u{c}'),
                    'u' => {
                        let mut code = 0u32;
                        for _ in 0..4 {
                            code = code * 16 + chars.next()?.1.to_digit(16)?;
                        }
                        // Surrogates (only in odd file names) become U+FFFD.
                        path.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                    }
                    other => path.push(other),
                },
                c => path.push(c),
            }
        }
        let rest = rest[end?..].strip_prefix(", \"valid\": ")?;
        let (valid, rest) = if let Some(rest) = rest.strip_prefix("true") {
            (true, rest)
        } else {
            (false, rest.strip_prefix("false")?)
        };
        let list = rest.strip_prefix(", \"starts\": [")?.strip_suffix("]}")?;
        let starts =
            list.split(", ").filter(|s| !s.is_empty()).map(|s| s.parse().ok()).collect::<Option<Vec<usize>>>()?;
        Some((path, valid, starts))
    }

    fn python(args: &[&str]) -> Option<std::process::Output> {
        std::process::Command::new("python3").args(args).output().ok()
    }

    /// Compares `comments()` with CPython's `tokenize` on every file of the standard library (or
    /// of `SSOT_LEXER_ORACLE_DIR`), checks the invariants of `blank_comment_lines` there, and
    /// prints the throughput of `comments()`.
    #[test]
    fn agrees_with_cpython_tokenize_on_stdlib() {
        let Some(version) = python(&["--version"]).filter(|out| out.status.success()) else {
            if std::env::var_os("CI").is_some() {
                panic!("python3 is not on PATH; the differential lexer test cannot run in CI");
            }
            eprintln!("note: python3 not found; skipping the differential lexer test");
            return;
        };
        let dir = match std::env::var("SSOT_LEXER_ORACLE_DIR") {
            Ok(dir) => dir,
            Err(_) => {
                let out = python(&["-c", "import sysconfig; print(sysconfig.get_paths()['stdlib'])"])
                    .expect("python3 ran a moment ago");
                assert!(out.status.success(), "python3 could not locate its stdlib");
                String::from_utf8(out.stdout).unwrap().trim().to_owned()
            }
        };
        let out = python(&["-c", ORACLE, &dir]).expect("python3 ran a moment ago");
        assert!(out.status.success(), "the tokenize oracle failed: {}", String::from_utf8_lossy(&out.stderr));
        let stdout = String::from_utf8(out.stdout).expect("oracle output is ASCII JSON");

        let mut files = 0;
        let mut invalid_files = 0;
        let mut sources = Vec::new();
        let mut mismatches = Vec::new();
        let mut invalid_mismatches = Vec::new();
        for line in stdout.lines() {
            let (path, valid, expected) = parse_record(line).unwrap_or_else(|| panic!("bad oracle line: {line}"));
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let Ok(source) = String::from_utf8(bytes) else {
                continue;
            };
            files += 1;
            invalid_files += usize::from(!valid);
            let actual = starts(&source);
            if actual != expected {
                let missing: Vec<_> = expected.iter().filter(|s| !actual.contains(s)).collect();
                let extra: Vec<_> = actual.iter().filter(|s| !expected.contains(s)).collect();
                let report = format!("{path}: tokenize only at {missing:?}, lexer only at {extra:?}");
                if valid {
                    mismatches.push(report);
                } else {
                    invalid_mismatches.push(report);
                }
            }
            if let Err(err) = check_invariants(&source) {
                mismatches.push(format!("{path}: {err}"));
            }
            sources.push(source);
        }
        let version = String::from_utf8_lossy(&version.stdout).trim().to_owned();
        eprintln!(
            "compared {files} files of {dir} with {version} tokenize ({invalid_files} not valid Python for ast.parse)"
        );
        for report in &invalid_mismatches {
            eprintln!("note (file is not valid Python, so error recovery may differ): {report}");
        }
        assert!(files > 0, "the oracle compared no files in {dir}");

        let bytes: usize = sources.iter().map(String::len).sum();
        let started = std::time::Instant::now();
        let mut rounds = 0;
        let mut found = 0;
        while rounds < 3 || started.elapsed().as_secs_f64() < 1.0 {
            for source in &sources {
                found += std::hint::black_box(comments(std::hint::black_box(source))).len();
            }
            rounds += 1;
        }
        let seconds = started.elapsed().as_secs_f64();
        eprintln!(
            "comments(): {:.1} MB x {rounds} in {seconds:.2} s = {:.0} MB/s ({} comments per round)",
            bytes as f64 / 1e6,
            (bytes * rounds) as f64 / 1e6 / seconds,
            found / rounds,
        );

        assert!(mismatches.is_empty(), "{} mismatches:\n{}", mismatches.len(), mismatches.join("\n"));
    }
}
