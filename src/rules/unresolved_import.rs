//! `unresolved-import`: an import of a local module or name that does not exist. A project
//! rule: each Python file contributes its imports (anywhere in the file) and what its module
//! scope offers ([`crate::python::exports`]); the project pass resolves every import statically,
//! from the file system only (nothing is imported or executed), as Python's import system
//! would from the source roots (`scan.roots`).
//!
//! A top-level name is **local** when a source root holds `name.py`, `name/__init__.py`, a stub
//! or an extension module, or a directory named in `scan.namespace-packages`; anything else is
//! external and never judged (an installed distribution). Relative imports are resolved from
//! the importing file's package. Judged:
//! - `import a.b.c` with a local `a`: a finding at the dotted name when a prefix is not a
//!   module or package;
//! - `from m import x, y` (absolute with a local top, or relative): a finding at the module
//!   when `m` does not resolve (a relative import climbing above its top-level package counts),
//!   else one at each name that is neither a submodule of `m` nor offered by `m`. `m`'s names
//!   are unknown (not judged) when `m` is not a scanned Python file (an extension module, an
//!   excluded file), defines a module-level `__getattr__`, could not be read (see
//!   [`crate::python::exports`]), or star-imports a module whose names are unknown or that is
//!   not local.
//!
//! Not reported: imports in the body of a `try` whose handlers catch `ImportError` (or
//! `ModuleNotFoundError`, `Exception`, `BaseException`, everything) and those under
//! `with suppress(ImportError)`: optional imports. The message names what is missing and, when
//! exactly one module of the project defines the name, where it lives now.

use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::import_graph::{ImportFact, Imports, Layout, Modules};
use super::import_system::{is_identifier, module_name, resolve, resolve_in, Place, Target};
use super::{Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration, Site};
use crate::config::Settings;
use crate::diagnostic::FileId;
use crate::python::exports::{Exports, NameList};
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "unresolved-import",
        variables: &["detail", "module", "name"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::project(UnresolvedImport::new(rule, settings))),
    project_wide: true,
};

/// Attributes every module has, bound or not.
const MODULE_ATTRIBUTES: [&str; 10] = [
    "__name__",
    "__doc__",
    "__file__",
    "__loader__",
    "__package__",
    "__spec__",
    "__path__",
    "__builtins__",
    "__cached__",
    "__dict__",
];

pub(crate) struct UnresolvedImport {
    id: String,
    message: String,
    layout: Layout,
    /// A live project's last pass ([`ProjectRule::keep_passes`]), forgotten when its files
    /// change: the next pass judges again only the files whose facts changed, when what their
    /// modules offer did not.
    previous: std::sync::Mutex<Option<Previous>>,
    /// A live project's [`Index`] of its files (forgotten with `previous`).
    index: std::sync::Mutex<Option<Arc<Index>>>,
    live: std::sync::atomic::AtomicBool,
}

/// What one file contributes: what its module offers, and its imports.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct ModuleFacts {
    /// Shared with the other rules that read it (one per file in memory).
    exports: Arc<Exports>,
    /// Every import statement of the file (shared with the other import rules); the optional
    /// ones are not judged.
    imports: Imports,
}

/// Where each file with facts is: its absolute path, and its position among the facts by path.
struct Index {
    files: Vec<FileId>,
    absolute: Vec<(FileId, PathBuf)>,
    positions: HashMap<PathBuf, usize>,
}

/// A module file's facts by its path.
struct Lookups<'a> {
    index: &'a HashMap<PathBuf, usize>,
    facts: &'a [(FileId, Arc<ModuleFacts>)],
}

impl<'a> Lookups<'a> {
    fn get(&self, path: &Path) -> Option<&'a ModuleFacts> {
        self.index.get(path).map(|&at| self.facts[at].1.as_ref())
    }
}

/// A live project's last pass: the facts it judged and its findings (in file order), and per
/// file what its findings depend on besides its own facts.
struct Previous {
    facts: Vec<(FileId, Arc<ModuleFacts>)>,
    findings: Vec<ProjectFinding>,
    reads: Reads,
}

/// Per judged file: the module files whose names its findings read (star imports followed), and
/// whether a finding names where a missing name is defined (which reads every file's names).
#[derive(Default, Clone)]
struct Reads {
    files: HashMap<FileId, Vec<PathBuf>>,
    definers: BTreeSet<FileId>,
}

