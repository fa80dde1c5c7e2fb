//! String literals: the value CPython's `ast` gives a `string` or `concatenated_string` node
//! (prefixes, quotes, escape sequences, implicit concatenation), docstring positions, and the
//! facet every rule reading literals uses: each string literal expression of a file (a
//! concatenation is one), whether it is a docstring, and its value on demand, built from the
//! tree ([`from_tree`]) or from the tokens ([`from_tokens`]) and held equal by a differential
//! test.

use std::ops::Range;

use tree_sitter::Node;

use super::statements::Statements;
use super::tokens::{FieldString, Kind, Token, Tokens};
use super::FastKind;

/// One string literal expression as `ast` has one `Constant` or `JoinedStr`: a string, or an
/// implicit concatenation of strings, wherever it stands (strings inside an f-string's
/// replacement fields included, the f-string's literal text not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StringLiteral {
    /// From the first part's prefix to the last part's closing quote.
    pub range: Range<usize>,
    /// Indices into [`StringLiterals::parts`].
    parts: Range<u32>,
    /// The docstring of the module, a class or a function.
    pub docstring: bool,
}

/// The string literals of a file, in source order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct StringLiterals {
    pub literals: Vec<StringLiteral>,
    /// The byte range of every part of every literal (one entry for a lone string).
    parts: Vec<Range<usize>>,
}

impl StringLiterals {
    fn push(&mut self, parts: impl Iterator<Item = Range<usize>>, docstring: bool) {
        let first = self.parts.len();
        self.parts.extend(parts);
        let (Some(start), Some(end)) = (self.parts.get(first), self.parts.last()) else { return };
        let range = start.start..end.end;
        self.literals.push(StringLiteral { range, parts: first as u32..self.parts.len() as u32, docstring });
    }

    /// The value of `literal` (decoded now: most literals are never asked).
    pub(crate) fn value(&self, literal: &StringLiteral, source: &str) -> Literal {
        let parts = &self.parts[literal.parts.start as usize..literal.parts.end as usize];
        let text = |range: &Range<usize>| source.get(range.clone()).unwrap_or_default();
        match parts {
            [one] => single(text(one)),
            _ => concatenation(parts.iter().map(text)),
        }
    }

    /// The byte length of `literal`'s value when it is a `str` that decoding leaves as written
    /// (no backslash, no `\r`, no `f`, `t` or `b` prefix in any part: the value is the text
    /// between the quotes), without decoding; `None` otherwise.
    pub(crate) fn plain_len(&self, literal: &StringLiteral, source: &str) -> Option<usize> {
        let mut len = 0;
        for part in &self.parts[literal.parts.start as usize..literal.parts.end as usize] {
            let text = source.get(part.clone())?;
            if text.contains(['\\', '\r']) {
                return None;
            }
            let (prefix, quoted) = prefix_and_quoted(text)?;
            if [b'f', b't', b'b'].into_iter().any(|letter| has_prefix_letter(prefix, letter)) {
                return None;
            }
            len += body_of(quoted)?.len();
        }
        Some(len)
    }

    /// The byte length of the longest value `literal` may have (its value is never longer
    /// than the text of its parts between their quotes): a cheap test before decoding.
    pub(crate) fn max_len(&self, literal: &StringLiteral) -> usize {
        self.parts[literal.parts.start as usize..literal.parts.end as usize].iter().map(|r| r.len()).sum()
    }
}

/// The string literals of the tree under `root` (see [`StringLiterals`]).
pub(crate) fn from_tree(root: Node, _source: &str) -> StringLiterals {
    // Docstrings by node id, found when their module, class or function is reached (before the
    // string itself); whether a node is a part of a concatenation, from the walk. Asking a node
    // for its parent costs tree-sitter a walk down from the root, so it is not asked.
    let mut docstrings = std::collections::HashSet::new();
    let mut found = StringLiterals::default();
    let part_of_concatenation =
        |parent: &Node, _: &bool, _: Option<&str>, _: &Node, _| parent.k() == "concatenated_string";
    super::walk_with(root, false, part_of_concatenation, |node, &in_concatenation| {
        if let Some(string) = docstring(node) {
            docstrings.insert(string.id());
        }
        match node.k() {
            "string" if !in_concatenation => {
                found.push(std::iter::once(node.byte_range()), docstrings.contains(&node.id()));
            }
            "concatenated_string" => {
                let mut cursor = node.walk();
                let parts: Vec<_> =
                    node.named_children(&mut cursor).filter(|n| n.k() == "string").map(|n| n.byte_range()).collect();
                found.push(parts.into_iter(), docstrings.contains(&node.id()));
            }
            _ => {}
        }
        // Keep walking: f-string replacement fields hold expressions.
        true
    });
    found
}

