//! `reexport-import`: a name imported through a module that only re-exports it (binds it by one
//! import statement) instead of from the module that defines it. A project rule: each Python
//! file contributes what its module scope binds ([`crate::python::exports`]: its definitions,
//! and where each imported name comes from) and its `from m import n` statements; the project
//! pass resolves them statically, from the file system only, as `unresolved-import` does
//! (`scan.roots`; a top-level name is local when a root holds its module or package, else it is
//! external and never judged).
//!
//! `from m import n` is reported when `m` matches the option `modules`, `m` is a local module,
//! and `m` binds `n` exactly once, by an import, and neither defines it nor offers it as public
//! API (its literal `__all__` lists it, it binds `__all__` some other way, or it writes the
//! redundant alias `from x import n as n`), unless the option `strict` is set. The re-export chain
//! is then followed ([`Walk`]) through local modules until a module that defines the name, whose
//! submodule it is, that offers it as public API (unless `strict`), or from which it cannot be
//! followed with certainty (it binds the name more than once, takes it by a star import, imports
//! it from outside the project, or its names are open): that module is named, and the fix
//! imports the name from there. A module bound by `import a.b as n` (or a package's `from . import
//! b as n`) is reached as `from a import b`, when `a` binds `b` to nothing else. A chain that
//! breaks (a name bound nowhere, a loop, an unresolvable module) is not reported: that is
//! `unresolved-import`'s business.
//!
//! A fix rewrites the statement's module and the name (the bound name kept: `from source import
//! original as n`), relative when the statement was relative, only when every name of the
//! statement goes to the same module. It is safe when every module the chain passes through is
//! a package above the source (importing the source imports them all, so nothing the old
//! import ran is skipped) and the source certainly binds the name; otherwise unsafe.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::import_graph::{module_matches, Layout, Modules};
use super::import_system::{is_identifier, resolve, Target};
use super::{Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration, Site};
use crate::config::Settings;
use crate::diagnostic::FileId;
use crate::fix::{Applicability, EditSite, Fix};
use crate::python::exports::{Exports, Imported};
use crate::python::imports::Import;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "reexport-import",
        variables: &["name", "module", "original", "source", "detail"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::project(ReexportImport::new(rule, settings)?)),
    project_wide: true,
};

/// How many re-exports a chain may pass through before it is taken for broken.
const MAX_HOPS: usize = 64;

/// Why a chain ends at a module whose binding of the name ssot cannot read with certainty.
const UNCERTAIN: &str = "the last module ssot can follow it to";

pub(crate) struct ReexportImport {
    id: String,
    message: String,
    layout: Layout,
    /// Patterns of the modules whose re-exports must not be imported through.
    modules: Vec<String>,
    /// Names a module offers as public API are reported too.
    strict: bool,
}

/// What one file contributes: what its module binds, and its `from … import` statements.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct ModuleFacts {
    /// Shared with the other rules that read it (one per file in memory).
    exports: Arc<Exports>,
    imports: Vec<FromImport>,
}

/// One `from m import a, b as c` statement (not a star import).
#[derive(serde::Serialize, serde::Deserialize)]
struct FromImport {
    /// Leading dots.
    level: usize,
    /// The module without leading dots.
    module: String,
    /// Where the module is written (dots included).
    module_site: EditSite,
    names: Vec<ImportedName>,
}

/// One name of a `from` import.
#[derive(serde::Serialize, serde::Deserialize)]
struct ImportedName {
    name: String,
    bound: String,
    /// The name as written: where the finding is.
    site: Site,
    /// `name` or `name as bound` as written, when the fix can rewrite it.
    written: Option<EditSite>,
}

