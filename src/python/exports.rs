//! What a module offers the modules that import from it, as `from m import name` sees it at run
//! time: every name bound in its module scope (by any binding form, anywhere in the module scope
//! — inside module-level `if`/`try`/`for`/`with`/`while` blocks too — and every name a function
//! or class declares `global`), which of them it defines itself rather than imports, its star
//! imports, and its literal `__all__`. Two builders give the same [`Exports`]: [`from_tree`] and
//! [`from_tokens`] (`None` when the statement reader cannot place every binding); the test below
//! holds them equal on the standard library.
//!
//! Binding forms: `def`/`class` names, assignment targets (`=`, augmented, annotated with a
//! value; a bare annotation `x: int` binds only in a stub), `for` targets, `with … as` targets,
//! `except … as` names, walrus targets (not in a lambda), import bindings, `type` aliases, and
//! `global` declarations. A module-level `match` statement makes the names unknown ([`open`]).
//! `del` is ignored: a name deleted at run time still counts as offered (the lenient answer for a
//! rule that reports missing names).
//!
//! [`open`]: Exports::open

use tree_sitter::Node;

use super::statements::{Scope, Statements};
use super::tokens::{Kind, Text, Tokens};
use super::FastKind;

/// What a module offers importers.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Exports {
    /// Every name bound in the module scope.
    pub bound: NameList,
    /// Those bound other than by an import (definitions, assignments, `global`…).
    pub defined: NameList,
    /// The modules of its module-level star imports, as written (dots included), in source order.
    pub stars: Vec<String>,
    /// Each name a module-scope import statement binds, with where it comes from, in source
    /// order (a name bound by several imports is listed once per import; star imports are in
    /// `stars`).
    pub imported: Vec<Imported>,
    /// `__all__` when every statement that binds it is `__all__ = [...]`/`(...)` or
    /// `__all__ += [...]` of plain string literals (the last assignment, extended).
    pub all: Option<Vec<String>>,
    /// Its names cannot be listed: the tree has errors, a module-level `match` binds names by
    /// patterns, or the module writes its namespace through `globals()`, `vars()` or
    /// `setattr(sys.modules[…], …)`.
    pub open: bool,
    /// The module writes `sys.modules[…]` or names `__path__`: it may register submodules
    /// that are not on disk (`os.path`) or find them elsewhere (`pkgutil.extend_path`).
    pub registers_modules: bool,
}

/// One name a module-scope import binds: `from ..a.b import c as d` binds `d` to `c` of `..a.b`;
/// `import a.b as m` binds `m` to the module `a.b`; `import a.b` binds `a` to the module `a`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Imported {
    /// The bound name.
    pub bound: String,
    /// Leading dots of a relative `from` import.
    pub level: usize,
    /// The module as written, without leading dots (`a.b` for `import a.b`).
    pub module: String,
    /// The imported name of a `from` import; `None` for `import a.b`.
    pub name: Option<String>,
    /// Written with `as`.
    pub aliased: bool,
}

impl Imported {
    fn new(bound: &str, level: usize, module: &str, name: Option<&str>, aliased: bool) -> Self {
        let module = module.trim_start_matches('.').to_string();
        Self { bound: bound.to_string(), level, module, name: name.map(str::to_string), aliased }
    }
}

/// What the text alone says of a module's namespace: (it writes it through `globals()`, it
/// writes `sys.modules[…]`). Both builders read it the same way, from the text.
fn dynamic(source: &str) -> (bool, bool) {
    // One pass over the text for every pattern (this runs on every file; no pattern overlaps
    // another, so the leftmost search, which skips ahead by SIMD, finds every occurrence). The
    // first two write the namespace; `sys.modules[…] = …` and a package that extends its
    // `__path__` (pkgutil's `extend_path`) register modules (`setattr(sys.modules[` holds
    // `sys.modules[` too).
    const PATTERNS: [&str; 4] = ["globals()", "vars()", "sys.modules[", "__path__"];
    static FINDER: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    let finder = FINDER.get_or_init(|| {
        aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostFirst)
            .build(PATTERNS)
            .expect("four literal patterns always build")
    });
    let (mut namespace, mut modules) = (false, false);
    for found in finder.find_iter(source) {
        match found.pattern().as_usize() {
            0 | 1 => namespace = true,
            _ => {
                modules = true;
                // `setattr(sys.modules[…], …)` writes the namespace too.
                namespace |= source[..found.start()].ends_with("setattr(");
            }
        }
        if namespace && modules {
            break;
        }
    }
    (namespace, modules)
}

