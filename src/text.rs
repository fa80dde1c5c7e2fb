//! Byte offsets ↔ 1-based lines and columns. Columns count Unicode characters, as every output
//! format promises; nothing else in ssot converts positions.

/// A 1-based line and a 1-based column counted in characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// 1-based (line, column) of byte `offset` in `source`; the column counts characters.
pub(crate) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(source, offset.min(source.len()));
    let before = &source[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    (line, before[line_start..].chars().count() + 1)
}

/// Byte offset of 1-based `line` and `column` (characters) in `source`, clamped.
pub(crate) fn offset_of(source: &str, line: usize, column: usize) -> usize {
    let start = source.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>();
    let rest = &source[start.min(source.len())..];
    start + rest.chars().take(column.saturating_sub(1)).map(char::len_utf8).sum::<usize>()
}

/// Whether byte `i` of `bytes` is the `\r` of a `\r\n`.
pub(crate) fn is_crlf(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'\r' && bytes.get(i + 1) == Some(&b'\n')
}

/// `source` with every lone `\r` (one not followed by `\n`) turned into `\n`: same length, same
/// offsets, the same lines as CPython reads. For tools that end lines only at `\n`
/// (tree-sitter-python, codespan-reporting).
pub(crate) fn universal_newlines(source: &str) -> std::borrow::Cow<'_, str> {
    let bytes = source.as_bytes();
    let lone = |&i: &usize| !is_crlf(bytes, i);
    if !memchr::memchr_iter(b'\r', bytes).any(|i| lone(&i)) {
        return std::borrow::Cow::Borrowed(source);
    }
    let mut out = bytes.to_vec();
    for i in memchr::memchr_iter(b'\r', bytes).filter(lone) {
        out[i] = b'\n';
    }
    std::borrow::Cow::Owned(String::from_utf8(out).expect("one ASCII byte replaced by another"))
}

/// Converts many offsets of one Python file quickly, each in O(log lines): keeps the start
/// offset of every line and, for a file that is not pure ASCII, how many characters precede
/// every [`CHUNK`]-th byte, so neither a column nor a line's text needs a scan of the line
/// (thousands of findings on one huge generated line stay linear).
///
/// Lines end as CPython's tokenizer ends them (universal newlines): at `\n`, `\r\n` or a lone
/// `\r`, so line numbers after a lone carriage return are CPython's.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    /// Non-ASCII files only: characters before byte `i * CHUNK`, for each `i`.
    chars_before: Vec<usize>,
}

/// Bytes between two character-count checkpoints of a [`LineIndex`].
const CHUNK: usize = 64;

impl LineIndex {
    pub(crate) fn new(source: &str) -> Self {
        Self::with_breaks(source, true)
    }

    /// Lines ending at `\n` and `\r\n` only: a lone `\r` is whitespace inside a line, as rustc
    /// and tree-sitter-rust count Rust lines.
    pub(crate) fn newline_only(source: &str) -> Self {
        Self::with_breaks(source, false)
    }

    /// Lines as `language` counts them: universal newlines for Python (as CPython), `\n` for
    /// Rust (as rustc).
    pub(crate) fn for_language(source: &str, language: crate::language::Language) -> Self {
        match language {
            crate::language::Language::Python => Self::new(source),
            crate::language::Language::Rust => Self::newline_only(source),
        }
    }

    fn with_breaks(source: &str, lone_cr: bool) -> Self {
        let bytes = source.as_bytes();
        let mut starts = vec![0];
        if lone_cr && memchr::memchr(b'\r', bytes).is_some() {
            let breaks = memchr::memchr2_iter(b'\n', b'\r', bytes);
            starts.extend(breaks.filter(|&i| !is_crlf(bytes, i)).map(|i| i + 1));
        } else {
            // Without a `\r` (nearly every file), a line ends at each `\n`: one byte to look
            // for is faster than two.
            starts.extend(memchr::memchr_iter(b'\n', bytes).map(|i| i + 1));
        }
        let mut chars_before = Vec::new();
        if !source.is_ascii() {
            let mut count = 0;
            for chunk in bytes.chunks(CHUNK) {
                chars_before.push(count);
                count += chunk.iter().filter(|&&b| !is_continuation(b)).count();
            }
            chars_before.push(count);
        }
        Self { starts, chars_before }
    }

    /// The 0-based line holding byte `offset` (at most `source.len()`).
    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset) - 1
    }

    /// Characters in `source[..offset]` (`offset` on a char boundary).
    fn chars_before(&self, source: &str, offset: usize) -> usize {
        if self.chars_before.is_empty() {
            return offset;
        }
        let checkpoint = offset / CHUNK * CHUNK;
        let rest = &source.as_bytes()[checkpoint..offset];
        self.chars_before[offset / CHUNK] + rest.iter().filter(|&&b| !is_continuation(b)).count()
    }

    /// 1-based (line, column) of byte `offset`; the column counts characters.
    pub(crate) fn position(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let line = self.line_of(offset);
        let start = self.starts[line];
        (line + 1, self.chars_before(source, offset) - self.chars_before(source, start) + 1)
    }

    /// The text of the line holding byte `offset`, without its line break.
    pub(crate) fn line_text<'s>(&self, source: &'s str, offset: usize) -> &'s str {
        let line = self.line_of(offset.min(source.len()));
        let end = self.starts.get(line + 1).copied().unwrap_or(source.len());
        let text = &source[self.starts[line]..end];
        let text = text.strip_suffix('\n').unwrap_or(text);
        text.strip_suffix('\r').unwrap_or(text)
    }
}

