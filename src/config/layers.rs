//! `extend`: a configuration file and the files it extends, merged into one set of values, each
//! value remembering which file wrote it (its globs are relative to that file's directory, and an
//! error about it names that file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::globs::{compile_globs, Globs};
use super::options::{Options, PyProject, RuleTable};
use crate::UserError;

/// A configuration file that was read: where it is and its text, to locate errors in it.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub source: String,
}

impl ConfigFile {
    /// `path:line` of byte `offset`, to say where a value was written.
    pub fn place(&self, offset: usize) -> String {
        let before = self.source.get(..offset).unwrap_or(&self.source);
        format!("{}:{}", self.path.display(), before.matches('\n').count() + 1)
    }

    /// An error at byte `offset` of this file.
    pub fn error(&self, offset: Option<usize>, message: impl Into<String>) -> UserError {
        UserError::at(&self.path, &self.source, offset, message)
    }
}

/// The most files one `extend` chain may hold.
const MAX_CHAIN: usize = 32;

/// Where a value was written: the configuration file (an index into the chain, base first) and
/// the byte offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct At {
    pub file: usize,
    pub offset: usize,
}

/// A value and the file that wrote it.
#[derive(Debug, Clone)]
pub(crate) struct Written<T> {
    pub value: T,
    pub file: usize,
}

/// A list of strings, each with where it was written.
pub(crate) type Strings = Written<Vec<Spanned<String>>>;

/// One merged `[rules.<id>]` table: each key's value with where it was written; `at` is the
/// nearest file's table header.
#[derive(Debug, Clone)]
pub struct RuleOptions {
    pub at: At,
    pub values: BTreeMap<String, (toml::Value, At)>,
}

/// Every value of the chain, the nearest file's winning key by key (`[rules.<id>]` tables and
/// `per-file-ignores` merge entry by entry).
#[derive(Debug, Default)]
pub(crate) struct Merged {
    pub exclude: Option<Strings>,
    pub test: Option<Strings>,
    pub other: Option<Strings>,
    pub roots: Option<Strings>,
    pub namespace_packages: Option<Strings>,
    pub languages: Option<Strings>,
    pub max_file_size: Option<u64>,
    pub parse_timeout_ms: Option<u64>,
    pub select: Option<Strings>,
    pub ignore: Option<Strings>,
    pub rule_dirs: Option<Strings>,
    pub require_reason: Option<bool>,
    /// Glob → (the glob as written, its rule ids, the file).
    pub per_file_ignores: BTreeMap<String, (Spanned<String>, Strings)>,
    pub rule_tables: BTreeMap<String, RuleOptions>,
}

/// A configuration file read, with its options.
pub(crate) type Loaded = (ConfigFile, Options);

/// The chain of `file` (with `options`): the files it extends, then itself.
pub(crate) fn chain(
    file: ConfigFile,
    options: Options,
    load: &dyn Fn(&Path) -> Result<Loaded, UserError>,
) -> Result<Vec<Loaded>, UserError> {
    let mut chain = vec![(file, options)];
    loop {
        let (file, options) = chain.last().expect("the chain starts with one file");
        let Some(extend) = &options.extend else { break };
        let dir = file.path.parent().unwrap_or(Path::new("."));
        let target: PathBuf = dir.join(extend.get_ref());
        let error = |message: String| file.error(Some(extend.span().start), message);
        let canonical =
            target.canonicalize().map_err(|err| error(format!("extend: cannot read `{}`: {err}", extend.get_ref())))?;
        let seen = chain.iter().any(|(known, _)| known.path.canonicalize().is_ok_and(|path| path == canonical));
        if seen {
            return Err(error(format!(
                "extend: `{}` extends this file again (a cycle): remove one `extend`",
                extend.get_ref()
            )));
        }
        if chain.len() >= MAX_CHAIN {
            return Err(error(format!("extend: more than {MAX_CHAIN} files extend one another")));
        }
        let next = load(&target)?;
        chain.push(next);
    }
    chain.reverse();
    Ok(chain)
}

