//! How Python finds modules on disk, as far as ssot needs it without importing anything: the
//! source roots a file stands in ([`Place`]), what a directory holds ([`Disk`], each directory
//! read once per run), where an absolute module name leads from the roots, and the absolute
//! name a relative import means ([`absolute_module`]). `relative-import`'s fix and
//! `scattered-event-literal`'s fix read it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a file stands: the source root above it and its package, the directories between.
/// The root must not be a package itself, and the top directory below it must be a regular
/// package (it holds `__init__.py`); directories below that may be namespace portions of it.
/// So a monorepo's `services/billing/billing/`, Django's `mysite/polls/` under the repository
/// root, a scanned directory that is itself a package, or a top-level namespace package have no
/// place: which directory Python runs them from is written nowhere ssot can read, and a guessed
/// absolute name breaks the import.
pub(crate) struct Place<'r> {
    pub root: &'r PathBuf,
    pub package: Vec<String>,
}

impl<'r> Place<'r> {
    pub(crate) fn of(roots: &'r [PathBuf], path: &Path, disk: &Disk) -> Option<Self> {
        // The nearest root above the file: the longest that is a prefix of its directory (both
        // canonical, so compared as text, not component by component).
        let dir = path.parent()?.to_str()?;
        let below = |root: &PathBuf| {
            let root_text = root.to_str()?;
            let rest = dir.strip_prefix(root_text)?;
            (rest.is_empty() || rest.starts_with(std::path::MAIN_SEPARATOR)).then_some(rest)
        };
        let (root, rest) =
            roots.iter().filter_map(|root| Some((root, below(root)?))).min_by_key(|(_, rest)| rest.len())?;
        let package: Vec<String> =
            rest.split(std::path::MAIN_SEPARATOR).filter(|part| !part.is_empty()).map(str::to_string).collect();
        let top_is_package = match package.first() {
            Some(top) => disk.is_file(&root.join(top), "__init__.py"),
            None => true, // a module directly in the root
        };
        let root_is_package = disk.is_file(root, "__init__.py");
        (top_is_package && !root_is_package && package.iter().all(|part| is_identifier(part)))
            .then_some(Self { root, package })
    }
}

/// The absolute name of the module the relative import of `written` (`..pkg.mod`) in a file at
/// `place` means, when it is proven: the import climbs no higher than the file's top package,
/// the target exists, and its absolute name resolves from `roots` to that same target. `disk`
/// answers what is on disk (each directory read once per run).
pub(crate) fn absolute_module(roots: &[PathBuf], place: &Place, written: &str, disk: &Disk) -> Option<String> {
    let written = crate::python::imports::module_as_written(written);
    let level = written.chars().take_while(|c| *c == '.').count();
    let rest = &written[level..];
    let module: Vec<&str> = if rest.is_empty() { Vec::new() } else { rest.split('.').collect() };
    let package = &place.package;
    if module.iter().any(|part| !is_identifier(part)) || level == 0 || level > package.len() {
        return None;
    }
    let base = &package[..package.len() + 1 - level];
    let name: Vec<&str> = base.iter().map(String::as_str).chain(module.iter().copied()).collect();
    let (last, parents) = name.split_last()?;
    let parent = parents.iter().fold(place.root.clone(), |dir, part| dir.join(part));
    let target = disk.locate(&parent, last)?;
    resolve(roots, &name, disk)?.contains(&target).then(|| name.join("."))
}

/// What ssot asks of the file system to resolve imports, each directory read once: its entries
/// and which of them are directories.
#[derive(Default)]
pub(crate) struct Disk {
    listings: std::sync::Mutex<std::collections::HashMap<PathBuf, Arc<Listing>>>,
    /// When each directory was read: its modification time then.
    read_at: std::sync::Mutex<std::collections::HashMap<PathBuf, Option<std::time::SystemTime>>>,
}

/// The modification time of the directory `dir`, when it can be read.
fn modified(dir: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(dir).and_then(|meta| meta.modified()).ok()
}

/// A directory's entries: name → is a directory (symbolic links followed).
type Listing = std::collections::HashMap<String, bool>;

impl Disk {
    /// Whether every directory read may still hold what it held then: its modification time
    /// has not changed (an entry added, removed or renamed changes it). A pass kept between runs
    /// asks before it uses what it read.
    pub(crate) fn unchanged(&self) -> bool {
        let read_at = self.read_at.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        read_at.iter().all(|(dir, at)| modified(dir) == *at)
    }

