//! Built-in rule engines: the rules whose logic is Rust, one file each. Each still has its rule
//! file under `rules/python/` (id, severity, message, options, docs); this module maps the file's
//! `engine = "<name>"` to the code. A file engine sees one parsed file at a time; a project
//! engine gathers facts from each file (in parallel) and then makes one project pass over all
//! of them. Engines must not print.

mod direct_env_access;
mod duplicate_manager_class;
mod duplicate_string_constant;
mod magic_none;
mod missing_mock_import;
mod mock_in_real_test;
mod relative_import;
mod scattered_event_literal;

use std::any::Any;
use std::cell::OnceCell;
use std::ops::Range;
use std::path::Path;

use crate::config::Settings;
use crate::diagnostic::{Category, FileId, Position, Related};
use crate::rule::Rule;
use crate::scan::suppress::Suppressions;
use crate::text::LineIndex;
use crate::UserError;

/// Names of every engine, for error messages. `parse-error` and `unused-suppression` are run by
/// the scanner itself.
pub(crate) const NAMES: &[&str] = &[
    crate::rule::PARSE_ERROR,
    crate::rule::UNUSED_SUPPRESSION,
    direct_env_access::NAME,
    duplicate_manager_class::NAME,
    duplicate_string_constant::NAME,
    magic_none::NAME,
    missing_mock_import::NAME,
    mock_in_real_test::NAME,
    relative_import::NAME,
    scattered_event_literal::NAME,
];

/// The message variables engine `name` provides, or `None` if there is no such engine.
pub(crate) fn variables(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        crate::rule::PARSE_ERROR | crate::rule::UNUSED_SUPPRESSION => &["detail"],
        direct_env_access::NAME => direct_env_access::VARIABLES,
        duplicate_manager_class::NAME => duplicate_manager_class::VARIABLES,
        duplicate_string_constant::NAME => duplicate_string_constant::VARIABLES,
        magic_none::NAME => magic_none::VARIABLES,
        missing_mock_import::NAME => missing_mock_import::VARIABLES,
        mock_in_real_test::NAME => mock_in_real_test::VARIABLES,
        relative_import::NAME => relative_import::VARIABLES,
        scattered_event_literal::NAME => scattered_event_literal::VARIABLES,
        _ => return None,
    })
}

/// Builds engine `name` for `rule` (its options already validated against the rule file).
pub(crate) fn build(name: &str, rule: &Rule, settings: &Settings) -> Result<Box<dyn Engine>, UserError> {
    Ok(match name {
        direct_env_access::NAME => Box::new(direct_env_access::DirectEnvAccess::new(rule, settings)?),
        duplicate_manager_class::NAME => Box::new(duplicate_manager_class::DuplicateManagerClass::new(rule, settings)?),
        duplicate_string_constant::NAME => Box::new(duplicate_string_constant::DuplicateStringConstant::new(rule)),
        magic_none::NAME => Box::new(magic_none::MagicNone::new(rule)),
        missing_mock_import::NAME => Box::new(missing_mock_import::MissingMockImport::new(rule)),
        mock_in_real_test::NAME => Box::new(mock_in_real_test::MockInRealTest::new(rule, settings)?),
        relative_import::NAME => Box::new(relative_import::RelativeImport::new(rule)),
        scattered_event_literal::NAME => Box::new(scattered_event_literal::ScatteredEventLiteral::new(rule, settings)?),
        _ => return Err(UserError::new(format!("rule `{}`: engine `{name}` cannot be built", rule.id))),
    })
}

