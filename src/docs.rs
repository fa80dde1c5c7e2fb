//! Rule documentation, generated from rule files: `ssot explain <id>` prints it and
//! `docs/rules/<id>.md` holds it (a test fails when those files are stale).

use std::fmt::Write as _;

use crate::rule::{Catalog, Origin, RuleSpec};

/// The Markdown documentation of one rule, whose file came from `origin`. A user rule without
/// `[docs]` gets the summary, its message and the path of its file instead.
pub fn rule_markdown(spec: &RuleSpec, origin: &Origin) -> String {
    let mut out = String::new();
    let id = spec.id.get_ref();
    let _ = writeln!(out, "# {id}\n");
    let _ = writeln!(out, "{}\n", spec.summary.trim());
    let kind = match &spec.engine {
        Some(engine) => format!("built-in engine `{}`", engine.get_ref()),
        None => "pattern (tree-sitter query)".to_string(),
    };
    let _ = writeln!(out, "- Severity: {}", spec.severity.as_str());
    let _ = writeln!(out, "- Kind: {kind}");
    let _ = writeln!(out, "- Needs configuration: {}", if spec.needs_config { "yes" } else { "no" });
    let languages: Vec<&str> = crate::rule::rule_languages(spec).iter().map(|language| language.title()).collect();
    let _ = writeln!(out, "- Languages: {}", languages.join(", "));
    let _ = writeln!(out, "- Suppress with: `# ssot: ignore[{id}]`\n");
    match &spec.docs {
        Some(docs) => {
            let _ = writeln!(out, "## Why\n\n{}\n", docs.why.trim());
            let _ = writeln!(out, "## Bad\n\n```python\n{}\n```\n", docs.bad.trim_end());
            let _ = writeln!(out, "## Good\n\n```python\n{}\n```\n", docs.good.trim_end());
        }
        None => {
            let _ = writeln!(out, "## Message\n\n```text\n{}\n```\n", spec.message.get_ref().trim());
            let _ =
                writeln!(out, "No documentation: the rule file `{}` has no `[docs]` table.\n", origin.path().display());
        }
    }
    if !spec.options.is_empty() {
        let _ = writeln!(out, "## Options\n\nSet them in `[rules.{id}]` of `ssot.toml`.\n");
        let _ = writeln!(out, "| option | default | meaning |\n| --- | --- | --- |");
        for (name, option) in &spec.options {
            let _ = writeln!(out, "| `{name}` | `{}` | {} |", option.default, option.doc.trim().replace('\n', " "));
        }
        out.push('\n');
    }
    if let Some(fix) = spec.docs.as_ref().and_then(|docs| docs.fix.as_ref()) {
        let _ = writeln!(out, "## Fix\n\n{}\n", fix.trim());
    }
    if let Some(notes) = spec.docs.as_ref().and_then(|docs| docs.notes.as_ref()) {
        let _ = writeln!(out, "## Notes\n\n{}\n", notes.trim());
    }
    if let Some(query) = &spec.query {
        let _ = writeln!(out, "## Query\n\n```scheme\n{}\n```\n", query.get_ref().trim());
    }
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}

/// The index page `docs/rules/README.md`.
pub fn rules_index(catalog: &Catalog) -> String {
    let mut out = String::from(
        "# Rules\n\nGenerated from `rules/python/*.toml` by `cargo test` (`SSOT_BLESS=1` rewrites it).\n\n",
    );
    out.push_str("| rule | severity | needs config | summary |\n| --- | --- | --- | --- |\n");
    for (spec, _) in &catalog.entries {
        let id = spec.id.get_ref();
        let _ = writeln!(
            out,
            "| [`{id}`]({id}.md) | {} | {} | {} |",
            spec.severity.as_str(),
            if spec.needs_config { "yes" } else { "no" },
            spec.summary.trim()
        );
    }
    out
}
