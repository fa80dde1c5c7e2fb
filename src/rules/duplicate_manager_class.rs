//! `duplicate-manager-class`: two or more production classes that implement one "manager"
//! concept (`WebSocketManager`, `_UnifiedWebSocketManagerImplementation`,
//! `LegacyWebSocketManagerAdapter`, …). A project rule: each file contributes its classes (not
//! nested in functions), then one pass groups them by concept (and by service when configured).
//! Interfaces, test doubles, `I…` protocols, subclasses of a counted class of the same concept
//! and aliases are not duplicates.

use crate::python::FastKind;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

use super::registry::{Engine, Registration};
use super::{Declined, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Site};
use crate::config::{Globs, Settings};
use crate::diagnostic::{Category, FileId};
use crate::python::tokens::{Kind, Text};
use crate::python::walk;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "duplicate-manager-class", variables: &["name", "concept", "count", "others"] },
    build: |rule, settings| Ok(Engine::project(DuplicateManagerClass::new(rule, settings)?)),
};

/// Bases that make a class an interface, not an implementation.
const INTERFACE_BASES: [&str; 11] = [
    "Enum",
    "IntEnum",
    "StrEnum",
    "Flag",
    "IntFlag",
    "Protocol",
    "ABC",
    "TypedDict",
    "NamedTuple",
    "Exception",
    "BaseException",
];

const TEST_DOUBLES: [&str; 4] = ["Mock", "Fake", "Stub", "Dummy"];

/// Python's keywords: never an identifier on the tree.
const KEYWORDS: [&str; 35] = [
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
    "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal",
    "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

pub(crate) struct DuplicateManagerClass {
    id: String,
    message: String,
    prefixes: Vec<String>,
    strip_suffixes: Vec<String>,
    /// Lowercased.
    suffixes: Vec<String>,
    /// One glob set per service directory (`dir` and `dir/**`).
    services: Vec<Globs>,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
struct ClassFact {
    name: String,
    /// Lowercased concept.
    concept: String,
    bases: Vec<String>,
    site: Site,
}

/// (service, lowercased concept).
type GroupKey = (Option<usize>, String);

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct FileClasses {
    service: Option<usize>,
    classes: Vec<ClassFact>,
}

impl DuplicateManagerClass {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let services = rule
            .string_list("services")
            .iter()
            .map(|dir| {
                let dir = dir.trim_end_matches('/');
                crate::config::compile_globs(&settings.glob_base, &[format!("{dir}/**")], &|_, message| {
                    settings.config_error(None, format!("[rules.{}] services: {message}", rule.id))
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            prefixes: rule.string_list("prefixes"),
            strip_suffixes: rule.string_list("strip-suffixes"),
            suffixes: rule.string_list("suffixes").iter().map(|s| s.to_lowercase()).collect(),
            services,
        })
    }

    /// The concept of a class name (not lowercased): leading underscores, decorative prefixes
    /// (each only before an uppercase letter) and decorative suffixes stripped, repeatedly.
    pub(crate) fn concept<'n>(&self, name: &'n str) -> &'n str {
        let mut concept = name.trim_start_matches('_');
        loop {
            let before = concept;
            for prefix in &self.prefixes {
                if let Some(rest) = concept.strip_prefix(prefix.as_str()) {
                    if rest.chars().next().is_some_and(|c| c.is_ascii_uppercase()) {
                        concept = rest;
                    }
                }
            }
            for suffix in &self.strip_suffixes {
                if let Some(rest) = concept.strip_suffix(suffix.as_str()) {
                    if !rest.is_empty() {
                        concept = rest;
                    }
                }
            }
            if concept == before {
                return concept;
            }
        }
    }

    fn takes_part(&self, concept_lower: &str) -> bool {
        self.suffixes.iter().any(|suffix| concept_lower.ends_with(suffix.as_str()))
    }
}

/// The name of a base-class expression: `Name`, `a.b.Name`, `Name[T]`; none for calls.
fn base_name<'s>(node: tree_sitter::Node, source: &'s str) -> Option<&'s str> {
    match node.k() {
        "identifier" => source.get(node.byte_range()),
        "attribute" => node.child_by_field_name("attribute").and_then(|a| source.get(a.byte_range())),
        "subscript" => node.child_by_field_name("value").and_then(|v| base_name(v, source)),
        "generic_type" => node.named_child(0).and_then(|v| base_name(v, source)),
        _ => None,
    }
}

