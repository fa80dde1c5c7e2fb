//! Analysis of one file: read → parse (with budget) → run every applicable rule in one query
//! pass plus the engines → positions → suppressions. A worker thread owns one [`Analyzer`].

use std::borrow::Cow;
use std::path::Path;
use std::sync::{Arc, Mutex};

use tree_sitter::QueryCursor;

use super::cache::{Cache, Stamp};
use super::parse::{first_error, ParseFailure, PythonParser};
use super::report::{content_key, FileFinding, FileReport, ScannedReport, SkipReason};
use super::source;
use crate::config::Settings;
use crate::diagnostic::{Category, Position};
use crate::language::Language;
use crate::rule::{render_message, PatternMatch, RuleIndex, RuleKind};
use crate::rules::{
    AnyProjectRule, ErasedFacts, FileContext, FileRule, FileText, Finding, ProjectIndex, RuleSet, ScopedEngines,
    Variant,
};

/// A finding before suppression and positions: (rule, byte range, message).
type RawFinding = (RuleIndex, Finding);

/// What of a file's path decides its report for a given content: its language, its category,
/// which rules apply, the rule options of its nested configuration, and each engine's path key.
/// Files with identical content and signature share a report (a `.py` and a `.rs` file with the
/// same bytes do not).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Signature {
    pub language: Language,
    pub category: Category,
    pub enabled: Vec<bool>,
    /// The key of the nested configuration's option values ([`Variant::key`]), 0 for the
    /// project's.
    pub options: u64,
    pub keys: Vec<u64>,
}

/// The reports of this run by content and signature ([`Cache::key`]): each is made once, and a
/// copy of a file gets its report. A copy met while another thread is making its report is
/// deferred ([`Analysed::Copy`]), not waited for: in a tree whose backup folder mirrors its
/// source, the threads of a sorted walk meet the twins of each other's files in step, and
/// waiting made the scan run on one core.
#[derive(Default)]
pub(crate) struct Copies(Mutex<std::collections::HashMap<String, Slot>>);

/// Where the report of one content and signature is put, empty until its first file is analysed
/// (by the thread that holds its lock meanwhile).
#[derive(Clone, Default)]
pub(crate) struct Slot(Arc<Mutex<Option<FileReport>>>);

impl Slot {
    /// The report, once the thread that was making it is done (`None` only if it gave up
    /// without one, which its caught panics prevent).
    pub(crate) fn wait(&self) -> Option<FileReport> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Copies {
    fn slot(&self, key: &str) -> Slot {
        let mut slots = self.0.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key.to_string()).or_default().clone()
    }
}

/// A file's report, or the slot of the copy another thread was analysing when it was met.
pub(crate) enum Analysed {
    Report(FileReport),
    Copy(Slot),
}

/// Per-thread analysis state.
pub(crate) struct Analyzer<'r> {
    rules: &'r RuleSet,
    engines: &'r ScopedEngines,
    settings: &'r Settings,
    parser: PythonParser,
    cursor: QueryCursor,
}

impl<'r> Analyzer<'r> {
    pub(crate) fn new(rules: &'r RuleSet, engines: &'r ScopedEngines, settings: &'r Settings) -> Self {
        Self { rules, engines, settings, parser: PythonParser::new(settings.parse_timeout), cursor: QueryCursor::new() }
    }

    /// What of `path` decides the result for a given content (its signature), and the engines of the nested configuration governing it when
    /// that sets rule options: from one lookup of that configuration.
    fn place(&self, path: &Path) -> (Signature, Option<&'r Variant>) {
        let index = self.settings.scope_index(path);
        let scope = index.map(|index| &self.settings.scopes[index]);
        let variant = index.and_then(|index| self.engines.get(index));
        let signature = Signature {
            language: Language::of_scanned(path),
            category: self.settings.category_in(scope, path),
            enabled: self.rules.rules.iter().map(|rule| rule.applies_in(scope, path)).collect(),
            options: variant.map_or(0, |variant| variant.key),
            keys: self.rules.path_keys(path, variant),
        };
        (signature, variant)
    }

