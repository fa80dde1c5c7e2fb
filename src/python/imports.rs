//! The import statements of a module, as rules read them: each statement's range, the names it
//! binds, a star, the module of a relative import as written. Two builders give the same list:
//! [`from_tree`] (every import statement node of the syntax tree) and [`from_tokens`] (every
//! simple statement that starts with `import` or `from`, read exactly from its tokens; `None`
//! when some statement or token has a shape the reader does not know). A rule reads the list
//! and never knows which builder made it; the test below holds the two equal on the standard
//! library.

use std::ops::Range;

use tree_sitter::Node;

use super::statements::{self, Statements};
use super::tokens::{Kind, Text, Token};
use super::FastKind;

/// One import statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Import {
    /// The statement's byte range.
    pub range: Range<usize>,
    /// A relative `from` import: the byte range of its module as written (`..pkg.mod`).
    pub relative_module: Option<Range<usize>>,
    /// `from m import *`.
    pub star: bool,
    pub bindings: Vec<Binding>,
}

/// One name an import statement binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Binding {
    /// The bound name.
    pub bound: String,
    /// The module, without leading dots: `os.path` for `import os.path`, `x` for
    /// `from ..x import y`, `__future__` for a future import.
    pub module: String,
    /// The imported name of a `from` import (`None` for `import m`).
    pub name: Option<String>,
    /// Written with `as`.
    pub aliased: bool,
    /// Leading dots of a `from` import.
    pub level: usize,
}

/// Every import statement of the tree, in source order.
pub(crate) fn from_tree(root: Node, source: &str) -> Vec<Import> {
    let mut out = Vec::new();
    super::walk(root, |node, _| {
        if matches!(node.k(), "import_statement" | "import_from_statement" | "future_import_statement") {
            out.push(tree_import(node, source));
            return false;
        }
        true
    });
    out
}

fn tree_import(node: &Node, source: &str) -> Import {
    let module = node.child_by_field_name("module_name");
    let relative_module = module.filter(|m| m.k() == "relative_import").map(|m| m.byte_range());
    let mut cursor = node.walk();
    let star = node.named_children(&mut cursor).any(|child| child.k() == "wildcard_import");
    let bindings = super::import_bindings(node, source)
        .into_iter()
        .map(|b| Binding {
            bound: b.bound.to_string(),
            module: b.module.trim_start_matches('.').to_string(),
            name: b.name.map(str::to_string),
            aliased: b.aliased,
            level: b.level,
        })
        .collect();
    Import { range: node.byte_range(), relative_module, star, bindings }
}

/// Every import statement, read from the tokens; `None` when one of them (or a `from` followed
/// by a dot anywhere else) is not something the reader understands.
pub(crate) fn from_tokens(source: &str, tokens: &[Token], statements: &Statements) -> Option<Vec<Import>> {
    let text = |index: usize| Text { source, tokens }.text(index);
    let mut out = Vec::new();
    for statement in statements.list.iter().filter(|s| !s.header) {
        let first = statement.tokens.start;
        if tokens[first].kind != Kind::Name || !matches!(text(first), "import" | "from") {
            continue;
        }
        let import = statements::import(source, tokens, statement)?;
        let range = tokens[first].start as usize..tokens[statement.tokens.end - 1].end as usize;
        let bindings = import
            .bindings
            .into_iter()
            .map(|b| Binding {
                bound: b.bound.to_string(),
                module: b.module,
                name: b.name.map(str::to_string),
                aliased: b.aliased,
                level: b.level,
            })
            .collect();
        out.push(Import { range, relative_module: import.relative_module, star: import.star, bindings });
    }
    // A `from` followed by a dot that starts no statement is not Python the reader understands.
    let relative_from = |index: usize| {
        tokens[index].kind == Kind::Name
            && text(index) == "from"
            && tokens.get(index + 1).is_some_and(|t| t.kind == Kind::Op && matches!(text(index + 1), "." | "..."))
    };
    let relative = (0..tokens.len()).filter(|&index| relative_from(index)).count();
    (relative == out.iter().filter(|import| import.relative_module.is_some()).count()).then_some(out)
}

