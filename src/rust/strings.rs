//! The string literals of a Rust file: plain and raw (`"…"`, `r#"…"#`), with their values
//! (escapes decoded); byte and C strings are not strings here. Read from the tree, and token by
//! token where syn leaves tokens unparsed (macro and attribute arguments, verbatim syntax). Doc
//! comments, which syn turns into `#[doc = "…"]` attributes, are comments, not literals.

use std::ops::Range;

use proc_macro2::{TokenStream, TokenTree};
use syn::visit::Visit;

use super::span_range;
use super::tokens::each_sequence;

/// One string literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RustString {
    pub range: Range<usize>,
    pub value: String,
}

struct Strings<'s> {
    source: &'s str,
    out: Vec<RustString>,
}

impl Strings<'_> {
    fn push(&mut self, range: Range<usize>, value: impl FnOnce() -> String) {
        // A doc comment's span is the comment's.
        if self.source.get(range.clone()).is_some_and(|text| !text.starts_with('/')) {
            self.out.push(RustString { range, value: value() });
        }
    }

    fn tokens(&mut self, stream: &TokenStream) {
        each_sequence(stream, |trees| {
            for tree in trees {
                if let TokenTree::Literal(literal) = tree {
                    if let syn::Lit::Str(string) = syn::Lit::new(literal.clone()) {
                        self.push(span_range(literal.span()), || string.value());
                    }
                }
            }
        });
    }
}

