//! What a file's tokens say about its statements, without a syntax tree: every simple statement
//! and compound-statement header, with the scope it stands in (module, class body, function
//! body) and whether it stands directly in that body. Import statements are read exactly from
//! their tokens, and [`model`] builds the semantic model of [`super::model`] for a set of names
//! from tokens, for the common files where the tokens place every occurrence; [`unresolved`]
//! answers with the one resolver over it.
//!
//! This is the engines' fast path (see `docs/architecture.md`): it must never give an answer the
//! syntax tree would not. Whenever the token stream has a shape it does not fully understand (an
//! indented block after something that is not a header, a compound keyword in a one-line body, a
//! hard keyword it did not place), [`Statements::ok`] is false and callers parse the file.

use std::collections::HashMap;
use std::ops::Range;

use super::model::{Bound, Event, Model, ScopeKind, What};
pub(crate) use super::tokens::contains_word;
use super::tokens::{Kind, Text, Token};

/// The innermost class or function body a statement is in (or the module).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    Module,
    Class,
    Function,
}

/// One simple statement, or one compound statement's header.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    /// Indices into the token list: the statement's tokens, without the `;` or NEWLINE that
    /// ends it; for a header, up to (not including) its colon.
    pub tokens: Range<usize>,
    pub scope: Scope,
    /// Some enclosing body is a function's.
    pub in_function: bool,
    /// Directly in the body of `scope`, not inside an `if`, `for`, `try`, `with`, `match`, ….
    pub direct: bool,
    /// A compound statement's header (`class A(B)`, `if x`, `def f()`).
    pub header: bool,
    /// Byte offset where the body holding this statement starts (0 for the module body): the
    /// syntax tree's order of bodies.
    pub body: usize,
    /// The innermost class or function whose body holds this statement (its header's index);
    /// for a `class` or `def` header, the one around it.
    pub owner: Option<usize>,
    /// The compound statement whose body holds this one (its header's index), if any.
    pub parent: Option<usize>,
}

/// The statements of a file, in source order.
pub(crate) struct Statements {
    pub list: Vec<Statement>,
    /// The tokens had a shape the statement reader understands; when false, `list` is
    /// incomplete and must not be used.
    pub ok: bool,
    /// What [`certain_load`] asks of the statements, made on its first question.
    loads: std::cell::OnceCell<LoadIndex>,
}

/// Where the statements of one body stand.
#[derive(Debug, Clone, Copy)]
struct Context {
    scope: Scope,
    in_function: bool,
    direct: bool,
    /// The body of a `match` statement: each line is a `case` clause.
    match_body: bool,
    body: usize,
    owner: Option<usize>,
    parent: Option<usize>,
}

const COMPOUND: &[&str] =
    &["if", "elif", "else", "while", "for", "try", "except", "finally", "with", "class", "def", "async"];

struct Reader<'a> {
    view: Text<'a, 'a>,
    list: Vec<Statement>,
    ok: bool,
    /// Some `;` stands in the file (else a simple line is one statement).
    semicolons: bool,
}

impl<'a> std::ops::Deref for Reader<'a> {
    type Target = Text<'a, 'a>;

    fn deref(&self) -> &Text<'a, 'a> {
        &self.view
    }
}

impl Reader<'_> {
    /// The header colon of the compound statement in `range`: the first `:` outside brackets
    /// that no `lambda` claims.
    fn header_colon(&self, range: Range<usize>) -> Option<usize> {
        let mut depth = 0usize;
        let mut lambdas = 0usize;
        for index in range {
            if depth == 0 && self.is_name(index, "lambda") {
                lambdas += 1;
            }
            match self.op_byte(index) {
                Some(b'(' | b'[' | b'{') => depth += 1,
                Some(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
                Some(b':') if depth == 0 && lambdas > 0 => lambdas -= 1,
                Some(b':') if depth == 0 => return Some(index),
                _ => {}
            }
        }
        None
    }

    /// One logical line in `range` (its NEWLINE excluded), standing in `context`. Returns the
    /// context of the block its header opens, when it ends with a header's colon.
    fn line(&mut self, range: Range<usize>, context: Context) -> Option<Context> {
        let first = range.start;
        let keyword = if self.tokens[first].kind == Kind::Name { self.text(first) } else { "" };
        let is_header = if context.match_body {
            // Every line of a `match` body is a `case` clause.
            if keyword != "case" {
                self.ok = false;
                return None;
            }
            true
        } else {
            COMPOUND.contains(&keyword) || (keyword == "match" && range.len() > 2 && self.is_op(range.end - 1, ":"))
        };
        if !is_header {
            self.simple(range, context);
            return None;
        }
        let Some(colon) = self.header_colon(range.clone()) else {
            self.ok = false;
            return None;
        };
        let function =
            keyword == "def" || (keyword == "async" && first + 1 < range.end && self.is_name(first + 1, "def"));
        self.list.push(Statement {
            tokens: first..colon,
            scope: context.scope,
            in_function: context.in_function,
            direct: context.direct,
            header: true,
            body: context.body,
            owner: context.owner,
            parent: context.parent,
        });
        let header = self.list.len() - 1;
        let body_start = self.tokens.get(colon + 1).map_or(self.source.len(), |t| t.start as usize);
        let inner = if keyword == "class" {
            Context {
                scope: Scope::Class,
                direct: true,
                match_body: false,
                body: 0,
                owner: Some(header),
                parent: Some(header),
                ..context
            }
        } else if function {
            Context {
                scope: Scope::Function,
                in_function: true,
                direct: true,
                match_body: false,
                body: 0,
                owner: Some(header),
                parent: Some(header),
            }
        } else {
            Context { direct: false, match_body: keyword == "match", body: 0, parent: Some(header), ..context }
        };
        if colon + 1 == range.end {
            // The body is the indented block that follows.
            return Some(inner);
        }
        if keyword == "match" {
            self.ok = false;
            return None;
        }
        self.simple(colon + 1..range.end, Context { body: body_start, ..inner });
        None
    }

    /// Simple statements separated by `;` in `range`.
    fn simple(&mut self, range: Range<usize>, context: Context) {
        if !self.semicolons {
            if range.start < range.end {
                self.statement(range, context);
            }
            return;
        }
        let mut depth = 0usize;
        let mut start = range.start;
        for index in range.clone() {
            match self.op_byte(index) {
                Some(b'(' | b'[' | b'{') => depth += 1,
                Some(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
                Some(b';') if depth == 0 => {
                    self.statement(start..index, context);
                    start = index + 1;
                }
                _ => {}
            }
        }
        if start < range.end {
            self.statement(start..range.end, context);
        }
    }

    fn statement(&mut self, range: Range<usize>, context: Context) {
        if range.is_empty() {
            self.ok = false;
            return;
        }
        if self.tokens[range.start].kind == Kind::Name && COMPOUND.contains(&self.text(range.start)) {
            // A compound statement where only simple ones may stand.
            self.ok = false;
            return;
        }
        self.list.push(Statement {
            tokens: range,
            scope: context.scope,
            in_function: context.in_function,
            direct: context.direct,
            header: false,
            body: context.body,
            owner: context.owner,
            parent: context.parent,
        });
    }
}

impl Statements {
    pub(crate) fn new(source: &str, lexed: &super::tokens::Tokens) -> Self {
        let tokens = &lexed.tokens[..];
        let view = Text { source, tokens };
        let mut reader =
            Reader { view, list: Vec::with_capacity(tokens.len() / 8), ok: true, semicolons: lexed.semicolons };
        // Where each logical line ends: the first NEWLINE at or after a line's first token.
        let mut newlines = lexed.newlines.iter().map(|&index| index as usize).peekable();
        let module = Context {
            scope: Scope::Module,
            in_function: false,
            direct: true,
            match_body: false,
            body: 0,
            owner: None,
            parent: None,
        };
        let mut stack = vec![module];
        let mut pending: Option<Context> = None;
        let mut index = 0;
        while index < tokens.len() && reader.ok {
            match tokens[index].kind {
                Kind::Indent => {
                    let Some(mut context) = pending.take() else {
                        reader.ok = false;
                        break;
                    };
                    context.body = tokens.get(index + 1).map_or(source.len(), |t| t.start as usize);
                    stack.push(context);
                    index += 1;
                }
                Kind::Dedent => {
                    if pending.is_some() || stack.len() <= 1 {
                        reader.ok = false;
                        break;
                    }
                    stack.pop();
                    index += 1;
                }
                Kind::Newline => index += 1,
                _ => {
                    if pending.is_some() {
                        // A header's colon not followed by an indented block.
                        reader.ok = false;
                        break;
                    }
                    while newlines.next_if(|&newline| newline < index).is_some() {}
                    let end = newlines.peek().copied().unwrap_or(tokens.len());
                    let context = *stack.last().unwrap_or(&module);
                    pending = reader.line(index..end, context);
                    index = end + 1;
                }
            }
        }
        let ok = reader.ok && pending.is_none() && reader.placed_every_keyword(&lexed.keywords);
        Statements { list: reader.list, ok, loads: std::cell::OnceCell::new() }
    }
}

impl Reader<'_> {
    /// Every `import`, `class` and `def` keyword starts (or, for `import`, belongs to) a
    /// statement the reader saw: nothing the engines look for hides where it did not look.
    /// `keywords`: the tokenizer's list of those names (and `from`), by index.
    fn placed_every_keyword(&self, keywords: &[u32]) -> bool {
        let mut placed = Vec::new();
        for statement in &self.list {
            let first = statement.tokens.start;
            match self.text(first) {
                "import" | "from" => {
                    placed.extend(statement.tokens.clone().filter(|&index| self.is_name(index, "import")))
                }
                "class" | "def" => placed.push(first),
                "async" if first + 1 < statement.tokens.end && self.is_name(first + 1, "def") => placed.push(first + 1),
                _ => {}
            }
        }
        // Statements come in token order, so the placed keywords do; each keyword token (not
        // `from`, which the tokenizer lists too) must be the next placed one.
        let mut placed = placed.into_iter();
        keywords
            .iter()
            .map(|&index| index as usize)
            .filter(|&index| !self.is_name(index, "from"))
            .all(|index| placed.next() == Some(index))
    }
}

