//! Positions as the protocol counts them: a line (split at `\n`, `\r\n` and a lone `\r`, as the
//! protocol and CPython both split) and a character offset in the encoding the client and the
//! server agreed on (UTF-16 code units unless UTF-8 or UTF-32 was offered). ssot's own ranges are
//! byte offsets into a file's text; this module converts between the two and applies a
//! client's incremental edits to a buffer.

use lsp_types::{Position, PositionEncodingKind, Range, TextDocumentContentChangeEvent};

/// What a [`Position`]'s `character` counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Utf8,
    Utf16,
    Utf32,
}

impl Encoding {
    /// The encoding to use among those the client offers (none offered: UTF-16, which every
    /// client must support). UTF-8 first: ssot's offsets are bytes already.
    pub(crate) fn negotiate(offered: Option<&[PositionEncodingKind]>) -> Self {
        let offered = offered.unwrap_or_default();
        let has = |kind: &PositionEncodingKind| offered.iter().any(|offer| offer == kind);
        if has(&PositionEncodingKind::UTF8) {
            Self::Utf8
        } else if has(&PositionEncodingKind::UTF32) {
            Self::Utf32
        } else {
            Self::Utf16
        }
    }

    pub(crate) fn kind(self) -> PositionEncodingKind {
        match self {
            Self::Utf8 => PositionEncodingKind::UTF8,
            Self::Utf16 => PositionEncodingKind::UTF16,
            Self::Utf32 => PositionEncodingKind::UTF32,
        }
    }

    /// The length of `c` in this encoding's units.
    fn units(self, c: char) -> usize {
        match self {
            Self::Utf8 => c.len_utf8(),
            Self::Utf16 => c.len_utf16(),
            Self::Utf32 => 1,
        }
    }
}

/// A text and where each of its lines starts, for conversions in both directions.
#[derive(Clone)]
pub(crate) struct Text {
    text: String,
    /// Byte offset of each line's start; the first is 0.
    starts: Vec<usize>,
}

impl Text {
    pub(crate) fn new(text: String) -> Self {
        let bytes = text.as_bytes();
        let mut starts = vec![0];
        let mut at = 0;
        while let Some(found) = memchr::memchr2(b'\n', b'\r', &bytes[at..]) {
            let end = at + found;
            let next = if bytes[end] == b'\r' && bytes.get(end + 1) == Some(&b'\n') { end + 2 } else { end + 1 };
            starts.push(next);
            at = next;
        }
        Self { text, starts }
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.text
    }

    /// The position of byte `offset` (clamped to the text, and back to a character boundary).
    pub(crate) fn position(&self, offset: usize, encoding: Encoding) -> Position {
        let mut offset = offset.min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        let character: usize = self.text[start..offset].chars().map(|c| encoding.units(c)).sum();
        Position { line: clamp(line), character: clamp(character) }
    }

    pub(crate) fn range(&self, range: &std::ops::Range<usize>, encoding: Encoding) -> Range {
        Range { start: self.position(range.start, encoding), end: self.position(range.end, encoding) }
    }

    /// The byte offset of `position`: a line past the end is the end of the text, a character
    /// past the end of its line is the line's end (before its line break), as the protocol
    /// asks; a position inside a character is that character's start.
    pub(crate) fn offset(&self, position: Position, encoding: Encoding) -> usize {
        let Some(&start) = self.starts.get(position.line as usize) else { return self.text.len() };
        let end = self.starts.get(position.line as usize + 1).copied().unwrap_or(self.text.len());
        let line = self.text[start..end].trim_end_matches(['\n', '\r']);
        let mut units = 0;
        for (index, c) in line.char_indices() {
            let next = units + encoding.units(c);
            if next > position.character as usize {
                return start + index;
            }
            units = next;
        }
        start + line.len()
    }