/// One argument of a class's superclass list, as [`DuplicateManagerClass::class_fact`] reads it.
enum Argument<'s> {
    /// `keyword=value`, with the [`base_name`] of the value (needed for `metaclass` only).
    Keyword(&'s str, Option<&'s str>),
    /// Any other argument, with its [`base_name`] (none for splats, calls, literals, …).
    Positional(Option<&'s str>),
}

fn is_interface_name(name: &str) -> bool {
    let mut chars = name.trim_start_matches('_').chars();
    chars.next() == Some('I') && chars.next().is_some_and(|c| c.is_ascii_uppercase())
}

fn is_test_double(name: &str) -> bool {
    let name = name.trim_start_matches('_');
    TEST_DOUBLES.iter().any(|prefix| name.starts_with(prefix))
}

impl Prefilter for DuplicateManagerClass {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        // A `class Name` whose concept takes part.
        static CLASS: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
        let bytes = source.as_bytes();
        CLASS.get_or_init(|| memchr::memmem::Finder::new("class")).find_iter(bytes).any(|at| {
            let before_ok = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
            let rest = &source[at + 5..];
            let trimmed = rest.trim_start_matches([' ', '\t', '\\', '\n', '\r']);
            if !before_ok || trimmed.len() == rest.len() {
                return false;
            }
            let name_len = trimmed.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
            let name = &trimmed[..name_len];
            !name.is_empty() && self.takes_part(&self.concept(name).to_lowercase()) && !is_test_double(name)
        })
    }

    fn path_key(&self, path: &std::path::Path) -> u64 {
        self.services.iter().position(|globs| globs.is_match(path)).map_or(0, |i| i as u64 + 1)
    }
}

impl ProjectRule for DuplicateManagerClass {
    type Facts = FileClasses;

    fn collect(&self, file: &FileContext) -> Option<FileClasses> {
        if file.category != Category::Production {
            return None;
        }
        let mut classes = Vec::new();
        walk(file.tree.root_node(), |node, _| match node.k() {
            // Classes inside functions are local helpers, not definitions of the concept.
            "function_definition" | "lambda" => false,
            "class_definition" => {
                if let Some(fact) = self.tree_class_fact(file, node) {
                    classes.push(fact);
                }
                true
            }
            kind => crate::python::holds_statements(kind),
        });
        self.facts(file, classes)
    }

    /// The classes `collect` finds, from the class headers ([`Self::header_classes`]).
    fn collect_tokens(&self, file: &FileText) -> Result<Option<FileClasses>, Declined> {
        if file.category != Category::Production {
            return Ok(None);
        }
        let classes = self.header_classes(file).ok_or(Declined)?;
        Ok(self.facts(file, classes))
    }

