//! ssot's one Python tokenizer: names, numbers, strings, f-strings, operators, comments and the
//! line structure (NEWLINE, INDENT, DEDENT), as Python 3.11's `tokenize.generate_tokens` yields
//! them minus ENCODING, NL and ENDMARKER (`tests/differential_tokens.rs` checks that on the
//! standard library). An f-string or t-string is one token, read with PEP 701 nesting as Python
//! 3.12 reads it (so a `#` in a replacement field starts a comment).
//!
//! It owns the tokens and the comments: no syntax tree, no token text (offsets into the source),
//! no allocation per token — one pass over the bytes, byte classes by table, one `Vec` of tokens
//! and one of comments (plus a bracket stack, an indentation stack and an f-string mode stack,
//! each allocated only when first needed). Comments are a side list ([`Tokens::comments`]), not
//! tokens, so readers of the tokens never step over them. It also owns what comments are for
//! before parsing: [`blank_comment_lines`].
//!
//! It must never panic, and its time is linear in the input. Input that is not tokenizable Python
//! stops the tokens at the first error with [`Tokens::ok`] false: callers then fall back to a real
//! parser, so anything doubtful counts as an error (an unterminated string, an unbalanced
//! bracket, an inconsistent dedent, a character that starts no token, a malformed number...).
//! The comments go on past the error (suppression comments in broken files still count): from
//! the start of the token that failed, a recovering mode reads only strings, f-strings, comments
//! and line breaks, and takes the local way out of every error — an unterminated single-quoted
//! string (or f-string literal part) ends at the end of its line, an unterminated triple-quoted
//! string runs to the end of the file, a stray `}`, `)` or backslash is skipped, nesting has no
//! limit.

use std::borrow::Cow;

/// What a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An identifier or keyword (any byte >= 0x80 may be part of one).
    Name,
    /// A numeric literal (`1_000`, `0x1F`, `1e-3`, `1j`, `.5`).
    Number,
    /// One string literal with its prefix (`rb'…'`, `"""…"""`); not an f-string.
    String,
    /// A whole f-string or t-string, prefix to closing quote, replacement fields included.
    FString,
    /// An operator or delimiter (longest match).
    Op,
    /// The end of a logical line, at its line break (`\n`, `\r\n`, `\r`), or zero-width at the
    /// end of a file that does not end with one.
    Newline,
    /// Deeper indentation: the leading whitespace of the line, from column 0 to its first token.
    Indent,
    /// One indentation level closed: zero-width, at the first token of the line (at the end of
    /// the source for the levels still open there).
    Dedent,
}

/// A string read inside an f-string's replacement field (`f"{d['key']}"`), which the f-string's
/// one token hides: a plain string, or a nested f-string (kind [`Kind::String`] or
/// [`Kind::FString`]), prefix to closing quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FieldString {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
    /// How many f-strings enclose it (1 in a field of a top-level f-string).
    pub depth: u32,
}

/// One token: its kind and byte range in the source (`end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

pub(crate) use crate::text::Comment;

/// The tokens and comments of a source file.
pub(crate) struct Tokens {
    /// Every token, in source order; when `ok` is false, only those before the error.
    pub tokens: Vec<Token>,
    /// The indices of the name tokens `import`, `from`, `class` and `def`, in order: what the
    /// statement reader checks it placed, without another pass over every token.
    pub keywords: Vec<u32>,
    /// The indices of the NEWLINE tokens, in order (where each logical line ends).
    pub newlines: Vec<u32>,
    /// Some `;` operator ends a simple statement somewhere.
    pub semicolons: bool,
    /// Every comment, in source order, also past an error (found by the recovering mode there).
    pub comments: Vec<Comment>,
    /// The strings inside f-strings' replacement fields, by start (before an error only).
    pub field_strings: Vec<FieldString>,
    /// The expression of each replacement field (from after its `{` to its `}`, or to the `:`
    /// of its format spec; a `!r` conversion and a `=` are part of it), by start (before an error
    /// only).
    pub field_code: Vec<std::ops::Range<u32>>,
    /// A replacement field's depth-0 `:` (the format spec, to Python) is followed by `=` or comes
    /// after `lambda`: tree-sitter reads a walrus or a lambda there, so what the fields hold is
    /// left to the tree.
    pub ambiguous_fields: bool,
    /// false when the input is not tokenizable Python: unterminated string, unbalanced/mismatched brackets,
    /// inconsistent dedent, a character that starts no token (e.g. `$`, `?`, a stray backslash), a NUL byte...
    /// Callers then fall back to a real parser, so when in doubt set it to false.
    pub ok: bool,
    /// The first indentation CPython refuses and tree-sitter-python accepts: its tokenizer's
    /// `TabError` and `IndentationError`s (which also stop the tokens, `ok` false), and its
    /// parser's "unexpected indent" and "expected an indented block" (the tokens go on, as
    /// Python's `tokenize` yields them).
    pub indentation_error: Option<IndentationError>,
    /// The first name of string-prefix letters that is no prefix, right before a quote (`bf'x'`,
    /// `ur"x"`): CPython reads a name and then a string (a syntax error), tree-sitter-python one
    /// string with that prefix, so the two would read the literal differently.
    pub bad_prefix: Option<std::ops::Range<usize>>,
    /// The first name that NFKC normalisation changes (`ｏｓ`, which CPython reads as `os`):
    /// ssot compares names as written, so what such a name means is not known to its rules.
    pub unnormalized: Option<std::ops::Range<usize>>,
}

/// An indentation CPython refuses: where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndentationError {
    /// The offending line's indentation (empty at column 0 and at the end of the file).
    pub range: std::ops::Range<usize>,
    /// CPython's message.
    pub message: &'static str,
}

/// Tokens read by index together with their source: one place that slices a token's text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Text<'s, 't> {
    pub source: &'s str,
    pub tokens: &'t [Token],
}

impl Tokens {
    /// The first place the tokens saw that CPython reads otherwise than tree-sitter or ssot does
    /// ([`Tokens::bad_prefix`], [`Tokens::unnormalized`]), with why: the fast path leaves such a
    /// file to the tree, and `parse-error` reports it.
    pub(crate) fn read_unlike_cpython(&self, source: &str) -> Option<(std::ops::Range<usize>, String)> {
        let word = |range: &std::ops::Range<usize>| source.get(range.clone()).unwrap_or_default();
        let prefix = self.bad_prefix.clone().map(|range| {
            let message = format!(
                "`{}` is not a string prefix: CPython reads a name, then a string (invalid syntax)",
                word(&range)
            );
            (range, message)
        });
        let unnormalized = self.unnormalized.clone().map(|range| {
            let normal: String = unicode_normalization::UnicodeNormalization::nfkc(word(&range)).collect();
            let message = format!(
                "`{}` is `{normal}` to Python, which reads names NFKC-normalised; ssot reads them as written",
                word(&range)
            );
            (range, message)
        });
        prefix.into_iter().chain(unnormalized).min_by_key(|(range, _)| range.start)
    }

    /// Whether any such place was seen ([`Tokens::read_unlike_cpython`]).
    pub(crate) fn reads_unlike_cpython(&self) -> bool {
        self.bad_prefix.is_some() || self.unnormalized.is_some()
    }

    /// The expressions of the replacement fields inside `token` (an f-string's, nested fields
    /// included), as byte ranges of the source.
    pub(crate) fn field_code_in(&self, token: &Token) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        let first = self.field_code.partition_point(|code| code.start < token.start);
        let last = self.field_code.partition_point(|code| code.start < token.end);
        self.field_code[first..last].iter().map(|code| code.start as usize..code.end as usize)
    }

    /// The strings inside `token`'s replacement fields (an f-string's, nested ones included).
    pub(crate) fn field_strings_in(&self, token: &Token) -> &[FieldString] {
        let first = self.field_strings.partition_point(|string| string.start < token.start);
        let last = self.field_strings.partition_point(|string| string.start < token.end);
        &self.field_strings[first..last]
    }
}

impl<'s> Text<'s, '_> {
    /// The text of token `index` (empty past the end).
    pub(crate) fn text(&self, index: usize) -> &'s str {
        self.tokens
            .get(index)
            .and_then(|token| self.source.get(token.start as usize..token.end as usize))
            .unwrap_or_default()
    }

    /// Token `index` is of `kind` and spelled `spelling` (its bytes compared: no slicing of the
    /// text at character boundaries, as these run on every token).
    fn is(&self, index: usize, kind: Kind, spelling: &str) -> bool {
        self.tokens.get(index).is_some_and(|t| {
            t.kind == kind && self.source.as_bytes().get(t.start as usize..t.end as usize) == Some(spelling.as_bytes())
        })
    }

    /// The byte of token `index` when it is a one-byte operator (a bracket, `:`, `;`, `,`, …):
    /// what the statement readers branch on, without comparing strings.
    pub(crate) fn op_byte(&self, index: usize) -> Option<u8> {
        let token = self.tokens.get(index)?;
        (token.kind == Kind::Op && token.end == token.start + 1).then(|| self.source.as_bytes()[token.start as usize])
    }

    /// Token `index` is the operator `op`.
    pub(crate) fn is_op(&self, index: usize, op: &str) -> bool {
        self.is(index, Kind::Op, op)
    }

    /// Token `index` is the name `name`.
    pub(crate) fn is_name(&self, index: usize, name: &str) -> bool {
        self.is(index, Kind::Name, name)
    }

    /// The tokens `range` without the parentheses around them: as many `(` at its start as `)`
    /// at its end (`(("x"))`, `((a))`).
    pub(crate) fn inside_parentheses(&self, range: std::ops::Range<usize>) -> std::ops::Range<usize> {
        let opening = range.clone().take_while(|&i| self.is_op(i, "(")).count();
        let closing = range.clone().rev().take_while(|&i| self.is_op(i, ")")).count();
        let depth = opening.min(closing).min(range.len() / 2);
        range.start + depth..range.end - depth
    }
}

