//! `ssot server` in a real editor: Neovim, headless (testdata/lsp/neovim_check.lua), opens two
//! files of a project, types a duplicate manager class into one without saving, and expects the
//! finding in both buffers at the right place; the suppression quick fix is applied and the
//! finding goes. Skipped, saying so, when `nvim` is not installed (`.ci/run` installs it from
//! Debian's packages where it can).

use std::process::Command;

#[test]
fn neovim_sees_an_unsaved_duplicate_in_both_buffers() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(root.join("ssot.toml"), "").unwrap();
    std::fs::write(root.join("app/a.py"), "class WebSocketManager:\n    pass\n").unwrap();
    std::fs::write(root.join("app/b.py"), "X = 1\n").unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/lsp/neovim_check.lua");
    let setup = format!("lua _G.arg_ssot={:?}; _G.arg_root={:?}", env!("CARGO_BIN_EXE_ssot"), root.to_str().unwrap());
    let output = Command::new("nvim")
        .args(["--headless", "-u", "NONE", "-i", "NONE", "--cmd", &setup, "-c", &format!("luafile {script}")])
        .current_dir(&root)
        .env("HOME", root.as_os_str())
        .output()
        .expect("nvim runs");
    // Neovim prints to stderr in headless mode.
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "Neovim's check failed:\n{text}");
    for step in ["duplicate flagged in both buffers; b.py at 1:6", "quick fix applied", "suppressed finding gone"] {
        assert!(text.contains(step), "missing step `{step}`:\n{text}");
    }
}