    fn finish(&self, facts: Vec<(FileId, std::sync::Arc<FileClasses>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut groups: BTreeMap<GroupKey, Vec<(FileId, ClassFact)>> = BTreeMap::new();
        for (file, file_classes) in facts {
            for class in file_classes.classes.iter().cloned() {
                groups.entry((file_classes.service, class.concept.clone())).or_default().push((file, class));
            }
        }
        let mut out = Vec::new();
        for ((_, concept), counted) in groups {
            // A class extending another counted class of the concept extends it, not duplicates it.
            // (Names counted once per group: a concept defined 100,000 times stays linear.)
            let mut names: HashMap<&str, usize> = HashMap::new();
            for (_, class) in &counted {
                *names.entry(class.name.as_str()).or_default() += 1;
            }
            let extends_another = |class: &ClassFact| {
                class.bases.iter().any(|base| {
                    let same = usize::from(*base == class.name);
                    names.get(base.as_str()).is_some_and(|&count| count > same)
                })
            };
            let remaining: Vec<&(FileId, ClassFact)> =
                counted.iter().filter(|(_, class)| !extends_another(class)).collect();
            if remaining.len() < 2 {
                continue;
            }
            // A class name reads the same wherever it is another finding's related place.
            let mut defined: HashMap<&str, std::sync::Arc<str>> = HashMap::new();
            for (_, class) in &remaining {
                defined.entry(class.name.as_str()).or_insert_with(|| format!("`{}` defined here", class.name).into());
            }
            for (index, (file, class)) in remaining.iter().enumerate() {
                let others = super::others(&remaining, index);
                let named: Vec<String> = others
                    .iter()
                    .take(3)
                    .map(|(f, c)| format!("`{}` ({}:{})", c.name, paths[f.0], c.site.start.line))
                    .collect();
                let others_text = match remaining.len() - 1 {
                    total if total > 3 => format!("{} and {} more", named.join(", "), total - 3),
                    _ => named.join(", "),
                };
                let count = remaining.len().to_string();
                let message = render_message(&self.message, |var| match var {
                    "name" => Some(Cow::Borrowed(class.name.as_str())),
                    "concept" => Some(Cow::Borrowed(concept.as_str())),
                    "count" => Some(Cow::Borrowed(count.as_str())),
                    "others" => Some(Cow::Borrowed(others_text.as_str())),
                    _ => None,
                });
                let related =
                    others.iter().map(|(f, c)| c.site.related(*f, defined[c.name.as_str()].clone())).collect();
                out.push(ProjectFinding { file: *file, site: class.site.clone(), message, related });
            }
        }
        out
    }
}

impl DuplicateManagerClass {
    /// The facts of a file holding `classes`.
    /// The classes `collect` finds, read from the class headers not in a function (in source
    /// order, the tree's pre-order): `class NAME [type parameters] [(arguments)]`; `None` on a
    /// header or an argument of a taking-part class whose shape [`Header`] does not know.
    fn header_classes(&self, file: &FileText) -> Option<Vec<ClassFact>> {
        let statements = file.statements()?;
        let header = Header(Text { source: file.source, tokens: &file.tokens().tokens });
        let mut classes = Vec::new();
        for statement in statements.list.iter().filter(|s| s.header && !s.in_function) {
            let Range { start, end } = statement.tokens;
            if !header.is_name(start, "class") {
                continue;
            }
            let name = start + 1;
            if name >= end || !header.is_identifier(name) {
                return None;
            }
            let mut next = name + 1;
            if next < end && header.is_op(next, "[") {
                next = header.group_end(next, end)?; // type parameters
            }
            let arguments = if next == end {
                Vec::new()
            } else if header.is_op(next, "(") && header.group_end(next, end)? == end {
                header.arguments(next + 1..end - 1)
            } else {
                return None;
            };
            let range = header.tokens[name].start as usize..header.tokens[name].end as usize;
            classes.extend(self.class_fact(file, header.text(name), range, arguments)?);
        }
        Some(classes)
    }

    fn facts(&self, file: &FileText, classes: Vec<ClassFact>) -> Option<FileClasses> {
        if classes.is_empty() {
            return None;
        }
        let service = self.services.iter().position(|globs| globs.is_match(file.path));
        Some(FileClasses { service, classes })
    }

