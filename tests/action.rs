//! The GitHub Action (`action.yml`): its `ssot check` step is run the way a runner runs it —
//! `bash --noprofile --norc -eo pipefail SCRIPT`, with the environment GitHub sets and the
//! step's `env:` filled from the inputs — on a workspace whose paths hold spaces.
#![cfg(unix)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The parts of `action.yml` the test needs: each input's default, and the `ssot check` step.
struct Action {
    defaults: BTreeMap<String, String>,
    /// The step's `env:`: variable name and the input its `${{ inputs.NAME }}` names.
    env: Vec<(String, String)>,
    run: String,
}

/// A double-quoted YAML scalar without escapes, or a plain one.
fn scalar(text: &str, line: &str) -> String {
    match text.strip_prefix('"') {
        Some(rest) => {
            let inner = rest.strip_suffix('"').unwrap_or_else(|| panic!("action.yml: unterminated string: {line}"));
            assert!(!inner.contains(['"', '\\']), "action.yml: escapes are not read by this test: {line}");
            inner.to_string()
        }
        None => {
            assert!(!text.starts_with(['\'', '|', '>', '[', '{']), "action.yml: unexpected scalar: {line}");
            text.to_string()
        }
    }
}

/// Reads `action.yml` by its layout (two-space indentation; inputs under `inputs:`, steps under
/// `runs:` / `steps:`), strictly: anything else in the places it reads is an error, so a change
/// of layout fails this test instead of testing something else.
fn action() -> Action {
    let text = std::fs::read_to_string(common::root().join("action.yml")).expect("action.yml");
    let lines: Vec<&str> = text.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();

    // inputs: `  name:` then `    default: VALUE` among its keys.
    let start = lines.iter().position(|l| *l == "inputs:").expect("action.yml: no `inputs:`");
    let mut defaults = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in &lines[start + 1..] {
        if line.trim().is_empty() {
            continue;
        }
        match indent(line) {
            0 => break,
            2 => {
                let name = line.trim().strip_suffix(':').unwrap_or_else(|| panic!("action.yml: input: {line}"));
                defaults.insert(name.to_string(), String::new());
                current = Some(name.to_string());
            }
            4 => {
                if let Some(value) = line.trim().strip_prefix("default:") {
                    let name = current.as_ref().unwrap_or_else(|| panic!("action.yml: default outside an input"));
                    defaults.insert(name.clone(), scalar(value.trim(), line));
                }
            }
            _ => {} // the text of a folded description
        }
    }
    assert!(defaults.contains_key("paths") && defaults.contains_key("args"), "action.yml: inputs {defaults:?}");

    // The steps: items `    - ` under `  steps:`, keys at six spaces.
    let steps = lines.iter().position(|l| *l == "  steps:").expect("action.yml: no `  steps:`");
    let mut blocks: Vec<Vec<&str>> = Vec::new();
    for line in &lines[steps + 1..] {
        if line.starts_with("    - ") {
            blocks.push(vec![*line]);
        } else if line.trim().is_empty() || indent(line) >= 6 {
            blocks.last_mut().expect("action.yml: text before the first step").push(line);
        } else {
            panic!("action.yml: unexpected line among the steps: {line:?}");
        }
    }
    let checks: Vec<_> = blocks.iter().filter(|b| b.iter().any(|l| l.trim() == "id: check")).collect();
    assert_eq!(checks.len(), 1, "action.yml: exactly one step with `id: check`");
    let block = checks[0];
    assert!(block.contains(&"      shell: bash"), "action.yml: the check step runs bash: {block:#?}");

    let key = |name: &str| {
        let found: Vec<usize> = (0..block.len())
            .filter(|&i| block[i].strip_prefix("      ").or(block[i].strip_prefix("    - ")) == Some(name))
            .collect();
        assert_eq!(found.len(), 1, "action.yml: the check step has one `{name}`");
        found[0]
    };
    // Lines of a block value: more indented than the key, up to the next key of the step.
    let body = |at: usize| -> Vec<&str> {
        block[at + 1..].iter().take_while(|l| l.trim().is_empty() || indent(l) >= 8).copied().collect()
    };

    let mut env = Vec::new();
    for line in body(key("env:")) {
        let (name, value) = line.trim().split_once(": ").unwrap_or_else(|| panic!("action.yml: env: {line}"));
        let input = value
            .strip_prefix("${{ inputs.")
            .and_then(|v| v.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("action.yml: the check step's env holds only inputs: {line}"));
        assert!(defaults.contains_key(input), "action.yml: env {name} names no input `{input}`");
        env.push((name.to_string(), input.to_string()));
    }
    assert!(env.len() >= 8, "action.yml: the check step's env: {env:?}");

    let mut run = String::new();
    for line in body(key("run: |")) {
        let line = if line.trim().is_empty() {
            ""
        } else {
            line.strip_prefix("        ").unwrap_or_else(|| panic!("action.yml: run: {line:?}"))
        };
        run.push_str(line);
        run.push('\n');
    }
    assert!(run.contains("ssot check"), "action.yml: the check step runs ssot check:\n{run}");
    Action { defaults, env, run }
}

