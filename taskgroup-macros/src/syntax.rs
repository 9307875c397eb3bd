//! Syntax rules both macros share: how a binding's pattern looks to the
//! code that borrows it, and what an expression does to the code around it.
//!
//! # What an expression owns
//!
//! A branch runs its expression inside an `async` block (or, for a direct
//! `taskgroup!` branch, evaluates it in the caller's block), so whatever in
//! the expression acts on the enclosing fn, block or loop must be found
//! first: a `?`, a `return`, a `break`/`continue` that leaves the
//! expression, an `.await`, a `yield`. [`own_effects`] finds those and
//! nothing else. It does not descend into:
//!
//! - closures (`|x| x?`): their `?` and `return` are the closure's;
//! - `async` blocks and `async` closures: theirs are the block's;
//! - nested items (`fn`, `impl`, `const`, `static`, `mod`, …): theirs are
//!   the item's, and they cannot see the caller at all;
//! - `const { … }` blocks: evaluated at compile time, they cannot act on
//!   the caller;
//! - for `?` only, `try { … }` blocks: the `?` is the block's, but an
//!   `.await`, `return` or `break` in one is still the caller's;
//! - for `break`/`continue` only, the loops and labelled blocks of the
//!   expression itself: `loop { break v }` ends that loop, not the caller's;
//! - the tokens of macro calls, which syn cannot read: a macro call is
//!   reported as such ([`Own::macro_call`]), with whether its tokens spell
//!   `.await`, `?` or `return` ([`Own::macro_control`]); each caller decides
//!   how careful to be with it.
//!
//! [`Boundary`] is that list as a function, so that a rewriter
//! (`#[concurrent]`'s exits) stops exactly where this visitor stops.

use proc_macro2::{Group, Span, TokenStream, TokenTree};
use syn::visit::{self, Visit};
use syn::visit_mut::{self, VisitMut};
use syn::{Expr, Ident, Pat};

/// A name of the generated code, invisible to the user's code (mixed-site
/// hygiene, as `macro_rules!` locals): both macros name their locals so.
pub(crate) fn id(name: &str) -> Ident {
    Ident::new(name, Span::mixed_site())
}

/// An internal name placed at the user's tokens, so that a type error
/// involving it points there, while it stays invisible to user code.
pub(crate) fn located(ident: &Ident, span: Span) -> Ident {
    Ident::new(&ident.to_string(), span.resolved_at(Span::mixed_site()))
}

/// A path of generated names (`__tg_SameError::into_group_error`, or an
/// absolute one such as `::core::convert::From::from`) placed
/// at the user's tokens: every token resolves at the mixed site, as the
/// names do, and is located at `span`. One syntax context for the whole
/// path lets rustc point an error about the call at `span`; a path that
/// mixed `$crate`'s context with others would be shown as the whole macro.
pub(crate) fn at(tokens: TokenStream, span: Span) -> TokenStream {
    let span = span.resolved_at(Span::mixed_site());
    tokens
        .into_iter()
        .map(|mut tt| {
            if let TokenTree::Group(g) = &tt {
                let mut inner = Group::new(g.delimiter(), at(g.stream(), span));
                inner.set_span(span);
                return TokenTree::Group(inner);
            }
            tt.set_span(span);
            tt
        })
        .collect()
}

/// A binding's pattern as code that borrows its value sees it, matched
/// against `&T`: the same names, without `mut`, `ref` or a type
/// ascription, none of which fits a reference (edition 2024 refuses `mut`
/// under a by-reference default binding mode).
pub(crate) fn borrowed_pat(pat: &Pat) -> Pat {
    struct Strip;
    impl VisitMut for Strip {
        fn visit_pat_mut(&mut self, pat: &mut Pat) {
            if let Pat::Type(t) = pat {
                *pat = (*t.pat).clone();
                // A `(x: T)` inside parentheses is stripped again here.
                return self.visit_pat_mut(pat);
            }
            visit_mut::visit_pat_mut(self, pat);
        }
        fn visit_pat_ident_mut(&mut self, p: &mut syn::PatIdent) {
            p.mutability = None;
            p.by_ref = None;
            visit_mut::visit_pat_ident_mut(self, p);
        }
    }
    let mut pat = pat.clone();
    Strip.visit_pat_mut(&mut pat);
    pat
}

