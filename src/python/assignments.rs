//! The string constants a module defines where a definition counts for the whole program:
//! assignments of a plain string literal (`NAME = "value"`, annotated, chained, parenthesized,
//! implicitly concatenated; not an f-string or bytes) directly in the module body, or directly
//! in the body of a class that is not inside a function (wherever that class stands). Two
//! builders give the same list in the same order (the module body, then each class body in
//! source order): [`from_tree`] and [`from_tokens`], which needs only the statements the token
//! reader found. Rules filter the list (by name, length); they never know which builder made it.

use std::ops::Range;

use tree_sitter::Node;

use super::statements::{Scope, Statements};
use super::strings::{literal, single, Literal};
use super::tokens::{Kind, Text, Token};
use super::FastKind;

/// One target bound to a string value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringAssignment {
    pub name: String,
    /// The target name's byte range.
    pub range: Range<usize>,
    /// The value, decoded.
    pub value: String,
}

/// The string assignments of the tree's counted bodies.
pub(crate) fn from_tree(root: Node, source: &str) -> Vec<StringAssignment> {
    let mut out = Vec::new();
    let mut bodies = vec![root];
    super::walk(root, |node, _| match node.k() {
        "function_definition" | "lambda" => false,
        "class_definition" => {
            bodies.extend(node.child_by_field_name("body"));
            true
        }
        kind => super::holds_statements(kind),
    });
    bodies.sort_by_key(|body| body.start_byte());
    for body in bodies {
        let mut cursor = body.walk();
        for statement in body.named_children(&mut cursor) {
            if statement.k() == "expression_statement" {
                if let Some(assignment) = statement.named_child(0).filter(|n| n.k() == "assignment") {
                    tree_assignment(source, assignment, &mut out);
                }
            }
        }
    }
    out
}

/// Records `NAME = "value"` (also annotated, also chained) from one assignment node.
fn tree_assignment(source: &str, assignment: Node, out: &mut Vec<StringAssignment>) {
    // `A = B = "x"` nests: assignment(left: A, right: assignment(left: B, right: "x")).
    let mut targets = Vec::new();
    let mut current = assignment;
    let value_node = loop {
        targets.extend(current.child_by_field_name("left"));
        match current.child_by_field_name("right") {
            Some(right) if right.k() == "assignment" => current = right,
            other => break other,
        }
    };
    let mut value_node = value_node;
    // `NAME = ("value")` is the same constant (comments inside the parentheses aside).
    while let Some(inner) = value_node.filter(|n| n.k() == "parenthesized_expression") {
        let mut cursor = inner.walk();
        let children: Vec<Node> = inner.named_children(&mut cursor).filter(|n| n.k() != "comment").collect();
        if children.len() != 1 {
            break;
        }
        value_node = Some(children[0]);
    }
    let Some(value_node) = value_node.filter(|n| matches!(n.k(), "string" | "concatenated_string")) else { return };
    let Literal::Str(value) = literal(&value_node, source) else { return };
    for target in targets.into_iter().filter(|t| t.k() == "identifier") {
        let name = source.get(target.byte_range()).unwrap_or_default();
        out.push(StringAssignment { name: name.to_string(), range: target.byte_range(), value: value.clone() });
    }
}

/// The same list, from the statements the token reader found.
pub(crate) fn from_tokens(source: &str, tokens: &[Token], statements: &Statements) -> Vec<StringAssignment> {
    let text = |index: usize| Text { source, tokens }.text(index);
    let is_op = |index: usize, op: &str| tokens[index].kind == Kind::Op && text(index) == op;
    // (body start, assignment): the tree reads the module body, then each class body in order.
    let mut found: Vec<(usize, StringAssignment)> = Vec::new();
    for statement in &statements.list {
        let counted = match statement.scope {
            Scope::Module => true,
            Scope::Class => !statement.in_function,
            Scope::Function => false,
        };
        if statement.header || !statement.direct || !counted {
            continue;
        }
        // Split at `=` outside brackets: targets, then the value.
        let mut parts = Vec::new();
        let mut depth = 0usize;
        let mut start = statement.tokens.start;
        for index in statement.tokens.clone() {
            if tokens[index].kind != Kind::Op {
                continue;
            }
            match text(index) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "=" if depth == 0 => {
                    parts.push(start..index);
                    start = index + 1;
                }
                _ => {}
            }
        }
        if parts.is_empty() {
            continue;
        }
        let mut value = start..statement.tokens.end;
        // `NAME = ("value")` is the same constant.
        while value.len() >= 2 && is_op(value.start, "(") && is_op(value.end - 1, ")") && {
            let mut depth = 0usize;
            value.clone().take(value.len() - 1).all(|index| {
                match text(index) {
                    "(" | "[" | "{" if tokens[index].kind == Kind::Op => depth += 1,
                    ")" | "]" | "}" if tokens[index].kind == Kind::Op => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth > 0
            })
        } {
            value = value.start + 1..value.end - 1;
        }
        if value.is_empty() || !value.clone().all(|index| matches!(tokens[index].kind, Kind::String | Kind::FString)) {
            continue;
        }
        let mut decoded = String::new();
        let mut plain = true;
        for index in value {
            match single(text(index)) {
                Literal::Str(part) => decoded.push_str(&part),
                _ => plain = false,
            }
        }
        if !plain {
            continue;
        }
        for (position, part) in parts.iter().enumerate() {
            // Only the first target may carry an annotation (`NAME: T = …`).
            let annotation = (position == 0).then(|| part.clone().find(|&i| is_op(i, ":"))).flatten();
            let target = annotation.map_or(part.clone(), |colon| part.start..colon);
            if target.len() != 1 || tokens[target.start].kind != Kind::Name {
                continue;
            }
            let range = tokens[target.start].start as usize..tokens[target.start].end as usize;
            let assignment = StringAssignment { name: text(target.start).to_string(), range, value: decoded.clone() };
            found.push((statement.body, assignment));
        }
    }
    found.sort_by_key(|(body, _)| *body);
    found.into_iter().map(|(_, assignment)| assignment).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(source: &str) -> (Option<Vec<StringAssignment>>, Option<Vec<StringAssignment>>) {
        crate::python::both_builders(source, from_tree, |s, t, st| Some(from_tokens(s, &t.tokens, st)))
    }

    #[test]
    fn both_builders_read_the_same_assignments() {
        let source = "A = 'x'\nB: str = ('y' 'z')\nC = D = \"w\"\nE = f'{x}'\nF = b'x'\ndef f():\n    G = 'no'\n\
                      class K:\n    H = 'k'\n    if x:\n        I = 'no'\nif y:\n    class L:\n        J = 'l'\n";
        let (tree, tokens) = both(source);
        assert_eq!(tokens, tree);
        let names: Vec<String> = tree.unwrap().into_iter().map(|a| format!("{}={}", a.name, a.value)).collect();
        assert_eq!(names, ["A=x", "B=yz", "C=w", "D=w", "H=k", "J=l"]);
    }

    /// Files of the standard library (every tenth, in path order) whose tokens the reader
    /// understands and whose tree has no error: the same assignments, in the same order.
    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) = crate::python::both_builders_on_the_standard_library(
            from_tree,
            |s, t, st| Some(from_tokens(s, &t.tokens, st)),
            |a, b| a == b,
        );
        assert!(files > 100 && found > 1_000, "{files} files, {found} assignments");
    }
}
