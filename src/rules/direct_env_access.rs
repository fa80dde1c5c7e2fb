//! `direct-env-access`: reads and writes of the process environment that bypass the sanctioned
//! configuration wrapper: in Python `os.environ`, `os.getenv`, `from os import environ`, …; in
//! Rust `std::env::var` and its kin however a `use` spells them ([`crate::rust::env`]).

use std::borrow::Cow;
use std::collections::HashSet;

use std::path::Path;

use super::{Declined, Engine, FileContext, FileRule, FileText, Finding, Prefilter, Registration, RustFile};
use crate::config::{Globs, Settings};
use crate::python::imports::Import;
use crate::python::uses::Uses;
use crate::python::Role;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "direct-env-access",
        variables: &["name"],
        languages: &crate::language::Language::ALL,
    },
    build: |rule, settings| Ok(Engine::file(DirectEnvAccess::new(rule, settings)?)),
    project_wide: false,
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

/// What a file's imports say of `os`.
struct OsImports<'i> {
    /// The names bound to the `os` module (or a submodule, which binds `os`).
    aliases: HashSet<&'i str>,
    /// Some import binds the name `os`.
    bound: bool,
    /// The names bound to one of its environment attributes (`from os import environ as env`).
    from_os: HashSet<&'i str>,
}

impl<'i> OsImports<'i> {
    fn of(source: &str, imports: &'i [Import]) -> Self {
        let mut found = Self { aliases: HashSet::new(), bound: false, from_os: HashSet::new() };
        // `from os import *` binds every environment attribute (all are in `os.__all__`).
        let star_from_os = |import: &Import| {
            let module = import.from_module.as_ref().map(|range| &source[range.clone()]);
            import.star && module.is_some_and(|written| crate::python::imports::module_as_written(written) == "os")
        };
        if imports.iter().any(star_from_os) {
            found.from_os.extend(ENV_ATTRIBUTES);
        }
        for binding in imports.iter().flat_map(|import| &import.bindings) {
            found.bound |= binding.bound == "os";
            match binding.name.as_deref() {
                None if binding.module == "os" || (!binding.aliased && binding.module.starts_with("os.")) => {
                    found.aliases.insert(binding.bound.as_str());
                }
                Some(name) if binding.level == 0 && binding.module == "os" && ENV_ATTRIBUTES.contains(&name) => {
                    found.from_os.insert(binding.bound.as_str());
                }
                _ => {}
            }
        }
        found
    }

    /// The names whose uses decide: `os` when no import binds it (rebound, it is no longer the
    /// module; when an import binds it, [`DirectEnvAccess::report`] reads the imports alone), and
    /// the names bound by `from os import environ` and its kin.
    fn watched(&self) -> Vec<&'i str> {
        let os = (!self.bound).then_some("os");
        let mut names: Vec<&str> = os.into_iter().chain(self.from_os.iter().copied()).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

impl Prefilter for DirectEnvAccess {
    fn path_key(&self, path: &std::path::Path) -> u64 {
        u64::from(self.allow.is_match(path))
    }

    fn may_match(&self, _path: &Path, source: &str) -> bool {
        may_name_env(source)
    }

    /// Every Rust finding names `std` and `env` as words (in the path, or in the `use` that binds
    /// it), and that `env` is no `env!` macro.
    fn may_match_rust(&self, _path: &Path, source: &str) -> bool {
        use crate::rust::lex::words;
        words(source, "std").next().is_some()
            && words(source, "env").any(|at| !source[at + 3..].trim_start().starts_with('!'))
    }
}

/// Whether `source` holds one of the words every Python finding needs (`environ`, `getenv`,
/// `putenv`, `unsetenv`) anywhere: each holds `env`, so one searcher finds the candidates and the
/// word around each is compared (`env` cannot overlap itself, so no occurrence hides another).
fn may_name_env(source: &str) -> bool {
    static ENV: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    let bytes = source.as_bytes();
    ENV.get_or_init(|| memchr::memmem::Finder::new("env")).find_iter(bytes).any(|at| {
        let before = &bytes[..at + 3];
        bytes[at..].starts_with(b"environ")
            || before.ends_with(b"getenv")
            || before.ends_with(b"putenv")
            || before.ends_with(b"unsetenv")
    })
}

impl FileRule for DirectEnvAccess {
    fn check_tokens(&self, file: &FileText, out: &mut Vec<Finding>) -> Result<(), Declined> {
        if self.allow.is_match(file.path) {
            return Ok(());
        }
        let imports = OsImports::of(file.source, file.imports_by_tokens().ok_or(Declined)?);
        let uses = file.uses_by_tokens(&imports.watched(), &ENV_ATTRIBUTES).ok_or(Declined)?;
        self.report(file.source, imports, &uses, out);
        Ok(())
    }

