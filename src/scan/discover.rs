//! Discovery: which files to scan. The `ignore` crate's parallel walker honours `.gitignore`,
//! `.ignore` and git excludes (also outside a git repository), skips hidden entries unless asked,
//! never follows symlinks, and applies `scan.exclude`/`--exclude`. The result is sorted, so
//! nothing downstream depends on thread timing. It also lists the directories the walk read, for
//! the tree snapshot ([`super::snapshot`]).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ignore::{WalkBuilder, WalkState};

use crate::config::Settings;

/// Whether `path` is a Python file by name.
pub(crate) fn is_python(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "py" || ext == "pyi")
}

/// What a walk found.
#[derive(Default)]
pub(crate) struct Walk {
    /// Every file to scan, sorted and deduplicated.
    pub files: Vec<PathBuf>,
    /// Walk errors (unreadable directories and the like) as (path, message).
    pub errors: Vec<(PathBuf, String)>,
    /// Every directory whose entries were read, sorted.
    pub dirs: Vec<PathBuf>,
}

/// Walks everything `settings` names.
pub(crate) fn discover(settings: &Settings) -> Walk {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for path in &settings.paths {
        if path.is_dir() {
            dirs.push(path.clone());
        } else {
            // A file named on the command line is scanned whatever its name or exclusion.
            files.push(path.clone());
        }
    }
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let read_dirs = Mutex::new(Vec::new());
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = WalkBuilder::new(first);
        for dir in rest {
            builder.add(dir);
        }
        let respect = settings.respect_ignore_files;
        builder
            .hidden(!settings.hidden)
            .parents(respect)
            .ignore(respect)
            .git_ignore(respect)
            .git_global(respect)
            .git_exclude(respect)
            .require_git(false)
            .follow_links(false);
        let exclude_settings = settings.clone();
        // ssot's own cache directories are never scanned (they matter with `--hidden`: walking
        // one would see it change on every run).
        builder.filter_entry(move |entry| {
            entry.depth() == 0
                || !(exclude_settings.is_excluded(entry.path())
                    || (entry.file_name() == ".ssot_cache" && entry.file_type().is_some_and(|t| t.is_dir())))
        });
        builder.build_parallel().run(|| {
            let found = &found;
            let errors = &errors;
            let read_dirs = &read_dirs;
            Box::new(move |result| {
                match result {
                    Ok(entry) => {
                        let file_type = entry.file_type();
                        if file_type.is_some_and(|t| t.is_dir()) {
                            read_dirs.lock().unwrap_or_else(|e| e.into_inner()).push(entry.into_path());
                        } else if file_type.is_some_and(|t| t.is_file()) && is_python(entry.path()) {
                            found.lock().unwrap_or_else(|e| e.into_inner()).push(entry.into_path());
                        }
                    }
                    Err(err) => {
                        let path = error_path(&err).unwrap_or_default();
                        errors.lock().unwrap_or_else(|e| e.into_inner()).push((path, err.to_string()));
                    }
                }
                WalkState::Continue
            })
        });
    }
    files.extend(found.into_inner().unwrap_or_else(|e| e.into_inner()));
    files.sort();
    files.dedup();
    let mut errors = errors.into_inner().unwrap_or_else(|e| e.into_inner());
    errors.sort();
    let mut dirs = read_dirs.into_inner().unwrap_or_else(|e| e.into_inner());
    dirs.sort();
    Walk { files, errors, dirs }
}

fn error_path(err: &ignore::Error) -> Option<PathBuf> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}
