//! `scattered-event-literal`: a configured event name typed as a string literal outside the
//! canonical module(s) that define it. Docstrings and the literal parts of f-strings do not
//! count; a string inside an f-string's `{…}` does. Read from the string-literal facet
//! ([`crate::python::strings`]), built from the tokens when they are certain.
//!
//! In Rust: every plain or raw string literal (macro arguments and attributes included; byte and
//! C strings are not strings), read from the syn tree ([`crate::rust::strings`]); a canonical
//! Rust file contributes its `&str` constants. Rust literals get no fix.
//!
//! A project rule because of its fix: each file contributes its event literals, and each
//! canonical file the constants it defines (`NAME = "value"` in the module, and members of its
//! classes, Enum or plain); the project pass then replaces a literal with the constant that holds
//! its value, imported from the canonical module by its absolute name (the source roots), and
//! says so in the message when no canonical file defines one.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::import_system::module_name;
use super::{
    Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration, RustFile, Site,
};
use crate::config::{Globs, Settings};
use crate::diagnostic::FileId;
use crate::fix::EditSite;
use crate::fix::{Applicability, Edit, Fix};
use crate::python::imports::NewLine;
use crate::python::strings::{Literal, StringLiterals};
use crate::python::tokens::Kind;
use crate::python::FastKind;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "scattered-event-literal",
        variables: &["event", "canonical"],
        languages: &crate::language::Language::ALL,
    },
    build: |rule, settings| Ok(Engine::project(ScatteredEventLiteral::new(rule, settings)?)),
    project_wide: true,
};

pub(crate) struct ScatteredEventLiteral {
    id: String,
    message: String,
    events: Vec<String>,
    /// The length of the shortest event name, in bytes: a shorter literal is not decoded.
    shortest: usize,
    /// The lengths of the event names, in bytes.
    lengths: std::collections::BTreeSet<usize>,
    canonical: Globs,
    canonical_text: String,
    /// The byte test of Rust files for the event names.
    rust_literals: crate::rust::strings::LiteralFinder,
    /// The byte test of Python files for the event names.
    python_literals: crate::python::strings::ValueFinder,
    root: PathBuf,
    source_roots: Vec<PathBuf>,
}

/// What one file contributes.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub(crate) struct EventFacts {
    /// Event literals (files outside the canonical ones).
    literals: Vec<EventLiteral>,
    /// The constants a canonical file defines whose value is an event name.
    constants: Vec<Constant>,
    /// A canonical file (it may define none).
    canonical: bool,
    /// Where an import goes in this file, when it has literals and its tokens tell.
    imports: Option<ImportContext>,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct EventLiteral {
    site: Site,
    value: String,
    /// In a `case` pattern, where a bare name would capture instead of compare.
    in_pattern: bool,
    /// A place where no replacement keeps the meaning: a comment between its parts (it would be
    /// dropped), inside an f-string (`f"{'x'=}"` prints the text), or a statement of its own (a
    /// parenthesized docstring).
    no_fix: bool,
    /// An identifier character touches it before or after (`return"x"`): the name needs a space.
    glued: (bool, bool),
}

/// A constant of a canonical module: `NAME` at module level, or `Owner.NAME` in a class.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct Constant {
    owner: Option<String>,
    name: String,
    value: String,
    kind: ConstantKind,
}

/// What the constant is at run time, which decides the replacement and its safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
enum ConstantKind {
    /// A `str` (module constant, or attribute of a class with no base).
    Str,
    /// A member of a `StrEnum`: a `str` whose `str()` and format are its value.
    StrEnumMember,
    /// A member of another `Enum` (a `str` mixin included, whose `str()` is `Owner.NAME`): its
    /// `.value` is the string.
    EnumMember,
    /// An attribute of a class whose bases ssot cannot judge.
    Unknown,
}

