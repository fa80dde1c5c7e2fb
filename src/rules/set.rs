//! The [`RuleSet`] a scan runs: the selected and configured rules of a catalog (sorted by id),
//! compiled for the hot loop — every pattern rule's query combined into one, each engine rule's
//! engine built from the registry, and the scanner-run rules known by their kind.

use std::collections::HashSet;

use super::api::{AnyProjectRule, Engine, FileRule, ProjectIndex};
use super::registry;
use crate::config::Settings;
use crate::rule::{Catalog, PatternMatcher, Rule, RuleIndex, RuleKind, ScannerRule, PARSE_ERROR};
use crate::UserError;

/// The rules a scan runs, compiled.
pub struct RuleSet {
    /// Active rules, sorted by id; a [`RuleIndex`] indexes this.
    pub rules: Vec<Rule>,
    pub(crate) patterns: Option<PatternMatcher>,
    /// Every active file rule's engine, in rule order.
    pub(crate) file_rules: Vec<(RuleIndex, Box<dyn FileRule>)>,
    /// Every active project rule's engine, in rule order; a [`ProjectIndex`] indexes this.
    pub(crate) project_rules: Vec<(RuleIndex, Box<dyn AnyProjectRule>)>,
    /// The `parse-error` rule, when active.
    pub(crate) parse_error: Option<RuleIndex>,
    /// `parse-error` was selected by name: every file is parsed to look for errors (otherwise a
    /// file is parsed only when another rule could match it).
    pub(crate) parse_all: bool,
    /// The `unused-suppression` rule, when active.
    pub(crate) unused_suppression: Option<RuleIndex>,
    /// Every rule id of the catalog (active or not), to tell unknown ids in suppressions.
    pub(crate) known_ids: HashSet<String>,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet").field("rules", &self.rules.iter().map(|r| &r.id).collect::<Vec<_>>()).finish()
    }
}

impl RuleSet {
    /// Selects and configures the rules of `catalog` as `settings` say, and compiles them.
    pub fn new(catalog: &Catalog, settings: &Settings) -> Result<Self, UserError> {
        let rules = catalog.select(settings)?;
        let mut pattern_inputs = Vec::new();
        let mut file_rules = Vec::new();
        let mut project_rules = Vec::new();
        let mut parse_error = None;
        let mut unused_suppression = None;
        for (index, rule) in rules.iter().enumerate() {
            let index = RuleIndex(index);
            match &rule.kind {
                RuleKind::Pattern { query, report } => {
                    pattern_inputs.push((index, query.as_str(), report.as_str(), rule.message.as_str()));
                }
                RuleKind::Scanner(ScannerRule::ParseError) => parse_error = Some(index),
                RuleKind::Scanner(ScannerRule::UnusedSuppression) => unused_suppression = Some(index),
                RuleKind::Engine(name) => match registry::build(name, rule, settings)? {
                    Engine::File(engine) => file_rules.push((index, engine)),
                    Engine::Project(engine) => project_rules.push((index, engine)),
                },
            }
        }
        let patterns = PatternMatcher::compile(&pattern_inputs, rules.len())
            .map_err(|err| UserError::new(format!("internal error combining rule queries: {err}")))?;
        let known_ids = catalog.ids().map(str::to_string).collect();
        let parse_all = parse_error.is_some()
            && settings.selection.select.as_ref().is_some_and(|list| list.iter().any(|(id, _)| id == PARSE_ERROR));
        Ok(Self { rules, patterns, file_rules, project_rules, parse_error, parse_all, unused_suppression, known_ids })
    }

    pub fn ids(&self) -> Vec<String> {
        self.rules.iter().map(|rule| rule.id.clone()).collect()
    }

    pub(crate) fn rule(&self, index: RuleIndex) -> &Rule {
        &self.rules[index.0]
    }

    /// The project rule of `index` and the rule it implements.
    pub(crate) fn project_rule(&self, index: ProjectIndex) -> Option<&(RuleIndex, Box<dyn AnyProjectRule>)> {
        self.project_rules.get(index.0)
    }

    /// Every engine's path key for `path` (file rules, then project rules).
    pub(crate) fn path_keys(&self, path: &std::path::Path) -> Vec<u64> {
        let file = self.file_rules.iter().map(|(_, engine)| engine.path_key(path));
        file.chain(self.project_rules.iter().map(|(_, engine)| engine.path_key(path))).collect()
    }
}
