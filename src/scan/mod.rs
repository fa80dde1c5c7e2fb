//! The scan: discover files → group them by content hash → analyze each distinct content in
//! parallel (one [`analyze::Analyzer`] per worker; the result cache first) → collect in path
//! order → project pass (project engines, then unused suppressions) → sort → fingerprints →
//! [`Outcome`]. With the cache on, the tree snapshot comes first: an unchanged tree gets the
//! last outcome back without any of these steps ([`snapshot`]). Per-file trouble (unreadable,
//! binary, too large, parse budget exceeded) becomes a skipped entry; nothing here aborts the
//! run.

mod analyze;
mod cache;
mod discover;
pub mod live;
mod parse;
mod report;
mod snapshot;
pub(crate) mod source;
use crate::timings;

use std::io::Write;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::Settings;
use crate::diagnostic::{Diagnostic, FileId, Outcome, Position, ScannedFile, Skipped};
use crate::rule::{render_message, RuleIndex, UNUSED_SUPPRESSION};
use crate::rules::{AnyFacts, ProjectFinding, RuleSet, ScopedEngines};
use crate::suppress::Suppressions;
pub(crate) use analyze::panic_message;
use analyze::Analyzer;
use report::FileReport;

/// Per project rule, the findings of its last pass while its facts have not changed (a live
/// project's).
pub(crate) type Kept = Vec<Option<Vec<ProjectFinding>>>;

/// A diagnostic without related places (fingerprint filled in at the end).
#[allow(clippy::too_many_arguments)]
fn diagnostic(
    rules: &RuleSet,
    rule: RuleIndex,
    file: FileId,
    range: std::ops::Range<usize>,
    start: Position,
    end: Position,
    message: String,
    line_text: String,
    fix: Option<crate::fix::Fix>,
) -> Diagnostic {
    let rule = rules.rule(rule);
    Diagnostic {
        rule: rule.id.as_str().into(),
        severity: rule.severity,
        file,
        range,
        start,
        end,
        message: message.into(),
        related: Vec::new(),
        fingerprint: String::new(),
        line_text,
        baselined: false,
        fix,
    }
}

/// Runs every project rule's pass over the facts its files gave, adding its findings. A panic
/// inside a rule's pass becomes an internal error of the run (its findings are missing, so the
/// run must not pass as clean), not an abort.
///
/// A live project's `kept` holds, per project rule, the findings of its last pass when none of
/// its facts changed since: they are used again instead of running it, and each rule's findings
/// are stored back; only the findings in the files `wanted` become diagnostics. Its pass stops
/// when `cancelled` says so (checked before each rule's pass starts): the passes that finished
/// are kept, and `false` is returned (the outcome is incomplete).
fn project_pass(
    rules: &RuleSet,
    facts: Vec<Vec<(FileId, AnyFacts)>>,
    suppressions: &[Option<Suppressions>],
    timings: Option<&timings::Timings>,
    mut live: Option<(&mut Kept, &[bool], Cancel)>,
    outcome: &mut Outcome,
) -> bool {
    let cancelled = live.as_ref().map_or(&(|| false) as Cancel, |(_, _, cancelled)| *cancelled);
    let paths: Vec<&str> = outcome.files.iter().map(|f| &*f.path).collect();
    let mut known: Vec<Option<Vec<ProjectFinding>>> = match live.as_mut() {
        Some((kept, _, _)) => std::mem::take(*kept),
        None => Vec::new(),
    };
    known.resize(rules.project_rules.len(), None);
    // The facts are freed on another thread, after the passes: freeing them where each pass
    // ends (a pass takes its facts) was 40% of the project pass's time on a test-heavy tree.
    let held: Vec<AnyFacts> = facts.iter().flatten().map(|(_, facts)| facts.clone()).collect();
    // Rules finish in parallel; their findings come back in rule order.
    let found: Vec<(RuleIndex, Result<Vec<ProjectFinding>, Unfinished>)> = rules
        .project_rules
        .par_iter()
        .zip(facts.into_par_iter())
        .zip(known.into_par_iter())
        .map(|(((rule, engine), rule_facts), known)| {
            if let Some(findings) = known {
                return (*rule, Ok(findings));
            }
            if rule_facts.is_empty() {
                return (*rule, Ok(Vec::new()));
            }
            if cancelled() {
                return (*rule, Err(Unfinished::Cancelled));
            }
            let finish = || engine.finish(rule_facts, &paths);
            let finished = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                timings::timed(timings, |t, d| t.add_rule(Some(rule.0), d), finish)
            }));
            (*rule, finished.map_err(|panic| Unfinished::Panicked(analyze::panic_message(panic.as_ref()))))
        })
        .collect();
    drop_in_background(held);
    if let Some((kept, wanted, _)) = live {
        let complete = !found.iter().any(|(_, finished)| matches!(finished, Err(Unfinished::Cancelled)));
        for (rule, finished) in &found {
            if let (Err(Unfinished::Panicked(detail)), true) = (finished, complete) {
                internal_error(rules, *rule, detail, outcome);
            }
        }
        *kept = found.into_iter().map(|(_, finished)| finished.ok()).collect();
        if !complete {
            return false;
        }
        for ((rule, _), findings) in rules.project_rules.iter().zip(kept.iter()) {
            for finding in findings.iter().flatten().filter(|finding| wanted[finding.file.0]) {
                project_finding(rules, *rule, finding.clone(), suppressions, outcome);
            }
        }
        return true;
    }
    for (rule, finished) in found {
        let findings = match finished {
            Ok(findings) => findings,
            Err(Unfinished::Panicked(detail)) => {
                internal_error(rules, rule, &detail, outcome);
                continue;
            }
            Err(Unfinished::Cancelled) => continue,
        };
        for finding in findings {
            project_finding(rules, rule, finding, suppressions, outcome);
        }
    }
    true
}

