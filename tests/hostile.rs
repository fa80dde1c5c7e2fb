//! Hostile trees: inputs that once crashed, hung, poisoned or fooled ssot, generated here (some
//! are large, some are FIFOs or links, none is committed). Each test runs the real binary as a
//! child process with a watchdog, its cache and home directories inside the test's own temporary
//! directory, so that an abort, a hang or a write anywhere else is seen rather than suffered.
//! Named after the defect each pins; see "Hostile trees" in `docs/decisions.md`.
#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// What one child run of `ssot` produced.
struct Child {
    /// The exit code; `None` when a signal ended the process.
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Child {
    fn json(&self) -> serde_json::Value {
        assert!(matches!(self.code, Some(0..=1)), "exit {:?}\n{}", self.code, self.stderr);
        serde_json::from_str(&self.stdout).unwrap_or_else(|err| panic!("not JSON ({err}): {}", self.stdout))
    }
}

/// Runs the ssot binary with `args` in `cwd`, `HOME` and `XDG_CACHE_HOME` under `home`; fails
/// the test when it runs longer than a minute.
fn ssot(cwd: &Path, home: &Path, args: &[&str]) -> Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ssot"))
        .args(args)
        .current_dir(cwd)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.stdout.take().unwrap();
    let err = child.stderr.take().unwrap();
    let read = |mut pipe: Box<dyn std::io::Read + Send>| {
        std::thread::spawn(move || {
            let mut text = Vec::new();
            let _ = pipe.read_to_end(&mut text);
            String::from_utf8_lossy(&text).into_owned()
        })
    };
    let (out, err) = (read(Box::new(out)), read(Box::new(err)));
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("ssot {args:?} hung (killed after 60 s)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Child { code: status.code(), stdout: out.join().unwrap(), stderr: err.join().unwrap() }
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0, "mkfifo {}", path.display());
}

/// Every regular file under `dir`, with its contents, and every link with its target.
fn listing(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(path);
            } else if kind.is_symlink() {
                found.push((path.clone(), format!("-> {}", std::fs::read_link(&path).unwrap().display())));
            } else if kind.is_file() {
                found.push((path.clone(), String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned()));
            }
        }
    }
    found.sort();
    found
}

/// `depth` nested blocks opened by `opener` (indented with `unit`), innermost a string.
fn nested(opener: &str, unit: &str, depth: usize, innermost: &str) -> String {
    let mut text = String::new();
    for level in 0..depth {
        text.push_str(&unit.repeat(level));
        text.push_str(opener);
        text.push('\n');
    }
    text.push_str(&unit.repeat(depth));
    text.push_str(innermost);
    text.push('\n');
    text
}

fn skip_reason<'a>(json: &'a serde_json::Value, path: &str) -> Option<&'a str> {
    json["skipped"].as_array().unwrap().iter().find(|s| s["path"] == path).map(|s| s["reason"].as_str().unwrap())
}

fn findings_in<'a>(json: &'a serde_json::Value, path: &str) -> Vec<&'a str> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["path"] == path)
        .map(|d| d["rule"].as_str().unwrap())
        .collect()
}

