//! Meta-tests that keep the corpus honest: every rule has a fixture and a snapshot, generated
//! docs are fresh, every module says what it owns, and ssot finds nothing in its own repository.

mod common;

use std::path::Path;

use ssot::rules::bundled_catalog;

#[test]
fn every_rule_has_a_fixture_with_markers_and_a_snapshot() {
    let catalog = bundled_catalog().expect("bundled rules load");
    let mut missing = Vec::new();
    for id in catalog.ids() {
        let dir = common::root().join("testdata/rules").join(id);
        let marker = format!("# expect: {id}");
        // In a source file of the fixture, at any depth (project fixtures have packages); not
        // in the snapshot, which quotes the marked lines.
        fn marked(dir: &std::path::Path, marker: &str) -> bool {
            std::fs::read_dir(dir).into_iter().flatten().flatten().any(|entry| {
                let path = entry.path();
                if path.is_dir() {
                    return marked(&path, marker);
                }
                path.extension().is_some_and(|e| e == "py" || e == "pyi" || e == "rs")
                    && std::fs::read_to_string(&path).is_ok_and(|text| text.contains(marker))
            })
        }
        let has_marker = marked(&dir, &marker);
        if !has_marker {
            missing.push(format!("{}: no fixture with `{marker}`", dir.display()));
        }
        if !dir.join("output.snap").is_file() {
            missing.push(format!("{}: no output.snap", dir.display()));
        }
    }
    let rule_dirs = std::fs::read_dir(common::root().join("testdata/rules")).unwrap();
    for entry in rule_dirs.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if catalog.get(&name).is_none() {
            missing.push(format!("testdata/rules/{name}: no rule with that id"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Compares (or, with `SSOT_BLESS=1`, rewrites) a generated file.
fn check_generated(path: &Path, expected: &str, stale: &mut Vec<String>) {
    let actual = std::fs::read_to_string(path).unwrap_or_default();
    if actual == expected {
        return;
    }
    let bless = std::env::var_os("SSOT_BLESS").is_some(); // ssot: ignore[direct-env-access] -- a test knob
    if bless {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, expected).unwrap();
    } else {
        stale.push(path.display().to_string());
    }
}

#[test]
fn generated_rule_docs_are_fresh() {
    let catalog = bundled_catalog().expect("bundled rules load");
    let docs = common::root().join("docs/rules");
    let mut stale = Vec::new();
    for (spec, origin) in &catalog.entries {
        let path = docs.join(format!("{}.md", spec.id.get_ref()));
        check_generated(&path, &ssot::docs::rule_markdown(spec, origin), &mut stale);
    }
    check_generated(&docs.join("README.md"), &ssot::docs::rules_index(&catalog), &mut stale);
    for entry in std::fs::read_dir(&docs).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let id = name.trim_end_matches(".md");
        if name != "README.md" && catalog.get(id).is_none() {
            stale.push(format!("{} (no such rule)", entry.path().display()));
        }
    }
    assert!(stale.is_empty(), "stale generated docs (rerun with SSOT_BLESS=1): {}", stale.join(", "));
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_starts_with_a_doc_comment_saying_what_it_owns() {
    let mut files = Vec::new();
    rust_files(&common::root().join("src"), &mut files);
    files.sort();
    let mut undocumented = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let parsed = syn::parse_file(&text).unwrap_or_else(|err| panic!("{}: {err}", file.display()));
        let has_doc = parsed.attrs.iter().any(|attr| attr.path().is_ident("doc"));
        if !has_doc {
            undocumented.push(file.display().to_string());
        }
    }
    assert!(undocumented.is_empty(), "modules without a `//!` doc: {}", undocumented.join(", "));
}

#[test]
fn every_engine_rule_has_its_own_source_file() {
    let catalog = bundled_catalog().unwrap();
    for (spec, _) in &catalog.entries {
        let Some(engine) = &spec.engine else { continue };
        let name = engine.get_ref();
        if ssot::rule::ScannerRule::ALL.iter().any(|rule| rule.name() == name) {
            continue; // run by the scanner itself (src/scan/analyze.rs, src/scan/mod.rs)
        }
        let file = common::root().join("src/rules").join(format!("{}.rs", name.replace('-', "_")));
        assert!(file.is_file(), "engine `{name}` has no {}", file.display());
    }
}

#[test]
fn dogfood_ssot_is_clean_on_its_own_repository() {
    let root = common::root();
    let run = common::ssot(&[
        "check",
        root.to_str().unwrap(),
        "--exclude",
        "testdata/**",
        "--exclude",
        "target/**",
        "--format",
        "json",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(run.json()["diagnostics"], serde_json::json!([]));
}

/// The modules of `src/` as nodes (`scan`, `scan/cache`, …) and the modules each one's code
/// (tests aside) names through `crate::…` and `super::…` paths.
fn module_graph() -> std::collections::BTreeMap<String, std::collections::BTreeSet<String>> {
    use syn::visit::Visit;

    struct Paths<'a> {
        me: &'a [String],
        src: &'a Path,
        out: std::collections::BTreeSet<String>,
    }
    impl Paths<'_> {
        /// The module node a path's leading segments name, if it is a module of `src/`.
        fn resolve(&mut self, segments: &[String]) {
            let (base, rest): (Vec<String>, &[String]) = match segments.first().map(String::as_str) {
                Some("crate") => (Vec::new(), &segments[1..]),
                Some("super") => (self.me[..self.me.len().saturating_sub(1)].to_vec(), &segments[1..]),
                _ => return,
            };
            let mut node = base;
            for segment in rest.iter().take(2) {
                let dir = self.src.join(node.join("/"));
                if dir.join(format!("{segment}.rs")).is_file() || dir.join(segment).join("mod.rs").is_file() {
                    node.push(segment.clone());
                } else {
                    break;
                }
            }
            if !node.is_empty() && node != self.me {
                self.out.insert(node.join("/"));
            }
        }
    }
    fn is_test(attrs: &[syn::Attribute]) -> bool {
        attrs.iter().any(|attr| {
            attr.path().is_ident("cfg") && attr.meta.require_list().is_ok_and(|list| list.tokens.to_string() == "test")
        })
    }
    fn use_paths(tree: &syn::UseTree, prefix: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                use_paths(&path.tree, prefix, out);
                prefix.pop();
            }
            syn::UseTree::Name(name) => out.push([prefix.clone(), vec![name.ident.to_string()]].concat()),
            syn::UseTree::Rename(rename) => out.push([prefix.clone(), vec![rename.ident.to_string()]].concat()),
            syn::UseTree::Glob(_) => out.push(prefix.clone()),
            syn::UseTree::Group(group) => group.items.iter().for_each(|item| use_paths(item, prefix, out)),
        }
    }
    impl<'ast> Visit<'ast> for Paths<'_> {
        fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
            if !is_test(&item.attrs) {
                syn::visit::visit_item_mod(self, item);
            }
        }
        fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
            if !is_test(&item.attrs) {
                syn::visit::visit_item_fn(self, item);
            }
        }
        fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
            if is_test(&item.attrs) {
                return;
            }
            let mut paths = Vec::new();
            use_paths(&item.tree, &mut Vec::new(), &mut paths);
            for path in paths {
                self.resolve(&path);
            }
        }
        fn visit_path(&mut self, path: &'ast syn::Path) {
            let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
            self.resolve(&segments);
            syn::visit::visit_path(self, path);
        }
    }

    let src = common::root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = std::collections::BTreeMap::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().with_extension("");
        let mut me: Vec<String> = relative.iter().map(|part| part.to_string_lossy().into_owned()).collect();
        if me.last().is_some_and(|last| last == "mod") {
            me.pop();
        }
        if matches!(me.as_slice(), [only] if only == "lib" || only == "main") {
            continue;
        }
        let parsed = syn::parse_file(&std::fs::read_to_string(&file).unwrap()).unwrap();
        let mut paths = Paths { me: &me, src: &src, out: Default::default() };
        paths.visit_file(&parsed);
        graph.insert(me.join("/"), paths.out);
    }
    graph
}

