//! Name resolution for a small set of names, as Python does it at run time: which loads of those
//! names resolve to no binding (a `NameError` when the code runs). Scopes are module, class,
//! function, lambda and comprehension. A use inside a function body sees every binding of its
//! enclosing functions and of the module wherever it stands; a use at module or class level
//! needs a binding earlier in that scope (a module-level `del` unbinds); class bodies do not leak
//! into nested scopes; `global`/`nonlocal` are honoured; a `from x import *` anywhere makes every
//! name possibly bound (no result). pyflakes' undefined-name check is the reference.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Range;

use tree_sitter::Node;

use super::{import_bindings, name_ctx, walk_with, Ctx, FastKind, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Module,
    Class,
    Function,
    Lambda,
    Comprehension,
}

#[derive(Debug)]
struct Scope {
    kind: Kind,
    parent: Option<usize>,
    /// name → byte offsets of bindings.
    bindings: HashMap<String, Vec<usize>>,
    /// name → byte offsets of `del` statements (module scope only).
    deletions: HashMap<String, Vec<usize>>,
    globals: Vec<String>,
    nonlocals: Vec<String>,
}

impl Scope {
    fn new(kind: Kind, parent: Option<usize>) -> Self {
        Self {
            kind,
            parent,
            bindings: HashMap::new(),
            deletions: HashMap::new(),
            globals: Vec::new(),
            nonlocals: Vec::new(),
        }
    }
}

/// The walker's state for one node.
#[derive(Debug, Clone, Copy)]
struct State {
    ctx: Ctx,
    /// Scope where loads are resolved.
    scope: usize,
    /// Scope where stores bind (differs inside parameter lists).
    bind: usize,
    /// The scope this node opens, if any.
    own: Option<usize>,
    /// Inside an annotation.
    annotation: bool,
    /// The name of a walrus (binds outside comprehensions).
    walrus: bool,
    /// For a comprehension's first `for … in` clause: the scope its iterable is evaluated in.
    outer: Option<usize>,
    /// The target of an annotation without a value (`x: T`), which binds nothing.
    bare_target: bool,
}

struct Event {
    name: String,
    scope: usize,
    offset: usize,
    walrus: bool,
}

struct Load {
    name: String,
    scope: usize,
    range: Range<usize>,
    annotation: bool,
}

