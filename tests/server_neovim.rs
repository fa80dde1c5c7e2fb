//! `ssot server` in a real editor: Neovim, headless (testdata/lsp/neovim_check.lua), opens two
//! files of a project, types a duplicate manager class into one without saving, and expects the
//! finding in both buffers at the right place; the suppression quick fix is applied and the
//! finding goes. Three times: Debian's Neovim (0.7, `nvim` on PATH) and Debian 13's (0.10,
//! `SSOT_NVIM_010`) with a client started by hand, and a Neovim 0.11+ (`SSOT_NVIM`, from Debian's
//! unstable suite) set up by the `vim.lsp.config` snippet of docs/editors.md exactly as written
//! (`.ci/run` unpacks the newer two). Each is skipped, saying so, when its Neovim is absent.

mod common;

use std::path::Path;
use std::process::Command;

use common::{docs_snippet, editor, editor_project, path_with_ssot};

/// Runs the check with the Neovim `nvim` (with the snippet file `snippet`, or a client started
/// by hand); its output.
fn neovim_check(nvim: &Path, snippet: Option<&Path>) -> String {
    let (_dir, root) = editor_project();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/lsp/neovim_check.lua");
    let mut setup =
        format!("lua _G.arg_ssot={:?}; _G.arg_root={:?}", env!("CARGO_BIN_EXE_ssot"), root.to_str().unwrap());
    if let Some(snippet) = snippet {
        setup.push_str(&format!("; _G.arg_snippet={:?}", snippet.to_str().unwrap()));
    }
    let output = Command::new(nvim)
        .args(["--headless", "-u", "NONE", "-i", "NONE", "--cmd", &setup, "-c", &format!("luafile {script}")])
        .current_dir(&root)
        .env("HOME", root.as_os_str())
        .env("PATH", path_with_ssot())
        .output()
        .expect("nvim runs");
    // Neovim prints to stderr in headless mode.
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "Neovim's check failed:\n{text}");
    for step in ["duplicate flagged in both buffers; b.py at 1:6", "quick fix applied", "suppressed finding gone"] {
        assert!(text.contains(step), "missing step `{step}`:\n{text}");
    }
    text
}

#[test]
fn neovim_sees_an_unsaved_duplicate_in_both_buffers() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    }
    neovim_check(Path::new("nvim"), None);
}

/// Debian 13's Neovim 0.10 pulls diagnostics but cannot be asked to pull again: the server
/// pushes to it, so the duplicate shows in the buffer that was not edited too.
#[test]
fn neovim_0_10_sees_an_unsaved_duplicate_in_both_buffers() {
    let Some(nvim) = editor("SSOT_NVIM_010", "a Neovim 0.10") else { return };
    neovim_check(&nvim, None);
}

/// docs/editors.md's Neovim 0.11+ snippet, as written: the client it configures attaches to
/// Python buffers by filetype, at the root its markers find, and serves the whole check.
#[test]
fn neovim_lsp_config_snippet_from_the_docs_works() {
    let Some(nvim) = editor("SSOT_NVIM", "a Neovim 0.11 or newer") else { return };
    let snippet = docs_snippet("## Neovim (0.11+)", "lua");
    assert!(snippet.contains("vim.lsp.config('ssot'"), "the snippet is the vim.lsp.config one:\n{snippet}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ssot.lua");
    std::fs::write(&file, &snippet).unwrap();
    let text = neovim_check(&nvim, Some(&file));
    assert!(text.contains("attached by filetype, root "), "{text}");
}