/// What changed since the last pass: the files whose facts changed, those of them whose
/// module offers other names (by path), and whether some changed what it defines.
struct Changes {
    files: BTreeSet<FileId>,
    offers: BTreeSet<PathBuf>,
    defines: bool,
}

impl UnresolvedImport {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Self {
        Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            layout: Layout::of(settings),
            previous: std::sync::Mutex::new(None),
            index: std::sync::Mutex::new(None),
            live: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Where the files of `facts` are: made once for a live project's files (kept while the same
    /// files have facts), else for this pass.
    fn index(&self, facts: &[(FileId, Arc<ModuleFacts>)], paths: &[&str]) -> Arc<Index> {
        let mut kept = self.index.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(index) = kept.as_ref() {
            if index.files.len() == facts.len() && index.files.iter().zip(facts).all(|(a, (b, _))| a == b) {
                return index.clone();
            }
        }
        let absolute: Vec<(FileId, PathBuf)> =
            facts.iter().map(|(file, _)| (*file, self.layout.path(paths[file.0]))).collect();
        let positions = absolute.iter().enumerate().map(|(at, (_, path))| (path.clone(), at)).collect();
        let files = facts.iter().map(|(file, _)| *file).collect();
        let index = Arc::new(Index { files, absolute, positions });
        if self.live.load(std::sync::atomic::Ordering::Relaxed) {
            *kept = Some(index.clone());
        }
        index
    }

    /// What changed since the last pass (`None`: the files are not the same ones).
    fn changed_since(
        &self,
        previous: &Previous,
        facts: &[(FileId, Arc<ModuleFacts>)],
        paths: &[&str],
    ) -> Option<Changes> {
        if previous.facts.len() != facts.len() {
            return None;
        }
        let mut changes = Changes { files: BTreeSet::new(), offers: BTreeSet::new(), defines: false };
        for ((old_file, old), (file, new)) in previous.facts.iter().zip(facts) {
            if old_file != file {
                return None;
            }
            if !Arc::ptr_eq(old, new) {
                changes.files.insert(*file);
                if old.exports != new.exports {
                    changes.offers.insert(self.layout.path(paths[file.0]));
                    changes.defines |= old.exports.defined != new.exports.defined;
                }
            }
        }
        Some(changes)
    }

    /// The files to judge again: those that changed, those whose findings read the names of a
    /// module that offers other names now, and (when some file defines other names) those whose
    /// findings say where a missing name is defined.
    fn to_judge(previous: &Previous, changes: Changes) -> BTreeSet<FileId> {
        let mut files = changes.files;
        for (file, read) in &previous.reads.files {
            if read.iter().any(|path| changes.offers.contains(path)) {
                files.insert(*file);
            }
        }
        if changes.defines {
            files.extend(previous.reads.definers.iter().copied());
        }
        files
    }
}

impl Prefilter for UnresolvedImport {}

impl ProjectRule for UnresolvedImport {
    fn forget(&self) {
        self.layout.forget();
        *self.previous.lock().unwrap_or_else(|e| e.into_inner()) = None;
        *self.index.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    type Facts = ModuleFacts;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        let imports = Imports::by_tokens(file, &self.id)?;
        let exports = file.exports_by_tokens().ok_or(Declined)?;
        Ok(Some(ModuleFacts { exports, imports }))
    }

    fn collect(&self, file: &FileContext) -> Option<Self::Facts> {
        Some(ModuleFacts { exports: file.exports(), imports: Imports::by_tree(file, &self.id) })
    }

