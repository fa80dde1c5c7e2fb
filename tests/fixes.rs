//! `--fix`, `--unsafe-fixes`, `--fix-only` and `--diff` end to end. The fixes themselves are
//! judged by an oracle ssot did not write (`testdata/oracle/fix_oracle.py`: CPython's `ast` and
//! `importlib.util.resolve_name`) on packages of the standard library; the rule fixtures'
//! `.fixed.py` files are checked in `tests/rules.rs`.

mod common;

use std::path::Path;

/// Copies the files under `from` (recursively) to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let path = entry.path();
        let target = to.join(entry.file_name());
        if path.is_dir() {
            copy_tree(&path, &target);
        } else if path.is_file() {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// Every file's bytes under `dir`, by relative path.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    ssot::testing::python_files(dir)
        .into_iter()
        .map(|path| (path.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&path).unwrap()))
        .collect()
}

/// Packages of the standard library full of relative imports (regular packages, nested ones,
/// `__init__.py` files, `from . import x` and `from ..x import y`), fixed in a copy with the copy
/// as the one source root: every rewritten import names what `importlib` resolves the relative
/// one to, every file still parses, a second run changes nothing, and what remains of
/// `relative-import` resolves to nothing on disk.
#[test]
fn relative_import_fixes_name_what_importlib_resolves_on_the_standard_library() {
    let Some(stdlib) = common::stdlib() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (before, after) = (dir.path().join("before"), dir.path().join("after"));
    for package in ["email", "json", "concurrent", "importlib", "xml", "asyncio", "sqlite3", "multiprocessing"] {
        copy_tree(&stdlib.join(package), &before.join(package));
    }
    copy_tree(&before, &after);
    std::fs::write(after.join("ssot.toml"), "[scan]\nroots = [\".\"]\n").unwrap();
    let path = after.to_str().unwrap();
    let run = common::ssot(&["check", path, "--select", "relative-import", "--fix", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["findings"], 0, "every relative import here resolves: all fixed");
    let oracle = std::process::Command::new("python3")
        .arg(common::root().join("testdata/oracle/fix_oracle.py"))
        .args([&before, &after])
        .output()
        .expect("python3 runs");
    assert!(oracle.status.success(), "{}", String::from_utf8_lossy(&oracle.stderr));
    let verdict: serde_json::Value = serde_json::from_slice(&oracle.stdout).unwrap();
    assert_eq!(verdict["problems"], serde_json::json!([]), "{verdict}");
    assert!(verdict["rewritten"].as_u64().unwrap() > 200, "{verdict}");
    assert!(run.stderr.contains(&format!("fixed {} findings", verdict["rewritten"])), "{}", run.stderr);
    // Idempotent.
    let fixed = snapshot(&after);
    let again = common::ssot(&["check", path, "--select", "relative-import", "--fix"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(snapshot(&after) == fixed, "a second --fix changed files");
}

/// `--diff` writes nothing and prints what `--fix` then does; `--fix` keeps a file's byte-order
/// mark, line endings and permissions, writes only files with fixes, and its exit status says
/// what remains; `--fix-only` exits 0 with findings left.
#[test]
fn diff_previews_fix_applies_and_fix_only_ignores_what_remains() {
    let project = common::project(&[
        ("ssot.toml", "[scan]\nroots = [\".\"]\n"),
        ("app/__init__.py", ""),
        ("app/models.py", "X = 1\n"),
        ("app/views.py", "\u{feff}from .models import X\r\nimport os\r\nY = os.environ['Y']\r\n"),
        ("app/clean.py", "from app.models import X\n"),
        ("tests/test_views.py", "def test_it():\n    return MagicNone(), patch\n"),
    ]);
    let root = common::canonical(&project);
    let path = root.to_str().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join("app/views.py"), std::fs::Permissions::from_mode(0o754)).unwrap();
    }
    let before = snapshot(&root);

    let preview = common::ssot(&["check", path, "--diff"]);
    assert_eq!(preview.code, 1, "a diff to apply: exit 1 ({})", preview.stderr);
    assert!(preview.stdout.contains("--- a/app/views.py\n+++ b/app/views.py\n"), "{}", preview.stdout);
    // The byte-order mark is part of the first line, as `patch` sees it.
    assert!(
        preview.stdout.contains("-\u{feff}from .models import X\r\n+\u{feff}from app.models import X\r\n"),
        "{}",
        preview.stdout
    );
    // The two mock rules' imports go to one place: one pass takes the first, the next pass merges
    // the other into it.
    assert!(preview.stdout.contains("+from unittest.mock import patch\n"), "{}", preview.stdout);
    assert!(preview.stderr.contains("1 more fixes overlap these"), "{}", preview.stderr);
    assert!(snapshot(&root) == before, "--diff writes nothing");

    let fix = common::ssot(&["check", path, "--fix", "--format", "json"]);
    assert_eq!(fix.code, 1, "direct-env-access has no fix and is an error: {}", fix.stderr);
    let json = fix.json();
    let rules: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["direct-env-access"], "what remains");
    let views = std::fs::read(root.join("app/views.py")).unwrap();
    assert_eq!(views, "\u{feff}from app.models import X\r\nimport os\r\nY = os.environ['Y']\r\n".as_bytes());
    assert_eq!(
        std::fs::read_to_string(root.join("tests/test_views.py")).unwrap(),
        "from unittest.mock import patch, MagicMock\ndef test_it():\n    return MagicMock(), patch\n"
    );
    assert_eq!(std::fs::read(root.join("app/clean.py")).unwrap(), before[Path::new("app/clean.py")], "untouched");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(root.join("app/views.py")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o754, "permissions kept");
    }
    let leftovers: Vec<_> = std::fs::read_dir(root.join("app")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert!(
        leftovers.iter().all(|name| !name.to_string_lossy().contains("ssot-fix")),
        "no temporary file left: {leftovers:?}"
    );

    let only = common::ssot(&["check", path, "--fix-only"]);
    assert_eq!(only.code, 0, "--fix-only does not fail on what remains: {}", only.stderr);
    assert!(only.stdout.is_empty(), "--fix-only reports nothing: {}", only.stdout);
}

