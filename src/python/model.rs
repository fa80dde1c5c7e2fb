//! A file's semantic model for a small set of names, and the one resolver over it that says
//! which uses of those names are undefined, as pyflakes' undefined-name check does.
//!
//! The model holds the scopes (module, class, function or lambda, comprehension) and, for the
//! names asked about, every event in the order pyflakes meets it: loads, bindings (import,
//! assignment, annotation without a value, walrus, `except … as` and its end, `global` or
//! `nonlocal`, a star import), deletions and deferrals. pyflakes walks a module once and defers
//! every function and lambda body (and, under `from __future__ import annotations`, every
//! annotation) to the end, in the order it met them; so events come in *blocks*: block 0 is the
//! module, each deferred body or annotation its own block, started by a `Defer` event in the
//! block around it. Within a block, events are in evaluation order, not source order: the value
//! of an assignment before its targets, a `for` or comprehension iterable before its target, a
//! comprehension's clauses before its element, a class body before its name is bound.
//!
//! Two builders make the model: [`from_tree`] from the tree-sitter tree (every file), and
//! `statements::model` from the tokens when they are certain (the fast path, which declines
//! otherwise). [`resolve`] replays the events as pyflakes would; the `differential` tests below
//! (on the standard library, as is and with its imports removed) and `tests/fast_path.rs` hold
//! both builders' answers equal. Where pyflakes and Python differ, pyflakes is followed (see
//! `docs/decisions.md`): a `del` under `if`/`while`/a conditional expression is ignored, the
//! `except … as` name gives back the binding it hid, a comprehension directly in a class sees the
//! class's names, a `global` in a function binds the name for the functions checked after it.

use std::collections::VecDeque;
use std::ops::Range;

use tree_sitter::Node;

use super::{import_bindings, name_ctx, Ctx, FastKind, Role};

/// What kind of scope: lambdas are functions (pyflakes gives them a function scope).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ScopeKind {
    Module,
    Class,
    Function,
    Comprehension,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Scope {
    pub kind: ScopeKind,
    /// The enclosing scope (the module's own index for the module).
    pub parent: u32,
}

/// How a name is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    /// Import, assignment, `for`/`with`/`match` target, parameter, `def`/`class` name.
    Plain,
    /// `x: T` without a value: a name only annotated, which loads skip.
    Annotation,
    /// `x := v`: binds in the nearest scope that is not a comprehension.
    Walrus,
}

/// One event of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum What {
    /// A load. `guarded`: in the body of a `try` whose handlers name `NameError`. `postponed`:
    /// in an annotation deferred by `from __future__ import annotations`. `uncertain`: the
    /// builder is not sure it is a load (a name seen inside an f-string token).
    Load {
        guarded: bool,
        postponed: bool,
        uncertain: bool,
    },
    Bind(Bound),
    /// `del name`; `conditional`: under an `if`, `while` or conditional expression.
    Del {
        conditional: bool,
    },
    /// `global name` or `nonlocal name` (pyflakes treats both alike).
    Global,
    /// `except … as name:` starts: the name is bound, hiding the binding it had.
    ExceptStart,
    /// The handler of `except … as name` ends: the name is unbound, the hidden binding back.
    ExceptEnd,
    /// `from m import *` (the name is irrelevant).
    Star,
    /// The block (a function or lambda body, or an annotation) runs later.
    Defer(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Event {
    pub scope: u32,
    /// Index into the names the model was built for.
    pub name: u16,
    pub start: u32,
    pub end: u32,
    pub what: What,
}

impl Event {
    pub(crate) fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// Scopes and blocks of events of one file, for one set of names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Model {
    pub scopes: Vec<Scope>,
    /// Block 0 is the module's.
    pub blocks: Vec<Vec<Event>>,
}

impl Model {
    pub(crate) fn new() -> Self {
        Model { scopes: vec![Scope { kind: ScopeKind::Module, parent: 0 }], blocks: vec![Vec::new()] }
    }

    pub(crate) fn scope(&mut self, kind: ScopeKind, parent: u32) -> u32 {
        self.scopes.push(Scope { kind, parent });
        (self.scopes.len() - 1) as u32
    }

    pub(crate) fn block(&mut self) -> u32 {
        self.blocks.push(Vec::new());
        (self.blocks.len() - 1) as u32
    }

    pub(crate) fn push(&mut self, block: u32, event: Event) {
        self.blocks[block as usize].push(event);
    }
}

/// One undefined use: the name's index, its range, and whether the event was uncertain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Undefined {
    pub name: u16,
    pub range: Range<usize>,
    pub uncertain: bool,
}

/// A binding as the resolver keeps it: how it was bound, and the last load that found it
/// (scope of the load, index of the load's event in `loads`).
#[derive(Debug, Clone, Copy)]
struct Binding {
    bound: Bound,
    used: Option<(u32, usize)>,
}

/// Which report: pyflakes' `UndefinedName` or `UndefinedLocal`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    Name,
    Local,
}