/// The string literals read from the tokens: those of the string tokens, each followed (as the
/// tree walk meets them) by the strings inside its f-strings' replacement fields, which the
/// tokenizer records ([`FieldString`]). `None` when a field's `:` is one tree-sitter reads
/// otherwise ([`Tokens::ambiguous_fields`]), or for tokens that do not fit `source`.
pub(crate) fn from_tokens(source: &str, lexed: &Tokens, statements: &Statements) -> Option<StringLiterals> {
    if lexed.ambiguous_fields {
        return None;
    }
    let tokens = &lexed.tokens;
    let is_string = |token: &Token| matches!(token.kind, Kind::String | Kind::FString);
    let mut found = StringLiterals::default();
    // Docstrings: statements made of string tokens alone, first in the module or right after
    // a `class` or `def` header whose body holds them.
    let mut docstrings = std::collections::HashSet::new();
    let view = super::tokens::Text { source, tokens };
    for (index, statement) in statements.list.iter().enumerate() {
        if statement.header {
            continue;
        }
        // Strings alone, inside as many `(` as `)` (`("x")`: `ast` has no parentheses).
        let inside = view.inside_parentheses(statement.tokens.clone());
        if inside.is_empty() || !tokens[inside.clone()].iter().all(is_string) {
            continue;
        }
        let first = index == 0
            || index.checked_sub(1).is_some_and(|previous| {
                let header = &statements.list[previous];
                let keyword = |i: usize| {
                    tokens.get(i).and_then(|t| source.get(t.start as usize..t.end as usize)).unwrap_or_default()
                };
                let start = header.tokens.start;
                let defines = match keyword(start) {
                    "def" | "class" => true,
                    "async" => keyword(start + 1) == "def",
                    _ => false,
                };
                header.header && defines && statement.owner == Some(previous)
            });
        if first {
            docstrings.insert(inside.start);
        }
    }
    let mut index = 0;
    while index < tokens.len() {
        if !is_string(&tokens[index]) {
            index += 1;
            continue;
        }
        let start = index;
        while index < tokens.len() && is_string(&tokens[index]) {
            index += 1;
        }
        let group = &tokens[start..index];
        found.push(group.iter().map(|t| t.start as usize..t.end as usize), docstrings.contains(&start));
        for token in group.iter().filter(|token| token.kind == Kind::FString) {
            push_field_strings(source, lexed.field_strings_in(token), &mut found)?;
        }
    }
    Some(found)
}

/// The literals of the strings inside one f-string's replacement fields (sorted by start):
/// strings of one nesting depth with only blanks, line continuations and comments between them
/// are one implicit concatenation (`f"{'a' 'b'}"`); anything else between parts them (a field
/// cannot close and another open without a brace). In the order the tree walk meets them: by
/// their first part.
fn push_field_strings(source: &str, strings: &[FieldString], found: &mut StringLiterals) -> Option<()> {
    if strings.is_empty() {
        return Some(());
    }
    let blank_between = |end: u32, start: u32| -> Option<bool> {
        let text = source.get(end as usize..start as usize)?;
        Some(only_blanks_and_comments(text))
    };
    // Groups of ranges; per depth, the group a next string of that depth may join.
    let mut groups: Vec<Vec<Range<usize>>> = Vec::new();
    let mut open: Vec<(u32, usize)> = Vec::new(); // (depth, group index), innermost last
    for string in strings {
        while open.last().is_some_and(|&(depth, _)| depth > string.depth) {
            open.pop();
        }
        let range = string.start as usize..string.end as usize;
        let joins = match open.last() {
            Some(&(depth, group)) if depth == string.depth => {
                let end = groups[group].last().map_or(0, |part| part.end) as u32;
                blank_between(end, string.start)?.then_some(group)
            }
            _ => None,
        };
        match joins {
            Some(group) => groups[group].push(range),
            None => {
                if open.last().is_some_and(|&(depth, _)| depth == string.depth) {
                    open.pop();
                }
                open.push((string.depth, groups.len()));
                groups.push(vec![range]);
            }
        }
    }
    for group in groups {
        found.push(group.into_iter(), false);
    }
    Some(())
}

/// Whether `text` (between two string parts) holds only blanks, line breaks, backslash line
/// continuations and comments.
fn only_blanks_and_comments(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b' ' | b'\t' | b'\x0c' | b'\n' | b'\r' => i += 1,
            b'\\' if matches!(bytes.get(i + 1), Some(b'\n' | b'\r')) => i += 2,
            b'#' => {
                while i < bytes.len() && !matches!(bytes[i], b'\n' | b'\r') {
                    i += 1;
                }
            }
            _ => return false,
        }
    }
    true
}

/// Whether `source` may hold a string literal (or an implicit concatenation) whose value is one
/// of `values`: a cheap test on the bytes that never says no to a file that holds one. Escapes
/// are decoded over the whole text first (an escape never swallows a quote, so a literal's
/// escapes decode as they would inside it); then a value is either in the text, or split over
/// parts: some prefix of it ends at a quote and a later suffix starts at one.
pub(crate) fn may_hold_any(source: &str, values: &ValueFinder) -> bool {
    // A value holding a quote, a backslash or a control character can be spelled by escapes as
    // common as `\n`, or by a raw newline in a triple-quoted string: no cheap test.
    if !values.judged {
        return source.contains(['\'', '"']);
    }
    // A value as it stands in the text, where no escape can reach it (the longest, `\U` and
    // eight digits, starts at most ten bytes before): the decoded text holds it too, so the file
    // may hold it (most admitted files), and nothing needs decoding.
    let bytes = source.as_bytes();
    let clear = |at: usize| !bytes[at.saturating_sub(ESCAPE_REACH)..at].contains(&b'\\');
    // Some value stands in the text, though not clear of escapes.
    let mut written = false;
    for finder in &values.verbatim {
        for at in finder.find_iter(bytes) {
            if clear(at) {
                return true;
            }
            written = true;
        }
    }
    let test = ValueTest::new(source);
    let decoded = test.decoded.as_bytes();
    let holds = match &test.decoded {
        // Decoding changed nothing: the text holds a value where the search above found one.
        std::borrow::Cow::Borrowed(_) => written,
        std::borrow::Cow::Owned(_) => values.verbatim.iter().any(|finder| finder.find(decoded).is_some()),
    };
    holds || values.split_any(decoded, &test.quotes)
}

