//! The result cache: one file of per-file reports keyed by file content, the path-dependent
//! signature (category, applicable rules, engines' path keys) and — in the cache file's name —
//! everything else that decides a report (the ssot binary, the active rules and their options,
//! the scan settings). A warm run reads no file whose [`Stamp`] (length, modification and status
//! change times) is the one the cache recorded (its content hash is taken from the cache, as ruff
//! trusts modification times), reads and hashes the others, and analyses none whose content it
//! has a report for. Stored with postcard (compact binary; a JSON cache took longer to decode
//! than the rest of a warm run). `.ssot_cache/` in the scanned root, or the user cache directory
//! when the root is not writable; written atomically (temp file, then rename), so concurrent
//! runs never see half a file and the last writer wins. `--no-cache` turns it off. The tree
//! snapshot ([`super::snapshot`]) sits next to it.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::report::{FileFinding, FileReport, ScannedReport, SkipReason};
use crate::config::Settings;
use crate::diagnostic::Category;
use crate::rules::{ErasedFacts, ProjectIndex, RuleSet};
use crate::suppress::Suppressions;

/// A report as stored.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) enum CachedReport {
    /// Only reasons that last ([`SkipReason::lasts`]) are stored.
    Skipped(String),
    Scanned {
        category: Category,
        findings: Vec<FileFinding>,
        suppressed: usize,
        /// `Suppressions` encoded (its usage flags are cells, not shareable across threads).
        suppressions: Option<Vec<u8>>,
        /// (project rule, its facts encoded).
        facts: Vec<(ProjectIndex, Vec<u8>)>,
    },
}

#[derive(Deserialize)]
struct CacheFile {
    version: u32,
    entries: HashMap<String, CachedReport>,
    /// Path → what it held when last read.
    stats: HashMap<String, Stat>,
}

/// [`CacheFile`] as written: the entries this run used or made, borrowed.
#[derive(Serialize)]
struct CacheFileView<'a> {
    version: u32,
    entries: AsMap<'a, CachedReport>,
    stats: AsMap<'a, Stat>,
}

/// Pairs serialized as a map.
struct AsMap<'a, V>(Vec<(&'a String, &'a V)>);

impl<V: Serialize> Serialize for AsMap<'_, V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().copied())
    }
}

/// A stored value, with whether this run used it (only used values are written back).
struct Kept<V> {
    value: V,
    used: AtomicBool,
}

fn kept<V>(map: HashMap<String, V>) -> HashMap<String, Kept<V>> {
    map.into_iter().map(|(key, value)| (key, Kept { value, used: AtomicBool::new(false) })).collect()
}

fn all_used<V>(map: &HashMap<String, Kept<V>>) -> bool {
    map.values().all(|kept| kept.used.load(Ordering::Relaxed))
}

/// The stored values used (and not replaced by `new`) followed by the new ones.
fn written<'a, V>(old: &'a HashMap<String, Kept<V>>, new: &'a HashMap<String, V>) -> AsMap<'a, V> {
    let used = old.iter().filter(|(key, kept)| kept.used.load(Ordering::Relaxed) && !new.contains_key(*key));
    AsMap(used.map(|(key, kept)| (key, &kept.value)).chain(new.iter()).collect())
}

/// A file's stamp and the hash of the content read then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    stamp: Stamp,
    hash: u64,
}

/// What a file's metadata says of its content: its length and its modification and status
/// change times (ns since the epoch). Any write changes the modification time; a `chmod`, a
/// rename or a `touch -m` that puts the old time back changes the status change time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Stamp {
    pub len: u64,
    pub modified: u128,
    pub changed: u128,
}

impl Stamp {
    /// The stamp of `path` (a file or a directory), following symlinks.
    pub(crate) fn of(path: &Path) -> Option<Self> {
        let metadata = std::fs::metadata(path).ok()?;
        let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
        #[cfg(unix)]
        let changed = {
            use std::os::unix::fs::MetadataExt;
            u128::try_from(metadata.ctime()).ok()? * 1_000_000_000 + u128::try_from(metadata.ctime_nsec()).ok()?
        };
        #[cfg(not(unix))]
        let changed = modified;
        Some(Self { len: metadata.len(), modified, changed })
    }

    /// Whether nothing touched the file at or after `time` (ns since the epoch). A file is
    /// remembered by its stamp only when it settled a while before the run that read it: within
    /// the filesystem's timestamp granularity a second write can keep the stamp.
    pub(crate) fn settled(&self, time: u128) -> bool {
        self.modified.max(self.changed) < time
    }
}

