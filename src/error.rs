//! Errors in what a user wrote (configuration files, rule files, arguments): they stop the run
//! with exit status 2 and name the file, the line and column, and what to change.

use std::fmt;
use std::path::{Path, PathBuf};

/// A mistake in a file the user controls, located precisely enough to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserError {
    /// The file at fault, if any (arguments have none).
    pub path: Option<PathBuf>,
    /// 1-based line and column in that file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        Self { path: None, position: None, message: message.into() }
    }

    /// An error at byte `offset` of `source`, the text of the file at `path`.
    pub fn at(path: &Path, source: &str, offset: Option<usize>, message: impl Into<String>) -> Self {
        let position = offset.map(|offset| crate::text::line_column(source, offset));
        Self { path: Some(path.to_path_buf()), position, message: message.into() }
    }

    /// Converts a TOML deserialization error of the file at `path`, naming the key at fault.
    pub fn from_toml(path: &Path, source: &str, err: &toml::de::Error) -> Self {
        let offset = err.span().map(|span| span.start);
        let message = err.message().trim().lines().map(str::trim).collect::<Vec<_>>().join("; ");
        let message = match offset.and_then(|offset| key_at(source, offset)) {
            Some(key) => format!("`{key}`: {message}"),
            None => message,
        };
        Self::at(path, source, offset, message)
    }
}

/// The dotted key (`table.key`) written on the line holding byte `offset`, if that line is a
/// `key = value` line.
fn key_at(source: &str, offset: usize) -> Option<String> {
    let offset = offset.min(source.len());
    let line_start = source[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = source[line_start..].lines().next().unwrap_or_default();
    let (key, _) = line.split_once('=')?;
    let key = key.trim().trim_matches('"');
    if key.is_empty() || key.starts_with('[') || key.contains(char::is_whitespace) {
        return None;
    }
    let table = source[..line_start]
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))
        .map(|l| l.trim_start_matches('[').split(']').next().unwrap_or_default().trim().to_string());
    Some(match table {
        Some(table) if !table.is_empty() => format!("{table}.{key}"),
        _ => key.to_string(),
    })
}

/// `path` relative to the current directory when it is inside it.
fn shown(path: &Path) -> std::borrow::Cow<'_, Path> {
    match std::env::current_dir().ok().and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf)) {
        Some(relative) if !relative.as_os_str().is_empty() => std::borrow::Cow::Owned(relative),
        _ => std::borrow::Cow::Borrowed(path),
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.position) {
            (Some(path), Some((line, column))) => {
                write!(f, "{}:{line}:{column}: {}", shown(path).display(), self.message)
            }
            (Some(path), None) => write!(f, "{}: {}", shown(path).display(), self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for UserError {}
