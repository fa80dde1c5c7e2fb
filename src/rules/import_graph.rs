//! The import statements of each file as the import rules keep them ([`ImportFact`], collected
//! per file, cached with the file's facts), and what they import among the project's own
//! modules ([`Modules`]): the static import graph the rules `unresolved-import`,
//! `import-contract` and `import-cycle` and `ssot graph` read. Modules are named by their
//! absolute dotted names from the source roots ([`super::import_system`]); an import's target
//! is the most specific local module it names, as grimp records it: `import a.b.c` imports
//! `a.b.c`; `from a.b import c` imports `a.b.c` when that is a module, else `a.b`. Also what
//! every import rule shares: where the project's modules are ([`Layout`]) and the patterns of
//! module names its options write ([`module_matches`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::import_system::{is_identifier, module_name, resolve, Disk, Place};
use super::{FileContext, FileText, Site};
use crate::python::imports::{Context, Import};

/// One imported module: `import a.b` (one per dotted name), or `from m import …`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct ImportFact {
    /// Leading dots of a relative `from` import.
    pub level: usize,
    /// The module without leading dots (empty for `from . import x`).
    pub module: String,
    /// Where the module is written (the dotted name of `import a.b`, the module of `from`).
    pub module_site: Site,
    /// A `from` import: the imported names and where each is written (empty for a star).
    pub names: Vec<(String, Site)>,
    /// Written with `as`: one flag per name of a `from` import, one for `import a.b`.
    pub aliased: Vec<bool>,
    pub from: bool,
    pub context: Context,
}

/// Every import statement's facts of one file, shared by the rules that read them all
/// (`unresolved-import`, `import-cycle`, `import-contract`, `ssot graph`): each keeps the ones it
/// judges when it reads them. Made once per file when the file holds no suppression directive,
/// since only then is a site the same for every rule.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Imports(Arc<[ImportFact]>);

impl std::ops::Deref for Imports {
    type Target = [ImportFact];

    fn deref(&self) -> &[ImportFact] {
        &self.0
    }
}

impl Imports {
    /// The facts of every import statement read from the file's tokens, their sites those of
    /// rule `rule`.
    pub(crate) fn by_tokens(file: &FileText, rule: &str) -> Result<Imports, super::Declined> {
        let imports = file.imports_by_tokens().ok_or(super::Declined)?;
        if file.directives {
            return Ok(Imports(import_facts(file, imports, rule, |_| true).into()));
        }
        // No directive: no site is suppressed, whichever rule asks.
        Ok(file.shared_imports.get_or_init(|| Imports(import_facts(file, imports, rule, |_| true).into())).clone())
    }

    /// The facts of every import statement of the syntax tree, their sites those of `rule`.
    pub(crate) fn by_tree(file: &FileContext, rule: &str) -> Imports {
        Imports(import_facts(file, file.imports(), rule, |_| true).into())
    }
}

/// The facts of the import statements `keep` accepts, their sites those of rule `rule`.
pub(crate) fn import_facts(
    file: &FileText,
    imports: &[Import],
    rule: &str,
    keep: impl Fn(&Import) -> bool,
) -> Vec<ImportFact> {
    let mut facts = Vec::new();
    for import in imports.iter().filter(|import| keep(import)) {
        match &import.from_module {
            Some(module) => {
                let written = &file.source[module.clone()];
                let level = written.chars().take_while(|c| *c == '.').count();
                let name = match import.bindings.first() {
                    Some(first) => first.module.clone(),
                    // A star import: the module as written.
                    None => crate::python::imports::module_as_written(&written[level..]),
                };
                facts.push(ImportFact {
                    level,
                    module: name,
                    module_site: file.site(rule, module.clone()),
                    names: import
                        .bindings
                        .iter()
                        .filter_map(|b| Some((b.name.clone()?, file.site(rule, b.path.clone()))))
                        .collect(),
                    aliased: import.bindings.iter().map(|b| b.aliased).collect(),
                    from: true,
                    context: import.context,
                });
            }
            None => {
                for binding in &import.bindings {
                    facts.push(ImportFact {
                        level: 0,
                        module: binding.module.clone(),
                        module_site: file.site(rule, binding.path.clone()),
                        names: Vec::new(),
                        aliased: vec![binding.aliased],
                        from: false,
                        context: import.context,
                    });
                }
            }
        }
    }
    facts
}

