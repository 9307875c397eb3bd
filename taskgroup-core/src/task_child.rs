//! Task children: a child that runs as its own tokio task, reports its
//! end to its group, and is aborted and awaited when the group cancels.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::task::{AbortHandle, JoinHandle};

use crate::cancel::{HELD, Held, HoldsSlot};
use crate::handle::TaskOutput;
use crate::policy::{Mode, Verdict};
// Loom's under `--cfg loom`: the hand-off to the driver is model-checked
// (`loom_tests` below).
use crate::sync::{AtomicBool, AtomicUsize, Mutex, Ordering, lock};
use crate::util::Panic;

/// `TaskChildren::count` holds the number of running task children in
/// units of [`RUNNING`]; this bit is set once someone waits for that number
/// to reach zero.
pub(crate) const WAITING: usize = 1;
/// Set in `TaskChildren::count` while the group takes no new task child
/// (not running yet, cancelling, finished): a spawn counts its task and
/// reads this bit in one atomic step (`try_start`), so that it needs no
/// lock to know the group cannot finish before its task is gone.
pub(crate) const CLOSED: usize = 2;
/// One running task child in `TaskChildren::count`.
pub(crate) const RUNNING: usize = 4;

/// The task children of a group as their tokio tasks see it. A task child
/// reports to the driver itself (no `JoinHandle` poll per child): its
/// error or panic through `reports`, its end through `count`. The driver is
/// woken only for a report, for the last task to end once the driver waits
/// for it, and (in a group with a limit) for every end.
pub(crate) struct TaskChildren<E> {
    /// The slots each of these tasks holds while it runs, for
    /// `cancel::HoldsSlot`: its group's (with a limit) and those of the
    /// limited groups its group runs in. Zeros: none.
    pub(crate) lend: Held,
    /// The running tasks (in units of [`RUNNING`]), [`CLOSED`], [`WAITING`].
    pub(crate) count: AtomicUsize,
    /// Wake the driver at every end, not only the last (a limit's next child).
    pub(crate) notify_each: bool,
    /// The group's mode: what a value or an error does.
    pub(crate) mode: Mode,
    /// Set once the group aborts its tasks: from then on a task gone
    /// without an end is one it aborted, not one its runtime lost.
    pub(crate) aborting: AtomicBool,
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
    /// An error, with the name of the child it came from.
    Failed(E, Option<Arc<str>>),
    Panicked(Panic),
    /// A race contestant succeeded.
    Won,
    /// The task was dropped before its child ended, and the group had not
    /// aborted it: its runtime is shutting down (`policy::LOST_TASK`). No
    /// payload is made here: the task's drop may run while its thread is
    /// unwinding, where a panic would abort the process; the driver makes
    /// it while it polls.
    Lost,
}

