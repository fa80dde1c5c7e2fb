//! Meta-tests that keep the corpus honest: every rule has a fixture and a snapshot, generated
//! docs are fresh, every module says what it owns, and ssot finds nothing in its own repository.

mod common;

use std::path::Path;

use ssot::rules::bundled_catalog;

#[test]
fn every_rule_has_a_fixture_with_markers_and_a_snapshot() {
    let catalog = bundled_catalog().expect("bundled rules load");
    let mut missing = Vec::new();
    for id in catalog.ids() {
        let dir = common::root().join("testdata/rules").join(id);
        let marker = format!("# expect: {id}");
        let has_marker = std::fs::read_dir(&dir)
            .ok()
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| std::fs::read_to_string(entry.path()).is_ok_and(|text| text.contains(&marker)));
        if !has_marker {
            missing.push(format!("{}: no fixture with `{marker}`", dir.display()));
        }
        if !dir.join("output.snap").is_file() {
            missing.push(format!("{}: no output.snap", dir.display()));
        }
    }
    let rule_dirs = std::fs::read_dir(common::root().join("testdata/rules")).unwrap();
    for entry in rule_dirs.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if catalog.get(&name).is_none() {
            missing.push(format!("testdata/rules/{name}: no rule with that id"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Compares (or, with `SSOT_BLESS=1`, rewrites) a generated file.
fn check_generated(path: &Path, expected: &str, stale: &mut Vec<String>) {
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if actual == expected {
        return;
    }
    if std::env::var_os("SSOT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
    } else {
        stale.push(path.display().to_string());
    }
}

#[test]
fn generated_rule_docs_are_fresh() {
    let catalog = bundled_catalog().expect("bundled rules load");
    let docs = common::root().join("docs/rules");
    let mut stale = Vec::new();
    for (spec, _) in &catalog.entries {
        let path = docs.join(format!("{}.md", spec.id.get_ref()));
        check_generated(&path, &ssot::docs::rule_markdown(spec), &mut stale);
    }
    check_generated(&docs.join("README.md"), &ssot::docs::rules_index(&catalog), &mut stale);
    for entry in std::fs::read_dir(&docs).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.trim_end_matches(".md");
        if name != "README.md" && catalog.get(id).is_none() {
            stale.push(format!("{} (no such rule)", entry.path().display()));
        }
    }
    assert!(stale.is_empty(), "stale generated docs (rerun with SSOT_BLESS=1): {}", stale.join(", "));
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_starts_with_a_doc_comment_saying_what_it_owns() {
    let mut files = Vec::new();
    rust_files(&common::root().join("src"), &mut files);
    files.sort();
    let mut undocumented = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let parsed = syn::parse_file(&text).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let has_doc = parsed.attrs.iter().any(|attr| attr.path().is_ident("doc"));
        if !has_doc {
            undocumented.push(file.display().to_string());
        }
    }
    assert!(undocumented.is_empty(), "modules without a `//!` doc: {}", undocumented.join(", "));
}

#[test]
fn every_engine_rule_has_its_own_source_file() {
    let catalog = bundled_catalog().unwrap();
    for (spec, _) in &catalog.entries {
        let Some(engine) = &spec.engine else { continue };
        let name = engine.get_ref();
        if ssot::rule::ScannerRule::ALL.iter().any(|rule| rule.name() == name) {
            continue; // run by the scanner itself (src/scan/analyze.rs, src/scan/mod.rs)
        }
        let file = common::root().join("src/rules").join(format!("{}.rs", name.replace('-', "_")));
        assert!(file.is_file(), "engine `{name}` has no {}", file.display());
    }
}

#[test]
fn dogfood_ssot_is_clean_on_its_own_repository() {
    let root = common::root();
    let run = common::ssot(&[
        "check",
        root.to_str().unwrap(),
        "--exclude",
        "testdata/**",
        "--exclude",
        "target/**",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["diagnostics"], serde_json::json!([]));
}
