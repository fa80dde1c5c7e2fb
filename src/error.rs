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

    /// Converts a TOML deserialization error of the file at `path`.
    pub fn from_toml(path: &Path, source: &str, err: &toml::de::Error) -> Self {
        let offset = err.span().map(|span| span.start);
        Self::at(path, source, offset, err.message().trim().to_string())
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.path, self.position) {
            (Some(path), Some((line, column))) => {
                write!(f, "{}:{line}:{column}: {}", path.display(), self.message)
            }
            (Some(path), None) => write!(f, "{}: {}", path.display(), self.message),
            _ => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for UserError {}
