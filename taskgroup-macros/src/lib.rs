//! Procedural macros of the `taskgroup` crate. Use them through `taskgroup`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod concurrent;
mod deps;
#[cfg(test)]
mod expand_snapshots;
#[cfg(test)]
mod fuzz;
mod group;
mod krate;
mod syntax;

use proc_macro::TokenStream;

/// The implementation of `taskgroup::taskgroup!`, which forwards its
/// `$crate` as the first token tree. Not public API.
#[doc(hidden)]
#[proc_macro]
pub fn taskgroup_impl(input: TokenStream) -> TokenStream {
    group::taskgroup(input.into()).into()
}

/// Runs the independent `let … .await` lines of an async fn concurrently.
///
/// See the `taskgroup` crate's documentation of `concurrent` for the rules
/// and examples.
#[proc_macro_attribute]
pub fn concurrent(attr: TokenStream, item: TokenStream) -> TokenStream {
    concurrent::concurrent(attr.into(), item.into()).into()
}