/// A sorted set of names in one buffer (two allocations for any number of names: the facts of
/// every file of a project hold two of them).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct NameList {
    text: String,
    /// Where each name ends in `text`, in name order.
    ends: Vec<u32>,
}

impl NameList {
    /// The list of `names` (in any order, repeats allowed).
    fn new(mut names: Vec<&str>) -> Self {
        names.sort_unstable();
        names.dedup();
        let mut list = NameList {
            text: String::with_capacity(names.iter().map(|name| name.len()).sum()),
            ends: Vec::with_capacity(names.len()),
        };
        for name in names {
            list.text.push_str(name);
            list.ends.push(list.text.len() as u32);
        }
        list
    }

    fn get(&self, index: usize) -> &str {
        let start = if index == 0 { 0 } else { self.ends[index - 1] as usize };
        &self.text[start..self.ends[index] as usize]
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        let (mut low, mut high) = (0, self.ends.len());
        while low < high {
            let middle = (low + high) / 2;
            match self.get(middle).cmp(name) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len()).map(|index| self.get(index))
    }
}

/// Collects bindings in source order, whichever builder reads them.
#[derive(Default)]
struct Collector<'s> {
    /// Names as they are bound (repeats too): sorted once, at the end.
    bound: Vec<&'s str>,
    defined: Vec<&'s str>,
    stars: Vec<String>,
    imported: Vec<Imported>,
    all: AllState,
    open: bool,
}

#[derive(Default, Clone, PartialEq)]
enum AllState {
    #[default]
    Absent,
    Literal(Vec<String>),
    Dynamic,
}

impl<'s> Collector<'s> {
    fn define(&mut self, name: &'s str) {
        if name == "__all__" {
            self.all = AllState::Dynamic;
        }
        self.bound.push(name);
        self.defined.push(name);
    }

    fn import(&mut self, bound: &'s str, level: usize, module: &str, name: Option<&str>, aliased: bool) {
        if bound == "__all__" {
            self.all = AllState::Dynamic;
        }
        self.bound.push(bound);
        self.imported.push(Imported::new(bound, level, module, name, aliased));
    }

    /// `__all__ = [...]` (`extend`: `+=`) with the plain string literals `values`, or `None` when
    /// the value is anything else.
    fn all(&mut self, values: Option<Vec<String>>, extend: bool) {
        self.bound.push("__all__");
        self.defined.push("__all__");
        self.all = match (values, extend, std::mem::take(&mut self.all)) {
            // A second literal (`if …: __all__ = [...] else: __all__ = [...]`) leaves it unknown.
            (Some(values), false, AllState::Absent) => AllState::Literal(values),
            (Some(values), true, AllState::Literal(mut old)) => {
                old.extend(values);
                AllState::Literal(old)
            }
            _ => AllState::Dynamic,
        };
    }

    fn finish(self, source: &str) -> Exports {
        let (globals, registers_modules) = dynamic(source);
        Exports {
            registers_modules,
            bound: NameList::new(self.bound),
            defined: NameList::new(self.defined),
            stars: self.stars,
            imported: self.imported,
            all: match self.all {
                AllState::Literal(values) => Some(values),
                _ => None,
            },
            open: self.open || globals,
        }
    }
}

/// The value of a plain string literal token or node text: quoted with `'` or `"` (not
/// triple-quoted), no prefix, no backslash.
fn plain_string(text: &str) -> Option<String> {
    let quote = text.chars().next().filter(|c| matches!(c, '\'' | '"'))?;
    let inner = text.strip_prefix(quote)?.strip_suffix(quote)?;
    (!inner.contains(quote) && !inner.contains('\\') && !inner.contains(['\n', '\r'])).then(|| inner.to_string())
}

// ---------------------------------------------------------------------------------------------
// From the tree.

