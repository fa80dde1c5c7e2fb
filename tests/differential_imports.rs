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
    diagnostics(dir, "unresolved-import", extra).into_iter().map(|(place, _)| place).collect()
}

/// Each diagnostic of `rule` on `dir` (with `extra` arguments): its place (path relative to
/// `dir`, line, column) and its JSON.
fn diagnostics(dir: &Path, rule: &str, extra: &[&str]) -> Vec<((String, u64, u64), serde_json::Value)> {
    let mut args = vec!["check", dir.to_str().unwrap(), "--select", rule, "--format", "json"];
    args.extend(extra);
    let run = common::ssot(&args);
    assert!(run.code <= 1, "{}", run.stderr);
    let prefix = format!("{}/", dir.display());
    let json = run.json();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let path = d["path"].as_str().unwrap();
            let path = path.strip_prefix(&prefix).unwrap_or(path).to_string();
            ((path, d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()), d.clone())
        })
        .collect()
}

/// A random project made by the generator of `testdata/oracle/<oracle>` (kept while the
/// directory lives).
fn generate(oracle: &str, seed: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let generated = Command::new("python3")
        .arg(common::root().join("testdata/oracle").join(oracle))
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
        let (_dir, root) = generate("import_oracle.py", seed);
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
        let (_dir, root) = generate("import_oracle.py", seed);
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

/// One name of a client's `from … import` as `testdata/oracle/reexport_oracle.py` sees it.
struct Imported {
    /// The bound name (a fix keeps it).
    bound: String,
    /// The object's identity, as CPython has it.
    key: String,
    /// Where CPython says the object is defined (`__module__`, or a module's `__name__`).
    defined_in: String,
    expected: bool,
    expected_strict: bool,
}

/// The oracle's answers for the project at `dir`, by place (path, line, column).
fn reexport_oracle(dir: &Path) -> std::collections::BTreeMap<(String, u64, u64), Imported> {
    let output = Command::new("python3")
        .arg(common::root().join("testdata/oracle/reexport_oracle.py"))
        .arg("check")
        .arg(dir)
        .output()
        .expect("run the oracle");
    assert!(output.status.success(), "oracle failed: {}", String::from_utf8_lossy(&output.stderr));
    let text = |r: &serde_json::Value, key: &str| r[key].as_str().unwrap().to_string();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let r: serde_json::Value = serde_json::from_str(line).unwrap();
            let place = (text(&r, "path"), r["line"].as_u64().unwrap(), r["column"].as_u64().unwrap());
            let imported = Imported {
                bound: text(&r, "bound"),
                key: text(&r, "key"),
                defined_in: text(&r, "defined_in"),
                expected: r["expected"].as_bool().unwrap(),
                expected_strict: r["expected_strict"].as_bool().unwrap(),
            };
            (place, imported)
        })
        .collect()
}

/// `reexport-import`'s findings on `dir`: place → (module to import from, name there, why there,
/// has a fix).
fn reexport_findings(dir: &Path, extra: &[&str]) -> std::collections::BTreeMap<(String, u64, u64), [String; 4]> {
    diagnostics(dir, "reexport-import", extra)
        .into_iter()
        .map(|(place, d)| {
            // "`n` is re-exported by `m`; import `original` from `source`, detail"
            let message = d["message"].as_str().unwrap();
            let parts: Vec<&str> = message.split('`').collect();
            assert_eq!(parts.len(), 9, "{message}");
            let detail = parts[8].trim_start_matches(", ").to_string();
            let fix = if d["fix"].is_object() { "fix" } else { "" };
            (place, [parts[7].to_string(), parts[5].to_string(), detail, fix.to_string()])
        })
        .collect()
}

