//! The cell that holds one binding of a `taskgroup!`.

use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll};

use super::driver::{Group, Stopped};

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
        if let Some(value) = self.slot.0.get() {
            Poll::Ready(Ok(value))
        } else if self.group.stopping() {
            Poll::Ready(Err(Stopped))
        } else {
            Poll::Pending
        }
    }
}
