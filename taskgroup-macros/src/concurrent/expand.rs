//! The rewrite of an `async fn` body under `#[concurrent]`.
//!
//! The body's top-level statements are split into *segments*: runs of two
//! or more consecutive `let PAT = …;` whose initializer awaits. Each
//! segment is lowered to a `taskgroup!` group model ([`GroupInput`]) and
//! expanded by `taskgroup!`'s own code generation, so both macros share
//! the driver, the hygiene, the `limit`, the tracing spans and the direct
//! path: every let is a branch (named after its binding) that waits only
//! for the earlier lets it names, then runs. What is left here is what
//! only `#[concurrent]` has: the `?`s and `return`s a let carries out as
//! an `Exit` (see `rewrite`), the fn's way out with them (`exit_first`,
//! `exit_all`), the barriers, and the bindings bound again as owned values
//! after the segment, so the rest of the body reads as written. The
//! `timeout` is the whole body's, not a segment's.

use std::collections::{BTreeMap, BTreeSet};

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, ItemFn, Local, Pat, ReturnType, Stmt, Type};

use super::args::Args;
use super::rewrite::{self, Exits};
use crate::group::model::{Branch, BranchKind, GroupInput, Mode, Options, Sequential, Sharing};
use crate::krate::Krate;
use crate::syntax::id;
use crate::{deps, group, syntax};

/// Facts about the fn that every segment needs.
struct Ctx<'a> {
    krate: TokenStream,
    ret: TokenStream,
    /// Where errors about the return type point.
    ret_span: Span,
    /// The fn returns `Result<_, ErrorGroup<_>>`: return every error.
    all_errors: bool,
    /// The return type is spelled `…Option<…>`: a `?` there is Option's.
    returns_option: bool,
    limit: Option<&'a Expr>,
}