/// Loads of `names` in the tree that resolve to no binding: (name, byte range), in order. Empty
/// when the module has a star import.
pub(crate) fn unresolved(root: Node, source: &str, names: &[&str]) -> Vec<(String, Range<usize>)> {
    let wanted = |text: &str| names.contains(&text);
    // Where any of the names occurs as text (a superset of its identifiers), sorted.
    let mut occurrences: Vec<usize> = names
        .iter()
        .flat_map(|name| source.match_indices(name).map(|(offset, _)| offset).collect::<Vec<_>>())
        .collect();
    occurrences.sort_unstable();
    let scopes = RefCell::new(vec![Scope::new(Kind::Module, None)]);
    let mut bindings: Vec<Event> = Vec::new();
    let mut loads: Vec<Load> = Vec::new();
    let mut star_import = false;
    let mut future_annotations = false;
    let text = |node: &Node| source.get(node.byte_range()).unwrap_or_default();

    let root_state = State {
        ctx: Ctx::Load,
        scope: 0,
        bind: 0,
        own: None,
        annotation: false,
        walrus: false,
        outer: None,
        bare_target: false,
    };
    walk_with(
        root,
        root_state,
        |parent, parent_state, field, child, index| {
            let mut state = State {
                ctx: name_ctx(parent, parent_state.ctx, field, child, index),
                scope: parent_state.scope,
                bind: parent_state.bind,
                own: None,
                annotation: parent_state.annotation,
                walrus: false,
                outer: None,
                // Known here from the parent, not asked of the node later: a node's parent costs
                // tree-sitter a walk down from the root.
                bare_target: parent.k() == "assignment"
                    && field == Some("left")
                    && parent.child_by_field_name("right").is_none(),
            };
            let opened = |kind: Kind, parent_scope: usize| {
                let mut scopes = scopes.borrow_mut();
                scopes.push(Scope::new(kind, Some(parent_scope)));
                scopes.len() - 1
            };
            // The scope a node opens is created when the node itself is reached.
            match child.k() {
                "function_definition" => state.own = Some(opened(Kind::Function, state.scope)),
                "lambda" => state.own = Some(opened(Kind::Lambda, state.scope)),
                "class_definition" => state.own = Some(opened(Kind::Class, state.scope)),
                "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression" => {
                    state.own = Some(opened(Kind::Comprehension, state.scope))
                }
                _ => {}
            }
            match (parent.k(), field) {
                ("function_definition" | "lambda" | "class_definition", Some("body")) => {
                    let own = parent_state.own.unwrap_or(parent_state.scope);
                    state.scope = own;
                    state.bind = own;
                    state.annotation = false;
                }
                ("function_definition" | "lambda", Some("parameters")) => {
                    state.bind = parent_state.own.unwrap_or(parent_state.scope);
                }
                ("function_definition", Some("return_type")) => state.annotation = true,
                ("typed_parameter" | "typed_default_parameter" | "assignment", Some("type")) => state.annotation = true,
                ("named_expression", Some("name")) => state.walrus = true,
                (
                    "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression",
                    _,
                ) => {
                    let own = parent_state.own.unwrap_or(parent_state.scope);
                    if child.k() == "for_in_clause" && is_first_clause(parent, child) {
                        state.outer = Some(parent_state.scope);
                    }
                    state.scope = own;
                    state.bind = own;
                }
                ("for_in_clause", Some("right")) => {
                    if let Some(outer) = parent_state.outer {
                        state.scope = outer;
                        state.bind = outer;
                    }
                }
                _ => {}
            }
            state
        },
        |node, state| {
            match node.k() {
                "identifier" => {
                    let name = text(node);
                    if !wanted(name) {
                        return true;
                    }
                    match state.ctx.identifier_role() {
                        Some(Role::Load) => loads.push(Load {
                            name: name.to_string(),
                            scope: state.scope,
                            range: node.byte_range(),
                            annotation: state.annotation,
                        }),
                        // `x: T` without a value binds nothing.
                        Some(Role::Store) if state.bare_target => {}
                        Some(Role::Store) => bindings.push(Event {
                            name: name.to_string(),
                            scope: state.bind,
                            offset: node.start_byte(),
                            walrus: state.walrus,
                        }),
                        Some(Role::Del) if state.scope == 0 => {
                            scopes.borrow_mut()[0]
                                .deletions
                                .entry(name.to_string())
                                .or_default()
                                .push(node.start_byte());
                        }
                        Some(Role::Del) => {}
                        None => {}
                    }
                }
                "import_statement" | "import_from_statement" | "future_import_statement" => {
                    if node.k() == "import_from_statement" && has_wildcard(node) {
                        star_import = true;
                    }
                    for binding in import_bindings(node, source) {
                        if node.k() == "future_import_statement" && binding.name == Some("annotations") {
                            future_annotations = true;
                        }
                        if wanted(binding.bound) {
                            bindings.push(Event {
                                name: binding.bound.to_string(),
                                scope: state.bind,
                                offset: node.start_byte(),
                                walrus: false,
                            });
                        }
                    }
                }
                "global_statement" | "nonlocal_statement" => {
                    let mut cursor = node.walk();
                    let declared: Vec<String> = node
                        .named_children(&mut cursor)
                        .filter(|n| n.k() == "identifier")
                        .map(|n| text(&n).to_string())
                        .collect();
                    let mut scopes = scopes.borrow_mut();
                    let scope = &mut scopes[state.scope];
                    if node.k() == "global_statement" {
                        scope.globals.extend(declared);
                    } else {
                        scope.nonlocals.extend(declared);
                    }
                }
                _ => {}
            }
            // Only subtrees holding one of the names can load or bind it (star imports and
            // `__future__` imports are import statements, visited before this test).
            let (start, end) = (node.start_byte(), node.end_byte());
            let first = occurrences.partition_point(|&offset| offset < start);
            occurrences.get(first).is_some_and(|&offset| offset < end)
        },
    );
    if star_import {
        return Vec::new();
    }
    let mut scopes = scopes.into_inner();

    for event in bindings {
        let scope = target_scope(&scopes, event.scope, &event.name, event.walrus);
        scopes[scope].bindings.entry(event.name).or_default().push(event.offset);
    }
    for scope in &mut scopes {
        scope.bindings.values_mut().chain(scope.deletions.values_mut()).for_each(|offsets| offsets.sort_unstable());
    }

    let mut chains = Chains::default();
    let mut out = Vec::new();
    for load in loads {
        if !resolves(&scopes, &mut chains, &load, future_annotations) {
            out.push((load.name, load.range));
        }
    }
    out
}