/// The lines of a file from its start as far as positions were asked: the sites of the import
/// rules sit near the top of most files, so a file whose every site is there never needs its
/// whole [`LineIndex`]. Answers for files without `\r` only (where every line ends at `\n`, as
/// both languages count lines), on lines short enough to count their characters; otherwise the
/// caller asks a [`LineIndex`], which gives the same positions.
#[derive(Default)]
pub(crate) struct LeadingLines {
    /// Whether the file holds no `\r` (`None`: not looked yet).
    no_cr: Option<bool>,
    /// The start of every line that starts at or before `scanned`.
    starts: Vec<usize>,
    /// Bytes looked at so far.
    scanned: usize,
}

/// The longest stretch of a line before an offset whose characters [`LeadingLines`] counts.
const COUNTED: usize = 1024;

impl LeadingLines {
    /// The start of the line holding `offset` (a char boundary, at most `source.len()`), when
    /// this can say.
    fn line_start(&mut self, source: &str, offset: usize) -> Option<(usize, usize)> {
        let bytes = source.as_bytes();
        if !*self.no_cr.get_or_insert_with(|| memchr::memchr(b'\r', bytes).is_none()) {
            return None;
        }
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        let end = (offset + 1).min(bytes.len());
        if end > self.scanned {
            let scanned = self.scanned;
            self.starts.extend(memchr::memchr_iter(b'\n', &bytes[scanned..end]).map(|i| scanned + i + 1));
            self.scanned = end;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        Some((line, self.starts[line]))
    }

    /// 1-based (line, column) of byte `offset`, as [`LineIndex::position`] gives it.
    pub(crate) fn position(&mut self, source: &str, offset: usize) -> Option<(usize, usize)> {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let (line, start) = self.line_start(source, offset)?;
        if offset - start > COUNTED {
            return None;
        }
        Some((line + 1, source[start..offset].chars().count() + 1))
    }

    /// The text of the line holding byte `offset`, as [`LineIndex::line_text`] gives it.
    pub(crate) fn line_text<'s>(&mut self, source: &'s str, offset: usize) -> Option<&'s str> {
        let offset = offset.min(source.len());
        let (_, start) = self.line_start(source, offset)?;
        let end = memchr::memchr(b'\n', &source.as_bytes()[offset..]).map_or(source.len(), |i| offset + i);
        Some(&source[start..end])
    }
}

fn is_continuation(byte: u8) -> bool {
    byte & 0xC0 == 0x80
}

/// `offset` (at most `source.len()`), moved back to the start of the character it falls in.
pub(crate) fn floor_char_boundary(source: &str, mut offset: usize) -> usize {
    while !source.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_not_bytes() {
        let source = "a = 1\nnamé = os.environ\n";
        let offset = source.find("os").unwrap();
        assert_eq!(line_column(source, offset), (2, 8));
        let index = LineIndex::new(source);
        assert_eq!(index.position(source, offset), (2, 8));
        assert_eq!(index.position(source, 0), (1, 1));
        assert_eq!(index.position(source, source.len()), (3, 1));
    }

    #[test]
    fn leading_lines_answer_as_the_index_does() {
        let long = "x".repeat(COUNTED + 10);
        let sources = [
            String::new(),
            "a\n".into(),
            "\n\nimport os\nnamé = é\n\n".into(),
            format!("a = 1\n{long} = 2\nb = 3"),
            "é\u{1F600}x\nyz".into(),
            "a\r\nb\n".into(),
        ];
        for source in &sources {
            let index = LineIndex::new(source);
            // Offsets in order, then backwards: a cursor that only moved forward would fail.
            let offsets: Vec<usize> = (0..=source.len()).chain((0..=source.len()).rev()).collect();
            let mut leading = LeadingLines::default();
            let mut answered = 0;
            for &offset in &offsets {
                if let Some(position) = leading.position(source, offset) {
                    assert_eq!(position, index.position(source, offset), "{source:?} at {offset}");
                    answered += 1;
                }
                if let Some(text) = leading.line_text(source, offset) {
                    assert_eq!(text, index.line_text(source, offset), "{source:?} at {offset}");
                }
            }
            // Declined: a file with `\r`, and the far end of a long line.
            if source.contains('\r') {
                assert_eq!(answered, 0, "{source:?}");
            } else if source.lines().all(|line| line.len() <= COUNTED) {
                assert_eq!(answered, offsets.len(), "{source:?}");
            } else {
                assert!(answered > 0 && answered < offsets.len(), "{source:?}: {answered} answered");
            }
        }
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_as_in_cpython() {
        let source = "a\rbé\r\nc\r\rd = é\n";
        let index = LineIndex::new(source);
        let at = |text: &str| index.position(source, source.find(text).unwrap());
        assert_eq!([at("b"), at("c"), at("d"), at("= é")], [(2, 1), (3, 1), (5, 1), (5, 3)]);
        assert_eq!(index.line_text(source, source.find('b').unwrap()), "bé");
        assert_eq!(index.line_text(source, source.find('c').unwrap()), "c");
        assert_eq!(universal_newlines(source), "a\nbé\r\nc\n\nd = é\n");
        assert!(matches!(universal_newlines("a\r\nb\n"), std::borrow::Cow::Borrowed(_)));
    }
}

/// Byte range of one line comment (Python's `#…`, Rust's `//…`), `start` at its first character,
/// `end` exclusive at the end of the line (before `\r`/`\n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comment {
    pub start: usize,
    pub end: usize,
    /// The comment is the only token on its physical line (only whitespace before it), and the
    /// line does not start inside a string (Python's f-strings included) or after a backslash
    /// continuation. A comment in a Python replacement field never is.
    pub own_line: bool,
}