    fn keep_passes(&self) {
        self.live.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let modules = self.layout.modules();
        let mut previous = self.previous.lock().unwrap_or_else(|e| e.into_inner()).take();
        if modules.disk_changed {
            previous = None;
        }
        let only = previous.as_ref().and_then(|previous| {
            let changes = self.changed_since(previous, &facts, paths)?;
            Some(Self::to_judge(previous, changes))
        });
        let (mut out, mut reads) = self.judge_files(modules, &facts, paths, only.as_ref());
        if let (Some(only), Some(previous)) = (&only, previous) {
            // The other files' findings stand; in file order (a stable sort keeps each file's).
            out.extend(previous.findings.into_iter().filter(|finding| !only.contains(&finding.file)));
            out.sort_by_key(|finding| finding.file);
            for (file, read) in previous.reads.files {
                reads.files.entry(file).or_insert(read);
            }
            reads.definers.extend(previous.reads.definers.into_iter().filter(|file| !only.contains(file)));
        }
        if self.live.load(std::sync::atomic::Ordering::Relaxed) {
            let previous = Previous { facts, findings: out.clone(), reads };
            *self.previous.lock().unwrap_or_else(|e| e.into_inner()) = Some(previous);
        }
        out
    }
}

impl UnresolvedImport {
    /// The findings of the imports of the files `only` names (`None`: every file), and what
    /// each judged file's findings read.
    fn judge_files<'m>(
        &'m self,
        modules: Modules<'m>,
        facts: &'m [(FileId, Arc<ModuleFacts>)],
        paths: &[&str],
        only: Option<&BTreeSet<FileId>>,
    ) -> (Vec<ProjectFinding>, Reads) {
        let index = self.index(facts, paths);
        let absolute = &index.absolute;
        let by_path = Lookups { index: &index.positions, facts };
        let mut project = Project {
            resolved: HashMap::new(),
            rule: self,
            modules,
            by_path,
            names: HashMap::new(),
            definers: None,
            facts,
            absolute,
            reads: Vec::new(),
            track: self.live.load(std::sync::atomic::Ordering::Relaxed),
            read_definers: false,
            name_reads: HashMap::new(),
            resolved_reads: HashMap::new(),
        };
        let mut out = Vec::new();
        let mut reads = Reads::default();
        for ((file, facts), (_, path)) in facts.iter().zip(absolute) {
            if only.is_some_and(|only| !only.contains(file)) {
                continue;
            }
            // Where the file stands, looked up on its first relative import.
            let mut place = None;
            project.reads.clear();
            project.read_definers = false;
            for import in facts.imports.iter().filter(|import| !import.context.optional) {
                for (detail, site, module, name) in project.judge(path, &mut place, import) {
                    let message = render_message(&self.message, |var| match var {
                        "detail" => Some(Cow::Borrowed(detail.as_str())),
                        "module" => Some(Cow::Borrowed(module.as_str())),
                        "name" => Some(Cow::Borrowed(name.as_str())),
                        _ => None,
                    });
                    out.push(ProjectFinding {
                        file: *file,
                        site: site.clone(),
                        message,
                        related: Vec::new(),
                        fix: None,
                    });
                }
            }
            if project.track {
                let mut read = std::mem::take(&mut project.reads);
                read.sort();
                read.dedup();
                reads.files.insert(*file, read);
                if project.read_definers {
                    reads.definers.insert(*file);
                }
            }
        }
        (out, reads)
    }
}

/// The directory a relative import with `level` dots starts from in the file at `path`.
fn package_dir(path: &Path, level: usize) -> Option<&Path> {
    (1..level).try_fold(path.parent()?, |dir, _| dir.parent())
}

/// What a module target offers: the names of a file, or only submodules.
#[derive(Clone)]
enum Names<'a> {
    /// Its names cannot be listed: not judged.
    Unknown,
    Known(Arc<Lookup<'a>>),
}

/// The names of a module file, borrowed from its facts: its own bindings, and what its star
/// imports add.
#[derive(Default)]
struct Lookup<'a> {
    /// Every name the module binds.
    own: Option<&'a NameList>,
    /// Those it binds other than by importing them.
    defined: Option<&'a NameList>,
    /// What its star imports add, flattened once per module.
    star: BTreeSet<&'a str>,
}

impl<'a> Lookup<'a> {
    fn contains(&self, name: &str) -> bool {
        self.own.is_some_and(|own| own.contains(name)) || self.star.contains(name)
    }

    /// [`Lookup::contains`] without the names the module itself imports: for an import in the
    /// module itself (`from . import models` in a package's `__init__` binds `models` only if it
    /// succeeds).
    fn defines(&self, name: &str) -> bool {
        self.defined.is_some_and(|defined| defined.contains(name)) || self.star.contains(name)
    }

    /// The names a star import of this module takes when it has no `__all__`.
    fn public(&self) -> impl Iterator<Item = &'a str> + '_ {
        let own = self.own.into_iter().flat_map(NameList::iter);
        own.chain(self.star.iter().copied()).filter(|name| !name.starts_with('_'))
    }
}

