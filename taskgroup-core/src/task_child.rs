//! Task children: a child that runs as its own tokio task, reports its
//! end to its group, and is aborted and awaited when the group cancels.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::task::AbortHandle;

use crate::handle::TaskOutput;
use crate::policy::{Mode, Verdict};
use crate::util::{Panic, lock};

/// `TaskChildren::count` holds twice the number of running task children; this
/// bit is set once someone waits for that number to reach zero.
pub(crate) const WAITING: usize = 1;

/// The task children of a group as their tokio tasks see it. A task child
/// reports to the driver itself (no `JoinHandle` poll per child): its
/// error or panic through `reports`, its end through `count`. The driver is
/// woken only for a report, for the last task to end once the driver waits
/// for it, and (in a group with a limit) for every end.
pub(crate) struct TaskChildren<E> {
    pub(crate) count: AtomicUsize,
    /// Wake the driver at every end, not only the last (a limit's next child).
    pub(crate) notify_each: bool,
    /// The group's mode: what a value or an error does.
    pub(crate) mode: Mode,
    pub(crate) inner: Mutex<TaskChildrenInner<E>>,
}

pub(crate) struct TaskChildrenInner<E> {
    pub(crate) reports: Vec<TaskReport<E>>,
    /// Whom to wake: the driver (through its `TASKS` slot), or, once `run`'s
    /// future was dropped, the enclosing group awaiting the aborted tasks.
    pub(crate) waker: Option<Waker>,
}

/// What a task child tells its group, in the order it happened.
pub(crate) enum TaskReport<E> {
    Failed(E),
    Panicked(Panic),
    /// A race contestant succeeded.
    Won,
}

impl<E> TaskChildren<E> {
    pub(crate) fn report(&self, report: TaskReport<E>) {
        let waker = {
            let mut inner = lock(&self.inner);
            inner.reports.push(report);
            inner.waker.clone()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn wake(&self) {
        let waker = lock(&self.inner).waker.clone();
        if let Some(w) = waker {
            w.wake();
        }
    }

    pub(crate) fn started(&self) {
        self.count.fetch_add(2, Ordering::AcqRel);
    }

    /// A task child's future was dropped (finished, aborted or never run).
    pub(crate) fn ended(&self) {
        let before = self.count.fetch_sub(2, Ordering::AcqRel);
        if self.notify_each || before == 2 | WAITING {
            self.wake();
        }
    }

    pub(crate) fn running(&self) -> usize {
        self.count.load(Ordering::Acquire) >> 1
    }

    /// Whether no task child is running; if some are, the last one to end
    /// wakes the waker.
    pub(crate) fn idle(&self) -> bool {
        self.count.fetch_or(WAITING, Ordering::AcqRel) >> 1 == 0
    }

    pub(crate) fn take_reports(&self) -> Vec<TaskReport<E>> {
        std::mem::take(&mut lock(&self.inner).reports)
    }
}

pin_project_lite::pin_project! {
    /// The future of a task child's tokio task: runs the child (catching
    /// its panic) and reports its error or panic to the group; its value
    /// (or, supervising, its error) is the task's output, read by the
    /// child's handle. The child is dropped as soon as it finishes; however
    /// the task ends (or if it never runs), dropping this future drops the
    /// child first, catching a panic of that drop, then counts the task as
    /// ended. The child's future is stored once, inline.
    pub(crate) struct TaskFuture<F, E> {
        #[pin]
        fut: Option<F>,
        tasks: Arc<TaskChildren<E>>,
    }

    impl<F, E> PinnedDrop for TaskFuture<F, E> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            drop_child(this.fut, this.tasks);
            this.tasks.ended();
        }
    }
}

/// Drops a task child's future, reporting a panic of its drop.
pub(crate) fn drop_child<F, E>(mut fut: Pin<&mut Option<F>>, tasks: &TaskChildren<E>) {
    if fut.is_some()
        && let Err(payload) = catch_unwind(AssertUnwindSafe(|| fut.set(None)))
    {
        tasks.report(TaskReport::Panicked(payload));
    }
}

impl<F, T, E> Future for TaskFuture<F, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = TaskOutput<T, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(fut) = this.fut.as_mut().as_pin_mut() else {
            // Polled after it returned: tokio never does.
            return Poll::Pending;
        };
        let out = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(v)) => Ok(v),
            Err(payload) => Err(payload),
        };
        drop_child(this.fut, this.tasks);
        let tasks = &**this.tasks;
        Poll::Ready(match out {
            Ok(Ok(v)) => {
                if tasks.mode.on_value() == Verdict::Cancel {
                    tasks.report(TaskReport::Won);
                }
                Some(Ok(v))
            }
            Ok(Err(e)) if tasks.mode.error_to_handle() => Some(Err(e)),
            Ok(Err(e)) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("child failed");
                tasks.report(TaskReport::Failed(e));
                None
            }
            Err(payload) => {
                tasks.report(TaskReport::Panicked(payload));
                None
            }
        })
    }
}

// The child is stored once: a task's future is the child plus two words
// (the old async block held it twice).
const _: () = {
    type Child = std::future::Ready<Result<[u8; 256], ()>>;
    assert!(size_of::<TaskFuture<Child, ()>>() <= size_of::<Child>() + 16);
};

/// The future of a task child's tokio task.
pub(crate) fn task_future<F, T, E>(tasks: Arc<TaskChildren<E>>, fut: F) -> TaskFuture<F, E>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    TaskFuture {
        fut: Some(fut),
        tasks,
    }
}

/// Starts a task child the limit held back; its value went to a shared
/// slot, so the task's own output is dropped.
pub(crate) fn start_deferred<F, E>(tasks: Arc<TaskChildren<E>>, child: F) -> AbortHandle
where
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    tasks.started();
    tokio::spawn(task_future(tasks, child)).abort_handle()
}

/// Abort handles of task children. Finished tasks are swept out whenever
/// the list has doubled since the last sweep.
#[derive(Default)]
pub(crate) struct TaskAborts {
    pub(crate) tasks: Vec<AbortHandle>,
    pub(crate) sweep_at: usize,
}

impl TaskAborts {
    pub(crate) fn push(&mut self, task: AbortHandle) {
        if self.tasks.len() >= self.sweep_at {
            self.tasks.retain(|t| !t.is_finished());
            self.sweep_at = (2 * self.tasks.len()).max(64);
        }
        self.tasks.push(task);
    }

    pub(crate) fn abort_all(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }

    /// Whether every task has completed: its output is stored, so its
    /// handle reports it finished. Forgets the completed ones.
    pub(crate) fn all_finished(&mut self) -> bool {
        self.tasks.retain(|t| !t.is_finished());
        self.tasks.is_empty()
    }
}