/// Asked before each project rule's pass: whether the outcome is no longer wanted (a live
/// project's, when a newer edit arrived).
pub(crate) type Cancel<'a> = &'a (dyn Fn() -> bool + Sync);

/// Why a project rule's pass gave no findings.
enum Unfinished {
    /// It panicked (the panic's message).
    Panicked(String),
    /// It was not started: the outcome was cancelled.
    Cancelled,
}

/// Drops `value` on a thread of its own (freeing a large structure is no business of the answer's
/// way); when no thread can be started, the closure holding it is dropped here instead.
pub(crate) fn drop_in_background<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new().name("ssot-free".into()).spawn(move || drop(value));
}

/// Records that `rule`'s project pass failed (`detail`: its panic).
fn internal_error(rules: &RuleSet, rule: RuleIndex, detail: &str, outcome: &mut Outcome) {
    outcome.internal_errors.push(format!(
        "rule `{}`: internal error in its project pass, its findings are missing (please report it): {detail}",
        rules.rule(rule).id
    ));
}

/// Adds one finding of the project pass (or counts it as suppressed, marking its directive).
fn project_finding(
    rules: &RuleSet,
    rule: RuleIndex,
    finding: ProjectFinding,
    suppressions: &[Option<Suppressions>],
    outcome: &mut Outcome,
) {
    if finding.site.suppressed {
        if let Some(file_suppressions) = &suppressions[finding.file.0] {
            file_suppressions.suppresses(&rules.rule(rule).id, finding.site.start.line);
        }
        outcome.count_suppressed(finding.file);
        return;
    }
    let site = finding.site;
    let mut d = diagnostic(
        rules,
        rule,
        finding.file,
        site.range,
        site.start,
        site.end,
        finding.message,
        site.line_text,
        finding.fix,
    );
    d.related = finding.related;
    outcome.diagnostics.push(d);
}

