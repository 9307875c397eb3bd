//! `taskgroup!`: parse the block into items, validate them into a
//! [`model::GroupInput`], expand that into code.

mod except;
pub(crate) mod expand;
pub(crate) mod model;
pub(crate) mod parse;
pub(crate) mod prop;
mod sequential;
pub(crate) mod validate;

use proc_macro2::TokenStream;

/// The whole macro on `proc_macro2` tokens (`($crate)` first), so that the
/// expansion snapshots run the very code the macro runs.
pub(crate) fn taskgroup(input: TokenStream) -> TokenStream {
    syn::parse2::<parse::Input>(input)
        .and_then(validate::validate)
        .map(|g| expand::expand(&g))
        .unwrap_or_else(expand::fallback)
}