/// What an imported module resolved to.
#[derive(Clone)]
enum Resolved<'a> {
    Found(Arc<Found<'a>>),
    /// Not found: why (`None`: not judged).
    Missing(Option<String>),
}

/// A module that was found: its names, and the directories its submodules are in (`None` for
/// a module file).
struct Found<'a> {
    names: Names<'a>,
    package: Option<Vec<PathBuf>>,
    /// The module file (a package's `__init__.py`).
    file: Option<PathBuf>,
}

/// (base directory of a relative import, its level, the module): what it resolved to.
type ResolvedKey<'a> = (Option<PathBuf>, usize, &'a str);

/// The project pass's memory: names per module file, local tops, the defining modules of names.
struct Project<'a> {
    resolved: HashMap<ResolvedKey<'a>, Resolved<'a>>,
    rule: &'a UnresolvedImport,
    modules: Modules<'a>,
    by_path: Lookups<'a>,
    names: HashMap<PathBuf, Names<'a>>,
    /// Name → the modules that define it (not by import), made on the first missing name.
    definers: Option<HashMap<&'a str, BTreeSet<String>>>,
    facts: &'a [(FileId, Arc<ModuleFacts>)],
    absolute: &'a [(FileId, PathBuf)],
    /// The module files whose names the findings of the file being judged read (recorded only
    /// when `track`: for a live project's next pass).
    reads: Vec<PathBuf>,
    track: bool,
    /// Whether they say where a missing name is defined.
    read_definers: bool,
    /// What each module file's names read (itself, and its star imports' names).
    name_reads: HashMap<PathBuf, Vec<PathBuf>>,
    /// What each resolution read.
    resolved_reads: HashMap<ResolvedKey<'a>, Vec<PathBuf>>,
}

/// One finding: detail, where, module, name.
type Judged = (String, Site, String, String);

impl<'a> Project<'a> {
    fn target(&self, portions: Vec<PathBuf>) -> Target {
        Target::of(portions, &self.modules.disk)
    }

