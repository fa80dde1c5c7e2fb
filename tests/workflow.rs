//! CI workflows: baselines (a shrink-only ratchet), diff mode on a real git repository, and
//! writing the report to a file.

mod common;

use common::{canonical, project, ssot};

fn findings(run: &common::Run) -> Vec<(String, u64, String, bool)> {
    run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["path"].as_str().unwrap().to_string(),
                d["line"].as_u64().unwrap(),
                d["rule"].as_str().unwrap().to_string(),
                d["baselined"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

#[test]
fn baseline_round_trip_shift_lines_add_one_fix_one() {
    let dir = project(&[
        ("app/a.py", "import os\nA = os.environ['A']\nB = os.environ['B']\n"),
        ("app/b.py", "from . import a\n"),
    ]);
    let root = canonical(&dir);
    let root_str = root.to_str().unwrap();
    assert_eq!(ssot(&["check", root_str]).code, 1, "findings fail before a baseline exists");

    let run = ssot(&["baseline", root_str]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("wrote 3 entries"), "{}", run.stderr);
    let baseline = root.join("ssot-baseline.json");
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains("\"line\": 2,"), "entries hold no line numbers");

    // Shift every line: the check stays green.
    std::fs::write(
        root.join("app/a.py"),
        "\"\"\"Docstring.\"\"\"\n\nimport os\n\nA = os.environ['A']\nB   =  os.environ['B']\n",
    )
    .unwrap();
    let run = ssot(&["check", root_str, "--baseline", baseline.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(findings(&run).iter().all(|f| f.3), "every finding is baselined");
    assert_eq!(run.json()["summary"]["baselined"], 3);

    // One new finding turns it red, and only that finding is not baselined.
    std::fs::write(root.join("app/c.py"), "import os\nC = os.getenv('C')\n").unwrap();
    let run = ssot(&["check", root_str, "--baseline", baseline.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1);
    let new: Vec<_> = findings(&run).into_iter().filter(|f| !f.3).collect();
    assert_eq!(new, [("app/c.py".to_string(), 2, "direct-env-access".to_string(), false)]);
    assert_eq!(run.json()["summary"]["score"]["overall"], 0.0, "the score still counts baselined findings");

    // Fixing an old one makes its entry stale; --update drops it and never adds the new one.
    std::fs::write(root.join("app/b.py"), "from app import a\n").unwrap();
    let run = ssot(&["check", root_str, "--baseline", baseline.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.json()["summary"]["stale"], 1);
    assert!(run.stderr.contains("1 baseline entries no longer match"), "{}", run.stderr);
    let run = ssot(&["baseline", root_str, "--update"]);
    assert!(run.stderr.contains("removed 1 fixed entries"), "{}", run.stderr);
    let text = std::fs::read_to_string(&baseline).unwrap();
    assert!(!text.contains("app/b.py") && !text.contains("app/c.py"), "{text}");
    let run = ssot(&["check", root_str, "--baseline", baseline.to_str().unwrap(), "--format", "json"]);
    assert_eq!(run.code, 1, "the new finding still fails");
    assert_eq!(run.json()["summary"]["stale"], 0);
}

#[test]
fn a_broken_baseline_file_is_a_clear_error() {
    let dir = project(&[("a.py", "x = 1\n"), ("bl.json", "{\"version\": 1, \"entries\": 3}\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--baseline", root.join("bl.json").to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bl.json:1:") && run.stderr.contains("not a ssot baseline"), "{}", run.stderr);
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false"])
        .args(args)
        .output()
        .expect("git runs");
    assert!(status.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&status.stderr));
}

#[test]
fn diff_mode_reports_only_changed_lines_but_project_rules_see_everything() {
    let dir = project(&[
        ("svc/old.py", "import os\nA = os.environ['A']\n\n\nclass SessionManager:\n    pass\n"),
        ("svc/other.py", "B = 1\n"),
    ]);
    let root = canonical(&dir);
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);
    // A changed line with a finding, an untouched old finding, and a duplicate class whose twin is old.
    std::fs::write(
        root.join("svc/other.py"),
        "import os\nB = os.getenv('B')\n\n\nclass LegacySessionManager:\n    pass\n",
    )
    .unwrap();
    std::fs::write(root.join("svc/new.py"), "from . import old\n").unwrap();
    let run = ssot(&["check", root.to_str().unwrap(), "--diff", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<_> = findings(&run).into_iter().map(|f| (f.0, f.1, f.2)).collect();
    assert_eq!(
        found,
        [
            ("svc/new.py".to_string(), 1, "relative-import".to_string()),
            ("svc/other.py".to_string(), 2, "direct-env-access".to_string()),
            ("svc/other.py".to_string(), 5, "duplicate-manager-class".to_string()),
        ]
    );
    let json = run.json();
    assert_eq!(json["summary"]["findings"], 3);
    assert!(json["summary"]["score"]["overall"].as_f64().unwrap() < 50.0, "the score covers the whole tree");
}

#[test]
fn diff_mode_outside_git_is_a_usage_error() {
    let dir = project(&[("a.py", "x = 1\n")]);
    let root = canonical(&dir);
    let run = ssot(&["check", root.to_str().unwrap(), "--diff", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--diff") && run.stderr.contains("git"), "{}", run.stderr);
}

#[test]
fn output_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let dir = project(&[("a.py", "from . import x\n")]);
    let root = canonical(&dir);
    let out = root.join("report.json");
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json", "--output", out.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(json["summary"]["findings"], 1);
}
