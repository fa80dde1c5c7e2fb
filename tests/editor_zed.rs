//! ssot's Zed extension (`editors/zed`, which docs/editors.md tells Zed users to install as a
//! dev extension): it declares the language server that the docs' settings name, for Python and
//! Rust, and it builds for Zed's target, `wasm32-wasip2`, against the extension API its lock file
//! pins, into a WebAssembly component (what Zed loads). Zed itself does not run here: it has no
//! headless mode and no package on the registries CI reaches. The build is skipped, saying so,
//! when the target is not installed (`.ci/run` adds it with rustup).

mod common;

use std::path::Path;
use std::process::Command;

const EXTENSION: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/zed");

#[test]
fn the_extension_declares_the_server_the_docs_configure() {
    let manifest: toml::Table = std::fs::read_to_string(Path::new(EXTENSION).join("extension.toml"))
        .unwrap()
        .parse()
        .expect("extension.toml is TOML");
    assert_eq!(manifest["schema_version"].as_integer(), Some(1));
    let servers = manifest["language_servers"].as_table().expect("it declares language servers");
    assert_eq!(servers.keys().collect::<Vec<_>>(), ["ssot"]);
    let languages: Vec<&str> =
        servers["ssot"]["languages"].as_array().unwrap().iter().map(|l| l.as_str().unwrap()).collect();
    assert_eq!(languages, ["Python", "Rust"], "Zed's names of the languages ssot reads");

    let settings: serde_json::Value =
        serde_json::from_str(&common::docs_snippet("## Zed", "json")).expect("the docs' settings are JSON");
    let lsp = settings["lsp"].as_object().unwrap();
    assert_eq!(lsp.keys().collect::<Vec<_>>(), ["ssot"], "the settings configure the declared server");
    assert_eq!(settings["lsp"]["ssot"]["binary"]["arguments"], serde_json::json!(["server"]));
    let python = settings["languages"]["Python"]["language_servers"].as_array().unwrap();
    assert!(python.contains(&serde_json::json!("ssot")) && python.contains(&serde_json::json!("...")));
}

#[test]
fn the_extension_builds_for_zed() {
    let libdir = Command::new("rustc").args(["--print", "target-libdir", "--target", "wasm32-wasip2"]).output();
    let libdir = libdir
        .ok()
        .filter(|out| out.status.success())
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string());
    let has_std = |dir: String| {
        std::fs::read_dir(dir).is_ok_and(|mut entries| {
            entries.any(|entry| entry.is_ok_and(|entry| entry.file_name().to_string_lossy().starts_with("libstd-")))
        })
    };
    let installed = libdir.is_some_and(has_std);
    if !installed {
        eprintln!(
            "skipped: the wasm32-wasip2 target is not installed (`rustup target add wasm32-wasip2`; .ci/run adds it)"
        );
        return;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()); // ssot: ignore[direct-env-access] -- the cargo running the tests
                                                                             // Cargo's scratch folder for integration tests (inside its target folder, wherever that is).
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("zed-extension");
    let out = Command::new(cargo)
        .args(["build", "--locked", "--release", "--target", "wasm32-wasip2", "--manifest-path"])
        .arg(Path::new(EXTENSION).join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target)
        // A compiler wrapper (sccache) of the outer build is not for WebAssembly (Zed drops it too).
        .env("RUSTC_WRAPPER", "")
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "the extension does not build:\n{}", String::from_utf8_lossy(&out.stderr));
    let wasm = std::fs::read(target.join("wasm32-wasip2/release/zed_ssot.wasm")).expect("the extension's WebAssembly");
    assert_eq!(&wasm[..4], b"\0asm");
    assert_eq!(&wasm[4..8], [0x0d, 0x00, 0x01, 0x00], "a component (Zed's extensions are), not a core module");
}