/// A cycle of `graph`, if it has one.
fn find_cycle(graph: &std::collections::BTreeMap<String, std::collections::BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit<'a>(
        node: &'a str,
        graph: &'a std::collections::BTreeMap<String, std::collections::BTreeSet<String>>,
        state: &mut std::collections::HashMap<&'a str, bool>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(true) => return None,
            Some(false) => {
                let start = stack.iter().position(|n| *n == node).unwrap_or(0);
                return Some(stack[start..].iter().chain([&node]).map(|n| n.to_string()).collect());
            }
            None => {}
        }
        state.insert(node, false);
        stack.push(node);
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(node, true);
        None
    }
    let mut state = std::collections::HashMap::new();
    graph.keys().find_map(|node| visit(node, graph, &mut state, &mut Vec::new()))
}

/// The layers import downwards only: no cycle among the top-level modules (`rules` ↔ `scan`), nor
/// among the files of one directory (`scan/analyze` ↔ `scan/cache`); a directory's `mod.rs` may
/// use what its files define and they may use what it re-exports.
#[test]
fn the_module_graph_has_no_cycle() {
    let graph = module_graph();
    let top = |node: &str| node.split('/').next().unwrap_or_default().to_string();
    let mut layers: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    let mut siblings: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = Default::default();
    for (from, targets) in &graph {
        for to in targets {
            if top(from) != top(to) {
                layers.entry(top(from)).or_default().insert(top(to));
            } else if from.contains('/') && to.contains('/') {
                siblings.entry(from.clone()).or_default().insert(to.clone());
            }
        }
    }
    assert!(layers.contains_key("scan") && layers["scan"].contains("rules"), "the graph is read: {layers:?}");
    assert_eq!(find_cycle(&layers), None, "a cycle among the top-level modules");
    assert_eq!(find_cycle(&siblings), None, "a cycle among the files of one directory");
}