/// `unused-suppression`: directives that silence nothing, name unknown rules, or lack a
/// required reason.
fn unused_suppressions(
    rules: &RuleSet,
    settings: &Settings,
    suppressions: &[Option<Suppressions>],
    whole_tree: bool,
    outcome: &mut Outcome,
) {
    let project_rule = |id: &str| rules.project_rules.iter().any(|(index, _)| rules.rule(*index).id == id);
    let Some(rule) = rules.unused_suppression else { return };
    let template = &rules.rule(rule).message;
    for (file, file_suppressions) in suppressions.iter().enumerate() {
        let Some(file_suppressions) = file_suppressions else { continue };
        // A rule that does not run here (not selected by the project, or by the nested
        // configuration governing the file) has no findings a directive could be unused for.
        let scope = if settings.scopes.is_empty() { None } else { settings.scope_of(&outcome.real_path(FileId(file))) };
        let active = |id: &str| rules.rules.iter().any(|r| r.id == id) && scope.is_none_or(|scope| scope.selects(id));
        for directive in &file_suppressions.directives {
            if directive.bare {
                bare_suppression(rules, rule, FileId(file), directive, file_suppressions, outcome);
                continue;
            }
            let mut problems = Vec::new();
            // The ids that stay when the fix drops the ones reported; and whether one dropped is
            // a project rule's in a scan of part of the tree (then no fix: see `whole_tree`).
            let mut kept: Vec<&str> = Vec::new();
            let mut partial = false;
            if !directive.valid {
                problems
                    .push("this suppression has no reason and `rules.require-reason` is set: add `-- why`".to_string());
            } else {
                let mut named = std::collections::HashSet::new();
                for (id, used) in directive.ids.iter().zip(&directive.used) {
                    if !named.insert(id) {
                        problems.push(format!("`{id}` is named twice in this suppression: remove one"));
                    } else if !rules.known_ids.contains(id) {
                        problems.push(format!("`{id}` is not a rule (run `ssot rules` to list them)"));
                    } else if active(id) && !used.get() && id != UNUSED_SUPPRESSION {
                        let scope = if directive.file_wide { "in this file" } else { "on this line" };
                        problems.push(format!("`{id}` has no finding {scope} to suppress: remove it"));
                        partial |= !whole_tree && project_rule(id);
                    } else {
                        kept.push(id);
                    }
                }
            }
            let silenced = file_suppressions.would_suppress(UNUSED_SUPPRESSION, directive.start.line);
            let fix = (directive.valid && !partial).then(|| suppression_fix(directive, &kept));
            for problem in problems {
                if silenced {
                    outcome.count_suppressed(FileId(file));
                    continue;
                }
                let message = render_message(template, |var| {
                    (var == "detail").then_some(std::borrow::Cow::Borrowed(problem.as_str()))
                });
                outcome.diagnostics.push(diagnostic(
                    rules,
                    rule,
                    FileId(file),
                    directive.range.clone(),
                    directive.start,
                    directive.end,
                    message,
                    directive.line_text.clone(),
                    fix.clone(),
                ));
            }
        }
    }
}

/// The `unused-suppression` finding of a directive that names no rule (`ssot: ignore`): its fix
/// names the rules with findings on its line (in its file, for `ignore-file`) — unsafe, since it
/// then silences them, which is what it was written for — or removes it when there are none.
fn bare_suppression(
    rules: &RuleSet,
    rule: crate::rule::RuleIndex,
    file: FileId,
    directive: &crate::suppress::Directive,
    suppressions: &Suppressions,
    outcome: &mut Outcome,
) {
    if suppressions.would_suppress(UNUSED_SUPPRESSION, directive.start.line) {
        outcome.count_suppressed(file);
        return;
    }
    let mut ids: Vec<&str> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.file == file && (directive.file_wide || d.start.line == directive.start.line))
        .map(|d| &*d.rule)
        .filter(|id| *id != UNUSED_SUPPRESSION)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let (problem, fix) = if ids.is_empty() {
        (
            "this suppression names no rule, and there is no finding to silence here: remove it".to_string(),
            crate::fix::Fix::safe("Remove the suppression comment", vec![directive.removal.edit("")]),
        )
    } else {
        let list = format!("[{}]", ids.join(", "));
        (
            format!("this suppression names no rule, so it silences nothing: name the rules (`ssot: ignore{list}`)"),
            crate::fix::Fix::new(
                crate::fix::Applicability::Unsafe,
                format!("Name the rules it is for: `{list}`"),
                vec![directive.list.edit(list.clone())],
            ),
        )
    };
    let message = render_message(&rules.rule(rule).message, |var| {
        (var == "detail").then_some(std::borrow::Cow::Borrowed(problem.as_str()))
    });
    let finding = diagnostic(
        rules,
        rule,
        file,
        directive.range.clone(),
        directive.start,
        directive.end,
        message,
        directive.line_text.clone(),
        Some(fix),
    );
    outcome.diagnostics.push(finding);
}

/// The fix of a directive's `unused-suppression` findings: keep only `kept` of its ids, or
/// remove it when none stays. Safe: what it drops silences nothing.
fn suppression_fix(directive: &crate::suppress::Directive, kept: &[&str]) -> crate::fix::Fix {
    use crate::fix::Fix;
    if kept.is_empty() {
        return Fix::safe("Remove the suppression comment", vec![directive.removal.edit("")]);
    }
    Fix::safe("Remove the rules it does not need from the suppression", vec![directive.list.edit(kept.join(", "))])
}