/// Compiles the glob-list option `option` of `rule`, relative to the configuration's directory;
/// an error names the configuration line that set it.
pub(crate) fn option_globs(rule: &Rule, option: &str, settings: &Settings) -> Result<crate::config::Globs, UserError> {
    let patterns = rule.string_list(option);
    let offset = settings
        .rule_tables
        .get(&rule.id)
        .and_then(|table| table.get_ref().get(option))
        .map(|value| value.span().start);
    crate::config::compile_globs(&settings.glob_base, &patterns, &|_, message| {
        settings.config_error(offset, format!("[rules.{}] {option}: {message}", rule.id))
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
    lines: OnceCell<LineIndex>,
    suppressions: OnceCell<Suppressions>,
    tokens: OnceCell<crate::python::tokens::Tokens>,
    statements: OnceCell<crate::python::statements::Statements>,
    mock_uses: OnceCell<Option<NameUses>>,
}

/// Loads of names, each with its byte range.
pub(crate) type NameUses = Vec<(String, Range<usize>)>;

/// One parsed file, as engines see it: its text (through `Deref`) and its syntax tree.
pub(crate) struct FileContext<'a> {
    pub base: FileText<'a>,
    pub tree: &'a tree_sitter::Tree,
    unresolved_mock_names: OnceCell<Vec<(String, Range<usize>)>>,
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
            directives: crate::scan::suppress::may_have_directive(source),
            lines: OnceCell::new(),
            suppressions: OnceCell::new(),
            tokens: OnceCell::new(),
            statements: OnceCell::new(),
            mock_uses: OnceCell::new(),
        }
    }

    pub(crate) fn lines(&self) -> &LineIndex {
        self.lines.get_or_init(|| LineIndex::new(self.source))
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
            Suppressions::parse(self.source, &self.tokens().comments, self.lines(), self.require_reason)
        })
    }

    /// 1-based position of byte `offset`.
    pub(crate) fn position(&self, offset: usize) -> Position {
        let (line, column) = self.lines().position(self.source, offset);
        Position { line, column }
    }

    /// The site of `range` for a finding of `rule`.
    pub(crate) fn site(&self, rule: &str, range: Range<usize>) -> Site {
        let start = self.position(range.start);
        let end = self.position(range.end);
        let suppressed = self.suppressions().would_suppress(rule, start.line);
        let line_text = crate::fingerprint::normalized_line(self.lines().line_text(self.source, range.start));
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
            self.statements.get_or_init(|| crate::python::statements::Statements::new(self.source, &tokens.tokens));
        statements.ok.then_some(statements)
    }

    /// Loads of [`MOCK_NAMES`] that resolve to no binding, decided from tokens alone, or `None`
    /// when the tokens cannot decide.
    pub(crate) fn unresolved_mock_names_by_tokens(&self) -> Option<&[(String, Range<usize>)]> {
        self.mock_uses
            .get_or_init(|| {
                let statements = self.statements()?;
                crate::python::statements::unresolved(self.source, &self.tokens().tokens, statements, MOCK_NAMES)
            })
            .as_deref()
    }
}

impl<'a> FileContext<'a> {
    pub(crate) fn new(base: FileText<'a>, tree: &'a tree_sitter::Tree) -> Self {
        Self { base, tree, unresolved_mock_names: OnceCell::new() }
    }

    /// Loads of [`MOCK_NAMES`] that resolve to no binding.
    pub(crate) fn unresolved_mock_names(&self) -> &[(String, Range<usize>)] {
        self.unresolved_mock_names
            .get_or_init(|| crate::python::scope::unresolved(self.tree.root_node(), self.source, MOCK_NAMES))
    }

    pub(crate) fn text(&self, node: &tree_sitter::Node) -> &'a str {
        self.base.source.get(node.byte_range()).unwrap_or_default()
    }
}

/// A finding of a file engine, before suppression and position conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EngineFinding {
    pub range: Range<usize>,
    pub message: String,
}

/// What a project engine gathered from one file.
/// Shared, so files with identical content (and the same path-dependent settings) share them.
pub(crate) type Facts = std::sync::Arc<dyn Any + Send + Sync>;

/// A finding of the project pass.
#[derive(Debug, Clone)]
pub(crate) struct ProjectFinding {
    pub file: FileId,
    pub site: Site,
    pub message: String,
    pub related: Vec<Related>,
}

/// A rule implemented in Rust: a file engine implements `check`; a project engine `collect`
/// and `finish`.
pub(crate) trait Engine: Send + Sync {
    /// What of a file's path changes this engine's result (an `allow` glob match, a service):
    /// files with the same content and the same key share one analysis.
    fn path_key(&self, _path: &Path) -> u64 {
        0
    }

    /// Whether the file could hold a finding at all, judged from its bytes.
    fn may_match(&self, _path: &Path, _source: &str) -> bool {
        true
    }

    /// Appends the findings in `file` to `out`.
    fn check(&self, _file: &FileContext, _out: &mut Vec<EngineFinding>) {}

    /// The fast path: this engine's findings (appended to `out`) and facts for `file` decided
    /// from its tokens alone, without a syntax tree; `None` when the tokens cannot decide (then
    /// nothing may have been appended, the file is parsed and `check`/`collect` run). When it
    /// answers, the answer must be what `check` and `collect` would give on the tree.
    fn check_tokens(&self, _file: &FileText, _out: &mut Vec<EngineFinding>) -> Option<Option<Facts>> {
        None
    }

    /// The facts of one file for the project pass, if it has any.
    fn collect(&self, _file: &FileContext) -> Option<Facts> {
        None
    }

    /// The facts encoded for the result cache (`None`: this engine's facts are not cached, and
    /// neither is the file's report).
    fn save_facts(&self, _facts: &Facts) -> Option<Vec<u8>> {
        None
    }

    /// Facts read back from the result cache.
    fn load_facts(&self, _bytes: &[u8]) -> Option<Facts> {
        None
    }

    /// The project pass: every file's facts in path order; `paths[file]` is a file's path.
    fn finish(&self, _facts: Vec<(FileId, Facts)>, _paths: &[&str]) -> Vec<ProjectFinding> {
        Vec::new()
    }
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
