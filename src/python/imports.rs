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
    /// A `from` import: the byte range of its module as written, dots included.
    pub from_module: Option<Range<usize>>,
    /// Where the statement stands.
    pub context: Context,
}

/// Where an import statement stands, as the import rules ask.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Context {
    /// Inside a function body (it runs when the function is called).
    pub in_function: bool,
    /// In the body of an `if TYPE_CHECKING:` (or `if typing.TYPE_CHECKING:`): never run.
    pub type_checking: bool,
    /// Optional: in the body of a `try` one of whose handlers catches `ImportError` (or
    /// `ModuleNotFoundError`, `Exception`, `BaseException`, or everything), or of a
    /// `with suppress(ImportError)`, without a function body between.
    pub optional: bool,
}

/// Exception names whose handler makes the imports of its `try` body optional.
const CATCHES_IMPORT_ERROR: [&str; 4] = ["ImportError", "ModuleNotFoundError", "Exception", "BaseException"];

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
    /// The byte range of what is imported as written: the dotted module of `import a.b`, the
    /// name of `from m import n`.
    pub path: Range<usize>,
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
            path: b.path,
        })
        .collect();
    let from_module = match node.k() {
        "import_from_statement" => module.map(|m| m.byte_range()),
        "future_import_statement" => {
            let mut cursor = node.walk();
            let future = node.children(&mut cursor).find(|child| child.k() == "__future__");
            future.map(|m| m.byte_range())
        }
        _ => None,
    };
    Import {
        range: node.byte_range(),
        relative_module,
        star,
        bindings,
        from_module,
        context: tree_context(*node, source),
    }
}

/// Where the import statement `node` stands.
fn tree_context(node: Node, source: &str) -> Context {
    let text = |n: Node| source.get(n.byte_range()).unwrap_or_default();
    let mut context = Context::default();
    let mut child = node;
    while let Some(parent) = child.parent() {
        match parent.k() {
            "function_definition" => context.in_function = true,
            "block" => {
                let Some(holder) = parent.parent() else { break };
                let is_field = |field: &str| holder.child_by_field_name(field).map(|n| n.id()) == Some(parent.id());
                match holder.k() {
                    "try_statement" if !context.in_function && is_field("body") => {
                        let mut cursor = holder.walk();
                        let catches = holder.named_children(&mut cursor).any(|clause| {
                            if !matches!(clause.k(), "except_clause" | "except_group_clause") {
                                return false;
                            }
                            let mut inner = clause.walk();
                            let caught: Vec<Node> = clause
                                .named_children(&mut inner)
                                .filter(|c| !matches!(c.k(), "block" | "comment"))
                                .collect();
                            caught.is_empty()
                                || caught.iter().any(|c| {
                                    // `except E as e`: the names of `E`, not the alias.
                                    let value = if c.k() == "as_pattern" { c.named_child(0) } else { Some(*c) };
                                    value
                                        .is_some_and(|v| names_in(v, source).any(|n| CATCHES_IMPORT_ERROR.contains(&n)))
                                })
                        });
                        context.optional |= catches;
                    }
                    "with_statement" if !context.in_function && is_field("body") => {
                        let mut suppresses = false;
                        super::walk(holder, |n, _| {
                            if n.k() == "block" {
                                return false;
                            }
                            if n.k() == "call" {
                                let function = n.child_by_field_name("function");
                                let last = function.map(|f| match f.k() {
                                    "attribute" => f.child_by_field_name("attribute").map_or("", text),
                                    _ => text(f),
                                });
                                if last == Some("suppress") {
                                    if let Some(arguments) = n.child_by_field_name("arguments") {
                                        suppresses |=
                                            names_in(arguments, source).any(|n| CATCHES_IMPORT_ERROR.contains(&n));
                                    }
                                }
                            }
                            true
                        });
                        context.optional |= suppresses;
                    }
                    "if_statement" if is_field("consequence") => {
                        let condition = holder.child_by_field_name("condition");
                        context.type_checking |= condition.is_some_and(|c| match c.k() {
                            "identifier" => text(c) == "TYPE_CHECKING",
                            "attribute" => {
                                c.child_by_field_name("object").is_some_and(|o| o.k() == "identifier")
                                    && c.child_by_field_name("attribute").map(text) == Some("TYPE_CHECKING")
                            }
                            _ => false,
                        });
                    }
                    _ => {}
                }
            }
            _ => {}
        }
        child = parent;
    }
    context
}

