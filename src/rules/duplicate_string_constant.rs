//! `duplicate-string-constant`: the same UPPER_CASE string constant (same name, same value)
//! defined at module or class level (Rust: a `const`/`static` `&str` item, at module level or in
//! an `impl` or `trait` block) in two or more production files — one value, several
//! sources of truth. A project rule: each file contributes its constants, then one pass groups
//! them.

use std::borrow::Cow;
use std::collections::BTreeMap;

use super::{
    list_places, Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration,
    RustFile, Site,
};
use crate::diagnostic::{Category, FileId};
use crate::python::assignments::StringAssignment;
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "duplicate-string-constant",
        variables: &["name", "value", "others"],
        languages: &crate::language::Language::ALL,
    },
    build: |rule, settings| Ok(Engine::project(DuplicateStringConstant::new(rule, &settings.root))),
    project_wide: true,
};

pub(crate) struct DuplicateStringConstant {
    id: String,
    message: String,
    min_length: usize,
    ignore_names: Vec<String>,
    /// Where shown paths start (to tell a stub's module name).
    root: std::path::PathBuf,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Constant {
    name: String,
    value: String,
    site: Site,
}

impl DuplicateStringConstant {
    pub(crate) fn new(rule: &Rule, root: &std::path::Path) -> Self {
        let min_length = rule.options.get("min-length").and_then(|v| v.as_integer()).unwrap_or(3).max(0) as usize;
        Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            min_length,
            ignore_names: rule.string_list("ignore-names"),
            root: root.to_path_buf(),
        }
    }
}

/// A value for a message: quoted, and cut after 60 characters.
fn shown(value: &str) -> String {
    const LIMIT: usize = 60;
    if value.chars().count() <= LIMIT {
        return format!("{value:?}");
    }
    let cut: String = value.chars().take(LIMIT).collect();
    format!("{}…\"", format!("{cut:?}").trim_end_matches('"'))
}

