//! Regression tests, each named after the problem it pins. Files under `testdata/parse/` are
//! valid Python (CPython's `ast` accepts them) that tree-sitter-python has trouble with.

mod common;

fn check_json(path: &std::path::Path) -> serde_json::Value {
    let run = common::ssot(&["check", path.to_str().unwrap(), "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    run.json()
}

fn rules_and_lines(json: &serde_json::Value) -> Vec<(String, u64)> {
    json["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
        .collect()
}

#[test]
fn return_tuple_with_starred_await_is_a_parse_error_but_the_rest_is_checked() {
    // tree-sitter-python 0.25 rejects `return None, *await g()` (valid since Python 3.8).
    let path = common::root().join("testdata/parse/return_tuple_with_starred_await.py");
    let path = path.to_str().unwrap();
    let run =
        common::ssot(&["check", path, "--select", "parse-error", "--select", "direct-env-access", "--format", "json"]);
    assert_eq!(
        rules_and_lines(&run.json()),
        [("parse-error".to_string(), 2), ("direct-env-access".to_string(), 7)],
        "the parse error is reported where it is, and later findings still come"
    );
    // With the default rules the tokens decide this file, so it is not parsed: no parse error is
    // reported (see docs/decisions.md), and the finding is the same.
    let json = check_json(std::path::Path::new(path));
    assert_eq!(rules_and_lines(&json), [("direct-env-access".to_string(), 7)]);
}

#[test]
fn parenthesized_import_with_names_dedented_after_a_comment_parses() {
    // Seen on a real monorepo: names of a parenthesised `from … import (` continuing at a lower
    // indent after a comment line. Blanking comment-only lines before parsing makes it parse.
    let json = check_json(&common::root().join("testdata/parse/parenthesized_import_dedented_after_comment.py"));
    assert_eq!(rules_and_lines(&json), [("relative-import".to_string(), 3)]);
}

#[test]
fn long_runs_of_indented_comment_lines_parse_and_are_checked() {
    // tree-sitter-python's scanner is quadratic on runs of indented comment lines; ssot blanks
    // them first. (Timing lives in bench/; this pins that the file is parsed, not skipped.)
    let mut text = String::from("import os\n\n\ndef f():\n    x = 1\n");
    for i in 0..20_000 {
        text.push_str(&format!("    # value_{i} = compute({i})\n"));
    }
    text.push_str("    return os.environ['A']\n");
    let dir = common::project(&[("commented_out.py", &text)]);
    let json = check_json(dir.path());
    assert_eq!(json["skipped"], serde_json::json!([]));
    assert_eq!(rules_and_lines(&json), [("direct-env-access".to_string(), 20_006)]);
}

#[test]
fn crlf_line_endings_and_bom_keep_positions_right() {
    let dir = common::project(&[("crlf.py", "\u{feff}import os\r\nx = 1\r\ny = os.environ\r\n")]);
    let json = check_json(dir.path());
    let d = &json["diagnostics"][0];
    assert_eq!((d["line"].as_u64(), d["column"].as_u64(), d["end_column"].as_u64()), (Some(3), Some(5), Some(15)));
}

#[test]
fn deeply_nested_expressions_do_not_overflow_the_stack() {
    let depth = 5_000;
    let text = format!("import os\nx = {}os.environ{}\n", "(".repeat(depth), ")".repeat(depth));
    let long_chain = format!("y = {}\n", vec!["os.getenv('A')"; 20_000].join(" + "));
    let dir = common::project(&[("nested.py", &text), ("chain.py", &format!("import os\n{long_chain}"))]);
    let json = check_json(dir.path());
    let by_rule = &json["summary"]["by_rule"];
    assert!(by_rule["direct-env-access"].as_u64().unwrap() >= 20_000, "{by_rule}");
}

#[test]
fn suppression_comment_in_a_string_does_not_suppress() {
    let dir = common::project(&[(
        "a.py",
        "import os\nx = (os.environ, '# ssot: ignore[direct-env-access]')\ny = os.environ  # ssot: ignore[direct-env-access]\n",
    )]);
    let json = check_json(dir.path());
    assert_eq!(rules_and_lines(&json), [("direct-env-access".to_string(), 2)]);
    assert_eq!(json["summary"]["suppressed"], 1);
}

/// Swaps bytes (brackets, quotes) in the second half of `text`: the broken input editors and
/// botched automated edits produce.
fn swap_in_second_half(text: &mut [u8], swaps: &[(u8, u8)]) {
    let half = text.len() / 2;
    for byte in &mut text[half..] {
        if let Some((_, to)) = swaps.iter().find(|(from, _)| from == byte) {
            *byte = *to;
        }
    }
}

#[test]
fn truncated_and_mangled_real_files_never_panic_or_get_lost() {
    // Real Python (the standard library), cut at arbitrary points and with bytes swapped, is the
    // broken input editors and botched automated edits produce.
    let Some(stdlib) = common::stdlib() else { return };
    let mut sources: Vec<_> = std::fs::read_dir(&stdlib)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    sources.sort();
    let dir = tempfile::tempdir().unwrap();
    let mut written = 0;
    for (i, source) in sources.iter().take(60).enumerate() {
        let bytes = std::fs::read(source).unwrap();
        for (j, cut) in [bytes.len() / 3, bytes.len() / 2, bytes.len() * 7 / 8].into_iter().enumerate() {
            let mut mangled = bytes[..cut].to_vec();
            if j == 1 {
                swap_in_second_half(&mut mangled, &[(b'(', b']'), (b'"', b'\''), (b':', b'(')]);
            }
            std::fs::write(dir.path().join(format!("f{i}_{j}.py")), mangled).unwrap();
            written += 1;
        }
    }
    let run = common::ssot(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let json = run.json();
    let files = &json["summary"]["files"];
    assert_eq!(files["scanned"].as_u64().unwrap() + files["skipped"].as_u64().unwrap(), written);
    for skipped in json["skipped"].as_array().unwrap() {
        assert!(!skipped["reason"].as_str().unwrap().contains("internal error"), "{skipped}");
    }
}

#[test]
fn many_findings_on_one_huge_generated_line_stay_linear() {
    // 20,000 findings on one 400 KB line: positions, fingerprints and the human report must not
    // be quadratic in the line length (this once took minutes).
    let line = vec!["os.getenv('A')"; 20_000].join(" + ");
    let dir = common::project(&[("generated.py", &format!("import os\ny = {line}\n"))]);
    let run = common::ssot(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.contains("the line is too long to show"));
    assert!(run.stdout.len() < 20_000 * 400, "the 400 KB line is not quoted 20,000 times");
}

#[test]
fn progress_bar_on_a_terminal_does_not_deadlock() {
    // The binary used to hold the stderr lock for its whole run while the progress bar (shown
    // only when stderr is a terminal, from 2,000 files on) drew from worker threads: every
    // large scan from a terminal hung. Run the real binary under a pseudo-terminal (`script`
    // from util-linux); skipped only where `script` is missing.
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};
    if Command::new("script").arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_err() {
        eprintln!("skipped: `script` (util-linux) is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Distinct contents (each is analysed), long enough that the scan outlasts the bar's first
    // redraw interval.
    let body = "def f(a, b):\n    return [x for x in range(a) if x % b]\n".repeat(100);
    for i in 0..2_100 {
        std::fs::write(dir.path().join(format!("m{i}.py")), format!("import os\nX{i} = os.environ\n{body}")).unwrap();
    }
    let command =
        format!("{} check {} --no-cache --format json > /dev/null", env!("CARGO_BIN_EXE_ssot"), dir.path().display());
    let mut child = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("ssot under a terminal did not finish within 120 s (deadlock)");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1), "2,100 findings of direct-env-access: exit 1");
}

#[test]
fn pre_commit_hook_file_named_like_an_option_is_scanned_not_obeyed() {
    // The hook's entry was `ssot check`, and pre-commit appends the staged file names: a staged
    // `--output=x.py` wrote the report over x.py, a staged `--exit-zero` (a Python script by its
    // shebang) let every finding pass. The entry must end the options with `--`.
    let hooks = std::fs::read_to_string(common::root().join(".pre-commit-hooks.yaml")).unwrap();
    let entry = hooks.lines().find_map(|line| line.trim().strip_prefix("entry:")).expect("the hook has an entry");
    let words: Vec<&str> = entry.split_whitespace().collect();
    assert_eq!(words[0], "ssot");
    let dir = common::project(&[
        ("--output=x.py", "from . import x\n"),
        ("--exit-zero", "#!/usr/bin/env python3\nfrom . import y\n"),
        ("x.py", "X = 1\n"),
    ]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ssot"))
        .args(&words[1..])
        .args(["--output=x.py", "--exit-zero"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(std::fs::read_to_string(dir.path().join("x.py")).unwrap(), "X = 1\n", "x.py is not overwritten");
    assert!(
        stdout.contains("--output=x.py:1:") && stdout.contains("--exit-zero:2:"),
        "both files are scanned:\n{stdout}"
    );
}

/// Characters that must not reach a terminal or a log viewer raw: C0 controls but tab and line
/// feed, DEL, C1 controls, bidirectional overrides.
fn raw_controls(text: &str) -> Vec<char> {
    let dangerous = |c: char| {
        (c.is_control() && c != '\n' && c != '\t') || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    text.chars().filter(|&c| dangerous(c)).collect()
}

#[test]
fn control_characters_in_source_and_file_names_never_reach_the_terminal_raw() {
    // ESC, BEL and friends in a source line, a string a message quotes or a file name were
    // written raw by the human and GitHub formats: `\x1b]0;…\x07` retitles the terminal,
    // `\x1b[2J` clears it, U+202E reorders what is shown after it.
    let source = "import os\nA = '\x1b[2J' + os.environ['\x1b]0;owned\x07']  # \u{9b}31m \u{202e}gnp.py\u{7f} \r\n\
                  B = '\u{202e}' + os.environ['B']\n";
    let dir = common::project(&[("a\x1b[2Jb\u{202e}.py", source), ("c\r.py", "from . import \u{1b}x\n")]);
    let root = dir.path().to_str().unwrap();
    for format in ["human", "github", "markdown"] {
        let run = common::ssot(&["check", root, "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        assert_eq!(raw_controls(&run.stdout), Vec::<char>::new(), "{format}:\n{}", run.stdout);
        assert_eq!(raw_controls(&run.stderr), Vec::<char>::new(), "{format}:\n{}", run.stderr);
        assert!(run.stdout.contains("a␛[2Jb"), "{format}: the name is shown, made visible:\n{}", run.stdout);
    }
    let run = common::ssot(&["check", root, "--format", "human", "--select", "direct-env-access"]);
    insta::assert_snapshot!(run.stdout.replace(root, "[ROOT]"));
    // Errors on stderr name what was given.
    let run = common::ssot(&["check", &format!("{root}/missing\x1b]0;x\x07.py")]);
    assert_eq!(run.code, 2);
    assert_eq!(raw_controls(&run.stderr), Vec::<char>::new(), "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn github_format_keeps_a_backslash_in_a_file_name() {
    // GitHub annotations named a file relative to the workspace with every `\` turned into `/`:
    // on Linux `a\b.py` is one file name, and `a/b.py` another file.
    let dir = common::project(&[("a\\b.py", "from . import x\n"), ("a/b.py", "X = 1\n")]);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ssot"))
        .args(["check", "--no-cache", "--format", "github", "."])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.starts_with("::error file=a\\b.py,line=1,"), "{stdout}");
}

#[cfg(unix)]
#[test]
fn file_names_that_differ_only_in_invalid_utf8_stay_distinct() {
    // `a\xff.py` and `a\xfe.py` were both reported as `a\u{fffd}.py`: one path for two files in
    // every format, the same fingerprint for the same finding in each, and the human report
    // quoted neither (it re-read the file by the lossy name).
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    for name in [&b"a\xff.py"[..], b"a\xfe.py", b"a\\xff.py", b"b\\\xff.py"] {
        std::fs::write(dir.path().join(std::ffi::OsStr::from_bytes(name)), "from . import x\n").unwrap();
    }
    // One finding per file (`x` exists nowhere: `unresolved-import` too, not what this is about).
    std::fs::write(dir.path().join("ssot.toml"), "[rules]\nignore = [\"unresolved-import\"]\n").unwrap();
    let root = dir.path().to_str().unwrap();
    let json = check_json(dir.path());
    assert_eq!(json["summary"]["files"]["scanned"], 4);
    let paths: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["a\\\\xff.py", "a\\xfe.py", "a\\xff.py", "b\\\\\\xff.py"], "four names, four paths");
    // Baselines tell the four findings apart, and the baseline lists them under those paths.
    let out = tempfile::tempdir().unwrap();
    let baseline = out.path().join("baseline.json");
    let run = common::ssot(&["baseline", root, "--output", baseline.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let baseline: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    let mut fingerprints: Vec<&str> =
        baseline["entries"].as_array().unwrap().iter().map(|e| e["fingerprint"].as_str().unwrap()).collect();
    fingerprints.sort_unstable();
    fingerprints.dedup();
    assert_eq!(fingerprints.len(), 4, "{baseline}");
    let run = common::ssot(&["check", root]);
    assert_eq!(run.stdout.matches("from . import x").count(), 4, "each file is quoted:\n{}", run.stdout);
    let run = common::ssot(&["check", root, "--format", "sarif"]);
    assert!(
        run.stdout.contains("\"uri\": \"a%FF.py\"") && run.stdout.contains("\"uri\": \"a%5Cxff.py\""),
        "{}",
        run.stdout
    );
}

#[test]
fn many_findings_on_one_non_ascii_line_get_exact_columns_and_distinct_fingerprints() {
    // Positions once counted the characters from the line's start for each finding, and
    // fingerprints scanned the line's text for each: quadratic on one generated line (100,000
    // findings took 21 s). Columns count characters, so the line starts with two-byte ones.
    let count = 20_000;
    let term = "os.getenv('A')";
    let line = format!("y = 'éé' + {}", vec![term; count].join(" + "));
    let dir = common::project(&[("generated.py", &format!("import os\n{line}\n"))]);
    let json = check_json(dir.path());
    let diagnostics = json["diagnostics"].as_array().unwrap();
    assert_eq!(diagnostics.len(), count);
    let first_column = "y = 'éé' + ".chars().count() as u64 + 1;
    let step = (term.len() + " + ".len()) as u64;
    for (i, d) in diagnostics.iter().enumerate() {
        let column = first_column + i as u64 * step;
        assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(2), Some(column)), "{d}");
        assert_eq!(d["end_column"].as_u64(), Some(column + "os.getenv".len() as u64), "{d}");
    }
    let gitlab = common::ssot(&["check", dir.path().to_str().unwrap(), "--format", "gitlab"]).json();
    let fingerprints: std::collections::HashSet<&str> =
        gitlab.as_array().unwrap().iter().map(|issue| issue["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(fingerprints.len(), count, "the occurrence index tells findings on one line apart");
}

#[test]
fn tens_of_thousands_of_suppressions_are_each_judged() {
    // Each finding was looked up in every directive of its file, and each directive checked
    // every other for an `unused-suppression` silencer: quadratic (50,000 directives took 5–16 s).
    let count = 20_000;
    let mut per_line = String::from("import os\n");
    let mut file_wide = String::from("import os\n");
    let mut unused = String::from("import os\n");
    for i in 0..count {
        per_line.push_str(&format!("x{i} = os.getenv('A')  # ssot: ignore[direct-env-access]\n"));
        file_wide.push_str("# ssot: ignore-file[direct-env-access]\n");
        unused.push_str(&format!("x{i} = 1  # ssot: ignore[direct-env-access, no-such-rule]\n"));
    }
    file_wide.push_str("x = os.getenv('A')\n");
    // Every `unused-suppression` finding of this file is itself suppressed.
    let silenced = format!("# ssot: ignore-file[unused-suppression]\n{unused}");
    let dir = common::project(&[
        ("per_line.py", per_line.as_str()),
        ("file_wide.py", &file_wide),
        ("unused.py", &unused),
        ("silenced.py", &silenced),
    ]);
    let json = check_json(dir.path());
    let mut by_file: std::collections::BTreeMap<String, Vec<(String, u64)>> = Default::default();
    for d in json["diagnostics"].as_array().unwrap() {
        let entry = by_file.entry(d["path"].as_str().unwrap().to_string()).or_default();
        entry.push((d["message"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()));
    }
    assert!(!by_file.contains_key("per_line.py"), "every per-line suppression silences its line");
    assert!(!by_file.contains_key("silenced.py"));
    // The first file-wide directive silences the finding; the others have nothing left to do.
    let file_wide = &by_file["file_wide.py"];
    assert_eq!(file_wide.len(), count - 1);
    assert!(file_wide
        .iter()
        .zip(3..)
        .all(|((message, line), expected)| message.contains("no finding in this file") && *line == expected));
    // Two problems per directive: the unused id and the unknown one.
    let unused = &by_file["unused.py"];
    assert_eq!(unused.len(), 2 * count);
    assert!(unused.iter().zip(0..).all(|((_, line), i)| *line == 2 + i / 2));
    // count (per line) + 1 (file-wide) + 2 * count (silenced.py's unused-suppression findings).
    assert_eq!(json["summary"]["suppressed"].as_u64(), Some(3 * count as u64 + 1));
}

#[test]
fn lone_carriage_returns_end_lines_for_positions_the_parser_and_the_human_report() {
    // CPython ends a line at a lone `\r`; ssot counted only `\n` (every finding on line 1), the
    // parser saw one long line (a false `parse-error`) and the human report quoted it whole.
    let dir =
        common::project(&[("cr.py", "import os\rx = 1\ry = os.environ\r\rdef f():\r    return os.getenv('A')\r")]);
    let path = dir.path().to_str().unwrap();
    let run =
        common::ssot(&["check", path, "--select", "parse-error", "--select", "direct-env-access", "--format", "json"]);
    let positions: Vec<_> = run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["rule"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap()))
        .collect();
    let env = "direct-env-access".to_string();
    assert_eq!(positions, [(env.clone(), 3, 5), (env, 6, 12)]);
    let human = common::ssot(&["check", path]).stdout;
    assert!(human.contains("cr.py:3:5") && human.contains("3 │ y = os.environ\n"), "{human}");
    assert!(!human.contains("import os"), "only the flagged lines are quoted: {human}");
}

#[test]
fn indentation_cpython_refuses_is_a_parse_error() {
    // tree-sitter-python accepts all of these; CPython 3.11 refuses each with the message named.
    let cases = [
        ("tab_error.py", "if x:\n\ty = 1\n        z = 2\n", 3, "inconsistent use of tabs and spaces in indentation"),
        ("tab_error_dedent.py", "if x:\n\tif y:\n\t\tz = 1\n\t        w = 2\n", 4, "inconsistent use of tabs"),
        ("unindent.py", "if x:\n    if y:\n        a = 1\n      b = 2\n", 4, "unindent does not match any outer"),
        ("unexpected_indent.py", "x = 1\n  \n\ty = 2\n", 3, "unexpected indent"),
        ("expected_block.py", "if x:\n# c\ny = 1\n", 3, "expected an indented block"),
        ("expected_block_at_end.py", "def f():", 1, "expected an indented block"),
        ("continued_at_end.py", "x = 1\n\\\n", 2, "unexpected EOF while parsing"),
    ];
    let files: Vec<(&str, &str)> = cases.iter().map(|(name, text, _, _)| (*name, *text)).collect();
    // Near misses CPython accepts: tabs and spaces inside brackets, on separate blocks, after a
    // comment-only line, and a one-line compound statement.
    let fine = [
        ("brackets.py", "x = (1,\n\t2,\n        3)\n"),
        ("separate_blocks.py", "if x:\n\ty = 1\n\nif z:\n        w = 2\n"),
        ("comment_line.py", "if x:\n        a = 1\n\t# c\n        b = 2\n"),
        ("one_line.py", "if x: y = 1\nclass A: pass\n"),
        // A continued comment or blank line is blank (a review found them reported).
        ("continued_comment.py", "x = 1\n  \\\n# c\nif x:\n    y = 1\n  \\\n\n    z = 2\n"),
    ];
    let dir = common::project(&[files.as_slice(), fine.as_slice()].concat());
    let run = common::ssot(&["check", dir.path().to_str().unwrap(), "--select", "parse-error", "--format", "json"]);
    let mut found: Vec<(String, u64, String)> = run.json()["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["path"].as_str().unwrap().into(), d["line"].as_u64().unwrap(), d["message"].as_str().unwrap().into())
        })
        .collect();
    found.sort();
    let mut expected: Vec<_> =
        cases.iter().map(|(name, _, line, message)| (name.to_string(), *line, *message)).collect();
    expected.sort();
    assert_eq!(found.len(), expected.len(), "{found:?}");
    for ((path, line, message), (name, expected_line, expected_message)) in found.iter().zip(&expected) {
        assert_eq!((path, line), (name, expected_line));
        assert!(message.contains(expected_message), "{path}: {message}");
    }
}

#[test]
fn a_name_tree_sitter_reads_as_a_string_prefix_is_a_parse_error_on_both_paths() {
    // tree-sitter-python reads any run of prefix letters before a quote as a prefix (`bf"{x}"` an
    // f-string); CPython and the tokens read a name, then a string: a syntax error. Found by
    // mutating the standard library: the fast path and the tree disagreed on the event inside.
    let broken = [
        ("bf.py", "e = bf\"{'GET'}\" 'x'\n", "`bf` is not a string prefix"),
        ("ur.py", "x = 1\ne = ur'GET'\n", "`ur` is not a string prefix"),
        ("long.py", "e = [rbf'GET']\n", "`rbf` is not a string prefix"),
        // Inside a replacement field, where the tokenizer reads no words (review of this change).
        ("field.py", "e = f\"{ub'GET'}\"\n", "`ub` is not a string prefix"),
        ("nested.py", "e = f'''{bf\"{'GET'}\"}'''\n", "`bf` is not a string prefix"),
    ];
    // Near misses CPython accepts: real prefixes, a keyword before a quote, a name and a space.
    let fine = [
        ("prefixes.py", "e = Rb'GET' + rb'GET'\nf = F'{\"GET\"}'\n"),
        ("keyword.py", "def f(a):\n    if'GET'in a:return'GET'\n"),
        ("spaced.py", "print (\"GET\")\n"),
    ];
    for (name, text, _) in &broken {
        let status =
            std::process::Command::new("python3").args(["-c", &format!("compile({text:?}, 'f', 'exec')")]).output();
        let refused = status.expect("python3 runs").stderr;
        assert!(String::from_utf8_lossy(&refused).contains("SyntaxError"), "CPython refuses {name}");
    }
    for (name, text) in &fine {
        let status =
            std::process::Command::new("python3").args(["-c", &format!("compile({text:?}, 'f', 'exec')")]).status();
        assert!(status.expect("python3 runs").success(), "CPython accepts {name}");
    }
    let files: Vec<(&str, &str)> = broken.iter().map(|(name, text, _)| (*name, *text)).chain(fine).collect();
    let mut files = files;
    files.push(("ssot.toml", "[rules.scattered-event-literal]\nevents = [\"GET\"]\n"));
    let dir = common::project(&files);
    let path = dir.path().to_str().unwrap();
    let found = |extra: &[&str]| {
        let mut args = vec!["check", path, "--format", "json"];
        args.extend(extra);
        let run = common::ssot(&args);
        let mut found: Vec<(String, String, u64, String)> = run.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let field = |key: &str| d[key].as_str().unwrap().to_string();
                (field("path"), field("rule"), d["line"].as_u64().unwrap(), field("message"))
            })
            .collect();
        found.sort();
        found
    };
    let fast = found(&[]);
    assert_eq!(fast, found(&["--no-fast-path"]), "the fast path and the tree agree");
    for (name, _, message) in &broken {
        let error = fast.iter().find(|d| d.0 == *name && d.1 == "parse-error");
        assert!(error.is_some_and(|d| d.3.contains(message)), "{name}: {fast:?}");
    }
    assert!(!fast.iter().any(|d| d.1 == "parse-error" && fine.iter().any(|(name, _)| *name == d.0)), "{fast:?}");
    // The near misses' events are found: four literals in prefixes.py's and keyword.py's code
    // (the bytes literals are not `str`), one in spaced.py.
    let events = |file: &str| fast.iter().filter(|d| d.0 == file && d.1 == "scattered-event-literal").count();
    assert_eq!((events("prefixes.py"), events("keyword.py"), events("spaced.py")), (1, 2, 1), "{fast:?}");
}

#[test]
fn a_rule_directory_listed_twice_loads_its_rules_once() {
    // `rule-dirs = ["r", "./r"]` (or the same directory through a link) once failed with "two
    // rule files define rule `print-call`", naming one file twice.
    let rule = "id = \"print-call\"\nseverity = \"warning\"\nsummary = \"s\"\nmessage = \"m\"\nquery = '((call function: (identifier) @fn) @match (#eq? @fn \"print\"))'\n[docs]\nwhy = \"w\"\nbad = \"b\"\ngood = \"g\"\n";
    let other = rule.replace("print-call", "other-call");
    for dirs in [r#"["r", "r"]"#, r#"["r", "./r", "r/../r", "r/"]"#, r#"["r", "link"]"#] {
        let config = format!("[rules]\nrule-dirs = {dirs}\nselect = [\"print-call\"]\n");
        let dir =
            common::project(&[("ssot.toml", config.as_str()), ("r/print-call.toml", rule), ("a.py", "print(1)\n")]);
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.path().join("r"), dir.path().join("link")).unwrap();
        #[cfg(not(unix))]
        if dirs.contains("link") {
            continue;
        }
        let run = common::ssot(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
        assert_eq!(run.code, 0, "{dirs}: {}", run.stderr);
        assert_eq!(rules_and_lines(&run.json()), [("print-call".to_string(), 1)], "{dirs}");
    }
    // Two different files defining one id remain an error naming both.
    let config = "[rules]\nrule-dirs = [\"r\", \"s\"]\n";
    let dir = common::project(&[
        ("ssot.toml", config),
        ("r/print-call.toml", rule),
        ("s/print-call.toml", rule),
        ("s/other-call.toml", &other),
        ("a.py", "print(1)\n"),
    ]);
    let run = common::ssot(&["check", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("two rule files define rule `print-call`"), "{}", run.stderr);
    let named = |sub: &str| run.stderr.contains(&format!("{sub}{}print-call.toml", std::path::MAIN_SEPARATOR));
    assert!(named("r") && named("s"), "{}", run.stderr);
}

#[test]
fn a_rule_named_twice_in_one_suppression_is_called_a_duplicate() {
    // The second `direct-env-access` was reported as having "no finding on this line to
    // suppress", beside the very finding the first one silenced.
    let dir = common::project(&[(
        "a.py",
        "import os\nx = os.environ  # ssot: ignore[direct-env-access, direct-env-access]\n",
    )]);
    let json = check_json(dir.path());
    let messages: Vec<&str> =
        json["diagnostics"].as_array().unwrap().iter().map(|d| d["message"].as_str().unwrap()).collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("`direct-env-access` is named twice in this suppression"), "{messages:?}");
    assert_eq!(json["summary"]["suppressed"], 1);
}

#[test]
fn a_manager_class_defined_thousands_of_times_is_reported_for_each() {
    // Whether a class extends another of its group was checked against every other member:
    // quadratic in the group (100,000 definitions took 10 s).
    let count = 10_000;
    let classes = "class FooManager:\n    pass\n".repeat(count);
    let extending = "class FooManager(FooManager):\n    pass\n";
    let dir = common::project(&[("a.py", classes.as_str()), ("b.py", &format!("{classes}{extending}"))]);
    let json = check_json(dir.path());
    let found = json["diagnostics"].as_array().unwrap();
    assert_eq!(found.len(), 2 * count, "every definition but the one extending another");
    assert!(found
        .iter()
        .all(|d| d["rule"] == "duplicate-manager-class" && d["related"].as_array().unwrap().len() == 20));
    let extending_line = 2 * count as u64 + 1;
    assert!(found.iter().all(|d| !(d["path"] == "b.py" && d["line"] == extending_line)));
}

#[test]
fn rust_nested_past_the_bound_is_refused_not_a_stack_overflow() {
    // syn parses by recursion: each of these, 100,000 deep, overflowed an 8 MiB stack and
    // aborted the process. They are refused before syn sees them; code nested 300 deep is
    // parsed and checked.
    let depth = 100_000;
    let with_env = |body: String| format!("use std::env;\nfn f() {{ let a = env::var(\"A\"); {body} }}\n");
    let files = [
        ("parens.rs", with_env(format!("let x = {}1{};", "(".repeat(depth), ")".repeat(depth)))),
        ("negations.rs", with_env(format!("let x = {}1;", "-".repeat(depth)))),
        ("generics.rs", with_env(format!("let x: {}u8{} = 1;", "Box<".repeat(depth), ">".repeat(depth)))),
        ("blocks.rs", with_env(format!("{}{}", "{".repeat(depth), "}".repeat(depth)))),
        ("closures.rs", with_env(format!("let x = {} 1;", "|a| ".repeat(depth)))),
        ("generic_lists.rs", with_env(format!("let x: {}u8{} = 1;", "A<u8, ".repeat(20_000), ">".repeat(20_000)))),
        ("closure_lists.rs", with_env(format!("let c = {}0;", "|a, b| ".repeat(20_000)))),
        ("bindings.rs", with_env(format!("let {}1 = 1;", "a @ ".repeat(depth)))),
        ("ok.rs", with_env(format!("let x = {}1{};", "(".repeat(300), ")".repeat(300)))),
    ];
    let named: Vec<(&str, &str)> = files.iter().map(|(name, text)| (*name, text.as_str())).collect();
    let dir = common::project(&named);
    let json = check_json(dir.path());
    assert_eq!(rules_and_lines(&json), [("direct-env-access".to_string(), 2)], "ok.rs is checked");
    let skipped = json["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 8, "{skipped:?}");
    for entry in skipped {
        assert!(entry["reason"].as_str().unwrap().contains("nested"), "{entry}");
    }
}

#[test]
fn truncated_and_mangled_real_rust_files_never_panic_or_get_lost() {
    // Real Rust (the crates cargo fetched for this build), cut and with brackets swapped.
    let mut sources: Vec<std::path::PathBuf> = common::cargo_registries()
        .iter()
        .flat_map(|registry| std::fs::read_dir(registry).into_iter().flatten().flatten())
        .filter(|crate_dir| crate_dir.file_name().to_string_lossy().starts_with("syn-"))
        .flat_map(|crate_dir| std::fs::read_dir(crate_dir.path().join("src")).into_iter().flatten().flatten())
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "rs"))
        .collect();
    sources.sort();
    let dir = tempfile::tempdir().unwrap();
    let mut written = 0;
    for (i, source) in sources.iter().take(40).enumerate() {
        let bytes = std::fs::read(source).unwrap();
        for (j, cut) in [bytes.len() / 3, bytes.len() / 2, bytes.len()].into_iter().enumerate() {
            let mut mangled = bytes[..cut].to_vec();
            if j == 1 {
                swap_in_second_half(&mut mangled, &[(b'(', b']'), (b'"', b'\''), (b'{', b'(')]);
            }
            // Something for the rules to look at in every file.
            mangled.extend_from_slice(b"\nconst EVENT: &str = \"tool_executing\"; // ssot: ignore[x]\n");
            std::fs::write(dir.path().join(format!("f{i}_{j}.rs")), mangled).unwrap();
            written += 1;
        }
    }
    if written == 0 {
        return;
    }
    let config = dir.path().join("ssot.toml");
    std::fs::write(&config, "[rules.scattered-event-literal]\nevents = [\"tool_executing\"]\n").unwrap();
    let run = common::ssot(&["check", dir.path().to_str().unwrap(), "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let json = run.json();
    let files = &json["summary"]["files"];
    assert_eq!(files["scanned"].as_u64().unwrap() + files["skipped"].as_u64().unwrap(), written);
    assert_eq!(files["languages"]["rust"].as_u64().unwrap(), files["scanned"].as_u64().unwrap());
    for skipped in json["skipped"].as_array().unwrap() {
        assert!(!skipped["reason"].as_str().unwrap().contains("internal error"), "{skipped}");
    }
    let by_rule = &json["summary"]["by_rule"];
    assert!(by_rule["parse-error"].as_u64().unwrap() > 0, "the cut files are reported: {by_rule}");
    assert!(by_rule["scattered-event-literal"].as_u64().unwrap() > 0, "the whole files are checked: {by_rule}");
}

#[test]
fn rust_nested_past_the_bound_alone_is_refused_too() {
    // A scan of one file once ran it on the calling thread, whose stack is smaller than the
    // analysis threads' (8 MiB on Linux, 1 MiB on Windows).
    let text = format!("type T = {}u8{};\nconst X: &str = \"x\";\n", "Box<".repeat(990), ">".repeat(990));
    let dir = common::project(&[("one.rs", &text)]);
    let run = common::ssot(&["check", dir.path().join("one.rs").to_str().unwrap(), "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let deep = format!("type T = {}u8{};\nconst X: &str = \"x\";\n", "A<u8, ".repeat(5_000), ">".repeat(5_000));
    let dir = common::project(&[("one.rs", &deep)]);
    let run = common::ssot(&["check", dir.path().join("one.rs").to_str().unwrap(), "--format", "json"]);
    assert!(run.code <= 1, "{}", run.stderr);
    assert_eq!(run.json()["summary"]["files"]["skipped"], 1);
}

#[test]
fn ordinary_rust_with_many_items_is_not_refused_as_too_deep() {
    let items: String = (0..2_000).map(|i| format!("#[inline] pub fn f{i}() -> u8 {{ 1 }}\n")).collect();
    let text = format!(
        "{items}#[cfg(test)]\nmod tests {{\n{}}}\n",
        "    #[test]\n    fn t() { assert!(1 < 2); }\n".repeat(1_000)
    );
    let dir = common::project(&[("many.rs", &text)]);
    let json = check_json(dir.path());
    assert_eq!(json["summary"]["files"]["skipped"], 0, "{}", json["skipped"]);
}

#[test]
fn removing_an_unused_suppression_from_a_rust_comment_leaves_valid_rust() {
    let dir = common::project(&[(
        "a.rs",
        "fn f() {\n    let b = 1; //// ssot: ignore[direct-env-access]\n    let c = 2; // ssot: ignore[direct-env-access] -- why // keep\n}\n",
    )]);
    let run = common::ssot(&["check", dir.path().to_str().unwrap(), "--fix"]);
    assert!(run.code <= 1, "{}", run.stderr);
    let fixed = std::fs::read_to_string(dir.path().join("a.rs")).unwrap();
    assert_eq!(fixed, "fn f() {\n    let b = 1;\n    let c = 2; // keep\n}\n");
}

/// Valid Python that tree-sitter-python reads unlike CPython, found by a search for files where
/// the fast path and the tree disagreed (each is valid: CPython compiles it). Both paths now read
/// each as CPython's `ast` does, except where noted.
#[test]
fn constructs_tree_sitter_misreads_are_read_as_cpython_reads_them() {
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a [(&'a str, &'a str, u64)]);
    let cases: &[Case] = &[
        // A one-string tuple first in a body is no docstring (tree-sitter put the comma aside).
        (
            &[("a.py", "\"GET\",\ndef f():\n    \"GET\" , # c\n")],
            &[("scattered-event-literal", "a.py", 1), ("scattered-event-literal", "a.py", 3)],
        ),
        // A parenthesized string first in a body is one (`ast` has no parentheses).
        (&[("a.py", "class K:\n    (\"GET\")\ndef f():\n    ( # c\n        \"GET\")\n")], &[]),
        (&[("a.py", "def f():\n    (\"GET\" \\\n    )\n")], &[]),
        // A backslash at column 0 inside the indentation: CPython measures on after it, so the
        // constant is in `f` (tree-sitter agrees; the tokens, as `tokenize`, did not).
        (&[("a.py", "def f():\n    pass\n\\\n    NAME = \"value\"\n"), ("b.py", "NAME = \"value\"\n")], &[]),
        // `type[x] = 1` assigns to a subscript of `type`: it binds no `x`.
        (
            &[("p/__init__.py", ""), ("p/a.py", "type[x] = 1\ntype(y).z = 2\n"), ("p/b.py", "from p.a import x, y\n")],
            &[("unresolved-import", "p/b.py", 1), ("unresolved-import", "p/b.py", 1)],
        ),
        // `(a) += 1` binds `a`, however parenthesized (a review found both readers short of it).
        (
            &[
                ("p/__init__.py", ""),
                ("p/a.py", "(a) += 1\n((b)) += 1\n( # c\n c) += 1\n(d) += (e := 2)\n"),
                ("p/b.py", "from p.a import a, b, c, d, e\n"),
            ],
            &[],
        ),
    ];
    for (files, expected) in cases {
        for (name, text) in files.iter() {
            let compiled = std::process::Command::new("python3")
                .args(["-c", &format!("compile({text:?}, {name:?}, 'exec')")])
                .status()
                .expect("python3 runs");
            assert!(compiled.success(), "CPython compiles {name}: {text:?}");
        }
        let mut with_config = files.to_vec();
        with_config.push(("ssot.toml", "[rules.scattered-event-literal]\nevents = [\"GET\"]\n"));
        let dir = common::project(&with_config);
        let path = dir.path().to_str().unwrap();
        let found = |extra: &[&str]| {
            let mut args = vec!["check", path, "--format", "json", "--ignore", "parse-error"];
            args.extend(extra);
            let mut found: Vec<(String, String, u64)> = common::ssot(&args).json()["diagnostics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| {
                    (
                        d["rule"].as_str().unwrap().into(),
                        d["path"].as_str().unwrap().into(),
                        d["line"].as_u64().unwrap(),
                    )
                })
                .collect();
            found.sort();
            found
        };
        let mut expected: Vec<(String, String, u64)> =
            expected.iter().map(|(rule, path, line)| (rule.to_string(), path.to_string(), *line)).collect();
        expected.sort();
        assert_eq!(found(&[]), expected, "fast path: {files:?}");
        assert_eq!(found(&["--no-fast-path"]), expected, "tree: {files:?}");
    }
}

/// CPython reads every name NFKC-normalised (`ｏｓ` is `os`); ssot compares names as written, so
/// such a name is a `parse-error` on both paths: the gate cannot be passed by spelling `os`,
/// `MagicNone` or an old module's name in compatibility characters without a finding.
#[test]
fn a_name_normalisation_changes_is_a_parse_error() {
    let files = [
        ("env.py", "import os\nx = ｏｓ.environ['A']\n"),
        ("mock.py", "from unittest import mock\nＭock = mock.Mock\n"),
        // Near misses: names normalisation keeps.
        ("fine.py", "import os\né = Ω = 名前 = 1\n"),
    ];
    // CPython's view: the two are the ASCII names.
    let check = "import ast; t = ast.parse('ｏｓ = Ｍock = é = 1'); print([n.id for n in t.body[0].targets])";
    let out = std::process::Command::new("python3").args(["-c", check]).output().expect("python3 runs");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "['os', 'Mock', 'é']");
    let dir = common::project(&files);
    for extra in [&[][..], &["--no-fast-path"][..]] {
        let mut args = vec!["check", dir.path().to_str().unwrap(), "--format", "json"];
        args.extend(extra);
        let json = common::ssot(&args).json();
        let errors: Vec<(String, u64)> = json["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["rule"] == "parse-error")
            .map(|d| (d["path"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap()))
            .collect();
        assert_eq!(errors, [("env.py".to_string(), 2), ("mock.py".to_string(), 2)], "{extra:?}");
    }
}
