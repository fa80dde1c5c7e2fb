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
    let run = ssot(&["check", root.to_str().unwrap(), "--changed-since", "HEAD", "--format", "json"]);
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
    let run = ssot(&["check", root.to_str().unwrap(), "--changed-since", "HEAD"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--changed-since") && run.stderr.contains("git"), "{}", run.stderr);
}

#[test]
fn output_writes_the_report_to_a_file_and_nothing_to_stdout() {
    let dir = project(&[("a.py", "from . import x\n"), ("ssot.toml", "[rules]\nselect = [\"relative-import\"]\n")]);
    let root = canonical(&dir);
    let out = root.join("report.json");
    let run = ssot(&["check", root.to_str().unwrap(), "--format", "json", "--output", out.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out).unwrap()).unwrap();
    assert_eq!(json["summary"]["findings"], 1);
}

/// Sets up a repository holding `base` (committed), then writes `changed` (relative path,
/// contents; `None` deletes the file) into the working tree.
fn repository(base: &[(&str, &str)], changed: &[(&str, Option<&str>)]) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = project(base);
    let root = canonical(&dir);
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);
    for (path, contents) in changed {
        match contents {
            Some(contents) => std::fs::write(root.join(path), contents).unwrap(),
            None => std::fs::remove_file(root.join(path)).unwrap(),
        }
    }
    (dir, root)
}

fn reported_lines(run: &common::Run) -> Vec<(String, u64)> {
    let mut found: Vec<_> = findings(run).into_iter().map(|f| (f.0, f.1)).collect();
    found.sort();
    found
}