#[test]
fn deep_indentation_that_aborted_tree_sitter_is_refused_and_the_run_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let write = |name: &str, text: &str| std::fs::write(root.join(name), text).unwrap();
    // The reported input: 511 nested `if x:` and a string (a suppression comment makes any file
    // parsed), and its family: other block openers, tabs, an f-string open (odd delimiters).
    let suppressed = "s = 'abc'  # ssot: ignore[direct-env-access]";
    write("ifs.py", &nested("if x:", " ", 511, suppressed));
    write("whiles.py", &nested("while x:", " ", 600, suppressed));
    write("classes.py", &nested("class A:", " ", 400, "'doc'"));
    write("withs_tabs.py", &nested("with a:", "\t", 300, suppressed));
    write("fstring.py", &nested("def f():", " ", 520, "x = f'{1}' + os.environ['A']  # ssot: ignore[magic-none]"));
    write("defs.py", &nested("def f():", " ", 800, "pass"));
    write("real.py", "import os\nX = os.environ['A']\n");
    let home = root.join("home");
    let args = ["check", ".", "--format", "json", "--no-cache"];
    for extra in [&[][..], &["--no-fast-path", "--select", "parse-error", "--select", "duplicate-manager-class"][..]] {
        let args: Vec<&str> = args.iter().chain(extra).copied().collect();
        let run = ssot(&root, &home, &args);
        let json = run.json();
        for name in ["ifs.py", "whiles.py", "withs_tabs.py", "fstring.py"] {
            let reason = skip_reason(&json, name).unwrap_or_else(|| panic!("{name} is not skipped: {}", run.stdout));
            assert!(reason.contains("indentation"), "{name}: {reason}");
        }
        if extra.is_empty() {
            assert_eq!(findings_in(&json, "real.py"), ["direct-env-access"]);
        }
    }
}

/// CPython's own limit is the oracle: a file is refused for its indentation exactly when CPython
/// says "too many levels of indentation".
#[test]
fn the_indentation_limit_is_cpythons() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let mut cases = Vec::new();
    for depth in [97, 98, 99, 100, 101, 150] {
        for (kind, opener, unit) in [("if", "if x:", " "), ("for", "for i in x:", "  "), ("tab", "while 1:", "\t")] {
            let name = format!("{kind}_{depth}.py");
            std::fs::write(root.join(&name), nested(opener, unit, depth, "pass")).unwrap();
            cases.push(name);
        }
    }
    let script = "import ast, sys\nfor name in sys.argv[1:]:\n    try:\n        ast.parse(open(name).read())\n        print(name, 0)\n    except SyntaxError as e:\n        print(name, int('too many levels of indentation' in str(e)))\n";
    let Some(_) = common::stdlib() else { return };
    let output = Command::new("python3").arg("-c").arg(script).args(&cases).current_dir(&root).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let oracle = String::from_utf8(output.stdout).unwrap();
    let home = root.join("home");
    let run = ssot(&root, &home, &["check", ".", "--format", "json", "--no-cache", "--select", "parse-error"]);
    let json = run.json();
    let mut refused = 0;
    for line in oracle.lines() {
        let (name, too_deep) = line.split_once(' ').unwrap();
        let ours = skip_reason(&json, name).is_some_and(|reason| reason.contains("indentation"));
        assert_eq!(ours, too_deep == "1", "{name}: CPython says {too_deep}, ssot {:?}", skip_reason(&json, name));
        refused += usize::from(ours);
    }
    assert!(refused >= 3, "the cases include files CPython refuses");
}

