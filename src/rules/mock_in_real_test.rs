//! `mock-in-real-test`: mocking in suites that must run against real services (by default every
//! file under an `e2e` directory): imports of `unittest.mock`, `mock` or `pytest_mock`, and test
//! functions that request the `mocker` fixture.

use crate::python::FastKind;
use std::borrow::Cow;

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::config::{Globs, Settings};
use crate::python::imports::Import;
use crate::python::tokens::Kind;
use crate::python::{walk, Ctx};
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "mock-in-real-test",
        variables: &["what"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::file(MockInRealTest::new(rule, settings)?)),
    project_wide: false,
};

const MOCK_MODULES: [&str; 3] = ["unittest.mock", "mock", "pytest_mock"];

pub(crate) struct MockInRealTest {
    message: String,
    paths: Globs,
}

impl MockInRealTest {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        Ok(Self { message: rule.message.clone(), paths: super::option_globs(rule, "paths", settings)? })
    }
}

fn is_mock_module(module: &str) -> bool {
    MOCK_MODULES.iter().any(|m| module == *m || module.strip_prefix(m).is_some_and(|rest| rest.starts_with('.')))
}

impl Prefilter for MockInRealTest {
    fn path_key(&self, path: &std::path::Path) -> u64 {
        u64::from(self.paths.is_match(path))
    }

    fn may_match(&self, path: &Path, source: &str) -> bool {
        self.paths.is_match(path) && source.contains("mock")
    }
}

impl MockInRealTest {
    fn render(&self, what: &str) -> String {
        render_message(&self.message, |var| (var == "what").then_some(Cow::Borrowed(what)))
    }

    /// One finding per import of a mock module, from the imports however read.
    fn imports(&self, imports: &[Import], out: &mut Vec<Finding>) {
        for import in imports {
            let hit = import.bindings.iter().find_map(|b| {
                let module = match b.name.as_deref() {
                    None => b.module.clone(),
                    Some(_) if b.level > 0 => return None,
                    Some("mock") if b.module == "unittest" => "unittest.mock".to_string(),
                    Some(_) => b.module.clone(),
                };
                is_mock_module(&module).then_some(module)
            });
            if let Some(module) = hit {
                out.push(Finding::new(import.range.clone(), self.render(&format!("an import of `{module}`"))));
            }
        }
    }
}

impl FileRule for MockInRealTest {
    /// Decided from the tokens when no name `mocker` appears (a parameter named so needs the
    /// tree to be told from other uses).
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        if !self.paths.is_match(file.path) {
            return Ok(());
        }
        let imports = file.imports_by_tokens().ok_or(Declined)?;
        let tokens = &file.tokens().tokens;
        let mocker = tokens
            .iter()
            .any(|t| t.kind == Kind::Name && file.source.get(t.start as usize..t.end as usize) == Some("mocker"));
        if mocker {
            return Err(Declined);
        }
        self.imports(imports, out);
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        if !self.paths.is_match(file.path) {
            return;
        }
        self.imports(file.imports(), out);
        walk(file.tree.root_node(), |node, ctx| {
            if node.k() == "identifier" && ctx == Ctx::Param && file.text(node) == "mocker" {
                out.push(Finding::new(node.byte_range(), self.render("the `mocker` fixture")));
            }
            true
        });
    }
}
