//! `import-cycle`: module-level imports between the project's own modules that form a cycle.
//! A project rule: each Python file contributes the import statements that run when it is
//! imported (not inside a function body, not under `if TYPE_CHECKING:`); the project pass
//! builds the graph of local modules ([`super::import_graph`]), finds its strongly connected
//! components, and reports each import statement whose edge lies on a cycle, naming the
//! shortest cycle through it (`a → b → c → a`).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::import_graph::{Edge, ImportFact, Imports, Layout};
use super::{Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration};
use crate::config::Settings;
use crate::diagnostic::FileId;
use crate::rule::{render_message, EngineSignature, Rule};

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "import-cycle",
        variables: &["importer", "imported", "cycle"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::project(ImportCycle::new(rule, settings))),
    project_wide: true,
};

pub(crate) struct ImportCycle {
    id: String,
    message: String,
    layout: Layout,
    /// A live project's edges of the last pass, per file, with the facts they came from: a
    /// file whose facts are the same gives the same edges (forgotten when the files change).
    edges: std::sync::Mutex<HashMap<FileId, FileEdges>>,
    live: std::sync::atomic::AtomicBool,
}

/// One file's facts and its edges: (importer, imported, index of the import statement).
type FileEdges = (Arc<Imports>, Vec<(String, String, usize)>);

impl ImportCycle {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Self {
        Self {
            id: rule.id.clone(),
            message: rule.message.clone(),
            layout: Layout::of(settings),
            edges: std::sync::Mutex::default(),
            live: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The edges of every file: those of a file whose facts did not change since the last pass
    /// of a live project as they were, the others resolved.
    fn edges<'f>(&self, facts: &'f [(FileId, Arc<Imports>)], paths: &[&str]) -> Vec<Edge<'f>> {
        let live = self.live.load(std::sync::atomic::Ordering::Relaxed);
        let mut known = std::mem::take(&mut *self.edges.lock().unwrap_or_else(|e| e.into_inner()));
        let mut modules = self.layout.modules();
        if modules.disk_changed {
            known.clear();
        }
        let mut kept: HashMap<FileId, FileEdges> = HashMap::new();
        let mut edges = Vec::new();
        for (file, imports) in facts {
            let list = match known.remove(file) {
                Some((old, list)) if Arc::ptr_eq(&old, imports) => list,
                _ => {
                    let runs = imports.iter().filter(|import| runs_on_import(import));
                    let found = modules.edges(&self.layout.root, std::iter::once((*file, runs)), paths);
                    let index = |site: &super::Site| imports.iter().position(|i| std::ptr::eq(&i.module_site, site));
                    let found = found.into_iter().filter_map(|e| Some((e.importer, e.imported, index(e.site)?)));
                    found.collect()
                }
            };
            for (importer, imported, at) in &list {
                let edge = Edge {
                    importer: importer.clone(),
                    imported: imported.clone(),
                    file: *file,
                    site: &imports[*at].module_site,
                };
                edges.push(edge);
            }
            if live {
                kept.insert(*file, (imports.clone(), list));
            }
        }
        *self.edges.lock().unwrap_or_else(|e| e.into_inner()) = kept;
        edges
    }

    /// A file's imports, when some of them run on import.
    fn facts(imports: Imports) -> Option<Imports> {
        imports.iter().any(runs_on_import).then_some(imports)
    }
}

/// Whether an import statement runs when its module is imported: not inside a function body,
/// not under `if TYPE_CHECKING:`.
fn runs_on_import(import: &ImportFact) -> bool {
    !import.context.in_function && !import.context.type_checking
}

impl Prefilter for ImportCycle {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        memchr::memmem::find(source.as_bytes(), b"import").is_some()
    }
}

impl ProjectRule for ImportCycle {
    fn forget(&self) {
        self.layout.forget();
        self.edges.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }

    type Facts = Imports;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        Ok(Self::facts(Imports::by_tokens(file, &self.id)?))
    }

    fn collect(&self, file: &FileContext) -> Option<Self::Facts> {
        Self::facts(Imports::by_tree(file, &self.id))
    }

    fn keep_passes(&self) {
        self.live.store(true, std::sync::atomic::Ordering::Relaxed);
    }

    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let edges = self.edges(&facts, paths);
        let graph = Graph::new(edges.iter().map(|edge| (edge.importer.as_str(), edge.imported.as_str())));
        // One finding per statement: its first edge on a cycle.
        let mut reported: BTreeSet<(FileId, usize)> = BTreeSet::new();
        let on_cycle: Vec<usize> = (0..edges.len())
            .filter(|&i| {
                let Edge { importer, imported, file, site } = &edges[i];
                graph.component[graph.id(importer)] == graph.component[graph.id(imported)]
                    && reported.insert((*file, site.range.start))
            })
            .collect();
        // The way back from each imported module to its importers: one breadth-first search per
        // imported module serves every statement importing it (one per statement was quadratic
        // in a large cycle: 90,000 statements among 3,000 modules took 14 s).
        let mut by_imported: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for &i in &on_cycle {
            by_imported.entry(graph.id(&edges[i].imported)).or_default().push(i);
        }
        let searched: Vec<(Vec<usize>, Vec<Option<NodePath>>)> = by_imported
            .into_par_iter()
            .map(|(from, statements)| {
                let importers: Vec<usize> = statements.iter().map(|&i| graph.id(&edges[i].importer)).collect();
                let previous = graph.search(from, &importers);
                let paths = importers.iter().map(|&to| Graph::path(&previous, from, to)).collect();
                (statements, paths)
            })
            .collect();
        let mut back: Vec<Option<NodePath>> = vec![None; edges.len()];
        for (statements, paths) in searched {
            for (i, path) in statements.into_iter().zip(paths) {
                back[i] = path;
            }
        }
        let mut out = Vec::new();
        for i in on_cycle {
            let Edge { importer, imported, file, site } = &edges[i];
            let Some(back) = &back[i] else { continue };
            let cycle: Vec<&str> =
                std::iter::once(importer.as_str()).chain(back.iter().map(|&node| graph.names[node])).collect();
            let cycle = shown_chain(&cycle);
            let message = render_message(&self.message, |var| match var {
                "importer" => Some(Cow::Borrowed(importer.as_str())),
                "imported" => Some(Cow::Borrowed(imported.as_str())),
                "cycle" => Some(Cow::Borrowed(cycle.as_str())),
                _ => None,
            });
            out.push(ProjectFinding { file: *file, site: (*site).clone(), message, related: Vec::new(), fix: None });
        }
        out
    }
}

/// Node ids from one module to another, both included.
type NodePath = Vec<usize>;

/// `a → b → c → a` for a chain of module names; a long one shows its first and last few names
/// and how many are between (a cycle through thousands of modules makes one short line).
pub(crate) fn shown_chain(chain: &[&str]) -> String {
    const ENDS: usize = 4;
    let quoted = |names: &[&str]| names.iter().map(|name| format!("`{name}`")).collect::<Vec<_>>().join(" → ");
    if chain.len() <= 2 * ENDS + 1 {
        return quoted(chain);
    }
    let hidden = chain.len() - 2 * ENDS;
    format!("{} → … {hidden} more … → {}", quoted(&chain[..ENDS]), quoted(&chain[chain.len() - ENDS..]))
}

/// A directed graph of module names: adjacency in name order, and each node's strongly
/// connected component.
struct Graph<'n> {
    names: Vec<&'n str>,
    ids: BTreeMap<&'n str, usize>,
    next: Vec<Vec<usize>>,
    component: Vec<usize>,
}