/// The exports of the module whose tree is under `root`; `stub`: the file is a `.pyi`.
pub(crate) fn from_tree<'s>(root: Node<'s>, source: &'s str, stub: bool) -> Exports {
    let mut collector = Collector { open: root.has_error(), ..Collector::default() };
    let reader = TreeReader { source, stub };
    reader.block(root, &mut collector);
    // `global` declarations anywhere bind in the module scope.
    super::walk(root, |node, _| {
        if node.k() == "global_statement" {
            let mut cursor = node.walk();
            for name in node.named_children(&mut cursor).filter(|n| n.k() == "identifier") {
                collector.define(reader.text(name));
            }
        }
        true
    });
    collector.finish(source)
}

struct TreeReader<'s> {
    source: &'s str,
    stub: bool,
}

impl<'s> TreeReader<'s> {
    fn text(&self, node: Node) -> &'s str {
        self.source.get(node.byte_range()).unwrap_or_default()
    }

    /// The statements of a module-scope block, in source order.
    fn block(&self, block: Node<'s>, out: &mut Collector<'s>) {
        let mut cursor = block.walk();
        for statement in block.named_children(&mut cursor) {
            self.statement(statement, out);
        }
    }

    fn statement(&self, node: Node<'s>, out: &mut Collector<'s>) {
        match node.k() {
            "class_definition" | "function_definition" => {
                if let Some(name) = node.child_by_field_name("name") {
                    out.define(self.text(name));
                }
            }
            "decorated_definition" => {
                if let Some(definition) = node.child_by_field_name("definition") {
                    self.statement(definition, out);
                }
            }
            "type_alias_statement" if super::is_type_alias(&node) => {
                let mut left = node.child_by_field_name("left");
                while let Some(inner) = left.filter(|n| n.k() != "identifier") {
                    left = inner.named_child(0);
                }
                if let Some(name) = left {
                    out.define(self.text(name));
                }
            }
            "import_statement" | "import_from_statement" | "future_import_statement" => {
                let is_star = {
                    let mut cursor = node.walk();
                    let star = node.named_children(&mut cursor).any(|c| c.k() == "wildcard_import");
                    star
                };
                if is_star {
                    if let Some(module) = node.child_by_field_name("module_name") {
                        let written: String = super::imports::module_as_written(self.text(module));
                        out.stars.push(written);
                    }
                }
                for b in super::import_bindings(&node, self.source) {
                    out.import(b.bound, b.level, &b.module, b.name, b.aliased);
                }
            }
            "expression_statement" => {
                if self.text(node).strip_prefix("__all__").is_some_and(|rest| rest.trim_start().starts_with('.')) {
                    out.all(None, false); // `__all__.extend(…)`: no longer a literal
                }
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    self.assignment(child, out);
                }
                self.walruses(node, out);
            }
            "if_statement" | "elif_clause" | "else_clause" | "while_statement" | "try_statement" | "finally_clause" => {
                self.clauses(node, out);
            }
            "except_clause" | "except_group_clause" => {
                let mut cursor = node.walk();
                for child in node.named_children(&mut cursor) {
                    if child.k() == "as_pattern" {
                        if let Some(alias) = child.child_by_field_name("alias") {
                            self.targets(alias, out);
                        }
                    }
                }
                self.clauses(node, out);
            }
            "for_statement" => {
                self.targets_of(node.child_by_field_name("left"), out);
                self.clauses(node, out);
            }
            "with_statement" => {
                super::walk(node, |n, _| {
                    if n.k() == "block" {
                        return false;
                    }
                    if n.k() == "as_pattern" {
                        if let Some(alias) = n.child_by_field_name("alias") {
                            self.targets(alias, out);
                        }
                    }
                    true
                });
                self.clauses(node, out);
            }
            "match_statement" => out.open = true,
            "comment" => {}
            _ => self.walruses(node, out),
        }
    }

    /// A compound statement: the walrus targets of its header, and its blocks and clauses.
    fn clauses(&self, node: Node<'s>, out: &mut Collector<'s>) {
        let mut cursor = node.walk();
        let children: Vec<Node> = node.named_children(&mut cursor).collect();
        for child in children {
            match child.k() {
                "block" => self.block(child, out),
                "elif_clause" | "else_clause" | "except_clause" | "except_group_clause" | "finally_clause" => {
                    self.statement(child, out)
                }
                "comment" => {}
                _ => self.walruses(child, out),
            }
        }
    }

    /// An assignment (`a = b = 1` nests the second on the right), augmented or annotated.
    fn assignment(&self, node: Node, out: &mut Collector<'s>) {
        // `x = __all__ = [...]`: a chain binds `__all__` as the token reader reads it, not as a
        // literal.
        let chained = node.child_by_field_name("right").is_some_and(|r| r.k() == "assignment");
        let mut current = Some(node);
        while let Some(node) = current.filter(|n| matches!(n.k(), "assignment" | "augmented_assignment")) {
            let left = node.child_by_field_name("left");
            let right = node.child_by_field_name("right");
            let annotated = node.child_by_field_name("type").is_some();
            let augmented = node.k() == "augmented_assignment";
            if left.is_some_and(|l| l.k() == "identifier" && self.text(l) == "__all__") {
                let operator = node.child_by_field_name("operator").map(|o| self.text(o));
                let literal = right
                    .filter(|_| !chained && !annotated && (!augmented || operator == Some("+=")))
                    .and_then(|r| self.literal_list(r));
                out.all(literal, augmented);
            } else if augmented {
                // One name, parenthesized or not (`((a)) += 1`); `a, b += 1` is refused by
                // CPython and binds nothing, as the tokens read it.
                if let Some(name) = left.and_then(super::unparenthesized).filter(|l| l.k() == "identifier") {
                    out.define(self.text(name));
                }
            } else if !annotated || ((right.is_some() || self.stub) && left.is_some_and(|l| l.k() == "identifier")) {
                self.targets_of(left, out);
            }
            current = right;
        }
    }

    /// `[...]` or `(...)` of plain string literals (a tuple has a comma, or is empty).
    fn literal_list(&self, node: Node) -> Option<Vec<String>> {
        if !matches!(node.k(), "list" | "tuple") {
            return None;
        }
        let mut cursor = node.walk();
        let items: Vec<Node> = node.named_children(&mut cursor).filter(|n| n.k() != "comment").collect();
        items.iter().map(|item| (item.k() == "string").then(|| plain_string(self.text(*item))).flatten()).collect()
    }

    fn targets_of(&self, target: Option<Node>, out: &mut Collector<'s>) {
        if let Some(target) = target {
            self.targets(target, out);
        }
    }

    /// The identifiers a target binds (`a`, `a, b`, `(a, [b, *c])`; not attributes or
    /// subscripts).
    fn targets(&self, target: Node, out: &mut Collector<'s>) {
        match target.k() {
            "identifier" => out.define(self.text(target)),
            "pattern_list"
            | "tuple_pattern"
            | "list_pattern"
            | "list_splat_pattern"
            | "parenthesized_expression"
            | "expression_list"
            | "tuple"
            | "list"
            | "as_pattern_target"
            | "list_splat" => {
                let mut cursor = target.walk();
                for child in target.named_children(&mut cursor) {
                    self.targets(child, out);
                }
            }
            _ => {}
        }
    }

    /// The walrus targets in `node`, outside lambdas and nested blocks.
    fn walruses(&self, node: Node, out: &mut Collector<'s>) {
        super::walk(node, |n, _| {
            match n.k() {
                "lambda" | "block" | "function_definition" | "class_definition" => return false,
                "named_expression" => {
                    if let Some(name) = n.child_by_field_name("name") {
                        out.define(self.text(name));
                    }
                }
                _ => {}
            }
            true
        });
    }
}

