//! `scattered-event-literal`: a configured event name typed as a string literal outside the
//! canonical module(s) that define it. Docstrings and the literal parts of f-strings do not
//! count; a string inside an f-string's `{…}` does. Read from the string-literal facet
//! ([`crate::python::strings`]), built from the tokens when they are certain.

use std::borrow::Cow;
use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::config::{Globs, Settings};
use crate::python::strings::{Literal, StringLiterals};
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "scattered-event-literal", variables: &["event", "canonical"] },
    build: |rule, settings| Ok(Engine::file(ScatteredEventLiteral::new(rule, settings)?)),
};

pub(crate) struct ScatteredEventLiteral {
    message: String,
    events: Vec<String>,
    /// The length of the shortest event name, in bytes: a shorter literal is not decoded.
    shortest: usize,
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
        let events = rule.string_list("events");
        let shortest = events.iter().map(String::len).min().unwrap_or(0);
        Ok(Self { message: rule.message.clone(), events, shortest, canonical, canonical_text })
    }

    fn findings(&self, literals: &StringLiterals, source: &str, out: &mut Vec<Finding>) {
        for literal in &literals.literals {
            if literal.docstring || literals.max_len(literal) < self.shortest {
                continue;
            }
            let Literal::Str(value) = literals.value(literal, source) else { continue };
            if self.events.contains(&value) {
                let message = render_message(&self.message, |var| match var {
                    "event" => Some(Cow::Borrowed(value.as_str())),
                    "canonical" => Some(Cow::Borrowed(self.canonical_text.as_str())),
                    _ => None,
                });
                out.push(Finding::new(literal.range.clone(), message));
            }
        }
    }

    fn applies(&self, path: &Path) -> bool {
        !self.events.is_empty() && !self.canonical.is_match(path)
    }
}

impl Prefilter for ScatteredEventLiteral {
    fn path_key(&self, path: &Path) -> u64 {
        u64::from(self.canonical.is_match(path))
    }

    fn may_match(&self, _path: &Path, source: &str) -> bool {
        crate::python::strings::may_hold_any(source, &self.events)
    }
}

impl FileRule for ScatteredEventLiteral {
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        if !self.applies(file.path) {
            return Ok(());
        }
        let literals = file.string_literals_by_tokens().ok_or(Declined)?;
        self.findings(literals, file.source, out);
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        if self.applies(file.path) {
            self.findings(file.string_literals(), file.source, out);
        }
    }
}
