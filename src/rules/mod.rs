//! Built-in rule engines: the rules whose logic is Rust, one file each, and the one registry
//! ([`registry`]) that maps a rule file's `engine = "<name>"` to its code. Each still has its
//! rule file under `rules/python/` (id, severity, message, options, docs). The engine API is in
//! [`api`]: file rules judge one file at a time, project rules gather typed facts per file and
//! make one pass over all of them. This module also owns what engines see of a file
//! ([`FileText`], [`FileContext`], [`Site`]) and the [`RuleSet`] a scan runs ([`set`]). It sits
//! above `rule` (rules as data) and `python` (what Python source means) and below `scan`.
//! Engines must not print.

mod api;
mod registry;
mod set;

mod direct_env_access;
mod duplicate_manager_class;
mod duplicate_string_constant;
mod import_contract;
mod import_cycle;
mod import_graph;
mod import_system;
mod magic_none;
mod missing_mock_import;
mod mock_import;
mod mock_in_real_test;
mod moved_import;
mod reexport_import;
mod relative_import;
mod scattered_event_literal;
mod unresolved_import;

use std::cell::OnceCell;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

pub(crate) use api::Typed;
pub(crate) use api::{
    AnyFacts, AnyProjectRule, Declined, Engine, ErasedFacts, FileRule, Finding, Prefilter, ProjectFinding,
    ProjectIndex, ProjectRule, Registration,
};
pub(crate) use import_graph::ImportGraph;
pub use set::RuleSet;
pub(crate) use set::{ScopedEngines, Variant};

use crate::config::Settings;
use crate::diagnostic::{Category, FileId, Position, Related};
use crate::language::Language;
use crate::python::assignments::StringAssignment;
use crate::python::classes::ClassHeader;
use crate::python::imports::Import;
use crate::python::strings::StringLiterals;
use crate::rule::{Catalog, Rule};
use crate::suppress::Suppressions;
use crate::text::LineIndex;
use crate::UserError;

/// The catalog for `settings`: the bundled rule files and those of its rule directories,
/// validated against the engines of the registry.
pub fn catalog(settings: &Settings) -> Result<Catalog, UserError> {
    let dirs: Vec<_> = settings
        .rule_dirs
        .iter()
        .map(|(dir, at)| (dir.clone(), at.map(|at| at.offset), at.and_then(|at| settings.configs.get(at.file))))
        .collect();
    Catalog::load(&dirs, &registry::signatures())
}

/// The bundled rule files only.
pub fn bundled_catalog() -> Result<Catalog, UserError> {
    Catalog::load(&[], &registry::signatures())
}

/// Where the option `option` of `rule` was set, if in a configuration file.
pub(crate) fn option_at(rule: &Rule, option: &str, settings: &Settings) -> Option<crate::config::At> {
    settings.rule_tables.get(&rule.id).and_then(|table| table.values.get(option)).map(|(_, at)| *at)
}

/// Compiles the glob-list option `option` of `rule`, relative to the directory of the
/// configuration file that set it (a default's, to the project root); an error names the
/// configuration line that set it.
pub(crate) fn option_globs(rule: &Rule, option: &str, settings: &Settings) -> Result<crate::config::Globs, UserError> {
    let patterns = rule.string_list(option);
    let at = option_at(rule, option, settings);
    crate::config::compile_globs(settings.base_of(at), &patterns, &|_, message| {
        settings.config_error(at, format!("[rules.{}] {option}: {message}", rule.id))
    })
}

/// Names the mock rules look for; resolved once per file for both rules.
pub(crate) const MOCK_NAMES: &[&str] = &[
    "Mock",
    "MagicMock",
    "AsyncMock",
    "NonCallableMock",
    "NonCallableMagicMock",
    "PropertyMock",
    "patch",
    "call",
    "ANY",
    "sentinel",
    "mock_open",
    "create_autospec",
    "seal",
    "DEFAULT",
    "MagicNone",
];

