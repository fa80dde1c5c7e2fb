//! Output formats for CI: SARIF 2.1.0 (validated against the official schema), GitLab code
//! quality and the Markdown summary. Each is snapshotted from the same scan of
//! `testdata/project`; the properties CI systems rely on (rule indexes, fingerprints that survive
//! line shifts, URI encoding, unique GitLab fingerprints, table-safe Markdown) are checked
//! separately.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{project, ssot};
use serde_json::Value;

fn project_dir() -> String {
    common::root().join("testdata/project").display().to_string()
}

fn check(dir: &str, format: &str) -> common::Run {
    ssot(&["check", dir, "--format", format])
}

/// The vendored official schema (see testdata/sarif/LICENSE-NOTE.md).
fn sarif_schema() -> Value {
    let path = common::root().join("testdata/sarif/sarif-schema-2.1.0.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// A validator for the schema as published (it declares draft-04), checking formats too.
fn sarif_validator() -> jsonschema::Validator {
    jsonschema::options().should_validate_formats(true).build(&sarif_schema()).expect("the SARIF schema compiles")
}

/// Draft-04 has no `uri-reference` format, so the published schema's check on
/// `artifactLocation.uri` is skipped under it. The schema uses no keyword whose meaning changed
/// since, so validating it with draft-07 semantics activates that check.
fn sarif_validator_with_uri_references() -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft7)
        .should_validate_formats(true)
        .build(&sarif_schema())
        .expect("the SARIF schema compiles as draft-07")
}