/// Where an import of a canonical name can go in a file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
struct ImportContext {
    /// The start of the line a new import statement goes on, and how it is written there.
    new_line: EditSite,
    line: NewLine,
    /// Module-level `from M import …` (absolute, no star): the module, the names it binds, and
    /// the point after its last name.
    from_imports: Vec<(String, Vec<String>, EditSite)>,
    /// Every identifier of the file (a name to import must not be one already).
    identifiers: Identifiers,
    /// The file has a `from … import *`.
    star: bool,
}

impl ScatteredEventLiteral {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let canonical = super::option_globs(rule, "canonical", settings)?;
        let canonical_text = match canonical.patterns() {
            [] => "the module that defines the event names".to_string(),
            patterns => patterns.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(" or "),
        };
        let events = rule.string_list("events");
        let shortest = events.iter().map(String::len).min().unwrap_or(0);
        let lengths = events.iter().map(String::len).collect();
        Ok(Self {
            lengths,
            rust_literals: crate::rust::strings::LiteralFinder::new(&events),
            python_literals: crate::python::strings::ValueFinder::new(&events),
            id: rule.id.clone(),
            message: rule.message.clone(),
            events,
            shortest,
            canonical,
            canonical_text,
            root: settings.root.clone(),
            source_roots: settings.source_roots.clone(),
        })
    }

    /// The event literals of a file, from its string literals however read.
    fn literals(&self, file: &FileText, literals: &StringLiterals) -> Vec<EventLiteral> {
        let mut out = Vec::new();
        for literal in &literals.literals {
            if literal.docstring || literals.max_len(literal) < self.shortest {
                continue;
            }
            // A value read without decoding whose length no event name has.
            if literals.plain_len(literal, file.source).is_some_and(|len| !self.lengths.contains(&len)) {
                continue;
            }
            let Literal::Str(value) = literals.value(literal, file.source) else { continue };
            if self.events.contains(&value) {
                out.push(EventLiteral {
                    site: file.site(&self.id, literal.range.clone()),
                    value,
                    in_pattern: in_case_pattern(file, literal.range.start),
                    no_fix: no_fix_at(file, literal.range.clone()),
                    glued: {
                        let word = |c: char| c.is_alphanumeric() || c == '_';
                        (
                            file.source[..literal.range.start].ends_with(word),
                            file.source[literal.range.end..].starts_with(word),
                        )
                    },
                });
            }
        }
        out
    }

    fn facts(&self, file: &FileText, literals: Vec<EventLiteral>) -> Option<EventFacts> {
        if literals.is_empty() {
            return None;
        }
        let imports = import_context(file);
        Some(EventFacts { literals, constants: Vec::new(), canonical: false, imports })
    }

    /// The replacement of `literal` by `constant` (of `module`): the name to import, the text,
    /// and how safe it is; `None` where a bare name would change the meaning (a `case` pattern).
    fn replacement(literal: &EventLiteral, constant: &Constant) -> Option<(String, String, Applicability)> {
        // A name-mangled member (`__X` in a class) cannot be reached as `Owner.__X`.
        if literal.no_fix || (constant.owner.is_some() && constant.name.starts_with("__")) {
            return None;
        }
        // Unsafe, always: the constant may be rebound where the literal stands, the new import
        // may close an import cycle or come before a `sys.path` set-up, and a `Literal[...]`
        // annotation wants literals (docs/decisions.md).
        let unsafe_ = Applicability::Unsafe;
        Some(match (&constant.owner, constant.kind) {
            (None, _) if literal.in_pattern => return None,
            (None, _) => (constant.name.clone(), constant.name.clone(), unsafe_),
            (Some(owner), ConstantKind::Str) => (owner.clone(), format!("{owner}.{}", constant.name), unsafe_),
            // An Enum member (a `StrEnum`'s too: its `repr()` and type differ) is not the string;
            // its `.value` is.
            (Some(owner), ConstantKind::StrEnumMember | ConstantKind::EnumMember) => {
                (owner.clone(), format!("{owner}.{}.value", constant.name), unsafe_)
            }
            (Some(_), ConstantKind::Unknown) => return None,
        })
    }

    /// The fixes of a file's literals: each replaces the literal, and imports what the file's
    /// fixes need from its module in one edit they all share (so one pass applies them all).
    fn fixes(&self, facts: &EventFacts, by_value: &BTreeMap<&str, (String, Constant)>) -> Vec<Option<Fix>> {
        let none = || vec![None; facts.literals.len()];
        let Some(imports) = facts.imports.as_ref() else { return none() };
        if imports.star {
            return none(); // a star import may rebind any name
        }
        let imported_from = |binding: &str| {
            imports.from_imports.iter().find(|(_, names, _)| names.iter().any(|n| n == binding)).map(|(m, _, _)| m)
        };
        // Where each module's import goes: merged into its `from` import, else a new statement.
        let import_at = |module: &String| match imports.from_imports.iter().find(|(m, _, _)| m == module) {
            Some((_, _, after)) => after.range.start,
            None => imports.new_line.range.start,
        };
        let mut planned: Vec<Option<(&String, String, String, Applicability)>> = facts
            .literals
            .iter()
            .map(|literal| {
                if literal.site.suppressed {
                    return None; // its finding is silenced: no import for it either
                }
                let (module, constant) = by_value.get(literal.value.as_str())?;
                let (binding, text, applicability) = Self::replacement(literal, constant)?;
                match imported_from(&binding) {
                    Some(from) if from != module => return None, // the name is another module's here
                    Some(_) => {}
                    // A name that means something else in this file already is not imported
                    // over it; a use before where the import goes would run before it.
                    None if imports.identifiers.may_contain(&binding)
                        || literal.site.range.start < import_at(module) =>
                    {
                        return None
                    }
                    None => {}
                }
                let (before, after) = literal.glued;
                let text = format!("{}{text}{}", if before { " " } else { "" }, if after { " " } else { "" });
                Some((module, binding, text, applicability))
            })
            .collect();
        // One name from two modules in one file: neither.
        let mut modules_of: BTreeMap<&str, std::collections::BTreeSet<&String>> = BTreeMap::new();
        for (module, binding, _, _) in planned.iter().flatten() {
            modules_of.entry(binding.as_str()).or_default().insert(module);
        }
        let clashing: Vec<String> =
            modules_of.iter().filter(|(_, modules)| modules.len() > 1).map(|(b, _)| b.to_string()).collect();
        for entry in planned.iter_mut() {
            if entry.as_ref().is_some_and(|(_, binding, _, _)| clashing.contains(binding)) {
                *entry = None;
            }
        }
        // Per module, the names to import, sorted: one edit every fix of the module shares.
        let mut needed: BTreeMap<&String, Vec<&str>> = BTreeMap::new();
        for (module, binding, _, _) in planned.iter().flatten() {
            if imported_from(binding).is_none() {
                needed.entry(module).or_default().push(binding);
            }
        }
        let import_edits: BTreeMap<&String, Edit> = needed
            .into_iter()
            .map(|(module, mut names)| {
                names.sort_unstable();
                names.dedup();
                let listed = names.join(", ");
                let edit = match imports.from_imports.iter().find(|(m, _, _)| m == module) {
                    Some((_, _, after)) => after.edit(format!(", {listed}")),
                    None => imports.new_line.edit(imports.line.statement(module, &listed)),
                };
                (module, edit)
            })
            .collect();
        facts
            .literals
            .iter()
            .zip(planned)
            .map(|(literal, planned)| {
                let (module, binding, text, applicability) = planned?;
                let mut edits = vec![literal.site.edit(text.clone())];
                if imported_from(&binding).is_none() {
                    edits.push(import_edits.get(module)?.clone());
                }
                Some(Fix::new(applicability, format!("Replace with `{}` from `{module}`", text.trim()), edits))
            })
            .collect()
    }
}

