//! Differential test of the values ssot gives Python string literals (`src/python/strings.rs`,
//! which every rule reading strings shares) against an oracle nobody here wrote: CPython's
//! `ast.literal_eval`, through `testdata/oracle/strings_oracle.py`. The corpus is every plain
//! string token of the standard library that holds an escape (the only ones whose value is not
//! the text between the quotes), and the named escapes (`\N{…}`) the standard library has too
//! few of: names in any case, aliases, Hangul and CJK names, and the loose and unknown forms
//! CPython refuses.

mod common;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};

/// Named escapes, each in a string token, beside the standard library's.
const NAMED: &[&str] = &[
    r"'tool\N{LOW LINE}executing'",
    r"'tool\N{low line}executing'",
    r"'\N{Latin Small Letter A}\N{LATIN CAPITAL LETTER A WITH GRAVE}'",
    r"'\N{EM DASH}\N{HYPHEN-MINUS}\N{SNOWMAN}\N{BLACK STAR}'",
    // Aliases (NameAliases.txt): a correction, a control character, an abbreviation.
    r"'\N{LATIN CAPITAL LETTER GHA}\N{LINE FEED}\N{NBSP}\N{BYTE ORDER MARK}'",
    r"'\N{HANGUL SYLLABLE GAG}\N{CJK UNIFIED IDEOGRAPH-4E00}\N{CJK COMPATIBILITY IDEOGRAPH-F900}'",
    r"'\N{cjk compatibility ideograph-f900}'",
    r"'\N{HANGUL JUNGSEONG O-E}\N{TIBETAN LETTER A}'",
    r"'\N{TIBETAN MARK BKA- SHOG GI MGO RGYAN}\N{tibetan mark bska- shog gi mgo rgyan}'",
    r"b'\N{LOW LINE}'",
    r"r'\N{LOW LINE}'",
    r"'\\N{LOW LINE}'",
    r"'\\\N{LOW LINE}'",
    // Refused by CPython: loose forms Unicode's matching rule allows, unknown names, bad braces.
    r"'\N{LOW_LINE}'",
    r"'\N{LOWLINE}'",
    r"'\N{LATINSMALLLETTERA}'",
    r"'\N{ LOW LINE}'",
    r"'\N{LOW LINE }'",
    r"'\N{LOW  LINE}'",
    r"'\N{latin small letter-a}'",
    r"'\N{NOT A CHARACTER NAME}'",
    r"'\N{}'",
    r"'\N{-x}'",
    r"'\N{ -x}'",
    r"'\N{LOW LINE'",
    r"'\N'",
    r"'\NLOW LINE'",
    r"'\N{CJK UNIFIED IDEOGRAPH-0041}'",
    r"'\N{HANGUL SYLLABLE GAGX}'",
    // Names made from the code point are matched case-sensitively.
    r"'\N{hangul syllable gag}'",
    r"'\N{CJK UNIFIED IDEOGRAPH-4e00}'",
    r"'\N{cjk unified ideograph-4E00}'",
];

#[test]
fn string_values_agree_with_cpython_literal_eval() {
    let Some(stdlib) = common::stdlib() else { return };
    let mut texts: BTreeSet<String> = NAMED.iter().map(|text| text.to_string()).collect();
    let mut ours = std::collections::BTreeMap::new();
    let mut files = 0;
    for path in ssot::testing::python_files_outside(&stdlib, Some("site-packages")) {
        let Ok(source) = std::fs::read_to_string(&path) else { continue };
        files += 1;
        for (text, value) in ssot::testing::python_string_values(&source) {
            if text.contains('\\') {
                texts.insert(text.clone());
                ours.insert(text, value);
            }
        }
    }
    for text in NAMED {
        let (_, value) = ssot::testing::python_string_values(text).into_iter().next().expect("one string token");
        ours.insert(text.to_string(), value);
    }
    let texts: Vec<String> = texts.into_iter().collect();
    let mut oracle = Command::new("python3")
        .arg(common::root().join("testdata/oracle/strings_oracle.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the oracle");
    let input = serde_json::to_vec(&texts).unwrap();
    let mut stdin = oracle.stdin.take().unwrap();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &input));
    let output = oracle.wait_with_output().expect("the oracle's output");
    writer.join().unwrap().expect("write the oracle's input");
    assert!(output.status.success(), "oracle failed");
    let expected: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).expect("the oracle writes JSON");
    assert_eq!(expected.len(), texts.len());

    let mut mismatches = Vec::new();
    let (mut named, mut refused) = (0, 0);
    for (text, expected) in texts.iter().zip(&expected) {
        let actual = &ours[text];
        let agrees = match (actual, expected.get("str").and_then(|v| v.as_str())) {
            (Ok(Some(value)), Some(oracle)) => value == oracle,
            (Ok(None), _) => expected.get("bytes").is_some(),
            (Err(()), _) => expected.get("error").is_some() || expected.get("surrogate").is_some(),
            (Ok(Some(_)), None) => false,
        };
        if !agrees {
            mismatches.push(format!("{text:?}: ours {actual:?}, CPython {expected}"));
        }
        named += usize::from(text.contains(r"\N{"));
        refused += usize::from(expected.get("error").is_some());
    }
    eprintln!(
        "compared {} string tokens from {files} files; {named} with named escapes; {refused} refused",
        texts.len()
    );
    assert!(mismatches.is_empty(), "ssot's string values disagree with CPython:\n{}", mismatches.join("\n"));
    assert!(texts.len() > 10_000 && files > 1_000, "the corpus should hold the standard library's escapes");
    assert!(refused >= 13, "the refused named escapes were compared");
}