    /// The fact of the class `name` (at `range`) with the superclass list `arguments`, which is
    /// read only when the class takes part: `Some(None)` when the class takes no part, `None`
    /// when it takes part and an argument needed to tell is unknown (`None`).
    fn class_fact<'s>(
        &self,
        file: &FileText,
        name: &str,
        range: Range<usize>,
        arguments: impl IntoIterator<Item = Option<Argument<'s>>>,
    ) -> Option<Option<ClassFact>> {
        let concept = self.concept(name).to_lowercase();
        if !self.takes_part(&concept) || is_interface_name(name) || is_test_double(name) {
            return Some(None);
        }
        let mut bases = Vec::new();
        for argument in arguments {
            match argument? {
                Argument::Keyword("metaclass", Some("ABCMeta")) => return Some(None),
                Argument::Keyword(..) | Argument::Positional(None) => {}
                Argument::Positional(Some(base)) if INTERFACE_BASES.contains(&base) => return Some(None),
                Argument::Positional(Some(base)) => bases.push(base.to_string()),
            }
        }
        Some(Some(ClassFact { name: name.to_string(), concept, bases, site: file.site(&self.id, range) }))
    }

    fn tree_class_fact(&self, file: &FileContext, node: &tree_sitter::Node) -> Option<ClassFact> {
        let name = node.child_by_field_name("name")?;
        let mut arguments = Vec::new();
        if let Some(list) = node.child_by_field_name("superclasses") {
            let mut cursor = list.walk();
            for argument in list.named_children(&mut cursor) {
                arguments.push(Some(if argument.k() == "keyword_argument" {
                    let keyword = argument.child_by_field_name("name").map_or("", |n| file.text(&n));
                    let value = argument.child_by_field_name("value").and_then(|v| base_name(v, file.source));
                    Argument::Keyword(keyword, value)
                } else {
                    Argument::Positional(base_name(argument, file.source))
                }));
            }
        }
        self.class_fact(file, file.text(&name), name.byte_range(), arguments).flatten()
    }
}

/// A file's tokens, read as the tree reads a class header (ranges within one header, whose
/// brackets balance).
struct Header<'s, 't>(Text<'s, 't>);

impl<'s, 't> std::ops::Deref for Header<'s, 't> {
    type Target = Text<'s, 't>;

    fn deref(&self) -> &Text<'s, 't> {
        &self.0
    }
}

