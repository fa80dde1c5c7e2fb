//! `missing-mock-import`: uses of `unittest.mock` names (`Mock`, `patch`, `call`, …) that are
//! undefined where they stand, as pyflakes says (the model and resolver of `python::model`) — the
//! import is missing, and the test fails with a `NameError` when it runs.

use std::borrow::Cow;

use std::path::Path;

use super::{Engine, EngineFinding, Facts, FileContext, FileText, MOCK_NAMES};
use crate::rule::{render_message, Rule};

pub(crate) const NAME: &str = "missing-mock-import";
pub(crate) const VARIABLES: &[&str] = &["name"];

pub(crate) struct MissingMockImport {
    message: String,
    /// The mock names but `MagicNone` (its own rule's).
    finder: super::NameFinder,
}

impl MissingMockImport {
    pub(crate) fn new(rule: &Rule) -> Self {
        let names: Vec<&str> = MOCK_NAMES.iter().copied().filter(|name| *name != "MagicNone").collect();
        Self { message: rule.message.clone(), finder: super::NameFinder::new(&names) }
    }
}

impl Engine for MissingMockImport {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        self.finder.any_in(source)
    }

    fn check_tokens(&self, file: &FileText, out: &mut Vec<EngineFinding>) -> Option<Option<Facts>> {
        for (name, range) in file.unresolved_mock_names_by_tokens()? {
            if name != "MagicNone" {
                let message =
                    render_message(&self.message, |var| (var == "name").then_some(Cow::Borrowed(name.as_str())));
                out.push(EngineFinding { range: range.clone(), message });
            }
        }
        Some(None)
    }

    fn check(&self, file: &FileContext, out: &mut Vec<EngineFinding>) {
        for (name, range) in file.unresolved_mock_names() {
            if name != "MagicNone" {
                let message =
                    render_message(&self.message, |var| (var == "name").then_some(Cow::Borrowed(name.as_str())));
                out.push(EngineFinding { range: range.clone(), message });
            }
        }
    }
}