/// What an expression owns that acts on the code around it (see the
/// module docs for what is not looked into).
#[derive(Default)]
pub(crate) struct Own {
    /// The first `?` that applies to the enclosing fn or block.
    pub(crate) try_token: Option<syn::token::Question>,
    pub(crate) awaits: bool,
    pub(crate) returns: bool,
    /// A `break` or `continue` whose loop or label is outside the expression.
    pub(crate) breaks: bool,
    pub(crate) yields: bool,
    /// Some macro call, whatever its tokens: it may expand to any of the
    /// above.
    pub(crate) macro_call: bool,
    /// A macro call whose tokens spell `.await`, `?` or `return`. A
    /// `break` or `continue` in unparsed tokens cannot be told from one
    /// that ends a loop of those tokens, so only [`Own::macro_call`]
    /// covers it.
    pub(crate) macro_control: bool,
}

impl Own {
    pub(crate) fn tries(&self) -> bool {
        self.try_token.is_some()
    }

    /// Whether evaluating the expression could act on the code around it:
    /// anything it owns, or a macro call that might hide one.
    pub(crate) fn acts(&self) -> bool {
        self.tries() || self.awaits || self.returns || self.breaks || self.yields || self.macro_call
    }
}

/// What `expr` owns; see [`Own`].
pub(crate) fn own_effects(expr: &Expr) -> Own {
    let mut v = OwnVisitor::default();
    v.visit_expr(expr);
    v.own
}

/// What the statements of a block own; see [`Own`].
pub(crate) fn own_effects_in(stmts: &[syn::Stmt]) -> Own {
    let mut v = OwnVisitor::default();
    stmts.iter().for_each(|s| v.visit_stmt(s));
    v.own
}

/// Where the visitor of own effects, and every rewrite of them, stops.
pub(crate) enum Boundary {
    /// Not looked into at all: closures, async blocks, const blocks.
    Closed,
    /// Its `?` is its own; everything else in it is the caller's.
    TryBlock,
    Open,
}

impl Boundary {
    pub(crate) fn of(expr: &Expr) -> Boundary {
        match expr {
            Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) => Boundary::Closed,
            Expr::TryBlock(_) => Boundary::TryBlock,
            _ => Boundary::Open,
        }
    }
}

#[derive(Default)]
struct OwnVisitor {
    own: Own,
    /// Inside a `try` block: a `?` is the block's.
    in_try: usize,
    /// The loops (`None`: unlabelled) and labelled blocks around the
    /// current node, inside the expression.
    targets: Vec<Target>,
}

enum Target {
    Loop(Option<String>),
    Block(String),
}

impl OwnVisitor {
    fn within(&mut self, target: Target, f: impl FnOnce(&mut Self)) {
        self.targets.push(target);
        f(self);
        self.targets.pop();
    }

    fn label(label: &Option<syn::Label>) -> Option<String> {
        label.as_ref().map(|l| l.name.ident.to_string())
    }

    /// Whether a `break`/`continue` with this label stays in the expression.
    fn stays(&self, label: Option<&syn::Lifetime>) -> bool {
        match label {
            None => self.targets.iter().any(|t| matches!(t, Target::Loop(_))),
            Some(l) => {
                let name = l.ident.to_string();
                self.targets.iter().any(|t| match t {
                    Target::Loop(Some(n)) | Target::Block(n) => *n == name,
                    Target::Loop(None) => false,
                })
            }
        }
    }
}

impl<'ast> Visit<'ast> for OwnVisitor {
    fn visit_expr(&mut self, e: &'ast Expr) {
        match Boundary::of(e) {
            Boundary::Closed => {}
            Boundary::TryBlock => {
                self.in_try += 1;
                visit::visit_expr(self, e);
                self.in_try -= 1;
            }
            Boundary::Open => visit::visit_expr(self, e),
        }
    }
    fn visit_expr_try(&mut self, e: &'ast syn::ExprTry) {
        if self.in_try == 0 && self.own.try_token.is_none() {
            self.own.try_token = Some(e.question_token);
        }
        visit::visit_expr_try(self, e);
    }
    fn visit_expr_await(&mut self, e: &'ast syn::ExprAwait) {
        self.own.awaits = true;
        visit::visit_expr_await(self, e);
    }
    fn visit_expr_return(&mut self, e: &'ast syn::ExprReturn) {
        self.own.returns = true;
        visit::visit_expr_return(self, e);
    }
    fn visit_expr_yield(&mut self, e: &'ast syn::ExprYield) {
        self.own.yields = true;
        visit::visit_expr_yield(self, e);
    }
    fn visit_expr_break(&mut self, e: &'ast syn::ExprBreak) {
        if !self.stays(e.label.as_ref()) {
            self.own.breaks = true;
        }
        visit::visit_expr_break(self, e);
    }
    fn visit_expr_continue(&mut self, e: &'ast syn::ExprContinue) {
        if !self.stays(e.label.as_ref()) {
            self.own.breaks = true;
        }
    }
    fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
        self.within(Target::Loop(Self::label(&e.label)), |v| {
            v.visit_block(&e.body)
        });
    }
    fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
        self.within(Target::Loop(Self::label(&e.label)), |v| {
            v.visit_expr(&e.cond);
            v.visit_block(&e.body);
        });
    }
    fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
        // The iterator is evaluated before the loop begins.
        self.visit_expr(&e.expr);
        self.within(Target::Loop(Self::label(&e.label)), |v| {
            v.visit_block(&e.body)
        });
    }
    fn visit_expr_block(&mut self, e: &'ast syn::ExprBlock) {
        match Self::label(&e.label) {
            Some(name) => self.within(Target::Block(name), |v| v.visit_block(&e.block)),
            None => self.visit_block(&e.block),
        }
    }
    fn visit_macro(&mut self, m: &'ast syn::Macro) {
        self.own.macro_call = true;
        if tokens_hold_control(m.tokens.clone()) {
            self.own.macro_control = true;
        }
    }
    fn visit_item(&mut self, _: &'ast syn::Item) {}
}

