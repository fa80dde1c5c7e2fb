//! `scattered-event-literal`: a configured event name typed as a string literal outside the
//! canonical module(s) that define it. Docstrings and the literal parts of f-strings do not
//! count; a string inside an f-string's `{…}` does.

use crate::python::FastKind;
use std::borrow::Cow;

use std::path::Path;

use super::{Engine, FileContext, FileRule, Finding, Prefilter, Registration};
use crate::config::{Globs, Settings};
use crate::python::strings::{docstring, literal, Literal};
use crate::python::walk_with;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "scattered-event-literal", variables: &["event", "canonical"] },
    build: |rule, settings| Ok(Engine::file(ScatteredEventLiteral::new(rule, settings)?)),
};

pub(crate) struct ScatteredEventLiteral {
    message: String,
    events: Vec<String>,
    canonical: Globs,
    canonical_text: String,
}

impl ScatteredEventLiteral {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let canonical = super::option_globs(rule, "canonical", settings)?;
        let canonical_text = match canonical.patterns() {
            [] => "the module that defines the event names".to_string(),
            patterns => patterns.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(" or "),
        };
        Ok(Self { message: rule.message.clone(), events: rule.string_list("events"), canonical, canonical_text })
    }
}

impl Prefilter for ScatteredEventLiteral {
    fn path_key(&self, path: &std::path::Path) -> u64 {
        u64::from(self.canonical.is_match(path))
    }

    fn may_match(&self, _path: &Path, source: &str) -> bool {
        // A literal holding an event name holds its text, unless written with escapes.
        self.events.iter().any(|event| source.contains(event.as_str()))
            || (!self.events.is_empty() && source.contains('\\'))
    }
}

impl FileRule for ScatteredEventLiteral {
    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        if self.events.is_empty() || self.canonical.is_match(file.path) {
            return;
        }
        // Docstrings by node id, found when their module, class or function is reached (before
        // the string itself); whether a node is a part of a concatenation, from the walk. Asking
        // a node for its parent costs tree-sitter a walk down from the root, so it is not asked.
        let mut docstrings = std::collections::HashSet::new();
        let part_of_concatenation =
            |parent: &tree_sitter::Node, _: &bool, _: Option<&str>, _: &tree_sitter::Node, _| {
                parent.k() == "concatenated_string"
            };
        walk_with(file.tree.root_node(), false, part_of_concatenation, |node, &in_concatenation| {
            if let Some(string) = docstring(node) {
                docstrings.insert(string.id());
            }
            match node.k() {
                // A concatenation is one literal; its parts are not visited on their own.
                "string" | "concatenated_string" => {
                    if node.k() == "string" && in_concatenation {
                        return true;
                    }
                    if let Literal::Str(value) = literal(node, file.source) {
                        if self.events.contains(&value) && !docstrings.contains(&node.id()) {
                            let message = render_message(&self.message, |var| match var {
                                "event" => Some(Cow::Borrowed(value.as_str())),
                                "canonical" => Some(Cow::Borrowed(self.canonical_text.as_str())),
                                _ => None,
                            });
                            out.push(Finding::new(node.byte_range(), message));
                        }
                    }
                    // Keep walking: f-string replacement fields hold expressions.
                    true
                }
                _ => true,
            }
        });
    }
}