/// The resolver's state: each scope's bindings, in a small list per scope (a handful of names).
struct Replay<'m> {
    model: &'m Model,
    bindings: Vec<Vec<(u16, Binding)>>,
    star: bool,
    /// Bindings hidden by `except … as` handlers, innermost last.
    hidden: Vec<Option<Binding>>,
    /// Every load met, so `UndefinedLocal` can point back at one.
    loads: Vec<Event>,
    reports: Vec<(Report, Event)>,
    /// Per scope: its depth, and the nearest scope at or above it that is not a comprehension.
    depth: Vec<u32>,
    top: Vec<u32>,
    /// Per name: bumped whenever a binding of it is made or removed, so that `found` is valid
    /// while it has not moved.
    version: Vec<u32>,
    /// Per name: some scope has held an annotation-only binding of it (then loads take the
    /// plain walk, which knows how pyflakes steps over those).
    annotated: Vec<bool>,
    /// Per name, per scope: (version, scope + 1 or 0) of [`Replay::up`]'s last answer. A load in
    /// the 20,000th nested lambda does not walk the 20,000 scopes around it again.
    found: Vec<Vec<(u32, u32)>>,
    /// Per function scope: (name, enclosing scope) of the loads from it that found an enclosing
    /// function's or the module's binding (the candidates of `UndefinedLocal`).
    outer_uses: std::collections::HashMap<u32, Vec<(u16, u32)>>,
    path: Vec<u32>,
}

