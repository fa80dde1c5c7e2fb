//! Stub semantics: a `.pyi` file is never executed, so a name it uses resolves against every
//! binding of its module scope, wherever in the file that binding is (typeshed's `mock.pyi` names
//! `MagicMock` in signatures above `class MagicMock`). This module lists a stub's module-level
//! bindings: definitions, assignments, imports and `type` aliases, also inside the module-level
//! `if`/`try` blocks stubs use for version checks.

use std::collections::HashSet;

use tree_sitter::Node;

use super::FastKind;

/// Whether `path` is a stub.
pub(crate) fn is_stub(path: &std::path::Path) -> bool {
    path.extension().is_some_and(|ext| ext == "pyi")
}

/// The names bound in the module scope of the tree under `root`.
pub(crate) fn module_bindings<'s>(root: Node, source: &'s str) -> HashSet<&'s str> {
    let mut names = HashSet::new();
    let mut blocks = vec![root];
    while let Some(block) = blocks.pop() {
        let mut cursor = block.walk();
        for statement in block.named_children(&mut cursor) {
            bind_statement(statement, source, &mut names, &mut blocks);
        }
    }
    names
}

fn text<'s>(node: Node, source: &'s str) -> &'s str {
    source.get(node.byte_range()).unwrap_or_default()
}

fn bind_statement<'t, 's>(
    statement: Node<'t>,
    source: &'s str,
    names: &mut HashSet<&'s str>,
    blocks: &mut Vec<Node<'t>>,
) {
    match statement.k() {
        "class_definition" | "function_definition" => {
            if let Some(name) = statement.child_by_field_name("name") {
                names.insert(text(name, source));
            }
        }
        "type_alias_statement" if super::is_type_alias(&statement) => {
            // `type X = …` or `type X[T] = …`: the first identifier of the left side.
            let mut left = statement.child_by_field_name("left");
            while let Some(node) = left.filter(|node| node.k() != "identifier") {
                left = node.named_child(0);
            }
            if let Some(name) = left {
                names.insert(text(name, source));
            }
        }
        "decorated_definition" => {
            if let Some(definition) = statement.child_by_field_name("definition") {
                bind_statement(definition, source, names, blocks);
            }
        }
        "expression_statement" => {
            let mut cursor = statement.walk();
            for child in statement.named_children(&mut cursor) {
                // `a = b = 1` nests the second assignment on the right.
                let mut assignment = Some(child);
                while let Some(node) =
                    assignment.filter(|node| matches!(node.k(), "assignment" | "augmented_assignment"))
                {
                    bind_targets(node.child_by_field_name("left"), source, names);
                    assignment = node.child_by_field_name("right");
                }
            }
        }
        "import_statement" | "import_from_statement" => {
            let module = statement.child_by_field_name("module_name").map(|node| node.byte_range());
            let mut cursor = statement.walk();
            for child in statement.named_children(&mut cursor) {
                // The module of `from m import …` binds nothing.
                if Some(child.byte_range()) == module {
                    continue;
                }
                let bound = match child.k() {
                    "aliased_import" => child.child_by_field_name("alias"),
                    // `import a.b` binds `a`; `from m import b` binds `b`.
                    "dotted_name" => child.named_child(0),
                    _ => None,
                };
                if let Some(bound) = bound {
                    names.insert(text(bound, source));
                }
            }
        }
        // Version checks and fallbacks at module level bind in the module.
        "if_statement" | "try_statement" | "elif_clause" | "else_clause" | "except_clause" | "finally_clause" => {
            let mut cursor = statement.walk();
            for child in statement.named_children(&mut cursor) {
                match child.k() {
                    "block" => blocks.push(child),
                    "elif_clause" | "else_clause" | "except_clause" | "finally_clause" => {
                        bind_statement(child, source, names, blocks)
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
}

/// The identifiers a target binds (`a`, `a, b`, `(a, [b, *c])`; not attributes or subscripts).
fn bind_targets<'s>(target: Option<Node>, source: &'s str, names: &mut HashSet<&'s str>) {
    let Some(target) = target else { return };
    match target.k() {
        "identifier" => {
            names.insert(text(target, source));
        }
        "pattern_list" | "tuple_pattern" | "list_pattern" | "list_splat_pattern" | "parenthesized_expression" => {
            let mut cursor = target.walk();
            for child in target.named_children(&mut cursor) {
                bind_targets(Some(child), source, names);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bindings(source: &str) -> Vec<String> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let mut names: Vec<String> =
            module_bindings(tree.root_node(), source).into_iter().map(str::to_string).collect();
        names.sort();
        names
    }

    #[test]
    fn module_bindings_of_a_stub() {
        let source = "\
import os.path
import sys as system
from typing import Any, TypeVar as TV
from . import sibling
X: int
Y = Z = 1
a, (b, *c) = t
o.attr = 1
class MagicMock(Base): ...
@overload
def patch(x: MagicMock) -> Any: ...
if sys.version_info >= (3, 12):
    type Alias[T] = list[T]
    class Deep: ...
elif cond:
    E = 1
else:
    F = 2
try:
    import fast
except ImportError:
    fast = None
def f():
    local = 1
class C:
    member = 1
";
        let expected = [
            "Alias",
            "Any",
            "C",
            "Deep",
            "E",
            "F",
            "MagicMock",
            "TV",
            "X",
            "Y",
            "Z",
            "a",
            "b",
            "c",
            "f",
            "fast",
            "os",
            "patch",
            "sibling",
            "system",
        ];
        assert_eq!(bindings(source), expected);
    }
}
