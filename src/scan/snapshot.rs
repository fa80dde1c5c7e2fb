//! The tree snapshot: the whole [`Outcome`] of the last scan, stored with what that scan saw of
//! the tree: the [`Stamp`] of every scanned file, of every directory the walk read, and of every
//! file that decides what the walk skips (ignore files, git's exclude files and the git
//! configuration that names them).
//!
//! A run whose files all still have their recorded stamps takes the stored outcome as it is: it
//! reads, analyses and cross-checks nothing. When, in addition, no directory and no ignore file
//! changed, it does not walk the tree either: adding, removing or renaming an entry changes its
//! directory's modification time (git's untracked cache relies on the same). A stamp is trusted
//! only when it settled before the run that recorded it ([`Stamp::settled`]), so a change made
//! during a scan is never hidden. Any other change (a file edited, added or removed) falls back
//! to the per-file result cache ([`super::cache`]), and that run writes a new snapshot.
//!
//! One file per configuration and set of scanned paths, `outcome-<key>.bin` next to the result
//! cache's `results-<key>.bin`, postcard-encoded: a header (the stamps) and then the outcome, so
//! a stale snapshot costs only its header to decode. Written atomically by the last run. The walk
//! is never skipped off Unix, nor where directory stamps do not move ([`TreeState::record`]).

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::cache::{self, Place, Stamp};
use super::discover::{git_excludes, Git, Walk};
use crate::config::Settings;
use crate::diagnostic::{Diagnostic, Outcome, ScannedFile, Skipped};

const VERSION: u32 = 3;

/// A file watched for changes, with its stamp (`None`: it did not exist).
type Watched = (String, Option<Stamp>);

/// A directory with what its `.git` entry is.
type GitEntry = (String, Git);

/// What the last walk saw: the directories it read and the files that decide what it skips.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) struct TreeState {
    /// Directories with their stamps; `None` when the walk cannot be vouched for (a directory
    /// changed during the run, or directory stamps do not move on this filesystem), so the next
    /// run walks.
    dirs: Option<Vec<(String, Stamp)>>,
    /// Ignore files and git configuration with their stamps (`None`: the file did not exist).
    watched: Vec<Watched>,
    /// The `.git` entries of the scanned directories' ancestors (whose stamps are not recorded)
    /// with what they were.
    ancestors_git: Vec<GitEntry>,
    /// Each path named on the command line with whether it was a directory.
    roots: Vec<(String, bool)>,
}

#[derive(Serialize, Deserialize)]
struct Header {
    version: u32,
    /// Everything besides the tree that decides the outcome ([`key`]).
    key: u64,
    tree: TreeState,
    /// The nested configurations the outcome obeyed ([`scopes_key`]): their text decides
    /// categories, rules and severities without changing which files are scanned.
    scopes: u64,
    /// Every scanned path in discovery order, with its stamp.
    files: Vec<(String, Stamp)>,
}

/// The outcome as stored, with its diagnostics in chunks encoded one by one so that they decode
/// in parallel (the diagnostics are most of the work).
#[derive(Serialize)]
struct Body<'a> {
    files: &'a [ScannedFile],
    skipped: &'a [Skipped],
    suppressed: usize,
    rules: &'a [String],
    root: &'a Path,
    chunks: Vec<serde_bytes::ByteBuf>,
}

/// [`Body`] read back.
#[derive(Deserialize)]
struct StoredBody<'a> {
    files: Vec<ScannedFile>,
    skipped: Vec<Skipped>,
    suppressed: usize,
    rules: Vec<String>,
    root: PathBuf,
    /// Borrowed from the file's bytes (a `Vec<u8>` would decode one byte at a time).
    #[serde(borrow)]
    chunks: Vec<&'a serde_bytes::Bytes>,
}

const CHUNK: usize = 2048;

fn encode(outcome: &Outcome) -> Option<Vec<u8>> {
    let chunks: Option<Vec<serde_bytes::ByteBuf>> = outcome
        .diagnostics
        .par_chunks(CHUNK)
        .map(|chunk| postcard::to_stdvec(chunk).ok().map(serde_bytes::ByteBuf::from))
        .collect();
    let body = Body {
        files: &outcome.files,
        skipped: &outcome.skipped,
        suppressed: outcome.suppressed,
        rules: &outcome.rules,
        root: &outcome.root,
        chunks: chunks?,
    };
    postcard::to_stdvec(&body).ok()
}

