//! Resolves [`Options`] and command-line arguments into [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use super::layers::{self, At, ConfigFile, RuleOptions, Strings};
use super::options::PyProject;
use super::{Options, DEFAULT_MAX_FILE_SIZE, DEFAULT_PARSE_TIMEOUT_MS, DEFAULT_TEST_GLOBS};
use crate::{path_text, UserError};

/// A compiled set of globs matched against paths relative to `base` (with `/` separators).
/// `*` does not cross `/`; `**` does. A pattern `dir/**` also matches `dir` itself, so a
/// directory can be pruned during the walk.
#[derive(Debug, Clone)]
pub struct Globs {
    set: GlobSet,
    base: PathBuf,
    patterns: Vec<String>,
}

impl Globs {
    pub fn empty(base: &Path) -> Self {
        Self { set: GlobSet::empty(), base: base.to_path_buf(), patterns: Vec::new() }
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    /// The directory the patterns are relative to.
    pub fn base(&self) -> &Path {
        &self.base
    }

    /// Whether the absolute `path` matches; a path outside `base` is matched as it is.
    pub fn is_match(&self, path: &Path) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        match path.strip_prefix(&self.base) {
            Ok(relative) => self.set.is_match(slash_path(relative)),
            Err(_) => self.set.is_match(slash_path(path)),
        }
    }
}

/// `path` with `/` separators.
pub(crate) fn slash_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if std::path::MAIN_SEPARATOR == '/' {
        text.into_owned()
    } else {
        text.replace(std::path::MAIN_SEPARATOR, "/")
    }
}

/// Compiles `patterns` relative to `base`; a bad pattern is reported through `on_error` with its
/// index, so the caller can name the file and line.
pub(crate) fn compile_globs(
    base: &Path,
    patterns: &[String],
    on_error: &dyn Fn(usize, String) -> UserError,
) -> Result<Globs, UserError> {
    let mut builder = GlobSetBuilder::new();
    for (index, pattern) in patterns.iter().enumerate() {
        let pattern = pattern.strip_prefix("./").unwrap_or(pattern);
        let mut add = |text: &str| -> Result<(), UserError> {
            let glob = GlobBuilder::new(text)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|err| on_error(index, format!("invalid glob `{pattern}`: {}", err.kind())))?;
            builder.add(glob);
            Ok(())
        };
        add(pattern)?;
        if let Some(dir) = pattern.strip_suffix("/**") {
            if !dir.is_empty() {
                add(dir)?;
            }
        }
    }
    let set = builder.build().map_err(|err| on_error(0, format!("invalid globs: {err}")))?;
    Ok(Globs { set, base: base.to_path_buf(), patterns: patterns.to_vec() })
}

/// Rule ids to run and not to run, each with where it was written (for error messages).
#[derive(Debug, Clone, Default)]
pub struct RuleSelection {
    /// `None`: every rule.
    pub select: Option<Vec<(String, Option<At>)>>,
    pub ignore: Vec<(String, Option<At>)>,
    /// Whether `select`/`ignore` entries came from the config file (spans) or the command line.
    pub select_from_config: bool,
}

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
    /// The directories absolute imports start from, in order (absolute, canonical):
    /// `scan.roots`, else the project root (the configuration's directory, else the git work
    /// tree's top, else the scanned root) and its `src/` when that holds packages.
    pub source_roots: Vec<PathBuf>,
    /// Draw a progress bar on a terminal for long scans (off with `--no-progress`).
    pub progress: bool,
    /// `scan.languages`: the languages whose files are scanned (default every one).
    pub languages: Vec<crate::language::Language>,
    /// `check --stdin-filename`: a buffer read from stdin that stands in for the file at its path
    /// (which need not exist).
    pub stdin: Option<std::sync::Arc<StdinBuffer>>,
    /// `--timings`: the counters of the run, when asked for.
    pub timings: Option<std::sync::Arc<crate::timings::Timings>>,
}