impl Replay<'_> {
    fn get(&self, scope: u32, name: u16) -> Option<&Binding> {
        self.bindings[scope as usize].iter().find(|(n, _)| *n == name).map(|(_, b)| b)
    }

    fn get_mut(&mut self, scope: u32, name: u16) -> Option<&mut Binding> {
        self.bindings[scope as usize].iter_mut().find(|(n, _)| *n == name).map(|(_, b)| b)
    }

    fn remove(&mut self, scope: u32, name: u16) -> Option<Binding> {
        let list = &mut self.bindings[scope as usize];
        let at = list.iter().position(|(n, _)| *n == name)?;
        self.version[name as usize] += 1;
        Some(list.swap_remove(at).1)
    }

    fn set(&mut self, scope: u32, name: u16, binding: Binding) {
        self.version[name as usize] += 1;
        if binding.bound == Bound::Annotation {
            self.annotated[name as usize] = true;
        }
        match self.get_mut(scope, name) {
            Some(existing) => *existing = binding,
            None => self.bindings[scope as usize].push((name, binding)),
        }
    }

    fn kind(&self, scope: u32) -> ScopeKind {
        self.model.scopes[scope as usize].kind
    }

    fn parent(&self, scope: u32) -> u32 {
        self.model.scopes[scope as usize].parent
    }

    /// `scope` and its enclosing scopes, innermost first.
    fn chain(&self, scope: u32) -> impl Iterator<Item = u32> + '_ {
        let mut next = Some(scope);
        std::iter::from_fn(move || {
            let current = next?;
            next = (current != 0).then(|| self.parent(current));
            Some(current)
        })
    }

    /// The first scope from `start` up that binds `name`, class scopes skipped.
    fn up(&mut self, start: u32, name: u16) -> Option<u32> {
        let version = self.version[name as usize];
        let scopes = self.model.scopes.len();
        if self.found[name as usize].is_empty() {
            self.found[name as usize] = vec![(u32::MAX, 0); scopes];
        }
        self.path.clear();
        let mut current = start;
        let answer = loop {
            let (seen, answer) = self.found[name as usize][current as usize];
            if seen == version {
                break answer.checked_sub(1);
            }
            self.path.push(current);
            if self.kind(current) != ScopeKind::Class && self.get(current, name).is_some() {
                break Some(current);
            }
            if current == 0 {
                break None;
            }
            current = self.parent(current);
        };
        let encoded = answer.map_or(0, |scope| scope + 1);
        for &scope in &self.path {
            self.found[name as usize][scope as usize] = (version, encoded);
        }
        answer
    }

    /// The scope whose binding a load of `name` in `scope` finds, as pyflakes looks: class
    /// scopes are seen only from their own body and from comprehensions in it.
    fn lookup(&mut self, scope: u32, name: u16) -> Option<u32> {
        if self.kind(scope) == ScopeKind::Class {
            return if self.get(scope, name).is_some() { Some(scope) } else { self.up(self.parent(scope), name) };
        }
        let top = self.top[scope as usize];
        let found = self.up(scope, name);
        if self.kind(scope) == ScopeKind::Comprehension && self.kind(top) == ScopeKind::Class {
            let inside = found.is_some_and(|f| self.depth[f as usize] > self.depth[top as usize]);
            if !inside && self.get(top, name).is_some() {
                return Some(top);
            }
        }
        found
    }

    /// Marks the binding of `name` in `at` used by load `id` from `scope`.
    fn use_binding(&mut self, at: u32, scope: u32, name: u16, id: usize) {
        if let Some(binding) = self.get_mut(at, name) {
            binding.used = Some((scope, id));
        }
        if at != scope
            && self.kind(scope) == ScopeKind::Function
            && matches!(self.kind(at), ScopeKind::Function | ScopeKind::Module)
        {
            let uses = self.outer_uses.entry(scope).or_default();
            if !uses.contains(&(name, at)) {
                uses.push((name, at));
            }
        }
    }

    fn load(&mut self, event: Event, guarded: bool, postponed: bool) {
        let id = self.loads.len();
        self.loads.push(event);
        if !self.annotated[event.name as usize] {
            if let Some(at) = self.lookup(event.scope, event.name) {
                self.use_binding(at, event.scope, event.name, id);
                return;
            }
        } else {
            // The plain walk: an annotation-only binding is marked used and stepped over.
            let mut class_visible: Option<bool> = None;
            let chain: Vec<u32> = self.chain(event.scope).collect();
            for scope in chain {
                let kind = self.kind(scope);
                if kind == ScopeKind::Class && class_visible == Some(false) {
                    continue;
                }
                if let Some(bound) = self.get(scope, event.name).map(|b| b.bound) {
                    self.use_binding(scope, event.scope, event.name, id);
                    if bound == Bound::Annotation && !postponed {
                        continue;
                    }
                    return;
                }
                if class_visible != Some(false) {
                    class_visible = Some(kind == ScopeKind::Comprehension);
                }
            }
        }
        if self.star || guarded {
            return;
        }
        self.reports.push((Report::Name, event));
    }

    fn store(&mut self, event: Event, bound: Bound) {
        let scope = event.scope;
        let kind = self.kind(scope);
        if kind == ScopeKind::Function && self.get(scope, event.name).is_none() {
            // A name loaded from an enclosing function or the module, then bound here: the
            // outermost such binding whose last load came from here.
            let candidates = self.outer_uses.get(&scope).map(Vec::as_slice).unwrap_or_default();
            let load = candidates
                .iter()
                .filter(|(name, _)| *name == event.name)
                .filter_map(|&(_, at)| match self.get(at, event.name) {
                    Some(Binding { used: Some((used_in, load)), .. }) if *used_in == scope => Some((at, *load)),
                    _ => None,
                })
                .min_by_key(|&(at, _)| self.depth[at as usize])
                .map(|(_, load)| load);
            if let Some(load) = load {
                let at = self.loads[load];
                self.reports.push((Report::Local, at));
            }
        }
        let used = self.get(scope, event.name).and_then(|b| b.used);
        let binding = Binding { bound, used };
        match bound {
            Bound::Annotation if self.get(scope, event.name).is_some() => {}
            Bound::Walrus => {
                let target = self.top[scope as usize];
                match self.get(target, event.name).map(|b| b.bound) {
                    Some(Bound::Annotation) | None => self.set(target, event.name, binding),
                    Some(_) => {}
                }
            }
            _ => self.set(scope, event.name, binding),
        }
    }

    fn event(&mut self, event: Event, queue: &mut VecDeque<u32>) {
        match event.what {
            What::Load { guarded, postponed, .. } => self.load(event, guarded, postponed),
            What::Bind(bound) => self.store(event, bound),
            What::Del { conditional: true } => {}
            What::Del { conditional: false } => {
                if self.remove(event.scope, event.name).is_none() {
                    self.reports.push((Report::Name, event));
                }
            }
            What::Global if event.scope == 0 => {}
            What::Global => {
                self.reports.retain(|(report, e)| *report != Report::Name || e.name != event.name);
                let binding = Binding { bound: Bound::Plain, used: Some((0, usize::MAX)) };
                if self.get(0, event.name).is_none() {
                    self.set(0, event.name, binding);
                }
                let chain: Vec<u32> = self.chain(event.scope).filter(|&s| s != 0).collect();
                for scope in chain {
                    self.set(scope, event.name, binding);
                }
            }
            What::ExceptStart => {
                if self.get(event.scope, event.name).is_some() {
                    self.store(event, Bound::Plain);
                }
                let previous = self.remove(event.scope, event.name);
                self.hidden.push(previous);
                self.store(event, Bound::Plain);
            }
            What::ExceptEnd => {
                self.remove(event.scope, event.name);
                if let Some(Some(previous)) = self.hidden.pop() {
                    self.set(event.scope, event.name, previous);
                }
            }
            What::Star => {
                if event.scope == 0 {
                    self.star = true;
                }
            }
            What::Defer(block) => queue.push_back(block),
        }
    }
}

