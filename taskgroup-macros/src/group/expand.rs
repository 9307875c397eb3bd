//! Expansion: a [`GroupInput`] to the code that runs it.
//!
//! The expansion is a block expression awaited in place (like
//! `tokio::try_join!`):
//!
//! ```text
//! {
//!     let group = Group::new(..);              // errors + cancel flag, Sync
//!     let slot_1 = Slot::new(); …              // only for a binding another
//!                                              // branch waits for (a OnceLock)
//!     let kept_1 = Kept::new();                // only for a `for` binding an
//!                                              // `except*` arm uses
//!     let (panic, values) = {
//!         let b0 = pin!(branch(async { deps; let v = FUT.await…; Ok(v) }));
//!         let b1 = pin!(branch(FUT.into_future())); // a plain `let x = FUT?;`
//!         let mut visit = {                    // shows the branches to a pass
//!             let mut b0 = b0.as_mut(); …      // (the `Pin`s themselves)
//!             let group = &group;              // (if some branch can fail)
//!             move |pass| {
//!                 pass.branch(0, task?, &mut b0);
//!                 if let Some(e) = pass.try_branch(1, &mut b1) { pass.failed(group.fail(e)) }
//!             }
//!         };
//!         poll_fn(|cx| driver.poll(cx, &group, deadline, &mut visit)).await;
//!         (driver.into_panic(), (output(&mut b0), …)) // the branches' values
//!     };                                       // every branch dropped here
//!     let errors = finish(panic, group);       // resumes a panic
//!     match errors {
//!         None => Ok({ let x = take_ok(values.0); TAIL }),
//!         Some(e) => Err(e),                   // without `except*` arms
//!         Some(eg) => {                        // with them: what the arms
//!             let x = partial(values.0);       // use, as `Option`s (a `for`
//!             let v = partial_fan(values.1, kept_1); // binding's items too)
//!             // each arm, inline: split off its leaves, bind the names
//!             // its pattern binds from the first one, run its body
//!         }
//!     }
//! }
//! ```
//!
//! The tail and the arms are plain code in the caller's block, so `return`,
//! `?`, `break` and assignments work in them as written. Static branches
//! are pinned on the caller's stack: no allocation, no task, no boxing.
//! Internal names have mixed-site hygiene; every path is absolute.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, Pat};

use super::except::{arms, partial};
use super::model::Direct;
use super::model::{Branch, BranchKind, ForEach, GroupInput, Mode, Sharing};
use super::prop::ErrorType;
use super::sequential;
use crate::syntax::{id, located};
use crate::{deps, syntax};

struct Names {
    group: Ident,
    limit: Ident,
    win: Ident,
    value: Ident,
    fan: Ident,
    fut: Ident,
    ok: Ident,
    err: Ident,
    errors: Ident,
}

impl Names {
    fn new() -> Self {
        Names {
            group: id("__tg_group"),
            limit: id("__tg_limit"),
            win: id("__tg_win"),
            value: id("__tg_value"),
            fan: id("__tg_fan"),
            fut: id("__tg_fut"),
            ok: id("__tg_ok"),
            err: id("__tg_err"),
            errors: id("__tg_errors"),
        }
    }
}

pub(super) fn slot(i: usize) -> Ident {
    id(&format!("__tg_slot_{i}"))
}

pub(super) fn kept_cell(i: usize) -> Ident {
    id(&format!("__tg_kept_{i}"))
}