#[test]
fn special_files_are_reported_and_never_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("sub")).unwrap();
    std::fs::write(root.join("real.py"), "import os\nX = os.environ['A']\n").unwrap();
    mkfifo(&root.join("fifo.py"));
    std::fs::write(root.join("sub/b.py"), "").unwrap();
    mkfifo(&root.join("sub/.ignore"));
    std::os::unix::fs::symlink("/dev/zero", root.join(".gitignore")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.py")).unwrap();
    let home = root.join("home");
    // In the tree, with and without the cache, twice (the warm run equals the cold one).
    let cold = ssot(&root, &home, &["check", ".", "--format", "json", "--no-cache"]).json();
    for _ in 0..2 {
        let warm = ssot(&root, &home, &["check", ".", "--format", "json"]).json();
        assert_eq!(warm, cold);
    }
    assert_eq!(findings_in(&cold, "real.py"), ["direct-env-access"]);
    assert!(skip_reason(&cold, "fifo.py").unwrap().contains("FIFO"));
    assert!(skip_reason(&cold, ".gitignore").unwrap().contains("character device"));
    assert!(skip_reason(&cold, "sub/.ignore").unwrap().contains("FIFO"));
    // Named on the command line.
    let named = ssot(&root, &home, &["check", "fifo.py", "zero.py", "real.py", "--format", "json"]).json();
    // (A named link is resolved: `zero.py` is reported as the device it points to.)
    let reasons: Vec<&str> =
        named["skipped"].as_array().unwrap().iter().map(|s| s["reason"].as_str().unwrap()).collect();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(reasons.iter().any(|r| r.contains("FIFO")) && reasons.iter().any(|r| r.contains("character device")));
    assert_eq!(named["summary"]["files"]["scanned"], 1);
    // A discovered configuration file that is a FIFO stops the run (a configuration further up
    // must not apply in silence), and so does a rule file that is one.
    let child = root.join("child");
    std::fs::create_dir_all(child.join("rules")).unwrap();
    std::fs::write(root.join("ssot.toml"), "[rules]\nignore = [\"direct-env-access\"]\n").unwrap();
    std::fs::write(child.join("a.py"), "import os\nX = os.environ['A']\n").unwrap();
    mkfifo(&child.join("ssot.toml"));
    let run = ssot(&child, &home, &["check", "."]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("ssot.toml") && run.stderr.contains("FIFO"), "{}", run.stderr);
    std::fs::remove_file(child.join("ssot.toml")).unwrap();
    std::fs::write(child.join("ssot.toml"), "[rules]\nrule-dirs = [\"rules\"]\n").unwrap();
    mkfifo(&child.join("rules/my-rule.toml"));
    let run = ssot(&child, &home, &["check", "."]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("my-rule.toml") && run.stderr.contains("FIFO"), "{}", run.stderr);
    // As configuration or baseline: exit 2, naming the file and what it is.
    mkfifo(&root.join("ssot.toml.fifo"));
    for (flag, file) in [("--config", "ssot.toml.fifo"), ("--config", "zero.py"), ("--baseline", "zero.py")] {
        let run = ssot(&root, &home, &["check", ".", flag, file]);
        assert_eq!(run.code, Some(2), "{flag} {file}: {}", run.stderr);
        assert!(run.stderr.contains(file) && run.stderr.contains("not a regular file"), "{}", run.stderr);
    }
}

#[test]
fn cache_files_that_are_special_or_links_are_not_read_or_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let tree = root.join("tree");
    let outside = root.join("outside");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(tree.join("real.py"), "import os\nX = os.environ['A']\n").unwrap();
    let home = root.join("home");
    let args = ["check", ".", "--format", "json"];
    let expected = ssot(&tree, &home, &["check", ".", "--format", "json", "--no-cache"]).json();
    // A first run makes the cache; then every file in it becomes a FIFO, a link to a device or a
    // dangling link out of the tree.
    assert_eq!(ssot(&tree, &home, &args).json(), expected);
    let cache = tree.join(".ssot_cache");
    let names: Vec<PathBuf> = std::fs::read_dir(&cache).unwrap().flatten().map(|e| e.path()).collect();
    assert!(names.len() >= 3, "{names:?}");
    for (index, path) in names.iter().enumerate() {
        std::fs::remove_file(path).unwrap();
        match index % 3 {
            0 => mkfifo(path),
            1 => std::os::unix::fs::symlink("/dev/zero", path).unwrap(),
            _ => std::os::unix::fs::symlink(outside.join(format!("planted-{index}")), path).unwrap(),
        }
    }
    for _ in 0..2 {
        assert_eq!(ssot(&tree, &home, &args).json(), expected);
    }
    assert_eq!(listing(&outside), []);
}

