//! `missing-mock-import`: uses of `unittest.mock` names (`Mock`, `patch`, `call`, …) that are
//! undefined where they stand, as pyflakes says (the model and resolver of `python::model`) — the
//! import is missing, and the test fails with a `NameError` when it runs.

use std::borrow::Cow;

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration, MOCK_NAMES};
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "missing-mock-import",
        variables: &["name"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, _| Ok(Engine::file(MissingMockImport::new(rule))),
    project_wide: false,
};

pub(crate) struct MissingMockImport {
    id: String,
    message: String,
    /// The mock names but `MagicNone` (its own rule's).
    finder: super::NameFinder,
}

impl MissingMockImport {
    pub(crate) fn new(rule: &Rule) -> Self {
        let names: Vec<&str> = MOCK_NAMES.iter().copied().filter(|name| *name != "MagicNone").collect();
        Self { id: rule.id.clone(), message: rule.message.clone(), finder: super::NameFinder::new(&names) }
    }
}

impl Prefilter for MissingMockImport {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        self.finder.any_in(source)
    }
}

impl FileRule for MissingMockImport {
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        for (name, range) in file.unresolved_mock_names_by_tokens().ok_or(Declined)? {
            if name != "MagicNone" {
                let message =
                    render_message(&self.message, |var| (var == "name").then_some(Cow::Borrowed(name.as_str())));
                out.push(Finding::new(range.clone(), message));
            }
        }
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        let sites: Vec<_> = file
            .unresolved_mock_names()
            .iter()
            .filter(|(name, _)| name != "MagicNone")
            .map(|(name, range)| (range.clone(), name.as_str()))
            .collect();
        let fixes = super::mock_import::fixes(file, &self.id, &sites, None);
        for ((range, name), fix) in sites.into_iter().zip(fixes) {
            let message = render_message(&self.message, |var| (var == "name").then_some(Cow::Borrowed(name)));
            out.push(Finding::new(range, message).with_fix(fix));
        }
    }
}