/// How far before a byte an escape that rewrites it can start (`\U0001F600`: ten bytes), but for
/// `\N{…}`, whose name may be long: a value standing inside one is admitted, which only costs
/// the rule a look at a file that holds no such literal.
const ESCAPE_REACH: usize = 10;

/// The values [`may_hold_any`] looks for, each with a searcher for it as written. (One
/// Aho-Corasick automaton for all of them was slower: names such as `ascii` and `utf-8` start
/// with letters too common for its prefilter, and it fell back to a byte at a time.) Built once
/// per rule, asked per file.
pub(crate) struct ValueFinder {
    values: Vec<String>,
    /// Every value has the cheap test (nonempty, no quote, backslash or control character).
    judged: bool,
    verbatim: Vec<memchr::memmem::Finder<'static>>,
    /// By byte: each (value, index ≥ 1) where the byte stands in a value, a suffix after a
    /// quote may start there (`split_over_quotes`, the tests' reference, for every value at
    /// once).
    suffixes: Vec<Vec<(usize, usize)>>,
    /// By byte: each (value, length) of a proper prefix of a value that ends with the byte, in
    /// increasing length per value: a prefix before a quote may end there.
    prefixes: Vec<Vec<(usize, usize)>>,
}

impl ValueFinder {
    pub(crate) fn new(values: &[String]) -> Self {
        let judged = values.iter().all(|value| ValueTest::judges(value));
        let verbatim = values.iter().map(|value| memchr::memmem::Finder::new(value.as_bytes()).into_owned()).collect();
        let (mut suffixes, mut prefixes) = (vec![Vec::new(); 256], vec![Vec::new(); 256]);
        for (v, value) in values.iter().enumerate() {
            let bytes = value.as_bytes();
            for (at, &byte) in bytes.iter().enumerate() {
                if at >= 1 {
                    suffixes[byte as usize].push((v, at));
                }
                if at + 1 < bytes.len() {
                    prefixes[byte as usize].push((v, at + 1));
                }
            }
        }
        Self { values: values.to_vec(), judged, verbatim, suffixes, prefixes }
    }

    /// `split_over_quotes` (the tests' reference) of `text` for some value, in one pass over the
    /// quotes: per quote, only the places in the values of the bytes beside it are compared.
    fn split_any(&self, text: &[u8], quotes: &[usize]) -> bool {
        // Per value, the smallest length of a prefix seen ending before a quote.
        let mut first_end: Vec<usize> = self.values.iter().map(String::len).collect();
        for &at in quotes {
            if let Some(&after) = text.get(at + 1) {
                for &(v, j) in &self.suffixes[after as usize] {
                    let value = self.values[v].as_bytes();
                    if j >= first_end[v] && text.get(at + 1..at + 1 + value.len() - j) == Some(&value[j..]) {
                        return true;
                    }
                }
            }
            if let Some(&before) = at.checked_sub(1).and_then(|i| text.get(i)) {
                for &(v, i) in &self.prefixes[before as usize] {
                    if i < first_end[v] && at >= i && text[at - i..at] == self.values[v].as_bytes()[..i] {
                        first_end[v] = i;
                    }
                }
            }
        }
        false
    }
}

/// The text [`may_hold_any`] searches: escapes decoded, quotes found.
struct ValueTest<'s> {
    decoded: std::borrow::Cow<'s, str>,
    quotes: Vec<usize>,
}

impl<'s> ValueTest<'s> {
    fn new(source: &'s str) -> Self {
        let decoded = decode_escapes(source);
        let quotes = memchr::memchr2_iter(b'\'', b'"', decoded.as_bytes()).collect();
        Self { decoded, quotes }
    }

    /// Whether the test can judge `value` (nonempty, without quotes, backslashes or control
    /// characters).
    fn judges(value: &str) -> bool {
        !value.is_empty() && !value.contains(|c: char| matches!(c, '\\' | '\'' | '"') || c.is_control())
    }

    /// The oracle of [`may_hold_any`] for one value: the whole decoded text searched, and
    /// [`split_over_quotes`] for that value alone.
    #[cfg(test)]
    fn admits(&self, value: &str) -> bool {
        self.decoded.contains(value) || split_over_quotes(self.decoded.as_bytes(), &self.quotes, value.as_bytes())
    }
}

