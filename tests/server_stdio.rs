//! `ssot server` over stdio with a real client: pygls (a Python LSP client library from PyPI)
//! starts the binary, opens two buffers, types a duplicate manager class into one unsaved and
//! expects it flagged in both, applies a quick fix and shuts the server down
//! (testdata/lsp/smoke_client.py). Skipped, saying so, when pygls cannot be imported: `.ci/run`
//! installs it (`SSOT_PYGLS` names the directory).

use std::process::Command;

/// Where pygls can be imported from: `SSOT_PYGLS` (a directory for `PYTHONPATH`), else wherever
/// python3 finds it; `None` when it cannot.
fn pygls_path() -> Option<String> {
    let path = std::env::var("SSOT_PYGLS").unwrap_or_default(); // ssot: ignore[direct-env-access] -- a test knob
    let found = Command::new("python3").args(["-c", "import pygls.lsp.client"]).env("PYTHONPATH", &path).status();
    found.is_ok_and(|status| status.success()).then_some(path)
}

#[test]
fn a_real_client_sees_an_unsaved_duplicate_in_both_files() {
    let Some(pygls) = pygls_path() else {
        eprintln!("skipped: pygls is not installed (pip install --target DIR pygls; SSOT_PYGLS=DIR)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("ssot.toml"), "").unwrap();
    std::fs::write(root.join("a.py"), "class WebSocketManager:\n    pass\n").unwrap();
    std::fs::write(root.join("b.py"), "X = 1\n").unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/testdata/lsp/smoke_client.py");
    let output = Command::new("python3")
        .arg(script)
        .arg(env!("CARGO_BIN_EXE_ssot"))
        .arg(root)
        .env("PYTHONPATH", pygls)
        .output()
        .expect("python3 runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the client failed:\n{stdout}\n{stderr}");
    for step in ["opened: no findings", "unsaved duplicate: flagged in both files", "quick fix applied", "shut down"] {
        assert!(stdout.contains(step), "missing step `{step}`:\n{stdout}\n{stderr}");
    }
}