    fn check(&self, file: &FileContext, out: &mut Vec<Finding>) {
        if self.allow.is_match(file.path) {
            return;
        }
        let imports = OsImports::of(file.source, file.imports());
        let uses = file.uses(&imports.watched(), &ENV_ATTRIBUTES);
        self.report(file.source, imports, &uses, out);
    }

    fn check_rust(&self, file: &RustFile, out: &mut Vec<Finding>) {
        if self.allow.is_match(file.path) {
            return;
        }
        for path in file.env_paths() {
            let shown: String = file.source[path.range.clone()].split_whitespace().collect();
            out.push(Finding::new(path.range.clone(), self.render(&shown)));
        }
    }
}

/// `object.attribute` for an attribute written `text`, whatever stands between the two (blanks, a
/// line continuation, a comment inside brackets).
fn attribute_shown(object: &str, text: &str) -> String {
    let attribute = text.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or(text);
    format!("{object}.{attribute}")
}

impl DirectEnvAccess {
    /// The findings of a file from its imports and the uses of the watched names, however read:
    /// each `<os alias>.<environment attribute>`, and each load of a name bound by
    /// `from os import environ`.
    fn report(&self, source: &str, imports: OsImports, uses: &Uses, out: &mut Vec<Finding>) {
        let OsImports { mut aliases, bound, from_os } = imports;
        let rebound = uses.names.iter().any(|(name, _, role)| name == "os" && matches!(role, Role::Store | Role::Del));
        if !(bound || rebound) {
            aliases.insert("os");
        }
        for (object, range) in &uses.attributes {
            if aliases.contains(object.as_str()) {
                out.push(Finding::new(range.clone(), self.render(&attribute_shown(object, &source[range.clone()]))));
            }
        }
        for (name, range, role) in &uses.names {
            if *role == Role::Load && from_os.contains(name.as_str()) {
                out.push(Finding::new(range.clone(), self.render(name)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    /// The searcher and the comparisons answer as a search for each word would, on every
    /// substring-sized cut of texts that hold the words, their parts and their neighbours.
    #[test]
    fn an_attribute_is_shown_without_what_stands_inside_it() {
        assert_eq!(super::attribute_shown("os", "os.environ"), "os.environ");
        assert_eq!(super::attribute_shown("os", "os . getenv"), "os.getenv");
        assert_eq!(super::attribute_shown("o", "o.\\\n    environ"), "o.environ");
        assert_eq!(super::attribute_shown("os", "os.  # a comment\n    environ"), "os.environ");
        assert_eq!(super::attribute_shown("os", "os.environ_é"), "os.environ_é");
    }

    #[test]
    fn the_byte_test_finds_each_word_as_a_search_for_it_would() {
        const WORDS: [&str; 4] = ["environ", "getenv", "putenv", "unsetenv"];
        let texts = [
            "os.environ['A']",
            "x = os.getenv('A')",
            "putenv(a, b)",
            "os.unsetenv",
            "env = venv; environment",
            "envenviron",
            "setenv(x)",
            "get env",
            "geten",
            "unset_env envir",
            "nvironenvgetenvunsetenvputen",
        ];
        for text in texts {
            for start in 0..text.len() {
                for end in start..=text.len() {
                    let cut = &text[start..end];
                    let expected = WORDS.iter().any(|word| cut.contains(word));
                    assert_eq!(super::may_name_env(cut), expected, "{cut:?}");
                }
            }
        }
    }
}
