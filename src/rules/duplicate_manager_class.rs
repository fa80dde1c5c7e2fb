//! `duplicate-manager-class`: two or more production classes that implement one "manager"
//! concept (`WebSocketManager`, `_UnifiedWebSocketManagerImplementation`,
//! `LegacyWebSocketManagerAdapter`, …). A project rule: each file contributes its classes (not
//! nested in functions), then one pass groups them by concept (and by service when configured).
//! Interfaces, test doubles, `I…` protocols, subclasses of a counted class of the same concept
//! and aliases are not duplicates.

use crate::python::FastKind;
use std::borrow::Cow;
use std::collections::BTreeMap;

use std::path::Path;

use super::{Engine, Facts, FileContext, ProjectFinding, Site};
use crate::config::{Globs, Settings};
use crate::diagnostic::{Category, FileId};
use crate::python::walk;
use crate::rule::{render_message, Rule};
use crate::UserError;

pub(crate) const NAME: &str = "duplicate-manager-class";
pub(crate) const VARIABLES: &[&str] = &["name", "concept", "count", "others"];

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
struct FileClasses {
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
                    settings.config_error(None, format!("[rules.{NAME}] services: {message}"))
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

fn is_interface_name(name: &str) -> bool {
    let mut chars = name.trim_start_matches('_').chars();
    chars.next() == Some('I') && chars.next().is_some_and(|c| c.is_ascii_uppercase())
}

fn is_test_double(name: &str) -> bool {
    let name = name.trim_start_matches('_');
    TEST_DOUBLES.iter().any(|prefix| name.starts_with(prefix))
}

impl Engine for DuplicateManagerClass {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        // A `class Name` whose concept takes part.
        let mut rest = source;
        while let Some(at) = rest.find("class") {
            let before_ok =
                at == 0 || !rest.as_bytes()[at - 1].is_ascii_alphanumeric() && rest.as_bytes()[at - 1] != b'_';
            rest = &rest[at + 5..];
            let trimmed = rest.trim_start_matches([' ', '\t', '\\', '\n', '\r']);
            if !before_ok || trimmed.len() == rest.len() {
                continue;
            }
            let name_len = trimmed.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(trimmed.len());
            let name = &trimmed[..name_len];
            if !name.is_empty() && self.takes_part(&self.concept(name).to_lowercase()) && !is_test_double(name) {
                return true;
            }
        }
        false
    }

    fn path_key(&self, path: &std::path::Path) -> u64 {
        self.services.iter().position(|globs| globs.is_match(path)).map_or(0, |i| i as u64 + 1)
    }

    fn collect(&self, file: &FileContext) -> Option<Facts> {
        if file.category != Category::Production {
            return None;
        }
        let mut classes = Vec::new();
        walk(file.tree.root_node(), |node, _| match node.k() {
            // Classes inside functions are local helpers, not definitions of the concept.
            "function_definition" | "lambda" => false,
            "class_definition" => {
                if let Some(fact) = self.class_fact(file, node) {
                    classes.push(fact);
                }
                true
            }
            kind => crate::python::holds_statements(kind),
        });
        if classes.is_empty() {
            return None;
        }
        let service = self.services.iter().position(|globs| globs.is_match(file.path));
        Some(std::sync::Arc::new(FileClasses { service, classes }))
    }

    fn save_facts(&self, facts: &Facts) -> Option<serde_json::Value> {
        serde_json::to_value(facts.downcast_ref::<FileClasses>()?).ok()
    }

    fn load_facts(&self, value: serde_json::Value) -> Option<Facts> {
        let classes: FileClasses = serde_json::from_value(value).ok()?;
        Some(std::sync::Arc::new(classes))
    }

    fn finish(&self, facts: Vec<(FileId, Facts)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut groups: BTreeMap<GroupKey, Vec<(FileId, ClassFact)>> = BTreeMap::new();
        for (file, facts) in facts {
            let Ok(file_classes) = facts.downcast::<FileClasses>() else { continue };
            for class in file_classes.classes.iter().cloned() {
                groups.entry((file_classes.service, class.concept.clone())).or_default().push((file, class));
            }
        }
        let mut out = Vec::new();
        for ((_, concept), counted) in groups {
            // A class extending another counted class of the concept extends it, not duplicates it.
            let remaining: Vec<&(FileId, ClassFact)> = counted
                .iter()
                .enumerate()
                .filter(|(index, (_, class))| {
                    !counted.iter().enumerate().any(|(other, (_, o))| other != *index && class.bases.contains(&o.name))
                })
                .map(|(_, entry)| entry)
                .collect();
            if remaining.len() < 2 {
                continue;
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
                    others.iter().map(|(f, c)| c.site.related(*f, format!("`{}` defined here", c.name))).collect();
                out.push(ProjectFinding { file: *file, site: class.site.clone(), message, related });
            }
        }
        out
    }
}

impl DuplicateManagerClass {
    fn class_fact(&self, file: &FileContext, node: &tree_sitter::Node) -> Option<ClassFact> {
        let name_node = node.child_by_field_name("name")?;
        let name = file.text(&name_node);
        let concept = self.concept(name).to_lowercase();
        if !self.takes_part(&concept) || is_interface_name(name) || is_test_double(name) {
            return None;
        }
        let mut bases = Vec::new();
        if let Some(arguments) = node.child_by_field_name("superclasses") {
            let mut cursor = arguments.walk();
            for argument in arguments.named_children(&mut cursor) {
                if argument.k() == "keyword_argument" {
                    let keyword = argument.child_by_field_name("name").map(|n| file.text(&n));
                    let value = argument.child_by_field_name("value").and_then(|v| base_name(v, file.source));
                    if keyword == Some("metaclass") && value == Some("ABCMeta") {
                        return None;
                    }
                    continue;
                }
                if let Some(base) = base_name(argument, file.source) {
                    if INTERFACE_BASES.contains(&base) {
                        return None;
                    }
                    bases.push(base.to_string());
                }
            }
        }
        Some(ClassFact { name: name.to_string(), concept, bases, site: file.site(&self.id, name_node.byte_range()) })
    }
}
