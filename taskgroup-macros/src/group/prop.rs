//! Facts derived from a validated group, computed once when the
//! [`GroupInput`] is made, for expansion to read and never work out again.

use std::collections::BTreeSet;

use syn::{Expr, Pat, Type};

use super::model::{
    Arm, Branch, BranchFacts, BranchKind, Direct, Facts, GroupInput, Mode, Options, Sharing,
};
use crate::krate::Krate;
use crate::{deps, syntax};

/// The group's error type `E`.
pub(crate) enum ErrorType<'a> {
    /// `error = T;`
    Given(&'a Type),
    /// The fallible branches' common error type.
    Inferred,
    /// Only the deadline can fail the group.
    TimedOut,
    /// `Cancelled`: a group whose only failure is `cancel = …;`.
    Cancelled,
    /// Nothing can.
    Infallible,
}

impl GroupInput {
    /// A validated group, with its derived facts worked out once.
    pub(crate) fn new(
        krate: Krate,
        options: Options,
        branches: Vec<Branch>,
        tail: Option<Expr>,
        arms: Vec<Arm>,
    ) -> Self {
        let facts = Facts::of(&options, &branches, &arms);
        GroupInput {
            krate,
            options,
            branches,
            tail,
            arms,
            sharing: Sharing::ByRef,
            facts,
        }
    }

    /// The same group, its branches seeing earlier bindings as `sharing` says.
    pub(crate) fn with_sharing(self, sharing: Sharing) -> Self {
        GroupInput { sharing, ..self }
    }
}

impl Facts {
    pub(crate) fn of(options: &Options, branches: &[Branch], arms: &[Arm]) -> Facts {
        let waited: Vec<bool> = (0..branches.len())
            .map(|i| branches.iter().any(|b| b.deps.contains(&i)))
            .collect();
        let in_arms = arm_uses(branches, arms);
        let facts = branches
            .iter()
            .zip(&waited)
            .map(|(b, &waited_for)| BranchFacts {
                waited_for,
                direct: direct(options, b, waited_for),
                in_arms: options.mode != Mode::Race
                    && b.names.iter().any(|n| in_arms.contains(&n.to_string())),
            })
            .collect();
        let timeout = options.timeout.is_some() || options.cancel.is_some();
        let can_fail = match options.mode {
            Mode::Supervise => timeout,
            Mode::FailFast | Mode::Race => {
                timeout || options.error.is_some() || branches.iter().any(|b| b.fallible)
            }
        };
        Facts {
            branches: facts,
            can_fail,
            deps: branches.iter().any(|b| !b.deps.is_empty()),
        }
    }
}

impl GroupInput {
    /// Whether some branch waits for the binding of branch `i`.
    pub(crate) fn waited_for(&self, i: usize) -> bool {
        self.facts.branches.get(i).is_some_and(|f| f.waited_for)
    }

    /// Whether some `except*` arm (its guard or its body) uses a name that
    /// branch `i` binds: the arms see it as a partial result.
    pub(crate) fn in_arms(&self, i: usize) -> bool {
        self.facts.branches.get(i).is_some_and(|f| f.in_arms)
    }

    /// Whether branch `i` is a fan-out that keeps its finished items'
    /// values for the `except*` arms if it stops.
    pub(crate) fn keeps_items(&self, i: usize) -> bool {
        self.in_arms(i)
            && self
                .branches
                .get(i)
                .is_some_and(|b| matches!(b.kind, BranchKind::ForEach(_)))
    }

    /// Whether branch `i` is polled as the user's own future.
    pub(crate) fn direct(&self, i: usize) -> Option<Direct> {
        self.facts.branches.get(i).and_then(|f| f.direct)
    }

    /// Whether the binding of branch `i` is kept in a slot (a race's winner,
    /// or a binding another branch waits for) rather than in its branch's
    /// output.
    pub(crate) fn in_slot(&self, i: usize) -> bool {
        self.options.mode == Mode::Race || self.waited_for(i)
    }

    /// Whether the group's value is a `Result`: something can fail it.
    pub(crate) fn can_fail(&self) -> bool {
        self.facts.can_fail
    }

    /// Whether some branch waits for another's binding.
    pub(crate) fn has_deps(&self) -> bool {
        self.facts.deps
    }

    /// Whether some branch error goes through `SameError`: a fail-fast or
    /// race group without `error = …;` whose branches can fail.
    pub(crate) fn same_error(&self) -> bool {
        self.options.error.is_none()
            && self.options.mode != Mode::Supervise
            && self.branches.iter().any(|b| b.fallible)
    }

    /// The group's error type.
    pub(crate) fn error_type(&self) -> ErrorType<'_> {
        if let Some(ty) = &self.options.error {
            return ErrorType::Given(ty);
        }
        let fallible = self.branches.iter().any(|b| b.fallible);
        let timeout = self.options.timeout.is_some();
        let cancel = self.options.cancel.is_some();
        match self.options.mode {
            // Branch errors go to the bindings, not the group.
            Mode::Supervise if timeout => ErrorType::TimedOut,
            Mode::Supervise if cancel => ErrorType::Cancelled,
            Mode::Supervise => ErrorType::Infallible,
            _ if fallible => ErrorType::Inferred,
            _ if timeout => ErrorType::TimedOut,
            _ if cancel => ErrorType::Cancelled,
            _ => ErrorType::Infallible,
        }
    }
}

/// The branch bindings the `except*` arms use. A race's arms run only
/// when every contestant failed: they see no binding.
fn arm_uses(branches: &[Branch], arms: &[Arm]) -> BTreeSet<String> {
    let known = branches
        .iter()
        .flat_map(|b| b.names.iter().map(|n| n.to_string()))
        .collect();
    arms.iter()
        .flat_map(|arm| arm.guard.iter().chain([&arm.body]))
        .flat_map(|expr| deps::expr_uses(expr, &known).into_keys())
        .collect()
}

fn direct(options: &Options, b: &Branch, waited_for: bool) -> Option<Direct> {
    let BranchKind::Single { fut } = &b.kind else {
        return None;
    };
    // Left in their async block: tasks; branches that wait for or are
    // waited for; a `limit` (a branch must not be made before its turn);
    // `error =` (the conversion) and a type ascription (it types the value
    // in the block); expressions that would act on the caller or whose
    // future borrows a temporary of the expression (it must live as long
    // as the future, which only the block gives it).
    if b.spawn
        || !b.deps.is_empty()
        || waited_for
        || options.limit.is_some()
        || options.error.is_some()
        || matches!(b.pat, Pat::Type(_))
        || syntax::own_effects(fut).acts()
        || deps::borrows_temporary(fut)
    {
        return None;
    }
    match options.mode {
        Mode::FailFast if b.fallible => Some(Direct::Fails),
        Mode::FailFast => Some(Direct::Value),
        // A supervised `fut?` must yield a `Result`, which the block checks.
        Mode::Supervise if !b.fallible => Some(Direct::Value),
        Mode::Supervise | Mode::Race => None,
    }
}
