//! The result cache: one file of per-file reports keyed by file content, the path-dependent
//! signature (category, applicable rules, engines' path keys) and — in the cache file's name —
//! everything else that decides a report (the ssot binary, the active rules and their options,
//! the scan settings). A warm run reads no file whose length and modification time are those the
//! cache recorded (their content hash is taken from the cache, as ruff trusts modification
//! times), reads and hashes the others, and analyses none whose content it has a report for.
//! `.ssot_cache/` in the scanned root, or the user cache directory when the root is not
//! writable; written atomically (temp file, then rename), so concurrent runs never see half a
//! file and the last writer wins. `--no-cache` turns it off.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::analyze::{FileFinding, FileReport, ScannedReport};
use super::suppress::Suppressions;
use crate::config::Settings;
use crate::diagnostic::Category;
use crate::rule::RuleSet;

/// A report as stored.
#[derive(Clone, Serialize, Deserialize)]
pub(crate) enum CachedReport {
    Skipped(String),
    Scanned {
        category: Category,
        findings: Vec<FileFinding>,
        suppressed: usize,
        /// `Suppressions` as JSON (its usage flags are cells, not shareable across threads).
        suppressions: Option<serde_json::Value>,
        /// (engine index, facts as JSON).
        facts: Vec<(usize, serde_json::Value)>,
    },
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    entries: HashMap<String, CachedReport>,
    /// Path → what it held when last read.
    stats: HashMap<String, Stat>,
}

/// A file's length and modification time (ns since the epoch) and the content key read then.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Stat {
    len: u64,
    modified: u128,
    hash: u64,
}

const VERSION: u32 = 2;

pub(crate) struct Cache {
    file: PathBuf,
    old: HashMap<String, CachedReport>,
    new: Mutex<HashMap<String, CachedReport>>,
    old_stats: HashMap<String, Stat>,
    new_stats: Mutex<HashMap<String, Stat>>,
    /// Something was added or changed since the cache file was read.
    dirty: std::sync::atomic::AtomicBool,
    /// Files modified after this are not remembered by modification time (they may still be
    /// being written within the filesystem's timestamp granularity).
    settled: u128,
}

/// A file's length and modification time, for [`Cache::known_content`].
pub(crate) fn file_stat(path: &Path) -> Option<(u64, u128)> {
    let metadata = std::fs::metadata(path).ok()?;
    let modified = metadata.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some((metadata.len(), modified))
}

fn hash_of(value: impl Hash) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// The directory to use: `<root>/.ssot_cache` when it can be written, else the user's cache
/// directory (one folder per root).
fn directory(root: &Path) -> Option<PathBuf> {
    let usable = |dir: &Path| -> bool {
        std::fs::create_dir_all(dir).is_ok()
            && {
                let tag = dir.join("CACHEDIR.TAG");
                tag.exists()
                    || std::fs::write(&tag, "Signature: 8a477f597d28d172789f06886806bc55\n# ssot's result cache\n")
                        .is_ok()
            }
            && {
                let ignore = dir.join(".gitignore");
                ignore.exists() || std::fs::write(&ignore, "*\n").is_ok()
            }
    };
    let local = root.join(".ssot_cache");
    if usable(&local) {
        return Some(local);
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    let user = base.join("ssot").join(format!("{:016x}", hash_of(root)));
    usable(&user).then_some(user)
}

/// Everything besides the file itself that decides a report.
fn settings_key(settings: &Settings, rules: &RuleSet) -> u64 {
    let exe =
        std::env::current_exe().ok().and_then(|exe| std::fs::metadata(exe).ok()).map(|m| (m.len(), m.modified().ok()));
    hash_of((
        env!("CARGO_PKG_VERSION"),
        format!("{exe:?}"),
        format!("{:?}", rules.rules),
        rules.parse_all,
        settings.require_reason,
        settings.max_file_size,
        settings.parse_timeout,
        settings.fast_path,
    ))
}

/// Cache files of other configurations (another ssot binary, other rules or settings) unused for
/// this long are deleted.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(30 * 24 * 3600);

/// Marks `current` as used (a run that changes nothing does not rewrite it) and deletes the
/// other configurations' cache files in `dir` not used for [`STALE_AFTER`]: each ssot upgrade
/// would otherwise leave one behind.
fn prune(dir: &Path, current: &Path) {
    let now = std::time::SystemTime::now();
    if let Ok(file) = std::fs::File::options().write(true).open(current) {
        let _ = file.set_modified(now);
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path == current || !name.starts_with("results-") || !name.ends_with(".json") {
            continue;
        }
        let unused = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| now.duration_since(t).ok());
        if unused.is_some_and(|age| age > STALE_AFTER) {
            let _ = std::fs::remove_file(path);
        }
    }
}

