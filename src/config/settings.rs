//! Resolves [`Options`] and command-line arguments into [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::globs::{compile_globs, Globs};
use super::layers::{
    self, discover, discover_in, load_explicit, At, ConfigFile, Files, PerFileIgnore, RuleOptions, RuleSelection,
};
use super::{Options, DEFAULT_MAX_FILE_SIZE, DEFAULT_PARSE_TIMEOUT_MS, DEFAULT_TEST_GLOBS};
use crate::{path_text, UserError};

/// The default source roots: the project root, then its `src/` when that holds a package or a
/// module.
fn default_source_roots(project: &Path) -> Vec<PathBuf> {
    let mut roots = vec![project.to_path_buf()];
    let src = project.join("src");
    let holds_python = std::fs::read_dir(&src).into_iter().flatten().flatten().any(|entry| {
        let path = entry.path();
        path.join("__init__.py").is_file() || path.extension().is_some_and(|e| e == "py" || e == "pyi")
    });
    // A `src/` that is itself a package (`src/__init__.py`) is not a root: `src.x` is its name.
    if holds_python && !src.join("__init__.py").is_file() {
        roots.push(src);
    }
    roots
}

/// Everything the scan needs to know, resolved and validated.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The project root (absolute, canonical): the directory of the configuration file
    /// discovered, else the top of the git work tree, else the current directory (see
    /// docs/projects.md). The whole project is scanned; diagnostic paths, fingerprints,
    /// baselines and the cache belong to it.
    pub root: PathBuf,
    /// Whether the whole project is scanned (its root comes from a configuration file or a git
    /// work tree), or only the paths named (a fallback root: the current directory or the
    /// paths' common directory).
    pub whole_project: bool,
    /// The configuration was named with `--config`: nested configurations do not apply.
    pub explicit_config: bool,
    /// What the user asked about (absolute, canonical): findings and scores are reported for
    /// these files and directories. A file named here is scanned whatever its name or exclusion,
    /// and so is a directory the project's walk would not enter.
    pub paths: Vec<PathBuf>,
    /// The configuration file in use, if any (the nearest one; it may extend others).
    pub config: Option<ConfigFile>,
    /// Every configuration file read, the files extended first and `config` last ([`At::file`]
    /// indexes it).
    pub configs: Vec<ConfigFile>,
    /// The directory of each of `configs` (canonical).
    pub config_dirs: Vec<PathBuf>,
    /// `scan.exclude` and `--exclude`.
    pub exclude: Vec<Globs>,
    pub test: Globs,
    pub other: Globs,
    pub max_file_size: u64,
    pub parse_timeout: Duration,
    /// Honour `.gitignore`, `.ignore` and git excludes.
    pub respect_ignore_files: bool,
    /// Scan hidden files and directories.
    pub hidden: bool,
    pub selection: RuleSelection,
    /// The rules the project's configuration runs, before `--select` and `--ignore`: a nested
    /// configuration may select among these (the command line narrows what runs everywhere).
    pub configured_selection: RuleSelection,
    /// Extra rule directories (absolute).
    pub rule_dirs: Vec<(PathBuf, Option<At>)>,
    /// `[rules.<rule-id>]` tables, merged along the `extend` chain.
    pub rule_tables: BTreeMap<String, RuleOptions>,
    /// `rules.require-reason`.
    pub require_reason: bool,
    /// `rules.per-file-ignores`: the rules not reported in the files each glob set matches.
    pub per_file_ignores: Vec<PerFileIgnore>,
    /// Use the result cache (off with `--no-cache`).
    pub cache: bool,
    /// Let engines decide a file from its tokens when they can, without parsing it (off with
    /// `--no-fast-path`).
    pub fast_path: bool,
    /// Let the rules' byte tests turn files away before they are read (off with the hidden
    /// `--no-byte-tests`, which the tests use to hold each byte test to its rule).
    pub byte_tests: bool,
    /// The directories absolute imports start from, in order (absolute, canonical):
    /// `scan.roots`, else the project root (the configuration's directory, else the git work
    /// tree's top, else the scanned root) and its `src/` when that holds packages.
    pub source_roots: Vec<PathBuf>,
    /// `scan.namespace-packages`: top-level namespace packages the import rules judge.
    pub namespace_packages: Vec<String>,
    /// Draw a progress bar on a terminal for long scans (off with `--no-progress`).
    pub progress: bool,
    /// `scan.languages`: the languages whose files are scanned (default every one).
    pub languages: Vec<crate::language::Language>,
    /// Nested configurations below the root ([`super::Scope`]), outermost first; filled in by
    /// the scan once the walk found them ([`Settings::with_scopes`]).
    pub scopes: Vec<super::Scope>,
    /// In a project without a configuration file, the directories below its root that hold one:
    /// projects of their own, not scanned as part of this one (docs/projects.md).
    pub subprojects: Vec<PathBuf>,
    /// `check --stdin-filename`: a buffer read from stdin that stands in for the file at its path
    /// (which need not exist).
    pub stdin: Option<std::sync::Arc<StdinBuffer>>,
    /// `--timings`: the counters of the run, when asked for.
    pub timings: Option<std::sync::Arc<crate::timings::Timings>>,
}