impl<E> TaskChildren<E> {
    /// No task child running yet; `waker` is woken for reports and ends.
    /// Closed: the first `try_start` asks the group whether it runs
    /// (`GroupState::count_task`), and opens it.
    pub(crate) fn new(notify_each: bool, mode: Mode, waker: Waker) -> Self {
        TaskChildren {
            lend: [0; HELD],
            count: AtomicUsize::new(CLOSED),
            notify_each,
            mode,
            aborting: AtomicBool::new(false),
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

    /// Counts a task child its group decided to start (open or not).
    pub(crate) fn started(&self) {
        self.count.fetch_add(RUNNING, Ordering::AcqRel);
    }

    /// Counts a task child about to start, unless the set is closed: then
    /// it counts nothing and returns false. Counted here, the group cannot
    /// finish before the task is gone (`close_if_idle` sees it running); a
    /// cancel that closes the set after this aborts the task once it is
    /// tracked (`GroupState::track_task`).
    #[inline]
    pub(crate) fn try_start(&self) -> bool {
        let before = self.count.fetch_add(RUNNING, Ordering::AcqRel);
        if before & CLOSED == 0 {
            return true;
        }
        // Taken back as a task that ended: a driver that saw it running
        // meanwhile is woken as for the last task.
        self.release();
        false
    }

    /// Takes no new task child from now on (`try_start` refuses).
    pub(crate) fn close(&self) {
        self.count.fetch_or(CLOSED, Ordering::AcqRel);
    }

    /// Takes new task children (the group runs), counting one of them now:
    /// called under the group's lock, where no one closes it.
    pub(crate) fn open_with_one(&self) {
        self.count.fetch_and(!CLOSED, Ordering::AcqRel);
        self.started();
    }

    /// Closes the set if no task child is running, in one atomic step with
    /// that check: a `try_start` either came first (and this fails) or is
    /// refused. True if closed.
    pub(crate) fn close_if_idle(&self) -> bool {
        self.count
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |c| {
                (c < RUNNING).then_some(c | CLOSED)
            })
            .is_ok()
    }

    /// The group is about to abort its tasks (it is cancelling, or its
    /// `run` future is being dropped). Called before the aborts, so a task
    /// dropped by one of them sees it.
    pub(crate) fn begin_abort(&self) {
        self.aborting.store(true, Ordering::Release);
    }

    /// A task child's future was dropped (finished, aborted or never run);
    /// `ended` if the child returned or panicked.
    pub(crate) fn gone(&self, ended: bool) {
        // Reported before the count drops, so a driver that sees no task
        // running also sees the report (it takes the reports after `idle`).
        if !ended && !self.aborting.load(Ordering::Acquire) {
            self.report(TaskReport::Lost);
        }
        self.release();
    }

    /// One task fewer running: wakes the waker for the last one once it
    /// waits (`idle`), or for every one (`notify_each`).
    #[inline]
    fn release(&self) {
        let before = self.count.fetch_sub(RUNNING, Ordering::AcqRel);
        if self.notify_each || before & !CLOSED == RUNNING | WAITING {
            self.wake();
        }
    }

    pub(crate) fn running(&self) -> usize {
        self.count.load(Ordering::Acquire) / RUNNING
    }

    /// Whether no task child is running; if some are, the last one to end
    /// wakes the waker.
    pub(crate) fn idle(&self) -> bool {
        self.count.fetch_or(WAITING, Ordering::AcqRel) < RUNNING
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
/// child: a `TaskGroup`'s `spawn_task` ([`GroupTask`]), an item of a
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
    /// dropped by a runtime shutting down). `ended` tells whether
    /// [`ended`](TaskReporter::ended) was called first, i.e. whether the
    /// child returned or panicked rather than being dropped unfinished. No
    /// user code runs after it.
    fn gone(&mut self, ended: bool);

    /// The groups in which this task holds a slot of a limit while it
    /// runs, innermost first (see `cancel::HoldsSlot`); zeros: none.
    fn holds_slot(&self) -> Held {
        [0; HELD]
    }
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
            // `poll` empties `fut` exactly when the child returned or
            // panicked, right before it reports that end.
            let ended = this.fut.is_none();
            // `gone` is the last call even when a reporter raises a drop's
            // panic again (a `#[spawn]` branch does, for its JoinHandle).
            let last = Last::<R, F::Output>(this.reporter, ended, std::marker::PhantomData);
            drop_child(this.fut, &mut *last.0);
        }
    }
}

/// Tells a reporter its task is gone when dropped, unwinding or not.
struct Last<'r, R: TaskReporter<O>, O>(&'r mut R, bool, std::marker::PhantomData<fn(O)>);

impl<R: TaskReporter<O>, O> Drop for Last<'_, R, O> {
    fn drop(&mut self) {
        self.0.gone(self.1);
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
        let held = this.reporter.holds_slot();
        let _holds = (held[0] != 0).then(|| HoldsSlot::enter_all(held));
        let end = match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Pending) => return Poll::Pending,
            Ok(Poll::Ready(out)) => TaskEnd::Returned(out),
            Err(payload) => TaskEnd::Panicked(payload),
        };
        match end {
            // The child already panicked: a panic of its drop is a later
            // one, dropped (the first panic wins), as tokio would.
            TaskEnd::Panicked(_) => {
                let mut fut = this.fut;
                let _ = catch_unwind(AssertUnwindSafe(|| fut.set(None)));
            }
            TaskEnd::Returned(_) => drop_child(this.fut, this.reporter),
        }
        Poll::Ready(this.reporter.ended(end))
    }
}