    fn listing(&self, dir: &Path) -> Arc<Listing> {
        let mut listings = self.listings.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        listings
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                self.read_at
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner())
                    .insert(dir.to_path_buf(), modified(dir));
                let entries = std::fs::read_dir(dir).into_iter().flatten().flatten();
                Arc::new(
                    entries
                        .filter_map(|entry| {
                            let name = entry.file_name().into_string().ok()?;
                            let file_type = entry.file_type().ok()?;
                            let is_dir =
                                if file_type.is_symlink() { entry.path().is_dir() } else { file_type.is_dir() };
                            Some((name, is_dir))
                        })
                        .collect(),
                )
            })
            .clone()
    }

    pub(crate) fn is_dir(&self, dir: &Path, name: &str) -> bool {
        self.listing(dir).get(name) == Some(&true)
    }

    pub(crate) fn is_file(&self, dir: &Path, name: &str) -> bool {
        self.listing(dir).get(name) == Some(&false)
    }

    /// Whether `dir/name` is a regular package: it holds `__init__.py` (or a sourceless
    /// `__init__.pyc`; a directory with only `__init__.pyi` is a namespace package at run time).
    pub(crate) fn is_package(&self, dir: &Path, name: &str) -> bool {
        self.is_dir(dir, name) && {
            let package = dir.join(name);
            self.is_file(&package, "__init__.py") || self.is_file(&package, "__init__.pyc")
        }
    }

    /// The module file `name` in `dir`: `.py`, `.pyi`, a sourceless `.pyc`, or an extension
    /// module (`name.*.so`, `name.pyd`, `name.so`).
    pub(crate) fn module_file(&self, dir: &Path, name: &str) -> Option<PathBuf> {
        let listing = self.listing(dir);
        let found = ["py", "pyi", "pyc", "so", "pyd"]
            .iter()
            .map(|extension| format!("{name}.{extension}"))
            .find(|file| listing.get(file) == Some(&false))
            .or_else(|| {
                let mut extensions: Vec<&String> = listing
                    .iter()
                    .filter(|(file, is_dir)| {
                        !**is_dir
                            && file
                                .strip_prefix(name)
                                .and_then(|rest| rest.strip_prefix('.'))
                                .is_some_and(|rest| rest.ends_with(".so") || rest.ends_with(".pyd"))
                    })
                    .map(|(file, _)| file)
                    .collect();
                extensions.sort();
                extensions.first().map(|file| file.to_string())
            })?;
        Some(dir.join(found))
    }

    /// What `dir/name` is: a package or namespace directory, a module, a stub or an extension
    /// module.
    fn locate(&self, dir: &Path, name: &str) -> Option<PathBuf> {
        if self.is_dir(dir, name) {
            return Some(dir.join(name));
        }
        self.module_file(dir, name)
    }
}

/// What an import finds at the places [`resolve`] returns.
pub(crate) enum Target {
    /// A module file, or a regular package (its `__init__.py` and its directory).
    Module { file: PathBuf, package: Option<PathBuf> },
    /// A namespace package: its directories.
    Namespace(Vec<PathBuf>),
}

impl Target {
    pub(crate) fn of(portions: Vec<PathBuf>, disk: &Disk) -> Self {
        if let [place] = portions.as_slice() {
            for init in ["__init__.py", "__init__.pyc"] {
                if disk.is_file(place, init) {
                    return Target::Module { file: place.join(init), package: Some(place.clone()) };
                }
            }
            let is_directory = match (place.parent(), place.file_name().and_then(|n| n.to_str())) {
                (Some(parent), Some(name)) => disk.is_dir(parent, name),
                _ => false,
            };
            if !is_directory {
                return Target::Module { file: place.clone(), package: None };
            }
        }
        Target::Namespace(portions)
    }
}

/// Where the absolute module `name` is found from `roots`, as the import system looks: at each
/// step, in the portions of the parent (the roots, for the first part), the first regular
/// package or module wins; else the namespace directories found, merged. The result is every
/// place that holds it (one, unless it is a namespace package).
pub(crate) fn resolve(roots: &[PathBuf], name: &[&str], disk: &Disk) -> Option<Vec<PathBuf>> {
    resolve_in(roots.to_vec(), name, disk)
}