/// Whether the absolute module name `module` matches `pattern`, a dotted module name in which
/// `*` stands for one name and `**` for one or more (import-linter's wildcards: `app.**` is every
/// module below `app`, not `app` itself).
pub(crate) fn module_matches(pattern: &str, module: &str) -> bool {
    fn go(pattern: &[&str], module: &[&str]) -> bool {
        match (pattern.first(), module.first()) {
            (None, None) => true,
            (Some(&"**"), Some(_)) => go(&pattern[1..], &module[1..]) || go(pattern, &module[1..]),
            (Some(&"*"), Some(_)) => go(&pattern[1..], &module[1..]),
            (Some(part), Some(name)) => part == name && go(&pattern[1..], &module[1..]),
            _ => false,
        }
    }
    let pattern: Vec<&str> = pattern.split('.').collect();
    let module: Vec<&str> = module.split('.').collect();
    go(&pattern, &module)
}

/// Top-level modules CPython builds in (`sys.builtin_module_names` on Linux, 3.11) or freezes
/// (3.11 and later: found by the frozen importer, before the source roots).
const BUILT_IN: [&str; 47] = [
    "_abc",
    "_ast",
    "_codecs",
    "_collections",
    "_functools",
    "_imp",
    "_io",
    "_locale",
    "_operator",
    "_signal",
    "_sre",
    "_stat",
    "_string",
    "_symtable",
    "_thread",
    "_tokenize",
    "_tracemalloc",
    "_warnings",
    "_weakref",
    "atexit",
    "builtins",
    "errno",
    "faulthandler",
    "gc",
    "itertools",
    "marshal",
    "posix",
    "pwd",
    "sys",
    "time",
    "xxsubtype",
    "_collections_abc",
    "_frozen_importlib",
    "_frozen_importlib_external",
    "_sitebuiltins",
    "abc",
    "codecs",
    "genericpath",
    "io",
    "ntpath",
    "os",
    "posixpath",
    "runpy",
    "site",
    "stat",
    "zipimport",
    "__hello__",
];

/// Where the project's modules are, as every import rule holds it: the project root (the paths
/// a project pass gets are relative to it), the source roots and the namespace packages listed.
pub(crate) struct Layout {
    pub root: PathBuf,
    pub source_roots: Vec<PathBuf>,
    pub namespace_packages: Vec<String>,
    /// What the last pass learnt of the disk and of module names, for the next pass of a live
    /// project (the same files): handed to [`Modules`] and taken back when it is dropped;
    /// forgotten when the project's files change ([`Layout::forget`]).
    memo: std::sync::Mutex<Memo>,
}

/// The answers of a [`Modules`], kept between passes.
#[derive(Default)]
struct Memo {
    disk: Disk,
    local: HashMap<String, bool>,
    exists: HashMap<String, bool>,
    names: HashMap<PathBuf, Option<String>>,
}

impl Layout {
    pub(crate) fn of(settings: &crate::config::Settings) -> Self {
        Self {
            root: settings.root.clone(),
            source_roots: settings.source_roots.clone(),
            namespace_packages: settings.namespace_packages.clone(),
            memo: std::sync::Mutex::default(),
        }
    }

