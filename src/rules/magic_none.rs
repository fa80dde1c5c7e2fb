//! `magic-none`: uses of `MagicNone`, a name that does not exist in `unittest.mock` (a botched
//! edit of `MagicMock`), that are undefined where they stand (`python::model`) — a `NameError`
//! when the test runs.

use std::path::Path;

use super::{Engine, EngineFinding, Facts, FileContext, FileText};
use crate::rule::Rule;

pub(crate) const NAME: &str = "magic-none";
pub(crate) const VARIABLES: &[&str] = &[];

pub(crate) struct MagicNone {
    message: String,
    finder: super::NameFinder,
}

impl MagicNone {
    pub(crate) fn new(rule: &Rule) -> Self {
        Self {
            message: crate::rule::render_message(&rule.message, |_| None),
            finder: super::NameFinder::new(&["MagicNone"]),
        }
    }
}

impl Engine for MagicNone {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        self.finder.any_in(source)
    }

    fn check_tokens(&self, file: &FileText, out: &mut Vec<EngineFinding>) -> Option<Option<Facts>> {
        for (name, range) in file.unresolved_mock_names_by_tokens()? {
            if name == "MagicNone" {
                out.push(EngineFinding { range: range.clone(), message: self.message.clone() });
            }
        }
        Some(None)
    }

    fn check(&self, file: &FileContext, out: &mut Vec<EngineFinding>) {
        for (name, range) in file.unresolved_mock_names() {
            if name == "MagicNone" {
                out.push(EngineFinding { range: range.clone(), message: self.message.clone() });
            }
        }
    }
}
