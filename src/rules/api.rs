//! The engine API: what a rule written in Rust implements and what it gets back. A
//! [`FileRule`] looks at one file at a time and returns findings; a [`ProjectRule`] gathers
//! typed facts from each file (in parallel) and then makes one pass over all of them. Both may
//! answer from the file's tokens alone (the fast path) or decline ([`Declined`]), and then get
//! the parsed file. The scanner and the result cache see project rules only through
//! [`AnyProjectRule`], which one generic adapter ([`Typed`]) implements for every
//! [`ProjectRule`]: it alone erases and restores the facts' type and encodes them for the cache,
//! so no engine downcasts or writes its own encoding. A Rust file reaches an engine through
//! its own methods (`may_match_rust`, `check_rust`, `collect_rust`): an engine reads the
//! languages its registration names. Engines must not print.

use std::any::Any;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::{FileContext, FileText, RustFile, Site};
use crate::config::Settings;
use crate::diagnostic::{FileId, Related};
use crate::fix::Fix;
use crate::rule::{EngineSignature, Rule};
use crate::UserError;

/// The tokens cannot decide this rule for this file: it must be parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Declined;

/// What a file's path and bytes say before anything is computed from them; every engine has it.
pub(crate) trait Prefilter: Send + Sync {
    /// What of a file's path changes this engine's result (an `allow` glob match, a service):
    /// files with the same content and the same key share one analysis.
    fn path_key(&self, _path: &Path) -> u64 {
        0
    }

    /// Whether the file could hold a finding (or facts) at all, judged from its bytes; a
    /// superset: a file rejected here is never looked at.
    fn may_match(&self, _path: &Path, _source: &str) -> bool {
        true
    }

    /// [`Prefilter::may_match`] for a Rust file. An engine that reads no Rust never sees one
    /// (its rule cannot name the language).
    fn may_match_rust(&self, _path: &Path, _source: &str) -> bool {
        false
    }
}

/// A rule that judges each file on its own.
pub(crate) trait FileRule: Prefilter {
    /// The fast path: the findings decided from the tokens alone, appended to `out`, or
    /// [`Declined`] (then nothing may have been appended, and [`FileRule::check`] runs on the
    /// tree). An answer must be what `check` would give.
    fn check_tokens(&self, _file: &FileText, _out: &mut Vec<Finding>) -> Result<(), Declined> {
        Err(Declined)
    }

    /// Appends the findings in the parsed `file` to `out`.
    fn check(&self, file: &FileContext, out: &mut Vec<Finding>);

    /// Appends the findings in the parsed Rust `file` to `out` (engines that read Rust).
    fn check_rust(&self, _file: &RustFile, _out: &mut Vec<Finding>) {}
}

/// A rule over the whole project: facts from each file, then one pass over all of them.
pub(crate) trait ProjectRule: Prefilter {
    /// What one file contributes. Owned and serializable: the result cache stores it.
    type Facts: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The fast path: the file's facts decided from the tokens alone (`None`: it has none), or
    /// [`Declined`]. An answer must be what [`ProjectRule::collect`] would give.
    fn collect_tokens(&self, _file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        Err(Declined)
    }

    /// The facts of the parsed `file`, if it has any.
    fn collect(&self, file: &FileContext) -> Option<Self::Facts>;

    /// The facts of the parsed Rust `file`, if it has any (engines that read Rust).
    fn collect_rust(&self, _file: &RustFile) -> Option<Self::Facts> {
        None
    }

    /// The project pass: every file's facts in path order (files with identical content share
    /// theirs); `paths[file]` is a file's path. Group with ordered maps: the output must not
    /// depend on hashing.
    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding>;

    /// Forgets what its passes learnt of the project's files beyond their facts (what is on
    /// disk, which module a path is): called when the files change, before the next pass.
    fn forget(&self) {}

    /// Its passes will be asked for again and again on the same files (a live project): it may
    /// keep what a pass needs to answer the next one faster.
    fn keep_passes(&self) {}
}

/// A finding of an engine in one file, before suppression and position conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub range: Range<usize>,
    pub message: String,
    /// How to remove it mechanically, when the rule knows.
    pub fix: Option<Fix>,
}

impl Finding {
    pub(crate) fn new(range: Range<usize>, message: String) -> Self {
        Self { range, message, fix: None }
    }

    pub(crate) fn with_fix(self, fix: Option<Fix>) -> Self {
        Self { fix, ..self }
    }
}

/// A finding of the project pass.
#[derive(Debug, Clone)]
pub(crate) struct ProjectFinding {
    pub file: FileId,
    pub site: Site,
    pub message: String,
    pub related: Vec<Related>,
    /// How to remove it mechanically (edits positioned), when the rule knows.
    pub fix: Option<Fix>,
}