/// An unsafe fix is applied only with `--unsafe-fixes`; a display-only one never. (No built-in
/// rule has an unsafe fix yet, so the fixer is driven through the library.)
#[test]
fn applicability_decides_what_is_applied() {
    use ssot::fix::{Applicability, Edit, Fix};
    let safe = Fix::safe("s", vec![Edit::replace(0..1, "A")]);
    let risky = Fix::new(Applicability::Unsafe, "u", vec![Edit::replace(2..3, "B")]);
    let shown = Fix::new(Applicability::DisplayOnly, "d", vec![Edit::replace(4..5, "C")]);
    let pick = |unsafe_fixes: bool| {
        let mode = ssot::fixer::Mode::new(unsafe_fixes);
        let chosen: Vec<&Fix> = [&safe, &risky, &shown].into_iter().filter(|fix| mode.applies(fix)).collect();
        ssot::fix::apply("a b c\n", &chosen).unwrap().0
    };
    assert_eq!(pick(false), "A b c\n");
    assert_eq!(pick(true), "A B c\n");
}

/// What `--diff` would change in the project made of `files` (scanning `scan`, a path in it).
fn preview(files: &[(&str, &str)], scan: &str) -> String {
    let project = common::project(files);
    let root = common::canonical(&project);
    let run = common::ssot(&["check", root.join(scan).to_str().unwrap(), "--diff"]);
    assert!(run.code <= 1, "{}", run.stderr);
    run.stdout
}

/// The package of a file comes from its `__init__.py` chain, which must start at a source
/// root: a guessed absolute name breaks the import (found by review: `from sub.y` for
/// `mypkg/sub/m.py` when `mypkg/` was scanned, `mysite.polls` under Django's outer directory,
/// `src.acme` for a namespace package).
#[test]
fn relative_import_fixes_only_what_the_init_chain_and_the_roots_prove() {
    let package = [("mypkg/__init__.py", ""), ("mypkg/sub/__init__.py", ""), ("mypkg/sub/y.py", "Y = 1\n")];
    let scanned_package = [&package[..], &[("mypkg/sub/m.py", "from .y import Y\n")]].concat();
    assert_eq!(preview(&scanned_package, "mypkg"), "", "the scanned directory is itself a package");
    assert!(preview(&scanned_package, ".").contains("+from mypkg.sub.y import Y\n"), "from above it, it is");
    let django = [
        (".git/HEAD", ""),
        ("mysite/manage.py", ""),
        ("mysite/mysite/__init__.py", ""),
        ("mysite/polls/__init__.py", ""),
        ("mysite/polls/models.py", "Q = 1\n"),
        ("mysite/polls/views.py", "from .models import Q\n"),
    ];
    assert_eq!(preview(&django, "."), "", "the package's root (mysite/) is no source root");
    let django_rooted = [&django[..], &[("ssot.toml", "[scan]\nroots = [\"mysite\"]\n")]].concat();
    assert!(preview(&django_rooted, ".").contains("+from polls.models import Q\n"));
    let namespace = [
        ("ssot.toml", ""),
        ("src/acme/widgets/__init__.py", ""),
        ("src/acme/widgets/core.py", "X = 1\n"),
        ("src/acme/widgets/api.py", "from .core import X\n"),
    ];
    assert_eq!(preview(&namespace, "."), "", "a namespace package ssot was not told about");
    let src_package = [
        ("ssot.toml", ""),
        ("src/__init__.py", ""),
        ("src/pkg/__init__.py", ""),
        ("src/pkg/a.py", "X = 1\n"),
        ("src/pkg/b.py", "from .a import X\nfrom.a import X as Y\nfrom .import a\n"),
    ];
    let diff = preview(&src_package, ".");
    assert!(diff.contains("+from src.pkg.a import X\n"), "`src/` is a package here: {diff}");
    assert!(diff.contains("+from src.pkg.a import X as Y\n"), "a space after `from`: {diff}");
    assert!(diff.contains("+from src.pkg import a\n"), "a space before `import`: {diff}");
}

