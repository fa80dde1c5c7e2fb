//! Fingerprints that identify a finding across edits: the rule, the file, the flagged line's
//! text with whitespace normalised, and the occurrence index among identical (rule, line text)
//! findings in that file — never the line number, so edits elsewhere in the file keep it. Used
//! by baselines and by SARIF `partialFingerprints`.

use std::collections::HashMap;

use crate::diagnostic::Outcome;

/// FNV-1a, 64 bits: stable across platforms and releases (unlike `std`'s hasher).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// At most this many bytes of a line enter its fingerprint (generated files can have lines of
/// megabytes; the occurrence index still tells findings on one line apart).
const LINE_LIMIT: usize = 400;

/// `line` (a line's text, from [`crate::text::LineIndex::line_text`]) with whitespace runs
/// collapsed, trimmed, cut after [`LINE_LIMIT`] bytes. Reads at most `4 * LINE_LIMIT` bytes of
/// it, so many findings on one huge line cost each the same.
pub(crate) fn normalized_line(line: &str) -> String {
    let cut = crate::text::floor_char_boundary(line, line.len().min(LINE_LIMIT * 4));
    let mut text = String::with_capacity(cut);
    for word in line[..cut].split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
    if text.len() > LINE_LIMIT {
        text.truncate(crate::text::floor_char_boundary(&text, LINE_LIMIT));
    }
    text
}

/// The fingerprint of one finding.
pub fn fingerprint(rule: &str, path: &str, line_text: &str, occurrence: usize) -> String {
    format!("{:016x}", fnv1a(&[rule, path, line_text, &occurrence.to_string()]))
}

/// Computes every diagnostic's fingerprint (diagnostics sorted, so each file's are together).
pub(crate) fn assign(outcome: &mut Outcome) {
    use rayon::prelude::*;
    let files = &outcome.files;
    outcome.diagnostics.par_chunk_by_mut(|a, b| a.file == b.file).for_each(|in_file| {
        let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
        let fingerprints: Vec<String> = in_file
            .iter()
            .map(|d| {
                let occurrence = seen.entry((&*d.rule, d.line_text.as_str())).or_insert(0);
                *occurrence += 1;
                fingerprint(&d.rule, &files[d.file.0].path, &d.line_text, *occurrence - 1)
            })
            .collect();
        for (d, fingerprint) in in_file.iter_mut().zip(fingerprints) {
            d.fingerprint = fingerprint;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_ignore_line_numbers_and_whitespace() {
        let line = |source: &str| {
            let lines = crate::text::LineIndex::new(source);
            normalized_line(lines.line_text(source, source.find("os.environ").unwrap()))
        };
        assert_eq!(line("import os\nx = os.environ\n"), "x = os.environ");
        assert_eq!(line("import os\n\n\n# moved\nx   =   os.environ   \n"), "x = os.environ");
        assert_eq!(line("import os\r\n\r# moved\rx   =   os.environ   \r"), "x = os.environ");
        assert_eq!(fingerprint("r", "p.py", "x = 1", 0), fingerprint("r", "p.py", "x = 1", 0));
        assert_ne!(fingerprint("r", "p.py", "x = 1", 0), fingerprint("r", "p.py", "x = 1", 1));
        assert_ne!(fingerprint("r", "p.py", "x = 1", 0), fingerprint("r", "q.py", "x = 1", 0));
        assert_eq!(fingerprint("r", "p.py", "x = 1", 0).len(), 16);
    }
}
