//! Where a few names are used, and which of their attributes: every occurrence of the names asked
//! about with its role (load, store, delete), and every `NAME.attribute` whose attribute is asked
//! about (with `NAME` a name, in an expression or a `case` pattern), as rules read them. Two
//! builders give the same answer: [`from_tree`], and [`from_tokens`], which declines (`None`)
//! where the tokens cannot tell a use's role (a `case` pattern naming a name asked about, a name
//! inside an f-string's fields, an occurrence that is not certainly a load) and skips import
//! statements (their bindings are [`super::imports`]'s).

use std::ops::Range;

use tree_sitter::Node;

use super::imports::Import;
use super::statements::{certain_load, contains_word, Statements};
use super::tokens::{Kind, Text};
use super::{FastKind, Role};

/// The uses of the names and attributes asked about.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Uses {
    /// (name, its byte range, its role), in source order.
    pub names: Vec<(String, Range<usize>, Role)>,
    /// `NAME.attribute`: the name and the byte range from the name to the attribute's end.
    pub attributes: Vec<(String, Range<usize>)>,
}

/// The uses in the tree (import statements included: their names are stores there).
pub(crate) fn from_tree(root: Node, source: &str, names: &[&str], attributes: &[&str]) -> Uses {
    let text = |node: &Node| source.get(node.byte_range()).unwrap_or_default();
    let mut uses = Uses::default();
    super::walk(root, |node, ctx| {
        match node.k() {
            "attribute" => {
                let object = node.child_by_field_name("object");
                let attribute = node.child_by_field_name("attribute");
                if let (Some(object), Some(attribute)) = (object, attribute) {
                    if object.k() == "identifier" && attributes.contains(&text(&attribute)) {
                        uses.attributes.push((text(&object).to_string(), node.byte_range()));
                    }
                }
            }
            // A value or class pattern (`case os.environ:`): tree-sitter reads a dotted name
            // where Python reads attribute loads.
            "dotted_name" if in_pattern(*node) => {
                let mut cursor = node.walk();
                let parts: Vec<Node> =
                    node.named_children(&mut cursor).filter(|part| part.k() == "identifier").collect();
                if let [object, attribute, ..] = parts[..] {
                    if attributes.contains(&text(&attribute)) {
                        uses.attributes.push((text(&object).to_string(), object.start_byte()..attribute.end_byte()));
                    }
                }
            }
            "identifier" if names.contains(&text(node)) => {
                if let Some(role) = ctx.identifier_role() {
                    uses.names.push((text(node).to_string(), node.byte_range(), role));
                }
            }
            _ => {}
        }
        true
    });
    uses
}

/// Whether `node` stands in the pattern of a `case` clause (not in its guard or body).
fn in_pattern(node: Node) -> bool {
    let mut current = node.parent();
    while let Some(parent) = current {
        match parent.k() {
            "case_pattern" => return true,
            "case_clause" | "block" | "module" => return false,
            _ => current = parent.parent(),
        }
    }
    false
}

