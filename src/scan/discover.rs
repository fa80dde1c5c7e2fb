//! Discovery: which files to scan. The `ignore` crate's parallel walker lists the tree (never
//! following symlinks, skipping ssot's own cache directories); which entries it keeps is decided
//! here, as the crate would decide it — `.ignore`, `.gitignore` and git's exclude files of each
//! directory and of the scanned directories' ancestors (also outside a git repository), git's
//! global excludes file, hidden entries unless asked, `scan.exclude`/`--exclude` — except that
//! ssot reads the ignore files itself, through [`crate::fs`]: an ignore file that is not a
//! regular file (a FIFO, a link to `/dev/zero`) or is too large is not read but reported, and the
//! walk goes on as if it were empty. A directory that cannot be read is reported too, so that
//! every file is accounted for. The result is sorted, so nothing downstream depends on thread
//! timing. It also lists the directories the walk read, for the tree snapshot
//! ([`super::snapshot`]).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use ignore::gitignore::{Gitignore, GitignoreBuilder};
use ignore::{Match, WalkBuilder, WalkState};

use crate::config::Settings;

/// What a walk found.
#[derive(Default)]
pub(crate) struct Walk {
    /// Every file to scan, sorted and deduplicated.
    pub files: Vec<PathBuf>,
    /// Walk errors (unreadable directories, ignore files not read, and the like) as (path,
    /// message without the path), sorted.
    pub errors: Vec<(PathBuf, String)>,
    /// Every directory whose entries were read, sorted.
    pub dirs: Vec<PathBuf>,
    /// Those of `dirs` holding an entry named like a configuration file (`ssot.toml`,
    /// `pyproject.toml`), sorted; `None` when not known (a walk from a snapshot).
    pub config_dirs: Option<Vec<PathBuf>>,
}

impl Walk {
    /// The directories that may hold a nested configuration.
    pub(crate) fn candidate_dirs(&self) -> &[PathBuf] {
        self.config_dirs.as_deref().unwrap_or(&self.dirs)
    }
}

/// The most bytes ssot reads of one ignore file. Compiled, ignore patterns take up to about 500
/// times their size in memory (`**` and alternations do); 64 KiB is several times the largest
/// `.gitignore` templates in common use. A larger file is reported and not used.
const IGNORE_LIMIT: u64 = 64 << 10;

/// The most bytes of ignore files ssot reads in one run: every compiled ignore file is kept for
/// the whole walk, so many large ones could take gigabytes. Past it, further ignore files are
/// reported and not used (which of them depends on the walk's order).
const IGNORE_TOTAL_LIMIT: u64 = 2 << 20;

/// The ignore rules one directory holds.
#[derive(Default)]
struct DirRules {
    /// `.ignore`, `.gitignore` and the git exclude file (for a repository's top directory).
    ignore: Option<Gitignore>,
    gitignore: Option<Gitignore>,
    exclude: Option<Gitignore>,
}

/// The rules that apply in a directory: its own (when it has any), then its parent's chain.
/// Shared, so a directory 10,000 levels deep costs one link, not 10,000 lookups per entry.
struct Chain {
    rules: Option<DirRules>,
    parent: Option<Arc<Chain>>,
}

impl Chain {
    /// The rules of the directories from this one up, nearest first, those holding any.
    fn iter(&self) -> impl Iterator<Item = &DirRules> {
        let mut next = Some(self);
        std::iter::from_fn(move || loop {
            let chain = next?;
            next = chain.parent.as_deref();
            if let Some(rules) = &chain.rules {
                return Some(rules);
            }
        })
    }
}

/// The ignore rules of every directory met so far, read on first use.
struct IgnoreRules {
    dirs: RwLock<HashMap<PathBuf, Arc<Chain>>>,
    global: Gitignore,
    /// Ignore files that were not read, with why.
    errors: Mutex<Vec<(PathBuf, String)>>,
    /// Bytes of ignore files read so far ([`IGNORE_TOTAL_LIMIT`]).
    total: std::sync::atomic::AtomicU64,
}