// ---------------------------------------------------------------------------------------------
// From the tokens.

/// The exports read from the tokens, or `None` when some statement has a shape the reader does
/// not place every binding of (a module-level `match`, a lambda beside a walrus, a walrus in an
/// f-string, an unusual target).
pub(crate) fn from_tokens(source: &str, tokens: &Tokens, statements: &Statements, stub: bool) -> Option<Exports> {
    if tokens.ambiguous_fields
        || tokens.field_code.iter().any(|range| source[range.start as usize..range.end as usize].contains(":="))
    {
        return None;
    }
    let view = Text { source, tokens: &tokens.tokens };
    let reader = TokenReader { view, stub };
    let mut out = Collector::default();
    let mut globals = Vec::new();
    for statement in &statements.list {
        let range = statement.tokens.clone();
        if range.is_empty() {
            return None;
        }
        if view.is_name(range.start, "global") {
            // Read after every statement, as the tree reader reads them.
            globals.extend(range.clone().skip(1).filter(|&index| view.tokens[index].kind == Kind::Name));
            continue;
        }
        if statement.scope != Scope::Module {
            continue;
        }
        if statement.header {
            reader.header(range, &mut out)?;
        } else {
            reader.simple(range, &mut out)?;
        }
    }
    for index in globals {
        out.define(view.text(index));
    }
    Some(out.finish(source))
}

