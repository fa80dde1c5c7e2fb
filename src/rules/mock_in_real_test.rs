//! `mock-in-real-test`: mocking in suites that must run against real services (by default every
//! file under an `e2e` directory): imports of `unittest.mock`, `mock` or `pytest_mock`, and test
//! functions that request the `mocker` fixture.

use crate::python::FastKind;
use std::borrow::Cow;

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::config::{Globs, Settings};
use crate::python::imports::Import;
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
        let parameters = mocker_parameters(file).ok_or(Declined)?;
        self.imports(imports, out);
        for range in parameters {
            out.push(Finding::new(range, self.render("the `mocker` fixture")));
        }
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

/// Every parameter named `mocker` of a `def`, read from the tokens: a name directly inside the
/// parentheses of a `def` header, after `(`, `,`, `*` or `**` and before `,`, `)`, `:` or `=`.
/// `None` (the tree decides) where the tokens cannot tell: a `mocker` in a statement with a
/// `lambda` (its parameters are the tree's too), a generic `def` (`def f[T](…)`), or a
/// replacement field of an f-string that mentions it. `mocker` elsewhere is a use, not a
/// request of the fixture.
fn mocker_parameters(file: &FileText) -> Option<Vec<std::ops::Range<usize>>> {
    let lexed = file.tokens();
    let tokens = &lexed.tokens;
    let view = crate::python::tokens::Text { source: file.source, tokens };
    let mut found = Vec::new();
    if lexed.field_code.iter().any(|code| {
        crate::python::statements::contains_word(&file.source[code.start as usize..code.end as usize], "mocker")
    }) {
        return None;
    }
    let statements = file.statements()?;
    // Each statement holding a `mocker` is read once, whole (a line of a thousand of them costs
    // one pass, not a thousand).
    let mut read_up_to = 0;
    for index in (0..tokens.len()).filter(|&index| view.is_name(index, "mocker")) {
        if index < read_up_to {
            continue;
        }
        let statement = statements.holding(index)?;
        let range = statement.tokens.clone();
        read_up_to = range.end;
        if range.clone().any(|i| view.is_name(i, "lambda")) {
            return None;
        }
        let def = if view.is_name(range.start, "async") { range.start + 1 } else { range.start };
        if !(statement.header && view.is_name(def, "def")) {
            continue; // uses: no parameter
        }
        let open = def + 2;
        if !view.is_op(open, "(") {
            return None; // `def f[T](…)`, or no name
        }
        // Directly inside the parameter list (depth 1), after `(` or `,` or a `*`/`**` that
        // follows one (`a=2 * mocker` multiplies), before `,`, `)`, `:` or `=`; past the list's
        // closing parenthesis (a return annotation, `-> X[a, mocker]`) a use.
        let opens = |i: usize| view.is_op(i, "(") || view.is_op(i, ",");
        let mut depth = 0usize;
        for i in open..range.end {
            match view.op_byte(i) {
                Some(b'(' | b'[' | b'{') => depth += 1,
                Some(b')' | b']' | b'}') => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        break;
                    }
                }
                _ if depth == 1 && view.is_name(i, "mocker") => {
                    let star = view.is_op(i - 1, "*") || view.is_op(i - 1, "**");
                    let before = opens(i - 1) || (star && opens(i - 2));
                    let after = [",", ")", ":", "="].iter().any(|op| view.is_op(i + 1, op));
                    if before && after {
                        let token = &view.tokens[i];
                        found.push(token.start as usize..token.end as usize);
                    }
                }
                _ => {}
            }
        }
    }
    Some(found)
}
