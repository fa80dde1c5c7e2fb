//! Suppression comments: `# ssot: ignore[rule-id, …]` at the end of a line silences those rules
//! on that line (the line where a finding starts); a comment line
//! `# ssot: ignore-file[rule-id, …]` silences them in the whole file. A reason may follow:
//! `# ssot: ignore[rule-id] -- why`; with `rules.require-reason = true` a directive without one
//! silences nothing. Each directive remembers which of its ids silenced a finding, so unused and
//! unknown ones can be reported (`unused-suppression`).

use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::ops::Range;

/// Whether `source` may hold a suppression directive (it contains `ssot:`): one SIMD scan.
pub(crate) fn may_have_directive(source: &str) -> bool {
    static FINDER: std::sync::OnceLock<memchr::memmem::Finder<'static>> = std::sync::OnceLock::new();
    FINDER.get_or_init(|| memchr::memmem::Finder::new("ssot:")).find(source.as_bytes()).is_some()
}

use crate::diagnostic::Position;
use crate::fix::EditSite;
use crate::text::Comment;
use crate::text::LineIndex;

/// One `ssot: ignore[…]` or `ssot: ignore-file[…]` directive.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Directive {
    /// The comment's byte range and positions.
    pub range: Range<usize>,
    pub start: Position,
    pub end: Position,
    pub file_wide: bool,
    /// The comment's line, normalised (for the fingerprint).
    pub line_text: String,
    pub ids: Vec<String>,
    /// Whether the directive may silence anything (`false`: a required reason is missing).
    pub valid: bool,
    /// `ssot: ignore` without a rule list: it names nothing and silences nothing (`list` is then
    /// the empty range after `ignore`, where a list would go).
    #[serde(default)]
    pub bare: bool,
    /// Per id: whether it silenced a finding.
    pub used: Vec<Cell<bool>>,
    /// What a fix edits: the text between the brackets (to drop some ids), and what to delete
    /// to drop the whole directive (the comment, with its line when it stands alone, or with the
    /// blanks before it; only the directive when the comment holds more).
    pub list: EditSite,
    pub removal: EditSite,
}

/// The suppressions of one file.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Suppressions {
    pub directives: Vec<Directive>,
    /// Built on the first lookup, so each lookup costs O(1) however many directives there are.
    #[serde(skip)]
    index: OnceCell<HashMap<String, Silencers>>,
}

/// For one rule id: the first valid file-wide directive naming it, and per line the first valid
/// line directive naming it, each as (directive, position of the id in it).
#[derive(Debug, Default, Clone)]
struct Silencers {
    file_wide: Option<(usize, usize)>,
    by_line: HashMap<usize, (usize, usize)>,
}

/// What to delete to drop the directive at `directive` from `comment`: the whole comment when
/// it holds nothing else (`#`, blanks and the directive), with its line when it stands alone on
/// it, else with the blanks between the code and the `#`; otherwise the directive alone, with
/// the blanks before it.
fn removal(source: &str, comment: &Comment, directive: Range<usize>) -> Range<usize> {
    let marker = Marker::of(&source[comment.start..comment.end]);
    let opener = marker.opener(&source[comment.start..comment.end]);
    let before = source[comment.start + opener..directive.start].trim();
    let after = source[directive.end..comment.end].trim();
    if !before.is_empty() {
        // A note, then the directive: the directive and the blanks before it, and a `#` right
        // before it that opened it (`# type: ignore` then `#` and the directive).
        let mut start = source[..directive.start].trim_end().len();
        if start > comment.start + opener && source[..start].ends_with(marker.text()) {
            start = source[..start - marker.text().len()].trim_end().len();
        }
        return start.max(comment.start + opener)..directive.end;
    }
    if !after.is_empty() {
        let after_start = comment.end - source[directive.end..comment.end].trim_start().len();
        // The directive, then `# other`: up to the other comment's `#`; the directive, then
        // text: the directive and the blanks after it, the `#` staying for the text.
        return if source[after_start..].starts_with(marker.text()) {
            comment.start..after_start
        } else {
            directive.start..after_start
        };
    }
    let line_start = source[..comment.start].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    if comment.own_line && source[line_start..comment.start].trim().is_empty() {
        let rest = &source[comment.end..];
        let newline = if rest.starts_with("\r\n") { 2 } else { usize::from(rest.starts_with(['\n', '\r'])) };
        return line_start..comment.end + newline;
    }
    let code_end = source[..comment.start].trim_end_matches([' ', '\t']).len();
    code_end..comment.end
}

/// How a comment starts: Python's `#`, or Rust's `//` (`///` and `//!` for doc comments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Marker {
    Hash,
    Slashes,
}

impl Marker {
    fn of(comment: &str) -> Self {
        if comment.starts_with("//") {
            Self::Slashes
        } else {
            Self::Hash
        }
    }

