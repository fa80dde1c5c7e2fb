//! Globs as configuration files and the command line write them: compiled once, matched against
//! paths relative to the directory of the file that wrote them.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::UserError;

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