impl ReexportImport {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let modules = rule.string_list("modules");
        if let Some(bad) = modules.iter().find(|pattern| {
            pattern.is_empty() || !pattern.split('.').all(|part| matches!(part, "*" | "**") || is_identifier(part))
        }) {
            let at = super::option_at(rule, "modules", settings);
            return Err(settings.config_error(
                at,
                format!(
                    "[rules.{}] modules: `{bad}` is not a module pattern (dotted names; `*` for one name, `**` for \
                     one or more)",
                    rule.id
                ),
            ));
        }
        Ok(Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            layout: Layout::of(settings),
            modules,
            strict: rule.options.get("strict").and_then(toml::Value::as_bool).unwrap_or(false),
        })
    }

    fn facts(&self, file: &FileText, imports: &[Import], exports: Arc<Exports>) -> ModuleFacts {
        let mut out = Vec::new();
        for import in imports {
            let Some(module) = import.from_module.clone() else { continue };
            let Some(first) = import.bindings.first().filter(|_| !import.star) else { continue };
            if first.module == "__future__" {
                continue;
            }
            let names = import
                .bindings
                .iter()
                .filter_map(|binding| {
                    let name = binding.name.clone()?;
                    let end = if binding.aliased {
                        alias_end(file.source, binding.path.end, &binding.bound)
                    } else {
                        Some(binding.path.end)
                    };
                    let written = end.map(|end| edit_site(file, binding.path.start..end));
                    Some(ImportedName {
                        name,
                        bound: binding.bound.clone(),
                        site: file.site(&self.id, binding.path.clone()),
                        written,
                    })
                })
                .collect();
            out.push(FromImport {
                level: first.level,
                module: first.module.clone(),
                module_site: edit_site(file, module),
                names,
            });
        }
        ModuleFacts { exports, imports: out }
    }

    fn finding(&self, file: FileId, name: &ImportedName, module: &str, end: &End, fix: Option<Fix>) -> ProjectFinding {
        let message = render_message(&self.message, |var| match var {
            "name" => Some(Cow::Borrowed(name.name.as_str())),
            "module" => Some(Cow::Borrowed(module)),
            "original" => Some(Cow::Borrowed(end.original.as_str())),
            "source" => Some(Cow::Borrowed(end.source.as_str())),
            "detail" => Some(Cow::Borrowed(end.detail.as_str())),
            _ => None,
        });
        ProjectFinding { file, site: name.site.clone(), message, related: Vec::new(), fix }
    }
}

/// Where `name as bound` ends: after the alias that follows the name ending at `after` (only
/// blanks, line continuations and line breaks between, as in a parenthesized list).
fn alias_end(source: &str, after: usize, bound: &str) -> Option<usize> {
    let blank = |c: char| c.is_whitespace() || c == '\\';
    let rest = source.get(after..)?;
    let keyword = rest.trim_start_matches(blank);
    let alias = keyword.strip_prefix("as")?;
    let trimmed = alias.trim_start_matches(blank);
    if trimmed.len() == alias.len() {
        return None; // `asb`: not the keyword
    }
    let tail = trimmed.strip_prefix(bound)?;
    if tail.starts_with(|c: char| c == '_' || c.is_alphanumeric()) {
        return None;
    }
    Some(source.len() - tail.len())
}

fn edit_site(file: &FileText, range: std::ops::Range<usize>) -> EditSite {
    EditSite { start: file.position(range.start), end: file.position(range.end), range }
}

impl Prefilter for ReexportImport {
    fn may_match(&self, _path: &Path, _source: &str) -> bool {
        // Any file may re-export or import: with no module to judge, none is read.
        !self.modules.is_empty()
    }
}

impl ProjectRule for ReexportImport {
    fn forget(&self) {
        self.layout.forget();
    }

