//! Token streams: what syn leaves unparsed (macro arguments, attribute arguments, verbatim
//! items) is read here, token by token. Iterative, so a deeply nested stream costs no stack.

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// Calls `visit` with the tokens of `stream` and of every group inside it, one level at a time
/// (each call sees one delimited sequence; groups appear in it as single trees).
pub(crate) fn each_sequence(stream: &TokenStream, mut visit: impl FnMut(&[TokenTree])) {
    let mut pending = vec![stream.clone()];
    while let Some(stream) = pending.pop() {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        for tree in &trees {
            if let TokenTree::Group(group) = tree {
                if group.delimiter() != Delimiter::None || !group.stream().is_empty() {
                    pending.push(group.stream());
                }
            }
        }
        visit(&trees);
    }
}

/// Whether `tree` is the punctuation `ch`.
pub(crate) fn is_punct(tree: Option<&TokenTree>, ch: char) -> bool {
    matches!(tree, Some(TokenTree::Punct(punct)) if punct.as_char() == ch)
}

/// Whether `trees[at..]` starts with `::`.
pub(crate) fn is_path_separator(trees: &[TokenTree], at: usize) -> bool {
    matches!(trees.get(at), Some(TokenTree::Punct(p)) if p.as_char() == ':' && p.spacing() == Spacing::Joint)
        && is_punct(trees.get(at + 1), ':')
}
