//! `--timings`: what a scan did and where its time went — files walked, read, answered by the
//! cache, tokenized and parsed; the time of each phase; the CPU time of each rule, summed over
//! the threads; and the slowest parses, with the rules that needed each file's tree. Counted
//! only when asked (the clock is read around each step only then), so a user can see why a
//! configuration is slow. With `--fix`, which scans again after writing, the file counts are
//! those of the last scan (the one reported) and the times add up over the whole run.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The counters of one scan. Shared by the threads that analyse files.
#[derive(Debug, Default)]
pub struct Timings {
    pub walked: AtomicUsize,
    /// Read from disk and analysed.
    pub analysed: AtomicUsize,
    /// Answered by the result cache (or by a byte-identical copy analysed in this run).
    pub reused: AtomicUsize,
    pub tokenized: AtomicUsize,
    pub parsed: AtomicUsize,
    /// The tree was unchanged since the last run: its whole outcome came from the cache's
    /// snapshot, no file was read and no rule ran.
    whole: AtomicBool,
    /// Nanoseconds: walking, analysing (wall), the project pass (wall), tree-sitter parsing (CPU).
    walk: AtomicU64,
    analysis: AtomicU64,
    project: AtomicU64,
    parse: AtomicU64,
    /// CPU nanoseconds per rule (by rule index), file analysis and project pass together; the
    /// last slot is the pattern rules' shared query pass.
    rules: Vec<AtomicU64>,
    /// Per rule: the files whose tokens it could not decide (so they were parsed, and it ran on
    /// the tree; the rules that could ran on the tokens only).
    declined: Vec<AtomicUsize>,
    /// The slowest parses: CPU nanoseconds, the file as reported, and why it was parsed.
    slowest: std::sync::Mutex<Vec<(u64, String, Parsed)>>,
}

/// How many of the slowest parses `--timings` lists.
const SLOWEST: usize = 5;

/// Why a file was parsed.
#[derive(Debug, Clone)]
pub(crate) enum Parsed {
    /// These rules (by index) could not decide it from its tokens.
    Declined(Vec<usize>),
    /// The tokens were not tried: suppression comments, a pattern rule, `parse-error` selected
    /// by name, `--no-fast-path`, or a Rust file.
    Tree,
}

/// A phase of the scan, timed by its wall clock.
#[derive(Debug, Clone, Copy)]
pub enum Phase {
    Walk,
    Analysis,
    Project,
}

impl Timings {
    /// Counters for a run of `rules` rules.
    pub fn new(rules: usize) -> Self {
        Self {
            rules: (0..=rules).map(|_| AtomicU64::new(0)).collect(),
            declined: (0..rules).map(|_| AtomicUsize::new(0)).collect(),
            ..Self::default()
        }
    }

    pub(crate) fn add_phase(&self, phase: Phase, time: Duration) {
        let slot = match phase {
            Phase::Walk => &self.walk,
            Phase::Analysis => &self.analysis,
            Phase::Project => &self.project,
        };
        slot.fetch_add(nanos(time), Ordering::Relaxed);
    }

    /// Adds a parse of `file` (as reported) that took `time`, and why it was needed.
    pub(crate) fn add_parse(&self, time: Duration, file: &str, why: &Parsed) {
        let time = nanos(time);
        self.parse.fetch_add(time, Ordering::Relaxed);
        let mut slowest = self.slowest.lock().unwrap_or_else(|e| e.into_inner());
        if slowest.len() < SLOWEST || slowest.last().is_some_and(|(least, _, _)| time > *least) {
            slowest.push((time, file.to_string(), why.clone()));
            slowest.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
            slowest.truncate(SLOWEST);
        }
    }

    /// Adds CPU time to rule `index` (`None`: the pattern rules' query pass).
    pub(crate) fn add_rule(&self, index: Option<usize>, time: Duration) {
        let slot = index.unwrap_or(self.rules.len().saturating_sub(1));
        if let Some(counter) = self.rules.get(slot) {
            counter.fetch_add(nanos(time), Ordering::Relaxed);
        }
    }