/// What one run of the step left behind.
struct Step {
    code: i32,
    stdout: String,
    stderr: String,
    /// `$GITHUB_OUTPUT`, as name and value.
    outputs: BTreeMap<String, String>,
    summary: String,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {}\n--- stdout\n{}--- stderr\n{}--- outputs\n{:?}\n--- summary\n{}",
            self.code, self.stdout, self.stderr, self.outputs, self.summary
        )
    }
}

/// Runs the check step in `workspace` with the inputs `with` (others take their defaults), as
/// GitHub does: its script in a file, `bash --noprofile --norc -eo pipefail`, ssot on the PATH.
fn run_step(runner: &Path, workspace: &Path, with: &[(&str, &str)]) -> Step {
    let action = action();
    let mut inputs = action.defaults.clone();
    for (name, value) in with {
        assert!(inputs.contains_key(*name), "action.yml has no input `{name}`");
        inputs.insert(name.to_string(), value.to_string());
    }
    // The runner's own directories (a space in their names too).
    let temp = runner.join("runner temp");
    let bin = runner.join("tool bin");
    let files = runner.join("file commands");
    for dir in [&temp, &bin, &files] {
        std::fs::create_dir_all(dir).unwrap();
    }
    let ssot = bin.join("ssot");
    if !ssot.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ssot"), &ssot).unwrap();
    }
    let script = temp.join("step.sh");
    std::fs::write(&script, &action.run).unwrap();
    let output = files.join("output");
    let summary = files.join("step_summary");
    std::fs::write(&output, "").unwrap();
    std::fs::write(&summary, "").unwrap();

    let system_path = std::env::var_os("PATH").unwrap_or_default(); // ssot: ignore[direct-env-access] -- the runner's PATH, for bash and coreutils
    let mut path = std::ffi::OsString::from(&bin);
    path.push(":");
    path.push(system_path);
    let mut command = std::process::Command::new("bash");
    command
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .current_dir(workspace)
        .env_clear()
        .env("PATH", path)
        .env("GITHUB_ACTIONS", "true")
        .env("CI", "true")
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_OUTPUT", &output)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("RUNNER_TEMP", &temp)
        .env("GITHUB_ACTION_PATH", common::root());
    for (name, input) in &action.env {
        command.env(name, &inputs[input]);
    }
    let result = command.output().expect("bash runs");
    let mut outputs = BTreeMap::new();
    for line in std::fs::read_to_string(&output).unwrap().lines() {
        let (name, value) = line.split_once('=').unwrap_or_else(|| panic!("$GITHUB_OUTPUT: {line:?}"));
        let old = outputs.insert(name.to_string(), value.to_string());
        assert!(old.is_none(), "$GITHUB_OUTPUT: `{name}` written twice");
    }
    Step {
        code: result.status.code().expect("bash exits"),
        stdout: String::from_utf8(result.stdout).unwrap(),
        stderr: String::from_utf8(result.stderr).unwrap(),
        outputs,
        summary: std::fs::read_to_string(&summary).unwrap(),
    }
}

