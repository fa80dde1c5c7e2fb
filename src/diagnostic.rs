//! The result of a scan: diagnostics, the files they point into, skipped files and counts.
//! Every report printer reads only these types, so all formats agree on what was found.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// How bad a finding is. Errors fail the exit code; errors and warnings lower the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// The severity a configuration names (`"error"`, `"warning"`, `"info"`).
    pub fn from_name(name: &str) -> Option<Self> {
        [Severity::Error, Severity::Warning, Severity::Info].into_iter().find(|severity| severity.as_str() == name)
    }

    /// Whether a finding of this severity makes its file non-compliant.
    pub fn counts_against_score(self) -> bool {
        matches!(self, Severity::Error | Severity::Warning)
    }
}

/// The category a scanned file belongs to (exactly one), from `scan.test` and `scan.other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Production,
    Test,
    Other,
}

impl Category {
    pub const ALL: [Category; 3] = [Category::Production, Category::Test, Category::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Production => "production",
            Category::Test => "test",
            Category::Other => "other",
        }
    }
}

pub use crate::text::Position;

/// Index of a scanned file in [`Outcome::files`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FileId(pub usize);

/// One scanned file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScannedFile {
    /// Path relative to the scanned root, with `/` separators.
    pub path: Arc<str>,
    pub category: Category,
    /// Findings in it silenced by suppression comments.
    pub suppressed: usize,
    /// A file of the project outside the paths asked about ([`Outcome::restrict`]): it gives the
    /// project-wide rules what they know of it, and related places may point into it, but it is
    /// not reported, counted or scored.
    #[serde(skip)]
    pub outside: bool,
    /// The text, kept only for files with diagnostics (the human report quotes it); not part of
    /// the tree snapshot.
    #[serde(skip)]
    pub source: Option<Arc<str>>,
}

impl ScannedFile {
    /// A file of the paths asked about, its text not loaded.
    pub(crate) fn new(path: impl Into<Arc<str>>, category: Category, suppressed: usize) -> Self {
        Self { path: path.into(), category, suppressed, outside: false, source: None }
    }
}

/// Another place a multi-file finding points to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Related {
    pub file: FileId,
    /// Byte range in that file's text.
    pub range: std::ops::Range<usize>,
    pub start: Position,
    /// Shared: a group's findings repeat the same few texts many times.
    #[serde(deserialize_with = "interned::text")]
    pub message: Arc<str>,
}

/// One finding that survived suppression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    #[serde(deserialize_with = "interned::text")]
    pub rule: Arc<str>,
    pub severity: Severity,
    pub file: FileId,
    /// Byte range in the file's text.
    pub range: std::ops::Range<usize>,
    pub start: Position,
    /// End position, exclusive.
    pub end: Position,
    /// Shared with the findings that say the same (copies of a file say the same things).
    #[serde(deserialize_with = "interned::text")]
    pub message: Arc<str>,
    pub related: Vec<Related>,
    /// Stable identity across edits (see [`crate::fingerprint`]).
    pub fingerprint: String,
    /// The flagged line, whitespace normalised (part of the fingerprint).
    pub line_text: String,
    /// Listed in the baseline given with `--baseline`: reported, but does not fail the run.
    pub baselined: bool,
    /// How to remove it mechanically, when its rule knows.
    pub fix: Option<crate::fix::Fix>,
}

impl Diagnostic {
    /// Whether `--fix` removes it (its fix is safe).
    pub fn has_safe_fix(&self) -> bool {
        self.fix.as_ref().is_some_and(|fix| fix.applicability == crate::fix::Applicability::Safe)
    }
}

/// A file that was found but not analysed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

/// Everything a scan produced, in deterministic order.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub files: Vec<ScannedFile>,
    pub skipped: Vec<Skipped>,
    /// Sorted by path, line, column, rule.
    pub diagnostics: Vec<Diagnostic>,
    /// Findings silenced by `# ssot: ignore[…]` comments.
    pub suppressed: usize,
    /// Every active rule id, sorted, so reports can show rules with zero findings.
    pub rules: Vec<String>,
    /// The directory paths are relative to (absolute).
    pub root: std::path::PathBuf,
    /// Failures of ssot itself that lost findings (a project rule's pass that panicked): the
    /// report is still written, and the run ends with status 2.
    pub internal_errors: Vec<String>,
    /// Some file was skipped for a reason that may not recur (a failed read, a parse out of
    /// time, an internal error): the outcome must not be replayed for an unchanged tree.
    pub(crate) transient_skips: bool,
}