impl Import {
    /// The module of a plain module-level `from M import a, b as c` (absolute, no star, at the
    /// start of its line): the statement a fix may add names to.
    pub(crate) fn plain_from(&self, source: &str) -> Option<&str> {
        let module = self.bindings.first()?.module.as_str();
        let line_start = source[..self.range.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
        let plain = !self.star
            && line_start == self.range.start
            && self.bindings.iter().all(|b| b.level == 0 && b.name.is_some() && b.module == module);
        plain.then_some(module)
    }

    /// Where `, name` merges into this statement: after its last name (an alias included),
    /// before any `)` or comment.
    pub(crate) fn merge_point(&self, tokens: &[Token]) -> Option<usize> {
        tokens
            .iter()
            .rev()
            .find(|t| t.kind == Kind::Name && self.range.contains(&(t.start as usize)))
            .map(|t| t.end as usize)
    }
}

/// How a new import statement is written where it goes: the file's line ending, and a line
/// break first when the point ends a last line that has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct NewLine {
    crlf: bool,
    break_first: bool,
}

impl NewLine {
    /// For a statement inserted at byte `at` of `source`.
    pub(crate) fn at(source: &str, at: usize) -> Self {
        Self { crlf: source.contains("\r\n"), break_first: at > 0 && !source[..at].ends_with(['\n', '\r']) }
    }

    /// `from module import names` on a line of its own.
    pub(crate) fn statement(self, module: &str, names: &str) -> String {
        let newline = if self.crlf { "\r\n" } else { "\n" };
        let before = if self.break_first { newline } else { "" };
        format!("{before}from {module} import {names}{newline}")
    }
}

/// Where a new import statement goes in a module, read from its tokens: the start of the line
/// after the module docstring (parenthesized or not, as `ast` takes it) and the `from
/// __future__` imports, else the start of the first statement's line (after leading comments).
/// `None` for a file without a statement.
pub(crate) fn insertion_point(source: &str, tokens: &[Token], statements: &Statements) -> Option<usize> {
    let view = Text { source, tokens };
    let mut after: Option<usize> = None;
    for (index, statement) in statements.list.iter().enumerate() {
        let range = statement.tokens.clone();
        if range.is_empty() {
            continue;
        }
        let strings_only = tokens[range.clone()].iter().enumerate().all(|(i, t)| {
            t.kind == Kind::String || (t.kind == Kind::Op && matches!(view.text(range.start + i), "(" | ")"))
        }) && tokens[range.clone()].iter().any(|t| t.kind == Kind::String);
        let is_docstring = index == 0 && !statement.header && strings_only;
        let is_future = view.text(range.start) == "from" && view.text(range.start + 1) == "__future__";
        if is_docstring || is_future {
            after = Some(tokens[range.end - 1].end as usize);
            continue;
        }
        let start = tokens[range.start].start as usize;
        return Some(match after {
            Some(end) => next_line(source, end),
            None => source[..start].rfind(['\n', '\r']).map_or(0, |i| i + 1),
        });
    }
    after.map(|end| next_line(source, end))
}

/// The start of the line after byte `at` (the end of the text on its last line).
fn next_line(source: &str, at: usize) -> usize {
    match source[at..].find(['\n', '\r']) {
        Some(i) if source[at + i..].starts_with("\r\n") => at + i + 2,
        Some(i) => at + i + 1,
        None => source.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(source: &str) -> (Option<Vec<Import>>, Option<Vec<Import>>) {
        crate::python::both_builders(source, from_tree, |s, t, st| from_tokens(s, &t.tokens, st))
    }

    #[test]
    fn both_builders_read_the_same_imports() {
        let sources = [
            "import os\nimport os.path as p, a.b.c\nfrom . import x\nfrom ..pkg.mod import (a as b, c,)\n",
            "from __future__ import annotations\nfrom m import *\ndef f():\n    import json\n    from .x import y\n",
            "if x:\n    from a import b; import c\nclass K:\n    import d as e\n",
        ];
        for source in sources {
            let (tree, tokens) = both(source);
            assert_eq!(tokens, tree, "{source}");
            assert!(tree.is_some_and(|tree| !tree.is_empty()));
        }
        let tree = both("from . import x\n").0.unwrap();
        assert_eq!(tree[0].relative_module, Some(5..6));
        assert_eq!(tree[0].bindings[0].module, "");
        assert_eq!(tree[0].bindings[0].level, 1);
    }

    /// Files of the standard library (every tenth, in path order: the sweep is slow in a debug
    /// build) whose tokens the reader understands and whose tree has no error: the token
    /// builder's imports are the tree's, exactly.
    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) = crate::python::both_builders_on_the_standard_library(
            from_tree,
            |s, t, st| from_tokens(s, &t.tokens, st),
            |a, b| a == b,
        );
        assert!(files > 100 && found > 1_000, "{files} files, {found} imports");
    }
}
