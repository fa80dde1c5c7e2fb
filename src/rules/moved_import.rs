//! `moved-import`: imports of a module or name that moved, by the project's import registry
//! (`[rules.moved-import] moved = { "old.module" = "new.module", "old.module.Name" =
//! "new.module.Name" }`). A project rule: each file contributes the import statements that may
//! name an old path (absolute ones under an old path's first name, and every relative one,
//! whose absolute module depends on where the file stands); the project pass names the
//! canonical path for each and offers a fix:
//! - `from old.module import x` and `import old.module as m`: the module part is rewritten,
//!   safe when the new module resolves from the source roots (`import old.module` without `as`
//!   is rewritten as an unsafe fix: the name it binds changes with it);
//! - `from old.module import Name` where `old.module.Name` moved: the statement becomes
//!   `from new.module import NewName as Name` (the binding kept), safe when the new module
//!   resolves; a statement that imports other names too gets the finding without a fix.
//!
//! The longest old path that matches wins (`old.module.Name` before `old.module`).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::import_graph::{import_facts, ImportFact, Layout, Modules};
use super::import_system::is_identifier;
use super::{Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration, Site};
use crate::config::Settings;
use crate::diagnostic::FileId;
use crate::fix::{Applicability, Fix};
use crate::python::imports::Import;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "moved-import",
        variables: &["old", "new"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::project(MovedImport::new(rule, settings)?)),
    project_wide: true,
};

pub(crate) struct MovedImport {
    id: String,
    message: String,
    layout: Layout,
    /// Old path → new path.
    moved: BTreeMap<String, String>,
    /// The first names of the old paths: an absolute import under none of them is not kept.
    tops: Vec<String>,
    /// `tops` as a searcher: an absolute import of an old path names its first name, a whole
    /// identifier after no dot (a relative one may name no part of it: [`Prefilter::may_match`]).
    finder: Option<super::NameFinder>,
}

impl MovedImport {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let at = super::option_at(rule, "moved", settings);
        let error = |message: String| settings.config_error(at, format!("[rules.{}] moved: {message}", rule.id));
        let dotted = |text: &str| !text.is_empty() && text.split('.').all(is_identifier);
        let mut moved = BTreeMap::new();
        if let Some(toml::Value::Table(table)) = rule.options.get("moved") {
            for (old, new) in table {
                let Some(new) = new.as_str() else {
                    return Err(error(format!("the new path of `{old}` must be a string")));
                };
                if !dotted(old) || !dotted(new) {
                    return Err(error(format!("`{old}` = `{new}`: both must be dotted module paths (`a.b.c`)")));
                }
                if old == new || new.starts_with(&format!("{old}.")) {
                    return Err(error(format!("`{old}` = `{new}`: a path cannot move into itself")));
                }
                moved.insert(old.clone(), new.to_string());
            }
        }
        // A new path that is itself an old one would make fixes move code back and forth.
        if let Some((old, new)) = moved.iter().find(|(_, new)| {
            let mut prefix = new.as_str();
            loop {
                if moved.contains_key(prefix) {
                    return true;
                }
                match prefix.rfind('.') {
                    Some(dot) => prefix = &prefix[..dot],
                    None => return false,
                }
            }
        }) {
            return Err(error(format!("`{old}` = `{new}`: the new path moved too; write its final place")));
        }
        let mut tops: Vec<String> = moved.keys().filter_map(|old| old.split('.').next()).map(str::to_string).collect();
        tops.dedup();
        let names: Vec<&str> = tops.iter().map(String::as_str).collect();
        let finder = (!tops.is_empty()).then(|| super::NameFinder::new(&names));
        Ok(Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            layout: Layout::of(settings),
            moved,
            tops,
            finder,
        })
    }

    fn facts(&self, file: &FileText, imports: &[Import]) -> Option<Vec<ImportFact>> {
        let under_a_top = |module: &str| {
            let top = module.split('.').next().unwrap_or_default().trim();
            self.tops.iter().any(|old| old == top)
        };
        let keep = |import: &Import| match (&import.relative_module, &import.from_module) {
            (Some(_), _) => true,
            (None, Some(module)) => under_a_top(&file.source[module.clone()]),
            (None, None) => import.bindings.iter().any(|binding| under_a_top(&binding.module)),
        };
        let facts = import_facts(file, imports, &self.id, keep);
        (!facts.is_empty()).then_some(facts)
    }

    /// The new path of `path`, by the longest old path it is or is under.
    fn new_path(&self, path: &str) -> Option<(String, String)> {
        let mut prefix = path;
        loop {
            if let Some(new) = self.moved.get(prefix) {
                return Some((prefix.to_string(), format!("{new}{}", &path[prefix.len()..])));
            }
            prefix = &prefix[..prefix.rfind('.')?];
        }
    }

    fn finding(&self, file: FileId, site: &Site, old: &str, new: &str, fix: Option<Fix>) -> ProjectFinding {
        let message = render_message(&self.message, |var| match var {
            "old" => Some(Cow::Borrowed(old)),
            "new" => Some(Cow::Borrowed(new)),
            _ => None,
        });
        ProjectFinding { file, site: site.clone(), message, related: Vec::new(), fix }
    }
}

