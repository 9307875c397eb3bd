//! How `#[concurrent]`'s branches hand bindings to each other: as the
//! sequential code they were written as would (`Sharing::Sequential`).
//!
//! Each name a waited-for branch binds has its own cell, so the names of
//! one pattern can go different ways. A name whose only user is one later
//! branch (and that nothing after the group uses) is moved into that
//! branch (`Handoff`); any other is kept in a `Slot` and seen by its users
//! as `&T`, or copied when its type is `Copy` (`Shared`'s autoref
//! dispatch, decided by rustc from the type). After the group each
//! branch's value is the tuple of its names, `()` for a moved one.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Ident;

use super::model::{GroupInput, Sequential};
use crate::syntax::{self, id};

fn cell(i: usize, k: usize) -> Ident {
    id(&format!("__tg_slot_{i}_{k}"))
}

/// The cell of name `name` of branch `i`.
fn cell_of(g: &GroupInput, i: usize, name: &Ident) -> Option<Ident> {
    let names = &g.branches.get(i)?.names;
    let k = names.iter().position(|n| n == name)?;
    Some(cell(i, k))
}

/// The cells of the names of waited-for branch `i`.
pub(super) fn cells(g: &GroupInput, s: &Sequential, i: usize, p: &TokenStream) -> TokenStream {
    let Some(b) = g.branches.get(i) else {
        return TokenStream::new();
    };
    b.names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let c = cell(i, k);
            if s.moved_to(i, name).is_some() {
                quote!(let #c = #p::Handoff::new();)
            } else {
                quote!(let #c = #p::Slot::new();)
            }
        })
        .collect()
}

/// The start of branch `i`: each earlier name it uses, once it is ready.
pub(super) fn waits(
    g: &GroupInput,
    s: &Sequential,
    i: usize,
    group: &Ident,
    p: &TokenStream,
) -> TokenStream {
    let uses = s.uses.get(i).map(Vec::as_slice).unwrap_or_default();
    uses.iter()
        .filter_map(|(j, name)| {
            let c = cell_of(g, *j, name)?;
            let wait = quote! {
                #[allow(unused_variables)]
                let #name = #c.wait(&#group).await?;
            };
            if s.moved_to(*j, name) == Some(i) {
                return Some(wait);
            }
            Some(quote! {
                #wait
                #[allow(unused_variables)]
                let #name = {
                    use #p::{SharedCopy as _, SharedRef as _};
                    (&&#p::Shared(#name)).value()
                };
            })
        })
        .collect()
}

/// The end of waited-for branch `i`: its value, split into its names, each
/// into its cell.
pub(super) fn store(g: &GroupInput, i: usize, value: &Ident) -> TokenStream {
    let Some(b) = g.branches.get(i) else {
        return TokenStream::new();
    };
    let view = syntax::borrowed_pat(&b.pat);
    let sets = b.names.iter().enumerate().map(|(k, name)| {
        let c = cell(i, k);
        quote!(#c.set(#name);)
    });
    quote! {
        let #view = #value;
        #(#sets)*
    }
}

/// The value of waited-for branch `i` once the group succeeded: the tuple
/// of its names, `()` for a moved one.
pub(super) fn take(g: &GroupInput, s: &Sequential, i: usize) -> TokenStream {
    let Some(b) = g.branches.get(i) else {
        return quote!(());
    };
    let names = b.names.iter().enumerate().map(|(k, name)| {
        if s.moved_to(i, name).is_some() {
            quote!((),)
        } else {
            let c = cell(i, k);
            quote!(#c.take(),)
        }
    });
    quote!((#(#names)*))
}
