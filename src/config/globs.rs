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
    /// The pattern each glob of the set came from.
    owners: Vec<usize>,
    base: PathBuf,
    patterns: Vec<String>,
}

impl Globs {
    pub fn empty(base: &Path) -> Self {
        Self { set: GlobSet::empty(), owners: Vec::new(), base: base.to_path_buf(), patterns: Vec::new() }
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
        !self.patterns.is_empty() && self.set.is_match(self.relative(path))
    }

    /// Whether a pattern that does not match `dir` matches `path` (inside `dir`): `dir` was named
    /// on the command line, so the patterns that exclude it do not apply below it.
    pub fn is_match_beyond(&self, path: &Path, dir: &Path) -> bool {
        if !self.is_match(path) {
            return false;
        }
        // By pattern: `dir/**` is two globs (`dir/**` and `dir`).
        let patterns = |path: &Path| -> Vec<usize> {
            self.set.matches(self.relative(path)).into_iter().map(|glob| self.owners[glob]).collect()
        };
        let excluding_dir = patterns(dir);
        patterns(path).iter().any(|pattern| !excluding_dir.contains(pattern))
    }

    /// The text a path is matched as: relative to the base, or as it is when outside it.
    fn relative(&self, path: &Path) -> String {
        match path.strip_prefix(&self.base) {
            Ok(relative) => slash_path(relative),
            Err(_) => slash_path(path),
        }
    }
}

/// The patterns of a glob list written as a TOML value (`include = ["a/**"]`), or `None` when it
/// is not a list of strings.
pub(crate) fn glob_list(value: &toml::Value) -> Option<Vec<String>> {
    value.as_array()?.iter().map(|item| item.as_str().map(str::to_string)).collect()
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
    // A pattern may climb out of `base` with leading `../` (a `--config` file in `ci/` naming
    // `../src/**`): the set is then matched from the highest directory any pattern climbs to,
    // and the other patterns are prefixed with the way down to `base`.
    let trimmed: Vec<(usize, &str)> = patterns
        .iter()
        .map(|pattern| {
            let mut rest = pattern.strip_prefix("./").unwrap_or(pattern);
            let mut up = 0;
            while let Some(after) = rest.strip_prefix("../") {
                rest = after;
                up += 1;
            }
            (up, rest)
        })
        .collect();
    let up = trimmed.iter().map(|(up, _)| *up).max().unwrap_or(0);
    let below: Vec<String> =
        base.components().rev().take(up).map(|part| escape(&part.as_os_str().to_string_lossy())).collect();
    let top = base.ancestors().nth(up).filter(|_| below.len() == up);
    let Some(top) = top else {
        let index = trimmed.iter().position(|(climbs, _)| *climbs == up).unwrap_or(0);
        return Err(on_error(index, format!("glob `{}` climbs above the file system's root", patterns[index])));
    };
    let mut builder = GlobSetBuilder::new();
    let mut owners = Vec::new();
    for (index, (climbs, rest)) in trimmed.iter().enumerate() {
        // The directories from `top` down to where this pattern starts.
        let down: Vec<&str> = below.iter().rev().take(up - climbs).map(String::as_str).collect();
        let pattern = if down.is_empty() { rest.to_string() } else { format!("{}/{rest}", down.join("/")) };
        let mut add = |text: &str| -> Result<(), UserError> {
            let glob = GlobBuilder::new(text)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .map_err(|err| on_error(index, format!("invalid glob `{}`: {}", patterns[index], err.kind())))?;
            builder.add(glob);
            owners.push(index);
            Ok(())
        };
        add(&pattern)?;
        if let Some(dir) = pattern.strip_suffix("/**") {
            if !dir.is_empty() {
                add(dir)?;
            }
        }
    }
    let set = builder.build().map_err(|err| on_error(0, format!("invalid globs: {err}")))?;
    Ok(Globs { set, owners, base: top.to_path_buf(), patterns: patterns.to_vec() })
}

/// `name` with the glob syntax in it escaped, to match itself.
fn escape(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if matches!(c, '*' | '?' | '[' | ']' | '{' | '}' | '\\' | '!') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_may_climb_out_of_their_directory() {
        let globs = compile_globs(
            Path::new("/repo/ci"),
            &["../src/**".into(), "local/*.py".into(), "**/gen.py".into()],
            &|_, m| UserError::new(m),
        )
        .unwrap();
        assert!(globs.is_match(Path::new("/repo/src/a/b.py")));
        assert!(globs.is_match(Path::new("/repo/src")));
        assert!(globs.is_match(Path::new("/repo/ci/local/x.py")));
        assert!(!globs.is_match(Path::new("/repo/local/x.py")), "local/ is below ci/");
        assert!(globs.is_match(Path::new("/repo/ci/deep/gen.py")));
        assert!(!globs.is_match(Path::new("/repo/other/gen.py")), "**/ stays below ci/");
        // A directory name holding glob syntax matches itself only.
        let odd = compile_globs(Path::new("/r/[x]"), &["../y".into(), "z".into()], &|_, m| UserError::new(m)).unwrap();
        assert!(odd.is_match(Path::new("/r/[x]/z")));
        assert!(!odd.is_match(Path::new("/r/x/z")));
        assert!(compile_globs(Path::new("/a"), &["../../x".into()], &|_, m| UserError::new(m)).is_err());
    }
}