/// Loads the text of every file a diagnostic points into (for reports that quote code); files
/// are not kept in memory during the scan. Files larger than `max_size` bytes (or no longer
/// regular files) are not quoted.
pub fn load_sources(outcome: &mut Outcome, max_size: u64) {
    let mut wanted = vec![false; outcome.files.len()];
    for d in &outcome.diagnostics {
        wanted[d.file.0] = true;
        for related in &d.related {
            wanted[related.file.0] = true;
        }
    }
    let paths: Vec<Option<std::path::PathBuf>> = (0..outcome.files.len())
        .map(|i| (wanted[i] && outcome.files[i].source.is_none()).then(|| outcome.real_path(FileId(i))))
        .collect();
    outcome.files.par_iter_mut().zip(paths).for_each(|(file, path)| {
        if let Some(path) = path {
            file.source = source::read(&path, max_size).ok().map(Arc::from);
        }
    });
}

/// A progress bar on stderr for scans longer than a moment, only when stderr is a terminal (and
/// not `--no-progress`).
fn progress_bar(files: usize, wanted: bool) -> Option<indicatif::ProgressBar> {
    use std::io::IsTerminal;
    if !wanted || files < 2_000 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(files as u64);
    let style = indicatif::ProgressStyle::with_template("{spinner} scanning {pos}/{len} files {wide_bar} {eta}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    bar.set_style(style);
    Some(bar)
}

/// Runs `work` on one of the analysis threads (see [`analysis_pool`]).
pub(crate) fn on_analysis_threads<R: Send>(work: impl FnOnce() -> R + Send) -> R {
    analysis_pool().install(work)
}

/// Analyzes every file, each read once: a file whose stamp the cache knows is answered from it
/// unread; copies (backup folders of byte-identical files are common in large monorepos) share
/// the report of the first one analysed ([`analyze::Copies`]). The reports come back in the
/// order of `files`. Called on the analysis threads. `stamps` holds each file's stamp when the
/// cache is on.
fn analyze_all(
    files: &[std::path::PathBuf],
    stamps: &[Option<cache::Stamp>],
    (rules, engines): (&RuleSet, &ScopedEngines),
    settings: &Settings,
    cache: Option<cache::Cache>,
) -> Vec<FileReport> {
    let progress = progress_bar(files.len(), settings.progress);
    let copies = analyze::Copies::default();
    let stamp = |index: usize| stamps.get(index).copied().flatten();
    let analysed: Vec<analyze::Analysed> = files
        .par_iter()
        .enumerate()
        .map_init(
            || Analyzer::new(rules, engines, settings),
            |analyzer, (index, path)| {
                let report = analyzer.analyze_or_defer(path, stamp(index), cache.as_ref(), &copies);
                if let Some(bar) = &progress {
                    bar.inc(1);
                }
                report
            },
        )
        .collect();
    // Every analysis is done: the deferred copies' reports are in their slots.
    let mut analyzer = None;
    let reports: Vec<FileReport> = analysed
        .into_iter()
        .enumerate()
        .map(|(index, analysed)| match analysed {
            analyze::Analysed::Report(report) => report,
            analyze::Analysed::Copy(slot) => slot.wait().unwrap_or_else(|| {
                let analyzer = analyzer.get_or_insert_with(|| Analyzer::new(rules, engines, settings));
                analyzer.analyze_file(&files[index], stamp(index), cache.as_ref(), &copies)
            }),
        })
        .collect();
    if let Some(bar) = progress {
        bar.finish_and_clear();
    }
    if let Some(cache) = cache {
        cache.save();
    }
    reports
}

/// Scans everything `settings` names with `rules`. Warnings (such as unreadable directories) go
/// to `stderr`.
/// The threads that analyse files: with the stack syn's recursive descent may need on a Rust
/// file within the nesting bound ([`crate::rust::WORKER_STACK`]; reserved address space, used
/// only as deep as a parse goes). Every analysis runs on them, also a one-file scan (which
/// rayon would otherwise run on the calling thread, whose stack is smaller).
fn analysis_pool() -> &'static rayon::ThreadPool {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .stack_size(crate::rust::WORKER_STACK)
            .thread_name(|index| format!("ssot-analysis-{index}"))
            .build()
            .expect("the analysis threads start")
    })
}

/// The files a scan with `settings` would analyse, sorted, and the settings with the nested
/// configurations found (`check --show-files`).
pub fn discover_files(
    settings: &Settings,
    rules: &RuleSet,
) -> Result<(Vec<std::path::PathBuf>, Option<Settings>), crate::UserError> {
    let mut walk = discover::discover(settings);
    let scoped = scopes(settings, rules, walk.candidate_dirs())?;
    if let Some(scoped) = &scoped {
        retain_scoped(&mut walk.files, settings, scoped);
    }
    Ok((walk.files, scoped))
}

