//! The project model (docs/projects.md): checking part of a project reports it as part of the
//! whole — the same paths, categories, findings and fingerprints — with one cache at the root.

mod common;

use common::{canonical, project, ssot, ssot_with_cache};
use serde_json::Value;

/// (path, rule, line, category, fingerprint) of each finding of a JSON run.
fn findings(run: &common::Run) -> Vec<(String, String, u64, String, String)> {
    let json = run.json();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |key: &str| d[key].as_str().unwrap_or_default().to_string();
            (text("path"), text("rule"), d["line"].as_u64().unwrap(), text("category"), text("fingerprint"))
        })
        .collect()
}

/// A tree with a duplicate constant across two folders, a test helper, and `.git` at the top
/// (no configuration file: the git work tree is the project).
fn monorepo() -> tempfile::TempDir {
    let dir = project(&[
        ("src/app/events.py", "SENT = 'message_sent_event'\n"),
        ("src/app/legacy.py", "SENT = 'message_sent_event'\nimport os\nHOME = os.environ['HOME']\n"),
        ("tests/helpers.py", "import os\nUSER = os.getenv('USER')\n"),
        ("tests/test_a.py", "def test_a():\n    assert True\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn one_file_is_reported_as_in_a_whole_project_scan() {
    let dir = monorepo();
    let root = canonical(&dir);
    let whole = findings(&ssot(&["check", root.to_str().unwrap(), "--format", "json"]));
    for file in ["src/app/legacy.py", "tests/helpers.py"] {
        let one = ssot(&["check", root.join(file).to_str().unwrap(), "--format", "json"]);
        let expected: Vec<_> = whole.iter().filter(|f| f.0 == file).cloned().collect();
        assert!(!expected.is_empty(), "{file} has findings in the whole scan: {whole:?}");
        assert_eq!(findings(&one), expected, "{file}: path, category, findings and fingerprints");
        assert_eq!(one.json()["summary"]["files"]["scanned"], 1, "only the file is counted");
    }
    // The project-wide finding of legacy.py pairs it with a file that was not named.
    let one = ssot(&["check", root.join("src/app/legacy.py").to_str().unwrap(), "--format", "json"]);
    let json = one.json();
    let duplicate = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["rule"] == "duplicate-string-constant")
        .expect("the duplicate constant is found when one of its files is checked");
    assert_eq!(duplicate["related"][0]["path"], "src/app/events.py");
    // The helper under tests/ is a test file, as in the whole scan.
    let helper = ssot(&["check", root.join("tests/helpers.py").to_str().unwrap(), "--format", "json"]);
    assert_eq!(helper.json()["summary"]["files"]["test"], 1);
}

#[test]
fn a_directory_reports_only_its_files_and_scores_them() {
    let dir = monorepo();
    let root = canonical(&dir);
    let run = ssot(&["check", root.join("tests").to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let paths: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["tests/helpers.py"]);
    assert_eq!(json["summary"]["files"]["scanned"], 2);
    assert_eq!(json["summary"]["score"]["overall"], 50.0);
}

#[test]
fn the_configuration_directory_is_the_project_root() {
    let dir = project(&[
        ("repo/service/ssot.toml", "[scan]\nother = [\"scripts/**\"]\n"),
        ("repo/service/scripts/run.py", "import os\nA = os.environ['A']\n"),
        ("repo/service/pkg/a.py", "X = 1\n"),
    ]);
    std::fs::create_dir(dir.path().join("repo/.git")).unwrap();
    let root = canonical(&dir);
    let run = ssot(&["check", root.join("repo/service/scripts/run.py").to_str().unwrap(), "--format", "json"]);
    let found = findings(&run);
    assert_eq!(found.len(), 1, "{}", run.stdout);
    assert_eq!((found[0].0.as_str(), found[0].3.as_str()), ("scripts/run.py", "other"));
}

#[test]
fn one_cache_at_the_project_root() {
    let dir = monorepo();
    let root = canonical(&dir);
    let run = ssot_with_cache(&["check", root.join("src/app/legacy.py").to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(root.join(".ssot_cache").is_dir(), "the cache is at the project root");
    assert!(!root.join("src/app/.ssot_cache").exists(), "no cache beside the file checked");
    // A warm run of the whole project and of another file agree with cold ones.
    let cold = findings(&ssot(&["check", root.to_str().unwrap(), "--format", "json"]));
    let warm = findings(&ssot_with_cache(&["check", root.to_str().unwrap(), "--format", "json"]));
    assert_eq!(warm, cold);
    let helper = root.join("tests/helpers.py");
    let warm = findings(&ssot_with_cache(&["check", helper.to_str().unwrap(), "--format", "json"]));
    let cold = findings(&ssot(&["check", helper.to_str().unwrap(), "--format", "json"]));
    assert_eq!(warm, cold);
    assert_eq!(warm.len(), 1);
}

#[test]
fn a_named_file_or_directory_the_walk_skips_is_scanned() {
    let dir = project(&[
        ("ssot.toml", "[scan]\nexclude = [\"vendor/**\"]\n"),
        ("vendor/lib.py", "import os\nA = os.environ['A']\n"),
        ("vendor/sub/deep.py", "import os\nB = os.environ['B']\n"),
        ("app.py", "X = 1\n"),
    ]);
    let root = canonical(&dir);
    let paths = |run: &common::Run| -> Vec<String> { findings(run).into_iter().map(|f| f.0).collect() };
    assert!(paths(&ssot(&["check", root.to_str().unwrap(), "--format", "json"])).is_empty());
    let named_dir = ssot(&["check", root.join("vendor").to_str().unwrap(), "--format", "json"]);
    assert_eq!(paths(&named_dir), ["vendor/lib.py", "vendor/sub/deep.py"]);
    let named_file = ssot(&["check", root.join("vendor/sub/deep.py").to_str().unwrap(), "--format", "json"]);
    assert_eq!(paths(&named_file), ["vendor/sub/deep.py"]);
}

#[test]
fn terminal_paths_are_relative_to_the_current_directory() {
    // The tests run in the crate root: testdata/project is inside it.
    let run = ssot(&["check", "testdata/project/app/services", "--format", "concise"]);
    let first = run.stdout.lines().next().unwrap();
    assert!(first.starts_with("testdata/project/app/services/billing.py:1:1: relative-import"), "{first}");
    // JSON stays relative to the project root (testdata/project holds ssot.toml).
    let json: Value = ssot(&["check", "testdata/project/app/services", "--format", "json"]).json();
    assert_eq!(json["diagnostics"][0]["path"], "app/services/billing.py");
}

#[test]
fn per_file_ignores_drop_rules_in_matching_files() {
    let dir = project(&[
        (
            "ssot.toml",
            "[rules]\nper-file-ignores = { \"tests/**\" = [\"direct-env-access\"], \"pkg/gen_*.py\" = [\"relative-import\"] }\n",
        ),
        ("tests/helpers.py", "import os\nA = os.environ['A']\nfrom . import x\n"),
        ("pkg/__init__.py", ""),
        ("pkg/gen_a.py", "from . import x\nimport os\nB = os.environ['B']\n"),
        ("pkg/b.py", "from . import x\n"),
    ]);
    let root = canonical(&dir);
    // (The imported `x` exists nowhere: `unresolved-import`, not what this test is about.)
    let args = ["check", root.to_str().unwrap(), "--format", "json", "--ignore", "unresolved-import"];
    let found: Vec<(String, String)> = findings(&ssot(&args)).into_iter().map(|f| (f.0, f.1)).collect();
    let expected = [
        ("pkg/b.py", "relative-import"),
        ("pkg/gen_a.py", "direct-env-access"),
        ("tests/helpers.py", "relative-import"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(p, r)| (p.to_string(), r.to_string())).collect();
    assert_eq!(found, expected);
}

#[test]
fn per_file_ignores_name_known_rules() {
    let dir =
        project(&[("ssot.toml", "[rules]\nper-file-ignores = { \"a/**\" = [\"no-such-rule\"] }\n"), ("a.py", "")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("ssot.toml:2:32: rules.per-file-ignores: unknown rule `no-such-rule`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_project_overrides_a_rules_include_and_exclude() {
    let files =
        [("tools/run.py", "import os\nA = os.environ['A']\n"), ("app/main.py", "import os\nB = os.environ['B']\n")];
    let paths = |config: &str| -> Vec<String> {
        let mut all = files.to_vec();
        all.push(("ssot.toml", config));
        let dir = project(&all);
        let root = canonical(&dir);
        let run = ssot(&["check", root.to_str().unwrap(), "--format", "json", "--select", "direct-env-access"]);
        assert_ne!(run.code, 2, "{}", run.stderr);
        findings(&run).into_iter().map(|f| f.0).collect()
    };
    assert_eq!(paths(""), ["app/main.py", "tools/run.py"]);
    assert_eq!(paths("[rules.direct-env-access]\nexclude = [\"tools/**\"]\n"), ["app/main.py"]);
    assert_eq!(paths("[rules.direct-env-access]\ninclude = [\"tools/**\"]\n"), ["tools/run.py"]);
    let dir = project(&[("ssot.toml", "[rules.direct-env-access]\ninclude = \"tools/**\"\n"), ("a.py", "")]);
    let run = ssot(&["check", canonical(&dir).to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`include` must be a list of globs"), "{}", run.stderr);
}

#[test]
fn extend_inherits_values_relative_to_the_file_that_wrote_them() {
    let dir = project(&[
        ("ssot.toml", "[scan]\nother = [\"sub/scripts/**\"]\n\n[rules.direct-env-access]\nallow = [\"sub/conf.py\"]\n"),
        ("sub/ssot.toml", "extend = \"../ssot.toml\"\n\n[rules.direct-env-access]\nseverity = \"warning\"\n"),
        ("sub/conf.py", "import os\nA = os.environ['A']\n"),
        ("sub/app.py", "import os\nB = os.environ['B']\n"),
        ("sub/scripts/run.py", "import os\nC = os.environ['C']\n"),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.join("sub").to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let found: Vec<(String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["path"].as_str().unwrap().to_string(), d["severity"].as_str().unwrap().to_string()))
        .collect();
    // sub/ is the project (its configuration is the nearest); the base's globs name files from
    // the base's directory: conf.py is allowed, scripts/ is `other`.
    let expected = [("app.py", "warning"), ("scripts/run.py", "warning")];
    let expected: Vec<(String, String)> = expected.iter().map(|(p, s)| (p.to_string(), s.to_string())).collect();
    assert_eq!(found, expected);
    assert_eq!(json["summary"]["files"]["other"], 1);
}

#[test]
fn extend_errors_name_the_file_that_holds_the_mistake() {
    let dir = project(&[
        ("base.toml", "[rules.direct-env-access]\nallow = 3\n"),
        ("ssot.toml", "extend = \"base.toml\"\n"),
        ("a.py", ""),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("base.toml:2:9: [rules.direct-env-access] `allow` must be"), "{}", run.stderr);

    let cycle = project(&[("ssot.toml", "extend = \"other.toml\"\n"), ("other.toml", "extend = \"ssot.toml\"\n")]);
    let run = ssot(&["check", canonical(&cycle).to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("other.toml:1:10: extend: `ssot.toml` extends this file again"), "{}", run.stderr);

    let missing = project(&[("ssot.toml", "\n[scan]\n\nextend = 1\n"), ("a.py", "")]);
    let run = ssot(&["check", canonical(&missing).to_str().unwrap()]);
    assert_eq!(run.code, 2, "extend is a top-level key: {}", run.stderr);
    let missing = project(&[("ssot.toml", "extend = \"nowhere.toml\"\n"), ("a.py", "")]);
    let run = ssot(&["check", canonical(&missing).to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("ssot.toml:1:10: extend: cannot read `nowhere.toml`"), "{}", run.stderr);
}

/// A monorepo: the project's configuration at the top, a service with its own below.
fn nested() -> tempfile::TempDir {
    let dir = project(&[
        ("ssot.toml", "[rules.direct-env-access]\nallow = [\"shared/config.py\"]\n"),
        (
            "svc/ssot.toml",
            "[scan]\ntest = [\"checks/**\"]\nexclude = [\"gen/**\"]\n\n[rules]\nignore = [\"relative-import\"]\n\
             per-file-ignores = { \"legacy/**\" = [\"direct-env-access\"] }\n\n\
             [rules.direct-env-access]\nseverity = \"warning\"\n",
        ),
        ("shared/config.py", "import os\nA = os.environ['A']\n"),
        ("top.py", "from . import x\nimport os\nB = os.environ['B']\n"),
        ("svc/m.py", "from . import x\nimport os\nC = os.environ['C']\n"),
        ("svc/checks/test_m.py", "import os\nD = os.environ['D']\n"),
        ("svc/gen/g.py", "import os\nE = os.environ['E']\n"),
        ("svc/legacy/old.py", "import os\nF = os.environ['F']\n"),
        ("svc/tests/t.py", "X = 1\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    dir
}

#[test]
fn a_nested_configuration_governs_the_files_under_it() {
    let dir = nested();
    let root = canonical(&dir);
    // (The imported `x` exists nowhere: `unresolved-import`, not what this test is about.)
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json", "--ignore", "unresolved-import"]);
    let json = run.json();
    let found: Vec<(String, String, String)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |key: &str| d[key].as_str().unwrap().to_string();
            (text("path"), text("rule"), text("severity"))
        })
        .collect();
    let expected = [
        // The service's own test glob, its severity; not relative-import (ignored there); the
        // project's allow-list still applies.
        ("svc/checks/test_m.py", "direct-env-access", "warning"),
        ("svc/m.py", "direct-env-access", "warning"),
        ("top.py", "relative-import", "error"),
        ("top.py", "direct-env-access", "error"),
    ];
    let expected: Vec<(String, String, String)> =
        expected.iter().map(|(p, r, s)| (p.to_string(), r.to_string(), s.to_string())).collect();
    assert_eq!(found, expected, "{}", run.stdout);
    // svc/gen/ is excluded by the service; svc/tests/ is no test folder there (its globs replace
    // the defaults), svc/checks/ is.
    let files = ssot(&["check", root.to_str().unwrap(), "--show-files"]);
    assert!(!files.stdout.contains("svc/gen/g.py"), "{}", files.stdout);
    assert!(files.stdout.contains("svc/checks/test_m.py\tpython\ttest"), "{}", files.stdout);
    assert!(files.stdout.contains("svc/tests/t.py\tpython\tproduction"), "{}", files.stdout);
    // A file of the service checked alone is reported as in the whole scan: the project is the
    // outermost configuration of the git work tree, not the service's.
    let whole = findings(&run);
    let one_file = root.join("svc/m.py");
    let one =
        findings(&ssot(&["check", one_file.to_str().unwrap(), "--format", "json", "--ignore", "unresolved-import"]));
    assert_eq!(one, whole.iter().filter(|f| f.0 == "svc/m.py").cloned().collect::<Vec<_>>());
    // Warm runs agree, and a change of the nested configuration's text is seen.
    let warm_args = ["check", root.to_str().unwrap(), "--format", "json", "--ignore", "unresolved-import"];
    let warm = findings(&ssot_with_cache(&warm_args));
    assert_eq!(warm, whole);
    let text = std::fs::read_to_string(root.join("svc/ssot.toml")).unwrap().replace("\"warning\"", "\"info\"");
    std::fs::write(root.join("svc/ssot.toml"), text).unwrap();
    let warm = ssot_with_cache(&warm_args).json();
    let severities: Vec<&str> =
        warm["diagnostics"].as_array().unwrap().iter().map(|d| d["severity"].as_str().unwrap()).collect();
    assert_eq!(severities, ["info", "info", "error", "error"]);
}

#[test]
fn a_nested_configuration_cannot_change_what_the_project_decides() {
    let with_service = |service: &str| {
        let dir = project(&[
            (
                "ssot.toml",
                "[rules]\nignore = [\"magic-none\"]\n\n[rules.direct-env-access]\nallow = [\"a.py\"]\n\n\
                 [rules.duplicate-string-constant]\nmin-length = 4\n",
            ),
            ("svc/ssot.toml", service),
            ("svc/m.py", "X = 1\n"),
        ]);
        std::fs::create_dir(dir.path().join(".git")).unwrap();
        let root = canonical(&dir);
        ssot(&["check", root.to_str().unwrap()])
    };
    let refused = [
        // A project-wide rule compares files of every folder with one set of options.
        (
            "[rules.duplicate-string-constant]\nmin-length = 5\n",
            "svc/ssot.toml:2:14: [rules.duplicate-string-constant] min-length: `duplicate-string-constant` \
             compares files across the whole project, so its options are decided once per project",
        ),
        // Also a value equal to the project's, unless inherited through `extend`: the same text
        // can mean something else there (globs are relative to the file writing them).
        (
            "[rules.duplicate-string-constant]\nmin-length = 4\n",
            "svc/ssot.toml:2:14: [rules.duplicate-string-constant] min-length: `duplicate-string-constant`",
        ),
        // A per-file rule's option must fit the rule, as in the project's file.
        (
            "[rules.direct-env-access]\nallow = \"m.py\"\n",
            "svc/ssot.toml:2:9: [rules.direct-env-access] `allow` must be an array of strings",
        ),
        (
            "[rules.direct-env-access]\nalow = [\"m.py\"]\n",
            "svc/ssot.toml:2:8: unknown key `alow` in [rules.direct-env-access]",
        ),
        ("[scan]\nmax-file-size = 10\n", "svc/ssot.toml:2:1: `scan.max-file-size` is decided once per project"),
        (
            "[rules]\nselect = [\"magic-none\"]\n",
            "svc/ssot.toml:2:11: rules.select: `magic-none` does not run in this project",
        ),
        ("[rules]\nignore = [\"no-such-rule\"]\n", "svc/ssot.toml:2:11: unknown rule `no-such-rule`"),
    ];
    for (service, error) in refused {
        let run = with_service(service);
        assert_eq!(run.code, 2, "{service}");
        assert!(run.stderr.contains(error), "{service}: {}", run.stderr);
    }
    // Extending the project's file inherits its options: allowed.
    let run = with_service("extend = \"../ssot.toml\"\n\n[rules.direct-env-access]\nseverity = \"info\"\n");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

/// A nested configuration's option values of per-file rules replace the project's for its
/// files, relative to the file that wrote them; options it does not write stay the project's.
#[test]
fn a_nested_configuration_sets_the_options_of_per_file_rules() {
    let env = "import os\nX = os.environ['A']\n";
    let mock = "from unittest.mock import Mock\n";
    let dir = project(&[
        ("ssot.toml", "[rules.direct-env-access]\nallow = [\"settings.py\"]\n\n[rules.mock-in-real-test]\npaths = [\"real/**\"]\n"),
        ("settings.py", env),
        ("config.py", env),
        ("real/test_a.py", mock),
        // Its own allow-list (relative to its folder); the project's mock paths.
        ("a/ssot.toml", "[rules.direct-env-access]\nallow = [\"config.py\"]\n"),
        ("a/settings.py", env),
        ("a/config.py", env),
        ("a/real/test_a.py", mock),
        // Its own mock paths (relative to its folder); the project's allow-list (relative to the
        // top, so b/settings.py is not allowed).
        ("b/ssot.toml", "[rules.mock-in-real-test]\npaths = [\"real/**\"]\n"),
        ("b/settings.py", env),
        ("b/real/test_a.py", mock),
        // Extends a's file: a's values, relative to a's folder (so nothing here is allowed).
        ("c/ssot.toml", "extend = \"../a/ssot.toml\"\n"),
        ("c/config.py", env),
        // Extends the project's file: the project's values.
        ("d/ssot.toml", "extend = \"../ssot.toml\"\n"),
        ("d/settings.py", env),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let paths =
        |run: &common::Run| -> Vec<String> { findings(run).into_iter().map(|f| format!("{} {}", f.0, f.1)).collect() };
    let expected = [
        "a/settings.py direct-env-access",
        "b/real/test_a.py mock-in-real-test",
        "b/settings.py direct-env-access",
        "c/config.py direct-env-access",
        "config.py direct-env-access",
        "d/settings.py direct-env-access",
        "real/test_a.py mock-in-real-test",
    ];
    let cold = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(cold.code, 1, "{}", cold.stderr);
    assert_eq!(paths(&cold), expected);
    // b/ and d/ keep the project's allow-list, written at the top: its `settings.py` is the top
    // one. Warm runs agree; a changed option is seen.
    let warm = ssot_with_cache(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(paths(&warm), expected);
    let warm = ssot_with_cache(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(findings(&warm), findings(&cold));
    std::fs::write(root.join("a/ssot.toml"), "[rules.direct-env-access]\nallow = [\"settings.py\"]\n").unwrap();
    let warm = ssot_with_cache(&["check", root.to_str().unwrap(), "--format", "json"]);
    let changed: Vec<String> = paths(&warm);
    assert!(changed.contains(&"a/config.py direct-env-access".to_string()), "{changed:?}");
    assert!(!changed.contains(&"a/settings.py direct-env-access".to_string()), "{changed:?}");
    // A file checked alone gets its folder's options.
    let one = ssot(&["check", root.join("a/settings.py").to_str().unwrap(), "--format", "json"]);
    assert_eq!(one.code, 0, "{}", one.stdout);
    // --show-settings says where each value came from.
    let shown = ssot(&["check", root.to_str().unwrap(), "--show-settings"]);
    assert!(shown.stdout.contains("[rules.mock-in-real-test] paths = [\"real/**\"]  # "), "{}", shown.stdout);
    assert!(shown.stdout.contains("b/ssot.toml:2"), "{}", shown.stdout);
}

#[test]
fn in_a_project_without_configuration_a_configured_folder_is_a_project_of_its_own() {
    let dir = project(&[
        ("svc/ssot.toml", "[rules.direct-env-access]\nallow = [\"config.py\"]\n"),
        ("svc/config.py", "import os\nA = os.environ['A']\n"),
        ("svc/m.py", "import os\nB = os.environ['B']\n"),
        ("tool.py", "import os\nC = os.environ['C']\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let json = run.json();
    let paths: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["tool.py"]);
    assert_eq!(json["skipped"][0]["path"], "svc");
    assert!(json["skipped"][0]["reason"].as_str().unwrap().contains("a project of its own"));
    // Checked on its own, the folder is its project, with its options.
    let run = ssot(&["check", root.join("svc").to_str().unwrap(), "--format", "json"]);
    let paths: Vec<String> = findings(&run).into_iter().map(|f| f.0).collect();
    assert_eq!(paths, ["m.py"]);
}

/// Regression: with several paths all inside the current directory, discovery started from the
/// current directory, so `ssot check backend/a.py backend/b.py` from a repository's top (what
/// pre-commit runs) ignored `backend/ssot.toml`, which each file alone obeyed.
#[test]
fn several_paths_below_the_current_directory_use_their_own_configuration() {
    // The tests run in the crate root (a git work tree): testdata/project holds ssot.toml.
    let one = ssot(&["check", "testdata/project/app/legacy.py", "--format", "json"]);
    let two = ssot(&[
        "check",
        "testdata/project/app/legacy.py",
        "testdata/project/app/services/users.py",
        "--format",
        "json",
    ]);
    let legacy =
        |run: &common::Run| -> Vec<_> { findings(run).into_iter().filter(|f| f.0 == "app/legacy.py").collect() };
    assert!(!legacy(&one).is_empty(), "{}", one.stdout);
    assert_eq!(legacy(&two), legacy(&one), "the same project root, paths and fingerprints");
}

/// Regression: a baseline lives at the project root, and a run naming part of the project said
/// every entry of the other files was stale ("fixed"), `baseline --update PART` dropped them and
/// `baseline PART` rewrote the file with PART's entries only.
#[test]
fn a_baseline_of_the_project_survives_runs_that_name_part_of_it() {
    let dir = monorepo();
    let root = canonical(&dir);
    let file = root.join("ssot-baseline.json");
    let entries = || -> Vec<String> {
        let json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
        json["entries"].as_array().unwrap().iter().map(|e| e["path"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(ssot(&["baseline", root.to_str().unwrap()]).code, 0);
    let whole = entries();
    assert!(whole.iter().any(|p| p.starts_with("src/")) && whole.iter().any(|p| p.starts_with("tests/")), "{whole:?}");
    let tests = root.join("tests");
    let tests = tests.to_str().unwrap();
    let run = ssot(&["check", tests, "--baseline", file.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["stale"], 0, "the entries of src/ are not stale: {}", run.stderr);
    assert_eq!(ssot(&["baseline", "--update", tests]).code, 0);
    assert_eq!(entries(), whole, "--update on tests/ keeps the entries of src/");
    assert_eq!(ssot(&["baseline", tests]).code, 0);
    assert_eq!(entries(), whole, "a baseline of tests/ keeps the entries of src/");
}

/// Regression: with no configuration and no git work tree, the buffer of `--stdin-filename` was
/// scanned with everything under the current directory (a home directory, say), while the same
/// file named on the command line is scanned alone.
#[test]
fn a_buffer_without_a_project_is_checked_as_the_file_named() {
    use std::io::Write as _;
    let dir =
        project(&[("proj/a.py", "CHANNEL = 'orders_channel'\n"), ("other/deep/b.py", "CHANNEL = 'orders_channel'\n")]);
    let root = canonical(&dir);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ssot"))
        .args(["check", "--no-cache", "-v", "--output-format", "json", "--stdin-filename", "proj/a.py", "-"])
        .current_dir(&root)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"CHANNEL = 'orders_channel'\n").unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("only the paths named are scanned"), "{stderr}");
    let buffer: Value = serde_json::from_slice(&output.stdout).unwrap();
    let named = std::process::Command::new(env!("CARGO_BIN_EXE_ssot"))
        .args(["check", "--no-cache", "--output-format", "json", "proj/a.py"])
        .current_dir(&root)
        .output()
        .unwrap();
    let named: Value = serde_json::from_slice(&named.stdout).unwrap();
    assert_eq!(buffer["diagnostics"], named["diagnostics"], "{stderr}");
    assert!(stderr.contains("scanned 1 files"), "{stderr}");
}

#[test]
fn sarif_and_gitlab_paths_are_relative_to_the_repository() {
    let dir = project(&[
        ("backend/ssot.toml", "[scan]\nother = [\"scripts/**\"]\n"),
        ("backend/pkg/a.py", "import os\nA = os.environ['A']\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let backend = root.join("backend");
    let sarif = ssot(&["check", backend.to_str().unwrap(), "--format", "sarif"]).json();
    let location = &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(location["uri"], "backend/pkg/a.py");
    let base = sarif["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"].as_str().unwrap();
    assert!(base.ends_with(&format!("{}/", root.file_name().unwrap().to_str().unwrap())), "{base}");
    let gitlab = ssot(&["check", backend.to_str().unwrap(), "--format", "gitlab"]).json();
    assert_eq!(gitlab[0]["location"]["path"], "backend/pkg/a.py");
    // JSON stays relative to the project root (backend/, its configuration's directory).
    let json = ssot(&["check", backend.to_str().unwrap(), "--format", "json"]).json();
    assert_eq!(json["diagnostics"][0]["path"], "pkg/a.py");
}

#[test]
fn inside_a_named_excluded_directory_only_the_patterns_that_exclude_it_are_lifted() {
    let dir = project(&[
        ("ssot.toml", "[scan]\nexclude = [\"pkg/b/**\", \"**/*_gen.py\"]\n"),
        ("pkg/b/x.py", "import os\nA = os.environ['A']\n"),
        ("pkg/b/y_gen.py", "import os\nB = os.environ['B']\n"),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.join("pkg/b").to_str().unwrap(), "--format", "json"]);
    let paths: Vec<String> = findings(&run).into_iter().map(|f| f.0).collect();
    assert_eq!(paths, ["pkg/b/x.py"], "the generated file stays excluded");
}

#[test]
fn a_config_file_elsewhere_names_the_project_with_leading_dotdot() {
    let dir = project(&[
        ("ci/ssot.toml", "[scan]\nexclude = [\"../proj/skip/**\"]\nother = [\"../proj/scripts/**\"]\n"),
        ("proj/skip/a.py", "import os\nA = os.environ['A']\n"),
        ("proj/scripts/b.py", "import os\nB = os.environ['B']\n"),
    ]);
    let root = canonical(&dir);
    let config = root.join("ci/ssot.toml");
    let run =
        ssot(&["check", root.join("proj").to_str().unwrap(), "--config", config.to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    assert_eq!(json["summary"]["files"]["scanned"], 1, "{}", run.stdout);
    assert_eq!(json["summary"]["files"]["other"], 1, "{}", run.stdout);
}

/// (path, rule, severity) of each finding of a JSON run.
fn severities(run: &common::Run) -> Vec<(String, String, String)> {
    let json = run.json();
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let text = |key: &str| d[key].as_str().unwrap().to_string();
            (text("path"), text("rule"), text("severity"))
        })
        .collect()
}

/// Regression: the tree snapshot reused its outcome whenever the files scanned kept their
/// stamps, so once it had settled, editing a nested configuration (or a file it extends) in
/// place changed nothing until some source file changed: warm runs reported the old severity.
#[test]
fn a_settled_snapshot_sees_a_nested_configuration_change() {
    let dir = project(&[
        ("ssot.toml", ""),
        ("svc/ssot.toml", "extend = \"base.toml\"\n\n[rules.direct-env-access]\nseverity = \"warning\"\n"),
        ("svc/base.toml", "[rules.relative-import]\nseverity = \"warning\"\n"),
        ("svc/m.py", "from . import x\nimport os\nC = os.environ['C']\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let args = ["check", root.to_str().unwrap(), "--format", "json"];
    let settle = || {
        ssot_with_cache(&args);
        std::thread::sleep(std::time::Duration::from_millis(2100));
        // This run records a snapshot the next one may take as it is.
        ssot_with_cache(&args);
    };
    let agree = |what: &str| {
        let warm = severities(&ssot_with_cache(&args));
        assert_eq!(warm, severities(&ssot(&args)), "{what}: warm and cold runs agree");
        warm
    };
    settle();
    std::fs::write(
        root.join("svc/ssot.toml"),
        "extend = \"base.toml\"\n\n[rules.direct-env-access]\nseverity = \"info\"\n",
    )
    .unwrap();
    let warm = agree("the nested file edited");
    assert_eq!(warm[0].2, "warning", "{warm:?}");
    assert_eq!(warm[1].2, "info", "{warm:?}");
    settle();
    std::fs::write(root.join("svc/base.toml"), "[rules.relative-import]\nseverity = \"error\"\n").unwrap();
    let warm = agree("the file it extends edited");
    assert_eq!(warm[0].2, "error", "{warm:?}");
}

/// Regression: with a nested configuration anywhere in the project, its exclusions were applied
/// after the walk with the project's again, so a directory named on the command line that the
/// project excludes was scanned by the walk and then dropped whole; and a nested `exclude`
/// naming a directory (without `/**`) excluded nothing, as it was matched against files only.
#[test]
fn nested_exclusions_are_applied_as_the_walk_applies_the_projects() {
    let dir = project(&[
        ("ssot.toml", "[scan]\nexclude = [\"vendor/**\"]\n"),
        ("svc/ssot.toml", "[scan]\nexclude = [\"gen\", \"**/h.py\"]\n"),
        ("vendor/v.py", "X = 1\n"),
        ("svc/gen/g.py", "X = 1\n"),
        ("svc/gen/sub/h.py", "X = 1\n"),
        ("svc/m.py", "X = 1\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let files = |path: &str| -> Vec<String> {
        let run = ssot(&["check", root.join(path).to_str().unwrap(), "--show-files"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        run.stdout.lines().map(|line| line.split('\t').next().unwrap().to_string()).collect()
    };
    assert_eq!(files(""), ["svc/m.py"]);
    assert_eq!(files("vendor"), ["vendor/v.py"], "a named directory is scanned whatever excludes it");
    assert_eq!(files("svc/gen"), ["svc/gen/g.py"], "only the patterns excluding it are lifted");
    let run = ssot(&["check", root.join("vendor").to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.json()["summary"]["files"]["scanned"], 1, "{}", run.stdout);
}

/// Regression: `--select` and `--ignore` narrow the project's rules, and a nested configuration
/// selecting a rule the command line left out was an error (status 2) rather than narrowed too.
#[test]
fn the_command_line_narrows_what_a_nested_configuration_selects() {
    let dir = project(&[
        ("ssot.toml", ""),
        ("svc/ssot.toml", "[rules]\nselect = [\"relative-import\"]\n"),
        ("svc/m.py", "from . import x\nimport os\nC = os.environ['C']\n"),
        ("top.py", "import os\nC = os.environ['C']\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let run = |extra: &[&str]| {
        let mut args = vec!["check", root.to_str().unwrap(), "--format", "json"];
        args.extend_from_slice(extra);
        let run = ssot(&args);
        assert_eq!(run.code, 1, "{extra:?}: {}", run.stderr);
        severities(&run).into_iter().map(|(path, rule, _)| format!("{path} {rule}")).collect::<Vec<_>>()
    };
    assert_eq!(run(&[]), ["svc/m.py relative-import", "top.py direct-env-access"]);
    assert_eq!(run(&["--select", "direct-env-access"]), ["top.py direct-env-access"]);
    assert_eq!(run(&["--ignore", "relative-import"]), ["top.py direct-env-access"]);
}

/// Regression: a suppression naming a rule that a nested configuration turns off was reported
/// as unused (and `--fix` removed it), unlike one naming a rule the project turns off.
#[test]
fn a_suppression_of_a_rule_turned_off_by_a_nested_configuration_is_not_unused() {
    let dir = project(&[
        ("ssot.toml", "[rules]\nignore = [\"magic-none\"]\n"),
        ("svc/ssot.toml", "[rules]\nignore = [\"relative-import\"]\n"),
        ("svc/m.py", "from . import x  # ssot: ignore[relative-import]\nfrom . import y  # ssot: ignore[magic-none]\n"),
    ]);
    std::fs::create_dir(dir.path().join(".git")).unwrap();
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(severities(&run), []);
    let before = std::fs::read_to_string(root.join("svc/m.py")).unwrap();
    assert_eq!(ssot(&["check", root.to_str().unwrap(), "--fix"]).code, 0);
    assert_eq!(std::fs::read_to_string(root.join("svc/m.py")).unwrap(), before, "--fix keeps the directive");
}
