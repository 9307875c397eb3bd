//! Validation: [`Item`]s to a [`GroupInput`], reporting every problem at
//! once, each spanned on the user's tokens and saying what to write.

use std::collections::BTreeSet;

use proc_macro2::Span;
use quote::ToTokens;
use syn::{Expr, Ident, Pat, Stmt};

use super::model::{
    Arm, ArmItem, Branch, BranchInit, BranchItem, BranchKind, ForEach, GroupInput, Item, Matcher,
    Mode, OptionItem, OptionValue, Options,
};
use super::parse::Input;
use crate::{deps, syntax};

const OPTIONS: &str = "`timeout`, `cancel`, `limit`, `error`, `name`, `mode`";

/// Collects errors so that the user sees all of them at once.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    fn at(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }
}

pub(crate) fn validate(input: Input) -> syn::Result<GroupInput> {
    let mut errors = Errors::default();
    let mut options = Options {
        timeout: None,
        cancel: None,
        limit: None,
        error: None,
        name: None,
        mode: Mode::FailFast,
    };
    let mut seen_options: Vec<Ident> = Vec::new();
    let mut branch_items = Vec::new();
    let mut tail = None;
    let mut arm_items: Vec<ArmItem> = Vec::new();
    let mut misplaced_arm = false;
    let mut stray = false;

    for item in input.items {
        match item {
            Item::Option(opt) => {
                if !branch_items.is_empty() {
                    errors.spanned(
                        &opt.name,
                        format!(
                            "options go before the branches: move `{} = …;` above the first `let`",
                            opt.name
                        ),
                    );
                } else if seen_options.contains(&opt.name) {
                    errors.spanned(
                        &opt.name,
                        format!("the `{}` option is given twice: remove this one", opt.name),
                    );
                } else {
                    seen_options.push(opt.name.clone());
                    option(&mut options, *opt, &mut errors);
                }
            }
            Item::Branch(b) => {
                if let Some(arm) = arm_items.first().filter(|_| !misplaced_arm) {
                    misplaced_arm = true;
                    errors.at(
                        arm.except,
                        "`except*` arms go last, after the branches and the tail expression",
                    );
                } else if let Some(t) = &tail {
                    let t: &Expr = t;
                    errors.spanned(
                        t,
                        "the group's value goes last: move this expression after the branches",
                    );
                }
                branch_items.push(*b);
            }
            Item::Arm(a) => arm_items.push(*a),
            Item::Stray(expr) => {
                stray = true;
                errors.spanned(
                    &expr,
                    "expected a branch `let PAT = FUTURE;` (or, as the last item and without `;`, \
                     the group's value)",
                );
            }
            Item::Tail(expr) => {
                if let Some(arm) = arm_items.first().filter(|_| !misplaced_arm) {
                    misplaced_arm = true;
                    errors.at(
                        arm.except,
                        "`except*` arms go last, after the branches and the tail expression",
                    );
                }
                tail = Some(*expr);
            }
        }
    }
    // A line that is not a `let` already has its message, which says to
    // write a branch.
    if branch_items.is_empty() && !stray {
        errors.at(
            Span::call_site(),
            "a task group needs at least one branch: `let x = future;`",
        );
    }

    let mut branches = Vec::new();
    for item in branch_items {
        if let Some(b) = branch(item, &mut errors) {
            branches.push(b);
        }
    }
    check_names(&mut branches, &mut errors);
    check_mut_borrows(&branches, &mut errors);

    if options.mode == Mode::Race {
        if let Some(t) = &tail {
            errors.spanned(
                t,
                "a race's value is the first success: remove the tail expression \
                 (or drop `mode = race;`)",
            );
        }
        for b in &branches {
            if let BranchKind::ForEach(_) = b.kind {
                errors.spanned(
                    &b.pat,
                    "a race takes `let` branches of one type, not a `for` fan-out",
                );
            }
            if let Some(&j) = b.deps.first()
                && let Some(dep) = branches.get(j).and_then(|d| d.names.first())
            {
                errors.spanned(
                    b.fut(),
                    format!(
                        "race branches are alternatives and cannot use each other's bindings \
                         (this one uses `{dep}`); compute `{dep}` before the race"
                    ),
                );
            }
        }
    }

    let mut arms = Vec::new();
    for a in arm_items {
        if let Some(arm) = arm(a, &mut errors) {
            arms.push(arm);
        }
    }

    if let (Some(_), Some((cancel, _))) = (&options.timeout, &options.cancel)
        && options.error.is_none()
        && (options.mode == Mode::Supervise || !branches.iter().any(|b| b.fallible))
    {
        errors.at(
            cancel.span(),
            "a group with both `timeout` and `cancel` needs its error type: add \
             `error = MyError;` where `MyError` implements `From<TimedOut>` and `From<Cancelled>`",
        );
    }
    let group = GroupInput::new(input.krate, options, branches, tail, arms);
    if !group.arms.is_empty() && !group.can_fail() {
        let span = group
            .arms
            .first()
            .map_or_else(Span::call_site, |a| a.except);
        errors.at(
            span,
            "this group cannot fail (no `?` branch, no `timeout`, no `cancel`, no `error =`): \
             remove the `except*` arms",
        );
    }
    match errors.0 {
        Some(e) => Err(e),
        None => Ok(group),
    }
}