fn decode(bytes: &[u8]) -> Option<Outcome> {
    let body = postcard::from_bytes::<StoredBody>(bytes).ok()?;
    let files = body.files.len();
    let chunks: Option<Vec<Vec<Diagnostic>>> = body
        .chunks
        .par_iter()
        .map(|chunk| {
            let diagnostics = postcard::from_bytes(chunk).ok();
            crate::diagnostic::interned::clear();
            diagnostics
        })
        .collect();
    // Moved, not cloned (`concat` would clone each diagnostic and drop the chunks).
    let chunks = chunks?;
    let mut diagnostics: Vec<Diagnostic> = Vec::with_capacity(chunks.iter().map(Vec::len).sum());
    for chunk in chunks {
        diagnostics.extend(chunk);
    }
    // A damaged file that still decodes must not point outside the file list.
    let in_range = |d: &Diagnostic| d.file.0 < files && d.related.iter().all(|r| r.file.0 < files);
    if !diagnostics.iter().all(in_range) {
        return None;
    }
    Some(Outcome {
        files: body.files,
        skipped: body.skipped,
        diagnostics,
        suppressed: body.suppressed,
        rules: body.rules,
        root: body.root,
        ..Outcome::default()
    })
}

/// Everything besides the tree's contents that decides the outcome: the result cache's key (the
/// binary, rules, options), what is scanned and how it is walked and classified, and the
/// environment that locates git's global configuration.
fn key(settings: &Settings, place: &Place) -> u64 {
    let globs: Vec<(&[String], &Path)> = settings
        .exclude
        .iter()
        .chain([&settings.test, &settings.other])
        .chain(settings.per_file_ignores.iter().map(|entry| &entry.globs))
        .map(|globs| (globs.patterns(), globs.base()))
        .collect();
    let ignored: Vec<Vec<&str>> =
        settings.per_file_ignores.iter().map(|entry| entry.rules.iter().map(|(id, _)| id.as_str()).collect()).collect();
    // The variables that decide which global git ignore file applies.
    let names = ["HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM"];
    let environment: Vec<Option<std::ffi::OsString>> = names.map(std::env::var_os).into(); // ssot: ignore[direct-env-access] -- they decide which ignore files apply
    cache::hash_of((
        place.key(),
        (&settings.root, super::discover::walk_roots(settings), settings.respect_ignore_files, settings.hidden),
        &settings.languages,
        globs,
        ignored,
        environment,
    ))
}

/// What the nested configurations of `scoped` (the settings with them, when there are any)
/// decide: each one's directory and the text of every file of its `extend` chain, and the
/// folders that are projects of their own.
pub(crate) fn scopes_key(scoped: Option<&Settings>) -> u64 {
    let Some(scoped) = scoped else { return cache::hash_of(0u8) };
    let scopes: Vec<(&Path, Vec<(&Path, &str)>)> = scoped
        .scopes
        .iter()
        .map(|scope| {
            (
                scope.dir.as_path(),
                scope.configs.iter().map(|file| (file.path.as_path(), file.source.as_str())).collect(),
            )
        })
        .collect();
    cache::hash_of((1u8, scopes, &scoped.subprojects))
}

/// The snapshot a previous run left.
pub(crate) struct Previous {
    place: Place,
    file: PathBuf,
    header: Header,
    bytes: Vec<u8>,
    /// Where the encoded outcome starts in `bytes`.
    body: usize,
}

/// The snapshot file of `key`: one per configuration and set of scanned paths, so that runs over
/// different parts of a tree do not overwrite each other's.
fn file_of(place: &Place, key: u64) -> PathBuf {
    place.dir().join(format!("outcome-{key:016x}.bin"))
}

impl Previous {
    /// The snapshot for these settings, if there is one.
    pub(crate) fn load(settings: &Settings, place: &Place) -> Option<Self> {
        let key = key(settings, place);
        let file = file_of(place, key);
        let bytes = crate::fs::read(&file, crate::fs::CACHE_LIMIT, crate::fs::Links::Refuse).ok()?;
        let (header, rest) = postcard::take_from_bytes::<Header>(&bytes).ok()?;
        if header.version != VERSION || header.key != key {
            return None;
        }
        let body = bytes.len() - rest.len();
        Some(Self { place: place.clone(), file, header, bytes, body })
    }

