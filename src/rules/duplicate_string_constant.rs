//! `duplicate-string-constant`: the same UPPER_CASE string constant (same name, same value)
//! defined at module or class level in two or more production files — one value, several
//! sources of truth. A project rule: each file contributes its constants, then one pass groups
//! them.

use crate::python::FastKind;
use std::borrow::Cow;
use std::collections::BTreeMap;

use super::registry::{Engine, Registration};
use super::{list_places, Declined, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Site};
use crate::diagnostic::{Category, FileId};
use crate::python::statements::Scope;
use crate::python::strings::{literal, Literal};
use crate::python::tokens::Kind;
use crate::python::walk;
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature { name: "duplicate-string-constant", variables: &["name", "value", "others"] },
    build: |rule, _| Ok(Engine::project(DuplicateStringConstant::new(rule))),
};

pub(crate) struct DuplicateStringConstant {
    id: String,
    message: String,
    min_length: usize,
    ignore_names: Vec<String>,
}

#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub(crate) struct Constant {
    name: String,
    value: String,
    site: Site,
}

impl DuplicateStringConstant {
    pub(crate) fn new(rule: &Rule) -> Self {
        let min_length = rule.options.get("min-length").and_then(|v| v.as_integer()).unwrap_or(3).max(0) as usize;
        Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            min_length,
            ignore_names: rule.string_list("ignore-names"),
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
}

impl ProjectRule for DuplicateStringConstant {
    type Facts = Vec<Constant>;

