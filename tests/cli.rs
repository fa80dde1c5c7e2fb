//! CLI tests: exit code, stdout and stderr snapshotted together, for every format and for the
//! errors a user can make in configuration and rule files.

mod common;

use common::{canonical, project, ssot};

fn project_dir() -> String {
    common::root().join("testdata/project").display().to_string()
}

fn snap(name: &str, run: &common::Run, replacements: &[(&std::path::Path, &str)]) {
    let root = common::root();
    let mut all = replacements.to_vec();
    all.push((root.as_path(), "[ROOT]"));
    insta::assert_snapshot!(name, run.snapshot(&all));
}

#[test]
fn check_human() {
    let run = ssot(&["check", &project_dir()]);
    snap("check_human", &run, &[]);
}

#[test]
fn check_json() {
    let run = ssot(&["check", &project_dir(), "--format", "json"]);
    let json = run.json();
    let summary = &json["summary"];
    // Every discovered file is accounted for, and `findings` counts the diagnostics.
    assert_eq!(summary["files"]["scanned"], 9);
    assert_eq!(summary["findings"].as_u64().unwrap() as usize, json["diagnostics"].as_array().unwrap().len());
    snap("check_json", &run, &[]);
}

#[test]
fn check_github() {
    let run = ssot(&["check", &project_dir(), "--format", "github"]);
    snap("check_github", &run, &[]);
}

#[test]
fn hidden_no_ignore_and_exclude_flags_widen_and_narrow_the_scan() {
    let files = |args: &[&str]| {
        let mut argv = vec!["check", "--format", "json"];
        argv.extend_from_slice(args);
        let run = ssot(&argv);
        let json = run.json();
        json["summary"]["files"]["scanned"].as_u64().unwrap()
    };
    let dir = project_dir();
    assert_eq!(files(&[&dir]), 9);
    assert_eq!(files(&[&dir, "--hidden"]), 10, ".hidden/secret.py is scanned with --hidden");
    assert_eq!(files(&[&dir, "--no-ignore"]), 10, "generated/ (.ignore) is scanned with --no-ignore");
    // `--exclude` globs are relative to the project root (testdata/project holds ssot.toml),
    // not to the current directory (the crate root).
    assert_eq!(files(&[&dir, "--exclude", "tests/**"]), 7);
    assert_eq!(files(&[&dir, "--exclude", "app"]), 3, "a directory glob prunes the directory");
    assert_eq!(files(&[&dir, "--exclude", "testdata/project/tests/**"]), 9);
}