/// One file as engines see it before (or without) parsing: its text, category, and what is
/// derived from the text alone (line positions, suppressions, tokens, statements), each computed
/// on first use and shared by every engine.
pub(crate) struct FileText<'a> {
    /// Absolute path.
    pub path: &'a Path,
    /// The file's text (comment-only lines are not blanked here).
    pub source: &'a str,
    pub category: Category,
    /// `rules.require-reason`: suppressions without a reason silence nothing.
    pub require_reason: bool,
    /// The text may hold a suppression directive (it contains `ssot:`); scanned once.
    pub directives: bool,
    /// The language it is read as: it decides where comments (and so suppressions) are.
    pub language: Language,
    lines: OnceCell<LineIndex>,
    suppressions: OnceCell<Suppressions>,
    tokens: OnceCell<crate::python::tokens::Tokens>,
    statements: OnceCell<crate::python::statements::Statements>,
    mock_uses: OnceCell<Option<NameUses>>,
    imports: OnceCell<Option<Vec<Import>>>,
    /// Every import statement's facts from the tokens, for the rules that share them
    /// ([`import_graph::Imports`]; made only for a file without suppression directives).
    pub(crate) shared_imports: OnceCell<import_graph::Imports>,
    exports: OnceCell<Option<Arc<crate::python::exports::Exports>>>,
    string_assignments: OnceCell<Option<Vec<StringAssignment>>>,
    string_literals: OnceCell<Option<StringLiterals>>,
    class_headers: OnceCell<Option<Vec<ClassHeader>>>,
    /// The last line a site was made on and its normalised text (the names of one import
    /// statement, the sites of two rules: one line, normalised once).
    site_line: std::cell::RefCell<Option<(usize, String)>>,
    /// Positions near the top without the whole line index ([`crate::text::LeadingLines`]).
    leading: std::cell::RefCell<crate::text::LeadingLines>,
}

/// Loads of names, each with its byte range.
pub(crate) type NameUses = Vec<(String, Range<usize>)>;

/// One parsed file, as engines see it: its text (through `Deref`) and its syntax tree.
pub(crate) struct FileContext<'a> {
    pub base: FileText<'a>,
    pub tree: &'a tree_sitter::Tree,
    unresolved_mock_names: OnceCell<Vec<(String, Range<usize>)>>,
    imports: OnceCell<Vec<Import>>,
    string_assignments: OnceCell<Vec<StringAssignment>>,
    string_literals: OnceCell<StringLiterals>,
    class_headers: OnceCell<Vec<ClassHeader>>,
}

impl<'a> std::ops::Deref for FileContext<'a> {
    type Target = FileText<'a>;

    fn deref(&self) -> &FileText<'a> {
        &self.base
    }
}

/// Where a project fact sits: range, positions, and whether its own finding is suppressed.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Site {
    pub range: Range<usize>,
    pub start: Position,
    pub end: Position,
    pub suppressed: bool,
    /// The flagged line, normalised (for the fingerprint; the source is not kept).
    pub line_text: String,
}

impl<'a> FileText<'a> {
    pub(crate) fn new(path: &'a Path, source: &'a str, category: Category, require_reason: bool) -> Self {
        Self {
            path,
            source,
            category,
            require_reason,
            directives: crate::suppress::may_have_directive(source),
            language: Language::Python,
            lines: OnceCell::new(),
            suppressions: OnceCell::new(),
            tokens: OnceCell::new(),
            statements: OnceCell::new(),
            mock_uses: OnceCell::new(),
            imports: OnceCell::new(),
            shared_imports: OnceCell::new(),
            exports: OnceCell::new(),
            string_assignments: OnceCell::new(),
            string_literals: OnceCell::new(),
            class_headers: OnceCell::new(),
            site_line: std::cell::RefCell::new(None),
            leading: std::cell::RefCell::default(),
        }
    }

    /// The same file read as `language`.
    pub(crate) fn with_language(self, language: Language) -> Self {
        Self { language, ..self }
    }

