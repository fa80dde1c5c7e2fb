//! Byte offsets ↔ 1-based lines and columns. Columns count Unicode characters, as every output
//! format promises; nothing else in ssot converts positions.

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

/// Converts many offsets of one file quickly: keeps the start offsets of every line.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
    /// Per line: whether it is pure ASCII (then a column is a byte difference, in O(1), which
    /// keeps many findings on one huge generated line linear).
    ascii: Vec<bool>,
}

impl LineIndex {
    pub(crate) fn new(source: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_iter(source.as_bytes()).map(|i| i + 1));
        let bytes = source.as_bytes();
        let ascii = starts
            .iter()
            .enumerate()
            .map(|(i, &start)| {
                let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
                bytes[start..end].is_ascii()
            })
            .collect();
        Self { starts, ascii }
    }

    /// 1-based (line, column) of byte `offset`; the column counts characters.
    pub(crate) fn position(&self, source: &str, offset: usize) -> (usize, usize) {
        let offset = floor_char_boundary(source, offset.min(source.len()));
        let line = self.starts.partition_point(|&start| start <= offset) - 1;
        let start = self.starts[line];
        if self.ascii[line] {
            return (line + 1, offset - start + 1);
        }
        (line + 1, source[start..offset].chars().count() + 1)
    }
}

fn memchr_iter(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes.iter().enumerate().filter(|(_, &b)| b == b'\n').map(|(i, _)| i)
}

fn floor_char_boundary(source: &str, mut offset: usize) -> usize {
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
}