/// The uses read from the tokens, outside the import statements `imports`; `None` when the
/// tokens cannot tell.
pub(crate) fn from_tokens(
    source: &str,
    lexed: &super::tokens::Tokens,
    statements: &Statements,
    imports: &[Import],
    names: &[&str],
    attributes: &[&str],
) -> Option<Uses> {
    let tokens = &lexed.tokens;
    let view = Text { source, tokens };
    let (text, is_op) = (|index: usize| view.text(index), |index: usize, op: &str| view.is_op(index, op));
    // A `case` pattern both loads (`case os.environ:`) and binds (`case os:`) names, which the
    // statement reader does not tell apart: a pattern naming none of the names asked about is
    // read as any code (its attributes are the tree's).
    let names_one = |s: &super::statements::Statement| {
        s.tokens.clone().any(|index| tokens[index].kind == Kind::Name && names.contains(&text(index)))
    };
    if statements.list.iter().any(|s| s.header && text(s.tokens.start) == "case" && names_one(s)) {
        return None;
    }
    let mut uses = Uses::default();
    // Imports come in source order, as the tokens do.
    let mut next_import = imports.iter().peekable();
    for (index, token) in tokens.iter().enumerate() {
        let start = token.start as usize;
        while next_import.peek().is_some_and(|import| import.range.end <= start) {
            next_import.next();
        }
        let in_import = next_import.peek().is_some_and(|import| import.range.contains(&start));
        match token.kind {
            // The code inside an f-string's fields is one token: read from the fields' own tokens.
            Kind::FString if attributes.iter().chain(names).any(|name| contains_word(text(index), name)) => {
                if lexed.ambiguous_fields {
                    return None;
                }
                let mut found = Uses::default();
                for code in lexed.field_code_in(token) {
                    field_uses(source, code, names, attributes, &mut found)?;
                }
                // Fields nest (an f-string in a field): the tree meets their names in source order.
                found.names.sort_by_key(|(_, range, _)| range.start);
                found.attributes.sort_by_key(|(_, range)| range.start);
                uses.names.extend(found.names);
                uses.attributes.extend(found.attributes);
            }
            Kind::Name if !(in_import || index > 0 && is_op(index - 1, ".")) => {
                let name = text(index);
                let dotted = is_op(index + 1, ".");
                if names.contains(&name) {
                    // A name before a dot is an attribute's object: always a load; so is a name
                    // before a subscript (`environ['A'] = v`), but for the name a generic
                    // `class`, `def` or `type` statement defines (`class environ[T]:`).
                    let defined = index > 0 && ["class", "def", "type"].iter().any(|k| view.is_name(index - 1, k));
                    let subscripted = is_op(index + 1, "[") && !defined;
                    if !dotted && !subscripted && !certain_load(source, tokens, statements, index) {
                        return None;
                    }
                    uses.names.push((name.to_string(), start..token.end as usize, Role::Load));
                }
                let attribute = index + 2;
                if dotted
                    && tokens.get(attribute).is_some_and(|t| t.kind == Kind::Name)
                    && attributes.contains(&text(attribute))
                {
                    uses.attributes.push((name.to_string(), start..tokens[attribute].end as usize));
                }
            }
            _ => {}
        }
    }
    Some(uses)
}