    /// The modules, each question answered once: for one project pass (with what the passes
    /// before it learnt, while the project's files are the same).
    pub(crate) fn modules(&self) -> Modules<'_> {
        let mut memo = std::mem::take(&mut *self.memo.lock().unwrap_or_else(|e| e.into_inner()));
        // A directory that changed (a module built in place, a file saved from a new buffer):
        // everything learnt from the disk may be stale.
        let disk_changed = !memo.disk.unchanged();
        if disk_changed {
            memo = Memo::default();
        }
        Modules {
            roots: &self.source_roots,
            namespace_packages: &self.namespace_packages,
            disk: memo.disk,
            local: memo.local,
            exists: memo.exists,
            names: memo.names,
            keep: Some(&self.memo),
            disk_changed,
        }
    }

    /// Forgets what the passes learnt (the project's files changed).
    pub(crate) fn forget(&self) {
        *self.memo.lock().unwrap_or_else(|e| e.into_inner()) = Memo::default();
    }

    /// The absolute path of the scanned file at `path` (relative to the root).
    pub(crate) fn path(&self, path: &str) -> PathBuf {
        self.root.join(crate::path_text::real(path))
    }
}

/// The project's own modules as the import rules resolve them, each question answered once.
pub(crate) struct Modules<'a> {
    roots: &'a [PathBuf],
    namespace_packages: &'a [String],
    pub disk: Disk,
    local: HashMap<String, bool>,
    exists: HashMap<String, bool>,
    /// The module name of each file asked about.
    names: HashMap<PathBuf, Option<String>>,
    /// Where the answers go back when the pass is over.
    keep: Option<&'a std::sync::Mutex<Memo>>,
    /// A directory the last pass read has changed since: what a rule kept of that pass (beyond
    /// this memo, which starts afresh) is stale too.
    pub disk_changed: bool,
}

impl Drop for Modules<'_> {
    fn drop(&mut self) {
        if let Some(keep) = self.keep {
            let memo = Memo {
                disk: std::mem::take(&mut self.disk),
                local: std::mem::take(&mut self.local),
                exists: std::mem::take(&mut self.exists),
                names: std::mem::take(&mut self.names),
            };
            *keep.lock().unwrap_or_else(|e| e.into_inner()) = memo;
        }
    }
}

/// One local module an import statement imports: its name, and where the statement names its
/// module (the line grimp gives an import: `from a import (b, c)` over several lines is one
/// place).
pub(crate) struct Target<'f> {
    pub module: String,
    pub site: &'f Site,
}

impl<'a> Modules<'a> {
    pub(crate) fn new(roots: &'a [PathBuf], namespace_packages: &'a [String]) -> Self {
        Self {
            roots,
            namespace_packages,
            disk: Disk::default(),
            local: HashMap::new(),
            exists: HashMap::new(),
            names: HashMap::new(),
            keep: None,
            disk_changed: false,
        }
    }

