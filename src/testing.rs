//! Entry points for integration tests only; not a stable API.
//!
//! They expose crate-internal pieces to the differential tests under `tests/` in the oracles'
//! vocabulary, and must not be used by anything else.

use crate::python::tokens::{tokenize, Kind};

/// [`tokenize`] of `source`: whether it was ok, and every token as (`tokenize.tok_name` of its
/// type, start byte, end byte), an f-string being a `"STRING"` as in Python 3.11.
pub fn python_tokens(source: &str) -> (bool, Vec<(&'static str, usize, usize)>) {
    let tokens = tokenize(source);
    let list = tokens
        .tokens
        .iter()
        .map(|token| {
            let kind = match token.kind {
                Kind::Name => "NAME",
                Kind::Number => "NUMBER",
                Kind::String | Kind::FString => "STRING",
                Kind::Op => "OP",
                Kind::Newline => "NEWLINE",
                Kind::Indent => "INDENT",
                Kind::Dedent => "DEDENT",
            };
            (kind, token.start as usize, token.end as usize)
        })
        .collect();
    (tokens.ok, list)
}

/// [`tokenize`] of `source`, for throughput measurements: whether it was ok, and the number of
/// tokens.
pub fn python_token_count(source: &str) -> (bool, usize) {
    let tokens = tokenize(source);
    (tokens.ok, tokens.tokens.len())
}
