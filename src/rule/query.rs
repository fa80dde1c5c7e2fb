//! Pattern rules: validation of one rule's tree-sitter query, and the [`PatternMatcher`] that
//! runs every active pattern rule in one combined query (one pass over each tree).

use std::borrow::Cow;
use std::ops::Range;

use tree_sitter::{Language, Query, QueryCursor, StreamingIterator, Tree};

/// tree-sitter-python, the only grammar.
pub(crate) fn python() -> Language {
    tree_sitter_python::LANGUAGE.into()
}

/// A query error: byte offset inside the query text (or, with `in_message`, the problem is in
/// the rule's message), and what to change.
pub(crate) struct QueryProblem {
    pub offset: usize,
    pub message: String,
    pub in_message: bool,
}

/// Compiles one rule's query and checks it against the rule: supported predicates only, the
/// `report` capture in every pattern, every message placeholder a capture. Returns the
/// number of patterns.
pub(crate) fn validate(source: &str, report: &str, placeholders: &[String]) -> Result<usize, QueryProblem> {
    let query = Query::new(&python(), source).map_err(|err| QueryProblem {
        offset: err.offset,
        message: format!("invalid tree-sitter query ({:?} error): {}", err.kind, err.message.trim()),
        in_message: false,
    })?;
    if query.pattern_count() == 0 {
        return Err(QueryProblem { offset: 0, message: "the query has no pattern".into(), in_message: false });
    }
    let report_index = query.capture_index_for_name(report);
    for pattern in 0..query.pattern_count() {
        let offset = query.start_byte_for_pattern(pattern);
        let unsupported = query
            .general_predicates(pattern)
            .first()
            .map(|predicate| predicate.operator.to_string())
            .or_else(|| {
                query
                    .property_predicates(pattern)
                    .first()
                    .map(|(_, positive)| if *positive { "is?" } else { "is-not?" }.to_string())
            })
            .or_else(|| (!query.property_settings(pattern).is_empty()).then(|| "set!".to_string()));
        if let Some(operator) = unsupported {
            return Err(QueryProblem {
                offset,
                message: format!(
                    "unsupported predicate `#{operator}`: use #eq?, #not-eq?, #match?, #not-match?, #any-of? or #not-any-of? (or their #any- forms)"
                ),
                in_message: false,
            });
        }
        let captures_report = report_index.is_some_and(|_| pattern_has_capture(&query, source, pattern, report));
        if !captures_report || report_index.is_none() {
            return Err(QueryProblem {
                offset,
                message: format!(
                    "this pattern has no capture `@{report}`: mark the node to report with `@{report}` (or set `report`)"
                ),
                in_message: false,
            });
        }
    }
    for name in placeholders {
        if query.capture_index_for_name(name).is_none() {
            return Err(QueryProblem {
                offset: 0,
                message: format!("the message uses `{{{name}}}` but the query has no capture `@{name}`"),
                in_message: true,
            });
        }
    }
    Ok(query.pattern_count())
}

/// Whether pattern `pattern`'s text mentions capture `@name` (tree-sitter has no direct API).
fn pattern_has_capture(query: &Query, source: &str, pattern: usize, name: &str) -> bool {
    let start = query.start_byte_for_pattern(pattern);
    let end = query.end_byte_for_pattern(pattern);
    let text = &source[start..end.min(source.len())];
    let needle = format!("@{name}");
    text.match_indices(&needle).any(|(i, _)| {
        text[i + needle.len()..]
            .chars()
            .next()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_' || c == '-' || c == '.'))
    })
}

/// One match of a pattern rule.
pub(crate) struct PatternMatch {
    pub rule: super::RuleIndex,
    pub range: Range<usize>,
    pub message: String,
}

/// Every active pattern rule compiled into one query.
pub(crate) struct PatternMatcher {
    query: Query,
    /// Rule index of each pattern.
    pattern_rule: Vec<super::RuleIndex>,
    /// Capture index of the report capture of each pattern.
    pattern_report: Vec<u32>,
    /// Message template of each rule index (empty for non-pattern rules).
    messages: Vec<Option<String>>,
}

impl PatternMatcher {
    /// `rules`: (rule index, query, report capture, message), in rule order; `rule_count` is the
    /// size of the rule set.
    pub(crate) fn compile(
        rules: &[(super::RuleIndex, &str, &str, &str)],
        rule_count: usize,
    ) -> Result<Option<Self>, String> {
        if rules.is_empty() {
            return Ok(None);
        }
        let mut combined = String::new();
        let mut pattern_rule = Vec::new();
        let mut reports = Vec::new();
        let mut messages = vec![None; rule_count];
        for &(rule, source, report, message) in rules {
            let count = Query::new(&python(), source).map_err(|err| err.message)?.pattern_count();
            pattern_rule.extend(std::iter::repeat_n(rule, count));
            reports.extend(std::iter::repeat_n(report, count));
            messages[rule.0] = Some(message.to_string());
            combined.push_str(source);
            combined.push('\n');
        }
        let query = Query::new(&python(), &combined).map_err(|err| err.message)?;
        let pattern_report = reports
            .iter()
            .map(|name| query.capture_index_for_name(name).ok_or_else(|| format!("no capture @{name}")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Self { query, pattern_rule, pattern_report, messages }))
    }

    /// Runs the combined query over `tree`; `enabled[rule]` says which rules apply to this file.
    pub(crate) fn run(
        &self,
        tree: &Tree,
        source: &str,
        enabled: &[bool],
        cursor: &mut QueryCursor,
        out: &mut Vec<PatternMatch>,
    ) {
        let names = self.query.capture_names();
        let mut matches = cursor.matches(&self.query, tree.root_node(), source.as_bytes());
        while let Some(m) = matches.next() {
            let rule = self.pattern_rule[m.pattern_index];
            if !enabled[rule.0] {
                continue;
            }
            let report = self.pattern_report[m.pattern_index];
            let Some(node) = m.captures.iter().find(|c| c.index == report).map(|c| c.node) else {
                continue;
            };
            let template = self.messages[rule.0].as_deref().unwrap_or_default();
            let message = super::render_message(template, |name| {
                let capture = m.captures.iter().find(|c| names[c.index as usize] == name)?;
                let text = source.get(capture.node.byte_range())?;
                Some(Cow::Owned(one_line(text)))
            });
            out.push(PatternMatch { rule, range: node.byte_range(), message });
        }
    }
}

/// A capture's text for a message: whitespace runs (newlines included) collapsed to one space.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
