//! The result cache and the tree snapshot: a warm run reports exactly what an uncached run
//! does, whatever changed in between, and the cache directory does not grow without bound.
//!
//! A file's stamp is trusted only once it has settled (changed more than two seconds before the
//! run that records it), so the tests that need a recorded stamp wait for that first.

mod common;

use std::path::{Path, PathBuf};

use common::{canonical, project, ssot, ssot_with_cache, Run};

/// A project whose files, directories and cache directory have settled, scanned once more so
/// that the tree snapshot holds it: the next run may take its outcome from the snapshot.
fn settled_project(files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = project(files);
    let root = canonical(&dir);
    // The first run creates the cache directory, which changes the root directory's stamp.
    ssot_with_cache(&["check", root.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    ssot_with_cache(&["check", root.to_str().unwrap()]);
    assert!(snapshot_of(&root).is_some(), "a settled tree gets a snapshot");
    (dir, root)
}

/// The tree snapshot file in `root`'s cache directory, if there is one.
fn snapshot_of(root: &Path) -> Option<PathBuf> {
    let entries = std::fs::read_dir(root.join(".ssot_cache")).ok()?;
    let mut found = entries.map(|e| e.unwrap().path()).filter(|p| p.to_string_lossy().contains("/outcome-"));
    let first = found.next();
    assert!(found.next().is_none(), "one snapshot per configuration");
    first
}

/// Runs a warm check and an uncached one of `root` and requires the same report.
fn warm_equals_uncached(root: &Path) -> Run {
    let root = root.to_str().unwrap();
    let warm = ssot_with_cache(&["check", root, "--format", "json"]);
    assert_eq!(
        warm.stdout,
        ssot(&["check", root, "--format", "json"]).stdout,
        "a warm run reports what an uncached run does"
    );
    warm
}

#[cfg(unix)]
#[test]
fn an_unchanged_tree_is_answered_from_the_snapshot() {
    use std::os::unix::fs::MetadataExt;
    let (_dir, root) = settled_project(&[("app/a.py", "from . import x\n"), ("app/sub/b.py", "NAME = 'v'\n")]);
    let snapshot = snapshot_of(&root).unwrap();
    let before = std::fs::metadata(&snapshot).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let run = warm_equals_uncached(&root);
    assert_eq!(run.json()["summary"]["findings"], 1);
    let after = std::fs::metadata(&snapshot).unwrap();
    assert_eq!(after.ino(), before.ino(), "the snapshot was used, not written again");
    assert!(after.modified().unwrap() > before.modified().unwrap(), "and marked as used");
}

#[test]
fn the_snapshot_sees_a_new_file() {
    let (_dir, root) = settled_project(&[("app/a.py", "X = 1\n"), ("app/sub/b.py", "Y = 2\n")]);
    std::fs::write(root.join("app/sub/c.py"), "from . import b\n").unwrap();
    assert_eq!(warm_equals_uncached(&root).json()["summary"]["findings"], 1);
}

#[test]
fn the_snapshot_sees_a_removed_file() {
    let (_dir, root) = settled_project(&[("app/a.py", "X = 1\n"), ("app/sub/b.py", "from . import a\n")]);
    std::fs::remove_file(root.join("app/sub/b.py")).unwrap();
    assert_eq!(warm_equals_uncached(&root).json()["summary"]["findings"], 0);
}

#[test]
fn the_snapshot_sees_an_ignore_file_edited_in_place() {
    // The edit keeps the length and puts the old modification time back: the directory's stamp
    // does not change, the ignore file's own stamp does.
    let (_dir, root) = settled_project(&[
        (".gitignore", "skipped.py\n"),
        ("app/kept.py", "X = 1\n"),
        ("app/skipped.py", "from . import kept\n"),
    ]);
    let ignore = root.join(".gitignore");
    let modified = std::fs::metadata(&ignore).unwrap().modified().unwrap();
    std::fs::write(&ignore, "nothing.py\n").unwrap();
    std::fs::File::options().write(true).open(&ignore).unwrap().set_modified(modified).unwrap();
    assert_eq!(warm_equals_uncached(&root).json()["summary"]["findings"], 1);
}

#[test]
fn the_snapshot_sees_a_new_ignore_file_in_a_subdirectory() {
    let (_dir, root) = settled_project(&[("app/kept.py", "X = 1\n"), ("app/sub/skipped.py", "from . import kept\n")]);
    std::fs::write(root.join("app/sub/.gitignore"), "skipped.py\n").unwrap();
    assert_eq!(warm_equals_uncached(&root).json()["summary"]["findings"], 0);
}

/// Like [`settled_project`], scanning `scanned` (a path relative to the project) instead of
/// the whole project.
fn settled_scan(files: &[(&str, &str)], scanned: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let dir = project(files);
    let root = canonical(&dir);
    let paths: Vec<String> = scanned.iter().map(|path| root.join(path).to_string_lossy().into_owned()).collect();
    let args: Vec<&str> = std::iter::once("check").chain(paths.iter().map(String::as_str)).collect();
    ssot_with_cache(&args);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    ssot_with_cache(&args);
    (dir, root)
}

/// [`warm_equals_uncached`] for a scan of `scanned`, from the project root as working directory
/// is not needed: paths are absolute.
fn warm_equals_uncached_for(root: &Path, scanned: &[&str]) -> Run {
    let paths: Vec<String> = scanned.iter().map(|path| root.join(path).to_string_lossy().into_owned()).collect();
    let mut args: Vec<&str> = vec!["check", "--format", "json"];
    args.extend(paths.iter().map(String::as_str));
    let warm = ssot_with_cache(&args);
    assert_eq!(warm.stdout, ssot(&args).stdout, "a warm run reports what an uncached run does");
    warm
}

#[test]
fn the_snapshot_sees_an_unselected_rule_file_go() {
    // `unused-suppression` tells ids of rules that exist (selected or not) from unknown ones.
    let rule = "id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\n\
                query = \"(call) @match\"\n[docs]\nwhy = \"w\"\nbad = \"b\"\ngood = \"g\"\n";
    let (_dir, root) = settled_project(&[
        ("my-rules/print-call.toml", rule),
        ("ssot.toml", "[rules]\nrule-dirs = [\"my-rules\"]\nselect = [\"relative-import\", \"unused-suppression\"]\n"),
        ("pkg/b.py", "from . import a  # ssot: ignore[relative-import, print-call]\n"),
    ]);
    std::fs::remove_file(root.join("my-rules/print-call.toml")).unwrap();
    assert_eq!(warm_equals_uncached(&root).json()["summary"]["by_rule"]["unused-suppression"], 1);
}

#[test]
fn the_snapshot_sees_a_repository_created_around_the_scanned_directory() {
    let (_dir, root) = settled_scan(&[("proj/pkg/a.py", "X = 1\n"), ("proj/pkg/b.py", "from . import a\n")], &["proj"]);
    let status = std::process::Command::new("git").args(["init", "-q"]).arg(&root).status().expect("git runs");
    assert!(status.success());
    std::fs::write(root.join(".git/info/exclude"), "b.py\n").unwrap();
    assert_eq!(warm_equals_uncached_for(&root, &["proj"]).json()["summary"]["findings"], 0);
}

#[cfg(unix)]
#[test]
fn the_snapshot_sees_the_target_of_a_dangling_ignore_link_appear() {
    // The link's target lies outside the scanned directory, so no scanned directory changes.
    let dir = project(&[("proj/pkg/a.py", "X = 1\n"), ("proj/pkg/b.py", "from . import a\n")]);
    let root = canonical(&dir);
    std::fs::create_dir(root.join("shared")).unwrap();
    std::os::unix::fs::symlink(root.join("shared/ignore"), root.join("proj/pkg/.gitignore")).unwrap();
    let proj = root.join("proj");
    ssot_with_cache(&["check", proj.to_str().unwrap()]);
    std::thread::sleep(std::time::Duration::from_millis(2100));
    ssot_with_cache(&["check", proj.to_str().unwrap()]);
    std::fs::write(root.join("shared/ignore"), "b.py\n").unwrap();
    assert_eq!(warm_equals_uncached(&proj).json()["summary"]["findings"], 0);
}

#[test]
fn the_snapshot_sees_a_named_file_become_a_directory() {
    let (_dir, root) = settled_scan(&[("tool", "x = 1\n"), ("pkg/a.py", "X = 1\n")], &["tool", "pkg"]);
    std::fs::remove_file(root.join("tool")).unwrap();
    std::fs::create_dir(root.join("tool")).unwrap();
    std::fs::write(root.join("tool/c.py"), "from . import c\n").unwrap();
    assert_eq!(warm_equals_uncached_for(&root, &["tool", "pkg"]).json()["summary"]["findings"], 1);
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
    let uncached = ssot(&["check", root_str, "--format", "json"]).stdout;
    let cold = ssot_with_cache(&["check", root_str, "--format", "json"]).stdout;
    assert!(root.join(".ssot_cache/CACHEDIR.TAG").is_file(), "the cache lives in the scanned root");
    let warm = ssot_with_cache(&["check", root_str, "--format", "json"]).stdout;
    assert_eq!(cold, uncached);
    assert_eq!(warm, uncached, "a warm run reports exactly what an uncached run does");

    // An edit, a new file and a deleted file are all seen.
    std::fs::write(root.join("app/b.py"), "NAME = 'other value'\n").unwrap();
    std::fs::write(root.join("app/c.py"), "from .. import x\n").unwrap();
    std::fs::remove_file(root.join("backup/app/a.py")).unwrap();
    let uncached = ssot(&["check", root_str, "--format", "json"]).stdout;
    let warm = ssot_with_cache(&["check", root_str, "--format", "json"]).stdout;
    assert_eq!(warm, uncached);
    let json: serde_json::Value = serde_json::from_str(&warm).unwrap();
    assert_eq!(json["summary"]["by_rule"]["duplicate-string-constant"], 0);
    assert_eq!(json["summary"]["by_rule"]["relative-import"], 1);
    assert_eq!(json["summary"]["suppressed"], 1);

    // A different configuration does not reuse results made under another.
    let warm_selected = ssot_with_cache(&["check", root_str, "--format", "json", "--select", "relative-import"]);
    assert_eq!(warm_selected.json()["summary"]["findings"], 1);
}

#[test]
fn an_edit_that_keeps_length_and_modification_time_is_seen() {
    // A warm run does not read a file whose stamp (length, modification and status change
    // times) is the one it recorded. An edit that puts the old length and modification time
    // back still changes the status change time, which no user can set.
    let (_dir, root) =
        settled_project(&[("a.py", "import os\nA = os.environ\n"), ("b.py", "import os\nB = os.environ\n")]);
    let root_str = root.to_str().unwrap();
    let findings = |run: &Run| run.json()["summary"]["findings"].as_u64().unwrap();
    assert_eq!(findings(&ssot_with_cache(&["check", root_str, "--format", "json"])), 2);
    let modified = std::fs::metadata(root.join("a.py")).unwrap().modified().unwrap();
    let edit = "x = 1\n# 0123456789abcdef\n";
    assert_eq!(edit.len(), "import os\nA = os.environ\n".len());
    std::fs::write(root.join("a.py"), edit).unwrap();
    std::fs::File::options().write(true).open(root.join("a.py")).unwrap().set_modified(modified).unwrap();
    let run = ssot_with_cache(&["check", root_str, "--format", "json"]);
    assert_eq!(findings(&run), 1, "{}", run.stdout);
    assert_eq!(run.stdout, ssot(&["check", root_str, "--format", "json"]).stdout);
}

#[test]
fn cache_files_of_other_configurations_go_once_unused_for_30_days() {
    let (_dir, root) = settled_project(&[("a.py", "from . import x\n")]);
    let cache = root.join(".ssot_cache");
    let age = |days: u64| std::time::SystemTime::now() - std::time::Duration::from_secs(days * 24 * 3600);
    let set_age = |path: &Path, days: u64| {
        std::fs::File::options().write(true).open(path).unwrap().set_modified(age(days)).unwrap();
    };
    let others = [
        ("results-00000000000000aa.bin", 40),
        ("outcome-00000000000000aa.bin", 40),
        ("results-00000000000000bb.bin", 1),
    ];
    for (name, days) in others {
        std::fs::write(cache.join(name), "").unwrap();
        set_age(&cache.join(name), days);
    }
    let mine: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            (name.starts_with("results-") || name.starts_with("outcome-")) && !name.contains("00000000000000")
        })
        .collect();
    assert_eq!(mine.len(), 2, "this configuration's result cache and snapshot: {mine:?}");
    // This configuration's files, although an unchanged run rewrites neither, are marked as used.
    for path in &mine {
        set_age(path, 60);
    }
    warm_equals_uncached(&root);
    assert!(!cache.join("results-00000000000000aa.bin").exists(), "unused for 40 days: deleted");
    assert!(!cache.join("outcome-00000000000000aa.bin").exists(), "unused for 40 days: deleted");
    assert!(cache.join("results-00000000000000bb.bin").exists(), "used yesterday: kept");
    for path in &mine {
        let modified = std::fs::metadata(path).unwrap().modified().unwrap();
        assert!(modified > age(1), "{}: kept and marked as used now", path.display());
    }
}

