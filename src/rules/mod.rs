//! Built-in rule engines: the rules whose logic is Rust, one file each. Each still has its rule
//! file under `rules/python/` (id, severity, message, options, docs); this module maps the file's
//! `engine = "<name>"` to the code. Engines see one parsed file at a time and must not print.

mod direct_env_access;

use std::ops::Range;
use std::path::Path;

use crate::config::Settings;
use crate::rule::Rule;
use crate::UserError;

/// Names of every engine, for error messages. `parse-error` is run by the scanner itself.
pub(crate) const NAMES: &[&str] = &[crate::rule::PARSE_ERROR, direct_env_access::NAME];

/// The message variables engine `name` provides, or `None` if there is no such engine.
pub(crate) fn variables(name: &str) -> Option<&'static [&'static str]> {
    match name {
        crate::rule::PARSE_ERROR => Some(&["detail"]),
        direct_env_access::NAME => Some(direct_env_access::VARIABLES),
        _ => None,
    }
}

/// Builds engine `name` for `rule` (its options already validated against the rule file).
pub(crate) fn build(name: &str, rule: &Rule, settings: &Settings) -> Result<Box<dyn Engine>, UserError> {
    match name {
        direct_env_access::NAME => Ok(Box::new(direct_env_access::DirectEnvAccess::new(rule, settings)?)),
        _ => Err(UserError::new(format!("rule `{}`: engine `{name}` cannot be built", rule.id))),
    }
}

/// One parsed file, as engines see it.
pub(crate) struct FileContext<'a> {
    /// Absolute path.
    pub path: &'a Path,
    /// The file's text (comment-only lines are not blanked here).
    pub source: &'a str,
    pub tree: &'a tree_sitter::Tree,
}

/// A finding of an engine, before suppression and position conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EngineFinding {
    pub range: Range<usize>,
    pub message: String,
}

/// A rule implemented in Rust.
pub(crate) trait Engine: Send + Sync {
    /// Whether the file could hold a finding at all, judged from its bytes (before parsing).
    fn may_match(&self, _source: &str) -> bool {
        true
    }

    /// Appends the findings in `file` to `out`.
    fn check(&self, file: &FileContext, out: &mut Vec<EngineFinding>);
}