/// One name an import statement binds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImportBinding<'a> {
    /// The bound name.
    pub bound: &'a str,
    /// The module, without leading dots: `os.path` for `import os.path`, `x` for `from ..x import y`.
    pub module: String,
    /// The imported name of a `from` import (`None` for `import m`).
    pub name: Option<&'a str>,
    /// Written with `as`.
    pub aliased: bool,
    /// Leading dots of a `from` import.
    pub level: usize,
    /// The byte range of what is imported as written: the dotted module of `import a.b`, the
    /// name of `from m import n`.
    pub path: Range<usize>,
}

/// An import statement read from its tokens.
#[derive(Debug, Default)]
pub(crate) struct Import<'a> {
    pub bindings: Vec<ImportBinding<'a>>,
    /// `from m import *`.
    pub star: bool,
    /// For a relative `from` import: the byte range of the module as written (`..pkg.mod`).
    pub relative_module: Option<Range<usize>>,
    /// For a `from` import: the byte range of the module as written, dots included.
    pub from_module: Option<Range<usize>>,
}

/// The import statement `statement` (its first token `import` or `from`), or `None` when its
/// tokens are not a well-formed import.
pub(crate) fn import<'a>(source: &'a str, tokens: &[Token], statement: &Statement) -> Option<Import<'a>> {
    let text = |index: usize| -> &'a str { Text { source, tokens }.text(index) };
    let range = statement.tokens.clone();
    let is = |index: usize, kind: Kind, s: &str| index < range.end && tokens[index].kind == kind && text(index) == s;
    let name_at = |index: usize| index < range.end && tokens[index].kind == Kind::Name;
    // A dotted name from `index`: (text without spaces, index after it).
    let dotted = |mut index: usize| -> Option<(String, usize)> {
        let mut module = String::new();
        loop {
            if !name_at(index) {
                return None;
            }
            module.push_str(text(index));
            index += 1;
            if is(index, Kind::Op, ".") {
                module.push('.');
                index += 1;
            } else {
                return Some((module, index));
            }
        }
    };
    let mut out = Import::default();
    let mut index = range.start;
    if is(index, Kind::Name, "import") {
        index += 1;
        loop {
            let start = index;
            let (module, next) = dotted(index)?;
            index = next;
            let path = tokens[start].start as usize..tokens[index - 1].end as usize;
            if is(index, Kind::Name, "as") {
                if !name_at(index + 1) {
                    return None;
                }
                out.bindings.push(ImportBinding {
                    bound: text(index + 1),
                    module,
                    name: None,
                    aliased: true,
                    level: 0,
                    path,
                });
                index += 2;
            } else {
                out.bindings.push(ImportBinding {
                    bound: text(start),
                    module,
                    name: None,
                    aliased: false,
                    level: 0,
                    path,
                });
            }
            if index == range.end {
                return Some(out);
            }
            if !is(index, Kind::Op, ",") {
                return None;
            }
            index += 1;
        }
    }
    if !is(index, Kind::Name, "from") {
        return None;
    }
    index += 1;
    let mut level = 0;
    let dots_start = index;
    while index < range.end && tokens[index].kind == Kind::Op && matches!(text(index), "." | "...") {
        level += text(index).len();
        index += 1;
    }
    let mut module = String::new();
    if !is(index, Kind::Name, "import") {
        let (name, next) = dotted(index)?;
        module = name;
        index = next;
    }
    if index == dots_start {
        return None;
    }
    out.from_module = Some(tokens[dots_start].start as usize..tokens[index - 1].end as usize);
    if level > 0 {
        out.relative_module = out.from_module.clone();
    } else if module.is_empty() {
        return None;
    }
    if !is(index, Kind::Name, "import") {
        return None;
    }
    index += 1;
    if is(index, Kind::Op, "*") {
        out.star = true;
        return (index + 1 == range.end).then_some(out);
    }
    let parenthesized = is(index, Kind::Op, "(");
    let end = if parenthesized {
        if range.end - 1 <= index || !is(range.end - 1, Kind::Op, ")") {
            return None;
        }
        index += 1;
        range.end - 1
    } else {
        range.end
    };
    loop {
        if index >= end || tokens[index].kind != Kind::Name {
            return None;
        }
        let name = text(index);
        let path = tokens[index].start as usize..tokens[index].end as usize;
        index += 1;
        let (bound, aliased) = if index < end && tokens[index].kind == Kind::Name && text(index) == "as" {
            if index + 1 >= end || tokens[index + 1].kind != Kind::Name {
                return None;
            }
            index += 2;
            (text(index - 1), true)
        } else {
            (name, false)
        };
        out.bindings.push(ImportBinding { bound, module: module.clone(), name: Some(name), aliased, level, path });
        if index == end {
            return Some(out);
        }
        if !(tokens[index].kind == Kind::Op && text(index) == ",") {
            return None;
        }
        index += 1;
        if index == end && parenthesized {
            return Some(out); // trailing comma
        }
    }
}

/// Loads of `names` that resolve to no binding, decided from tokens: the answer of
/// [`super::model::resolve`] on the model [`model`] builds, or `None` when the tokens cannot
/// decide (the model could not be built, or an undefined use found is an uncertain load: a name
/// seen inside an f-string, which may be literal text, or a load a `NameError` guard may cover).
pub(crate) fn unresolved(
    source: &str,
    lexed: &super::tokens::Tokens,
    statements: &Statements,
    names: &[&str],
) -> Option<Vec<(String, Range<usize>)>> {
    let model = model(source, lexed, statements, names)?;
    let undefined = super::model::resolve(&model);
    if undefined.iter().any(|u| u.uncertain) {
        return None;
    }
    Some(super::model::named(&undefined, names))
}