    /// What starts another comment inside this one's text.
    fn text(self) -> &'static str {
        match self {
            Self::Hash => "#",
            Self::Slashes => "//",
        }
    }

    /// The length of the comment's own opener: `#`, or every `/` a Rust line comment starts with
    /// (`//`, `////`; doc comments hold no directives).
    fn opener(self, comment: &str) -> usize {
        match self {
            Self::Hash => 1,
            Self::Slashes => comment.bytes().take_while(|&b| b == b'/').count(),
        }
    }

    /// Whether another comment starts at byte `i` of `bytes` (after a blank, and for `#`
    /// followed by one).
    fn starts_at(self, bytes: &[u8], i: usize) -> bool {
        let after_blank = bytes[i - 1].is_ascii_whitespace();
        match self {
            Self::Hash => after_blank && bytes[i] == b'#' && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace()),
            Self::Slashes => after_blank && bytes[i..].starts_with(b"//"),
        }
    }
}

impl Suppressions {
    pub(crate) fn parse(source: &str, comments: &[Comment], lines: &LineIndex, require_reason: bool) -> Self {
        let mut out = Suppressions::default();
        let position = |offset| {
            let (line, column) = lines.position(source, offset);
            Position { line, column }
        };
        let site = |range: Range<usize>| EditSite { start: position(range.start), end: position(range.end), range };
        for comment in comments {
            let text = &source[comment.start..comment.end];
            let mut rest = text;
            while let Some(at) = rest.find("ssot:") {
                let directive_start = comment.start + (text.len() - rest.len()) + at;
                rest = rest[at + 5..].trim_start();
                let (file_wide, after) = if let Some(after) = rest.strip_prefix("ignore-file") {
                    (true, after)
                } else if let Some(after) = rest.strip_prefix("ignore") {
                    (false, after)
                } else {
                    continue;
                };
                let (ids, list_range, bare) = match after.trim_start().strip_prefix('[') {
                    Some(list) => {
                        let Some(close) = list.find(']') else { continue };
                        let list_start = comment.start + (text.len() - list.len());
                        let ids =
                            list[..close].split(',').map(str::trim).filter(|id| !id.is_empty()).map(str::to_string);
                        rest = &list[close + 1..];
                        (ids.collect(), list_start..list_start + close, false)
                    }
                    // The directive without a rule list, ending the comment or followed by a
                    // reason or another comment (not prose that mentions it): it names no rule
                    // and silences nothing; `unused-suppression` reports it.
                    None if {
                        let tail = after.trim_start();
                        (after.is_empty() || after.starts_with(char::is_whitespace))
                            && (tail.is_empty()
                                || tail.starts_with("--")
                                || tail.starts_with('#')
                                || tail.starts_with("//"))
                    } =>
                    {
                        let at = comment.start + (text.len() - after.len());
                        rest = after;
                        (Vec::new(), at..at, true)
                    }
                    None => continue,
                };
                let reason = rest
                    .trim_start()
                    .strip_prefix("--")
                    .map(|r| r.split("ssot:").next().unwrap_or_default().trim().to_string())
                    .filter(|r| !r.is_empty());
                if file_wide && !comment.own_line {
                    continue;
                }
                let valid = !require_reason || reason.is_some();
                // The directive ends at its `]`, or with its reason at the next directive or at a
                // comment after it (`-- why  # type: ignore`: a `#` after a blank, then a blank).
                let directive_end = match reason {
                    Some(_) => {
                        let rest_start = comment.start + (text.len() - rest.len());
                        let next_directive = rest.find("ssot:").unwrap_or(rest.len());
                        let bytes = rest.as_bytes();
                        let marker = Marker::of(text);
                        let next_comment = (1..next_directive)
                            .find(|&i| marker.starts_at(bytes, i))
                            .map(|i| rest[..i].trim_end().len());
                        rest_start + next_comment.unwrap_or(next_directive)
                    }
                    None if bare => list_range.end,
                    None => list_range.end + 1,
                };
                let removal = removal(source, comment, directive_start..directive_end);
                out.directives.push(Directive {
                    range: comment.start..comment.end,
                    start: position(comment.start),
                    end: position(comment.end),
                    file_wide,
                    line_text: crate::fingerprint::normalized_line(lines.line_text(source, comment.start)),
                    used: ids.iter().map(|_| Cell::new(false)).collect(),
                    ids,
                    valid,
                    bare,
                    list: site(list_range),
                    removal: site(removal),
                });
            }
        }
        out
    }

    /// The (directive, id) that silences a finding of `rule` starting on 1-based `line`.
    /// The first directive in the file that qualifies wins, as a scan of them in order would find.
    fn find(&self, rule: &str, line: usize) -> Option<(usize, usize)> {
        let silencers = self.index().get(rule)?;
        silencers.file_wide.into_iter().chain(silencers.by_line.get(&line).copied()).min()
    }

