//! The token fast path against the syntax tree it stands in for: on the CPython standard
//! library (every rule configured) and on every rule fixture, `ssot check` must report exactly the
//! same diagnostics (rule, place, message, related places, fingerprint) as with `--no-fast-path`,
//! which parses every file some rule could match and runs every rule on the tree. Files
//! tree-sitter cannot fully parse are left out: there the tree is partly wrong (`parse-error`
//! says so) and the tokens may well be right.
//!
//! The mock rules' two model builders (tokens and tree, `src/python/model.rs`) are held equal
//! here too: with the mock rules selected alone (no other engine's declining can hide their token
//! answer), on the fixtures and on the standard library's files that use mocks, as they are and
//! mutated (imports of `unittest.mock` removed, `mock.patch` made `patch`: most uses undefined). (The fast path answers only "nothing undefined"; the builders'
//! full answers are compared in `src/python/model.rs`'s differential test.)

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
    agree_with(dir, &[])
}

/// [`agree`] with extra arguments for both runs.
fn agree_with(dir: &Path, extra: &[&str]) -> usize {
    agree_beside_broken(dir, extra, false)
}

/// [`agree_with`]; with `beside_broken`, a diagnostic that names a file with a parse error in its
/// message or related places is not compared either (the tokens and the tree read that file's
/// facts differently, as they may).
fn agree_beside_broken(dir: &Path, extra: &[&str], beside_broken: bool) -> usize {
    let (mut fast, fast_skipped) = scan(dir, extra);
    let tree_args: Vec<&str> = extra.iter().copied().chain(["--no-fast-path"]).collect();
    let (mut tree, tree_skipped) = scan(dir, &tree_args);
    assert_eq!(fast_skipped, tree_skipped, "the same files are skipped");
    let (parse_errors, _) = scan(dir, &["--select", "parse-error"]);
    if beside_broken {
        let names_broken = |json: &String| {
            parse_errors.keys().any(|path| json.contains(&format!("{path}:")) || json.contains(&format!("\"{path}\"")))
        };
        // A diagnostic of either run that names a broken file is left out of both, by its place
        // and rule (the other run's may name that file or not).
        let place = |json: &String| {
            let d: serde_json::Value = serde_json::from_str(json).unwrap();
            (d["path"].to_string(), d["rule"].to_string(), d["line"].to_string(), d["column"].to_string())
        };
        let left_out: BTreeSet<_> =
            fast.values().chain(tree.values()).flatten().filter(|json| names_broken(json)).map(place).collect();
        for diagnostics in fast.values_mut().chain(tree.values_mut()) {
            diagnostics.retain(|json| !left_out.contains(&place(json)));
        }
    }
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

/// Every rule configured, with values that occur in the standard library (event names in code
/// and in docstrings, environment allow-lists, services, test paths), as a user would.
const EVERY_RULE_CONFIGURED: &str = r#"
[rules.direct-env-access]
allow = ["**/sysconfig*.py"]

[rules.duplicate-manager-class]
services = ["email", "asyncio", "xml"]
suffixes = ["Manager", "Handler", "Client"]

[rules.duplicate-string-constant]
min-length = 2

[rules.mock-in-real-test]
paths = ["**/test/**", "**/idlelib/**"]

[rules.reexport-import]
modules = ["**"]

[rules.scattered-event-literal]
events = ["utf-8", "strict", "ascii", "__main__", "GET", "doc", "Internal function."]
canonical = ["**/encodings/**"]
"#;

#[test]
fn fast_path_agrees_with_the_tree_on_the_standard_library() {
    let Some(stdlib) = common::stdlib() else { return };
    let config = tempfile::tempdir().unwrap();
    let path = config.path().join("ssot.toml");
    std::fs::write(&path, EVERY_RULE_CONFIGURED).unwrap();
    let compared = agree_with(&stdlib, &["--config", path.to_str().unwrap()]);
    assert!(compared > 1_000, "too few diagnostics to mean anything: {compared}");
}

/// Each rule fixture: a project of its own (its `ssot.toml`).
fn fixtures() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::root().join("testdata/rules"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn fast_path_agrees_with_the_tree_on_the_rule_fixtures() {
    let compared: usize = fixtures().iter().map(|dir| agree(dir)).sum();
    assert!(compared > 20, "too few diagnostics to mean anything: {compared}");
}

/// The mock rules alone: their token answers are used wherever they decide.
const MOCK_RULES: &[&str] = &["--select", "missing-mock-import", "--select", "magic-none"];

#[test]
fn mock_rules_alone_agree_with_the_tree_on_the_rule_fixtures() {
    let compared: usize = fixtures().iter().map(|dir| agree_with(dir, MOCK_RULES)).sum();
    assert!(compared > 40, "too few diagnostics to mean anything: {compared}");
}

/// `text` with imports from `unittest.mock` (or of it) turned into `pass`, and, when `unqualify`,
/// `mock.NAME` and `unittest.mock.NAME` turned into `NAME`.
fn mutate(text: &str, unqualify: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        let imports_mock = (trimmed.starts_with("from unittest") || trimmed.starts_with("import unittest.mock"))
            && trimmed.contains("mock")
            && !trimmed.contains('(')
            && !trimmed.trim_end().ends_with('\\');
        if imports_mock {
            out.push_str(indent);
            out.push_str("pass");
            out.push_str(if line.ends_with("\r\n") {
                "\r\n"
            } else if line.ends_with('\n') {
                "\n"
            } else {
                ""
            });
        } else if unqualify {
            out.push_str(&line.replace("unittest.mock.", "").replace("mock.", ""));
        } else {
            out.push_str(line);
        }
    }
    out
}

#[test]
fn mock_rules_alone_agree_with_the_tree_on_the_standard_library_files_using_mocks() {
    let Some(stdlib) = common::stdlib() else { return };
    let dir = tempfile::tempdir().unwrap();
    let files = ssot::testing::python_files_outside(&stdlib, Some("site-packages"));
    // Every other file that uses mocks: a sample, to keep the test quick.
    let mut written = 0;
    let using_mocks = files.iter().filter_map(|path| {
        std::fs::read_to_string(path).ok().filter(|text| text.contains("mock")).map(|text| (path, text))
    });
    for (path, text) in using_mocks.step_by(2) {
        let relative = path.strip_prefix(&stdlib).unwrap().to_string_lossy().replace(['/', '\\'], "__");
        std::fs::write(dir.path().join(format!("as_is__{relative}")), &text).unwrap();
        for (suffix, unqualify) in [("imports", false), ("unqualified", true)] {
            std::fs::write(dir.path().join(format!("{suffix}__{relative}")), mutate(&text, unqualify)).unwrap();
            written += 1;
        }
    }
    assert!(written > 100, "too few files use mocks: {written}");
    let compared = agree_with(dir.path(), MOCK_RULES);
    assert!(compared > 500, "too few diagnostics to mean anything: {compared}");
}

/// Whole statements inserted into real files by [`fast_path_agrees_with_the_tree_on_mutated_files`]:
/// what the rules read (imports of every kind, environment reads, event names spelled in every
/// way, mock names, manager classes, module names), `{i}` standing for the indentation of the
/// line they are put before.
const STATEMENTS: &[&str] = &[
    "import os",
    "x = os.environ['A']",
    "from os import environ, getenv",
    "y = getenv('B')",
    "global x",
    "z = (w := 1)",
    "from . import helpers",
    "from .. import sibling",
    "from .os import environ",
    "import imp",
    "from optparse import OptionParser",
    "from collections import Mapping",
    "m = MagicNone()",
    "from unittest import mock",
    "p = mock.patch('a.b')",
    "from unittest.mock import patch, MagicMock as MM",
    "def t():\n{i}    return MagicMock()",
    "with mock.patch('os.environ'):\n{i}    pass",
    "class FooManager:\n{i}    pass",
    "class BarManager(Base):\n{i}    GET = 'GET'",
    "if TYPE_CHECKING:\n{i}    import typing_ext",
    "try:\n{i}    import zz_missing\n{i}except ImportError:\n{i}    pass",
    "__all__ = ['a', 'b']",
    "def __getattr__(n):\n{i}    return n",
    "e = 'utf-8'",
    "e = 'GET' 'x'",
    "e = 'utf\\x2d8'",
    "e = 'utf\\N{HYPHEN-MINUS}8'",
    "e = f\"{d['GET']}\"",
    "e = ('ut'\n{i}     'f-8')",
    "e = ('ut'  # c\n{i}     'f-8')",
    "e = b'GET' 'x'",
    "e = '''GET'''",
    "print(f\"{'GET'=}\")",
    "x = f'{\"GET\" if a else \"POST\"}'",
    "x = f\"{os.getenv('A')!r:>10}\"",
    "match x:\n{i}    case 'GET':\n{i}        pass",
    "type X = int",
    "del x",
    "for q in os.environ: pass",
    "with open(p) as os: pass",
    "import os.path as osp",
    "lambda os: os.environ",
    "[os.environ for os in y]",
    "x = 1; import os",
    "if x: import imp",
    "@dec\n{i}def f(): pass",
    "from os import *",
    "from pkg import nothing_here",
    "import pkg.missing",
    "from pkg import (json__decoder,\n{i}    nothing)",
    "from . import (a, # c\n{i}    b)",
    "from\\\n{i} . import z",
    "x = os.\\\n{i}environ",
    "x = (os\n{i}.environ)",
    "def f():\n{i}    global os\n{i}    import os",
    "e = ur'GET'",
];

/// Real files with statements inserted, and commas made line ends: the shapes of real code
/// around what the rules read. It found that a name of prefix letters before a quote (`bf"{x}"`)
/// was read as a string prefix by the tree only.
#[test]
fn fast_path_agrees_with_the_tree_on_mutated_files() {
    let Some(stdlib) = common::stdlib() else { return };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("pkg/tests")).unwrap();
    std::fs::write(dir.path().join("pkg/__init__.py"), "").unwrap();
    let files = ssot::testing::python_files_outside(&stdlib, Some("site-packages"));
    // xorshift: the same mutations on every run.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |below: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % below as u64) as usize
    };
    let mut written = 0;
    for (n, path) in files.iter().enumerate().filter(|(n, _)| n % 4 == 0) {
        let Ok(text) = std::fs::read_to_string(path) else { continue };
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        for _ in 0..1 + next(3) {
            let at = next(lines.len());
            let line = lines[at].clone();
            let indent = if line.trim().is_empty() { "" } else { &line[..line.len() - line.trim_start().len()] };
            if next(8) == 0 {
                // Blanks the byte tests must see through: a form feed, a tab, a continuation.
                if let Some(space) = line.find(' ') {
                    let blank = ["\x0c", "\t", " \\\n", " \\\r"][next(4)];
                    lines[at] = format!("{}{blank}{}", &line[..space], &line[space + 1..]);
                }
                continue;
            }
            if next(4) == 0 {
                if let Some(comma) = line.find(", ") {
                    let ending = ["\\", "  # c", ""][next(3)];
                    lines[at] = format!("{}{ending}\n{}", &line[..=comma], &line[comma + 2..]);
                }
                continue;
            }
            let statement = STATEMENTS[next(STATEMENTS.len())].replace("{i}", indent);
            lines.insert(at, format!("{indent}{statement}"));
        }
        let name = path.strip_prefix(&stdlib).unwrap().to_string_lossy().replace(['/', '\\'], "__");
        let folder = if n % 3 == 0 { "pkg/tests" } else { "pkg" };
        std::fs::write(dir.path().join(folder).join(name), lines.join("\n")).unwrap();
        written += 1;
    }
    assert!(written > 300, "{written} files");
    let config = dir.path().join("ssot.toml");
    let moved = "[rules.moved-import]\nmoved = { \"imp\" = \"importlib\", \"optparse\" = \"argparse\" }\n";
    std::fs::write(&config, format!("{EVERY_RULE_CONFIGURED}{moved}")).unwrap();
    let compared = agree_beside_broken(dir.path(), &["--config", config.to_str().unwrap()], true);
    assert!(compared > 1_000, "too few diagnostics to mean anything: {compared}");
    // The byte tests turn away no file with a finding: every rule run on every file finds the
    // same (parse errors aside: a file is parsed when some rule declines its tokens).
    let without_parse_errors = |extra: &[&str]| {
        let mut args = vec!["--config", config.to_str().unwrap(), "--ignore", "parse-error"];
        args.extend(extra);
        scan(dir.path(), &args)
    };
    let (with_tests, skipped) = without_parse_errors(&[]);
    let (without_tests, skipped_without) = without_parse_errors(&["--no-byte-tests"]);
    assert_eq!(skipped, skipped_without);
    let differing: Vec<&String> =
        with_tests.keys().chain(without_tests.keys()).filter(|p| with_tests.get(*p) != without_tests.get(*p)).collect();
    assert!(differing.is_empty(), "the byte tests turned away findings in {differing:?}");
}

#[test]
fn byte_tests_turn_away_no_finding_of_the_rule_fixtures() {
    // Parse errors aside: more files are parsed when every rule reads every file.
    let mut compared = 0;
    for dir in fixtures() {
        let (with_tests, _) = scan(&dir, &["--ignore", "parse-error"]);
        let (without_tests, _) = scan(&dir, &["--ignore", "parse-error", "--no-byte-tests"]);
        assert_eq!(with_tests, without_tests, "{}", dir.display());
        compared += with_tests.values().map(Vec::len).sum::<usize>();
    }
    assert!(compared > 100, "{compared} diagnostics");
}