    /// The files to scan, without walking, when no directory the last walk read and no ignore
    /// file changed since. Only on Unix: elsewhere a stamp has no status change time and the
    /// walk also skips entries by a hidden attribute that changes no stamp.
    pub(crate) fn unchanged_walk(&self) -> Option<Walk> {
        if !cfg!(unix) {
            return None;
        }
        let tree = &self.header.tree;
        let dirs = tree.dirs.as_ref()?;
        let unchanged = tree.roots.iter().all(|(path, dir)| Path::new(path).is_dir() == *dir)
            && tree.ancestors_git.iter().all(|(path, git)| Git::of(Path::new(path)) == *git)
            && dirs.par_iter().all(|(path, stamp)| Stamp::of(Path::new(path)) == Some(*stamp))
            && tree.watched.par_iter().all(|(path, stamp)| Stamp::of(Path::new(path)) == *stamp);
        unchanged.then(|| Walk {
            files: self.header.files.iter().map(|(path, _)| PathBuf::from(path)).collect(),
            errors: Vec::new(),
            dirs: dirs.iter().map(|(path, _)| PathBuf::from(path)).collect(),
            config_dirs: None,
        })
    }

    /// What the last walk saw (valid for this run too when [`Self::unchanged_walk`] said so).
    pub(crate) fn tree(&self) -> TreeState {
        self.header.tree.clone()
    }

    /// The stored outcome, when `files` are exactly the files it came from and each still has
    /// its recorded stamp (`stamps[i]` is the stamp of `files[i]`), and the nested configurations
    /// read by a fresh walk (`scopes`, a [`scopes_key`]) are those it obeyed (after a walk from
    /// the snapshot, `None`: their files are watched, unchanged).
    pub(crate) fn outcome(&self, files: &[PathBuf], stamps: &[Option<Stamp>], scopes: Option<u64>) -> Option<Outcome> {
        let known = &self.header.files;
        if files.len() != known.len() || stamps.len() != known.len() {
            return None;
        }
        if scopes.is_some_and(|scopes| scopes != self.header.scopes) {
            return None;
        }
        let unchanged = files.par_iter().zip(stamps).zip(known).all(|((path, stamp), (known_path, known_stamp))| {
            *stamp == Some(*known_stamp) && path.to_str() == Some(known_path.as_str())
        });
        if !unchanged {
            return None;
        }
        let outcome = decode(&self.bytes[self.body..])?;
        self.place.mark_used(Some(&self.file));
        Some(outcome)
    }

    /// Stores this snapshot's outcome again with what a new walk saw of the tree.
    pub(crate) fn refresh(&self, tree: TreeState) {
        let header = Header {
            version: VERSION,
            key: self.header.key,
            tree,
            scopes: self.header.scopes,
            files: self.header.files.clone(),
        };
        write(&self.file, &header, &self.bytes[self.body..]);
    }
}

impl TreeState {
    /// Stamps what a walk that began at `started` (ns since the epoch) read. The directories
    /// are stamped after the walk: a stamp that settled before the run began proves the
    /// directory did not change while it was read. `cache_dir` is probed first: where creating
    /// an entry does not move a directory's modification time (some network and FUSE
    /// filesystems), directory stamps prove nothing and the walk is not vouched for.
    pub(crate) fn record(settings: &Settings, dirs: &[PathBuf], started: u128, cache_dir: &Path) -> Self {
        let since = started.saturating_sub(cache::SETTLE_NS);
        let roots = super::discover::walk_roots(settings)
            .iter()
            .filter_map(|path| Some((path.to_str()?.to_string(), path.is_dir())))
            .collect();
        let settled = |path: &Path| Stamp::of(path).filter(|stamp| stamp.settled(since));
        let stamped: Option<Vec<(String, Stamp)>> = if directory_stamps_move(cache_dir) {
            dirs.par_iter().map(|dir| Some((dir.to_str()?.to_string(), settled(dir)?))).collect()
        } else {
            None
        };
        let watched = watched(settings, dirs, since).and_then(|(mut watched, ancestors_git)| {
            // The files nested configurations extend, wherever they are and whatever their name.
            let mut extended: Vec<&Path> =
                settings.scopes.iter().flat_map(|scope| &scope.configs).map(|file| file.path.as_path()).collect();
            extended.sort();
            extended.dedup();
            for path in extended {
                let text = path.to_str()?;
                if !watched.iter().any(|(known, _)| known == text) {
                    let stamp = Stamp::of(path);
                    if stamp.is_some_and(|stamp| !stamp.settled(since)) {
                        return None;
                    }
                    watched.push((text.to_string(), stamp));
                }
            }
            Some((watched, ancestors_git))
        });
        match (stamped, watched) {
            (Some(dirs), Some((watched, ancestors_git))) => Self { dirs: Some(dirs), watched, ancestors_git, roots },
            _ => Self { dirs: None, watched: Vec::new(), ancestors_git: Vec::new(), roots },
        }
    }

