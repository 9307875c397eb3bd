//! The cell that holds one binding of a `taskgroup!`.

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use super::driver::{Group, Stopped};
use super::partial::Kept;

/// Set once by the branch that computes the binding, read by reference by
/// the branches that depend on it, and moved out for the group's value.
#[derive(Debug)]
pub struct Slot<T>(OnceLock<T>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Slot(OnceLock::new())
    }
}

impl<T> Slot<T> {
    /// An empty slot.
    pub fn new() -> Self {
        Slot::default()
    }

    /// Stores the branch's value (a second value, a race's loser, is dropped).
    pub fn set(&self, value: T) {
        let _ = self.0.set(value);
    }

    /// A future that is ready with the value once it is set, or with
    /// `Stopped` once the group stops.
    ///
    /// It registers no waker: the driver polls every waiting branch again
    /// after any branch finished, and only a finished branch sets a slot.
    pub fn wait<'a, E>(&'a self, group: &'a Group<E>) -> Wait<'a, T, E> {
        Wait { slot: self, group }
    }

    /// The value, if it was set.
    pub fn into_inner(self) -> Option<T> {
        self.0.into_inner()
    }

    /// The value of a group that succeeded, where every slot is set.
    pub fn take(self) -> T {
        match self.0.into_inner() {
            Some(value) => value,
            None => unreachable!("taskgroup: a binding of a successful group was never set"),
        }
    }
}

/// The future returned by [`Slot::wait`].
#[derive(Debug)]
pub struct Wait<'a, T, E> {
    slot: &'a Slot<T>,
    group: &'a Group<E>,
}

impl<'a, T, E> Future for Wait<'a, T, E> {
    type Output = Result<&'a T, Stopped>;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        ready_or_stopped(self.slot.0.get(), self.group)
    }
}

/// Ready with the value once there is one, or with `Stopped` once the
/// group stops: what a branch waiting for a binding sees.
fn ready_or_stopped<T, E>(value: Option<T>, group: &Group<E>) -> Poll<Result<T, Stopped>> {
    match value {
        Some(value) => Poll::Ready(Ok(value)),
        None if group.stopping() => Poll::Ready(Err(Stopped)),
        None => Poll::Pending,
    }
}

/// The cell of a binding that one later branch takes by value: the only
/// user of the binding in a `#[concurrent]` fn, where sequential code
/// would have moved it there. Set once, taken once. A [`Kept`] cell (a
/// `Mutex`), so that a value that is `Send` but not `Sync` keeps the fn's
/// future `Send`, as in sequential code.
#[derive(Debug)]
pub struct Handoff<T>(Kept<T>);

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Handoff(Kept::new())
    }
}

impl<T> Handoff<T> {
    /// An empty cell.
    pub fn new() -> Self {
        Handoff::default()
    }

    /// Stores the branch's value.
    pub fn set(&self, value: T) {
        self.0.keep(value);
    }

    /// A future that is ready with the value, taken out of the cell, once
    /// it is set, or with `Stopped` once the group stops. Like
    /// [`Slot::wait`] it registers no waker.
    pub fn wait<'a, E>(&'a self, group: &'a Group<E>) -> Take<'a, T, E> {
        Take { cell: self, group }
    }
}

/// The future returned by [`Handoff::wait`].
#[derive(Debug)]
pub struct Take<'a, T, E> {
    cell: &'a Handoff<T>,
    group: &'a Group<E>,
}

impl<T, E> Future for Take<'_, T, E> {
    type Output = Result<T, Stopped>;

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        ready_or_stopped(self.cell.0.take(), self.group)
    }
}

/// A binding a `#[concurrent]` branch shares with others, seen as
/// sequential code would pass it: `(&&Shared(&x)).value()` is `x` itself
/// when its type is `Copy` ([`SharedCopy`], found first: its receiver needs
/// no deref), and `&x` otherwise ([`SharedRef`]). The choice is made where
/// the type is known: a generic `T` is copied only under a `T: Copy` bound.
#[derive(Debug)]
pub struct Shared<'a, T>(pub &'a T);

/// The `Copy` case of [`Shared`].
pub trait SharedCopy<T> {
    /// The value, copied.
    fn value(&self) -> T;
}

impl<T: Copy> SharedCopy<T> for &Shared<'_, T> {
    fn value(&self) -> T {
        *self.0
    }
}

/// The general case of [`Shared`].
pub trait SharedRef<'a, T> {
    /// The value, by reference.
    fn value(&self) -> &'a T;
}

impl<'a, T> SharedRef<'a, T> for Shared<'a, T> {
    fn value(&self) -> &'a T {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::macro_support::Mode;

    #[test]
    // The `&&` is the dispatch under test: generated code writes it so.
    #[allow(clippy::needless_borrow)]
    fn a_shared_copy_value_is_copied_and_another_is_borrowed() {
        let (n, s) = (7u32, String::from("x"));
        let copied: u32 = (&&Shared(&n)).value();
        let borrowed: &String = (&&Shared(&s)).value();
        assert_eq!((copied, borrowed.as_str()), (7, "x"));
    }

    #[test]
    fn a_handoff_gives_its_value_once() {
        let group = Group::<()>::new(Mode::FailFast);
        let cell = Handoff::new();
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        let mut take = std::pin::pin!(cell.wait(&group));
        assert!(take.as_mut().poll(&mut cx).is_pending());
        cell.set(String::from("moved"));
        assert_eq!(
            take.as_mut().poll(&mut cx),
            Poll::Ready(Ok(String::from("moved")))
        );
        assert_eq!(cell.0.take(), None);
    }
}