    /// The names the module file `file` offers (its star imports followed); what they read is
    /// recorded.
    fn names_of(&mut self, file: &Path, visiting: &mut Vec<PathBuf>) -> Names<'a> {
        if !self.track {
            return self.find_names(file, visiting);
        }
        if let Some(read) = self.name_reads.get(file) {
            let read = read.clone();
            self.reads.extend(read);
        }
        let start = self.reads.len();
        self.reads.push(file.to_path_buf());
        let names = self.find_names(file, visiting);
        // (Not while a star-import cycle is being followed: its names are made by the outer call.)
        if self.names.contains_key(file) && !self.name_reads.contains_key(file) {
            self.name_reads.insert(file.to_path_buf(), self.reads[start..].to_vec());
        }
        names
    }

    fn find_names(&mut self, file: &Path, visiting: &mut Vec<PathBuf>) -> Names<'a> {
        if let Some(names) = self.names.get(file) {
            return names.clone();
        }
        if visiting.iter().any(|p| p == file) {
            return Names::Unknown; // a star-import cycle
        }
        let Some(facts) = self.by_path.get(file) else {
            return Names::Unknown;
        };
        let exports = &facts.exports;
        // A stub beside the module: a type checker reads the stub, Python the module.
        let stub_beside = file.extension().is_some_and(|e| e == "py")
            && self.by_path.get(file.with_extension("pyi").as_path()).is_some();
        if exports.open || exports.registers_modules || exports.bound.contains("__getattr__") || stub_beside {
            self.names.insert(file.to_path_buf(), Names::Unknown);
            return Names::Unknown;
        }
        let mut lookup = Lookup { own: Some(&exports.bound), defined: Some(&exports.defined), star: BTreeSet::new() };
        visiting.push(file.to_path_buf());
        let mut known = true;
        for star in &exports.stars {
            let level = star.chars().take_while(|c| *c == '.').count();
            let module: Vec<&str> = if star.len() == level { Vec::new() } else { star[level..].split('.').collect() };
            let portions = if level == 0 {
                if !self.modules.is_local(module[0]) {
                    known = false;
                    break;
                }
                resolve(&self.rule.layout.source_roots, &module, &self.modules.disk)
            } else {
                package_dir(file, level)
                    .and_then(|dir| resolve_in(vec![dir.to_path_buf()], &module, &self.modules.disk))
            };
            let Some(Target::Module { file: star_file, .. }) = portions.map(|p| self.target(p)) else {
                known = false;
                break;
            };
            let Names::Known(names) = self.names_of(&star_file, visiting) else {
                known = false;
                break;
            };
            let star_exports = self.by_path.get(star_file.as_path()).map(|f| &f.exports);
            match star_exports.and_then(|e| e.all.as_deref()) {
                Some(all) => lookup.star.extend(all.iter().map(String::as_str)),
                // `__all__` bound but not a literal: what the star takes is unknown.
                None if star_exports.is_some_and(|e| e.bound.contains("__all__")) => {
                    known = false;
                    break;
                }
                None => lookup.star.extend(names.public()),
            }
        }
        visiting.pop();
        let result = if known { Names::Known(Arc::new(lookup)) } else { Names::Unknown };
        self.names.insert(file.to_path_buf(), result.clone());
        result
    }

    /// The modules (by absolute name) that define `name` other than by importing it.
    fn definers(&mut self, name: &str) -> Vec<String> {
        self.read_definers = true;
        if self.definers.is_none() {
            let mut index: HashMap<&'a str, BTreeSet<String>> = HashMap::new();
            let facts = self.facts;
            for ((_, facts), (_, path)) in facts.iter().zip(self.absolute) {
                let Some(module) = module_name(&self.rule.layout.source_roots, path, &self.modules.disk) else {
                    continue;
                };
                for defined in facts.exports.defined.iter() {
                    index.entry(defined).or_default().insert(module.clone());
                }
            }
            self.definers = Some(index);
        }
        self.definers
            .as_ref()
            .and_then(|index| index.get(name))
            .map(|set| set.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// What the module `parts` (relative: resolved from `base`, written with `level` dots)
    /// resolves to, looked up once per run.
    fn resolved(&mut self, base: Option<PathBuf>, level: usize, module: &'a str) -> Resolved<'a> {
        if !self.track {
            return self.resolve_module(base, level, module);
        }
        let key = (base.clone(), level, module);
        if let Some(read) = self.resolved_reads.get(&key) {
            let read = read.clone();
            self.reads.extend(read);
        }
        let start = self.reads.len();
        let resolved = self.resolve_module(base, level, module);
        if !self.resolved_reads.contains_key(&key) {
            self.resolved_reads.insert(key, self.reads[start..].to_vec());
        }
        resolved
    }

    fn resolve_module(&mut self, base: Option<PathBuf>, level: usize, module: &'a str) -> Resolved<'a> {
        let key = (base.clone(), level, module);
        if let Some(found) = self.resolved.get(&key) {
            return found.clone();
        }
        let parts: Vec<&str> = if module.is_empty() { Vec::new() } else { module.split('.').collect() };
        let parts = parts.as_slice();
        if parts.iter().any(|part| !is_identifier(part)) {
            self.resolved.insert(key, Resolved::Missing(None));
            return Resolved::Missing(None);
        }
        let portions = match &base {
            None => resolve(&self.rule.layout.source_roots, parts, &self.modules.disk),
            Some(dir) => resolve_in(vec![dir.clone()], parts, &self.modules.disk),
        };
        let result = match portions {
            None => {
                let written = format!("{}{}", ".".repeat(level), parts.join("."));
                Resolved::Missing(self.missing_module(parts, base.map(|dir| (written.as_str(), dir))))
            }
            Some(portions) => {
                let target = self.target(portions);
                let names = match &target {
                    Target::Module { file, .. } => self.names_of(file, &mut Vec::new()),
                    Target::Namespace(_) => Names::Known(Arc::new(Lookup::default())),
                };
                let (package, file) = match target {
                    Target::Module { package: Some(dir), file } => (Some(vec![dir]), Some(file)),
                    Target::Module { package: None, file } => (None, Some(file)),
                    Target::Namespace(dirs) => (Some(dirs), None),
                };
                Resolved::Found(Arc::new(Found { names, package, file }))
            }
        };
        self.resolved.insert(key, result.clone());
        result
    }

    /// The findings of one import in the file at `path`.
    fn judge(&mut self, path: &Path, place: &mut Option<Option<Place<'a>>>, import: &'a ImportFact) -> Vec<Judged> {
        let written = || format!("{}{}", ".".repeat(import.level), import.module);
        let resolved = if import.level == 0 {
            let top = import.module.split('.').next().unwrap_or_default();
            if !self.modules.is_local(top) {
                return Vec::new();
            }
            self.resolved(None, 0, &import.module)
        } else {
            let roots = &self.rule.layout.source_roots;
            let Some(place) = place.get_or_insert_with(|| Place::of(roots, path, &self.modules.disk)).as_ref() else {
                return Vec::new();
            };
            if import.level > place.package.len() {
                let written = written();
                let detail = match place.package.first() {
                    Some(top) => format!("`{written}` climbs above the top-level package `{top}`"),
                    None => format!("`{written}` is relative, in a module outside any package"),
                };
                return vec![(detail, import.module_site.clone(), written, String::new())];
            }
            let Some(dir) = package_dir(path, import.level) else { return Vec::new() };
            self.resolved(Some(dir.to_path_buf()), import.level, &import.module)
        };
        let place = place.as_ref().and_then(Option::as_ref);
        let found = match resolved {
            Resolved::Missing(None) => return Vec::new(),
            Resolved::Missing(Some(detail)) => {
                return vec![(detail, import.module_site.clone(), written(), String::new())];
            }
            Resolved::Found(found) => found,
        };
        if !import.from {
            return Vec::new();
        }
        let Names::Known(names) = &found.names else { return Vec::new() };
        let mut out = Vec::new();
        // An import in the module it imports from binds its own names only if it succeeds.
        let itself = found.file.as_deref() == Some(path);
        for (name, site) in &import.names {
            let bound = if itself { names.defines(name) } else { names.contains(name) };
            if bound || MODULE_ATTRIBUTES.contains(&name.as_str()) {
                continue;
            }
            if let Some(portions) = &found.package {
                if resolve_in(portions.clone(), &[name.as_str()], &self.modules.disk).is_some() {
                    continue;
                }
            }
            let shown = if import.level == 0 {
                import.module.clone()
            } else {
                place
                    .and_then(|place| {
                        let base = &place.package[..place.package.len() + 1 - import.level];
                        let parts = import.module.split('.').filter(|part| !part.is_empty());
                        let name: Vec<&str> = base.iter().map(String::as_str).chain(parts).collect();
                        (!name.is_empty()).then(|| name.join("."))
                    })
                    .unwrap_or_else(written)
            };
            let mut detail = format!("`{name}` is not in `{shown}`");
            let mut definers = self.definers(name);
            definers.retain(|module| *module != shown);
            if let [only] = definers.as_slice() {
                detail.push_str(&format!("; it is defined in `{only}`"));
            }
            out.push((detail, site.clone(), written(), name.clone()));
        }
        out
    }

    /// Why the module `parts` does not resolve: the first prefix that is missing, from the roots
    /// (`relative`: written, and the directory it is resolved from).
    fn missing_module(&mut self, parts: &[&str], relative: Option<(&str, PathBuf)>) -> Option<String> {
        let (written, start) = match &relative {
            Some((written, dir)) => (written.to_string(), vec![dir.clone()]),
            None => (parts.join("."), self.rule.layout.source_roots.clone()),
        };
        for depth in 1..=parts.len() {
            if resolve_in(start.clone(), &parts[..depth], &self.modules.disk).is_none() {
                // A module that writes `sys.modules[…]` may register what is not on disk.
                let above = if depth == 1 {
                    Some(start.clone())
                } else {
                    resolve_in(start.clone(), &parts[..depth - 1], &self.modules.disk)
                };
                if let Some(Target::Module { file, .. }) = above.map(|portions| self.target(portions)) {
                    if self.track {
                        self.reads.push(file.clone());
                    }
                    if self.by_path.get(file.as_path()).is_some_and(|facts| facts.exports.registers_modules) {
                        return None;
                    }
                }
                if depth == 1 {
                    return Some(match relative {
                        Some(_) => format!("no module `{written}`: its package has no `{}`", parts[0]),
                        None => format!("no module `{written}`"),
                    });
                }
                let parent = parts[..depth - 1].join(".");
                let prefix = if relative.is_some() {
                    written.chars().take_while(|c| *c == '.').collect()
                } else {
                    String::new()
                };
                return Some(format!(
                    "no module `{written}`: `{prefix}{parent}` has no module or package `{}`",
                    parts[depth - 1]
                ));
            }
        }
        Some(format!("no module `{written}`"))
    }
}