fn option(options: &mut Options, opt: OptionItem, errors: &mut Errors) {
    let OptionItem { name, value } = opt;
    let key = name.to_string();
    let expr = match value {
        OptionValue::Type(ty) => {
            options.error = Some(ty);
            return;
        }
        OptionValue::Expr(expr) => expr,
    };
    match key.as_str() {
        "timeout" => options.timeout = Some((name, expr)),
        "cancel" => options.cancel = Some((name, expr)),
        "limit" => {
            if let Some(e) = zero_limit(&expr) {
                errors.push(e);
            }
            options.limit = Some(expr);
        }
        "name" => options.name = Some(expr),
        "mode" => {
            let mode = match &expr {
                Expr::Path(p) if p.qself.is_none() => p.path.get_ident().map(|i| i.to_string()),
                _ => None,
            };
            match mode.as_deref().and_then(Mode::from_option) {
                Some(mode) => options.mode = mode,
                None => errors.spanned(
                    &expr,
                    "unknown mode: expected `supervise`, `race` or `fail_fast` (the default)",
                ),
            }
        }
        _ => errors.spanned(
            &name,
            format!("unknown option `{name}`; expected one of {OPTIONS}"),
        ),
    }
}

/// A `limit` written as the literal `0`, which no run could satisfy: an
/// error at the `0`. Any other expression is checked when the group starts
/// (`__private::limit`, with the same words).
pub(crate) fn zero_limit(expr: &Expr) -> Option<syn::Error> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) if int.base10_parse::<u128>().is_ok_and(|n| n == 0) => Some(syn::Error::new(
            int.span(),
            "`limit` must be at least 1: a group with limit 0 could never run a child",
        )),
        Expr::Paren(p) => zero_limit(&p.expr),
        Expr::Group(g) => zero_limit(&g.expr),
        _ => None,
    }
}

