//! `relative-import`: `from . import x`, `from ..pkg import y`. One finding per statement, at
//! `from`, spanning the statement; `{module}` is the relative module as written.
//!
//! It was a pattern rule (a tree-sitter query); it is an engine so that it can be decided from
//! tokens, sparing the parse of most files that have one: it reads the file's imports
//! (`crate::python::imports`), which the tokens give when they can and the tree otherwise.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::python::imports::Import;
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "relative-import", variables: &["module"] },
    build: |rule, _| Ok(Engine::file(RelativeImport::new(rule))),
};

pub(crate) struct RelativeImport {
    message: String,
}

impl RelativeImport {
    pub(crate) fn new(rule: &Rule) -> Self {
        Self { message: rule.message.clone() }
    }

    fn finding(&self, statement: Range<usize>, module: &str) -> Finding {
        let message = render_message(&self.message, |var| (var == "module").then_some(Cow::Borrowed(module)));
        Finding::new(statement, message)
    }
}

impl Prefilter for RelativeImport {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        // `from` followed by a dot, across spaces and backslash continuations.
        static PREFILTER: OnceLock<regex::Regex> = OnceLock::new();
        PREFILTER
            .get_or_init(|| regex::Regex::new(r"\bfrom[ \t\f]*(\\\r?\n[ \t\f]*)*\.").expect("valid regex"))
            .is_match(source)
    }
}

impl FileRule for RelativeImport {
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        self.report(file.source, file.imports_by_tokens().ok_or(Declined)?, out);
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        self.report(file.source, file.imports(), out);
    }
}

impl RelativeImport {
    /// One finding per relative import statement, from the file's imports however read.
    fn report(&self, source: &str, imports: &[Import], out: &mut Vec<Finding>) {
        for import in imports {
            if let Some(module) = &import.relative_module {
                out.push(self.finding(import.range.clone(), &source[module.clone()]));
            }
        }
    }
}
