//! Helpers shared by the integration tests: run the real pipeline in-process and capture its
//! exit status, stdout and stderr.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// What one run of `ssot` produced.
#[derive(Debug)]
pub struct Run {
    pub code: u8,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Exit code, stdout and stderr together, for CLI snapshots, with machine-specific paths
    /// replaced by placeholders.
    pub fn snapshot(&self, replacements: &[(&Path, &str)]) -> String {
        let redact = |text: &str| {
            let mut text = text.to_string();
            for (path, placeholder) in replacements {
                text = text.replace(&path.display().to_string(), placeholder);
            }
            text
        };
        format!(
            "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
            self.code,
            redact(&self.stdout),
            redact(&self.stderr)
        )
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|err| panic!("stdout is not JSON ({err}):\n{}\nstderr:\n{}", self.stdout, self.stderr))
    }
}

/// Runs `ssot` with `args` (without the program name) in-process, without the result cache
/// (tests must not write `.ssot_cache/` into the repository).
pub fn ssot(args: &[&str]) -> Run {
    let mut args = args.to_vec();
    if matches!(args.first(), Some(&"check") | Some(&"baseline")) {
        args.insert(1, "--no-cache");
    }
    ssot_with_cache(&args)
}

/// Runs `ssot` with `args` in-process, the result cache on unless `args` say otherwise.
pub fn ssot_with_cache(args: &[&str]) -> Run {
    let mut stdout = termcolor::NoColor::new(Vec::new());
    let mut stderr = Vec::new();
    let argv = std::iter::once("ssot").chain(args.iter().copied());
    let status = ssot::run(argv, &mut stdout, &mut stderr);
    Run {
        code: status as u8,
        stdout: String::from_utf8(stdout.into_inner()).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// The crate root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes `files` (relative path, contents) under a new temporary directory.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    for (path, contents) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }
    dir
}

/// The canonical path of a temporary directory (as ssot reports it).
pub fn canonical(dir: &tempfile::TempDir) -> PathBuf {
    std::fs::canonicalize(dir.path()).unwrap()
}

/// The CPython standard library of this machine (the differential tests' corpus), or `None`
/// without python3 — which fails in CI, where it is required.
pub fn stdlib() -> Option<PathBuf> {
    ssot::testing::stdlib()
}

/// The directories cargo unpacks fetched crates into (`$CARGO_HOME/registry/src/*/`): real
/// Rust that every build of ssot has on disk (never committed).
pub fn cargo_registries() -> Vec<PathBuf> {
    let cargo_home = std::env::var_os("CARGO_HOME"); // ssot: ignore[direct-env-access] -- where cargo keeps its registry
    let home = std::env::var_os("HOME"); // ssot: ignore[direct-env-access] -- cargo's default home is under it
    let home = cargo_home.map(PathBuf::from).or_else(|| home.map(|home| PathBuf::from(home).join(".cargo")));
    let registries = home.map(|home| home.join("registry/src")).and_then(|dir| std::fs::read_dir(dir).ok());
    let mut dirs: Vec<PathBuf> =
        registries.into_iter().flatten().flatten().map(|entry| entry.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

/// The first fenced block of `language` after the heading `heading` in docs/editors.md.
pub fn docs_snippet(heading: &str, language: &str) -> String {
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/editors.md")).unwrap();
    let section = &docs[docs.find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("no `{heading}`"))..];
    let fence = format!("```{language}\n");
    let start = section.find(&fence).unwrap_or_else(|| panic!("no {language} block under `{heading}`")) + fence.len();
    let end = start + section[start..].find("```").unwrap();
    section[start..end].to_string()
}

/// PATH with the directory of the ssot under test first, so a snippet's `ssot` is it.
pub fn path_with_ssot() -> std::ffi::OsString {
    let dir = Path::new(env!("CARGO_BIN_EXE_ssot")).parent().unwrap().to_path_buf();
    let rest = std::env::var_os("PATH").unwrap_or_default(); // ssot: ignore[direct-env-access] -- the test's own PATH, passed on
    std::env::join_paths(std::iter::once(dir).chain(std::env::split_paths(&rest))).unwrap()
}

/// The editor the test knob `var` names (`what` it must be), or `None` after saying the test is
/// skipped (`.ci/run` sets the knobs where it can unpack the editors).
pub fn editor(var: &str, what: &str) -> Option<PathBuf> {
    let knob = std::env::var_os(var); // ssot: ignore[direct-env-access] -- a test knob
    if knob.is_none() {
        eprintln!("skipped: {var} ({what}) is not set; .ci/run sets it");
    }
    knob.map(PathBuf::from)
}

/// The project the editor tests open (its directory, and its canonical path): `app/a.py` defines
/// a manager class, `app/b.py` does not yet.
pub fn editor_project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(root.join("ssot.toml"), "").unwrap();
    std::fs::write(root.join("app/a.py"), "class WebSocketManager:\n    pass\n").unwrap();
    std::fs::write(root.join("app/b.py"), "X = 1\n").unwrap();
    (dir, root)
}