/// Some nonempty proper prefix `value[..i]` ends right before a quote of `text`, and some suffix
/// `value[j..]` with `j >= i` starts right after a later quote. (The test's reference;
/// [`ValueFinder::split_any`] answers for every value at once.)
#[cfg(test)]
fn split_over_quotes(text: &[u8], quotes: &[usize], value: &[u8]) -> bool {
    let n = value.len();
    // The smallest i whose prefix ends before a quote seen so far.
    let mut first_end = n;
    // The byte next to the quote is compared first: most quotes fail on it, without a slice
    // comparison.
    for &at in quotes {
        if let Some(&after) = text.get(at + 1) {
            for j in first_end..n {
                if value[j] == after && text.get(at + 1..at + 1 + n - j) == Some(&value[j..]) {
                    return true;
                }
            }
        }
        if let Some(&before) = at.checked_sub(1).and_then(|i| text.get(i)) {
            for i in 1..first_end {
                if value[i - 1] == before && at >= i && text[at - i..at] == value[..i] {
                    first_end = i;
                    break;
                }
            }
        }
    }
    false
}

/// `text` with Python's value escapes decoded wherever they stand (`\xhh`, `\uhhhh`,
/// `\Uhhhhhhhh`, octal, and a backslash before a line break removed); every other backslash
/// pair is kept as it is, so backslash runs pair up as they do inside a literal.
fn decode_escapes(text: &str) -> std::borrow::Cow<'_, str> {
    // Most texts hold only escapes kept as they are (`\n`, `\\`, `\'`): then nothing is copied.
    let mut rest = text;
    let rewrites = loop {
        let Some(at) = rest.find('\\') else { break false };
        let after = &rest[at + 1..];
        let Some(e) = after.chars().next() else { break false };
        if decoded_escape(after).is_some() {
            break true;
        }
        rest = &after[e.len_utf8()..];
    };
    if !rewrites {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(e) = after.chars().next() else {
            out.push('\\');
            return std::borrow::Cow::Owned(out);
        };
        match decoded_escape(after) {
            Some((decoded, length)) => {
                out.extend(decoded);
                rest = &after[length..];
            }
            None => {
                // Kept as it is, the backslash and the character after it.
                out.push('\\');
                out.push(e);
                rest = &after[e.len_utf8()..];
            }
        }
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// What the escape whose text (after its backslash) starts `after` decodes to: the character
/// (none for a line continuation) and how many bytes it takes; `None` when [`decode_escapes`]
/// keeps the pair as it is.
fn decoded_escape(after: &str) -> Option<(Option<char>, usize)> {
    match after.chars().next()? {
        '\n' => Some((None, 1)),
        '\r' => Some((None, if after.as_bytes().get(1) == Some(&b'\n') { 2 } else { 1 })),
        e @ ('x' | 'u' | 'U') => {
            let digits = match e {
                'x' => 2,
                'u' => 4,
                _ => 8,
            };
            after
                .get(1..1 + digits)
                .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .and_then(char::from_u32)
                .map(|c| (Some(c), 1 + digits))
        }
        '0'..='7' => {
            let digits = after.bytes().take(3).take_while(|b| (b'0'..=b'7').contains(b)).count();
            u32::from_str_radix(&after[..digits], 8).ok().and_then(char::from_u32).map(|c| (Some(c), digits))
        }
        'N' => {
            let (c, length) = named_escape(&after[1..])?;
            Some((Some(c), 1 + length))
        }
        _ => None,
    }
}

/// The character of a `\N{NAME}` escape whose text after the `N` starts `after`, and the bytes
/// its braces take; `None` when there is no such escape there (CPython: a syntax error).
fn named_escape(after: &str) -> Option<(char, usize)> {
    let name = after.strip_prefix('{')?;
    // No name is longer (the longest is 88 bytes): looking further for the brace would make a
    // text of unclosed `\N{` quadratic to decode.
    let end = memchr::memchr(b'}', &name.as_bytes()[..name.len().min(LONGEST_NAME)])?;
    Some((named_character(&name[..end])?, end + 2))
}

/// More bytes than any character's name or alias has.
const LONGEST_NAME: usize = 128;

/// The character `name` names in a `\N{…}` escape, as CPython reads it: a character's name or a
/// name alias, in any case. Not the loose forms Unicode's matching rule also allows (`LATIN
/// SMALL_LETTER A`, `latinsmalllettera`), which CPython refuses; an alias written loosely slips
/// through when it is spelled with words, single spaces and hyphens (`NEWLINE`, `BYTE-ORDER-MARK`:
/// the crate keeps aliases only in their loose form), which is a file CPython would not compile.
fn named_character(name: &str) -> Option<char> {
    // No name starts with a hyphen, and the crate's loose matching cannot look before one there.
    if name.is_empty() || name.starts_with('-') {
        return None;
    }
    let found = unicode_names2::character(name)?;
    let upper = name.to_ascii_uppercase();
    // As CPython's aliases are written: capitals, digits, single spaces between words, hyphens
    // (`TIBETAN MARK BKA- SHOG GI MGO RGYAN`).
    let alias_shape = |text: &str| {
        !text.starts_with(' ')
            && !text.ends_with(' ')
            && !text.contains("  ")
            && text.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-')
    };
    match unicode_names2::name(found).map(|n| n.to_string()) {
        // Names made from the code point (Hangul syllables, unified ideographs) only as written.
        Some(exact) if algorithmic(found) => (exact == name).then_some(found),
        Some(exact) if exact == upper => Some(found),
        // The same name written loosely, not an alias: the loose forms are equal.
        Some(exact) if loose(&exact) == loose(&upper) => None,
        // An alias (control characters have only aliases).
        _ => alias_shape(&upper).then_some(found),
    }
}

/// Whether CPython derives `c`'s name from its code point (`HANGUL SYLLABLE GAG`, `CJK UNIFIED
/// IDEOGRAPH-4E00`), matching it case-sensitively, rather than looking it up.
fn algorithmic(c: char) -> bool {
    let ideograph = unicode_names2::name(c).is_some_and(|name| name.to_string().starts_with("CJK UNIFIED IDEOGRAPH-"));
    ('\u{AC00}'..='\u{D7A3}').contains(&c) || ideograph
}

/// A character name as Unicode's loose matching compares it: without blanks, underscores and
/// hyphens between letters or digits.
fn loose(name: &str) -> String {
    let bytes = name.as_bytes();
    let medial = |i: usize| {
        i > 0 && bytes[i - 1].is_ascii_alphanumeric() && bytes.get(i + 1).is_some_and(u8::is_ascii_alphanumeric)
    };
    (0..bytes.len())
        .filter(|&i| !(bytes[i].is_ascii_whitespace() || bytes[i] == b'_' || (bytes[i] == b'-' && medial(i))))
        .map(|i| bytes[i].to_ascii_uppercase() as char)
        .collect()
}

/// What a string literal node is, as `ast` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// A plain `str` constant with this value.
    Str(String),
    /// An f-string (or t-string), or a concatenation containing one: an `ast.JoinedStr`.
    Formatted,
    /// A bytes literal.
    Bytes,
    /// A value ssot does not decode (such as a `\N{…}` that names no character).
    Unknown,
}