pub(crate) fn expand(args: &Args, mut item: ItemFn) -> syn::Result<TokenStream> {
    let krate = match &args.krate {
        Some(path) => quote!(#path),
        None => {
            let default = crate::krate::Krate::default();
            quote!(#default)
        }
    };
    let ret = match &item.sig.output {
        ReturnType::Default => quote!(()),
        ReturnType::Type(_, ty) => quote!(#ty),
    };
    let ret_span = match &item.sig.output {
        ReturnType::Default => item.sig.ident.span(),
        ReturnType::Type(_, ty) => ty.span(),
    };
    let ctx = Ctx {
        krate,
        ret,
        ret_span,
        all_errors: returns_error_group(&item.sig.output),
        returns_option: last_segment_is(&item.sig.output, "Option"),
        limit: args.limit.as_ref(),
    };

    // An `impl Trait` return type cannot be named in the rewritten body, so
    // such a fn is left as written (a timeout needs the name: refuse it).
    if let ReturnType::Type(_, ty) = &item.sig.output {
        if mentions_impl(ty) {
            if let Some(timeout) = &args.timeout {
                return Err(syn::Error::new(
                    timeout.span(),
                    "#[concurrent(timeout = …)] needs a return type it can name; \
                     with `impl Trait` in the return type, wrap the body in \
                     `tokio::time::timeout` yourself",
                ));
            }
            if let Some(cancel) = &args.cancel {
                return Err(syn::Error::new(
                    cancel.span(),
                    "#[concurrent(cancel = …)] needs a return type it can name; \
                     with `impl Trait` in the return type, race the body against \
                     the future yourself (`tokio::select!`)",
                ));
            }
            return Ok(quote!(#item));
        }
    }

    // Names whose use hands out `&mut` access: lets that use them stay in
    // order.
    let mut mutable = BTreeSet::new();
    for input in &item.sig.inputs {
        match input {
            FnArg::Receiver(r) => {
                let by_mut_ref = match &r.kind {
                    syn::ReceiverKind::Reference(_, _, m) => m.is_some(),
                    syn::ReceiverKind::Typed(_, ty) => holds_mut_ref(ty),
                    _ => false,
                };
                if r.mutability.is_some() || by_mut_ref {
                    mutable.insert("self".to_string());
                }
            }
            FnArg::Typed(t) => {
                mutable.extend(rewrite::mut_bindings(&t.pat));
                if holds_mut_ref(&t.ty) {
                    for ident in deps::pat_bindings(&t.pat) {
                        mutable.insert(ident.to_string());
                    }
                }
            }
        }
    }

    let stmts = std::mem::take(&mut item.block.stmts);
    let body = expand_stmts(&ctx, stmts, &mut mutable);
    let body = match &args.timeout {
        None => body,
        Some(timeout) => with_timeout(&ctx, timeout, body),
    };
    let body = match &args.cancel {
        None => body,
        Some(cancel) => with_cancel(&ctx, cancel, body),
    };
    *item.block = syn::parse2(quote!({ #body }))?;
    Ok(quote!(#item))
}

/// Whether the declared return type is `…Result<_, …ErrorGroup<_>>`.
fn returns_error_group(output: &ReturnType) -> bool {
    let ReturnType::Type(_, ty) = output else {
        return false;
    };
    let Some(last) = last_segment(ty) else {
        return false;
    };
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    match args.args.iter().nth(1) {
        Some(syn::GenericArgument::Type(err)) => {
            last_segment(err).is_some_and(|s| s.ident == "ErrorGroup")
        }
        _ => false,
    }
}

/// The last segment of a path type (`Result` in `io::Result<T>`).
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(p) => p.path.segments.last(),
        _ => None,
    }
}

/// A deadline for the whole body: on expiry the body is dropped (which
/// cancels a running segment) and the fn returns `TimedOut` through `From`.
fn with_timeout(ctx: &Ctx<'_>, timeout: &Expr, body: TokenStream) -> TokenStream {
    let Ctx { krate, ret, .. } = ctx;
    let (body_var, ret_var) = (id("__tg_body"), id("__tg_ret"));
    quote! {
        let #body_var = async move {
            let #ret_var: #ret = { #body };
            #ret_var
        };
        match #krate::__private::tokio::time::timeout(#timeout, #body_var).await {
            ::core::result::Result::Ok(#ret_var) => #ret_var,
            ::core::result::Result::Err(_) => ::core::result::Result::Err(
                ::core::convert::From::from(#krate::__private::TimedOut::new()),
            ),
        }
    }
}

/// A future that cancels the whole body: when it completes first, the body
/// is dropped (which cancels a running segment) and the fn returns
/// `Cancelled` through `From`.
fn with_cancel(ctx: &Ctx<'_>, signal: &Expr, body: TokenStream) -> TokenStream {
    let Ctx { krate, ret, .. } = ctx;
    let (body_var, ret_var, cancelled) = (id("__tg_body"), id("__tg_ret"), id("__tg_cancelled"));
    let from = quote_spanned!(signal.span()=> ::core::convert::From::from(#cancelled));
    quote! {
        let #body_var = async move {
            let #ret_var: #ret = { #body };
            #ret_var
        };
        match #krate::__private::until_cancelled(#signal, #body_var).await {
            ::core::result::Result::Ok(#ret_var) => #ret_var,
            ::core::result::Result::Err(#cancelled) => ::core::result::Result::Err(#from),
        }
    }
}

/// Whether a statement may join a segment, given the mutable names so far.
fn branch_candidate<'s>(
    ctx: &Ctx<'_>,
    stmt: &'s Stmt,
    mutable: &BTreeSet<String>,
) -> Option<&'s Local> {
    let Stmt::Local(local) = stmt else {
        return None;
    };
    let init = local.init.as_ref()?;
    if init.diverge.is_some() {
        return None;
    }
    // `let _ = write().await?;`, `let _permit = …`, `let () = …`: a value
    // kept only for its side effect (a write, a check, a guard, a pause),
    // which the lets after it may rely on: keep its place.
    let names = deps::pat_bindings(&local.pat);
    if names.iter().all(|n| n.to_string().starts_with('_')) {
        return None;
    }
    // `#[cfg]` would have to go on every piece the let becomes.
    if local
        .attrs
        .iter()
        .any(|a| a.path().is_ident("cfg") || a.path().is_ident("cfg_attr"))
    {
        return None;
    }
    let scan = syntax::own_effects(&init.expr);
    if !scan.awaits || scan.macro_control {
        return None;
    }
    // `?` on an `Option` cannot be carried out of a branch.
    if scan.tries() && ctx.returns_option {
        return None;
    }
    if !deps::expr_uses(&init.expr, mutable).is_empty() {
        return None;
    }
    Some(local)
}

fn expand_stmts(ctx: &Ctx<'_>, stmts: Vec<Stmt>, mutable: &mut BTreeSet<String>) -> TokenStream {
    let mut out = TokenStream::new();
    let mut run: Vec<Local> = Vec::new();
    for (k, stmt) in stmts.iter().enumerate() {
        if let Some(local) = branch_candidate(ctx, stmt, mutable) {
            let local = local.clone();
            mutable.extend(rewrite::mut_bindings(&local.pat));
            run.push(local);
            continue;
        }
        flush(ctx, &mut run, &mut out, &stmts[k..]);
        if let Stmt::Local(local) = stmt {
            mutable.extend(rewrite::mut_bindings(&local.pat));
            if binds_mut_ref(local) {
                mutable.extend(deps::pat_bindings(&local.pat).iter().map(|n| n.to_string()));
            }
        }
        out.extend(quote!(#stmt));
    }
    flush(ctx, &mut run, &mut out, &[]);
    out
}

/// Writes the pending run of lets; `rest` is the code after it.
fn flush(ctx: &Ctx<'_>, run: &mut Vec<Local>, out: &mut TokenStream, rest: &[Stmt]) {
    let lets = std::mem::take(run);
    match lets.len() {
        0 => {}
        1 => {
            let only = &lets[0];
            out.extend(quote!(#only));
        }
        _ => out.extend(segment(ctx, lets, rest)),
    }
}

/// One segment: the lets as the branches of a `taskgroup!` group (the
/// same model, the same expansion), then the way out of the fn for a `?`
/// or `return` that left a let, then the bindings bound again as owned
/// values.
fn segment(ctx: &Ctx<'_>, lets: Vec<Local>, rest: &[Stmt]) -> TokenStream {
    let krate = &ctx.krate;

    // Which earlier let each let waits for: a name is bound by the latest
    // earlier let that binds it.
    let mut bound_by: BTreeMap<String, usize> = BTreeMap::new();
    let mut waits_for: Vec<Vec<usize>> = Vec::new();
    let mut owns: Vec<syntax::Own> = Vec::new();
    // For each let, the (earlier let, name) pairs it uses.
    let mut uses_of: Vec<Vec<(usize, syn::Ident)>> = Vec::new();
    for (i, local) in lets.iter().enumerate() {
        let known: BTreeSet<String> = bound_by.keys().cloned().collect();
        let init = local.init.as_ref().map(|i| &*i.expr);
        let uses = init.map(|e| deps::expr_uses(e, &known)).unwrap_or_default();
        let mut deps = BTreeSet::new();
        let mut used = Vec::new();
        for name in uses.keys() {
            let Some(&j) = bound_by.get(name) else {
                continue;
            };
            deps.insert(j);
            // The binding as the earlier let wrote it.
            if let Some(ident) = deps::pat_bindings(&lets[j].pat)
                .into_iter()
                .find(|n| n == name.as_str())
            {
                used.push((j, ident));
            }
        }
        waits_for.push(deps.into_iter().collect());
        uses_of.push(used);
        owns.push(init.map(syntax::own_effects).unwrap_or_default());
        for ident in deps::pat_bindings(&local.pat) {
            bound_by.insert(ident.to_string(), i);
        }
    }
    // A binding the code after the segment uses lives on there.
    let after = deps::stmts_uses(rest, &bound_by.keys().cloned().collect());
    let lives_on =
        |i: usize, name: &str| after.contains_key(name) && bound_by.get(name) == Some(&i);
    // Each name's users among the lets; one that has a single user and does
    // not live on moves into that user, as in sequential code that compiles
    // (a `Copy` value moves just as well).
    let mut users: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
    for (i, used) in uses_of.iter().enumerate() {
        for (j, name) in used {
            users.entry((*j, name.to_string())).or_default().push(i);
        }
    }
    let moved: BTreeMap<(usize, String), usize> = users
        .iter()
        .filter_map(|((j, name), by)| match by.as_slice() {
            [only] if !lives_on(*j, name) => Some(((*j, name.clone()), *only)),
            _ => None,
        })
        .collect();
    let tries = owns.iter().any(syntax::Own::tries);
    let returns = owns.iter().any(|o| o.returns);

    let ret = &ctx.ret;
    let never = quote!(::core::convert::Infallible);
    let ret_ty = if returns { ret.clone() } else { never.clone() };
    let err_ty = if tries {
        quote_spanned!(ctx.ret_span=> <#ret as #krate::__private::FnResult>::Error)
    } else {
        never.clone()
    };
    let exit_ty = quote!(#krate::__private::Exit<#ret_ty, #err_ty>);

    let value = id("__tg_value");
    let branches = lets
        .iter()
        .zip(waits_for)
        .zip(&owns)
        .enumerate()
        .map(|(i, ((local, deps), own))| {
            let mut init = local
                .init
                .as_ref()
                .map(|i| (*i.expr).clone())
                .unwrap_or_else(|| syn::parse_quote!(()));
            let span = init.span();
            let (_, ty) = rewrite::split_type(&local.pat);
            let ty = ty.map(|t| quote!(: #t));
            // A binding shared with other lets is `&T` here: the `&x` that
            // sequential code needed is one `&` more than clippy likes.
            let shares = uses_of[i]
                .iter()
                .any(|(j, name)| moved.get(&(*j, name.to_string())) != Some(&i));
            let lints = shares.then(|| {
                quote!(#[allow(clippy::needless_borrow, clippy::needless_borrows_for_generic_args)])
            });
            // A let that can leave the fn is a fallible branch whose error
            // is the way out (`Exit`); the others cannot fail.
            let fallible = own.tries() || own.returns;
            let fut: Expr = if fallible {
                Exits {
                    krate,
                    ret,
                    in_try: 0,
                }
                .visit_expr_mut(&mut init);
                // `?` became a `From::from` spanned on the user's `?`: a
                // conversion to the same type must not warn there.
                syn::parse_quote_spanned! {span=>
                    async {
                        #[allow(clippy::useless_conversion)]
                        #lints
                        let #value #ty = #init;
                        ::core::result::Result::<_, #exit_ty>::Ok(#value)
                    }
                }
            } else {
                // The let's own `let`, so that its type still coerces.
                syn::parse_quote_spanned! {span=>
                    async {
                        #lints
                        let #value #ty = #init;
                        #value
                    }
                }
            };
            Branch {
                spawn: false,
                pat: local.pat.clone(),
                names: deps::pat_bindings(&local.pat),
                deps,
                fallible,
                kind: BranchKind::Single { fut },
            }
        })
        .collect();
    let options = Options {
        timeout: None,
        cancel: None,
        limit: ctx.limit.cloned(),
        error: None,
        name: None,
        mode: Mode::FailFast,
    };
    let group = GroupInput::new(Krate(krate.clone()), options, branches, None, Vec::new())
        .with_sharing(Sharing::Sequential(Sequential {
            uses: uses_of,
            moved: moved.clone(),
        }));
    let can_fail = group.can_fail();
    let group = group::expand::expand(&group);

    // The group's value is the tuple of the bindings, in order.
    let values = id("__tg_values");
    let run = if can_fail {
        let errors = id("__tg_errors");
        let never = id("__tg_never");
        let from_ret = if returns {
            quote!(::core::convert::identity)
        } else {
            quote!(|#never| match #never {})
        };
        let from_err = if tries {
            quote_spanned!(ctx.ret_span=> <#ret as #krate::__private::FnResult>::from_error)
        } else {
            quote!(|#never| match #never {})
        };
        let exit_fn = if ctx.all_errors && tries {
            quote!(exit_all)
        } else {
            quote!(exit_first)
        };
        quote! {
            let #values = match #group {
                ::core::result::Result::Ok(#values) => #values,
                ::core::result::Result::Err(#errors) => {
                    return #krate::__private::#exit_fn(#errors, #from_ret, #from_err);
                }
            };
        }
    } else {
        quote!(let #values = #group;)
    };

    // Each binding bound again as an owned value, but for those only the
    // segment used: sequential code would not warn that they are unused,
    // so they stay in the group's value (dropped with it, at the end of
    // the fn). A moved value is gone. A binding nobody uses is bound, so
    // that rustc warns as it would in sequential code. The value of a let
    // another let waited for is the tuple of its names.
    let mut restores = TokenStream::new();
    for (i, local) in lets.iter().enumerate() {
        let attrs = &local.attrs;
        let index = syn::Index::from(i);
        if !users.keys().any(|(j, _)| *j == i) {
            let pat = &local.pat;
            restores.extend(quote! {
                #(#attrs)*
                let #pat = #values.#index;
            });
            continue;
        }
        let kept: Vec<Option<syn::PatIdent>> = deps::pat_bindings(&local.pat)
            .iter()
            .map(|name| {
                let key = (i, name.to_string());
                let gone =
                    moved.contains_key(&key) || (users.contains_key(&key) && !lives_on(i, &key.1));
                binding_of(&local.pat, name).filter(|_| !gone)
            })
            .collect();
        if kept.iter().all(Option::is_none) {
            continue;
        }
        let parts = kept.iter().map(|k| match k {
            Some(binding) => quote!(#binding),
            None => quote!(_),
        });
        restores.extend(quote! {
            #(#attrs)*
            let (#(#parts,)*) = #values.#index;
        });
    }

    quote! {
        #run
        #restores
    }
}

/// How `pat` binds `name` (`mut name`, `ref name`), without a subpattern.
fn binding_of(pat: &Pat, name: &syn::Ident) -> Option<syn::PatIdent> {
    struct Find<'n>(&'n syn::Ident, Option<syn::PatIdent>);
    impl<'ast> syn::visit::Visit<'ast> for Find<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            if self.1.is_none() && p.ident == *self.0 {
                let mut found = p.clone();
                found.subpat = None;
                self.1 = Some(found);
            }
            syn::visit::visit_pat_ident(self, p);
        }
    }
    let mut find = Find(name, None);
    syn::visit::Visit::visit_pat(&mut find, pat);
    find.1
}

/// Whether the last path segment of the return type is `name`.
fn last_segment_is(output: &ReturnType, name: &str) -> bool {
    match output {
        ReturnType::Type(_, ty) => last_segment(ty).is_some_and(|s| s.ident == name),
        ReturnType::Default => false,
    }
}

/// Whether a type mentions `impl Trait` anywhere.
fn mentions_impl(ty: &Type) -> bool {
    quote!(#ty).into_iter().any(|tt| tokens_hold_impl(&tt))
}

fn tokens_hold_impl(tt: &proc_macro2::TokenTree) -> bool {
    match tt {
        proc_macro2::TokenTree::Ident(i) => i == "impl",
        proc_macro2::TokenTree::Group(g) => g.stream().into_iter().any(|t| tokens_hold_impl(&t)),
        _ => false,
    }
}

/// Whether a type holds a `&mut` anywhere (`&mut T`, `Option<&mut T>`,
/// `self: &mut Self`): using such a binding hands out mutable access.
fn holds_mut_ref(ty: &Type) -> bool {
    struct Find(bool);
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_type_reference(&mut self, r: &'ast syn::TypeReference) {
            self.0 |= r.mutability.is_some();
            syn::visit::visit_type_reference(self, r);
        }
    }
    let mut f = Find(false);
    syn::visit::Visit::visit_type(&mut f, ty);
    f.0
}

/// Whether a sequential let binds mutable access: `let r = &mut x;` or a
/// type that holds `&mut`.
fn binds_mut_ref(local: &Local) -> bool {
    let typed = matches!(&local.pat, syn::Pat::Type(t) if holds_mut_ref(&t.ty));
    let from_mut = local
        .init
        .as_ref()
        .is_some_and(|i| matches!(&*i.expr, Expr::Reference(r) if r.mutability.is_some()));
    typed || from_mut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand_src(attr: TokenStream, src: &str) -> String {
        let item: ItemFn = syn::parse_str(src).unwrap();
        let args = super::super::args::parse(attr).unwrap();
        expand(&args, item).unwrap().to_string()
    }

    /// How many groups (segments) an expansion runs, and how many branches.
    fn groups_and_branches(out: &str) -> (usize, usize) {
        let groups = out.matches("Driver :: new").count();
        let branches = out.matches(":: __private :: branch (").count();
        (groups, branches)
    }

    #[test]
    fn independent_lets_become_one_segment() {
        let out = expand_src(
            quote!(),
            "async fn f() -> Result<u8, E> { let a = x().await?; let b = y().await?; Ok(a + b) }",
        );
        assert_eq!(groups_and_branches(&out), (1, 2), "{out}");
    }

    #[test]
    fn a_lone_await_let_is_left_as_written() {
        let out = expand_src(quote!(), "async fn f() { let a = x().await; g(a); }");
        assert!(!out.contains("__tg_"), "{out}");
    }

    #[test]
    fn statements_are_barriers() {
        let out = expand_src(
            quote!(),
            "async fn f() { let a = x().await; let b = y().await; log(); let c = z().await; let d = w().await; }",
        );
        assert_eq!(groups_and_branches(&out), (2, 4), "{out}");
        let log = out.find("log ()").unwrap();
        let (first, second) = (
            out.find("Driver :: new").unwrap(),
            out.rfind("Driver :: new").unwrap(),
        );
        assert!(first < log && log < second, "{out}");
    }

    /// The expansion of `body` in an `async fn f() -> u8`, with how many
    /// bindings it moves into a let and how many it shares.
    fn moved_and_shared(body: &str) -> ((usize, usize), String) {
        let out = expand_src(quote!(), &format!("async fn f() -> u8 {{ {body} }}"));
        let moved = out.matches("Handoff :: new").count();
        ((moved, out.matches("Slot :: new").count()), out)
    }

    #[test]
    fn a_binding_with_one_user_moves_and_one_with_two_is_shared() {
        let (cells, out) = moved_and_shared(
            "let a = x().await; let b = y(a).await; \
             let c = z().await; let d = w(c).await; let e = v(&c).await; b + d + e",
        );
        assert_eq!(cells, (1, 1), "{out}");
    }

    #[test]
    fn a_binding_used_after_the_group_is_shared() {
        let (cells, out) = moved_and_shared("let a = x().await; let b = y(a).await; log(); a + b");
        assert_eq!(cells, (0, 1), "{out}");
    }

    #[test]
    fn the_names_of_a_pattern_each_get_a_cell() {
        // `u` moves into `g`; `t` is used after, so it is shared; after the
        // group `u` is gone and `t` is bound again.
        let (cells, out) = moved_and_shared("let (u, t) = x().await; let g = y(u).await; g + t");
        assert_eq!(cells, (1, 1), "{out}");
        assert!(out.contains("let (_ , t ,) = __tg_values . 0"), "{out}");
    }

    #[test]
    fn lets_using_mut_self_stay_sequential() {
        let out = expand_src(
            quote!(),
            "async fn f(&mut self) { let a = self.x().await; let b = self.y().await; }",
        );
        assert!(!out.contains("__tg_"), "{out}");
    }
}