// The child is stored once: a task's future is the child plus its reporter
// (a `GroupTask`: a pointer and a flag, 16 bytes, and the padding that
// aligns it after a child of byte alignment).
const _: () = {
    type Child = std::future::Ready<Result<[u8; 256], ()>>;
    assert!(size_of::<TaskChild<Child, GroupTask<()>>>() <= size_of::<Child>() + 16);
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

/// The reporter of one task child of a `TaskGroup`: the group's
/// [`TaskChildren`].
pub(crate) struct GroupTask<E, N = Unnamed> {
    tasks: Arc<TaskChildren<E>>,
    /// The child's name, for its error: a type, so that an unnamed task
    /// (most of them) carries no field for it.
    name: N,
}

/// The name a task child's error goes to its group with.
pub(crate) trait TaskName: Send + 'static {
    fn take(&mut self) -> Option<Arc<str>>;
}

/// A task child without a name.
pub(crate) struct Unnamed;

impl TaskName for Unnamed {
    fn take(&mut self) -> Option<Arc<str>> {
        None
    }
}

impl TaskName for Option<Arc<str>> {
    fn take(&mut self) -> Option<Arc<str>> {
        Option::take(self)
    }
}

impl<E, N> GroupTask<E, N> {
    /// The reporter of a task child about to start; the caller has counted
    /// it (`TaskChildren::started`).
    pub(crate) fn new(tasks: Arc<TaskChildren<E>>, name: N) -> Self {
        GroupTask { tasks, name }
    }
}

/// A `TaskGroup`'s task children report to the group's [`TaskChildren`]:
/// a value (or, supervising, an error) is the task's output, read by the
/// child's handle; an error or a panic goes to the group; a task gone
/// without an end that the group did not abort is lost.
impl<T, E, N: TaskName> TaskReporter<Result<T, E>> for GroupTask<E, N> {
    type Output = TaskOutput<T, E>;

    fn ended(&mut self, end: TaskEnd<Result<T, E>>) -> TaskOutput<T, E> {
        let tasks = &self.tasks;
        match end {
            TaskEnd::Returned(Ok(v)) => {
                if tasks.mode.on_value() == Verdict::Cancel {
                    tasks.report(TaskReport::Won);
                }
                Some(Ok(v))
            }
            TaskEnd::Returned(Err(e)) if tasks.mode.error_to_handle() => Some(Err(e)),
            TaskEnd::Returned(Err(e)) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("child failed");
                tasks.report(TaskReport::Failed(e, self.name.take()));
                None
            }
            TaskEnd::Panicked(payload) => {
                tasks.report(TaskReport::Panicked(payload));
                None
            }
        }
    }

    fn drop_panicked(&mut self, payload: Panic) {
        self.tasks.report(TaskReport::Panicked(payload));
    }

    fn gone(&mut self, ended: bool) {
        // A task its handle aborted on purpose was not lost either.
        let on_purpose = forget_abort_on_purpose();
        self.tasks.gone(ended || on_purpose);
    }

    #[inline]
    fn holds_slot(&self) -> Held {
        self.tasks.lend
    }
}

/// The tokio tasks of `TaskGroup` children that were aborted on purpose
/// (`Handle::cancel`), whose drop has not run yet: a task dropped
/// unfinished is then not one its runtime lost. Task ids are never
/// reused in a process, and each entry is removed by its task's drop.
static ABORTED_ON_PURPOSE: std::sync::Mutex<Vec<tokio::task::Id>> =
    std::sync::Mutex::new(Vec::new());
/// How many entries [`ABORTED_ON_PURPOSE`] holds: a task that ends while it
/// is empty (every task of a group that never cancels a child) reads one
/// atomic, not the lock.
static ABORTS_PENDING: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

/// Aborts a task child on purpose: it stops as a cancelled child, not as
/// one its runtime lost. Its group still awaits it (its count drops only
/// when the task is gone).
pub(crate) fn abort_on_purpose(task: &AbortHandle) {
    if task.is_finished() {
        return;
    }
    {
        let mut ids = crate::util::lock(&ABORTED_ON_PURPOSE);
        ids.push(task.id());
        ABORTS_PENDING.store(ids.len(), std::sync::atomic::Ordering::Release);
    }
    task.abort();
    // Finished meanwhile: its drop ran before the id was noted, or after
    // and removed it; either way nothing will remove it any more.
    if task.is_finished() {
        remove_abort(task.id());
    }
}