impl<'n> Graph<'n> {
    fn new(edges: impl Iterator<Item = (&'n str, &'n str)> + Clone) -> Self {
        let names: BTreeSet<&str> = edges.clone().flat_map(|(from, to)| [from, to]).collect();
        let names: Vec<&str> = names.into_iter().collect();
        let ids: BTreeMap<&str, usize> = names.iter().enumerate().map(|(id, name)| (*name, id)).collect();
        let mut next: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); names.len()];
        for (from, to) in edges {
            next[ids[from]].insert(ids[to]);
        }
        let next: Vec<Vec<usize>> = next.into_iter().map(|set| set.into_iter().collect()).collect();
        let component = components(&next);
        Self { names, ids, next, component }
    }

    fn id(&self, name: &str) -> usize {
        self.ids[name]
    }

    /// Breadth-first search from `from` within its component, neighbours in name order, until
    /// every node of `targets` is reached: each reached node's predecessor (the node it was
    /// first reached from). The path it gives to a node is the one a search stopped there gives.
    fn search(&self, from: usize, targets: &[usize]) -> Vec<Option<usize>> {
        let component = self.component[from];
        let mut previous: Vec<Option<usize>> = vec![None; self.names.len()];
        let mut seen = vec![false; self.names.len()];
        let mut wanted: BTreeSet<usize> = targets.iter().copied().collect();
        let mut queue = VecDeque::from([from]);
        seen[from] = true;
        while let Some(node) = queue.pop_front() {
            wanted.remove(&node);
            if wanted.is_empty() {
                break;
            }
            for &after in &self.next[node] {
                if !seen[after] && self.component[after] == component {
                    seen[after] = true;
                    previous[after] = Some(node);
                    queue.push_back(after);
                }
            }
        }
        previous
    }

    /// The nodes of the path [`Graph::search`] found from `from` to `to` (both included).
    fn path(previous: &[Option<usize>], from: usize, to: usize) -> Option<Vec<usize>> {
        let mut path = vec![to];
        let mut current = to;
        while current != from {
            current = previous[current]?;
            path.push(current);
        }
        path.reverse();
        Some(path)
    }

    /// The nodes of a shortest path from `from` to `to` (both included), within their component.
    #[cfg(test)]
    fn shortest_path(&self, from: usize, to: usize) -> Option<Vec<usize>> {
        Self::path(&self.search(from, &[to]), from, to)
    }
}

/// Each node's strongly connected component (Tarjan's algorithm, iterative).
fn components(next: &[Vec<usize>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let count = next.len();
    let mut index = vec![UNSEEN; count];
    let mut low = vec![0; count];
    let mut on_stack = vec![false; count];
    let mut stack = Vec::new();
    let mut component = vec![UNSEEN; count];
    let mut counter = 0;
    let mut components = 0;
    for start in 0..count {
        if index[start] != UNSEEN {
            continue;
        }
        // (node, next neighbour to visit)
        let mut work = vec![(start, 0usize)];
        index[start] = counter;
        low[start] = counter;
        counter += 1;
        stack.push(start);
        on_stack[start] = true;
        while let Some(&mut (node, ref mut position)) = work.last_mut() {
            if let Some(&after) = next[node].get(*position) {
                *position += 1;
                if index[after] == UNSEEN {
                    index[after] = counter;
                    low[after] = counter;
                    counter += 1;
                    stack.push(after);
                    on_stack[after] = true;
                    work.push((after, 0));
                } else if on_stack[after] {
                    low[node] = low[node].min(index[after]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == index[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    component
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_shortest_cycles() {
        let edges = [("a", "b"), ("b", "c"), ("c", "a"), ("c", "d"), ("d", "e"), ("e", "d"), ("b", "a"), ("f", "a")];
        let graph = Graph::new(edges.iter().copied());
        let component = |name: &str| graph.component[graph.id(name)];
        assert_eq!(component("a"), component("b"));
        assert_eq!(component("a"), component("c"));
        assert_eq!(component("d"), component("e"));
        assert_ne!(component("a"), component("d"));
        assert_ne!(component("f"), component("a"));
        let path = |from: &str, to: &str| {
            graph
                .shortest_path(graph.id(from), graph.id(to))
                .map(|p| p.iter().map(|&n| graph.names[n]).collect::<Vec<_>>())
        };
        assert_eq!(path("b", "a"), Some(vec!["b", "a"]));
        assert_eq!(path("c", "b"), Some(vec!["c", "a", "b"]));
        assert_eq!(path("a", "d"), None, "another component");
    }

    /// One search for many importers gives each the path a search for it alone gives (the
    /// first-found predecessors do not change as a search goes on).
    #[test]
    fn one_search_serves_every_importer() {
        let mut state: u64 = 7;
        let mut next = |below: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % below) as usize
        };
        let names: Vec<String> = (0..60).map(|i| format!("m{i:02}")).collect();
        let edges: Vec<(&str, &str)> = (0..150).map(|_| (names[next(60)].as_str(), names[next(60)].as_str())).collect();
        let graph = Graph::new(edges.iter().copied());
        let mut compared = 0;
        for from in 0..graph.names.len() {
            let all: Vec<usize> =
                (0..graph.names.len()).filter(|&to| graph.component[to] == graph.component[from]).collect();
            let previous = graph.search(from, &all);
            for &to in &all {
                assert_eq!(Graph::path(&previous, from, to), graph.shortest_path(from, to));
                compared += usize::from(to != from);
            }
        }
        assert!(compared > 100, "{compared} paths");
    }
}