/// Tokenizes `source` (a leading BOM is skipped). Never panics.
pub(crate) fn tokenize(source: &str) -> Tokens {
    let bytes = source.as_bytes();
    // Token offsets are `u32`: a source of 4 GiB or more gets no tokens, only its comments.
    let fits = u32::try_from(bytes.len()).is_ok();
    let pos = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut lexer = Lexer {
        bytes,
        pos,
        tokens: Vec::with_capacity(if fits { bytes.len() / 4 + 4 } else { 0 }),
        keywords: Vec::new(),
        newlines: Vec::new(),
        semicolons: false,
        comments: Vec::new(),
        line_start: pos,
        failed_fstring: None,
        recovering: false,
        brackets: Vec::new(),
        indents: Vec::new(),
        frames: Vec::new(),
        fstring_starts: Vec::new(),
        field_strings: Vec::new(),
        field_code: Vec::new(),
        ambiguous_fields: false,
        indentation_error: None,
        bad_prefix: None,
        unnormalized: None,
    };
    let ok = fits && lexer.run().is_ok();
    if !ok {
        lexer.recover();
    }
    // Recorded where each ends: a nested f-string after the strings inside it.
    let mut field_strings = lexer.field_strings;
    field_strings.sort_by_key(|string| string.start);
    let mut field_code = lexer.field_code;
    field_code.sort_by_key(|code| code.start);
    Tokens {
        tokens: lexer.tokens,
        keywords: lexer.keywords,
        newlines: lexer.newlines,
        semicolons: lexer.semicolons,
        comments: lexer.comments,
        field_strings,
        field_code,
        ambiguous_fields: lexer.ambiguous_fields,
        ok,
        indentation_error: lexer.indentation_error,
        bad_prefix: lexer.bad_prefix,
        unnormalized: lexer.unnormalized,
    }
}

/// `source` with every own-line comment of `comments` (its comments, as [`tokenize`] finds them)
/// replaced by spaces: same byte length, same newlines, so every byte offset and line/column of
/// the rest stays valid. Returns `Cow::Borrowed` when there is nothing to blank.
pub(crate) fn blank_comment_lines<'s>(source: &'s str, comments: &[Comment]) -> Cow<'s, str> {
    let mut own_line = comments.iter().filter(|comment| comment.own_line).peekable();
    if own_line.peek().is_none() {
        return Cow::Borrowed(source);
    }
    let mut out = String::with_capacity(source.len());
    let mut copied = 0;
    for comment in own_line {
        // Both ends are char boundaries: `start` is at an ASCII `#`, `end` at `\r`, `\n` or EOF.
        out.push_str(&source[copied..comment.start]);
        out.extend(std::iter::repeat_n(' ', comment.end - comment.start));
        copied = comment.end;
    }
    out.push_str(&source[copied..]);
    Cow::Owned(out)
}

/// Nesting limits, as CPython's tokenizer has them (brackets: `MAXLEVEL`, indentation:
/// `MAXINDENT`); the f-string one bounds the mode stack (three frames per nesting level at most).
const MAX_BRACKETS: usize = 200;
const MAX_INDENTS: usize = 100;
const MAX_FRAMES: usize = 200;

/// CPython's messages for the indentation errors it raises most.
const TAB_ERROR: &str = "inconsistent use of tabs and spaces in indentation";
const EXPECTED_BLOCK: &str = "expected an indented block";

/// Byte classes: what a byte can start in ordinary code.
const BAD: u8 = 0;
const SPACE: u8 = 1;
const EOL: u8 = 2;
const HASH: u8 = 3;
const BACKSLASH: u8 = 4;
const QUOTE: u8 = 5;
const WORD: u8 = 6;
const DIGIT: u8 = 7;
const DOT: u8 = 8;
const OPEN: u8 = 9;
const CLOSE: u8 = 10;
const OP: u8 = 11;

static CLASS: [u8; 256] = {
    let mut table = [BAD; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = match b {
            b' ' | b'\t' | b'\x0c' => SPACE,
            b'\n' | b'\r' => EOL,
            b'#' => HASH,
            b'\\' => BACKSLASH,
            b'\'' | b'"' => QUOTE,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' | 0x80..=0xFF => WORD,
            b'0'..=b'9' => DIGIT,
            b'.' => DOT,
            b'(' | b'[' | b'{' => OPEN,
            b')' | b']' | b'}' => CLOSE,
            b'+' | b'-' | b'*' | b'/' | b'%' | b'@' | b'&' | b'|' | b'^' | b'~' | b'<' | b'>' | b'=' | b'!' | b','
            | b':' | b';' => OP,
            _ => BAD,
        };
        i += 1;
    }
    table
};

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        set[bytes[i] as usize] = true;
        i += 1;
    }
    set
}

/// Bytes that continue a name: letters, digits, `_` and every non-ASCII byte.
static IS_WORD: [bool; 256] = {
    let mut set = [false; 256];
    let mut i = 0;
    while i < 256 {
        set[i] = matches!(CLASS[i], WORD | DIGIT);
        i += 1;
    }
    set
};

/// Bytes that matter in a replacement field's expression (everything else is skipped).
static FIELD_STOPS: [bool; 256] = byte_set(b"#'\"\\\r\n()[]{}:");

/// Bytes that matter in ordinary code while recovering (everything else is skipped).
static RECOVERY_STOPS: [bool; 256] = byte_set(b"#'\"\\\r\n");

/// Bytes that matter in an f-string's literal part or format spec, besides its quote.
static LITERAL_STOPS: [bool; 256] = byte_set(b"{}\\\r\n");

/// One entry of the f-string mode stack.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Literal part of an f-string (or t-string) opened with `quote` (tripled if `triple`).
    FString { quote: u8, triple: bool, raw: bool },
    /// Expression part of a replacement field (starting at `start`), `depth` brackets deep
    /// inside it.
    Field { depth: u32, start: u32 },
    /// Format spec after a depth-0 `:` of the `Field` just below, in the f-string opened with
    /// `quote`: literal again, but `{` always opens a nested field and `}` closes the enclosing one.
    Spec { quote: u8, triple: bool, raw: bool },
}

impl Frame {
    /// The spec a depth-0 `:` opens in a field whose frame sits on this one (the f-string's own
    /// literal part, or the spec of an enclosing field), in O(1) however deep the nesting.
    fn spec(self) -> Option<Frame> {
        match self {
            Frame::FString { quote, triple, raw } | Frame::Spec { quote, triple, raw } => {
                Some(Frame::Spec { quote, triple, raw })
            }
            Frame::Field { .. } => None,
        }
    }
}

/// The input is not tokenizable Python.
struct Bad;

type Step = Result<(), Bad>;

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    keywords: Vec<u32>,
    newlines: Vec<u32>,
    semicolons: bool,
    comments: Vec<Comment>,
    /// Start of the current physical line if it started in ordinary code, else of the last one
    /// that did (a line that starts inside a string or after a backslash continuation does not).
    /// A comment is alone on its line when only whitespace lies between this and its `#`.
    line_start: usize,
    /// The start of the f-string whose reading failed, if that was the error.
    failed_fstring: Option<usize>,
    /// Past the first error: only comments, strings and line breaks are read, and every error is
    /// recovered from locally instead of stopping.
    recovering: bool,
    /// Open brackets of ordinary code, innermost last.
    brackets: Vec<u8>,
    /// Open indentation levels (column with tabs to multiples of 8, column with tabs as 1),
    /// innermost last; the base level 0 is implicit.
    indents: Vec<(usize, usize)>,
    /// Mode stack of the f-string being read; empty in ordinary code.
    frames: Vec<Frame>,
    /// Where each f-string open on the mode stack starts (its prefix), outermost first.
    fstring_starts: Vec<usize>,
    /// The strings read in replacement fields (not when recovering).
    field_strings: Vec<FieldString>,
    /// The expressions of replacement fields (not when recovering).
    field_code: Vec<std::ops::Range<u32>>,
    /// Some field's `:` is read differently by tree-sitter ([`Tokens::ambiguous_fields`]).
    ambiguous_fields: bool,
    indentation_error: Option<IndentationError>,
    bad_prefix: Option<std::ops::Range<usize>>,
    unnormalized: Option<std::ops::Range<usize>>,
}

/// Whether NFKC normalisation, which CPython applies to every identifier, changes `word`.
fn changed_by_nfkc(word: &[u8]) -> bool {
    use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};
    let Ok(word) = std::str::from_utf8(word) else { return false };
    match is_nfkc_quick(word.chars()) {
        IsNormalized::Yes => false,
        _ => !word.nfkc().eq(word.chars()),
    }
}

/// Whether `text` contains `name` as a whole identifier.
pub(crate) fn contains_word(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    text.match_indices(name).any(|(start, _)| {
        let end = start + name.len();
        (start == 0 || !IS_WORD[bytes[start - 1] as usize]) && (end == bytes.len() || !IS_WORD[bytes[end] as usize])
    })
}