struct TokenReader<'a> {
    view: Text<'a, 'a>,
    stub: bool,
}

const AUGMENTED: [&str; 13] = ["+=", "-=", "*=", "/=", "//=", "%=", "**=", ">>=", "<<=", "&=", "^=", "|=", "@="];

impl<'a> TokenReader<'a> {
    fn kind(&self, index: usize) -> Kind {
        self.view.tokens[index].kind
    }

    fn is_op(&self, index: usize, op: &str) -> bool {
        self.view.is_op(index, op)
    }

    fn opens(&self, index: usize) -> bool {
        matches!(self.view.op_byte(index), Some(b'(' | b'[' | b'{'))
    }

    fn closes(&self, index: usize) -> bool {
        matches!(self.view.op_byte(index), Some(b')' | b']' | b'}'))
    }

    /// The index of the name the tokens `range` are, inside as many `(` as `)` (`((a))`).
    fn parenthesized_name(&self, range: std::ops::Range<usize>) -> Option<usize> {
        let inside = self.view.inside_parentheses(range);
        (inside.len() == 1 && self.kind(inside.start) == Kind::Name).then_some(inside.start)
    }

    /// Every walrus target in `range`; `None` when a lambda stands beside one (its target would
    /// bind in the lambda).
    fn walruses(&self, range: std::ops::Range<usize>, out: &mut Collector<'a>) -> Option<()> {
        let walruses: Vec<usize> = range.clone().filter(|&index| self.is_op(index, ":=")).collect();
        if walruses.is_empty() {
            return Some(());
        }
        if range.clone().any(|index| self.view.is_name(index, "lambda")) {
            return None;
        }
        for index in walruses {
            if index == range.start || self.kind(index - 1) != Kind::Name {
                return None;
            }
            out.define(self.view.text(index - 1));
        }
        Some(())
    }

    fn header(&self, range: std::ops::Range<usize>, out: &mut Collector<'a>) -> Option<()> {
        let mut first = range.start;
        if self.view.is_name(first, "async") {
            first += 1;
        }
        match self.view.text(first) {
            "def" | "class" => {
                if first + 1 >= range.end || self.kind(first + 1) != Kind::Name {
                    return None;
                }
                out.define(self.view.text(first + 1));
                Some(())
            }
            "for" => {
                // The target runs to the first `in` outside brackets.
                let mut depth = 0usize;
                let mut end = None;
                for index in first + 1..range.end {
                    if self.opens(index) {
                        depth += 1;
                    } else if self.closes(index) {
                        depth = depth.checked_sub(1)?;
                    } else if depth == 0 && self.view.is_name(index, "in") {
                        end = Some(index);
                        break;
                    }
                }
                let end = end?;
                self.target(first + 1..end, out)?;
                self.walruses(end..range.end, out)
            }
            "with" => {
                // `as` targets: a name, at the top level or inside the parentheses of
                // `with (a as b, c as d)`; a dotted name (`as os.environ`) binds nothing.
                for index in first + 1..range.end {
                    if self.view.is_name(index, "as") {
                        let next = index + 1;
                        if next >= range.end || self.kind(next) != Kind::Name {
                            return None;
                        }
                        let mut after = next + 1;
                        while after + 1 < range.end && self.is_op(after, ".") && self.kind(after + 1) == Kind::Name {
                            after += 2;
                        }
                        if !(after == range.end || self.is_op(after, ",") || self.is_op(after, ")")) {
                            return None;
                        }
                        if after == next + 1 {
                            out.define(self.view.text(next));
                        }
                    }
                }
                self.walruses(first..range.end, out)
            }
            "except" => {
                if let Some(as_at) = (first..range.end).find(|&index| self.view.is_name(index, "as")) {
                    if as_at + 2 != range.end || self.kind(as_at + 1) != Kind::Name {
                        return None;
                    }
                    out.define(self.view.text(as_at + 1));
                }
                self.walruses(first..range.end, out)
            }
            "if" | "elif" | "while" => self.walruses(first..range.end, out),
            "else" | "try" | "finally" => Some(()),
            _ => None, // `match`, `case`
        }
    }