/// The identifiers of a file, as a sorted set of 64-bit hashes of their text (thousands of files
/// hold an event literal; their names are only ever asked whether they hold one). A collision
/// can only make a name look taken, which withholds a fix: never a wrong one.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Identifiers(Vec<u64>);

impl Identifiers {
    fn of<'a>(names: impl Iterator<Item = &'a str>) -> Self {
        let mut hashes: Vec<u64> = names.map(Self::hash).collect();
        hashes.sort_unstable();
        hashes.dedup();
        Self(hashes)
    }

    /// FNV-1a: the same on every run (the facts are cached).
    fn hash(name: &str) -> u64 {
        name.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3))
    }

    /// Whether `name` is (or may be, on a collision) one of them.
    fn may_contain(&self, name: &str) -> bool {
        self.0.binary_search(&Self::hash(name)).is_ok()
    }
}

/// Whether no replacement of the literal at `range` is sure to keep the meaning: a comment
/// between its parts, a place inside an f-string, a statement made of it alone; or tokens that
/// do not tell.
fn no_fix_at(file: &FileText, range: std::ops::Range<usize>) -> bool {
    let comments = &file.tokens().comments;
    let after = comments.partition_point(|c| c.start < range.start);
    if comments.get(after).is_some_and(|c| c.start < range.end) {
        return true;
    }
    let Some(statements) = file.statements() else { return true };
    let tokens = &file.tokens().tokens;
    let index = tokens.partition_point(|t| (t.end as usize) <= range.start);
    let Some(token) = tokens.get(index) else { return true };
    if token.kind == Kind::FString || (token.start as usize) < range.start {
        return true; // inside an f-string's replacement field
    }
    statements.holding(index).is_none_or(|statement| {
        tokens[statement.tokens.clone()].iter().all(|t| {
            t.kind == Kind::String
                || (t.kind == Kind::Op && matches!(file.source.get(t.start as usize..t.end as usize), Some("(" | ")")))
        })
    })
}

