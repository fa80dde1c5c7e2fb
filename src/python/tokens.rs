//! A complete Python tokenizer, fast enough to run on every file in place of a parser: names,
//! numbers, strings, f-strings, operators and the line structure (NEWLINE, INDENT, DEDENT), as
//! Python 3.11's `tokenize.generate_tokens` yields them minus ENCODING, COMMENT, NL and
//! ENDMARKER (`tests/differential_tokens.rs` checks that on the standard library). An f-string
//! or t-string is one token, read with PEP 701 nesting as `lexer.rs` reads it.
//!
//! It owns only the tokens: no syntax tree, no token text (offsets into the source), no
//! allocation per token — one pass over the bytes, byte classes by table, one `Vec` of tokens
//! (plus a bracket stack, an indentation stack and an f-string mode stack, each allocated only
//! when first needed). It must never panic. Input that is not tokenizable Python stops it at the
//! first error with [`Tokens::ok`] false: callers then fall back to a real parser, so anything
//! doubtful counts as an error (an unterminated string, an unbalanced bracket, an inconsistent
//! dedent, a character that starts no token, a malformed number...).

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

/// One token: its kind and byte range in the source (`end` exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

/// The tokens of a source file.
pub(crate) struct Tokens {
    /// Every token, in source order; when `ok` is false, only those before the error.
    pub tokens: Vec<Token>,
    /// false when the input is not tokenizable Python: unterminated string, unbalanced/mismatched brackets,
    /// inconsistent dedent, a character that starts no token (e.g. `$`, `?`, a stray backslash), a NUL byte...
    /// Callers then fall back to a real parser, so when in doubt set it to false.
    pub ok: bool,
    /// The first indentation CPython refuses and tree-sitter-python accepts: its tokenizer's
    /// `TabError` and `IndentationError`s (which also stop the tokens, `ok` false), and its
    /// parser's "unexpected indent" and "expected an indented block" (the tokens go on, as
    /// Python's `tokenize` yields them).
    pub indentation_error: Option<IndentationError>,
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

impl<'s> Text<'s, '_> {
    /// The text of token `index` (empty past the end).
    pub(crate) fn text(&self, index: usize) -> &'s str {
        self.tokens
            .get(index)
            .and_then(|token| self.source.get(token.start as usize..token.end as usize))
            .unwrap_or_default()
    }

    /// Token `index` is the operator `op`.
    pub(crate) fn is_op(&self, index: usize, op: &str) -> bool {
        self.tokens.get(index).is_some_and(|t| t.kind == Kind::Op) && self.text(index) == op
    }

    /// Token `index` is the name `name`.
    pub(crate) fn is_name(&self, index: usize, name: &str) -> bool {
        self.tokens.get(index).is_some_and(|t| t.kind == Kind::Name) && self.text(index) == name
    }
}