/// Merges a chain, base first.
pub(crate) fn merge(chain: Vec<Options>) -> Merged {
    let mut merged = Merged::default();
    for (file, options) in chain.into_iter().enumerate() {
        // A list the file writes replaces the one before.
        let set = |slot: &mut Option<Strings>, value: Option<Vec<Spanned<String>>>| {
            if let Some(value) = value {
                *slot = Some(Written { value, file });
            }
        };
        if let Some(scan) = options.scan {
            set(&mut merged.exclude, scan.exclude);
            set(&mut merged.test, scan.test);
            set(&mut merged.other, scan.other);
            set(&mut merged.roots, scan.roots);
            set(&mut merged.namespace_packages, scan.namespace_packages);
            set(&mut merged.languages, scan.languages);
            merged.max_file_size = scan.max_file_size.or(merged.max_file_size);
            merged.parse_timeout_ms = scan.parse_timeout_ms.or(merged.parse_timeout_ms);
        }
        if let Some(rules) = options.rules {
            set(&mut merged.select, rules.select);
            set(&mut merged.ignore, rules.ignore);
            set(&mut merged.rule_dirs, rules.rule_dirs);
            merged.require_reason = rules.require_reason.or(merged.require_reason);
            for (glob, ids) in rules.per_file_ignores.unwrap_or_default() {
                merged.per_file_ignores.insert(glob.get_ref().clone(), (glob, Written { value: ids, file }));
            }
            for (id, table) in rules.per_rule {
                let at = At { file, offset: table.span().start };
                let table: RuleTable = table.into_inner();
                let entry = merged.rule_tables.entry(id).or_insert_with(|| RuleOptions { at, values: BTreeMap::new() });
                entry.at = at;
                for (key, value) in table {
                    let at = At { file, offset: value.span().start };
                    entry.values.insert(key, (value.into_inner(), at));
                }
            }
        }
    }
    merged
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

/// One entry of `rules.per-file-ignores`.
#[derive(Debug, Clone)]
pub struct PerFileIgnore {
    pub globs: Globs,
    /// Rule ids, each with where it was written.
    pub rules: Vec<(String, Option<At>)>,
}

/// The files of one `extend` chain (base first) and their directories: compiles what they wrote,
/// each value relative to its file, each error naming its file and line.
pub(crate) struct Files<'a> {
    pub configs: &'a [ConfigFile],
    pub dirs: &'a [PathBuf],
    /// Where defaults are relative to.
    pub root: &'a Path,
}

impl Files<'_> {
    pub fn error(&self, at: At, message: String) -> UserError {
        self.configs[at.file].error(Some(at.offset), message)
    }

    /// Where the `index`th entry of `list` was written.
    pub fn at(list: &Strings, index: usize) -> At {
        At { file: list.file, offset: list.value.get(index).map_or(0, |value| value.span().start) }
    }

    /// A glob list as written (relative to its file), else `default` (relative to the root).
    pub fn globs(&self, list: &Option<Strings>, default: &[&str]) -> Result<Globs, UserError> {
        match list {
            Some(list) => {
                let patterns: Vec<String> = list.value.iter().map(|s| s.get_ref().clone()).collect();
                compile_globs(&self.dirs[list.file], &patterns, &|index, message| {
                    self.error(Self::at(list, index), message)
                })
            }
            None => {
                let patterns: Vec<String> = default.iter().map(|s| (*s).to_string()).collect();
                compile_globs(self.root, &patterns, &|_, message| UserError::new(message))
            }
        }
    }

    /// Rule ids as written, each with where.
    pub fn ids(list: &Strings) -> Vec<(String, Option<At>)> {
        list.value.iter().map(|s| (s.get_ref().clone(), Some(At { file: list.file, offset: s.span().start }))).collect()
    }

    /// `rules.select` and `rules.ignore` as written.
    pub fn selection(merged: &Merged) -> RuleSelection {
        let mut selection = RuleSelection::default();
        if let Some(list) = merged.select.as_ref().filter(|list| !list.value.is_empty()) {
            selection.select = Some(Self::ids(list));
            selection.select_from_config = true;
        }
        selection.ignore = merged.ignore.as_ref().map(Self::ids).unwrap_or_default();
        selection
    }

    /// `rules.per-file-ignores`, compiled.
    pub fn per_file_ignores(&self, merged: &Merged) -> Result<Vec<PerFileIgnore>, UserError> {
        let mut entries = Vec::new();
        for (glob, ids) in merged.per_file_ignores.values() {
            let at = At { file: ids.file, offset: glob.span().start };
            let globs = compile_globs(&self.dirs[ids.file], std::slice::from_ref(glob.get_ref()), &|_, message| {
                self.error(at, format!("rules.per-file-ignores: {message}"))
            })?;
            entries.push(PerFileIgnore { globs, rules: Self::ids(ids) });
        }
        Ok(entries)
    }

    /// The directory of each configuration file (canonical).
    pub fn dirs_of(configs: &[ConfigFile], root: &Path) -> Vec<PathBuf> {
        configs
            .iter()
            .map(|file| {
                let dir = file.path.parent().map_or_else(|| root.to_path_buf(), Path::to_path_buf);
                dir.canonicalize().unwrap_or(dir)
            })
            .collect()
    }
}

/// Finds the configuration that applies to `start`: the nearest `ssot.toml`, or `pyproject.toml`
/// with a `[tool.ssot]` table, in `start` or an ancestor.
pub(crate) fn discover(start: &Path) -> Result<Option<(ConfigFile, Options)>, UserError> {
    discover_in(start.ancestors())
}

/// The configuration in the first of `dirs` that has one.
pub(crate) fn discover_in<'a>(
    dirs: impl Iterator<Item = &'a Path>,
) -> Result<Option<(ConfigFile, Options)>, UserError> {
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
pub(crate) fn load_explicit(path: &Path) -> Result<(ConfigFile, Options), UserError> {
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
