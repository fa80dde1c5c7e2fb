//! The token fast path against the syntax tree it stands in for: on the CPython standard
//! library and on every rule fixture, `ssot check` with all default rules must report exactly the
//! same diagnostics (rule, place, message, related places, fingerprint) as with `--no-fast-path`,
//! which parses every file some rule could match and runs every rule on the tree. Files
//! tree-sitter cannot fully parse are left out: there the tree is partly wrong (`parse-error`
//! says so) and the tokens may well be right.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Diagnostics by path (each as its JSON text), and the paths skipped.
fn scan(dir: &Path, extra: &[&str]) -> (BTreeMap<String, Vec<String>>, BTreeSet<String>) {
    let mut args = vec!["check", dir.to_str().unwrap(), "--no-ignore", "--exclude", "site-packages/**"];
    args.extend(extra);
    args.extend(["--format", "json"]);
    let run = common::ssot(&args);
    assert!(run.code <= 1, "{}", run.stderr);
    let json = run.json();
    let mut by_path: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for d in json["diagnostics"].as_array().unwrap() {
        by_path.entry(d["path"].as_str().unwrap().to_string()).or_default().push(d.to_string());
    }
    let skipped = json["skipped"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap().to_string()).collect();
    (by_path, skipped)
}

/// Asserts the fast path and the tree agree on `dir`; returns how many diagnostics were compared.
fn agree(dir: &Path) -> usize {
    let (fast, fast_skipped) = scan(dir, &[]);
    let (tree, tree_skipped) = scan(dir, &["--no-fast-path"]);
    assert_eq!(fast_skipped, tree_skipped, "the same files are skipped");
    let (parse_errors, _) = scan(dir, &["--select", "parse-error"]);
    let paths: BTreeSet<&String> = fast.keys().chain(tree.keys()).filter(|p| !parse_errors.contains_key(*p)).collect();
    let mut differences = Vec::new();
    for path in &paths {
        let (a, b) = (fast.get(*path), tree.get(*path));
        if a != b {
            differences.push(format!("{path}:\n  fast path: {a:#?}\n  tree:      {b:#?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} files differ between the fast path and the tree, first ones:\n{}",
        differences.len(),
        differences.iter().take(5).cloned().collect::<Vec<_>>().join("\n")
    );
    paths.iter().map(|p| fast.get(*p).map_or(0, Vec::len)).sum()
}

#[test]
fn fast_path_agrees_with_the_tree_on_the_standard_library() {
    let Some(stdlib) = common::stdlib() else { return };
    let compared = agree(&stdlib);
    assert!(compared > 1_000, "too few diagnostics to mean anything: {compared}");
}

#[test]
fn fast_path_agrees_with_the_tree_on_the_rule_fixtures() {
    let compared = agree(&common::root().join("testdata/rules"));
    assert!(compared > 20, "too few diagnostics to mean anything: {compared}");
}