/// [`resolve`] from the portions of a package (its directory, or a namespace package's
/// directories) instead of the roots: where its submodule `name` is.
pub(crate) fn resolve_in(mut portions: Vec<PathBuf>, name: &[&str], disk: &Disk) -> Option<Vec<PathBuf>> {
    for (index, part) in name.iter().enumerate() {
        let last = index + 1 == name.len();
        let mut namespace = Vec::new();
        let mut found = None;
        for portion in &portions {
            if disk.is_package(portion, part) {
                found = Some(portion.join(part));
                break;
            }
            // A stub beside a directory of its name: Python never imports the stub, the
            // directory is a namespace portion.
            let module = disk.module_file(portion, part);
            let stub = module.as_ref().is_some_and(|file| file.extension().is_some_and(|e| e == "pyi"));
            if let Some(file) = module.filter(|_| !(stub && disk.is_dir(portion, part))) {
                if !last {
                    return None; // a module holds no submodules
                }
                found = Some(file);
                break;
            }
            if disk.is_dir(portion, part) {
                namespace.push(portion.join(part));
            }
        }
        portions = match found {
            Some(place) => vec![place],
            None if !namespace.is_empty() => namespace,
            None => return None,
        };
    }
    Some(portions)
}

pub(crate) fn is_identifier(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
        && !crate::python::is_keyword(text)
}

/// The absolute name of the module in the file at `path` (its package, then its stem unless it
/// is an `__init__`), when it stands in a source root with a name of identifiers.
pub(crate) fn module_name(roots: &[PathBuf], path: &Path, disk: &Disk) -> Option<String> {
    let place = Place::of(roots, path, disk)?;
    let stem = path.file_stem()?.to_str()?;
    let mut parts = place.package;
    if stem != "__init__" {
        if !is_identifier(stem) {
            return None;
        }
        parts.push(stem.to_string());
    }
    (!parts.is_empty()).then(|| parts.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn tree(files: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for file in files {
            let path = dir.path().join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "").unwrap();
        }
        dir
    }

    #[test]
    fn resolves_as_the_import_system_would() {
        let dir = tree(&[
            "app/__init__.py",
            "app/core/__init__.py",
            "app/core/models.py",
            "app/core/views.py",
            "app/util.py",
            "src/lib/__init__.py",
            "src/lib/a.py",
            "src/lib/b.py",
            "ns/part/x.py",
            "ns/part/y.py",
        ]);
        let root = dir.path().canonicalize().unwrap();
        let roots = vec![root.clone(), root.join("src")];
        let views = root.join("app/core/views.py");
        let disk = Disk::default();
        let absolute =
            |path: &Path, written: &str| absolute_module(&roots, &Place::of(&roots, path, &disk)?, written, &disk);
        assert_eq!(absolute(&views, ".models").as_deref(), Some("app.core.models"));
        assert_eq!(absolute(&views, ".").as_deref(), Some("app.core"));
        assert_eq!(absolute(&views, "..util").as_deref(), Some("app.util"));
        assert_eq!(absolute(&views, "..").as_deref(), Some("app"));
        assert_eq!(absolute(&views, "...").as_deref(), None, "climbs above the top package");
        assert_eq!(absolute(&views, ".missing").as_deref(), None, "resolves to nothing");
        // A `src/` layout: the deepest root that holds the file names it.
        assert_eq!(absolute(&root.join("src/lib/a.py"), ".b").as_deref(), Some("lib.b"));
        // A namespace directory (no `__init__.py`) is no package ssot can place.
        assert_eq!(absolute(&root.join("ns/part/x.py"), ".y").as_deref(), None);
        assert_eq!(absolute(&root.join("app/core/views.py"), ". models").as_deref(), Some("app.core.models"));
    }

    #[test]
    fn no_fix_when_an_earlier_root_shadows_the_name() {
        // `lib` in the first root is a module: `lib.b` would not reach src/lib/b.py.
        let dir = tree(&["lib.py", "src/lib/__init__.py", "src/lib/a.py", "src/lib/b.py"]);
        let root = dir.path().canonicalize().unwrap();
        let roots = vec![root.clone(), root.join("src")];
        let place = Place::of(&roots, &root.join("src/lib/a.py"), &Disk::default()).unwrap();
        assert_eq!(absolute_module(&roots, &place, ".b", &Disk::default()), None);
    }
}