/// The literal of a `string` or `concatenated_string` node.
pub(crate) fn literal(node: &Node, source: &str) -> Literal {
    match node.k() {
        "string" => single(source.get(node.byte_range()).unwrap_or_default()),
        "concatenated_string" => {
            let mut cursor = node.walk();
            let parts: Vec<_> = node.named_children(&mut cursor).filter(|n| n.k() == "string").collect();
            concatenation(parts.iter().map(|part| source.get(part.byte_range()).unwrap_or_default()))
        }
        _ => Literal::Unknown,
    }
}

/// A string token's prefix (`rb`, `f`, or empty) and the rest, from its opening quote.
fn prefix_and_quoted(text: &str) -> Option<(&str, &str)> {
    let quote_at = text.find(['\'', '"'])?;
    Some((&text[..quote_at], &text[quote_at..]))
}

/// Whether a string prefix holds `letter` (lowercase), in either case.
fn has_prefix_letter(prefix: &str, letter: u8) -> bool {
    prefix.bytes().any(|b| b.to_ascii_lowercase() == letter)
}

/// The text between the quotes of `quoted` (from the opening quote to the closing one, tripled
/// or not), as written.
fn body_of(quoted: &str) -> Option<&str> {
    let triple = quoted.len() >= 6 && (quoted.starts_with("'''") || quoted.starts_with("\"\"\""));
    let delimiter = if triple { &quoted[..3] } else { quoted.get(..1)? };
    quoted.strip_prefix(delimiter)?.strip_suffix(delimiter)
}

/// The value of an implicit concatenation of the string tokens `parts`: an f-string part makes
/// it formatted; otherwise the first part that is not a `str` decides.
fn concatenation<'s>(parts: impl Iterator<Item = &'s str>) -> Literal {
    let mut value = String::new();
    let mut result = None;
    for part in parts {
        match single(part) {
            Literal::Str(text) => value.push_str(&text),
            Literal::Formatted => result = Some(Literal::Formatted),
            other => {
                if result.is_none() {
                    result = Some(other);
                }
            }
        }
    }
    result.unwrap_or(Literal::Str(value))
}

/// Decodes one string literal token (prefix, quotes, body).
/// The literal of consecutive string tokens (`texts`: each from prefix to closing quote).
pub(crate) fn of_tokens(texts: &[&str]) -> Literal {
    match texts {
        [one] => single(one),
        _ => concatenation(texts.iter().copied()),
    }
}

pub(crate) fn single(text: &str) -> Literal {
    let Some((prefix, quoted)) = prefix_and_quoted(text) else { return Literal::Unknown };
    let has = |letter: u8| has_prefix_letter(prefix, letter);
    if has(b'f') || has(b't') {
        return Literal::Formatted;
    }
    if has(b'b') {
        return Literal::Bytes;
    }
    let raw = has(b'r');
    let Some(body) = body_of(quoted) else { return Literal::Unknown };
    // ast normalises newlines in string bodies.
    let body: std::borrow::Cow<str> =
        if body.contains('\r') { body.replace("\r\n", "\n").replace('\r', "\n").into() } else { body.into() };
    if raw {
        return Literal::Str(body.into_owned());
    }
    match unescape(&body) {
        Some(value) => Literal::Str(value),
        None => Literal::Unknown,
    }
}