/// The uses in one replacement field's expression (`range` of `source`), read from its own
/// tokens: every name there is a load, unless the expression binds names (`lambda`, a
/// comprehension's `for`, `:=`) or passes a keyword argument named like one asked about, where
/// the tokens do not tell (`None`). A nested f-string is one token here; its fields are read
/// on their own.
fn field_uses(source: &str, range: Range<usize>, names: &[&str], attributes: &[&str], uses: &mut Uses) -> Option<()> {
    let code = source.get(range.clone())?;
    if !attributes.iter().chain(names).any(|name| contains_word(code, name)) {
        return Some(());
    }
    // A conversion (`!r`, `!s`, `!a`) ends the expression.
    let trimmed = code.trim_end();
    let code = match trimmed.len().checked_sub(2).map(|at| trimmed.split_at(at)) {
        Some((expression, "!r" | "!s" | "!a")) => expression,
        _ => code,
    };
    // Parenthesized, as Python reads a field; a line break ends a trailing comment.
    let wrapped = format!("({code}\n)");
    let lexed = super::tokens::tokenize(&wrapped);
    if !lexed.ok {
        return None;
    }
    let tokens = &lexed.tokens;
    let view = Text { source: &wrapped, tokens };
    let (text, is_op) = (|index: usize| view.text(index), |index: usize, op: &str| view.is_op(index, op));
    let binds = (0..tokens.len())
        .any(|i| (tokens[i].kind == Kind::Name && matches!(text(i), "lambda" | "for")) || is_op(i, ":="));
    if binds {
        return None;
    }
    // Offsets in `wrapped` are one past those in `source` (the opening parenthesis).
    let at = |offset: u32| range.start + offset as usize - 1;
    for (index, token) in tokens.iter().enumerate() {
        if token.kind != Kind::Name || index > 0 && is_op(index - 1, ".") {
            continue;
        }
        let name = text(index);
        if names.contains(&name) {
            // `f(os=1)` names a keyword; `{os=}` (the last token before the closing parenthesis
            // and the line break) prints the expression.
            if is_op(index + 1, "=") && !is_op(index + 2, ")") {
                return None;
            }
            uses.names.push((name.to_string(), at(token.start)..at(token.end), Role::Load));
        }
        let attribute = index + 2;
        if is_op(index + 1, ".")
            && tokens.get(attribute).is_some_and(|t| t.kind == Kind::Name)
            && attributes.contains(&text(attribute))
        {
            uses.attributes.push((name.to_string(), at(token.start)..at(tokens[attribute].end)));
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 3] = ["os", "environ", "getenv"];
    const ATTRIBUTES: [&str; 2] = ["environ", "getenv"];

    fn tree_uses(root: Node, source: &str) -> Vec<Uses> {
        vec![from_tree(root, source, &NAMES, &ATTRIBUTES)]
    }

    fn token_uses(source: &str, lexed: &crate::python::tokens::Tokens, statements: &Statements) -> Option<Vec<Uses>> {
        let imports = super::super::imports::from_tokens(source, lexed, statements)?;
        Some(vec![from_tokens(source, lexed, statements, &imports, &NAMES, &ATTRIBUTES)?])
    }

    /// The tokens give the tree's attributes and the tree's loads outside import statements.
    fn agree(tokens: &[Uses], tree: &[Uses]) -> bool {
        let loads = |uses: &Uses| -> Vec<(String, Range<usize>)> {
            uses.names
                .iter()
                .filter(|(_, _, role)| *role == Role::Load)
                .map(|(n, r, _)| (n.clone(), r.clone()))
                .collect()
        };
        tokens[0].attributes == tree[0].attributes
            && tokens[0].names.iter().all(|(_, _, role)| *role == Role::Load)
            && loads(&tokens[0]) == loads(&tree[0])
    }

    #[test]
    fn both_builders_read_the_same_uses() {
        let source = "import os\nfrom os import environ\nx = os.environ['A'] + environ['B']\nos . getenv('C')\n\
                      def f():\n    return getenv\n";
        let (tree, tokens) = crate::python::both_builders(source, tree_uses, token_uses);
        let (tree, tokens) = (tree.unwrap(), tokens.unwrap());
        assert!(agree(&tokens, &tree), "{tokens:?}\n{tree:?}");
        assert_eq!(tree[0].attributes.len(), 2);
        assert_eq!(&source[tree[0].attributes[1].1.clone()], "os . getenv");
        // An `os` that may be bound here: the tokens cannot tell.
        for declined in [
            "os = 1\n",
            "def f(os): pass\n",
            "match x:\n    case os.environ: pass\n",
            "f'{(lambda os: os)(1)}'\n",
            "f'{[os for os in x]}'\n",
            "f'{(os := 1)}'\n",
            "f'{g(os=1)}'\n",
            "class os[T]: pass\n",
            "def os[T](): pass\n",
            "type os[T] = list[T]\n",
        ] {
            assert_eq!(crate::python::both_builders(declined, tree_uses, token_uses).1, None, "{declined}");
        }
        // Names in f-strings' replacement fields, read from the fields' own tokens.
        for source in [
            "import os\nx = f'{os.environ[\"A\"]} {environ} {os . getenv(\"B\")!r:>{os.environ.get(\"W\")}}'\n",
            "from os import environ\nx = f\"{environ=} {environ = !r} {f'{environ}' + str(os.environ)}\"\n",
            "x = f'''{\n  os.environ  # the environment\n}''' f'environ is not a name here {x}'\n",
            "x = f'{x.os.environ} {d[\"os\"]} {os!s}'\n",
            "from os import environ\nenviron['A'] = 'v'\ndel environ['B']\nfor environ[0] in x: pass\n",
            // A `case` pattern naming none of the names asked about is read as any code.
            "match x:\n    case Point(y=1) | [_, *rest]:\n        os.environ['A']\nos.getenv('B')\n",
        ] {
            let (tree, tokens) = crate::python::both_builders(source, tree_uses, token_uses);
            let (tree, tokens) = (tree.unwrap(), tokens.expect(source));
            assert!(agree(&tokens, &tree), "{source}\n{tokens:?}\n{tree:?}");
        }
    }

    /// A sample of the standard library: the same attributes and loads from tokens and tree.
    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) = crate::python::both_builders_on_the_standard_library(tree_uses, token_uses, agree);
        assert!(files > 100 && found > 100, "{files} files, {found}");
    }
}
