//! What tree-sitter-python's trees mean for names: one iterative pass that tells, for every
//! identifier, whether Python loads, stores or deletes it (as `ast`'s `ctx` would), the bindings
//! an import statement makes, string literal values, and ([`model`]) which uses of a set of
//! names are undefined, as pyflakes says. Engines build on this; it knows no rule.

pub(crate) mod assignments;
pub(crate) mod classes;
pub(crate) mod exports;
pub(crate) mod imports;
pub(crate) mod model;
pub(crate) mod statements;
pub(crate) mod strings;
pub(crate) mod stub;
pub(crate) mod tokens;
pub(crate) mod uses;

/// Node kinds by id, so hot loops need not measure and validate C strings (`Node::kind`).
fn kind_names() -> &'static [&'static str] {
    static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();
    NAMES.get_or_init(|| {
        let language: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
        (0..language.node_kind_count() as u16).map(|id| language.node_kind_for_id(id).unwrap_or("")).collect()
    })
}

/// Whether a node of this kind can contain statements (and so class definitions): walks that
/// look for classes or module-level statements need not enter anything else.
pub(crate) fn holds_statements(kind: &str) -> bool {
    matches!(
        kind,
        "module"
            | "block"
            | "decorated_definition"
            | "class_definition"
            | "if_statement"
            | "elif_clause"
            | "else_clause"
            | "try_statement"
            | "except_clause"
            | "except_group_clause"
            | "finally_clause"
            | "with_statement"
            | "for_statement"
            | "while_statement"
            | "match_statement"
            | "case_clause"
            | "ERROR"
    )
}

/// `Node::kind` in O(1).
/// Python's hard keywords: never an identifier (a name before `(` that is one of them does not
/// make a call).
pub(crate) const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Whether `name` is one of Python's hard keywords.
/// Whether a `type_alias_statement` node is one: tree-sitter-python also reads `type[x] = 1`,
/// `type(x).y = 1` and `type[x]: int = 1` so, which CPython reads as assignments to a subscript
/// or an attribute of the name `type` (they bind nothing). A real alias names an identifier,
/// with or without type parameters.
pub(crate) fn is_type_alias(node: &Node) -> bool {
    let named = node.child_by_field_name("left").and_then(|left| left.named_child(0));
    named.is_some_and(|name| matches!(name.k(), "identifier" | "generic_type"))
}

/// `node` without the parentheses around it, comments and line continuations inside aside
/// (`(("x"))` is the string, the target `((a))` the name); `None` when a pair of them holds more
/// than one thing (`(a, b)`, `(a,)`).
pub(crate) fn unparenthesized(mut node: Node) -> Option<Node> {
    while matches!(node.k(), "parenthesized_expression" | "tuple_pattern") {
        let mut cursor = node.walk();
        let mut inside =
            node.children(&mut cursor).filter(|c| !matches!(c.k(), "comment" | "line_continuation" | "(" | ")"));
        match (inside.next(), inside.next()) {
            (Some(only), None) if only.is_named() => node = only,
            _ => return None,
        }
    }
    Some(node)
}

pub(crate) fn is_keyword(name: &str) -> bool {
    KEYWORDS.contains(&name)
}

pub(crate) trait FastKind {
    fn k(&self) -> &'static str;
}

impl FastKind for Node<'_> {
    fn k(&self) -> &'static str {
        kind_names().get(self.kind_id() as usize).copied().unwrap_or("")
    }
}

use tree_sitter::{Node, TreeCursor};

/// The context a node is in, as CPython's `ast` assigns `ctx` (plus the non-name positions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ctx {
    Load,
    Store,
    Del,
    /// Inside a parameter list: identifiers are bound.
    Param,
    /// Inside a `match` pattern: a lone name is a capture (a binding), a dotted name a value.
    Pattern,
    /// A value pattern (`case Color.RED`): the first name is loaded.
    ValuePattern,
    /// Not a name at all: attribute names, keyword-argument names, `global` lists, import paths.
    NotName,
}

/// What Python does with an identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Load,
    Store,
    Del,
}