/// What the scopes from one up to the module say of a name, offsets aside.
#[derive(Debug, Clone, Copy)]
enum Chain {
    /// A function, lambda or comprehension on the way binds it.
    Bound,
    /// The module decides; `through_function`: a function or lambda is on the way (its body
    /// runs later, so any module-level binding counts).
    Module { through_function: bool },
}

/// [`Chain`] per scope and name, each found once: a load in the 60,000th nested lambda does not
/// walk the 60,000 scopes around it again.
#[derive(Default)]
struct Chains(HashMap<String, Vec<Option<Chain>>>);

impl Chains {
    /// The chain from `start` (included) up to the module.
    fn of(&mut self, scopes: &[Scope], start: usize, name: &str) -> Chain {
        if !self.0.contains_key(name) {
            self.0.insert(name.to_string(), vec![None; scopes.len()]);
        }
        let known = self.0.get_mut(name).expect("inserted above");
        let mut path = Vec::new();
        let mut current = start;
        let mut found = loop {
            if let Some(chain) = known[current] {
                break chain;
            }
            let scope = &scopes[current];
            match scope.kind {
                Kind::Function | Kind::Lambda | Kind::Comprehension if scope.bindings.contains_key(name) => {
                    break Chain::Bound
                }
                Kind::Module => break Chain::Module { through_function: false },
                _ => {}
            }
            path.push(current);
            match scope.parent {
                Some(parent) => current = parent,
                // A scope with no parent that is not the module: nothing binds the name there.
                None => break Chain::Module { through_function: false },
            }
        };
        known[current] = Some(found);
        for &index in path.iter().rev() {
            if let (Kind::Function | Kind::Lambda, Chain::Module { .. }) = (scopes[index].kind, found) {
                found = Chain::Module { through_function: true };
            }
            known[index] = Some(found);
        }
        found
    }
}

/// The scope a binding in `scope` lands in: through `global`/`nonlocal`, and out of
/// comprehensions for a walrus.
fn target_scope(scopes: &[Scope], mut scope: usize, name: &str, walrus: bool) -> usize {
    if walrus {
        while scopes[scope].kind == Kind::Comprehension {
            match scopes[scope].parent {
                Some(parent) => scope = parent,
                None => break,
            }
        }
    }
    if scopes[scope].globals.iter().any(|g| g == name) {
        return 0;
    }
    if scopes[scope].nonlocals.iter().any(|n| n == name) {
        let mut current = scopes[scope].parent;
        while let Some(candidate) = current {
            if matches!(scopes[candidate].kind, Kind::Function | Kind::Lambda) {
                return candidate;
            }
            current = scopes[candidate].parent;
        }
    }
    scope
}

fn resolves(scopes: &[Scope], chains: &mut Chains, load: &Load, future_annotations: bool) -> bool {
    let offset = load.range.start;
    let deferred_annotation = load.annotation && future_annotations;
    // The scope of the load itself.
    let own = &scopes[load.scope];
    match own.kind {
        Kind::Function | Kind::Lambda | Kind::Comprehension => {
            if own.bindings.contains_key(&load.name) {
                return true;
            }
        }
        Kind::Module | Kind::Class => {
            if bound_before(own, &load.name, offset, deferred_annotation) {
                return true;
            }
        }
    }
    if load.scope == 0 {
        return false;
    }
    // Enclosing scopes, skipping classes; the module last.
    let deferred = deferred_annotation || matches!(own.kind, Kind::Function | Kind::Lambda);
    let Some(parent) = own.parent else { return false };
    match chains.of(scopes, parent, &load.name) {
        Chain::Bound => true,
        Chain::Module { through_function } => {
            bound_before(&scopes[0], &load.name, offset, deferred || through_function)
        }
    }
}