#[test]
fn select_and_ignore() {
    let dir = project_dir();
    let run = ssot(&["check", &dir, "--format", "json", "--select", "relative-import"]);
    let json = run.json();
    assert_eq!(json["summary"]["by_rule"], serde_json::json!({"relative-import": 1}));
    let run = ssot(&["check", &dir, "--format", "json", "--ignore", "relative-import"]);
    let json = run.json();
    assert!(json["summary"]["by_rule"].get("relative-import").is_none());
    assert!(json["summary"]["by_rule"].get("direct-env-access").is_some());
    // Lists as ruff takes them: comma-separated, or the flag repeated.
    let rules = |args: &[&str]| {
        let mut all = vec!["check", &dir, "--format", "json"];
        all.extend(args);
        let json = ssot(&all).json();
        json["summary"]["by_rule"].as_object().unwrap().keys().cloned().collect::<Vec<_>>()
    };
    assert_eq!(rules(&["--select", "relative-import,direct-env-access"]), ["direct-env-access", "relative-import"]);
    assert_eq!(
        rules(&["--select", "relative-import", "--select", "direct-env-access"]),
        rules(&["--select", "relative-import,direct-env-access"])
    );
    let ignored = rules(&["--ignore", "relative-import,direct-env-access"]);
    assert!(!ignored.is_empty() && !ignored.iter().any(|id| id == "relative-import" || id == "direct-env-access"));
    assert_eq!(rules(&["--select", "relative-import, direct-env-access"]), ["direct-env-access", "relative-import"]);
    let run = ssot(&["check", &dir, "--select", "relative-import,"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("an empty rule name"), "{}", run.stderr);
    let run = ssot(&["check", &dir, "--select", "relative-import,no-such-rule"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("`no-such-rule`"), "{}", run.stderr);
}

#[test]
fn exit_codes_follow_errors_threshold_and_exit_zero() {
    let dir = project_dir();
    assert_eq!(ssot(&["check", &dir]).code, 1, "error findings");
    assert_eq!(ssot(&["check", &dir, "--exit-zero"]).code, 0);
    let run = ssot(&["check", &dir, "--exit-zero", "--threshold", "99"]);
    assert_eq!(run.code, 1, "threshold still applies with --exit-zero");
    assert!(run.stderr.contains("below the threshold"), "{}", run.stderr);
    assert_eq!(ssot(&["check", &dir, "--exit-zero", "--threshold", "10"]).code, 0);
    let clean = project(&[("ok.py", "import json\n")]);
    assert_eq!(ssot(&["check", clean.path().to_str().unwrap(), "--threshold", "100"]).code, 0);
    let run = ssot(&["check", &dir, "--threshold", "101"]);
    assert_eq!(run.code, 2);
    snap("threshold_out_of_range", &run, &[]);
}

#[test]
fn unknown_path_is_a_usage_error() {
    let run = ssot(&["check", "/nonexistent/ssot-test-dir"]);
    assert_eq!(run.code, 2);
    snap("unknown_path", &run, &[]);
}

#[test]
fn unknown_rule_on_command_line() {
    let run = ssot(&["check", &project_dir(), "--select", "relative-imports"]);
    snap("unknown_rule_select", &run, &[]);
}

#[test]
fn rules_list_and_explain() {
    snap("rules", &ssot(&["rules"]), &[]);
    let run = ssot(&["explain", "direct-env-access"]);
    assert_eq!(run.code, 0);
    let doc = std::fs::read_to_string(common::root().join("docs/rules/direct-env-access.md")).unwrap();
    assert_eq!(run.stdout, doc, "`ssot explain` prints the generated docs page");
    snap("explain_unknown", &ssot(&["explain", "no-such-rule"]), &[]);
}

fn config_error(name: &str, config: &str) {
    let dir = project(&[("ssot.toml", config), ("a.py", "import os\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{name}: {}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing on stdout after a config error");
    snap(name, &run, &[(&root, "[TMP]")]);
}

#[test]
fn config_unknown_key() {
    config_error("config_unknown_key", "[scan]\nexclude = []\nexlude = [\"x\"]\n");
}

#[test]
fn config_wrong_type() {
    config_error("config_wrong_type", "[scan]\ntest = \"tests/**\"\n");
}

#[test]
fn config_bad_glob() {
    config_error("config_bad_glob", "[scan]\nother = [\"ok/**\", \"bad/[z-a]\"]\n");
}

#[test]
fn config_unknown_rule_in_select() {
    config_error("config_unknown_rule_in_select", "[rules]\nselect = [\"relative-import\", \"direct-env\"]\n");
}

#[test]
fn config_unknown_rule_option() {
    config_error("config_unknown_rule_option", "[rules.direct-env-access]\nallowed = [\"a.py\"]\n");
}

#[test]
fn config_wrong_rule_option_type() {
    config_error("config_wrong_rule_option_type", "[rules.direct-env-access]\nallow = \"a.py\"\n");
}

#[test]
fn config_unknown_rule_table() {
    config_error("config_unknown_rule_table", "[rules.no-such-rule]\nseverity = \"info\"\n");
}

/// Regression: a rule table written with dotted keys under `[rules]` was refused with serde's
/// "expected a borrowed string"; it still cannot be read (no spans), but the message says how
/// to write it.
#[test]
fn config_dotted_rule_keys() {
    // Dotted keys and array-of-tables headers make the same [rules.<id>] tables.
    let config = "[rules]\ndirect-env-access.allow = [\"a.py\"]\n\n[[rules.import-contract.contracts]]\n\
                  name = \"c\"\ntype = \"independence\"\nmodules = [\"a\", \"b\"]\n";
    let dir = project(&[("ssot.toml", config), ("a.py", "import os\nX = os.environ['X']\n"), ("b.py", "import a\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let rules: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    // `a.py` is allowed to read the environment; `b` imports `a`: the contract is broken.
    assert_eq!(rules, ["import-contract"], "{}", run.stdout);
    // A contract naming a module the project does not have stops the run, at its file and line.
    let config = "[[rules.import-contract.contracts]]\nname = \"c\"\ntype = \"forbidden\"\n\
                  source = [\"a\"]\nforbidden = [\"nowhere\"]\n";
    std::fs::write(root.join("ssot.toml"), config).unwrap();
    let run = ssot(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("ssot.toml:1:") && run.stderr.contains("`nowhere` matches no module"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_toml_syntax_error() {
    config_error("config_syntax_error", "[scan\nexclude = []\n");
}

#[test]
fn pyproject_tool_ssot_is_discovered_from_a_subdirectory() {
    let dir = project(&[
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\n\n[tool.ssot.rules.direct-env-access]\nallow = [\"pkg/settings.py\"]\n",
        ),
        ("pkg/settings.py", "import os\nA = os.environ['A']\n"),
        ("pkg/other.py", "import os\nB = os.environ['B']\n"),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.join("pkg").to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let paths: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    // Paths are relative to the project root, pyproject.toml's directory.
    assert_eq!(paths, ["pkg/other.py"], "globs are relative to pyproject.toml's directory");
}

#[test]
fn explicit_config_globs_are_relative_to_the_config_file() {
    // `proj/app/**` names the project's app/ from a --config file above it, whatever the
    // current directory (the crate root here).
    let dir = project(&[
        ("cfg.toml", "[scan]\nother = [\"proj/app/**\"]\n"),
        ("proj/app/a.py", "X = 1\n"),
        ("proj/app/b.py", "Y = 1\n"),
        ("proj/c.py", "Z = 1\n"),
    ]);
    let root = canonical(&dir);
    let config = root.join("cfg.toml");
    let run =
        ssot(&["check", root.join("proj").to_str().unwrap(), "--format", "json", "--config", config.to_str().unwrap()]);
    let json = run.json();
    assert_eq!(json["summary"]["files"]["other"], 2, "{}", run.stdout);
    assert_eq!(json["summary"]["files"]["production"], 1, "{}", run.stdout);
}

fn rule_file_error(name: &str, file: &str, text: &str) {
    let dir = project(&[
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\n"),
        (&format!("my-rules/{file}"), text),
        ("a.py", "x = 1\n"),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{name}: {}", run.stderr);
    snap(name, &run, &[(&root, "[TMP]")]);
}

const DOCS: &str = "[docs]\nwhy = \"w\"\nbad = \"b\"\ngood = \"g\"\n";

#[test]
fn rule_file_bad_query() {
    let text = format!(
        "id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nquery = '''\n(call\n  function: (identifer) @match)\n'''\n{DOCS}"
    );
    rule_file_error("rule_file_bad_query", "print-call.toml", &text);
}

#[test]
fn rule_file_unknown_field() {
    let text = format!("id = \"print-call\"\nseverity = \"warning\"\nsumary = \"s\"\nmessage = \"m\"\nquery = \"(call) @match\"\n{DOCS}");
    rule_file_error("rule_file_unknown_field", "print-call.toml", &text);
}

#[test]
fn rule_file_id_mismatch() {
    let text = format!("id = \"print-calls\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nquery = \"(call) @match\"\n{DOCS}");
    rule_file_error("rule_file_id_mismatch", "print-call.toml", &text);
}

#[test]
fn rule_file_unknown_capture_in_message() {
    let text = format!("id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"call to {{name}}\"\nquery = \"(call) @match\"\n{DOCS}");
    rule_file_error("rule_file_unknown_capture", "print-call.toml", &text);
}

#[test]
fn rule_file_unsupported_predicate() {
    let text = format!("id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nquery = '((call) @match (#frobnicate? @match))'\n{DOCS}");
    rule_file_error("rule_file_unsupported_predicate", "print-call.toml", &text);
}

#[test]
fn rule_file_unknown_engine() {
    let text = format!("id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nengine = \"print-call\"\n{DOCS}");
    rule_file_error("rule_file_unknown_engine", "print-call.toml", &text);
}

#[test]
fn user_pattern_rule_needs_no_rust() {
    let rule = format!(
        "id = \"print-call\"\nseverity = \"warning\"\nsummary = \"A call to print().\"\nmessage = \"`{{fn}}()` call: use logging\"\nquery = '''\n((call function: (identifier) @fn) @match\n (#eq? @fn \"print\"))\n'''\n{DOCS}"
    );
    let dir = project(&[
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\nselect = [\"print-call\"]\n"),
        ("my-rules/print-call.toml", &rule),
        ("a.py", "print('x')\nlogger.print('y')\npprint('z')\nprint  (1,\n 2)\n"),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "warnings do not fail the exit code: {}", run.stderr);
    let json = run.json();
    let found: Vec<(u64, u64, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["end_line"].as_u64().unwrap(), d["message"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [(1, 1, "`print()` call: use logging"), (4, 5, "`print()` call: use logging")]);
    assert_eq!(json["summary"]["score"]["overall"], 0.0);
}

#[test]
fn pattern_rule_prefilter_decides_which_files_the_query_sees() {
    // The prefilter is a contract: a file it rejects is never given to the query, even one the
    // query would match (here `b.py` spells the call without the text the prefilter wants).
    let rule = format!(
        "id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nprefilter = '\\bprint\\('\nquery = '''\n((call function: (identifier) @fn) @match\n (#eq? @fn \"print\"))\n'''\n{DOCS}"
    );
    let dir = project(&[
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\nselect = [\"print-call\", \"direct-env-access\"]\n"),
        ("my-rules/print-call.toml", &rule),
        ("a.py", "import os\nprint(os.environ)\n"),
        ("b.py", "import os\nprint (os.environ)\n"),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, String, u64)> = run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["path"].as_str().unwrap().into(), d["rule"].as_str().unwrap().into(), d["column"].as_u64().unwrap())
        })
        .collect();
    let expected = [("a.py", "print-call", 1), ("a.py", "direct-env-access", 7), ("b.py", "direct-env-access", 8)];
    assert_eq!(found, expected.map(|(p, r, c)| (p.to_string(), r.to_string(), c)));
}

#[test]
fn bad_files_are_skipped_and_listed_never_lost() {
    let dir = project(&[
        ("ok.py", "from . import x\n"),
        ("latin1.py", ""),
        ("binary.py", ""),
        ("big.py", &format!("x = '{}'\n", "a".repeat(300))),
        ("ssot.toml", "[scan]\nmax-file-size = 200\n"),
    ]);
    let root = canonical(&dir);
    std::fs::write(root.join("latin1.py"), b"name = 'caf\xe9'\n").unwrap();
    std::fs::write(root.join("binary.py"), b"x = 1\0\n").unwrap();
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    assert_eq!(json["summary"]["files"]["scanned"], 1);
    assert_eq!(json["summary"]["files"]["skipped"], 3);
    snap("skipped_files", &run, &[(&root, "[TMP]")]);
}

#[test]
fn parse_budget_overrun_is_reported_as_skipped() {
    // tree-sitter checks the budget every hundred or so parse steps: give it a few thousand.
    let body = "value = call(1, 2, [3, 4], {5: 6})\n".repeat(5000);
    let dir = project(&[("slow.py", &body), ("ssot.toml", "[scan]\nparse-timeout-ms = 0\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let reason = json["skipped"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("parse-timeout-ms"), "{}", run.stdout);
}

#[test]
fn github_annotations_escape_file_names_and_messages() {
    let dir = project(&[("we,ird:na%me.py", "from . import x\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "github", "--select", "relative-import"]);
    assert_eq!(
        run.stdout,
        "::error file=we%2Cird%3Ana%25me.py,line=1,col=1,endLine=1,endColumn=16,title=relative-import::relative import from `.`: import it by its absolute module path\n"
    );
}

#[test]
fn output_is_identical_across_runs() {
    let dir = project_dir();
    let first = ssot(&["check", &dir, "--format", "json", "--no-ignore", "--hidden"]).stdout;
    for _ in 0..5 {
        assert_eq!(ssot(&["check", &dir, "--format", "json", "--no-ignore", "--hidden"]).stdout, first);
    }
}

#[test]
fn require_reason_makes_suppressions_without_reason_silence_nothing() {
    let dir = project(&[
        ("ssot.toml", "[rules]\nrequire-reason = true\n"),
        (
            "a.py",
            "import os\nA = os.environ['A']  # ssot: ignore[direct-env-access]\nB = os.environ['B']  # ssot: ignore[direct-env-access] -- bootstrap reads it\n",
        ),
    ]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    let json = run.json();
    let found: Vec<(u64, &str)> = json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["line"].as_u64().unwrap(), d["rule"].as_str().unwrap()))
        .collect();
    assert_eq!(found, [(2, "direct-env-access"), (2, "unused-suppression")]);
    assert_eq!(json["summary"]["suppressed"], 1);
    assert!(json["diagnostics"][1]["message"].as_str().unwrap().contains("no reason"));
}

#[test]
fn file_names_with_newlines_percent_commas_and_colons_are_escaped_everywhere() {
    let dir = project(&[("new\nline,a:b%c.py", "from . import x\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "github", "--select", "relative-import"]);
    assert!(run.stdout.starts_with("::error file=new%0Aline%2Ca%3Ab%25c.py,line=1,"), "{}", run.stdout);
    assert_eq!(run.stdout.lines().count(), 1, "one annotation, one line");
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.json()["diagnostics"][0]["path"], "new\nline,a:b%c.py");
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let uri =
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap();
    assert_eq!(uri, "new%0Aline,a%3Ab%25c.py");
}

/// `--timings` says on stderr what the scan did: every file walked, how each was answered,
/// and the rules that took time; the report on stdout is the same as without it.
#[test]
fn timings_report_what_the_scan_did() {
    let project = common::project(&[
        ("pkg/__init__.py", ""),
        ("pkg/a.py", "from . import b\n"),
        ("pkg/b.py", "import os\nx = os.environ['X']\n"),
        ("pkg/copy.py", "import os\nx = os.environ['X']\n"),
    ]);
    let root = common::canonical(&project);
    let path = root.to_str().unwrap();
    let plain = common::ssot(&["check", path, "--format", "json"]);
    let timed = common::ssot(&["check", path, "--format", "json", "--timings"]);
    assert_eq!(timed.stdout, plain.stdout, "the report does not change");
    let stderr = &timed.stderr;
    assert!(stderr.contains("files: 4 walked, 3 read and analysed, 1 answered by the cache or a copy"), "{stderr}");
    assert!(stderr.contains("phases (wall): walk "), "{stderr}");
    let rule_lines: Vec<&str> =
        stderr.lines().filter(|line| line.contains(" ms ") && line.trim_end().ends_with(" parsed")).collect();
    assert!(rule_lines.iter().any(|line| line.trim_start().starts_with("relative-import")), "{stderr}");
    assert!(rule_lines.iter().any(|line| line.trim_start().starts_with("direct-env-access")), "{stderr}");
    assert!(!plain.stderr.contains("timings:"), "only when asked");
}

/// `--timings` lists the slowest parses and why each file needed its tree: the rules that could
/// not decide it from its tokens, or every rule when the tokens were not tried (a suppression
/// comment needs the tree).
#[test]
fn timings_say_why_files_were_parsed() {
    let project = common::project(&[
        // No import binds `os`: a pattern naming it may bind it, which the tokens cannot tell.
        ("a.py", "match x:\n    case os.environ:\n        pass\n"),
        ("b.py", "import os\nx = os.environ['X']  # ssot: ignore[direct-env-access] -- test\n"),
        ("c.py", "import os\nx = os.environ['X']\n"),
    ]);
    let root = common::canonical(&project);
    let run = common::ssot(&["check", root.to_str().unwrap(), "--timings", "-q"]);
    let stderr = &run.stderr;
    assert!(stderr.contains("2 parsed\n"), "{stderr}");
    assert!(stderr.contains("slowest parses (cpu; the rules that needed the tree):"), "{stderr}");
    let line = |file: &str| stderr.lines().find(|line| line.contains(&format!(" ms  {file}  ("))).unwrap_or_default();
    // (a module-level `match` binds names by patterns: the module's names need the tree too.)
    assert!(line("a.py").ends_with("(direct-env-access, unresolved-import)"), "{stderr}");
    assert!(line("b.py").ends_with("(every rule (tokens not tried))"), "{stderr}");
    assert_eq!(line("c.py"), "", "decided from its tokens: {stderr}");
}

/// A small mixed project: two findings in Python, one fixable; one in Rust.
fn mixed_project() -> tempfile::TempDir {
    project(&[
        ("app/__init__.py", ""),
        ("app/config.py", "import os\nX = os.environ['A']\n"),
        ("app/views.py", "from . import config\n"),
        ("core/src/lib.rs", "fn f() { let a = std::env::var(\"A\"); }\n"),
        ("core/tests/it.rs", "fn t() {}\n"),
    ])
}

#[test]
fn concise_format_is_one_line_per_finding_under_either_flag_name() {
    let dir = mixed_project();
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--output-format", "concise"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[..3],
        [
            "app/config.py:2:5: direct-env-access direct access to the process environment through `os.environ`: read it through the project's configuration module",
            "app/views.py:1:1: relative-import [*] relative import from `.`: import it by its absolute module path",
            "core/src/lib.rs:1:18: direct-env-access direct access to the process environment through `std::env::var`: read it through the project's configuration module",
        ][..],
        "{}",
        run.stdout
    );
    assert!(lines[3].starts_with("Found 3 findings (3 errors, 0 warnings) in 5 files scanned; overall score 40.0%"));
    assert_eq!(lines.len(), 4);
    // `--format` is the old name of the same flag; `-q` drops the summary line.
    let old = ssot(&["check", root.to_str().unwrap(), "--format", "concise", "-q"]);
    assert_eq!(old.stdout.lines().collect::<Vec<_>>(), lines[..3]);
}

#[test]
fn statistics_count_findings_per_rule_without_listing_them() {
    let dir = mixed_project();
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--statistics"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[..2], ["2  direct-env-access  error", "1  relative-import    error  [*]"][..], "{}", run.stdout);
    assert!(lines[2].starts_with("Found 3 findings"), "{}", run.stdout);
    let json = ssot(&["check", root.to_str().unwrap(), "--statistics", "--format", "json"]);
    assert_eq!(json.code, 2);
    assert!(json.stderr.contains("--statistics prints text"), "{}", json.stderr);
}

#[test]
fn quiet_human_report_has_no_summary_and_lists_only_rules_with_findings_otherwise() {
    let dir = mixed_project();
    let root = canonical(&dir);
    let quiet = ssot(&["check", root.to_str().unwrap(), "-q"]);
    assert!(quiet.stdout.contains("direct-env-access") && !quiet.stdout.contains("Summary"), "{}", quiet.stdout);
    let full = ssot(&["check", root.to_str().unwrap()]);
    let summary = full.stdout.split("Summary").nth(1).unwrap();
    assert!(summary.contains("    direct-env-access  2\n    relative-import    1\n"), "{summary}");
    assert!(!summary.contains("magic-none"), "rules without findings are not listed: {summary}");
    assert!(summary.contains("a score is the share of files with no error or warning finding"), "{summary}");
}

#[test]
fn show_files_and_show_settings_scan_nothing() {
    let dir = mixed_project();
    let root = canonical(&dir);
    std::fs::write(root.join("ssot.toml"), "[rules.direct-env-access]\nallow = [\"app/config.py\"]\n").unwrap();
    let files = ssot(&["check", root.to_str().unwrap(), "--show-files"]);
    assert_eq!(files.code, 0, "{}", files.stderr);
    assert_eq!(
        files.stdout,
        "app/__init__.py\tpython\tproduction\napp/config.py\tpython\tproduction\napp/views.py\tpython\tproduction\n\
         core/src/lib.rs\trust\tproduction\ncore/tests/it.rs\trust\ttest\n"
    );
    assert!(!root.join(".ssot_cache").exists(), "nothing was scanned");
    let settings = ssot(&["check", root.to_str().unwrap(), "--show-settings"]);
    assert_eq!(settings.code, 0, "{}", settings.stderr);
    assert!(settings.stdout.contains("ssot.toml"), "{}", settings.stdout);
    let place = format!("allow = [\"app/config.py\"]  # {}:2", root.join("ssot.toml").display());
    assert!(settings.stdout.contains(&place), "{}", settings.stdout);
    assert!(settings.stdout.contains("min-length = 3  # default"), "{}", settings.stdout);
    assert!(settings.stdout.contains("languages = [\"python\", \"rust\"]"), "{}", settings.stdout);
}

#[test]
fn color_follows_the_flag() {
    use ssot::cli::ColorWhen;
    use termcolor::ColorChoice;
    assert_eq!(ColorWhen::Always.choice(false), ColorChoice::AlwaysAnsi);
    assert_eq!(ColorWhen::Never.choice(true), ColorChoice::Never);
    let args = |extra: &[&str]| -> Vec<std::ffi::OsString> {
        ["ssot", "check", "."].iter().chain(extra).map(std::ffi::OsString::from).collect()
    };
    assert_eq!(ssot::cli::color_choice(&args(&["--color", "always"]), false), ColorChoice::AlwaysAnsi);
    assert_eq!(ssot::cli::color_choice(&args(&["--color=never"]), true), ColorChoice::Never);
}

#[test]
fn stdin_filename_checks_the_buffer_in_place_of_the_file() {
    use std::io::Write as _;
    let dir = project(&[
        ("ssot.toml", ""),
        ("pkg/a.py", "class SessionManager:\n    pass\n"),
        ("pkg/b.py", "X = 1\n"),
        ("other/c.py", "import os\nZ = os.environ['Z']\n"),
    ]);
    let root = canonical(&dir);
    let run = |name: &str, text: &str, cwd: &std::path::Path| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ssot"))
            .args(["check", "--no-cache", "--output-format", "concise", "--stdin-filename", name, "-"])
            .current_dir(cwd)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        (output.status.code(), String::from_utf8(output.stdout).unwrap(), String::from_utf8(output.stderr).unwrap())
    };
    // The buffer, not the file on disk, is checked; a project-wide rule sees it beside the other
    // files of the project (found from the buffer's directory up to `ssot.toml`), and only the
    // buffer's findings are reported.
    let (code, stdout, stderr) =
        run("b.py", "class LegacySessionManager:\n    pass\nimport os\nY = os.environ['A']\n", &root.join("pkg"));
    assert_eq!(code, Some(1), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("b.py:1:7: duplicate-manager-class `LegacySessionManager`"), "{stdout}");
    assert!(lines[1].starts_with("b.py:4:5: direct-env-access"), "{stdout}");
    assert!(lines[2].starts_with("Found 2 findings"), "{stdout}");
    assert_eq!(std::fs::read_to_string(root.join("pkg/b.py")).unwrap(), "X = 1\n", "the file is not touched");
    // A buffer for a file that does not exist yet.
    let (code, stdout, _) = run("pkg/new.py", "import os\nW = os.getenv('W')\n", &root);
    assert_eq!(code, Some(1));
    assert!(stdout.starts_with("pkg/new.py:2:5: direct-env-access"), "{stdout}");
    // Paths other than `-` are refused.
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ssot"))
        .args(["check", "--stdin-filename", "b.py", "other"])
        .current_dir(&root)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

const PRINT_CALL_NO_DOCS: &str = "id = \"print-call\"\nseverity = \"warning\"\nsummary = \"A call of `print`.\"\nmessage = \"call of `{fn}`: use logging\"\nquery = '''\n((call function: (identifier) @fn) @match\n (#eq? @fn \"print\"))\n'''\n";

#[test]
fn a_user_rule_without_docs_is_explained_by_its_summary_message_and_file() {
    let dir = project(&[
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\n"),
        ("my-rules/print-call.toml", PRINT_CALL_NO_DOCS),
    ]);
    let root = canonical(&dir);
    let config = root.join("ssot.toml");
    // With --config, rule-dirs are relative to the current directory: name the directory as the
    // configuration in a discovered file would.
    std::fs::write(&config, format!("[rules]\nrule-dirs = [{:?}]\n", root.join("my-rules").display().to_string()))
        .unwrap();
    let run = ssot(&["explain", "print-call", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    snap("explain_user_rule_without_docs", &run, &[(&root, "[TMP]")]);

    std::fs::write(root.join("a.py"), "print('x')\n").unwrap();
    let run = ssot(&["check", root.to_str().unwrap(), "--select", "print-call", "--format", "sarif"]);
    let sarif = run.json();
    let rule = &sarif["runs"][0]["tool"]["driver"]["rules"][0];
    assert_eq!(rule["id"], "print-call");
    assert_eq!(rule["fullDescription"]["text"], "A call of `print`.");
    assert!(rule["help"]["markdown"].as_str().unwrap().contains("has no `[docs]` table"), "{rule}");
}

#[test]
fn a_bundled_rule_needs_docs_and_a_user_rule_does_not() {
    let dir = project(&[
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\nselect = [\"print-call\"]\n"),
        ("my-rules/print-call.toml", PRINT_CALL_NO_DOCS),
        ("a.py", "print('x')\n"),
    ]);
    let run = ssot(&["check", canonical(&dir).to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["diagnostics"].as_array().unwrap().len(), 1);
    // The bundled rules are checked by the loader itself: `bundled_catalog` loads them all.
    let catalog = ssot::rules::bundled_catalog().unwrap();
    assert!(catalog.entries.iter().all(|(spec, _)| spec.docs.is_some()));
}

/// A project with rule directory `my-rules`: `print-call` with fixtures `fixture`, and
/// `todo-call` without any.
fn rules_project(fixture: &str) -> tempfile::TempDir {
    let todo = PRINT_CALL_NO_DOCS.replace("print-call", "todo-call").replace("\"print\"", "\"todo\"");
    project(&[
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\n[scan]\nexclude = [\"my-rules/**\"]\n"),
        ("my-rules/print-call.toml", PRINT_CALL_NO_DOCS),
        ("my-rules/todo-call.toml", &todo),
        ("my-rules/print-call/fixture.py", fixture),
        ("my-rules/print-call/sub/nested.py", "print(1)  # expect: print-call\nlogger.print(2)\n"),
    ])
}

#[test]
fn test_rules_passes_when_every_marker_is_flagged_and_nothing_else() {
    let dir = rules_project("print('a')  # expect: print-call\nprint(  # expect: print-call\n  'b')\nx = [print(1), print(2)]  # expect: print-call, print-call\npprint('c')\n");
    let root = canonical(&dir);
    let run = ssot(&["test-rules", root.join("my-rules").to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    snap("test_rules_pass", &run, &[(&root, "[TMP]")]);
}

#[test]
fn test_rules_reports_missing_and_unexpected_findings() {
    let dir = rules_project("print('a')  # expect: print-call\nlogger.print('b')  # expect: print-call\nprint('c')\nx = [print(1), print(2)]  # expect: print-call\n");
    let root = canonical(&dir);
    // Without DIR: the rule directories of the configuration.
    let config = root.join("ssot.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("\"my-rules\"]", &format!("{:?}]", root.join("my-rules").display().to_string())),
    )
    .unwrap();
    let run = ssot(&["test-rules", "--config", config.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    snap("test_rules_fail", &run, &[(&root, "[TMP]")]);
}

#[test]
fn test_rules_stops_at_a_broken_rule_file() {
    let dir = rules_project("print('a')  # expect: print-call\n");
    let root = canonical(&dir);
    std::fs::write(root.join("my-rules/todo-call.toml"), "id = \"todo-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nquery = '(call (identifer) @match)'\n").unwrap();
    let run = ssot(&["test-rules", root.join("my-rules").to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    snap("test_rules_broken_rule_file", &run, &[(&root, "[TMP]")]);
}