/// The undefined uses in `model`, as pyflakes reports them (`undefined name` and `local variable
/// … referenced before assignment`), in source order. A `from m import *` at module level
/// silences every load met after it (pyflakes says "may be undefined, or defined from star
/// imports" instead).
pub(crate) fn resolve(model: &Model) -> Vec<Undefined> {
    let scopes = model.scopes.len();
    let (mut depth, mut top) = (vec![0u32; scopes], vec![0u32; scopes]);
    // A scope's parent comes before it.
    for (index, scope) in model.scopes.iter().enumerate().skip(1) {
        depth[index] = depth[scope.parent as usize] + 1;
        top[index] = if scope.kind == ScopeKind::Comprehension { top[scope.parent as usize] } else { index as u32 };
    }
    let names = model.blocks.iter().flatten().map(|e| e.name as usize + 1).max().unwrap_or(0);
    let mut replay = Replay {
        model,
        bindings: vec![Vec::new(); scopes],
        star: false,
        hidden: Vec::new(),
        loads: Vec::new(),
        reports: Vec::new(),
        depth,
        top,
        version: vec![0; names],
        annotated: vec![false; names],
        found: vec![Vec::new(); names],
        outer_uses: std::collections::HashMap::new(),
        path: Vec::new(),
    };
    let mut queue = VecDeque::from([0u32]);
    while let Some(block) = queue.pop_front() {
        for &event in &model.blocks[block as usize] {
            replay.event(event, &mut queue);
        }
    }
    let mut out: Vec<Undefined> = replay
        .reports
        .into_iter()
        .map(|(_, e)| Undefined {
            name: e.name,
            range: e.range(),
            uncertain: matches!(e.what, What::Load { uncertain: true, .. }),
        })
        .collect();
    out.sort_by_key(|u| (u.range.start, u.name));
    out.dedup_by(|a, b| a.range == b.range && a.name == b.name);
    out
}

/// The names of `undefined` with their ranges.
pub(crate) fn named(undefined: &[Undefined], names: &[&str]) -> Vec<(String, Range<usize>)> {
    undefined.iter().map(|u| (names[u.name as usize].to_string(), u.range.clone())).collect()
}

/// The walker's state for one node of the tree.
#[derive(Debug, Clone, Copy)]
struct State {
    ctx: Ctx,
    /// Scope and block of loads.
    scope: u32,
    block: u32,
    /// Scope and block of stores (a function's own inside its parameter list).
    bind_scope: u32,
    bind_block: u32,
    guarded: bool,
    conditional: bool,
    postponed: bool,
    walrus: bool,
    bare_target: bool,
    /// The first `for … in` clause of a comprehension: its iterable was visited already.
    first_clause: bool,
    /// The exception of an `except` clause: an `as` name in it is bound by the clause.
    except_value: bool,
}

enum Work<'t> {
    Visit(Node<'t>, State),
    Emit(u32, Event),
}

/// A child to visit: the node, its field, its index among its parent's children.
type Child<'t> = (Node<'t>, Option<&'static str>, usize);

/// `a = b = v` as the tree nests it (each `right` an assignment): the innermost value and the
/// targets from the left; `None` for any other node, and for a link with an annotation
/// (`a = b: T = v` is not Python).
fn chained_targets<'t>(node: &Node<'t>) -> Option<(Child<'t>, Vec<Child<'t>>)> {
    if node.k() != "assignment" || node.child_by_field_name("type").is_some() {
        return None;
    }
    let mut right = node.child_by_field_name("right").filter(|right| right.k() == "assignment")?;
    let mut targets = vec![(node.child_by_field_name("left")?, Some("left"), 0)];
    while right.k() == "assignment" {
        if right.child_by_field_name("type").is_some() {
            return None;
        }
        targets.push((right.child_by_field_name("left")?, Some("left"), 0));
        right = right.child_by_field_name("right")?;
    }
    Some(((right, Some("right"), 2), targets))
}

