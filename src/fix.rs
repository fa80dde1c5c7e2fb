//! Fixes as data: what a finding may carry to say how to remove it mechanically. A [`Fix`] is a
//! set of [`Edit`]s (byte range and replacement) with an [`Applicability`] that says how sure
//! the rule is that applying it keeps the code's meaning. Engines attach fixes to their
//! findings; the cache and the printers carry them unchanged; [`apply`] applies a set of them to
//! a text (`crate::fixer` does so to files). This
//! module depends on nothing but `text`'s positions.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::text::Position;

/// How safe a fix is, weakest first: the order is the order of trust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown to the reader, never applied.
    DisplayOnly,
    /// Probably right, but the meaning may change: applied with `--unsafe-fixes` only.
    Unsafe,
    /// Provably keeps the meaning: applied with `--fix`.
    Safe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DisplayOnly => "display-only",
            Self::Unsafe => "unsafe",
            Self::Safe => "safe",
        }
    }
}

/// One replacement in a file's text. An insertion has an empty range, a deletion an empty
/// `content`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Edit {
    /// Byte range in the file's text (after a byte-order mark, as every range).
    pub range: Range<usize>,
    pub content: String,
    /// Positions of the range, filled in when the finding is positioned (engines leave them at
    /// their default).
    pub start: Position,
    pub end: Position,
}

impl Edit {
    /// Replaces `range` with `content`.
    pub fn replace(range: Range<usize>, content: impl Into<String>) -> Self {
        let unset = Position { line: 0, column: 0 };
        Self { range, content: content.into(), start: unset, end: unset }
    }

    /// Inserts `content` at byte `at`.
    pub fn insert(at: usize, content: impl Into<String>) -> Self {
        Self::replace(at..at, content)
    }

    /// Deletes `range`.
    pub fn delete(range: Range<usize>) -> Self {
        Self::replace(range, "")
    }
}

/// Where an edit will go, positioned: recorded with a finding's facts (or a directive) before
/// the fix is built, possibly in a later pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditSite {
    pub range: Range<usize>,
    pub start: Position,
    pub end: Position,
}

impl EditSite {
    /// Replaces this range with `content`.
    pub fn edit(&self, content: impl Into<String>) -> Edit {
        Edit { range: self.range.clone(), content: content.into(), start: self.start, end: self.end }
    }
}

/// How to remove a finding mechanically.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Fix {
    pub applicability: Applicability,
    /// What the fix does, for people ("Replace with `MagicMock`").
    pub message: String,
    /// Sorted by range, never overlapping.
    pub edits: Vec<Edit>,
}

impl Fix {
    /// A fix of `applicability` made of `edits` (sorted here).
    pub fn new(applicability: Applicability, message: impl Into<String>, mut edits: Vec<Edit>) -> Self {
        edits.sort_by_key(|edit| (edit.range.start, edit.range.end));
        Self { applicability, message: message.into(), edits }
    }

    pub fn safe(message: impl Into<String>, edits: Vec<Edit>) -> Self {
        Self::new(Applicability::Safe, message, edits)
    }

    /// The byte range from the first edit's start to the last edit's end.
    pub fn span(&self) -> Option<Range<usize>> {
        Some(self.edits.first()?.range.start..self.edits.iter().map(|e| e.range.end).max()?)
    }
}