/// One entry of `rules.per-file-ignores`.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    pub globs: Globs,
    /// Rule ids, each with where it was written.
    pub rules: Vec<(String, Option<At>)>,
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
    /// `--no-progress`.
    pub no_progress: bool,
    /// Only a configuration file in the first path itself applies, none from its ancestors
    /// (`ssot test-rules`: each rule fixture is a project of its own).
    pub own_config_only: bool,
}

/// Finds the configuration that applies to `start`: the nearest `ssot.toml`, or `pyproject.toml`
/// with a `[tool.ssot]` table, in `start` or an ancestor.
pub(crate) fn discover(start: &Path) -> Result<Option<(ConfigFile, Options)>, UserError> {
    discover_in(start.ancestors())
}

/// The configuration in the first of `dirs` that has one.
fn discover_in<'a>(dirs: impl Iterator<Item = &'a Path>) -> Result<Option<(ConfigFile, Options)>, UserError> {
    for dir in dirs {
        let candidate = dir.join("ssot.toml");
        if exists(&candidate) {
            let file = read_config(&candidate)?;
            let options = parse_options(&file)?;
            return Ok(Some((file, options)));
        }
        let candidate = dir.join("pyproject.toml");
        if exists(&candidate) {
            let file = read_config(&candidate)?;
            match toml::from_str::<PyProject>(&file.source) {
                Ok(PyProject { tool: Some(tool) }) => {
                    if let Some(options) = tool.ssot {
                        return Ok(Some((file, options)));
                    }
                }
                Ok(PyProject { tool: None }) => {}
                // A broken pyproject.toml is only our business if it configures ssot.
                Err(err) if file.source.contains("tool.ssot") => {
                    return Err(UserError::from_toml(&file.path, &file.source, &err));
                }
                Err(_) => {}
            }
        }
    }
    Ok(None)
}

/// Whether anything is at `path` (a dangling link, a FIFO or a device too: reading it then says
/// what is wrong, rather than a configuration further up applying in silence).
fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

fn read_config(path: &Path) -> Result<ConfigFile, UserError> {
    let source = crate::fs::read_text(path, crate::fs::CONFIG_LIMIT)
        .map_err(|err| UserError::new(format!("{}: cannot read configuration: {err}", path.display())))?;
    Ok(ConfigFile { path: path.to_path_buf(), source })
}

/// Reads a configuration file named on the command line: `ssot.toml` syntax, or a
/// `pyproject.toml` (by name) whose `[tool.ssot]` table is used.
fn load_explicit(path: &Path) -> Result<(ConfigFile, Options), UserError> {
    let file = read_config(path)?;
    if path.file_name().is_some_and(|name| name == "pyproject.toml") {
        let project: PyProject =
            toml::from_str(&file.source).map_err(|err| UserError::from_toml(&file.path, &file.source, &err))?;
        let options = project.tool.and_then(|tool| tool.ssot).unwrap_or_default();
        return Ok((file, options));
    }
    let options = parse_options(&file)?;
    Ok((file, options))
}