impl Ctx {
    /// The role of an identifier in this context, `None` when it is not a name.
    pub(crate) fn identifier_role(self) -> Option<Role> {
        match self {
            Ctx::Load | Ctx::ValuePattern => Some(Role::Load),
            Ctx::Store | Ctx::Param | Ctx::Pattern => Some(Role::Store),
            Ctx::Del => Some(Role::Del),
            Ctx::NotName => None,
        }
    }
}

/// Node kinds that pass a store/delete context on to their elements.
fn passes_target_ctx(kind: &str) -> bool {
    matches!(
        kind,
        "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "tuple"
            | "list"
            | "parenthesized_expression"
            | "list_splat_pattern"
            | "list_splat"
            | "expression_list"
    )
}

/// The context of a child with `field` and `kind` under `parent` (in `parent_ctx`).
fn child_ctx(parent: &Node, parent_ctx: Ctx, field: Option<&str>, kind: &str) -> Ctx {
    match (parent.k(), field) {
        ("attribute", Some("object")) => return Ctx::Load,
        ("attribute", Some("attribute")) => return Ctx::NotName,
        ("keyword_argument", Some("name")) => return Ctx::NotName,
        ("assignment" | "augmented_assignment" | "for_statement" | "for_in_clause", Some("left")) => return Ctx::Store,
        ("named_expression", Some("name")) => return Ctx::Store,
        ("as_pattern" | "except_clause", Some("alias")) => return Ctx::Store,
        ("as_pattern_target", _) => return Ctx::Store,
        ("delete_statement", _) => return Ctx::Del,
        ("function_definition" | "class_definition", Some("name")) => return Ctx::Store,
        ("function_definition", Some("parameters")) | ("lambda", Some("parameters")) => return Ctx::Param,
        ("function_definition" | "class_definition", Some("type_parameters")) => return Ctx::Store,
        ("type_alias_statement", Some("left")) if is_type_alias(parent) => return Ctx::Store,
        ("global_statement" | "nonlocal_statement", _) => return Ctx::NotName,
        ("case_clause", None) if kind == "case_pattern" => return Ctx::Pattern,
        ("dict_pattern", Some("key")) => return Ctx::ValuePattern,
        ("class_pattern", _) if kind == "dotted_name" => return Ctx::ValuePattern,
        ("keyword_pattern", _) if kind == "identifier" => return Ctx::NotName,
        _ => {}
    }
    match parent_ctx {
        Ctx::Param => match (parent.k(), field) {
            ("default_parameter" | "typed_default_parameter", Some("name")) => Ctx::Param,
            ("default_parameter" | "typed_default_parameter" | "typed_parameter", Some("value" | "type")) => Ctx::Load,
            _ => Ctx::Param,
        },
        Ctx::Store | Ctx::Del => {
            if passes_target_ctx(parent.k()) {
                parent_ctx
            } else {
                Ctx::Load
            }
        }
        Ctx::Pattern => Ctx::Pattern,
        Ctx::ValuePattern => match parent.k() {
            "dotted_name" => Ctx::ValuePattern,
            _ => Ctx::Load,
        },
        Ctx::NotName => Ctx::NotName,
        Ctx::Load => Ctx::Load,
    }
}

/// Visits every node of the tree in document order with its [`Ctx`], without recursion (deep
/// trees cannot overflow the stack). Import statements are visited but not entered: use
/// [`import_bindings`]. `visit` returns `false` to skip a node's children.
pub(crate) fn walk<'t>(root: Node<'t>, mut visit: impl FnMut(&Node<'t>, Ctx) -> bool) {
    walk_with(
        root,
        Ctx::Load,
        |parent, ctx, field, child, index| name_ctx(parent, *ctx, field, child, index),
        |node, ctx| visit(node, *ctx),
    );
}

