//! Partial results: what an `except*` arm sees of the branches.
//!
//! Inside an arm each branch binding is an `Option<T>` (`Some` when the
//! branch finished with a value before the group stopped) and a `for`
//! binding a `Vec<Option<T>>` in input order. Nothing is copied for this:
//! a finished branch's future still holds its output (it is pinned in the
//! caller's future until the group ends), a binding another branch waited
//! for is still in its [`Slot`](super::Slot) (the dependents only borrowed
//! it), and a fan-out that stops hands the values of its finished items
//! to a [`Kept`] cell, which the macro makes only for a `for` binding some
//! arm uses.

use std::sync::Mutex;

use crate::util::lock;

/// Where a fan-out that stopped leaves the values of its finished items.
///
/// A `Mutex` rather than a `OnceLock`: the branch's future holds a
/// reference to it, and the caller's future must stay `Send` whenever the
/// values are `Send` (a `OnceLock<T>` is `Sync` only when `T: Sync`).
#[derive(Debug)]
pub struct Kept<T>(Mutex<Option<T>>);

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept(Mutex::new(None))
    }
}

impl<T> Kept<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Kept::default()
    }

    /// Keeps `value` (the first one kept stays).
    pub(crate) fn keep(&self, value: T) {
        let mut kept = lock(&self.0);
        if kept.is_none() {
            *kept = Some(value);
        }
    }

    /// Takes the value kept, if any, leaving the cell empty.
    pub(crate) fn take(&self) -> Option<T> {
        lock(&self.0).take()
    }

    /// The value kept, if any.
    pub fn into_inner(self) -> Option<T> {
        self.0.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// A branch binding as an arm sees it, from its branch's output: the
/// value if the branch finished with one.
#[inline]
pub fn partial<T, X>(output: Option<Result<T, X>>) -> Option<T> {
    output.and_then(Result::ok)
}

/// A `for` binding as an arm sees it: every item's value when the whole
/// fan-out finished, else what it kept when it stopped (empty when it
/// never started: a binding it waited for was never set).
pub fn partial_fan<T>(done: Option<Vec<T>>, kept: Kept<Vec<Option<T>>>) -> Vec<Option<T>> {
    match done {
        Some(values) => values.into_iter().map(Some).collect(),
        None => kept.into_inner().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_branch_that_failed_or_never_finished_has_no_value() {
        assert_eq!(partial::<u8, ()>(Some(Ok(3))), Some(3));
        assert_eq!(partial::<u8, ()>(Some(Err(()))), None);
        assert_eq!(partial::<u8, ()>(None), None);
    }

    #[test]
    fn a_fan_out_that_finished_wins_over_what_was_kept() {
        let kept = Kept::new();
        kept.keep(vec![None, Some(2)]);
        kept.keep(vec![Some(9)]);
        assert_eq!(
            partial_fan(Some(vec![1, 2]), Kept::new()),
            [Some(1), Some(2)]
        );
        assert_eq!(partial_fan(None, kept), [None, Some(2)]);
        assert_eq!(partial_fan::<u8>(None, Kept::new()), []);
    }
}