/// The semantic model of `names` (see [`super::model`]) read from tokens and statements, or
/// `None` when the tokens cannot place every occurrence for certain. The same model the syntax
/// tree gives, or one the resolver answers alike on: every occurrence of a name must be a
/// certain load, a binding whose evaluation order the statement makes plain (an import, a
/// `def`/`class` name, a parameter, a pure target of an assignment's first target list or of a
/// `for`, a `with … as name`, an annotated name), an attribute, or a keyword argument's name. It declines on a
/// name bound by a comprehension, a lambda or `:=`, a lambda in a class body, `del`, `global`,
/// `nonlocal`, `except … as`, `match` patterns, and an annotation that
/// `from __future__ import annotations` defers. Loads in a statement holding a comprehension or
/// a lambda are uncertain (their scope is not the statement's), and so is every load in a file
/// naming `NameError` (a `try` guard the tokens do not place).
pub(crate) fn model(
    source: &str,
    lexed: &super::tokens::Tokens,
    statements: &Statements,
    names: &[&str],
) -> Option<Model> {
    let tokens = &lexed.tokens;
    let text = |index: usize| Text { source, tokens }.text(index);
    let wanted = |word: &str| names.iter().position(|n| *n == word).map(|i| i as u16);
    let is_op = |index: usize, op: &str| tokens.get(index).is_some_and(|t| t.kind == Kind::Op) && text(index) == op;
    let is_name =
        |index: usize, name: &str| tokens.get(index).is_some_and(|t| t.kind == Kind::Name) && text(index) == name;
    let mut model = Model::new();
    // Fast exit: no name occurs at all (as a name or inside an f-string).
    let mut mentioned = false;
    // A `try` catching `NameError` may guard a load: the tokens do not say which, so every load
    // is uncertain (a guard only ever silences an undefined load; it changes no binding).
    let mut name_error = false;
    // (token, name) of each occurrence that is not an attribute, and of each f-string naming one.
    let mut hits: Vec<(usize, u16)> = Vec::new();
    let mut fstring_hits: Vec<(usize, u16)> = Vec::new();
    for (index, token) in tokens.iter().enumerate() {
        match token.kind {
            Kind::Name if text(index) == "NameError" => name_error = true,
            Kind::Name => {
                if let Some(name) = wanted(text(index)) {
                    mentioned = true;
                    if !(index > 0 && is_op(index - 1, ".")) {
                        hits.push((index, name));
                    }
                }
            }
            // A name in an f-string's replacement fields (its literal text names nothing).
            Kind::FString => {
                let in_field = |word: &str| lexed.field_code_in(token).any(|code| contains_word(&source[code], word));
                for (name, word) in names.iter().enumerate() {
                    if contains_word(text(index), word) && in_field(word) {
                        mentioned = true;
                        fstring_hits.push((index, name as u16));
                    }
                }
            }
            _ => {}
        }
    }
    if !mentioned {
        return Some(model);
    }
    let event = |scope: u32, name: u16, index: usize, what: What| Event {
        scope,
        name,
        start: tokens[index].start,
        end: tokens[index].end,
        what,
    };
    let depth_zero = |range: Range<usize>, word: &str| -> Option<usize> {
        let mut depth = 0usize;
        for i in range {
            match (tokens[i].kind, text(i)) {
                (Kind::Op, "(" | "[" | "{") => depth += 1,
                (Kind::Op, ")" | "]" | "}") => depth = depth.saturating_sub(1),
                (_, found) if depth == 0 && found == word => return Some(i),
                _ => {}
            }
        }
        None
    };
    let mut future_annotations = false;
    // Per `class`/`def` header: the scope its body opens and the block that body's events join.
    let mut opened: HashMap<usize, (u32, u32)> = HashMap::new();
    // Classes whose body is being read: (header, class name token); the name is bound when the
    // body ends.
    let mut open_classes: Vec<(usize, usize)> = Vec::new();
    let place = |opened: &HashMap<usize, (u32, u32)>, owner: Option<usize>| -> (u32, u32) {
        owner.and_then(|header| opened.get(&header).copied()).unwrap_or((0, 0))
    };
    let inside = |position: usize, header: usize| {
        let mut owner = statements.list[position].owner;
        while let Some(o) = owner {
            if o == header {
                return true;
            }
            owner = statements.list[o].owner;
        }
        false
    };
    let close = |model: &mut Model, opened: &HashMap<usize, (u32, u32)>, header: usize, name_token: usize| {
        if let Some(name) = wanted(text(name_token)) {
            let (scope, block) = place(opened, statements.list[header].owner);
            model.push(block, event(scope, name, name_token, What::Bind(Bound::Plain)));
        }
    };
    for (position, statement) in statements.list.iter().enumerate() {
        while let Some(&(header, name_token)) = open_classes.last() {
            if inside(position, header) {
                break;
            }
            open_classes.pop();
            close(&mut model, &opened, header, name_token);
        }
        let range = statement.tokens.clone();
        let first = range.start;
        let (scope, block) = place(&opened, statement.owner);
        let word = if tokens[first].kind == Kind::Name { text(first) } else { "" };
        // Occurrences of the names in this statement (not attributes), and f-strings naming one.
        let within = |list: &'_ [(usize, u16)]| -> std::ops::Range<usize> {
            list.partition_point(|h| h.0 < range.start)..list.partition_point(|h| h.0 < range.end)
        };
        let occurrences = &hits[within(&hits)];
        let fstrings = &fstring_hits[within(&fstring_hits)];
        if matches!(word, "import" | "from") && !statement.header {
            let import = import(source, tokens, statement)?;
            if import.star {
                model.push(block, event(scope, 0, first, What::Star));
            }
            for binding in &import.bindings {
                if binding.module == "__future__" && binding.name == Some("annotations") {
                    future_annotations = true;
                }
                if let Some(name) = wanted(binding.bound) {
                    let mut e = event(scope, name, first, What::Bind(Bound::Plain));
                    e.end = tokens[range.end - 1].end;
                    model.push(block, e);
                }
            }
            continue;
        }
        let def = match word {
            "def" if statement.header => Some(first + 1),
            "async" if statement.header && is_name(first + 1, "def") => Some(first + 2),
            _ => None,
        };
        let class = (word == "class" && statement.header).then_some(first + 1);
        if occurrences.is_empty() && fstrings.is_empty() {
            if let Some(at) = def {
                let function = model.scope(ScopeKind::Function, scope);
                let body = model.block();
                opened.insert(position, (function, body));
                model.push(block, event(scope, 0, at, What::Defer(body)));
            } else if let Some(at) = class {
                opened.insert(position, (model.scope(ScopeKind::Class, scope), block));
                open_classes.push((position, at));
            }
            continue;
        }
        if matches!(word, "del" | "global" | "nonlocal" | "except" | "case" | "match" | "type") {
            return None;
        }
        // Other scopes inside the statement: a comprehension (its loads start in its own scope)
        // or a lambda (its body runs later). Their loads are taken for the statement's, which
        // differs only in what is reported (a load that finds nothing now may find something
        // later, and `UndefinedLocal` points at loads of the function's own scope): uncertain.
        let comprehension =
            range.clone().any(|i| is_name(i, "for") && i != first && !(word == "async" && i == first + 1));
        // Each lambda's parameters (from `lambda` to its colon) and its body (to a `,` or `for`
        // outside brackets, the bracket around it closing, or the statement's end).
        let lambdas: Vec<(usize, usize, usize)> = range
            .clone()
            .filter(|&i| is_name(i, "lambda"))
            .map(|at| {
                let mut depth = 0isize;
                let mut colon = None;
                let mut end = range.end;
                for (i, token) in tokens.iter().enumerate().take(range.end).skip(at + 1) {
                    match (token.kind, text(i)) {
                        (Kind::Op, "(" | "[" | "{") => depth += 1,
                        (Kind::Op, ")" | "]" | "}") => depth -= 1,
                        (Kind::Op, ":") if depth == 0 && colon.is_none() => colon = Some(i),
                        _ => {}
                    }
                    let stops = depth < 0
                        || (depth == 0 && colon.is_some_and(|c| c < i) && (is_op(i, ",") || is_name(i, "for")));
                    if stops {
                        end = i;
                        break;
                    }
                }
                (at, colon.unwrap_or(range.end), end)
            })
            .collect();
        if fstrings.iter().any(|&(i, _)| text(i).contains(":=")) {
            return None;
        }
        // Where the names of a comprehension are bound, when no lambda complicates the scopes and
        // the statement is no `def` header (whose defaults and annotations the tree reads in the
        // function's body).
        let comprehensions = (comprehension && lambdas.is_empty() && def.is_none())
            .then(|| Comprehensions::new(source, tokens, range.clone()));
        let in_lambda_header = |index: usize| lambdas.iter().any(|&(at, colon, _)| at < index && index <= colon);
        let in_lambda = |index: usize| lambdas.iter().any(|&(at, _, end)| at < index && index < end);
        let load_kind = |index: usize| What::Load {
            guarded: false,
            postponed: false,
            uncertain: name_error || comprehension || in_lambda(index),
        };
        // A pure target list: `for` targets, or an assignment's first targets.
        let targets = if statement.header {
            let for_at = if word == "async" { first + 1 } else { first };
            (for_at < range.end && is_name(for_at, "for"))
                .then(|| depth_zero(for_at + 1..range.end, "in").map(|i| for_at + 1..i))
                .flatten()
        } else {
            depth_zero(range.clone(), "=").filter(|&i| tokens[i].kind == Kind::Op).map(|i| first..i)
        };
        let stored = targets.and_then(|r| pure_targets(source, tokens, r)).unwrap_or_default();
        // A chain `a = b = v` assigns its targets from the left, each after the loads in it: a
        // name named twice among the targets (`patch = patch.y = v`, `patch.x = patch = v`) is
        // bound and loaded in an order the loads-then-binds reading does not keep.
        if !statement.header {
            // How many `=` stand outside brackets, and the last.
            let (mut depth, mut equals, mut last) = (0usize, 0, 0);
            for i in range.clone() {
                match (Text { source, tokens }).op_byte(i) {
                    Some(b'(' | b'[' | b'{') => depth += 1,
                    Some(b')' | b']' | b'}') => depth = depth.saturating_sub(1),
                    Some(b'=') if depth == 0 => (equals, last) = (equals + 1, i),
                    _ => {}
                }
            }
            if equals >= 2 {
                let in_targets = &occurrences[..occurrences.partition_point(|&(i, _)| i < last)];
                if in_targets.iter().enumerate().any(|(k, &(_, name))| in_targets[..k].iter().any(|&(_, n)| n == name))
                {
                    return None;
                }
            }
        }
        let params = if def.is_some() { parameters(source, tokens, statement) } else { Vec::new() };
        let with = statement.header && (word == "with" || (word == "async" && is_name(first + 1, "with")));
        let mut loads: Vec<Event> = Vec::new();
        // Binds made in the order of the tokens (`with … as name`), among the loads.
        let mut binds: Vec<Event> = Vec::new();
        for &(index, name) in occurrences {
            let previous = if index > first { text(index - 1) } else { "" };
            let next = if index + 1 < range.end { text(index + 1) } else { "" };
            if is_op(index + 1, ":=") {
                return None; // Bound in the enclosing function, even from inside a comprehension.
            }
            match comprehensions.as_ref().map(|found| found.binding(source, tokens, index)) {
                // A target of a comprehension, or a use inside it of its first clause's target:
                // bound and read in the comprehension's own scope, which nothing else sees.
                Some(ComprehensionBinding::Inside) => continue,
                Some(ComprehensionBinding::Unknown) => return None,
                Some(ComprehensionBinding::Outside) | None => {}
            }
            if (comprehension && previous == "for")
                || in_lambda_header(index)
                || (statement.scope == Scope::Class && in_lambda(index))
            {
                return None; // Bound in a scope or order the tokens do not place; or a lambda
                             // in a class body, which does not see the class's names.
            }
            if stored.contains(&index) {
                binds.push(event(scope, name, index, What::Bind(Bound::Plain)));
                continue;
            }
            if def == Some(index) || class == Some(index) || params.contains(&index) {
                continue; // Bound below, in its place.
            }
            if is_op(index + 1, "=") && matches!(previous, "(" | ",") && index > first {
                continue; // A keyword argument's name (no `lambda` here, and parameters are out).
            }
            if previous == "as" {
                let depth_ok = depth_at(tokens, source, first, index) == 0;
                if with && depth_ok && (next.is_empty() || next == ",") {
                    loads.push(event(scope, name, index, What::Bind(Bound::Plain)));
                    continue;
                }
                return None;
            }
            if index == first && !statement.header && is_op(index + 1, ":") {
                // `name: T` binds an annotation only; `name: T = v` binds after T and v.
                let value = depth_zero(index + 2..range.end, "=").is_some_and(|i| tokens[i].kind == Kind::Op);
                let bound = if value { Bound::Plain } else { Bound::Annotation };
                binds.push(event(scope, name, index, What::Bind(bound)));
                continue;
            }
            let header_load = (def.is_some() || class.is_some()) && plain_header(source, tokens, statement);
            let load = header_load
                || (tokens.get(index + 1).is_some_and(|t| t.kind == Kind::Op) && matches!(next, "(" | "." | "["))
                || certain_load(source, tokens, statements, index);
            // A later target of a chained assignment (`a = name = v`): bound with the first
            // targets, after the value (no other target names it: see above).
            let target = is_op(index + 1, "=") && previous == "=";
            if target
                && !statement.header
                && depth_at(tokens, source, first, index) == 0
                && depth_zero(first..index, ":").is_none()
            {
                binds.push(event(scope, name, index, What::Bind(Bound::Plain)));
                continue;
            }
            if !load || target {
                return None;
            }
            if future_annotations && def.is_some() && def_annotation(source, tokens, statement, index) {
                // Deferred on its own, as the tree defers each annotation.
                let later = model.block();
                loads.push(event(scope, 0, index, What::Defer(later)));
                let what = What::Load { guarded: false, postponed: true, uncertain: name_error };
                model.push(later, event(scope, name, index, what));
                continue;
            }
            if future_annotations && !statement.header && depth_zero(first..index, ":").is_some() {
                return None; // Possibly an annotation, deferred.
            }
            loads.push(event(scope, name, index, load_kind(index)));
        }
        for &(index, name) in fstrings {
            if future_annotations && def.is_some() {
                return None;
            }
            let what = What::Load { guarded: false, postponed: false, uncertain: true };
            loads.push(event(scope, name, index, what));
        }
        loads.sort_by_key(|e| e.start);
        for e in loads {
            model.push(block, e);
        }
        if let Some(at) = def {
            let function = model.scope(ScopeKind::Function, scope);
            let body = model.block();
            opened.insert(position, (function, body));
            for &param in &params {
                if let Some(name) = wanted(text(param)) {
                    model.push(body, event(function, name, param, What::Bind(Bound::Plain)));
                }
            }
            model.push(block, event(scope, 0, at, What::Defer(body)));
            if let Some(name) = wanted(text(at)) {
                model.push(block, event(scope, name, at, What::Bind(Bound::Plain)));
            }
        } else if let Some(at) = class {
            opened.insert(position, (model.scope(ScopeKind::Class, scope), block));
            open_classes.push((position, at));
        }
        for e in binds {
            model.push(block, e);
        }
    }
    while let Some((header, name_token)) = open_classes.pop() {
        close(&mut model, &opened, header, name_token);
    }
    Some(model)
}

