//! Runtime pieces used only by the code the macros generate. Not public API:
//! reached through `taskgroup::__private`, which may change in any release.
//!
//! `taskgroup!` pins every static branch on the stack of the caller's own
//! future and polls them with [`Driver`]; nothing here allocates for a
//! static branch. A branch talks to its siblings only through [`Group`] (the
//! error sink and the cancel flag) and the [`Slot`]s that hold the bindings.

mod branch;
mod branch_tree;
mod concurrent;
mod driver;
mod fanout;
mod partial;
mod slot;
mod task;

pub use crate::diagnostics::{ErrorOf, SameError, SameValue};
pub use branch::{Branch, branch, output, take, take_ok, value};
pub use concurrent::{Exit, FnResult, exit_all, exit_first};
pub use driver::{Driver, Group, Pass, Stopped, finish};
pub use fanout::{FanOut, item};
pub use partial::{Kept, partial, partial_fan};
pub use slot::{Handoff, Shared, SharedCopy, SharedRef, Slot, Take, Wait};
pub use task::{Join, spawn_branch};

pub use crate::error::{Cancelled, ErrorGroup, TimedOut};
pub use crate::policy::Mode;

use std::time::Duration;
use tokio::time::Sleep;

/// The timer of a group with `timeout = …;`.
pub fn deadline(after: Duration) -> Sleep {
    tokio::time::sleep(after)
}

/// The future of `cancel = …;`, kept until it completes.
pub fn cancel_signal<F: IntoFuture>(signal: F) -> Option<F::IntoFuture> {
    Some(signal.into_future())
}

/// `#[concurrent(cancel = …)]`: runs the fn's body until it ends or
/// `signal` completes (the body is then dropped, which cancels a running
/// segment), whichever comes first; the body first when both are ready.
pub async fn until_cancelled<S, B>(signal: S, body: B) -> Result<B::Output, Cancelled>
where
    S: IntoFuture,
    B: Future,
{
    let mut signal = std::pin::pin!(signal.into_future());
    let mut body = std::pin::pin!(body);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(out) = body.as_mut().poll(cx) {
            return std::task::Poll::Ready(Ok(out));
        }
        signal.as_mut().poll(cx).map(|_| Err(Cancelled::new()))
    })
    .await
}

/// The value of a group with `limit = …;` that is not a literal (a literal
/// `0` is a compile error): zero is refused as `Builder::limit` refuses it.
#[track_caller]
pub fn limit(n: usize) -> usize {
    crate::policy::check_limit(n)
}

/// Keeps the value of the first `except*` arm that ran.
pub fn keep_first<T>(first: &mut Option<T>, value: T) {
    if first.is_none() {
        *first = Some(value);
    }
}

/// The result once every `except*` arm had its turn: the leaves no arm
/// matched, or the value of the first arm that ran.
pub fn arms_result<T, E>(
    first: Option<T>,
    rest: Option<ErrorGroup<E>>,
) -> Result<T, ErrorGroup<E>> {
    match (rest, first) {
        (Some(rest), _) => Err(rest),
        (None, Some(value)) => Ok(value),
        // A group is never empty, so when nothing is left some arm ran.
        (None, None) => unreachable!("taskgroup: an error group with no error"),
    }
}

/// Splits off the leaves one `except*` arm matches; `rest` keeps the others.
pub fn split_arm<E>(
    rest: &mut Option<ErrorGroup<E>>,
    pred: impl FnMut(&E) -> bool,
) -> Option<ErrorGroup<E>> {
    let group = rest.take()?;
    let (matched, others) = group.split(pred);
    *rest = others;
    matched
}

/// The value of a race: the winner, or every error when all failed.
pub fn race_result<T, E>(
    winner: Slot<T>,
    errors: Option<ErrorGroup<E>>,
) -> Result<T, ErrorGroup<E>> {
    match (winner.into_inner(), errors) {
        (Some(value), _) => Ok(value),
        (None, Some(errors)) => Err(errors),
        (None, None) => unreachable!("taskgroup: a race ended with no winner and no error"),
    }
}
