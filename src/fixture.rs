//! Rule fixtures: a directory of Python (and Rust) files whose flagged lines end in an expect
//! marker (`# expect: <id>`, `// expect: <id>` in Rust; several ids separated by commas, one per
//! finding), scanned with the rule and compared with the markers. `ssot test-rules` and the
//! bundled rules' tests (`tests/rules.rs`) share this one implementation: how markers are read,
//! how a fixture is scanned, what a mismatch is. It must not print; the caller shows the
//! mismatches.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::config::{Overrides, Settings};
use crate::rules::RuleSet;
use crate::UserError;

/// (path relative to the fixture directory with `/` separators, 1-based line, rule id) → count.
pub type Findings = BTreeMap<(String, usize, String), usize>;

/// The expected results of fixes (`x.fixed.py` beside `x.py`, `x.fixed.pyi` beside `x.pyi`): not
/// scanned, no markers.
pub fn is_fixed(path: &Path) -> bool {
    let path = path.to_string_lossy();
    path.ends_with(".fixed.py") || path.ends_with(".fixed.pyi") || path.ends_with(".fixed.rs")
}

/// The fixture files under `dir` (recursively): `*.py`, `*.pyi` and `*.rs`, not `*.fixed.*`,
/// sorted.
pub fn fixture_files(dir: &Path) -> Vec<PathBuf> {
    let source =
        |path: &Path| path.extension().is_some_and(|e| e == "py" || e == "pyi" || e == "rs") && !is_fixed(path);
    crate::fs::files_under(dir, &|_| true, &source)
}

/// The findings the markers of the fixture files under `dir` expect.
pub fn expected(dir: &Path) -> Result<Findings, UserError> {
    let mut expected = Findings::new();
    for file in fixture_files(dir) {
        let name = relative(&file, dir);
        let text = std::fs::read_to_string(&file)
            .map_err(|err| UserError::new(format!("{}: cannot read fixture: {err}", file.display())))?;
        for (index, line) in text.lines().enumerate() {
            for id in markers(line) {
                *expected.entry((name.clone(), index + 1, id.to_string())).or_default() += 1;
            }
        }
    }
    Ok(expected)
}

/// The rule ids of the expect marker on `line`, if any.
fn markers(line: &str) -> impl Iterator<Item = &str> {
    let at = ["# expect:", "// expect:"].iter().find_map(|marker| line.find(marker).map(|at| at + marker.len()));
    at.map_or("", |at| &line[at..]).split(',').map(str::trim).filter(|id| !id.is_empty())
}

fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).to_string_lossy().replace('\\', "/")
}

/// A line where the findings of a rule and the markers disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// Relative to the fixture directory.
    pub path: String,
    pub line: usize,
    pub rule: String,
    pub expected: usize,
    pub reported: usize,
}

impl fmt::Display for Mismatch {
    /// `path:line: expected <rule> not reported` or `path:line: unexpected <rule>`, with the
    /// counts when a line expects or has more than one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Self { path, line, rule, expected, reported } = self;
        if reported < expected {
            write!(f, "{path}:{line}: expected {rule} not reported")?;
        } else {
            write!(f, "{path}:{line}: unexpected {rule}")?;
        }
        if (*expected).max(*reported) > 1 {
            write!(f, " ({expected} expected, {reported} reported)")?;
        }
        Ok(())
    }
}

/// Every (file, line, rule) whose count differs between `expected` and `reported`, in order.
pub fn compare(expected: &Findings, reported: &Findings) -> Vec<Mismatch> {
    let keys: std::collections::BTreeSet<_> = expected.keys().chain(reported.keys()).collect();
    keys.into_iter()
        .filter_map(|key| {
            let expected = expected.get(key).copied().unwrap_or(0);
            let reported = reported.get(key).copied().unwrap_or(0);
            (expected != reported).then(|| Mismatch {
                path: key.0.clone(),
                line: key.1,
                rule: key.2.clone(),
                expected,
                reported,
            })
        })
        .collect()
}