#[test]
fn diff_mode_added_line_starting_with_plus_plus_does_not_send_later_hunks_to_another_file() {
    // `++ 1` added shows as `+++ 1` in the patch, which was read as the header of a file `1`:
    // every later hunk of the file went to `1`, and a new finding passed the gate.
    const OLD: &str = "import os\nOLD = os.environ['O']\n";
    let (_dir, root) = repository(
        &[
            ("plus.py", &format!("{OLD}x = 1\nx = 2\nx = 3\n")),
            ("minus.py", &format!("{OLD}-- y\nx = 1\n")),
            ("text.py", &format!("{OLD}x = 1\n")),
            ("z.py", OLD),
        ],
        &[
            ("plus.py", Some(&format!("{OLD}++ 1\nx = 2\nx = 3\nA = os.environ['A']\n"))),
            // A removed `-- y` shows as `--- y`, an added `-- z` as `+-- z`.
            ("minus.py", Some(&format!("{OLD}-- z\nx = 1\nB = os.environ['B']\n"))),
            // Added text that looks like the start of a file's diff or of a hunk.
            ("text.py", Some(&format!("{OLD}x = 1\ndiff --git\nC = os.environ['C']\n+++ b\nD = os.environ['D']\n"))),
            ("z.py", Some(&format!("{OLD}E = os.environ['E']\n"))),
        ],
    );
    let run = ssot(&["check", root.to_str().unwrap(), "--changed-since", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        reported_lines(&run),
        [
            ("minus.py".to_string(), 5),
            ("plus.py".to_string(), 6),
            ("text.py".to_string(), 5),
            ("text.py".to_string(), 7),
            ("z.py".to_string(), 3),
        ]
    );
}

#[cfg(unix)]
#[test]
fn diff_mode_finds_changed_lines_of_files_with_awkward_names_and_histories() {
    // Names git quotes or pads, renames, mode changes, deletions, a missing final newline, and
    // files a `.gitattributes` of the tree declares binary (`-diff`): each changed line counts.
    const OLD: &str = "import os\nOLD = os.environ['O']\n";
    let new = format!("{OLD}A = os.environ['A']\n");
    let renamed = format!("{OLD}x = 1\nx = 2\nx = 3\nx = 4\nx = 5\n");
    let (_dir, root) = repository(
        &[
            ("sp ace.py", OLD),
            ("quo\"te.py", OLD),
            ("back\\slash.py", OLD),
            ("new\nline.py", OLD),
            ("tab\t.py", OLD),
            ("ü.py", OLD),
            ("hidden.py", OLD),
            (".gitattributes", "hidden.py -diff\n"),
            ("mode.py", OLD),
            ("gone.py", OLD),
            ("before.py", &renamed),
            ("eof.py", "import os\nOLD = os.environ['O']"),
        ],
        &[
            ("sp ace.py", Some(&new)),
            ("quo\"te.py", Some(&new)),
            ("back\\slash.py", Some(&new)),
            ("new\nline.py", Some(&new)),
            ("tab\t.py", Some(&new)),
            ("ü.py", Some(&new)),
            ("hidden.py", Some(&new)),
            ("mode.py", Some(&new)),
            ("gone.py", None),
            ("eof.py", Some("import os\nOLD = os.environ['O']\nA = os.environ['A']")),
        ],
    );
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(root.join("mode.py"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::rename(root.join("before.py"), root.join("after.py")).unwrap();
    std::fs::write(root.join("after.py"), format!("{renamed}A = os.environ['A']\n")).unwrap();
    git(&root, &["add", "-A"]);
    std::fs::write(root.join("untracked \"new\".py"), &new).unwrap();
    let run = ssot(&["check", root.to_str().unwrap(), "--changed-since", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // eof.py: line 2 gained its newline, so git counts it as changed.
    let expected: Vec<(String, u64)> = [
        "after.py:8",
        "back\\slash.py:3",
        "eof.py:2",
        "eof.py:3",
        "hidden.py:3",
        "mode.py:3",
        "new\nline.py:3",
        "quo\"te.py:3",
        "sp ace.py:3",
        "tab\t.py:3",
        "untracked \"new\".py:2",
        "untracked \"new\".py:3",
        "ü.py:3",
    ]
    .iter()
    .map(|place| {
        let (path, line) = place.rsplit_once(':').unwrap();
        (path.to_string(), line.parse().unwrap())
    })
    .collect();
    assert_eq!(reported_lines(&run), expected);
}

#[test]
fn diff_mode_revision_starting_with_a_dash_is_rejected_not_passed_to_git_as_an_option() {
    // A revision `--output=victim.txt` made git create (or truncate) victim.txt, and the run passed.
    let (_dir, root) = repository(&[("a.py", "x = 1\n")], &[("a.py", Some("from . import x\n"))]);
    for rev in ["--output=victim.txt", "-ovictim.txt", "--no-index"] {
        let run = ssot(&["check", root.to_str().unwrap(), &format!("--changed-since={rev}")]);
        assert_eq!(run.code, 2, "{rev}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("--changed-since") && run.stderr.contains("cannot start with `-`"),
            "{}",
            run.stderr
        );
        assert!(!root.join("victim.txt").exists() && !common::root().join("victim.txt").exists(), "{rev}");
    }
}

#[test]
fn changed_since_counts_from_the_merge_base_so_newer_commits_on_the_revision_are_not_the_change() {
    // `git diff main` compared the branch with main's tip: a line main fixed after the branch was
    // made counted as added by the branch, and its old finding failed the gate.
    let (_dir, root) =
        repository(&[("pkg/__init__.py", ""), ("pkg/a.py", "x = 1\n"), ("pkg/old.py", "from . import a\n")], &[]);
    git(&root, &["branch", "-M", "main"]);
    git(&root, &["checkout", "-q", "-b", "feature"]);
    git(&root, &["checkout", "-q", "main"]);
    // main moves on: it fixes the old finding and adds one of its own.
    std::fs::write(root.join("pkg/old.py"), "from pkg import a\n").unwrap();
    std::fs::write(root.join("pkg/main_only.py"), "from . import old\n").unwrap();
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "main moves on"]);
    git(&root, &["checkout", "-q", "feature"]);
    // The branch: a committed finding, an uncommitted one and an untracked file.
    std::fs::write(root.join("pkg/branch.py"), "from . import a\n").unwrap();
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "feature"]);
    std::fs::write(root.join("pkg/a.py"), "x = 1\nfrom . import old\n").unwrap();
    std::fs::write(root.join("pkg/untracked.py"), "from . import a\n").unwrap();
    let root_str = root.to_str().unwrap();

    // (`pkg/a.py` and `pkg/old.py` import each other: an `import-cycle`, not what this is about.)
    let run = ssot(&["check", root_str, "--changed-since", "main", "--format", "json", "--ignore", "import-cycle"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let only_the_branch =
        [("pkg/a.py".to_string(), 2), ("pkg/branch.py".to_string(), 1), ("pkg/untracked.py".to_string(), 1)];
    assert_eq!(reported_lines(&run), only_the_branch, "pkg/old.py:1 is older than the branch, not part of it");

    // A range compares its two commits as git does: `A...B` from their merge base, `A..B` from
    // A itself; neither includes the working tree.
    let run =
        ssot(&["check", root_str, "--changed-since", "main...feature", "--format", "json", "--ignore", "import-cycle"]);
    assert_eq!(reported_lines(&run), [("pkg/branch.py".to_string(), 1)], "{}", run.stderr);
    let run =
        ssot(&["check", root_str, "--changed-since", "main..feature", "--format", "json", "--ignore", "import-cycle"]);
    assert_eq!(reported_lines(&run), [("pkg/branch.py".to_string(), 1), ("pkg/old.py".to_string(), 1)]);
}

#[test]
fn changed_since_a_revision_with_no_common_ancestor_is_a_usage_error_naming_it() {
    let (_dir, root) = repository(&[("a.py", "x = 1\n")], &[]);
    git(&root, &["branch", "-M", "main"]);
    git(&root, &["checkout", "-q", "--orphan", "unrelated"]);
    std::fs::write(root.join("a.py"), "from . import x\n").unwrap();
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "unrelated history"]);
    let run = ssot(&["check", root.to_str().unwrap(), "--changed-since", "main"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("--changed-since: `main`") && run.stderr.contains("no common ancestor"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn diff_mode_keeps_findings_in_files_whose_names_are_not_utf8() {
    // git's output was read as lossy text: a changed file `a\xff.py` became `a\u{fffd}.py`, which
    // names no file, and its new findings were dropped.
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::OsStr::from_bytes(b"a\xff.py");
    let untracked = std::ffi::OsStr::from_bytes(b"b\xfe.py");
    let dir = project(&[("ssot.toml", "[rules]\nignore = [\"unresolved-import\"]\n")]);
    let root = canonical(&dir);
    std::fs::write(root.join(name), "import os\n").unwrap();
    git(&root, &["init", "-q"]);
    git(&root, &["add", "-A"]);
    git(&root, &["commit", "-q", "-m", "base"]);
    std::fs::write(root.join(name), "import os\nA = os.environ['A']\n").unwrap();
    std::fs::write(root.join(untracked), "from . import x\n").unwrap();
    let run = ssot(&["check", root.to_str().unwrap(), "--changed-since", "HEAD", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(reported_lines(&run), [("a\\xff.py".to_string(), 2), ("b\\xfe.py".to_string(), 1)]);
}