impl Cache {
    /// Opens the cache for this root and configuration (`None`: no usable directory).
    pub(crate) fn open(settings: &Settings, rules: &RuleSet) -> Option<Self> {
        let dir = directory(&settings.root)?;
        let file = dir.join(format!("results-{:016x}.json", settings_key(settings, rules)));
        let (old, old_stats) = std::fs::read(&file)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<CacheFile>(&bytes).ok())
            .filter(|f| f.version == VERSION)
            .map(|f| (f.entries, f.stats))
            .unwrap_or_default();
        prune(&dir, &file);
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        Some(Self {
            file,
            old,
            new: Mutex::new(HashMap::new()),
            old_stats,
            new_stats: Mutex::new(HashMap::new()),
            dirty: std::sync::atomic::AtomicBool::new(false),
            settled: now.saturating_sub(2_000_000_000),
        })
    }

    /// The content key (hash, length) of `path` as last read, when its length and modification
    /// time (`stat`) are unchanged since.
    pub(crate) fn known_content(&self, path: &Path, stat: (u64, u128)) -> Option<(u64, u64)> {
        let key = path.to_str()?;
        let known = *self.old_stats.get(key)?;
        if (known.len, known.modified) != stat {
            return None;
        }
        self.new_stats.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), known);
        Some((known.hash, known.len))
    }

    /// Remembers the content key read from `path`, whose length and modification time were
    /// `stat` before it was read.
    pub(crate) fn record_content(&self, path: &Path, stat: (u64, u128), content: (u64, u64)) {
        let Some(key) = path.to_str() else { return };
        if stat.1 > self.settled || stat.0 != content.1 {
            return;
        }
        let entry = Stat { len: stat.0, modified: stat.1, hash: content.0 };
        self.new_stats.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), entry);
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    /// The key of a file's content with a signature.
    pub(crate) fn key(content: (u64, u64), signature: &impl Hash) -> String {
        format!("{:016x}-{}-{:016x}", content.0, content.1, hash_of(signature))
    }

    /// The stored report, with facts decoded by the engines.
    pub(crate) fn get(&self, key: &str, rules: &RuleSet) -> Option<FileReport> {
        let cached = self.old.get(key)?.clone();
        let report = match cached {
            CachedReport::Skipped(reason) => FileReport::Skipped(reason),
            CachedReport::Scanned { category, findings, suppressed, suppressions, facts } => {
                let mut decoded = Vec::with_capacity(facts.len());
                for (engine, value) in facts {
                    let (_, e) = rules.engines.get(engine)?;
                    decoded.push((engine, e.load_facts(value)?));
                }
                let suppressions = match suppressions {
                    Some(value) => Some(serde_json::from_value::<Suppressions>(value).ok()?),
                    None => None,
                };
                FileReport::Scanned(ScannedReport { category, findings, suppressed, facts: decoded, suppressions })
            }
        };
        self.remember(key, self.old.get(key)?.clone());
        Some(report)
    }

    /// Stores a fresh report (unless an engine cannot store its facts).
    pub(crate) fn put(&self, key: &str, report: &FileReport, rules: &RuleSet) {
        let cached = match report {
            FileReport::Skipped(reason) => {
                // A parse that ran out of time may fit next time: do not remember it.
                if reason.contains("parse-timeout-ms") || reason.contains("internal error") {
                    return;
                }
                CachedReport::Skipped(reason.clone())
            }
            FileReport::Scanned(scanned) => {
                let mut facts = Vec::with_capacity(scanned.facts.len());
                for (engine, fact) in &scanned.facts {
                    let Some((_, e)) = rules.engines.get(*engine) else { return };
                    let Some(value) = e.save_facts(fact) else { return };
                    facts.push((*engine, value));
                }
                CachedReport::Scanned {
                    category: scanned.category,
                    findings: scanned.findings.clone(),
                    suppressed: scanned.suppressed,
                    suppressions: match &scanned.suppressions {
                        Some(s) => match serde_json::to_value(s) {
                            Ok(value) => Some(value),
                            Err(_) => return,
                        },
                        None => None,
                    },
                    facts,
                }
            }
        };
        self.dirty.store(true, std::sync::atomic::Ordering::Relaxed);
        self.remember(key, cached);
    }

    fn remember(&self, key: &str, cached: CachedReport) {
        self.new.lock().unwrap_or_else(|e| e.into_inner()).insert(key.to_string(), cached);
    }

    /// Writes this run's entries (and only those: stale ones go) atomically; nothing when they
    /// are exactly what the file already holds.
    pub(crate) fn save(self) {
        let entries = self.new.into_inner().unwrap_or_else(|e| e.into_inner());
        let stats = self.new_stats.into_inner().unwrap_or_else(|e| e.into_inner());
        let unchanged = !self.dirty.load(std::sync::atomic::Ordering::Relaxed)
            && entries.len() == self.old.len()
            && stats.len() == self.old_stats.len();
        // Freeing tens of thousands of entries takes a while; the run need not wait for it.
        let (old, old_stats) = (self.old, self.old_stats);
        std::thread::spawn(move || drop((old, old_stats)));
        if unchanged {
            std::thread::spawn(move || drop((entries, stats)));
            return;
        }
        let Ok(bytes) = serde_json::to_vec(&CacheFile { version: VERSION, entries, stats }) else { return };
        let temp = self.file.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&temp, bytes).is_ok() && std::fs::rename(&temp, &self.file).is_err() {
            let _ = std::fs::remove_file(&temp);
        }
    }
}