    type Facts = ModuleFacts;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        let imports = file.imports_by_tokens().ok_or(Declined)?;
        let exports = file.exports_by_tokens().ok_or(Declined)?;
        Ok(Some(self.facts(file, imports, exports)))
    }

    fn collect(&self, file: &FileContext) -> Option<Self::Facts> {
        Some(self.facts(file, file.imports(), file.exports()))
    }

    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let absolute: Vec<PathBuf> = facts.iter().map(|(file, _)| self.layout.path(paths[file.0])).collect();
        let by_path: HashMap<&Path, &ModuleFacts> =
            absolute.iter().zip(&facts).map(|(path, (_, facts))| (path.as_path(), facts.as_ref())).collect();
        let mut walk = Walk {
            modules: self.layout.modules(),
            by_path,
            strict: self.strict,
            files: HashMap::new(),
            ends: HashMap::new(),
        };
        let mut out = Vec::new();
        for ((file, facts), path) in facts.iter().zip(&absolute) {
            let place = walk.modules.place(path);
            let mut importer = None;
            for import in &facts.imports {
                let Some(module) = Modules::absolute_of(place.as_ref(), import.level, &import.module) else { continue };
                if !self.modules.iter().any(|pattern| module_matches(pattern, &module)) {
                    continue;
                }
                // The module importing from itself binds nothing through anyone.
                if walk.file_of(&module).as_deref() == Some(path.as_path()) {
                    continue;
                }
                let ends: Vec<Option<End>> =
                    import.names.iter().map(|name| walk.reexported(&module, &name.name)).collect();
                if ends.iter().all(Option::is_none) {
                    continue;
                }
                let importer = importer.get_or_insert_with(|| walk.modules.name_of(path));
                // One fix per statement: only when every name goes to one module, not the importer.
                let source = ends[0].as_ref().map(|end| end.source.as_str());
                let fixable = source.is_some_and(|source| {
                    importer.as_deref() != Some(source)
                        && ends.iter().all(|end| end.as_ref().map(|end| end.source.as_str()) == Some(source))
                        && import.names.iter().all(|name| name.written.is_some())
                });
                // A relative statement stays relative when it can (same top-level package).
                let new_module = source.filter(|_| fixable).map(|source| {
                    let relative = place.as_ref().filter(|_| import.level > 0);
                    relative
                        .and_then(|place| relative_name(&place.package, source))
                        .unwrap_or_else(|| source.to_string())
                });
                let safe = ends.iter().flatten().all(|end| end.safe);
                for (name, end) in import.names.iter().zip(&ends) {
                    let Some(end) = end else { continue };
                    let fix = new_module.as_ref().zip(name.written.as_ref()).map(|(new_module, span)| {
                        let imported = if end.original == name.bound {
                            end.original.clone()
                        } else {
                            format!("{} as {}", end.original, name.bound)
                        };
                        let applicability = if safe { Applicability::Safe } else { Applicability::Unsafe };
                        let edits = vec![import.module_site.edit(new_module.clone()), span.edit(imported)];
                        Fix::new(applicability, format!("Import `{}` from `{}`", end.original, end.source), edits)
                    });
                    out.push(self.finding(*file, name, &module, end, fix));
                }
            }
        }
        out
    }
}

/// The module `target` written relative to a file in `package` (the directories of its place),
/// when both are in the same top-level package.
fn relative_name(package: &[String], target: &str) -> Option<String> {
    let parts: Vec<&str> = target.split('.').collect();
    let common = package.iter().zip(&parts).take_while(|(a, b)| a == *b).count();
    if common == 0 {
        return None;
    }
    let level = package.len() - common + 1;
    Some(format!("{}{}", ".".repeat(level), parts[common..].join(".")))
}

/// Where a re-export chain ends: the module to import the name from.
#[derive(Clone)]
struct End {
    /// The module to import from.
    source: String,
    /// The name there.
    original: String,
    /// Why there ("where it is defined").
    detail: String,
    /// The fix keeps the meaning: every module passed is a package above `source`, and
    /// `source` certainly binds the name.
    safe: bool,
}

/// The project pass's memory: the modules, each module's facts, the chains followed.
struct Walk<'a> {
    modules: Modules<'a>,
    by_path: HashMap<&'a Path, &'a ModuleFacts>,
    strict: bool,
    /// Module name → its file (a module file or a package's `__init__`), when it has one.
    files: HashMap<String, Option<PathBuf>>,
    /// (module, name) imported → where the chain ends, when it is reported.
    ends: HashMap<(String, String), Option<End>>,
}

