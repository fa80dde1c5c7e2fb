//! Analysis of one file: read → parse (with budget) → run every applicable rule in one query
//! pass plus the engines → positions → suppressions. A worker thread owns one [`Analyzer`].

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;

use tree_sitter::QueryCursor;

use super::cache::Cache;
use super::parse::{first_error, ParseFailure, PythonParser};
use super::source;
use super::suppress::Suppressions;
use crate::config::Settings;
use crate::diagnostic::{Category, Position};
use crate::rule::{render_message, PatternMatch, RuleSet};
use crate::rules::{EngineFinding, Facts, FileContext, FileText};

/// One finding in one file, after suppression.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct FileFinding {
    pub rule: usize,
    pub range: Range<usize>,
    pub start: Position,
    pub end: Position,
    pub message: String,
    /// The flagged line, normalised (for the fingerprint).
    pub line_text: String,
}

/// What of a file's path decides its report for a given content: its category, which rules
/// apply, and each engine's path key. Files with identical content and signature share a report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Signature {
    pub category: Category,
    pub enabled: Vec<bool>,
    pub keys: Vec<u64>,
}

/// A file that was analysed.
#[derive(Clone)]
pub(crate) struct ScannedReport {
    pub category: Category,
    pub findings: Vec<FileFinding>,
    pub suppressed: usize,
    /// Facts for the project pass: (engine index in the rule set, facts).
    pub facts: Vec<(usize, Facts)>,
    /// The file's suppression directives, when it has any.
    pub suppressions: Option<Suppressions>,
}

/// What became of one file.
#[derive(Clone)]
pub(crate) enum FileReport {
    Scanned(ScannedReport),
    Skipped(String),
}

/// Whether a skip reason lasts as long as the file's content: not a failed read, a parse that ran
/// out of its time budget or an internal error, which a rerun may not meet again. Only lasting
/// reasons are cached.
pub(crate) fn lasting(reason: &str) -> bool {
    !(reason.starts_with("cannot be read") || reason.contains("parse-timeout-ms") || reason.contains("internal error"))
}

/// Per-thread analysis state.
pub(crate) struct Analyzer<'r> {
    rules: &'r RuleSet,
    settings: &'r Settings,
    parser: PythonParser,
    cursor: QueryCursor,
}

impl<'r> Analyzer<'r> {
    pub(crate) fn new(rules: &'r RuleSet, settings: &'r Settings) -> Self {
        Self { rules, settings, parser: PythonParser::new(settings.parse_timeout), cursor: QueryCursor::new() }
    }

    /// What of `path` decides the result for a given content.
    pub(crate) fn signature(&self, path: &Path) -> Signature {
        Signature {
            category: self.settings.category(path),
            enabled: self.rules.rules.iter().map(|rule| rule.applies_to(path)).collect(),
            keys: self.rules.engines.iter().map(|(_, engine)| engine.path_key(path)).collect(),
        }
    }

    /// Analyzes the files at absolute `paths`, which hold identical content: once per distinct
    /// signature.
    pub(crate) fn analyze_group(&mut self, paths: &[&Path], cache: Option<((u64, u64), &Cache)>) -> Vec<FileReport> {
        let mut done: Vec<(_, FileReport)> = Vec::new();
        paths
            .iter()
            .map(|path| {
                let signature = self.signature(path);
                if let Some((_, report)) = done.iter().find(|(s, _)| *s == signature) {
                    return report.clone();
                }
                let key = cache.map(|(content, _)| Cache::key(content, &signature));
                let cached = cache.zip(key.as_ref()).and_then(|((_, cache), key)| cache.get(key, self.rules));
                let report = match cached {
                    Some(report) => report,
                    None => {
                        let report = self.analyze(path, &signature);
                        if let (Some((_, cache)), Some(key)) = (cache, &key) {
                            cache.put(key, &report, self.rules);
                        }
                        report
                    }
                };
                done.push((signature, report.clone()));
                report
            })
            .collect()
    }

    /// Per rule: enabled for this path and able to match `source`, judged from its text alone
    /// (pattern rules by their prefilter, engines by `may_match`; scanner-run rules stay as
    /// enabled). Computed once per file; it decides both the parse and which rules run.
    fn active(&self, path: &Path, source: &str, enabled: &[bool]) -> Vec<bool> {
        let mut active = enabled.to_vec();
        for (rule, on) in self.rules.rules.iter().zip(active.iter_mut()) {
            if let (true, Some(regex)) = (*on, &rule.prefilter) {
                *on = regex.is_match(source);
            }
        }
        for (index, engine) in &self.rules.engines {
            active[*index] = active[*index] && engine.may_match(path, source);
        }
        active
    }

    /// Whether the file must be parsed: some rule other than the scanner-run ones could match,
    /// or it has suppression comments to check, or `parse-error` was selected by name.
    fn needs_tree(&self, base: &FileText, active: &[bool]) -> bool {
        let scanner_run = [self.rules.parse_error, self.rules.unused_suppression];
        self.rules.parse_all
            || base.directives
            || active.iter().enumerate().any(|(index, &on)| on && !scanner_run.contains(&Some(index)))
    }

