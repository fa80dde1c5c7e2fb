//! The compliance score (formula in `docs/scoring.md`): per category, 100 × files with no
//! unsuppressed error or warning / files, one decimal; `None` for a category with no files.
//! Numerator and denominator always count the same set of files.

use std::collections::BTreeMap;

use crate::diagnostic::{Category, Outcome};
use crate::language::Language;

/// File counts, finding counts and scores of one scan.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub scanned: usize,
    pub skipped: usize,
    /// Scanned files per category.
    pub per_category: BTreeMap<Category, usize>,
    /// Scanned files per language (every language, zero included).
    pub per_language: BTreeMap<Language, usize>,
    /// Unsuppressed findings (= diagnostics).
    pub findings: usize,
    pub suppressed: usize,
    /// Findings per active rule (zero included).
    pub by_rule: BTreeMap<String, usize>,
    pub errors: usize,
    pub warnings: usize,
    /// Findings listed in the baseline (`--baseline`); they still count in the score.
    pub baselined: usize,
    /// Error findings not in the baseline: these fail the run.
    pub new_errors: usize,
    /// Baseline entries whose finding is gone (fixed); set by the caller.
    pub stale: usize,
    /// Findings with a safe fix (`--fix` applies it).
    pub fixable: usize,
    /// Findings with an unsafe fix (`--unsafe-fixes` applies it too).
    pub unsafe_fixable: usize,
    pub overall: Option<f64>,
    pub scores: BTreeMap<Category, Option<f64>>,
}

impl Summary {
    /// "Python 120, Rust 30" when files of a language other than Python were scanned (a
    /// Python-only scan says nothing more than it always did); `None` otherwise.
    pub fn languages_text(&self) -> Option<String> {
        let others = self.per_language.iter().any(|(language, count)| *language != Language::Python && *count > 0);
        others.then(|| {
            self.per_language
                .iter()
                .map(|(language, count)| format!("{} {count}", language.title()))
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

/// Scanned files per language, every language listed (zero included).
pub fn files_per_language(outcome: &Outcome) -> BTreeMap<Language, usize> {
    let mut counts: BTreeMap<Language, usize> = Language::ALL.iter().map(|language| (*language, 0)).collect();
    for (_, file) in outcome.reported_files() {
        *counts.entry(Language::of_scanned(std::path::Path::new(&*file.path))).or_default() += 1;
    }
    counts
}

/// `100 × compliant / total` rounded half up to one decimal, computed in integers.
pub fn percentage(compliant: usize, total: usize) -> Option<f64> {
    if total == 0 {
        return None;
    }
    let (compliant, total) = (compliant as u128, total as u128);
    let tenths = (2000 * compliant + total) / (2 * total);
    Some(tenths as f64 / 10.0)
}

impl Summary {
    pub fn new(outcome: &Outcome) -> Self {
        let mut failing = vec![false; outcome.files.len()];
        let mut by_rule: BTreeMap<String, usize> = outcome.rules.iter().map(|id| (id.clone(), 0)).collect();
        let (mut errors, mut warnings, mut baselined, mut new_errors) = (0, 0, 0, 0);
        let (mut fixable, mut unsafe_fixable) = (0, 0);
        for diagnostic in &outcome.diagnostics {
            match diagnostic.fix.as_ref().map(|fix| fix.applicability) {
                Some(crate::fix::Applicability::Safe) => fixable += 1,
                Some(crate::fix::Applicability::Unsafe) => unsafe_fixable += 1,
                _ => {}
            }
            match by_rule.get_mut(&*diagnostic.rule) {
                Some(count) => *count += 1,
                None => {
                    by_rule.insert(diagnostic.rule.to_string(), 1);
                }
            }
            baselined += usize::from(diagnostic.baselined);
            match diagnostic.severity {
                crate::diagnostic::Severity::Error => {
                    errors += 1;
                    new_errors += usize::from(!diagnostic.baselined);
                }
                crate::diagnostic::Severity::Warning => warnings += 1,
                crate::diagnostic::Severity::Info => {}
            }
            if diagnostic.severity.counts_against_score() {
                failing[diagnostic.file.0] = true;
            }
        }
        let mut per_category = BTreeMap::new();
        let mut scores = BTreeMap::new();
        for category in Category::ALL {
            let in_category = outcome.reported_files().filter(|(_, f)| f.category == category);
            let (total, compliant) = in_category.fold((0, 0), |(t, c), (i, _)| (t + 1, c + usize::from(!failing[i])));
            per_category.insert(category, total);
            scores.insert(category, percentage(compliant, total));
        }
        let per_language = files_per_language(outcome);
        let scanned = outcome.reported_files().count();
        let compliant = outcome.reported_files().filter(|(index, _)| !failing[*index]).count();
        Summary {
            scanned,
            skipped: outcome.skipped.len(),
            per_category,
            per_language,
            findings: outcome.diagnostics.len(),
            suppressed: outcome.suppressed,
            by_rule,
            errors,
            warnings,
            baselined,
            new_errors,
            stale: 0,
            fixable,
            unsafe_fixable,
            overall: percentage(compliant, scanned),
            scores,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percentage;

    #[test]
    fn rounds_half_up_to_one_decimal() {
        assert_eq!(percentage(2, 3), Some(66.7));
        assert_eq!(percentage(1, 3), Some(33.3));
        assert_eq!(percentage(1, 8), Some(12.5));
        assert_eq!(percentage(1, 16), Some(6.3));
        assert_eq!(percentage(0, 5), Some(0.0));
        assert_eq!(percentage(5, 5), Some(100.0));
        assert_eq!(percentage(0, 0), None);
    }

    #[test]
    fn never_leaves_zero_to_hundred() {
        for total in 1..200 {
            for compliant in 0..=total {
                let score = percentage(compliant, total).unwrap();
                assert!((0.0..=100.0).contains(&score), "{compliant}/{total} gave {score}");
            }
        }
    }
}