    /// The source roots.
    pub(crate) fn roots(&self) -> &'a [PathBuf] {
        self.roots
    }

    /// Whether the top-level name `top` is local: a source root holds its module, regular
    /// package, stub or extension module, or it is a listed namespace package there; and it is
    /// no module CPython builds in or freezes (those are found before any path: a local `os.py`
    /// or `time.py` is never what `import os` imports).
    pub(crate) fn is_local(&mut self, top: &str) -> bool {
        if let Some(&local) = self.local.get(top) {
            return local;
        }
        let local = !BUILT_IN.contains(&top)
            && self.roots.iter().any(|root| {
                self.disk.is_package(root, top)
                    || self.disk.module_file(root, top).is_some()
                    || (self.namespace_packages.iter().any(|n| n == top) && self.disk.is_dir(root, top))
            });
        self.local.insert(top.to_string(), local);
        local
    }

    /// Whether the absolute module `name` exists (a module or package, found from the roots).
    pub(crate) fn exists(&mut self, name: &str) -> bool {
        if let Some(&exists) = self.exists.get(name) {
            return exists;
        }
        let parts: Vec<&str> = name.split('.').collect();
        let exists = parts.iter().all(|part| is_identifier(part))
            && self.is_local(parts[0])
            && resolve(self.roots, &parts, &self.disk).is_some();
        self.exists.insert(name.to_string(), exists);
        exists
    }

    /// The absolute name of the module in the file at `path`. Its stem need not be an
    /// identifier (`migrations/0001_initial.py` is loaded by name with `importlib`, and its
    /// imports count, as grimp counts them); its packages must be.
    pub(crate) fn name_of(&mut self, path: &Path) -> Option<String> {
        if let Some(name) = self.names.get(path) {
            return name.clone();
        }
        let name = self.find_name(path);
        self.names.insert(path.to_path_buf(), name.clone());
        name
    }

    fn find_name(&self, path: &Path) -> Option<String> {
        if let Some(name) = module_name(self.roots, path, &self.disk) {
            return Some(name);
        }
        let place = Place::of(self.roots, path, &self.disk)?;
        let stem = path.file_stem()?.to_str()?;
        if stem.is_empty() || stem.contains('.') || stem == "__init__" || place.package.is_empty() {
            return None;
        }
        Some(format!("{}.{stem}", place.package.join(".")))
    }

    /// Where the file at `path` stands among the roots.
    pub(crate) fn place(&self, path: &Path) -> Option<Place<'a>> {
        Place::of(self.roots, path, &self.disk)
    }

    /// The absolute module an import statement names (relative ones from `place`), whether or
    /// not it exists; `None` for a relative import without a place or climbing above it.
    pub(crate) fn absolute(place: Option<&Place>, import: &ImportFact) -> Option<String> {
        Self::absolute_of(place, import.level, &import.module)
    }

    /// [`Modules::absolute`] of the module `module` written with `level` leading dots.
    pub(crate) fn absolute_of(place: Option<&Place>, level: usize, module: &str) -> Option<String> {
        if level == 0 {
            return Some(module.to_string());
        }
        let place = place?;
        if level > place.package.len() {
            return None;
        }
        let base = &place.package[..place.package.len() + 1 - level];
        let parts = module.split('.').filter(|part| !part.is_empty());
        let name: Vec<&str> = base.iter().map(String::as_str).chain(parts).collect();
        (!name.is_empty()).then(|| name.join("."))
    }

    /// The local modules the import statement imports, each with where it is named: the most
    /// specific existing module (see the module docs).
    pub(crate) fn targets<'f>(&mut self, place: Option<&Place>, import: &'f ImportFact) -> Vec<Target<'f>> {
        let Some(module) = Self::absolute(place, import) else { return Vec::new() };
        if !self.exists(&module) {
            // `import a.b.c` of a missing `a.b.c`: its last part may be a name of `a.b` (as
            // grimp takes it); nothing more is guessed.
            return match module.rsplit_once('.') {
                Some((parent, _)) if !import.from && self.exists(parent) => {
                    vec![Target { module: parent.to_string(), site: &import.module_site }]
                }
                _ => Vec::new(),
            };
        }
        if !import.from || import.names.is_empty() {
            return vec![Target { module, site: &import.module_site }];
        }
        let mut out: Vec<Target<'f>> = Vec::new();
        for (name, _) in &import.names {
            let submodule = format!("{module}.{name}");
            if self.exists(&submodule) {
                out.push(Target { module: submodule, site: &import.module_site });
            } else if !out.iter().any(|target| target.module == module) {
                out.push(Target { module: module.clone(), site: &import.module_site });
            }
        }
        out
    }
}

/// One import of a local module by another local module.
pub(crate) struct Edge<'f> {
    pub importer: String,
    pub imported: String,
    pub file: crate::diagnostic::FileId,
    /// Where the statement names its module.
    pub site: &'f Site,
}

impl Modules<'_> {
    /// Every import of a local module by another local module, in path order: the graph the
    /// rules judge (a module importing itself is left out).
    pub(crate) fn edges<'f, I: IntoIterator<Item = &'f ImportFact>>(
        &mut self,
        root: &Path,
        files: impl Iterator<Item = (crate::diagnostic::FileId, I)>,
        paths: &[&str],
    ) -> Vec<Edge<'f>> {
        let mut edges = Vec::new();
        for (file, imports) in files {
            let path = root.join(crate::path_text::real(paths[file.0]));
            // A stub's imports never run (and grimp does not read stubs).
            if crate::python::stub::is_stub(&path) {
                continue;
            }
            let Some(importer) = self.name_of(&path) else { continue };
            let place = self.place(&path);
            for import in imports {
                for target in self.targets(place.as_ref(), import) {
                    if target.module != importer {
                        edges.push(Edge {
                            importer: importer.clone(),
                            imported: target.module,
                            file,
                            site: target.site,
                        });
                    }
                }
            }
        }
        edges
    }
}