/// Applies to `text` every fix of `fixes` (in order of position) whose edits overlap no edit
/// taken before, sharing identical edits; returns the new text and the counts of fixes applied
/// and deferred, or `None` when an edit does not fit the text (it changed since the scan).
pub fn apply(text: &str, fixes: &[&Fix]) -> Option<(String, usize, usize)> {
    let mut ordered: Vec<&Fix> = fixes.to_vec();
    ordered.sort_by_key(|fix| fix.span().map(|span| (span.start, span.end)));
    ordered.dedup();
    // The edits taken, by (start, end): they never overlap, so an edit that overlaps one of them
    // overlaps one of its neighbours in this order (a few on each side, for equal starts).
    let mut taken: BTreeMap<(usize, usize), Vec<&Edit>> = BTreeMap::new();
    let (mut applied, mut deferred) = (0, 0);
    for fix in ordered {
        let fits = fix.edits.iter().all(|edit| {
            edit.range.start <= edit.range.end
                && edit.range.end <= text.len()
                && text.is_char_boundary(edit.range.start)
                && text.is_char_boundary(edit.range.end)
        });
        if !fits {
            return None;
        }
        let clash = fix.edits.iter().any(|edit| {
            let key = (edit.range.start, edit.range.end);
            let before = taken.range(..key).rev().take(2);
            let after = taken.range(key..).take(3);
            before.chain(after).flat_map(|(_, edits)| edits).any(|other| *other != edit && overlap(edit, other))
        });
        if clash {
            deferred += 1;
            continue;
        }
        for edit in &fix.edits {
            let same = taken.entry((edit.range.start, edit.range.end)).or_default();
            if !same.contains(&edit) {
                same.push(edit);
            }
        }
        applied += 1;
    }
    let taken: Vec<&Edit> = taken.into_values().flatten().collect();
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for edit in taken {
        out.push_str(&text[at..edit.range.start]);
        if newline == "\n" {
            out.push_str(&edit.content);
        } else {
            // Inserted lines take the file's line endings.
            out.push_str(&edit.content.replace("\r\n", "\n").replace('\n', newline));
        }
        at = edit.range.end;
    }
    out.push_str(&text[at..]);
    Some((out, applied, deferred))
}

/// Whether two different edits touch: their ranges intersect, or one inserts at a point the
/// other's range starts at, ends at or covers (the order of the two would be a guess).
fn overlap(a: &Edit, b: &Edit) -> bool {
    let (a, b) = (&a.range, &b.range);
    if a.start == b.start {
        return true;
    }
    if a.is_empty() {
        return b.start <= a.start && a.start <= b.end;
    }
    if b.is_empty() {
        return a.start <= b.start && b.start <= a.end;
    }
    a.start < b.end && b.start < a.end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fix(edits: Vec<Edit>) -> Fix {
        Fix::safe("test", edits)
    }

    #[test]
    fn applies_disjoint_fixes_and_defers_overlapping_ones() {
        let text = "abc def ghi\n";
        let a = fix(vec![Edit::replace(0..3, "ABC")]);
        let b = fix(vec![Edit::replace(1..5, "x")]);
        let c = fix(vec![Edit::replace(8..11, "GHI")]);
        let (out, applied, deferred) = apply(text, &[&b, &c, &a]).unwrap();
        assert_eq!(out, "ABC def GHI\n");
        assert_eq!((applied, deferred), (2, 1));
    }

    #[test]
    fn shares_identical_edits_and_applies_identical_fixes_once() {
        let text = "x = Mock()\ny = patch\n";
        let import = Edit::insert(0, "from unittest.mock import Mock\n");
        let first = fix(vec![import.clone(), Edit::replace(4..8, "Mock")]);
        let second = fix(vec![import.clone(), Edit::replace(15..20, "patch")]);
        let (out, applied, deferred) = apply(text, &[&first, &second, &second.clone()]).unwrap();
        assert_eq!(out, "from unittest.mock import Mock\nx = Mock()\ny = patch\n");
        assert_eq!((applied, deferred), (2, 0));
        // Two different insertions at one point: the second waits.
        let other = fix(vec![Edit::insert(0, "import os\n")]);
        let (_, applied, deferred) = apply(text, &[&first, &other]).unwrap();
        assert_eq!((applied, deferred), (1, 1));
    }

    #[test]
    fn keeps_the_files_line_endings_and_refuses_edits_that_do_not_fit() {
        let text = "a\r\nb\r\n";
        let (out, ..) = apply(text, &[&fix(vec![Edit::insert(3, "x\ny\n")])]).unwrap();
        assert_eq!(out, "a\r\nx\r\ny\r\nb\r\n");
        assert!(apply("ab", &[&fix(vec![Edit::replace(1..9, "")])]).is_none());
        assert!(apply("é", &[&fix(vec![Edit::replace(1..2, "")])]).is_none());
    }
}