/// Whether the literal at `offset` stands in a `case` clause's pattern.
fn in_case_pattern(file: &FileText, offset: usize) -> bool {
    let Some(statements) = file.statements() else { return true };
    let tokens = &file.tokens().tokens;
    let index = tokens.partition_point(|t| (t.start as usize) < offset);
    statements.holding(index).is_some_and(|statement| {
        let first = &tokens[statement.tokens.start];
        statement.header && file.source.get(first.start as usize..first.end as usize) == Some("case")
    })
}

/// Where imports go in `file`, from its tokens: after the module docstring and the `from
/// __future__` imports; and its module-level absolute `from` imports. `None` when the tokens do
/// not tell.
fn import_context(file: &FileText) -> Option<ImportContext> {
    let statements = file.statements()?;
    let imports = file.imports_by_tokens()?;
    let tokens = &file.tokens().tokens;
    let source = file.source;
    let text = |i: usize| tokens.get(i).and_then(|t| source.get(t.start as usize..t.end as usize)).unwrap_or_default();
    let at = crate::python::imports::insertion_point(source, tokens, statements)?;
    let site = |range: std::ops::Range<usize>| EditSite {
        start: file.position(range.start),
        end: file.position(range.end),
        range,
    };
    let mut from_imports = Vec::new();
    for import in imports {
        let Some(module) = import.plain_from(source) else { continue };
        let last = import.merge_point(tokens)?;
        let names = import.bindings.iter().map(|b| b.bound.clone()).collect();
        from_imports.push((module.to_string(), names, site(last..last)));
    }
    let identifiers =
        Identifiers::of(tokens.iter().enumerate().filter(|(_, t)| t.kind == Kind::Name).map(|(i, _)| text(i)));
    let star = imports.iter().any(|import| import.star);
    Some(ImportContext { new_line: site(at..at), line: NewLine::at(source, at), from_imports, identifiers, star })
}

