//! The group rules, decided here once for every scheduler: the
//! `TaskGroup` driver (`driver.rs`), the static branches of `taskgroup!`
//! and `#[concurrent]` (`macro_support/driver.rs`) and the `for` fan-out
//! (`macro_support/fanout.rs`). None of them decides on its own what an
//! outcome does; each asks this module.
//!
//! | outcome | fail-fast | supervise | race |
//! |---|---|---|---|
//! | a child's value | goes to its handle | goes to its handle | wins: the others are cancelled |
//! | a child's error | kept; cancels the rest | belongs to its handle; if the handle is dropped untaken, to `on_error` or kept (`supervisor.rs`) | kept; the race goes on |
//! | a fan-out item's error | kept; stops the fan-out | kept; the fan-out goes on | kept; stops the fan-out |
//! | the body's error | kept; cancels the rest | kept; cancels the rest | kept; cancels the rest |
//! | a panic | cancels the rest; the first is resumed | same | same |
//! | the timeout | `TimedOut` kept; cancels the rest | same | same |
//! | a task child lost (its runtime dropped it unfinished) | cancels the rest; then [`LOST_TASK`] is raised | same | same |
//! | a cancel on purpose (`cancel()`, a `Canceller`, `cancel_on`) | `Cancelled` kept; cancels the rest | same | same |
//! | a handle's `cancel()` | that child only is dropped (a task child aborted); not an error | same | same |
//!
//! Also here: how a limit admits children, and when a scheduler that polls
//! many children yields to tokio's cooperative budget. A limit cannot
//! deadlock: a child that holds a slot and awaits the handle of a child
//! still waiting for one lends it its slot — the awaited child starts at
//! once, beyond the limit, while its awaiter is blocked
//! (`driver/cancel.rs` `start_wanted`, asked for by `result_cell.rs`).

use std::panic::catch_unwind;

use crate::util::Panic;

/// What a group does when a child fails or succeeds.
///
/// ```
/// use taskgroup::{Mode, TaskGroup};
///
/// let tg = TaskGroup::<()>::builder().mode(Mode::Supervise).build();
/// assert_eq!(tg.mode(), Mode::Supervise);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Mode {
    /// The first error cancels every other child and the body (the default;
    /// Python's `TaskGroup`, Trio's nursery).
    #[default]
    FailFast,
    /// Nothing is cancelled on error: every child runs to its end and its
    /// `Result` goes to its handle ([`Handle::result`](crate::Handle::result));
    /// the group fails only through its body and the errors no handle
    /// took (Kotlin's `supervisorScope`). An error whose handle was dropped
    /// before anyone took it goes to the group's handler
    /// ([`Builder::on_error`](crate::Builder::on_error)) or, without one,
    /// comes back from `run`; a handle that outlives the group keeps its
    /// error.
    Supervise,
    /// The first success wins and cancels the others; errors cancel
    /// nothing, and the group fails only when every child failed (Java's
    /// `anySuccessfulResultOrThrow`). A race's value is its winner's, so a
    /// group in this mode is a [`Race`](crate::Race), made by
    /// [`Builder::build_race`](crate::Builder::build_race) or
    /// `mode = race;` in `taskgroup!`.
    Race,
}

/// What the group does after an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Nothing more: the others go on.
    GoOn,
    /// Cancel every other child (and the body).
    Cancel,
}

impl Mode {
    /// A child finished with a value: in a race it has won.
    #[inline]
    pub(crate) fn on_value(self) -> Verdict {
        match self {
            Mode::Race => Verdict::Cancel,
            Mode::FailFast | Mode::Supervise => Verdict::GoOn,
        }
    }

    /// A child failed and its error was kept by the group.
    #[inline]
    pub(crate) fn on_error(self) -> Verdict {
        match self {
            Mode::FailFast => Verdict::Cancel,
            // A race fails only when every contestant did; a supervisor
            // lets every child run to its end.
            Mode::Supervise | Mode::Race => Verdict::GoOn,
        }
    }

    /// Whether a child's error belongs to its handle (or the binding of a
    /// `taskgroup!` branch) instead of the group.
    #[inline]
    pub(crate) fn error_to_handle(self) -> bool {
        self == Mode::Supervise
    }

    /// An item of a `for` fan-out failed: the fan-out is one branch, and it
    /// fails as a whole unless the group supervises (then every item runs
    /// to its end and each error is kept).
    #[inline]
    pub(crate) fn on_item_error(self) -> Verdict {
        match self {
            Mode::Supervise => Verdict::GoOn,
            Mode::FailFast | Mode::Race => Verdict::Cancel,
        }
    }
}

/// The body of a `TaskGroup` failed: in every mode the group fails with
/// its error and cancels the children.
pub(crate) const ON_BODY_ERROR: Verdict = Verdict::Cancel;

/// A child or the body panicked: in every mode the others are cancelled,
/// and the payload is resumed once they are gone.
pub(crate) const ON_PANIC: Verdict = Verdict::Cancel;

/// The group's deadline passed: in every mode the group fails with
/// `TimedOut` (converted into its error type) and cancels everything.
pub(crate) const ON_TIMEOUT: Verdict = Verdict::Cancel;

/// The group was cancelled on purpose: in every mode it fails with
/// `Cancelled` (converted into its error type) and cancels everything, as
/// on a timeout. A cancel while the group is already cancelling changes
/// nothing.
pub(crate) const ON_CANCEL: Verdict = Verdict::Cancel;