/// The model of the tree rooted at `root` for `names` (at most 65,535 of them).
pub(crate) fn from_tree<'t>(root: Node<'t>, source: &str, names: &[&str]) -> Model {
    let mut model = Model::new();
    let index_of = |text: &str| names.iter().position(|n| *n == text).map(|i| i as u16);
    // Where any of the names, or a star import, may stand (a superset), sorted: only subtrees
    // holding one can make an event.
    let mut occurrences: Vec<usize> =
        names.iter().flat_map(|name| source.match_indices(name).map(|(offset, _)| offset)).collect();
    occurrences.extend(star_imports(source));
    occurrences.sort_unstable();
    let holds = |node: &Node| {
        let first = occurrences.partition_point(|&offset| offset < node.start_byte());
        occurrences.get(first).is_some_and(|&offset| offset < node.end_byte())
    };
    let future_annotations = has_future_annotations(root, source);
    let text = |node: &Node| source.get(node.byte_range()).unwrap_or_default();
    let event = |scope: u32, name: u16, node: &Node, what: What| Event {
        scope,
        name,
        start: node.start_byte() as u32,
        end: node.end_byte() as u32,
        what,
    };

    let root_state = State {
        ctx: Ctx::Load,
        scope: 0,
        block: 0,
        bind_scope: 0,
        bind_block: 0,
        guarded: false,
        conditional: false,
        postponed: false,
        walrus: false,
        bare_target: false,
        first_clause: false,
        except_value: false,
    };
    let mut stack: Vec<Work<'t>> = vec![Work::Visit(root, root_state)];
    let mut children: Vec<Child<'t>> = Vec::new();
    // Buffers reused node after node: the children's work in pyflakes' order, and the bodies
    // that come last.
    let mut order: Vec<Work<'t>> = Vec::new();
    let mut later: Vec<Child<'t>> = Vec::new();
    while let Some(work) = stack.pop() {
        let (node, state) = match work {
            Work::Emit(block, event) => {
                model.push(block, event);
                continue;
            }
            Work::Visit(node, state) => (node, state),
        };
        let kind = node.k();
        match kind {
            "identifier" => {
                let Some(name) = index_of(text(&node)) else { continue };
                match state.ctx.identifier_role() {
                    Some(Role::Load) => model.push(
                        state.block,
                        event(
                            state.scope,
                            name,
                            &node,
                            What::Load { guarded: state.guarded, postponed: state.postponed, uncertain: false },
                        ),
                    ),
                    Some(Role::Store) => {
                        let bound = if state.bare_target {
                            Bound::Annotation
                        } else if state.walrus {
                            Bound::Walrus
                        } else {
                            Bound::Plain
                        };
                        model.push(state.bind_block, event(state.bind_scope, name, &node, What::Bind(bound)));
                    }
                    Some(Role::Del) => model.push(
                        state.block,
                        event(state.scope, name, &node, What::Del { conditional: state.conditional }),
                    ),
                    None => {}
                }
                continue;
            }
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                if kind == "import_from_statement" && has_wildcard(&node) {
                    model.push(state.block, event(state.bind_scope, 0, &node, What::Star));
                }
                for binding in import_bindings(&node, source) {
                    if let Some(name) = index_of(binding.bound) {
                        model.push(state.bind_block, event(state.bind_scope, name, &node, What::Bind(Bound::Plain)));
                    }
                }
                continue;
            }
            "global_statement" | "nonlocal_statement" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if let Some(name) = (child.k() == "identifier").then(|| index_of(text(&child))).flatten() {
                        model.push(state.block, event(state.scope, name, &child, What::Global));
                    }
                }
                continue;
            }
            _ => {}
        }
        // The scope (and block) this node opens.
        let own = match kind {
            "function_definition" | "lambda" => {
                let scope = model.scope(ScopeKind::Function, state.scope);
                Some((scope, model.block()))
            }
            "class_definition" => Some((model.scope(ScopeKind::Class, state.scope), state.block)),
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression" => {
                Some((model.scope(ScopeKind::Comprehension, state.scope), state.block))
            }
            _ => None,
        };
        children.clear();
        let mut cursor = node.walk();
        if cursor.goto_first_child() {
            let mut index = 0;
            loop {
                children.push((cursor.node(), cursor.field_name(), index));
                index += 1;
                if !cursor.goto_next_sibling() {
                    break;
                }
            }
        }
        let comprehension = matches!(
            kind,
            "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression"
        );
        let first_clause = if comprehension {
            children.iter().find(|(c, _, _)| c.k() == "for_in_clause").map(|(c, _, _)| *c)
        } else {
            None
        };
        // (child, its state), in pyflakes' order; markers to emit after some of them.
        order.clear();
        later.clear();
        let child_state = |model: &mut Model, child: &Node, field: Option<&str>, index: usize| {
            let mut s = State {
                ctx: name_ctx(&node, state.ctx, field, child, index),
                walrus: false,
                first_clause: first_clause.is_some_and(|c| c.id() == child.id()),
                except_value: kind == "except_clause" && field == Some("value"),
                bare_target: kind == "assignment"
                    && field == Some("left")
                    && node.child_by_field_name("right").is_none(),
                ..state
            };
            if matches!(kind, "if_statement" | "while_statement" | "conditional_expression") {
                s.conditional = true;
            }
            let (own_scope, own_block) = own.unwrap_or((state.scope, state.block));
            match (kind, field) {
                ("function_definition" | "lambda", Some("body")) => {
                    (s.scope, s.block, s.bind_scope, s.bind_block) = (own_scope, own_block, own_scope, own_block);
                    (s.guarded, s.postponed) = (false, false);
                }
                ("class_definition", Some("body")) => {
                    (s.scope, s.bind_scope) = (own_scope, own_scope);
                    (s.block, s.bind_block) = (state.block, state.block);
                }
                ("function_definition" | "lambda", Some("parameters")) => {
                    (s.bind_scope, s.bind_block) = (own_scope, own_block);
                }
                ("named_expression", Some("name")) => s.walrus = true,
                (
                    "list_comprehension" | "set_comprehension" | "dictionary_comprehension" | "generator_expression",
                    _,
                ) => {
                    // Its bindings happen where it runs, also when that is a `def`'s default or
                    // annotation (whose own names bind in the function's body).
                    (s.scope, s.bind_scope, s.bind_block) = (own_scope, own_scope, own_block);
                }
                ("try_statement", Some("body")) => s.guarded = catches_name_error(&node, source),
                _ => {}
            }
            let annotation = matches!(
                (kind, field),
                ("function_definition", Some("return_type"))
                    | ("typed_parameter" | "typed_default_parameter" | "assignment", Some("type"))
            );
            // Under `from __future__ import annotations` an annotation runs later, on its own.
            let deferred = (annotation && future_annotations && !s.postponed).then(|| {
                let block = model.block();
                (s.block, s.guarded, s.postponed) = (block, false, true);
                block
            });
            (s, deferred)
        };
        let push =
            |model: &mut Model, order: &mut Vec<Work<'t>>, child: Node<'t>, field: Option<&str>, index: usize| {
                if !holds(&child) {
                    return;
                }
                let (s, deferred) = child_state(model, &child, field, index);
                if let Some(block) = deferred {
                    order.push(Work::Emit(state.block, event(state.scope, 0, &child, What::Defer(block))));
                }
                order.push(Work::Visit(child, s));
            };
        // Hoisted fields first (evaluated before the rest), then the others in source order.
        let hoisted: &[&str] = match kind {
            "assignment" => &["type", "right"],
            "augmented_assignment" => &["right"],
            "for_statement" | "for_in_clause" => &["right"],
            "named_expression" => &["value"],
            _ => &[],
        };
        if kind == "augmented_assignment" {
            // The target is loaded first, then the value, then the target is bound.
            if let Some(left) = node.child_by_field_name("left").filter(|l| l.k() == "identifier") {
                if let Some(name) = index_of(text(&left)) {
                    let what = What::Load { guarded: state.guarded, postponed: state.postponed, uncertain: false };
                    order.push(Work::Emit(state.block, event(state.scope, name, &left, what)));
                }
            }
        }
        if let Some(clause) = first_clause {
            // The first iterable is evaluated in the enclosing scope, before the comprehension.
            let mut cursor = clause.walk();
            let rights: Vec<Node> = clause.children_by_field_name("right", &mut cursor).collect();
            let s = State { ctx: Ctx::Load, walrus: false, bare_target: false, first_clause: false, ..state };
            for right in rights.into_iter().filter(|r| holds(r)) {
                order.push(Work::Visit(right, s));
            }
        }
        // A chain `a = b = v` (nested to the right in the tree): the value, then the targets
        // from left to right, as Python assigns them (and pyflakes reads them).
        let chain = chained_targets(&node);
        if let Some((value, targets)) = &chain {
            let (value, field, index) = *value;
            push(&mut model, &mut order, value, field, index);
            for &(target, field, index) in targets {
                push(&mut model, &mut order, target, field, index);
            }
        }
        for &field in hoisted.iter().filter(|_| chain.is_none()) {
            for &(child, f, index) in &children {
                if f == Some(field) {
                    push(&mut model, &mut order, child, f, index);
                }
            }
        }
        let skip_right = kind == "for_in_clause" && state.first_clause;
        let name_field = matches!(kind, "function_definition" | "class_definition");
        for &(child, field, index) in &children {
            if chain.is_some() || field.is_some_and(|f| hoisted.contains(&f)) {
                continue;
            }
            if skip_right && field == Some("right") {
                continue;
            }
            if name_field && field == Some("name") {
                continue;
            }
            if (kind == "except_clause" || (kind == "as_pattern" && state.except_value)) && field == Some("alias") {
                continue;
            }
            if field == Some("body")
                && (comprehension || matches!(kind, "function_definition" | "lambda" | "class_definition"))
            {
                later.push((child, field, index));
                continue;
            }
            push(&mut model, &mut order, child, field, index);
        }
        let alias = (kind == "except_clause")
            .then(|| except_alias(&node))
            .flatten()
            .and_then(|a| index_of(text(&a)).map(|name| (a, name)));
        if let Some((a, name)) = alias {
            // Bound before the handler (and its exception type) runs.
            order.insert(0, Work::Emit(state.block, event(state.scope, name, &a, What::ExceptStart)));
        }
        if let (Some((_, block)), true) = (own, matches!(kind, "function_definition" | "lambda")) {
            order.push(Work::Emit(state.block, event(state.scope, 0, &node, What::Defer(block))));
        }
        for &(child, field, index) in &later {
            push(&mut model, &mut order, child, field, index);
        }
        if name_field {
            if let Some(name_node) = node.child_by_field_name("name") {
                if let Some(name) = index_of(text(&name_node)) {
                    order.push(Work::Emit(
                        state.bind_block,
                        event(state.bind_scope, name, &name_node, What::Bind(Bound::Plain)),
                    ));
                }
            }
        }
        if let Some((a, name)) = alias {
            order.push(Work::Emit(state.block, event(state.scope, name, &a, What::ExceptEnd)));
        }
        stack.extend(order.drain(..).rev());
    }
    model
}