/// What scanning one fixture directory gave.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The findings the markers expect.
    pub expected: Findings,
    /// Where findings and markers disagree.
    pub mismatches: Vec<Mismatch>,
    /// Fixture files the scan skipped (path, reason): they were not checked.
    pub skipped: Vec<(String, String)>,
    /// Internal errors of the scan (findings may be missing).
    pub internal_errors: Vec<String>,
}

impl Outcome {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty() && self.skipped.is_empty() && self.internal_errors.is_empty()
    }
}

/// Scans fixture directory `dir` with rule `rule` and compares the findings with its markers.
///
/// The directory is a project of its own: only an `ssot.toml` in it applies (none from its
/// ancestors), and when that selects no rules, `rule` alone is selected. The rules are the
/// bundled ones, those of that configuration's `rules.rule-dirs`, and the rule files of
/// `rule_dirs`. Ignore files are not honoured, the result cache is not used, and `*.fixed.*`
/// files are not scanned.
pub fn check(dir: &Path, rule: &str, rule_dirs: &[PathBuf]) -> Result<Outcome, UserError> {
    let overrides = Overrides {
        exclude: vec!["**/*.fixed.py".into(), "**/*.fixed.pyi".into(), "**/*.fixed.rs".into()],
        no_ignore: true,
        no_cache: true,
        no_progress: true,
        own_config_only: true,
        ..Overrides::default()
    };
    let cwd = std::env::current_dir().map_err(|err| UserError::new(format!("current directory: {err}")))?;
    let mut settings = Settings::resolve(&cwd, &[dir.to_path_buf()], &overrides)?;
    settings.rule_dirs.extend(rule_dirs.iter().map(|dir| (dir.clone(), None)));
    if settings.selection.select.is_none() {
        settings.selection.select = Some(vec![(rule.to_string(), None)]);
        settings.selection.select_from_config = false;
    }
    let catalog = crate::rules::catalog(&settings)?;
    let rules = RuleSet::new(&catalog, &settings)?;
    let outcome = crate::scan::scan(&settings, &rules, &mut std::io::sink())?;
    let mut reported = Findings::new();
    for diagnostic in &outcome.diagnostics {
        let path = outcome.files[diagnostic.file.0].path.to_string();
        *reported.entry((path, diagnostic.start.line, diagnostic.rule.to_string())).or_default() += 1;
    }
    let expected = expected(dir)?;
    Ok(Outcome {
        mismatches: compare(&expected, &reported),
        expected,
        skipped: outcome.skipped.iter().map(|s| (s.path.clone(), s.reason.clone())).collect(),
        internal_errors: outcome.internal_errors.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn findings(list: &[(&str, usize, &str, usize)]) -> Findings {
        list.iter().map(|(path, line, rule, count)| ((path.to_string(), *line, rule.to_string()), *count)).collect()
    }

    #[test]
    fn markers_name_one_finding_each() {
        assert_eq!(markers("x = 1  # expect: a, b").collect::<Vec<_>>(), ["a", "b"]);
        assert_eq!(markers("let x = 1; // expect: a").collect::<Vec<_>>(), ["a"]);
        assert_eq!(markers("x = 1  # expected").count(), 0);
        assert_eq!(markers("x = 1").count(), 0);
    }

    #[test]
    fn mismatches_say_what_is_missing_and_what_is_unexpected() {
        let expected = findings(&[("a.py", 2, "r", 1), ("a.py", 5, "r", 2), ("b.py", 1, "r", 1)]);
        let reported = findings(&[("a.py", 3, "r", 1), ("a.py", 5, "r", 1), ("b.py", 1, "r", 1)]);
        let shown: Vec<String> = compare(&expected, &reported).iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "a.py:2: expected r not reported",
                "a.py:3: unexpected r",
                "a.py:5: expected r not reported (2 expected, 1 reported)",
            ]
        );
    }
}
