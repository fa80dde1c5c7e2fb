//! The class headers of a module that define something for the whole program: every class not
//! inside a function (wherever else it stands), in source order, with its name and the arguments
//! of its superclass list as far as a rule needs them (each positional argument's base name, a
//! `metaclass=` value's base name). Two builders give the same list: [`from_tree`] and
//! [`from_tokens`], which declines (`None`) on a header shape it does not know and marks an
//! argument it cannot read as unknown (`None`); the tree knows every argument.

use std::ops::Range;

use tree_sitter::Node;

use super::statements::Statements;
use super::tokens::{Kind, Text, Token};
use super::FastKind;

/// One class header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ClassHeader {
    pub name: String,
    /// The name's byte range.
    pub range: Range<usize>,
    /// The superclass list's arguments in order; `None` for one the tokens cannot read.
    pub arguments: Vec<Option<Argument>>,
}

/// One argument of a superclass list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Argument {
    /// `keyword=value`, with the [`base_name`] of the value when the keyword is `metaclass`.
    Keyword(String, Option<String>),
    /// Any other argument, with its [`base_name`] (none for splats, calls, literals, …).
    Positional(Option<String>),
}

/// The class headers of the tree not inside a function, in source order.
pub(crate) fn from_tree(root: Node, source: &str) -> Vec<ClassHeader> {
    let text = |node: Node| source.get(node.byte_range()).unwrap_or_default();
    let mut out = Vec::new();
    super::walk(root, |node, _| match node.k() {
        // Classes inside functions are local helpers, not definitions for the program.
        "function_definition" | "lambda" => false,
        "class_definition" => {
            if let Some(name) = node.child_by_field_name("name") {
                let mut arguments = Vec::new();
                if let Some(list) = node.child_by_field_name("superclasses") {
                    let mut cursor = list.walk();
                    for argument in list.named_children(&mut cursor) {
                        arguments.push(Some(if argument.k() == "keyword_argument" {
                            let keyword = argument.child_by_field_name("name").map_or("", text);
                            let value = argument
                                .child_by_field_name("value")
                                .filter(|_| keyword == "metaclass")
                                .and_then(|v| base_name(v, source));
                            Argument::Keyword(keyword.to_string(), value.map(str::to_string))
                        } else {
                            Argument::Positional(base_name(argument, source).map(str::to_string))
                        }));
                    }
                }
                out.push(ClassHeader { name: text(name).to_string(), range: name.byte_range(), arguments });
            }
            true
        }
        kind => super::holds_statements(kind),
    });
    out
}

/// The name of a base-class expression: `Name`, `a.b.Name`, `Name[T]`; none for calls.
fn base_name<'s>(node: Node, source: &'s str) -> Option<&'s str> {
    match node.k() {
        "identifier" => source.get(node.byte_range()),
        "attribute" => node.child_by_field_name("attribute").and_then(|a| source.get(a.byte_range())),
        "subscript" => node.child_by_field_name("value").and_then(|v| base_name(v, source)),
        "generic_type" => node.named_child(0).and_then(|v| base_name(v, source)),
        _ => None,
    }
}

/// The same list, read from the class headers the statement reader found (in source order, the
/// tree's pre-order): `class NAME [type parameters] [(arguments)]`; `None` on a header whose
/// shape [`Header`] does not know.
pub(crate) fn from_tokens(source: &str, tokens: &[Token], statements: &Statements) -> Option<Vec<ClassHeader>> {
    let header = Header(Text { source, tokens });
    let mut out = Vec::new();
    for statement in statements.list.iter().filter(|s| s.header && !s.in_function) {
        let Range { start, end } = statement.tokens;
        if !header.is_name(start, "class") {
            continue;
        }
        let name = start + 1;
        if name >= end || !header.is_identifier(name) {
            return None;
        }
        let mut next = name + 1;
        if next < end && header.is_op(next, "[") {
            next = header.group_end(next, end)?; // type parameters
        }
        let arguments = if next == end {
            Vec::new()
        } else if header.is_op(next, "(") && header.group_end(next, end)? == end {
            header.arguments(next + 1..end - 1)
        } else {
            return None;
        };
        let range = tokens[name].start as usize..tokens[name].end as usize;
        out.push(ClassHeader { name: header.text(name).to_string(), range, arguments });
    }
    Some(out)
}

use super::KEYWORDS;

/// A file's tokens, read as the tree reads a class header (ranges within one header, whose
/// brackets balance).
struct Header<'s, 't>(Text<'s, 't>);

impl<'s, 't> std::ops::Deref for Header<'s, 't> {
    type Target = Text<'s, 't>;

    fn deref(&self) -> &Text<'s, 't> {
        &self.0
    }
}