impl IgnoreRules {
    fn new() -> Self {
        // Git's global excludes file, from the user's own configuration (not the scanned tree).
        let (global, _) = Gitignore::global();
        Self {
            dirs: RwLock::new(HashMap::new()),
            global,
            errors: Mutex::new(Vec::new()),
            total: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The chain of rules that applies in `dir`: made for it and for each ancestor not met
    /// yet, from the outermost down (no recursion, however deep the tree).
    fn chain(&self, dir: &Path) -> Arc<Chain> {
        let known = |dir: &Path| self.dirs.read().unwrap_or_else(|e| e.into_inner()).get(dir).cloned();
        if let Some(chain) = known(dir) {
            return chain;
        }
        let mut missing = Vec::new();
        let mut parent = None;
        for ancestor in dir.ancestors() {
            if let Some(chain) = known(ancestor) {
                parent = Some(chain);
                break;
            }
            missing.push(ancestor);
        }
        for dir in missing.into_iter().rev() {
            let exclude = git_excludes(dir, Git::of(dir)).into_iter().find(|path| path.ends_with("info/exclude"));
            let rules = DirRules {
                ignore: self.read(dir, &dir.join(".ignore")),
                gitignore: self.read(dir, &dir.join(".gitignore")),
                exclude: exclude.and_then(|file| self.read(dir, &file)),
            };
            let any = rules.ignore.is_some() || rules.gitignore.is_some() || rules.exclude.is_some();
            let chain = Arc::new(Chain { rules: any.then_some(rules), parent });
            let chain =
                self.dirs.write().unwrap_or_else(|e| e.into_inner()).entry(dir.to_path_buf()).or_insert(chain).clone();
            parent = Some(chain);
        }
        parent.expect("a path has at least itself as an ancestor")
    }

    /// The rules of the ignore file `file` for the directory `dir`: `None` when there is none or
    /// it holds none; reported when it exists but cannot be read safely.
    fn read(&self, dir: &Path, file: &Path) -> Option<Gitignore> {
        let report =
            |message: String| self.errors.lock().unwrap_or_else(|e| e.into_inner()).push((file.to_path_buf(), message));
        let bytes = match crate::fs::read(file, IGNORE_LIMIT, crate::fs::Links::Follow) {
            Ok(bytes) => {
                let total = self.total.fetch_add(bytes.len() as u64, std::sync::atomic::Ordering::Relaxed);
                if total + bytes.len() as u64 > IGNORE_TOTAL_LIMIT {
                    report(format!(
                        "ignore file not used, so it ignores nothing: the tree's ignore files hold more than \
                         {IGNORE_TOTAL_LIMIT} bytes in all"
                    ));
                    return None;
                }
                bytes
            }
            Err(crate::fs::ReadError::Missing) => return None,
            // Nothing there that can be looked at (a directory that cannot be searched): the
            // walker reports the directory itself.
            Err(_) if std::fs::symlink_metadata(file).is_err() => return None,
            Err(err) => {
                report(format!("ignore file not read, so it ignores nothing: {err}"));
                return None;
            }
        };
        let mut builder = GitignoreBuilder::new(dir);
        // As git: a leading byte-order mark is dropped; bytes that are not UTF-8 spoil only
        // their own line (the `ignore` crate stopped reading the file there).
        let text = String::from_utf8_lossy(&bytes);
        for line in text.strip_prefix('\u{feff}').unwrap_or(&text).lines() {
            // A malformed glob is skipped, as git and the `ignore` crate skip it.
            let _ = builder.add_line(Some(file.to_path_buf()), line);
        }
        match builder.build() {
            Ok(rules) => Some(rules).filter(|rules| !rules.is_empty()),
            Err(err) => {
                report(format!("ignore file not used, so it ignores nothing: {err}"));
                None
            }
        }
    }

    /// Whether the ignore files say to skip (`Some(true)`), to keep even if hidden
    /// (`Some(false)`) or nothing about `path`: the nearest directory's `.ignore` rule first,
    /// then the nearest `.gitignore` rule, then the nearest exclude file's, then the global
    /// excludes — the `ignore` crate's order.
    fn matched(&self, path: &Path, is_dir: bool) -> Option<bool> {
        let chain = self.chain(path.parent()?);
        let first = |pick: fn(&DirRules) -> Option<&Gitignore>| {
            chain.iter().find_map(|rules| match pick(rules)?.matched(path, is_dir) {
                Match::None => None,
                other => Some(other.is_ignore()),
            })
        };
        first(|rules| rules.ignore.as_ref())
            .or_else(|| first(|rules| rules.gitignore.as_ref()))
            .or_else(|| first(|rules| rules.exclude.as_ref()))
            .or_else(|| match self.global.matched(path, is_dir) {
                Match::None => None,
                other => Some(other.is_ignore()),
            })
    }
}

/// Whether an entry's name marks it hidden.
fn is_hidden(path: &Path) -> bool {
    path.file_name().is_some_and(|name| name.as_encoded_bytes().first() == Some(&b'.'))
}

/// Whether the walk keeps an entry below a walk root: a source file of a scanned language or a
/// directory, not excluded, not ssot's cache, not ignored, not hidden (unless asked).
/// `forced`: named directories that are excluded themselves; what they hold is not excluded by
/// the patterns that exclude them (the user asked for it), only by the others.
fn keeps(settings: &Settings, rules: &IgnoreRules, forced: &[PathBuf], path: &Path, is_dir: bool) -> bool {
    if !(is_dir || settings.is_source(path)) {
        // Other files are never collected anyway.
        return true;
    }
    // ssot's own cache directories are never scanned (they matter with `--hidden`: walking one
    // would see it change on every run).
    if is_dir && path.file_name().is_some_and(|name| name == ".ssot_cache") {
        return false;
    }
    let excluded = match forced.iter().filter(|dir| path.starts_with(dir)).max() {
        Some(dir) => settings.is_excluded_below(path, dir),
        None => settings.is_excluded(path),
    };
    if excluded {
        return false;
    }
    let matched = if settings.respect_ignore_files { rules.matched(path, is_dir) } else { None };
    match matched {
        Some(ignored) => !ignored,
        None => settings.hidden || !is_hidden(path),
    }
}

/// What the walk starts from: the paths named when the project is not scanned whole
/// ([`Settings::whole_project`]); else the project root, and each path named that the project's
/// walk would not reach (a file whatever its name or exclusion, a directory that is
/// excluded, ignored or hidden, or one inside such a directory), sorted. A buffer read from stdin
/// is not one: the scan adds it (alone, when the project is not scanned whole: as the file named,
/// so an editor's buffer gets what `ssot check FILE` says, and a fallback root such as a home
/// directory is never walked).
pub(crate) fn walk_roots(settings: &Settings) -> Vec<PathBuf> {
    // The usual run names the project root: no ignore file need be read to know it (the tree
    // snapshot asks for these roots several times a run).
    if settings.whole_project && settings.names_root() {
        return vec![settings.root.clone()];
    }
    walk_roots_with(settings, &IgnoreRules::new())
}

fn walk_roots_with(settings: &Settings, rules: &IgnoreRules) -> Vec<PathBuf> {
    let is_buffer = |path: &PathBuf| settings.stdin.as_ref().is_some_and(|buffer| buffer.path == *path);
    if !settings.whole_project {
        let mut roots: Vec<PathBuf> = settings.paths.iter().filter(|path| !is_buffer(path)).cloned().collect();
        roots.sort();
        roots.dedup();
        return roots;
    }
    let mut roots = vec![settings.root.clone()];
    for path in &settings.paths {
        if *path == settings.root || is_buffer(path) {
            continue;
        }
        let is_dir = path.is_dir();
        let reached = walk_keeps(settings, rules, path, is_dir)
            && (is_dir || (settings.is_source(path) && std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_symlink())));
        if !reached {
            roots.push(path.clone());
        }
    }
    roots.sort();
    roots.dedup();
    roots
}

/// Whether the project's walk keeps `path` and every directory on the way to it from the root
/// (exclusions, ignore files, hidden entries); whether it exists is not asked.
fn walk_keeps(settings: &Settings, rules: &IgnoreRules, path: &Path, is_dir: bool) -> bool {
    let Ok(relative) = path.strip_prefix(&settings.root) else { return false };
    let mut walked = settings.root.clone();
    relative.components().all(|part| {
        walked.push(part);
        let is_dir = walked != *path || is_dir;
        keeps(settings, rules, &[], &walked, is_dir)
    })
}

/// Whether the file at `path` belongs to the project as its walk sees it: a source file the walk
/// would reach (or, once it is written, will). For an editor's buffer of a file that may not be
/// on disk yet.
pub(crate) fn reaches(settings: &Settings, path: &Path) -> bool {
    settings.is_source(path) && walk_keeps(settings, &IgnoreRules::new(), path, false)
}

/// Walks the project (see [`walk_roots`]).
pub(crate) fn discover(settings: &Settings) -> Walk {
    let rules = Arc::new(IgnoreRules::new());
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    let roots = walk_roots_with(settings, &rules);
    let forced: Vec<PathBuf> = roots
        .iter()
        .filter(|dir| **dir != settings.root && dir.is_dir() && settings.is_excluded(dir))
        .cloned()
        .collect();
    for path in roots {
        if path.is_dir() {
            dirs.push(path);
        } else {
            // A file named on the command line is scanned whatever its name or exclusion.
            files.push(path);
        }
    }
    let found = Mutex::new(Vec::new());
    let errors = Mutex::new(Vec::new());
    let read_dirs = Mutex::new(Vec::new());
    let config_dirs = Arc::new(Mutex::new(Vec::new()));
    if let Some((first, rest)) = dirs.split_first() {
        let mut builder = WalkBuilder::new(first);
        for dir in rest {
            builder.add(dir);
        }
        // The walker reads no ignore file itself and hides nothing: `keep` decides.
        builder.standard_filters(false).follow_links(false);
        let exclude_settings = settings.clone();
        let filter_rules = rules.clone();
        let configs = config_dirs.clone();
        let keep = move |entry: &ignore::DirEntry| -> bool {
            // Every entry of every directory read passes here, ignored or not: where the
            // configuration files are is known without asking each directory.
            if matches!(entry.file_name().to_str(), Some("ssot.toml" | "pyproject.toml")) {
                if let Some(parent) = entry.path().parent() {
                    configs.lock().unwrap_or_else(|e| e.into_inner()).push(parent.to_path_buf());
                }
            }
            // Roots are always walked.
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            entry.depth() == 0 || keeps(&exclude_settings, &filter_rules, &forced, entry.path(), is_dir)
        };
        builder.filter_entry(keep);
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
                        } else if file_type.is_some_and(|t| !t.is_symlink()) && settings.is_source(entry.path()) {
                            // Special files (FIFOs, sockets, devices) too: the analysis reports
                            // them as not read. Links are not followed.
                            found.lock().unwrap_or_else(|e| e.into_inner()).push(entry.into_path());
                        }
                    }
                    Err(err) => {
                        let (path, message) = match error_path(&err) {
                            Some((path, inner)) => (path, inner.to_string()),
                            None => (PathBuf::new(), err.to_string()),
                        };
                        errors.lock().unwrap_or_else(|e| e.into_inner()).push((path, message));
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
    errors.extend(rules.errors.lock().unwrap_or_else(|e| e.into_inner()).drain(..));
    errors.sort();
    errors.dedup();
    let mut dirs = read_dirs.into_inner().unwrap_or_else(|e| e.into_inner());
    dirs.sort();
    dirs.dedup();
    let mut config_dirs = std::mem::take(&mut *config_dirs.lock().unwrap_or_else(|e| e.into_inner()));
    config_dirs.sort();
    config_dirs.dedup();
    Walk { files, errors, dirs, config_dirs: Some(config_dirs) }
}

/// The path a walk error is about, and the error without it.
fn error_path(err: &ignore::Error) -> Option<(PathBuf, &ignore::Error)> {
    match err {
        ignore::Error::WithPath { path, err } => Some((path.clone(), err)),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => error_path(err),
        _ => None,
    }
}

/// What a `.git` entry is: absent, a repository's directory, or a file linking a worktree or a
/// submodule to a git directory elsewhere.
#[derive(Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) enum Git {
    Absent,
    Dir,
    File,
}

