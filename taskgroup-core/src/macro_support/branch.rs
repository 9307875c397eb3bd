//! One static branch of a `taskgroup!`: its future, pinned in the caller's
//! future, then its value until the group takes it.

use std::pin::Pin;

use futures_util::future::MaybeDone;

use super::driver::Group;

/// One static branch, pinned on the caller's stack: the running future,
/// then its output (the binding's value) until the group takes it.
///
/// This is futures-util's `MaybeDone`, which does the pin projection (and
/// its `unsafe`) for us.
pub type Branch<F> = MaybeDone<F>;

/// Makes the branch bound to `binding` from its future; pin the result
/// where the group's future lives. With the `tracing` feature the branch
/// runs inside a span named after its binding, a child of the group's
/// span.
///
/// One call per branch, which both wraps and (with the feature) traces:
/// every call the macro writes is code the compiler builds per group.
#[cfg(feature = "tracing")]
pub fn branch<E, F: Future>(
    group: &Group<E>,
    binding: &'static str,
    fut: F,
) -> Branch<tracing::instrument::Instrumented<F>> {
    use tracing::Instrument;
    MaybeDone::Future(fut.instrument(tracing::debug_span!(
        parent: group.span(),
        "child",
        name = binding
    )))
}

/// Makes the branch bound to `binding` from its future; pin the result
/// where the group's future lives. (Without the `tracing` feature the
/// future is left as it is.)
#[cfg(not(feature = "tracing"))]
pub fn branch<E, F: Future>(_group: &Group<E>, _binding: &'static str, fut: F) -> Branch<F> {
    MaybeDone::Future(fut)
}

/// Takes the output of a finished branch (`None` if it was cancelled or
/// panicked), for [`take_ok`] once the group succeeded. `X` is `Stopped`
/// for a branch in an async block, the group's error for a branch that is
/// the user's own future (whose `Err` the pass already took out).
#[inline]
pub fn output<F, T, X>(branch: &mut Pin<&mut Branch<F>>) -> Option<Result<T, X>>
where
    F: Future<Output = Result<T, X>>,
{
    branch.as_mut().take_output()
}

/// Takes the output of a finished branch that is the binding's value
/// itself (`None` if it was cancelled or panicked), for [`take`].
#[inline]
pub fn value<F: Future>(branch: &mut Pin<&mut Branch<F>>) -> Option<F::Output> {
    branch.as_mut().take_output()
}

/// The value of a branch of a group that succeeded: every branch finished.
#[inline]
pub fn take<T>(value: Option<T>) -> T {
    match value {
        Some(value) => value,
        None => unreachable!("taskgroup: a binding of a successful group was never set"),
    }
}

/// The value of a branch of a group that succeeded, from its [`output`]:
/// every branch finished with `Ok`. (One match on the output: cheaper
/// than turning it into an `Option` first.)
#[inline]
pub fn take_ok<T, X>(value: Option<Result<T, X>>) -> T {
    match value {
        Some(Ok(value)) => value,
        _ => unreachable!("taskgroup: a binding of a successful group was never set"),
    }
}