fn schema_errors(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator.iter_errors(document).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

fn assert_valid_sarif(document: &Value) {
    for validator in [sarif_validator(), sarif_validator_with_uri_references()] {
        let errors = schema_errors(&validator, document);
        assert!(errors.is_empty(), "SARIF does not validate:\n{}\n{document:#}", errors.join("\n"));
    }
}

/// `run`'s output for a snapshot: the repository's `file://` URI (machine-specific, and
/// percent-encoded so a path replacement may miss it) and the crate path are redacted.
fn redacted(run: &common::Run) -> String {
    let mut stdout = run.stdout.clone();
    if let Ok(json) = serde_json::from_str::<Value>(&run.stdout) {
        if let Some(uri) = json.pointer("/runs/0/originalUriBaseIds/%SRCROOT%/uri").and_then(Value::as_str) {
            // The repository's top: this crate's root.
            assert!(uri.starts_with("file:///"), "{uri}");
            stdout = stdout.replace(uri, "file://[ROOT]/");
        }
    }
    let run = common::Run { code: run.code, stdout, stderr: run.stderr.clone() };
    let root = common::root();
    let text = run.snapshot(&[(root.as_path(), "[ROOT]")]);
    assert!(!text.contains(&root.display().to_string()), "machine-specific path left in:\n{text}");
    text
}

#[test]
fn sarif_snapshot() {
    let run = check(&project_dir(), "sarif");
    assert_eq!(run.code, 1, "error findings still fail the run: {}", run.stderr);
    insta::assert_snapshot!("sarif", redacted(&run));
}

#[test]
fn gitlab_snapshot() {
    let run = check(&project_dir(), "gitlab");
    assert_eq!(run.code, 1);
    insta::assert_snapshot!("gitlab", redacted(&run));
}

#[test]
fn markdown_snapshot() {
    let run = check(&project_dir(), "markdown");
    assert_eq!(run.code, 1);
    assert_tables_intact(&run.stdout);
    insta::assert_snapshot!("markdown", redacted(&run));
}

#[test]
fn every_format_is_deterministic() {
    for format in ["sarif", "gitlab", "markdown"] {
        assert_eq!(check(&project_dir(), format).stdout, check(&project_dir(), format).stdout, "{format}");
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let document = check(&project_dir(), "sarif").json();
    assert_valid_sarif(&document);

    // The validator does reject what the schema forbids, so the check above can fail.
    let validator = sarif_validator();
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut copy = document.clone();
        edit(&mut copy);
        copy
    };
    let old_version = broken(&|d| d["version"] = "2.0.0".into());
    assert!(!validator.is_valid(&old_version), "version 2.0.0 accepted");
    let bad_level = broken(&|d| d["runs"][0]["results"][0]["level"] = "fatal".into());
    assert!(!validator.is_valid(&bad_level), "level `fatal` accepted");
    let zero_line =
        broken(&|d| d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into());
    assert!(!validator.is_valid(&zero_line), "startLine 0 accepted");
    let no_tool = broken(&|d| {
        d["runs"][0].as_object_mut().unwrap().remove("tool");
    });
    assert!(!validator.is_valid(&no_tool), "a run without a tool accepted");
    let unknown_property = broken(&|d| d["runs"][0]["results"][0]["rule"] = "x".into());
    assert!(!validator.is_valid(&unknown_property), "an unknown result property accepted");
    let raw_space = broken(&|d| {
        d["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
            "with space.py".into()
    });
    assert!(validator.is_valid(&raw_space), "draft-04 ignores uri-reference (see sarif_validator_with_uri_references)");
    assert!(!sarif_validator_with_uri_references().is_valid(&raw_space), "an unencoded space in a URI accepted");
}

#[test]
fn sarif_rules_and_rule_indexes_agree() {
    let document = check(&project_dir(), "sarif").json();
    let json = check(&project_dir(), "json").json();
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    // The active rules, sorted, as in the JSON report's `by_rule`.
    let active: Vec<&str> = json["summary"]["by_rule"].as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(ids, active);
    for rule in rules {
        for key in ["/shortDescription/text", "/fullDescription/text", "/help/text", "/help/markdown"] {
            assert!(!rule.pointer(key).and_then(Value::as_str).unwrap().is_empty(), "{key} of {rule}");
        }
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), json["diagnostics"].as_array().unwrap().len());
    for (result, diagnostic) in results.iter().zip(json["diagnostics"].as_array().unwrap()) {
        let index = result["ruleIndex"].as_u64().expect("every result has a ruleIndex") as usize;
        assert_eq!(rules[index]["id"], result["ruleId"], "ruleIndex of {result}");
        assert_eq!(result["ruleId"], diagnostic["rule"]);
        let level = match diagnostic["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], level);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert_eq!(region["startLine"], diagnostic["line"]);
        assert_eq!(region["startColumn"], diagnostic["column"]);
        assert_eq!(region["endLine"], diagnostic["end_line"]);
        assert_eq!(region["endColumn"], diagnostic["end_column"]);
        let in_repository = format!("testdata/project/{}", diagnostic["path"].as_str().unwrap());
        assert_eq!(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], in_repository.as_str());
        let related = diagnostic.get("related").and_then(Value::as_array).map_or(0, Vec::len);
        assert_eq!(result.get("relatedLocations").and_then(Value::as_array).map_or(0, Vec::len), related);
    }
}

/// (rule, uri, fingerprint, start line) of every SARIF result.
fn sarif_results(dir: &std::path::Path) -> Vec<(String, String, String, u64)> {
    let document = check(&dir.display().to_string(), "sarif").json();
    assert_valid_sarif(&document);
    document["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let location = &r["locations"][0]["physicalLocation"];
            (
                r["ruleId"].as_str().unwrap().to_string(),
                location["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                r["partialFingerprints"]["ssot/v1"].as_str().unwrap().to_string(),
                location["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn partial_fingerprints_survive_inserted_lines() {
    let body = "import os\n\nA = os.environ\nA = os.environ\nfrom .x import y\n";
    let other = "import os\nB = os.environ\n";
    let before = project(&[("pkg/mod.py", body), ("other.py", other)]);
    let header = "\"\"\"A docstring.\"\"\"\n\n# two more lines\n";
    let after = project(&[("pkg/mod.py", &format!("{header}{body}")), ("other.py", other)]);

    let before = sarif_results(before.path());
    let after = sarif_results(after.path());
    assert_eq!(before.len(), 4, "{before:?}");
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1, &b.2), (&a.0, &a.1, &a.2), "fingerprint changed");
        let shift = if b.1 == "pkg/mod.py" { 3 } else { 0 };
        assert_eq!(a.3, b.3 + shift, "{a:?} vs {b:?}");
    }
    // Identical lines get distinct fingerprints (an occurrence index), so they stay unique.
    let unique: BTreeSet<&str> = before.iter().map(|r| r.2.as_str()).collect();
    assert_eq!(unique.len(), before.len());
}

#[test]
fn sarif_uris_are_percent_encoded() {
    let env = "import os\nos.environ\n";
    let dir = project(&[
        ("we,ird:na%me.py", env),
        ("with space.py", env),
        ("sub dir/a#b?c.py", env),
        ("é.py", env),
        ("plain/ok.py", env),
    ]);
    let uris: BTreeSet<String> = sarif_results(dir.path()).into_iter().map(|r| r.1).collect();
    let expected: BTreeSet<String> =
        ["%C3%A9.py", "plain/ok.py", "sub%20dir/a%23b%3Fc.py", "we,ird%3Ana%25me.py", "with%20space.py"]
            .into_iter()
            .map(String::from)
            .collect();
    assert_eq!(uris, expected);

    // The base URI is the canonical scanned root, encoded the same way, ending with `/`.
    let document = check(&dir.path().display().to_string(), "sarif").json();
    let base = document.pointer("/runs/0/originalUriBaseIds/%SRCROOT%/uri").and_then(Value::as_str).unwrap();
    let root = common::canonical(&dir).display().to_string();
    assert!(base.starts_with("file:///") && base.ends_with('/'), "{base}");
    assert!(base.trim_end_matches('/').ends_with(root.rsplit('/').next().unwrap()), "{base} vs {root}");
}

#[test]
fn sarif_marks_baselined_results() {
    let env = "import os\nos.environ\n";
    let dir = project(&[("old.py", env)]);
    let root = dir.path().display().to_string();
    let baseline = dir.path().join("baseline.json").display().to_string();
    let run = ssot(&["baseline", &root, "--output", &baseline]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    std::fs::write(dir.path().join("new.py"), env).unwrap();

    let run = ssot(&["check", &root, "--format", "sarif", "--baseline", &baseline]);
    assert_eq!(run.code, 1, "the new finding fails the run: {}", run.stderr);
    let document = run.json();
    assert_valid_sarif(&document);
    let states: Vec<(&str, &str)> = document["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
            (uri, r["baselineState"].as_str().unwrap())
        })
        .collect();
    assert_eq!(states, [("new.py", "new"), ("old.py", "unchanged")]);
    let markdown = ssot(&["check", &root, "--format", "markdown", "--baseline", &baseline]).stdout;
    assert!(markdown.contains("1 finding is in the baseline"), "{markdown}");
    assert!(markdown.contains("| `old.py:2:1` | `direct-env-access` (baseline) |"), "{markdown}");
    assert!(markdown.contains("| `new.py:2:1` | `direct-env-access` |"), "{markdown}");
    // Without a baseline, no result carries a baseline state.
    let plain = check(&root, "sarif").json();
    assert!(plain["runs"][0]["results"].as_array().unwrap().iter().all(|r| r.get("baselineState").is_none()));
}

#[test]
fn gitlab_issues_match_the_diagnostics() {
    let issues = check(&project_dir(), "gitlab").json();
    let issues = issues.as_array().unwrap();
    let json = check(&project_dir(), "json").json();
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(issues.len(), diagnostics.len());
    let sarif = check(&project_dir(), "sarif").json();
    let fingerprints: Vec<&Value> =
        sarif["runs"][0]["results"].as_array().unwrap().iter().map(|r| &r["partialFingerprints"]["ssot/v1"]).collect();
    let severities = BTreeMap::from([("error", "major"), ("warning", "minor"), ("info", "info")]);
    for ((issue, diagnostic), fingerprint) in issues.iter().zip(diagnostics).zip(fingerprints) {
        assert_eq!(issue["check_name"], diagnostic["rule"]);
        assert_eq!(issue["description"], diagnostic["message"]);
        assert_eq!(issue["severity"], severities[diagnostic["severity"].as_str().unwrap()]);
        // GitLab's paths are the repository's (testdata/project is in this one), JSON's the
        // project's.
        let in_repository = format!("testdata/project/{}", diagnostic["path"].as_str().unwrap());
        assert_eq!(issue["location"]["path"], in_repository.as_str());
        assert_eq!(issue["location"]["lines"]["begin"], diagnostic["line"]);
        assert_eq!(&issue["fingerprint"], fingerprint, "GitLab and SARIF share the fingerprint");
    }
    let unique: BTreeSet<&str> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(unique.len(), issues.len(), "GitLab needs unique fingerprints");
}

#[test]
fn a_clean_project_gives_empty_reports() {
    let dir = project(&[("ok.py", "import json\n")]);
    let dir = dir.path().display().to_string();
    let sarif = check(&dir, "sarif");
    assert_eq!(sarif.code, 0);
    let document = sarif.json();
    assert_valid_sarif(&document);
    assert_eq!(document["runs"][0]["results"], serde_json::json!([]), "GitHub wants `results` even when empty");
    assert_eq!(check(&dir, "gitlab").stdout, "[]\n");
    let markdown = check(&dir, "markdown").stdout;
    assert!(
        markdown.contains("**0 findings**") && markdown.contains("| **overall** | **1** | **100.0%** |"),
        "{markdown}"
    );
    assert!(!markdown.contains("Top files") && !markdown.contains("<details>"), "{markdown}");
    assert_tables_intact(&markdown);
}

#[test]
fn skipped_files_are_sarif_notifications() {
    let dir = project(&[("ok.py", "import os\nos.environ\n"), ("binary.py", "x = 1\0\n")]);
    let document = check(&dir.path().display().to_string(), "sarif").json();
    assert_valid_sarif(&document);
    let invocation = &document["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let notifications = invocation["toolExecutionNotifications"].as_array().unwrap();
    assert_eq!(notifications.len(), 1, "{invocation}");
    assert_eq!(notifications[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "binary.py");
    assert!(notifications[0]["message"]["text"].as_str().unwrap().starts_with("skipped: "));
    assert_eq!(document["runs"][0]["results"].as_array().unwrap().len(), 1);
}

#[test]
fn markdown_escapes_paths_and_messages() {
    let env = "import os\nos.environ\n";
    let dir = project(&[("pipe|name.py", env), ("back`tick <b>.py", env), ("under_score*.py", env)]);
    let markdown = check(&dir.path().display().to_string(), "markdown").stdout;
    assert_tables_intact(&markdown);
    assert!(markdown.contains("| `pipe\\|name.py` | production | 1 |"), "{markdown}");
    assert!(markdown.contains("| back\\`tick &lt;b&gt;.py | production | 1 |"), "{markdown}");
    assert!(
        markdown.contains("| `under_score*.py` | production | 1 |"),
        "code spans need no other escapes:\n{markdown}"
    );
    assert!(markdown.contains(
        "| `pipe\\|name.py:2:1` | `direct-env-access` | direct access to the process environment through `os.environ`:"
    ));
    assert!(!markdown.contains("<b>"), "{markdown}");
}

/// Every table row has as many cells as its table's header: no `|` from a path or a message
/// escaped its cell.
fn assert_tables_intact(markdown: &str) {
    let cells = |line: &str| {
        let bytes = line.as_bytes();
        (0..bytes.len()).filter(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\')).count()
    };
    let mut columns = None;
    for line in markdown.lines() {
        if !line.starts_with('|') {
            columns = None;
            continue;
        }
        let count = cells(line);
        let expected = *columns.get_or_insert(count);
        assert_eq!(count, expected, "row with a different number of cells: {line}\n{markdown}");
    }
}