/// Python's escape sequences in a non-raw `str` literal; `None` for a `\N{…}` that names no
/// character.
fn unescape(body: &str) -> Option<String> {
    if !body.contains('\\') {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(e) = chars.next() else {
            out.push('\\');
            break;
        };
        match e {
            '\n' => {}
            '\\' => out.push('\\'),
            '\'' => out.push('\''),
            '"' => out.push('"'),
            'a' => out.push('\u{7}'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\u{b}'),
            '0'..='7' => {
                let mut value = e.to_digit(8)?;
                for _ in 0..2 {
                    match chars.clone().next().and_then(|d| d.to_digit(8)) {
                        Some(d) => {
                            value = value * 8 + d;
                            chars.next();
                        }
                        None => break,
                    }
                }
                out.push(char::from_u32(value)?);
            }
            'x' | 'u' | 'U' => {
                let digits = match e {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut value = 0u32;
                for _ in 0..digits {
                    value = value * 16 + chars.next()?.to_digit(16)?;
                }
                out.push(char::from_u32(value)?);
            }
            'N' => {
                let rest = chars.as_str();
                let (c, length) = named_escape(rest)?;
                out.push(c);
                chars = rest[length..].chars();
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

/// The docstring of `node` when it is a module, class or function that has one: the string (or
/// concatenation) alone in the first statement of its body, comments aside.
pub(crate) fn docstring<'t>(node: &Node<'t>) -> Option<Node<'t>> {
    let body = match node.k() {
        "module" => *node,
        "function_definition" | "class_definition" => node.child_by_field_name("body")?,
        _ => return None,
    };
    let mut cursor = body.walk();
    let statement = body.named_children(&mut cursor).find(|child| child.k() != "comment")?;
    // One child, named: `"x",` is a tuple (tree-sitter puts the comma in the statement).
    if statement.k() != "expression_statement" || statement.named_child_count() != 1 || statement.child_count() != 1 {
        return None;
    }
    // `("x")` is one too: `ast` has no parentheses.
    super::unparenthesized(statement.named_child(0)?)
        .filter(|string| matches!(string.k(), "string" | "concatenated_string"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn both(source: &str) -> (Option<StringLiterals>, Option<StringLiterals>) {
        crate::python::both_builders(source, from_tree, from_tokens)
    }

    /// (value, docstring) of each literal.
    fn listed(literals: &StringLiterals, source: &str) -> Vec<(String, bool)> {
        let show = |literal| match literals.value(literal, source) {
            Literal::Str(value) => value,
            other => format!("{other:?}"),
        };
        literals.literals.iter().map(|literal| (show(literal), literal.docstring)).collect()
    }

    #[test]
    fn both_builders_read_the_same_literals() {
        let source = "'''mod'''\nx = 'a' \"b\"\ny = ('c'\n     # between\n     r'\\d')\n\
                      z = f'{x}' 'lit'\nw = b'by'\nclass A:\n    'doc'\n    v = 'not doc'\n\
                      @d\nasync def f():\n    '''fdoc''' 'more'\n    if x:\n        'plain'\n\
                      def g(): 'one-line doc'\n'after'\nprint(f'{x!r:>{w}}', 'arg')\n";
        let (tree, tokens) = both(source);
        assert_eq!(tokens, tree);
        let found = listed(&tree.unwrap(), source);
        let expected = [
            ("mod", true),
            ("ab", false),
            ("c\\d", false),
            ("Formatted", false),
            ("Bytes", false),
            ("doc", true),
            ("not doc", false),
            ("fdocmore", true),
            ("plain", false),
            ("one-line doc", true),
            ("after", false),
            ("Formatted", false),
            ("arg", false),
        ];
        let expected: Vec<(String, bool)> = expected.iter().map(|(v, d)| (v.to_string(), *d)).collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn strings_inside_replacement_fields_are_read_from_the_tokens() {
        let source = "x = f\"{d['key']}\"\n";
        let (tree, tokens) = both(source);
        assert_eq!(tokens, tree);
        assert_eq!(listed(&tree.unwrap(), source), [("Formatted".to_string(), false), ("key".to_string(), false)]);
        for source in [
            // Quotes in the literal text and doubled braces are not fields.
            "x = f\"it's {{'no'}} {y}\"\n",
            // Concatenations inside a field, across lines and comments; parted by anything else.
            "x = f\"{'a' 'b'}{'c'}\"\n",
            "x = f\"\"\"{'a' # c\n  'b' \\\n 'c'}\"\"\"\n",
            "x = f\"{'a' if y else 'b'}\" 'tail'\n",
            "x = f\"{['a', 'b']}\"\n",
            // Nested f-strings, their own fields, a concatenation around one.
            "x = f\"{f'{\"deep\"}' 'after'}\"\n",
            "x = f\"{'a' f'{\"b\"}x' 'c'}\"\n",
            "x = f'{x!r:>{\"10\"}}' f\"{'='}\"\n",
            "x = f\"{'self'=}\"\n",
            // Prefixes, and a keyword glued to the quote.
            "x = f\"{b'bytes'}{rb'raw'}{u'u'}\"\n",
            "x = f\"{y or'default'}\"\n",
            // A docstring that is an f-string is none; strings in it are ordinary.
            "def f():\n    f'{\"doc\"}'\n",
        ] {
            let (tree, tokens) = both(source);
            assert!(tree.is_some(), "{source}");
            assert_eq!(tokens, tree, "{source}");
        }
        // A `:` Python reads as the format spec and tree-sitter as a walrus or a lambda: the
        // tokens leave the file to the tree.
        for source in ["x = f\"{x:='a'}\"\n", "x = f\"{x :='a'}\" 'b'\n", "x = f\"{lambda: 'a'}\"\n"] {
            let (tree, tokens) = both(source);
            assert!(tree.is_some(), "{source}");
            assert_eq!(tokens, None, "{source}");
        }
    }

    /// Files of the standard library (every tenth): the same literals, docstrings and ranges.
    #[test]
    fn both_builders_agree_on_the_standard_library() {
        let (files, found) = crate::python::both_builders_on_the_standard_library(
            |root, source| vec![from_tree(root, source)],
            |source, tokens, statements| from_tokens(source, tokens, statements).map(|found| vec![found]),
            |a, b| a == b,
        );
        assert!(files > 100, "{files} files");
        let _ = found;
    }

    #[test]
    fn the_byte_test_admits_every_spelling_of_a_value() {
        let holds = |source: &str, value: &str| may_hold_any(source, &ValueFinder::new(&[value.to_string()]));
        for source in [
            "x = 'tool_executing'",
            "x = 'tool_' 'executing'",
            "x = ('tool'\n  # c\n  '_exec' r'uting')",
            "x = 'tool\\x5fexecuting'",
            "x = 'tool\\137executing'",
            "x = 'tool\\u005fexecuting'",
            "x = 'tool_\\\nexecuting'",
            "x = 'tool_\\\r\nexecuting'",
            "x = '\\\\' 'tool_' \"executing\"",
            "x = 'tool\\N{LOW LINE}executing'",
            "x = 'tool\\N{low line}' 'executing'",
        ] {
            assert!(holds(source, "tool_executing"), "{source}");
        }
        for source in
            ["x = 'tool_'\ny = 'other'", "x = 'executing' + 'tool_'", "tool_executin", "x = 'tool\\_executing'"]
        {
            assert!(!holds(source, "tool_executing"), "{source}");
        }
        // A value no cheap test can judge admits every file with a quote.
        assert!(holds("x = 'a\\nb'", "a\nb"));
        assert!(!holds("x = 1", "a\nb"));
        // Written out, but only as the tail of an escape: the decoded text does not hold it (the
        // shortcut for values as written must not admit it), unless it also stands clear.
        assert!(!holds("s = '\\x41_done'\n", "x41_done"));
        assert!(!holds("s = '\\U0001F600_done'\n", "0001F600_done"));
        assert!(holds("s = '\\x41_done'\nt = 'x41_done'\n", "x41_done"));
        assert!(holds("s = 'x41_done'\n", "x41_done"));
    }

    /// A length read without decoding is the decoded value's: on every literal of a sample of
    /// the standard library (as the tree reads them), and on the shapes around the edges.
    #[test]
    fn plain_lengths_are_those_of_the_values() {
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("the grammar loads");
        let mut check = |source: &str| -> (usize, usize) {
            let tree = parser.parse(source, None).expect("parses");
            let literals = from_tree(tree.root_node(), source);
            let mut known = 0;
            for literal in &literals.literals {
                if let Some(len) = literals.plain_len(literal, source) {
                    let value = literals.value(literal, source);
                    assert!(matches!(&value, Literal::Str(v) if v.len() == len), "{source:?}: {value:?}, {len}");
                    known += 1;
                }
            }
            (known, literals.literals.len())
        };
        for (source, known) in [
            ("x = 'abc'\n", 1),
            ("x = \"\"\"ab\"\"\"\n", 1),
            ("x = 'a' \"bc\" R'd'\n", 1),
            ("x = ''\n", 1),
            ("x = u'é'\n", 1),
            ("x = b'a'\n", 0),
            ("x = f'a'\n", 0),
            ("x = 'a\\nb'\n", 0),
            ("x = 'a' f'b'\n", 0),
            ("x = '''a\r\nb'''\n", 0),
        ] {
            assert_eq!(check(source).0, known, "{source:?}");
        }
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let (mut known, mut all) = (0, 0);
        for path in crate::testing::python_files(&stdlib).iter().step_by(20) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            let (k, a) = check(&source);
            (known, all) = (known + k, all + a);
        }
        assert!(known > 10_000 && known * 2 > all, "{known} of {all} literals");
    }

    /// Every `str` literal of a sample of the standard library, as the tree reads it: the byte
    /// test admits its file for its value.
    #[test]
    fn the_byte_test_admits_every_literal_of_the_standard_library() {
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let (mut files, mut checked) = (0, 0);
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("the grammar loads");
        for path in crate::testing::python_files(&stdlib).iter().step_by(25) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            let Some(tree) = parser.parse(&source, None) else { continue };
            let literals = from_tree(tree.root_node(), &source);
            let values: Vec<String> = literals
                .literals
                .iter()
                .filter_map(|literal| match literals.value(literal, &source) {
                    Literal::Str(value) => Some(value),
                    _ => None,
                })
                .collect();
            let test = ValueTest::new(&source);
            for value in values.iter().filter(|value| ValueTest::judges(value)) {
                assert!(test.admits(value), "{}: {value:?}", path.display());
                checked += 1;
            }
            files += 1;
        }
        assert!(files > 50 && checked > 5_000, "{files} files, {checked} literals");
    }

    /// The shortcut for values written out never changes the byte test's answer: on every
    /// 25th file of the standard library, for each of its literals' values and for what follows
    /// each backslash (the tails of escapes, the spellings the shortcut must not take for the
    /// value), `may_hold_any` answers as the decoding test alone.
    #[test]
    fn the_shortcut_answers_as_the_decoding_test() {
        let Some(stdlib) = crate::testing::stdlib() else { return };
        let mut parser = tree_sitter::Parser::new();
        parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("the grammar loads");
        let (mut checked, mut tails, mut groups) = (0, 0, 0);
        for path in crate::testing::python_files(&stdlib).iter().step_by(25) {
            let Ok(source) = std::fs::read_to_string(path) else { continue };
            let Some(tree) = parser.parse(&source, None) else { continue };
            let literals = from_tree(tree.root_node(), &source);
            let mut values: Vec<String> = literals
                .literals
                .iter()
                .filter_map(|literal| match literals.value(literal, &source) {
                    Literal::Str(value) => Some(value),
                    _ => None,
                })
                .take(50)
                .collect();
            for (at, _) in source.match_indices('\\').take(200) {
                let tail: String = source[at + 1..].chars().take(6).collect();
                if ValueTest::judges(&tail) {
                    values.push(tail);
                    tails += 1;
                }
            }
            // The end of one literal's value and the start of the next: what an implicit
            // concatenation would spell across the quotes.
            let joins: Vec<String> = values
                .windows(2)
                .map(|pair| {
                    let end: String = pair[0].chars().rev().take(3).collect::<Vec<_>>().into_iter().rev().collect();
                    end + &pair[1].chars().take(3).collect::<String>()
                })
                .collect();
            values.extend(joins);
            let test = ValueTest::new(&source);
            let judged: Vec<String> = values.into_iter().filter(|value| ValueTest::judges(value)).collect();
            for value in &judged {
                let finder = ValueFinder::new(std::slice::from_ref(value));
                assert_eq!(may_hold_any(&source, &finder), test.admits(value), "{}: {value:?}", path.display());
                checked += 1;
            }
            // Several values at once (one pass over the quotes for all of them).
            for group in judged.chunks(5) {
                let finder = ValueFinder::new(group);
                let expected = group.iter().any(|value| test.admits(value));
                assert_eq!(may_hold_any(&source, &finder), expected, "{}: {group:?}", path.display());
                groups += 1;
            }
        }
        assert!(
            checked > 2_000 && tails > 500 && groups > 400,
            "{checked} values, {tails} escape tails, {groups} groups"
        );
    }

    fn value(text: &str) -> Literal {
        single(text)
    }

    #[test]
    fn decodes_like_cpython() {
        assert_eq!(value("'tool_executing'"), Literal::Str("tool_executing".into()));
        assert_eq!(value("\"tool\\x5fexecuting\""), Literal::Str("tool_executing".into()));
        assert_eq!(value("r'a\\nb'"), Literal::Str("a\\nb".into()));
        assert_eq!(value("'a\\nb\\101\\u00e9\\d'"), Literal::Str("a\nbAé\\d".into()));
        assert_eq!(value("'''x\ny'''"), Literal::Str("x\ny".into()));
        assert_eq!(value("U'x'"), Literal::Str("x".into()));
        assert_eq!(value("f'x'"), Literal::Formatted);
        assert_eq!(value("Rb'x'"), Literal::Bytes);
        assert_eq!(value("'\\N{DASH}'"), Literal::Unknown);
        assert_eq!(
            value("'tool\\N{LOW LINE}\\N{latin small letter e}xecuting'"),
            Literal::Str("tool_executing".into())
        );
        assert_eq!(value("'\\N{LINE FEED}\\N{NBSP}'"), Literal::Str("\n\u{a0}".into()));
        // An alias with a hyphen before a blank; a name starting with a hyphen (which made the
        // crate's loose matching subtract past zero).
        assert_eq!(value("'\\N{TIBETAN MARK BKA- SHOG GI MGO RGYAN}'"), Literal::Str("\u{fd0}".into()));
        assert_eq!(value("'\\N{-x}'"), Literal::Unknown);
        assert_eq!(value("'\\N{-}'"), Literal::Unknown);
        // CPython refuses the loose forms, and an algorithmic name in another case.
        for refused in
            ["LOW_LINE", "LOWLINE", " LOW LINE", "LOW  LINE", "hangul syllable gag", "CJK UNIFIED IDEOGRAPH-4e00"]
        {
            assert_eq!(value(&format!("'\\N{{{refused}}}'")), Literal::Unknown, "{refused}");
        }
        let long = format!("'\\N{{{}}}'", "A".repeat(200));
        assert_eq!(value(&long), Literal::Unknown);
        assert_eq!(
            value("'\\N{HANGUL SYLLABLE GAG}\\N{CJK UNIFIED IDEOGRAPH-4E00}'"),
            Literal::Str("\u{AC01}\u{4E00}".into())
        );
        assert_eq!(value("'a\\\nb'"), Literal::Str("ab".into()));
        assert_eq!(value("''"), Literal::Str(String::new()));
        assert_eq!(value("''''''"), Literal::Str(String::new()));
    }
}