#[test]
fn a_symlinked_cache_directory_is_not_written_through() {
    for target in ["elsewhere", "."] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let tree = root.join("tree");
        let elsewhere = root.join("elsewhere");
        std::fs::create_dir_all(&tree).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        std::fs::write(tree.join("real.py"), "import os\nX = os.environ['A']\n").unwrap();
        let link_target = if target == "." { PathBuf::from(".") } else { elsewhere.clone() };
        std::os::unix::fs::symlink(&link_target, tree.join(".ssot_cache")).unwrap();
        let home = root.join("home");
        let before = listing(&tree);
        let expected = ssot(&tree, &home, &["check", ".", "--format", "json", "--no-cache"]).json();
        for _ in 0..2 {
            assert_eq!(ssot(&tree, &home, &["check", ".", "--format", "json"]).json(), expected);
        }
        assert_eq!(listing(&tree), before, ".ssot_cache -> {target}: nothing written into the tree");
        assert_eq!(listing(&elsewhere), [], ".ssot_cache -> {target}: nothing written where it points");
        // The user cache directory was used instead.
        assert!(!listing(&home.join("cache/ssot")).is_empty());
    }
}

/// Every hostile input at once, in one tree: the run ends with exit 0 or 1, lists every Python
/// file (scanned or skipped), writes nothing but its cache (and not through the planted link),
/// and a warm run says exactly what an uncached one says.
#[test]
fn a_tree_of_every_hostile_input_is_reported_whole() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let root = base.join("tree");
    let home = base.join("home");
    std::fs::create_dir_all(root.join("pkg")).unwrap();
    let write = |name: &std::ffi::OsStr, text: &str| std::fs::write(root.join(name), text).unwrap();
    let name = |s: &str| std::ffi::OsStr::new(s).to_os_string();
    write(&name("deep.py"), &nested("if x:", " ", 511, "s = 'a'  # ssot: ignore[direct-env-access]"));
    write(&name("one_line.py"), &format!("import os\nx = [{}]\n", vec!["os.environ['A']"; 20_000].join(", ")));
    write(
        &name("suppressions.py"),
        &"import os\nx = os.environ  # ssot: ignore[direct-env-access]\n# ssot: ignore-file[magic-none]\n"
            .repeat(5_000),
    );
    write(&name("lone_cr.py"), "import os\rx = 1\ry = os.environ['A']\r");
    write(&name("tabs.py"), "if x:\n\tif y:\n        pass\n");
    write(&name("pkg/a\x1b]0;owned\x07b.py"), "import os\nA = '\x1b[2J' + os.environ['B']\n");
    write(&name("pkg/back\\slash.py"), "from . import x\n");
    write(std::ffi::OsStr::from_bytes(b"pkg/latin\xff.py"), "from . import y\n");
    write(std::ffi::OsStr::from_bytes(b"pkg/latin\xfe.py"), "from . import y\n");
    write(&name("binary.py"), "x = 1\0\n");
    std::fs::write(root.join("latin1.py"), b"# coding: latin-1\nx = '\xe9'\n").unwrap();
    mkfifo(&root.join("fifo.py"));
    std::os::unix::fs::symlink("/dev/zero", root.join(".gitignore")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", root.join("linked.py")).unwrap();
    std::os::unix::fs::symlink(".", root.join(".ssot_cache")).unwrap();
    // The Python entries a walk must account for: not hidden, not links (links are not followed).
    let expected = std::fs::read_dir(&root)
        .unwrap()
        .chain(std::fs::read_dir(root.join("pkg")).unwrap())
        .flatten()
        .filter(|e| {
            let n = e.file_name();
            n.as_bytes().ends_with(b".py") && !n.as_bytes().starts_with(b".") && !e.file_type().unwrap().is_symlink()
        })
        .count();
    assert_eq!(expected, 12);
    let before = listing(&root);
    let args = ["check", ".", "--format", "json"];
    let cold = ssot(&root, &home, &["check", ".", "--format", "json", "--no-cache"]);
    let json = cold.json();
    let files = &json["summary"]["files"];
    assert_eq!(files["scanned"].as_u64().unwrap() + files["skipped"].as_u64().unwrap(), expected as u64 + 1, "{files}");
    assert!(skip_reason(&json, ".gitignore").is_some(), "the ignore file not read is the extra entry");
    for (path, reason) in
        [("deep.py", "indentation"), ("fifo.py", "FIFO"), ("binary.py", "NUL"), ("latin1.py", "UTF-8")]
    {
        assert!(skip_reason(&json, path).is_some_and(|r| r.contains(reason)), "{path}: {:?}", skip_reason(&json, path));
    }
    let count = |rule: &str| json["summary"]["by_rule"][rule].as_u64().unwrap();
    assert!(count("direct-env-access") >= 20_000 + 2);
    assert_eq!(count("relative-import"), 3);
    assert_eq!(findings_in(&json, "lone_cr.py"), ["direct-env-access"]);
    for _ in 0..2 {
        let warm = ssot(&root, &home, &args);
        assert_eq!(warm.json(), json);
    }
    assert_eq!(listing(&root), before, "nothing written in the tree (its .ssot_cache links to it)");
    let human = ssot(&root, &home, &["check", "."]);
    assert!(matches!(human.code, Some(1)));
    assert!(!human.stdout.contains('\x1b') && !human.stderr.contains('\x1b'), "no raw escape reaches the terminal");
}