/// A child was cancelled through its handle: it is stopped (dropped, or
/// aborted and awaited), and that is not an error. Its siblings and the
/// body go on, and a limit's slot it held is free for the next child.
pub(crate) const ON_HANDLE_CANCEL: Verdict = Verdict::GoOn;

/// The message of the panic raised by a group one of whose task children
/// was lost: its runtime dropped the task (it is shutting down) before the
/// child finished, and the group did not abort it. The child has no value,
/// error or panic to give, so the group can neither succeed nor fail with
/// an error; waiting for it would hang.
pub(crate) const LOST_TASK: &str = "taskgroup: a task child was dropped by its runtime before it \
                                    finished (the runtime is shutting down); the group cannot \
                                    complete";

/// The payload of the panic for a lost task child, treated like a child's
/// panic ([`ON_PANIC`]): the others are cancelled, then it is resumed.
///
/// It is made by really panicking (and catching it), so the panic hook
/// reports [`LOST_TASK`] on the thread and at the moment the loss is
/// detected. Call it only from a scheduler's own poll, never inside a
/// `Drop`: a panic while the thread is already unwinding aborts the
/// process.
pub(crate) fn lost_task() -> Panic {
    match catch_unwind(|| panic!("{LOST_TASK}")) {
        Err(payload) => payload,
    }
}

/// The first panic of a group, resumed once every other child is gone.
/// Later panics happened while cancelling (often because of the first)
/// and are dropped with their unwinding already done, as
/// `std::thread::scope` does.
#[derive(Default)]
pub(crate) struct FirstPanic(Option<Panic>);

impl FirstPanic {
    /// Keeps `payload` if it is the group's first panic.
    #[inline]
    pub(crate) fn keep(&mut self, payload: Panic) {
        if self.0.is_none() {
            self.0 = Some(payload);
        }
    }

    /// Whether a panic was kept.
    #[inline]
    pub(crate) fn is_some(&self) -> bool {
        self.0.is_some()
    }

    #[inline]
    pub(crate) fn take(&mut self) -> Option<Panic> {
        self.0.take()
    }
}

impl std::fmt::Debug for FirstPanic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "FirstPanic(Some(..))"
        } else {
            "FirstPanic(None)"
        })
    }
}

/// The message of the panic for a limit of zero, in the builder and for a
/// run-time limit in the macros (a literal `0` is a compile error there).
pub(crate) const ZERO_LIMIT: &str =
    "taskgroup: `limit` must be at least 1 (a group with limit 0 could never run a child)";

/// Checks a group's limit: zero is refused, the same way everywhere.
#[inline]
#[track_caller]
pub(crate) fn check_limit(limit: usize) -> usize {
    assert!(limit > 0, "{ZERO_LIMIT}");
    limit
}

/// How many more children a limit admits while `running` run. Children
/// are admitted in the order they were spawned; one that waits for a slot
/// never overtakes an earlier one.
#[inline]
pub(crate) fn room(limit: usize, running: usize) -> usize {
    limit.saturating_sub(running)
}

/// Whether a scheduler polling many children should stop and yield to the
/// runtime: once tokio's cooperative budget for this task is spent, every
/// tokio resource a child polls (a `JoinHandle`, a socket) answers
/// `Pending` and wakes at once, so polling on would only spin.
#[inline]
pub(crate) fn budget_spent() -> bool {
    !tokio::task::coop::has_budget_remaining()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fail_fast_cancels_on_a_child_error() {
        assert_eq!(Mode::FailFast.on_error(), Verdict::Cancel);
        assert_eq!(Mode::Supervise.on_error(), Verdict::GoOn);
        assert_eq!(Mode::Race.on_error(), Verdict::GoOn);
    }

    #[test]
    fn only_a_race_cancels_on_a_value() {
        assert_eq!(Mode::Race.on_value(), Verdict::Cancel);
        assert_eq!(Mode::FailFast.on_value(), Verdict::GoOn);
        assert_eq!(Mode::Supervise.on_value(), Verdict::GoOn);
    }

    #[test]
    fn a_fan_out_goes_on_after_an_item_error_only_when_supervising() {
        assert_eq!(Mode::Supervise.on_item_error(), Verdict::GoOn);
        assert_eq!(Mode::FailFast.on_item_error(), Verdict::Cancel);
        assert_eq!(Mode::Race.on_item_error(), Verdict::Cancel);
    }

    #[test]
    fn a_cancel_on_purpose_stops_the_group_and_a_handle_cancel_does_not() {
        assert_eq!(ON_CANCEL, Verdict::Cancel);
        assert_eq!(ON_HANDLE_CANCEL, Verdict::GoOn);
    }

    #[test]
    fn the_first_panic_is_kept() {
        let mut first = FirstPanic::default();
        first.keep(Box::new("first"));
        first.keep(Box::new("second"));
        let payload = first.take().unwrap();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
        assert!(first.take().is_none());
    }

    #[test]
    fn a_lost_task_is_a_panic_with_one_message() {
        let payload = lost_task();
        assert_eq!(
            payload.downcast_ref::<String>().map(String::as_str),
            Some(LOST_TASK)
        );
    }

    #[test]
    #[should_panic(expected = "`limit` must be at least 1")]
    fn a_zero_limit_is_refused() {
        check_limit(0);
    }

    #[test]
    fn room_never_underflows() {
        assert_eq!(room(4, 1), 3);
        assert_eq!(room(2, 5), 0);
    }
}
