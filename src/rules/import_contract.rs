//! `import-contract`: import-linter's contract types over the static import graph of the
//! project's own modules ([`super::import_graph`]). Contracts are configuration, an array of
//! tables under `[rules.import-contract]`:
//! - `forbidden`: the modules under `source` may not import those under `forbidden`;
//! - `layers`: `layers` from highest to lowest; a lower layer may not import a higher one;
//! - `independence`: none of `modules` may import another.
//!
//! "Under" a module means the module and its descendants. Every import statement counts
//! (inside functions and under `if TYPE_CHECKING:` too, as grimp records them). Each direct
//! import that breaks a contract is a finding at the import, naming the contract; `ignore`
//! lists `importer -> imported` pairs (`*` stands for one name, `**` for one or more) that do
//! not count. With `indirect = true`, chains through other modules count too: for each module
//! on the importing side and each module it may not reach, the shortest chain is reported once,
//! at its first import, naming the whole chain. A contract whose modules match no module of the
//! project is a configuration error (exit 2) when the rule is built, never a silent pass.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use super::import_graph::{module_matches, Edge, Imports, Layout, Modules};
use super::{Declined, Engine, FileContext, FileText, Prefilter, ProjectFinding, ProjectRule, Registration};
use crate::config::Settings;
use crate::diagnostic::FileId;
use crate::rule::{render_message, EngineSignature, Rule};
use crate::UserError;

pub(crate) const REGISTRATION: Registration = Registration {
    signature: EngineSignature {
        name: "import-contract",
        variables: &["contract", "importer", "imported", "detail"],
        languages: &[crate::language::Language::Python],
    },
    build: |rule, settings| Ok(Engine::project(ImportContract::new(rule, settings)?)),
    project_wide: true,
};

pub(crate) struct ImportContract {
    id: String,
    message: String,
    layout: Layout,
    contracts: Vec<Contract>,
}

/// What one file contributes: its import statements, and whether it could be read only in
/// part (a syntax error the tree recovered from): a breach found there says so.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct ContractFacts {
    imports: Imports,
    partial: bool,
}

/// One contract as configured.
#[derive(Debug)]
struct Contract {
    name: String,
    kind: Kind,
    /// `importer -> imported` patterns that do not count.
    ignore: Vec<(String, String)>,
    indirect: bool,
}

#[derive(Debug)]
enum Kind {
    Forbidden {
        source: Vec<String>,
        forbidden: Vec<String>,
    },
    /// Highest first.
    Layers(Vec<String>),
    Independence(Vec<String>),
}

/// Whether `module` is `entry` or one of its descendants.
fn under(module: &str, entry: &str) -> bool {
    module.strip_prefix(entry).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
}

/// Where a module stands in a contract: the index of the entry it is under in each of the
/// contract's lists (`source` and `forbidden`; the layers; the independent modules).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Place {
    first: Option<usize>,
    second: Option<usize>,
}

impl Contract {
    /// Why `importer` may not import `imported` under this contract, if it may not.
    fn breaks(&self, importer: &str, imported: &str) -> Option<String> {
        let pair = self.breach(self.place(importer), self.place(imported))?;
        Some(self.detail(pair))
    }

    /// Where `module` stands in this contract.
    fn place(&self, module: &str) -> Place {
        let entry = |list: &[String]| list.iter().position(|entry| under(module, entry));
        match &self.kind {
            Kind::Forbidden { source, forbidden } => Place { first: entry(source), second: entry(forbidden) },
            Kind::Layers(list) | Kind::Independence(list) => Place { first: entry(list), second: None },
        }
    }

    /// The entries (importer's, imported's) of a breach when a module at `importer` imports one
    /// at `imported`.
    fn breach(&self, importer: Place, imported: Place) -> Option<(usize, usize)> {
        match &self.kind {
            Kind::Forbidden { .. } => {
                let (from, to) = (importer.first?, imported.second?);
                // A module both in the source and the forbidden set imports itself: not a breach.
                importer.second.is_none().then_some((from, to))
            }
            Kind::Layers(_) => {
                let (from, to) = (importer.first?, imported.first?);
                (to < from).then_some((from, to))
            }
            Kind::Independence(_) => {
                let (from, to) = (importer.first?, imported.first?);
                (from != to).then_some((from, to))
            }
        }
    }

