//! Text bound for a terminal or a log viewer. Whatever a scanned tree holds — a file name, a line
//! of source, a string a message quotes — goes through [`visible`] (or [`visible_source`] for a
//! file quoted in excerpts) before the human and GitHub reports or a warning print it: control
//! characters and bidirectional overrides are shown, never obeyed, so nothing can move the
//! cursor, retitle the window, clear the screen or reorder the text around it. C0 controls and
//! DEL become their Unicode control pictures (`␛`, one column, so columns stay right); C1
//! controls, bidirectional controls and line or paragraph separators, which have no picture,
//! become `\u{202e}`. Machine formats (JSON, SARIF, GitLab) are escaped by serde and do not use
//! this module; it never changes what is scanned or matched.

use std::borrow::Cow;
use std::sync::Arc;

/// How `c` is shown when it must not be printed raw; `None` when it may be. Whether tabs and
/// line breaks may be printed raw depends on the place: each caller decides.
fn replacement(c: char) -> Option<Replacement> {
    match c {
        '\0'..='\u{1f}' => char::from_u32(0x2400 + u32::from(c)).map(Replacement::Picture),
        '\u{7f}' => Some(Replacement::Picture('\u{2421}')),
        '\u{80}'..='\u{9f}'
        | '\u{61c}'
        | '\u{200e}'
        | '\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2066}'..='\u{2069}' => Some(Replacement::Escape),
        _ => None,
    }
}

enum Replacement {
    /// One visible character in its place.
    Picture(char),
    /// `\u{…}` with its code point in lowercase hex.
    Escape,
}

fn push_shown(out: &mut String, c: char) {
    match replacement(c) {
        Some(Replacement::Picture(picture)) => out.push(picture),
        Some(Replacement::Escape) => out.extend(c.escape_unicode()),
        None => out.push(c),
    }
}

/// `text` made safe where `keep` characters may stay raw.
fn shown(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    let needs = |c: char| !keep(c) && replacement(c).is_some();
    let Some(first) = text.find(needs) else { return Cow::Borrowed(text) };
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..first]);
    for c in text[first..].chars() {
        if keep(c) {
            out.push(c);
        } else {
            push_shown(&mut out, c);
        }
    }
    Cow::Owned(out)
}

/// `text` for a place on one line of a terminal (a path, a message, a reason): every control
/// character but tab shown, line breaks included.
pub(crate) fn visible(text: &str) -> Cow<'_, str> {
    shown(text, |c| c == '\t')
}

/// `text` that may run over several lines (an error message): line feeds and tabs stay.
pub(crate) fn visible_lines(text: &str) -> Cow<'_, str> {
    shown(text, |c| matches!(c, '\t' | '\n'))
}

/// `text` for a format that escapes line breaks itself (GitHub workflow commands write them as
/// `%0D` and `%0A`, which the runner turns back into the real characters).
pub(crate) fn visible_but_line_breaks(text: &str) -> Cow<'_, str> {
    shown(text, |c| matches!(c, '\t' | '\n' | '\r'))
}

/// Where the offsets of a text moved when [`visible_source`] replaced characters: for each
/// replaced character, its offset in the original text and the bytes all replacements added
/// before it and up to and including it.
#[derive(Debug, Default)]
pub(crate) struct Shifts(Vec<(usize, usize, usize)>);

impl Shifts {
    /// Where byte `offset` of the original text is in the visible one.
    pub(crate) fn offset(&self, offset: usize) -> usize {
        let before = self.0.partition_point(|&(at, _, _)| at < offset);
        offset + self.added_by(before)
    }

    /// Where byte `offset` of the visible text is in the original one: the inverse of
    /// [`Self::offset`] for an offset outside the replacements or at the start of one.
    pub(crate) fn original(&self, offset: usize) -> usize {
        let before = self.0.partition_point(|&(at, added_before, _)| at + added_before < offset);
        offset - self.added_by(before)
    }

    /// The bytes added by the first `count` replacements.
    fn added_by(&self, count: usize) -> usize {
        count.checked_sub(1).map_or(0, |i| self.0[i].2)
    }
}

/// A file's text for a source excerpt: line breaks (`\n`, `\r\n`) and tabs stay, every other
/// control character is shown; with where its offsets moved. The text is shared when nothing
/// needed replacing.
pub(crate) fn visible_source(source: &Arc<str>) -> (Arc<str>, Shifts) {
    let bytes = source.as_bytes();
    let keep = |i: usize, c: char| matches!(c, '\t' | '\n') || (c == '\r' && crate::text::is_crlf(bytes, i));
    let needs = |&(i, c): &(usize, char)| !keep(i, c) && replacement(c).is_some();
    if !source.char_indices().any(|ic| needs(&ic)) {
        return (Arc::clone(source), Shifts::default());
    }
    let mut text = String::with_capacity(source.len() + 64);
    let mut shifts = Vec::new();
    let mut added = 0;
    for (i, c) in source.char_indices() {
        if !needs(&(i, c)) {
            text.push(c);
            continue;
        }
        let (length, added_before) = (text.len(), added);
        push_shown(&mut text, c);
        added += text.len() - length - c.len_utf8();
        shifts.push((i, added_before, added));
    }
    (Arc::from(text), Shifts(shifts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(visible("a\x1b]0;x\x07b\x1b[2J"), "a␛]0;x␇b␛[2J");
        assert_eq!(visible("nul\0 del\x7f cr\r lf\n tab\t"), "nul␀ del␡ cr␍ lf␊ tab\t");
        assert_eq!(visible("csi\u{9b}31m rlo\u{202e}x lri\u{2066}"), "csi\\u{9b}31m rlo\\u{202e}x lri\\u{2066}");
        assert_eq!(visible_but_line_breaks("a\r\nb\x1b"), "a\r\nb␛");
        assert_eq!(visible_lines("a\r\nb\x1b\n"), "a␍\nb␛\n");
        assert!(matches!(visible("plain ü 😀"), Cow::Borrowed(_)));
    }

    #[test]
    fn excerpts_keep_line_breaks_and_map_offsets() {
        let source: Arc<str> = Arc::from("a\x1bb\r\nc\u{202e}d\re\n");
        let (text, shifts) = visible_source(&source);
        assert_eq!(&*text, "a␛b\r\nc\\u{202e}d␍e\n");
        for (original, char) in [(0, 'a'), (2, 'b'), (5, 'c'), (9, 'd'), (11, 'e')] {
            assert_eq!(text[shifts.offset(original)..].chars().next(), Some(char), "offset {original}");
        }
        assert_eq!(&text[shifts.offset(1)..shifts.offset(2)], "␛");
        assert_eq!(shifts.offset(source.len()), text.len());
        for (original, _) in source.char_indices().chain([(source.len(), ' ')]) {
            assert_eq!(shifts.original(shifts.offset(original)), original);
        }
        let plain: Arc<str> = Arc::from("x = 1\r\n");
        assert!(Arc::ptr_eq(&visible_source(&plain).0, &plain));
    }
}
