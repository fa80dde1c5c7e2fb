//! The rule file schema. The doc comments here are its reference documentation
//! (`docs/rule-files.md` repeats them with examples).

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use crate::diagnostic::Severity;

/// One rule file: `rules/python/<id>.toml` (bundled) or `<rule-dir>/<id>.toml` (user).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RuleSpec {
    /// The rule id: kebab-case, equal to the file name without `.toml`.
    pub id: Spanned<String>,
    /// `error`, `warning` or `info`.
    pub severity: Severity,
    /// One line: what the rule flags.
    pub summary: String,
    /// The finding's message; `{name}` interpolates the text of capture `@name` (pattern rules)
    /// or a variable the engine provides (engine rules). `{{` and `}}` are literal braces.
    pub message: Spanned<String>,
    /// The rule finds nothing until it is configured (its options have empty defaults).
    #[serde(default)]
    pub needs_config: bool,
    /// The languages whose files the rule reads: `python` (the default), `rust`, or both. A
    /// pattern rule reads Python only (its query is over tree-sitter-python); an engine rule may
    /// name the languages its engine supports.
    #[serde(default)]
    pub languages: Option<Spanned<Vec<Spanned<String>>>>,
    /// The former key: one language (`language = "python"`), still read.
    #[serde(default)]
    pub language: Option<Spanned<String>>,
    /// A tree-sitter query over tree-sitter-python (pattern rules). Text predicates `#eq?`,
    /// `#not-eq?`, `#match?`, `#not-match?`, `#any-of?`, `#not-any-of?` are supported.
    pub query: Option<Spanned<String>>,
    /// A regular expression (Rust `regex` syntax) that every file the query can match contains:
    /// files without a match are not parsed for this rule. It must never miss a real match.
    pub prefilter: Option<Spanned<String>>,
    /// The capture whose node is the finding's location (pattern rules). Default `match`.
    pub report: Option<Spanned<String>>,
    /// The name of the Rust engine (engine rules), instead of `query`.
    pub engine: Option<Spanned<String>>,
    /// Only files matching these globs are checked (relative to the configuration's directory).
    #[serde(default)]
    pub include: Vec<Spanned<String>>,
    /// Files matching these globs are not checked.
    #[serde(default)]
    pub exclude: Vec<Spanned<String>>,
    /// Options the rule takes, with defaults; set them in `[rules.<id>]`.
    #[serde(default)]
    pub options: BTreeMap<String, OptionSpec>,
    /// Documentation, printed by `ssot explain` and generated into `docs/rules/<id>.md`.
    /// Required in the bundled rules; optional in a rule file of `rules.rule-dirs` (`ssot
    /// explain` then shows the summary, the message and where the file is).
    #[serde(default)]
    pub docs: Option<DocsSpec>,
}

/// One option of a rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct OptionSpec {
    /// The default value; a configured value must have the same type.
    pub default: toml::Value,
    /// For an array option whose default is empty: the type of its elements (`string`, the
    /// default, or `table`).
    #[serde(default)]
    pub items: Option<String>,
    /// What the option does.
    pub doc: String,
}

/// A rule's documentation, under fixed headings.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct DocsSpec {
    /// Why it matters.
    pub why: String,
    /// Code the rule flags.
    pub bad: String,
    /// The same code written the way the rule wants.
    pub good: String,
    /// Anything else: precise semantics, known limits.
    #[serde(default)]
    pub notes: Option<String>,
    /// Whether and how `--fix` removes its findings, and how safe that is (`docs/fixes.md`).
    #[serde(default)]
    pub fix: Option<String>,
}