    /// The report of the file at absolute `path` (its stamp, when the cache is on): from the
    /// cache when its stamp and signature are known, else read once and looked up by its content
    /// (the cache, then the copies analysed in this run), else analysed. A report is stored
    /// under the key of the bytes it was made from. A copy that another thread is analysing is
    /// waited for.
    pub(crate) fn analyze_file(
        &mut self,
        path: &Path,
        stamp: Option<Stamp>,
        cache: Option<&Cache>,
        copies: &Copies,
    ) -> FileReport {
        match self.analyze_or_defer(path, stamp, cache, copies) {
            Analysed::Report(report) => report,
            Analysed::Copy(slot) => match slot.wait() {
                Some(report) => report,
                None => self.analyze_file(path, stamp, None, &Copies::default()),
            },
        }
    }

    /// [`Analyzer::analyze_file`], except that a copy another thread is analysing is not waited
    /// for: its slot is returned, to be read once the analysis of every file is done.
    pub(crate) fn analyze_or_defer(
        &mut self,
        path: &Path,
        stamp: Option<Stamp>,
        cache: Option<&Cache>,
        copies: &Copies,
    ) -> Analysed {
        let (signature, variant) = self.place(path);
        let reused = || {
            if let Some(timings) = &self.settings.timings {
                crate::timings::Timings::count(&timings.reused);
            }
        };
        if let (Some(cache), Some(stamp)) = (cache, stamp) {
            let known = cache
                .known_content(path, stamp)
                .and_then(|content| cache.get(&Cache::key(content, &signature), self.rules));
            if let Some(report) = known {
                reused();
                return Analysed::Report(report);
            }
        }
        let bytes = match source::read_scanned(self.settings, path) {
            Ok(bytes) => bytes,
            Err(reason) => return Analysed::Report(FileReport::Skipped(reason)),
        };
        let content = content_key(&bytes);
        if let (Some(cache), Some(stamp)) = (cache, stamp) {
            cache.record_content(path, stamp, content);
        }
        let key = Cache::key(content, &signature);
        if let Some(report) = cache.and_then(|cache| cache.get(&key, self.rules)) {
            reused();
            return Analysed::Report(report);
        }
        // One analysis per content and signature: a copy taken up meanwhile is deferred. The
        // analysis waits on nothing else, catches its own panics and starts no parallel work.
        let slot = copies.slot(&key);
        let mut made = match slot.0.try_lock() {
            Ok(made) => made,
            Err(std::sync::TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => {
                reused();
                return Analysed::Copy(slot.clone());
            }
        };
        if let Some(report) = made.as_ref() {
            reused();
            return Analysed::Report(report.clone());
        }
        let report = self.analyze(path, bytes, &signature, variant);
        if let Some(cache) = cache {
            cache.put(&key, &report, self.rules);
        }
        *made = Some(report.clone());
        Analysed::Report(report)
    }

    /// The report of the file at absolute `path` whose content is `bytes` (an editor's buffer),
    /// analysed afresh.
    pub(crate) fn analyze_buffer(&mut self, path: &Path, bytes: &[u8]) -> FileReport {
        if let Err(reason) = source::within_limit(self.settings, bytes.len() as u64) {
            return FileReport::Skipped(reason);
        }
        let (signature, variant) = self.place(path);
        self.analyze(path, bytes.to_vec(), &signature, variant)
    }

    /// Per rule: enabled for this path and able to match `source`, judged from its text alone
    /// (pattern rules by their prefilter, engines by `may_match` or `may_match_rust` for the
    /// file's language; scanner-run rules stay as enabled; with `--no-byte-tests`, every enabled rule). Computed once per file; it decides
    /// both the parse and which rules run.
    fn active(&self, path: &Path, source: &str, signature: &Signature, variant: Option<&Variant>) -> Vec<bool> {
        let mut active = signature.enabled.clone();
        // A rule's byte test counts as its time (`--timings`).
        let timings = self.settings.timings.as_deref();
        let timed = |rule: usize, test: &dyn Fn() -> bool| {
            crate::timings::timed(timings, |t, d| t.add_rule(Some(rule), d), test)
        };
        if !self.settings.byte_tests {
            return active;
        }
        for (index, (rule, on)) in self.rules.rules.iter().zip(active.iter_mut()).enumerate() {
            if let (true, Some(regex)) = (*on, &rule.prefilter) {
                *on = timed(index, &|| regex.is_match(source));
            }
        }
        let may_match = |index: RuleIndex, engine: &dyn crate::rules::Prefilter| {
            timed(index.0, &|| match signature.language {
                Language::Python => engine.may_match(path, source),
                Language::Rust => engine.may_match_rust(path, source),
            })
        };
        for (index, engine) in self.rules.file_engines(variant) {
            active[index.0] = active[index.0] && may_match(index, engine);
        }
        for (index, engine) in &self.rules.project_rules {
            active[index.0] = active[index.0] && may_match(*index, engine.as_ref());
        }
        active
    }

    /// The `parse-error` finding at `range` saying `detail`, when the rule is active.
    fn parse_error(&self, active: &[bool], range: std::ops::Range<usize>, detail: &str) -> Option<RawFinding> {
        let index = self.rules.parse_error.filter(|index| active[index.0])?;
        let message =
            render_message(&self.rules.rule(index).message, |name| (name == "detail").then_some(Cow::Borrowed(detail)));
        Some((index, Finding::new(range, message)))
    }

    /// The skip of a file whose parse took `elapsed`, over the budget (`stopped`: the parser
    /// was stopped at the budget, as tree-sitter is; syn cannot be, and finishes first).
    fn over_budget(&self, elapsed: std::time::Duration, stopped: bool) -> FileReport {
        let took = if stopped {
            format!("stopped after {} ms", elapsed.as_millis())
        } else {
            format!("{} ms", elapsed.as_millis())
        };
        FileReport::Skipped(SkipReason::Timeout(format!(
            "parsing took longer than the {} ms budget ({took}; raise scan.parse-timeout-ms to scan it)",
            self.settings.parse_timeout.as_millis(),
        )))
    }

    /// Runs every active engine on a parsed file: `check` for the file rules (their findings go
    /// to `raw`), `collect` for the project rules (their facts are returned).
    fn run_engines(
        &self,
        variant: Option<&Variant>,
        active: &[bool],
        raw: &mut Vec<RawFinding>,
        check: impl Fn(&dyn FileRule, &mut Vec<Finding>),
        collect: impl Fn(&dyn AnyProjectRule) -> Option<crate::rules::AnyFacts>,
    ) -> Vec<ErasedFacts> {
        let timings = self.settings.timings.as_deref();
        let mut found: Vec<Finding> = Vec::new();
        for (index, engine) in self.rules.file_engines(variant) {
            if active[index.0] {
                crate::timings::timed(timings, |t, d| t.add_rule(Some(index.0), d), || check(engine, &mut found));
                raw.extend(found.drain(..).map(|f| (index, f)));
            }
        }
        let mut facts = Vec::new();
        for (position, (index, engine)) in self.rules.project_rules.iter().enumerate() {
            if active[index.0] {
                let collected =
                    crate::timings::timed(timings, |t, d| t.add_rule(Some(index.0), d), || collect(engine.as_ref()));
                if let Some(value) = collected {
                    facts.push(ErasedFacts { rule: ProjectIndex(position), value });
                }
            }
        }
        facts
    }

    /// Whether the file must be parsed: some rule other than the scanner-run ones could match,
    /// or it has suppression comments to check, or `parse-error` was selected by name.
    fn needs_tree(&self, base: &FileText, active: &[bool]) -> bool {
        let rules = &self.rules.rules;
        self.rules.parse_all
            || base.directives
            || rules.iter().zip(active).any(|(rule, &on)| on && !matches!(rule.kind, RuleKind::Scanner(_)))
    }

    /// Analyzes the file at absolute `path`, whose content is `bytes`; a panic inside becomes a
    /// skip reason.
    pub(crate) fn analyze(
        &mut self,
        path: &Path,
        bytes: Vec<u8>,
        signature: &Signature,
        variant: Option<&Variant>,
    ) -> FileReport {
        if let Some(timings) = &self.settings.timings {
            crate::timings::Timings::count(&timings.analysed);
        }
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            self.analyze_inner(path, bytes, signature, variant)
        }));
        outcome.unwrap_or_else(|panic| {
            crate::rust::release_spans();
            self.parser = PythonParser::new(self.settings.parse_timeout);
            self.cursor = QueryCursor::new();
            let detail = panic_message(panic.as_ref());
            FileReport::Skipped(SkipReason::Internal(format!(
                "internal error while analysing this file (please report it): {detail}"
            )))
        })
    }

    fn analyze_inner(
        &mut self,
        path: &Path,
        bytes: Vec<u8>,
        signature: &Signature,
        variant: Option<&Variant>,
    ) -> FileReport {
        let source = match source::text(bytes) {
            Ok(source) => source,
            Err(reason) => return FileReport::Skipped(reason),
        };
        if signature.language == Language::Rust {
            return self.analyze_rust(path, &source, signature, variant);
        }
        let category = signature.category;
        let rules = &self.rules.rules;
        let active = self.active(path, &source, signature, variant);
        let base = FileText::new(path, &source, category, self.settings.require_reason);
        // Cheap before expensive: parse only when some rule could match (or a suppression
        // comment needs checking).
        if !self.needs_tree(&base, &active) {
            return FileReport::Scanned(ScannedReport::empty(category));
        }
        let timings = self.settings.timings.as_deref();
        if let Some(timings) = timings {
            crate::timings::Timings::count(&timings.tokenized);
        }
        let answers = match self.fast_path(&base, &active, variant) {
            Some(answers) if answers.declined.is_empty() => return report(base, answers.raw, answers.facts, rules),
            answers => answers,
        };
        if let Some(timings) = timings {
            crate::timings::Timings::count(&timings.parsed);
        }
        // The engines the tokens decided do not run again on the tree.
        let mut tree_active = active.clone();
        if let Some(answers) = &answers {
            let decided = |index: RuleIndex| !answers.declined.contains(&index);
            for (index, _) in self.rules.file_engines(variant) {
                tree_active[index.0] &= !decided(index);
            }
            for (index, _) in &self.rules.project_rules {
                tree_active[index.0] &= !decided(*index);
            }
        }
        let why = match &answers {
            Some(answers) => crate::timings::Parsed::Declined(answers.declined.iter().map(|index| index.0).collect()),
            None => crate::timings::Parsed::Tree,
        };
        let shown = timings.map(|_| self.settings.display_path(path)).unwrap_or_default();
        let comments = &base.tokens().comments;
        let parser = &mut self.parser;
        let parsed =
            crate::timings::timed(timings, |t, d| t.add_parse(d, &shown, &why), || parser.parse(&source, comments));
        let tree = match parsed {
            Ok(tree) => tree,
            Err(ParseFailure::Timeout(elapsed)) => return self.over_budget(elapsed, true),
            Err(ParseFailure::Failed) => {
                return FileReport::Skipped(SkipReason::Content("tree-sitter returned no syntax tree".into()))
            }
            Err(ParseFailure::TooDeep(count)) => {
                return FileReport::Skipped(SkipReason::Content(format!(
                    "not parsed: {count} distinct indentation widths, more than the {} a file may have \
                     (CPython accepts at most 100 levels of indentation)",
                    super::parse::MAX_INDENT_WIDTHS
                )))
            }
        };

        let mut raw: Vec<RawFinding> = Vec::new();
        if self.rules.parse_error.is_some_and(|index| active[index.0]) {
            if let Some((range, detail)) = first_error(&tree, &base) {
                raw.extend(self.parse_error(&active, range, &detail));
            }
        }
        if let Some(patterns) = &self.rules.patterns {
            // Only the pattern rules whose prefilter matched take part in the query pass.
            if self.pattern_rule_active(&active) {
                let mut matches: Vec<PatternMatch> = Vec::new();
                let cursor = &mut self.cursor;
                crate::timings::timed(
                    timings,
                    |t, d| t.add_rule(None, d),
                    || patterns.run(&tree, &source, &active, cursor, &mut matches),
                );
                raw.extend(matches.into_iter().map(|m| (m.rule, Finding::new(m.range, m.message))));
            }
        }
        let context = FileContext::new(base, &tree);
        let mut facts = self.run_engines(
            variant,
            &tree_active,
            &mut raw,
            |engine, found| engine.check(&context, found),
            |engine| engine.collect(&context),
        );
        if let Some(answers) = answers {
            raw.extend(answers.raw);
            facts.extend(answers.facts);
            facts.sort_by_key(|facts| facts.rule);
        }
        report(context.base, raw, facts, rules)
    }

    /// [`Analyzer::analyze_inner`] for a Rust file: parsed with syn when some rule could match
    /// (or a suppression needs checking), then each engine that reads Rust runs on the tree. A
    /// file syn cannot parse gets its `parse-error` finding and no other.
    fn analyze_rust(
        &mut self,
        path: &Path,
        source: &str,
        signature: &Signature,
        variant: Option<&Variant>,
    ) -> FileReport {
        let rules = &self.rules.rules;
        let active = self.active(path, source, signature, variant);
        let base =
            FileText::new(path, source, signature.category, self.settings.require_reason).with_language(Language::Rust);
        if !self.needs_tree(&base, &active) {
            return FileReport::Scanned(ScannedReport::empty(signature.category));
        }
        let timings = self.settings.timings.as_deref();
        if let Some(timings) = timings {
            crate::timings::Timings::count(&timings.parsed);
        }
        let started = std::time::Instant::now();
        let shown = timings.map(|_| self.settings.display_path(path)).unwrap_or_default();
        let add = |t: &crate::timings::Timings, d| t.add_parse(d, &shown, &crate::timings::Parsed::Tree);
        let parsed = crate::timings::timed(timings, add, || crate::rust::parse(source));
        let elapsed = started.elapsed();
        if elapsed > self.settings.parse_timeout {
            drop(parsed);
            crate::rust::release_spans();
            return self.over_budget(elapsed, false);
        }
        let mut raw: Vec<RawFinding> = Vec::new();
        let syntax = match parsed {
            Ok(syntax) => syntax,
            Err(crate::rust::ParseFailure::TooDeep(depth)) => {
                crate::rust::release_spans(); // the tokens were lexed
                return FileReport::Skipped(SkipReason::Content(format!(
                    "not parsed: nested {depth} deep, more than the {} a Rust file may be",
                    crate::rust::MAX_NESTING
                )));
            }
            Err(crate::rust::ParseFailure::Syntax { range, message }) => {
                crate::rust::release_spans();
                raw.extend(self.parse_error(&active, range, &message));
                return report(base, raw, Vec::new(), rules);
            }
        };
        let context = crate::rules::RustFile::new(base, &syntax);
        let facts = self.run_engines(
            variant,
            &active,
            &mut raw,
            |engine, found| engine.check_rust(&context, found),
            |engine| engine.collect_rust(&context),
        );
        let report = report(context.base, raw, facts, rules);
        drop(syntax);
        crate::rust::release_spans();
        report
    }

    fn pattern_rule_active(&self, active: &[bool]) -> bool {
        self.rules
            .rules
            .iter()
            .zip(active)
            .any(|(rule, &on)| on && matches!(rule.kind, crate::rule::RuleKind::Pattern { .. }))
    }

    /// The fast path: each active engine decided from the file's tokens, where it can be;
    /// `None` when it is not tried (a pattern rule is active, the file has suppression
    /// comments, `parse-error` was selected by name, `--no-fast-path`, or a name before a quote
    /// that the tree reads as a string prefix). The engines that declined are left for the tree
    /// ([`TokenAnswers::declined`]).
    fn fast_path(&self, base: &FileText, active: &[bool], variant: Option<&Variant>) -> Option<TokenAnswers> {
        // A suppression comment may name `parse-error`, which only a parse can honour.
        if !self.settings.fast_path || self.rules.parse_all || base.directives || self.pattern_rule_active(active) {
            return None;
        }
        // `bf"{x}"`: the tokens read a name and a string, the tree one f-string; the file is
        // broken (a `parse-error`) and the tree reads it for every rule.
        // A name CPython reads normalised (`ｏｓ`): the file is parsed, so `parse-error` says so.
        if base.tokens().reads_unlike_cpython() {
            return None;
        }
        let timings = self.settings.timings.as_deref();
        let mut answers = TokenAnswers::default();
        let mut found: Vec<Finding> = Vec::new();
        for (index, engine) in self.rules.file_engines(variant) {
            if active[index.0] {
                let check = || engine.check_tokens(base, &mut found);
                if crate::timings::timed(timings, |t, d| t.add_rule(Some(index.0), d), check).is_err() {
                    found.clear();
                    answers.declined.push(index);
                    continue;
                }
                answers.raw.extend(found.drain(..).map(|f| (index, f)));
            }
        }
        for (position, (index, engine)) in self.rules.project_rules.iter().enumerate() {
            if active[index.0] {
                let collect = || engine.collect_tokens(base);
                match crate::timings::timed(timings, |t, d| t.add_rule(Some(index.0), d), collect) {
                    Ok(Some(value)) => answers.facts.push(ErasedFacts { rule: ProjectIndex(position), value }),
                    Ok(None) => {}
                    Err(_) => answers.declined.push(*index),
                }
            }
        }
        if let Some(timings) = timings {
            for index in &answers.declined {
                timings.add_declined(index.0);
            }
        }
        Some(answers)
    }
}