/// The [`Ctx`] of the `index`-th child `child` (with `field`) of `parent`, which is in `ctx`.
pub(crate) fn name_ctx(parent: &Node, ctx: Ctx, field: Option<&str>, child: &Node, index: usize) -> Ctx {
    // In a dotted value pattern only the first name is a name.
    if matches!(ctx, Ctx::Pattern | Ctx::ValuePattern) && parent.k() == "dotted_name" {
        if parent.named_child_count() > 1 || ctx == Ctx::ValuePattern {
            return if index == 0 { Ctx::ValuePattern } else { Ctx::NotName };
        }
        return Ctx::Pattern;
    }
    child_ctx(parent, ctx, field, child.k())
}

/// Visits every node in document order, computing each child's state from its parent's with
/// `child(parent, parent_state, field, child, child_index)`; iterative, one cursor. Import
/// statements are visited but not entered; `visit` returns `false` to skip a node's children.
pub(crate) fn walk_with<'t, S>(
    root: Node<'t>,
    root_state: S,
    mut child: impl FnMut(&Node<'t>, &S, Option<&str>, &Node<'t>, usize) -> S,
    mut visit: impl FnMut(&Node<'t>, &S) -> bool,
) {
    let mut cursor: TreeCursor<'t> = root.walk();
    // (node, its state, index of the current child) of every ancestor of the cursor's node.
    let mut parents: Vec<(Node<'t>, S, usize)> = Vec::new();
    let mut state = root_state;
    loop {
        let node = cursor.node();
        let enter = visit(&node, &state)
            && !matches!(node.k(), "import_statement" | "import_from_statement" | "future_import_statement");
        if enter && cursor.goto_first_child() {
            let first = cursor.node();
            let child_state = child(&node, &state, cursor.field_name(), &first, 0);
            parents.push((node, state, 0));
            state = child_state;
            continue;
        }
        loop {
            let Some((parent, parent_state, index)) = parents.last_mut() else { return };
            if cursor.goto_next_sibling() {
                *index += 1;
                let next = cursor.node();
                state = child(parent, parent_state, cursor.field_name(), &next, *index);
                break;
            }
            cursor.goto_parent();
            parents.pop();
        }
    }
}

/// One name an import statement binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportBinding<'s> {
    /// The name bound in the importing scope.
    pub bound: &'s str,
    /// `import a.b` / `import a.b as x`: the module (`a.b`); `from m import n`: `m`, with the
    /// leading dots of a relative import.
    pub module: String,
    /// `from m import n`: `n`; `None` for `import …`.
    pub name: Option<&'s str>,
    /// `import a.b as x` or `from m import n as x`.
    pub aliased: bool,
    /// Number of leading dots of a relative `from` import.
    pub level: usize,
    /// The node of the bound name (the alias, or the dotted name).
    pub node: Node<'s>,
    /// The byte range of what is imported as written: the dotted module of `import a.b`, the
    /// name of `from m import n`.
    pub path: std::ops::Range<usize>,
}