/// Nanoseconds since the epoch, now.
pub(crate) fn now_ns() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// How long before a run a file must have last changed for its stamp to be trusted later.
pub(crate) const SETTLE_NS: u128 = 2_000_000_000;

const VERSION: u32 = 3;

pub(crate) struct Cache {
    file: PathBuf,
    old: HashMap<String, Kept<CachedReport>>,
    new: Mutex<HashMap<String, CachedReport>>,
    old_stats: HashMap<String, Kept<Stat>>,
    new_stats: Mutex<HashMap<String, Stat>>,
    /// Something was added or changed since the cache file was read.
    dirty: AtomicBool,
    /// Files changed after this are not remembered by their stamp ([`Stamp::settled`]).
    settled: u128,
}

pub(super) fn hash_of(value: impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The directory to use: `<root>/.ssot_cache` when it can be written, else the user's cache
/// directory (one folder per root). Another user's cache directory that this user can read but
/// not write is not used: it may hold what that user could read and this one cannot. A cache
/// directory that is a symbolic link (to another directory, or to `.`) is not used, and nothing
/// inside one is written through a link ([`crate::fs`]): a scanned tree cannot direct ssot's
/// writes elsewhere.
fn directory(root: &Path) -> Option<PathBuf> {
    let local = root.join(".ssot_cache");
    if usable(&local) {
        return Some(local);
    }
    let user = user_directory()?.join(format!("{:016x}", hash_of(root)));
    usable(&user).then_some(user)
}

/// This user's own cache directory for ssot: `$XDG_CACHE_HOME/ssot` (an absolute path, as the
/// XDG specification asks), else `~/.cache/ssot` (created if need be).
fn user_directory() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME"); // ssot: ignore[direct-env-access] -- where the XDG specification puts caches
    let home = std::env::var_os("HOME"); // ssot: ignore[direct-env-access] -- the fallback the XDG specification names
    let base = xdg
        .map(PathBuf::from)
        .filter(|value| value.is_absolute())
        .or_else(|| home.filter(|home| !home.is_empty()).map(|home| PathBuf::from(home).join(".cache")))?;
    let dir = base.join("ssot");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

/// A secret of this user's, kept outside every scanned tree (`secret` in [`user_directory`],
/// made once from the operating system's randomness), that is part of every cache key. A
/// `.ssot_cache/` holding entries made elsewhere — committed to the repository, say, with reports
/// swapped between contents — is then never read: its file names are not this user's, and a
/// tree cannot decide a file's report. `None` (no cache) when there is no such directory.
fn secret(settings: &Settings) -> Option<u128> {
    let dir = user_directory()?.canonicalize().ok()?;
    // A user cache directory inside a scanned tree (CI setups put it in the project to cache
    // it) could come with the tree, secret and all: no cache then.
    if dir.starts_with(&settings.root) || settings.paths.iter().any(|path| dir.starts_with(path)) {
        return None;
    }
    let file = dir.join("secret");
    let read = || -> Option<u128> {
        let bytes = crate::fs::read(&file, 64, crate::fs::Links::Refuse).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?.trim();
        // Only what ssot writes: 32 hex digits.
        if text.len() != 32 {
            return None;
        }
        u128::from_str_radix(text, 16).ok()
    };
    if let Some(secret) = read() {
        return Some(secret);
    }
    let random = || {
        use std::hash::{BuildHasher, Hasher};
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u128(now_ns());
        hasher.write_u32(std::process::id());
        hasher.finish()
    };
    let secret = (u128::from(random()) << 64) | u128::from(random());
    // Made under a temporary name and linked into place, which fails if another run was first:
    // every run then uses the secret that won.
    let temp = file.with_extension(format!("tmp{}", std::process::id()));
    let _ = std::fs::remove_file(&temp);
    if crate::fs::create_new(&temp, format!("{secret:032x}\n").as_bytes()).is_ok() {
        // Readable by this user only.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(&temp, std::fs::Permissions::from_mode(0o600));
        }
        let _ = std::fs::hard_link(&temp, &file);
        let _ = std::fs::remove_file(&temp);
    }
    read()
}

/// Whether `dir` is (or could be made) a real directory, tagged as a cache, that this user can
/// write to.
fn usable(dir: &Path) -> bool {
    if !crate::fs::is_real_dir(dir) && std::fs::create_dir(dir).is_err() {
        return false;
    }
    // Checked again after the creation: a link put there meanwhile is not used either.
    crate::fs::is_real_dir(dir)
        && own_file(
            &dir.join("CACHEDIR.TAG"),
            b"Signature: 8a477f597d28d172789f06886806bc55\n# ssot's result cache\n",
            true,
        )
        && own_file(&dir.join(".gitignore"), b"*\n", false)
}