/// Drops the files a nested configuration excludes, as a walk that knew it would have: a file
/// that it, or a directory on the way to the file, excludes (the walk decides from the top
/// down; the project's own exclusions it applied already). Not a file named on the command
/// line; inside a directory named, only by the patterns that do not exclude that directory.
fn retain_scoped(files: &mut Vec<std::path::PathBuf>, settings: &Settings, scoped: &Settings) {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    let named_dirs: Vec<&PathBuf> = settings.paths.iter().filter(|path| path.is_dir()).collect();
    // Whether a directory is excluded, itself or through one above it, by the directory named
    // that holds it.
    let mut known: HashMap<Option<&Path>, HashMap<PathBuf, bool>> = HashMap::new();
    fn excluded(
        path: &Path,
        named: Option<&Path>,
        root: &Path,
        scoped: &Settings,
        dirs: &mut HashMap<PathBuf, bool>,
    ) -> bool {
        if path == root || Some(path) == named || !path.starts_with(root) {
            return false;
        }
        if let Some(&known) = dirs.get(path) {
            return known;
        }
        let above = path.parent().is_some_and(|parent| excluded(parent, named, root, scoped, dirs));
        let result = above || scoped.is_excluded_by_scope(path, named);
        dirs.insert(path.to_path_buf(), result);
        result
    }
    files.retain(|path| {
        if settings.paths.contains(path) {
            return true;
        }
        let named = named_dirs.iter().filter(|dir| path.starts_with(dir)).max().map(|dir| dir.as_path());
        !excluded(path, named, &settings.root, scoped, known.entry(named).or_default())
    });
}

/// A nested configuration that cannot be used is an error of the run (status 2), as the
/// project's own would be.
pub fn scan(settings: &Settings, rules: &RuleSet, stderr: &mut dyn Write) -> Result<Outcome, crate::UserError> {
    let started = cache::now_ns();
    if let Some(timings) = &settings.timings {
        timings.start_scan();
    }
    let place = if settings.cache { cache::Place::of(settings, rules) } else { None };
    // A buffer from stdin is not the tree on disk: no snapshot answers for it, nor records it.
    let snapshots = settings.stdin.is_none();
    let previous = place.as_ref().filter(|_| snapshots).and_then(|place| snapshot::Previous::load(settings, place));
    // The files: from the snapshot when no directory changed, else by walking the tree (the
    // result cache is read meanwhile).
    let known = previous.as_ref().and_then(snapshot::Previous::unchanged_walk);
    let walked = known.is_none();
    let open = |place: &cache::Place| cache::Cache::open(place, started);
    let (walk, cache) = match known {
        Some(walk) => (walk, None),
        None => rayon::join(
            || {
                timings::timed(
                    settings.timings.as_deref(),
                    |t, d| t.add_phase(timings::Phase::Walk, d),
                    || discover::discover(settings),
                )
            },
            || place.as_ref().map(open),
        ),
    };
    let mut walk = walk;
    // Nested configurations: found in the directories a fresh walk read, and the files they
    // exclude dropped (a walk from the snapshot was stored so); for a walk from the snapshot,
    // read only when its outcome cannot be reused.
    let mut scoped = None;
    if walked {
        scoped = scopes(settings, rules, walk.candidate_dirs())?;
        if let Some(scoped) = &scoped {
            retain_scoped(&mut walk.files, settings, scoped);
        }
    }
    if let Some(buffer) = &settings.stdin {
        // The buffer is scanned even where no file (yet) is, or the walk would not go.
        if let Err(at) = walk.files.binary_search(&buffer.path) {
            walk.files.insert(at, buffer.path.clone());
        }
    }
    let is_buffer = |path: &std::path::Path| settings.stdin.as_ref().is_some_and(|buffer| buffer.path == path);
    let stamps: Vec<Option<cache::Stamp>> = if place.is_some() {
        walk.files.par_iter().map(|path| if is_buffer(path) { None } else { cache::Stamp::of(path) }).collect()
    } else {
        Vec::new()
    };
    // A fresh walk read the nested configurations: the outcome holds only if they are the ones
    // it obeyed (a change of their text scans no other file).
    let scopes_read = walked.then(|| snapshot::scopes_key(scoped.as_ref()));
    let reused = match (&previous, walk.errors.is_empty()) {
        (Some(previous), true) => previous.outcome(&walk.files, &stamps, scopes_read),
        _ => None,
    };
    if let (Some(outcome), Some(place)) = (reused, &place) {
        if let (Some(previous), true) = (&previous, walked) {
            // Store what this walk saw, unless it is no better than walking again.
            let seen = scoped.as_ref().unwrap_or(settings);
            let tree = snapshot::TreeState::record(seen, &walk.dirs, started, place.dir());
            if tree.vouched() {
                previous.refresh(tree);
            }
        }
        if let Some(timings) = &settings.timings {
            timings.reused_whole(walk.files.len());
        }
        // Freeing tens of thousands of paths takes a while; the run need not wait for it.
        std::thread::spawn(move || drop((previous, walk, stamps, cache)));
        return Ok(restricted(settings, outcome));
    }
    if !walked {
        scoped = scopes(settings, rules, walk.candidate_dirs())?;
    }
    let project = settings;
    let scopes_key = snapshot::scopes_key(scoped.as_ref());
    let settings = scoped.as_ref().unwrap_or(settings);
    let engines = rules.scoped(settings)?;
    let cache = cache.or_else(|| place.as_ref().map(open));
    let outcome = scan_files(settings, (rules, &engines), &walk, &stamps, cache, stderr);
    if let (Some(place), true, true) = (&place, walk.errors.is_empty(), snapshots) {
        let tree = || match (&previous, walked) {
            (Some(previous), false) => previous.tree(),
            _ => snapshot::TreeState::record(settings, &walk.dirs, started, place.dir()),
        };
        // Stored under the key the next run looks it up by (the project's settings).
        snapshot::save(project, scopes_key, place, started, tree, &walk.files, &stamps, &outcome);
    }
    Ok(restricted(settings, outcome))
}

