//! Embeds every rule file under `rules/` into the binary, so the bundled rules go through the
//! same loader as user rule files.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(Path::new("rules"), &mut files);
    files.sort();
    let manifest = std::env::var("CARGO_MANIFEST_DIR").unwrap(); // ssot: ignore[direct-env-access] -- cargo tells a build script where it is
    let mut out = String::from("/// Bundled rule files: (path relative to the crate, contents).\npub(crate) static BUNDLED_RULES: &[(&str, &str)] = &[\n");
    for file in &files {
        let relative = file.to_string_lossy().replace('\\', "/");
        let absolute = Path::new(&manifest).join(file);
        writeln!(out, "    ({relative:?}, include_str!({:?})),", absolute.to_string_lossy()).unwrap();
        println!("cargo:rerun-if-changed={}", file.display());
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("bundled_rules.rs"); // ssot: ignore[direct-env-access] -- cargo's output directory
    std::fs::write(dest, out).unwrap();
}

fn collect(dir: &Path, files: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
}
