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

#[test]
fn the_result_cache_changes_no_finding_and_sees_every_edit() {
    let dir = project(&[
        ("app/a.py", "import os\nA = os.environ['A']\nNAME = 'shared value'\n"),
        ("app/b.py", "NAME = 'shared value'\nfrom . import a\n"),
        ("backup/app/a.py", "import os\nA = os.environ['A']\nNAME = 'shared value'\n"),
        ("tests/test_x.py", "def test():\n    return MagicNone  # ssot: ignore[magic-none]\n"),
    ]);
    let root = canonical(&dir);
    let root_str = root.to_str().unwrap();
    let uncached = common::ssot(&["check", root_str, "--format", "json"]).stdout;
    let cold = common::ssot_with_cache(&["check", root_str, "--format", "json"]).stdout;
    assert!(root.join(".ssot_cache/CACHEDIR.TAG").is_file(), "the cache lives in the scanned root");
    let warm = common::ssot_with_cache(&["check", root_str, "--format", "json"]).stdout;
    assert_eq!(cold, uncached);
    assert_eq!(warm, uncached, "a warm run reports exactly what an uncached run does");

    // An edit, a new file and a deleted file are all seen.
    std::fs::write(root.join("app/b.py"), "NAME = 'other value'\n").unwrap();
    std::fs::write(root.join("app/c.py"), "from .. import x\n").unwrap();
    std::fs::remove_file(root.join("backup/app/a.py")).unwrap();
    let uncached = common::ssot(&["check", root_str, "--format", "json"]).stdout;
    let warm = common::ssot_with_cache(&["check", root_str, "--format", "json"]).stdout;
    assert_eq!(warm, uncached);
    let json: serde_json::Value = serde_json::from_str(&warm).unwrap();
    assert_eq!(json["summary"]["by_rule"]["duplicate-string-constant"], 0);
    assert_eq!(json["summary"]["by_rule"]["relative-import"], 1);
    assert_eq!(json["summary"]["suppressed"], 1);

    // A different configuration does not reuse results made under another.
    let warm_selected =
        common::ssot_with_cache(&["check", root_str, "--format", "json", "--select", "relative-import"]);
    assert_eq!(warm_selected.json()["summary"]["findings"], 1);
}

#[test]
fn the_result_cache_trusts_unchanged_length_and_modification_time_and_nothing_less() {
    // Like ruff, a warm run does not read a file whose length and modification time are those
    // it recorded: its content hash comes from the cache. Any other change is read.
    let dir = project(&[("a.py", "import os\nA = os.environ\n"), ("b.py", "import os\nB = os.environ\n")]);
    let root = canonical(&dir);
    let root_str = root.to_str().unwrap();
    // Files modified in the last two seconds are not trusted (they may still be being written).
    let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let set_mtime = |name: &str, time: std::time::SystemTime| {
        std::fs::File::options().write(true).open(root.join(name)).unwrap().set_modified(time).unwrap();
    };
    set_mtime("a.py", an_hour_ago);
    set_mtime("b.py", an_hour_ago);
    let findings = |run: &common::Run| run.json()["summary"]["findings"].as_u64().unwrap();
    assert_eq!(findings(&common::ssot_with_cache(&["check", root_str, "--format", "json"])), 2);

    // Same length, same modification time: trusted, not read (the old result stands).
    let edit = "x = 1\n# 0123456789abcdef\n";
    assert_eq!(edit.len(), "import os\nA = os.environ\n".len());
    std::fs::write(root.join("a.py"), edit).unwrap();
    set_mtime("a.py", an_hour_ago);
    assert_eq!(findings(&common::ssot_with_cache(&["check", root_str, "--format", "json"])), 2);
    // The same edit with any other modification time is read.
    set_mtime("a.py", an_hour_ago + std::time::Duration::from_secs(1));
    let run = common::ssot_with_cache(&["check", root_str, "--format", "json"]);
    assert_eq!(findings(&run), 1, "{}", run.stdout);
    assert_eq!(run.stdout, common::ssot(&["check", root_str, "--format", "json"]).stdout);
    // A change of length is read whatever the modification time.
    std::fs::write(root.join("b.py"), "B = 1\n").unwrap();
    set_mtime("b.py", an_hour_ago);
    assert_eq!(findings(&common::ssot_with_cache(&["check", root_str, "--format", "json"])), 0);
}

#[test]
fn cache_files_of_other_configurations_go_once_unused_for_30_days() {
    let dir = project(&[("a.py", "from . import x\n")]);
    let root = canonical(&dir);
    let root_str = root.to_str().unwrap();
    let age = |days: u64| std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
    // An old file: its length and modification time are recorded, so the next run changes nothing.
    std::fs::File::options().write(true).open(root.join("a.py")).unwrap().set_modified(age(1)).unwrap();
    common::ssot_with_cache(&["check", root_str]);
    let cache = root.join(".ssot_cache");
    for (name, days) in [("results-00000000000000aa.json", 40), ("results-00000000000000bb.json", 1)] {
        std::fs::write(cache.join(name), "{}").unwrap();
        std::fs::File::options().write(true).open(cache.join(name)).unwrap().set_modified(age(days)).unwrap();
    }
    let current: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("results-") && !n.contains("00000000000000"))
        .collect();
    assert_eq!(current.len(), 1, "{current:?}");
    // The current file, although an unchanged run does not rewrite it, is marked as used.
    std::fs::File::options().write(true).open(cache.join(&current[0])).unwrap().set_modified(age(60)).unwrap();
    common::ssot_with_cache(&["check", root_str]);
    assert!(!cache.join("results-00000000000000aa.json").exists(), "unused for 40 days: deleted");
    assert!(cache.join("results-00000000000000bb.json").exists(), "used yesterday: kept");
    assert!(cache.join(&current[0]).exists(), "this configuration's file: kept");
    let modified = std::fs::metadata(cache.join(&current[0])).unwrap().modified().unwrap();
    assert!(modified > age(1), "and marked as used now");
}