    pub(crate) fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::for_language(self.source, self.language))
    }

    /// Takes the parsed suppressions out (after every engine ran), if they were parsed.
    pub(crate) fn take_suppressions(&mut self) -> Option<Suppressions> {
        self.suppressions.take()
    }

    pub(crate) fn suppressions(&self) -> &Suppressions {
        self.suppressions.get_or_init(|| {
            if !self.directives {
                return Suppressions::default();
            }
            match self.language {
                Language::Python => {
                    Suppressions::parse(self.source, &self.tokens().comments, self.lines(), self.require_reason)
                }
                Language::Rust => {
                    let comments = crate::rust::lex::comments(self.source);
                    Suppressions::parse(self.source, &comments, self.lines(), self.require_reason)
                }
            }
        })
    }

    /// 1-based position of byte `offset`.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let leading = self.ask_leading(|leading| leading.position(self.source, offset));
        let (line, column) = leading.unwrap_or_else(|| self.lines().position(self.source, offset));
        Position { line, column }
    }

    /// The text of the line holding byte `offset`, without its line break.
    fn line_text(&self, offset: usize) -> &'a str {
        let leading = self.ask_leading(|leading| leading.line_text(self.source, offset));
        leading.unwrap_or_else(|| self.lines().line_text(self.source, offset))
    }

    /// `ask`'s answer from the lines read so far, unless the whole line index is built (which
    /// answers at once) or `ask` cannot say.
    fn ask_leading<T>(&self, ask: impl FnOnce(&mut crate::text::LeadingLines) -> Option<T>) -> Option<T> {
        match self.lines.get() {
            Some(_) => None,
            None => ask(&mut self.leading.borrow_mut()),
        }
    }

    /// The site of `range` for a finding of `rule`.
    pub(crate) fn site(&self, rule: &str, range: Range<usize>) -> Site {
        let start = self.position(range.start);
        let end = self.position(range.end);
        let suppressed = self.suppressions().would_suppress(rule, start.line);
        let mut last = self.site_line.borrow_mut();
        let line_text = match &*last {
            Some((line, text)) if *line == start.line => text.clone(),
            _ => {
                let text = crate::fingerprint::normalized_line(self.line_text(range.start));
                *last = Some((start.line, text.clone()));
                text
            }
        };
        Site { range, start, end, suppressed, line_text }
    }

    /// The file's tokens and comments.
    pub(crate) fn tokens(&self) -> &crate::python::tokens::Tokens {
        self.tokens.get_or_init(|| crate::python::tokens::tokenize(self.source))
    }

    /// The file's simple statements and where each stands, or `None` when the tokens are not
    /// clean enough to say (the file must then be parsed).
    pub(crate) fn statements(&self) -> Option<&crate::python::statements::Statements> {
        let tokens = self.tokens();
        if !tokens.ok {
            return None;
        }
        let statements =
            self.statements.get_or_init(|| crate::python::statements::Statements::new(self.source, tokens));
        statements.ok.then_some(statements)
    }

    /// Undefined uses of [`MOCK_NAMES`], from the model built from tokens alone (the resolver of
    /// `python::model`), or `None` when the tokens cannot decide. Only "none" is answered here: a
    /// file with an undefined use is parsed, as it always was (so its parse errors and the parse
    /// budget apply to it).
    pub(crate) fn unresolved_mock_names_by_tokens(&self) -> Option<&[(String, Range<usize>)]> {
        self.mock_uses
            .get_or_init(|| {
                let statements = self.statements()?;
                let found = crate::python::statements::unresolved(self.source, self.tokens(), statements, MOCK_NAMES)?;
                found.is_empty().then_some(found)
            })
            .as_deref()
    }
}

impl FileText<'_> {
    /// The file's import statements read from its tokens, or `None` when they cannot be.
    pub(crate) fn imports_by_tokens(&self) -> Option<&[Import]> {
        self.imports
            .get_or_init(|| {
                let statements = self.statements()?;
                crate::python::imports::from_tokens(self.source, self.tokens(), statements)
            })
            .as_deref()
    }

    /// What the module offers importers ([`crate::python::exports`]) read from its tokens, or
    /// `None` when they cannot say.
    pub(crate) fn exports_by_tokens(&self) -> Option<Arc<crate::python::exports::Exports>> {
        self.exports
            .get_or_init(|| {
                let statements = self.statements()?;
                let stub = crate::python::stub::is_stub(self.path);
                crate::python::exports::from_tokens(self.source, self.tokens(), statements, stub).map(Arc::new)
            })
            .clone()
    }

    /// The file's string assignments ([`crate::python::assignments`]) read from its tokens, or
    /// `None` when they cannot be.
    pub(crate) fn string_assignments_by_tokens(&self) -> Option<&[StringAssignment]> {
        self.string_assignments
            .get_or_init(|| {
                let statements = self.statements()?;
                Some(crate::python::assignments::from_tokens(self.source, &self.tokens().tokens, statements))
            })
            .as_deref()
    }

    /// The file's string literals ([`crate::python::strings`]) read from its tokens, or `None`
    /// when they cannot be.
    pub(crate) fn string_literals_by_tokens(&self) -> Option<&StringLiterals> {
        self.string_literals
            .get_or_init(|| {
                let statements = self.statements()?;
                crate::python::strings::from_tokens(self.source, self.tokens(), statements)
            })
            .as_ref()
    }

    /// The uses of `names` and of `attributes` ([`crate::python::uses`]) read from the tokens,
    /// or `None` when they cannot be.
    pub(crate) fn uses_by_tokens(&self, names: &[&str], attributes: &[&str]) -> Option<crate::python::uses::Uses> {
        let statements = self.statements()?;
        let imports = self.imports_by_tokens()?;
        crate::python::uses::from_tokens(self.source, self.tokens(), statements, imports, names, attributes)
    }

    /// The file's class headers ([`crate::python::classes`]) read from its tokens, or `None`
    /// when they cannot be.
    pub(crate) fn class_headers_by_tokens(&self) -> Option<&[ClassHeader]> {
        self.class_headers
            .get_or_init(|| {
                let statements = self.statements()?;
                crate::python::classes::from_tokens(self.source, &self.tokens().tokens, statements)
            })
            .as_deref()
    }
}