impl Prefilter for MovedImport {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        // A file holding no old path's first name as a whole identifier (after no dot: an
        // absolute import's first name never follows one) has no absolute import of an old path
        // (a substring would not do: `imp` is in every `import`); a relative import may name no
        // part of one (`from . import b` in the old package itself), so a file with one is read
        // too.
        self.finder.as_ref().is_some_and(|finder| finder.any_in(source))
            || super::relative_import::from_then_dot(source)
    }
}

impl ProjectRule for MovedImport {
    fn forget(&self) {
        self.layout.forget();
    }

    type Facts = Vec<ImportFact>;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        Ok(self.facts(file, file.imports_by_tokens().ok_or(Declined)?))
    }

    fn collect(&self, file: &FileContext) -> Option<Self::Facts> {
        self.facts(file, file.imports())
    }

    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut modules = self.layout.modules();
        let mut out = Vec::new();
        for (file, imports) in &facts {
            let path = self.layout.path(paths[file.0]);
            let place = modules.place(&path);
            for import in imports.iter() {
                let Some(module) = Modules::absolute(place.as_ref(), import) else { continue };
                let module_move = self.new_path(&module);
                // Names whose own path moved more specifically than their module (the longest old
                // path wins).
                let mut name_moves = Vec::new();
                for (index, (name, site)) in import.names.iter().enumerate() {
                    let Some((old, new)) = self.new_path(&format!("{module}.{name}")) else { continue };
                    if module_move.as_ref().is_none_or(|(module_old, _)| old.len() > module_old.len()) {
                        name_moves.push((index, name, site, old, new));
                    }
                }
                // Every name imported moved further than the module: the module move says nothing.
                let covered = !import.names.is_empty() && name_moves.len() == import.names.len();
                if let Some((_, new)) = module_move.as_ref().filter(|_| !covered) {
                    // The module itself moved: one finding, with a fix when no name moved further.
                    let aliased = import.aliased.first().copied().unwrap_or(false);
                    let safe = (import.from || aliased) && modules.exists(new);
                    let applicability = if safe { Applicability::Safe } else { Applicability::Unsafe };
                    let fix = name_moves.is_empty().then(|| {
                        Fix::new(applicability, format!("Import `{new}`"), vec![import.module_site.edit(new.clone())])
                    });
                    // Named as imported: a submodule of an old path moved with it.
                    out.push(self.finding(*file, &import.module_site, &module, new, fix));
                }
                let alone = import.names.len() == 1;
                for (index, name, site, old, new) in name_moves {
                    let split = new.rsplit_once('.').filter(|_| alone && (module_move.is_none() || covered));
                    let fix = split.map(|(new_module, new_name)| {
                        let aliased = import.aliased.get(index).copied().unwrap_or(false);
                        let imported = if aliased || new_name == name {
                            new_name.to_string()
                        } else {
                            format!("{new_name} as {name}")
                        };
                        let edits = vec![import.module_site.edit(new_module), site.edit(imported)];
                        // Safe only when the new path is a module on disk: whether a module binds a
                        // name is not looked up here.
                        let safe = modules.exists(&new);
                        let applicability = if safe { Applicability::Safe } else { Applicability::Unsafe };
                        Fix::new(applicability, format!("Import `{new_name}` from `{new_module}`"), edits)
                    });
                    out.push(self.finding(*file, site, &old, &new, fix));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::NameFinder;

    #[test]
    fn old_paths_first_names_are_found_as_whole_words_only() {
        let finder = NameFinder::new(&["imp", "ab", "a", "abc"]);
        let holds_word = |finder: &NameFinder, source: &str| finder.any_in(source);
        for (source, held) in [
            ("import imp\n", true),
            ("from imp import load_source\n", true),
            ("import importlib\nimport os\n", false),
            ("x = simple\n", false),
            ("x = imp_thing + é_imp\n", false),
            ("import ab\n", true),
            ("import abcd, xab\n", false),
            ("import abc\n", true),
            ("print(a)", true),
            ("imp", true),
        ] {
            assert_eq!(holds_word(&finder, source), held, "{source:?}");
        }
    }
}