/// Removes the current task from [`ABORTED_ON_PURPOSE`]: true if it was
/// there. Called from the drop of a task child's future, where tokio has
/// set the task's id.
fn forget_abort_on_purpose() -> bool {
    if ABORTS_PENDING.load(std::sync::atomic::Ordering::Acquire) == 0 {
        return false;
    }
    tokio::task::try_id().is_some_and(remove_abort)
}

fn remove_abort(id: tokio::task::Id) -> bool {
    let mut ids = crate::util::lock(&ABORTED_ON_PURPOSE);
    let Some(pos) = ids.iter().position(|&i| i == id) else {
        return false;
    };
    ids.swap_remove(pos);
    ABORTS_PENDING.store(ids.len(), std::sync::atomic::Ordering::Release);
    true
}

/// Starts a task child the limit held back; its value went to a shared
/// slot, so the task's own output is dropped.
pub(crate) fn start_deferred<F, E>(
    tasks: Arc<TaskChildren<E>>,
    name: Option<Arc<str>>,
    child: F,
) -> AbortHandle
where
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    tasks.started();
    spawn_in_group(child, tasks, name).abort_handle()
}

/// Spawns a task child of a `TaskGroup` reporting to `tasks` (which has
/// counted it): an unnamed one's reporter carries no name at all.
pub(crate) fn spawn_in_group<F, T, E>(
    child: F,
    tasks: Arc<TaskChildren<E>>,
    name: Option<Arc<str>>,
) -> JoinHandle<TaskOutput<T, E>>
where
    F: Future<Output = Result<T, E>> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    match name {
        None => spawn(child, GroupTask::new(tasks, Unnamed)),
        name => spawn(child, GroupTask::new(tasks, name)),
    }
}

/// Abort handles of task children. Finished tasks are swept out whenever
/// the list has doubled since the last sweep, or grown fourfold after a
/// sweep that freed less than half of it: at most four handles per task
/// alive at the last sweep (64 at least).
#[derive(Default)]
pub(crate) struct TaskAborts {
    pub(crate) tasks: Vec<AbortHandle>,
    pub(crate) sweep_at: usize,
}

impl TaskAborts {
    pub(crate) fn push(&mut self, task: AbortHandle) {
        if self.tasks.len() >= self.sweep_at {
            let before = self.tasks.len();
            self.tasks.retain(|t| !t.is_finished());
            // A sweep that freed little (the tasks outlive their spawns)
            // waits for four times as many.
            let grow = if 2 * self.tasks.len() > before { 4 } else { 2 };
            self.sweep_at = (grow * self.tasks.len()).max(64);
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

#[cfg(all(test, not(loom)))]
mod tests {
    use super::TaskAborts;

    /// Tasks that end before the next spawn: each sweep frees them, so
    /// the list stays at its first sweep's length.
    #[tokio::test]
    async fn the_aborts_of_ended_tasks_are_swept() {
        let mut list = TaskAborts::default();
        for _ in 0..1000 {
            let task = tokio::spawn(async {});
            let abort = task.abort_handle();
            task.await.unwrap();
            list.push(abort);
        }
        assert!(list.tasks.len() <= 64, "{}", list.tasks.len());
    }

    /// Tasks that outlive their spawns: a sweep that frees nothing waits
    /// for four times as many: three sweeps for 1,000 (the first, of the
    /// empty list, at once), not five.
    #[tokio::test]
    async fn a_sweep_that_frees_nothing_waits_for_four_times_as_many() {
        let mut list = TaskAborts::default();
        let mut sweeps = 0;
        for _ in 0..1000 {
            let at = list.sweep_at;
            list.push(tokio::spawn(std::future::pending::<()>()).abort_handle());
            sweeps += usize::from(list.sweep_at != at);
        }
        assert_eq!(list.sweep_at, 4 * 256);
        assert_eq!(sweeps, 3);
        list.abort_all();
    }
}

/// Model checks: `task_child/loom_tests.rs`.
#[cfg(all(test, loom))]
mod loom_tests;
