//! `unresolved-import` against CPython's own import system (`testdata/oracle/import_oracle.py`):
//! on random projects the oracle generates (packages, namespace packages, modules binding names
//! in every form, star imports with and without `__all__`, clients importing in every form, a
//! third of it broken), each import statement the oracle runs with `importlib` and that fails
//! must be exactly a finding of ssot, at the same line and column, and nothing else; with the
//! token fast path and with every file read from its tree.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// (path, line, column).
type Places = BTreeSet<(String, u64, u64)>;

fn oracle(dir: &Path) -> Places {
    let output = Command::new("python3")
        .arg(common::root().join("testdata/oracle/import_oracle.py"))
        .arg("check")
        .arg(dir)
        .arg("nsp")
        .output()
        .expect("run the oracle");
    assert!(output.status.success(), "oracle failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            (r["path"].as_str().unwrap().to_string(), r["line"].as_u64().unwrap(), r["column"].as_u64().unwrap())
        })
        .collect()
}

fn ssot(dir: &Path, extra: &[&str]) -> Places {
    let mut args = vec!["check", dir.to_str().unwrap(), "--select", "unresolved-import"];
    args.extend(extra);
    args.extend(["--format", "json"]);
    let run = common::ssot(&args);
    assert!(run.code <= 1, "{}", run.stderr);
    let prefix = format!("{}/", dir.display());
    run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            let path = path.strip_prefix(&prefix).unwrap_or(path).to_string();
            (path, d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
        })
        .collect()
}

#[test]
fn unresolved_imports_are_what_cpython_cannot_import() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3");
        return;
    }
    let mut compared = 0;
    for seed in 1..=16 {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let generated = Command::new("python3")
            .arg(common::root().join("testdata/oracle/import_oracle.py"))
            .args(["generate", root.to_str().unwrap(), &seed.to_string()])
            .status()
            .unwrap();
        assert!(generated.success());
        std::fs::write(root.join("ssot.toml"), "[scan]\nnamespace-packages = [\"nsp\"]\n").unwrap();
        let expected = oracle(&root);
        assert!(!expected.is_empty(), "seed {seed}: the generator makes broken imports");
        for extra in [&[][..], &["--no-fast-path"][..]] {
            let found = ssot(&root, extra);
            let missing: Vec<_> = expected.difference(&found).collect();
            let extra_found: Vec<_> = found.difference(&expected).collect();
            assert!(
                missing.is_empty() && extra_found.is_empty(),
                "seed {seed} {extra:?}: CPython fails on these but ssot is silent: {missing:?}; \
                 ssot reports these CPython imports: {extra_found:?}"
            );
        }
        compared += expected.len();
    }
    assert!(compared > 100, "{compared} broken imports compared");
}