/// The identifiers under `node`.
fn names_in<'s>(node: Node, source: &'s str) -> impl Iterator<Item = &'s str> {
    let mut found = Vec::new();
    super::walk(node, |n, _| {
        if n.k() == "identifier" {
            found.push(source.get(n.byte_range()).unwrap_or_default());
        }
        true
    });
    found.into_iter()
}

/// Every import statement, read from the tokens; `None` when one of them (or a `from` followed
/// by a dot anywhere else) is not something the reader understands.
/// A module as an import statement writes it (`. .pkg \\\n .mod`), without its blanks and line
/// continuations (`..pkg.mod`).
pub(crate) fn module_as_written(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace() && *c != '\\').collect()
}

pub(crate) fn from_tokens(source: &str, lexed: &super::tokens::Tokens, statements: &Statements) -> Option<Vec<Import>> {
    let tokens = &lexed.tokens[..];
    let text = |index: usize| Text { source, tokens }.text(index);
    let mut out = Vec::new();
    let contexts = TokenContexts::new(source, tokens, statements);
    for (position, statement) in statements.list.iter().enumerate().filter(|(_, s)| !s.header) {
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
                path: b.path,
            })
            .collect();
        out.push(Import {
            range,
            relative_module: import.relative_module,
            star: import.star,
            bindings,
            from_module: import.from_module,
            context: contexts.of(position),
        });
    }
    // A `from` followed by a dot that starts no statement is not Python the reader understands.
    let view = Text { source, tokens };
    let relative_from =
        |index: usize| view.is_name(index, "from") && (view.is_op(index + 1, ".") || view.is_op(index + 1, "..."));
    let relative = lexed.keywords.iter().filter(|&&index| relative_from(index as usize)).count();
    (relative == out.iter().filter(|import| import.relative_module.is_some()).count()).then_some(out)
}

/// What the compound statements around a statement say about its imports, read from the
/// headers. Which `try` headers guard their body is worked out on the first import inside one.
struct TokenContexts<'a> {
    view: Text<'a, 'a>,
    statements: &'a Statements,
    guarding: std::cell::OnceCell<Vec<bool>>,
}

impl<'a> TokenContexts<'a> {
    fn new(source: &'a str, tokens: &'a [Token], statements: &'a Statements) -> Self {
        Self { view: Text { source, tokens }, statements, guarding: std::cell::OnceCell::new() }
    }

    /// Whether the `try` header at `header` has a handler that catches `ImportError`.
    fn guards(&self, header: usize) -> bool {
        self.guarding.get_or_init(|| self.guarding())[header]
    }

    /// For each statement: it is a `try` header with a handler that catches `ImportError`. A
    /// handler belongs to the last `try` header in the same body, with only handlers, `else`
    /// and `finally` between.
    fn guarding(&self) -> Vec<bool> {
        let list = &self.statements.list;
        let mut guarding = vec![false; list.len()];
        // By body (the index of its header, plus one; 0 for the module): the open `try`.
        let mut open: Vec<Option<usize>> = vec![None; list.len() + 1];
        for (index, statement) in list.iter().enumerate() {
            let body = statement.parent.map_or(0, |parent| parent + 1);
            match self.view.text(statement.tokens.start) {
                "try" if statement.header => open[body] = Some(index),
                "except" if statement.header => {
                    if let Some(header) = open[body] {
                        guarding[header] |= Self::catches(&self.view, statement.tokens.clone());
                    }
                }
                "else" | "finally" if statement.header => {}
                _ => open[body] = None,
            }
        }
        guarding
    }

    /// Whether the `except` header in `range` catches `ImportError`: bare, or some name of its
    /// exception expression (before `as`) is one of [`CATCHES_IMPORT_ERROR`].
    fn catches(view: &Text, range: Range<usize>) -> bool {
        let mut names = (range.start + 1..range.end)
            .take_while(|&index| !(view.tokens[index].kind == Kind::Name && view.text(index) == "as"))
            .filter(|&index| view.tokens[index].kind == Kind::Name)
            .peekable();
        let expression = (range.start + 1..range.end).any(|index| view.text(index) != "*");
        !expression || names.any(|index| CATCHES_IMPORT_ERROR.contains(&view.text(index)))
    }

