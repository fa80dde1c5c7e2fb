//! `direct-env-access`: reads and writes of the process environment that bypass the sanctioned
//! configuration wrapper (`os.environ`, `os.getenv`, `from os import environ`, …).

use crate::python::FastKind;
use std::borrow::Cow;
use std::collections::HashSet;

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::config::{Globs, Settings};
use crate::python::imports::Import;
use crate::python::statements::{certain_load, contains_word};
use crate::python::tokens::Kind;
use crate::python::{walk, Role};
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "direct-env-access", variables: &["name"] },
    build: |rule, settings| Ok(Engine::file(DirectEnvAccess::new(rule, settings)?)),
};

/// The attributes of `os` that reach the environment.
const ENV_ATTRIBUTES: [&str; 6] = ["environ", "environb", "getenv", "getenvb", "putenv", "unsetenv"];

pub(crate) struct DirectEnvAccess {
    message: String,
    allow: Globs,
}

impl DirectEnvAccess {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        Ok(Self { message: rule.message.clone(), allow: super::option_globs(rule, "allow", settings)? })
    }
}

impl DirectEnvAccess {
    fn render(&self, name: &str) -> String {
        render_message(&self.message, |var| (var == "name").then(|| Cow::Owned(name.to_string())))
    }
}

/// What a file's imports say of `os`: the names bound to the `os` module (or a submodule, which
/// binds `os`), whether any import binds the name `os`, and the names bound to one of its
/// environment attributes (`from os import environ as env`).
fn os_imports(imports: &[Import]) -> (HashSet<&str>, bool, HashSet<&str>) {
    let mut os_aliases = HashSet::new();
    let mut os_bound = false;
    let mut from_os = HashSet::new();
    for binding in imports.iter().flat_map(|import| &import.bindings) {
        os_bound |= binding.bound == "os";
        match binding.name.as_deref() {
            None if binding.module == "os" || (!binding.aliased && binding.module.starts_with("os.")) => {
                os_aliases.insert(binding.bound.as_str());
            }
            Some(name) if binding.level == 0 && binding.module == "os" && ENV_ATTRIBUTES.contains(&name) => {
                from_os.insert(binding.bound.as_str());
            }
            _ => {}
        }
    }
    (os_aliases, os_bound, from_os)
}

/// Whether `node` stands in the pattern of a `case` clause (not in its guard or body).
fn in_pattern(node: tree_sitter::Node) -> bool {
    let mut current = node.parent();
    while let Some(parent) = current {
        match parent.k() {
            "case_pattern" => return true,
            "case_clause" | "block" | "module" => return false,
            _ => current = parent.parent(),
        }
    }
    false
}

impl Prefilter for DirectEnvAccess {
    fn path_key(&self, path: &std::path::Path) -> u64 {
        u64::from(self.allow.is_match(path))
    }

    fn may_match(&self, _path: &Path, source: &str) -> bool {
        static WORDS: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
        WORDS
            .get_or_init(|| {
                aho_corasick::AhoCorasick::new(["environ", "getenv", "putenv", "unsetenv"])
                    .expect("literal words build")
            })
            .is_match(source)
    }
}