pub(crate) fn expand(g: &GroupInput) -> TokenStream {
    let p = g.krate.private();
    let n = Names::new();
    let Names {
        group,
        limit,
        win,
        errors,
        ..
    } = &n;
    let mode = g.options.mode;

    let error_ty = match g.error_type() {
        ErrorType::Given(ty) => quote!(#ty),
        ErrorType::Inferred => quote!(_),
        ErrorType::TimedOut => quote!(#p::TimedOut),
        ErrorType::Cancelled => quote!(#p::Cancelled),
        ErrorType::Infallible => quote!(::core::convert::Infallible),
    };
    let mode_tokens = mode.runtime(&g.krate);
    let mut new_group = match &g.options.timeout {
        Some((kw, _)) => {
            let from = quote_spanned!(kw.span()=> ::core::convert::From::from);
            quote!(#p::Group::<#error_ty>::with_timeout(#mode_tokens, #from))
        }
        None => quote!(#p::Group::<#error_ty>::new(#mode_tokens)),
    };
    let driver = id("__tg_driver");
    // The name is evaluated once: it names the group's tracing span and,
    // through the driver, its node in the live tree.
    let name_var = id("__tg_name");
    let (name_decl, name_driver) = match &g.options.name {
        Some(name) => {
            let named = quote_spanned!(name.span()=> .named(&#name_var));
            new_group = quote!(#new_group #named);
            (
                quote_spanned!(name.span()=> let #name_var = #name;),
                quote_spanned!(name.span()=> #driver.name(&#name_var);),
            )
        }
        None => (quote!(), quote!()),
    };
    let deadline_var = id("__tg_deadline");
    // Only a group with a timeout holds a timer (a `Sleep` is large).
    let (deadline_decl, deadline) = match &g.options.timeout {
        Some((_, expr)) => {
            let sleep = quote_spanned!(expr.span()=> #p::deadline(#expr));
            (
                quote!(let mut #deadline_var = ::core::pin::pin!(#sleep);),
                quote!(::core::option::Option::Some(#deadline_var.as_mut())),
            )
        }
        None => (quote!(), quote!(::core::option::Option::None)),
    };
    // Only a group with `cancel = …;` holds and polls its future.
    let cancel_var = id("__tg_cancel");
    let (cancel_decl, cancel_poll) = match &g.options.cancel {
        Some((kw, expr)) => {
            let signal = quote_spanned!(expr.span()=> #p::cancel_signal(#expr));
            let from = quote_spanned!(kw.span()=> ::core::convert::From::from);
            (
                quote!(let mut #cancel_var = ::core::pin::pin!(#signal);),
                Some((cancel_var, from)),
            )
        }
        None => (quote!(), None),
    };
    // One limit for the static branches and for the items of each fan-out.
    let limit_decl = match &g.options.limit {
        Some(expr) => {
            let value = quote_spanned!(expr.span()=> #p::limit(#expr));
            quote!(let #limit: ::core::option::Option<usize> = ::core::option::Option::Some(#value);)
        }
        None => quote!(let #limit: ::core::option::Option<usize> = ::core::option::Option::None;),
    };

    // Only a binding another branch waits for needs a cell that hands out
    // `&T`; the others are the output of their branch, taken from it.
    let slots: Vec<TokenStream> = match mode {
        Mode::Race => vec![quote!(let #win = #p::Slot::new();)],
        _ => (0..g.branches.len())
            .filter(|&i| g.waited_for(i))
            .map(|i| match &g.sharing {
                Sharing::Sequential(s) => sequential::cells(g, s, i, &p),
                Sharing::ByRef => {
                    let s = slot(i);
                    quote!(let #s = #p::Slot::new();)
                }
            })
            .collect(),
    };

    // A fan-out whose binding an `except*` arm uses keeps the values of
    // its finished items there if it stops.
    let kept_cells = (0..g.branches.len())
        .filter(|&i| g.keeps_items(i))
        .map(|i| {
            let k = kept_cell(i);
            quote!(let #k = #p::Kept::new();)
        });
    let pins: Vec<Ident> = (0..g.branches.len())
        .map(|i| id(&format!("__tg_branch_{i}")))
        .collect();
    let direct: Vec<Option<Direct>> = (0..g.branches.len()).map(|i| g.direct(i)).collect();
    // Each branch's binding, as written: the name of its tracing span and
    // of its node in the live tree.
    let labels: Vec<String> = g.branches.iter().map(label).collect();
    let branch_decls = g.branches.iter().enumerate().map(|(i, b)| {
        // With the `tracing` feature each branch runs in a span named after
        // its binding.
        let label = &labels[i];
        let group = &n.group;
        let pin = &pins[i];
        match (&direct[i], &b.kind) {
            // The user's own future, made where the branches are declared.
            (Some(_), BranchKind::Single { fut }) => {
                // A method call: when the expression is not a future, its
                // type is an error and rustc reports it once, at the user's
                // tokens (`IntoFuture::into_future(fut)` would leave the
                // type standing and repeat the error at every use).
                let span = fut.span();
                let into = quote_spanned!(span=> {
                    use ::core::future::IntoFuture as _;
                    (#fut).into_future()
                });
                quote! {
                    let mut #pin = ::core::pin::pin!(#p::branch(&#group, #label, #into));
                }
            }
            _ => {
                let body = branch(g, i, b, &n, &p);
                quote! {
                    let mut #pin = ::core::pin::pin!(#p::branch(&#group, #label, #body));
                }
            }
        }
    });
    let cx = id("__tg_cx");
    let pass = id("__tg_pass");
    let visit = id("__tg_visit");
    // The closure that shows the branches is `move`: it borrows the group
    // only to record the errors of the user's own futures.
    let group_ref = direct
        .iter()
        .any(|d| matches!(d, Some(Direct::Fails)))
        .then(|| quote!(let #group = &#group;));
    let panic = id("__tg_panic");
    let values = id("__tg_values");
    let visits = g
        .branches
        .iter()
        .zip(&pins)
        .enumerate()
        .map(|(i, (b, pin))| {
            let task = b.spawn;
            match direct[i] {
                Some(Direct::Fails) => {
                    // `err` is placed at the user's future: a branch whose
                    // error type differs from the group's is reported there.
                    let span = b.fut().span();
                    let (group, err) = (located(&n.group, span), located(&n.err, span));
                    let name = label(b);
                    let same = syntax::at(quote!(__tg_SameError::into_group_error), span);
                    let fail = quote_spanned! {span=>
                        #group.fail(#same(#err, #group.error_of()), #name)
                    };
                    quote! {
                        if let ::core::option::Option::Some(#err) = #pass.try_branch(#i, &mut #pin) {
                            #pass.failed(#fail);
                        }
                    }
                }
                _ => quote!(#pass.branch(#i, #task, &mut #pin);),
            }
        });
    // The outputs of the branches whose binding is not in a slot.
    let outputs = pins.iter().enumerate().map(|(i, pin)| match direct[i] {
        _ if g.in_slot(i) => quote!((),),
        Some(Direct::Value) => quote!(#p::value(&mut #pin),),
        _ => quote!(#p::output(&mut #pin),),
    });
    let total = g.branches.len() as u32;
    let deps = g.has_deps();

    let value = value(g);
    let fails = g.can_fail();
    let result = match (mode, fails) {
        (Mode::Race, true) => quote!(#p::race_result(#win, #errors)),
        (Mode::Race, false) => quote!({ let _ = #errors; #win.take() }),
        (_, true) => quote! {
            match #errors {
                ::core::option::Option::None => ::core::result::Result::Ok(#value),
                ::core::option::Option::Some(#errors) => ::core::result::Result::Err(#errors),
            }
        },
        (_, false) => quote!({ let _ = #errors; #value }),
    };
    let eg = id("__tg_eg");
    let result = match (g.arms.is_empty(), mode, fails) {
        (true, ..) => result,
        // A race's arms run only when every contestant failed.
        (false, Mode::Race, _) => {
            let handle = arms(&g.arms, &eg, &p);
            quote! {
                match #result {
                    ::core::result::Result::Ok(#eg) => ::core::result::Result::Ok(#eg),
                    ::core::result::Result::Err(#eg) => #handle,
                }
            }
        }
        // The arms see the branches' values, so they are matched here,
        // where the group's value has not taken them.
        (false, _, _) => {
            let handle = arms(&g.arms, &eg, &p);
            let partials = (0..g.branches.len()).filter_map(|i| partial(g, i));
            quote! {
                match #errors {
                    ::core::option::Option::None => ::core::result::Result::Ok(#value),
                    ::core::option::Option::Some(#eg) => {
                        #(#partials)*
                        #handle
                    }
                }
            }
        }
    };

    // The traits that say, at a branch, that its type differs from the
    // others' (`syntax::at` places the calls there).
    let same_error = g.same_error().then(|| {
        let name = id("__tg_SameError");
        quote!(use #p::SameError as #name;)
    });
    let same_value = (mode == Mode::Race).then(|| {
        let name = id("__tg_SameValue");
        quote!(use #p::SameValue as #name;)
    });

    let poll = match cancel_poll {
        None => quote!(|#cx| #driver.poll(#cx, &#group, #deadline, &mut #visit)),
        Some((signal, from)) => quote!(|#cx| {
            #driver.poll_cancel(#cx, &#group, #signal.as_mut(), #from);
            #driver.poll(#cx, &#group, #deadline, &mut #visit)
        }),
    };
    quote! {
        {
            #same_error
            #same_value
            #name_decl
            let #group = #new_group;
            #limit_decl
            #(#slots)*
            #(#kept_cells)*
            #[allow(unused_variables)]
            let (#panic, #values) = {
                #deadline_decl
                #cancel_decl
                #(#branch_decls)*
                let mut #driver = #p::Driver::new(#total, #limit, #deps, &[#(#labels),*]);
                #name_driver
                // Made once, not on every poll, and holding each branch's
                // `Pin<&mut _>` itself: one load less per branch polled.
                let mut #visit = {
                    #(let mut #pins = #pins.as_mut();)*
                    #group_ref
                    // Called directly by the plain pass that `Driver::poll`
                    // inlines: without this LLVM keeps it out of line, a
                    // call per poll. (Elsewhere it is called through `dyn`.)
                    // Not in a debug build, where it would only be copied
                    // into the `dyn` shims, at a compile-time cost.
                    #[cfg_attr(not(debug_assertions), inline(always))]
                    move |#pass: &mut #p::Pass<'_, '_>| { #(#visits)* }
                };
                ::core::future::poll_fn(#poll).await;
                (#driver.into_panic(), (#(#outputs)*))
            };
            let #errors = #p::finish(#panic, #group);
            #result
        }
    }
}

/// The async block of one branch.
fn branch(g: &GroupInput, i: usize, b: &Branch, n: &Names, p: &TokenStream) -> TokenStream {
    let Names {
        group, value, win, ..
    } = n;
    let deps = match &g.sharing {
        Sharing::Sequential(s) => sequential::waits(g, s, i, group, p),
        Sharing::ByRef => b
            .deps
            .iter()
            .filter_map(|&j| {
                let dep = g.branches.get(j)?;
                let view = syntax::borrowed_pat(&dep.pat);
                let s = slot(j);
                Some(quote! {
                    #[allow(unused_variables)]
                    let #view = #s.wait(&#group).await?;
                })
            })
            .collect(),
    };
    let ty = match &b.pat {
        Pat::Type(t) => {
            let ty = &t.ty;
            quote!(: #ty)
        }
        _ => quote!(),
    };
    let compute = match &b.kind {
        BranchKind::Single { fut } => {
            let span = fut.span();
            let awaited = if b.spawn {
                quote_spanned!(span=> #p::spawn_branch(#fut, &#group).await?)
            } else {
                quote_spanned!(span=> ::core::future::IntoFuture::into_future(#fut).await)
            };
            let outcome = outcome(g, b, awaited, n, span);
            // `error = E` with branches that already return `E`.
            quote! {
                #[allow(clippy::useless_conversion)]
                let #value #ty = #outcome;
            }
        }
        BranchKind::ForEach(each) => fan_out(g, i, each, n, p, &ty),
    };
    let store = match g.options.mode {
        Mode::Race => {
            let span = b.fut().span();
            let (win, value) = (located(win, span), located(value, span));
            let same = syntax::at(quote!(__tg_SameValue::set_winner), span);
            let set = quote_spanned!(span=> #same(&#win, #value));
            quote!(#set; #group.win();)
        }
        _ if g.waited_for(i) => match &g.sharing {
            Sharing::Sequential(_) => sequential::store(g, i, value),
            Sharing::ByRef => {
                let s = slot(i);
                quote!(#s.set(#value);)
            }
        },
        // The value is the branch's output.
        _ => quote!(),
    };
    let output = if g.in_slot(i) {
        quote!(())
    } else {
        quote!(#value)
    };
    quote! {
        async {
            #deps
            #compute
            #store
            ::core::result::Result::<_, #p::Stopped>::Ok(#output)
        }
    }
}

/// Converts a branch error to the group's error type: through `From`
/// with `error = …;`, else through `SameError`, whose bound says at the
/// branch that the branches' error types differ. `error_of` is the
/// group's `ErrorOf`.
fn convert(g: &GroupInput, err: &Ident, span: Span, error_of: &TokenStream) -> TokenStream {
    match (&g.options.error, g.options.mode) {
        (Some(_), _) => {
            let from = syntax::at(quote!(::core::convert::From::from), span);
            quote_spanned!(span=> #from(#err))
        }
        // Each supervised branch keeps its own error.
        (None, Mode::Supervise) => quote!(#err),
        (None, _) => {
            let same = syntax::at(quote!(__tg_SameError::into_group_error), span);
            quote_spanned!(span=> #same(#err, #error_of))
        }
    }
}

/// The value a single branch stores, from its awaited output.
fn outcome(g: &GroupInput, b: &Branch, awaited: TokenStream, n: &Names, span: Span) -> TokenStream {
    if !b.fallible {
        return awaited;
    }
    let (group, ok, err) = (located(&n.group, span), &n.ok, located(&n.err, span));
    let err = &err;
    let conv = convert(g, err, span, &quote!(#group.error_of()));
    let name = label(b);
    match g.options.mode {
        Mode::Supervise => quote_spanned! {span=>
            match #awaited {
                ::core::result::Result::Ok(#ok) => ::core::result::Result::Ok(#ok),
                ::core::result::Result::Err(#err) => ::core::result::Result::Err(#conv),
            }
        },
        _ => quote_spanned! {span=>
            match #awaited {
                ::core::result::Result::Ok(#ok) => #ok,
                ::core::result::Result::Err(#err) => {
                    return ::core::result::Result::Err(#group.fail(#conv, #name));
                }
            }
        },
    }
}

fn fan_out(
    g: &GroupInput,
    i: usize,
    each: &ForEach,
    n: &Names,
    p: &TokenStream,
    ty: &TokenStream,
) -> TokenStream {
    let Names {
        group,
        limit,
        value,
        fan,
        fut: fut_var,
        ok,
        err,
        ..
    } = n;
    let ForEach {
        pat,
        iter,
        stmts,
        fut,
    } = each;
    let b = &g.branches[i];
    let span = fut.span();
    let err = &located(err, span);
    let name = label(b);
    let ctor = if b.spawn {
        quote!(tasks)
    } else {
        quote!(local)
    };
    let keep = g.keeps_items(i).then(|| {
        let k = kept_cell(i);
        quote!(.keep_into(&#k))
    });
    // The item's output, converted in a closure the runtime maps the
    // item's future with (no async block: it would hold the future twice).
    let out = id("__tg_out");
    let awaited = quote!(#out);
    // The closure may run in a task: it takes the type of the group's
    // errors by value.
    let error_of = id("__tg_error_of");
    let item = if b.fallible {
        let conv = convert(g, err, span, &quote!(#error_of));
        let converted = quote_spanned! {span=>
            match #awaited {
                ::core::result::Result::Ok(#ok) => ::core::result::Result::Ok(#ok),
                ::core::result::Result::Err(#err) => ::core::result::Result::Err(#conv),
            }
        };
        match g.options.mode {
            Mode::Supervise => quote!(::core::result::Result::Ok(#converted)),
            _ => converted,
        }
    } else {
        quote!(::core::result::Result::Ok(#awaited))
    };
    let error_decl =
        (b.fallible && g.same_error()).then(|| quote!(let #error_of = #group.error_of();));
    let into_future = quote_spanned!(span=> ::core::future::IntoFuture::into_future(#fut));
    quote! {
        let mut #fan = #p::FanOut::#ctor(&#group, #limit, #name) #keep;
        #error_decl
        for #pat in #iter {
            #(#stmts)*
            let #fut_var = #into_future;
            #[allow(clippy::useless_conversion)]
            #fan.push_with(|__tg_index| #p::item(__tg_index, #fut_var, move |#out| #item));
        }
        let #value #ty = #fan.await?;
    }
}

/// The group's value: the tail with owned bindings, or the bindings.
fn value(g: &GroupInput) -> TokenStream {
    if g.options.mode == Mode::Race {
        return quote!(());
    }
    match &g.tail {
        Some(tail) => {
            let known = g
                .branches
                .iter()
                .flat_map(|b| b.names.iter().map(|n| n.to_string()))
                .collect();
            let used = deps::expr_uses(tail, &known);
            let binds = g.branches.iter().enumerate().filter_map(|(i, b)| {
                if !b.names.iter().any(|n| used.contains_key(&n.to_string())) {
                    return None;
                }
                let pat = &b.pat;
                let take = take(g, i);
                Some(quote! {
                    #[allow(unused_variables)]
                    let #pat = #take;
                })
            });
            quote!({ #(#binds)* #tail })
        }
        None => {
            let takes: Vec<TokenStream> = (0..g.branches.len()).map(|i| take(g, i)).collect();
            match takes.as_slice() {
                [one] => one.clone(),
                many => quote!((#(#many,)*)),
            }
        }
    }
}

/// The value of binding `i` once the group succeeded: from its slot, or
/// from the outputs of the branches.
fn take(g: &GroupInput, i: usize) -> TokenStream {
    let p = g.krate.private();
    if g.waited_for(i) {
        match &g.sharing {
            Sharing::Sequential(s) => sequential::take(g, s, i),
            Sharing::ByRef => {
                let s = slot(i);
                quote!(#s.take())
            }
        }
    } else {
        let values = id("__tg_values");
        let take = match g.direct(i) {
            // Its output is the binding; the others' are a `Result`.
            Some(Direct::Value) => quote!(take),
            _ => quote!(take_ok),
        };
        let i = syn::Index::from(i);
        quote!(#p::#take(#values.#i))
    }
}

/// A branch's binding as text: the name of its tracing span and of its
/// errors in the group's report.
fn label(b: &Branch) -> String {
    let pat = &b.pat;
    quote!(#pat).to_string()
}

/// What the macro expands to when the input is wrong: the errors, in a
/// block of type `!` so that the caller's code around the group does not
/// pile follow-on type errors on top of them.
pub(crate) fn fallback(errors: syn::Error) -> TokenStream {
    let errors = errors.into_compile_error();
    quote!({ #errors })
}
