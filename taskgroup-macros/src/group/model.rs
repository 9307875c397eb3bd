//! The typed model of a `taskgroup!` block.
//!
//! [`Item`]s are what the parser saw, in source order, accepting some
//! misplaced or malformed pieces so that validation can report every
//! problem at once. [`GroupInput`] is what validation makes of them: what
//! expansion needs and nothing it must check again.

use std::collections::BTreeMap;

use proc_macro2::{Span, TokenStream};
use quote::quote;
use syn::{Expr, Ident, Pat, Stmt, Type};

use crate::krate::Krate;

/// One piece of the block as written.
pub(crate) enum Item {
    Option(Box<OptionItem>),
    Branch(Box<BranchItem>),
    Arm(Box<ArmItem>),
    /// An expression followed by `;`: not a branch.
    Stray(Box<Expr>),
    /// The final expression, without `;`.
    Tail(Box<Expr>),
}

/// `name = value;`
pub(crate) struct OptionItem {
    pub(crate) name: Ident,
    pub(crate) value: OptionValue,
}

pub(crate) enum OptionValue {
    Expr(Expr),
    Type(Type),
}

/// `#[attrs] let PAT = …;`
pub(crate) struct BranchItem {
    pub(crate) attrs: Vec<syn::Attribute>,
    pub(crate) let_token: syn::token::Let,
    pub(crate) pat: Pat,
    pub(crate) init: BranchInit,
}

pub(crate) enum BranchInit {
    /// `let x;`
    Missing,
    Expr(Expr),
    For(syn::ExprForLoop),
}

/// `except* MATCHER [as NAME] [if GUARD] => BODY`
pub(crate) struct ArmItem {
    pub(crate) except: Span,
    pub(crate) matcher: Option<Matcher>,
    pub(crate) name: Option<Ident>,
    pub(crate) guard: Option<(syn::token::If, Expr)>,
    pub(crate) body: Expr,
}

/// What an arm matches each leaf against.
#[derive(Clone)]
pub(crate) enum Matcher {
    /// `except* PATTERN`: the leaf (`&E`) matched against a pattern.
    Pattern(Pat),
    /// `except* type T`: the leaf is a boxed error whose concrete type is `T`.
    Type(Type),
}

/// A validated group, ready to expand.
pub(crate) struct GroupInput {
    pub(crate) krate: Krate,
    pub(crate) options: Options,
    pub(crate) branches: Vec<Branch>,
    pub(crate) tail: Option<Expr>,
    pub(crate) arms: Vec<Arm>,
    pub(crate) sharing: Sharing,
    /// Derived once by `prop.rs`; read through its methods there.
    pub(super) facts: Facts,
}

/// How a branch sees the earlier bindings it uses.
pub(crate) enum Sharing {
    /// By shared reference: `taskgroup!`, written for concurrency.
    ByRef,
    /// As sequential code passes them: `#[concurrent]` (see `sequential.rs`).
    Sequential(Sequential),
}

/// Which earlier names each branch uses, and which of them it takes.
pub(crate) struct Sequential {
    /// For each branch, the (earlier branch, name) pairs it uses.
    pub(crate) uses: Vec<Vec<(usize, Ident)>>,
    /// (branch, name) to the branch that takes it by move: its only user,
    /// when nothing after the group uses it.
    pub(crate) moved: BTreeMap<(usize, String), usize>,
}

impl Sequential {
    /// The branch that takes name `name` of branch `i` by move, if one does.
    pub(crate) fn moved_to(&self, i: usize, name: &Ident) -> Option<usize> {
        self.moved.get(&(i, name.to_string())).copied()
    }
}

/// `mode = …;`: what the group does when a branch fails.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    FailFast,
    Supervise,
    Race,
}

impl Mode {
    /// The mode an option value names (`mode = supervise;`).
    pub(crate) fn from_option(name: &str) -> Option<Mode> {
        match name {
            "fail_fast" => Some(Mode::FailFast),
            "supervise" => Some(Mode::Supervise),
            "race" => Some(Mode::Race),
            _ => None,
        }
    }

    /// The runtime's mode this one maps to: the only place that writes it.
    pub(crate) fn runtime(self, krate: &Krate) -> TokenStream {
        let p = krate.private();
        match self {
            Mode::FailFast => quote!(#p::Mode::FailFast),
            Mode::Supervise => quote!(#p::Mode::Supervise),
            Mode::Race => quote!(#p::Mode::Race),
        }
    }
}

pub(crate) struct Options {
    pub(crate) timeout: Option<(Ident, Expr)>,
    /// `cancel = FUTURE;`: the group is cancelled when it completes.
    pub(crate) cancel: Option<(Ident, Expr)>,
    pub(crate) limit: Option<Expr>,
    pub(crate) error: Option<Type>,
    pub(crate) name: Option<Expr>,
    pub(crate) mode: Mode,
}

pub(crate) struct Branch {
    /// Runs as a tokio task (`#[spawn]`).
    pub(crate) spawn: bool,
    pub(crate) pat: Pat,
    /// The names `pat` binds.
    pub(crate) names: Vec<Ident>,
    /// Earlier branches (by index) whose bindings this branch uses.
    pub(crate) deps: Vec<usize>,
    pub(crate) fallible: bool,
    pub(crate) kind: BranchKind,
}

// `Expr` passes clippy's 200-byte bound only when proc-macro2's
// `span-locations` (a dev-dependency feature, for src/fuzz.rs) widens every
// span; boxing it would allocate per branch in the real macro for nothing.
#[allow(clippy::large_enum_variant)]
pub(crate) enum BranchKind {
    /// `let x = FUT?;`
    Single { fut: Expr },
    /// `let v = for PAT in ITER { STMTS; FUT? };`
    ForEach(Box<ForEach>),
}

pub(crate) struct ForEach {
    pub(crate) pat: Pat,
    pub(crate) iter: Expr,
    pub(crate) stmts: Vec<Stmt>,
    pub(crate) fut: Expr,
}

impl Branch {
    /// The future expression, for spans.
    pub(crate) fn fut(&self) -> &Expr {
        match &self.kind {
            BranchKind::Single { fut } => fut,
            BranchKind::ForEach(each) => &each.fut,
        }
    }
}

pub(crate) struct Arm {
    pub(crate) except: Span,
    pub(crate) matcher: Matcher,
    pub(crate) name: Option<Ident>,
    pub(crate) guard: Option<Expr>,
    pub(crate) body: Expr,
}

/// The derived facts of one group: worked out by `prop.rs` when the
/// [`GroupInput`] is made, and read through its methods there.
pub(crate) struct Facts {
    pub(super) branches: Vec<BranchFacts>,
    pub(super) can_fail: bool,
    pub(super) deps: bool,
}

pub(super) struct BranchFacts {
    pub(super) waited_for: bool,
    pub(super) direct: Option<Direct>,
    /// Some `except*` arm uses its binding.
    pub(super) in_arms: bool,
}

/// A branch polled as the user's own future, with no async block around
/// it: the common `let x = fut?;` with nothing to wait for, no task, no
/// error conversion, no binding in a slot. Its future is made where the
/// branches are declared instead of when the branch first runs, so the
/// expression must not hold anything that would act on the caller there,
/// nor lend the future a temporary.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Direct {
    /// Its output is the binding (no `?`).
    Value,
    /// `fut?` in fail-fast mode: an `Err` fails the group.
    Fails,
}
