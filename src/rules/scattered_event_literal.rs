//! `scattered-event-literal`: a configured event name typed as a string literal outside the
//! canonical module(s) that define it. Docstrings and the literal parts of f-strings do not
//! count; a string inside an f-string's `{…}` does.

use crate::python::FastKind;
use std::borrow::Cow;

use std::path::Path;

use super::{Engine, EngineFinding, FileContext};
use crate::config::{Globs, Settings};
use crate::python::strings::{is_docstring, literal, Literal};
use crate::python::walk;
use crate::rule::{render_message, Rule};
use crate::UserError;

pub(crate) const NAME: &str = "scattered-event-literal";
pub(crate) const VARIABLES: &[&str] = &["event", "canonical"];

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

impl Engine for ScatteredEventLiteral {
    fn path_key(&self, path: &std::path::Path) -> u64 {
        u64::from(self.canonical.is_match(path))
    }

    fn may_match(&self, _path: &Path, source: &str) -> bool {
        // A literal holding an event name holds its text, unless written with escapes.
        self.events.iter().any(|event| source.contains(event.as_str()))
            || (!self.events.is_empty() && source.contains('\\'))
    }

    fn check(&self, file: &FileContext, out: &mut Vec<EngineFinding>) {
        if self.events.is_empty() || self.canonical.is_match(file.path) {
            return;
        }
        walk(file.tree.root_node(), |node, _| {
            match node.k() {
                // A concatenation is one literal; its parts are not visited on their own.
                "string" | "concatenated_string" => {
                    if node.k() == "string" && node.parent().is_some_and(|p| p.k() == "concatenated_string") {
                        return true;
                    }
                    if let Literal::Str(value) = literal(node, file.source) {
                        if self.events.contains(&value) && !is_docstring(node) {
                            let message = render_message(&self.message, |var| match var {
                                "event" => Some(Cow::Borrowed(value.as_str())),
                                "canonical" => Some(Cow::Borrowed(self.canonical_text.as_str())),
                                _ => None,
                            });
                            out.push(EngineFinding { range: node.byte_range(), message });
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
