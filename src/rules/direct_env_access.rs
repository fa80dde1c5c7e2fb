//! `direct-env-access`: reads and writes of the process environment that bypass the sanctioned
//! configuration wrapper (`os.environ`, `os.getenv`, `from os import environ`, …).

use std::borrow::Cow;
use std::collections::HashSet;

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration};
use crate::config::{Globs, Settings};
use crate::python::imports::Import;
use crate::python::uses::Uses;
use crate::python::Role;
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
        let imports = file.imports_by_tokens().ok_or(Declined)?;
        let names = watched(imports);
        let uses = file.uses_by_tokens(&names, &ENV_ATTRIBUTES).ok_or(Declined)?;
        self.report(file.source, imports, &uses, out);
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        if self.allow.is_match(file.path) {
            return;
        }
        let imports = file.imports();
        let uses = file.uses(&watched(imports), &ENV_ATTRIBUTES);
        self.report(file.source, imports, &uses, out);
    }
}

/// The names whose uses decide: `os` (rebound, it is no longer the module) and the names bound
/// by `from os import environ` and its kin.
fn watched(imports: &[Import]) -> Vec<&str> {
    let (_, _, from_os) = os_imports(imports);
    let mut names: Vec<&str> = std::iter::once("os").chain(from_os).collect();
    names.sort_unstable();
    names.dedup();
    names
}

impl DirectEnvAccess {
    /// The findings of a file from its imports and the uses of the watched names, however read:
    /// each `<os alias>.<environment attribute>`, and each load of a name bound by
    /// `from os import environ`.
    fn report(&self, source: &str, imports: &[Import], uses: &Uses, out: &mut Vec<Finding>) {
        let (mut os_aliases, mut os_bound, from_os) = os_imports(imports);
        os_bound |= uses.names.iter().any(|(name, _, role)| name == "os" && matches!(role, Role::Store | Role::Del));
        if !os_bound {
            os_aliases.insert("os");
        }
        for (object, range) in &uses.attributes {
            if os_aliases.contains(object.as_str()) {
                let shown: String = source[range.clone()].split_whitespace().collect();
                out.push(Finding::new(range.clone(), self.render(&shown)));
            }
        }
        for (name, range, role) in &uses.names {
            if *role == Role::Load && from_os.contains(name.as_str()) {
                out.push(Finding::new(range.clone(), self.render(name)));
            }
        }
    }
}
