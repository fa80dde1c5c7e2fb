//! What Rust source means, as every rule reads it: the front end on `syn` (`full`, `visit`;
//! `proc-macro2` with span locations for byte positions), and the facets rules read from its
//! syntax tree — the paths that reach the process environment ([`env`]), the string literals
//! ([`strings`]), the constants and type definitions ([`items`]). Macro bodies are token
//! streams to syn: the facets read literals and paths inside them at the token level
//! ([`tokens`]), which also bounds how deep syn would recurse, so a hostile file is refused
//! before it can overflow the stack. Without syn: comments (for suppressions) and byte tests for
//! prefilters ([`lex`]). Knows no rule.

pub(crate) mod env;
pub(crate) mod items;
pub(crate) mod lex;
pub(crate) mod strings;
pub(crate) mod tokens;

use std::ops::Range;

/// The deepest nesting ([`tokens::nesting`]) a file may have to be parsed. Real code stays far
/// below (a few dozen); each unit costs syn at most a few kilobytes of stack, and the scanner's
/// worker threads have [`WORKER_STACK`].
pub(crate) const MAX_NESTING: usize = 1_000;

/// The stack of the threads that parse Rust: room for [`MAX_NESTING`] with a wide margin. It is
/// reserved address space; only what a parse touches is used.
pub(crate) const WORKER_STACK: usize = 64 << 20;

/// Why a Rust file has no syntax tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseFailure {
    /// syn's first error: where, and its message.
    Syntax { range: Range<usize>, message: String },
    /// Nested deeper than [`MAX_NESTING`]: not given to syn.
    TooDeep(usize),
}

/// Parses a whole Rust file. Byte offsets of the tree's spans ([`span_range`]) are offsets in
/// `source` (a shebang line is blanked, not cut). Call [`release_spans`] once the tree and
/// everything holding its spans is gone.
pub(crate) fn parse(source: &str) -> Result<syn::File, ParseFailure> {
    let text = blank_shebang(source);
    let clamp = |range: Range<usize>| range.start.min(source.len())..range.end.min(source.len());
    // proc-macro2's lexer is iterative: the bound is taken on the very tokens syn will read.
    let tokens: proc_macro2::TokenStream = text.parse().map_err(|err: proc_macro2::LexError| ParseFailure::Syntax {
        range: clamp(span_range(err.span())),
        message: err.to_string(),
    })?;
    let nesting = tokens::nesting(&tokens);
    if nesting > MAX_NESTING {
        return Err(ParseFailure::TooDeep(nesting));
    }
    syn::parse2::<syn::File>(tokens)
        .map_err(|err| ParseFailure::Syntax { range: clamp(span_range(err.span())), message: err.to_string() })
}

/// `source` with a shebang line (`#!` not starting an inner attribute `#![…]`) turned into
/// blanks, so that byte offsets stay those of the file; syn's `parse_file` would cut it.
fn blank_shebang(source: &str) -> std::borrow::Cow<'_, str> {
    let Some(rest) = source.strip_prefix("#!") else { return source.into() };
    // `#!` then blanks and comments, then `[`: an inner attribute, not a shebang.
    // (A block comment there is rare: the line is then taken for a shebang.)
    let mut after = rest.trim_start();
    while let Some(comment) = after.strip_prefix("//") {
        after = comment.find('\n').map_or("", |i| comment[i..].trim_start());
    }
    if after.starts_with('[') {
        return source.into();
    }
    let end = source.find('\n').unwrap_or(source.len());
    let mut text = " ".repeat(end);
    text.push_str(&source[end..]);
    text.into()
}

/// The byte range in the parsed file of a span of its tree.
pub(crate) fn span_range(span: proc_macro2::Span) -> Range<usize> {
    span.byte_range()
}

/// Frees the span bookkeeping proc-macro2 keeps for every file parsed on this thread (without
/// this, it grows with each file). No span of an earlier parse may be used afterwards.
pub(crate) fn release_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}