/// The index of a project rule among those a run uses (its facts carry it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct ProjectIndex(pub usize);

/// Facts of one file for one project rule, their type erased: only the rule that made them
/// (through [`Typed`]) reads them. Shared, so files with identical content share them.
#[derive(Clone)]
pub(crate) struct ErasedFacts {
    pub rule: ProjectIndex,
    pub value: AnyFacts,
}

/// A project rule's facts behind its type.
pub(crate) type AnyFacts = Arc<dyn Any + Send + Sync>;

/// A [`ProjectRule`] as the scanner and the cache see it, whatever its facts' type.
pub(crate) trait AnyProjectRule: Prefilter {
    fn collect_tokens(&self, file: &FileText) -> Result<Option<AnyFacts>, Declined>;
    fn collect(&self, file: &FileContext) -> Option<AnyFacts>;
    fn collect_rust(&self, file: &RustFile) -> Option<AnyFacts>;
    /// The facts encoded for the result cache (`None`: they were not made by this rule).
    fn encode(&self, facts: &AnyFacts) -> Option<Vec<u8>>;
    /// Facts read back from the result cache (`None`: not an encoding of this rule's facts).
    fn decode(&self, bytes: &[u8]) -> Option<AnyFacts>;
    fn finish(&self, facts: Vec<(FileId, AnyFacts)>, paths: &[&str]) -> Vec<ProjectFinding>;
    fn forget(&self);
    fn keep_passes(&self);
}

/// The one adapter from a typed [`ProjectRule`] to [`AnyProjectRule`].
pub(crate) struct Typed<R>(pub R);

impl<R: ProjectRule> Typed<R> {
    fn erase(facts: R::Facts) -> AnyFacts {
        Arc::new(facts)
    }
}

impl<R: ProjectRule> Prefilter for Typed<R> {
    fn path_key(&self, path: &Path) -> u64 {
        self.0.path_key(path)
    }

    fn may_match(&self, path: &Path, source: &str) -> bool {
        self.0.may_match(path, source)
    }

    fn may_match_rust(&self, path: &Path, source: &str) -> bool {
        self.0.may_match_rust(path, source)
    }
}

impl<R: ProjectRule> AnyProjectRule for Typed<R> {
    fn collect_tokens(&self, file: &FileText) -> Result<Option<AnyFacts>, Declined> {
        Ok(self.0.collect_tokens(file)?.map(Self::erase))
    }

    fn collect(&self, file: &FileContext) -> Option<AnyFacts> {
        self.0.collect(file).map(Self::erase)
    }

    fn collect_rust(&self, file: &RustFile) -> Option<AnyFacts> {
        self.0.collect_rust(file).map(Self::erase)
    }

    fn encode(&self, facts: &AnyFacts) -> Option<Vec<u8>> {
        postcard::to_stdvec(facts.downcast_ref::<R::Facts>()?).ok()
    }

    fn decode(&self, bytes: &[u8]) -> Option<AnyFacts> {
        postcard::from_bytes::<R::Facts>(bytes).ok().map(Self::erase)
    }

    fn forget(&self) {
        self.0.forget();
    }

    fn keep_passes(&self) {
        self.0.keep_passes();
    }

    fn finish(&self, facts: Vec<(FileId, AnyFacts)>, paths: &[&str]) -> Vec<ProjectFinding> {
        // Every value here was made by this adapter for this rule: the scanner routes facts by
        // the rule's index. A mismatch would be a bug of the scanner, and a panic here becomes
        // an internal error of the run, not a silently missing finding.
        let typed = facts
            .into_iter()
            .map(|(file, value)| match value.downcast::<R::Facts>() {
                Ok(value) => (file, value),
                Err(_) => panic!("facts of another rule were routed to this one"),
            })
            .collect();
        self.0.finish(typed, paths)
    }
}

/// One engine as the registry knows it.
pub(crate) struct Registration {
    pub signature: EngineSignature,
    /// Builds the engine for `rule` (its options already validated against the rule file).
    pub build: fn(&Rule, &Settings) -> Result<Engine, UserError>,
    /// Whether `build` makes a project rule (its findings compare files, so its options are one
    /// per project: a nested configuration cannot set them).
    pub project_wide: bool,
}

/// A built engine, of one of the two kinds.
pub(crate) enum Engine {
    File(Box<dyn FileRule>),
    Project(Box<dyn AnyProjectRule>),
}

impl Engine {
    pub(crate) fn file(rule: impl FileRule + 'static) -> Self {
        Self::File(Box::new(rule))
    }

    pub(crate) fn project(rule: impl ProjectRule + 'static) -> Self {
        Self::Project(Box::new(Typed(rule)))
    }
}
