//! `extend`: a configuration file and the files it extends, merged into one set of values, each
//! value remembering which file wrote it (its globs are relative to that file's directory, and an
//! error about it names that file).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::Spanned;

use super::options::{Options, RuleTable};
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