/// Whether `attrs` hold `#[cfg(test)]` (or `#[cfg(all(test, …))]`): the item is compiled for
/// tests only.
pub(crate) fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        let syn::Meta::List(list) = &attr.meta else { return false };
        if !list.path.is_ident("cfg") {
            return false;
        }
        let mut tokens = list.tokens.clone().into_iter();
        match (tokens.next(), tokens.next()) {
            (Some(proc_macro2::TokenTree::Ident(ident)), None) => ident == "test",
            (Some(proc_macro2::TokenTree::Ident(all)), Some(proc_macro2::TokenTree::Group(group))) if all == "all" => {
                group.stream().into_iter().any(|t| matches!(&t, proc_macro2::TokenTree::Ident(i) if i == "test"))
            }
            _ => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_offsets_in_the_file_even_after_a_shebang() {
        let source = "#!/usr/bin/env run-cargo-script\nfn main() { let x = \"é\"; }\n";
        let file = parse(source).unwrap();
        let syn::Item::Fn(function) = &file.items[0] else { panic!() };
        let range = span_range(function.sig.ident.span());
        assert_eq!(&source[range], "main");
        drop(file);
        release_spans();
        // An inner attribute is not a shebang.
        assert!(parse("#![allow(dead_code)]\nfn f() {}\n").is_ok());
        release_spans();
    }

    #[test]
    fn a_syntax_error_is_reported_where_syn_stops() {
        let source = "fn f() {\n    let x = ;\n}\n";
        let Err(ParseFailure::Syntax { range, message }) = parse(source) else { panic!() };
        assert_eq!(&source[range], ";");
        assert!(message.contains("expected"), "{message}");
        release_spans();
    }

    #[test]
    fn a_file_nested_too_deep_is_not_given_to_syn() {
        let n = 20_000;
        for source in [
            format!("fn f() {{ let x = {}1; }}", "-".repeat(100_000)),
            format!("type T = {}u8{};", "A<u8, ".repeat(n), ">".repeat(n)),
            format!("fn f() {{ let c = {}0; }}", "|a, b| ".repeat(n)),
            format!("fn f() {{ let {}1 = 1; }}", "a @ ".repeat(n)),
            // What the lexer of comments would read differently does not hide brackets from it.
            format!("fn f() {{ let a =\u{200e}r\"\\\"; let x = {}1{}; }} // \"\n", "(".repeat(n), ")".repeat(n)),
            format!("#!/bin/true /*\nfn f() {{ let x = {}1{}; }}\n", "(".repeat(n), ")".repeat(n)),
            format!("// \r\"\nfn f() {{ let x = {}1{}; }} // \"\n", "(".repeat(n), ")".repeat(n)),
        ] {
            assert!(matches!(parse(&source), Err(ParseFailure::TooDeep(_))), "{}", &source[..60.min(source.len())]);
        }
        release_spans();
    }

    #[test]
    fn ordinary_files_stay_well_below_the_bound() {
        // Items, statements and list elements end their constructs.
        let items: String = (0..2_000).map(|i| format!("#[inline] pub fn f{i}() -> u8 {{ 1 }}\n")).collect();
        let tests =
            format!("#[cfg(test)] mod tests {{ {} }}", "#[test] fn t() { assert!(a < b, \"x\"); }\n".repeat(2_000));
        let list = format!("const X: [u8; 3000] = [{}];", "1, ".repeat(3000));
        let docs = format!(
            "{}\n{}fn f() {{}}\n",
            "//! A crate.\n".repeat(3_000),
            "/// A function.\n#[inline]\n".repeat(1_000)
        );
        let statements = format!("fn f() {{ {} }}", "if a < b { c(); } let x = y.z(); ".repeat(2_000));
        for source in [items, tests, list, statements, docs] {
            let tokens: proc_macro2::TokenStream = source.parse().unwrap();
            let depth = tokens::nesting(&tokens);
            assert!(depth < 20, "{depth}: {}", &source[..60]);
        }
        release_spans();
    }

    #[test]
    fn test_only_items_are_known_by_their_cfg() {
        let file =
            parse("#[cfg(test)] mod a {}\n#[cfg(all(test, unix))] mod b {}\n#[cfg(not(test))] mod c {}\nmod d {}\n")
                .unwrap();
        let flags: Vec<bool> = file
            .items
            .iter()
            .map(|item| match item {
                syn::Item::Mod(module) => is_test_only(&module.attrs),
                _ => panic!(),
            })
            .collect();
        assert_eq!(flags, [true, true, false, false]);
        drop(file);
        release_spans();
    }
}