/// What the fast path decided: the findings and facts of the engines that read the file's
/// tokens, and the engines that declined (they run on the tree; the others do not run again).
#[derive(Default)]
struct TokenAnswers {
    raw: Vec<RawFinding>,
    facts: Vec<ErasedFacts>,
    declined: Vec<RuleIndex>,
}

/// The text of a caught panic's payload.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default()
}

/// The report of a scanned file from its raw findings (rule, range, message) and facts: sorted,
/// deduplicated, positioned, and filtered by the file's suppression comments.
fn report(
    mut base: FileText,
    mut raw: Vec<RawFinding>,
    facts: Vec<ErasedFacts>,
    rules: &[crate::rule::Rule],
) -> FileReport {
    let category = base.category;
    if raw.is_empty() {
        if base.directives {
            base.suppressions();
        }
        let suppressions = base.take_suppressions().filter(|s| !s.is_empty());
        return FileReport::Scanned(ScannedReport { suppressions, facts, ..ScannedReport::empty(category) });
    }
    let source = base.source;
    let lines = base.lines();
    let suppressions = base.suppressions();
    let mut findings = Vec::with_capacity(raw.len());
    let mut suppressed = 0;
    raw.sort_by_key(|(rule, finding)| (finding.range.start, *rule, finding.range.end));
    raw.dedup_by(|a, b| a.0 == b.0 && a.1.range == b.1.range);
    // Findings come sorted by start: those on one line share its normalised text.
    let mut line_text: Option<(usize, String)> = None;
    for (rule, Finding { range, message, fix }) in raw {
        let (line, column) = lines.position(source, range.start);
        if suppressions.suppresses(&rules[rule.0].id, line) {
            suppressed += 1;
            continue;
        }
        let (end_line, end_column) = lines.position(source, range.end);
        let text = match &line_text {
            Some((at, text)) if *at == line => text.clone(),
            _ => {
                let text = crate::fingerprint::normalized_line(lines.line_text(source, range.start));
                line_text.insert((line, text)).1.clone()
            }
        };
        findings.push(FileFinding {
            rule,
            range,
            start: Position { line, column },
            end: Position { line: end_line, column: end_column },
            message,
            line_text: text,
            fix: fix.map(|mut fix| {
                for edit in &mut fix.edits {
                    edit.start = base.position(edit.range.start);
                    edit.end = base.position(edit.range.end);
                }
                fix
            }),
        });
    }
    let suppressions = base.take_suppressions().filter(|s| !s.is_empty());
    FileReport::Scanned(ScannedReport { category, findings, suppressed, facts, suppressions })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A copy whose report another thread is making is deferred, not waited for, and its slot
    /// holds that report once it is made.
    #[test]
    fn a_copy_being_analysed_elsewhere_is_deferred() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let text = "import os\nX = os.environ['A']\n";
        std::fs::write(root.join("a.py"), text).unwrap();
        let (settings, rules) = crate::scan::test_setup(&root);
        let engines = ScopedEngines::default();
        let mut analyzer = Analyzer::new(&rules, &engines, &settings);
        let copies = Copies::default();
        let (signature, _) = analyzer.place(&root.join("a.py"));
        let slot = copies.slot(&Cache::key(content_key(text.as_bytes()), &signature));
        let busy = slot.0.lock().unwrap();
        let deferred = match analyzer.analyze_or_defer(&root.join("a.py"), None, None, &copies) {
            Analysed::Copy(deferred) => deferred,
            Analysed::Report(_) => panic!("a copy whose slot is held must be deferred"),
        };
        drop(busy);
        assert!(deferred.wait().is_none(), "nothing was made yet");
        let Analysed::Report(FileReport::Scanned(made)) =
            analyzer.analyze_or_defer(&root.join("a.py"), None, None, &copies)
        else {
            panic!("a free slot is filled by its first file");
        };
        let Some(FileReport::Scanned(waited)) = deferred.wait() else { panic!("the slot holds the report") };
        assert_eq!((waited.findings.len(), made.findings.len()), (1, 1));
    }

    /// Copies share a report only when their signature agrees (a test file and a production file
    /// with the same bytes do not), and each report is stored in the cache under the key of the
    /// bytes it was made from.
    #[test]
    fn copies_share_a_report_by_content_and_signature() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let text = "import os\nX = os.environ['A']\n";
        for name in ["a.py", "b.py", "test_a.py"] {
            std::fs::write(root.join(name), text).unwrap();
        }
        let (mut settings, rules) = crate::scan::test_setup(&root);
        let timings = std::sync::Arc::new(crate::timings::Timings::new(rules.rules.len()));
        settings.timings = Some(timings.clone());
        let place = super::super::cache::Place::of(&settings, &rules).unwrap();
        let cache = Cache::open(&place, super::super::cache::now_ns());
        let engines = ScopedEngines::default();
        let mut analyzer = Analyzer::new(&rules, &engines, &settings);
        let copies = Copies::default();
        let category = |report: &FileReport| match report {
            FileReport::Scanned(scanned) => (scanned.category, scanned.findings.len()),
            FileReport::Skipped(reason) => panic!("skipped: {reason:?}"),
        };
        let reports: Vec<_> = ["a.py", "b.py", "test_a.py"]
            .iter()
            .map(|name| category(&analyzer.analyze_file(&root.join(name), None, Some(&cache), &copies)))
            .collect();
        assert_eq!(reports, [(Category::Production, 1), (Category::Production, 1), (Category::Test, 1)]);
        let count = |counter: &std::sync::atomic::AtomicUsize| counter.load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!((count(&timings.analysed), count(&timings.reused)), (2, 1), "b.py is a.py's copy");
        let (signature, _) = analyzer.place(&root.join("a.py"));
        cache.save();
        let cache = Cache::open(&place, super::super::cache::now_ns());
        let stored = cache.get(&Cache::key(content_key(text.as_bytes()), &signature), &rules).unwrap();
        assert_eq!(category(&stored), (Category::Production, 1));
    }
}
