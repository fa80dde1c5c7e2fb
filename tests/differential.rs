//! Differential test against an oracle nobody here wrote: CPython's own `ast` module, through
//! `testdata/oracle/ast_oracle.py`, over the CPython standard library of the machine. Both rules
//! must agree exactly (path, line, column) on every file both sides could parse.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

type Finding = (String, usize, usize, String);

#[test]
fn both_rules_agree_with_cpython_ast_on_the_standard_library() {
    let Some(stdlib) = common::stdlib() else { return };
    let (total, ts_only) = compare_with_cpython(&stdlib);
    assert!(total > 500, "the corpus should hold hundreds of findings, found {total}");
    eprintln!(
        "compared {total} findings; {} files parsed by CPython but not fully by tree-sitter: {:?}",
        ts_only.len(),
        ts_only
    );
    assert!(ts_only.len() <= 10, "too many files tree-sitter cannot parse: {ts_only:?}");
}

#[test]
fn positions_after_a_lone_carriage_return_agree_with_cpython_ast() {
    // CPython ends a line at a lone `\r` (universal newlines); ssot once counted only `\n`, and
    // tree-sitter-python, reading such a file as one line, found a syntax error in it.
    let body = "import os\nx = os.environ\n'''\né\n'''; y = os.getenv('A')\nif x:\n    z = (1,\n         os.environ)\n";
    let files = [
        ("lone_cr.py", body.replace('\n', "\r")),
        ("mixed.py", body.replacen('\n', "\r\n", 3).replace('\n', "\r")),
        ("cr_then_crlf.py", body.replace('\n', "\r\r\n")),
        ("comments.py", format!("# é\r# ü\r{}", body.replace('\n', "\r#c\r"))),
        ("continuation.py", "import os\rx = 1 + \\\r    os.getenv('A')\ry = f'{os.environ}'\r".to_string()),
    ];
    let named: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
    let dir = common::project(&named);
    let (total, ts_only) = compare_with_cpython(dir.path());
    assert!(ts_only.is_empty(), "tree-sitter failed where CPython parsed: {ts_only:?}");
    assert_eq!(total, 14, "every finding of every file compared");
}

/// Runs the oracle and ssot on `root` and asserts they agree on every file both could parse;
/// returns how many findings were compared and the files only CPython could parse.
fn compare_with_cpython(stdlib: &std::path::Path) -> (usize, Vec<String>) {
    let oracle = Command::new("python3")
        .arg(common::root().join("testdata/oracle/ast_oracle.py"))
        .args(["--skip-dir", "site-packages"])
        .arg(stdlib)
        .output()
        .expect("run the oracle");
    assert!(oracle.status.success(), "oracle failed: {}", String::from_utf8_lossy(&oracle.stderr));
    let mut expected: BTreeSet<Finding> = BTreeSet::new();
    let mut oracle_skipped: BTreeMap<String, String> = BTreeMap::new();
    for line in String::from_utf8(oracle.stdout).unwrap().lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let path = record["path"].as_str().unwrap().to_string();
        if let Some(reason) = record["skipped"].as_str() {
            oracle_skipped.insert(path, reason.to_string());
            continue;
        }
        expected.insert((
            path,
            record["line"].as_u64().unwrap() as usize,
            record["column"].as_u64().unwrap() as usize,
            record["rule"].as_str().unwrap().to_string(),
        ));
    }

    // As users run it (the token fast path decides most files), then `parse-error` alone
    // (which parses every file) to learn which files tree-sitter cannot fully parse.
    let scan = |rules: &[&str]| {
        let mut args = vec!["check", stdlib.to_str().unwrap(), "--no-ignore", "--exclude", "site-packages/**"];
        for rule in rules {
            args.extend(["--select", rule]);
        }
        args.extend(["--format", "json"]);
        let run = common::ssot(&args);
        assert!(run.code <= 1, "{}", run.stderr);
        run.json()
    };
    let json = scan(&["relative-import", "direct-env-access"]);
    let mut actual: BTreeSet<Finding> = BTreeSet::new();
    for d in json["diagnostics"].as_array().unwrap() {
        let path = d["path"].as_str().unwrap().to_string();
        let rule = d["rule"].as_str().unwrap().to_string();
        actual.insert((path, d["line"].as_u64().unwrap() as usize, d["column"].as_u64().unwrap() as usize, rule));
    }
    let unparsed: BTreeSet<String> = scan(&["parse-error"])["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect();
    let ssot_skipped: BTreeMap<String, String> = json["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap().to_string(), s["reason"].as_str().unwrap().to_string()))
        .collect();

    // Bad input: every file the oracle could not decode, ssot skipped too (and nothing else).
    let undecodable: BTreeSet<&String> =
        oracle_skipped.iter().filter(|(_, reason)| *reason != "parse-error").map(|(path, _)| path).collect();
    let skipped: BTreeSet<&String> = ssot_skipped.keys().collect();
    assert_eq!(skipped, undecodable, "files skipped by ssot vs files the oracle could not read");

    let compared = |path: &String| !oracle_skipped.contains_key(path) && !unparsed.contains(path);
    let missing: Vec<_> = expected.iter().filter(|f| compared(&f.0) && !actual.contains(f)).collect();
    let extra: Vec<_> = actual.iter().filter(|f| compared(&f.0) && !expected.contains(f)).collect();
    let show = |list: &[&Finding]| {
        list.iter().map(|(p, l, c, r)| format!("  {p}:{l}:{c}: {r}")).collect::<Vec<_>>().join("\n")
    };
    assert!(
        missing.is_empty() && extra.is_empty(),
        "ssot disagrees with CPython's ast\nmissed by ssot ({}):\n{}\nflagged only by ssot ({}):\n{}",
        missing.len(),
        show(&missing),
        extra.len(),
        show(&extra)
    );
    let total = expected.iter().filter(|f| compared(&f.0)).count();

    // Files tree-sitter could not fully parse though CPython could: findings may be missing
    // there (parse-error says so). Keep them few, and never wrong where ssot does report.
    let ts_only: Vec<&String> = unparsed.iter().filter(|p| !oracle_skipped.contains_key(*p)).collect();
    let wrong: Vec<_> = actual.iter().filter(|f| ts_only.contains(&&f.0) && !expected.contains(f)).collect();
    assert!(wrong.is_empty(), "findings in partly parsed files that CPython disagrees with:\n{}", show(&wrong));
    (total, ts_only.into_iter().cloned().collect())
}