    /// What a breach between the entries `(from, to)` breaks.
    fn detail(&self, (from, to): (usize, usize)) -> String {
        match &self.kind {
            Kind::Forbidden { source, forbidden } => format!("`{}` may not import `{}`", source[from], forbidden[to]),
            Kind::Layers(layers) => format!("layer `{}` is below layer `{}`", layers[from], layers[to]),
            Kind::Independence(modules) => format!("`{}` and `{}` are independent", modules[from], modules[to]),
        }
    }

    /// Whether the import of `imported` by `importer` is listed under `ignore`: it is left out
    /// of the graph (direct and indirect), as import-linter leaves it out.
    fn ignores(&self, importer: &str, imported: &str) -> bool {
        self.ignore.iter().any(|(from, to)| module_matches(from, importer) && module_matches(to, imported))
    }

    /// Two entries of one list, or a source and a forbidden module, where one is under the
    /// other: the contract could never be broken between them (or its answer would depend on
    /// their order).
    fn overlap(&self) -> Option<(&String, &String)> {
        let within = |list: &'_ [String]| -> Option<(usize, usize)> {
            (0..list.len())
                .flat_map(|a| (0..list.len()).map(move |b| (a, b)))
                .find(|&(a, b)| a != b && under(&list[a], &list[b]))
        };
        match &self.kind {
            Kind::Forbidden { source, forbidden } => {
                let list: Vec<String> = source.iter().chain(forbidden).cloned().collect();
                within(&list).map(|(a, b)| (self.modules()[a], self.modules()[b]))
            }
            Kind::Layers(list) | Kind::Independence(list) => within(list).map(|(a, b)| (&list[a], &list[b])),
        }
    }

    /// The module entries named by the contract.
    fn modules(&self) -> Vec<&String> {
        match &self.kind {
            Kind::Forbidden { source, forbidden } => source.iter().chain(forbidden).collect(),
            Kind::Layers(list) | Kind::Independence(list) => list.iter().collect(),
        }
    }
}

impl ImportContract {
    pub(crate) fn new(rule: &Rule, settings: &Settings) -> Result<Self, UserError> {
        let at = super::option_at(rule, "contracts", settings);
        let error = |message: String| settings.config_error(at, format!("[rules.{}] contracts: {message}", rule.id));
        let list = match rule.options.get("contracts") {
            Some(toml::Value::Array(list)) => list.clone(),
            _ => Vec::new(),
        };
        let mut modules = Modules::new(&settings.source_roots, &settings.namespace_packages);
        let mut contracts = Vec::new();
        for (index, value) in list.iter().enumerate() {
            let Some(table) = value.as_table() else {
                return Err(error(format!("contract {} is not a table", index + 1)));
            };
            let contract =
                parse_contract(table).map_err(|message| error(format!("contract {}: {message}", index + 1)))?;
            if let Some((inner, outer)) = contract.overlap() {
                return Err(error(format!(
                    "contract \"{}\": `{inner}` is `{outer}` or inside it: a contract's modules must not overlap",
                    contract.name
                )));
            }
            for module in contract.modules() {
                if !modules.exists(module) {
                    let roots: Vec<String> =
                        settings.source_roots.iter().map(|root| settings.display_path(root)).collect();
                    return Err(error(format!(
                        "contract \"{}\": `{module}` matches no module of the project (looked for from the \
                         source roots {}; a namespace package must be listed in scan.namespace-packages)",
                        contract.name,
                        roots.join(", ")
                    )));
                }
            }
            contracts.push(contract);
        }
        Ok(Self { id: rule.id.clone(), message: rule.message.clone(), layout: Layout::of(settings), contracts })
    }
}