/// The string constants of a canonical module (the tree): `NAME = "value"` directly in the
/// module, and `NAME = "value"` directly in the body of a module-level class, with what the
/// class's bases make of it.
fn constants(file: &FileContext, events: &[String]) -> Vec<Constant> {
    let mut out = Vec::new();
    let root = file.tree.root_node();
    let mut cursor = root.walk();
    let assignment = |statement: tree_sitter::Node| -> Option<(String, String)> {
        let node = (statement.k() == "expression_statement").then(|| statement.named_child(0)).flatten()?;
        if node.k() != "assignment" {
            return None;
        }
        let left = node.child_by_field_name("left").filter(|left| left.k() == "identifier")?;
        let right = node.child_by_field_name("right")?;
        match crate::python::strings::literal(&right, file.source) {
            Literal::Str(value) if events.contains(&value) => Some((file.text(&left).to_string(), value)),
            _ => None,
        }
    };
    for statement in root.named_children(&mut cursor) {
        if let Some((name, value)) = assignment(statement) {
            out.push(Constant { owner: None, name, value, kind: ConstantKind::Str });
            continue;
        }
        if statement.k() != "class_definition" {
            continue;
        }
        let Some(owner) = statement.child_by_field_name("name").map(|n| file.text(&n).to_string()) else { continue };
        let bases: Vec<String> = statement
            .child_by_field_name("superclasses")
            .map(|list| {
                let mut cursor = list.walk();
                list.named_children(&mut cursor).map(|base| file.text(&base).to_string()).collect()
            })
            .unwrap_or_default();
        let kind = ConstantKind::of_bases(&bases);
        let Some(body) = statement.child_by_field_name("body") else { continue };
        let mut body_cursor = body.walk();
        for member in body.named_children(&mut body_cursor) {
            if let Some((name, value)) = assignment(member) {
                out.push(Constant { owner: Some(owner.clone()), name, value, kind });
            }
        }
    }
    out
}

impl ConstantKind {
    /// What the members of a class with `bases` (each as written) are.
    fn of_bases(bases: &[String]) -> Self {
        let last = |base: &String| base.rsplit('.').next().unwrap_or_default().to_string();
        if bases.is_empty() || bases.iter().all(|b| b == "object") {
            ConstantKind::Str
        } else if bases.iter().any(|b| last(b) == "StrEnum") {
            ConstantKind::StrEnumMember
        } else if bases.iter().any(|b| matches!(last(b).as_str(), "Enum" | "IntEnum" | "Flag" | "IntFlag")) {
            ConstantKind::EnumMember
        } else {
            ConstantKind::Unknown
        }
    }
}