/// The names bound by an `import_statement`, `import_from_statement` or
/// `future_import_statement` node; `from m import *` binds nothing listed (see `is_star_import`).
pub(crate) fn import_bindings<'s>(node: &Node<'s>, source: &'s str) -> Vec<ImportBinding<'s>> {
    let mut out = Vec::new();
    let text = |n: Node| source.get(n.byte_range()).unwrap_or_default();
    let dotted = |n: Node<'s>| -> String {
        let mut cursor = n.walk();
        n.named_children(&mut cursor).filter(|c| c.k() == "identifier").map(text).collect::<Vec<_>>().join(".")
    };
    let (module, level) = match node.k() {
        "import_statement" => (None, 0),
        "future_import_statement" => (Some("__future__".to_string()), 0),
        "import_from_statement" => match node.child_by_field_name("module_name") {
            Some(m) if m.k() == "relative_import" => {
                let mut level = 0;
                let mut name = String::new();
                let mut cursor = m.walk();
                for child in m.named_children(&mut cursor) {
                    match child.k() {
                        "import_prefix" => level = text(child).chars().filter(|&c| c == '.').count(),
                        "dotted_name" => name = dotted(child),
                        _ => {}
                    }
                }
                (Some(format!("{}{name}", ".".repeat(level))), level)
            }
            Some(m) => (Some(dotted(m)), 0),
            None => return out,
        },
        _ => return out,
    };
    let mut cursor = node.walk();
    for child in node.children_by_field_name("name", &mut cursor) {
        let (path_node, alias) = match child.k() {
            "aliased_import" => (child.child_by_field_name("name"), child.child_by_field_name("alias")),
            "dotted_name" => (Some(child), None),
            _ => continue,
        };
        let Some(path_node) = path_node else { continue };
        let path = dotted(path_node);
        match (&module, alias) {
            (None, Some(alias)) => out.push(ImportBinding {
                bound: text(alias),
                module: path,
                name: None,
                aliased: true,
                level,
                node: alias,
                path: path_node.byte_range(),
            }),
            (None, None) => {
                let Some(first) = path_node.named_child(0) else { continue };
                out.push(ImportBinding {
                    bound: text(first),
                    module: path,
                    name: None,
                    aliased: false,
                    level,
                    node: first,
                    path: path_node.byte_range(),
                });
            }
            (Some(module), alias) => {
                let Some(first) = path_node.named_child(0) else { continue };
                let bound_node = alias.unwrap_or(first);
                out.push(ImportBinding {
                    bound: text(bound_node),
                    module: module.clone(),
                    name: Some(text(first)),
                    aliased: alias.is_some(),
                    level,
                    node: bound_node,
                    path: first.byte_range(),
                });
            }
        }
    }
    out
}

/// What a facet's two builders make of `source`: the tree's (`None` when the tree has errors: it
/// is no oracle then) and the tokens' (`None` when the tokens or the statement reader decline,
/// or the builder does).
#[cfg(test)]
pub(crate) fn both_builders<T>(
    source: &str,
    tree: impl FnOnce(Node, &str) -> T,
    tokens: impl FnOnce(&str, &tokens::Tokens, &statements::Statements) -> Option<T>,
) -> (Option<T>, Option<T>) {
    let mut parser = tree_sitter::Parser::new();
    parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("the grammar loads");
    let parsed = parser.parse(source, None).expect("no timeout is set");
    let from_tree = (!parsed.root_node().has_error()).then(|| tree(parsed.root_node(), source));
    let lexed = tokens::tokenize(source);
    let statements = statements::Statements::new(source, &lexed);
    let from_tokens = (lexed.ok && statements.ok).then(|| tokens(source, &lexed, &statements)).flatten();
    (from_tree, from_tokens)
}

/// Every tenth file of the standard library (in path order: the sweep is slow in a debug build)
/// whose tree has no error and whose tokens a facet's token builder reads: `agree` must hold
/// between the two builders' results. Returns (files compared, items the tree found).
#[cfg(test)]
pub(crate) fn both_builders_on_the_standard_library<T: std::fmt::Debug>(
    tree: impl Fn(Node, &str) -> Vec<T>,
    tokens: impl Fn(&str, &tokens::Tokens, &statements::Statements) -> Option<Vec<T>>,
    agree: impl Fn(&[T], &[T]) -> bool,
) -> (usize, usize) {
    let Some(stdlib) = crate::testing::stdlib() else { return (usize::MAX, usize::MAX) };
    let (mut files, mut found) = (0, 0);
    for path in crate::testing::python_files(&stdlib).iter().step_by(10) {
        let Ok(source) = std::fs::read_to_string(path) else { continue };
        if let (Some(from_tree), Some(from_tokens)) = both_builders(&source, &tree, &tokens) {
            if !agree(&from_tokens, &from_tree) {
                // The first item that differs, with the source it stands for.
                let first = from_tokens.iter().zip(&from_tree).position(|(a, b)| format!("{a:?}") != format!("{b:?}"));
                let shown = |list: &[T]| {
                    first.map_or_else(|| format!("{} items", list.len()), |i| format!("{:?}", list.get(i)))
                };
                panic!(
                    "{}: the builders differ\ntokens: {}\ntree:   {}",
                    path.display(),
                    shown(&from_tokens),
                    shown(&from_tree)
                );
            }
            files += 1;
            found += from_tree.len();
        }
    }
    (files, found)
}