/// `settings` with the nested configurations in `dirs`, when there are any.
fn scopes(
    settings: &Settings,
    rules: &RuleSet,
    dirs: &[std::path::PathBuf],
) -> Result<Option<Settings>, crate::UserError> {
    let known = |id: &str| rules.known_ids.contains(id);
    let project_wide = |id: &str| rules.project_wide(id);
    // What the project's configuration runs: `--select` and `--ignore` narrow what runs in
    // every directory, they do not make a nested configuration's `select` an error.
    let configured = &settings.configured_selection;
    let active = |id: &str| {
        configured.select.as_ref().is_none_or(|list| list.iter().any(|(s, _)| s == id))
            && !configured.ignore.iter().any(|(s, _)| s == id)
    };
    settings.with_scopes(dirs, &known, &active, &project_wide)
}

/// The project's outcome narrowed to the paths asked about ([`Outcome::restrict`]), when they
/// are not the whole project.
fn restricted(settings: &Settings, mut outcome: Outcome) -> Outcome {
    if !settings.names_root() {
        outcome.restrict(&|path| settings.paths.iter().any(|asked| path.starts_with(asked)));
    }
    outcome
}

/// Analyzes the files of `walk`, then runs the project pass.
fn scan_files(
    settings: &Settings,
    (rules, engines): (&RuleSet, &ScopedEngines),
    walk: &discover::Walk,
    stamps: &[Option<cache::Stamp>],
    cache: Option<cache::Cache>,
    stderr: &mut dyn Write,
) -> Outcome {
    let files = &walk.files;
    // A rule set scans again after `--fix` wrote files: what its rules learnt of the last tree
    // does not hold.
    for (_, engine) in &rules.project_rules {
        engine.forget();
    }
    let outcome = walk_outcome(settings, rules, &walk.errors, stderr);
    if let Some(timings) = &settings.timings {
        timings.walked.store(files.len(), std::sync::atomic::Ordering::Relaxed);
    }
    let reports = timings::timed(
        settings.timings.as_deref(),
        |t, d| t.add_phase(timings::Phase::Analysis, d),
        || on_analysis_threads(|| analyze_all(files, stamps, (rules, engines), settings, cache)),
    );
    let assembled = assemble(settings, rules, files, reports.into_iter().map(Given::Whole), outcome, None);
    assembled.unwrap_or_else(|| unreachable!("only a live project's outcome can be cancelled"))
}

/// A file's report as [`assemble`] is given it: whole, or (a live project's file whose
/// diagnostics are not wanted) only what the project rules whose pass runs need of it, the facts
/// of the rules the mask holds ([`rule_bit`]; 0: none, and its facts are not read).
pub(crate) enum Given<'r> {
    Whole(FileReport),
    Facts(&'r report::ScannedReport, u64),
}

/// The bit of the project rule at position `rule` in a mask of project rules (rules past 63
/// share the last: a mask may then hold a rule it was not made for, never miss one).
pub(crate) fn rule_bit(rule: usize) -> u64 {
    1 << rule.min(63)
}

