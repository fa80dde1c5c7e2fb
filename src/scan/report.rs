//! What the analysis of one file produces ([`FileReport`]): the findings that survived its
//! suppression comments, the facts it gave the project rules and its directives, or why it was
//! skipped ([`SkipReason`], which knows whether it lasts as long as the file's content). The
//! analyzer makes these, the result cache stores and returns them, the scan collects them; this
//! module depends on neither.

use std::ops::Range;

use crate::diagnostic::{Category, Position};
use crate::rule::RuleIndex;
use crate::rules::ErasedFacts;
use crate::suppress::Suppressions;

/// One finding in one file, after suppression.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct FileFinding {
    pub rule: RuleIndex,
    pub range: Range<usize>,
    pub start: Position,
    pub end: Position,
    pub message: String,
    /// The flagged line, normalised (for the fingerprint).
    pub line_text: String,
    /// Its fix, edits positioned.
    pub fix: Option<crate::fix::Fix>,
}

/// A file that was analysed.
#[derive(Clone)]
pub(crate) struct ScannedReport {
    pub category: Category,
    pub findings: Vec<FileFinding>,
    pub suppressed: usize,
    /// Facts for the project pass, one entry per project rule that gave any.
    pub facts: Vec<ErasedFacts>,
    /// The file's suppression directives, when it has any.
    pub suppressions: Option<Suppressions>,
}

impl ScannedReport {
    /// A file with nothing to report.
    pub(crate) fn empty(category: Category) -> Self {
        Self { category, findings: Vec::new(), suppressed: 0, facts: Vec::new(), suppressions: None }
    }
}

/// What became of one file.
#[derive(Clone)]
pub(crate) enum FileReport {
    Scanned(ScannedReport),
    Skipped(SkipReason),
}

/// Why a file was not analysed. The variant says how long the reason holds: only reasons that
/// last as long as the file's content are cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SkipReason {
    /// Reading failed this time (an I/O error, not a regular file): a rerun may succeed.
    Unreadable(String),
    /// The content decides it (binary, not UTF-8, too large, indentation a parser cannot take,
    /// no syntax tree): it holds as long as the content does.
    Content(String),
    /// The parse ran out of its time budget: a rerun on a less busy machine may fit.
    Timeout(String),
    /// A panic inside the analysis, a bug of ssot's: a rerun of a fixed binary must not meet it.
    Internal(String),
}

impl SkipReason {
    /// Whether the reason holds as long as the file's content (and so may be cached).
    pub(crate) fn lasts(&self) -> bool {
        matches!(self, Self::Content(_))
    }

    /// The reason as reports show it.
    pub(crate) fn message(&self) -> &str {
        match self {
            Self::Unreadable(text) | Self::Content(text) | Self::Timeout(text) | Self::Internal(text) => text,
        }
    }

    pub(crate) fn into_message(self) -> String {
        match self {
            Self::Unreadable(text) | Self::Content(text) | Self::Timeout(text) | Self::Internal(text) => text,
        }
    }
}

/// The content key of a file's bytes: (hash, length).
pub(crate) fn content_key(bytes: &[u8]) -> (u64, u64) {
    (xxhash_rust::xxh3::xxh3_64(bytes), bytes.len() as u64)
}