/// An editor's unsaved buffer (`check --stdin-filename PATH -`): analysed in place of the file at
/// `path`, which it is reported as.
#[derive(Debug)]
pub struct StdinBuffer {
    /// Absolute.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// What the command line contributes to [`Settings`].
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub exclude: Vec<String>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub no_ignore: bool,
    pub hidden: bool,
    pub no_cache: bool,
    pub no_fast_path: bool,
    pub no_byte_tests: bool,
    /// `--no-progress`.
    pub no_progress: bool,
    /// Only a configuration file in the first path itself applies, none from its ancestors
    /// (`ssot test-rules`: each rule fixture is a project of its own).
    pub own_config_only: bool,
}

/// A path named on the command line, absolute and canonical; a named link to a file stays
/// itself (its directory made canonical), so it is reported where it is in the project.
fn canonical(cwd: &Path, path: &Path) -> Result<PathBuf, UserError> {
    let joined = cwd.join(path);
    let error = |err: std::io::Error| UserError::new(format!("{}: {err}", path.display()));
    let target = std::fs::canonicalize(&joined).map_err(error)?;
    let is_link = std::fs::symlink_metadata(&joined).is_ok_and(|meta| meta.is_symlink());
    match (is_link && !target.is_dir(), joined.parent(), joined.file_name()) {
        (true, Some(parent), Some(name)) => Ok(std::fs::canonicalize(parent).map_err(error)?.join(name)),
        _ => Ok(target),
    }
}

