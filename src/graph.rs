//! `ssot graph`: the import graph of the project's own modules (module → the local modules it
//! imports, each with its line and whether it runs at import time, in a function, or only for
//! type checkers), as JSON or as Graphviz dot. The same scan as `check` (walk, configuration,
//! source roots, token fast path) with one engine that collects imports instead of rules; the
//! graph is the one `import-contract` and `import-cycle` judge.

use std::io::Write;

use crate::rules::{ImportGraph, RuleSet};

/// The output formats of `ssot graph`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GraphFormat {
    Json,
    Dot,
}

/// Scans with `settings` and returns the import graph.
pub(crate) fn build(
    settings: &crate::config::Settings,
    rules: &mut RuleSet,
    stderr: &mut dyn Write,
) -> anyhow::Result<ImportGraph> {
    let out = std::sync::Arc::new(std::sync::Mutex::new(None));
    rules.collect_graph(settings, out.clone())?;
    let outcome = crate::scan::scan(settings, rules, stderr)?;
    for error in &outcome.internal_errors {
        writeln!(stderr, "error: {error}")?;
    }
    let graph = out.lock().ok().and_then(|mut graph| graph.take());
    Ok(graph.unwrap_or_default())
}

/// Writes `graph` in `format`.
pub(crate) fn write(graph: &ImportGraph, format: GraphFormat, out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        GraphFormat::Json => {
            let value = serde_json::json!({ "version": 1, "modules": graph });
            serde_json::to_writer_pretty(&mut *out, &value)?;
            writeln!(out)
        }
        GraphFormat::Dot => {
            writeln!(out, "digraph imports {{")?;
            for (module, entry) in graph {
                writeln!(out, "  {};", quoted(module))?;
                let targets: std::collections::BTreeSet<&str> =
                    entry.imports.iter().map(|import| import.module.as_str()).collect();
                for target in targets {
                    writeln!(out, "  {} -> {};", quoted(module), quoted(target))?;
                }
            }
            writeln!(out, "}}")
        }
    }
}

/// A dot identifier: module names are dotted identifiers, quoted.
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
}