impl Git {
    pub(crate) fn of(dir: &Path) -> Self {
        match std::fs::symlink_metadata(dir.join(".git")) {
            Ok(metadata) if metadata.is_dir() => Git::Dir,
            Ok(_) => Git::File,
            Err(_) => Git::Absent,
        }
    }
}

/// The files that decide which exclude file the walker reads for `dir`, whose `.git` is `git`:
/// a repository's `.git/info/exclude`; for a `.git` file, the file itself, its git directory's
/// `commondir` and the exclude file that names, found the way the `ignore` crate finds it.
pub(crate) fn git_excludes(dir: &Path, git: Git) -> Vec<PathBuf> {
    match git {
        Git::Absent => Vec::new(),
        Git::Dir => vec![dir.join(".git/info/exclude")],
        Git::File => {
            let link = dir.join(".git");
            let mut found = vec![link.clone()];
            let first_line = |path: &Path| {
                let text = crate::fs::read_text(path, crate::fs::CONFIG_LIMIT).ok()?;
                text.lines().next().map(str::to_string)
            };
            if let Some(git_dir) = first_line(&link).and_then(|line| line.strip_prefix("gitdir: ").map(PathBuf::from)) {
                let commondir = git_dir.join("commondir");
                if let Some(common) = first_line(&commondir) {
                    let common = if common.starts_with('.') { git_dir.join(common) } else { PathBuf::from(common) };
                    found.push(common.join("info/exclude"));
                }
                found.push(commondir);
            }
            found
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Overrides;

    /// The files the `ignore` crate's own walker keeps, configured as ssot configured it before
    /// ssot read ignore files itself: the oracle for [`discover`].
    fn crate_walk(settings: &Settings) -> Vec<PathBuf> {
        let mut builder = WalkBuilder::new(&settings.paths[0]);
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
        let exclude = settings.clone();
        builder.filter_entry(move |entry| {
            entry.depth() == 0
                || !(exclude.is_excluded(entry.path())
                    || (entry.file_name() == ".ssot_cache" && entry.file_type().is_some_and(|t| t.is_dir())))
        });
        let mut files: Vec<PathBuf> = builder
            .build()
            .flatten()
            .filter(|entry| entry.file_type().is_some_and(|t| t.is_file()) && settings.is_source(entry.path()))
            .map(|entry| entry.into_path())
            .collect();
        files.sort();
        files
    }

    fn settings(root: &Path, hidden: bool, no_ignore: bool) -> Settings {
        let overrides = Overrides { hidden, no_ignore, ..Overrides::default() };
        Settings::resolve(root, &[root.to_path_buf()], &overrides).unwrap()
    }

    #[test]
    fn keeps_what_the_ignore_crate_keeps() {
        let dir = tempfile::tempdir().unwrap();
        let outer = dir.path().canonicalize().unwrap();
        let root = outer.join("repo");
        let files = [
            "a.py",
            "ignored.py",
            "kept_by_negation.py",
            "build/x.py",
            "pkg/a.py",
            "pkg/local_only.py",
            "pkg/deep/b.py",
            "pkg/deep/generated_1.py",
            "pkg/deep/keep_generated.py",
            "pkg/.hidden.py",
            ".github/scripts/ci.py",
            ".hidden_dir/x.py",
            "excluded_by_git.py",
            "dot_ignore_wins.py",
            "sub/.ignore_child.py",
            "sub/only_dirs/x.py",
            "sub/only_dirs.py",
            "outer_ignored.py",
            "docs/conf.py",
        ];
        for file in files {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, "X = 1\n").unwrap();
        }
        let write = |path: &str, text: &str| std::fs::write(outer.join(path), text).unwrap();
        write(".gitignore", "outer_ignored.py\n");
        write("repo/.gitignore", "ignored.py\n/build/\n*.py[cod]\n!kept_by_negation.py\nkept_by_negation.py\n!kept_by_negation.py\n!.github/\ndot_ignore_wins.py\n[broken\n");
        write("repo/.ignore", "!dot_ignore_wins.py\n");
        write("repo/pkg/.gitignore", "\u{feff}local_only.py\r\ngenerated_*.py\n");
        write("repo/pkg/deep/.gitignore", "!keep_generated.py\nkeep_*.py\n!keep_generated.py\n");
        write("repo/sub/.gitignore", "only_dirs/\n");
        std::fs::create_dir_all(root.join(".git/info")).unwrap();
        write("repo/.git/info/exclude", "excluded_by_git.py\n/docs\n");
        for (hidden, no_ignore) in [(false, false), (true, false), (false, true), (true, true)] {
            let settings = settings(&root, hidden, no_ignore);
            assert_eq!(discover(&settings).files, crate_walk(&settings), "hidden {hidden}, no-ignore {no_ignore}");
        }
        // The negations did something (the comparison is not between two empty lists).
        let kept = discover(&settings(&root, false, false)).files;
        assert!(kept.contains(&root.join("kept_by_negation.py")) && kept.contains(&root.join(".github/scripts/ci.py")));
        assert!(!kept.contains(&root.join("ignored.py")) && !kept.contains(&root.join("outer_ignored.py")));
    }

    /// The oracle on a real tree: this repository (sources, tests, Python fixtures, `target/`
    /// ignored by its `.gitignore`).
    #[test]
    fn keeps_what_the_ignore_crate_keeps_in_this_repository() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).canonicalize().unwrap();
        let settings = settings(&root, false, false);
        let ours = discover(&settings).files;
        assert!(ours.len() > 20, "{}", ours.len());
        assert_eq!(ours, crate_walk(&settings));
    }

    /// Every compiled ignore file lives as long as the walk: past a total, the rest are
    /// reported and not used (once 480 files of 64 KiB took 4.5 GB).
    #[test]
    fn ignore_files_beyond_the_total_limit_are_reported_and_not_used() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let text: String = (0..4_000).map(|i| format!("gen_{i}_*.py\n")).collect();
        assert!(text.len() < IGNORE_LIMIT as usize);
        let dirs = (IGNORE_TOTAL_LIMIT / text.len() as u64 + 3) as usize;
        for d in 0..dirs {
            let sub = root.join(format!("d{d:03}"));
            std::fs::create_dir_all(&sub).unwrap();
            std::fs::write(sub.join(".gitignore"), &text).unwrap();
            std::fs::write(sub.join("gen_1_x.py"), "").unwrap();
            std::fs::write(sub.join("kept.py"), "").unwrap();
        }
        let walk = discover(&settings(&root, false, false));
        let over: Vec<&PathBuf> =
            walk.errors.iter().filter(|(_, reason)| reason.contains("in all")).map(|(path, _)| path).collect();
        assert!((1..=3).contains(&over.len()), "{} of {dirs} over the limit", over.len());
        // Each directory's `gen_1_x.py` is ignored exactly when its ignore file was used.
        for d in 0..dirs {
            let sub = root.join(format!("d{d:03}"));
            let used = !over.contains(&&sub.join(".gitignore"));
            assert_eq!(walk.files.contains(&sub.join("gen_1_x.py")), !used, "{}", sub.display());
            assert!(walk.files.contains(&sub.join("kept.py")));
        }
    }

    #[cfg(unix)]
    #[test]
    fn ignore_files_that_are_not_regular_files_are_reported_and_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("a.py"), "").unwrap();
        std::fs::write(root.join("sub/b.py"), "").unwrap();
        std::os::unix::fs::symlink("/dev/zero", root.join(".gitignore")).unwrap();
        let fifo = std::ffi::CString::new(root.join("sub/.ignore").to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
        // An ignore file too large to be a real one (compiled, its patterns could take gigabytes).
        std::fs::create_dir_all(root.join("big")).unwrap();
        std::fs::write(root.join("big/c.py"), "").unwrap();
        std::fs::write(root.join("big/.gitignore"), "c.py\n".repeat(20_000)).unwrap();
        let walk = discover(&settings(&root, false, false));
        assert_eq!(walk.files, [root.join("a.py"), root.join("big/c.py"), root.join("sub/b.py")]);
        let reported: Vec<&Path> = walk.errors.iter().map(|(path, _)| path.as_path()).collect();
        assert_eq!(reported, [root.join(".gitignore"), root.join("big/.gitignore"), root.join("sub/.ignore")]);
        let reasons: Vec<&str> = walk.errors.iter().map(|(_, reason)| reason.as_str()).collect();
        assert!(
            reasons[0].contains("character device") && reasons[1].contains("too large") && reasons[2].contains("FIFO"),
            "{reasons:?}"
        );
    }
}
