//! Token streams: what syn leaves unparsed (macro arguments, attribute arguments, verbatim
//! items) is read here, token by token; and the bound on how deep syn's recursive descent goes
//! on a file's tokens ([`nesting`]). Iterative, so a deeply nested stream costs no stack.

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

/// Words that may open a construct syn parses by recursion (`return return x`, `move || move ||
/// x`, `&mut &mut T`, `impl Fn() -> impl Fn()`).
const NESTING_WORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "dyn", "else", "fn", "for", "if", "impl", "in", "let", "loop",
    "match", "mod", "move", "mut", "ref", "return", "static", "unsafe", "where", "while", "yield",
];

/// What the count of one bracket level keeps.
#[derive(Default, Clone, Copy)]
struct Level {
    /// Tokens that may nest, since the last `;` (or `,`, or the end of a statement).
    current: usize,
    /// `<` not yet closed by `>`: a generic argument list, where `,` ends no construct.
    angles: usize,
    /// Inside `|…|` (closure parameters, or an odd number of `|` operators).
    pipes: bool,
}

/// An upper bound of how deep syn's recursive descent goes on `stream`, in units of at most a
/// few kilobytes of stack each: every bracket, plus, inside each bracket (and the file), the
/// operators and keywords that may nest (`-`, `!`, `*`, `&`, `<`, `|`, `=`, `.`, `@`, `return`,
/// `move`, …) since the construct they belong to began; attributes (doc comments are
/// attributes) count nothing but their brackets. A construct ends at `;`, at `,`
/// outside `<…>` and `|…|`, and at a `}` followed by what starts a statement or an item (a word
/// other than `as`/`else`, `#`, a lifetime). Computed on the tokens syn itself reads, so comments,
/// strings and whitespace are what syn says they are.
pub(crate) fn nesting(stream: &TokenStream) -> usize {
    // Per open group: the rest of its parent's tokens, the parent's level, and whether the group
    // is a brace group (its end may end a statement).
    let mut stack: Vec<(std::vec::IntoIter<TokenTree>, Level, bool)> = Vec::new();
    let mut trees: std::vec::IntoIter<TokenTree> = stream.clone().into_iter().collect::<Vec<_>>().into_iter();
    let mut level = Level::default();
    let (mut enclosing, mut deepest) = (0usize, 0usize);
    // The token before was the `}` of a brace group: a statement may have ended.
    let mut after_brace = false;
    // The token before was `#`: an attribute (`#[…]`, `#![…]`, and every doc comment) follows,
    // which syn reads in a loop, not by recursion.
    let mut after_hash = false;
    loop {
        let Some(tree) = trees.next() else {
            let Some((outer, saved, brace)) = stack.pop() else { return deepest };
            enclosing -= 1 + saved.current;
            (trees, level, after_brace) = (outer, saved, brace);
            continue;
        };
        if std::mem::take(&mut after_brace) {
            let starts_statement = match &tree {
                TokenTree::Ident(ident) => ident != "as" && ident != "else",
                TokenTree::Punct(punct) => matches!(punct.as_char(), '#' | '\''),
                _ => false,
            };
            if starts_statement {
                level = Level::default();
            }
        }
        let attribute = std::mem::take(&mut after_hash);
        match &tree {
            TokenTree::Group(group) => {
                enclosing += 1 + level.current;
                let inner = group.stream().into_iter().collect::<Vec<_>>().into_iter();
                let brace = group.delimiter() == Delimiter::Brace;
                stack.push((std::mem::replace(&mut trees, inner), level, brace));
                level = Level::default();
            }
            TokenTree::Punct(punct) => match punct.as_char() {
                ';' => level = Level::default(),
                ',' if level.angles == 0 && !level.pipes => level.current = 0,
                '<' => (level.angles, level.current) = (level.angles + 1, level.current + 1),
                '>' => level.angles = level.angles.saturating_sub(1),
                '|' => (level.pipes, level.current) = (!level.pipes, level.current + 1),
                '#' => after_hash = true,
                '!' if attribute => after_hash = true,
                '-' | '!' | '*' | '&' | '=' | '.' | '@' => level.current += 1,
                _ => {}
            },
            TokenTree::Ident(ident) => {
                if NESTING_WORDS.iter().any(|word| ident == word) {
                    level.current += 1;
                }
            }
            TokenTree::Literal(_) => {}
        }
        deepest = deepest.max(enclosing + level.current);
    }
}