/// [`constants`] read from the tokens, or `None` when they cannot be told for certain (a class
/// header with type parameters or a comment): the same constants in the same order — the
/// module's `NAME = "value"` statements (also annotated) and those directly in the body of a
/// class that is a statement of the module itself (not decorated: the tree sees a decorated
/// definition there), in source order.
fn constants_from_tokens(file: &FileText, events: &[String]) -> Option<Vec<Constant>> {
    let statements = file.statements()?;
    let lexed = file.tokens();
    let tokens = &lexed.tokens;
    let text = crate::python::tokens::Text { source: file.source, tokens };
    let in_module = |statement: &crate::python::statements::Statement| {
        statement.owner.is_none() && statement.direct && statement.scope == crate::python::statements::Scope::Module
    };
    // `NAME = "value"`, `NAME: T = "value"`; the value one string or an implicit concatenation.
    let assignment = |range: std::ops::Range<usize>| -> Option<(String, String)> {
        let (first, rest) = (range.start, range.start + 1..range.end);
        if tokens.get(first)?.kind != Kind::Name || rest.is_empty() {
            return None;
        }
        let equals = match text.text(rest.start) {
            "=" => rest.start,
            ":" => {
                let mut depth = 0i32;
                rest.clone().find(|&i| {
                    match text.text(i) {
                        "(" | "[" | "{" if tokens[i].kind == Kind::Op => depth += 1,
                        ")" | "]" | "}" if tokens[i].kind == Kind::Op => depth -= 1,
                        "=" if depth == 0 && tokens[i].kind == Kind::Op => return true,
                        _ => {}
                    }
                    false
                })?
            }
            _ => return None,
        };
        let value = equals + 1..range.end;
        if value.is_empty() || !tokens[value.clone()].iter().all(|t| t.kind == Kind::String) {
            return None;
        }
        let parts: Vec<&str> = value.map(|i| text.text(i)).collect();
        match crate::python::strings::of_tokens(&parts) {
            Literal::Str(value) if events.contains(&value) => Some((text.text(first).to_string(), value)),
            _ => None,
        }
    };
    // A lambda's parameters hold commas and `=` outside brackets: in an annotation or among a
    // class's bases, the tokens leave it to the tree.
    let lambda_in = |range: std::ops::Range<usize>| {
        range.into_iter().any(|i| tokens[i].kind == Kind::Name && text.text(i) == "lambda")
    };
    let annotated_lambda = |statement: &crate::python::statements::Statement| {
        text.text(statement.tokens.start + 1) == ":" && lambda_in(statement.tokens.clone())
    };
    let mut out = Vec::new();
    let comments = &lexed.comments;
    for (index, statement) in statements.list.iter().enumerate() {
        if !in_module(statement) {
            continue;
        }
        if !statement.header {
            if annotated_lambda(statement) {
                return None;
            }
            if let Some((name, value)) = assignment(statement.tokens.clone()) {
                out.push(Constant { owner: None, name, value, kind: ConstantKind::Str });
            }
            continue;
        }
        let start = statement.tokens.start;
        if text.text(start) != "class" || tokens[start].kind != Kind::Name {
            continue;
        }
        let decorated = statements.list[..index]
            .iter()
            .rev()
            .find(|previous| in_module(previous))
            .is_some_and(|previous| text.text(previous.tokens.start) == "@");
        if decorated {
            continue;
        }
        let owner = text.text(start + 1).to_string();
        let header = statement.tokens.clone();
        let (from, to) = (tokens[header.start].start as usize, tokens[header.end - 1].end as usize);
        // A comment in the header is a base of its own to the tree (an extra node).
        if comments.iter().any(|c| c.start > from && c.start < to) || lambda_in(header.clone()) {
            return None;
        }
        let bases = match header.len() {
            2 => Vec::new(),
            _ if text.text(start + 2) == "(" && text.text(header.end - 1) == ")" => {
                let mut bases = Vec::new();
                let mut depth = 0i32;
                let mut piece_start = start + 3;
                for i in start + 3..header.end - 1 {
                    match text.text(i) {
                        "(" | "[" | "{" if tokens[i].kind == Kind::Op => depth += 1,
                        ")" | "]" | "}" if tokens[i].kind == Kind::Op => depth -= 1,
                        "," if depth == 0 => {
                            if i > piece_start {
                                bases.push(
                                    file.source[tokens[piece_start].start as usize..tokens[i - 1].end as usize]
                                        .to_string(),
                                );
                            }
                            piece_start = i + 1;
                        }
                        _ => {}
                    }
                }
                if header.end - 1 > piece_start {
                    let last = header.end - 2;
                    bases.push(file.source[tokens[piece_start].start as usize..tokens[last].end as usize].to_string());
                }
                bases
            }
            // Type parameters (`class A[T]:`), or a shape not known here.
            _ => return None,
        };
        let kind = ConstantKind::of_bases(&bases);
        for member in &statements.list[index + 1..] {
            if member.owner == Some(index) && member.direct && !member.header {
                if annotated_lambda(member) {
                    return None;
                }
                if let Some((name, value)) = assignment(member.tokens.clone()) {
                    out.push(Constant { owner: Some(owner.clone()), name, value, kind });
                }
            } else if in_module(member) {
                break; // the class body ended
            }
        }
    }
    Some(out)
}

impl Prefilter for ScatteredEventLiteral {
    fn path_key(&self, path: &Path) -> u64 {
        u64::from(self.canonical.is_match(path))
    }

    fn may_match(&self, path: &Path, source: &str) -> bool {
        !self.events.is_empty()
            && (self.canonical.is_match(path) || crate::python::strings::may_hold_any(source, &self.python_literals))
    }

    fn may_match_rust(&self, path: &Path, source: &str) -> bool {
        !self.events.is_empty() && (self.canonical.is_match(path) || self.rust_literals.may_hold(source))
    }
}