fn parse_options(file: &ConfigFile) -> Result<Options, UserError> {
    toml::from_str(&file.source).map_err(|err| UserError::from_toml(&file.path, &file.source, &err))
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
            None => match discover(&start)? {
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
        let dirs: Vec<PathBuf> = configs
            .iter()
            .map(|file| {
                let dir = file.path.parent().map_or_else(|| root.clone(), Path::to_path_buf);
                dir.canonicalize().unwrap_or(dir)
            })
            .collect();
        let merged = layers::merge(options);
        let error_at = |at: At, message: String| configs[at.file].error(Some(at.offset), message);
        let written_at = |list: &Strings, index: usize| At {
            file: list.file,
            offset: list.value.get(index).map_or(0, |value| value.span().start),
        };
        // A glob list as written (relative to its file), else the default (relative to the root).
        let config_globs = |list: &Option<Strings>, default: &[&str]| match list {
            Some(list) => {
                let patterns: Vec<String> = list.value.iter().map(|s| s.get_ref().clone()).collect();
                compile_globs(&dirs[list.file], &patterns, &|index, message| error_at(written_at(list, index), message))
            }
            None => {
                let patterns: Vec<String> = default.iter().map(|s| (*s).to_string()).collect();
                compile_globs(&root, &patterns, &|_, message| UserError::new(message))
            }
        };

        let mut exclude = vec![config_globs(&merged.exclude, &[])?];
        if !overrides.exclude.is_empty() {
            // Relative to the project root, as the configuration's: the result does not depend on
            // where ssot runs from.
            exclude.push(compile_globs(&root, &overrides.exclude, &|_, message| {
                UserError::new(format!("--exclude: {message}"))
            })?);
        }
        let test = config_globs(&merged.test, &DEFAULT_TEST_GLOBS)?;
        let other = config_globs(&merged.other, &[])?;

        let written_ids = |list: &Strings| {
            list.value
                .iter()
                .map(|s| (s.get_ref().clone(), Some(At { file: list.file, offset: s.span().start })))
                .collect::<Vec<_>>()
        };
        let mut selection = RuleSelection::default();
        if !overrides.select.is_empty() {
            selection.select = Some(overrides.select.iter().map(|id| (id.clone(), None)).collect());
        } else if let Some(list) = &merged.select {
            if !list.value.is_empty() {
                selection.select = Some(written_ids(list));
                selection.select_from_config = true;
            }
        }
        selection.ignore = merged.ignore.as_ref().map(written_ids).unwrap_or_default();
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

        let mut per_file_ignores = Vec::new();
        for (glob, ids) in merged.per_file_ignores.values() {
            let at = At { file: ids.file, offset: glob.span().start };
            let globs = compile_globs(&dirs[ids.file], std::slice::from_ref(glob.get_ref()), &|_, message| {
                error_at(at, format!("rules.per-file-ignores: {message}"))
            })?;
            per_file_ignores.push(PerFileIgnore { globs, rules: written_ids(ids) });
        }

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
            rule_dirs,
            rule_tables: merged.rule_tables,
            require_reason: merged.require_reason.unwrap_or(false),
            per_file_ignores,
            cache: !overrides.no_cache,
            fast_path: !overrides.no_fast_path,
            source_roots,
            languages,
            progress: !overrides.no_progress,
            stdin: None,
            timings: None,
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

    pub fn is_excluded(&self, path: &Path) -> bool {
        self.exclude.iter().any(|globs| globs.is_match(path))
    }

    /// Whether `rules.per-file-ignores` keeps the rule `id` from being reported in the absolute
    /// `path`.
    pub fn ignores(&self, path: &Path, id: &str) -> bool {
        self.per_file_ignores
            .iter()
            .any(|entry| entry.rules.iter().any(|(rule, _)| rule == id) && entry.globs.is_match(path))
    }

    /// The category of the absolute `path`.
    pub fn category(&self, path: &Path) -> crate::diagnostic::Category {
        use crate::diagnostic::Category;
        if self.test.is_match(path) {
            Category::Test
        } else if self.other.is_match(path) {
            Category::Other
        } else {
            Category::Production
        }
    }
}

/// The project root without a configuration file, and whether it is scanned whole: the top of
/// the git work tree holding `start` (not one whose ignore files ignore `start`: git keeps
/// nothing there), scanned whole; else the current directory when it holds `start`, else
/// `start`, of which only the paths named are scanned (a home directory or `/` is no project).
fn unconfigured_root(start: &Path, cwd: &Path) -> (PathBuf, bool) {
    match start.ancestors().find(|dir| dir.join(".git").exists()) {
        Some(top) if !git_ignores(top, start) => (top.to_path_buf(), true),
        _ if start.starts_with(cwd) => (cwd.to_path_buf(), false),
        _ => (start.to_path_buf(), false),
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