/// Offsets of `import` keywords followed by `*` (a superset of star imports).
fn star_imports(source: &str) -> impl Iterator<Item = usize> + '_ {
    source.match_indices("import").filter_map(|(offset, _)| {
        let rest = source[offset + "import".len()..].trim_start_matches([' ', '\t', '\x0c', '(', '\\', '\n', '\r']);
        rest.starts_with('*').then_some(offset)
    })
}

/// Whether the module imports `annotations` from `__future__`.
fn has_future_annotations(root: Node, source: &str) -> bool {
    let mut cursor = root.walk();
    let found = root
        .named_children(&mut cursor)
        .filter(|n| n.k() == "future_import_statement")
        .any(|n| import_bindings(&n, source).iter().any(|b| b.name == Some("annotations")));
    found
}

/// The name an `except … as name` clause binds.
fn except_alias<'t>(clause: &Node<'t>) -> Option<Node<'t>> {
    let alias = match clause.child_by_field_name("alias") {
        Some(alias) => alias,
        None => {
            let value = clause.child_by_field_name("value").filter(|v| v.k() == "as_pattern")?;
            let target = value.child_by_field_name("alias")?;
            if target.k() == "as_pattern_target" {
                target.named_child(0)?
            } else {
                target
            }
        }
    };
    (alias.k() == "identifier").then_some(alias)
}

