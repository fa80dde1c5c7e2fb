//! Rule fixtures: every rule has `testdata/rules/<id>/` with Python and Rust files whose flagged
//! lines end in `# expect: <id>` (`// expect: <id>` in Rust) (several ids separated by commas when a line has several findings) and
//! near-misses without a marker. The marker check runs first, for every rule, so a wrong
//! snapshot cannot be blessed by accident; then the rendered human report is snapshot-tested.
//! A rule with fixes has, beside a file `x.py` its fixes change, the expected result `x.fixed.py`
//! (written by hand): `--fix --unsafe-fixes` on a copy of the directory must turn each such
//! file into its `.fixed.py`, leave every other file as it was, and change nothing when run
//! again. `.fixed.py` files are not scanned. The marker check is `ssot test-rules`'s own
//! (`ssot::fixture`). Last, a differential test holds each derived prefilter to the same findings
//! as no prefilter, on testdata and the standard library.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use ssot::fixture::is_fixed;

/// `check DIR --select RULE`, unless the fixture's own `ssot.toml` selects the rules (a rule
/// about other rules' findings, such as `unused-suppression`, needs them active).
fn check_args<'a>(dir: &'a str, rule: &'a str) -> Vec<&'a str> {
    let config = std::fs::read_to_string(Path::new(dir).join("ssot.toml")).unwrap_or_default();
    let mut args = vec![
        "check",
        dir,
        "--no-ignore",
        "--exclude",
        "**/*.fixed.py",
        "--exclude",
        "**/*.fixed.pyi",
        "--exclude",
        "**/*.fixed.rs",
    ];
    if !config.contains("select") {
        args.extend(["--select", rule]);
    }
    args
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
    // The marker comparison is `ssot test-rules`'s (`ssot::fixture`), run on the bundled rules.
    let mut failures = Vec::new();
    for (rule, dir) in rule_dirs() {
        let outcome = ssot::fixture::check(&dir, &rule, &[]).unwrap_or_else(|err| panic!("{rule}: {err}"));
        assert!(!outcome.expected.is_empty(), "{}: no `# expect: {rule}` marker", dir.display());
        failures.extend(outcome.mismatches.iter().map(|mismatch| format!("{rule}: {mismatch}")));
        failures.extend(outcome.skipped.iter().map(|(path, reason)| format!("{rule}: {path}: skipped: {reason}")));
        failures.extend(outcome.internal_errors.iter().map(|error| format!("{rule}: {error}")));
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
            .map(|(name, text)| {
                let name = name.replace(".fixed.pyi", ".pyi").replace(".fixed.py", ".py").replace(".fixed.rs", ".rs");
                (name, text.clone())
            })
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

/// Pattern rules whose prefilter is derived from the query (`src/rule/prefilter.rs`), each with
/// the prefilter it must derive.
const DERIVED: &[(&str, &str, &str)] = &[
    ("print-call", r#"((call function: (identifier) @fn) @match (#eq? @fn "print"))"#, "print"),
    ("eval-exec", r#"((call function: (identifier) @fn) @match (#any-of? @fn "eval" "exec"))"#, "eval|exec"),
    (
        "env-call",
        r#"((call function: [(identifier) @fn (attribute attribute: (identifier) @fn)]) @match
 (#match? @fn "^(getenv|putenv)$"))"#,
        "getenv|putenv",
    ),
    ("utf8-literal", r#"((string) @match (#eq? @match "\"utf-8\""))"#, r#""utf\-8""#),
    ("dunder-all", r#"((assignment left: (identifier) @n) @match (#eq? @n "__all__"))"#, "__all__"),
    ("todo-name", r#"((identifier) @match (#match? @match "(?i)^todo_"))"#, ""),
    (
        "cls-or-environ",
        r#"((identifier) @match (#eq? @match "cls"))
((attribute object: (identifier) @o attribute: (identifier) @a) @match (#eq? @o "os") (#eq? @a "environ"))"#,
        "cls|environ",
    ),
    ("read-mode", r#"((string) @match (#any-of? @match "'r'" "\"r\"" "'rb'"))"#, r#""r"|'r'|'rb'"#),
];

/// A project whose rule directory holds the `DERIVED` rules, each with `extra` added to its
/// file; its configuration selects them.
fn derived_rules_project(extra: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let mut files: Vec<(String, String)> = DERIVED
        .iter()
        .map(|(id, query, _)| {
            let text = format!(
                "id = \"{id}\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\n{extra}query = '''\n{query}\n'''\n"
            );
            (format!("rules/{id}.toml"), text)
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().canonicalize().unwrap().join("rules");
    let ids: Vec<String> = DERIVED.iter().map(|(id, _, _)| format!("{id:?}")).collect();
    files.push((
        "ssot.toml".into(),
        format!("[rules]\nrule-dirs = [{:?}]\nselect = [{}]\n", rules.display().to_string(), ids.join(", ")),
    ));
    for (path, text) in &files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let config = dir.path().canonicalize().unwrap().join("ssot.toml");
    (dir, config)
}

#[test]
fn derived_prefilters_drop_no_finding_on_testdata_and_the_standard_library() {
    let (_derived_dir, derived) = derived_rules_project("");
    let (_off_dir, off) = derived_rules_project("prefilter = \"\"\n");
    // Each rule derives the prefilter it should (or, for a case-insensitive regex, some).
    let settings = common::ssot(&["check", ".", "--config", derived.to_str().unwrap(), "--show-settings"]);
    for (id, _, expected) in DERIVED {
        let section = settings.stdout.split(&format!("[rules.{id}]\n")).nth(1).unwrap_or_default();
        let line = section.lines().find(|line| line.starts_with("prefilter = ")).unwrap_or_default();
        assert!(line.ends_with("# derived from the query"), "{id}: {line:?}");
        if !expected.is_empty() {
            assert!(line.starts_with(&format!("prefilter = {expected:?}")), "{id}: {line:?}");
        }
    }
    let mut corpora = vec![common::root().join("testdata").display().to_string()];
    corpora.extend(ssot::testing::stdlib().map(|path| path.display().to_string()));
    for corpus in &corpora {
        let run = |config: &std::path::Path| {
            let args = ["check", corpus, "--config", config.to_str().unwrap(), "--format", "json"];
            let mut args = args.to_vec();
            args.extend(["--no-ignore", "--exclude", "site-packages", "--no-progress"]);
            let run = common::ssot(&args);
            assert!(run.code <= 1, "{corpus}: {}", run.stderr);
            run.stdout
        };
        let with = run(&derived);
        let without = run(&off);
        let findings =
            serde_json::from_str::<serde_json::Value>(&with).unwrap()["diagnostics"].as_array().map_or(0, Vec::len);
        assert!(findings > 0, "{corpus}: the rules find something");
        assert!(with == without, "{corpus}: the derived prefilters change the findings");
        eprintln!("{corpus}: {findings} findings, the same with and without derived prefilters");
    }
}

/// `reexport-import`'s options, which one fixture (one configuration) cannot show: `strict`
/// reports names offered as public API and follows chains through them; `modules` patterns
/// (`app.*` is not `app`); a pattern that is no module pattern stops the run.
#[test]
fn reexport_import_strict_and_module_patterns() {
    let dir = common::project(&[
        ("app/__init__.py", "from .models import Order, Refund as Refund, Ledger\n__all__ = ['Order']\n"),
        ("app/models.py", "class Order: ...\nclass Refund: ...\nclass Ledger: ...\n"),
        ("app/core/__init__.py", "from app.models import Order\n__all__ = ['Order']\n"),
        ("app/api.py", "from app.core import Order\n"),
        (
            "client.py",
            "from app import Order\nfrom app import Refund\nfrom app import Ledger\nfrom app.core import Order as O\n\
             from app.api import Order as A\n",
        ),
    ]);
    let root = common::canonical(&dir);
    // (line, message) of each finding with `config`.
    let findings = |config: &str| -> Vec<(u64, String)> {
        std::fs::write(root.join("ssot.toml"), config).unwrap();
        let run = common::ssot(&["check", root.to_str().unwrap(), "--select", "reexport-import", "--format", "json"]);
        assert!(run.code <= 1, "{}", run.stderr);
        let json = run.json();
        let diagnostics = json["diagnostics"].as_array().unwrap();
        diagnostics
            .iter()
            .filter(|d| d["path"].as_str().unwrap().ends_with("client.py"))
            .map(|d| (d["line"].as_u64().unwrap(), d["message"].as_str().unwrap().to_string()))
            .collect()
    };
    let from = |source: &str, detail: &str| format!("import `Order` from `{source}`, {detail}");
    let lenient = findings("[rules.reexport-import]\nmodules = [\"app\", \"app.**\"]\n");
    assert_eq!(lenient.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [3, 5], "{lenient:?}");
    assert!(lenient[0].1.contains("import `Ledger` from `app.models`, where it is defined"), "{lenient:?}");
    // Through `app.api`, the chain stops at `app.core`, which lists `Order` in `__all__`.
    assert!(lenient[1].1.ends_with(&from("app.core", "which offers it as public API")), "{lenient:?}");
    let strict = findings("[rules.reexport-import]\nmodules = [\"app\", \"app.**\"]\nstrict = true\n");
    assert_eq!(strict.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [1, 2, 3, 4, 5], "{strict:?}");
    assert!(strict[1].1.contains("import `Refund` from `app.models`"), "{strict:?}");
    for line in [0, 3, 4] {
        assert!(strict[line].1.ends_with(&from("app.models", "where it is defined")), "{strict:?}");
    }
    // `app.*`: the modules directly below `app`, not `app` itself.
    let below = findings("[rules.reexport-import]\nmodules = [\"app.*\"]\nstrict = true\n");
    assert_eq!(below.iter().map(|(line, _)| *line).collect::<Vec<_>>(), [4, 5], "{below:?}");
    // A pattern that is not a dotted module name is the user's mistake, at its line.
    std::fs::write(root.join("ssot.toml"), "[rules.reexport-import]\nmodules = [\"app/api\"]\n").unwrap();
    let run = common::ssot(&["check", root.to_str().unwrap()]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("ssot.toml:2:") && run.stderr.contains("`app/api` is not a module pattern"),
        "{}",
        run.stderr
    );
}