impl<'a> FileContext<'a> {
    pub(crate) fn new(base: FileText<'a>, tree: &'a tree_sitter::Tree) -> Self {
        Self {
            base,
            tree,
            unresolved_mock_names: OnceCell::new(),
            imports: OnceCell::new(),
            string_assignments: OnceCell::new(),
            string_literals: OnceCell::new(),
            class_headers: OnceCell::new(),
        }
    }

    /// Undefined uses of [`MOCK_NAMES`], from the model built from the tree. In a stub, a name
    /// bound anywhere in the module scope is defined everywhere ([`crate::python::stub`]).
    pub(crate) fn unresolved_mock_names(&self) -> &[(String, Range<usize>)] {
        self.unresolved_mock_names.get_or_init(|| {
            let model = crate::python::model::from_tree(self.tree.root_node(), self.source, MOCK_NAMES);
            let mut found = crate::python::model::named(&crate::python::model::resolve(&model), MOCK_NAMES);
            if crate::python::stub::is_stub(self.path) {
                let bound = crate::python::stub::module_bindings(self.tree.root_node(), self.source);
                found.retain(|(name, _)| !bound.contains(name.as_str()));
            }
            found
        })
    }

    pub(crate) fn text(&self, node: &tree_sitter::Node) -> &'a str {
        self.base.source.get(node.byte_range()).unwrap_or_default()
    }

    /// The file's import statements, read from the tree.
    pub(crate) fn imports(&self) -> &[Import] {
        self.imports.get_or_init(|| crate::python::imports::from_tree(self.tree.root_node(), self.source))
    }

    /// What the module offers importers ([`crate::python::exports`]), read from the tree; where
    /// the tree has errors the tokens read cleanly, from the tokens (the tree is no reference
    /// there, and the answer must not depend on which path read the file).
    pub(crate) fn exports(&self) -> Arc<crate::python::exports::Exports> {
        let root = self.tree.root_node();
        if root.has_error() {
            if let Some(exports) = self.base.exports_by_tokens() {
                return exports;
            }
        }
        Arc::new(crate::python::exports::from_tree(root, self.source, crate::python::stub::is_stub(self.path)))
    }

    /// The file's string assignments ([`crate::python::assignments`]), read from the tree.
    pub(crate) fn string_assignments(&self) -> &[StringAssignment] {
        self.string_assignments
            .get_or_init(|| crate::python::assignments::from_tree(self.tree.root_node(), self.source))
    }

    /// The file's string literals ([`crate::python::strings`]), read from the tree.
    pub(crate) fn string_literals(&self) -> &StringLiterals {
        self.string_literals.get_or_init(|| crate::python::strings::from_tree(self.tree.root_node(), self.source))
    }

    /// The uses of `names` and of `attributes` ([`crate::python::uses`]), read from the tree.
    pub(crate) fn uses(&self, names: &[&str], attributes: &[&str]) -> crate::python::uses::Uses {
        crate::python::uses::from_tree(self.tree.root_node(), self.source, names, attributes)
    }

    /// The file's class headers ([`crate::python::classes`]), read from the tree.
    pub(crate) fn class_headers(&self) -> &[ClassHeader] {
        self.class_headers.get_or_init(|| crate::python::classes::from_tree(self.tree.root_node(), self.source))
    }
}

