//! `magic-none`: uses of `MagicNone`, a name that does not exist in `unittest.mock` (a botched
//! edit of `MagicMock`), that are undefined where they stand (`python::model`) — a `NameError`
//! when the test runs.

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::rule::{EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "magic-none", variables: &[], languages: &[crate::language::Language::Python] },
    build: |rule, _| Ok(Engine::file(MagicNone::new(rule))),
    project_wide: false,
};

pub(crate) struct MagicNone {
    id: String,
    message: String,
    finder: super::NameFinder,
}

impl MagicNone {
    pub(crate) fn new(rule: &Rule) -> Self {
        Self {
            id: rule.id.clone(),
            message: crate::rule::render_message(&rule.message, |_| None),
            finder: super::NameFinder::new(&["MagicNone"]),
        }
    }
}

impl Prefilter for MagicNone {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        self.finder.any_in(source)
    }
}

impl FileRule for MagicNone {
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        for (name, range) in file.unresolved_mock_names_by_tokens().ok_or(Declined)? {
            if name == "MagicNone" {
                out.push(Finding::new(range.clone(), self.message.clone()));
            }
        }
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        let sites: Vec<_> = file
            .unresolved_mock_names()
            .iter()
            .filter(|(name, _)| name == "MagicNone")
            .map(|(name, range)| (range.clone(), name.as_str()))
            .collect();
        let fixes = super::mock_import::fixes(file, &self.id, &sites, Some("MagicMock"));
        for ((range, _), fix) in sites.into_iter().zip(fixes) {
            out.push(Finding::new(range, self.message.clone()).with_fix(fix));
        }
    }
}
