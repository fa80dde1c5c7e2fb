//! The [`RuleSet`] a scan runs: the selected and configured rules of a catalog (sorted by id),
//! compiled for the hot loop — every pattern rule's query combined into one, each engine rule's
//! engine built from the registry, and the scanner-run rules known by their kind — and the
//! per-file rules' engines a nested configuration's options call for ([`ScopedEngines`]).

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
    /// The catalog the rules came from: nested configurations' options configure them again.
    catalog: Catalog,
}

impl std::fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuleSet").field("rules", &self.rules.iter().map(|r| &r.id).collect::<Vec<_>>()).finish()
    }
}

impl RuleSet {
    /// Selects and configures the rules of `catalog` as `settings` say, and compiles them.
    /// Turns this set into the collector of `ssot graph`: the engine of `import-cycle` (which
    /// must be selected) is replaced by one that hands the import graph to `out`.
    pub(crate) fn collect_graph(
        &mut self,
        settings: &Settings,
        out: std::sync::Arc<std::sync::Mutex<Option<super::ImportGraph>>>,
    ) -> Result<(), UserError> {
        let slot = self.project_rules.iter().position(|(index, _)| self.rules[index.0].id == "import-cycle");
        let Some(slot) = slot else {
            return Err(UserError::new("ssot graph needs the bundled rule `import-cycle`".to_string()));
        };
        let collector = super::import_graph::GraphCollector {
            root: settings.root.clone(),
            source_roots: settings.source_roots.clone(),
            namespace_packages: settings.namespace_packages.clone(),
            out,
        };
        self.project_rules[slot].1 = Box::new(super::Typed(collector));
        Ok(())
    }

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
        Ok(Self {
            rules,
            patterns,
            file_rules,
            project_rules,
            parse_error,
            parse_all,
            unused_suppression,
            known_ids,
            catalog: catalog.clone(),
        })
    }

    /// Whether rule `id` (active or not) compares files across the project: a project rule,
    /// whose options a nested configuration cannot set.
    pub(crate) fn project_wide(&self, id: &str) -> bool {
        self.catalog
            .get(id)
            .and_then(|(spec, _)| spec.engine.as_ref())
            .is_some_and(|engine| registry::project_wide(engine.get_ref()))
    }

    /// The engines of the per-file rules whose options the nested configurations of `settings`
    /// write, built with those values (docs/projects.md, "Nested configurations"); an option that
    /// does not fit its rule is an error at its line.
    pub(crate) fn scoped(&self, settings: &Settings) -> Result<ScopedEngines, UserError> {
        let mut variants = Vec::with_capacity(settings.scopes.len());
        // Without the scopes: each scope's settings are made from it (copying every scope for
        // each would cost the square of their number).
        let project = Settings { scopes: Vec::new(), ..settings.clone() };
        for scope in &settings.scopes {
            if scope.options.is_empty() {
                variants.push(None);
                continue;
            }
            let local = project.with_options_of(scope);
            // Every table validated, as the project's are; the same rules, in the same order.
            let rules = self.catalog.select(&local)?;
            let mut engines = Vec::with_capacity(self.file_rules.len());
            let mut described = Vec::new();
            for (index, _) in &self.file_rules {
                let rule = &rules[index.0];
                debug_assert_eq!(rule.id, self.rules[index.0].id);
                let (RuleKind::Engine(name), Some(table)) = (&rule.kind, scope.options.get(&rule.id)) else {
                    engines.push(None);
                    continue;
                };
                let Engine::File(engine) = registry::build(name, rule, &local)? else {
                    return Err(UserError::new(format!("internal error: `{}` is not a per-file rule", rule.id)));
                };
                // What decides the engine: the values and the directories their globs start from.
                for (key, (value, at)) in &table.values {
                    let base = &scope.config_dirs[at.file];
                    described.push(format!(
                        "{} {key} {value} {}",
                        rule.id,
                        base.strip_prefix(&settings.root).unwrap_or(base).display()
                    ));
                }
                engines.push(Some(engine));
            }
            let key = {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::collections::hash_map::DefaultHasher::new();
                described.hash(&mut hasher);
                hasher.finish()
            };
            variants.push(Some(Variant { key, engines }));
        }
        Ok(ScopedEngines(variants))
    }

    /// The per-file rules' engines for a file: the project's, or those of `variant` (its nested
    /// configuration's) where it has one.
    pub(crate) fn file_engines<'a>(
        &'a self,
        variant: Option<&'a Variant>,
    ) -> impl Iterator<Item = (RuleIndex, &'a dyn FileRule)> + 'a {
        self.file_rules.iter().enumerate().map(move |(position, (index, engine))| {
            let scoped = variant.and_then(|variant| variant.engines[position].as_deref());
            (*index, scoped.unwrap_or(engine.as_ref()))
        })
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

    /// Every engine's path key for `path` (file rules, with `variant`'s engines, then project
    /// rules).
    pub(crate) fn path_keys(&self, path: &std::path::Path, variant: Option<&Variant>) -> Vec<u64> {
        let file = self.file_engines(variant).map(|(_, engine)| engine.path_key(path));
        file.chain(self.project_rules.iter().map(|(_, engine)| engine.path_key(path))).collect()
    }
}

/// The per-file rules' engines of the nested configurations that set options of them: by the
/// index of the scope in `Settings::scopes` (`None`: the project's engines serve it).
#[derive(Default)]
pub(crate) struct ScopedEngines(Vec<Option<Variant>>);

impl ScopedEngines {
    /// The engines for the files of scope `index`, when they differ from the project's.
    pub(crate) fn get(&self, index: usize) -> Option<&Variant> {
        self.0.get(index)?.as_ref()
    }
}

/// A nested configuration's engines.
pub(crate) struct Variant {
    /// What its option values decide (part of the cache key of the files it governs).
    pub key: u64,
    /// Per file rule (in the order of `RuleSet::file_rules`): its engine here, when the
    /// configuration sets its options.
    engines: Vec<Option<Box<dyn FileRule>>>,
}
