//! `duplicate-manager-class`: two or more production classes that implement one "manager"
//! concept (`WebSocketManager`, `_UnifiedWebSocketManagerImplementation`,
//! `LegacyWebSocketManagerAdapter`, …). A project rule: each file contributes its classes (not
//! nested in functions), then one pass groups them by concept (and by service when configured).
//! Interfaces, test doubles, `I…` protocols, subclasses of a counted class of the same concept
//! and aliases are not duplicates. In Rust, structs and unions are the classes (outside
//! functions and `#[cfg(test)]` modules); traits and enums are interfaces.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::{
    Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration, RustFile, Site,
};
use crate::config::{Globs, Settings};
use crate::diagnostic::{Category, FileId};
use crate::python::classes::{Argument, ClassHeader};
use crate::rule::{render_message, EngineSignature, Rule};
use crate::rust::items::TypeKind;
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "duplicate-manager-class",
        variables: &["name", "concept", "count", "others"],
        languages: &crate::language::Language::ALL,
    },
    build: |rule, settings| Ok(Engine::project(DuplicateManagerClass::new(rule, settings)?)),
    project_wide: true,
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

pub(crate) struct DuplicateManagerClass {
    id: String,
    message: String,
    prefixes: Vec<String>,
    strip_suffixes: Vec<String>,
    /// Lowercased.
    suffixes: Vec<String>,
    /// One glob set per service directory (`dir` and `dir/**`).
    services: Vec<Globs>,
    /// Where shown paths start (to tell a stub's module name).
    root: std::path::PathBuf,
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
type GroupKey<'a> = (Option<usize>, &'a str);

#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct FileClasses {
    service: Option<usize>,
    classes: Vec<ClassFact>,
}

