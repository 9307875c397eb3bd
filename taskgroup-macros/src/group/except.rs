//! The `except*` arms: what they see and how each one runs.
//!
//! The arms run inline in the caller's block once the branches are gone,
//! on the group's errors. Before them, each branch binding an arm uses is
//! bound as a partial result: an `Option` of its value (a `Vec` of them
//! for a `for` binding), from its slot, its branch's output, or the cell
//! its fan-out kept its finished items in. Each arm splits off the leaves
//! it matches and, if it got any, binds the names its pattern binds from
//! the first of them (by reference into the subgroup) and runs its body.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Pat};

use super::expand::{kept_cell, slot};
use super::model::{Arm, BranchKind, Direct, GroupInput, Matcher};
use crate::syntax::id;
use crate::{deps, syntax};

/// Binding `i` as the `except*` arms see it, if some arm uses it: an
/// `Option` of its value (a `Vec` of them for a `for` binding), from its
/// slot or its branch's output.
pub(super) fn partial(g: &GroupInput, i: usize) -> Option<TokenStream> {
    if !g.in_arms(i) {
        return None;
    }
    let p = g.krate.private();
    let b = &g.branches[i];
    let value = if g.waited_for(i) {
        let s = slot(i);
        quote!(#s.into_inner())
    } else {
        let values = id("__tg_values");
        let index = syn::Index::from(i);
        match g.direct(i) {
            Some(Direct::Value) => quote!(#values.#index),
            _ => quote!(#p::partial(#values.#index)),
        }
    };
    // The names as the user declared them (`mut` too), bound from the
    // value's pattern without `mut`, `ref` or a type: its parts are now
    // in an `Option`.
    let pat = syntax::borrowed_pat(&b.pat);
    let muts = mutable_names(&b.pat);
    let names: Vec<TokenStream> = b
        .names
        .iter()
        .map(|n| {
            if muts.contains(n) {
                quote!(mut #n)
            } else {
                quote!(#n)
            }
        })
        .collect();
    let bind = match (&b.kind, &pat, names.as_slice()) {
        (BranchKind::ForEach(_), _, [name]) => {
            let k = kept_cell(i);
            quote!(let #name = #p::partial_fan(#value, #k);)
        }
        (BranchKind::Single { .. }, Pat::Ident(ident), [name]) if ident.subpat.is_none() => {
            quote!(let #name = #value;)
        }
        _ => {
            let bare = &b.names;
            let none = bare.iter().map(|_| quote!(::core::option::Option::None));
            quote! {
                let (#(#names,)*) = match #value {
                    ::core::option::Option::Some(#pat) => (#(::core::option::Option::Some(#bare),)*),
                    ::core::option::Option::None => (#(#none,)*),
                };
            }
        }
    };
    // An arm need not use every name, nor change a `mut` one.
    Some(quote! {
        #[allow(unused_variables, unused_mut)]
        #bind
    })
}

/// The names a pattern declares `mut`.
fn mutable_names(pat: &Pat) -> Vec<Ident> {
    struct Muts(Vec<Ident>);
    impl<'a> syn::visit::Visit<'a> for Muts {
        fn visit_pat_ident(&mut self, p: &'a syn::PatIdent) {
            if p.mutability.is_some() {
                self.0.push(p.ident.clone());
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut muts = Muts(Vec::new());
    syn::visit::Visit::visit_pat(&mut muts, pat);
    muts.0
}

/// The `except*` arms, on the group's errors `eg`.
pub(super) fn arms(arms: &[Arm], eg: &Ident, p: &TokenStream) -> TokenStream {
    let rest = id("__tg_rest");
    let first = id("__tg_first");
    let leaf = id("__tg_leaf");
    let each = arms.iter().map(|arm| {
        let body = &arm.body;
        let names = pattern_names(arm);
        let (pred, body) = match &arm.matcher {
            Matcher::Pattern(pat) => {
                let guard = arm.guard.as_ref().map(|g| quote!(if #g));
                // The names the body uses are used in the test too, so a
                // name bound for the body alone is not reported unused.
                let pred = quote! {
                    match #leaf {
                        #pat #guard => { #(let _ = &#names;)* true }
                        #[allow(unreachable_patterns)]
                        _ => false,
                    }
                };
                (pred, bound_body(arm, pat, &names, p))
            }
            Matcher::Type(ty) => (
                quote_spanned!(ty.span()=> #leaf.downcast_ref::<#ty>().is_some()),
                quote!(#body),
            ),
        };
        let group = match (&arm.name, names.is_empty()) {
            (Some(name), _) => quote!(#name),
            (None, false) => {
                let group = id("__tg_arm_group");
                quote!(#group)
            }
            (None, true) => quote!(_),
        };
        let value = id("__tg_arm_value");
        // Arms may diverge (`return`, `?`, `panic!`).
        quote! {
            #[allow(unreachable_code, clippy::diverging_sub_expression)]
            if let ::core::option::Option::Some(#group) = #p::split_arm(&mut #rest, |#leaf| #pred) {
                let #value = #body;
                #p::keep_first(&mut #first, #value);
            }
        }
    });
    quote! {
        {
            let mut #rest = ::core::option::Option::Some(#eg);
            let mut #first = ::core::option::Option::None;
            #(#each)*
            #p::arms_result(#first, #rest)
        }
    }
}

/// The names an arm's pattern binds that its body uses.
fn pattern_names(arm: &Arm) -> Vec<Ident> {
    let Matcher::Pattern(pat) = &arm.matcher else {
        return Vec::new();
    };
    let names = deps::pat_bindings(pat);
    let known = names.iter().map(|n| n.to_string()).collect();
    let used = deps::expr_uses(&arm.body, &known);
    names
        .into_iter()
        .filter(|n| used.contains_key(&n.to_string()))
        .collect()
}

/// An arm's body, with the names its pattern binds bound from the first
/// leaf the arm received, matched as the arm's test matched it: by
/// reference, so they borrow from the subgroup (its `as NAME`, or a hidden
/// one).
fn bound_body(arm: &Arm, pat: &Pat, names: &[Ident], p: &TokenStream) -> TokenStream {
    let body = &arm.body;
    if names.is_empty() {
        return quote!(#body);
    }
    let group = match &arm.name {
        Some(name) => name.clone(),
        None => id("__tg_arm_group"),
    };
    quote! {
        match #p::ErrorGroup::first(&#group) {
            // The names the body does not use are bound too.
            #[allow(unused_variables)]
            #pat => #body,
            #[allow(unreachable_patterns)]
            _ => ::core::unreachable!("taskgroup: the first leaf of an arm matched its pattern"),
        }
    }
}
