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

/// A random project made by the oracle's generator (kept while the directory lives).
fn generate(seed: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let generated = Command::new("python3")
        .arg(common::root().join("testdata/oracle/import_oracle.py"))
        .args(["generate", root.to_str().unwrap(), &seed.to_string()])
        .status()
        .unwrap();
    assert!(generated.success());
    (dir, root)
}

#[test]
fn unresolved_imports_are_what_cpython_cannot_import() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3");
        return;
    }
    let mut compared = 0;
    for seed in 1..=16 {
        let (_dir, root) = generate(seed);
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

/// Where grimp can be imported from: `SSOT_GRIMP` (a directory for `PYTHONPATH`, as `.ci/run`
/// installs it), else wherever python3 finds it; `None` when it cannot.
fn grimp_path() -> Option<String> {
    let path = std::env::var("SSOT_GRIMP").unwrap_or_default(); // ssot: ignore[direct-env-access] -- a test knob
    let found = Command::new("python3").args(["-c", "import grimp"]).env("PYTHONPATH", &path).status();
    found.is_ok_and(|status| status.success()).then_some(path)
}

/// `ssot graph` against grimp (import-linter's graph) on generated projects: the same direct
/// imports between the modules of the regular packages, each at the same line.
#[test]
fn the_import_graph_is_grimps() {
    let Some(grimp) = grimp_path() else {
        eprintln!("skipped: grimp is not installed (pip install --target DIR grimp; SSOT_GRIMP=DIR)");
        return;
    };
    let mut compared = 0;
    for seed in 1..=10 {
        let (_dir, root) = generate(seed);
        let mut packages: Vec<String> = std::fs::read_dir(&root)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .filter(|name| name.starts_with("pkg"))
            .collect();
        packages.sort();
        let output = Command::new("python3")
            .arg(common::root().join("testdata/oracle/grimp_oracle.py"))
            .arg(&root)
            .args(&packages)
            .env("PYTHONPATH", &grimp)
            .output()
            .unwrap();
        assert!(output.status.success(), "grimp failed: {}", String::from_utf8_lossy(&output.stderr));
        let line = |r: &serde_json::Value, key: &str| r[key].as_str().unwrap().to_string();
        let expected: BTreeSet<(String, String, u64)> = String::from_utf8(output.stdout)
            .unwrap()
            .lines()
            .map(|text| {
                let r: serde_json::Value = serde_json::from_str(text).unwrap();
                (line(&r, "importer"), line(&r, "imported"), r["line"].as_u64().unwrap())
            })
            .collect();
        let run = common::ssot(&["graph", root.to_str().unwrap()]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let in_packages = |module: &str| packages.iter().any(|p| module == p || module.starts_with(&format!("{p}.")));
        let mut found = BTreeSet::new();
        for (module, entry) in run.json()["modules"].as_object().unwrap() {
            for import in entry["imports"].as_array().unwrap() {
                let imported = import["module"].as_str().unwrap();
                if in_packages(module) && in_packages(imported) {
                    found.insert((module.clone(), imported.to_string(), import["line"].as_u64().unwrap()));
                }
            }
        }
        assert!(!expected.is_empty());
        let missing: Vec<_> = expected.difference(&found).collect();
        let extra: Vec<_> = found.difference(&expected).collect();
        assert!(missing.is_empty() && extra.is_empty(), "seed {seed}: grimp only: {missing:?}; ssot only: {extra:?}");
        compared += expected.len();
    }
    assert!(compared > 200, "{compared} imports compared");
}