/// A `.ssot_cache/` that came with the tree (committed, or unpacked from an archive), holding
/// reports swapped between two contents: the run of anyone but its maker ignores it. Cache keys
/// hold a secret kept in the user's own cache directory, outside every tree.
#[test]
fn a_cache_directory_that_came_with_the_tree_cannot_hide_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().canonicalize().unwrap();
    let (maker, victim) = (base.join("maker"), base.join("victim"));
    let (bad, clean) = ("import os\nx = os.environ['A']\n", "import os\nx = os.eXviron['A']\n");
    let made = base.join("made");
    std::fs::create_dir_all(&made).unwrap();
    std::fs::write(made.join("bad.py"), bad).unwrap();
    std::fs::write(made.join("clean.py"), clean).unwrap();
    let args = ["check", ".", "--format", "json"];
    assert_eq!(ssot(&made, &maker, &args).json()["summary"]["findings"], 1);
    // Swap the two contents' reports in the results file.
    let hash = |text: &str| format!("{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()));
    let cache = made.join(".ssot_cache");
    let results: Vec<PathBuf> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("results-"))
        .collect();
    assert_eq!(results.len(), 1);
    let bytes = std::fs::read(&results[0]).unwrap();
    let swapped = String::from_utf8_lossy(&bytes).into_owned();
    assert!(swapped.contains(&hash(bad)) && swapped.contains(&hash(clean)));
    let swapped = bytes
        .windows(16)
        .enumerate()
        .filter_map(|(i, w)| (w == hash(bad).as_bytes() || w == hash(clean).as_bytes()).then_some(i))
        .collect::<Vec<_>>();
    let mut tampered = bytes.clone();
    for i in swapped {
        let other = if &bytes[i..i + 16] == hash(bad).as_bytes() { hash(clean) } else { hash(bad) };
        tampered[i..i + 16].copy_from_slice(other.as_bytes());
    }
    std::fs::write(&results[0], tampered).unwrap();
    // The tree as it reaches someone: the file with the finding, and the cache directory.
    let tree = base.join("tree");
    std::fs::create_dir_all(tree.join(".ssot_cache")).unwrap();
    std::fs::write(tree.join("bad.py"), bad).unwrap();
    for entry in std::fs::read_dir(&cache).unwrap().flatten() {
        std::fs::copy(entry.path(), tree.join(".ssot_cache").join(entry.file_name())).unwrap();
    }
    // Its maker's secret opens it: the swap works (this test can fail)...
    assert_eq!(ssot(&tree, &maker, &args).json()["summary"]["findings"], 0);
    // ...and nobody else's does.
    let run = ssot(&tree, &victim, &args);
    assert_eq!(run.code, Some(1));
    assert_eq!(run.json()["summary"]["findings"], 1);
}