impl ProjectRule for ScatteredEventLiteral {
    type Facts = EventFacts;

    /// A Rust file's event literals (no fix: the constant's path is the user's to choose), or a
    /// canonical file's `&str` constants holding event names.
    fn collect_rust(&self, file: &RustFile) -> Option<EventFacts> {
        if self.canonical.is_match(file.path) {
            let constants = file
                .items()
                .constants
                .iter()
                .filter(|c| self.events.contains(&c.value))
                .map(|c| Constant {
                    owner: None,
                    name: c.name.clone(),
                    value: c.value.clone(),
                    kind: ConstantKind::Str,
                })
                .collect();
            return Some(EventFacts { constants, canonical: true, ..EventFacts::default() });
        }
        let literals: Vec<EventLiteral> = file
            .string_literals()
            .iter()
            .filter(|literal| self.events.contains(&literal.value))
            .map(|literal| EventLiteral {
                site: file.site(&self.id, literal.range.clone()),
                value: literal.value.clone(),
                in_pattern: false,
                no_fix: true,
                glued: (false, false),
            })
            .collect();
        (!literals.is_empty()).then(|| EventFacts { literals, ..EventFacts::default() })
    }

    fn collect_tokens(&self, file: &FileText) -> Result<Option<EventFacts>, Declined> {
        if self.canonical.is_match(file.path) {
            let constants = constants_from_tokens(file, &self.events).ok_or(Declined)?;
            return Ok(Some(EventFacts { constants, canonical: true, ..EventFacts::default() }));
        }
        let literals = file.string_literals_by_tokens().ok_or(Declined)?;
        Ok(self.facts(file, self.literals(file, literals)))
    }

    fn collect(&self, file: &FileContext) -> Option<EventFacts> {
        if self.canonical.is_match(file.path) {
            return Some(EventFacts {
                constants: constants(file, &self.events),
                canonical: true,
                ..EventFacts::default()
            });
        }
        self.facts(file, self.literals(file, file.string_literals()))
    }

