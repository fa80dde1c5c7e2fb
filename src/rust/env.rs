//! The paths of a Rust file that name a function of `std::env` reaching the process environment
//! at run time (`std::env::var` and its kin): in full, through a `use` of `std::env` (`env::var`,
//! `e::var` after `use std::env as e`), or as a name a `use` bound to one of the functions
//! (`var` after `use std::env::var`, groups and globs included). `use` declarations count for
//! the whole file, wherever they stand. Read in code (path expressions) and, token by token,
//! inside macro arguments. `env!` and `option_env!` (compile time) are not paths of this kind.

use std::collections::BTreeSet;
use std::ops::Range;

use proc_macro2::TokenTree;
use syn::ext::IdentExt;
use syn::visit::Visit;

use super::span_range;
use super::tokens::{each_sequence, is_path_separator, is_punct};

/// The functions of `std::env` that read or change the process environment.
pub(crate) const ENV_FUNCTIONS: [&str; 6] = ["var", "var_os", "vars", "vars_os", "set_var", "remove_var"];

/// One path that reaches the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EnvPath {
    /// From the path's first segment to its end.
    pub range: Range<usize>,
}

/// What the file's `use` declarations bind.
#[derive(Debug, Default)]
struct Bindings {
    /// Names bound to the module `std::env`.
    modules: BTreeSet<String>,
    /// Names bound to one of [`ENV_FUNCTIONS`].
    functions: BTreeSet<String>,
}

impl Bindings {
    /// Records what `use <prefix>::<tree>` binds.
    fn walk(&mut self, tree: &syn::UseTree, prefix: &mut Vec<String>) {
        let mut bind = |path: Vec<String>, name: String| {
            if name == "_" {
                return;
            }
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            match path.as_slice() {
                ["std", "env"] => {
                    self.modules.insert(name);
                }
                ["std", "env", function] if ENV_FUNCTIONS.contains(function) => {
                    self.functions.insert(name);
                }
                _ => {}
            }
        };
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.unraw().to_string());
                self.walk(&path.tree, prefix);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let ident = name.ident.unraw().to_string();
                if ident == "self" {
                    if let Some(last) = prefix.last() {
                        bind(prefix.clone(), last.clone());
                    }
                } else {
                    let mut path = prefix.clone();
                    path.push(ident.clone());
                    bind(path, ident);
                }
            }
            syn::UseTree::Rename(rename) => {
                let ident = rename.ident.unraw().to_string();
                let mut path = prefix.clone();
                if ident != "self" {
                    path.push(ident);
                }
                bind(path, rename.rename.unraw().to_string());
            }
            syn::UseTree::Glob(_) => match prefix.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
                ["std"] => {
                    self.modules.insert("env".into());
                }
                ["std", "env"] => self.functions.extend(ENV_FUNCTIONS.iter().map(|f| f.to_string())),
                _ => {}
            },
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.walk(tree, prefix);
                }
            }
        }
    }

    /// Whether the path of `segments` (after a leading `::` when `leading`) reaches the
    /// environment.
    fn reaches(&self, segments: &[String], leading: bool) -> bool {
        match segments {
            [std, env, function] => std == "std" && env == "env" && ENV_FUNCTIONS.contains(&function.as_str()),
            [module, function] => {
                !leading && self.modules.contains(module) && ENV_FUNCTIONS.contains(&function.as_str())
            }
            [name] => !leading && self.functions.contains(name),
            _ => false,
        }
    }
}

struct Uses<'b>(&'b mut Bindings);

impl<'ast> Visit<'ast> for Uses<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        self.0.walk(&item.tree, &mut Vec::new());
    }
}

struct Paths<'b> {
    bindings: &'b Bindings,
    out: Vec<EnvPath>,
}

impl<'ast> Visit<'ast> for Paths<'_> {
    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        if expr.qself.is_none() {
            let segments: Vec<String> = expr.path.segments.iter().map(|s| s.ident.unraw().to_string()).collect();
            if self.bindings.reaches(&segments, expr.path.leading_colon.is_some()) {
                if let (Some(first), Some(last)) = (expr.path.segments.first(), expr.path.segments.last()) {
                    let range = span_range(first.ident.span()).start..span_range(last.ident.span()).end;
                    self.out.push(EnvPath { range });
                }
            }
        }
        syn::visit::visit_expr_path(self, expr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        each_sequence(&mac.tokens, |trees| self.sequence(trees));
        syn::visit::visit_macro(self, mac);
    }
}