/// The prefix `word` just before a quote: `Some((f- or t-string, raw))` if it is one (or empty).
fn string_prefix(word: &[u8]) -> Option<(bool, bool)> {
    let lower = |i: usize| word[i].to_ascii_lowercase();
    match word.len() {
        0 => Some((false, false)),
        1 => match lower(0) {
            b'r' => Some((false, true)),
            b'u' | b'b' => Some((false, false)),
            b'f' | b't' => Some((true, false)),
            _ => None,
        },
        2 => match (lower(0), lower(1)) {
            (b'r', b'b') | (b'b', b'r') => Some((false, true)),
            (b'r', b'f' | b't') | (b'f' | b't', b'r') => Some((true, true)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `rest` (what follows a number) starts with a keyword that may follow a number in valid
/// code (`1if x else 2`), the keyword ending there.
fn keyword_after_number(rest: &[u8]) -> bool {
    [&b"and"[..], b"else", b"for", b"if", b"in", b"is", b"not", b"or"]
        .iter()
        .any(|keyword| rest.starts_with(keyword) && rest.get(keyword.len()).is_none_or(|&b| !IS_WORD[b as usize]))
}

impl Lexer<'_> {
    fn at(&self, pos: usize) -> Option<u8> {
        self.bytes.get(pos).copied()
    }

    fn push(&mut self, kind: Kind, start: usize, end: usize) {
        // Offsets fit: `tokenize` refuses sources of 4 GiB and more.
        self.tokens.push(Token { kind, start: start as u32, end: end as u32 });
    }

    fn push_newline(&mut self, start: usize, end: usize) {
        self.newlines.push(self.tokens.len() as u32);
        self.push(Kind::Newline, start, end);
    }

    /// The offset after the line break at `pos` (`\r\n` counts as one).
    fn after_newline(&self, pos: usize) -> usize {
        if self.bytes[pos] == b'\r' && self.at(pos + 1) == Some(b'\n') {
            pos + 2
        } else {
            pos + 1
        }
    }

    /// Records the comment at `self.pos` and moves to its end, before its line break.
    fn comment(&mut self, own_line: bool) {
        let bytes = self.bytes;
        let start = self.pos;
        let mut end = start + 1;
        while end < bytes.len() && bytes[end] != b'\n' && bytes[end] != b'\r' {
            end += 1;
        }
        self.pos = end;
        self.comments.push(Comment { start, end, own_line });
    }

    /// Whether only whitespace lies between the start of the line and `pos`, on a line that
    /// started in ordinary code (see `line_start`).
    fn alone_on_line(&self, pos: usize) -> bool {
        let mut before = pos;
        while before > self.line_start && matches!(self.bytes[before - 1], b' ' | b'\t' | b'\x0c') {
            before -= 1;
        }
        before == self.line_start
    }

    fn run(&mut self) -> Step {
        let bytes = self.bytes;
        let len = bytes.len();
        'lines: loop {
            // The start of a logical line: its indentation, unless it is blank.
            let line_start = self.pos;
            self.line_start = line_start;
            let (mut column, mut alt_column) = (0usize, 0usize);
            // A backslash continuation inside the indentation: CPython's compiler takes the
            // column of the first one, unless that column is 0 (its tokenizer reads 0 as "not
            // set"), and then measures on after it. Python's `tokenize` module stops at it.
            let mut continued: Option<usize> = None; // where the first one is
            let mut continued_column = 0;
            while let Some(b) = self.at(self.pos) {
                match b {
                    b' ' => (column, alt_column) = (column + 1, alt_column + 1),
                    b'\t' => (column, alt_column) = ((column / 8 + 1) * 8, alt_column + 1),
                    b'\x0c' => (column, alt_column) = (0, 0),
                    b'\\' if matches!(self.at(self.pos + 1), Some(b'\n' | b'\r')) => {
                        continued.get_or_insert(self.pos);
                        if continued_column == 0 {
                            continued_column = column;
                        }
                        self.pos = self.after_newline(self.pos + 1);
                        self.line_start = self.pos;
                        continue;
                    }
                    _ => break,
                }
                self.pos += 1;
            }
            if let Some(pos) = continued {
                if self.pos == len {
                    self.note(pos..self.pos, "unexpected EOF while parsing");
                    return Err(Bad);
                }
                if continued_column != 0 {
                    (column, alt_column) = (continued_column, continued_column);
                }
            }
            // A continued comment or blank line is blank too, to CPython's compiler (its
            // `tokenize` module reads an indentation there); such a comment stays where the text
            // handed to tree-sitter has it (not on a line of its own).
            match self.at(self.pos) {
                None => break 'lines,
                Some(b'#') => {
                    self.comment(continued.is_none());
                    if self.pos < len {
                        self.pos = self.after_newline(self.pos);
                    }
                    continue 'lines;
                }
                Some(b'\n' | b'\r') => {
                    self.pos = self.after_newline(self.pos);
                    continue 'lines;
                }
                Some(_) => self.indentation(line_start, column, alt_column)?,
            }
            // The tokens of the logical line.
            loop {
                let mut pos = self.pos;
                while pos < len && CLASS[bytes[pos] as usize] == SPACE {
                    pos += 1;
                }
                self.pos = pos;
                let Some(&b) = bytes.get(pos) else {
                    self.push_newline(len, len);
                    break 'lines;
                };
                match CLASS[b as usize] {
                    EOL => {
                        let end = self.after_newline(pos);
                        self.pos = end;
                        self.line_start = end;
                        if self.brackets.is_empty() {
                            self.push_newline(pos, end);
                            continue 'lines;
                        }
                    }
                    WORD => self.word()?,
                    HASH => self.comment(self.alone_on_line(pos)),
                    DIGIT => self.number()?,
                    DOT => {
                        if self.at(pos + 1).is_some_and(|b| b.is_ascii_digit()) {
                            self.number()?;
                        } else {
                            let n =
                                if self.at(pos + 1) == Some(b'.') && self.at(pos + 2) == Some(b'.') { 3 } else { 1 };
                            self.pos = pos + n;
                            self.push(Kind::Op, pos, pos + n);
                        }
                    }
                    OPEN => {
                        if self.brackets.len() >= MAX_BRACKETS {
                            return Err(Bad);
                        }
                        self.brackets.push(b);
                        self.pos = pos + 1;
                        self.push(Kind::Op, pos, pos + 1);
                    }
                    CLOSE => {
                        let open = match b {
                            b')' => b'(',
                            b']' => b'[',
                            _ => b'{',
                        };
                        if self.brackets.pop() != Some(open) {
                            return Err(Bad);
                        }
                        self.pos = pos + 1;
                        self.push(Kind::Op, pos, pos + 1);
                    }
                    OP => self.operator(b)?,
                    QUOTE => {
                        self.string(pos, false, false)?;
                    }
                    BACKSLASH => {
                        // Only a line continuation, and the file goes on after it.
                        self.backslash()?;
                        if self.pos == len {
                            return Err(Bad);
                        }
                    }
                    _ => return Err(Bad),
                }
            }
        }
        if !self.brackets.is_empty() {
            return Err(Bad);
        }
        if self.opens_block() {
            self.note(len..len, EXPECTED_BLOCK);
        }
        for _ in 0..self.indents.len() {
            self.push(Kind::Dedent, len, len);
        }
        Ok(())
    }

    /// Compares the indentation of a logical line's first token (at `self.pos`) with the open
    /// levels: INDENT, DEDENTs or nothing. `alt_column` counts a tab as one column: CPython
    /// rejects indentation whose order depends on the tab size (`TabError`).
    /// CPython's tokenizer errors are recorded in `indentation_error` and stop the tokens; so
    /// are its parser's "unexpected indent" (an INDENT not after a line ending in `:`) and
    /// "expected an indented block" (a line ending in `:` without one), without stopping them.
    fn indentation(&mut self, line_start: usize, column: usize, alt_column: usize) -> Step {
        let (top, alt_top) = self.indents.last().copied().unwrap_or((0, 0));
        let opens_block = self.opens_block();
        let here = line_start..self.pos;
        if column > top {
            if alt_column <= alt_top {
                return self.refuse(here, TAB_ERROR);
            }
            if self.indents.len() >= MAX_INDENTS {
                return self.refuse(here, "too many levels of indentation");
            }
            if !opens_block {
                self.note(here, "unexpected indent");
            }
            self.indents.push((column, alt_column));
            self.push(Kind::Indent, line_start, self.pos);
            return Ok(());
        }
        if opens_block {
            self.note(here.clone(), EXPECTED_BLOCK);
        }
        while self.indents.last().is_some_and(|&(level, _)| column < level) {
            self.indents.pop();
            self.push(Kind::Dedent, self.pos, self.pos);
        }
        let (top, alt_top) = self.indents.last().copied().unwrap_or((0, 0));
        if column != top {
            return self.refuse(here, "unindent does not match any outer indentation level");
        }
        if alt_column != alt_top {
            return self.refuse(here, TAB_ERROR);
        }
        Ok(())
    }

    /// Whether the last logical line ended with `:` (it opens a block: the next line must be
    /// indented).
    fn opens_block(&self) -> bool {
        match self.tokens.as_slice() {
            [.., colon, newline] => {
                newline.kind == Kind::Newline
                    && colon.kind == Kind::Op
                    && self.bytes[colon.start as usize..colon.end as usize] == *b":"
            }
            _ => false,
        }
    }

    /// Records the first indentation error.
    fn note(&mut self, range: std::ops::Range<usize>, message: &'static str) {
        self.indentation_error.get_or_insert(IndentationError { range, message });
    }

    /// Records an indentation error of CPython's tokenizer, which stops the tokens.
    fn refuse(&mut self, range: std::ops::Range<usize>, message: &'static str) -> Step {
        self.note(range, message);
        Err(Bad)
    }

    /// A name at `self.pos`, or the string it prefixes.
    fn word(&mut self) -> Step {
        let bytes = self.bytes;
        let start = self.pos;
        let mut pos = start + 1;
        while pos < bytes.len() && IS_WORD[bytes[pos] as usize] {
            pos += 1;
        }
        self.pos = pos;
        if matches!(self.at(pos), Some(b'\'' | b'"')) {
            if let Some((fstring, raw)) = string_prefix(&bytes[start..pos]) {
                return self.string(start, fstring, raw);
            }
            self.note_bad_prefix(start, pos);
        }
        if matches!(&bytes[start..pos], b"import" | b"from" | b"class" | b"def") {
            self.keywords.push(self.tokens.len() as u32);
        }
        if self.unnormalized.is_none() && !bytes[start..pos].is_ascii() && changed_by_nfkc(&bytes[start..pos]) {
            self.unnormalized = Some(start..pos);
        }
        self.push(Kind::Name, start, pos);
        Ok(())
    }

    /// Notes the word at `start..end`, right before a quote and no string prefix, when it is
    /// made of prefix letters only (`bf`, `ur`): [`Tokens::bad_prefix`].
    fn note_bad_prefix(&mut self, start: usize, end: usize) {
        if start < end && self.bytes[start..end].iter().all(|b| b"fFtTrRbBuU".contains(b)) {
            self.bad_prefix.get_or_insert(start..end);
        }
    }

    /// A string or f-string from its prefix at `start` to the closing quote; the opening quote is
    /// at `self.pos`.
    fn string(&mut self, start: usize, fstring: bool, raw: bool) -> Step {
        if fstring {
            if let Err(bad) = self.fstring(raw, start) {
                // It may have read comments in its replacement fields: read them again.
                self.failed_fstring = Some(start);
                return Err(bad);
            }
            self.push(Kind::FString, start, self.pos);
        } else {
            self.plain_string()?;
            self.push(Kind::String, start, self.pos);
        }
        Ok(())
    }

    /// An error, or when recovering, the end of an unterminated string or f-string: `at` its
    /// line break (single-quoted) or at the end of the file.
    fn unterminated(&mut self, at: usize) -> Step {
        if !self.recovering {
            return Err(Bad);
        }
        self.pos = at.min(self.bytes.len());
        Ok(())
    }

    /// Moves past the plain (not f-) string whose opening quote is at `self.pos`. Raw or not, a
    /// backslash keeps the next character (a quote, a line break) from acting.
    fn plain_string(&mut self) -> Step {
        let bytes = self.bytes;
        let len = bytes.len();
        let quote = bytes[self.pos];
        let mut pos = self.pos;
        if self.at(pos + 1) == Some(quote) && self.at(pos + 2) == Some(quote) {
            pos += 3;
            loop {
                while pos < len && bytes[pos] != quote && bytes[pos] != b'\\' {
                    pos += 1;
                }
                if pos >= len {
                    return self.unterminated(len);
                }
                if bytes[pos] == b'\\' {
                    pos += 2;
                } else if self.at(pos + 1) == Some(quote) && self.at(pos + 2) == Some(quote) {
                    self.pos = pos + 3;
                    return Ok(());
                } else {
                    pos += 1;
                }
            }
        }
        pos += 1;
        loop {
            while pos < len {
                let b = bytes[pos];
                if b == quote || b == b'\\' || b == b'\n' || b == b'\r' {
                    break;
                }
                pos += 1;
            }
            match self.at(pos) {
                Some(b'\\') => match self.at(pos + 1) {
                    Some(b'\r') if self.at(pos + 2) == Some(b'\n') => pos += 3,
                    Some(_) => pos += 2,
                    None => return self.unterminated(len),
                },
                Some(b) if b == quote => {
                    self.pos = pos + 1;
                    return Ok(());
                }
                // A line break or the end of the file before the closing quote.
                _ => return self.unterminated(pos),
            }
        }
    }

    /// Moves past the f-string whose opening quote is at `self.pos`, nested f-strings included.
    fn fstring(&mut self, raw: bool, start: usize) -> Step {
        self.frames.clear();
        self.fstring_starts.clear();
        self.open_fstring(raw, start)?;
        while let Some(&frame) = self.frames.last() {
            self.mode(frame)?;
        }
        Ok(())
    }

    /// Reads on in the mode of `frame`, the top of the mode stack, until the mode changes.
    fn mode(&mut self, frame: Frame) -> Step {
        match frame {
            Frame::FString { quote, triple, raw } => self.literal(quote, triple, raw, false),
            Frame::Spec { quote, triple, raw } => self.literal(quote, triple, raw, true),
            Frame::Field { depth, start } => self.field(depth, start as usize),
        }
    }

    /// Pushes a frame, within the nesting limit (none when recovering).
    fn push_frame(&mut self, frame: Frame) -> Step {
        if self.frames.len() >= MAX_FRAMES && !self.recovering {
            return Err(Bad);
        }
        self.frames.push(frame);
        Ok(())
    }

    /// Leaves the innermost f-string, with the spec and field frames above it; `self.pos` is
    /// its end. One nested in a replacement field is recorded.
    fn pop_fstring(&mut self) {
        while let Some(frame) = self.frames.pop() {
            if let Frame::FString { .. } = frame {
                break;
            }
        }
        if let Some(start) = self.fstring_starts.pop() {
            self.field_string(Kind::FString, start);
        }
    }

    /// Records the expression of a replacement field, `start..end` (not when recovering).
    fn field_code(&mut self, start: usize, end: usize) {
        if !self.recovering {
            // Offsets fit: `tokenize` refuses sources of 4 GiB and more.
            self.field_code.push(start as u32..end as u32);
        }
    }

    /// Records the string from `start` to `self.pos` when it stands in a replacement field.
    fn field_string(&mut self, kind: Kind, start: usize) {
        let depth = self.fstring_starts.len();
        if depth > 0 && !self.recovering {
            // Offsets fit: `tokenize` refuses sources of 4 GiB and more.
            let (start, end, depth) = (start as u32, self.pos as u32, depth as u32);
            self.field_strings.push(FieldString { kind, start, end, depth });
        }
    }

    /// Enters the f-string (prefix at `start`) whose opening quote is at `self.pos`.
    fn open_fstring(&mut self, raw: bool, start: usize) -> Step {
        let quote = self.bytes[self.pos];
        let triple = self.at(self.pos + 1) == Some(quote) && self.at(self.pos + 2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        self.fstring_starts.push(start);
        self.push_frame(Frame::FString { quote, triple, raw })
    }

    /// A quote at `self.pos` where no name was read before it (in a replacement field, or when
    /// recovering): its prefix is the word of at most two bytes before it (a BOM is no part of
    /// it). A plain string is read whole; an f-string is entered, and then the result is true
    /// (the mode changed).
    fn quote(&mut self) -> Result<bool, Bad> {
        let bytes = self.bytes;
        let pos = self.pos;
        let first = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        let mut word = pos;
        while word > first && IS_WORD[bytes[word - 1] as usize] {
            word -= 1;
        }
        let start = word.max(pos.saturating_sub(3));
        match string_prefix(&bytes[start..pos]) {
            Some((true, raw)) => self.open_fstring(raw, start).map(|()| true),
            Some((false, _)) => {
                self.plain_string()?;
                self.field_string(Kind::String, start);
                Ok(false)
            }
            // A word glued to the quote that is no prefix (`x or'a'`): the string starts here.
            None => {
                self.note_bad_prefix(word, pos);
                self.plain_string()?;
                self.field_string(Kind::String, pos);
                Ok(false)
            }
        }
    }

    /// Literal part of an f-string (`in_spec` false) or a format spec (`in_spec` true) in the
    /// f-string opened with `quote`. Returns when the mode changes.
    fn literal(&mut self, quote: u8, triple: bool, raw: bool, in_spec: bool) -> Step {
        let bytes = self.bytes;
        let len = bytes.len();
        let mut pos = self.pos;
        loop {
            while pos < len && bytes[pos] != quote && !LITERAL_STOPS[bytes[pos] as usize] {
                pos += 1;
            }
            let Some(&b) = bytes.get(pos) else {
                return self.unterminated(len);
            };
            let next = self.at(pos + 1);
            match b {
                b'{' if !in_spec && next == Some(b'{') => pos += 2,
                b'{' => {
                    self.pos = pos + 1;
                    // Offsets fit: `tokenize` refuses sources of 4 GiB and more.
                    return self.push_frame(Frame::Field { depth: 0, start: self.pos as u32 });
                }
                b'}' if in_spec => {
                    self.pos = pos + 1;
                    self.frames.pop(); // Spec
                    self.frames.pop(); // its Field
                    return Ok(());
                }
                b'}' if next == Some(b'}') => pos += 2,
                // A single `}` is not allowed; recovering, it is kept literal.
                b'}' if self.recovering => pos += 1,
                b'}' => return Err(Bad),
                b'\\' => match next {
                    // `\{` and `\}` do not escape the brace (3.12): it is read next round.
                    Some(b'{' | b'}') => pos += 1,
                    Some(b'N') if !raw && self.at(pos + 2) == Some(b'{') => {
                        // `\N{NAME}`: the braces are not a replacement field. Recovering, a name
                        // that meets the quote or a line break ends there.
                        pos += 3;
                        loop {
                            match self.at(pos) {
                                Some(b'}') => {
                                    pos += 1;
                                    break;
                                }
                                Some(b'\n' | b'\r') | None if self.recovering => break,
                                Some(b) if b == quote && self.recovering => break,
                                Some(b'\n' | b'\r') | None => return Err(Bad),
                                Some(b) if b == quote => return Err(Bad),
                                Some(_) => pos += 1,
                            }
                        }
                    }
                    Some(b'\r') if self.at(pos + 2) == Some(b'\n') => pos += 3,
                    Some(_) => pos += 2,
                    None => return self.unterminated(len),
                },
                b'\n' | b'\r' if triple => pos += 1,
                b'\n' | b'\r' => {
                    // An unterminated single-quoted f-string.
                    self.unterminated(pos)?;
                    self.pop_fstring();
                    return Ok(());
                }
                _ if !triple || (next == Some(quote) && self.at(pos + 2) == Some(quote)) => {
                    // The closing quote; in a format spec, the field was never closed.
                    if in_spec && !self.recovering {
                        return Err(Bad);
                    }
                    self.pos = pos + if triple { 3 } else { 1 };
                    self.pop_fstring();
                    return Ok(());
                }
                _ => pos += 1, // one quote of a triple-quoted f-string's quote character
            }
        }
    }

    /// The expression of a replacement field, `depth` brackets deep. Returns when the mode
    /// changes (the depth saved in the frame).
    fn field(&mut self, mut depth: u32, start: usize) -> Step {
        let bytes = self.bytes;
        let len = bytes.len();
        loop {
            let mut pos = self.pos;
            while pos < len && !FIELD_STOPS[bytes[pos] as usize] {
                pos += 1;
            }
            self.pos = pos;
            let Some(&b) = bytes.get(pos) else {
                return self.unterminated(len);
            };
            match b {
                b'#' => self.comment(false), // never alone on its line
                b'\n' | b'\r' => self.pos = self.after_newline(pos),
                b'\\' => self.backslash()?,
                b'\'' | b'"' => {
                    self.save_depth(depth);
                    if self.quote()? {
                        return Ok(());
                    }
                }
                b'(' | b'[' | b'{' => {
                    if depth as usize >= MAX_BRACKETS && !self.recovering {
                        return Err(Bad);
                    }
                    depth = depth.saturating_add(1);
                    self.pos = pos + 1;
                }
                b')' | b']' => {
                    if depth == 0 && !self.recovering {
                        return Err(Bad);
                    }
                    depth = depth.saturating_sub(1);
                    self.pos = pos + 1;
                }
                b'}' => {
                    self.pos = pos + 1;
                    if depth == 0 {
                        self.field_code(start, pos);
                        self.frames.pop();
                        return Ok(());
                    }
                    depth -= 1;
                }
                _ => {
                    // `:`
                    self.pos = pos + 1;
                    if depth == 0 {
                        // Python starts the format spec here; tree-sitter reads `x:='a'` as a
                        // walrus and `lambda: 'a'` as a lambda (Python refuses that one).
                        // Both ends are ASCII (after `{`, at `:`): the slice is text.
                        let code = std::str::from_utf8(&bytes[start.min(pos)..pos]).unwrap_or_default();
                        if self.at(pos + 1) == Some(b'=') || contains_word(code, "lambda") {
                            self.ambiguous_fields = true;
                        }
                        self.field_code(start, pos);
                        let below = self.frames.len().checked_sub(2).map(|i| self.frames[i]);
                        let Some(spec) = below.and_then(Frame::spec) else { return Err(Bad) };
                        self.save_depth(depth);
                        return self.push_frame(spec);
                    }
                }
            }
        }
    }

    /// A backslash at `self.pos` outside strings: a line continuation, or an error (recovering,
    /// it is skipped alone).
    fn backslash(&mut self) -> Step {
        let pos = self.pos;
        if self.at(pos + 1).is_some_and(|b| b == b'\n' || b == b'\r') {
            self.pos = self.after_newline(pos + 1);
        } else if self.recovering {
            self.pos = pos + 1;
        } else {
            return Err(Bad);
        }
        Ok(())
    }

    /// Past the first error: goes back to the start of the token that failed (or before it, to
    /// the end of the last token, comment or line break read, when only whitespace and line
    /// continuations lie between, which the recovering mode reads alike), drops the comments found
    /// from there on, and reads on to the end of the file in the recovering mode.
    fn recover(&mut self) {
        let resume = self.failed_fstring.unwrap_or_else(|| {
            let token = self.tokens.last().map_or(0, |token| token.end as usize);
            let comment = self.comments.last().map_or(0, |comment| comment.end);
            token.max(comment).max(self.line_start)
        });
        while self.comments.last().is_some_and(|comment| comment.start >= resume) {
            self.comments.pop();
        }
        self.pos = resume;
        self.frames.clear();
        self.fstring_starts.clear();
        self.recovering = true;
        while self.pos < self.bytes.len() {
            match self.frames.last() {
                // Not reached: every mode recovers locally. Should one still fail, go on in
                // ordinary code rather than stop.
                Some(&frame) => {
                    if self.mode(frame).is_err() {
                        self.frames.clear();
                        self.fstring_starts.clear();
                    }
                }
                None => self.recover_code(),
            }
        }
    }

    /// Ordinary code while recovering: comments, strings and line breaks; returns at an f-string
    /// (its frame pushed) or at the end of the file.
    fn recover_code(&mut self) {
        let bytes = self.bytes;
        let len = bytes.len();
        loop {
            let mut pos = self.pos;
            while pos < len && !RECOVERY_STOPS[bytes[pos] as usize] {
                pos += 1;
            }
            self.pos = pos;
            let Some(&b) = bytes.get(pos) else { return };
            match b {
                b'#' => self.comment(self.alone_on_line(pos)),
                b'\n' | b'\r' => {
                    self.pos = self.after_newline(pos);
                    self.line_start = self.pos;
                }
                // Neither fails when recovering.
                b'\\' => _ = self.backslash(),
                _ => {
                    if self.quote().unwrap_or(false) {
                        return;
                    }
                }
            }
        }
    }

    /// Stores the bracket depth of the field on top of the mode stack.
    fn save_depth(&mut self, depth: u32) {
        if let Some(Frame::Field { depth: saved, .. }) = self.frames.last_mut() {
            *saved = depth;
        }
    }

    /// A number at `self.pos` (a digit, or a `.` before a digit), read as `tokenize`'s regular
    /// expressions read it; what CPython's tokenizer rejects is an error (leading zeros, a
    /// prefix without digits, a name right after the number that is not a keyword).
    fn number(&mut self) -> Step {
        let bytes = self.bytes;
        let start = self.pos;
        // `[0-9](?:_?[0-9])*` from a digit at `pos`.
        let digits = |mut pos: usize, ok: fn(u8) -> bool| -> usize {
            pos += 1;
            loop {
                match bytes.get(pos) {
                    Some(&b) if ok(b) => pos += 1,
                    Some(b'_') if bytes.get(pos + 1).is_some_and(|&b| ok(b)) => pos += 2,
                    _ => return pos,
                }
            }
        };
        let mut pos = start;
        let radix: Option<fn(u8) -> bool> = match (bytes[start], self.at(start + 1)) {
            (b'0', Some(b'x' | b'X')) => Some(|b| b.is_ascii_hexdigit()),
            (b'0', Some(b'o' | b'O')) => Some(|b| matches!(b, b'0'..=b'7')),
            (b'0', Some(b'b' | b'B')) => Some(|b| matches!(b, b'0' | b'1')),
            _ => None,
        };
        if let Some(ok) = radix {
            // `0x(?:_?[0-9a-fA-F])+`
            pos += 2;
            if self.at(pos) == Some(b'_') {
                pos += 1;
            }
            if !self.at(pos).is_some_and(ok) {
                return Err(Bad);
            }
            pos = digits(pos, ok);
        } else {
            let decimal = |b: u8| b.is_ascii_digit();
            let mut integer = true;
            if bytes[pos] != b'.' {
                pos = digits(pos, decimal);
            }
            if self.at(pos) == Some(b'.') {
                integer = false;
                pos += 1;
                if self.at(pos).is_some_and(decimal) {
                    pos = digits(pos, decimal);
                }
            }
            if matches!(self.at(pos), Some(b'e' | b'E')) {
                let sign = usize::from(matches!(self.at(pos + 1), Some(b'+' | b'-')));
                if self.at(pos + 1 + sign).is_some_and(decimal) {
                    integer = false;
                    pos = digits(pos + 1 + sign, decimal);
                }
            }
            if matches!(self.at(pos), Some(b'j' | b'J')) {
                integer = false;
                pos += 1;
            }
            // `0(?:_?0)*` is the only decimal integer that starts with 0.
            if integer && bytes[start] == b'0' && bytes[start..pos].iter().any(|&b| matches!(b, b'1'..=b'9')) {
                return Err(Bad);
            }
        }
        if self.at(pos).is_some_and(|b| IS_WORD[b as usize]) && !keyword_after_number(&bytes[pos..]) {
            return Err(Bad);
        }
        self.pos = pos;
        self.push(Kind::Number, start, pos);
        Ok(())
    }

    /// An operator starting with the byte `b` at `self.pos` (not a bracket or `.`), longest match.
    fn operator(&mut self, b: u8) -> Step {
        let start = self.pos;
        let next = self.at(start + 1);
        let len = match b {
            b',' | b';' | b'~' => 1,
            b':' | b'=' | b'+' | b'%' | b'&' | b'|' | b'^' | b'@' => 1 + usize::from(next == Some(b'=')),
            b'!' if next == Some(b'=') => 2,
            b'-' => 1 + usize::from(matches!(next, Some(b'=' | b'>'))),
            // `<<=`, `<<`, `<=`, `<`, and the same for `>`, `*`, `/`.
            b'<' | b'>' | b'*' | b'/' if next == Some(b) => 2 + usize::from(self.at(start + 2) == Some(b'=')),
            // `<>` is a token of CPython's tokenizer, valid only with `barry_as_FLUFL`.
            b'<' if next == Some(b'>') => return Err(Bad),
            b'<' | b'>' | b'*' | b'/' => 1 + usize::from(next == Some(b'=')),
            _ => return Err(Bad), // a lone `!`
        };
        self.semicolons |= b == b';';
        self.pos = start + len;
        self.push(Kind::Op, start, start + len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deterministic xorshift generator.
    pub(super) fn xorshift(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        }
    }

    /// Hands `count` strings of up to `max_pieces` pieces of a Python-ish alphabet to `check`
    /// (always the same ones).
    pub(super) fn junk(count: usize, max_pieces: u64, mut check: impl FnMut(&str)) {
        const ALPHABET: &[&str] = &[
            "'", "\"", "'''", "\"\"\"", "#", "\\", "\n", "\r", "\r\n", "{", "}", "{{", "}}", "(", ")", "[", "]", ":",
            "!", "=", " ", "\t", "\x0c", "f", "r", "b", "rf", "t", "N", "x", "é", "\u{feff}", "\0", "0", "1", ".", "e",
            "_", "j", "0x", "if", "  ", "    ", "<", "*", "-", ">", "$", "\\N{", "# c\n", "f'{", "}'",
        ];
        let mut next = xorshift(0x9E37_79B9_7F4A_7C15);
        let mut source = String::new();
        for _ in 0..count {
            source.clear();
            for _ in 0..next() % (max_pieces + 1) {
                source.push_str(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
            }
            check(&source);
        }
    }

    #[test]
    fn indentation_cpython_refuses_is_recorded_and_accepted_indentation_is_not() {
        let error = |source: &str| tokenize(source).indentation_error.map(|e| (e.range, e.message));
        for fine in [
            "if x:  # c\n\n    # d\n    y = 1\n",
            "if x: y = 1\nz = {1:\n  2}\n",
            "class A(B,\n        C):\n\tpass\n",
            "if x:\n    y\n\x0c    z = 1\n",
            "x = 1 + \\\n    2\n",
        ] {
            assert_eq!(error(fine), None, "{fine:?}");
        }
        assert_eq!(error("if x:\n\ty\n        z\n"), Some((9..17, TAB_ERROR)));
        assert_eq!(error("if x:\n    y\n  z\n"), Some((12..14, "unindent does not match any outer indentation level")));
        assert_eq!(error("  x = 1\n"), Some((0..2, "unexpected indent")));
        assert_eq!(error("if x:\ny\n"), Some((6..6, EXPECTED_BLOCK)));
        assert_eq!(error("if x:\r\n"), Some((7..7, EXPECTED_BLOCK)));
        // The parser-level errors leave the tokens as Python's `tokenize` yields them.
        assert!(tokenize("  x = 1\n").ok && !tokenize("if x:\n\ty\n        z\n").ok);
        // A backslash continuation inside the indentation, as CPython 3.11's `ast` reads each
        // (not as its `tokenize` module does): at column 0 the measure goes on after it, else
        // the first backslash's column counts.
        for fine in ["def f():\n    x = 1\n\\\n    y = 2\n    z = 3\n", "if 1:\n    pass\n\x0c\\\n    x=1\n"] {
            assert_eq!(error(fine), None, "{fine:?}");
        }
        assert_eq!(
            error("if 1:\n    pass\n  \\\n  \\\n    x=1\n").map(|e| e.1),
            Some("unindent does not match any outer indentation level")
        );
        assert_eq!(error("if 1:\n    pass\n\t\\\n    x=1\n").map(|e| e.1), Some("unexpected indent"));
    }

    #[test]
    fn indentation_across_a_continuation_is_cpythons() {
        use Kind::{Dedent, Indent, Name, Newline, Number, Op};
        // `ast`: the assignment is in `f`'s body (FunctionDef with two statements).
        assert_eq!(
            kinds("def f():\n    pass\n\\\n    X = 1\n"),
            vec![Name, Name, Op, Op, Op, Newline, Indent, Name, Newline, Name, Op, Number, Newline, Dedent]
        );
        // In the class body, not in `f` (ClassDef with two statements): the backslash's column.
        assert_eq!(
            kinds("class K:\n    def f(self):\n        pass\n    \\\n    X = 1\n"),
            vec![
                Name, Name, Op, Newline, Indent, Name, Name, Op, Name, Op, Op, Newline, Indent, Name, Newline, Dedent,
                Name, Op, Number, Newline, Dedent
            ]
        );
        // The first backslash's column (2) even when the last line is deeper (If with one).
        assert_eq!(
            kinds("if 1:\n  \\\n\\\n    x = 1\n"),
            vec![Name, Number, Op, Newline, Indent, Name, Op, Number, Newline, Dedent]
        );
        // A continued comment or blank line is blank, as to CPython's compiler (`tokenize` reads
        // an indentation and a NEWLINE there); a continuation at the end is refused.
        assert_eq!(kinds("x = 1\n\\\n# c\ny = 2\n"), vec![Name, Op, Number, Newline, Name, Op, Number, Newline]);
        assert_eq!(kinds("if 1:\n    x = 1\n  \\\n# c\n    y = 2\n  \\\n\n"), kinds("if 1:\n    x = 1\n    y = 2\n"));
        let error = |source: &str| tokenize(source).indentation_error.map(|e| e.message);
        assert_eq!(error("x = 1\n  \\\n# c\n"), None);
        assert_eq!(error("x = 1\n\\\n"), Some("unexpected EOF while parsing"));
        assert!(!tokenize("if 1:\n  x=1\n  \\\n").ok);
    }

    /// The tokens as (kind, text), and whether the input was ok.
    fn lex(source: &str) -> (bool, Vec<(Kind, &str)>) {
        let tokens = tokenize(source);
        let list = tokens.tokens.iter().map(|t| (t.kind, &source[t.start as usize..t.end as usize])).collect();
        (tokens.ok, list)
    }

    /// The tokens of valid input, as (kind, text).
    fn ok(source: &str) -> Vec<(Kind, &str)> {
        let (ok, list) = lex(source);
        assert!(ok, "not ok: {source:?} ({list:?})");
        list
    }

    /// The kinds of the tokens of valid input.
    fn kinds(source: &str) -> Vec<Kind> {
        ok(source).into_iter().map(|(kind, _)| kind).collect()
    }

    fn bad(source: &str) {
        assert!(!tokenize(source).ok, "should not be ok: {source:?}");
    }

    use Kind::{Dedent, FString, Indent, Name, Newline, Number, Op, String as Str};

    #[test]
    fn simple_statement() {
        assert_eq!(
            ok("x = f(1, 'a')\n"),
            vec![
                (Name, "x"),
                (Op, "="),
                (Name, "f"),
                (Op, "("),
                (Number, "1"),
                (Op, ","),
                (Str, "'a'"),
                (Op, ")"),
                (Newline, "\n")
            ]
        );
        assert_eq!(ok(""), vec![]);
        assert_eq!(ok("\n\n  \n# c\n"), vec![]);
    }

    #[test]
    fn string_prefixes() {
        for prefix in ["r", "u", "R", "U", "b", "B", "rb", "Rb", "bR", "BR", "br"] {
            let source = format!("{prefix}'x' {prefix}\"\"\"y\"\"\"");
            let text = |quote: &str| format!("{prefix}{quote}");
            assert_eq!(
                ok(&source),
                vec![(Str, text("'x'").as_str()), (Str, text("\"\"\"y\"\"\"").as_str()), (Newline, "")]
            );
        }
        for prefix in ["f", "F", "t", "T", "fr", "Rf", "rT", "tR"] {
            let source = format!("{prefix}'x{{y}}'");
            assert_eq!(ok(&source), vec![(FString, source.as_str()), (Newline, "")]);
        }
        assert_eq!(ok("rb''"), vec![(Str, "rb''"), (Newline, "")]);
        assert_eq!(ok("Rb\"\""), vec![(Str, "Rb\"\""), (Newline, "")]);
        // Not prefixes: a name, then a plain string.
        assert_eq!(ok("abr\"x\""), vec![(Name, "abr"), (Str, "\"x\""), (Newline, "")]);
        assert_eq!(ok("ur'x'"), vec![(Name, "ur"), (Str, "'x'"), (Newline, "")]);
        assert_eq!(ok("bf'{'"), vec![(Name, "bf"), (Str, "'{'"), (Newline, "")]);
        assert_eq!(ok("é'x'"), vec![(Name, "é"), (Str, "'x'"), (Newline, "")]);
        // A name of prefix letters right before a quote is noted: tree-sitter reads a prefix.
        let bad = |source: &str| tokenize(source).bad_prefix.map(|range| source[range].to_string());
        for (source, word) in [("bf'{'", "bf"), ("x = ur\"a\"", "ur"), ("RBF'x'", "RBF"), ("uu'x' ff'y'", "uu")] {
            assert_eq!(bad(source).as_deref(), Some(word), "{source}");
        }
        // A name NFKC normalisation changes is noted (CPython reads `ｏｓ` as `os`); one it keeps
        // is not.
        let unnormalized = |source: &str| tokenize(source).unnormalized.map(|range| source[range].to_string());
        assert_eq!(unnormalized("import os\nx = ｏｓ.environ\n").as_deref(), Some("ｏｓ"));
        assert_eq!(unnormalized("ﬁle = 1\n").as_deref(), Some("ﬁle"));
        assert_eq!(unnormalized("é = Ω = 名前 = x_1 = 1\n"), None);
        // Inside replacement fields too (a field's expression is not tokenized word by word).
        for (source, word) in [("f'{bf\"x\"}'", "bf"), ("t'{ub\"x\"}'", "ub"), ("f'''{rbfu\"{1}\"}'''", "rbfu")] {
            assert_eq!(bad(source).as_deref(), Some(word), "{source}");
        }
        for source in
            ["rb'x'", "abr'x'", "é'x'", "bf 'x'", "if'x':pass", "f'{bf}'", "# bf'x'", "f'{xf\"a\"}'", "f'{rb\"a\"}'"]
        {
            assert_eq!(bad(source), None, "{source}");
        }
        // Implicit concatenation: separate tokens.
        assert_eq!(ok("'a' \"b\"f'c'"), vec![(Str, "'a'"), (Str, "\"b\""), (FString, "f'c'"), (Newline, "")]);
    }

    #[test]
    fn fstrings() {
        let one = |source: &str| assert_eq!(ok(source), vec![(FString, source), (Newline, "")], "{source}");
        one("f'{x!r:>{w}}'");
        one("f'{{'");
        one("f'}}{{{x}}}'");
        one(r#"f"{x["key"]}""#);
        one(r#"f"{f"{f"{1}"}"}""#);
        one(r#"f'{", ".join(x)}'"#);
        one(r#"f"{'\"'}""#);
        one("f'{x:{y:{z}#}#}#'");
        one("f'{x:%H:%M}'");
        one("f'{x = }'");
        one("f'{x != y}'");
        one("f'{(lambda: 1)()}'");
        one("f'{x[1:2]}'");
        one(r#"f"\{x}\N{DASH}""#);
        one(r#"rf"\N{x}""#);
        one("f'''{x # a }'''\n  # b\n}'''");
        one("f'a{\n  x\n}b'");
        one("f'''a\n{x:\n>10}'''");
        one("f'a\\\nb'");
        assert_eq!(ok("rb'\\''"), vec![(Str, "rb'\\''"), (Newline, "")]);
        assert_eq!(ok("f'{x}' 'y'"), vec![(FString, "f'{x}'"), (Str, "'y'"), (Newline, "")]);
        bad("f'{'");
        bad("f'}'");
        bad("f'{x:'");
        bad("f'{x)}'");
        bad("f'a\nb'");
        bad("f'''{x}");
        bad(r"f'\N{x'");
        bad("f'{x\\y}'");
    }

    #[test]
    fn triple_quoted_strings() {
        assert_eq!(ok("'''a'b''c\n'''"), vec![(Str, "'''a'b''c\n'''"), (Newline, "")]);
        assert_eq!(ok(r#""""a""b""" 'c'"#), vec![(Str, r#""""a""b""""#), (Str, "'c'"), (Newline, "")]);
        assert_eq!(ok("'''x'''' '"), vec![(Str, "'''x'''"), (Str, "' '"), (Newline, "")]);
        assert_eq!(ok("'''a\\''''"), vec![(Str, "'''a\\''''"), (Newline, "")]);
        assert_eq!(ok("x = '''\r\n\r'''\r\n"), vec![(Name, "x"), (Op, "="), (Str, "'''\r\n\r'''"), (Newline, "\r\n")]);
        bad("'''abc");
        bad("'''abc''");
        bad("'abc");
        bad("'abc\n'");
        bad("'abc\\");
    }

    #[test]
    fn backslash_continuations() {
        assert_eq!(
            ok("x = 1 + \\\n  2\ny"),
            vec![
                (Name, "x"),
                (Op, "="),
                (Number, "1"),
                (Op, "+"),
                (Number, "2"),
                (Newline, "\n"),
                (Name, "y"),
                (Newline, "")
            ]
        );
        assert_eq!(ok("'a\\\r\nb'\r\n"), vec![(Str, "'a\\\r\nb'"), (Newline, "\r\n")]);
        // No indentation after a continuation.
        assert_eq!(
            kinds("if x:\n    y = \\\n1\n"),
            vec![Name, Name, Op, Newline, Indent, Name, Op, Number, Newline, Dedent]
        );
        bad("x = 1 \\ \n");
        bad("x = 1 \\");
        bad("x = 1 \\\n");
        bad("$");
        bad("a ? b");
        bad("!x");
        bad("x = `y`");
        bad("x\0");
        bad("x\x0b");
    }

    #[test]
    fn line_ends() {
        assert_eq!(
            ok("a\r\nb\rc\n"),
            vec![(Name, "a"), (Newline, "\r\n"), (Name, "b"), (Newline, "\r"), (Name, "c"), (Newline, "\n")]
        );
        assert_eq!(ok("a # c\r# d\r\n\r\nb"), vec![(Name, "a"), (Newline, "\r"), (Name, "b"), (Newline, "")]);
        // Inside brackets, line breaks and comments are nothing.
        assert_eq!(kinds("x = [\n  1, # c\n\n  2,\r\n]\n"), vec![Name, Op, Op, Number, Op, Number, Op, Op, Newline]);
        // A BOM counts as nothing.
        assert_eq!(ok("\u{feff}x\n"), vec![(Name, "x"), (Newline, "\n")]);
    }

    #[test]
    fn eof_without_newline() {
        assert_eq!(ok("x"), vec![(Name, "x"), (Newline, "")]);
        assert_eq!(ok("x # c"), vec![(Name, "x"), (Newline, "")]);
        assert_eq!(ok("x\n# c"), vec![(Name, "x"), (Newline, "\n")]);
        assert_eq!(ok("x\n   "), vec![(Name, "x"), (Newline, "\n")]);
        let tokens = tokenize("if x:\n  y").tokens;
        let last: Vec<_> = tokens.iter().rev().take(2).map(|t| (t.kind, t.start, t.end)).collect();
        assert_eq!(last, vec![(Dedent, 9, 9), (Newline, 9, 9)]);
        bad("x = (1,\n");
        bad("x = )");
        bad("x = (]");
        bad("x = {)");
    }

    #[test]
    fn indentation() {
        let source = "if a:\n\tif b:\n\t    c\n\n  # x\nd\n";
        assert_eq!(
            ok(source),
            vec![
                (Name, "if"),
                (Name, "a"),
                (Op, ":"),
                (Newline, "\n"),
                (Indent, "\t"),
                (Name, "if"),
                (Name, "b"),
                (Op, ":"),
                (Newline, "\n"),
                (Indent, "\t    "),
                (Name, "c"),
                (Newline, "\n"),
                (Dedent, ""),
                (Dedent, ""),
                (Name, "d"),
                (Newline, "\n"),
            ]
        );
        let tokens = tokenize(source).tokens;
        let d = source.rfind('d').unwrap() as u32;
        assert_eq!(tokens[12], Token { kind: Dedent, start: d, end: d });
        // A tab goes to the next multiple of eight columns: `\t    ` is deeper than `  \t`.
        assert_eq!(
            kinds("if a:\n  \tif b:\n\t    c\n  \td\n"),
            vec![
                Name, Name, Op, Newline, Indent, Name, Name, Op, Newline, Indent, Name, Newline, Dedent, Name, Newline,
                Dedent
            ]
        );
        // A form feed resets the column.
        assert_eq!(
            kinds("if a:\n    b\n  \x0cc\n"),
            vec![Name, Name, Op, Newline, Indent, Name, Newline, Dedent, Name, Newline]
        );
        // Levels still open at the end of the file.
        assert_eq!(
            kinds("class A:\n  def f():\n    if x:\n      pass\n"),
            vec![
                Name, Name, Op, Newline, Indent, Name, Name, Op, Op, Op, Newline, Indent, Name, Name, Op, Newline,
                Indent, Name, Newline, Dedent, Dedent, Dedent
            ]
        );
        // Dedent to a level that was never open.
        bad("if a:\n    b\n  c\n");
        // Tab-size dependent (TabError).
        bad("if a:\n        b\n\tc\n");
        bad("if a:\n  \tb\n        c\n");
        assert_eq!(kinds("  x\n"), vec![Indent, Name, Newline, Dedent]);
    }

    #[test]
    fn operators() {
        let ops =
            "( ) [ ] { } , : ; . ... = == != < > <= >= << >> + - * / // % ** @ & | ^ ~ += -= *= /= //= %= **= @= &= \
                   |= ^= <<= >>= -> :=";
        let source = format!("{ops}\n");
        let expected: Vec<(Kind, &str)> = ops.split_whitespace().map(|op| (Op, op)).chain([(Newline, "\n")]).collect();
        assert_eq!(ok(&source), expected);
        assert_eq!(ok("a...b"), vec![(Name, "a"), (Op, "..."), (Name, "b"), (Newline, "")]);
        assert_eq!(ok("a..b"), vec![(Name, "a"), (Op, "."), (Op, "."), (Name, "b"), (Newline, "")]);
        assert_eq!(ok("->x"), vec![(Op, "->"), (Name, "x"), (Newline, "")]);
        assert_eq!(ok("(y:=1)"), vec![(Op, "("), (Name, "y"), (Op, ":="), (Number, "1"), (Op, ")"), (Newline, "")]);
        assert_eq!(ok("a**=-b"), vec![(Name, "a"), (Op, "**="), (Op, "-"), (Name, "b"), (Newline, "")]);
        bad("a <> b");
    }

    #[test]
    fn numbers() {
        for number in [
            "0", "1", "1_000", "0_0", "00", "0x1F", "0X_f", "0o17", "0b1_0", "1.", "1.5", ".5", "1.e5", "1e-3", "1E+3",
            "1j", "1_000.5j", "1.j", ".5e1_0J", "09.5", "09j", "09e1", "0.0",
        ] {
            assert_eq!(ok(number), vec![(Number, number), (Newline, "")], "{number}");
        }
        assert_eq!(
            ok("1if x else 2"),
            vec![(Number, "1"), (Name, "if"), (Name, "x"), (Name, "else"), (Number, "2"), (Newline, "")]
        );
        assert_eq!(ok("1else"), vec![(Number, "1"), (Name, "else"), (Newline, "")]);
        assert_eq!(ok("0x1for"), vec![(Number, "0x1f"), (Name, "or"), (Newline, "")]);
        assert_eq!(ok("x.5"), vec![(Name, "x"), (Number, ".5"), (Newline, "")]);
        assert_eq!(ok("1 .real"), vec![(Number, "1"), (Op, "."), (Name, "real"), (Newline, "")]);
        for invalid in ["0777", "1_", "1__0", "0x", "0b2", "0o8", "1e", "1e+", "1.real", "1abc", "1ifx", "1é", "0_"] {
            bad(invalid);
        }
    }

    #[test]
    fn names() {
        assert_eq!(ok("héllo _x1 ünï"), vec![(Name, "héllo"), (Name, "_x1"), (Name, "ünï"), (Newline, "")]);
        assert_eq!(ok("async def"), vec![(Name, "async"), (Name, "def"), (Newline, "")]);
    }

    #[test]
    fn never_panics() {
        let snippets = [
            "if a:\n\tx = f'{a[\"#\"]:{b}#}' rf\"\\{x}\\N{y}\" '''\n#\n''' # c\r\n(\n  # d\n) \\\n  + 1_0.5e-3j\n",
            "class A:\n  def f(self) -> int:\n    return [x for x in y if x] or {1: 2}\n  @d\n  async def g(): ...\n",
            "x = f'''{\n  a # c\n  :{w}}''' + b'\\x00' + u\"\\u00e9\"\r\n\ty = 0x_1 <<= 3 ; z := (1if a else 2)\r",
            "s = f\"{'a' if b else f'{c!r:>{d}}'}\" \\\r\n  \"\"\"é\"\"\" # é\n\x0c\n  def",
        ];
        for snippet in snippets {
            for end in (0..=snippet.len()).filter(|&end| snippet.is_char_boundary(end)) {
                let tokens = tokenize(&snippet[..end]);
                for t in &tokens.tokens {
                    assert!(t.start <= t.end && t.end as usize <= end);
                    // Every token is a valid slice.
                    let _ = &snippet[t.start as usize..t.end as usize];
                }
            }
        }
        // Mangled inputs: the tokens are valid slices, the comments keep their invariants.
        junk(30_000, 40, |source| {
            let tokens = tokenize(source);
            for t in &tokens.tokens {
                assert!(source.get(t.start as usize..t.end as usize).is_some(), "{t:?} in {source:?}");
            }
            super::comment_tests::check_invariants(source).unwrap_or_else(|err| panic!("{err} for {source:?}"));
        });
        // Deep nesting.
        let deep = "f'{".repeat(10_000) + &"}'".repeat(10_000);
        assert!(!tokenize(&deep).ok);
        let nested = "f'{".repeat(50) + &"}'".repeat(50);
        assert_eq!(kinds(&nested), vec![FString, Newline]);
        assert!(!tokenize(&"(".repeat(100_000)).ok);
        assert!(!tokenize(&("[".repeat(100) + &"]".repeat(101))).ok);
        let indented: String = (0..200).map(|i| format!("{}if x:\n", " ".repeat(i))).collect();
        assert!(!tokenize(&indented).ok);
    }
}

/// Comments, own-line flags and blanking, as the comment lexer this tokenizer replaced specified
/// them (its tests, kept), plus the recovering mode's totality and linearity.
#[cfg(test)]
mod comment_tests {
    use super::*;

    fn comments(source: &str) -> Vec<Comment> {
        tokenize(source).comments
    }

    fn blank(source: &str) -> Cow<'_, str> {
        blank_comment_lines(source, &tokenize(source).comments)
    }

    fn is_newline(byte: u8) -> bool {
        byte == b'\n' || byte == b'\r'
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
        let blanked = blank(source);
        assert_eq!(blanked, "x = [\n    1,\n       \n    (2, # b\n     \n    ),\n]\n");
    }

    #[test]
    fn lines_starting_in_strings_are_not_own_line() {
        let source = "a = '''\n'''# x\nb = f'''{\n1}''' # y\nc = f'''{\n# z\n}'''\n";
        assert_eq!(texts(source), vec![("# x", false), ("# y", false), ("# z", false)]);
        assert!(matches!(blank(source), Cow::Borrowed(_)));
    }

    #[test]
    fn backslash_continuation_is_not_own_line() {
        let source = "x = 1 + \\\n# c\n# d\ny = 2 + \\\r\n  # e\r\n";
        assert_eq!(texts(source), vec![("# c", false), ("# d", true), ("# e", false)]);
        assert_eq!(blank(source), "x = 1 + \\\n# c\n   \ny = 2 + \\\r\n  # e\r\n");
    }

    #[test]
    fn bom_counts_as_nothing() {
        assert_eq!(texts("\u{feff}# a\n"), vec![("# a", true)]);
        // Not even as part of a string prefix right after it, in the recovering mode too (the
        // f-string fails at `)` and is read again).
        assert_eq!(texts("\u{feff}f'{x # c\n}' # d"), vec![("# c", false), ("# d", false)]);
        assert_eq!(texts("\u{feff}f'{x # c\n)}' # d"), vec![("# c", false), ("# d", false)]);
        assert!(!tokenize("\u{feff}f'{x # c\n)}' # d").ok);
    }

    #[test]
    fn blank_comment_lines_keeps_offsets() {
        let source = "# é ünïcode\r\nx = 1  # keep\n\t# ß\ry = '#'\n  #";
        let blanked = blank(source);
        assert_eq!(blanked.len(), source.len());
        assert_eq!(blanked, format!("{}\r\nx = 1  # keep\n\t    \ry = '#'\n   ", " ".repeat(14)));
        assert!(matches!(blank("x = 1  # keep\n"), Cow::Borrowed(_)));
        assert!(matches!(blank(""), Cow::Borrowed(_)));
    }

    /// The invariants the comments of every input must satisfy.
    pub(super) fn check_invariants(source: &str) -> Result<(), String> {
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
        let blanked = blank(source);
        if blanked.len() != source.len() {
            return Err("blank_comment_lines changed the length".into());
        }
        let mut in_own_line = vec![false; bytes.len()];
        for c in found.iter().filter(|c| c.own_line) {
            in_own_line[c.start..c.end].iter_mut().for_each(|b| *b = true);
        }
        for (i, (&old, &new)) in bytes.iter().zip(blanked.as_bytes()).enumerate() {
            let expected = if in_own_line[i] { b' ' } else { old };
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

    /// Junk is checked with the tokens, in `tests::never_panics`.
    #[test]
    fn invariants_hold_on_truncations_and_deep_nesting() {
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

    #[test]
    fn comments_go_on_past_the_first_error() {
        // Unbalanced brackets, a stray character, a bad number, an inconsistent dedent, a stray
        // backslash: the tokens stop, the comments do not.
        for broken in ["x = (\n", "x = )\n", "x = $\n", "x = 0777\n", "if x:\n    y\n  z\n", "x = 1 \\ 2\n"] {
            let source = format!("# a\n{broken}# ssot: ignore[r]\ny = 1  # b\n");
            let tokens = tokenize(&source);
            assert!(!tokens.ok, "{broken:?}");
            let texts: Vec<_> = tokens.comments.iter().map(|c| (&source[c.start..c.end], c.own_line)).collect();
            let expected = vec![("# a", true), ("# ssot: ignore[r]", true), ("# b", false)];
            // Inside the unclosed bracket, the comments are still alone on their lines.
            assert_eq!(texts, expected, "{broken:?}");
        }
        // A comment read inside a token that then failed is found once, by the recovering mode.
        assert_eq!(texts("f'{x # a\n}' # b\ny = )  # c"), vec![("# a", false), ("# b", false), ("# c", false)]);
        assert_eq!(texts("f'{x # a\n)}' # b\n# c"), vec![("# a", false), ("# b", false), ("# c", true)]);
        // Deeper than the tokenizer's nesting limit: read again from the f-string's start.
        let deep = format!("# a\nx = {}{} # b\n# c", "f'{".repeat(300), "}'".repeat(300));
        assert!(!tokenize(&deep).ok);
        assert_eq!(texts(&deep), vec![("# a", true), ("# b", false), ("# c", true)]);
    }

    #[test]
    fn recovering_mode_is_total_and_linear() {
        // Random bytes (as the lossy UTF-8 a file could hold).
        let mut next = super::tests::xorshift(0x0123_4567_89AB_CDEF);
        for _ in 0..2_000 {
            let bytes: Vec<u8> = (0..next() % 200).map(|_| next() as u8).collect();
            let source = String::from_utf8_lossy(&bytes);
            check_invariants(&source).unwrap_or_else(|err| panic!("{err} for {source:?}"));
        }
        // Long runs of what nests or continues: each would be quadratic with a rescan per level or
        // per byte, and at this size take minutes.
        for source in [
            "f'{x:".to_string() + &"{x:".repeat(100_000) + "\n# c",
            "f'{x:".to_string() + &"{x:".repeat(100_000) + &"}".repeat(100_001) + "' # c",
            "(".repeat(300_000) + " # c",
            "'".repeat(300_000) + "\n# c",
            "f'{".repeat(100_000) + "# c",
            format!("x = {}  # c", "a + ".repeat(200_000)),
            "\\\n".repeat(200_000) + "# c",
            "f'''{".repeat(50_000) + "\n# c\n",
        ] {
            check_invariants(&source).unwrap();
            assert!(texts(&source).last().is_some_and(|(text, _)| *text == "# c"), "{:?}", &source[..20]);
        }
    }
}

#[cfg(test)]
mod keyword_tests {
    use super::*;

    /// `keywords` lists exactly the name tokens `import`, `from`, `class` and `def`, in order,
    /// `newlines` the NEWLINE tokens, and `semicolons` says whether a `;` operator is among them:
    /// on every Python file under testdata/ (the parse and rule fixtures: broken files, f-strings,
    /// soft keywords, names that only start like a keyword), and on a few made to mislead.
    #[test]
    fn keywords_are_the_keyword_names() {
        let mut sources: Vec<String> = [
            "importer = 1\nfrom_ = definition = classy = 2\nimport a\nfrom . import b\n",
            "x = f'{import_}' 'import'\ndef f(): return class_\n# import c\n",
            "class A:\n    def __init__(self): from x import (y,\n  z)\n",
            "s = '''\nimport q\n'''\nimport r  # after a triple-quoted string\nbroken = (\n",
            "a = 1; b = 2\nif x: y = ';'\n",
        ]
        .map(String::from)
        .to_vec();
        let testdata = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/testdata"));
        for path in crate::testing::python_files(testdata) {
            sources.extend(std::fs::read(&path).ok().and_then(|b| String::from_utf8(b).ok()));
        }
        assert!(sources.len() > 100, "testdata holds the fixtures");
        for source in &sources {
            let lexed = tokenize(source);
            let expected: Vec<u32> = (0..lexed.tokens.len())
                .filter(|&i| {
                    let t = lexed.tokens[i];
                    t.kind == Kind::Name
                        && matches!(&source[t.start as usize..t.end as usize], "import" | "from" | "class" | "def")
                })
                .map(|i| i as u32)
                .collect();
            assert_eq!(lexed.keywords, expected, "{source:?}");
            let newlines: Vec<u32> =
                (0..lexed.tokens.len()).filter(|&i| lexed.tokens[i].kind == Kind::Newline).map(|i| i as u32).collect();
            assert_eq!(lexed.newlines, newlines, "{source:?}");
            let semicolons =
                lexed.tokens.iter().any(|t| t.kind == Kind::Op && &source[t.start as usize..t.end as usize] == ";");
            assert_eq!(lexed.semicolons, semicolons, "{source:?}");
        }
    }
}
