//! The prefilter a pattern rule gets when its file gives none: a regular expression derived from
//! the query's text predicates, which every file the query can match contains. It owns only the
//! derivation; the analyzer applies the regex (`src/scan/analyze.rs`), and a hand-written
//! `prefilter` in the rule file always wins. It must never derive a requirement it is not sure
//! of: a file the regex rejects is never parsed for the rule, so a wrong literal loses findings.
//!
//! Why each derivation holds (`docs/rule-files.md`, "Derived prefilters"):
//!
//! - The query runs with the file's own text as the text of its nodes (the analyzer hands
//!   tree-sitter the text the prefilter reads; comment blanking keeps byte offsets and the node
//!   text is read from the unblanked text), so a capture's text is a substring of the file.
//! - A capture that tree-sitter says occurs in every match of its pattern (quantifier `One` or
//!   `OneOrMore`) has at least one node in each match. tree-sitter checks `#eq? @c "lit"` and
//!   `#any-eq?` on every (or some) node of `@c`, so one node's text is `lit`: the file contains
//!   it. `#any-of? @c "a" "b"`: it contains `a` or `b`. `#match? @c "re"` / `#any-match?`: a
//!   node's text holds a match of `re`, and every match of `re` starts with one of its prefix
//!   literals (`regex-syntax`'s extractor, the one the `regex` crate's own search relies on),
//!   when they are a finite set of non-empty UTF-8 strings.
//! - A capture that may be absent gives nothing (tree-sitter passes `#eq?` on an absent capture),
//!   nor do negated predicates, capture-to-capture comparisons or anything not parsed here.
//! - Node kinds and anonymous nodes (`"import"`, `(import_statement)`) give nothing: tree-sitter's
//!   error recovery inserts zero-width MISSING tokens of any kind, and a query matches them, so
//!   a keyword in the query is not certain to be in the text of a file that does not parse.
//!
//! A pattern's requirement is the most selective of its predicates' (one literal list, the file
//! must contain one of them); the rule's is the alternation of its patterns', and a pattern
//! without one means the rule gets no prefilter.

use tree_sitter::{CaptureQuantifier, Query};

/// The prefilter regex (as source text) derived from `query`, a valid query over
/// tree-sitter-python; `None` when some pattern has no certain requirement.
pub(crate) fn derive(query: &str) -> Option<String> {
    let compiled = Query::new(&super::python_language(), query).ok()?;
    let mut literals: Vec<String> = Vec::new();
    for pattern in 0..compiled.pattern_count() {
        let start = compiled.start_byte_for_pattern(pattern);
        let end = compiled.end_byte_for_pattern(pattern).min(query.len());
        let text = query.get(start..end)?;
        let required = predicates(text)
            .iter()
            .filter_map(|predicate| requirement(&compiled, pattern, predicate))
            .max_by_key(|alternatives| selectivity(alternatives))?;
        literals.extend(required);
    }
    Some(alternation(literals))
}

/// How selective a requirement is: its shortest literal's length, then fewer alternatives.
fn selectivity(alternatives: &[String]) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = alternatives.iter().map(String::len).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(alternatives.len()))
}

/// The regex matching any of `literals`: escaped, deduplicated, and without a literal that
/// contains another (the shorter one is found wherever the longer is).
fn alternation(mut literals: Vec<String>) -> String {
    literals.sort();
    literals.dedup();
    let kept: Vec<&String> = literals
        .iter()
        .filter(|literal| !literals.iter().any(|other| other != *literal && literal.contains(other.as_str())))
        .collect();
    kept.iter().map(|literal| regex::escape(literal)).collect::<Vec<_>>().join("|")
}

/// One text predicate as written: its operator (without `#`) and arguments.
#[derive(Debug, PartialEq, Eq)]
struct Predicate {
    operator: String,
    args: Vec<Arg>,
}

#[derive(Debug, PartialEq, Eq)]
enum Arg {
    Capture(String),
    Text(String),
}

/// What a predicate of pattern `pattern` requires of the file: one of these literals (each
/// non-empty). `None` when it requires nothing certain.
fn requirement(query: &Query, pattern: usize, predicate: &Predicate) -> Option<Vec<String>> {
    let (Arg::Capture(capture), rest) = predicate.args.split_first()? else {
        return None;
    };
    let index = query.capture_index_for_name(capture)?;
    let present = matches!(
        query.capture_quantifiers(pattern).get(index as usize),
        Some(CaptureQuantifier::One | CaptureQuantifier::OneOrMore)
    );
    if !present {
        return None;
    }
    let texts: Vec<&str> = rest
        .iter()
        .map(|arg| match arg {
            Arg::Text(text) => Some(text.as_str()),
            Arg::Capture(_) => None,
        })
        .collect::<Option<_>>()?;
    let literals: Vec<String> = match (predicate.operator.as_str(), texts.as_slice()) {
        ("eq?" | "any-eq?", [text]) => vec![text.to_string()],
        ("any-of?", texts) if !texts.is_empty() => texts.iter().map(|text| text.to_string()).collect(),
        ("match?" | "any-match?", [regex]) => regex_literals(regex)?,
        _ => return None,
    };
    literals.iter().all(|literal| !literal.is_empty()).then_some(literals)
}