/// `reexport-import` against CPython: on random projects of re-export chains
/// (`testdata/oracle/reexport_oracle.py`), exactly the imports of names a module binds only by
/// one import are reported (with and without `strict`, with the fast path and without); where
/// the message says a name is defined, CPython's `__module__` agrees; after `--fix` every import
/// of the project binds the very same object, and after `--fix --unsafe-fixes` every fixed
/// statement does (the fixed files import), with nothing fixable left.
#[test]
fn reexport_imports_name_the_module_cpython_defines_them_in() {
    if Command::new("python3").arg("--version").output().is_err() {
        eprintln!("skipped: no python3");
        return;
    }
    let (mut compared, mut reported, mut defined) = (0, 0, 0);
    for seed in 1..=12 {
        let (_dir, root) = generate("reexport_oracle.py", seed);
        let oracle = reexport_oracle(&root);
        for strict in [false, true] {
            let config = format!("[rules.reexport-import]\nmodules = [\"**\"]\nstrict = {strict}\n");
            std::fs::write(root.join("ssot.toml"), config).unwrap();
            let expected: BTreeSet<&(String, u64, u64)> = oracle
                .iter()
                .filter(|(_, i)| if strict { i.expected_strict } else { i.expected })
                .map(|(place, _)| place)
                .collect();
            let tree = reexport_findings(&root, &["--no-fast-path"]);
            let found = reexport_findings(&root, &[]);
            assert_eq!(found, tree, "seed {seed}: the fast path and the tree differ");
            let places: BTreeSet<&(String, u64, u64)> = found.keys().collect();
            let missing: Vec<_> = expected.difference(&places).collect();
            let extra: Vec<_> = places.difference(&expected).collect();
            assert!(
                missing.is_empty() && extra.is_empty(),
                "seed {seed}, strict {strict}: re-exports ssot misses: {missing:?}; ssot reports: {extra:?}"
            );
            for (place, [source, original, detail, _]) in &found {
                let imported = &oracle[place];
                match detail.as_str() {
                    "where it is defined" => {
                        assert_eq!(*source, imported.defined_in, "seed {seed}: {place:?}");
                        defined += 1;
                    }
                    "whose submodule it is" => {
                        assert_eq!(format!("{source}.{original}"), imported.defined_in, "seed {seed}: {place:?}")
                    }
                    _ => {}
                }
            }
            compared += oracle.len();
            reported += found.len();
            if !strict {
                continue;
            }
            // Safe fixes change nothing CPython binds anywhere; every fix keeps what its own
            // statement binds (an unsafe one may change what runs first: a package that shadows a
            // submodule's name loses the race once the re-exporting module is no longer
            // imported); the fixed files import; what is left is what had no fix.
            let keys = |answers: &std::collections::BTreeMap<(String, u64, u64), Imported>,
                        only: Option<&BTreeSet<(String, u64)>>| {
                answers
                    .iter()
                    .filter(|((path, line, _), _)| only.is_none_or(|only| only.contains(&(path.clone(), *line))))
                    .map(|((path, line, _), i)| ((path.clone(), *line, i.bound.clone()), i.key.clone()))
                    .collect::<BTreeSet<_>>()
            };
            let (_safe_dir, safe_root) = generate("reexport_oracle.py", seed);
            std::fs::write(safe_root.join("ssot.toml"), std::fs::read(root.join("ssot.toml")).unwrap()).unwrap();
            let run = common::ssot(&["check", safe_root.to_str().unwrap(), "--select", "reexport-import", "--fix"]);
            assert!(run.code <= 1, "{}", run.stderr);
            assert_eq!(
                keys(&reexport_oracle(&safe_root), None),
                keys(&oracle, None),
                "seed {seed}: safe fixes changed what is imported"
            );
            let fixed: BTreeSet<(String, u64)> = found
                .iter()
                .filter(|(_, f)| !f[3].is_empty())
                .map(|((path, line, _), _)| (path.clone(), *line))
                .collect();
            let unfixable = found.values().filter(|finding| finding[3].is_empty()).count();
            let run = common::ssot(&[
                "check",
                root.to_str().unwrap(),
                "--select",
                "reexport-import",
                "--fix",
                "--unsafe-fixes",
            ]);
            assert!(run.code <= 1, "{}", run.stderr);
            let after = reexport_oracle(&root);
            assert_eq!(
                keys(&after, Some(&fixed)),
                keys(&oracle, Some(&fixed)),
                "seed {seed}: a fix changed what its statement imports"
            );
            let left = reexport_findings(&root, &[]);
            assert_eq!(left.len(), unfixable, "seed {seed}: left after --fix: {left:?}");
            assert!(left.values().all(|finding| finding[3].is_empty()), "seed {seed}: {left:?}");
        }
    }
    eprintln!("{compared} imports, {reported} findings, {defined} definitions");
    assert!(
        compared > 500 && reported > 150 && defined > 50,
        "{compared} imports, {reported} findings, {defined} definitions"
    );
}
