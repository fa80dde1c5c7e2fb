//! The fix the mock rules share: make an undefined mock name resolve, by importing it (merged
//! into the module's `from unittest.mock import …`, else a new statement after the docstring
//! and the `__future__` imports) and, for `MagicNone`, by renaming the use to `MagicMock`. A fix
//! is offered only when it is proven: the fixed text is parsed and the one resolver
//! (`python::model`) must find the use defined; it is then safe.

use std::cell::RefCell;
use std::ops::Range;

use super::{FileContext, MOCK_NAMES};
use crate::fix::{Edit, Fix};
use crate::python::{FastKind, Role};

/// The fixes for the undefined uses of mock names at `sites` (range, name), in order: each
/// imports what the sites need (one edit, shared by all of them, so one pass applies them all),
/// renaming each use to `rename` first when given (then only `rename` is imported, and only
/// when the rename alone leaves some use undefined). `None` for a site the fixed file would not
/// resolve.
pub(crate) fn fixes(
    file: &FileContext,
    rule: &str,
    sites: &[(Range<usize>, &str)],
    rename: Option<&str>,
) -> Vec<Option<Fix>> {
    if sites.is_empty() {
        return Vec::new();
    }
    // No fix for a name the file binds some other way than by an import (a class, a parameter,
    // an assignment, an augmented assignment, a `del`): which binding the author meant is not
    // for a fix to guess (and a `del` of a name never bound is a bug an import would hide). The
    // same holds for the name a use is renamed to.
    let bound = bound_otherwise(file);
    if rename.is_some_and(|to| bound.contains(to)) {
        return vec![None; sites.len()];
    }
    // A use whose finding a suppression silences is left as it is: its name is not imported
    // for it (the import would make the suppression unused, and the next pass remove it).
    let loads: Vec<bool> = sites
        .iter()
        .map(|(range, name)| {
            !bound.contains(*name) && !file.suppressions().would_suppress(rule, file.position(range.start).line)
        })
        .collect();
    let renames: Vec<Edit> = match rename {
        Some(to) => sites.iter().map(|(range, _)| Edit::replace(range.clone(), to)).collect(),
        None => Vec::new(),
    };
    let starts: Vec<usize> = sites.iter().map(|(range, _)| range.start).collect();
    let rename_alone =
        if renames.is_empty() { vec![false; sites.len()] } else { resolved(file.source, &renames, &starts) };
    // The names to import: those of the loads the renames alone do not settle. A name whose
    // uses the import does not settle either (bound too late, deleted) is dropped, and the
    // import tried again without it.
    let needed = |index: usize| loads[index] && !rename_alone[index];
    let mut names: Vec<&str> =
        (0..sites.len()).filter(|&index| needed(index)).map(|index| rename.unwrap_or(sites[index].1)).collect();
    names.sort_unstable();
    names.dedup();
    let mut with_import = None;
    for _ in 0..3 {
        if names.is_empty() {
            with_import = None;
            break;
        }
        let Some((module, edit)) = import_edit(file, &names) else { break };
        let edits: Vec<Edit> = renames.iter().cloned().chain([edit.clone()]).collect();
        let ok = resolved(file.source, &edits, &starts);
        let settled: Vec<&str> = names
            .iter()
            .copied()
            .filter(|name| (0..sites.len()).any(|i| needed(i) && ok[i] && rename.unwrap_or(sites[i].1) == *name))
            .collect();
        let stable = settled.len() == names.len();
        with_import = Some((module, edit, ok));
        if stable {
            break;
        }
        names = settled;
        with_import = None;
    }
    let mut out = Vec::with_capacity(sites.len());
    for (index, (_, name)) in sites.iter().enumerate() {
        let rename_edit = renames.get(index).cloned();
        if !loads[index] {
            out.push(None);
            continue;
        }
        if rename_alone[index] {
            out.push(Some(Fix::safe(
                format!("Replace with `{}`", rename.unwrap_or(name)),
                rename_edit.into_iter().collect(),
            )));
            continue;
        }
        out.push(match &with_import {
            Some((module, edit, ok)) if ok[index] => {
                let message = match rename {
                    Some(to) => format!("Replace with `{to}` and import it from `{module}`"),
                    None => format!("Import `{name}` from `{module}`"),
                };
                Some(Fix::safe(message, rename_edit.into_iter().chain([edit.clone()]).collect()))
            }
            _ => None,
        });
    }
    out
}

