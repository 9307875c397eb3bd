//! The one place that writes the path of the runtime.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

/// The path of the `taskgroup` crate as the caller sees it: `$crate`
/// forwarded by the facade's `macro_rules!`, so renamed dependencies and
/// re-exports work.
#[derive(Clone)]
pub(crate) struct Krate(pub(crate) TokenStream);

impl Krate {
    /// `<krate>::__private`, where everything generated code uses lives.
    pub(crate) fn private(&self) -> TokenStream {
        let krate = &self.0;
        quote!(#krate::__private)
    }
}

impl Default for Krate {
    fn default() -> Self {
        Krate(quote!(::taskgroup))
    }
}

impl ToTokens for Krate {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.0.to_tokens(tokens);
    }
}