/// Whether `scope` (module or class) binds `name` before `offset` (anywhere when `anywhere`),
/// with no module-level `del` after that binding.
fn bound_before(scope: &Scope, name: &str, offset: usize, anywhere: bool) -> bool {
    let Some(offsets) = scope.bindings.get(name) else { return false };
    if anywhere {
        return true;
    }
    // Offsets are sorted: the last binding before `offset`, then the first `del` after it.
    let before = offsets.partition_point(|&o| o < offset);
    let Some(&last) = before.checked_sub(1).and_then(|i| offsets.get(i)) else { return false };
    !scope.deletions.get(name).is_some_and(|dels| {
        let after = dels.partition_point(|&d| d <= last);
        dels.get(after).is_some_and(|&d| d < offset)
    })
}

fn is_first_clause(comprehension: &Node, clause: &Node) -> bool {
    let mut cursor = comprehension.walk();
    let first = comprehension.named_children(&mut cursor).find(|n| n.k() == "for_in_clause");
    first.is_some_and(|first| first.id() == clause.id())
}

fn has_wildcard(node: &Node) -> bool {
    let mut cursor = node.walk();
    let found = node.named_children(&mut cursor).any(|child| child.k() == "wildcard_import");
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn undefined(source: &str) -> Vec<(String, usize)> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let names = ["Mock", "MagicMock", "patch", "call", "MagicNone"];
        unresolved(tree.root_node(), source, &names)
            .into_iter()
            .map(|(name, range)| (name, source[..range.start].matches('\n').count() + 1))
            .collect()
    }

    fn names(list: &[(&str, usize)]) -> Vec<(String, usize)> {
        list.iter().map(|(n, l)| (n.to_string(), *l)).collect()
    }

    #[test]
    fn module_level_use_needs_an_earlier_binding() {
        let src = "Mock()\nfrom unittest.mock import Mock\nMock()\ndel Mock\nMock()\n";
        assert_eq!(undefined(src), names(&[("Mock", 1), ("Mock", 5)]));
    }

    #[test]
    fn function_bodies_see_module_bindings_anywhere() {
        let src = "def f():\n    return Mock(), patch\nfrom unittest.mock import Mock\n";
        assert_eq!(undefined(src), names(&[("patch", 2)]));
    }

    #[test]
    fn class_bodies_do_not_leak_into_methods() {
        let src = "class T:\n    Mock = 1\n    x = Mock\n    def m(self):\n        return Mock\n";
        assert_eq!(undefined(src), names(&[("Mock", 5)]));
    }

    #[test]
    fn enclosing_functions_nonlocal_and_global() {
        let src = "def outer():\n    call = 1\n    def inner():\n        return call\n    return inner\n\
                   def g():\n    global patch\n    patch = 2\n\
                   def h():\n    return patch\n";
        assert_eq!(undefined(src), names(&[]));
    }

    #[test]
    fn comprehensions_have_their_own_scope() {
        let src = "x = [Mock for Mock in range(3)]\ny = Mock\nz = [a for a in MagicMock]\n";
        assert_eq!(undefined(src), names(&[("Mock", 2), ("MagicMock", 3)]));
    }

    #[test]
    fn parameters_defaults_and_decorators() {
        let src = "def f(Mock, x=MagicMock):\n    return Mock\n@patch\ndef g(): pass\nlambda call: call\n";
        assert_eq!(undefined(src), names(&[("MagicMock", 1), ("patch", 3)]));
    }

    #[test]
    fn every_binding_form_counts() {
        let src =
            "for Mock in []: pass\nwith open() as MagicMock: pass\ntry:\n    pass\nexcept E as patch:\n    pass\n\
                   if (call := 1): pass\nMock, MagicMock, patch, call\n";
        assert_eq!(undefined(src), names(&[]));
    }

    #[test]
    fn star_import_silences_everything() {
        assert_eq!(undefined("from unittest.mock import *\nMock()\nMagicNone\n"), names(&[]));
    }

    #[test]
    fn attributes_keywords_and_strings_are_not_loads() {
        let src = "import unittest.mock as m\nm.patch('x')\nf(call=1)\ns = 'Mock'\n";
        assert_eq!(undefined(src), names(&[]));
    }

    #[test]
    fn future_annotations_are_deferred() {
        let src =
            "from __future__ import annotations\ndef f(x: Mock) -> MagicMock: pass\nfrom unittest.mock import Mock\n";
        assert_eq!(undefined(src), names(&[("MagicMock", 2)]));
        let eager = "def f(x: Mock): pass\nfrom unittest.mock import Mock\n";
        assert_eq!(undefined(eager), names(&[("Mock", 1)]));
    }
}