/// One parsed Rust file, as engines see it: its text (through `Deref`), its syntax tree, and the
/// facets of [`crate::rust`] read from it, each computed on first use and shared by every engine.
pub(crate) struct RustFile<'a> {
    pub base: FileText<'a>,
    pub syntax: &'a syn::File,
    env_paths: OnceCell<Vec<crate::rust::env::EnvPath>>,
    string_literals: OnceCell<Vec<crate::rust::strings::RustString>>,
    items: OnceCell<crate::rust::items::Items>,
}

impl<'a> std::ops::Deref for RustFile<'a> {
    type Target = FileText<'a>;

    fn deref(&self) -> &FileText<'a> {
        &self.base
    }
}

impl<'a> RustFile<'a> {
    pub(crate) fn new(base: FileText<'a>, syntax: &'a syn::File) -> Self {
        Self { base, syntax, env_paths: OnceCell::new(), string_literals: OnceCell::new(), items: OnceCell::new() }
    }

    /// The paths that reach the process environment ([`crate::rust::env`]).
    pub(crate) fn env_paths(&self) -> &[crate::rust::env::EnvPath] {
        self.env_paths.get_or_init(|| crate::rust::env::env_paths(self.syntax))
    }

    /// The string literals ([`crate::rust::strings`]).
    pub(crate) fn string_literals(&self) -> &[crate::rust::strings::RustString] {
        self.string_literals.get_or_init(|| crate::rust::strings::string_literals(self.syntax, self.base.source))
    }

    /// The string constants and type definitions ([`crate::rust::items`]).
    pub(crate) fn items(&self) -> &crate::rust::items::Items {
        self.items.get_or_init(|| crate::rust::items::items(self.syntax))
    }
}

/// Dotted Python module names of scanned files, from the package chain on disk (a directory is a
/// package when it holds `__init__.py` or `__init__.pyi`; a stub-only package `foo-stubs` names
/// `foo`), each directory looked at once.
pub(crate) struct ModuleNames {
    root: std::path::PathBuf,
    packages: std::collections::HashMap<std::path::PathBuf, bool>,
}

impl ModuleNames {
    /// Names for files shown relative to `root`.
    pub(crate) fn new(root: &Path) -> Self {
        Self { root: root.to_path_buf(), packages: std::collections::HashMap::new() }
    }

    fn is_package(&mut self, dir: &Path) -> bool {
        *self
            .packages
            .entry(dir.to_path_buf())
            .or_insert_with(|| dir.join("__init__.py").is_file() || dir.join("__init__.pyi").is_file())
    }

    /// The module name of the file shown as `path` (`pkg/sub/m.pyi` → `pkg.sub.m` when `pkg/` and
    /// `sub/` are packages; `__init__` names its package).
    pub(crate) fn of(&mut self, path: &str) -> String {
        let real = self.root.join(crate::path_text::real(path));
        let stem = real.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut parts: Vec<String> = if stem == "__init__" { Vec::new() } else { vec![stem] };
        let mut dir = real.parent().map(Path::to_path_buf);
        while let Some(current) = dir {
            if !self.is_package(&current) {
                break;
            }
            let name = current.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            parts.push(name);
            dir = current.parent().map(Path::to_path_buf);
        }
        if let Some(top) = parts.last_mut() {
            if let Some(package) = top.strip_suffix("-stubs").filter(|p| !p.is_empty()) {
                *top = package.to_string();
            }
        }
        parts.reverse();
        parts.join(".")
    }
}

/// Drops from a group of definitions those in a Python stub (`.pyi`) that restates a module of
/// the group: one with the same module name (the stub beside its module, in a `foo-stubs`
/// package, in a typeshed tree). A stub whose module is not in the group stays.
pub(crate) fn without_restating_stubs<T>(definitions: &mut Vec<(FileId, T)>, paths: &[&str], names: &mut ModuleNames) {
    if !definitions.iter().any(|(file, _)| paths[file.0].ends_with(".pyi")) {
        return;
    }
    let modules: std::collections::HashSet<String> = definitions
        .iter()
        .filter(|(file, _)| paths[file.0].ends_with(".py"))
        .map(|(file, _)| names.of(paths[file.0]))
        .collect();
    definitions.retain(|(file, _)| !(paths[file.0].ends_with(".pyi") && modules.contains(&names.of(paths[file.0]))));
}

/// At most this many other places are attached to one finding as `related` (the message gives
/// the total).
pub(crate) const RELATED_LIMIT: usize = 20;

