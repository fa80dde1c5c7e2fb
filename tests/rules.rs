//! Rule fixtures: every rule has `testdata/rules/<id>/` with Python and Rust files whose flagged
//! lines end in `# expect: <id>` (`// expect: <id>` in Rust) (several ids separated by commas when a line has several findings) and
//! near-misses without a marker. The marker check runs first, for every rule, so a wrong
//! snapshot cannot be blessed by accident; then the rendered human report is snapshot-tested.
//! A rule with fixes has, beside a file `x.py` its fixes change, the expected result `x.fixed.py`
//! (written by hand): `--fix --unsafe-fixes` on a copy of the directory must turn each such
//! file into its `.fixed.py`, leave every other file as it was, and change nothing when run
//! again. `.fixed.py` files are not scanned.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

/// (path, line, rule) → count.
type Findings = BTreeMap<(String, usize, String), usize>;

fn python_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            python_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "py" || e == "rs") && !is_fixed(&path) {
            out.push(path);
        }
    }
}

fn expected_findings(dir: &Path) -> Findings {
    let mut expected = Findings::new();
    let mut files = Vec::new();
    python_files(dir, &mut files);
    files.sort();
    for file in &files {
        let name = file.strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/");
        let text = std::fs::read_to_string(file).unwrap();
        for (index, line) in text.lines().enumerate() {
            let marker = line.find("# expect:").map(|at| at + "# expect:".len());
            if let Some(at) = marker.or_else(|| line.find("// expect:").map(|at| at + "// expect:".len())) {
                for id in line[at..].split(',').map(str::trim).filter(|s| !s.is_empty()) {
                    *expected.entry((name.clone(), index + 1, id.to_string())).or_default() += 1;
                }
            }
        }
    }
    expected
}

/// `check DIR --select RULE`, unless the fixture's own `ssot.toml` selects the rules (a rule
/// about other rules' findings, such as `unused-suppression`, needs them active).
fn check_args<'a>(dir: &'a str, rule: &'a str) -> Vec<&'a str> {
    let config = std::fs::read_to_string(Path::new(dir).join("ssot.toml")).unwrap_or_default();
    let mut args = vec!["check", dir, "--no-ignore", "--exclude", "**/*.fixed.py", "--exclude", "**/*.fixed.rs"];
    if !config.contains("select") {
        args.extend(["--select", rule]);
    }
    args
}

fn actual_findings(dir: &Path, rule: &str) -> Findings {
    let mut args = check_args(dir.to_str().unwrap(), rule);
    args.extend(["--format", "json"]);
    let run = common::ssot(&args);
    assert!(run.code <= 1, "ssot failed on {}: {}", dir.display(), run.stderr);
    let mut actual = Findings::new();
    for d in run.json()["diagnostics"].as_array().unwrap() {
        let key = (
            d["path"].as_str().unwrap().to_string(),
            d["line"].as_u64().unwrap() as usize,
            d["rule"].as_str().unwrap().to_string(),
        );
        *actual.entry(key).or_default() += 1;
    }
    actual
}

fn rule_dirs() -> Vec<(String, std::path::PathBuf)> {
    let mut dirs: Vec<_> = std::fs::read_dir(common::root().join("testdata/rules"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn fixtures_flag_exactly_the_marked_lines_then_match_snapshots() {
    let mut failures = Vec::new();
    for (rule, dir) in rule_dirs() {
        let expected = expected_findings(&dir);
        assert!(!expected.is_empty(), "{}: no `# expect: {rule}` marker", dir.display());
        let actual = actual_findings(&dir, &rule);
        for (key, count) in &expected {
            let got = actual.get(key).copied().unwrap_or(0);
            if got != *count {
                failures.push(format!("{rule}: {}:{}: expected {count} × {}, got {got}", key.0, key.1, key.2));
            }
        }
        for (key, count) in &actual {
            if !expected.contains_key(key) {
                failures
                    .push(format!("{rule}: {}:{}: unexpected {count} × {} (near-miss flagged?)", key.0, key.1, key.2));
            }
        }
    }
    assert!(failures.is_empty(), "fixture markers disagree with ssot:\n{}", failures.join("\n"));

    for (rule, dir) in rule_dirs() {
        let run = common::ssot(&check_args(dir.to_str().unwrap(), &rule));
        insta::with_settings!({
            snapshot_path => dir.clone(),
            prepend_module_to_snapshot => false,
            omit_expression => true,
            description => format!("ssot check testdata/rules/{rule} --select {rule}"),
        }, {
            insta::assert_snapshot!("output", run.snapshot(&[]));
        });
    }
}

fn is_fixed(path: &Path) -> bool {
    let path = path.to_string_lossy();
    path.ends_with(".fixed.py") || path.ends_with(".fixed.rs")
}

/// Every file under `dir` (relative path → text).
fn texts(dir: &Path) -> BTreeMap<String, String> {
    fn walk(dir: &Path, base: &Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, base, out);
            } else {
                let name = path.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(name, std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn fixes_turn_each_fixture_into_its_fixed_file_and_nothing_else() {
    let mut rules_with_fixes = Vec::new();
    for (rule, dir) in rule_dirs() {
        let all = texts(&dir);
        let fixed: BTreeMap<String, String> = all
            .iter()
            .filter(|(name, _)| is_fixed(Path::new(name)))
            .map(|(name, text)| (name.replace(".fixed.py", ".py").replace(".fixed.rs", ".rs"), text.clone()))
            .collect();
        if fixed.is_empty() {
            continue;
        }
        rules_with_fixes.push(rule.clone());
        let copy = tempfile::tempdir().unwrap();
        for (name, text) in all.iter().filter(|(name, _)| !is_fixed(Path::new(name)) && !name.ends_with(".snap")) {
            let path = copy.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let dir_text = copy.path().to_str().unwrap().to_string();
        let mut args = check_args(&dir_text, &rule);
        args.extend(["--fix", "--unsafe-fixes"]);
        let run = common::ssot(&args);
        assert!(run.code <= 1, "{rule}: {}", run.stderr);
        let after = texts(copy.path());
        for (name, before) in all.iter().filter(|(name, _)| !is_fixed(Path::new(name)) && !name.ends_with(".snap")) {
            let expected = fixed.get(name).unwrap_or(before);
            assert_eq!(&after[name], expected, "{rule}: {name} after --fix (stderr: {})", run.stderr);
        }
        // Idempotent: a second run finds nothing more to fix.
        let again = common::ssot(&args);
        assert_eq!(texts(copy.path()), after, "{rule}: a second --fix changed files");
        assert!(again.stderr.contains("fixed 0 findings"), "{rule}: {}", again.stderr);
    }
    assert!(
        rules_with_fixes.len() >= 4,
        "fix fixtures for relative-import, magic-none, missing-mock-import and unused-suppression: {rules_with_fixes:?}"
    );
}