    fn simple(&self, range: std::ops::Range<usize>, out: &mut Collector<'a>) -> Option<()> {
        let view = &self.view;
        let first = range.start;
        if self.is_op(first, "@") {
            return Some(()); // a decorator
        }
        if view.is_name(first, "import") || view.is_name(first, "from") {
            let statement = super::statements::Statement {
                tokens: range.clone(),
                scope: Scope::Module,
                in_function: false,
                direct: true,
                header: false,
                body: 0,
                owner: None,
                parent: None,
            };
            let import = super::statements::import(view.source, view.tokens, &statement)?;
            if import.star {
                let module = import.from_module?;
                let written: String = super::imports::module_as_written(&view.source[module]);
                out.stars.push(written);
            }
            for b in import.bindings {
                out.import(b.bound, b.level, &b.module, b.name, b.aliased);
            }
            return Some(());
        }
        if view.is_name(first, "type")
            && range.len() > 2
            && self.kind(first + 1) == Kind::Name
            && (self.is_op(first + 2, "=") || self.is_op(first + 2, "["))
        {
            out.define(view.text(first + 1));
            return self.walruses(range, out);
        }
        // The top-level `=`, `:` and augmented operators, before any `lambda`.
        let mut depth = 0usize;
        let mut equals = Vec::new();
        let mut colon = None;
        let mut augmented = None;
        for index in range.clone() {
            if self.opens(index) {
                depth += 1;
            } else if self.closes(index) {
                depth = depth.checked_sub(1)?;
            } else if depth == 0 {
                if view.is_name(index, "lambda") {
                    break;
                }
                if self.kind(index) == Kind::Op {
                    match view.text(index) {
                        "=" => equals.push(index),
                        ":" if colon.is_none() && equals.is_empty() => colon = Some(index),
                        op if AUGMENTED.contains(&op) && augmented.is_none() && equals.is_empty() => {
                            augmented = Some(index)
                        }
                        _ => {}
                    }
                }
            }
        }
        let is_all = view.is_name(first, "__all__");
        if is_all && range.len() > 1 && self.is_op(first + 1, ".") {
            out.all(None, false); // `__all__.extend(…)`: no longer a literal
        }
        if let Some(op) = augmented {
            if is_all && op == first + 1 {
                let literal = if view.text(op) == "+=" { self.literal_list(op + 1..range.end) } else { None };
                out.all(literal, true);
            } else if let Some(name) = self.parenthesized_name(first..op) {
                out.define(view.text(name));
            }
            return self.walruses(range, out);
        }
        if let Some(colon) = colon {
            // An annotation: `name: T = value` binds `name` (a bare `name: T`, only in a stub).
            let single = colon == first + 1 && self.kind(first) == Kind::Name;
            if is_all && colon == first + 1 {
                out.all(None, false);
            } else if single && (!equals.is_empty() || self.stub) {
                out.define(view.text(first));
            }
            return self.walruses(range, out);
        }
        let mut start = first;
        for &equal in &equals {
            if is_all && start == first && equal == first + 1 && equals.len() == 1 {
                out.all(self.literal_list(equal + 1..range.end), false);
            } else {
                self.target(start..equal, out)?;
            }
            start = equal + 1;
        }
        self.walruses(range, out)
    }

    /// `[...]` or `(...)` of plain string literals spanning `range` exactly.
    fn literal_list(&self, range: std::ops::Range<usize>) -> Option<Vec<String>> {
        let view = &self.view;
        if range.len() < 2 {
            return None;
        }
        let (open, close) = (range.start, range.end - 1);
        let parenthesized = self.is_op(open, "(") && self.is_op(close, ")");
        if !(parenthesized || (self.is_op(open, "[") && self.is_op(close, "]"))) {
            return None;
        }
        let mut values = Vec::new();
        let mut commas = 0;
        let mut expect_value = true;
        for index in open + 1..close {
            match self.kind(index) {
                Kind::String if expect_value => {
                    values.push(plain_string(view.text(index))?);
                    expect_value = false;
                }
                Kind::Op if !expect_value && view.text(index) == "," => {
                    commas += 1;
                    expect_value = true;
                }
                _ => return None,
            }
        }
        if parenthesized && !values.is_empty() && commas == 0 {
            return None; // `("a")` is a string, not a tuple
        }
        Some(values)
    }