/// `^_*[A-Z][A-Z0-9_]*$`
pub(crate) fn is_upper_case(name: &str) -> bool {
    let rest = name.trim_start_matches('_');
    rest.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && rest.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

impl Prefilter for DuplicateStringConstant {
    fn may_match(&self, _path: &std::path::Path, source: &str) -> bool {
        // An UPPER_CASE name before `=` (not `==`) or `:`, anywhere (after `;`, after
        // `class K:`, across a backslash continuation).
        let bytes = source.as_bytes();
        memchr::memchr2_iter(b'=', b':', bytes).any(|at| {
            let next = bytes.get(at + 1).copied();
            let previous = at.checked_sub(1).map(|p| bytes[p]);
            if bytes[at] == b'=' && (next == Some(b'=') || matches!(previous, Some(b'=' | b'!' | b'<' | b'>'))) {
                return false;
            }
            let mut end = at;
            while end > 0 && matches!(bytes[end - 1], b' ' | b'\t' | b'\x0c' | b'\\' | b'\r' | b'\n') {
                end -= 1;
            }
            let mut start = end;
            while start > 0 && (bytes[start - 1].is_ascii_alphanumeric() || bytes[start - 1] == b'_') {
                start -= 1;
            }
            start < end && is_upper_case(&source[start..end])
        })
    }

    /// A `const` or `static` item with an UPPER_CASE name of type `&str` (or `&'a str`), with any
    /// blanks and comments between its tokens.
    fn may_match_rust(&self, _path: &std::path::Path, source: &str) -> bool {
        use crate::rust::lex::{skip_trivia, words};
        let name_char = |c: char| c.is_alphanumeric() || c == '_';
        let item = |at: usize, keyword: &str| {
            let rest = skip_trivia(&source[at + keyword.len()..]);
            // `mut` is the keyword when no name character follows it (`mut/**/NAME` too).
            let rest = match rest.strip_prefix("mut") {
                Some(after) if !after.starts_with(name_char) => skip_trivia(after),
                _ => rest,
            };
            let rest = rest.strip_prefix("r#").unwrap_or(rest);
            let name_len = rest.find(|c: char| !name_char(c)).unwrap_or(rest.len());
            if !is_upper_case(&rest[..name_len]) {
                return false;
            }
            let Some(ty) = skip_trivia(&rest[name_len..]).strip_prefix(':') else { return false };
            let Some(ty) = skip_trivia(ty).strip_prefix('&') else { return false };
            let mut ty = skip_trivia(ty);
            if let Some(lifetime) = ty.strip_prefix('\'') {
                let end = lifetime.find(|c: char| !name_char(c)).unwrap_or(lifetime.len());
                ty = skip_trivia(&lifetime[end..]);
            }
            ty.strip_prefix("str").is_some_and(|after| !after.starts_with(|c: char| c.is_alphanumeric() || c == '_'))
        };
        words(source, "const").any(|at| item(at, "const")) || words(source, "static").any(|at| item(at, "static"))
    }
}

impl ProjectRule for DuplicateStringConstant {
    type Facts = Vec<Constant>;

    fn collect_rust(&self, file: &RustFile) -> Option<Vec<Constant>> {
        if file.category != Category::Production {
            return None;
        }
        let items = file.items().constants.iter().map(|c| (c.name.as_str(), c.value.as_str(), c.range.clone()));
        self.taking_part(file, items)
    }

    fn collect(&self, file: &FileContext) -> Option<Vec<Constant>> {
        if file.category != Category::Production {
            return None;
        }
        self.constants(file, file.string_assignments())
    }

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Vec<Constant>>, Declined> {
        if file.category != Category::Production {
            return Ok(None);
        }
        Ok(self.constants(file, file.string_assignments_by_tokens().ok_or(Declined)?))
    }

    fn finish(&self, facts: Vec<(FileId, std::sync::Arc<Vec<Constant>>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut groups: BTreeMap<(String, String), Vec<(FileId, Constant)>> = BTreeMap::new();
        for (file, constants) in facts {
            for constant in constants.iter().cloned() {
                groups.entry((constant.name.clone(), constant.value.clone())).or_default().push((file, constant));
            }
        }
        let mut out = Vec::new();
        let mut names = super::ModuleNames::new(&self.root);
        for ((name, value), mut definitions) in groups {
            super::without_restating_stubs(&mut definitions, paths, &mut names);
            let mut files: Vec<FileId> = definitions.iter().map(|(file, _)| *file).collect();
            files.dedup();
            if files.len() < 2 {
                continue;
            }
            // Every finding of the group points to the others with the same words.
            let also: std::sync::Arc<str> = format!("`{name}` also defined here").into();
            for (index, (file, constant)) in definitions.iter().enumerate() {
                let others = super::others(&definitions, index);
                let places: Vec<(&str, crate::diagnostic::Position)> =
                    others.iter().take(3).map(|(f, c)| (paths[f.0], c.site.start)).collect();
                let total_others = definitions.len() - 1;
                let shown_value = shown(&value);
                let message = render_message(&self.message, |var| match var {
                    "name" => Some(Cow::Borrowed(name.as_str())),
                    "value" => Some(Cow::Borrowed(shown_value.as_str())),
                    "others" => Some(Cow::Owned(list_places(&places, total_others))),
                    _ => None,
                });
                let related = others.iter().map(|(f, c)| c.site.related(*f, also.clone())).collect();
                out.push(ProjectFinding { file: *file, site: constant.site.clone(), message, related, fix: None });
            }
        }
        out
    }
}

impl DuplicateStringConstant {
    /// Whether a constant `name = value` takes part: an UPPER_CASE name not ignored, a value of
    /// the minimum length.
    fn counts(&self, name: &str, value: &str) -> bool {
        value.chars().count() >= self.min_length && is_upper_case(name) && !self.ignore_names.iter().any(|n| n == name)
    }

    /// The constants among a file's string assignments, however they were read.
    fn constants(&self, file: &FileText, assignments: &[StringAssignment]) -> Option<Vec<Constant>> {
        self.taking_part(file, assignments.iter().map(|a| (a.name.as_str(), a.value.as_str(), a.range.clone())))
    }

    /// The constants (name, value, range of the name) of `file` that take part, if any.
    fn taking_part<'c>(
        &self,
        file: &FileText,
        constants: impl Iterator<Item = (&'c str, &'c str, std::ops::Range<usize>)>,
    ) -> Option<Vec<Constant>> {
        let constants: Vec<Constant> = constants
            .filter(|(name, value, _)| self.counts(name, value))
            .map(|(name, value, range)| Constant {
                name: name.to_string(),
                value: value.to_string(),
                site: file.site(&self.id, range),
            })
            .collect();
        (!constants.is_empty()).then_some(constants)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rust_byte_test_admits_every_constant_item() {
        let engine = DuplicateStringConstant {
            id: String::new(),
            message: String::new(),
            min_length: 3,
            ignore_names: Vec::new(),
            root: std::path::PathBuf::new(),
        };
        let admits = |source: &str| engine.may_match_rust(std::path::Path::new("a.rs"), source);
        for source in [
            "const EVENT: &str = \"x\";",
            "pub static  mut\n  NAME : &'static str = \"x\";",
            "impl A { const r#KIND: &str = \"k\"; }",
            "pub const NAME/* c */: &str = \"abcdef\";",
            "static mut/*c*/NAME: &str = \"x\";",
            "const // c\n NAME: & /* c */ 'a /* c */ str = \"x\";",
        ] {
            assert!(admits(source), "{source}");
        }
        for source in [
            "const fn f() -> &'static str { \"x\" }",
            "const N: usize = 3;",
            "let x: &'static u8 = &1;",
            "static NAMES: &[&str] = &[];",
            "const S: &string::String = x;",
            "static mut_name: &str = \"x\";",
        ] {
            assert!(!admits(source), "{source}");
        }
    }

    #[test]
    fn upper_case_names() {
        for name in ["A", "AGENT_STARTED", "_PRIVATE", "__X1", "V2_NAME"] {
            assert!(is_upper_case(name), "{name}");
        }
        for name in ["a", "Agent", "_", "__", "1A", "AGENT-X", "agent_STARTED", "_a"] {
            assert!(!is_upper_case(name), "{name}");
        }
    }
}