/// The prefix literals every match of `regex` (as tree-sitter compiles it: `regex::bytes`,
/// Unicode on) starts with, when they are a finite set of UTF-8 strings.
fn regex_literals(regex: &str) -> Option<Vec<String>> {
    let hir = regex_syntax::ParserBuilder::new().utf8(false).build().parse(regex).ok()?;
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() {
        // The regex matches nothing; say nothing rather than reason about it.
        return None;
    }
    literals.iter().map(|literal| String::from_utf8(literal.as_bytes().to_vec()).ok()).collect()
}

/// The predicates written in `text` (one pattern of a valid query), in order. A predicate whose
/// arguments are not all captures and strings is left out (so it requires nothing).
fn predicates(text: &str) -> Vec<Predicate> {
    let tokens = tokens(text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if let (Token::Open, Some(Token::Operator(operator))) = (&tokens[i], tokens.get(i + 1)) {
            let mut args = Vec::new();
            let mut j = i + 2;
            let mut complete = false;
            while let Some(token) = tokens.get(j) {
                match token {
                    Token::Capture(name) => args.push(Arg::Capture(name.clone())),
                    Token::Text(text) => args.push(Arg::Text(text.clone())),
                    Token::Close => {
                        complete = true;
                        break;
                    }
                    _ => break,
                }
                j += 1;
            }
            if complete {
                out.push(Predicate { operator: operator.clone(), args });
            }
            i = j;
        }
        i += 1;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Open,
    Close,
    /// `#name` (the name without `#`).
    Operator(String),
    /// `@name`.
    Capture(String),
    /// A string literal, its escapes decoded as tree-sitter does.
    Text(String),
    /// Anything else: a node kind, a field, brackets, quantifiers, anchors, `_`, `!field`.
    Other,
}

/// The tokens of query text, as far as predicates need them. tree-sitter's query syntax: `;`
/// starts a comment; a string is `"…"` on one line, where `\n`, `\r`, `\t`, `\0` are control
/// characters and a backslash before any other character stands for that character.
fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    let name_char = |c: char| !(c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | '"' | ';' | '@' | '#'));
    while let Some((at, c)) = chars.next() {
        match c {
            ';' => while chars.next_if(|&(_, c)| c != '\n').is_some() {},
            '(' => out.push(Token::Open),
            ')' => out.push(Token::Close),
            '"' => {
                let mut value = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, 'n')) => value.push('\n'),
                            Some((_, 'r')) => value.push('\r'),
                            Some((_, 't')) => value.push('\t'),
                            Some((_, '0')) => value.push('\0'),
                            Some((_, other)) => value.push(other),
                            None => break,
                        },
                        '\n' => break,
                        other => value.push(other),
                    }
                }
                out.push(if closed { Token::Text(value) } else { Token::Other });
            }
            '@' | '#' => {
                let mut end = at + 1;
                while let Some((i, c)) = chars.next_if(|&(_, c)| name_char(c)) {
                    end = i + c.len_utf8();
                }
                let name = text[at + 1..end].to_string();
                out.push(if c == '@' { Token::Capture(name) } else { Token::Operator(name) });
            }
            c if c.is_whitespace() => {}
            _ => {
                while chars.next_if(|&(_, c)| name_char(c)).is_some() {}
                out.push(Token::Other);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_eq_predicate_on_a_capture_every_match_has_gives_its_literal() {
        let query = "((call function: (identifier) @fn) @match\n (#eq? @fn \"print\"))";
        assert_eq!(derive(query).as_deref(), Some("print"));
    }

    #[test]
    fn any_of_gives_the_alternation_and_match_its_prefix_literals() {
        let query = "((call function: (identifier) @fn) @match (#any-of? @fn \"eval\" \"exec\"))";
        assert_eq!(derive(query).as_deref(), Some("eval|exec"));
        let query = "((call function: (identifier) @fn) @match (#match? @fn \"^get_(env|var)$\"))";
        assert_eq!(derive(query).as_deref(), Some("get_env|get_var"));
        // Unanchored: every match still starts with the literal.
        let query = "((identifier) @match (#match? @match \"os\\\\.environ\"))";
        assert_eq!(derive(query).as_deref(), Some(r"os\.environ"));
        // A regex without a certain literal gives nothing.
        let query = "((identifier) @match (#match? @match \"^[a-z]+_id$\"))";
        assert_eq!(derive(query), None);
        let query = "((identifier) @match (#match? @match \"x?\"))";
        assert_eq!(derive(query), None);
    }

    #[test]
    fn case_insensitive_regexes_give_every_spelling_or_nothing() {
        let query = "((identifier) @match (#match? @match \"(?i)^ab\"))";
        let derived = derive(query).unwrap();
        let regex = regex::Regex::new(&derived).unwrap();
        for spelling in ["ab", "AB", "aB", "Ab"] {
            assert!(regex.is_match(spelling), "{derived} misses {spelling}");
        }
    }

    #[test]
    fn negated_predicates_and_optional_captures_give_nothing() {
        for query in [
            "((call function: (identifier) @fn) @match (#not-eq? @fn \"print\"))",
            "((call function: (identifier) @fn) @match (#not-any-of? @fn \"a\" \"b\"))",
            "((call function: (identifier) @fn) @match (#not-match? @fn \"^p\"))",
            // `@kw` may be absent: tree-sitter passes #eq? on an absent capture.
            "((call function: (identifier)? @kw) @match (#eq? @kw \"print\"))",
            "((call function: [(identifier) @kw (attribute)]) @match (#eq? @kw \"print\"))",
            "((call (argument_list (identifier)* @kw)) @match (#eq? @kw \"x\"))",
            // Capture against capture.
            "((call function: (identifier) @fn arguments: (argument_list (identifier) @arg)) @match (#eq? @fn @arg))",
            // A keyword or node kind alone: a MISSING token could stand for it.
            "(import_statement \"import\") @match",
            "(import_from_statement) @match",
        ] {
            assert_eq!(derive(query), None, "{query}");
        }
    }

    #[test]
    fn a_capture_in_every_branch_of_an_alternation_counts() {
        let query = "((call function: [(identifier) @fn (attribute attribute: (identifier) @fn)]) @match (#eq? @fn \"getenv\"))";
        assert_eq!(derive(query).as_deref(), Some("getenv"));
        let query = "((call (argument_list (identifier)+ @kw)) @match (#eq? @kw \"x\"))";
        assert_eq!(derive(query).as_deref(), Some("x"));
    }

    #[test]
    fn every_pattern_needs_a_requirement_and_the_rule_takes_their_alternation() {
        let two = "((identifier) @match (#eq? @match \"foo\"))\n((identifier) @match (#eq? @match \"bar\"))";
        assert_eq!(derive(two).as_deref(), Some("bar|foo"));
        let one_open = "((identifier) @match (#eq? @match \"foo\"))\n(string) @match";
        assert_eq!(derive(one_open), None);
        // A literal found wherever another is adds nothing to the alternation.
        let nested = "((identifier) @match (#eq? @match \"foo\"))\n((identifier) @match (#eq? @match \"foobar\"))";
        assert_eq!(derive(nested).as_deref(), Some("foo"));
    }

    #[test]
    fn the_most_selective_predicate_of_a_pattern_wins() {
        let query = "((call function: (attribute object: (identifier) @o attribute: (identifier) @a)) @match \
                     (#eq? @o \"os\") (#eq? @a \"getenv\"))";
        assert_eq!(derive(query).as_deref(), Some("getenv"));
    }

    #[test]
    fn strings_decode_escapes_and_comments_hide_predicates_as_tree_sitter_does() {
        let query = "((string) @match (#eq? @match \"\\\"a\\\\b\\n\\q\"))";
        assert_eq!(derive(query).as_deref(), Some(regex::escape("\"a\\b\nq").as_str()));
        let query = "((identifier) @match\n ; (#eq? @match \"commented\")\n (#eq? @match \"real\"))";
        assert_eq!(derive(query).as_deref(), Some("real"));
        let query = "((identifier) @match ( #eq? @match \"spaced\" ))";
        assert_eq!(derive(query).as_deref(), Some("spaced"));
    }

    /// Why keywords give nothing: on a file that does not parse, tree-sitter inserts zero-width
    /// MISSING tokens, keywords among them, and a query matches such a node. `a not b` is read
    /// as `a not in b` with a MISSING `in`, in a file without the text `in`.
    #[test]
    fn error_recovery_inserts_missing_keywords_that_queries_match() {
        use tree_sitter::StreamingIterator;
        let source = "x = a not b\n";
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&crate::rule::python_language()).unwrap();
        let tree = parser.parse(source, None).unwrap();
        let query = Query::new(&crate::rule::python_language(), "\"in\" @match").unwrap();
        let mut cursor = tree_sitter::QueryCursor::new();
        let mut matches = cursor.matches(&query, tree.root_node(), source.as_bytes());
        let node = matches.next().map(|m| m.captures[0].node).expect("the query matches");
        assert!(node.is_missing() && node.kind() == "in" && !source.contains("in"));
        assert_eq!(derive("\"in\" @match"), None);
    }

    #[test]
    fn an_empty_literal_requires_nothing() {
        assert_eq!(derive("((identifier) @match (#eq? @match \"\"))"), None);
        assert_eq!(derive("((identifier) @match (#any-of? @match \"a\" \"\"))"), None);
    }
}
