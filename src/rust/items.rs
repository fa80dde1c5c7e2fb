//! The items of a Rust file that say "this is where a concept lives": string constants
//! (`const`/`static` of type `&str` with a literal value) and type definitions (structs, unions,
//! enums, traits), at module level (nested `mod` blocks included) and, for constants, in `impl`
//! and `trait` blocks — never inside functions. Items in a `#[cfg(test)]` module, or marked so
//! themselves, are left out.

use std::ops::Range;

use syn::ext::IdentExt;

use super::{is_test_only, span_range};

/// `const NAME: &str = "value";` (or `static`, or `&'static str`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RustConst {
    pub name: String,
    pub value: String,
    /// The name's range.
    pub range: Range<usize>,
}

/// What kind of type a definition makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TypeKind {
    Struct,
    Union,
    Enum,
    Trait,
}

/// A type definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RustType {
    pub name: String,
    pub kind: TypeKind,
    /// The name's range.
    pub range: Range<usize>,
}

/// The file's string constants and type definitions, in source order.
#[derive(Debug, Default)]
pub(crate) struct Items {
    pub constants: Vec<RustConst>,
    pub types: Vec<RustType>,
}

/// The string value of a constant of type `&str`, when its value is a literal.
fn string_constant(ty: &syn::Type, expr: &syn::Expr) -> Option<String> {
    let syn::Type::Reference(reference) = ty else { return None };
    if reference.mutability.is_some() {
        return None;
    }
    let syn::Type::Path(path) = reference.elem.as_ref() else { return None };
    if path.qself.is_some() || !path.path.is_ident("str") {
        return None;
    }
    match expr {
        syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(literal), .. }) => Some(literal.value()),
        _ => None,
    }
}

impl Items {
    fn constant(&mut self, ident: &syn::Ident, ty: &syn::Type, expr: &syn::Expr) {
        if let Some(value) = string_constant(ty, expr) {
            self.constants.push(RustConst { name: ident.unraw().to_string(), value, range: span_range(ident.span()) });
        }
    }

    fn kind(&mut self, ident: &syn::Ident, kind: TypeKind) {
        self.types.push(RustType { name: ident.unraw().to_string(), kind, range: span_range(ident.span()) });
    }

    fn items(&mut self, items: &[syn::Item]) {
        // Nested modules are walked with an explicit stack: nesting costs no recursion.
        let mut pending: Vec<&[syn::Item]> = vec![items];
        while let Some(items) = pending.pop() {
            for item in items {
                match item {
                    syn::Item::Const(c) if !is_test_only(&c.attrs) => self.constant(&c.ident, &c.ty, &c.expr),
                    syn::Item::Static(s) if !is_test_only(&s.attrs) => self.constant(&s.ident, &s.ty, &s.expr),
                    syn::Item::Struct(s) if !is_test_only(&s.attrs) => self.kind(&s.ident, TypeKind::Struct),
                    syn::Item::Union(u) if !is_test_only(&u.attrs) => self.kind(&u.ident, TypeKind::Union),
                    syn::Item::Enum(e) if !is_test_only(&e.attrs) => self.kind(&e.ident, TypeKind::Enum),
                    syn::Item::Trait(t) if !is_test_only(&t.attrs) => {
                        self.kind(&t.ident, TypeKind::Trait);
                        for member in &t.items {
                            if let syn::TraitItem::Const(c) = member {
                                if let (Some((_, expr)), false) = (&c.default, is_test_only(&c.attrs)) {
                                    self.constant(&c.ident, &c.ty, expr);
                                }
                            }
                        }
                    }
                    syn::Item::Impl(block) if !is_test_only(&block.attrs) => {
                        for member in &block.items {
                            if let syn::ImplItem::Const(c) = member {
                                if !is_test_only(&c.attrs) {
                                    self.constant(&c.ident, &c.ty, &c.expr);
                                }
                            }
                        }
                    }
                    syn::Item::Mod(module) if !is_test_only(&module.attrs) => {
                        if let Some((_, items)) = &module.content {
                            pending.push(items);
                        }
                    }
                    _ => {}
                }
            }
        }
        self.constants.sort_by_key(|c| c.range.start);
        self.types.sort_by_key(|t| t.range.start);
    }
}

/// The string constants and type definitions of `file`.
pub(crate) fn items(file: &syn::File) -> Items {
    let mut out = Items::default();
    // `#![cfg(test)]` at the top: the whole file is compiled for tests only.
    if !is_test_only(&file.attrs) {
        out.items(&file.items);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_and_types_outside_functions_and_tests() {
        let source = r#"
pub const EVENT: &str = "tool_executing";
static NAME: &'static str = "x";
const NUMBER: u32 = 3;
const MUT: &mut str = "no";
pub struct SessionManager;
enum Kind { A }
trait Store { const KEY: &str = "k"; }
impl SessionManager { const PREFIX: &str = "p"; }
mod inner { pub union Bits { a: u8 } }
#[cfg(test)]
mod tests { const EVENT: &str = "tool_executing"; struct FakeManager; }
fn f() { const LOCAL: &str = "l"; struct Local; }
"#;
        let file = super::super::parse(source).unwrap();
        let found = items(&file);
        drop(file);
        super::super::release_spans();
        let constants: Vec<(&str, &str)> =
            found.constants.iter().map(|c| (c.name.as_str(), c.value.as_str())).collect();
        assert_eq!(constants, [("EVENT", "tool_executing"), ("NAME", "x"), ("KEY", "k"), ("PREFIX", "p")]);
        let types: Vec<(&str, TypeKind)> = found.types.iter().map(|t| (t.name.as_str(), t.kind)).collect();
        assert_eq!(
            types,
            [
                ("SessionManager", TypeKind::Struct),
                ("Kind", TypeKind::Enum),
                ("Store", TypeKind::Trait),
                ("Bits", TypeKind::Union)
            ]
        );
        for constant in &found.constants {
            assert_eq!(&source[constant.range.clone()], constant.name);
        }
    }
}