/// The mock fixes: a new import always comes from `unittest.mock` (`mock` may be a fallback
/// the file only tries); a suppressed use is not imported for; a parenthesized docstring stays
/// first; a CRLF file's shadowing local still gets no fix.
#[test]
fn mock_fixes_import_from_unittest_and_leave_suppressed_uses() {
    let fallback = "try:\n    from unittest import mock\nexcept ImportError:\n    import mock\n\n\
                    def test_it():\n    return patch\n";
    let diff = preview(&[("tests/test_a.py", fallback)], ".");
    assert!(diff.contains("+from unittest.mock import patch\n"), "{diff}");
    let suppressed = "def test_a():\n    return Mock()  # ssot: ignore[missing-mock-import]\n\n\
                      def test_b():\n    return patch\n";
    let diff = preview(&[("tests/test_b.py", suppressed)], ".");
    assert!(diff.contains("+from unittest.mock import patch\n"), "only the unsuppressed use: {diff}");
    let docstring =
        "(\n    \"\"\"Doc.\"\"\"\n)\nfrom __future__ import annotations\n\ndef test_it():\n    return patch\n";
    let diff = preview(&[("tests/test_c.py", docstring)], ".");
    assert!(diff.contains(" from __future__ import annotations\n+from unittest.mock import patch\n"), "{diff}");
    let shadowed = "import os\r\ndef test_x():\r\n    m = Mock()\r\n    import os as Mock\r\n    return m\r\n";
    assert_eq!(preview(&[("tests/test_d.py", shadowed)], "."), "", "Mock is local to test_x: no import helps");
}

/// A file edited after the scan, a read-only file, and a file with a second hard link.
#[test]
fn fixer_refuses_stale_and_read_only_files_and_keeps_hard_links() {
    let project = common::project(&[
        ("ssot.toml", ""),
        ("app/__init__.py", ""),
        ("app/models.py", "X = 1\n"),
        ("app/a.py", "from .models import X\n"),
        ("app/b.py", "from .models import X\n"),
    ]);
    let root = common::canonical(&project);
    let outcome_of = |root: &Path| {
        let settings = ssot::config::Settings::resolve(root, &[], &Default::default()).unwrap();
        let catalog = ssot::rules::catalog(&settings).unwrap();
        let rules = ssot::rules::RuleSet::new(&catalog, &settings).unwrap();
        (ssot::scan::scan(&settings, &rules, &mut Vec::new()).unwrap(), settings)
    };
    let (outcome, settings) = outcome_of(&root);
    // Edited since the scan: the finding's line is not what it was.
    std::fs::write(root.join("app/a.py"), "s = \".models\"\nfrom .models import X\n").unwrap();
    let mode = ssot::fixer::Mode::new(false);
    let (changes, refusals) = ssot::fixer::plan(&outcome, mode, &|_| true, settings.max_file_size);
    assert_eq!(changes.iter().map(|c| c.path.as_str()).collect::<Vec<_>>(), ["app/b.py"]);
    assert_eq!(refusals.len(), 1, "{refusals:?}");
    assert!(refusals[0].reason.contains("changed since it was scanned"), "{refusals:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let b = root.join("app/b.py");
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o444)).unwrap();
        assert!(ssot::fixer::write(&changes[0]).is_err(), "a read-only file is not written");
        std::fs::set_permissions(&b, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = root.join("b_link.txt");
        std::fs::hard_link(&b, &link).unwrap();
        ssot::fixer::write(&changes[0]).unwrap();
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "from app.models import X\n", "the link sees the fix");
    }
}
