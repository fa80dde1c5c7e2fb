//! `direct-env-access`: reads and writes of the process environment that bypass the sanctioned
//! configuration wrapper (`os.environ`, `os.getenv`, `from os import environ`, …).

use crate::python::FastKind;
use std::borrow::Cow;
use std::collections::HashSet;

use std::path::Path;

use super::{Engine, EngineFinding, FileContext};
use crate::config::{Globs, Settings};
use crate::python::{import_bindings, walk, Role};
use crate::rule::{render_message, Rule};
use crate::UserError;

pub(crate) const NAME: &str = "direct-env-access";
pub(crate) const VARIABLES: &[&str] = &["name"];

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

impl Engine for DirectEnvAccess {
    fn path_key(&self, path: &std::path::Path) -> u64 {
        u64::from(self.allow.is_match(path))
    }

    fn may_match(&self, _path: &Path, source: &str) -> bool {
        ["environ", "getenv", "putenv", "unsetenv"].iter().any(|word| source.contains(word))
    }

    fn check(&self, file: &FileContext, out: &mut Vec<EngineFinding>) {
        if self.allow.is_match(file.path) {
            return;
        }
        let source = file.source;
        let text = |node: &tree_sitter::Node| source.get(node.byte_range()).unwrap_or_default();
        let mut os_aliases: HashSet<&str> = HashSet::new();
        let mut os_bound = false;
        let mut from_os: HashSet<&str> = HashSet::new();
        // (object name, range) of every `<name>.<env attribute>`.
        let mut attributes = Vec::new();
        walk(file.tree.root_node(), |node, ctx| {
            match node.k() {
                "import_statement" | "import_from_statement" | "future_import_statement" => {
                    for binding in import_bindings(node, source) {
                        if binding.bound == "os" {
                            os_bound = true;
                        }
                        match binding.name {
                            None if binding.module == "os"
                                || (!binding.aliased && binding.module.starts_with("os.")) =>
                            {
                                os_aliases.insert(binding.bound);
                            }
                            Some(name)
                                if binding.level == 0 && binding.module == "os" && ENV_ATTRIBUTES.contains(&name) =>
                            {
                                from_os.insert(binding.bound);
                            }
                            _ => {}
                        }
                    }
                }
                "attribute" => {
                    let object = node.child_by_field_name("object");
                    let attribute = node.child_by_field_name("attribute");
                    if let (Some(object), Some(attribute)) = (object, attribute) {
                        if object.k() == "identifier" && ENV_ATTRIBUTES.contains(&text(&attribute)) {
                            attributes.push((text(&object), node.byte_range(), text(node)));
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
        let render =
            |name: &str| render_message(&self.message, |var| (var == "name").then(|| Cow::Owned(name.to_string())));
        for (object, range, expression) in attributes {
            if os_aliases.contains(object) {
                let shown: String = expression.split_whitespace().collect();
                out.push(EngineFinding { range, message: render(&shown) });
            }
        }
        if !from_os.is_empty() {
            walk(file.tree.root_node(), |node, ctx| {
                if node.k() == "identifier" && ctx.identifier_role() == Some(Role::Load) && from_os.contains(text(node))
                {
                    out.push(EngineFinding { range: node.byte_range(), message: render(text(node)) });
                }
                true
            });
        }
    }
}