#[test]
fn the_snapshot_sees_a_change_of_scanned_languages() {
    // `scan.languages` decides which files are scanned: a warm run after narrowing it must not
    // replay the outcome of the wider scan (nor the other way round).
    let (_dir, root) = settled_project(&[
        ("ssot.toml", "[scan]\nlanguages = [\"python\"]\n"),
        ("app/a.py", "import os\nX = os.environ\n"),
        ("app/b.rs", "fn f() { let a = std::env::var(\"A\"); }\n"),
    ]);
    assert_eq!(warm_equals_uncached(&root).json()["summary"]["findings"], 1);
    std::fs::write(root.join("ssot.toml"), "[scan]\nlanguages = [\"python\", \"rust\"]\n").unwrap();
    let run = warm_equals_uncached(&root);
    assert_eq!(run.json()["summary"]["findings"], 2);
    assert_eq!(run.json()["summary"]["files"]["languages"]["rust"], 1);
}

#[test]
fn a_python_and_a_rust_file_with_the_same_bytes_do_not_share_a_report() {
    // Both languages' rules see the same content differently: `fn f() {}` is a Python syntax
    // error and valid Rust.
    let dir = project(&[("a.py", "fn f() {}\n"), ("b.rs", "fn f() {}\n")]);
    let root = canonical(&dir);
    let args = ["check", root.to_str().unwrap(), "--select", "parse-error", "--format", "json"];
    let run = ssot_with_cache(&args);
    let json = run.json();
    let paths: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["a.py"]);
    // Renamed to `.rs`, the cached Python report must not come back.
    std::fs::rename(root.join("a.py"), root.join("c.rs")).unwrap();
    let warm = ssot_with_cache(&args);
    assert_eq!(warm.stdout, ssot(&args).stdout);
    assert_eq!(warm.json()["summary"]["findings"], 0);
}

