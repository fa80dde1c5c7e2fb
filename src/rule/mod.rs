//! Rules as data: the raw rule file ([`RuleSpec`]), its compiled form ([`Rule`]), the loader
//! that reads bundled and user rule files alike into a [`Catalog`] and selects and configures
//! the rules a run uses, message templates, and the one combined tree-sitter query of all
//! pattern rules. It knows the engines only by their [`EngineSignature`] (name and message
//! variables), which `crate::rules` hands to the loader: this layer sits below the engines. It
//! must not walk files or print reports.

mod load;
mod message;
mod prefilter;
mod query;
mod spec;

pub use load::{parse_rule_file, rule_languages, Catalog};
pub(crate) use message::render as render_message;
pub(crate) use query::python as python_language;
pub(crate) use query::{PatternMatch, PatternMatcher};
pub use spec::{DocsSpec, OptionSpec, RuleSpec};

use std::collections::BTreeMap;

use crate::config::Globs;
use crate::diagnostic::Severity;
use crate::language::Language;

/// The rule id of the built-in rule reporting files tree-sitter could not fully parse.
pub const PARSE_ERROR: &str = "parse-error";

/// The rule id of the built-in rule reporting suppressions that silence nothing.
pub const UNUSED_SUPPRESSION: &str = "unused-suppression";

/// A rule the scanner runs itself, not an engine: `parse-error` reads the parse result's
/// errors, `unused-suppression` needs every other rule's findings, project pass included. A rule
/// file selects one with `engine = "<its id>"`, and only the rule of that id may.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScannerRule {
    ParseError,
    UnusedSuppression,
}

impl ScannerRule {
    pub const ALL: [ScannerRule; 2] = [ScannerRule::ParseError, ScannerRule::UnusedSuppression];

    /// The rule's id, which is also its engine name.
    pub fn name(self) -> &'static str {
        match self {
            Self::ParseError => PARSE_ERROR,
            Self::UnusedSuppression => UNUSED_SUPPRESSION,
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|rule| rule.name() == name)
    }

    /// The message variables it provides.
    pub(crate) fn variables(self) -> &'static [&'static str] {
        &["detail"]
    }
}

/// What the loader must know of an engine to validate a rule file that names it: its name, the
/// message variables it provides and the languages it reads.
#[derive(Debug, Clone, Copy)]
pub struct EngineSignature {
    pub name: &'static str,
    pub variables: &'static [&'static str],
    /// The languages it reads.
    pub languages: &'static [Language],
}

/// The index of a rule among the rules a run uses (sorted by id).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct RuleIndex(pub usize);

/// Where a rule file came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Bundled into the binary; the path is relative to the crate (`rules/python/<id>.toml`).
    Bundled(&'static str),
    /// A user rule file from a `rules.rule-dirs` directory.
    User(std::path::PathBuf),
}

impl Origin {
    /// The rule file's path: relative to the crate for a bundled rule, as found for a user rule.
    pub fn path(&self) -> std::path::PathBuf {
        match self {
            Self::Bundled(path) => std::path::PathBuf::from(path),
            Self::User(path) => path.clone(),
        }
    }
}

/// How a rule finds its violations.
#[derive(Debug, Clone)]
pub enum RuleKind {
    /// A tree-sitter query; findings are reported at the capture named `report`.
    Pattern { query: String, report: String },
    /// A Rust engine, by name.
    Engine(String),
    /// Run by the scanner itself.
    Scanner(ScannerRule),
}

/// A validated rule, with its options resolved against the configuration.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub severity: Severity,
    pub summary: String,
    pub message: String,
    pub needs_config: bool,
    pub kind: RuleKind,
    /// The languages whose files it reads (sorted).
    pub languages: Vec<Language>,
    /// Pattern rules: files not matching it need no parse for this rule. The rule file's
    /// `prefilter`, else one derived from the query (`prefilter.rs`), else none.
    pub prefilter: Option<regex::Regex>,
    /// Whether `prefilter` was derived from the query rather than written in the rule file.
    pub prefilter_derived: bool,
    /// Only files matching these globs (empty: every file).
    pub include: Option<Globs>,
    pub exclude: Option<Globs>,
    /// Effective option values (defaults overridden by `[rules.<id>]`).
    pub options: BTreeMap<String, toml::Value>,
    pub spec: RuleSpec,
    pub origin: Origin,
}

impl Rule {
    /// Whether the rule looks at the file at absolute `path` at all.
    pub fn applies_to(&self, path: &std::path::Path) -> bool {
        self.looks_at(path, self.include.as_ref(), self.exclude.as_ref())
    }

    /// Whether a file of its languages at `path` passes `include` and `exclude`.
    fn looks_at(&self, path: &std::path::Path, include: Option<&Globs>, exclude: Option<&Globs>) -> bool {
        self.languages.contains(&Language::of_scanned(path))
            && include.is_none_or(|globs| globs.is_empty() || globs.is_match(path))
            && !exclude.is_some_and(|globs| globs.is_match(path))
    }

    /// Whether the rule looks at the absolute `path`, governed by the nested configuration
    /// `scope` (if any): its languages, and the selection and `include`/`exclude` of that
    /// configuration (a nested one's replace the rule's).
    pub fn applies_in(&self, scope: Option<&crate::config::Scope>, path: &std::path::Path) -> bool {
        let Some(scope) = scope else { return self.applies_to(path) };
        let include = scope.includes.get(&self.id).or(self.include.as_ref());
        let exclude = scope.excludes.get(&self.id).or(self.exclude.as_ref());
        scope.selects(&self.id) && self.looks_at(path, include, exclude)
    }

    /// The string-list option `name` (declared in the rule file, so present).
    pub(crate) fn string_list(&self, name: &str) -> Vec<String> {
        match self.options.get(name) {
            Some(toml::Value::Array(items)) => {
                items.iter().filter_map(|item| item.as_str().map(str::to_string)).collect()
            }
            _ => Vec::new(),
        }
    }
}