/// What a module does with a name, one step of a chain.
enum Step<'f> {
    /// It imports it, once: the binding.
    Import(&'f Imported),
    /// The chain ends here.
    End { detail: &'static str, certain: bool },
    /// The chain is broken: not reported.
    Broken,
}

impl<'a> Walk<'a> {
    /// The file of the absolute module `name`, found from the roots.
    fn file_of(&mut self, name: &str) -> Option<PathBuf> {
        if let Some(file) = self.files.get(name) {
            return file.clone();
        }
        let parts: Vec<&str> = name.split('.').collect();
        let file = (parts.iter().all(|part| is_identifier(part)) && self.modules.is_local(parts[0]))
            .then(|| resolve(self.modules.roots(), &parts, &self.modules.disk))
            .flatten()
            .and_then(|portions| match Target::of(portions, &self.modules.disk) {
                Target::Module { file, .. } => Some(file),
                Target::Namespace(_) => None,
            });
        self.files.insert(name.to_string(), file.clone());
        file
    }

    fn facts_of(&mut self, module: &str) -> Option<&'a ModuleFacts> {
        let file = self.file_of(module)?;
        self.by_path.get(file.as_path()).copied()
    }

    /// Whether `module` offers `name` as public API: its literal `__all__` lists it, it binds
    /// `__all__` otherwise (the list is unknown), or it imports it with a redundant alias.
    fn public(exports: &Exports, binding: &Imported, name: &str) -> bool {
        let listed = match &exports.all {
            Some(all) => all.iter().any(|entry| entry == name),
            None => exports.bound.contains("__all__"),
        };
        let explicit = binding.aliased && binding.name.as_deref().unwrap_or(&binding.module) == binding.bound;
        listed || explicit
    }

    /// What `module` (found, its facts `facts`) does with `name`.
    fn step(&mut self, module: &str, facts: &'a ModuleFacts, name: &str) -> Step<'a> {
        let exports = &facts.exports;
        let bindings: Vec<&'a Imported> = exports.imported.iter().filter(|b| b.bound == name).collect();
        if exports.defined.contains(name) {
            // Defined, and maybe imported too (`try: from ._speedups import f` / `except
            // ImportError: def f(…)`): the module chooses.
            let detail = if bindings.is_empty() { "where it is defined" } else { "which binds it more than once" };
            return Step::End { detail, certain: true };
        }
        if exports.open {
            // Its names may be written where ssot cannot see (`globals()`, a syntax error).
            return Step::End { detail: UNCERTAIN, certain: false };
        }
        if self.modules.exists(&format!("{module}.{name}")) {
            // A package's submodule (also when the package imports it: `from . import sub`); a
            // package that binds the name to something else too gives one or the other,
            // depending on what ran first.
            return match self.gives_submodule(module, name) {
                true => Step::End { detail: "whose submodule it is", certain: true },
                false => Step::End { detail: UNCERTAIN, certain: false },
            };
        }
        match bindings.as_slice() {
            [] if !exports.stars.is_empty() => Step::End { detail: "which takes it by a star import", certain: false },
            [] => Step::Broken,
            [binding] => Step::Import(binding),
            _ => Step::End { detail: "which binds it more than once", certain: true },
        }
    }

    /// Whether `from parent import last` gives the submodule `parent.last` (which exists): the
    /// package binds `last` only by importing that submodule, or not at all.
    fn gives_submodule(&mut self, parent: &str, last: &str) -> bool {
        let Some(file) = self.file_of(parent) else { return true }; // a namespace package
        let Some(facts) = self.by_path.get(file.as_path()).copied() else { return false };
        let exports = &facts.exports;
        if exports.open || exports.defined.contains(last) {
            return false;
        }
        let place = self.modules.place(&file);
        let submodule = format!("{parent}.{last}");
        exports.imported.iter().filter(|b| b.bound == last).all(|b| {
            let target = Modules::absolute_of(place.as_ref(), b.level, &b.module);
            match &b.name {
                Some(name) => name == last && target.as_deref() == Some(parent),
                None => b.aliased && target.as_deref() == Some(submodule.as_str()),
            }
        })
    }

    /// Where the chain of `from module import name` ends, when `module` only re-exports `name`
    /// (and not as public API, unless strict).
    fn reexported(&mut self, module: &str, name: &str) -> Option<End> {
        let key = (module.to_string(), name.to_string());
        if let Some(end) = self.ends.get(&key) {
            return end.clone();
        }
        let end = self.follow(module, name);
        self.ends.insert(key, end.clone());
        end
    }

    fn follow(&mut self, module: &str, name: &str) -> Option<End> {
        let facts = self.facts_of(module)?;
        let Step::Import(mut binding) = self.step(module, facts, name) else { return None };
        if !self.strict && Self::public(&facts.exports, binding, name) {
            return None;
        }
        // The modules passed so far (the first is the one imported from), and the name the last
        // of them binds by `binding`.
        let first = name;
        let mut passed = vec![module.to_string()];
        let mut seen = vec![(module.to_string(), name.to_string())];
        let mut name = name.to_string();
        for _ in 0..MAX_HOPS {
            let current = passed.last()?.clone();
            let file = self.file_of(&current)?;
            let place = self.modules.place(&file);
            let target = Modules::absolute_of(place.as_ref(), binding.level, &binding.module)?;
            let outside = "which imports it from outside the project";
            let Some(original) = binding.name.clone() else {
                // `import a.b as n` binds the module `a.b`, `import a.b` the module `a`.
                let object = if binding.aliased { target } else { target.split('.').next()?.to_string() };
                if !self.modules.exists(&object) {
                    return self.end_at(&passed, first, current, &name, outside, true);
                }
                // `from a import b` gives the module only when `a` binds `b` to nothing else.
                return match object.rsplit_once('.') {
                    Some((parent, last)) if self.gives_submodule(parent, last) => {
                        self.end_at(&passed, first, parent.to_string(), last, "whose submodule it is", true)
                    }
                    _ => self.end_at(&passed, first, current, &name, UNCERTAIN, false),
                };
            };
            if !self.modules.is_local(target.split('.').next().unwrap_or_default()) {
                return self.end_at(&passed, first, current, &name, outside, true);
            }
            if target == current {
                // A package importing its own submodule (`from . import mapper as mapperlib`)
                // while its namespace is being made: the submodule, unless the package binds
                // that name otherwise too (SQLAlchemy's `orm` binds `mapper` to a function).
                let submodule = self.modules.exists(&format!("{target}.{original}"));
                return match submodule && self.gives_submodule(&target, &original) {
                    true => self.end_at(&passed, first, target, &original, "whose submodule it is", true),
                    false => self.end_at(&passed, first, current, &name, UNCERTAIN, false),
                };
            }
            if seen.iter().any(|(m, n)| *m == target && *n == original) {
                return None; // a loop
            }
            seen.push((target.clone(), original.clone()));
            let Some(file) = self.file_of(&target) else {
                // A namespace package (or nothing): only its submodules.
                let submodule = self.modules.exists(&format!("{target}.{original}"));
                return submodule
                    .then(|| self.end_at(&passed, first, target, &original, "whose submodule it is", true))?;
            };
            let Some(facts) = self.by_path.get(file.as_path()).copied() else {
                // Not a scanned Python file: an extension or sourceless module defines its names.
                let source_file = file.extension().is_some_and(|e| e == "py" || e == "pyi");
                let detail = if source_file { UNCERTAIN } else { "where it is defined" };
                return self.end_at(&passed, first, target, &original, detail, !source_file);
            };
            let next = match self.step(&target, facts, &original) {
                Step::Broken => return None,
                Step::End { detail, certain } => {
                    return self.end_at(&passed, first, target, &original, detail, certain)
                }
                Step::Import(next) => next,
            };
            if !self.strict && Self::public(&facts.exports, next, &original) {
                return self.end_at(&passed, first, target, &original, "which offers it as public API", true);
            }
            passed.push(target);
            name = original;
            binding = next;
        }
        None
    }

    /// The end of a chain at `source` (its name there `original`), the modules in `passed`
    /// (the first is the one imported from, its name there `imported`): nothing when that is
    /// where it started (a name imported from outside the project, by the module imported from).
    fn end_at(
        &self,
        passed: &[String],
        imported: &str,
        source: String,
        original: &str,
        detail: &str,
        certain: bool,
    ) -> Option<End> {
        if passed.first() == Some(&source) && original == imported {
            return None;
        }
        // The modules passed: packages above `source` (or `source` itself), imported with it.
        let above = |module: &String| {
            source.strip_prefix(module.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
        };
        Some(End {
            safe: certain && passed.iter().all(above),
            source,
            original: original.to_string(),
            detail: detail.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{alias_end, relative_name};

    #[test]
    fn relative_names_from_a_package() {
        let package = |dotted: &str| dotted.split('.').map(str::to_string).collect::<Vec<_>>();
        assert_eq!(relative_name(&package("app.core"), "app.core.models").as_deref(), Some(".models"));
        assert_eq!(relative_name(&package("app.core"), "app.util").as_deref(), Some("..util"));
        assert_eq!(relative_name(&package("app.sub"), "app").as_deref(), Some(".."));
        assert_eq!(relative_name(&package("app.sub"), "app.sub").as_deref(), Some("."));
        assert_eq!(relative_name(&package("app"), "app.core.models").as_deref(), Some(".core.models"));
        assert_eq!(relative_name(&package("app"), "lib.core"), None, "another top-level package");
    }

    #[test]
    fn alias_spans() {
        let source = "from m import (a as b,\n    c \\\n  as  d, e as ee, f as_g)";
        // The span after the name that ends before `at` (its text), as far as the alias.
        let after = |at: &str, bound: &str| {
            let end = source.find(at).unwrap();
            alias_end(source, end, bound).map(|stop| &source[end..stop])
        };
        assert_eq!(after(" as b", "b"), Some(" as b"));
        assert_eq!(after(" \\\n  as  d", "d"), Some(" \\\n  as  d"));
        assert_eq!(after(" as ee", "e"), None, "`ee` is not `e`");
        assert_eq!(after(" as_g", "g"), None, "`as_g` is not `as g`");
    }
}