    fn collect(&self, file: &FileContext) -> Option<Vec<Constant>> {
        if file.category != Category::Production {
            return None;
        }
        let mut constants = Vec::new();
        // Statements directly in the module body, or directly in the body of a class that is
        // not inside a function (wherever else it stands).
        let mut bodies = vec![file.tree.root_node()];
        walk(file.tree.root_node(), |node, _| match node.k() {
            "function_definition" | "lambda" => false,
            "class_definition" => {
                bodies.extend(node.child_by_field_name("body"));
                true
            }
            kind => crate::python::holds_statements(kind),
        });
        bodies.sort_by_key(|body| body.start_byte());
        for body in bodies {
            let mut cursor = body.walk();
            for statement in body.named_children(&mut cursor) {
                if statement.k() == "expression_statement" {
                    if let Some(assignment) = statement.named_child(0).filter(|n| n.k() == "assignment") {
                        self.assignment(file, assignment, &mut constants);
                    }
                }
            }
        }
        (!constants.is_empty()).then_some(constants)
    }

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Vec<Constant>>, Declined> {
        if file.category != Category::Production {
            return Ok(None);
        }
        let statements = file.statements().ok_or(Declined)?;
        let tokens = &file.tokens().tokens;
        let source = file.source;
        let text = |index: usize| crate::python::tokens::Text { source, tokens }.text(index);
        let is_op = |index: usize, op: &str| tokens[index].kind == Kind::Op && text(index) == op;
        // (body start, constant): the tree reads the module body, then each class body in order.
        let mut found: Vec<(usize, Constant)> = Vec::new();
        for statement in &statements.list {
            let counted = match statement.scope {
                Scope::Module => true,
                Scope::Class => !statement.in_function,
                Scope::Function => false,
            };
            if statement.header || !statement.direct || !counted {
                continue;
            }
            // Split at `=` outside brackets: targets, then the value.
            let mut parts = Vec::new();
            let mut depth = 0usize;
            let mut start = statement.tokens.start;
            for index in statement.tokens.clone() {
                if tokens[index].kind != Kind::Op {
                    continue;
                }
                match text(index) {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    "=" if depth == 0 => {
                        parts.push(start..index);
                        start = index + 1;
                    }
                    _ => {}
                }
            }
            if parts.is_empty() {
                continue;
            }
            let mut value = start..statement.tokens.end;
            // `NAME = ("value")` is the same constant.
            while value.len() >= 2 && is_op(value.start, "(") && is_op(value.end - 1, ")") && {
                let mut depth = 0usize;
                value.clone().take(value.len() - 1).all(|index| {
                    match text(index) {
                        "(" | "[" | "{" if tokens[index].kind == Kind::Op => depth += 1,
                        ")" | "]" | "}" if tokens[index].kind == Kind::Op => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    depth > 0
                })
            } {
                value = value.start + 1..value.end - 1;
            }
            if value.is_empty()
                || !value.clone().all(|index| matches!(tokens[index].kind, Kind::String | Kind::FString))
            {
                continue;
            }
            let mut decoded = String::new();
            let mut plain = true;
            for index in value {
                match crate::python::strings::single(text(index)) {
                    Literal::Str(part) => decoded.push_str(&part),
                    _ => plain = false,
                }
            }
            if !plain || decoded.chars().count() < self.min_length {
                continue;
            }
            for (position, part) in parts.iter().enumerate() {
                // Only the first target may carry an annotation (`NAME: T = …`).
                let annotation = (position == 0).then(|| part.clone().find(|&i| is_op(i, ":"))).flatten();
                let target = annotation.map_or(part.clone(), |colon| part.start..colon);
                if target.len() != 1 || tokens[target.start].kind != Kind::Name {
                    continue;
                }
                let name = text(target.start);
                if is_upper_case(name) && !self.ignore_names.iter().any(|n| n == name) {
                    let range = tokens[target.start].start as usize..tokens[target.start].end as usize;
                    let constant =
                        Constant { name: name.to_string(), value: decoded.clone(), site: file.site(&self.id, range) };
                    found.push((statement.body, constant));
                }
            }
        }
        found.sort_by_key(|(body, _)| *body);
        let constants: Vec<Constant> = found.into_iter().map(|(_, constant)| constant).collect();
        Ok((!constants.is_empty()).then_some(constants))
    }

    fn finish(&self, facts: Vec<(FileId, std::sync::Arc<Vec<Constant>>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut groups: BTreeMap<(String, String), Vec<(FileId, Constant)>> = BTreeMap::new();
        for (file, constants) in facts {
            for constant in constants.iter().cloned() {
                groups.entry((constant.name.clone(), constant.value.clone())).or_default().push((file, constant));
            }
        }
        let mut out = Vec::new();
        for ((name, value), definitions) in groups {
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
                out.push(ProjectFinding { file: *file, site: constant.site.clone(), message, related });
            }
        }
        out
    }
}

impl DuplicateStringConstant {
    /// Records `NAME = "value"` (also annotated, also chained) from one assignment node.
    fn assignment(&self, file: &FileContext, assignment: tree_sitter::Node, out: &mut Vec<Constant>) {
        // `A = B = "x"` nests: assignment(left: A, right: assignment(left: B, right: "x")).
        let mut targets = Vec::new();
        let mut current = assignment;
        let value_node = loop {
            targets.extend(current.child_by_field_name("left"));
            match current.child_by_field_name("right") {
                Some(right) if right.k() == "assignment" => current = right,
                other => break other,
            }
        };
        let mut value_node = value_node;
        // `NAME = ("value")` is the same constant (comments inside the parentheses aside).
        while let Some(inner) = value_node.filter(|n| n.k() == "parenthesized_expression") {
            let mut cursor = inner.walk();
            let children: Vec<tree_sitter::Node> =
                inner.named_children(&mut cursor).filter(|n| n.k() != "comment").collect();
            if children.len() != 1 {
                break;
            }
            value_node = Some(children[0]);
        }
        let Some(value_node) = value_node.filter(|n| matches!(n.k(), "string" | "concatenated_string")) else { return };
        let Literal::Str(value) = literal(&value_node, file.source) else { return };
        if value.chars().count() < self.min_length {
            return;
        }
        for target in targets.into_iter().filter(|t| t.k() == "identifier") {
            let name = file.text(&target);
            if is_upper_case(name) && !self.ignore_names.iter().any(|n| n == name) {
                out.push(Constant {
                    name: name.to_string(),
                    value: value.clone(),
                    site: file.site(&self.id, target.byte_range()),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_upper_case;

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