/// The outcome of the files analysed (`reports`, in the order of `files`; `outcome` holds what
/// the walk skipped): their findings and facts collected in path order, the project pass,
/// unused suppressions, the nested configurations' ignores and severities, sorted, with
/// fingerprints (not for a live project's, whose files an editor does not show come as
/// [`Given::Facts`]: see [`live::Assembly`]). What a scan and a live project ([`live`]) share.
/// `None` when the live project's assembly was cancelled.
fn assemble<'r>(
    settings: &Settings,
    rules: &RuleSet,
    files: &[std::path::PathBuf],
    reports: impl IntoIterator<Item = Given<'r>>,
    mut outcome: Outcome,
    mut live: Option<live::Assembly>,
) -> Option<Outcome> {
    let mut facts: Vec<Vec<(FileId, AnyFacts)>> = rules.project_rules.iter().map(|_| Vec::new()).collect();
    let mut suppressions: Vec<Option<Suppressions>> = Vec::new();
    // Per file of the outcome: whether its diagnostics are wanted (a live project's are only
    // those of the files an editor shows).
    let mut wanted: Vec<bool> = Vec::new();
    for (index, (path, report)) in files.iter().zip(reports).enumerate() {
        let display: Arc<str> = match &live {
            Some(live) => live.displays[index].clone(),
            None => settings.display_path(path).into(),
        };
        match report {
            Given::Whole(FileReport::Skipped(reason)) => {
                outcome.transient_skips |= !reason.lasts();
                outcome.skipped.push(Skipped { path: display.to_string(), reason: reason.into_message() });
            }
            Given::Facts(scanned, needed) => {
                let file = FileId(outcome.files.len());
                outcome.suppressed += scanned.suppressed;
                wanted.push(false);
                if needed != 0 {
                    for file_facts in scanned.facts.iter().filter(|f| needed & rule_bit(f.rule.0) != 0) {
                        facts[file_facts.rule.0].push((file, file_facts.value.clone()));
                    }
                }
                outcome.files.push(ScannedFile::new(display, scanned.category, scanned.suppressed));
                suppressions.push(None);
            }
            Given::Whole(FileReport::Scanned(scanned)) => {
                let file = FileId(outcome.files.len());
                outcome.suppressed += scanned.suppressed;
                wanted.push(true);
                for file_facts in scanned.facts {
                    facts[file_facts.rule.0].push((file, file_facts.value));
                }
                outcome.diagnostics.extend(
                    scanned.findings.into_iter().map(|f| {
                        diagnostic(rules, f.rule, file, f.range, f.start, f.end, f.message, f.line_text, f.fix)
                    }),
                );
                outcome.files.push(ScannedFile::new(display, scanned.category, scanned.suppressed));
                suppressions.push(scanned.suppressions);
            }
        }
    }
    let complete = timings::timed(
        settings.timings.as_deref(),
        |t, d| t.add_phase(timings::Phase::Project, d),
        || {
            let live = live.as_mut().map(|live| (&mut *live.kept, wanted.as_slice(), live.cancelled));
            project_pass(rules, facts, &suppressions, settings.timings.as_deref(), live, &mut outcome)
        },
    );
    if !complete {
        return None;
    }
    // Whether the scan covers the whole project: otherwise a directive naming a project rule may
    // be unused only because the files its finding pairs with were not scanned.
    let whole_tree = settings.whole_project || settings.names_root();
    unused_suppressions(rules, settings, &suppressions, whole_tree, &mut outcome);
    if !settings.per_file_ignores.is_empty() || !settings.scopes.is_empty() {
        let paths: Vec<std::path::PathBuf> = (0..outcome.files.len()).map(|i| outcome.real_path(FileId(i))).collect();
        outcome.diagnostics.retain(|d| !settings.ignores(&paths[d.file.0], &d.rule));
        // Severities a nested configuration sets.
        for d in &mut outcome.diagnostics {
            if let Some(severity) = settings.severity_in(&paths[d.file.0], &d.rule) {
                d.severity = severity;
            }
        }
    }
    outcome.sort();
    // A live project's outcome goes to an editor, which shows no fingerprints.
    if live.is_none() {
        crate::fingerprint::assign(&mut outcome);
    }
    Some(outcome)
}

