//! Entry points for integration tests only; not a stable API.
//!
//! They expose crate-internal pieces to the differential tests under `tests/` in the oracles'
//! vocabulary, and the corpus those and the unit tests sweep (the standard library's files); they
//! must not be used by anything else.

use crate::python::tokens::{tokenize, Kind};

/// [`tokenize`] of `source`: whether it was ok, and every token and comment in source order as
/// (`tokenize.tok_name` of its type, start byte, end byte), an f-string being a `"STRING"` as in
/// Python 3.11 and a comment a `"COMMENT"` (a comment inside an f-string's replacement field too,
/// after its f-string: Python 3.11's `tokenize` has none there).
pub fn python_tokens(source: &str) -> (bool, Vec<(&'static str, usize, usize)>) {
    let tokens = tokenize(source);
    let mut comments = tokens.comments.iter().peekable();
    let mut list = Vec::with_capacity(tokens.tokens.len() + tokens.comments.len());
    for token in &tokens.tokens {
        while let Some(comment) = comments.next_if(|comment| comment.start < token.start as usize) {
            list.push(("COMMENT", comment.start, comment.end));
        }
        let kind = match token.kind {
            Kind::Name => "NAME",
            Kind::Number => "NUMBER",
            Kind::String | Kind::FString => "STRING",
            Kind::Op => "OP",
            Kind::Newline => "NEWLINE",
            Kind::Indent => "INDENT",
            Kind::Dedent => "DEDENT",
        };
        list.push((kind, token.start as usize, token.end as usize));
    }
    list.extend(comments.map(|comment| ("COMMENT", comment.start, comment.end)));
    (tokens.ok, list)
}

/// [`tokenize`] of `source`, for throughput measurements: whether it was ok, and the number of
/// tokens and comments.
pub fn python_token_count(source: &str) -> (bool, usize) {
    let tokens = tokenize(source);
    (tokens.ok, tokens.tokens.len() + tokens.comments.len())
}

/// The CPython standard library of this machine (the differential tests' corpus), or `None`
/// without python3 — which fails in CI, where it is required.
pub fn stdlib() -> Option<std::path::PathBuf> {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sysconfig;print(sysconfig.get_paths()['stdlib'])"])
        .output()
        .ok()
        .filter(|output| output.status.success());
    match output {
        Some(output) => Some(std::path::PathBuf::from(String::from_utf8_lossy(&output.stdout).trim())),
        None => {
            let ci = std::env::var_os("CI"); // ssot: ignore[direct-env-access] -- CI requires python3
            assert!(ci.is_none(), "python3 is required in CI");
            eprintln!("note: python3 not found; this test does not run");
            None
        }
    }
}

/// Every `*.py` file under `dir`, sorted.
pub fn python_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    python_files_outside(dir, None)
}

/// Every `*.py` file under `dir`, sorted, not entering directories named `skipped` (the
/// standard library's own files: `site-packages` holds installed packages).
pub fn python_files_outside(dir: &std::path::Path, skipped: Option<&str>) -> Vec<std::path::PathBuf> {
    let enter = |path: &std::path::Path| skipped.is_none_or(|name| !path.ends_with(name));
    crate::fs::files_under(dir, &enter, &|path| path.extension().is_some_and(|e| e == "py"))
}

/// The value ssot gives each plain string token of `source` (no `f` or `t` prefix), in source
/// order, as `ast.literal_eval` of the token's text would: `Ok(Some(text))` for a `str`,
/// `Ok(None)` for bytes, `Err(())` where ssot decodes no value (CPython: a syntax error).
#[allow(clippy::result_unit_err)]
pub fn python_string_values(source: &str) -> Vec<(String, Result<Option<String>, ()>)> {
    use crate::python::strings::{single, Literal};
    let tokens = tokenize(source);
    tokens
        .tokens
        .iter()
        .filter(|token| token.kind == Kind::String)
        .filter_map(|token| source.get(token.start as usize..token.end as usize))
        .map(|text| {
            let value = match single(text) {
                Literal::Str(value) => Ok(Some(value)),
                Literal::Bytes => Ok(None),
                Literal::Formatted | Literal::Unknown => Err(()),
            };
            (text.to_string(), value)
        })
        .collect()
}
