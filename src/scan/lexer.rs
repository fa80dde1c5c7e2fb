//! TEMPORARY stub, replaced by the real tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Comment { pub start: usize, pub end: usize, pub own_line: bool }
pub(crate) fn comments(source: &str) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if let Some(i) = line.find('#') { let own = line[..i].trim().is_empty(); out.push(Comment { start: offset + i, end: offset + line.trim_end().len(), own_line: own }); }
        offset += line.len();
    }
    out
}
pub(crate) fn blank_comment_lines(source: &str) -> std::borrow::Cow<'_, str> { std::borrow::Cow::Borrowed(source) }
