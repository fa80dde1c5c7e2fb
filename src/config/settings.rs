//! Resolves [`Options`] and command-line arguments into [`Settings`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use toml::Spanned;

use super::options::{PyProject, RuleTable};
use super::{Options, DEFAULT_MAX_FILE_SIZE, DEFAULT_PARSE_TIMEOUT_MS, DEFAULT_TEST_GLOBS};
use crate::{path_text, UserError};

/// A configuration file that was read: where it is and its text, to locate errors in it.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub source: String,
}

impl ConfigFile {
    /// An error at byte `offset` of this file.
    pub fn error(&self, offset: Option<usize>, message: impl Into<String>) -> UserError {
        UserError::at(&self.path, &self.source, offset, message)
    }
}

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
    pub select: Option<Vec<(String, Option<usize>)>>,
    pub ignore: Vec<(String, Option<usize>)>,
    /// Whether `select`/`ignore` entries came from the config file (spans) or the command line.
    pub select_from_config: bool,
}

/// The default source roots: the project root (the configuration's directory, else the top of
/// the git work tree holding `root`, else `root`), then its `src/` when that holds a package or a
/// module.
fn default_source_roots(config_dir: Option<&Path>, root: &Path) -> Vec<PathBuf> {
    let project = config_dir
        .map(Path::to_path_buf)
        .or_else(|| root.ancestors().find(|dir| dir.join(".git").exists()).map(Path::to_path_buf))
        .unwrap_or_else(|| root.to_path_buf());
    let project = project.canonicalize().unwrap_or(project);
    let mut roots = vec![project.clone()];
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
    /// Diagnostic paths are relative to this directory (absolute, canonical).
    pub root: PathBuf,
    /// What to scan (absolute, canonical): directories are walked, files scanned as given.
    pub paths: Vec<PathBuf>,
    /// The configuration file in use, if any.
    pub config: Option<ConfigFile>,
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
    pub rule_dirs: Vec<(PathBuf, Option<usize>)>,
    /// `[rules.<rule-id>]` tables.
    pub rule_tables: BTreeMap<String, Spanned<RuleTable>>,
    /// Base directory of the globs in the configuration file (for rule option globs).
    pub glob_base: PathBuf,
    /// `rules.require-reason`.
    pub require_reason: bool,
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

/// An editor's unsaved buffer (`check --stdin-filename PATH -`): analysed in place of the file at
/// `path`, which it is reported as.
#[derive(Debug)]
pub struct StdinBuffer {
    /// Absolute.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// The project a file belongs to: the directory of the nearest configuration above `start`
/// (`ssot.toml`, or `pyproject.toml` with `[tool.ssot]`), else the top of the git work tree
/// holding it, else `fallback`.
pub fn project_dir(start: &Path, fallback: &Path) -> Result<PathBuf, UserError> {
    if let Some((file, _)) = discover(start)? {
        if let Some(dir) = file.path.parent() {
            return Ok(dir.to_path_buf());
        }
    }
    Ok(start.ancestors().find(|dir| dir.join(".git").exists()).unwrap_or(fallback).to_path_buf())
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

fn canonical(cwd: &Path, path: &Path) -> Result<PathBuf, UserError> {
    let joined = cwd.join(path);
    std::fs::canonicalize(&joined).map_err(|err| UserError::new(format!("{}: {err}", path.display())))
}

impl Settings {
    /// Resolves the settings for scanning `paths` from `cwd` with the command-line `overrides`.
    pub fn resolve(cwd: &Path, paths: &[PathBuf], overrides: &Overrides) -> Result<Self, UserError> {
        let cwd = std::fs::canonicalize(cwd)
            .map_err(|err| UserError::new(format!("cannot read the current directory: {err}")))?;
        let paths = if paths.is_empty() { vec![PathBuf::from(".")] } else { paths.to_vec() };
        let paths = paths.iter().map(|path| canonical(&cwd, path)).collect::<Result<Vec<_>, _>>()?;
        let root = scan_root(&cwd, &paths);

        // Globs in a discovered file are relative to its directory; in a --config file, to the
        // current directory (as ruff does).
        let (config, options, glob_base) = match &overrides.config {
            Some(path) => {
                let (file, options) = load_explicit(&cwd.join(path))?;
                (Some(file), options, cwd.clone())
            }
            None => {
                let start = if paths[0].is_dir() { paths[0].clone() } else { root.clone() };
                let found = if overrides.own_config_only {
                    discover_in(std::iter::once(start.as_path()))
                } else {
                    discover(&start)
                };
                match found? {
                    Some((file, options)) => {
                        let base = file.path.parent().map_or_else(|| root.clone(), Path::to_path_buf);
                        (Some(file), options, base)
                    }
                    None => (None, Options::default(), root.clone()),
                }
            }
        };

        let scan = options.scan.unwrap_or_default();
        let rules = options.rules.unwrap_or_default();
        let config_globs = |list: Option<Vec<Spanned<String>>>, default: &[&str]| {
            let list = list.unwrap_or_else(|| default.iter().map(|s| Spanned::new(0..0, (*s).to_string())).collect());
            let patterns: Vec<String> = list.iter().map(|s| s.get_ref().clone()).collect();
            let spans: Vec<usize> = list.iter().map(|s| s.span().start).collect();
            let config = config.clone();
            compile_globs(&glob_base, &patterns, &move |index, message| match &config {
                Some(file) => file.error(spans.get(index).copied(), message),
                None => UserError::new(message),
            })
        };

        let mut exclude = vec![config_globs(scan.exclude, &[])?];
        if !overrides.exclude.is_empty() {
            exclude.push(compile_globs(&root, &overrides.exclude, &|_, message| {
                UserError::new(format!("--exclude: {message}"))
            })?);
        }
        let test = config_globs(scan.test, &DEFAULT_TEST_GLOBS)?;
        let other = config_globs(scan.other, &[])?;

        let spanned_ids = |list: Vec<Spanned<String>>| {
            list.into_iter().map(|s| (s.get_ref().clone(), Some(s.span().start))).collect::<Vec<_>>()
        };
        let mut selection = RuleSelection::default();
        if !overrides.select.is_empty() {
            selection.select = Some(overrides.select.iter().map(|id| (id.clone(), None)).collect());
        } else if let Some(list) = rules.select {
            if !list.is_empty() {
                selection.select = Some(spanned_ids(list));
                selection.select_from_config = true;
            }
        }
        selection.ignore = rules.ignore.map(spanned_ids).unwrap_or_default();
        selection.ignore.extend(overrides.ignore.iter().map(|id| (id.clone(), None)));

        // Relative to the configuration file that names them (with `--config` too).
        let roots_base = config.as_ref().and_then(|file| file.path.parent()).unwrap_or(&glob_base).to_path_buf();
        let source_roots = match scan.roots {
            Some(list) => list
                .iter()
                .map(|dir| {
                    roots_base.join(dir.get_ref()).canonicalize().map_err(|err| {
                        let message =
                            format!("scan.roots: `{}` is not a directory ssot can read: {err}", dir.get_ref());
                        match &config {
                            Some(file) => file.error(Some(dir.span().start), message),
                            None => UserError::new(message),
                        }
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            None => default_source_roots(config.as_ref().and_then(|file| file.path.parent()), &root),
        };

        let languages = match scan.languages {
            None => crate::language::Language::ALL.to_vec(),
            Some(list) => {
                let mut languages = Vec::new();
                for name in &list {
                    let Some(language) = crate::language::Language::from_name(name.get_ref()) else {
                        let message = format!(
                            "scan.languages: unknown language `{}`: expected {}",
                            name.get_ref(),
                            crate::language::known_names()
                        );
                        return Err(match &config {
                            Some(file) => file.error(Some(name.span().start), message),
                            None => UserError::new(message),
                        });
                    };
                    languages.push(language);
                }
                languages.sort();
                languages.dedup();
                languages
            }
        };

        let rule_dirs = rules
            .rule_dirs
            .unwrap_or_default()
            .into_iter()
            .map(|dir| (glob_base.join(dir.get_ref()), Some(dir.span().start)))
            .collect();

        Ok(Settings {
            root,
            paths,
            config,
            exclude,
            test,
            other,
            max_file_size: scan.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE),
            parse_timeout: Duration::from_millis(scan.parse_timeout_ms.unwrap_or(DEFAULT_PARSE_TIMEOUT_MS)),
            respect_ignore_files: !overrides.no_ignore,
            hidden: overrides.hidden,
            selection,
            rule_dirs,
            rule_tables: rules.per_rule,
            glob_base,
            require_reason: rules.require_reason.unwrap_or(false),
            cache: !overrides.no_cache,
            fast_path: !overrides.no_fast_path,
            source_roots,
            languages,
            progress: !overrides.no_progress,
            stdin: None,
            timings: None,
        })
    }

    /// An error about something written in the configuration file at byte `offset`; without a
    /// configuration file (the value came from the command line) just the message.
    pub fn config_error(&self, offset: Option<usize>, message: impl Into<String>) -> UserError {
        match (&self.config, offset) {
            (Some(file), Some(_)) => file.error(offset, message),
            _ => UserError::new(message),
        }
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

/// The directory diagnostic paths are relative to: the one directory scanned, the parent of the
/// one file scanned, else the current directory when every path is inside it, else the deepest
/// common ancestor.
fn scan_root(cwd: &Path, paths: &[PathBuf]) -> PathBuf {
    if let [path] = paths {
        if path.is_dir() {
            return path.clone();
        }
        return path.parent().map_or_else(|| cwd.to_path_buf(), Path::to_path_buf);
    }
    if paths.iter().all(|path| path.starts_with(cwd)) {
        return cwd.to_path_buf();
    }
    let mut common = paths[0].clone();
    while !paths.iter().all(|path| path.starts_with(&common)) {
        if !common.pop() {
            break;
        }
    }
    common
}
