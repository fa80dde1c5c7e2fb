//! Differential tests of the project-wide and scope rules against an independent oracle built
//! on CPython's `ast` (`testdata/oracle/project_oracle.py`), over the CPython standard library,
//! over a corpus where the mock imports of the standard library's tests are removed (so names
//! really are unresolved), and over the rule fixtures. Every mismatch fails with file and line.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const RULES: [&str; 6] = [
    "duplicate-manager-class",
    "duplicate-string-constant",
    "scattered-event-literal",
    "magic-none",
    "missing-mock-import",
    "mock-in-real-test",
];

/// (path, line, column, rule, related) → count.
type Findings = BTreeMap<(String, u64, u64, String, Vec<(String, u64, u64)>), usize>;

fn python_or_skip() -> Option<PathBuf> {
    common::stdlib()
}

/// Runs the oracle; returns its findings and the paths it could not analyse.
fn oracle(root: &Path, config_json: &str, extra: &[&str]) -> (Findings, Vec<String>) {
    let output = Command::new("python3")
        .arg(common::root().join("testdata/oracle/project_oracle.py"))
        .args(["--config", config_json])
        .args(extra)
        .arg(root)
        .output()
        .expect("run the oracle");
    assert!(output.status.success(), "oracle failed: {}", String::from_utf8_lossy(&output.stderr));
    let mut findings = Findings::new();
    let mut skipped = Vec::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = r["path"].as_str().unwrap().to_string();
        if r.get("skipped").is_some() {
            skipped.push(path);
            continue;
        }
        let related = r["related"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|x| (x[0].as_str().unwrap().to_string(), x[1].as_u64().unwrap(), x[2].as_u64().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let key = (
            path,
            r["line"].as_u64().unwrap(),
            r["column"].as_u64().unwrap(),
            r["rule"].as_str().unwrap().to_string(),
            related,
        );
        *findings.entry(key).or_default() += 1;
    }
    (findings, skipped)
}

/// Runs ssot; returns its findings of [`RULES`] and the paths with a parse error or skipped.
/// ssot's findings with `args` (as users run it: the token fast path decides most files), and
/// the files it skipped or tree-sitter cannot fully parse (from a second run of the same scan
/// with `--select parse-error` alone, which parses every file).
fn ssot(args: &[&str]) -> (Findings, Vec<String>) {
    let run = common::ssot(args);
    assert!(run.code <= 1, "{}", run.stderr);
    let json = run.json();
    let mut findings = Findings::new();
    let mut unparsed: Vec<String> =
        json["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap().to_string()).collect();
    let mut parse_args: Vec<&str> = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if *arg == "--select" {
            rest.next();
        } else {
            parse_args.push(arg);
        }
    }
    parse_args.extend(["--select", "parse-error"]);
    let parse_run = common::ssot(&parse_args);
    assert!(parse_run.code <= 1, "{}", parse_run.stderr);
    unparsed.extend(
        parse_run.json()["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap().to_string()),
    );
    for d in json["diagnostics"].as_array().unwrap() {
        let rule = d["rule"].as_str().unwrap();
        let path = d["path"].as_str().unwrap().to_string();
        if rule == "parse-error" {
            unparsed.push(path);
            continue;
        }
        if !RULES.contains(&rule) {
            continue;
        }
        let mut related: Vec<(String, u64, u64)> = d["related"]
            .as_array()
            .map(|list| {
                list.iter()
                    .map(|x| {
                        (
                            x["path"].as_str().unwrap().to_string(),
                            x["line"].as_u64().unwrap(),
                            x["column"].as_u64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        related.sort();
        let key = (path, d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap(), rule.to_string(), related);
        *findings.entry(key).or_default() += 1;
    }
    (findings, unparsed)
}

/// Compares on the files both sides analysed; returns the number of findings compared.
fn compare(
    label: &str,
    expected: &Findings,
    expected_skipped: &[String],
    actual: &Findings,
    actual_unparsed: &[String],
) -> usize {
    let compared = |path: &String| !expected_skipped.contains(path) && !actual_unparsed.contains(path);
    let mut problems = Vec::new();
    for (key, count) in expected.iter().filter(|(k, _)| compared(&k.0)) {
        if actual.get(key) != Some(count) {
            problems.push(format!("  missed by ssot: {}:{}:{} {} related {:?}", key.0, key.1, key.2, key.3, key.4));
        }
    }
    for (key, count) in actual.iter().filter(|(k, _)| compared(&k.0)) {
        if expected.get(key) != Some(count) {
            problems.push(format!("  only in ssot: {}:{}:{} {} related {:?}", key.0, key.1, key.2, key.3, key.4));
        }
    }
    assert!(problems.is_empty(), "{label}: ssot disagrees with the ast oracle:\n{}", problems.join("\n"));
    expected.keys().filter(|k| compared(&k.0)).count()
}

const EVENTS_JSON: &str = r#"{"scattered-event-literal": {"events": ["utf-8", "strict", "__main__", "ascii"]}, "mock-in-real-test": {"paths": ["**/test/**"]}}"#;
const EVENTS_TOML: &str = "[rules.scattered-event-literal]\nevents = [\"utf-8\", \"strict\", \"__main__\", \"ascii\"]\n[rules.mock-in-real-test]\npaths = [\"**/test/**\"]\n";

#[test]
fn project_rules_agree_with_the_ast_oracle_on_the_standard_library() {
    let Some(stdlib) = python_or_skip() else { return };
    let (expected, skipped) = oracle(&stdlib, EVENTS_JSON, &["--skip-dir", "site-packages"]);
    let config = common::project(&[("ssot.toml", EVENTS_TOML)]);
    let config_path = config.path().join("ssot.toml");
    let (actual, unparsed) = ssot(&[
        "check",
        stdlib.to_str().unwrap(),
        "--no-ignore",
        "--exclude",
        "site-packages/**",
        "--config",
        config_path.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let compared = compare("standard library", &expected, &skipped, &actual, &unparsed);
    assert!(compared > 1_000, "too few findings to mean anything: {compared}");
}

/// The standard library's tests that use `unittest.mock`, with their mock imports removed and
/// `MagicMock` misspelt as `MagicNone` in every other file: a corpus of real NameErrors.
fn mangled_mock_corpus(stdlib: &Path, into: &Path) -> usize {
    let mut files = ssot::testing::python_files(&stdlib.join("test"));
    files.extend(ssot::testing::python_files(&stdlib.join("unittest")));
    files.sort();
    let mut written = 0;
    for (index, path) in files.iter().enumerate() {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        if !text.contains("mock") {
            continue;
        }
        let mut out = String::new();
        for line in text.lines() {
            let trimmed = line.trim_start();
            let mock_import = trimmed.starts_with("from unittest.mock import")
                || trimmed.starts_with("from unittest import mock")
                || trimmed.starts_with("from unittest import mock as");
            if mock_import && !trimmed.ends_with('(') && !trimmed.ends_with('\\') {
                // Keep the line count and indentation: an empty statement instead.
                out.push_str(&line[..line.len() - trimmed.len()]);
                out.push_str("pass\n");
            } else {
                out.push_str(line);
                out.push('\n');
            }
        }
        if index % 2 == 0 {
            out = out.replace("MagicMock", "MagicNone");
        }
        let name = path.strip_prefix(stdlib).unwrap().to_string_lossy().replace('/', "__");
        std::fs::write(into.join(name), out).unwrap();
        written += 1;
    }
    written
}

#[test]
fn scope_rules_agree_with_the_ast_oracle_where_names_really_are_missing() {
    let Some(stdlib) = python_or_skip() else { return };
    let corpus = tempfile::tempdir().unwrap();
    let written = mangled_mock_corpus(&stdlib, corpus.path());
    assert!(written > 20, "the corpus needs the standard library's mock-using tests ({written} found)");
    let (expected, skipped) = oracle(corpus.path(), "{}", &["--rules", "magic-none,missing-mock-import"]);
    let (actual, unparsed) = ssot(&[
        "check",
        corpus.path().to_str().unwrap(),
        "--select",
        "magic-none",
        "--select",
        "missing-mock-import",
        "--format",
        "json",
    ]);
    let compared = compare("stdlib tests without mock imports", &expected, &skipped, &actual, &unparsed);
    let by_rule = |rule: &str| expected.keys().filter(|k| k.3 == rule).count();
    let (missing, magic) = (by_rule("missing-mock-import"), by_rule("magic-none"));
    assert!(missing > 100 && magic > 20, "compared {compared}: {missing} missing-mock-import, {magic} magic-none");
}

#[test]
fn project_rules_agree_with_the_ast_oracle_on_the_fixtures() {
    if python_or_skip().is_none() {
        return;
    }
    for rule in RULES {
        let dir = common::root().join("testdata/rules").join(rule);
        let config = match rule {
            "scattered-event-literal" => {
                // As the fixture's ssot.toml says.
                r#"{"scattered-event-literal": {"events": ["tool_executing", "agent_started", "agent_thinking", "tool_completed", "custom_kind", "orphan_event"], "canonical": ["shared/events.py"]}}"#
            }
            _ => "{}",
        };
        let (expected, skipped) = oracle(&dir, config, &["--rules", rule]);
        // The oracle reads Python (CPython's `ast`); the fixtures' Rust files are held to
        // tree-sitter-rust by tests/differential_rust.rs.
        let args = ["check", dir.to_str().unwrap(), "--select", rule, "--format", "json", "--exclude", "**/*.rs"];
        let (actual, unparsed) = ssot(&args);
        let compared = compare(rule, &expected, &skipped, &actual, &unparsed);
        assert!(compared > 0, "{rule}: the fixture has findings");
    }
}