/// Makes sure `file` in a cache directory is a regular file (anything else there, such as a
/// link, is replaced with one holding `contents`), one this user can write when `write`.
fn own_file(file: &Path, contents: &[u8], write: bool) -> bool {
    match std::fs::symlink_metadata(file) {
        Ok(metadata) if metadata.is_file() => !write || crate::fs::open_own(file).is_some(),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            crate::fs::create_new(file, contents).is_ok() || crate::fs::open_own(file).is_some()
        }
        _ => crate::fs::write_atomically(file, contents),
    }
}

/// Everything besides the file itself that decides a report.
fn settings_key(settings: &Settings, rules: &RuleSet) -> u64 {
    let exe =
        std::env::current_exe().ok().and_then(|exe| std::fs::metadata(exe).ok()).map(|m| (m.len(), m.modified().ok()));
    hash_of((
        env!("CARGO_PKG_VERSION"),
        format!("{exe:?}"),
        format!("{:?}", rules.rules),
        // Every rule id, selected or not: `unused-suppression` tells unknown ids from known ones.
        {
            let mut ids: Vec<&String> = rules.known_ids.iter().collect();
            ids.sort();
            ids
        },
        rules.parse_all,
        settings.require_reason,
        settings.max_file_size,
        settings.parse_timeout,
        settings.fast_path,
        settings.byte_tests,
        // The source roots decide `relative-import`'s fixes; relative to the root, so a tree
        // moved whole keeps its cache.
        settings
            .source_roots
            .iter()
            .map(|root| root.strip_prefix(&settings.root).unwrap_or(root).to_path_buf())
            .collect::<Vec<_>>(),
    ))
}

/// Cache files of other configurations (another ssot binary, other rules or settings) unused for
/// this long are deleted.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Marks `file` as used now (a run that changes nothing does not rewrite it).
fn touch(file: &Path) {
    if let Some(file) = crate::fs::open_own(file) {
        let _ = file.set_modified(std::time::SystemTime::now());
    }
}

/// Where this configuration keeps its files: the cache directory and the key of everything
/// besides the files themselves that decides a report ([`settings_key`]).
#[derive(Clone)]
pub(crate) struct Place {
    dir: PathBuf,
    key: u64,
}

impl Place {
    /// `None`: no usable cache directory.
    pub(crate) fn of(settings: &Settings, rules: &RuleSet) -> Option<Self> {
        let key = hash_of((secret(settings)?, settings_key(settings, rules)));
        Some(Self { dir: directory(&settings.root)?, key })
    }

    pub(crate) fn key(&self) -> u64 {
        self.key
    }

    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// This configuration's result cache file.
    fn results(&self) -> PathBuf {
        self.dir.join(format!("results-{:016x}.bin", self.key))
    }

    /// Marks this configuration's result cache and the tree `snapshot` in use as used (a run
    /// that changes nothing does not rewrite them) and deletes other result caches and
    /// snapshots unused for [`STALE_AFTER`]: each ssot upgrade, and each set of scanned paths,
    /// would otherwise leave some behind.
    pub(crate) fn mark_used(&self, snapshot: Option<&Path>) {
        let mine: Vec<PathBuf> = std::iter::once(self.results()).chain(snapshot.map(Path::to_path_buf)).collect();
        for file in &mine {
            touch(file);
        }
        let now = std::time::SystemTime::now();
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if mine.contains(&path) || !(name.starts_with("results-") || name.starts_with("outcome-")) {
                continue;
            }
            let unused = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| now.duration_since(t).ok());
            if unused.is_some_and(|age| age > STALE_AFTER) {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl Cache {
    /// Opens this configuration's cache.
    pub(crate) fn open(place: &Place, started: u128) -> Self {
        let file = place.results();
        let (old, old_stats) = crate::fs::read(&file, crate::fs::CACHE_LIMIT, crate::fs::Links::Refuse)
            .ok()
            .and_then(|bytes| postcard::from_bytes::<CacheFile>(&bytes).ok())
            .filter(|f| f.version == VERSION)
            .map(|f| (f.entries, f.stats))
            .unwrap_or_default();
        place.mark_used(None);
        Self {
            file,
            old: kept(old),
            new: Mutex::new(HashMap::new()),
            old_stats: kept(old_stats),
            new_stats: Mutex::new(HashMap::new()),
            dirty: AtomicBool::new(false),
            settled: started.saturating_sub(SETTLE_NS),
        }
    }

    /// The content key (hash, length) of `path` as last read, when its stamp is unchanged since.
    pub(crate) fn known_content(&self, path: &Path, stamp: Stamp) -> Option<(u64, u64)> {
        let known = self.old_stats.get(path.to_str()?)?;
        if known.value.stamp != stamp {
            return None;
        }
        known.used.store(true, Ordering::Relaxed);
        Some((known.value.hash, known.value.stamp.len))
    }

    /// Remembers the content key read from `path`, whose stamp was `stamp` before it was read.
    pub(crate) fn record_content(&self, path: &Path, stamp: Stamp, content: (u64, u64)) {
        let Some(key) = path.to_str() else { return };
        if !stamp.settled(self.settled) || stamp.len != content.1 {
            return;
        }
        let entry = Stat { stamp, hash: content.0 };
        self.new_stats.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), entry);
        self.dirty.store(true, Ordering::Relaxed);
    }