impl DuplicateManagerClass {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let at = super::option_at(rule, "services", settings);
        let services = rule
            .string_list("services")
            .iter()
            .map(|dir| {
                let dir = dir.trim_end_matches('/');
                crate::config::compile_globs(settings.base_of(at), &[format!("{dir}/**")], &|_, message| {
                    settings.config_error(at, format!("[rules.{}] services: {message}", rule.id))
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
            root: settings.root.clone(),
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
            let trimmed = rest.trim_start_matches([' ', '\t', '\x0c', '\\', '\n', '\r']);
            if !before_ok || trimmed.len() == rest.len() {
                return false;
            }
            let name_len = trimmed.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
            let name = &trimmed[..name_len];
            !name.is_empty() && self.takes_part(&self.concept(name).to_lowercase()) && !is_test_double(name)
        })
    }

    /// A `struct` or `union` whose concept takes part.
    fn may_match_rust(&self, _path: &Path, source: &str) -> bool {
        ["struct", "union"].iter().any(|keyword| {
            let bytes = source.as_bytes();
            memchr::memmem::find_iter(bytes, keyword.as_bytes()).any(|at| {
                let before_ok = at == 0 || !(bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_');
                let rest = &source[at + keyword.len()..];
                let trimmed = crate::rust::lex::skip_trivia(rest);
                if !before_ok || trimmed.len() == rest.len() {
                    return false;
                }
                let trimmed = trimmed.strip_prefix("r#").unwrap_or(trimmed);
                let name_len = trimmed.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
                let name = &trimmed[..name_len];
                !name.is_empty() && self.takes_part(&self.concept(name).to_lowercase()) && !is_test_double(name)
            })
        })
    }

    fn path_key(&self, path: &std::path::Path) -> u64 {
        self.services.iter().position(|globs| globs.is_match(path)).map_or(0, |i| i as u64 + 1)
    }
}

impl ProjectRule for DuplicateManagerClass {
    type Facts = FileClasses;

    /// Structs and unions take part; traits and enums are interfaces (and never counted).
    fn collect_rust(&self, file: &RustFile) -> Option<FileClasses> {
        if file.category != Category::Production {
            return None;
        }
        let classes = file
            .items()
            .types
            .iter()
            .filter(|t| matches!(t.kind, TypeKind::Struct | TypeKind::Union))
            .filter_map(|t| {
                let concept = self.concept(&t.name).to_lowercase();
                (self.takes_part(&concept) && !is_test_double(&t.name)).then(|| ClassFact {
                    name: t.name.clone(),
                    concept,
                    bases: Vec::new(),
                    site: file.site(&self.id, t.range.clone()),
                })
            })
            .collect();
        self.facts(file, classes)
    }

    fn collect(&self, file: &FileContext) -> Option<FileClasses> {
        if file.category != Category::Production {
            return None;
        }
        let classes = self.classes(file, file.class_headers());
        self.facts(file, classes.expect("the tree reads every argument"))
    }

    fn collect_tokens(&self, file: &FileText) -> Result<Option<FileClasses>, Declined> {
        if file.category != Category::Production {
            return Ok(None);
        }
        let classes = self.classes(file, file.class_headers_by_tokens().ok_or(Declined)?).ok_or(Declined)?;
        Ok(self.facts(file, classes))
    }

    fn finish(&self, facts: Vec<(FileId, std::sync::Arc<FileClasses>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        // Grouped by reference: a class is not copied to be counted.
        let mut groups: BTreeMap<GroupKey, Vec<(FileId, &ClassFact)>> = BTreeMap::new();
        for (file, file_classes) in &facts {
            for class in &file_classes.classes {
                groups.entry((file_classes.service, class.concept.as_str())).or_default().push((*file, class));
            }
        }
        let mut out = Vec::new();
        let mut names = super::ModuleNames::new(&self.root);
        for ((_, concept), mut counted) in groups {
            super::without_restating_stubs(&mut counted, paths, &mut names);
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
            let remaining: Vec<&(FileId, &ClassFact)> =
                counted.iter().filter(|(_, class)| !extends_another(class)).collect();
            if remaining.len() < 2 {
                continue;
            }
            // A class name reads the same wherever it is another finding's related place: each
            // member's place, made once (a finding lists at most RELATED_LIMIT of them).
            let mut defined: HashMap<&str, std::sync::Arc<str>> = HashMap::new();
            let places: Vec<crate::diagnostic::Related> = remaining
                .iter()
                .take(super::RELATED_LIMIT + 1)
                .map(|(file, class)| {
                    let label = defined
                        .entry(class.name.as_str())
                        .or_insert_with(|| format!("`{}` defined here", class.name).into());
                    class.site.related(*file, label.clone())
                })
                .collect();
            // A finding names the first three others: members among the first four, each
            // written once.
            let labels: Vec<String> = remaining
                .iter()
                .take(4)
                .map(|(f, c)| format!("`{}` ({}:{})", c.name, paths[f.0], c.site.start.line))
                .collect();
            for (index, (file, class)) in remaining.iter().enumerate() {
                let named: Vec<&str> = (0..labels.len())
                    .filter(|&other| other != index)
                    .take(3)
                    .map(|other| labels[other].as_str())
                    .collect();
                let others_text = match remaining.len() - 1 {
                    total if total > 3 => format!("{} and {} more", named.join(", "), total - 3),
                    _ => named.join(", "),
                };
                let count = remaining.len().to_string();
                let message = render_message(&self.message, |var| match var {
                    "name" => Some(Cow::Borrowed(class.name.as_str())),
                    "concept" => Some(Cow::Borrowed(concept)),
                    "count" => Some(Cow::Borrowed(count.as_str())),
                    "others" => Some(Cow::Borrowed(others_text.as_str())),
                    _ => None,
                });
                let related = super::others(&places, index).into_iter().cloned().collect();
                out.push(ProjectFinding { file: *file, site: class.site.clone(), message, related, fix: None });
            }
        }
        out
    }
}

impl DuplicateManagerClass {
    /// The facts of a file holding `classes`.
    /// The classes of `headers` that take part, however the headers were read; `None` when
    /// an argument of a taking-part class is unknown.
    fn classes(&self, file: &FileText, headers: &[ClassHeader]) -> Option<Vec<ClassFact>> {
        let mut classes = Vec::new();
        for header in headers {
            classes.extend(self.class_fact(file, header)?);
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

    /// The fact of the class of `header`, whose superclass list is read only when the class
    /// takes part: `Some(None)` when the class takes no part, `None` when it takes part and an
    /// argument needed to tell is unknown.
    fn class_fact(&self, file: &FileText, header: &ClassHeader) -> Option<Option<ClassFact>> {
        let name = header.name.as_str();
        let concept = self.concept(name).to_lowercase();
        if !self.takes_part(&concept) || is_interface_name(name) || is_test_double(name) {
            return Some(None);
        }
        let mut bases = Vec::new();
        for argument in &header.arguments {
            match argument.as_ref()? {
                Argument::Keyword(keyword, Some(value)) if keyword == "metaclass" && value == "ABCMeta" => {
                    return Some(None)
                }
                Argument::Keyword(..) | Argument::Positional(None) => {}
                Argument::Positional(Some(base)) if INTERFACE_BASES.contains(&base.as_str()) => return Some(None),
                Argument::Positional(Some(base)) => bases.push(base.clone()),
            }
        }
        let site = file.site(&self.id, header.range.clone());
        Some(Some(ClassFact { name: name.to_string(), concept, bases, site }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> DuplicateManagerClass {
        DuplicateManagerClass {
            id: REGISTRATION.signature.name.to_string(),
            message: String::new(),
            prefixes: vec!["Base".to_string()],
            strip_suffixes: vec!["Impl".to_string()],
            suffixes: vec!["manager".to_string()],
            services: Vec::new(),
            root: std::path::PathBuf::new(),
        }
    }

    /// The byte test admits a class header however Python lets its words be apart.
    #[test]
    fn the_byte_test_admits_every_class_header() {
        let engine = engine();
        let admits = |source: &str| engine.may_match(Path::new("m.py"), source);
        for source in [
            "class AManager: pass\n",
            "class\tAManager: pass\n",
            "class\x0cAManager: pass\n",
            "class \\\n AManager: pass\n",
        ] {
            assert!(admits(source), "{source:?}");
        }
        for source in ["class Other: pass\n", "subclass AManager\n", "classAManager = 1\n", "class MockManager: pass\n"]
        {
            assert!(!admits(source), "{source:?}");
        }
    }

    /// The facts as JSON, from the tree and (unless it declines) from the tokens.
    fn both(source: &str) -> (String, Option<String>) {
        let engine = engine();
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