    /// Rule `index` could not decide a file from its tokens.
    pub(crate) fn add_declined(&self, index: usize) {
        if let Some(counter) = self.declined.get(index) {
            counter.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A scan starts: the file counts are to be its own.
    pub(crate) fn start_scan(&self) {
        for counter in [&self.walked, &self.analysed, &self.reused, &self.tokenized, &self.parsed] {
            counter.store(0, Ordering::Relaxed);
        }
        self.whole.store(false, Ordering::Relaxed);
    }

    /// The whole outcome of a scan of `files` files came from the cache's snapshot.
    pub(crate) fn reused_whole(&self, files: usize) {
        self.walked.store(files, Ordering::Relaxed);
        self.reused.store(files, Ordering::Relaxed);
        self.whole.store(true, Ordering::Relaxed);
    }

    pub(crate) fn count(counter: &AtomicUsize) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// The report: counts, phases, then the rules by time (those that took any), `ids` naming
    /// them in index order.
    pub fn render(&self, ids: &[&str]) -> String {
        let ms = |n: &AtomicU64| n.load(Ordering::Relaxed) as f64 / 1e6;
        let get = |n: &AtomicUsize| n.load(Ordering::Relaxed);
        let mut out = format!(
            "timings:\n  files: {} walked, {} read and analysed, {} answered by the cache or a copy; {} tokenized, {} parsed\n  \
             phases (wall): walk {:.0} ms, analysis {:.0} ms, project pass {:.0} ms; parsing (cpu) {:.0} ms\n",
            get(&self.walked),
            get(&self.analysed),
            get(&self.reused),
            get(&self.tokenized),
            get(&self.parsed),
            ms(&self.walk),
            ms(&self.analysis),
            ms(&self.project),
            ms(&self.parse),
        );
        if self.whole.load(Ordering::Relaxed) {
            out.push_str("  no file changed since the last run: the whole outcome came from the cache, no rule ran\n");
        }
        out.push_str(
            "  rules (cpu, summed over threads, byte tests included; files it could not decide from tokens, so they \
             were parsed for it):\n",
        );
        let mut rows: Vec<(f64, &str, usize)> = self
            .rules
            .iter()
            .enumerate()
            .map(|(index, time)| {
                let declined = self.declined.get(index).map_or(0, get);
                (ms(time), ids.get(index).copied().unwrap_or("(pattern rules' query pass)"), declined)
            })
            .filter(|(time, _, _)| *time > 0.0)
            .collect();
        rows.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let width = rows.iter().map(|(_, id, _)| id.len()).max().unwrap_or(0);
        for (time, id, declined) in rows {
            out.push_str(&format!("    {id:<width$}  {time:>9.1} ms  {declined:>7} parsed\n"));
        }
        let slowest = self.slowest.lock().unwrap_or_else(|e| e.into_inner());
        if !slowest.is_empty() {
            out.push_str("  slowest parses (cpu; the rules that needed the tree):\n");
            for (time, file, why) in slowest.iter() {
                let why = match why {
                    Parsed::Declined(rules) => {
                        let named: Vec<&str> = rules.iter().map(|&i| ids.get(i).copied().unwrap_or("?")).collect();
                        named.join(", ")
                    }
                    Parsed::Tree => "every rule (tokens not tried)".to_string(),
                };
                let file = crate::terminal::visible(file);
                out.push_str(&format!("    {:>9.1} ms  {file}  ({why})\n", *time as f64 / 1e6));
            }
        }
        out
    }
}

fn nanos(time: Duration) -> u64 {
    u64::try_from(time.as_nanos()).unwrap_or(u64::MAX)
}

/// Runs `step`, adding its duration through `add` when timings are on.
pub(crate) fn timed<T>(timings: Option<&Timings>, add: impl FnOnce(&Timings, Duration), step: impl FnOnce() -> T) -> T {
    match timings {
        None => step(),
        Some(timings) => {
            let started = Instant::now();
            let result = step();
            add(timings, started.elapsed());
            result
        }
    }
}
