//! Which top-level `let`s of an async fn can run concurrently, and the
//! rewrite of their initializers into branch bodies.
//!
//! A branch body runs inside an `async` block, where `?` and `return` would
//! mean the block rather than the fn. So the `?`s and `return`s an
//! initializer owns (not those inside its closures, async blocks or items)
//! become early exits that carry the error, or the returned value, to the
//! code after the group, which returns it from the fn.

use proc_macro2::TokenStream;
use quote::quote;
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Pat};

use crate::syntax::{Boundary, id, located};

/// A hidden name placed at the user's `?` or `return`.
fn id_at(name: &str, span: proc_macro2::Span) -> syn::Ident {
    located(&id(name), span)
}

/// Rewrites the `?`s and `return`s an initializer owns into early exits of
/// type `Exit<R, E>` (see `taskgroup::__private::Exit`).
pub(crate) struct Exits<'k> {
    pub(crate) krate: &'k TokenStream,
    /// The fn's return type: a returned value is coerced to it first, as
    /// `return` in the fn itself would (`Box::new(5)` to `Box<dyn Display>`).
    pub(crate) ret: &'k TokenStream,
    /// Inside a `try` block, whose `?`s are its own.
    pub(crate) in_try: usize,
}

impl VisitMut for Exits<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        // Exactly the `?`s and `return`s `syntax::own_effects` finds.
        match Boundary::of(expr) {
            Boundary::Closed => return,
            Boundary::TryBlock => {
                self.in_try += 1;
                visit_mut::visit_expr_mut(self, expr);
                self.in_try -= 1;
                return;
            }
            Boundary::Open => {}
        }
        match expr {
            Expr::Try(t) if self.in_try == 0 => {
                self.visit_expr_mut(&mut t.expr);
                let krate = self.krate;
                // Spanned on the user's `?`, so a missing `From` impl is
                // reported there.
                let span = t.question_token.spans[0];
                let (ok, err) = (id_at("__tg_ok", span), id_at("__tg_err", span));
                let mut exit: syn::ExprMatch = syn::parse_quote_spanned! {span=>
                    match () {
                        ::core::result::Result::Ok(#ok) => #ok,
                        ::core::result::Result::Err(#err) => {
                            return ::core::result::Result::Err(
                                #krate::__private::Exit::Error(::core::convert::From::from(#err)),
                            )
                        }
                    }
                };
                // The scrutinee goes in as a tree, not as tokens: printed, it
                // gets the parentheses a struct literal needs there
                // (`S {}.await?`), which `match #inner {` lacks.
                exit.expr = t.expr.clone();
                *expr = Expr::Match(exit);
            }
            Expr::Return(r) => {
                if let Some(value) = &mut r.expr {
                    self.visit_expr_mut(value);
                }
                let (krate, ret) = (self.krate, self.ret);
                let value = match &r.expr {
                    Some(v) => quote!(#v),
                    None => quote!(()),
                };
                let span = r.return_token.span;
                let returned = id_at("__tg_returned", span);
                *expr = syn::parse_quote_spanned! {span=>
                    return ::core::result::Result::Err(#krate::__private::Exit::Return({
                        let #returned: #ret = #value;
                        #returned
                    }))
                };
            }
            _ => visit_mut::visit_expr_mut(self, expr),
        }
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
}

/// The pattern of a let without its type, and the type if it had one.
pub(crate) fn split_type(pat: &Pat) -> (&Pat, Option<&syn::Type>) {
    match pat {
        Pat::Type(t) => (&t.pat, Some(&t.ty)),
        other => (other, None),
    }
}

/// Names bound mutably by a pattern (`mut x`, `ref mut x`).
pub(crate) fn mut_bindings(pat: &Pat) -> Vec<String> {
    struct Find(Vec<String>);
    impl<'ast> Visit<'ast> for Find {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            let by_ref_mut = p.by_ref.is_some() && p.mutability.is_some();
            if p.mutability.is_some() || by_ref_mut {
                self.0.push(p.ident.to_string());
            }
            visit::visit_pat_ident(self, p);
        }
    }
    let mut f = Find(Vec::new());
    f.visit_pat(pat);
    f.0
}
