//! Differential test of ssot's Python tokenizer (`src/python/tokens.rs`) against an oracle nobody
//! here wrote: CPython's own `tokenize`, through `testdata/oracle/tokens_oracle.py`, over the
//! CPython standard library of the machine (`site-packages` not entered). On every file the
//! oracle tokenizes, the tokenizer must be ok and produce the identical list of tokens and
//! comments (kind, start byte, end byte; COMMENT included); files the oracle rejects are counted
//! and skipped (`SSOT_TOKENS_ORACLE_DIR`
//! compares another directory instead). It also prints the
//! tokenizer's throughput (meaningful in a release build: `cargo test --release --test
//! differential_tokens -- --nocapture`).

mod common;

use std::process::Command;

/// Files the oracle accepts that are outside what the tokenizer is specified to accept, each
/// with the reason (paths relative to the standard library, `/`-separated). Keep it short and
/// explained: anything here is a file the comparison does not cover.
const EXCLUDED: &[(&str, &str)] = &[];

#[derive(serde::Deserialize)]
struct Record<'a> {
    path: String,
    #[serde(borrow, default)]
    tokens: Option<Vec<(&'a str, usize, usize)>>,
    #[serde(default)]
    error: Option<String>,
}

#[test]
fn tokens_agree_with_cpython_tokenize_on_the_standard_library() {
    // `SSOT_TOKENS_ORACLE_DIR` compares another corpus instead (then nothing is excluded).
    let other = std::env::var_os("SSOT_TOKENS_ORACLE_DIR").map(std::path::PathBuf::from); // ssot: ignore[direct-env-access] -- a test knob
    let Some(stdlib) = other.clone().or_else(common::stdlib) else { return };
    let oracle = Command::new("python3")
        .arg(common::root().join("testdata/oracle/tokens_oracle.py"))
        .args(["--skip-dir", "site-packages"])
        .arg(&stdlib)
        .output()
        .expect("run the oracle");
    assert!(oracle.status.success(), "oracle failed: {}", String::from_utf8_lossy(&oracle.stderr));
    let stdout = String::from_utf8(oracle.stdout).expect("the oracle writes UTF-8");

    let relative = |path: &str| {
        let path = std::path::Path::new(path);
        path.strip_prefix(&stdlib).unwrap_or(path).to_string_lossy().replace('\\', "/")
    };
    let mut compared = 0;
    let mut tokens = 0;
    let mut rejected = Vec::new();
    let mut excluded = 0;
    let mut sources = Vec::new();
    let mut mismatches = Vec::new();
    for line in stdout.lines() {
        let record: Record = serde_json::from_str(line).unwrap_or_else(|err| panic!("bad oracle line ({err}): {line}"));
        let path = relative(&record.path);
        let Some(expected) = record.tokens else {
            rejected.push((path, record.error.unwrap_or_default()));
            continue;
        };
        if other.is_none() && EXCLUDED.iter().any(|(excluded, _)| *excluded == path) {
            excluded += 1;
            continue;
        }
        let source = std::fs::read_to_string(&record.path).expect("the oracle read this file as UTF-8");
        let (ok, actual) = ssot::testing::python_tokens(&source);
        compared += 1;
        tokens += expected.len();
        let text = |start: usize, end: usize| {
            let snippet = source.get(start..end.min(start + 40)).unwrap_or("<not a char range>");
            format!("{snippet:?}")
        };
        let show = |token: Option<&(&str, usize, usize)>| match token {
            Some(&(kind, start, end)) => format!("{kind} {start}..{end} {}", text(start, end)),
            None => "nothing".to_owned(),
        };
        if !ok || actual != expected {
            let index =
                actual.iter().zip(&expected).position(|(a, e)| a != e).unwrap_or(actual.len().min(expected.len()));
            let why = if ok { "" } else { " (not ok)" };
            mismatches.push(format!(
                "{path}{why}: token {index}: ours {} vs tokenize {}",
                show(actual.get(index)),
                show(expected.get(index))
            ));
        }
        sources.push(source);
    }
    eprintln!(
        "compared {compared} files ({tokens} tokens) with CPython's tokenize; {excluded} excluded; {} rejected by \
         tokenize and skipped:",
        rejected.len()
    );
    for (path, error) in &rejected {
        eprintln!("  {path}: {error}");
    }
    if other.is_none() {
        assert!(compared > 1000, "the corpus should hold the standard library, compared {compared} files");
        assert_eq!(excluded, EXCLUDED.len(), "every excluded file exists and is accepted by the oracle");
    }

    let bytes: usize = sources.iter().map(String::len).sum();
    let started = std::time::Instant::now();
    let mut rounds = 0;
    while rounds < 1 || (!cfg!(debug_assertions) && started.elapsed().as_secs_f64() < 2.0) {
        for source in &sources {
            std::hint::black_box(ssot::testing::python_token_count(std::hint::black_box(source)));
        }
        rounds += 1;
    }
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "tokenize() ({} build): {:.1} MB x {rounds} in {seconds:.2} s = {:.0} MB/s",
        if cfg!(debug_assertions) { "debug" } else { "release" },
        bytes as f64 / 1e6,
        (bytes * rounds) as f64 / 1e6 / seconds,
    );

    assert!(
        mismatches.is_empty(),
        "{} of {compared} files disagree with tokenize; the first ones:\n{}",
        mismatches.len(),
        mismatches.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}