    /// Whether a run that walks anyway gains anything by storing this state.
    pub(crate) fn vouched(&self) -> bool {
        self.dirs.is_some()
    }
}

/// Whether creating and removing an entry in `dir` moves its modification time.
fn directory_stamps_move(dir: &Path) -> bool {
    let probe = dir.join(format!("probe-{}", std::process::id()));
    let before = Stamp::of(dir);
    let created = crate::fs::create_new(&probe, b"").is_ok();
    let after = Stamp::of(dir);
    let _ = std::fs::remove_file(&probe);
    created && before.is_some() && after.is_some() && before != after
}

/// The files whose contents decide what the walk skips, stamped (`None`: absent), and the
/// ancestors' `.git` entries; `None` when one of the files changed too recently. In each
/// directory read: its `.gitignore` and `.ignore` when they exist, even as dangling links (creating
/// one changes the directory's stamp), and the exclude file of a repository root or of a
/// worktree's linked git directory; in the ancestors of each scanned directory (the walker reads
/// their ignore files too) the same, present or not; and git's global excludes file with the
/// configuration files that may name it.
fn watched(settings: &Settings, dirs: &[PathBuf], since: u128) -> Option<(Vec<Watched>, Vec<GitEntry>)> {
    let settled = |path: &Path| -> Option<Watched> {
        let stamp = Stamp::of(path);
        if stamp.is_some_and(|stamp| !stamp.settled(since)) {
            return None;
        }
        Some((path.to_str()?.to_string(), stamp))
    };
    // Nested configuration files always (they decide categories and rules below them: a change
    // of their text moves no directory's stamp); ignore files when they are honoured.
    let respect = settings.respect_ignore_files;
    let names: &[&str] = if respect {
        &[".gitignore", ".ignore", "ssot.toml", "pyproject.toml"]
    } else {
        &["ssot.toml", "pyproject.toml"]
    };
    let inside: Option<Vec<Vec<Watched>>> = dirs
        .par_iter()
        .map(|dir| {
            let mut found = Vec::new();
            for name in names {
                let path = dir.join(name);
                if std::fs::symlink_metadata(&path).is_ok() {
                    found.push(settled(&path)?);
                }
            }
            if respect {
                for path in git_excludes(dir, Git::of(dir)) {
                    found.push(settled(&path)?);
                }
            }
            Some(found)
        })
        .collect();
    if !respect {
        return Some((inside?.into_iter().flatten().collect(), Vec::new()));
    }
    let mut outside: Vec<PathBuf> = Vec::new();
    let mut ancestors_git = Vec::new();
    for scanned in super::discover::walk_roots(settings).iter().filter(|path| path.is_dir()) {
        for ancestor in scanned.ancestors().skip(1) {
            outside.push(ancestor.join(".gitignore"));
            outside.push(ancestor.join(".ignore"));
            outside.push(ancestor.join(".git/info/exclude"));
            let git = Git::of(ancestor);
            outside.extend(git_excludes(ancestor, git));
            ancestors_git.push((ancestor.to_str()?.to_string(), git));
        }
    }
    outside.extend(ignore::gitignore::gitconfig_excludes_path());
    let var = |name: &str| std::env::var_os(name).filter(|value| !value.is_empty()).map(PathBuf::from); // ssot: ignore[direct-env-access] -- as the `ignore` crate reads them
                                                                                                        // The home directory as the `ignore` crate finds it (`HOME`, else the user database).
    #[allow(deprecated)]
    let home = std::env::home_dir().filter(|home| !home.as_os_str().is_empty());
    outside.extend(var("GIT_CONFIG_GLOBAL"));
    outside.extend(home.as_ref().map(|home| home.join(".gitconfig")));
    outside
        .extend(var("XDG_CONFIG_HOME").or_else(|| home.map(|home| home.join(".config"))).map(|c| c.join("git/config")));
    outside.push(var("GIT_CONFIG_SYSTEM").unwrap_or_else(|| PathBuf::from("/etc/gitconfig")));
    outside.sort();
    outside.dedup();
    let mut watched: Vec<Watched> = inside?.into_iter().flatten().collect();
    for path in &outside {
        watched.push(settled(path)?);
    }
    ancestors_git.sort_by(|a, b| a.0.cmp(&b.0));
    ancestors_git.dedup_by(|a, b| a.0 == b.0);
    Some((watched, ancestors_git))
}