/// One module of the graph `ssot graph` prints: its file and its imports of local modules.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub(crate) struct GraphModule {
    pub path: String,
    pub imports: Vec<GraphImport>,
}

/// One import of a local module.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct GraphImport {
    pub module: String,
    pub line: usize,
    pub column: usize,
    /// `module` (runs on import), `function` (inside a function body) or `type-checking`
    /// (under `if TYPE_CHECKING:`).
    pub context: &'static str,
}

/// The import graph of the project's own modules, by module name.
pub(crate) type ImportGraph = std::collections::BTreeMap<String, GraphModule>;

/// The engine behind `ssot graph`: collects every import statement of every Python file, and
/// in the project pass hands the graph of local modules to whoever holds `out` (it reports
/// nothing).
pub(crate) struct GraphCollector {
    pub root: PathBuf,
    pub source_roots: Vec<PathBuf>,
    pub namespace_packages: Vec<String>,
    pub out: std::sync::Arc<std::sync::Mutex<Option<ImportGraph>>>,
}

impl super::Prefilter for GraphCollector {}

impl super::ProjectRule for GraphCollector {
    type Facts = Imports;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, super::Declined> {
        Imports::by_tokens(file, "graph").map(Some)
    }

    fn collect(&self, file: &super::FileContext) -> Option<Self::Facts> {
        Some(Imports::by_tree(file, "graph"))
    }

    fn finish(
        &self,
        facts: Vec<(crate::diagnostic::FileId, std::sync::Arc<Self::Facts>)>,
        paths: &[&str],
    ) -> Vec<super::ProjectFinding> {
        let mut modules = Modules::new(&self.source_roots, &self.namespace_packages);
        let mut graph = ImportGraph::new();
        for (file, imports) in &facts {
            let path = self.root.join(crate::path_text::real(paths[file.0]));
            if crate::python::stub::is_stub(&path) {
                continue;
            }
            let Some(name) = modules.name_of(&path) else { continue };
            let place = modules.place(&path);
            let mut found = Vec::new();
            for import in imports.iter() {
                let context = match import.context {
                    Context { in_function: true, .. } => "function",
                    Context { type_checking: true, .. } => "type-checking",
                    _ => "module",
                };
                // A module importing itself is listed too, as grimp lists it.
                for target in modules.targets(place.as_ref(), import) {
                    let (line, column) = (target.site.start.line, target.site.start.column);
                    found.push(GraphImport { module: target.module, line, column, context });
                }
            }
            let entry = graph.entry(name).or_default();
            if entry.path.is_empty() {
                entry.path = paths[file.0].to_string();
                entry.imports = found;
            }
        }
        if let Ok(mut out) = self.out.lock() {
            *out = Some(graph);
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::module_matches;

    #[test]
    fn module_patterns() {
        assert!(module_matches("a.b", "a.b") && !module_matches("a.b", "a.b.c") && !module_matches("a.b", "a"));
        assert!(module_matches("a.*.c", "a.b.c") && !module_matches("a.*.c", "a.b.x.c"));
        assert!(module_matches("a.*", "a.b") && !module_matches("a.*", "a.b.c") && !module_matches("a.*", "a"));
        assert!(module_matches("a.**.c", "a.b.x.c") && !module_matches("a.**", "a"));
        assert!(module_matches("a.**", "a.b.c") && module_matches("**", "a") && module_matches("**", "a.b"));
        assert!(!module_matches("a.**", "ab.c"));
    }
}