/// Whether token `index` of the `def` header `statement` is in an annotation: after `->`, or
/// after a parameter's `:` (before its `=` or the next parameter).
fn def_annotation(source: &str, tokens: &[Token], statement: &Statement, index: usize) -> bool {
    let text = |i: usize| Text { source, tokens }.text(i);
    let mut depth = 0usize;
    // The last separator at the parameter list's level.
    let mut last = "";
    for (i, token) in tokens.iter().enumerate().take(index).skip(statement.tokens.start) {
        if token.kind != Kind::Op {
            continue;
        }
        match text(i) {
            "->" if depth == 0 => return true,
            "(" | "[" | "{" => {
                depth += 1;
                if depth == 1 {
                    last = "(";
                }
            }
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            op @ (":" | "=" | ",") if depth == 1 => last = op,
            _ => {}
        }
    }
    last == ":"
}

/// The bracket depth at token `index` within the statement starting at `first`.
fn depth_at(tokens: &[Token], source: &str, first: usize, index: usize) -> usize {
    let text = |i: usize| Text { source, tokens }.text(i);
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().take(index).skip(first) {
        if token.kind == Kind::Op {
            match text(i) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
    }
    depth
}

/// The comprehensions (list, set and dict comprehensions, generator expressions) of one
/// statement's tokens: each bracket that holds a `for` at its own depth, with where its clauses
/// bind and where its first iterable lies (evaluated in the enclosing scope, not its own).
struct Comprehensions {
    /// The statement's first token.
    start: usize,
    /// For each token of the statement (from `start`), the innermost bracket around it (its
    /// opening token), if any.
    around: Vec<Option<usize>>,
    /// By opening bracket, the comprehension it holds.
    found: HashMap<usize, Comprehension>,
}

struct Comprehension {
    /// The target list of its first `for` clause, and whether it is plain: names, commas and
    /// tuple or list brackets only (no attribute, subscript or starred target).
    first_targets: Range<usize>,
    plain: bool,
    /// Its first iterable: from after the first `in` to the next clause or the closing bracket.
    iterable: Range<usize>,
    /// The target lists of its later `for` clauses.
    later_targets: Vec<Range<usize>>,
}

/// Where the occurrence of a name is bound, as [`Comprehensions::binding`] reads it.
#[derive(Debug, PartialEq, Eq)]
enum ComprehensionBinding {
    /// It is a comprehension's target, or a use (outside that comprehension's first iterable) of
    /// a name its first clause's plain target list binds.
    Inside,
    /// No comprehension around it binds it: the statement's own scope decides.
    Outside,
    /// A later clause or a target list that is not plain may bind it: not for the tokens.
    Unknown,
}

impl Comprehensions {
    fn new(source: &str, tokens: &[Token], range: Range<usize>) -> Self {
        let view = Text { source, tokens };
        let start = range.start;
        let mut around = Vec::with_capacity(range.len());
        let mut stack: Vec<usize> = Vec::new();
        // By bracket: the `for`, `in` and `if` names at its own depth.
        let mut clauses: HashMap<usize, Vec<usize>> = HashMap::new();
        for index in range {
            match view.op_byte(index) {
                Some(b'(' | b'[' | b'{') => {
                    around.push(stack.last().copied());
                    stack.push(index);
                }
                Some(b')' | b']' | b'}') => {
                    stack.pop();
                    around.push(stack.last().copied());
                }
                _ => {
                    around.push(stack.last().copied());
                    if let Some(&open) = stack.last() {
                        if view.is_name(index, "for") || view.is_name(index, "in") || view.is_name(index, "if") {
                            clauses.entry(open).or_default().push(index);
                        }
                    }
                }
            }
        }
        let mut found = HashMap::new();
        for (open, marks) in clauses {
            let fors: Vec<usize> = marks.iter().copied().filter(|&i| view.is_name(i, "for")).collect();
            let Some(&first) = fors.first() else { continue };
            // The first `in` after a `for` ends its targets.
            let targets_of = |at: usize| -> Range<usize> {
                let end = marks.iter().copied().find(|&i| i > at && view.is_name(i, "in")).unwrap_or(at + 1);
                at + 1..end
            };
            let first_targets = targets_of(first);
            // `a[x for x in y]` is no comprehension Python has: a subscript decides nothing.
            let subscript = view.op_byte(open) == Some(b'[')
                && open > start
                && (matches!(view.op_byte(open - 1), Some(b')' | b']'))
                    || matches!(tokens[open - 1].kind, Kind::Name | Kind::String | Kind::FString));
            let plain = !subscript
                && !first_targets.is_empty()
                && first_targets.clone().all(|i| match view.op_byte(i) {
                    Some(b',' | b')' | b']') => true,
                    // A tuple or list of targets opens first or after `,` or another opener;
                    // after anything else (`a[`, `(a)[`, `'s'[`) it is a call or a subscript.
                    Some(b'(' | b'[') => {
                        i == first_targets.start || matches!(view.op_byte(i - 1), Some(b',' | b'(' | b'['))
                    }
                    Some(_) => false,
                    None => tokens[i].kind == Kind::Name,
                });
            // The next clause: a `for` (or the `async` of `async for`) or an `if`, at this depth.
            let iterable_end = marks
                .iter()
                .copied()
                .find(|&i| i > first_targets.end && (view.is_name(i, "for") || view.is_name(i, "if")))
                .map(|i| if i > 0 && view.is_name(i - 1, "async") { i - 1 } else { i })
                .unwrap_or(usize::MAX);
            let later_targets = fors[1..].iter().map(|&at| targets_of(at)).collect();
            found.insert(
                open,
                Comprehension {
                    first_targets: first_targets.clone(),
                    plain,
                    iterable: first_targets.end + 1..iterable_end,
                    later_targets,
                },
            );
        }
        Comprehensions { start, around, found }
    }

    /// Where the occurrence of a name at token `index` is bound.
    fn binding(&self, source: &str, tokens: &[Token], index: usize) -> ComprehensionBinding {
        let view = Text { source, tokens };
        let name = view.text(index);
        let binds =
            |targets: &Range<usize>| targets.clone().any(|i| tokens[i].kind == Kind::Name && view.text(i) == name);
        let mut bracket = self.around[index - self.start];
        while let Some(open) = bracket {
            if let Some(found) = self.found.get(&open) {
                if found.first_targets.contains(&index) {
                    return if found.plain { ComprehensionBinding::Inside } else { ComprehensionBinding::Unknown };
                }
                if found.later_targets.iter().any(|targets| targets.contains(&index)) {
                    return ComprehensionBinding::Unknown;
                }
                // Its first iterable runs in the enclosing scope: look further out.
                if !found.iterable.contains(&index) {
                    if !found.plain || found.later_targets.iter().any(binds) {
                        return ComprehensionBinding::Unknown;
                    }
                    if binds(&found.first_targets) {
                        return ComprehensionBinding::Inside;
                    }
                }
            }
            bracket = self.around[open - self.start];
        }
        ComprehensionBinding::Outside
    }
}

/// Whether `statement` is a `def` or `class` header in which every name but the defined name, the
/// parameters and keyword names (already told apart) is a load: one without `lambda` and without
/// type parameters.
fn plain_header(source: &str, tokens: &[Token], statement: &Statement) -> bool {
    let text = |index: usize| Text { source, tokens }.text(index);
    let range = statement.tokens.clone();
    let mut name = range.start + 1;
    if text(range.start) == "async" {
        name += 1;
    }
    statement.header
        && name < range.end
        && matches!(text(name - 1), "def" | "class")
        && !(name + 1 < range.end && tokens[name + 1].kind == Kind::Op && text(name + 1) == "[")
        && !range.clone().any(|i| tokens[i].kind == Kind::Name && text(i) == "lambda")
}

/// The parameter names of a `def` header (token indices), or none when the header holds a
/// `lambda` (whose parameters would look the same).
fn parameters(source: &str, tokens: &[Token], statement: &Statement) -> Vec<usize> {
    let text = |index: usize| Text { source, tokens }.text(index);
    let range = statement.tokens.clone();
    let first = range.start;
    let is_def = statement.header
        && tokens[first].kind == Kind::Name
        && (text(first) == "def" || (text(first) == "async" && first + 1 < range.end && text(first + 1) == "def"));
    if !is_def || range.clone().any(|i| tokens[i].kind == Kind::Name && text(i) == "lambda") {
        return Vec::new();
    }
    // The parameter list: the first `(` outside brackets (after the name and any type parameters).
    let mut depth = 0usize;
    let mut open = None;
    for index in range.clone() {
        if tokens[index].kind != Kind::Op {
            continue;
        }
        match text(index) {
            "(" if depth == 0 => {
                open = Some(index);
                break;
            }
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let Some(open) = open else { return Vec::new() };
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (index, &token) in tokens.iter().enumerate().take(range.end).skip(open) {
        if token.kind == Kind::Op {
            match text(index) {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
            continue;
        }
        let before = text(index - 1);
        let after = if index + 1 < range.end { text(index + 1) } else { "" };
        // `*args`/`**kw` are parameters only where a parameter starts (`*args: *Ts` is not).
        let starts = |at: usize| matches!(text(at), "(" | ",");
        if depth == 1
            && token.kind == Kind::Name
            && (starts(index - 1) || (matches!(before, "*" | "**") && starts(index - 2)))
            && matches!(after, "," | ")" | ":" | "=")
        {
            out.push(index);
        }
    }
    out
}

impl Statements {
    /// The statement holding token `index`, if any.
    pub(crate) fn holding(&self, index: usize) -> Option<&Statement> {
        self.holding_at(index).map(|(_, statement)| statement)
    }

    fn holding_at(&self, index: usize) -> Option<(usize, &Statement)> {
        let after = self.list.partition_point(|s| s.tokens.start <= index);
        let position = after.checked_sub(1)?;
        Some((position, &self.list[position])).filter(|(_, s)| index < s.tokens.end)
    }
}

/// What the load tests need of each statement, found in one pass over its tokens (each test
/// used to scan the statement again for every name in it: quadratic on a long generated line).
struct LoadIndex {
    /// Per token: the innermost bracket of its statement open around it (`u32::MAX`: none).
    enclosing: Vec<u32>,
    /// Per token that opens a bracket: it is closed in its statement with no `lambda`, `for` or
    /// `:=` before its close.
    plain_list: Vec<bool>,
    /// Per statement: a `for`, `lambda` or `as` name or a `:=` anywhere in it.
    binds: Vec<bool>,
    /// Per statement: the last `=`, `:` or augmented assignment outside brackets.
    last_target_end: Vec<Option<usize>>,
}

const NONE: u32 = u32::MAX;

impl LoadIndex {
    fn new(text: Text<'_, '_>, statements: &[Statement]) -> Self {
        let tokens = text.tokens;
        let mut index = LoadIndex {
            enclosing: vec![NONE; tokens.len()],
            plain_list: vec![false; tokens.len()],
            binds: vec![false; statements.len()],
            last_target_end: vec![None; statements.len()],
        };
        // Open brackets of the statement, each with whether a binding came inside it so far.
        let mut open: Vec<(usize, bool)> = Vec::new();
        for (position, statement) in statements.iter().enumerate() {
            open.clear();
            for i in statement.tokens.clone() {
                index.enclosing[i] = open.last().map_or(NONE, |&(o, _)| o as u32);
                let token = tokens[i];
                let binding = match token.kind {
                    Kind::Name => match text.text(i) {
                        "for" | "lambda" => true,
                        "as" => {
                            index.binds[position] = true;
                            false
                        }
                        _ => false,
                    },
                    Kind::Op => text.text(i) == ":=",
                    _ => false,
                };
                if binding {
                    index.binds[position] = true;
                    if let Some(top) = open.last_mut() {
                        top.1 = true;
                    }
                }
                if token.kind != Kind::Op {
                    continue;
                }
                match text.text(i) {
                    "(" | "[" | "{" => open.push((i, false)),
                    ")" | "]" | "}" => {
                        if let Some((o, bound)) = open.pop() {
                            index.plain_list[o] = !bound;
                            // What binds inside a bracket binds inside those around it.
                            if let Some(top) = open.last_mut() {
                                top.1 |= bound;
                            }
                        }
                    }
                    op if open.is_empty()
                        && (matches!(op, "=" | ":")
                            || (op.len() >= 2 && op.ends_with('=') && !matches!(op, "==" | "!=" | "<=" | ">="))) =>
                    {
                        index.last_target_end[position] = Some(i);
                    }
                    _ => {}
                }
            }
        }
        index
    }

    /// The innermost bracket open around token `i` in its statement.
    fn enclosing(&self, i: usize) -> Option<usize> {
        Some(self.enclosing[i]).filter(|&o| o != NONE).map(|o| o as usize)
    }
}

/// Whether the name token at `index` is certainly a load (as `ast` would say), judged from the
/// statement holding it: not in a statement that binds names in ways tokens cannot place
/// (`def`, `class`, `for`, `with`, `del`, `case`, `global`, `except`, comprehensions, lambdas,
/// `as`, `:=`, imports), not a keyword argument's name, and before no `=`, augmented assignment or
/// annotation colon of its statement (an assignment's targets come before those). `false` means
/// "not certain", never "a store". Constant time per name after one pass over the statements.
pub(crate) fn certain_load(source: &str, tokens: &[Token], statements: &Statements, index: usize) -> bool {
    let Some((position, statement)) = statements.holding_at(index) else { return false };
    let text = Text { source, tokens };
    let loads = statements.loads.get_or_init(|| LoadIndex::new(text, &statements.list));
    plain_load(text, loads, position, statement, index)
        || call_argument(text, loads, statement, index)
        || with_context(text, loads, statement, index)
}

use super::KEYWORDS;

/// A whole argument of a call (`f(name)`, `f(a, name)`, `f(k=name)`): always a load, wherever the
/// call stands, unless the statement is a `def` header (parameters look the same) or a `case`
/// (class patterns), or the argument list holds a `lambda`, a comprehension or `:=`.
fn call_argument(view: Text<'_, '_>, loads: &LoadIndex, statement: &Statement, index: usize) -> bool {
    let (tokens, text) = (view.tokens, |i: usize| view.text(i));
    let range = statement.tokens.clone();
    if index <= range.start || index + 1 >= range.end || matches!(text(range.start), "def" | "async" | "case") {
        return false;
    }
    if !matches!(text(index - 1), "(" | "," | "=") || !matches!(text(index + 1), "," | ")") {
        return false;
    }
    // The innermost bracket around the name.
    let Some(open) = loads.enclosing(index).filter(|&o| text(o) == "(" && o > range.start) else { return false };
    let callee = open - 1;
    let is_call = match tokens[callee].kind {
        Kind::Name => !KEYWORDS.contains(&text(callee)),
        Kind::Op => matches!(text(callee), ")" | "]"),
        _ => false,
    };
    is_call && loads.plain_list[open]
}

/// A whole context expression of a `with` header (`with name:`, `with name as x, …`): a load.
fn with_context(view: Text<'_, '_>, loads: &LoadIndex, statement: &Statement, index: usize) -> bool {
    let text = |i: usize| view.text(i);
    let range = statement.tokens.clone();
    let with = if text(range.start) == "async" { range.start + 1 } else { range.start };
    if !statement.header || with >= range.end || text(with) != "with" || index <= with {
        return false;
    }
    let next_ok = index + 1 == range.end || matches!(text(index + 1), "as" | ",");
    loads.enclosing(index).is_none() && matches!(text(index - 1), "with" | ",") && next_ok
}

/// The names of a pure target list in `range` (names, commas, brackets and `*` only, such as
/// `a, (b, c)` or `[x, *rest]`), or `None` for any other target.
fn pure_targets(source: &str, tokens: &[Token], range: Range<usize>) -> Option<Vec<usize>> {
    let text = |i: usize| Text { source, tokens }.text(i);
    let mut names = Vec::new();
    let start = range.start;
    for i in range {
        match tokens[i].kind {
            Kind::Name if !KEYWORDS.contains(&text(i)) => names.push(i),
            // A bracket right after a name or a closing bracket is a call or a subscript.
            Kind::Op
                if matches!(text(i), "(" | "[")
                    && i > start
                    && (tokens[i - 1].kind == Kind::Name || matches!(text(i - 1), ")" | "]")) =>
            {
                return None
            }
            Kind::Op if matches!(text(i), "," | "(" | ")" | "[" | "]" | "*") => {}
            _ => return None,
        }
    }
    (!names.is_empty()).then_some(names)
}

/// The statement-level rule of [`certain_load`].
fn plain_load(view: Text<'_, '_>, loads: &LoadIndex, position: usize, statement: &Statement, index: usize) -> bool {
    let (tokens, text) = (view.tokens, |i: usize| view.text(i));
    let first = statement.tokens.start;
    if tokens[first].kind == Kind::Name
        && matches!(
            text(first),
            "def"
                | "async"
                | "class"
                | "for"
                | "with"
                | "del"
                | "case"
                | "match"
                | "global"
                | "nonlocal"
                | "except"
                | "import"
                | "from"
                | "type"
        )
    {
        return false;
    }
    if tokens.get(index + 1).is_some_and(|t| t.kind == Kind::Op) && text(index + 1) == "=" {
        return false; // `f(name=…)`: a keyword, not a name.
    }
    !loads.binds[position] && loads.last_target_end[position].is_none_or(|end| end < index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::python::tokens::tokenize;

    fn read(source: &str) -> Statements {
        let tokens = tokenize(source);
        assert!(tokens.ok, "{source:?} tokenizes");
        Statements::new(source, &tokens)
    }

    /// (first token, scope, in_function, direct) of each simple statement.
    fn places(source: &str) -> Vec<(String, Scope, bool, bool)> {
        let tokens = tokenize(source).tokens;
        let statements = read(source);
        assert!(statements.ok, "{source:?} is understood");
        statements
            .list
            .iter()
            .filter(|s| !s.header)
            .map(|s| {
                let first = tokens[s.tokens.start];
                (source[first.start as usize..first.end as usize].to_string(), s.scope, s.in_function, s.direct)
            })
            .collect()
    }

    #[test]
    fn statements_know_their_body() {
        use Scope::*;
        let source = "A = 1\nclass K:\n    B = 'x'; C = 'y'\n    def f(self):\n        D = 1\n        class M:\n            N = 1\nif x: E = 2\nclass L: F = 'z'\nmatch y:\n    case 1: G = 3\n    case _:\n        H = 4\n@dec\nasync def g(): I = 5\n";
        let expected = [
            ("A", Module, false, true),
            ("B", Class, false, true),
            ("C", Class, false, true),
            ("D", Function, true, true),
            ("N", Class, true, true),
            ("E", Module, false, false),
            ("F", Class, false, true),
            ("G", Module, false, false),
            ("H", Module, false, false),
            ("@", Module, false, true),
            ("I", Function, true, true),
        ];
        let expected: Vec<_> = expected.iter().map(|(t, s, f, d)| (t.to_string(), *s, *f, *d)).collect();
        assert_eq!(places(source), expected);
    }

    #[test]
    fn shapes_it_does_not_understand_make_it_decline() {
        for source in ["x = 1\n    y = 2\n", "if x: class A: pass\n", "if x:\ny = 1\n", "match x:\n    y = 1\n"] {
            let tokens = tokenize(source);
            assert!(!tokens.ok || !Statements::new(source, &tokens).ok, "{source:?} must not be read");
        }
    }

    #[test]
    fn imports_are_read_exactly() {
        let source = "import a.b as c, d.e\nfrom ..x.y import (m as n, o,)\nfrom . import *\nimport\n";
        let tokens = tokenize(source).tokens;
        let statements = read(source);
        let imports: Vec<Option<Import>> = statements.list.iter().map(|s| import(source, &tokens, s)).collect();
        let first = imports[0].as_ref().unwrap();
        let bound: Vec<(&str, &str, bool)> =
            first.bindings.iter().map(|b| (b.bound, b.module.as_str(), b.aliased)).collect();
        assert_eq!(bound, [("c", "a.b", true), ("d", "d.e", false)]);
        let second = imports[1].as_ref().unwrap();
        let bound: Vec<(&str, Option<&str>, usize)> =
            second.bindings.iter().map(|b| (b.bound, b.name, b.level)).collect();
        assert_eq!(bound, [("n", Some("m"), 2), ("o", Some("o"), 2)]);
        assert_eq!(&source[second.relative_module.clone().unwrap()], "..x.y");
        assert!(imports[2].as_ref().unwrap().star);
        assert!(imports[3].is_none(), "a bare `import` is not an import");
    }

    /// (name, line) of each undefined use.
    type Lines = Vec<(String, usize)>;

    /// The token answer (`None`: declined) and the tree's.
    fn decide(source: &str) -> (Option<Lines>, Lines) {
        let names = ["call", "patch"];
        let lines = |found: Vec<(String, Range<usize>)>| -> Lines {
            found.into_iter().map(|(n, r)| (n, source[..r.start].matches('\n').count() + 1)).collect()
        };
        let lexed = tokenize(source);
        let statements = read(source);
        let fast = unresolved(source, &lexed, &statements, &names).map(lines);
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let model = crate::python::model::from_tree(tree.root_node(), source, &names);
        let slow = lines(crate::python::model::named(&crate::python::model::resolve(&model), &names));
        (fast, slow)
    }

    #[test]
    fn mock_names_are_decided_only_when_certain() {
        // Decided from tokens, as the tree decides: no use, imports before uses, a function's own
        // binding, parameters, keyword arguments, attributes, a star import, `with … as`, uses
        // before the binding, a local bound after its use, a class name in its own body.
        for source in [
            "x = obj.call(patch=1)\n",
            "from unittest.mock import call, patch\n@patch('x')\ndef f(m: call): return call(1)\n",
            "def f():\n    call = g()\n    return call\n",
            "def f(a, call=None):\n    return call or a\n",
            "def f():\n    return call\nfrom m import call\n",
            "class K:\n    def call(self): pass\n",
            "from m import *\nprint(call)\n",
            "def f(t):\n    fix, patch, status = t\n    return patch\n",
            "def f(x):\n    for call, expected in x:\n        g(call)\n",
            "from unittest.mock import patch\ndef f():\n    with patch as m, g(patch, k=patch) as n:\n        pass\n",
            "print(call)\nfrom m import call\n",
            "def f():\n    return call()\n",
            "def f():\n    with g() as call:\n        pass\n    return call\n",
            "from m import patch\ndef f():\n    print(patch)\n    patch = 1\n",
            "class call:\n    x = call()\n",
            "call = call()\nfor patch in patch(): pass\n",
            "def f(a):\n    call[a] = 1\n    return call\n",
            "def f(*args: *call):\n    return call\n",
            "class K:\n    call: int\n    patch: int = 0\n    y = call, patch\n",
            "def f():\n    call: int\n    return call\n",
            "from m import call\ntry:\n    call()\nexcept NameError:\n    pass\n",
            // A word in an f-string's literal text, not in a replacement field, is no use.
            "print(f'most recent call last: {x!r} {patch_level}')\n",
            // Bound by a comprehension's first clause, read inside it (its later clauses, its
            // element, a comprehension nested in it), or the first iterable of a nested one.
            "x = [call for call in y]\n",
            "x = sorted(patch.get() for patch in ps if patch)\n",
            "x = {k: patch for k, patch in d.items()}\n",
            "x = [call for (call, b) in y]\n",
            "x = [[a for a in call] for call in y]\n",
            "x = [(a, call) async for call in y for a in call]\n",
            // A later target of a chained assignment.
            "def f():\n    a = b = call = g()\n    return call\n",
            "major = minor = patch = '0'\nprint(patch)\n",
        ] {
            let (fast, slow) = decide(source);
            assert_eq!(fast, Some(slow), "{source:?}");
        }
        // Left to the tree: deleted, declared global, a name in an f-string that does not
        // resolve, bound in ways the tokens do not place, guarded by `NameError`, in a lambda.
        for source in [
            "from m import call\ndel call\n",
            "def f():\n    global call\n    return call\n",
            "x = f'{call}'\n",
            "def f(a):\n    a[call] = 1\n",
            "def f():\n    g(lambda x, call: call)\n",
            "with g() as call.x:\n    pass\n",
            "x: call = 1\n",
            "try:\n    call()\nexcept NameError:\n    pass\n",
            "try:\n    pass\nexcept NameError:\n    pass\ncall()\n",
            "try:\n    pass\nexcept E as call:\n    pass\n",
            // The first iterable runs outside (an undefined load near a comprehension is
            // uncertain), a later clause binds it, a target that is not a plain name.
            "x = [call for y in call]\n",
            "x = [a for a in y for call in a if call]\n",
            "x = [call for call.a in y]\n",
            "x = [call for call[0] in y]\n",
            "x = [patch for *patch in y]\n",
            "x = [0 for (a)[patch] in y]\n",
            "x = [patch for [a][patch] in y]\n",
            "x = [x for [a for a in y][patch] in z]\n",
            // A chained target in an annotated assignment is not Python.
            "x: int = call = 1\n",
            // An earlier target of the chain names it: the tree reads the chain from the right.
            "patch.x = patch = Obj()\n",
            "patch = patch.y = call = 1\n",
            "def f():\n    patch[0] = patch = {}\n",
            "patch = 1\ndef f():\n    patch.x = patch = 2\n",
            // A comprehension in a `def` header (the tree reads defaults in the body's block).
            "def f(a=[patch for patch in y]): pass\n",
            "def f(a: [patch for patch in y]): pass\n",
            // Not Python: a walrus target in a comprehension's condition, a comprehension in a
            // subscript.
            "x = [y for patch in z if (patch := 1)]\nprint(patch)\n",
            "x = a[patch for patch in y]\n",
        ] {
            assert_eq!(decide(source).0, None, "{source:?}");
        }
    }
}

/// The load tests as they were (a scan of the statement per name): the oracle for the indexed
/// ones, on every name of the CPython standard library.
#[cfg(test)]
mod naive {
    use super::*;

    fn certain_load(source: &str, tokens: &[Token], statements: &Statements, index: usize) -> bool {
        let Some(statement) = statements.holding(index) else { return false };
        plain_load(source, tokens, statement, index)
            || call_argument(source, tokens, statement, index)
            || with_context(source, tokens, statement, index)
    }

    fn call_argument(source: &str, tokens: &[Token], statement: &Statement, index: usize) -> bool {
        let text = |i: usize| Text { source, tokens }.text(i);
        let range = statement.tokens.clone();
        if index <= range.start || index + 1 >= range.end || matches!(text(range.start), "def" | "async" | "case") {
            return false;
        }
        if !matches!(text(index - 1), "(" | "," | "=") || !matches!(text(index + 1), "," | ")") {
            return false;
        }
        // The innermost bracket around the name.
        let mut depth = 0usize;
        let mut open = None;
        for i in (range.start..index).rev() {
            if tokens[i].kind != Kind::Op {
                continue;
            }
            match text(i) {
                ")" | "]" | "}" => depth += 1,
                "(" | "[" | "{" if depth > 0 => depth -= 1,
                "(" | "[" | "{" => {
                    open = Some(i);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open.filter(|&o| text(o) == "(" && o > range.start) else { return false };
        let callee = open - 1;
        let is_call = match tokens[callee].kind {
            Kind::Name => !KEYWORDS.contains(&text(callee)),
            Kind::Op => matches!(text(callee), ")" | "]"),
            _ => false,
        };
        if !is_call {
            return false;
        }
        let mut depth = 0usize;
        for (i, token) in tokens.iter().enumerate().take(range.end).skip(open) {
            match (token.kind, text(i)) {
                (Kind::Name, "lambda" | "for") | (Kind::Op, ":=") => return false,
                (Kind::Op, "(" | "[" | "{") => depth += 1,
                (Kind::Op, ")" | "]" | "}") => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return true;
                    }
                }
                _ => {}
            }
        }
        false
    }

    fn with_context(source: &str, tokens: &[Token], statement: &Statement, index: usize) -> bool {
        let text = |i: usize| Text { source, tokens }.text(i);
        let range = statement.tokens.clone();
        let with = if text(range.start) == "async" { range.start + 1 } else { range.start };
        if !statement.header || with >= range.end || text(with) != "with" || index <= with {
            return false;
        }
        let mut depth = 0usize;
        for (i, token) in tokens.iter().enumerate().take(index).skip(with) {
            match text(i) {
                "(" | "[" | "{" if token.kind == Kind::Op => depth += 1,
                ")" | "]" | "}" if token.kind == Kind::Op => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        let next_ok = index + 1 == range.end || matches!(text(index + 1), "as" | ",");
        depth == 0 && matches!(text(index - 1), "with" | ",") && next_ok
    }

    fn plain_load(source: &str, tokens: &[Token], statement: &Statement, index: usize) -> bool {
        let text = |i: usize| Text { source, tokens }.text(i);
        let first = statement.tokens.start;
        if tokens[first].kind == Kind::Name
            && matches!(
                text(first),
                "def"
                    | "async"
                    | "class"
                    | "for"
                    | "with"
                    | "del"
                    | "case"
                    | "match"
                    | "global"
                    | "nonlocal"
                    | "except"
                    | "import"
                    | "from"
                    | "type"
            )
        {
            return false;
        }
        if tokens.get(index + 1).is_some_and(|t| t.kind == Kind::Op) && text(index + 1) == "=" {
            return false; // `f(name=…)`: a keyword, not a name.
        }
        let mut depth = 0usize;
        for i in statement.tokens.clone() {
            let token = tokens[i];
            match token.kind {
                Kind::Name if matches!(text(i), "for" | "lambda" | "as") => return false,
                Kind::Op => match text(i) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    ":=" => return false,
                    "=" | ":" if depth == 0 && i > index => return false,
                    op if depth == 0
                        && i > index
                        && op.len() >= 2
                        && op.ends_with('=')
                        && !matches!(op, "==" | "!=" | "<=" | ">=") =>
                    {
                        return false; // augmented assignment
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        true
    }

    #[test]
    fn indexed_load_tests_agree_with_the_scans_they_replace_on_the_standard_library() {
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let (mut names, mut loads, mut files) = (0, 0, 0);
        for path in crate::testing::python_files(&stdlib) {
            let Ok(source) = std::fs::read_to_string(&path) else { continue };
            let tokens = crate::python::tokens::tokenize(&source);
            if !tokens.ok {
                continue;
            }
            let statements = Statements::new(&source, &tokens);
            if !statements.ok {
                continue;
            }
            files += 1;
            for (index, token) in tokens.tokens.iter().enumerate() {
                if token.kind != Kind::Name {
                    continue;
                }
                // The scans are quadratic: long statements are left to the indexed tests alone.
                if statements.holding(index).is_none_or(|s| s.tokens.len() > 400) {
                    continue;
                }
                names += 1;
                let expected = certain_load(&source, &tokens.tokens, &statements, index);
                let got = super::certain_load(&source, &tokens.tokens, &statements, index);
                assert_eq!(got, expected, "{}: token {index}", path.display());
                loads += usize::from(got);
            }
        }
        assert!(files > 1000 && loads > 100_000 && loads < names, "{files} files, {loads} of {names} names");
    }
}
