//! Message templates: `{name}` placeholders, `{{`/`}}` escapes.

use std::borrow::Cow;

/// The placeholder names of `template`, or an error message with the byte offset at fault.
pub(crate) fn placeholders(template: &str) -> Result<Vec<String>, (usize, String)> {
    let mut names = Vec::new();
    let bytes = template.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => i += 2,
            b'}' if bytes.get(i + 1) == Some(&b'}') => i += 2,
            b'{' => {
                let Some(close) = template[i + 1..].find('}') else {
                    return Err((i, "unclosed `{` in message (write `{{` for a literal brace)".into()));
                };
                let name = &template[i + 1..i + 1 + close];
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    return Err((i, format!("bad placeholder `{{{name}}}` in message: use `{{capture-name}}`")));
                }
                names.push(name.to_string());
                i += close + 2;
            }
            b'}' => return Err((i, "unmatched `}` in message (write `}}` for a literal brace)".into())),
            _ => i += 1,
        }
    }
    Ok(names)
}

/// Renders `template`, replacing `{name}` with `lookup(name)` (unknown names stay as written).
pub(crate) fn render<'a>(template: &str, lookup: impl Fn(&str) -> Option<Cow<'a, str>>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        if tail.starts_with("{{") || tail.starts_with("}}") {
            out.push_str(&tail[..1]);
            rest = &tail[2..];
        } else if let (true, Some(close)) = (tail.starts_with('{'), tail.find('}')) {
            let name = &tail[1..close];
            match lookup(name) {
                Some(value) => out.push_str(&value),
                None => out.push_str(&tail[..=close]),
            }
            rest = &tail[close + 1..];
        } else {
            out.push_str(&tail[..1]);
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_placeholders_and_escapes() {
        let out =
            render("import `{module}` {{literally}}", |name| (name == "module").then_some(Cow::Borrowed("..a.b")));
        assert_eq!(out, "import `..a.b` {literally}");
    }

    #[test]
    fn rejects_unclosed_placeholder() {
        assert!(placeholders("a {b").is_err());
        assert!(placeholders("a } b").is_err());
        assert_eq!(placeholders("{a} and {b-c} {{x}}").unwrap(), vec!["a", "b-c"]);
    }
}
