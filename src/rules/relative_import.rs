//! `relative-import`: `from . import x`, `from ..pkg import y`. One finding per statement, at
//! `from`, spanning the statement; `{module}` is the relative module as written.
//!
//! It reads the file's imports (`crate::python::imports`), which the tokens give when they can
//! and the tree otherwise, so most files that have one are not parsed. It is a project rule
//! because of its fix: the absolute module a relative import means depends on where the file
//! stands among the source roots (`scan.roots`) and on what is on disk, not on the file's text
//! alone, so the fix is decided in the project pass of every run (never from the cache).
//!
//! The fix rewrites only the module part of the statement (`from .x import (a,  # why` keeps
//! its names, parentheses and comments). It is offered, and safe, when the relative import
//! resolves to a module or package on disk inside a source root, and its absolute name, looked
//! up from the source roots in order as Python's import system would (regular packages,
//! modules, stubs and extension modules first; namespace directories merged), reaches that same
//! module; otherwise there is no fix.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use super::import_system::{absolute_module, Disk, Place};
use super::{Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration, Site};
use crate::config::Settings;
use crate::diagnostic::FileId;
use crate::fix::Fix;
use crate::python::imports::Import;
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "relative-import",
        variables: &["module"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::project(RelativeImport::new(rule, settings))),
    project_wide: true,
};

pub(crate) struct RelativeImport {
    id: String,
    message: String,
    /// Paths in `finish` are relative to this directory.
    root: PathBuf,
    source_roots: Vec<PathBuf>,
}

/// One relative import statement of a file.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct RelativeFact {
    /// The statement.
    site: Site,
    /// The module as written (`..pkg.mod`), and where it is.
    module: String,
    module_site: crate::fix::EditSite,
    /// The module touches the keyword before or after it (`from.x import y`, `from .import x`):
    /// the absolute name needs a space there.
    glued: (bool, bool),
}

impl RelativeImport {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Self {
        Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            root: settings.root.clone(),
            source_roots: settings.source_roots.clone(),
        }
    }

    /// The file's relative imports, from its imports however read.
    fn facts(&self, file: &FileText, imports: &[Import]) -> Option<Vec<RelativeFact>> {
        let facts: Vec<RelativeFact> = imports
            .iter()
            .filter_map(|import| {
                let module = import.relative_module.clone()?;
                Some(RelativeFact {
                    site: file.site(&self.id, import.range.clone()),
                    module: file.source[module.clone()].to_string(),
                    glued: (
                        !file.source[..module.start].ends_with(|c: char| c.is_whitespace() || c == '\\'),
                        !file.source[module.end..].starts_with(|c: char| c.is_whitespace() || c == '\\'),
                    ),
                    module_site: crate::fix::EditSite {
                        start: file.position(module.start),
                        end: file.position(module.end),
                        range: module,
                    },
                })
            })
            .collect();
        (!facts.is_empty()).then_some(facts)
    }

    /// The fix of `fact` in a file at `place`.
    fn fix(&self, place: Option<&Place>, fact: &RelativeFact, disk: &Disk) -> Option<Fix> {
        let absolute = absolute_module(&self.source_roots, place?, &fact.module, disk)?;
        let (before, after) = fact.glued;
        let content = format!("{}{absolute}{}", if before { " " } else { "" }, if after { " " } else { "" });
        let edit = fact.module_site.edit(content);
        Some(Fix::safe(format!("Import from `{absolute}`"), vec![edit]))
    }
}

impl Prefilter for RelativeImport {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        from_then_dot(source)
    }
}

/// Whether `source` holds `from` followed by a dot, across blanks and backslash continuations,
/// with no ASCII letter, digit or `_` before it: one `memmem` searcher for `from`, then the bytes
/// after each hit. (What a regular expression with `\b` answered, and also yes after a non-ASCII
/// character, which the expression's Unicode word boundary sometimes refused: a byte test may
/// admit more, never less.)
pub(super) fn from_then_dot(source: &str) -> bool {
    static FROM: OnceLock<memchr::memmem::Finder<'static>> = OnceLock::new();
    let bytes = source.as_bytes();
    FROM.get_or_init(|| memchr::memmem::Finder::new("from")).find_iter(bytes).any(|at| {
        if at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_') {
            return false;
        }
        let mut i = at + 4;
        loop {
            while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\x0c')) {
                i += 1;
            }
            match bytes.get(i) {
                Some(b'.') => return true,
                // A line continuation: a backslash and a line end (`\n`, `\r\n` or a lone `\r`,
                // as Python's tokenizer reads them).
                Some(b'\\') => {
                    i = match (bytes.get(i + 1), bytes.get(i + 2)) {
                        (Some(b'\r'), Some(b'\n')) => i + 3,
                        (Some(b'\r' | b'\n'), _) => i + 2,
                        _ => return false,
                    };
                }
                _ => return false,
            }
        }
    })
}

impl ProjectRule for RelativeImport {
    type Facts = Vec<RelativeFact>;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        Ok(self.facts(file, file.imports_by_tokens().ok_or(Declined)?))
    }

    fn collect(&self, file: &FileContext) -> Option<Self::Facts> {
        self.facts(file, file.imports())
    }

    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut out = Vec::new();
        let disk = Disk::default();
        for (file, facts) in facts {
            let path = self.root.join(crate::path_text::real(paths[file.0]));
            let place = Place::of(&self.source_roots, &path, &disk);
            for fact in facts.iter() {
                let message = render_message(&self.message, |var| {
                    (var == "module").then_some(Cow::Borrowed(fact.module.as_str()))
                });
                out.push(ProjectFinding {
                    file,
                    site: fact.site.clone(),
                    message,
                    related: Vec::new(),
                    fix: self.fix(place.as_ref(), fact, &disk),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    /// The byte test admits every text the expression it replaced matched, and only those when
    /// no non-ASCII character stands before a `from`: on hand-made edges and on every file of a
    /// sample of the standard library.
    #[test]
    fn the_byte_test_answers_as_the_expression_did() {
        let expression = regex::Regex::new(r"\bfrom[ \t\f]*(\\(\r\n|\r|\n)[ \t\f]*)*\.").expect("valid regex");
        let agree = |text: &str| {
            let (old, new) = (expression.is_match(text), super::from_then_dot(text));
            assert!(new || !old, "{text:?}: missed");
            if !text.split("from").any(|before| before.chars().next_back().is_some_and(|c| !c.is_ascii())) {
                assert_eq!(new, old, "{text:?}");
            }
        };
        for text in [
            "from . import x",
            "from .a import b",
            "from\t\x0c..a import b",
            "from \\\n  .a import b",
            "from \\\r\n.a import b",
            "from \\\r.a import b",
            "from \\ .a",
            "from a import b",
            "_from .a",
            "xfrom .a",
            "(from .a",
            "from",
            "from ",
            "from\\",
            "from\\\n",
            "éfrom .a",
            "e\u{301}from .a",
            "fromfrom .a",
            "# from .a\n",
            "from \\\r\\\n.a import b",
            "from \\\r \\\r\n  .a import b",
            "from \\\r\r.a import b",
            "from \\\n\r.a import b",
        ] {
            agree(text);
        }
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let mut admitted = 0;
        for path in crate::testing::python_files(&stdlib).iter().step_by(10) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            agree(&source);
            admitted += usize::from(super::from_then_dot(&source));
        }
        assert!(admitted > 20, "{admitted} files admitted");
    }
}