    /// Whether the `with` header in `range` calls `suppress(…)` with one of
    /// [`CATCHES_IMPORT_ERROR`] among the names of its arguments.
    fn suppresses(&self, range: Range<usize>) -> bool {
        let tokens = self.view.tokens;
        let is_op = |index: usize, op: &str| tokens[index].kind == Kind::Op && self.view.text(index) == op;
        range.clone().any(|index| {
            if !(tokens[index].kind == Kind::Name
                && self.view.text(index) == "suppress"
                && index + 1 < range.end
                && is_op(index + 1, "("))
            {
                return false;
            }
            let mut depth = 0usize;
            for (inner, token) in tokens.iter().enumerate().take(range.end).skip(index + 1) {
                if is_op(inner, "(") || is_op(inner, "[") || is_op(inner, "{") {
                    depth += 1;
                } else if is_op(inner, ")") || is_op(inner, "]") || is_op(inner, "}") {
                    depth -= 1;
                    if depth == 0 {
                        return false;
                    }
                } else if token.kind == Kind::Name && CATCHES_IMPORT_ERROR.contains(&self.view.text(inner)) {
                    return true;
                }
            }
            false
        })
    }

    /// The context of the statement at `position` in the list.
    fn of(&self, position: usize) -> Context {
        let list = &self.statements.list;
        let mut context = Context { in_function: list[position].in_function, ..Context::default() };
        let mut crossed_function = false;
        let mut parent = list[position].parent;
        while let Some(header) = parent {
            let range = list[header].tokens.clone();
            let keyword = self.view.text(range.start);
            let first_after_async = if keyword == "async" { self.view.text(range.start + 1) } else { keyword };
            match first_after_async {
                "def" => crossed_function = true,
                "try" if !crossed_function && !context.optional => context.optional = self.guards(header),
                "with" if !crossed_function => context.optional |= self.suppresses(range.clone()),
                "if" => {
                    // `if TYPE_CHECKING` or `if <name>.TYPE_CHECKING`.
                    let text = |offset: usize| self.view.text(range.start + offset);
                    context.type_checking |= match range.len() {
                        2 => text(1) == "TYPE_CHECKING",
                        4 => {
                            self.view.tokens[range.start + 1].kind == Kind::Name
                                && text(2) == "."
                                && text(3) == "TYPE_CHECKING"
                        }
                        _ => false,
                    };
                }
                _ => {}
            }
            parent = list[header].parent;
        }
        context
    }
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
        crate::python::both_builders(source, from_tree, from_tokens)
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

    #[test]
    fn contexts_say_where_an_import_stands() {
        let source = "\
import a
try:
    import b
    if x:
        import c
except (ValueError, ImportError) as error:
    import d
try:
    import e
except ValueError:
    pass
try:
    def f():
        import g
except:
    pass
with suppress(ModuleNotFoundError):
    import h
with open(p) as handle:
    import i
if TYPE_CHECKING:
    import j
else:
    import k
if typing.TYPE_CHECKING:
    import l
class K:
    try:
        import m
    except Exception:
        pass
";
        let (tree, tokens) = both(source);
        assert_eq!(tokens, tree);
        let contexts: Vec<(String, Context)> =
            tree.unwrap().iter().map(|import| (import.bindings[0].module.clone(), import.context)).collect();
        let flags = |name: &str| {
            let context = contexts.iter().find(|(module, _)| module == name).unwrap().1;
            (context.optional, context.type_checking, context.in_function)
        };
        assert_eq!(flags("a"), (false, false, false));
        assert_eq!(flags("b"), (true, false, false));
        assert_eq!(flags("c"), (true, false, false), "nested in the try body");
        assert_eq!(flags("d"), (false, false, false), "in the handler, not the body");
        assert_eq!(flags("e"), (false, false, false), "ValueError does not catch ImportError");
        assert_eq!(flags("g"), (false, false, true), "a function body runs later");
        assert_eq!(flags("h"), (true, false, false));
        assert_eq!(flags("i"), (false, false, false));
        assert_eq!(flags("j"), (false, true, false));
        assert_eq!(flags("k"), (false, false, false));
        assert_eq!(flags("l"), (false, true, false));
        assert_eq!(flags("m"), (true, false, false), "a class body runs at once");
    }

    /// Files of the standard library (every tenth, in path order: the sweep is slow in a debug
    /// build) whose tokens the reader understands and whose tree has no error: the token
    /// builder's imports are the tree's, exactly.
    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) =
            crate::python::both_builders_on_the_standard_library(from_tree, from_tokens, |a, b| a == b);
        assert!(files > 100 && found > 1_000, "{files} files, {found} imports");
    }
}