/// The outcome before any file is analysed: what the walk could not read (warned about on
/// `stderr`, and listed with the skipped files) and the subprojects it left out.
fn walk_outcome(
    settings: &Settings,
    rules: &RuleSet,
    errors: &[(std::path::PathBuf, String)],
    stderr: &mut dyn Write,
) -> Outcome {
    let mut outcome = Outcome { rules: rules.ids(), root: settings.root.clone(), ..Outcome::default() };
    // Every walk error is listed with the skipped files: an unreadable directory stands for the
    // files in it, which no count would hold otherwise.
    for (path, message) in errors {
        let shown = settings.display_path(path);
        let _ = writeln!(stderr, "warning: {}", crate::terminal::visible(&format!("{shown}: {message}")));
        let reason = if path.is_dir() {
            format!("directory not scanned, none of its files is checked: {message}")
        } else {
            message.clone()
        };
        outcome.skipped.push(Skipped { path: shown, reason });
    }
    for dir in &settings.subprojects {
        let reason = "directory not scanned: a project of its own (it holds a configuration file); check it on its \
                      own, or add a configuration at the root to make it part of this project";
        outcome.skipped.push(Skipped { path: settings.display_path(dir), reason: reason.to_string() });
    }
    outcome
}

/// The default settings and rules for scanning the directory `root` (for the scan's unit tests).
#[cfg(test)]
pub(crate) fn test_setup(root: &std::path::Path) -> (Settings, RuleSet) {
    let paths = [root.to_path_buf()];
    let settings = Settings::resolve(root, &paths, &crate::config::Overrides::default()).unwrap();
    let catalog = crate::rules::catalog(&settings).unwrap();
    let rules = RuleSet::new(&catalog, &settings).unwrap();
    (settings, rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The walker reports a directory it cannot open (as root, a test cannot make one, so the
    /// walk's error is given): the report lists it with the skipped files, and the counts hold
    /// it.
    #[test]
    fn an_unreadable_directory_is_listed_as_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("locked")).unwrap();
        std::fs::write(root.join("a.py"), "X = 1\n").unwrap();
        let (settings, rules) = crate::scan::test_setup(&root);
        let mut walk = discover::discover(&settings);
        walk.errors.push((root.join("locked"), "Permission denied (os error 13)".to_string()));
        let mut stderr = Vec::new();
        let outcome = scan_files(&settings, (&rules, &ScopedEngines::default()), &walk, &[], None, &mut stderr);
        assert_eq!(outcome.files.len(), 1);
        assert_eq!(outcome.skipped.len(), 1);
        assert_eq!(outcome.skipped[0].path, "locked");
        assert!(outcome.skipped[0].reason.contains("directory not scanned"), "{}", outcome.skipped[0].reason);
        assert_eq!(String::from_utf8(stderr).unwrap(), "warning: locked: Permission denied (os error 13)\n");
    }

    /// A project rule whose pass panics: the run goes on, the other rules' findings are all
    /// there, and the outcome names the internal error (so `check` ends with status 2).
    #[test]
    fn a_panic_in_a_project_rule_becomes_an_internal_error() {
        use crate::rules::{FileContext, Prefilter, ProjectFinding, ProjectRule, Typed};

        struct Panics;
        impl Prefilter for Panics {}
        impl ProjectRule for Panics {
            type Facts = u32;
            fn collect(&self, _: &FileContext) -> Option<u32> {
                Some(1)
            }
            fn finish(&self, _: Vec<(FileId, Arc<u32>)>, _: &[&str]) -> Vec<ProjectFinding> {
                panic!("boom")
            }
        }

        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let twice = "NAME = 'shared value'\nfrom . import x\n";
        std::fs::write(root.join("a.py"), twice).unwrap();
        std::fs::write(root.join("b.py"), twice).unwrap();
        let (mut settings, mut rules) = crate::scan::test_setup(&root);
        settings.cache = false;
        let panicking =
            rules.project_rules.iter().position(|(rule, _)| rules.rule(*rule).id == "duplicate-string-constant");
        let panicking = panicking.expect("duplicate-string-constant is a project rule");
        rules.project_rules[panicking].1 = Box::new(Typed(Panics));
        let mut stderr = Vec::new();
        let outcome = scan(&settings, &rules, &mut stderr).unwrap();
        assert_eq!(outcome.internal_errors.len(), 1, "{:?}", outcome.internal_errors);
        assert!(
            outcome.internal_errors[0].contains("duplicate-string-constant")
                && outcome.internal_errors[0].contains("boom")
        );
        let ids: Vec<&str> = outcome.diagnostics.iter().map(|d| &*d.rule).collect();
        // (`from . import x` in a module outside any package is also an unresolved import.)
        assert_eq!(
            ids,
            ["relative-import", "unresolved-import", "relative-import", "unresolved-import"],
            "the other rules' findings are kept"
        );
    }
}