/// Tokenizes `source` (a leading BOM is skipped). Never panics.
pub(crate) fn tokenize(source: &str) -> Tokens {
    let bytes = source.as_bytes();
    if u32::try_from(bytes.len()).is_err() {
        return Tokens { tokens: Vec::new(), ok: false, indentation_error: None };
    }
    let pos = if bytes.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
    let mut lexer = Lexer {
        bytes,
        pos,
        tokens: Vec::with_capacity(bytes.len() / 4 + 4),
        brackets: Vec::new(),
        indents: Vec::new(),
        frames: Vec::new(),
        indentation_error: None,
    };
    let ok = lexer.run().is_ok();
    Tokens { tokens: lexer.tokens, ok, indentation_error: lexer.indentation_error }
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

/// Bytes that matter in an f-string's literal part or format spec, besides its quote.
static LITERAL_STOPS: [bool; 256] = byte_set(b"{}\\\r\n");

/// One entry of the f-string mode stack.
#[derive(Debug, Clone, Copy)]
enum Frame {
    /// Literal part of an f-string (or t-string) opened with `quote` (tripled if `triple`).
    FString { quote: u8, triple: bool, raw: bool },
    /// Expression part of a replacement field, `depth` brackets deep inside it.
    Field { depth: u32 },
    /// Format spec after a depth-0 `:` of the `Field` just below, in the f-string opened with
    /// `quote`: literal again, but `{` always opens a nested field and `}` closes the enclosing one.
    Spec { quote: u8, triple: bool, raw: bool },
}

/// The input is not tokenizable Python.
struct Bad;

type Step = Result<(), Bad>;

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    tokens: Vec<Token>,
    /// Open brackets of ordinary code, innermost last.
    brackets: Vec<u8>,
    /// Open indentation levels (column with tabs to multiples of 8, column with tabs as 1),
    /// innermost last; the base level 0 is implicit.
    indents: Vec<(usize, usize)>,
    /// Mode stack of the f-string being read; empty in ordinary code.
    frames: Vec<Frame>,
    indentation_error: Option<IndentationError>,
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

    /// The offset after the line break at `pos` (`\r\n` counts as one).
    fn after_newline(&self, pos: usize) -> usize {
        if self.bytes[pos] == b'\r' && self.at(pos + 1) == Some(b'\n') {
            pos + 2
        } else {
            pos + 1
        }
    }

    /// Moves to the end of the comment at `self.pos` (before its line break).
    fn skip_comment(&mut self) {
        let bytes = self.bytes;
        let mut pos = self.pos + 1;
        while pos < bytes.len() && bytes[pos] != b'\n' && bytes[pos] != b'\r' {
            pos += 1;
        }
        self.pos = pos;
    }

    fn run(&mut self) -> Step {
        let bytes = self.bytes;
        let len = bytes.len();
        'lines: loop {
            // The start of a logical line: its indentation, unless it is blank.
            let line_start = self.pos;
            let (mut column, mut alt_column) = (0usize, 0usize);
            while let Some(b) = self.at(self.pos) {
                match b {
                    b' ' => (column, alt_column) = (column + 1, alt_column + 1),
                    b'\t' => (column, alt_column) = ((column / 8 + 1) * 8, alt_column + 1),
                    b'\x0c' => (column, alt_column) = (0, 0),
                    _ => break,
                }
                self.pos += 1;
            }
            match self.at(self.pos) {
                None => break 'lines,
                Some(b'#') => {
                    self.skip_comment();
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
                    self.push(Kind::Newline, len, len);
                    break 'lines;
                };
                match CLASS[b as usize] {
                    EOL => {
                        let end = self.after_newline(pos);
                        self.pos = end;
                        if self.brackets.is_empty() {
                            self.push(Kind::Newline, pos, end);
                            continue 'lines;
                        }
                    }
                    WORD => self.word()?,
                    HASH => self.skip_comment(),
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
                        if !self.at(pos + 1).is_some_and(|b| b == b'\n' || b == b'\r') {
                            return Err(Bad);
                        }
                        self.pos = self.after_newline(pos + 1);
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
        if pos - start <= 2 && matches!(self.at(pos), Some(b'\'' | b'"')) {
            if let Some((fstring, raw)) = string_prefix(&bytes[start..pos]) {
                return self.string(start, fstring, raw);
            }
        }
        self.push(Kind::Name, start, pos);
        Ok(())
    }

    /// A string or f-string from its prefix at `start` to the closing quote; the opening quote is
    /// at `self.pos`.
    fn string(&mut self, start: usize, fstring: bool, raw: bool) -> Step {
        if fstring {
            self.fstring(raw)?;
            self.push(Kind::FString, start, self.pos);
        } else {
            self.plain_string()?;
            self.push(Kind::String, start, self.pos);
        }
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
                    return Err(Bad);
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
                    None => return Err(Bad),
                },
                Some(b) if b == quote => {
                    self.pos = pos + 1;
                    return Ok(());
                }
                // A line break or the end of the file before the closing quote.
                _ => return Err(Bad),
            }
        }
    }

    /// Moves past the f-string whose opening quote is at `self.pos`, nested f-strings included.
    fn fstring(&mut self, raw: bool) -> Step {
        self.frames.clear();
        self.open_fstring(raw)?;
        while let Some(&frame) = self.frames.last() {
            match frame {
                Frame::FString { quote, triple, raw } => self.literal(quote, triple, raw, false)?,
                Frame::Spec { quote, triple, raw } => self.literal(quote, triple, raw, true)?,
                Frame::Field { depth } => self.field(depth)?,
            }
        }
        Ok(())
    }

    /// Pushes a frame, within the nesting limit.
    fn push_frame(&mut self, frame: Frame) -> Step {
        if self.frames.len() >= MAX_FRAMES {
            return Err(Bad);
        }
        self.frames.push(frame);
        Ok(())
    }

    /// Enters the f-string whose opening quote is at `self.pos`.
    fn open_fstring(&mut self, raw: bool) -> Step {
        let quote = self.bytes[self.pos];
        let triple = self.at(self.pos + 1) == Some(quote) && self.at(self.pos + 2) == Some(quote);
        self.pos += if triple { 3 } else { 1 };
        self.push_frame(Frame::FString { quote, triple, raw })
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
                return Err(Bad);
            };
            let next = self.at(pos + 1);
            match b {
                b'{' if !in_spec && next == Some(b'{') => pos += 2,
                b'{' => {
                    self.pos = pos + 1;
                    return self.push_frame(Frame::Field { depth: 0 });
                }
                b'}' if in_spec => {
                    self.pos = pos + 1;
                    self.frames.pop(); // Spec
                    self.frames.pop(); // its Field
                    return Ok(());
                }
                b'}' if next == Some(b'}') => pos += 2,
                b'}' => return Err(Bad), // a single `}` is not allowed
                b'\\' => match next {
                    // `\{` and `\}` do not escape the brace (3.12): it is read next round.
                    Some(b'{' | b'}') => pos += 1,
                    Some(b'N') if !raw && self.at(pos + 2) == Some(b'{') => {
                        // `\N{NAME}`: the braces are not a replacement field.
                        pos += 3;
                        loop {
                            match self.at(pos) {
                                Some(b'}') => break,
                                Some(b'\n' | b'\r') | None => return Err(Bad),
                                Some(b) if b == quote => return Err(Bad),
                                Some(_) => pos += 1,
                            }
                        }
                        pos += 1;
                    }
                    Some(b'\r') if self.at(pos + 2) == Some(b'\n') => pos += 3,
                    Some(_) => pos += 2,
                    None => return Err(Bad),
                },
                b'\n' | b'\r' if triple => pos += 1,
                b'\n' | b'\r' => return Err(Bad), // unterminated single-quoted f-string
                _ if !triple || (next == Some(quote) && self.at(pos + 2) == Some(quote)) => {
                    // The closing quote; in a format spec, the field was never closed.
                    if in_spec {
                        return Err(Bad);
                    }
                    self.pos = pos + if triple { 3 } else { 1 };
                    self.frames.pop();
                    return Ok(());
                }
                _ => pos += 1, // one quote of a triple-quoted f-string's quote character
            }
        }
    }

    /// The expression of a replacement field, `depth` brackets deep. Returns when the mode
    /// changes (the depth saved in the frame).
    fn field(&mut self, mut depth: u32) -> Step {
        let bytes = self.bytes;
        let len = bytes.len();
        loop {
            let mut pos = self.pos;
            while pos < len && !FIELD_STOPS[bytes[pos] as usize] {
                pos += 1;
            }
            self.pos = pos;
            let Some(&b) = bytes.get(pos) else {
                return Err(Bad);
            };
            match b {
                b'#' => self.skip_comment(),
                b'\n' | b'\r' => self.pos = self.after_newline(pos),
                b'\\' => {
                    if !self.at(pos + 1).is_some_and(|b| b == b'\n' || b == b'\r') {
                        return Err(Bad);
                    }
                    self.pos = self.after_newline(pos + 1);
                }
                b'\'' | b'"' => {
                    // The word before the quote, if it is a string prefix.
                    let mut start = pos;
                    while start > 0 && pos - start <= 2 && IS_WORD[bytes[start - 1] as usize] {
                        start -= 1;
                    }
                    match string_prefix(&bytes[start..pos]) {
                        Some((true, raw)) => {
                            self.save_depth(depth);
                            return self.open_fstring(raw);
                        }
                        _ => self.plain_string()?,
                    }
                }
                b'(' | b'[' | b'{' => {
                    if depth as usize >= MAX_BRACKETS {
                        return Err(Bad);
                    }
                    depth += 1;
                    self.pos = pos + 1;
                }
                b')' | b']' => {
                    if depth == 0 {
                        return Err(Bad);
                    }
                    depth -= 1;
                    self.pos = pos + 1;
                }
                b'}' => {
                    self.pos = pos + 1;
                    if depth == 0 {
                        self.frames.pop();
                        return Ok(());
                    }
                    depth -= 1;
                }
                _ => {
                    // `:`
                    self.pos = pos + 1;
                    if depth == 0 {
                        let owner = self.frames.iter().rev().find_map(|frame| match *frame {
                            Frame::FString { quote, triple, raw } => Some(Frame::Spec { quote, triple, raw }),
                            _ => None,
                        });
                        let Some(spec) = owner else { return Err(Bad) };
                        self.save_depth(depth);
                        return self.push_frame(spec);
                    }
                }
            }
        }
    }

    /// Stores the bracket depth of the field on top of the mode stack.
    fn save_depth(&mut self, depth: u32) {
        if let Some(Frame::Field { depth: saved }) = self.frames.last_mut() {
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
        self.pos = start + len;
        self.push(Kind::Op, start, start + len);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        // Mangled inputs: random junk over a Python-ish alphabet.
        const ALPHABET: &[&str] = &[
            "'", "\"", "'''", "\"\"\"", "#", "\\", "\n", "\r", "\r\n", "{", "}", "{{", "}}", "(", ")", "[", "]", ":",
            "!", "=", " ", "\t", "\x0c", "f", "r", "b", "rf", "t", "N", "x", "é", "\u{feff}", "\0", "0", "1", ".", "e",
            "_", "j", "0x", "if", "  ", "    ", "<", "*", "-", ">", "$",
        ];
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut source = String::new();
        for _ in 0..30_000 {
            source.clear();
            let len = next() % 40;
            for _ in 0..len {
                source.push_str(ALPHABET[(next() % ALPHABET.len() as u64) as usize]);
            }
            let tokens = tokenize(&source);
            for t in &tokens.tokens {
                assert!(source.get(t.start as usize..t.end as usize).is_some(), "{t:?} in {source:?}");
            }
        }
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