/// Whether a handler of `try_node` names `NameError` (alone or in a tuple), as pyflakes reads it.
fn catches_name_error(try_node: &Node, source: &str) -> bool {
    let mut cursor = try_node.walk();
    let found = try_node.named_children(&mut cursor).filter(|c| c.k() == "except_clause").any(|clause| {
        let Some(mut value) = clause.child_by_field_name("value") else { return false };
        if value.k() == "as_pattern" {
            match value.named_child(0) {
                Some(inner) => value = inner,
                None => return false,
            }
        }
        while value.k() == "parenthesized_expression" {
            match value.named_child(0) {
                Some(inner) => value = inner,
                None => return false,
            }
        }
        let is_name_error = |n: Node| n.k() == "identifier" && source.get(n.byte_range()) == Some("NameError");
        if value.k() == "tuple" {
            let mut cursor = value.walk();
            let any = value.named_children(&mut cursor).any(is_name_error);
            any
        } else {
            is_name_error(value)
        }
    });
    found
}

fn has_wildcard(node: &Node) -> bool {
    let mut cursor = node.walk();
    let found = node.named_children(&mut cursor).any(|child| child.k() == "wildcard_import");
    found
}

#[cfg(test)]
mod tests {

    #[test]
    fn star_imports_are_found_however_the_star_is_apart() {
        for source in [
            "from m import *\n",
            "from m import\t*\n",
            "from m import\x0c*\n",
            "from m import \\\n *\n",
            "from m import (*)\n",
        ] {
            assert_eq!(super::star_imports(source).count(), 1, "{source:?}");
        }
        assert_eq!(super::star_imports("from m import a\nx = 2 * 3\n").count(), 0);
    }

    use super::*;

    const NAMES: [&str; 5] = ["Mock", "MagicMock", "patch", "call", "MagicNone"];

    fn undefined(source: &str) -> Vec<(String, usize)> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let model = from_tree(tree.root_node(), source, &NAMES);
        named(&resolve(&model), &NAMES)
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
    fn function_bodies_see_the_final_module() {
        let src = "def f():\n    return Mock(), patch, call\nfrom unittest.mock import Mock, call\ndel call\n";
        assert_eq!(undefined(src), names(&[("patch", 2), ("call", 2)]));
    }

    #[test]
    fn class_bodies_do_not_leak_into_methods() {
        let src =
            "class T:\n    Mock = 1\n    x = Mock\n    y = [Mock for _ in ()]\n    def m(self):\n        return Mock\n";
        assert_eq!(undefined(src), names(&[("Mock", 6)]));
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
        let src = "x = [Mock for Mock in range(3)]\ny = Mock\nz = [a for a in MagicMock]\nw = [lambda: call for call in ()]\n";
        assert_eq!(undefined(src), names(&[("Mock", 2), ("MagicMock", 3)]));
    }

    #[test]
    fn evaluation_order_within_a_statement() {
        let src = "Mock = Mock\nfor patch in patch: pass\nclass call(call): x = call\n";
        assert_eq!(undefined(src), names(&[("Mock", 1), ("patch", 2), ("call", 3), ("call", 3)]));
    }

    #[test]
    fn parameters_defaults_and_decorators() {
        let src = "def f(Mock, x=MagicMock):\n    return Mock\n@patch\ndef g(): pass\nlambda call: call\n";
        assert_eq!(undefined(src), names(&[("MagicMock", 1), ("patch", 3)]));
    }

    #[test]
    fn every_binding_form_counts() {
        let src = "for Mock in []: pass\nwith open() as MagicMock: pass\n\
                   if (call := 1): pass\nMock, MagicMock, call\n";
        assert_eq!(undefined(src), names(&[]));
    }