#[test]
fn timings_say_when_the_snapshot_answered_the_whole_tree() {
    // A warm run of an unchanged tree reads no file: `--timings` says so rather than counting
    // nothing at all.
    let (_dir, root) =
        settled_project(&[("a.py", "import os\nA = os.environ\n"), ("b.py", "import os\nB = os.environ\n")]);
    let root_str = root.to_str().unwrap();
    let warm = ssot_with_cache(&["check", root_str, "--format", "json", "--timings"]);
    assert!(
        warm.stderr.contains("files: 2 walked, 0 read and analysed, 2 answered by the cache or a copy"),
        "{}",
        warm.stderr
    );
    assert!(warm.stderr.contains("no file changed since the last run"), "{}", warm.stderr);
    assert_eq!(warm.stdout, ssot(&["check", root_str, "--format", "json"]).stdout);
    std::fs::write(root.join("a.py"), "import os\nA = os.environ['A']\n").unwrap();
    let changed = ssot_with_cache(&["check", root_str, "--format", "json", "--timings"]);
    assert!(
        changed.stderr.contains("files: 2 walked, 1 read and analysed, 1 answered by the cache or a copy"),
        "{}",
        changed.stderr
    );
    assert!(!changed.stderr.contains("no file changed"), "{}", changed.stderr);
}

#[test]
fn timings_with_fix_count_the_last_scan() {
    // `--fix` scans again after writing: the file counts are that scan's, not the sum of both,
    // and the first scan's "no file changed" does not stand for the second.
    let (_dir, root) =
        settled_project(&[("pkg/__init__.py", ""), ("pkg/a.py", "from . import b\n"), ("pkg/b.py", "X = 1\n")]);
    let root_str = root.to_str().unwrap();
    let run = ssot_with_cache(&["check", root_str, "--fix", "--timings"]);
    assert_eq!(std::fs::read_to_string(root.join("pkg/a.py")).unwrap(), "from pkg import b\n", "{}", run.stderr);
    assert!(
        run.stderr.contains("files: 3 walked, 1 read and analysed, 2 answered by the cache or a copy"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("no file changed"), "{}", run.stderr);
}