impl<'s> Header<'s, '_> {
    /// A name that is no keyword: an `identifier` on the tree.
    fn is_identifier(&self, index: usize) -> bool {
        self.tokens[index].kind == Kind::Name && !KEYWORDS.contains(&self.text(index))
    }

    /// The index after the bracket group opened at `open`, within `..end`.
    fn group_end(&self, open: usize, end: usize) -> Option<usize> {
        let mut depth = 0usize;
        (open..end)
            .find(|&index| {
                match self.text(index) {
                    "(" | "[" | "{" if self.tokens[index].kind == Kind::Op => depth += 1,
                    ")" | "]" | "}" if self.tokens[index].kind == Kind::Op => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth == 0
            })
            .map(|close| close + 1)
    }

    /// The arguments between a class's parentheses, split at commas outside brackets (a
    /// trailing comma allowed), each read as [`Argument`] or unknown (`None`).
    fn arguments(&self, range: Range<usize>) -> Vec<Option<Argument>> {
        let mut arguments = Vec::new();
        let mut start = range.start;
        while start < range.end {
            let mut end = start;
            while end < range.end && !self.is_op(end, ",") {
                end = if matches!(self.text(end), "(" | "[" | "{") && self.tokens[end].kind == Kind::Op {
                    self.group_end(end, range.end).unwrap_or(range.end)
                } else {
                    end + 1
                };
            }
            arguments.push(self.argument(start..end));
            start = end + 1;
        }
        arguments
    }

    /// One argument: `*x` and `**x` (splats: no base name), `name=value`, or an expression.
    fn argument(&self, range: Range<usize>) -> Option<Argument> {
        let Range { start, end } = range;
        if start < end && (self.is_op(start, "*") || self.is_op(start, "**")) {
            return Some(Argument::Positional(None));
        }
        if end > start + 2 && self.is_identifier(start) && self.is_op(start + 1, "=") {
            let keyword = self.text(start);
            let value = if keyword == "metaclass" { self.base_name(start + 2..end)? } else { None };
            return Some(Argument::Keyword(keyword.to_string(), value.map(str::to_string)));
        }
        Some(Argument::Positional(self.base_name(range)?.map(str::to_string)))
    }

    /// [`base_name`] of the expression `range`, when the tokens are certain of it: a name
    /// followed by trailers (`.name`, `[…]`, `(…)`), the last of which decides as on the tree
    /// (a subscript keeps its value's name, a call has none, an attribute is its name).
    fn base_name(&self, range: Range<usize>) -> Option<Option<&'s str>> {
        if range.is_empty() || !self.is_identifier(range.start) {
            return None;
        }
        let mut name = Some(self.text(range.start));
        let mut index = range.start + 1;
        while index < range.end {
            if self.is_op(index, ".") && index + 1 < range.end && self.is_identifier(index + 1) {
                name = Some(self.text(index + 1));
                index += 2;
            } else if self.is_op(index, "[") && index + 1 < range.end && !self.is_op(index + 1, "]") {
                index = self.group_end(index, range.end)?;
            } else if self.is_op(index, "(") {
                name = None;
                index = self.group_end(index, range.end)?;
            } else {
                return None;
            }
        }
        Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(source: &str) -> (Option<Vec<ClassHeader>>, Option<Vec<ClassHeader>>) {
        crate::python::both_builders(source, from_tree, |s, t, st| from_tokens(s, &t.tokens, st))
    }

    /// The tokens' headers are the tree's, except arguments the tokens mark unknown.
    fn agree(tokens: &[ClassHeader], tree: &[ClassHeader]) -> bool {
        tokens.len() == tree.len()
            && tokens.iter().zip(tree).all(|(t, r)| {
                t.name == r.name
                    && t.range == r.range
                    && t.arguments.len() == r.arguments.len()
                    && t.arguments.iter().zip(&r.arguments).all(|(a, b)| a.is_none() || a == b)
            })
    }

    #[test]
    fn both_builders_read_the_same_headers() {
        let source =
            "class A(B, c.D, E[T], f(), *g, metaclass=abc.ABCMeta, x=1): pass\nclass F[T]:\n    class G(H): pass\n\
                      def f():\n    class Local: pass\nif x:\n    class I((J)): pass\n";
        let (tree, tokens) = both(source);
        let (tree, tokens) = (tree.unwrap(), tokens.unwrap());
        assert!(agree(&tokens, &tree), "{tokens:?}\n{tree:?}");
        let names: Vec<&str> = tree.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(names, ["A", "F", "G", "I"]);
        let positional = |name: &str| Some(Argument::Positional(Some(name.to_string())));
        assert_eq!(
            tree[0].arguments,
            [
                positional("B"),
                positional("D"),
                positional("E"),
                Some(Argument::Positional(None)),
                Some(Argument::Positional(None)),
                Some(Argument::Keyword("metaclass".into(), Some("ABCMeta".into()))),
                Some(Argument::Keyword("x".into(), None)),
            ]
        );
        assert_eq!(tokens[3].arguments, [None], "`(J)` in parentheses is not read from tokens");
    }

    /// Files of the standard library (every tenth, in path order) whose tokens the reader
    /// understands and whose tree has no error: the same headers, arguments aside that the tokens
    /// leave unknown.
    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) = crate::python::both_builders_on_the_standard_library(
            from_tree,
            |s, t, st| from_tokens(s, &t.tokens, st),
            agree,
        );
        assert!(files > 100 && found > 500, "{files} files, {found} classes");
    }
}