    fn finish(&self, facts: Vec<(FileId, Arc<EventFacts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        // The first constant (in path order) holding each value, with its module.
        let mut by_value: BTreeMap<&str, (String, Constant)> = BTreeMap::new();
        // Whether a canonical file was scanned, and every value one defines (importable or
        // not): the message says "no constant" only when that is known.
        let canonical_seen = facts.iter().any(|(_, facts)| facts.canonical);
        let defined: std::collections::BTreeSet<&str> =
            facts.iter().flat_map(|(_, facts)| facts.constants.iter().map(|c| c.value.as_str())).collect();
        let disk = super::import_system::Disk::default();
        for (file, facts) in &facts {
            if facts.constants.is_empty() {
                continue;
            }
            let path = self.root.join(crate::path_text::real(paths[file.0]));
            // Its absolute name, proven to reach this file from the roots.
            let Some(module) = module_name(&self.source_roots, &path, &disk) else { continue };
            let parts: Vec<&str> = module.split('.').collect();
            let reaches = super::import_system::resolve(&self.source_roots, &parts, &disk)
                .is_some_and(|places| places.iter().any(|place| place == &path || place.join("__init__.py") == path));
            if !reaches {
                continue;
            }
            for constant in &facts.constants {
                by_value.entry(constant.value.as_str()).or_insert_with(|| (module.clone(), constant.clone()));
            }
        }
        let mut out = Vec::new();
        for (file, facts) in &facts {
            let fixes = self.fixes(facts, &by_value);
            for (literal, fix) in facts.literals.iter().zip(fixes) {
                let canonical = match defined.contains(literal.value.as_str()) {
                    false if canonical_seen => {
                        format!("{} (which defines no constant with this value)", self.canonical_text)
                    }
                    _ => self.canonical_text.clone(),
                };
                let message = render_message(&self.message, |var| match var {
                    "event" => Some(Cow::Borrowed(literal.value.as_str())),
                    "canonical" => Some(Cow::Borrowed(canonical.as_str())),
                    _ => None,
                });
                out.push(ProjectFinding { file: *file, site: literal.site.clone(), message, related: Vec::new(), fix });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Category;

    /// A canonical module's constants from the tree and (unless they decline) from the tokens,
    /// with every string value of the file as an event name.
    fn both(source: &str) -> Option<(String, Option<String>)> {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        if tree.root_node().has_error() {
            return None;
        }
        let path = Path::new("/p/events.py");
        let file = FileContext::new(FileText::new(path, source, Category::Production, false), &tree);
        let literals = file.string_literals();
        let events: Vec<String> = literals
            .literals
            .iter()
            .filter_map(|literal| match literals.value(literal, source) {
                Literal::Str(value) => Some(value),
                _ => None,
            })
            .collect();
        let from_tree = format!("{:?}", constants(&file, &events));
        let text = FileText::new(path, source, Category::Production, false);
        Some((from_tree, constants_from_tokens(&text, &events).map(|found| format!("{found:?}"))))
    }

    #[test]
    fn constants_from_the_tokens_are_the_trees() {
        for source in [
            "A = 'a'\nB: str = 'b'\nC: dict[str, int] = 'c' \"d\"\nD = E = 'e'\nF = ('f')\nG = 'g',\nH += 'h'\n",
            "a.b = 'x'\nc[0] = 'y'\nI = f'i'\nJ = b'j'\nK = 'k' if x else 'l'\nL: 'T' = 'm'; M = 'n'\n",
            "class S:\n    X = 'x'\n    Y: str = 'y'\n    def f(self):\n        Z = 'z'\n    class Inner:\n        W = 'w'\n    V = 'v'\n",
            "class E(str, Enum):\n    A = 'a'\nclass F(enum.StrEnum):\n    B = 'b'\nclass G(Base[T], metaclass=M):\n    C = 'c'\n",
            "class H(object): D = 'd'\nclass I(): E = 'e'\nclass J(*bases, **kw,):\n    F = 'f'\n",
            "@dataclass\nclass K:\n    G = 'g'\nif x:\n    class L:\n        H = 'h'\n    I = 'i'\nJ = 'j'\n",
            "@dec\ndef f():\n    K = 'k'\nclass M(IntFlag):\n    if x:\n        N = 'n'\n    O = 'o'\nP = 'p'\n",
            "\"\"\"Doc.\"\"\"\nfrom x import y\nQ = \\\n    'q'\nR = ('r'\n     's')\nclass T(\n    Base,\n    Other,\n):\n    U = 'u'\n",
        ] {
            let (tree, tokens) = both(source).expect(source);
            assert_eq!(tokens.as_ref(), Some(&tree), "{source}");
        }
        // Shapes the tokens leave to the tree: a comment in a class header, type parameters, a
        // lambda among the bases or in an annotation (its commas and `=` are not bracketed).
        for source in [
            "class A(B,  # c\n        C):\n    X = 'x'\n",
            "class A[T](B):\n    X = 'x'\n",
            "class K(lambda a=x.Enum, b=0: 0):\n    EVT = 'evt'\n",
            "EVT: lambda y=1: y = 'evt'\n",
            "class S:\n    EVT: lambda y=1: y = 'evt'\n",
        ] {
            assert_eq!(both(source).expect(source).1, None, "{source}");
        }
    }

    /// Every tenth file of the standard library: the same constants (every string of the file
    /// an event name), wherever the tokens decide.
    #[test]
    fn constants_agree_with_the_tree_on_the_standard_library() {
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let (mut files, mut decided) = (0, 0);
        for path in crate::testing::python_files(&stdlib).iter().step_by(10) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            let Some((tree, tokens)) = both(&source) else { continue };
            files += 1;
            if let Some(tokens) = tokens {
                assert_eq!(tokens, tree, "{}", path.display());
                decided += 1;
            }
        }
        assert!(files > 100 && decided * 10 > files * 9, "{decided} of {files} files decided");
    }
}
