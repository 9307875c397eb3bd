//! `#[spawn]` branches: a task child (`task_child.rs`) that is aborted,
//! and still awaited, when the group cancels.

use std::panic::resume_unwind;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::task::JoinHandle;

use super::driver::{Group, Stopped};
use crate::orphans::{self, Orphan};
use crate::policy;
use crate::task_child::{self, TaskEnd, TaskReporter};
use crate::tree;
use crate::util::Panic;

/// A `#[spawn]` branch's task hands its output to the branch through its
/// `JoinHandle`; a panic (in its poll or its drop) is raised again inside
/// the task, so the `JoinHandle` carries it to the branch, whose driver
/// catches it like a panic of a local branch.
struct BranchReporter;

impl<O> TaskReporter<O> for BranchReporter {
    type Output = O;

    fn ended(&mut self, end: TaskEnd<O>) -> O {
        match end {
            TaskEnd::Returned(out) => out,
            TaskEnd::Panicked(payload) => resume_unwind(payload),
        }
    }

    fn drop_panicked(&mut self, payload: Panic) {
        resume_unwind(payload)
    }

    fn gone(&mut self, _ended: bool) {}
}

/// Spawns the task of a `#[spawn]` branch and waits for it, aborting it
/// once the group stops.
pub fn spawn_branch<F, E>(fut: F, group: &Group<E>) -> Join<'_, F::Output, E>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    join(
        task_child::spawn(tree::InNode::current(fut), BranchReporter),
        group,
        await_orphan::<F::Output>,
    )
}

/// A tokio task that is aborted when its handle is dropped (the group's
/// future was dropped): the task is then handed to the enclosing group as
/// an orphan to await, so it does not outlive it.
#[derive(Debug)]
struct AbortOnDrop<T>(Option<JoinHandle<T>>, fn(JoinHandle<T>) -> Orphan);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        if let Some(handle) = self.0.take()
            && !handle.is_finished()
        {
            handle.abort();
            orphans::leave([(self.1)(handle)]);
        }
    }
}

/// Awaits an aborted task (made where its output is known to be
/// `Send + 'static`).
fn await_orphan<T: Send + 'static>(handle: JoinHandle<T>) -> Orphan {
    Box::pin(async move {
        let _ = handle.await;
    })
}

impl<T> AbortOnDrop<T> {
    /// Polls the task: its value, `Stopped` when it was aborted, and the
    /// task's own panic resumed here (the driver catches it).
    fn poll_task(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, Stopped>> {
        let Some(handle) = self.0.as_mut() else {
            return Poll::Ready(Err(Stopped));
        };
        Pin::new(handle).poll(cx).map(|joined| {
            joined.map_err(|err| match err.try_into_panic() {
                Ok(payload) => resume_unwind(payload),
                Err(_) => Stopped,
            })
        })
    }
}

/// Waits for the task of a `#[spawn]` branch, aborting it once the group
/// stops. A value the task still returns after the abort is handed back,
/// so an error it returned is not lost. A task cancelled without that
/// abort was dropped by its runtime: the branch panics with
/// `policy::LOST_TASK`.
fn join<T, E>(
    handle: JoinHandle<T>,
    group: &Group<E>,
    orphan: fn(JoinHandle<T>) -> Orphan,
) -> Join<'_, T, E> {
    Join {
        task: AbortOnDrop(Some(handle), orphan),
        group,
        aborted: false,
    }
}

/// The future returned by [`spawn_branch`].
#[derive(Debug)]
pub struct Join<'a, T, E> {
    task: AbortOnDrop<T>,
    group: &'a Group<E>,
    aborted: bool,
}

impl<T, E> Future for Join<'_, T, E> {
    type Output = Result<T, Stopped>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if !self.aborted && self.group.stopping() {
            self.aborted = true;
            if let Some(handle) = &self.task.0 {
                handle.abort();
            }
        }
        match self.task.poll_task(cx) {
            // Cancelled, and not by this branch: its runtime dropped the
            // task (it is shutting down). The branch has no value and no
            // error, so it panics (the policy's rule for a lost task); the
            // group's driver catches that and resumes it once the other
            // branches are gone.
            Poll::Ready(Err(Stopped)) if !self.aborted => {
                std::panic::resume_unwind(policy::lost_task())
            }
            polled => polled,
        }
    }
}