/// A runner directory and, inside it, a workspace whose name holds a space.
fn runner(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let runner = std::fs::canonicalize(dir.path()).unwrap();
    let workspace = runner.join("work space");
    for (path, contents) in files {
        let path = workspace.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    (dir, runner, workspace)
}

const ENV_ACCESS: &str = "import os\n\nTOKEN = os.environ['TOKEN']\n";
const RELATIVE_IMPORT: &str = "from . import config\n";
const CLEAN: &str = "import json\n\nVALUE = json.dumps(1)\n";

/// The SARIF results: (uri, rule) of each.
fn sarif_results(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let sarif: serde_json::Value = serde_json::from_str(&text).expect("the SARIF file is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    sarif["runs"][0]["results"]
        .as_array()
        .expect("SARIF results")
        .iter()
        .map(|r| {
            (
                r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap().to_string(),
                r["ruleId"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_failing_gate_does_not_end_the_step_under_bash_e() {
    // GitHub runs the step with `-e`: a bare `ssot check` exiting 1 ended it before the output,
    // the summary and the SARIF file were written.
    let (_dir, runner, workspace) = runner(&[("app/config.py", ENV_ACCESS)]);
    let step = run_step(&runner, &workspace, &[("sarif-file", "ssot.sarif")]);
    assert_eq!(step.code, 1, "{step}");
    assert_eq!(step.outputs.get("exit-code").map(String::as_str), Some("1"), "{step}");
    assert_eq!(step.outputs.get("sarif-file").map(String::as_str), Some("ssot.sarif"), "{step}");
    assert_eq!(sarif_results(&workspace.join("ssot.sarif")).len(), 1, "{step}");
    assert!(step.summary.contains("`app/config.py:3:9`"), "{step}");
}

#[test]
fn error_findings_fail_the_step_after_writing_every_output_summary_and_sarif() {
    let (_dir, runner, workspace) = runner(&[
        ("my pkg/app/config.py", ENV_ACCESS),
        ("my pkg/app/ok.py", CLEAN),
        // Would be a relative-import error, but `args` excludes its folder.
        ("my pkg/skip/late.py", RELATIVE_IMPORT),
    ]);
    let step = run_step(
        &runner,
        &workspace,
        &[
            ("args", "--exclude \"my pkg/skip/**\"\n--select direct-env-access --select 'relative-import'"),
            ("sarif-file", "out dir/ssot report.sarif"),
        ],
    );
    assert_eq!(step.code, 1, "{step}");
    assert_eq!(step.outputs.get("exit-code").map(String::as_str), Some("1"), "{step}");
    assert_eq!(step.outputs.get("sarif-file").map(String::as_str), Some("out dir/ssot report.sarif"), "{step}");

    // The gate's annotations, on the file in the spaced folder, and nothing from the excluded one.
    assert!(step.stdout.contains("::error file=my pkg/app/config.py,line=3"), "{step}");
    assert!(!step.stdout.contains("skip/late.py"), "{step}");

    let results = sarif_results(&workspace.join("out dir/ssot report.sarif"));
    assert!(!results.is_empty(), "{step}");
    for (uri, rule) in &results {
        assert_eq!(uri, "my%20pkg/app/config.py", "{step}");
        assert_eq!(rule, "direct-env-access");
    }

    // The Markdown summary went to the job summary.
    assert!(step.summary.starts_with('#'), "{step}");
    assert!(step.summary.contains("| `my pkg/app/config.py:3:9` | `direct-env-access` |"), "{step}");
    assert!(!step.summary.contains("relative-import") && !step.summary.contains("late.py"), "{step}");
}

#[test]
fn a_clean_tree_passes_with_quoted_and_one_per_line_paths() {
    let (_dir, runner, workspace) = runner(&[
        ("my pkg/app/ok.py", CLEAN),
        ("lib/util.py", CLEAN),
        // Not among the paths: its finding must not count.
        ("other/bad.py", ENV_ACCESS),
    ]);
    let step = run_step(&runner, &workspace, &[("paths", "'my pkg/app'\nlib\n"), ("sarif-file", "ssot.sarif")]);
    assert_eq!(step.code, 0, "{step}");
    assert_eq!(step.outputs.get("exit-code").map(String::as_str), Some("0"), "{step}");
    assert_eq!(step.outputs.get("sarif-file").map(String::as_str), Some("ssot.sarif"), "{step}");
    assert_eq!(sarif_results(&workspace.join("ssot.sarif")), [], "{step}");
    assert!(step.summary.starts_with('#'), "{step}");
    assert!(!step.stdout.contains("::error"), "{step}");
}

#[test]
fn a_configuration_error_exits_2_without_summary_or_sarif() {
    let (_dir, runner, workspace) =
        runner(&[("my pkg/app/config.py", ENV_ACCESS), ("conf dir/ssot config.toml", "[scan]\nexclude = 3\n")]);
    let step = run_step(
        &runner,
        &workspace,
        &[("config", "conf dir/ssot config.toml"), ("sarif-file", "ssot.sarif"), ("paths", "\"my pkg\"")],
    );
    assert_eq!(step.code, 2, "{step}");
    assert_eq!(step.outputs.get("exit-code").map(String::as_str), Some("2"), "{step}");
    assert_eq!(step.outputs.get("sarif-file"), None, "{step}");
    assert!(step.stderr.contains("ssot config.toml"), "the error names the file: {step}");
    assert!(step.summary.is_empty(), "{step}");
    assert!(!workspace.join("ssot.sarif").exists(), "{step}");
}

#[test]
fn malformed_inputs_are_a_usage_error_not_code() {
    let (_dir, runner, workspace) = runner(&[("ok.py", CLEAN)]);
    // An unmatched quote.
    let step = run_step(&runner, &workspace, &[("args", "--exclude \"my pkg/**")]);
    assert_eq!(step.code, 2, "{step}");
    assert_eq!(step.outputs.get("exit-code").map(String::as_str), Some("2"), "{step}");
    assert!(step.stdout.contains("::error title=ssot::") && step.stdout.contains("args"), "{step}");
    assert!(step.summary.is_empty(), "{step}");

    // A line break in sarif-file would write further outputs.
    let step = run_step(&runner, &workspace, &[("sarif-file", "ssot.sarif\nexit-code=0")]);
    assert_eq!(step.code, 2, "{step}");
    assert_eq!(step.outputs, BTreeMap::from([("exit-code".to_string(), "2".to_string())]), "{step}");
    assert!(step.stdout.contains("::error title=ssot::sarif-file"), "{step}");

    // Words are data: nothing is expanded or run.
    let step = run_step(&runner, &workspace, &[("paths", "$(touch pwned) `touch pwned2` ~ $HOME *.py")]);
    assert_eq!(step.code, 2, "no such paths: {step}");
    assert!(!workspace.join("pwned").exists() && !workspace.join("pwned2").exists(), "{step}");
    assert!(step.stderr.contains("$(touch"), "the path is reported as written: {step}");
}

#[test]
fn an_unquoted_spaced_path_is_several_paths_and_the_step_says_how_to_quote_it() {
    let (_dir, runner, workspace) = runner(&[("my pkg/ok.py", CLEAN)]);
    let step = run_step(&runner, &workspace, &[("paths", "my pkg")]);
    assert_eq!(step.code, 2, "`my` and `pkg` do not exist: {step}");
    assert!(step.stdout.contains("::warning title=ssot::") && step.stdout.contains("'my pkg'"), "{step}");
}