impl<'ast> Visit<'ast> for Strings<'_> {
    fn visit_lit_str(&mut self, literal: &'ast syn::LitStr) {
        self.push(span_range(literal.span()), || literal.value());
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.tokens(&mac.tokens);
        syn::visit::visit_macro(self, mac);
    }

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        self.tokens(&list.tokens);
        syn::visit::visit_meta_list(self, list);
    }

    fn visit_item(&mut self, item: &'ast syn::Item) {
        if let syn::Item::Verbatim(tokens) = item {
            self.tokens(tokens);
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_expr(&mut self, expr: &'ast syn::Expr) {
        if let syn::Expr::Verbatim(tokens) = expr {
            self.tokens(tokens);
        }
        syn::visit::visit_expr(self, expr);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        if let syn::ImplItem::Verbatim(tokens) = item {
            self.tokens(tokens);
        }
        syn::visit::visit_impl_item(self, item);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        if let syn::TraitItem::Verbatim(tokens) = item {
            self.tokens(tokens);
        }
        syn::visit::visit_trait_item(self, item);
    }

    fn visit_foreign_item(&mut self, item: &'ast syn::ForeignItem) {
        if let syn::ForeignItem::Verbatim(tokens) = item {
            self.tokens(tokens);
        }
        syn::visit::visit_foreign_item(self, item);
    }

    fn visit_type(&mut self, ty: &'ast syn::Type) {
        if let syn::Type::Verbatim(tokens) = ty {
            self.tokens(tokens);
        }
        syn::visit::visit_type(self, ty);
    }

    fn visit_pat(&mut self, pat: &'ast syn::Pat) {
        if let syn::Pat::Verbatim(tokens) = pat {
            self.tokens(tokens);
        }
        syn::visit::visit_pat(self, pat);
    }
}

/// `source` with Rust's string escapes decoded wherever they stand (`\\n`, `\\x41`, `\\u{1F600}`,
/// a backslash-newline with the blanks after it): the value of every cooked string literal of
/// the file appears in it whole. Decoding is aligned at each literal's opening quote, since a
/// quote is never the second half of an escape outside a literal's content.
fn decoded(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(byte) if byte < 0x80 => out.push(char::from(byte)),
                    _ => out.push_str(&hex),
                }
            }
            Some('u') if chars.peek() == Some(&'{') => {
                // At most six hex digits (and underscores) before the `}`; anything else is no
                // escape (a `\\u{` in a comment or a raw string) and stays as it is.
                let rest: String = chars.clone().skip(1).take(16).collect();
                let close = rest.find('}').filter(|&at| {
                    let hex = rest[..at].replace('_', "");
                    (1..=6).contains(&hex.len()) && hex.chars().all(|c| c.is_ascii_hexdigit())
                });
                match close.and_then(|at| u32::from_str_radix(&rest[..at].replace('_', ""), 16).ok().map(|v| (at, v))) {
                    Some((at, value)) => {
                        // `{`, the digits and `}`.
                        for _ in 0..at + 2 {
                            chars.next();
                        }
                        out.extend(char::from_u32(value));
                    }
                    None => out.push_str("\\u"),
                }
            }
            Some('\n') => {
                while chars.peek().is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                    chars.next();
                }
            }
            Some('\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                while chars.peek().is_some_and(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
                    chars.next();
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// The byte test for string literals of some values: whether a file may hold a literal whose
/// value is one of them, judged from its bytes (a superset). A raw string's value stands in the
/// text between quotes as it is (`r"v"`, `r#"v"#`); a cooked one's, between its quotes once
/// escapes are decoded. (A value holding a quote or a backslash is looked for without the
/// quotes.) Built once per rule, asked per file.
pub(crate) struct LiteralFinder(aho_corasick::AhoCorasick);

impl LiteralFinder {
    pub(crate) fn new(values: &[String]) -> Self {
        let patterns: Vec<String> = values
            .iter()
            .map(|value| if value.contains(['"', '\\']) { value.clone() } else { format!("\"{value}\"") })
            .collect();
        Self(aho_corasick::AhoCorasick::new(&patterns).expect("literal strings build"))
    }

    pub(crate) fn may_hold(&self, source: &str) -> bool {
        self.0.is_match(source) || (source.contains('\\') && self.0.is_match(&decoded(source)))
    }
}

/// Every string literal of `file` (parsed from `source`), in source order.
pub(crate) fn string_literals(file: &syn::File, source: &str) -> Vec<RustString> {
    let mut strings = Strings { source, out: Vec::new() };
    strings.visit_file(file);
    let mut out = strings.out;
    out.sort_by_key(|string| (string.range.start, string.range.end));
    out.dedup_by(|a, b| a.range == b.range);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_test_admits_every_spelling_of_a_value() {
        let finder = LiteralFinder::new(&["tool_executing".to_string()]);
        for source in [
            "let a = \"tool_executing\";",
            "let a = \"tool\\x5fexecuting\";",
            "let a = \"tool\\u{5f}executing\";",
            "let a = \"tool_\\\n      executing\";",
            "let a = r\"x\\\"; let b = \"tool\\u{5F}executing\";",
        ] {
            assert!(finder.may_hold(source), "{source}");
        }
        assert!(!finder.may_hold("let a = \"tool_exec\\nuting\";"));
        // An unclosed `\u{` in a comment swallows nothing.
        assert!(finder.may_hold("// regex \\u{ in a comment\nfn f() { let a = \"tool\\x5fexecuting\"; }"));
        // In a longer text, the value is no literal of its own.
        assert!(!finder.may_hold("let a = \"tool_executing started\"; // tool_executing"));
    }

    #[test]
    fn literals_in_code_macros_and_attributes_with_escapes_decoded() {
        let source = r####"
/// "doc" is a comment
#[serde(rename = "attr")]
struct S;
#[doc = "explicit"]
fn f() {
    let a = "plain\tx";
    let b = r#"raw "q""#;
    let c = b"bytes";
    let d = c"cstr";
    println!("{}", "in\u{5f}macro");
    let e = vec![r"r1", concat!("x", "y")];
    let g = 'c';
}
"####;
        let file = super::super::parse(source).unwrap();
        let values: Vec<String> = string_literals(&file, source).into_iter().map(|s| s.value).collect();
        drop(file);
        super::super::release_spans();
        assert_eq!(values, ["attr", "explicit", "plain\tx", "raw \"q\"", "{}", "in_macro", "r1", "x", "y"]);
    }
}