/// One contract from its table, or what is wrong with it.
fn parse_contract(table: &toml::map::Map<String, toml::Value>) -> Result<Contract, String> {
    const KEYS: [&str; 8] = ["name", "type", "source", "forbidden", "layers", "modules", "ignore", "indirect"];
    if let Some(key) = table.keys().find(|key| !KEYS.contains(&key.as_str())) {
        return Err(format!("unknown key `{key}`: expected one of {}", KEYS.join(", ")));
    }
    let name = match table.get("name") {
        Some(toml::Value::String(name)) => name.clone(),
        _ => return Err("`name` (a string) is required".to_string()),
    };
    let strings = |key: &str| -> Result<Vec<String>, String> {
        match table.get(key) {
            None => Ok(Vec::new()),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_string).ok_or(format!("\"{name}\": `{key}` must be an array of strings"))
                })
                .collect(),
            Some(_) => Err(format!("\"{name}\": `{key}` must be an array of strings")),
        }
    };
    let required = |key: &str, kind: &str| -> Result<Vec<String>, String> {
        let list = strings(key)?;
        if list.is_empty() {
            return Err(format!("\"{name}\": a `{kind}` contract needs `{key}` (module names)"));
        }
        Ok(list)
    };
    let kind = match table.get("type").and_then(toml::Value::as_str) {
        Some("forbidden") => {
            Kind::Forbidden { source: required("source", "forbidden")?, forbidden: required("forbidden", "forbidden")? }
        }
        Some("layers") => Kind::Layers(required("layers", "layers")?),
        Some("independence") => Kind::Independence(required("modules", "independence")?),
        Some(other) => {
            return Err(format!("\"{name}\": unknown type `{other}`: expected forbidden, layers or independence"))
        }
        None if table.contains_key("type") => return Err(format!("\"{name}\": `type` must be a string")),
        None => return Err(format!("\"{name}\": `type` is required: forbidden, layers or independence")),
    };
    let ignore = strings("ignore")?
        .iter()
        .map(|pair| match pair.split_once("->") {
            Some((from, to)) if !from.trim().is_empty() && !to.trim().is_empty() && !to.contains("->") => {
                Ok((from.trim().to_string(), to.trim().to_string()))
            }
            _ => Err(format!("\"{name}\": `ignore` entry `{pair}` must be `importer -> imported`")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let indirect = match table.get("indirect") {
        None => false,
        Some(toml::Value::Boolean(value)) => *value,
        Some(_) => return Err(format!("\"{name}\": `indirect` must be true or false")),
    };
    Ok(Contract { name, kind, ignore, indirect })
}

impl Prefilter for ImportContract {
    fn may_match(&self, _path: &Path, source: &str) -> bool {
        !self.contracts.is_empty() && memchr::memmem::find(source.as_bytes(), b"import").is_some()
    }
}

impl ProjectRule for ImportContract {
    fn forget(&self) {
        self.layout.forget();
    }

    type Facts = ContractFacts;

    fn collect_tokens(&self, file: &FileText) -> Result<Option<Self::Facts>, Declined> {
        let imports = Imports::by_tokens(file, &self.id)?;
        Ok((!imports.is_empty()).then_some(ContractFacts { imports, partial: false }))
    }

    fn collect(&self, file: &FileContext) -> Option<Self::Facts> {
        let imports = Imports::by_tree(file, &self.id);
        let partial = file.tree.root_node().has_error();
        (!imports.is_empty()).then_some(ContractFacts { imports, partial })
    }

    fn finish(&self, facts: Vec<(FileId, Arc<Self::Facts>)>, paths: &[&str]) -> Vec<ProjectFinding> {
        let mut modules = self.layout.modules();
        let files = facts.iter().map(|(file, facts)| (*file, facts.imports.iter()));
        let all_edges = modules.edges(&self.layout.root, files, paths);
        let partial: std::collections::BTreeSet<FileId> =
            facts.iter().filter(|(_, facts)| facts.partial).map(|(file, _)| *file).collect();
        let mut out = Vec::new();
        for contract in &self.contracts {
            let edges: Vec<&Edge> =
                all_edges.iter().filter(|edge| !contract.ignores(&edge.importer, &edge.imported)).collect();
            for edge in edges.iter().copied() {
                if let Some(detail) = contract.breaks(&edge.importer, &edge.imported) {
                    out.push(self.finding(contract, edge, &edge.imported, detail, &partial));
                }
            }
            if contract.indirect {
                self.indirect(contract, &edges, &partial, &mut out);
            }
        }
        out
    }
}

impl ImportContract {
    fn finding(
        &self,
        contract: &Contract,
        edge: &Edge,
        imported: &str,
        mut detail: String,
        partial: &std::collections::BTreeSet<FileId>,
    ) -> ProjectFinding {
        if partial.contains(&edge.file) {
            detail.push_str("; found in a file with syntax errors: what its broken part imports is not known");
        }
        let message = render_message(&self.message, |var| match var {
            "contract" => Some(Cow::Borrowed(contract.name.as_str())),
            "importer" => Some(Cow::Borrowed(edge.importer.as_str())),
            "imported" => Some(Cow::Borrowed(imported)),
            "detail" => Some(Cow::Borrowed(detail.as_str())),
            _ => None,
        });
        ProjectFinding { file: edge.file, site: edge.site.clone(), message, related: Vec::new(), fix: None }
    }

    /// Chains of two or more imports from a module to one it may not import: for each module
    /// and each one it may not reach, the shortest chain (breadth first, in name order), at the
    /// chain's first import. The modules on the importing side are searched from on both cores;
    /// their findings come in module order.
    fn indirect(
        &self,
        contract: &Contract,
        edges: &[&Edge],
        partial: &std::collections::BTreeSet<FileId>,
        out: &mut Vec<ProjectFinding>,
    ) {
        // The first edge (in path order) of each pair, and the graph in name order.
        let mut first: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (index, edge) in edges.iter().enumerate() {
            first.entry((edge.importer.as_str(), edge.imported.as_str())).or_insert(index);
        }
        let names: Vec<&str> =
            first.keys().flat_map(|&(from, to)| [from, to]).collect::<BTreeSet<_>>().into_iter().collect();
        let id = |name: &str| names.binary_search(&name).expect("a name of the graph");
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
        for &(from, to) in first.keys() {
            next[id(from)].push(id(to));
        }
        let places: Vec<Place> = names.iter().map(|name| contract.place(name)).collect();
        let starts: Vec<usize> = (0..names.len()).filter(|&start| !next[start].is_empty()).collect();
        let found: Vec<Vec<ProjectFinding>> = starts
            .into_par_iter()
            .map(|start| {
                let mut out = Vec::new();
                // Only modules on a contract's importing side can break it.
                if !places.iter().any(|&other| contract.breach(places[start], other).is_some()) {
                    return out;
                }
                let mut previous: Vec<Option<usize>> = vec![None; names.len()];
                let mut queue = VecDeque::from([start]);
                let mut reported: BTreeSet<(usize, usize)> = BTreeSet::new();
                while let Some(node) = queue.pop_front() {
                    for &after in &next[node] {
                        if after == start || previous[after].is_some() {
                            continue;
                        }
                        previous[after] = Some(node);
                        queue.push_back(after);
                        if node == start {
                            continue; // a direct import: reported as such
                        }
                        let Some(pair) = contract.breach(places[start], places[after]) else { continue };
                        if !reported.insert(pair) {
                            continue; // this pair of entries already has its shortest chain
                        }
                        let mut chain = vec![names[after]];
                        let mut current = after;
                        while let Some(before) = previous[current] {
                            chain.push(names[before]);
                            current = before;
                        }
                        chain.reverse();
                        let edge = edges[first[&(chain[0], chain[1])]];
                        let shown = super::import_cycle::shown_chain(&chain);
                        let detail = format!("{}, through {shown}", contract.detail(pair));
                        out.push(self.finding(contract, edge, names[after], detail, partial));
                    }
                }
                out
            })
            .collect();
        out.extend(found.into_iter().flatten());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contracts_and_patterns() {
        assert!(under("a.b", "a") && under("a", "a") && !under("ab", "a"));
        let forbidden = Contract {
            name: "n".into(),
            kind: Kind::Forbidden { source: vec!["shared".into()], forbidden: vec!["app".into()] },
            ignore: vec![("shared.compat".into(), "app.config".into())],
            indirect: false,
        };
        assert!(forbidden.breaks("shared.x", "app.y").is_some());
        assert!(forbidden.ignores("shared.compat", "app.config") && !forbidden.ignores("shared.x", "app.config"));
        assert_eq!(forbidden.overlap(), None);
        let overlapping = Contract {
            name: "o".into(),
            kind: Kind::Layers(vec!["shared".into(), "shared.other".into()]),
            ignore: vec![],
            indirect: false,
        };
        assert!(overlapping.overlap().is_some());
        assert!(forbidden.breaks("app.y", "shared.x").is_none());
        let layers = Contract {
            name: "l".into(),
            kind: Kind::Layers(vec!["api".into(), "db".into()]),
            ignore: vec![],
            indirect: false,
        };
        assert!(layers.breaks("db.models", "api.views").is_some());
        assert!(layers.breaks("api.views", "db.models").is_none());
        let independent = Contract {
            name: "i".into(),
            kind: Kind::Independence(vec!["a".into(), "b".into()]),
            ignore: vec![],
            indirect: false,
        };
        assert!(independent.breaks("a.x", "b").is_some() && independent.breaks("a.x", "a.y").is_none());
    }
}