fn tokens_hold_control(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(i) => i == "await" || i == "return",
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Group(g) => tokens_hold_control(g.stream()),
        TokenTree::Literal(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::parse::Parser;

    fn own(src: &str) -> Own {
        own_effects(&syn::parse_str(src).unwrap())
    }

    fn stripped(src: &str) -> String {
        let pat = Pat::parse_multi.parse_str(src).unwrap();
        borrowed_pat(&pat).to_token_stream().to_string()
    }

    #[test]
    fn borrowed_patterns_lose_mut_ref_and_types() {
        assert_eq!(stripped("mut x"), "x");
        assert_eq!(stripped("(ref a, mut b)"), "(a , b)");
        assert_eq!(stripped("S { a: mut x, ref y }"), "S { a : x , y }");
        assert_eq!(stripped("[mut a, ..]"), "[a , ..]");
        assert_eq!(stripped("Some(mut x) | Ok(mut x)"), "Some (x) | Ok (x)");
        assert_eq!(stripped("mut all @ (mut a, _)"), "all @ (a , _)");
    }

    fn acts(src: &str) -> bool {
        own(src).acts()
    }

    #[test]
    fn control_flow_and_macros_act_on_the_caller() {
        assert!(acts("f(g().await)"));
        assert!(acts("f(if c { 1 } else { return })"));
        // A `break` that leaves the expression; one that ends a loop of the
        // expression itself stays in it (below).
        assert!(acts("f(if c { 1 } else { break })"));
        assert!(acts("'a: loop { loop { break 'b f() } }"));
        assert!(acts("f(x?)"));
        assert!(acts("f(format!(\"{x}\"))"));
        assert!(acts("f({ m!(); 1 })"));
        // A `try` block's `?` is its own; an `.await` or `return` in it is
        // the caller's.
        assert!(acts("f(try { g().await? })"));
        assert!(acts("f(try { return })"));
    }

    #[test]
    fn closures_async_blocks_and_items_do_not() {
        assert!(!acts("fetch(id, &url)"));
        assert!(!acts("client.get(u).send()"));
        assert!(!acts("f(|x| { return x; })"));
        assert!(!acts("f(async { g().await })"));
        assert!(!acts("{ fn h() -> u8 { return 1 } f(h()) }"));
    }

    #[test]
    fn own_effects_are_found() {
        assert!(own("f(g().await)").awaits);
        assert!(own("f(if c { 1 } else { return })").returns);
        assert!(own("f(x?)").tries());
        assert!(own("f(if c { 1 } else { break })").breaks);
        assert!(own("loop { continue 'outer }").breaks);
        assert!(own("f(try { g().await })").awaits);
        assert!(own("f(vec![g()?])").macro_control);
        assert!(!own("f(vec![loop { break 1 }])").macro_control);
        assert!(!own("f(format!(\"{x}\"))").macro_control);
        assert!(own("f(format!(\"{x}\"))").macro_call);
    }

    #[test]
    fn what_belongs_to_something_else_is_not_own() {
        assert!(!own("f(|x| { return x?; })").acts());
        assert!(!own("f(async { g().await? })").acts());
        assert!(!own("f(async || g().await)").acts());
        assert!(!own("{ fn h() -> u8 { return 1 } f(h()) }").acts());
        assert!(!own("f(const { 1 })").acts());
        assert!(!own("f(try { g()? })").acts());
        assert!(!own("loop { break f() }").acts());
        assert!(!own("'a: loop { for x in y { if x { continue 'a } break 'a } }").acts());
        assert!(!own("'b: { if c { break 'b 1 } 2 }").acts());
    }
}
