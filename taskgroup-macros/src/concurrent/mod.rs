//! `#[concurrent]`: runs the independent `let … .await` lines of an async fn
//! concurrently. `args` parses the attribute, `rewrite` decides which lets
//! may run as branches and rewrites their `?`/`return`, `expand` writes the
//! groups.

mod args;
mod expand;
mod rewrite;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

/// The whole attribute: parse, check, expand. On error the original item is
/// emitted next to the error, so the rest of the crate still type-checks.
pub(crate) fn concurrent(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = args::parse(attr);
    let func = match syn::parse2::<ItemFn>(item.clone()) {
        Ok(func) => func,
        Err(_) => {
            let err = syn::Error::new_spanned(
                first_tokens(&item),
                "#[concurrent] goes on an `async fn` with a body (a free fn, a method, \
                 or a trait fn with a default body)",
            );
            return with_error(err, item);
        }
    };
    let mut errors: Option<syn::Error> = args.as_ref().err().cloned();
    if func.sig.asyncness.is_none() {
        let err = syn::Error::new(
            func.sig.fn_token.span,
            "#[concurrent] goes on an `async fn`: it runs the fn's `let … .await` lines \
             concurrently; write `async fn`, or remove the attribute",
        );
        match &mut errors {
            Some(all) => all.combine(err),
            None => errors = Some(err),
        }
    }
    if let Some(err) = errors {
        return with_error(err, item);
    }
    let Ok(args) = args else {
        return item;
    };
    match expand::expand(&args, func) {
        Ok(tokens) => tokens,
        Err(err) => with_error(err, item),
    }
}

fn with_error(err: syn::Error, item: TokenStream) -> TokenStream {
    let err = err.into_compile_error();
    quote!(#err #item)
}

/// The tokens an error about the whole item points at: its first few.
fn first_tokens(item: &TokenStream) -> TokenStream {
    item.clone().into_iter().take(3).collect()
}