    /// The key of a file's content with a signature.
    pub(crate) fn key(content: (u64, u64), signature: &impl Hash) -> String {
        format!("{:016x}-{}-{:016x}", content.0, content.1, hash_of(signature))
    }

    /// The stored report, with facts decoded by their project rules.
    pub(crate) fn get(&self, key: &str, rules: &RuleSet) -> Option<FileReport> {
        let kept = self.old.get(key)?;
        let report = match &kept.value {
            CachedReport::Skipped(reason) => FileReport::Skipped(SkipReason::Content(reason.clone())),
            CachedReport::Scanned { category, findings, suppressed, suppressions, facts } => {
                let mut decoded = Vec::with_capacity(facts.len());
                for (rule, bytes) in facts {
                    let (_, engine) = rules.project_rule(*rule)?;
                    decoded.push(ErasedFacts { rule: *rule, value: engine.decode(bytes)? });
                }
                let suppressions = match suppressions {
                    Some(bytes) => Some(postcard::from_bytes::<Suppressions>(bytes).ok()?),
                    None => None,
                };
                FileReport::Scanned(ScannedReport {
                    category: *category,
                    findings: findings.clone(),
                    suppressed: *suppressed,
                    facts: decoded,
                    suppressions,
                })
            }
        };
        kept.used.store(true, Ordering::Relaxed);
        Some(report)
    }

    /// Stores a fresh report (unless its skip reason may not recur).
    pub(crate) fn put(&self, key: &str, report: &FileReport, rules: &RuleSet) {
        let cached = match report {
            FileReport::Skipped(reason) => {
                // A parse that ran out of time may fit next time: do not remember it.
                if !reason.lasts() {
                    return;
                }
                CachedReport::Skipped(reason.message().to_string())
            }
            FileReport::Scanned(scanned) => {
                let mut facts = Vec::with_capacity(scanned.facts.len());
                for facts_of in &scanned.facts {
                    let Some((_, engine)) = rules.project_rule(facts_of.rule) else { return };
                    let Some(value) = engine.encode(&facts_of.value) else { return };
                    facts.push((facts_of.rule, value));
                }
                CachedReport::Scanned {
                    category: scanned.category,
                    findings: scanned.findings.clone(),
                    suppressed: scanned.suppressed,
                    suppressions: match &scanned.suppressions {
                        Some(s) => match postcard::to_stdvec(s) {
                            Ok(value) => Some(value),
                            Err(_) => return,
                        },
                        None => None,
                    },
                    facts,
                }
            }
        };
        self.dirty.store(true, Ordering::Relaxed);
        self.new.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), cached);
    }

    /// Writes this run's entries (and only those: stale ones go) atomically; nothing when they
    /// are exactly what the file already holds.
    pub(crate) fn save(self) {
        let entries = self.new.into_inner().unwrap_or_else(|e| e.into_inner());
        let stats = self.new_stats.into_inner().unwrap_or_else(|e| e.into_inner());
        let unchanged = !self.dirty.load(Ordering::Relaxed) && all_used(&self.old) && all_used(&self.old_stats);
        if !unchanged {
            let view = CacheFileView {
                version: VERSION,
                entries: written(&self.old, &entries),
                stats: written(&self.old_stats, &stats),
            };
            if let Ok(bytes) = postcard::to_stdvec(&view) {
                crate::fs::write_atomically(&self.file, &bytes);
            }
        }
        // Freeing tens of thousands of entries takes a while; the run need not wait for it.
        let (old, old_stats) = (self.old, self.old_stats);
        std::thread::spawn(move || drop((old, old_stats, entries, stats)));
    }
}