impl Paths<'_> {
    /// The paths in one token sequence of a macro's arguments: `a::b::c` with a leading `::`
    /// or none, not after `.` (a field or method) and not in the middle of a longer path; a
    /// single name not followed by `!` (a macro).
    fn sequence(&mut self, trees: &[TokenTree]) {
        let mut at = 0;
        while at < trees.len() {
            let TokenTree::Ident(first) = &trees[at] else {
                at += 1;
                continue;
            };
            let after_separator = at >= 2 && is_path_separator(trees, at - 2);
            // `a::b`: `b` continues a path; `(::std::…`: a leading `::`.
            let leading = after_separator
                && !(at >= 3 && (matches!(trees[at - 3], TokenTree::Ident(_)) || is_punct(trees.get(at - 3), '>')));
            // `x.var` (a field or method; `..var` is a range) and `'var` (a lifetime or label).
            let field = at >= 1
                && ((is_punct(trees.get(at - 1), '.') && !(at >= 2 && is_punct(trees.get(at - 2), '.')))
                    || is_punct(trees.get(at - 1), '\''));
            let mut segments = vec![first.unraw().to_string()];
            let mut last = first.span();
            let mut next = at + 1;
            while is_path_separator(trees, next) {
                let Some(TokenTree::Ident(ident)) = trees.get(next + 2) else { break };
                segments.push(ident.unraw().to_string());
                last = ident.span();
                next += 3;
            }
            let continues = (after_separator && !leading) || field;
            // `$var` (a macro_rules variable), `a::b!(…)` (a macro), `var::…` (a longer path).
            let metavariable = at >= 1 && is_punct(trees.get(at - 1), '$');
            let macro_name = is_punct(trees.get(next), '!');
            let continued = segments.len() == 1 && is_path_separator(trees, next);
            // A bare name before a lone `=` (a named argument, `format!("{var}", var = 1)`) or a
            // lone `:` (a field, `S { var: 1 }`) names no function.
            let lone = |ch: char| matches!(trees.get(next), Some(TokenTree::Punct(p)) if p.as_char() == ch && p.spacing() == proc_macro2::Spacing::Alone);
            let named = segments.len() == 1 && (lone('=') || lone(':'));
            if !continues
                && !metavariable
                && !macro_name
                && !continued
                && !named
                && self.bindings.reaches(&segments, leading)
            {
                let range = span_range(first.span()).start..span_range(last).end;
                self.out.push(EnvPath { range });
            }
            at = next;
        }
    }
}

/// The environment paths of `file`, in source order.
pub(crate) fn env_paths(file: &syn::File) -> Vec<EnvPath> {
    let mut bindings = Bindings::default();
    Uses(&mut bindings).visit_file(file);
    let mut paths = Paths { bindings: &bindings, out: Vec::new() };
    paths.visit_file(file);
    let mut out = paths.out;
    out.sort_by_key(|path| (path.range.start, path.range.end));
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(source: &str) -> Vec<String> {
        let file = super::super::parse(source).unwrap();
        let out = env_paths(&file).into_iter().map(|p| source[p.range].to_string()).collect();
        drop(file);
        super::super::release_spans();
        out
    }

    #[test]
    fn every_spelling_of_an_environment_function_is_found() {
        let source = r#"
use std::env;
use std::env as e;
use std::env::{self as x, var as v, vars_os};
fn f() {
    let a = std::env::var("A");
    let b = ::std::env::var_os("B");
    let c = env::vars();
    let d = e::set_var("D", "1");
    let g = v("G");
    let h = vars_os();
    let i = x::remove_var("I");
    println!("{:?}", env::var("J"));
    let k = format!("{}", std::env::var("K").unwrap());
}
"#;
        assert_eq!(
            found(source),
            [
                "std::env::var",
                "std::env::var_os",
                "env::vars",
                "e::set_var",
                "v",
                "vars_os",
                "x::remove_var",
                "env::var",
                "std::env::var"
            ]
        );
    }

    #[test]
    fn near_misses_are_not_found() {
        let source = r#"
use std::env;
use std::env::var;
fn f(config: &Config) {
    let a = env!("CARGO_PKG_NAME");
    let b = option_env!("HOME");
    let c = config.var("A");
    let d = config.vars;
    let s = "std::env::var(\"X\")";
    let e = std::env::args();
    let f = other::env::var("F");
    println!("{}", config.var);
    m!('var: loop { break 'var; });
    m!($var, S { var: 1 }, std::env::var!(x));
    println!("{var}", var = 1);
    var!(x);
}
"#;
        assert_eq!(found(source), Vec::<String>::new());
    }

    #[test]
    fn raw_identifiers_are_their_names() {
        assert_eq!(found("fn f() { let a = std::env::r#var(\"A\"); }\n"), ["std::env::r#var"]);
        assert_eq!(found("use std::env as env2;\nfn f() { r#env2::var(\"A\"); }\n"), ["r#env2::var"]);
    }

    #[test]
    fn a_glob_binds_every_function_and_the_module() {
        assert_eq!(found("use std::env::*;\nfn f() { let a = var(\"A\"); let b = vars(); }\n"), ["var", "vars"]);
        assert_eq!(found("use std::*;\nfn f() { let a = env::var(\"A\"); }\n"), ["env::var"]);
        // Without a `use`, a bare `env::var` is some other `env`.
        assert_eq!(found("fn f() { let a = env::var(\"A\"); }\n"), Vec::<String>::new());
    }
}