impl Outcome {
    pub fn file(&self, id: FileId) -> &ScannedFile {
        &self.files[id.0]
    }

    /// Where the file `id` is on disk (its shown path may escape bytes that are not UTF-8).
    pub fn real_path(&self, id: FileId) -> std::path::PathBuf {
        self.root.join(crate::path_text::real(&self.file(id).path))
    }

    /// Counts a finding in `file` silenced by a suppression comment.
    pub(crate) fn count_suppressed(&mut self, file: FileId) {
        self.files[file.0].suppressed += 1;
        self.suppressed += 1;
    }

    /// The files that are reported, counted and scored (not [`ScannedFile::outside`]).
    pub fn reported_files(&self) -> impl Iterator<Item = (usize, &ScannedFile)> {
        self.files.iter().enumerate().filter(|(_, file)| !file.outside)
    }

    /// Narrows what is reported to the files `asked` accepts (by their path on disk): the other
    /// files stay, marked [`ScannedFile::outside`], for the related places that point into them;
    /// their findings, skipped entries and suppressed counts go.
    pub fn restrict(&mut self, asked: &dyn Fn(&std::path::Path) -> bool) {
        for index in 0..self.files.len() {
            let outside = !asked(&self.real_path(FileId(index)));
            self.files[index].outside = outside;
        }
        let files = &self.files;
        self.diagnostics.retain(|d| !files[d.file.0].outside);
        let root = &self.root;
        self.skipped.retain(|skipped| asked(&root.join(crate::path_text::real(&skipped.path))));
        self.suppressed = self.reported_files().map(|(_, file)| file.suppressed).sum();
    }

    /// Makes paths relative to `top`, an ancestor of the root (the repository's top, for the
    /// formats whose readers resolve paths against it); fingerprints keep the project's paths.
    pub fn rebase(&mut self, top: &std::path::Path) {
        let Ok(prefix) = self.root.strip_prefix(top) else { return };
        if prefix.as_os_str().is_empty() {
            return;
        }
        let prefix = crate::path_text::text(prefix);
        for file in &mut self.files {
            file.path = format!("{prefix}/{}", file.path).into();
        }
        for skipped in &mut self.skipped {
            skipped.path = format!("{prefix}/{}", skipped.path);
        }
        self.root = top.to_path_buf();
    }

    /// Sorts diagnostics by path, line, column, rule (then message, for total determinism).
    pub fn sort(&mut self) {
        let files = &self.files;
        self.diagnostics.sort_by(|a, b| {
            (&files[a.file.0].path, a.start, &a.rule, &a.message, a.end).cmp(&(
                &files[b.file.0].path,
                b.start,
                &b.rule,
                &b.message,
                b.end,
            ))
        });
        self.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    }
}

/// Reading shared texts back (the tree snapshot holds hundreds of thousands of texts, most of them
/// repeats): each distinct text becomes one [`Arc`] per thread, so decoding allocates once per
/// distinct text, not once per occurrence.
pub(crate) mod interned {
    use std::cell::RefCell;
    use std::collections::HashSet;
    use std::sync::Arc;

    use serde::de::{Deserializer, Error, Visitor};

    thread_local! {
        static TEXTS: RefCell<HashSet<Arc<str>>> = RefCell::new(HashSet::new());
    }

    pub(crate) fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Arc<str>, D::Error> {
        deserializer.deserialize_str(Text)
    }

    struct Text;

    impl Visitor<'_> for Text {
        type Value = Arc<str>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("a string")
        }

        fn visit_str<E: Error>(self, text: &str) -> Result<Arc<str>, E> {
            Ok(TEXTS.with(|texts| {
                let mut texts = texts.borrow_mut();
                if let Some(known) = texts.get(text) {
                    return known.clone();
                }
                let shared: Arc<str> = Arc::from(text);
                texts.insert(shared.clone());
                shared
            }))
        }
    }

    /// Forgets this thread's texts (call when a decode is done, so nothing outlives it).
    pub(crate) fn clear() {
        TEXTS.with(|texts| texts.borrow_mut().clear());
    }
}