impl Settings {
    /// Resolves the settings for scanning `paths` from `cwd` with the command-line `overrides`.
    pub fn resolve(cwd: &Path, paths: &[PathBuf], overrides: &Overrides) -> Result<Self, UserError> {
        let cwd = std::fs::canonicalize(cwd)
            .map_err(|err| UserError::new(format!("cannot read the current directory: {err}")))?;
        let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        let paths = paths.iter().map(|path| canonical(&cwd, path)).collect::<Result<Vec<_>, _>>()?;
        // Where discovery starts: the one directory named, the parent of the one file named,
        // else what the paths have in common.
        let start = scan_root(&cwd, &paths);

        // Globs are relative to the file that wrote them (a `--config` file's too); the project
        // root is the discovered configuration's directory, else the git work tree's top, else
        // the current directory (when it holds what is scanned).
        let (found, (root, whole_project)) = match &overrides.config {
            Some(path) => (Some(load_explicit(&cwd.join(path))?), unconfigured_root(&start, &cwd)),
            // A project of its own (a rule fixture): only a configuration in `start` applies,
            // and `start` is the root, scanned whole.
            None if overrides.own_config_only => {
                (discover_in(std::iter::once(start.as_path()))?, (start.clone(), true))
            }
            None => match discover_project(&start)? {
                Some((file, options)) => {
                    let dir = file.path.parent().map_or_else(|| start.clone(), Path::to_path_buf);
                    (Some((file, options)), (dir, true))
                }
                None => (None, unconfigured_root(&start, &cwd)),
            },
        };
        let chain = match found {
            Some((file, options)) => layers::chain(file, options, &load_explicit)?,
            None => Vec::new(),
        };
        let (configs, options): (Vec<ConfigFile>, Vec<Options>) = chain.into_iter().unzip();
        let dirs = Files::dirs_of(&configs, &root);
        let merged = layers::merge(options);
        let files = Files { configs: &configs, dirs: &dirs, root: &root };
        let error_at = |at: At, message: String| files.error(at, message);

        let mut exclude = vec![files.globs(&merged.exclude, &[])?];
        if !overrides.exclude.is_empty() {
            // Relative to the project root, as the configuration's: the result does not depend on
            // where ssot runs from.
            exclude.push(compile_globs(&root, &overrides.exclude, &|_, message| {
                UserError::new(format!("--exclude: {message}"))
            })?);
        }
        let test = files.globs(&merged.test, &DEFAULT_TEST_GLOBS)?;
        let other = files.globs(&merged.other, &[])?;

        let mut selection = Files::selection(&merged);
        let configured_selection = selection.clone();
        if !overrides.select.is_empty() {
            selection.select = Some(overrides.select.iter().map(|id| (id.clone(), None)).collect());
            selection.select_from_config = false;
        }
        selection.ignore.extend(overrides.ignore.iter().map(|id| (id.clone(), None)));

        // Relative to the configuration file that names them (with `--config` too).
        let source_roots = match &merged.roots {
            Some(list) => list
                .value
                .iter()
                .map(|dir| {
                    dirs[list.file].join(dir.get_ref()).canonicalize().map_err(|err| {
                        let message =
                            format!("scan.roots: `{}` is not a directory ssot can read: {err}", dir.get_ref());
                        error_at(At { file: list.file, offset: dir.span().start }, message)
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => default_source_roots(&root),
        };

        let languages = match &merged.languages {
            None => crate::language::Language::ALL.to_vec(),
            Some(list) => {
                let mut languages = Vec::new();
                for name in &list.value {
                    let Some(language) = crate::language::Language::from_name(name.get_ref()) else {
                        let message = format!(
                            "scan.languages: unknown language `{}`: expected {}",
                            name.get_ref(),
                            crate::language::known_names()
                        );
                        return Err(error_at(At { file: list.file, offset: name.span().start }, message));
                    };
                    languages.push(language);
                }
                languages.sort();
                languages.dedup();
                languages
            }
        };

        let per_file_ignores = files.per_file_ignores(&merged)?;

        let rule_dirs = match &merged.rule_dirs {
            Some(list) => list
                .value
                .iter()
                .map(|dir| {
                    (dirs[list.file].join(dir.get_ref()), Some(At { file: list.file, offset: dir.span().start }))
                })
                .collect(),
            None => Vec::new(),
        };

        Ok(Settings {
            root,
            whole_project,
            explicit_config: overrides.config.is_some(),
            paths,
            config: configs.last().cloned(),
            config_dirs: dirs,
            configs,
            exclude,
            test,
            other,
            max_file_size: merged.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            parse_timeout: Duration::from_millis(merged.parse_timeout_ms.unwrap_or(DEFAULT_PARSE_TIMEOUT_MS)),
            respect_ignore_files: !overrides.no_ignore,
            hidden: overrides.hidden,
            selection,
            configured_selection,
            rule_dirs,
            rule_tables: merged.rule_tables,
            require_reason: merged.require_reason.unwrap_or(false),
            per_file_ignores,
            cache: !overrides.no_cache,
            fast_path: !overrides.no_fast_path,
            byte_tests: !overrides.no_byte_tests,
            source_roots,
            namespace_packages: merged
                .namespace_packages
                .as_ref()
                .map(|list| list.value.iter().map(|name| name.get_ref().clone()).collect())
                .unwrap_or_default(),
            languages,
            progress: !overrides.no_progress,
            stdin: None,
            timings: None,
            scopes: Vec::new(),
            subprojects: Vec::new(),
        })
    }

    /// An error about something written in a configuration file (`at`); without one (the value
    /// came from the command line, or is a default) just the message.
    pub fn config_error(&self, at: Option<At>, message: impl Into<String>) -> UserError {
        match at.and_then(|at| Some((self.configs.get(at.file)?, at.offset))) {
            Some((file, offset)) => file.error(Some(offset), message),
            None => UserError::new(message),
        }
    }

    /// The directory globs written at `at` are relative to: their file's, else (a default or a
    /// command-line value) the project root.
    pub fn base_of(&self, at: Option<At>) -> &Path {
        at.and_then(|at| self.config_dirs.get(at.file)).map_or(&self.root, PathBuf::as_path)
    }

    /// The path shown in reports for the absolute `path`: relative to the root, `/`-separated,
    /// a name that is not UTF-8 escaped ([`crate::path_text`]).
    pub fn display_path(&self, path: &Path) -> String {
        match path.strip_prefix(&self.root) {
            Ok(relative) if relative.as_os_str().is_empty() => {
                path.file_name().map_or_else(|| path_text::text(path), |name| path_text::text(Path::new(name)))
            }
            Ok(relative) => path_text::text(relative),
            Err(_) => path_text::text(path),
        }
    }

    /// Whether `path` is a source file of a language this run scans.
    pub fn is_source(&self, path: &Path) -> bool {
        crate::language::Language::of(path).is_some_and(|language| self.languages.contains(&language))
    }

    /// Whether the paths named are the project root alone (nothing narrows the report).
    pub fn names_root(&self) -> bool {
        self.paths == std::slice::from_ref(&self.root)
    }

    /// The nested configuration governing the absolute `path`, if any: the deepest one above it.
    pub fn scope_of(&self, path: &Path) -> Option<&super::Scope> {
        self.scope_index(path).map(|index| &self.scopes[index])
    }

    /// The index in `scopes` of the nested configuration governing the absolute `path`.
    pub fn scope_index(&self, path: &Path) -> Option<usize> {
        self.scopes.iter().rposition(|scope| path.starts_with(&scope.dir) && path != scope.dir)
    }

    /// The settings the rules are configured with for the files `scope` governs: the project's,
    /// with the option values `scope` writes in place of the project's (errors and relative
    /// globs then point into its files). Nested configurations are not carried over (call it on
    /// settings without them: it copies every field).
    pub fn with_options_of(&self, scope: &super::Scope) -> Settings {
        let shift = self.configs.len();
        let moved = |at: At| At { file: at.file + shift, offset: at.offset };
        let mut rule_tables = self.rule_tables.clone();
        for (id, table) in &scope.options {
            let entry = rule_tables
                .entry(id.clone())
                .or_insert_with(|| RuleOptions { at: moved(table.at), values: BTreeMap::new() });
            for (key, (value, at)) in &table.values {
                entry.values.insert(key.clone(), (value.clone(), moved(*at)));
            }
        }
        Settings {
            configs: self.configs.iter().chain(&scope.configs).cloned().collect(),
            config_dirs: self.config_dirs.iter().chain(&scope.config_dirs).cloned().collect(),
            rule_tables,
            scopes: Vec::new(),
            ..self.clone()
        }
    }

    /// Whether `scan.exclude` (the project's, `--exclude`, or a nested configuration's, which
    /// add to them) excludes the absolute `path`.
    pub fn is_excluded(&self, path: &Path) -> bool {
        self.excluded(path, None, true)
    }

    /// Whether `path` is excluded by the project's globs (when `project`), the nested
    /// configuration governing it, or a project of its own; inside `named` (a directory named on
    /// the command line) only by the patterns that do not exclude `named` itself.
    fn excluded(&self, path: &Path, named: Option<&Path>, project: bool) -> bool {
        let matches = |globs: &Globs| match named {
            Some(dir) => globs.is_match_beyond(path, dir),
            None => globs.is_match(path),
        };
        let scope = self.scope_of(path).map(|scope| &scope.exclude);
        let project_globs = if project { self.exclude.as_slice() } else { &[] };
        project_globs.iter().chain(scope).any(matches)
            || self
                .subprojects
                .iter()
                .any(|sub| path.starts_with(sub) && !named.is_some_and(|dir| dir.starts_with(sub)))
    }

    /// Whether a nested configuration (the one governing it) or a project of its own excludes
    /// the absolute `path` itself (the directories above it are asked one by one); inside
    /// `named` (a directory named on the command line) only by the patterns that do not exclude
    /// `named` itself.
    pub fn is_excluded_by_scope(&self, path: &Path, named: Option<&Path>) -> bool {
        self.excluded(path, named, false)
    }

    /// Whether [`Self::is_excluded`] excludes `path`, inside `dir` (named on the command line):
    /// by a pattern that does not exclude `dir` itself.
    pub fn is_excluded_below(&self, path: &Path, dir: &Path) -> bool {
        self.excluded(path, Some(dir), true)
    }

    /// Whether `rules.per-file-ignores` (of the configuration governing `path`) keeps the rule
    /// `id` from being reported in the absolute `path`.
    pub fn ignores(&self, path: &Path, id: &str) -> bool {
        let entries = self.scope_of(path).map_or(&self.per_file_ignores, |scope| &scope.per_file_ignores);
        entries.iter().any(|entry| entry.rules.iter().any(|(rule, _)| rule == id) && entry.globs.is_match(path))
    }

    /// The severity a nested configuration gives rule `id` in the absolute `path`, if it does.
    pub fn severity_in(&self, path: &Path, id: &str) -> Option<crate::diagnostic::Severity> {
        self.scope_of(path).and_then(|scope| scope.severities.get(id).copied())
    }

    /// These settings with the nested configurations found in `dirs` (directories the walk
    /// read); `None` when there are none. `known` tells a rule id from a typo, `active` whether
    /// the project runs the rule.
    pub fn with_scopes(
        &self,
        dirs: &[PathBuf],
        known: &dyn Fn(&str) -> bool,
        active: &dyn Fn(&str) -> bool,
        project_wide: &dyn Fn(&str) -> bool,
    ) -> Result<Option<Settings>, UserError> {
        // With `--config`, that file's settings are used for every file (as ruff's `--config`).
        if self.explicit_config {
            return Ok(None);
        }
        // A project without a configuration file (the git work tree) holds no nested ones: each
        // configured directory is a project of its own, left out of this scan.
        if self.configs.is_empty() {
            let mut subprojects: Vec<PathBuf> = Vec::new();
            for dir in dirs.iter().filter(|dir| dir.starts_with(&self.root) && **dir != self.root) {
                if !subprojects.iter().any(|known| dir.starts_with(known))
                    && discover_in(std::iter::once(dir.as_path()))?.is_some()
                {
                    subprojects.push(dir.clone());
                }
            }
            return Ok((!subprojects.is_empty()).then(|| Settings { subprojects, ..self.clone() }));
        }
        let project = super::scope::Project { configs: &self.configs, known, active, project_wide };
        let mut scopes = Vec::new();
        // Outermost first: a parent's scope is found before its children's.
        for dir in dirs.iter().filter(|dir| dir.starts_with(&self.root) && **dir != self.root) {
            if let Some(scope) = super::Scope::load(dir, &project)? {
                scopes.push(scope);
            }
        }
        if scopes.is_empty() {
            return Ok(None);
        }
        scopes.sort_by(|a, b| a.dir.cmp(&b.dir));
        Ok(Some(Settings { scopes, ..self.clone() }))
    }

    /// The category of the absolute `path`, from the configuration governing it.
    pub fn category(&self, path: &Path) -> crate::diagnostic::Category {
        self.category_in(self.scope_of(path), path)
    }

    /// [`Settings::category`] of `path`, governed by the nested configuration `scope` (if any).
    pub fn category_in(&self, scope: Option<&super::Scope>, path: &Path) -> crate::diagnostic::Category {
        use crate::diagnostic::Category;
        let (test, other) = match scope {
            Some(scope) => (&scope.test, &scope.other),
            None => (&self.test, &self.other),
        };
        if test.is_match(path) {
            Category::Test
        } else if other.is_match(path) {
            Category::Other
        } else {
            Category::Production
        }
    }
}

/// The top of the git work tree holding `path` (see [`git_top`]): what code scanning and GitLab
/// resolve report paths against.
pub fn repository_top(path: &Path) -> Option<PathBuf> {
    git_top(path).map(Path::to_path_buf)
}

/// The top of the git work tree holding `start`, unless its ignore files ignore `start` (git
/// keeps nothing there).
fn git_top(start: &Path) -> Option<&Path> {
    start.ancestors().find(|dir| dir.join(".git").exists()).filter(|top| !git_ignores(top, start))
}

/// The project's configuration for a scan starting at `start`: in a git work tree, the
/// outermost configuration between `start` and the tree's top (those below it are nested
/// configurations of the same project, so a file checked alone is reported as in a scan of the
/// whole tree); elsewhere the nearest one above `start`.
fn discover_project(start: &Path) -> Result<Option<(ConfigFile, Options)>, UserError> {
    let Some(top) = git_top(start) else { return discover(start) };
    let mut outermost = None;
    for dir in start.ancestors() {
        if let Some(found) = discover_in(std::iter::once(dir))? {
            outermost = Some(found);
        }
        if dir == top {
            break;
        }
    }
    Ok(outermost)
}

/// The project root without a configuration file, and whether it is scanned whole: the top of
/// the git work tree holding `start` ([`git_top`]), scanned whole; else the current directory
/// when it holds `start`, else `start`, of which only the paths named are scanned (a home
/// directory or `/` is no project).
fn unconfigured_root(start: &Path, cwd: &Path) -> (PathBuf, bool) {
    match git_top(start) {
        Some(top) => (top.to_path_buf(), true),
        None if start.starts_with(cwd) => (cwd.to_path_buf(), false),
        None => (start.to_path_buf(), false),
    }
}

/// Whether the `.gitignore` files from `top` down to `start`'s parent, or `top`'s
/// `.git/info/exclude`, ignore `start` or a directory on the way to it (a pyenv checkout
/// ignores its `versions/`, which holds whole Python installations).
fn git_ignores(top: &Path, start: &Path) -> bool {
    use ignore::gitignore::GitignoreBuilder;
    let Ok(below) = start.strip_prefix(top) else { return false };
    let read = |builder: &mut GitignoreBuilder, file: &Path| {
        if let Ok(text) = crate::fs::read_text(file, 64 << 10) {
            for line in text.lines() {
                let _ = builder.add_line(Some(file.to_path_buf()), line);
            }
        }
    };
    // The rules of each directory met on the way down, nearest last; the nearest match decides.
    let mut rules = Vec::new();
    let mut dir = top.to_path_buf();
    for (index, part) in below.components().enumerate() {
        let mut builder = GitignoreBuilder::new(&dir);
        if index == 0 {
            read(&mut builder, &top.join(".git/info/exclude"));
        }
        read(&mut builder, &dir.join(".gitignore"));
        rules.extend(builder.build().ok());
        let next = dir.join(part);
        let matched = rules.iter().rev().map(|rules| rules.matched(&next, true)).find(|m| !m.is_none());
        if matched.is_some_and(|m| m.is_ignore()) {
            return true;
        }
        dir = next;
    }
    false
}

/// Where configuration discovery starts: the one directory scanned, the parent of the one file
/// scanned, else the deepest directory that holds every path named (not the current directory
/// just because it holds them: `ssot check backend/a.py backend/b.py` from a repository's top,
/// as pre-commit runs it, belongs to `backend/`'s configuration, as each file alone does).
fn scan_root(cwd: &Path, paths: &[PathBuf]) -> PathBuf {
    let dir_of = |path: &PathBuf| {
        if path.is_dir() {
            path.clone()
        } else {
            path.parent().map_or_else(|| cwd.to_path_buf(), Path::to_path_buf)
        }
    };
    let mut common = dir_of(&paths[0]);
    while !paths.iter().all(|path| dir_of(path).starts_with(&common)) {
        if !common.pop() {
            break;
        }
    }
    common
}