impl FileRule for DirectEnvAccess {
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        if self.allow.is_match(file.path) {
            return Ok(());
        }
        let statements = file.statements().ok_or(Declined)?;
        let tokens = &file.tokens().tokens;
        let source = file.source;
        let text = |index: usize| crate::python::tokens::Text { source, tokens }.text(index);
        let is_op = |index: usize, op: &str| tokens.get(index).is_some_and(|t| t.kind == Kind::Op) && text(index) == op;
        let imports = file.imports_by_tokens().ok_or(Declined)?;
        let (mut os_aliases, os_bound, from_os) = os_imports(imports);
        // Names inside an import statement are not loads (imports come in source order).
        let mut in_import = vec![false; tokens.len()];
        let mut next = imports.iter().peekable();
        for (index, token) in tokens.iter().enumerate() {
            while next.peek().is_some_and(|import| import.range.end <= token.start as usize) {
                next.next();
            }
            in_import[index] = next.peek().is_some_and(|import| import.range.contains(&(token.start as usize)));
        }
        // A `case` pattern both loads (`case os.environ:`) and binds (`case os:`) names, which
        // the statement reader does not tell apart: leave those files to the tree.
        if statements.list.iter().any(|s| s.header && text(s.tokens.start) == "case") {
            return Err(Declined);
        }
        let mut attributes = Vec::new();
        let mut loads = Vec::new();
        for (index, token) in tokens.iter().enumerate() {
            match token.kind {
                // Code inside an f-string's fields is not tokenized.
                Kind::FString if ENV_ATTRIBUTES.iter().chain(&from_os).any(|name| contains_word(text(index), name)) => {
                    return Err(Declined)
                }
                Kind::Name if !(in_import[index] || index > 0 && is_op(index - 1, ".")) => {
                    let name = text(index);
                    if from_os.contains(name) {
                        // Every load of a name bound by `from os import environ`.
                        if !certain_load(source, tokens, statements, index) {
                            return Err(Declined);
                        }
                        loads.push(token.start as usize..token.end as usize);
                    }
                    if !is_op(index + 1, ".") {
                        // `os` other than before a dot may be bound here (`os = …`, `def f(os)`).
                        if name == "os" && !certain_load(source, tokens, statements, index) {
                            return Err(Declined);
                        }
                        continue;
                    }
                    let attribute = index + 2;
                    if tokens.get(attribute).is_some_and(|t| t.kind == Kind::Name)
                        && ENV_ATTRIBUTES.contains(&text(attribute))
                    {
                        attributes.push((text(index), token.start as usize..tokens[attribute].end as usize));
                    }
                }
                _ => {}
            }
        }
        if !os_bound {
            os_aliases.insert("os");
        }
        for (object, range) in attributes {
            if os_aliases.contains(object) {
                let shown: String = source[range.clone()].split_whitespace().collect();
                out.push(Finding::new(range, self.render(&shown)));
            }
        }
        for range in loads {
            out.push(Finding::new(range.clone(), self.render(&source[range])));
        }
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        if self.allow.is_match(file.path) {
            return;
        }
        let source = file.source;
        let text = |node: &tree_sitter::Node| source.get(node.byte_range()).unwrap_or_default();
        let (mut os_aliases, mut os_bound, from_os) = os_imports(file.imports());
        // (object name, range) of every `<name>.<env attribute>`.
        let mut attributes = Vec::new();
        walk(file.tree.root_node(), |node, ctx| {
            match node.k() {
                "attribute" => {
                    let object = node.child_by_field_name("object");
                    let attribute = node.child_by_field_name("attribute");
                    if let (Some(object), Some(attribute)) = (object, attribute) {
                        if object.k() == "identifier" && ENV_ATTRIBUTES.contains(&text(&attribute)) {
                            attributes.push((text(&object), node.byte_range(), text(node)));
                        }
                    }
                }
                // A value or class pattern (`case os.environ:`): tree-sitter reads a dotted name
                // where Python reads attribute loads.
                "dotted_name" if in_pattern(*node) => {
                    let mut cursor = node.walk();
                    let parts: Vec<tree_sitter::Node> =
                        node.named_children(&mut cursor).filter(|part| part.k() == "identifier").collect();
                    if let [object, attribute, ..] = parts[..] {
                        if ENV_ATTRIBUTES.contains(&text(&attribute)) {
                            let range = object.start_byte()..attribute.end_byte();
                            attributes.push((text(&object), range.clone(), source.get(range).unwrap_or_default()));
                        }
                    }
                }
                "identifier" if text(node) == "os" => {
                    if matches!(ctx.identifier_role(), Some(Role::Store | Role::Del)) {
                        os_bound = true;
                    }
                }
                _ => {}
            }
            true
        });
        if !os_bound {
            os_aliases.insert("os");
        }
        let render = |name: &str| self.render(name);
        for (object, range, expression) in attributes {
            if os_aliases.contains(object) {
                let shown: String = expression.split_whitespace().collect();
                out.push(Finding::new(range, render(&shown)));
            }
        }
        if !from_os.is_empty() {
            walk(file.tree.root_node(), |node, ctx| {
                if node.k() == "identifier" && ctx.identifier_role() == Some(Role::Load) && from_os.contains(text(node))
                {
                    out.push(Finding::new(node.byte_range(), render(text(node))));
                }
                true
            });
        }
    }
}