fn branch(item: BranchItem, errors: &mut Errors) -> Option<Branch> {
    let BranchItem {
        attrs,
        let_token,
        pat,
        init,
    } = item;
    let mut spawn = false;
    for attr in &attrs {
        if attr.path().is_ident("spawn") {
            if !matches!(attr.meta, syn::Meta::Path(_)) {
                errors.spanned(attr, "`#[spawn]` takes no arguments");
            } else if spawn {
                errors.spanned(attr, "`#[spawn]` is given twice: remove this one");
            }
            spawn = true;
        } else {
            errors.spanned(
                attr.path(),
                format!(
                    "unknown attribute `{}` on a branch; the only branch attribute is `#[spawn]`",
                    attr.path().to_token_stream().to_string().replace(' ', "")
                ),
            );
        }
    }
    let names = deps::pat_bindings(&pat);
    match init {
        BranchInit::Missing => {
            errors.spanned(
                quote::quote!(#let_token #pat),
                "a branch needs a future: `let PAT = FUTURE;` (or `FUTURE?` when it returns a `Result`)",
            );
            None
        }
        BranchInit::Expr(expr) => {
            let (fut, fallible) = future(expr, errors);
            Some(Branch {
                spawn,
                pat,
                names,
                deps: Vec::new(),
                fallible,
                kind: BranchKind::Single { fut },
            })
        }
        BranchInit::For(for_loop) => {
            let syn::ExprForLoop {
                attrs: loop_attrs,
                label,
                pat: item_pat,
                expr: iter,
                body,
                ..
            } = for_loop;
            if let Some(attr) = loop_attrs.first() {
                errors.spanned(
                    attr,
                    "attributes go on the branch: `#[spawn] let v = for …`",
                );
            }
            if let Some(label) = label {
                errors.spanned(label, "a fan-out `for` takes no label");
            }
            let mut stmts = body.stmts;
            let last = match stmts.pop() {
                Some(Stmt::Expr(expr, None)) => Some(expr),
                Some(other) => {
                    errors.spanned(
                        &other,
                        "the body of a fan-out ends with the future to run for each item, \
                         without `;`: `for x in xs { fetch(x)? }`",
                    );
                    None
                }
                None => {
                    errors.at(
                        body.brace_token.span.join(),
                        "the body of a fan-out is the future to run for each item: \
                         `for x in xs { fetch(x)? }`",
                    );
                    None
                }
            };
            for stmt in &stmts {
                no_inner_try(stmt, errors);
            }
            let (fut, fallible) = future(last?, errors);
            Some(Branch {
                spawn,
                pat,
                names,
                deps: Vec::new(),
                fallible,
                kind: BranchKind::ForEach(Box::new(ForEach {
                    pat: *item_pat,
                    iter: *iter,
                    stmts,
                    fut,
                })),
            })
        }
    }
}

/// Splits `FUT?` into the future and whether it is fallible, rejecting
/// `.await` and a `?` anywhere but at the end.
fn future(expr: Expr, errors: &mut Errors) -> (Expr, bool) {
    let (fut, fallible) = match expr {
        Expr::Try(t) => (*t.expr, true),
        other => (other, false),
    };
    if let Expr::Await(a) = &fut {
        let (dot, kw) = (&a.dot_token, &a.await_token);
        errors.spanned(
            quote::quote!(#dot #kw),
            "remove `.await`: the macro awaits every branch for you (`let x = fetch()?;`)",
        );
        return (*a.base.clone(), fallible);
    }
    if let Some(q) = syntax::own_effects(&fut).try_token {
        errors.spanned(
            q,
            "`?` goes only at the end of a branch, after the future: `let x = fetch(…)?;`; \
             compute fallible arguments before the group",
        );
    }
    (fut, fallible)
}

fn no_inner_try(stmt: &Stmt, errors: &mut Errors) {
    if let Some(q) = syntax::own_effects_in(std::slice::from_ref(stmt)).try_token {
        errors.spanned(
            q,
            "`?` goes only at the end of a branch, after the future: `{ fetch(x)? }`",
        );
    }
}

/// Same name twice, use before definition, and each branch's dependencies.
fn check_names(branches: &mut [Branch], errors: &mut Errors) {
    let mut all = BTreeSet::new();
    let mut owner: Vec<(String, usize)> = Vec::new();
    for (i, b) in branches.iter().enumerate() {
        for name in &b.names {
            let key = name.to_string();
            if !all.insert(key.clone()) {
                errors.spanned(
                    name,
                    format!(
                        "`{name}` is already bound by an earlier branch: give this binding another name"
                    ),
                );
            } else {
                owner.push((key, i));
            }
        }
    }
    let owner_of = |name: &str| owner.iter().find(|(n, _)| n == name).map(|(_, i)| *i);
    for i in 0..branches.len() {
        let Some(b) = branches.get(i) else { continue };
        let uses = branch_uses(b, &all);
        let mut deps = Vec::new();
        for (name, ident) in uses {
            match owner_of(&name) {
                Some(j) if j < i && !deps.contains(&j) => deps.push(j),
                Some(j) if j < i => {}
                // A branch's own name in its future is the caller's variable,
                // as in `let x = f(x);`.
                Some(j) if j == i => {}
                Some(_) => errors.spanned(
                    &ident,
                    format!(
                        "`{name}` is bound by a later branch: a branch can use only the bindings \
                         above it; move this branch below the one that binds `{name}`"
                    ),
                ),
                None => {}
            }
        }
        deps.sort_unstable();
        if let Some(b) = branches.get_mut(i) {
            b.deps = deps;
        }
    }
}

/// The same local borrowed `&mut` by two branches: they run at the same
/// time, so rustc refuses the second borrow, and its note names the type
/// that holds a branch's future. Said here instead, at the second borrow,
/// with what to write. (A `&mut self` method call is not seen here.)
fn check_mut_borrows(branches: &[Branch], errors: &mut Errors) {
    let mut first: Vec<(String, String)> = Vec::new();
    for b in branches {
        let label = b
            .names
            .first()
            .map_or_else(|| "another branch".to_owned(), |n| format!("`{n}`"));
        let mut seen = BTreeSet::new();
        for (name, amp) in mut_borrows(b) {
            let key = name.to_string();
            if !seen.insert(key.clone()) {
                continue;
            }
            match first.iter().find(|(n, _)| *n == key) {
                Some((_, other)) => errors.spanned(
                    &amp,
                    format!(
                        "`{name}` is borrowed `&mut` by two branches (here and by {other}), \
                         which run at the same time: update `{name}` before or after the \
                         group, do both updates in one branch, or share it through a lock \
                         (`Mutex`, `RefCell`) borrowed `&` by each"
                    ),
                ),
                None => first.push((key, label.clone())),
            }
        }
    }
}

/// The locals a branch borrows `&mut` (`&mut x`, `&mut x.field`,
/// `&mut x[i]`), each with the tokens of its borrow; names the branch binds
/// itself (`let`, closure and match patterns) are its own.
fn mut_borrows(b: &Branch) -> Vec<(Ident, proc_macro2::TokenStream)> {
    use syn::visit::{self, Visit};
    #[derive(Default)]
    struct Find {
        borrows: Vec<(Ident, proc_macro2::TokenStream)>,
        own: BTreeSet<String>,
    }
    impl<'ast> Visit<'ast> for Find {
        fn visit_expr_reference(&mut self, r: &'ast syn::ExprReference) {
            if let Some(m) = &r.mutability {
                let mut place = &*r.expr;
                loop {
                    match place {
                        Expr::Field(f) => place = &f.base,
                        Expr::Index(i) => place = &i.expr,
                        Expr::Paren(p) => place = &p.expr,
                        _ => break,
                    }
                }
                if let Expr::Path(p) = place
                    && p.qself.is_none()
                    && let Some(ident) = p.path.get_ident()
                {
                    let and = &r.and_token;
                    self.borrows
                        .push((ident.clone(), quote::quote!(#and #m #place)));
                }
            }
            visit::visit_expr_reference(self, r);
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.own.insert(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
    }
    let mut find = Find::default();
    match &b.kind {
        BranchKind::Single { fut } => find.visit_expr(fut),
        BranchKind::ForEach(each) => {
            find.visit_pat(&each.pat);
            find.visit_expr(&each.iter);
            for stmt in &each.stmts {
                find.visit_stmt(stmt);
            }
            find.visit_expr(&each.fut);
        }
    }
    let Find { borrows, own } = find;
    borrows
        .into_iter()
        .filter(|(name, _)| !own.contains(&name.to_string()))
        .collect()
}

fn branch_uses(b: &Branch, known: &BTreeSet<String>) -> deps::Uses {
    match &b.kind {
        BranchKind::Single { fut } => deps::expr_uses(fut, known),
        BranchKind::ForEach(each) => {
            let ForEach {
                pat,
                iter,
                stmts,
                fut,
            } = &**each;
            let mut uses = deps::expr_uses(iter, known);
            // The item pattern shadows names in the body.
            let shadowed: BTreeSet<String> = deps::pat_bindings(pat)
                .iter()
                .map(|i| i.to_string())
                .collect();
            let inner_known: BTreeSet<String> = known.difference(&shadowed).cloned().collect();
            let mut body = stmts.clone();
            body.push(Stmt::Expr(fut.clone(), None));
            for (k, v) in deps::stmts_uses(&body, &inner_known) {
                uses.entry(k).or_insert(v);
            }
            uses
        }
    }
}

fn arm(a: ArmItem, errors: &mut Errors) -> Option<Arm> {
    let ArmItem {
        except,
        matcher,
        name,
        guard,
        body,
    } = a;
    let Some(matcher) = matcher else {
        errors.at(
            except,
            "`except*` needs a pattern: `except* MyError::Timeout => …`, \
             `except* type std::io::Error => …`, or `except* _ => …` for every error",
        );
        return None;
    };
    if let (Matcher::Type(..), Some((if_token, _))) = (&matcher, &guard) {
        errors.spanned(
            if_token,
            "`except* type T` takes no guard; to test the error, bind it with a pattern: \
             `except* e if e.downcast_ref::<T>().is_some_and(|t| …) => …`",
        );
        return None;
    }
    if let (Matcher::Pattern(pat), Some(name)) = (&matcher, &name)
        && let Some(twice) = deps::pat_bindings(pat).into_iter().find(|n| n == name)
    {
        // The pattern's names are bound from the subgroup's first leaf,
        // inside the arm: this one would hide the subgroup.
        errors.spanned(
            &twice,
            format!(
                "`{name}` is bound twice in this arm: by the pattern (from the first error \
                 the arm received) and by `as {name}` (every error it received); rename one"
            ),
        );
        return None;
    }
    if let Matcher::Pattern(Pat::Guard(g)) = &matcher {
        errors.spanned(
            g,
            "put `as NAME` before the guard: `except* PATTERN as NAME if GUARD`",
        );
        return None;
    }
    Some(Arm {
        except,
        matcher,
        name,
        guard: guard.map(|(_, g)| g),
        body,
    })
}