impl<'s> Header<'s, '_> {
    /// A name that is no keyword: an `identifier` on the tree.
    fn is_identifier(&self, index: usize) -> bool {
        self.tokens[index].kind == Kind::Name && !KEYWORDS.contains(&self.text(index))
    }

    /// The index after the bracket group opened at `open`, within `..end`.
    fn group_end(&self, open: usize, end: usize) -> Option<usize> {
        let mut depth = 0usize;
        (open..end)
            .find(|&index| {
                match self.text(index) {
                    "(" | "[" | "{" if self.tokens[index].kind == Kind::Op => depth += 1,
                    ")" | "]" | "}" if self.tokens[index].kind == Kind::Op => depth = depth.saturating_sub(1),
                    _ => {}
                }
                depth == 0
            })
            .map(|close| close + 1)
    }

    /// The arguments between a class's parentheses, split at commas outside brackets (a
    /// trailing comma allowed), each read as [`Argument`] or unknown (`None`).
    fn arguments(&self, range: Range<usize>) -> Vec<Option<Argument<'s>>> {
        let mut arguments = Vec::new();
        let mut start = range.start;
        while start < range.end {
            let mut end = start;
            while end < range.end && !self.is_op(end, ",") {
                end = if matches!(self.text(end), "(" | "[" | "{") && self.tokens[end].kind == Kind::Op {
                    self.group_end(end, range.end).unwrap_or(range.end)
                } else {
                    end + 1
                };
            }
            arguments.push(self.argument(start..end));
            start = end + 1;
        }
        arguments
    }

    /// One argument: `*x` and `**x` (splats: no base name), `name=value`, or an expression.
    fn argument(&self, range: Range<usize>) -> Option<Argument<'s>> {
        let Range { start, end } = range;
        if start < end && (self.is_op(start, "*") || self.is_op(start, "**")) {
            return Some(Argument::Positional(None));
        }
        if end > start + 2 && self.is_identifier(start) && self.is_op(start + 1, "=") {
            let keyword = self.text(start);
            let value = if keyword == "metaclass" { self.base_name(start + 2..end)? } else { None };
            return Some(Argument::Keyword(keyword, value));
        }
        Some(Argument::Positional(self.base_name(range)?))
    }

    /// [`base_name`] of the expression `range`, when the tokens are certain of it: a name
    /// followed by trailers (`.name`, `[…]`, `(…)`), the last of which decides as on the tree
    /// (a subscript keeps its value's name, a call has none, an attribute is its name).
    fn base_name(&self, range: Range<usize>) -> Option<Option<&'s str>> {
        if range.is_empty() || !self.is_identifier(range.start) {
            return None;
        }
        let mut name = Some(self.text(range.start));
        let mut index = range.start + 1;
        while index < range.end {
            if self.is_op(index, ".") && index + 1 < range.end && self.is_identifier(index + 1) {
                name = Some(self.text(index + 1));
                index += 2;
            } else if self.is_op(index, "[") && index + 1 < range.end && !self.is_op(index + 1, "]") {
                index = self.group_end(index, range.end)?;
            } else if self.is_op(index, "(") {
                name = None;
                index = self.group_end(index, range.end)?;
            } else {
                return None;
            }
        }
        Some(name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The facts as JSON, from the tree and (unless it declines) from the tokens.
    fn both(source: &str) -> (String, Option<String>) {
        let engine = DuplicateManagerClass {
            id: REGISTRATION.signature.name.to_string(),
            message: String::new(),
            prefixes: vec!["Base".to_string()],
            strip_suffixes: vec!["Impl".to_string()],
            suffixes: vec!["manager".to_string()],
            services: Vec::new(),
        };
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        assert!(!tree.root_node().has_error(), "{source}");
        let path = Path::new("/p/m.py");
        // The facts as JSON (readable when the comparison fails).
        let json = |facts: Option<FileClasses>| facts.and_then(|f| serde_json::to_string(&f).ok()).unwrap_or_default();
        let file = FileContext::new(FileText::new(path, source, Category::Production, false), &tree);
        let tree_facts = json(engine.collect(&file));
        let text = FileText::new(path, source, Category::Production, false);
        (tree_facts, engine.collect_tokens(&text).ok().map(json))
    }

    #[test]
    fn tokens_agree_with_the_tree() {
        let decided = [
            "class AManager(B): pass\nclass BManager(a.b.C, D[T], e.F[G][H], f().G, g()[H], *bases, **kw, x=y()): pass\n",
            "@dec\nclass AManager(print, exec, match, type, _, x.match, x.type, x.print):\n    class BManager:\n        pass\n",
            "if x:\n    class AManager(B,):\n        class CManager(C): pass\nelse:\n    class BManager(): pass\n",
            "def f():\n    class AManager: pass\n    class BManager:\n        class CManager: pass\nclass DManager: pass\n",
            "class AManager(B, metaclass=abc.ABCMeta): pass\nclass BManager(metaclass=Meta): pass\n",
            "class AManager(typing.Protocol): pass\nclass BManager(Enum): pass\nclass CManager(Generic[T], ABC): pass\n",
            "class AManager[T](B[T]): pass\nclass BManager[T, *Ts, **P](\n    B,  # comment\n    C,\n):\n    x = 1\n",
            "class IManager: pass\nclass MockManager(B): pass\nclass Other(B): pass\nclass _BaseManagerImpl(B): pass\n",
            "try:\n    import x\nexcept E:\n    class AManager(x.B): pass\nmatch y:\n    case 1:\n        class BManager(C): pass\n",
            "class AManager(metaclass=f(x)): pass\nclass Plain(f(x), 'x', x if y else z): pass\n",
        ];
        for source in decided {
            let (tree, tokens) = both(source);
            assert_eq!(tokens.as_ref(), Some(&tree), "{source}");
        }
        // Shapes the tokens do not read: the tree decides.
        for source in
            ["class AManager(f(x) if y else z): pass\n", "class AManager((B)): pass\n", "class AManager(None): pass\n"]
        {
            assert_eq!(both(source).1, None, "{source}");
        }
    }
}