    /// The byte range of line `line` (0-based) without its line break.
    pub(crate) fn line(&self, line: usize) -> Option<std::ops::Range<usize>> {
        let start = *self.starts.get(line)?;
        let end = self.starts.get(line + 1).copied().unwrap_or(self.text.len());
        Some(start..start + self.text[start..end].trim_end_matches(['\n', '\r']).len())
    }

    /// Applies a client's changes, in order: each replaces a range (positions in the text as the
    /// previous changes left it), or the whole text when it has none.
    pub(crate) fn apply_changes(&mut self, changes: Vec<TextDocumentContentChangeEvent>, encoding: Encoding) {
        for change in changes {
            let text = match change.range {
                None => change.text,
                Some(range) => {
                    let start = self.offset(range.start, encoding);
                    let end = self.offset(range.end, encoding).max(start);
                    let mut text = std::mem::take(&mut self.text);
                    text.replace_range(start..end, &change.text);
                    text
                }
            };
            *self = Self::new(text);
        }
    }
}

fn clamp(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(line: u32, character: u32) -> Position {
        Position { line, character }
    }

    /// A character outside the basic plane is two UTF-16 units, four UTF-8 bytes, one UTF-32
    /// unit; lines break at `\n`, `\r\n` and a lone `\r`.
    #[test]
    fn offsets_and_positions_agree_in_every_encoding() {
        let text = "a😀b\r\nx\ry\néz";
        for (encoding, b_column) in [(Encoding::Utf16, 3), (Encoding::Utf8, 5), (Encoding::Utf32, 2)] {
            let lines = Text::new(text.to_string());
            let b = text.find('b').unwrap();
            assert_eq!(lines.position(b, encoding), at(0, b_column), "{encoding:?}");
            assert_eq!(lines.offset(at(0, b_column), encoding), b, "{encoding:?}");
            assert_eq!(lines.position(text.find('x').unwrap(), encoding), at(1, 0));
            assert_eq!(lines.position(text.find('y').unwrap(), encoding), at(2, 0));
            let z = text.find('z').unwrap();
            assert_eq!(lines.offset(lines.position(z, encoding), encoding), z);
            // Past the end of a line: its end, before the break; past the last line: the end.
            assert_eq!(lines.offset(at(0, 99), encoding), text.find('\r').unwrap());
            assert_eq!(lines.offset(at(9, 0), encoding), text.len());
            assert_eq!(lines.line(1), Some(8..9));
        }
        // Inside the emoji (UTF-16 unit 2 of 1..3): its start.
        assert_eq!(Text::new(text.to_string()).offset(at(0, 2), Encoding::Utf16), 1);
    }

    #[test]
    fn incremental_changes_apply_in_order() {
        let mut text = Text::new("def f():\n    return 1\n".to_string());
        let change = |start: Position, end: Position, new: &str| TextDocumentContentChangeEvent {
            range: Some(Range { start, end }),
            range_length: None,
            text: new.to_string(),
        };
        text.apply_changes(
            vec![change(at(1, 11), at(1, 12), "2"), change(at(0, 4), at(0, 5), "g😀"), change(at(0, 8), at(0, 8), "x")],
            Encoding::Utf16,
        );
        assert_eq!(text.as_str(), "def g😀(x):\n    return 2\n");
        let whole = TextDocumentContentChangeEvent { range: None, range_length: None, text: "X = 1\n".into() };
        text.apply_changes(vec![whole], Encoding::Utf16);
        assert_eq!(text.as_str(), "X = 1\n");
    }

    #[test]
    fn the_offered_encodings_decide() {
        assert_eq!(Encoding::negotiate(None), Encoding::Utf16);
        assert_eq!(
            Encoding::negotiate(Some(&[PositionEncodingKind::UTF16, PositionEncodingKind::UTF8])),
            Encoding::Utf8
        );
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::UTF32])), Encoding::Utf32);
        assert_eq!(Encoding::negotiate(Some(&[PositionEncodingKind::new("utf-7")])), Encoding::Utf16);
    }
}
