//! `relative-import`: `from . import x`, `from ..pkg import y`. One finding per statement, at
//! `from`, spanning the statement; `{module}` is the relative module as written.
//!
//! It was a pattern rule (a tree-sitter query); it is an engine so that it can be decided from
//! tokens (a `from` followed by dots starts a relative import, nothing else), sparing the parse
//! of most files that have one.

use std::borrow::Cow;
use std::ops::Range;
use std::path::Path;
use std::sync::OnceLock;

use super::registry::{Engine, Registration};
use super::{Declined, FileContext, FileRule, FileText, Finding, Prefilter};
use crate::python::statements::{import, Statement};
use crate::python::tokens::Kind;
use crate::python::{walk, FastKind};
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
    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        walk(file.tree.root_node(), |node, _| {
            if node.k() == "import_from_statement" {
                if let Some(module) = node.child_by_field_name("module_name").filter(|m| m.k() == "relative_import") {
                    out.push(self.finding(node.byte_range(), file.text(&module)));
                }
            }
            true
        });
    }

    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        let statements = file.statements().ok_or(Declined)?;
        let tokens = &file.tokens().tokens;
        let source = file.source;
        let text = |index: usize| crate::python::tokens::Text { source, tokens }.text(index);
        let relative_from = |index: usize| {
            tokens[index].kind == Kind::Name
                && text(index) == "from"
                && tokens.get(index + 1).is_some_and(|t| t.kind == Kind::Op && matches!(text(index + 1), "." | "..."))
        };
        let mut seen = 0;
        for statement in statements.list.iter().filter(|s: &&Statement| !s.header && relative_from(s.tokens.start)) {
            let import = import(source, tokens, statement).ok_or(Declined)?;
            let module = import.relative_module.ok_or(Declined)?;
            let range = tokens[statement.tokens.start].start as usize..tokens[statement.tokens.end - 1].end as usize;
            out.push(self.finding(range, &source[module]));
            seen += 1;
        }
        // A `from` followed by a dot anywhere else is not Python the reader understands.
        let all = (0..tokens.len()).filter(|&index| relative_from(index)).count();
        if all == seen {
            Ok(())
        } else {
            Err(Declined)
        }
    }
}