/// The members of `group` other than the one at `index`, at most [`RELATED_LIMIT`] of them: a
/// concept defined a thousand times must not make a million related entries.
pub(crate) fn others<T>(group: &[T], index: usize) -> Vec<&T> {
    group.iter().enumerate().filter(|(i, _)| *i != index).map(|(_, member)| member).take(RELATED_LIMIT).collect()
}

impl Site {
    /// An edit replacing this site's range with `content`.
    pub(crate) fn edit(&self, content: impl Into<String>) -> crate::fix::Edit {
        crate::fix::EditSite { range: self.range.clone(), start: self.start, end: self.end }.edit(content)
    }

    /// This site as a related place of another finding in `file`.
    pub(crate) fn related(&self, file: FileId, message: std::sync::Arc<str>) -> Related {
        Related { file, range: self.range.clone(), start: self.start, message }
    }
}

/// Finds whether any of a set of names occurs in a text as a whole identifier that is not an
/// attribute (`.name`): a cheap, conservative test that a name may be used. One pass over the
/// bytes for all names (aho-corasick, longest match at each start).
pub(crate) struct NameFinder(aho_corasick::AhoCorasick);

impl NameFinder {
    pub(crate) fn new(names: &[&str]) -> Self {
        let automaton = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(names)
            .expect("a handful of literal names always builds");
        Self(automaton)
    }

    /// Whether some name occurs in `source` as a whole identifier not preceded by a dot. A
    /// match that fails the test cannot hide one that passes: a passing match starts after a
    /// non-identifier byte, which no match in progress contains.
    pub(crate) fn any_in(&self, source: &str) -> bool {
        let bytes = source.as_bytes();
        let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80;
        self.0.find_iter(bytes).any(|found| {
            let (start, end) = (found.start(), found.end());
            let before = bytes[..start].iter().rev().find(|b| !matches!(b, b' ' | b'\t')).copied();
            (start == 0 || !is_ident(bytes[start - 1]))
                && (end == bytes.len() || !is_ident(bytes[end]))
                && before != Some(b'.')
        })
    }
}

/// "a.py:3, b.py:7 and 2 more" for messages naming other places: the first three of `places`,
/// out of `total`.
pub(crate) fn list_places(places: &[(&str, Position)], total: usize) -> String {
    const SHOWN: usize = 3;
    let mut parts: Vec<String> = places.iter().take(SHOWN).map(|(path, p)| format!("{path}:{}", p.line)).collect();
    if total > SHOWN {
        parts.push(format!("{} more", total - SHOWN));
    }
    match parts.len() {
        0 => String::new(),
        1 => parts.remove(0),
        _ => {
            let last = parts.pop().unwrap_or_default();
            format!("{} and {last}", parts.join(", "))
        }
    }
}

#[cfg(test)]
mod stub_tests {
    use super::*;

    #[test]
    fn a_stub_restates_the_module_of_its_name() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for (path, text) in [
            ("a/__init__.py", ""),
            ("a/m.py", ""),
            ("a/m.pyi", ""),
            ("b/m.py", ""),
            ("c-stubs/__init__.pyi", ""),
            ("c-stubs/x.pyi", ""),
            ("c/__init__.py", ""),
            ("c/x.py", ""),
            ("typeshed/stdlib/pstats.pyi", ""),
            ("pstats.py", ""),
            ("d/y.pyi", ""),
        ] {
            std::fs::create_dir_all(root.join(path).parent().unwrap()).unwrap();
            std::fs::write(root.join(path), text).unwrap();
        }
        let mut names = ModuleNames::new(root);
        assert_eq!(names.of("a/m.pyi"), "a.m");
        assert_eq!(names.of("c-stubs/x.pyi"), "c.x");
        assert_eq!(names.of("typeshed/stdlib/pstats.pyi"), "pstats");
        let paths = [
            "a/m.py",
            "a/m.pyi",
            "b/m.py",
            "c-stubs/x.pyi",
            "c/x.py",
            "d/y.pyi",
            "typeshed/stdlib/pstats.pyi",
            "pstats.py",
        ];
        let mut group: Vec<(FileId, ())> = (0..paths.len()).map(|i| (FileId(i), ())).collect();
        without_restating_stubs(&mut group, &paths, &mut names);
        let kept: Vec<&str> = group.iter().map(|(file, _)| paths[file.0]).collect();
        // `b/m.py` is module `m`, not `a.m`; `d/y.pyi` has no module in the group.
        assert_eq!(kept, ["a/m.py", "b/m.py", "c/x.py", "d/y.pyi", "pstats.py"]);
    }
}