/// Records `outcome` with the state of the tree it came from, for the next run: `files` (in
/// discovery order) with their `stamps`, and what the walk saw (`tree`, asked only when the
/// outcome is stored). Nothing is written when the
/// outcome may not hold next time: a file could not be stamped or changed too recently to be
/// vouched for by its stamp, a skip reason may not recur (a failed read, a parse out of time), or
/// the run had an internal error.
#[allow(clippy::too_many_arguments)]
pub(crate) fn save(
    settings: &Settings,
    scopes: u64,
    place: &Place,
    started: u128,
    tree: impl FnOnce() -> TreeState,
    files: &[PathBuf],
    stamps: &[Option<Stamp>],
    outcome: &Outcome,
) {
    let key = key(settings, place);
    let file = file_of(place, key);
    let since = started.saturating_sub(cache::SETTLE_NS);
    if outcome.transient_skips || !outcome.internal_errors.is_empty() {
        let _ = std::fs::remove_file(&file);
        return;
    }
    let files: Option<Vec<(String, Stamp)>> = files
        .iter()
        .zip(stamps)
        .map(|(path, stamp)| Some((path.to_str()?.to_string(), stamp.filter(|stamp| stamp.settled(since))?)))
        .collect();
    let Some((files, body)) = files.and_then(|files| Some((files, encode(outcome)?))) else {
        let _ = std::fs::remove_file(&file);
        return;
    };
    let header = Header { version: VERSION, key, tree: tree(), scopes, files };
    write(&file, &header, &body);
}

fn write(file: &Path, header: &Header, body: &[u8]) {
    let Ok(mut bytes) = postcard::to_stdvec(header) else { return };
    bytes.extend_from_slice(body);
    crate::fs::write_atomically(file, &bytes);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_unchanged_tree_is_not_walked_again() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("pkg/sub")).unwrap();
        std::fs::write(root.join("pkg/a.py"), "from . import x\n").unwrap();
        std::fs::write(root.join("pkg/sub/b.py"), "X = 1\n").unwrap();
        std::fs::write(root.join(".gitignore"), "skipped.py\n").unwrap();
        std::fs::write(root.join("pkg/skipped.py"), "").unwrap();
        let (settings, rules) = crate::scan::test_setup(&root);
        let scan = || crate::scan::scan(&settings, &rules, &mut Vec::new()).unwrap();
        // The first scan creates the cache directory, a change to the root directory.
        scan();
        std::thread::sleep(std::time::Duration::from_millis(2100));
        let outcome = scan();
        let place = Place::of(&settings, &rules).unwrap();
        let previous = || Previous::load(&settings, &place).expect("a settled tree has a snapshot");
        let walk = previous().unchanged_walk().expect("nothing changed: no walk");
        assert_eq!(walk.files, [root.join("pkg/a.py"), root.join("pkg/sub/b.py")]);
        assert_eq!(walk.dirs, [root.clone(), root.join("pkg"), root.join("pkg/sub")]);
        let stamps: Vec<Option<Stamp>> = walk.files.iter().map(|path| Stamp::of(path)).collect();
        let reused = previous().outcome(&walk.files, &stamps, None).expect("nothing changed: the same outcome");
        assert_eq!(reused.diagnostics, outcome.diagnostics);
        assert_eq!(reused.files.len(), 2);
        // Any new entry, even one that is never scanned, changes its directory's stamp.
        std::fs::write(root.join("pkg/sub/notes.txt"), "").unwrap();
        assert!(previous().unchanged_walk().is_none());
    }
}