    /// The names a target in `range` binds: names, `*name`, and parenthesized or bracketed
    /// lists of targets; an attribute or subscript binds nothing. `None` for anything else.
    fn target(&self, range: std::ops::Range<usize>, out: &mut Collector<'a>) -> Option<()> {
        // Split at top-level commas.
        let mut depth = 0usize;
        let mut start = range.start;
        let mut parts = Vec::new();
        for index in range.clone() {
            if self.opens(index) {
                depth += 1;
            } else if self.closes(index) {
                depth = depth.checked_sub(1)?;
            } else if depth == 0 && self.is_op(index, ",") {
                parts.push(start..index);
                start = index + 1;
            }
        }
        parts.push(start..range.end);
        for part in parts {
            if part.is_empty() {
                continue; // a trailing comma
            }
            let mut part = part;
            if self.is_op(part.start, "*") {
                part.start += 1;
                if part.is_empty() {
                    return None;
                }
            }
            let (first, last) = (part.start, part.end - 1);
            if part.len() == 1 && self.kind(first) == Kind::Name {
                if super::is_keyword(self.view.text(first)) {
                    return None;
                }
                out.define(self.view.text(first));
            } else if (self.is_op(first, "(") && self.is_op(last, ")"))
                || (self.is_op(first, "[") && self.is_op(last, "]"))
            {
                // Only a list of targets when the brackets enclose the whole part.
                let mut depth = 0usize;
                for index in part.clone() {
                    if self.opens(index) {
                        depth += 1;
                    } else if self.closes(index) {
                        depth -= 1;
                        if depth == 0 && index != last {
                            return self.attribute_or_subscript(part, out);
                        }
                    }
                }
                self.target(first + 1..last, out)?;
            } else {
                self.attribute_or_subscript(part, out)?;
            }
        }
        Some(())
    }

