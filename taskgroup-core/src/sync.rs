//! The lock and atomics of the two primitives whose state crosses threads:
//! `TaskChildren` (a task child reporting to its group from a worker
//! thread) and `ResultCell` (a child handing its value to its handle).
//!
//! In a normal build these are std's, so the code is the same as if those
//! files named `std::sync` directly. Under `--cfg loom` the unit tests are
//! built with loom's instead, and the `loom_tests` modules next to each
//! primitive check every interleaving of a small model. The rest of the
//! crate keeps std's types.
//!
//! The switch is `all(test, loom)`, not `loom` alone: loom is only a
//! dev-dependency, and the facade that the doc examples use as a
//! dev-dependency builds this crate's library again, under the same
//! `--cfg loom` but without loom.

#[cfg(not(all(test, loom)))]
pub(crate) use crate::util::lock;
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::Mutex;
#[cfg(not(all(test, loom)))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

#[cfg(all(test, loom))]
pub(crate) use loom::sync::Mutex;
#[cfg(all(test, loom))]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// `util::lock` for loom's mutex: poison is ignored for the same reason.
#[cfg(all(test, loom))]
pub(crate) fn lock<T>(m: &Mutex<T>) -> loom::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}