    #[test]
    fn except_as_unbinds_deletes_and_augments() {
        let src = "try:\n    pass\nexcept E as patch:\n    patch\npatch\ndel Mock\ncall += 1\n";
        assert_eq!(undefined(src), names(&[("patch", 5), ("Mock", 6), ("call", 7)]));
        let conditional = "from m import Mock\nif x:\n    del Mock\nMock\n";
        assert_eq!(undefined(conditional), names(&[]));
    }

    #[test]
    fn later_locals_and_name_error_guards() {
        let src = "from m import patch\ndef f():\n    Mock\n    patch\n    Mock = patch = 1\n\
                   try:\n    call\nexcept NameError:\n    pass\n";
        assert_eq!(undefined(src), names(&[("Mock", 3), ("patch", 4)]));
    }

    #[test]
    fn star_import_silences_what_follows() {
        assert_eq!(undefined("Mock()\nfrom unittest.mock import *\nMock()\nMagicNone\n"), names(&[("Mock", 1)]));
    }

    #[test]
    fn attributes_keywords_and_strings_are_not_loads() {
        let src = "import unittest.mock as m\nm.patch('x')\nf(call=1)\ns = 'Mock'\n";
        assert_eq!(undefined(src), names(&[]));
    }

    /// pyflakes' answers (checked with pyflakes 3): a chain assigns its targets from the left,
    /// and a comprehension in a default or an annotation binds where it runs.
    #[test]
    fn chains_assign_from_the_left_and_header_comprehensions_bind_where_they_run() {
        assert_eq!(undefined("patch.x = patch = Obj()\n"), names(&[("patch", 1)]));
        assert_eq!(undefined("a = patch = 1\nprint(patch)\n"), names(&[]));
        assert_eq!(undefined("a = b = c = patch\n"), names(&[("patch", 1)]));
        assert_eq!(undefined("def f(a=[patch for patch in y]): pass\n"), names(&[]));
        assert_eq!(undefined("def f(a: [call for call in y]): pass\n"), names(&[]));
        assert_eq!(undefined("g = lambda a=[call for call in y]: a\n"), names(&[]));
        assert_eq!(undefined("def f(a=[patch for x in patch]): pass\n"), names(&[("patch", 1), ("patch", 1)]));
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

/// The two builders against each other, on names far commoner than the mock names (so that
/// both answer, and differ if they can, on most files): the token model, where it is built,
/// must resolve exactly as the tree's.
#[cfg(test)]
mod differential {
    use super::*;

    /// Not `print` or `exec`: tree-sitter-python reads Python 2's statements of those names.
    const NAMES: &[&str] = &[
        "self", "x", "i", "name", "value", "result", "args", "data", "path", "f", "os", "sys", "len", "super", "key",
        "item", "e", "cls", "line", "s", "n", "kwargs", "node", "text", "Mock", "patch", "call",
    ];

    /// (files where tokens built a model, files compared) on every `step`-th file of `dir`.
    fn compare(dir: &std::path::Path, step: usize, mutate: impl Fn(&str) -> String) -> (usize, usize) {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let files = crate::testing::python_files_outside(dir, Some("site-packages"));
        let (mut answered, mut compared) = (0, 0);
        for path in files.iter().step_by(step) {
            let Ok(text) = std::fs::read_to_string(path) else { continue };
            let source = mutate(text.strip_prefix('\u{feff}').unwrap_or(&text));
            let tokens = crate::python::tokens::tokenize(&source);
            if !tokens.ok {
                continue;
            }
            let statements = crate::python::statements::Statements::new(&source, &tokens);
            if !statements.ok {
                continue;
            }
            let Some(tree) = parser.parse(&source, None) else { continue };
            if tree.root_node().has_error() {
                continue;
            }
            compared += 1;
            let Some(fast) = crate::python::statements::unresolved(&source, &tokens, &statements, NAMES) else {
                continue;
            };
            answered += 1;
            let slow = named(&resolve(&from_tree(tree.root_node(), &source, NAMES)), NAMES);
            assert_eq!(fast, slow, "{}", path.display());
        }
        (answered, compared)
    }

    #[test]
    fn token_and_tree_models_resolve_alike_on_the_standard_library() {
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let (answered, compared) = compare(&stdlib, 6, |text| text.to_string());
        eprintln!("as is: tokens answered {answered} of {compared}");
        assert!(compared > 200 && answered > 50, "{answered} of {compared}");
        // Every `import` line gone: most names undefined.
        let strip = |text: &str| {
            text.split_inclusive('\n')
                .map(|line| {
                    let trimmed = line.trim_start();
                    let simple = !line.contains('(') && !line.trim_end().ends_with('\\');
                    if simple && (trimmed.starts_with("import ") || trimmed.starts_with("from ")) {
                        format!("{}pass\n", &line[..line.len() - trimmed.len()])
                    } else {
                        line.to_string()
                    }
                })
                .collect::<String>()
        };
        let (answered, compared) = compare(&stdlib, 6, strip);
        eprintln!("imports removed: tokens answered {answered} of {compared}");
        assert!(compared > 200 && answered > 50, "{answered} of {compared}");
    }
}