    /// Analyzes the file at absolute `path`; a panic inside becomes a skip reason.
    pub(crate) fn analyze(&mut self, path: &Path, signature: &Signature) -> FileReport {
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.analyze_inner(path, signature)));
        outcome.unwrap_or_else(|panic| {
            self.parser = PythonParser::new(self.settings.parse_timeout);
            self.cursor = QueryCursor::new();
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            FileReport::Skipped(format!("internal error while analysing this file (please report it): {detail}"))
        })
    }

    fn analyze_inner(&mut self, path: &Path, signature: &Signature) -> FileReport {
        let source = match source::read(path, self.settings.max_file_size) {
            Ok(source) => source,
            Err(reason) => return FileReport::Skipped(reason),
        };
        let category = signature.category;
        let rules = &self.rules.rules;
        let active = self.active(path, &source, &signature.enabled);
        let base = FileText::new(path, &source, category, self.settings.require_reason);
        // Cheap before expensive: parse only when some rule could match (or a suppression
        // comment needs checking).
        if !self.needs_tree(&base, &active) {
            return FileReport::Scanned(ScannedReport {
                category,
                findings: Vec::new(),
                suppressed: 0,
                facts: Vec::new(),
                suppressions: None,
            });
        }
        if let Some((raw, facts)) = self.fast_path(&base, &active) {
            return report(base, raw, facts, rules);
        }
        let tree = match self.parser.parse(&source) {
            Ok(tree) => tree,
            Err(ParseFailure::Timeout(elapsed)) => {
                return FileReport::Skipped(format!(
                    "parsing took longer than the {} ms budget (stopped after {} ms; raise scan.parse-timeout-ms to scan it)",
                    self.settings.parse_timeout.as_millis(),
                    elapsed.as_millis()
                ))
            }
            Err(ParseFailure::Failed) => return FileReport::Skipped("tree-sitter returned no syntax tree".into()),
        };

        let mut raw: Vec<(usize, Range<usize>, String)> = Vec::new();
        if let Some(index) = self.rules.parse_error.filter(|&index| active[index]) {
            if let Some((range, detail)) = first_error(&tree, &base) {
                let message = render_message(&rules[index].message, |name| {
                    (name == "detail").then_some(Cow::Borrowed(detail.as_str()))
                });
                raw.push((index, range, message));
            }
        }
        if let Some(patterns) = &self.rules.patterns {
            // Only the pattern rules whose prefilter matched take part in the query pass.
            if self.pattern_rule_active(&active) {
                let mut matches: Vec<PatternMatch> = Vec::new();
                patterns.run(&tree, &source, &active, &mut self.cursor, &mut matches);
                raw.extend(matches.into_iter().map(|m| (m.rule, m.range, m.message)));
            }
        }
        let context = FileContext::new(base, &tree);
        let mut found: Vec<EngineFinding> = Vec::new();
        let mut facts = Vec::new();
        for (engine_index, (index, engine)) in self.rules.engines.iter().enumerate() {
            if active[*index] {
                found.clear();
                engine.check(&context, &mut found);
                raw.extend(found.drain(..).map(|f| (*index, f.range, f.message)));
                if let Some(file_facts) = engine.collect(&context) {
                    facts.push((engine_index, file_facts));
                }
            }
        }
        report(context.base, raw, facts, rules)
    }

    fn pattern_rule_active(&self, active: &[bool]) -> bool {
        self.rules
            .rules
            .iter()
            .zip(active)
            .any(|(rule, &on)| on && matches!(rule.kind, crate::rule::RuleKind::Pattern { .. }))
    }

    /// The fast path: every active rule decided from the file's tokens, without parsing it;
    /// `None` when some rule cannot be (a pattern rule, an engine whose tokens do not decide,
    /// suppression comments, `parse-error` selected by name, or `--no-fast-path`).
    #[allow(clippy::type_complexity)]
    fn fast_path(
        &self,
        base: &FileText,
        active: &[bool],
    ) -> Option<(Vec<(usize, Range<usize>, String)>, Vec<(usize, Facts)>)> {
        // A suppression comment may name `parse-error`, which only a parse can honour.
        if !self.settings.fast_path || self.rules.parse_all || base.directives || self.pattern_rule_active(active) {
            return None;
        }
        let mut raw = Vec::new();
        let mut facts = Vec::new();
        let mut found: Vec<EngineFinding> = Vec::new();
        for (engine_index, (index, engine)) in self.rules.engines.iter().enumerate() {
            if active[*index] {
                found.clear();
                let file_facts = engine.check_tokens(base, &mut found)?;
                raw.extend(found.drain(..).map(|f| (*index, f.range, f.message)));
                facts.extend(file_facts.map(|f| (engine_index, f)));
            }
        }
        Some((raw, facts))
    }
}

/// The report of a scanned file from its raw findings (rule, range, message) and facts: sorted,
/// deduplicated, positioned, and filtered by the file's suppression comments.
fn report(
    mut base: FileText,
    mut raw: Vec<(usize, Range<usize>, String)>,
    facts: Vec<(usize, Facts)>,
    rules: &[crate::rule::Rule],
) -> FileReport {
    let category = base.category;
    if raw.is_empty() {
        if base.directives {
            base.suppressions();
        }
        let suppressions = base.take_suppressions().filter(|s| !s.is_empty());
        return FileReport::Scanned(ScannedReport {
            category,
            findings: Vec::new(),
            suppressed: 0,
            facts,
            suppressions,
        });
    }
    let source = base.source;
    let lines = base.lines();
    let suppressions = base.suppressions();
    let mut findings = Vec::with_capacity(raw.len());
    let mut suppressed = 0;
    raw.sort_by_key(|a| (a.1.start, a.0, a.1.end));
    raw.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    // Findings come sorted by start: those on one line share its normalised text.
    let mut line_text: Option<(usize, String)> = None;
    for (rule, range, message) in raw {
        let (line, column) = lines.position(source, range.start);
        if suppressions.suppresses(&rules[rule].id, line) {
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
        });
    }
    let suppressions = base.take_suppressions().filter(|s| !s.is_empty());
    FileReport::Scanned(ScannedReport { category, findings, suppressed, facts, suppressions })
}
