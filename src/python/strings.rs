//! String literals: the value CPython's `ast` gives a `string` or `concatenated_string` node
//! (prefixes, quotes, escape sequences, implicit concatenation), and docstring positions.

use tree_sitter::Node;

use super::FastKind;

/// What a string literal node is, as `ast` sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// A plain `str` constant with this value.
    Str(String),
    /// An f-string (or t-string), or a concatenation containing one: an `ast.JoinedStr`.
    Formatted,
    /// A bytes literal.
    Bytes,
    /// A value ssot does not decode (such as `\N{…}` escapes).
    Unknown,
}

/// The literal of a `string` or `concatenated_string` node.
pub(crate) fn literal(node: &Node, source: &str) -> Literal {
    match node.k() {
        "string" => single(source.get(node.byte_range()).unwrap_or_default()),
        "concatenated_string" => {
            let mut value = String::new();
            let mut cursor = node.walk();
            let mut result = None;
            for part in node.named_children(&mut cursor).filter(|n| n.k() == "string") {
                match single(source.get(part.byte_range()).unwrap_or_default()) {
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
        _ => Literal::Unknown,
    }
}

/// Decodes one string literal token (prefix, quotes, body).
pub(crate) fn single(text: &str) -> Literal {
    let quote_at = match text.find(['\'', '"']) {
        Some(i) => i,
        None => return Literal::Unknown,
    };
    let prefix = text[..quote_at].to_ascii_lowercase();
    if prefix.contains('f') || prefix.contains('t') {
        return Literal::Formatted;
    }
    if prefix.contains('b') {
        return Literal::Bytes;
    }
    let raw = prefix.contains('r');
    let rest = &text[quote_at..];
    let quote = &rest[..1];
    let triple = rest.len() >= 6 && (rest.starts_with("'''") || rest.starts_with("\"\"\""));
    let delimiter = if triple { &rest[..3] } else { quote };
    let Some(body) = rest.strip_prefix(delimiter).and_then(|b| b.strip_suffix(delimiter)) else {
        return Literal::Unknown;
    };
    // ast normalises newlines in string bodies.
    let body = body.replace("\r\n", "\n").replace('\r', "\n");
    if raw {
        return Literal::Str(body);
    }
    match unescape(&body) {
        Some(value) => Literal::Str(value),
        None => Literal::Unknown,
    }
}

/// Python's escape sequences in a non-raw `str` literal; `None` for `\N{…}`.
fn unescape(body: &str) -> Option<String> {
    if !body.contains('\\') {
        return Some(body.to_string());
    }
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
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
                    match chars.peek().and_then(|d| d.to_digit(8)) {
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
            'N' => return None,
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
    if statement.k() != "expression_statement" || statement.named_child_count() != 1 {
        return None;
    }
    statement.named_child(0).filter(|string| matches!(string.k(), "string" | "concatenated_string"))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(value("'a\\\nb'"), Literal::Str("ab".into()));
        assert_eq!(value("''"), Literal::Str(String::new()));
        assert_eq!(value("''''''"), Literal::Str(String::new()));
    }
}