/// The mock names the file binds other than by an import statement.
fn bound_otherwise(file: &FileContext) -> std::collections::HashSet<&'static str> {
    let mut bound = std::collections::HashSet::new();
    crate::python::walk(file.tree.root_node(), |node, ctx| {
        if node.k() == "identifier" && matches!(ctx.identifier_role(), Some(Role::Store | Role::Del)) {
            if let Some(name) = MOCK_NAMES.iter().find(|name| **name == file.text(node)) {
                bound.insert(*name);
            }
        }
        true
    });
    bound
}

/// The edit that imports `names` from the module the file takes its mocks from, and that module.
fn import_edit(file: &FileContext, names: &[&str]) -> Option<(&'static str, Edit)> {
    let listed = names.join(", ");
    let imports = file.imports();
    let from = |module: &str| imports.iter().find(|import| import.plain_from(file.source) == Some(module));
    // Merged into the file's `from unittest.mock import …`, else its `from mock import …`; a new
    // statement always imports from `unittest.mock` (`mock` may be only a fallback the file
    // tries when `unittest.mock` is missing).
    let module = if from("unittest.mock").is_none() && from("mock").is_some() { "mock" } else { "unittest.mock" };
    if let Some(import) = from(module) {
        // A name this statement binds already is not settled by binding it again.
        if names.iter().any(|name| import.bindings.iter().any(|b| b.bound == *name)) {
            return None;
        }
        let last = import.merge_point(&file.tokens().tokens)?;
        return Some((module, Edit::insert(last, format!(", {listed}"))));
    }
    let statements = file.statements()?;
    let at = crate::python::imports::insertion_point(file.source, &file.tokens().tokens, statements)?;
    Some((module, Edit::insert(at, crate::python::imports::NewLine::at(file.source, at).statement(module, &listed))))
}

thread_local! {
    static PARSER: RefCell<Option<tree_sitter::Parser>> = const { RefCell::new(None) };
}

/// For each of `starts` (byte offsets of uses in `source`): whether, with `edits` applied, the
/// name used there resolves.
fn resolved(source: &str, edits: &[Edit], starts: &[usize]) -> Vec<bool> {
    let fixed = Fix::safe("", edits.to_vec());
    let Some((text, 1, _)) = crate::fix::apply(source, &[&fixed]) else { return vec![false; starts.len()] };
    // Where each use stands in the fixed text: every edit ending at or before it shifts it (the
    // edits do not overlap, so by their ends they are in order; shifts summed once).
    let mut ordered: Vec<&Edit> = edits.iter().collect();
    ordered.sort_by_key(|edit| (edit.range.end, edit.range.start));
    let mut shifts = vec![0isize];
    for edit in &ordered {
        let last = shifts[shifts.len() - 1];
        shifts.push(last + edit.content.len() as isize - edit.range.len() as isize);
    }
    let moved = |at: usize| {
        let before = ordered.partition_point(|edit| edit.range.end <= at);
        (at as isize + shifts[before]) as usize
    };
    PARSER.with(|parser| {
        let mut parser = parser.borrow_mut();
        let parser = parser.get_or_insert_with(|| {
            let mut parser = tree_sitter::Parser::new();
            parser.set_language(&tree_sitter_python::LANGUAGE.into()).expect("the grammar loads");
            parser
        });
        let tree = parser.parse(&text, None).filter(|tree| !tree.root_node().has_error());
        let Some(tree) = tree else { return vec![false; starts.len()] };
        let model = crate::python::model::from_tree(tree.root_node(), &text, MOCK_NAMES);
        let undefined = crate::python::model::named(&crate::python::model::resolve(&model), MOCK_NAMES);
        let undefined: std::collections::HashSet<usize> = undefined.iter().map(|(_, range)| range.start).collect();
        starts.iter().map(|&at| !undefined.contains(&moved(at))).collect()
    })
}