/// Name resolution after the parse has no time budget, so it must stay linear: a chained
/// assignment (each target's parent was asked of tree-sitter, a walk from the root), 20,000
/// nested lambdas each loading the name (each load walked every scope around it), thousands of
/// module-level bindings and loads around a `del` (each load scanned every binding), and
/// configured event names nested 20,000 deep (each asked for its parent, to tell a docstring).
/// Once minutes each; the child's watchdog catches a return of that.
#[test]
fn name_resolution_and_event_literals_stay_linear_on_deep_and_long_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    let n = 20_000;
    let files = [
        ("chain.py", format!("del MagicNone\nMagicNone = {}0\nMagicNone\n", "MagicNone = ".repeat(n))),
        ("lambdas.py", format!("x = {}MagicNone{}\n", "(MagicNone, lambda: ".repeat(n), ")".repeat(n))),
        ("module.py", format!("{}del MagicNone\n{}", "MagicNone = 0\n".repeat(n), "MagicNone\n".repeat(n))),
        ("events.py", format!("x = {}{}\n", "[\"tool_executing\", ".repeat(n), "]".repeat(n))),
        (
            "docstring.py",
            "\"\"\"tool_executing\"\"\"\ndef f():\n    \"tool_executing\"\n    return \"tool_executing\"\n".into(),
        ),
        // Each unclosed named escape was once searched for its brace to the end of the text
        // (11 s for 300,000 of them in a release build).
        ("escapes.py", format!("x = 'tool\\N{{LOW LINE}}executing'\n# {}\n", "\\N{".repeat(50 * n))),
    ];
    for (name, text) in &files {
        std::fs::write(root.join(name), text).unwrap();
    }
    std::fs::write(
        root.join("ssot.toml"),
        "[rules.scattered-event-literal]\nevents = [\"tool_executing\"]\ncanonical = [\"canonical.py\"]\n",
    )
    .unwrap();
    let home = root.join("home");
    let json = ssot(&root, &home, &["check", ".", "--format", "json", "--no-cache", "--no-fast-path"]).json();
    let count = |path: &str, rule: &str| findings_in(&json, path).iter().filter(|r| **r == rule).count();
    assert_eq!(json["skipped"], serde_json::json!([]));
    assert_eq!(count("chain.py", "magic-none"), 1, "only the del of the unbound name (pyflakes): the chain binds it");
    assert_eq!(count("lambdas.py", "magic-none"), n + 1);
    assert_eq!(count("module.py", "magic-none"), n, "unbound by the del");
    assert_eq!(count("events.py", "scattered-event-literal"), n);
    assert_eq!(count("docstring.py", "scattered-event-literal"), 1, "docstrings do not count");
    assert_eq!(count("escapes.py", "scattered-event-literal"), 1);
}

/// CI setups that can only keep paths inside the project put the user cache directory there
/// (`XDG_CACHE_HOME=$CI_PROJECT_DIR/.cache`): then the secret could come with the tree, and no
/// cache is used at all. The secret is this user's alone (mode 600) and is what ssot wrote.
#[test]
fn a_user_cache_directory_inside_the_tree_is_not_trusted() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join("a.py"), "import os\nx = os.getenv('K')\n").unwrap();
    let run = |xdg: &Path| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ssot"))
            .args(["check", ".", "--format", "json"])
            .current_dir(&root)
            .env("HOME", root.join("home"))
            .env("XDG_CACHE_HOME", xdg)
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        assert_eq!(child.wait().unwrap().code(), Some(1));
    };
    run(&root.join(".cache"));
    assert!(!root.join(".cache/ssot/secret").exists(), "no secret kept in the tree");
    assert!(!root.join(".ssot_cache").exists(), "no cache written");
    let outside = dir.path().join("..").canonicalize().unwrap().join(format!("ssot-xdg-{}", std::process::id()));
    run(&outside);
    let secret = outside.join("ssot/secret");
    let mode = std::fs::metadata(&secret).unwrap().permissions().mode() & 0o777;
    let text = std::fs::read_to_string(&secret).unwrap();
    let _ = std::fs::remove_dir_all(&outside);
    assert_eq!(mode, 0o600);
    assert_eq!(text.trim().len(), 32);
    assert!(root.join(".ssot_cache").is_dir());
}