    /// A target that binds nothing: it ends in `.name` or in a subscript `[...]`.
    fn attribute_or_subscript(&self, part: std::ops::Range<usize>, _out: &mut Collector<'a>) -> Option<()> {
        let last = part.end - 1;
        let attribute = part.len() >= 3 && self.kind(last) == Kind::Name && self.is_op(last - 1, ".");
        let subscript = part.len() >= 3 && self.is_op(last, "]");
        (attribute || subscript).then_some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(source: &str, stub: bool) -> (Option<Exports>, Option<Exports>) {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let from_tree = from_tree(tree.root_node(), source, stub);
        let lexed = super::super::tokens::tokenize(source);
        let statements = Statements::new(source, &lexed);
        let from_tokens = (lexed.ok && statements.ok).then(|| from_tokens(source, &lexed, &statements, stub)).flatten();
        (Some(from_tree), from_tokens)
    }

    #[test]
    fn every_binding_form() {
        let source = "\
import os.path
import sys as system
from typing import Any, TypeVar as TV
from . import sibling
from .star import *
X: int
Y = Z = 1
a, (b, *c) = t
[d, e] = t
o.attr = 1
o[k], f = 1, 2
g += 1
h: int = 2
i = lambda j=1: j
@decorator
class K(Base): ...
async def coroutine(): ...
def function():
    global late
    local = 1
if (walrus := f()):
    type Alias[T] = list[T]
elif cond:
    E = 1
else:
    F = 2
for m, n in pairs:
    pass
with open(p) as handle, lock:
    pass
try:
    import fast
except ImportError as error:
    fast = None
finally:
    done = True
while (w := next(it)) is not None:
    pass
__all__ = ['K', \"function\"]
__all__ += ('Y',)
";
        let (tree, tokens) = both(source, false);
        assert_eq!(tokens, tree);
        let exports = tree.unwrap();
        let expected = [
            "E",
            "F",
            "K",
            "TV",
            "Y",
            "Z",
            "__all__",
            "a",
            "b",
            "c",
            "coroutine",
            "d",
            "done",
            "e",
            "error",
            "f",
            "fast",
            "function",
            "g",
            "h",
            "handle",
            "i",
            "late",
            "m",
            "n",
            "os",
            "sibling",
            "system",
            "w",
            "walrus",
            "Alias",
            "Any",
        ];
        let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
        expected.sort();
        assert_eq!(exports.bound.iter().collect::<Vec<_>>(), expected);
        assert!(!exports.defined.contains("os") && exports.defined.contains("fast"));
        assert!(!exports.bound.contains("X"), "a bare annotation binds nothing at run time");
        assert!(!exports.bound.contains("local") && !exports.bound.contains("j"));
        assert!(expected.iter().all(|name| exports.bound.contains(name)) && !exports.bound.contains("Zz"));
        assert_eq!(exports.stars, [".star"]);
        // Where each imported name comes from, in source order (`fast` twice: `try` body only;
        // nothing of `function`'s body).
        let imported: Vec<(&str, usize, &str, Option<&str>, bool)> = exports
            .imported
            .iter()
            .map(|i| (i.bound.as_str(), i.level, i.module.as_str(), i.name.as_deref(), i.aliased))
            .collect();
        assert_eq!(
            imported,
            [
                ("os", 0, "os.path", None, false),
                ("system", 0, "sys", None, true),
                ("Any", 0, "typing", Some("Any"), false),
                ("TV", 0, "typing", Some("TypeVar"), true),
                ("sibling", 1, "", Some("sibling"), false),
                ("fast", 0, "fast", None, false),
            ]
        );
        let (tree, tokens) = both("from ..pkg.mod import (a as b,\n    c)\nimport x.y as z\n", false);
        assert_eq!(tokens, tree);
        let imported = tree.unwrap().imported;
        assert_eq!(imported[0], Imported::new("b", 2, "pkg.mod", Some("a"), true));
        assert_eq!(imported[1], Imported::new("c", 2, "pkg.mod", Some("c"), false));
        assert_eq!(imported[2], Imported::new("z", 0, "x.y", None, true));
        assert_eq!(exports.all, Some(vec!["K".to_string(), "function".to_string(), "Y".to_string()]));
        assert!(!exports.open);
        // In a stub, the bare annotation binds.
        let (tree, tokens) = both(source, true);
        assert_eq!(tokens, tree);
        assert!(tree.unwrap().bound.contains("X"));
    }

    /// `with … as a.b` binds nothing; both readers say so (the tokens once declined the file).
    #[test]
    fn dotted_with_targets_bind_nothing() {
        let source = "with guard() as os.environ, other() as a.b.c, lock as k:\n    pass\n";
        let (tree, tokens) = both(source, false);
        assert_eq!(tokens, tree);
        let exports = tree.unwrap();
        assert_eq!(exports.bound.iter().collect::<Vec<&str>>(), ["k"]);
        for source in ["with a as b.c[0]:\n    pass\n", "with a as b.:\n    pass\n"] {
            let (_, tokens) = both(source, false);
            assert_eq!(tokens, None, "{source}");
        }
    }

    #[test]
    fn dynamic_all_and_open_modules() {
        for source in ["__all__ = names()\n", "__all__ = ['a']\n__all__.extend(more)\n__all__ = ('a')\n"] {
            let (tree, tokens) = both(source, false);
            assert_eq!(tokens, tree, "{source}");
            if source.contains("names()") {
                assert_eq!(tree.unwrap().all, None);
            }
        }
        // Found by review: both readers must agree on these.
        for source in [
            "x = __all__ = ['a']\na = 1\n",
            "def f():\n    global __all__\n__all__ = ['a']\n",
            "if c:\n    __all__ = ['a', 'b']\nelse:\n    __all__ = ['a']\n",
        ] {
            let (tree, tokens) = both(source, false);
            assert_eq!(tokens, tree, "{source}");
            assert_eq!(tree.unwrap().all, None, "{source}");
        }
        let (tree, tokens) = both("match x:\n    case [a, b]:\n        pass\n", false);
        assert!(tree.unwrap().open);
        assert_eq!(tokens, None);
        let (tree, _) = both("def broken(:\n    pass\nX = 1\n", false);
        assert!(tree.unwrap().open);
    }

    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) = crate::python::both_builders_on_the_standard_library(
            |root, source| vec![from_tree(root, source, false)],
            |source, tokens, statements| from_tokens(source, tokens, statements, false).map(|e| vec![e]),
            |a, b| a == b,
        );
        assert!(files > 100 && found > 100, "{files} files, {found} modules");
    }
}
