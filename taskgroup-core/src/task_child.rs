//! Task children: a child that runs as its own tokio task, reports its
//! end to its group, and is aborted and awaited when the group cancels.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::task::{AbortHandle, JoinHandle};

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
    /// No task child running yet; `waker` is woken for reports and ends.
    pub(crate) fn new(notify_each: bool, mode: Mode, waker: Waker) -> Self {
        TaskChildren {
            count: AtomicUsize::new(0),
            notify_each,
            mode,
            inner: Mutex::new(TaskChildrenInner {
                reports: Vec::new(),
                waker: Some(waker),
            }),
        }
    }

    /// Wake `waker` from now on instead.
    pub(crate) fn set_waker(&self, waker: &Waker) {
        lock(&self.inner).waker = Some(waker.clone());
    }

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
    pub(crate) fn gone(&self) {
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

/// How a task child ended, told to its reporter once the child's future
/// has been dropped.
pub(crate) enum TaskEnd<O> {
    Returned(O),
    Panicked(Panic),
}

/// Where a task child reports its end. One implementation per kind of task
/// child: a `TaskGroup`'s `spawn_task` ([`TaskChildren`]), an item of a
/// `#[spawn] for` (`macro_support/fanout.rs`) and a `#[spawn]` branch
/// (`macro_support/task.rs`); [`TaskChild`] is the one future that runs
/// them all.
pub(crate) trait TaskReporter<O> {
    /// What the tokio task returns, read through its `JoinHandle`.
    type Output;

    /// The child returned or panicked; its future is already dropped.
    fn ended(&mut self, end: TaskEnd<O>) -> Self::Output;

    /// Dropping the child's future panicked: after it returned, or when
    /// its task was aborted.
    fn drop_panicked(&mut self, payload: Panic);

    /// The task's future is being dropped: the last call, made exactly
    /// once however the task ended (returned, aborted, never polled, or
    /// dropped by a runtime shutting down). No user code runs after it.
    fn gone(&mut self);
}

pin_project_lite::pin_project! {
    /// The future of every task child's tokio task: runs the child,
    /// catching its panic, and tells its reporter how it ended. The child
    /// is dropped as soon as it finishes; however the task ends (or if it
    /// never runs), dropping this future drops the child first, catching a
    /// panic of that drop, then tells the reporter the task is gone. The
    /// child's future is stored once, inline.
    pub(crate) struct TaskChild<F, R>
    where
        F: Future,
        R: TaskReporter<F::Output>,
    {
        #[pin]
        fut: Option<F>,
        reporter: R,
    }

    impl<F, R> PinnedDrop for TaskChild<F, R>
    where
        F: Future,
        R: TaskReporter<F::Output>,
    {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            drop_child(this.fut, this.reporter);
            this.reporter.gone();
        }
    }
}

/// Drops a task child's future, reporting a panic of its drop.
fn drop_child<F, R>(mut fut: Pin<&mut Option<F>>, reporter: &mut R)
where
    F: Future,
    R: TaskReporter<F::Output>,
{
    if fut.is_some()
        && let Err(payload) = catch_unwind(AssertUnwindSafe(|| fut.set(None)))
    {
        reporter.drop_panicked(payload);
    }
}

impl<F, R> Future for TaskChild<F, R>
where
    F: Future,
    R: TaskReporter<F::Output>,
{
    type Output = R::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let Some(fut) = this.fut.as_mut().as_pin_mut() else {
            // Polled after it returned: tokio never does.
            return Poll::Pending;
        };
        let end = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(out)) => TaskEnd::Returned(out),
            Err(payload) => TaskEnd::Panicked(payload),
        };
        drop_child(this.fut, this.reporter);
        Poll::Ready(this.reporter.ended(end))
    }
}

// The child is stored once: a task's future is the child plus its reporter.
const _: () = {
    type Child = std::future::Ready<Result<[u8; 256], ()>>;
    assert!(size_of::<TaskChild<Child, Arc<TaskChildren<()>>>>() <= size_of::<Child>() + 16);
};

/// Spawns `fut` as a task child reporting to `reporter`: the one way every
/// kind of task child starts.
pub(crate) fn spawn<F, R>(fut: F, reporter: R) -> JoinHandle<R::Output>
where
    F: Future + Send + 'static,
    R: TaskReporter<F::Output> + Send + 'static,
    R::Output: Send + 'static,
{
    tokio::spawn(TaskChild {
        fut: Some(fut),
        reporter,
    })
}

/// A `TaskGroup`'s task children report to the group's [`TaskChildren`]:
/// a value (or, supervising, an error) is the task's output, read by the
/// child's handle; an error or a panic goes to the group.
impl<T, E> TaskReporter<Result<T, E>> for Arc<TaskChildren<E>> {
    type Output = TaskOutput<T, E>;

    fn ended(&mut self, end: TaskEnd<Result<T, E>>) -> TaskOutput<T, E> {
        match end {
            TaskEnd::Returned(Ok(v)) => {
                if self.mode.on_value() == Verdict::Cancel {
                    self.report(TaskReport::Won);
                }
                Some(Ok(v))
            }
            TaskEnd::Returned(Err(e)) if self.mode.error_to_handle() => Some(Err(e)),
            TaskEnd::Returned(Err(e)) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("child failed");
                self.report(TaskReport::Failed(e));
                None
            }
            TaskEnd::Panicked(payload) => {
                self.report(TaskReport::Panicked(payload));
                None
            }
        }
    }

    fn drop_panicked(&mut self, payload: Panic) {
        self.report(TaskReport::Panicked(payload));
    }

    fn gone(&mut self) {
        TaskChildren::gone(self);
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
    spawn(child, tasks).abort_handle()
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