    fn index(&self) -> &HashMap<String, Silencers> {
        self.index.get_or_init(|| {
            let mut index: HashMap<String, Silencers> = HashMap::new();
            for (at, d) in self.directives.iter().enumerate().filter(|(_, d)| d.valid) {
                for (position, id) in d.ids.iter().enumerate() {
                    let silencers = index.entry(id.clone()).or_default();
                    if d.file_wide {
                        silencers.file_wide.get_or_insert((at, position));
                    } else {
                        silencers.by_line.entry(d.start.line).or_insert((at, position));
                    }
                }
            }
            index
        })
    }

    /// Whether a finding of `rule` on `line` is silenced; marks the directive used.
    pub(crate) fn suppresses(&self, rule: &str, line: usize) -> bool {
        match self.find(rule, line) {
            Some((directive, id)) => {
                self.directives[directive].used[id].set(true);
                true
            }
            None => false,
        }
    }

    /// Whether a finding of `rule` on `line` would be silenced, without marking anything (for
    /// facts that may not become findings).
    pub(crate) fn would_suppress(&self, rule: &str, line: usize) -> bool {
        self.find(rule, line).is_some()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.directives.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Suppressions {
        let comments = crate::python::tokens::tokenize(source).comments;
        Suppressions::parse(source, &comments, &LineIndex::new(source), false)
    }

    fn used(s: &Suppressions) -> Vec<Vec<bool>> {
        s.directives.iter().map(|d| d.used.iter().map(Cell::get).collect()).collect()
    }

    #[test]
    fn the_first_directive_that_qualifies_is_marked_used() {
        // What a scan of the directives in file order marks, the index marks too.
        let s = parse("x = 1  # ssot: ignore[b, a]\n# ssot: ignore-file[a]\ny = 2  # ssot: ignore[a]\n# ssot: ignore-file[a, b]\n");
        assert!(s.suppresses("a", 1));
        assert!(s.suppresses("a", 3));
        assert!(s.suppresses("b", 3));
        assert!(!s.suppresses("c", 1));
        assert_eq!(used(&s), [vec![false, true], vec![true], vec![false], vec![false, true]]);
        assert!(s.would_suppress("b", 99) && !s.would_suppress("c", 1));
    }

    #[test]
    fn a_directive_missing_its_required_reason_silences_nothing() {
        let source = "x = 1  # ssot: ignore[a]\ny = 2  # ssot: ignore[a] -- why\n";
        let comments = crate::python::tokens::tokenize(source).comments;
        let s = Suppressions::parse(source, &comments, &LineIndex::new(source), true);
        assert!(!s.suppresses("a", 1));
        assert!(s.suppresses("a", 2));
    }

    /// The text left when each directive of `source` is removed by its fix's removal range.
    fn removed(source: &str) -> Vec<String> {
        parse(source)
            .directives
            .iter()
            .map(|d| format!("{}{}", &source[..d.removal.range.start], &source[d.removal.range.end..]))
            .collect()
    }

    #[test]
    fn removing_a_directive_leaves_the_rest_of_the_line_and_comment() {
        // Alone on its line: the line goes.
        assert_eq!(removed("a = 1\n    # ssot: ignore-file[x]\nb = 2\n"), ["a = 1\nb = 2\n"]);
        assert_eq!(removed("a = 1\r\n# ssot: ignore-file[x] -- why\r\nb = 2\r\n"), ["a = 1\r\nb = 2\r\n"]);
        // After code: the comment and the blanks before it.
        assert_eq!(removed("a = 1  # ssot: ignore[x] -- why\n"), ["a = 1\n"]);
        // Another comment after it stays, and so does text after it (with its `#`).
        assert_eq!(removed("a = 1  # ssot: ignore[x]  # type: ignore\n"), ["a = 1  # type: ignore\n"]);
        assert_eq!(removed("a = 1  # ssot: ignore[x] see below\n"), ["a = 1  # see below\n"]);
        // A note before it stays.
        assert_eq!(removed("a = 1  # noqa: E501 ssot: ignore[x]\n"), ["a = 1  # noqa: E501\n"]);
        assert_eq!(removed("a = 1  # type: ignore # ssot: ignore[x]\n"), ["a = 1  # type: ignore\n"]);
        // A reason ends where another comment starts.
        assert_eq!(removed("a = 1  # ssot: ignore[x] -- why  # type: ignore\n"), ["a = 1  # type: ignore\n"]);
        assert_eq!(removed("a = 1  # ssot: ignore[x] -- see #12\n"), ["a = 1\n"]);
        // Two directives in one comment: each goes alone.
        assert_eq!(
            removed("a = 1  # ssot: ignore[x] -- one ssot: ignore[y]\n"),
            ["a = 1  # ssot: ignore[y]\n", "a = 1  # ssot: ignore[x] -- one\n"]
        );
    }
}
