//! `TaskGroup`: spawning children and the driver that runs them.
//!
//! A group is created by the caller and then runs one body future with
//! [`TaskGroup::run`]. The body and the children borrow the group (and the
//! caller's locals); `spawn` pushes new children on the group's `incoming`
//! queue and `run`'s own future (the driver) moves them into its slots and
//! polls them. Everything a child can borrow lives in `run`'s future, which
//! is dropped before the group, so children may borrow the group itself:
//! the only child storage inside `TaskGroup` is `incoming`, kept in a
//! `ManuallyDrop` so the group has no drop glue that could touch a borrow,
//! and emptied by a guard in `run` before `run` returns or is dropped.
//!
//! Task children (`spawn_task`, no limit) skip the driver's slots: the
//! spawn starts the tokio task at once and keeps only its `AbortHandle`;
//! the task reports its own error or panic to the group ([`Tasks`]), its
//! value is the task's output, which the child's handle reads from the
//! `JoinHandle` itself, and the driver waits for a count of running tasks
//! to reach zero before `run` returns.

use std::any::Any;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::{Future, poll_fn};
use std::mem::ManuallyDrop;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt;
use tokio::task::AbortHandle;
use tokio::time::Sleep;

use crate::error::{ErrorGroup, TimedOut};
use crate::handle::{CompletionGuard, Handle, Shared, TaskOutput, handle_alive};
use crate::options::{Builder, Mode, Options};
use crate::tree::{self, GroupNode};
use crate::wake::{BODY, ReadyQueue, SlotWaker, WakerPool, lock, with_local};

/// The slot index that tells the driver new children are waiting.
const INCOMING: usize = usize::MAX - 1;
/// The slot index that tells the driver a task child reported something
/// (an error, a panic, a race win) or that the last one finished.
const TASKS: usize = usize::MAX - 2;

pub(crate) type Panic = Box<dyn Any + Send + 'static>;
type LocalFut<'a, E> = Pin<Box<dyn Future<Output = Result<(), E>> + Send + 'a>>;
/// Starts a deferred task child (made where the `Send + 'static` bounds
/// hold) and returns its abort handle.
type TaskStart<'a> = Box<dyn FnOnce() -> AbortHandle + Send + 'a>;

/// The aborted tasks of a group whose `run` future was dropped, still to be
/// awaited: by the nearest enclosing group that is running on this thread.
type Orphan = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// `Tasks::count` holds twice the number of running task children; this
/// bit is set once someone waits for that number to reach zero.
const WAITING: usize = 1;

/// The task children of a group as their tokio tasks see it. A task child
/// reports to the driver itself (no `JoinHandle` poll per child): its
/// error or panic through `reports`, its end through `count`. The driver is
/// woken only for a report, for the last task to end once the driver waits
/// for it, and (in a group with a limit) for every end.
struct Tasks<E> {
    count: AtomicUsize,
    /// Wake the driver at every end, not only the last (a limit's next child).
    notify_each: bool,
    race: bool,
    supervise: bool,
    inner: Mutex<TasksInner<E>>,
}

struct TasksInner<E> {
    reports: Vec<Report<E>>,
    /// Whom to wake: the driver (through its `TASKS` slot), or, once `run`'s
    /// future was dropped, the enclosing group awaiting the aborted tasks.
    waker: Option<Waker>,
}

/// What a task child tells its group, in the order it happened.
enum Report<E> {
    Failed(E),
    Panicked(Panic),
    /// A race contestant succeeded.
    Won,
}

impl<E> Tasks<E> {
    fn report(&self, report: Report<E>) {
        let waker = {
            let mut inner = lock(&self.inner);
            inner.reports.push(report);
            inner.waker.clone()
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn wake(&self) {
        let waker = lock(&self.inner).waker.clone();
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn started(&self) {
        self.count.fetch_add(2, Ordering::AcqRel);
    }

    /// A task child's future was dropped (finished, aborted or never run).
    fn ended(&self) {
        let before = self.count.fetch_sub(2, Ordering::AcqRel);
        if self.notify_each || before == 2 | WAITING {
            self.wake();
        }
    }

    fn running(&self) -> usize {
        self.count.load(Ordering::Acquire) >> 1
    }

    /// Whether no task child is running; if some are, the last one to end
    /// wakes the waker.
    fn idle(&self) -> bool {
        self.count.fetch_or(WAITING, Ordering::AcqRel) >> 1 == 0
    }

    fn take_reports(&self) -> Vec<Report<E>> {
        std::mem::take(&mut lock(&self.inner).reports)
    }
}

/// A group's task children, made by the first `spawn_task`.
struct TaskSet<E> {
    tasks: Arc<Tasks<E>>,
    /// The driver's waker for `TASKS`.
    wake: Arc<SlotWaker>,
    /// Makes the orphan that awaits these tasks (where `E: Send + 'static`).
    orphan: fn(&Arc<Tasks<E>>, TaskList) -> Orphan,
}

fn orphan<E: Send + 'static>(tasks: &Arc<Tasks<E>>, mut list: TaskList) -> Orphan {
    let tasks = Arc::clone(tasks);
    Box::pin(std::future::poll_fn(move |cx| {
        lock(&tasks.inner).waker = Some(cx.waker().clone());
        if !tasks.idle() {
            return Poll::Pending;
        }
        if list.all_finished() {
            Poll::Ready(())
        } else {
            // Between a task's end and its completion: a few instructions.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }))
}

pin_project_lite::pin_project! {
    /// The future of a task child's tokio task: runs the child (catching
    /// its panic) and reports its error or panic to the group; its value
    /// (or, supervising, its error) is the task's output, read by the
    /// child's handle. The child is dropped as soon as it finishes; however
    /// the task ends (or if it never runs), dropping this future drops the
    /// child first, catching a panic of that drop, then counts the task as
    /// ended. The child's future is stored once, inline.
    struct TaskFuture<F, E> {
        #[pin]
        fut: Option<F>,
        tasks: Arc<Tasks<E>>,
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
fn drop_child<F, E>(mut fut: Pin<&mut Option<F>>, tasks: &Tasks<E>) {
    if fut.is_some()
        && let Err(payload) = catch_unwind(AssertUnwindSafe(|| fut.set(None)))
    {
        tasks.report(Report::Panicked(payload));
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
                if tasks.race {
                    tasks.report(Report::Won);
                }
                Some(Ok(v))
            }
            Ok(Err(e)) if tasks.supervise => Some(Err(e)),
            Ok(Err(e)) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("child failed");
                tasks.report(Report::Failed(e));
                None
            }
            Err(payload) => {
                tasks.report(Report::Panicked(payload));
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
fn task_future<F, T, E>(tasks: Arc<Tasks<E>>, fut: F) -> TaskFuture<F, E>
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

thread_local! {
    /// While a driver polls, where groups dropped inside it (a child that
    /// held a nested group and was cancelled) leave their task children, so
    /// no task outlives the enclosing group.
    static ORPHANS: RefCell<Option<Vec<Orphan>>> = const { RefCell::new(None) };
}

/// Hands aborted tasks to the enclosing driver; with none, they are only
/// aborted (the caller dropped the outermost group).
fn leave_orphans(orphans: impl IntoIterator<Item = Orphan>) {
    ORPHANS.with(|cell| {
        if let Some(list) = cell.borrow_mut().as_mut() {
            list.extend(orphans);
        }
    });
}

/// A child as spawned, before the driver admits it.
enum NewChild<'a, E> {
    Local(LocalFut<'a, E>),
    /// A task child that starts when the limit lets it.
    Deferred(TaskStart<'a>),
}

/// A child the driver polls.
enum Child<'a, E> {
    Local(LocalFut<'a, E>),
    /// The aborted tasks of a dropped nested group, awaited here.
    Orphan(Orphan),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    NotStarted,
    Running,
    Cancelling,
    Finished,
}

struct State<'a, E> {
    phase: Phase,
    // No drop glue: see the module docs. Always empty once `run` is over.
    incoming: ManuallyDrop<Vec<NewChild<'a, E>>>,
    /// The running task children, to abort on cancellation.
    aborts: TaskList,
}

/// Abort handles of task children. Finished tasks are swept out whenever
/// the list has doubled since the last sweep.
#[derive(Default)]
struct TaskList {
    tasks: Vec<AbortHandle>,
    sweep_at: usize,
}

impl TaskList {
    fn push(&mut self, task: AbortHandle) {
        if self.tasks.len() >= self.sweep_at {
            self.tasks.retain(|t| !t.is_finished());
            self.sweep_at = (2 * self.tasks.len()).max(64);
        }
        self.tasks.push(task);
    }

    fn abort_all(&self) {
        for task in &self.tasks {
            task.abort();
        }
    }

    /// Whether every task has completed: its output is stored, so its
    /// handle reports it finished. Forgets the completed ones.
    fn all_finished(&mut self) -> bool {
        self.tasks.retain(|t| !t.is_finished());
        self.tasks.is_empty()
    }
}

/// A set of concurrent children that all end before the group does.
///
/// The caller creates the group, then runs a body with [`run`](Self::run);
/// the body (and any child) spawns children with [`spawn`](Self::spawn)
/// (polled inside `run`'s own future, so they may borrow locals) or
/// [`spawn_task`](Self::spawn_task) (a tokio task: parallel on the
/// multi-thread runtime, `Send + 'static`). `run` resolves only when every
/// child has finished or been cancelled and dropped.
///
/// The first error (from a child, the body, or the timeout) cancels every
/// other child and the body; every error that happens is kept, in order, in
/// the [`ErrorGroup`]. A panicking child cancels its siblings and its
/// original payload is resumed by `run` once they are gone. Dropping the
/// `run` future cancels everything: local children are dropped at once and
/// task children aborted.
///
/// ```
/// use taskgroup::TaskGroup;
///
/// async fn fetch_user(id: u32) -> Result<String, std::io::Error> { Ok(format!("user{id}")) }
/// async fn fetch_posts(id: u32) -> Result<Vec<String>, std::io::Error> { Ok(vec![format!("post of {id}")]) }
///
/// # #[tokio::main] async fn main() -> Result<(), taskgroup::ErrorGroup<std::io::Error>> {
/// let id = 7;
/// let tg = TaskGroup::new();
/// let (user, posts) = tg.run(async {
///     let user = tg.spawn(fetch_user(id));          // local child: may borrow
///     let posts = tg.spawn_task(fetch_posts(id));   // tokio task: parallel
///     Ok((user.await, posts.await))
/// }).await?;
/// assert_eq!(user, "user7");
/// assert_eq!(posts.len(), 1);
/// # Ok(()) }
/// ```
///
/// Local children must be `Send`, so the `run` future is `Send` (and can be
/// `tokio::spawn`ed) whenever the body is.
pub struct TaskGroup<'a, E> {
    state: Mutex<State<'a, E>>,
    /// Set while an `INCOMING` marker is queued, so spawns queue one marker.
    has_incoming: AtomicBool,
    ready: Arc<ReadyQueue>,
    /// The task children, once there has been one.
    tasks: OnceLock<TaskSet<E>>,
    options: Options<E>,
    /// The group's node in the live tree (see `record_tree`).
    tree: std::sync::OnceLock<std::sync::Weak<GroupNode>>,
    /// The group's span while it runs: the parent of its children's spans.
    #[cfg(feature = "tracing")]
    span: std::sync::OnceLock<tracing::Span>,
}

impl<E> Default for TaskGroup<'_, E> {
    fn default() -> Self {
        Self::with_options(Options::default())
    }
}

impl<'a, E> TaskGroup<'a, E> {
    /// A fail-fast group with no timeout and no limit.
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<std::io::Error>::new();
    /// # drop(tg);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A [`Builder`] for a group with a timeout, a limit, a name or another
    /// mode.
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<()>::builder().limit(4).build();
    /// # drop(tg);
    /// ```
    pub fn builder() -> Builder<E> {
        Builder::new()
    }

    pub(crate) fn with_options(options: Options<E>) -> Self {
        TaskGroup {
            state: Mutex::new(State {
                phase: Phase::NotStarted,
                incoming: ManuallyDrop::new(Vec::new()),
                aborts: TaskList::default(),
            }),
            has_incoming: AtomicBool::new(false),
            ready: ReadyQueue::new(),
            tasks: OnceLock::new(),
            options,
            tree: std::sync::OnceLock::new(),
            #[cfg(feature = "tracing")]
            span: std::sync::OnceLock::new(),
        }
    }

    /// The name given with [`Builder::name`].
    ///
    /// ```
    /// assert_eq!(taskgroup::TaskGroup::<()>::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.options.name.as_deref()
    }

    /// The group's [`Mode`].
    ///
    /// ```
    /// use taskgroup::{Mode, TaskGroup};
    /// assert_eq!(TaskGroup::<()>::new().mode(), Mode::FailFast);
    /// ```
    pub fn mode(&self) -> Mode {
        self.options.mode
    }

    /// Spawns a local child: a future polled inside `run`'s own future, so
    /// it may borrow the caller's locals and the group itself (to spawn more
    /// children). It runs concurrently with the body and the other
    /// children, on the same thread as the body.
    ///
    /// Its `Ok` value goes to the returned [`Handle`]; its error to the
    /// group, which then cancels everything else.
    ///
    /// # Panics
    /// When called before `run` started or after it finished.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let names = vec!["a".to_string(), "b".to_string()];
    /// let tg = TaskGroup::<()>::new();
    /// let total = tg.run(async {
    ///     let handles: Vec<_> = names
    ///         .iter()
    ///         .map(|n| tg.spawn(async move { Ok(n.len()) }))   // borrows `names`
    ///         .collect();
    ///     let mut total = 0;
    ///     for h in handles { total += h.await; }
    ///     Ok(total)
    /// }).await.unwrap();
    /// assert_eq!(total, 2);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
        T: Send + 'a,
        E: Send + 'a,
    {
        self.spawn_local_named(None, fut)
    }

    /// Spawns a task child: the future runs as a tokio task
    /// (`tokio::spawn`), in parallel with the body on the multi-thread
    /// runtime. On cancellation it is aborted, and the group waits until it
    /// has stopped; an error it still returns after the abort was requested
    /// (it was in blocking code) is kept.
    ///
    /// # Panics
    /// When called before `run` started or after it finished, or outside a
    /// tokio runtime.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main] async fn main() {
    /// let tg = TaskGroup::<()>::new();
    /// let n = tg.run(async {
    ///     let h = tg.spawn_task(async { Ok((1..=10u64).product::<u64>()) });
    ///     Ok(h.await)
    /// }).await.unwrap();
    /// assert_eq!(n, 3_628_800);
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_task<F, T>(&self, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        self.spawn_task_named(None, fut)
    }

    /// Names the next child, for `Handle::name`, debugging and tracing.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::<()>::new();
    /// tg.run(async {
    ///     let h = tg.child(format!("fetch {}", 3)).spawn(async { Ok(3) });
    ///     assert_eq!(h.name(), Some("fetch 3"));
    ///     Ok(h.await)
    /// }).await.unwrap();
    /// # }
    /// ```
    pub fn child(&self, name: impl Into<String>) -> ChildBuilder<'_, 'a, E> {
        ChildBuilder {
            group: self,
            name: name.into().into_boxed_str(),
        }
    }

    #[track_caller]
    fn spawn_local_named<F, T>(&self, name: Option<Box<str>>, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
        T: Send + 'a,
        E: Send + 'a,
    {
        let shared = Shared::new(name);
        // `push` checks that the group runs, in the lock it takes anyway.
        let child = Box::pin(self.traced(self.wrap(&shared, fut), shared.name()));
        match self.tree_node() {
            None => self.push(NewChild::Local(child)),
            Some(node) => {
                let tracked = node.track(shared.name(), false, child);
                self.push(NewChild::Local(Box::pin(tracked)));
            }
        }
        Handle::new(shared)
    }

    #[track_caller]
    fn spawn_task_named<F, T>(&self, name: Option<Box<str>>, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        if self.options.limit.is_some() {
            return self.spawn_deferred(name, fut);
        }
        let child = self.traced(fut, name.as_deref());
        match self.tree_node() {
            None => self.start_task(name, child),
            Some(node) => {
                let tracked = node.track(name.as_deref(), true, Box::pin(child));
                self.start_task(name, tracked)
            }
        }
    }

    /// Starts a task child now (a group without a limit): its handle
    /// awaits the tokio task's own output.
    #[track_caller]
    fn start_task<F, T>(&self, name: Option<Box<str>>, child: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let tasks = Arc::clone(&self.task_set().tasks);
        let st = lock(&self.state);
        if st.phase != Phase::Running {
            let phase = st.phase;
            drop(st);
            refuse(phase);
            // Cancelling: the child is dropped without ever running.
            return Handle::cancelled(name);
        }
        // Counted under the lock, so the group cannot finish before this
        // task ends; spawned outside it, because tokio may drop the future
        // (and run the user's `Drop`) right there when it is shutting down.
        // A cancellation that began in between is caught by `track_task`.
        tasks.started();
        drop(st);
        let join = tokio::spawn(task_future(tasks, child));
        self.track_task(join.abort_handle());
        Handle::task(join, name)
    }

    /// A task child of a group with a limit: the driver starts it when the
    /// limit lets it; its value comes back through a shared slot.
    #[track_caller]
    fn spawn_deferred<F, T>(&self, name: Option<Box<str>>, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let shared = Shared::new(name);
        // A group that is not running refuses it in `push`, which drops the
        // child: its handle then finishes, cancelled.
        let tasks = Arc::clone(&self.task_set().tasks);
        let child = self.traced(self.wrap(&shared, fut), shared.name());
        let start: TaskStart<'a> = match self.tree_node() {
            None => Box::new(move || start_deferred(tasks, child)),
            Some(node) => {
                let tracked = node.track(shared.name(), true, Box::pin(child));
                Box::new(move || start_deferred(tasks, tracked))
            }
        };
        self.push(NewChild::Deferred(start));
        Handle::new(shared)
    }

    /// The group's task children, made at the first `spawn_task`.
    fn task_set(&self) -> &TaskSet<E>
    where
        E: Send + 'static,
    {
        self.tasks.get_or_init(|| {
            // Not queued: the driver does not push this slot itself, the
            // first report does.
            let wake = SlotWaker::new(TASKS, &self.ready);
            wake.clear();
            let tasks = Arc::new(Tasks {
                count: AtomicUsize::new(0),
                notify_each: self.options.limit.is_some(),
                race: self.options.race,
                supervise: self.options.mode == Mode::Supervise,
                inner: Mutex::new(TasksInner {
                    reports: Vec::new(),
                    waker: Some(Waker::from(Arc::clone(&wake))),
                }),
            });
            TaskSet {
                tasks,
                wake,
                orphan: orphan::<E>,
            }
        })
    }

    /// The group's node in the live tree, while it is being recorded.
    fn tree_node(&self) -> Option<Arc<GroupNode>> {
        self.tree.get().and_then(std::sync::Weak::upgrade)
    }

    /// With the `tracing` feature, runs the child inside its own span, a
    /// child of the group's span.
    #[cfg(feature = "tracing")]
    fn traced<F: Future>(
        &self,
        fut: F,
        name: Option<&str>,
    ) -> tracing::instrument::Instrumented<F> {
        use tracing::Instrument;
        let parent = self
            .span
            .get()
            .cloned()
            .unwrap_or_else(tracing::Span::current);
        let span = tracing::debug_span!(parent: &parent, "child", name = name.unwrap_or(""));
        fut.instrument(span)
    }

    #[cfg(not(feature = "tracing"))]
    fn traced<F: Future>(&self, fut: F, _name: Option<&str>) -> F {
        fut
    }

    /// The future the driver runs for a child: it hands the value to the
    /// handle and reports only errors (or, supervising, nothing).
    fn wrap<F, T>(
        &self,
        shared: &Arc<Shared<T, E>>,
        fut: F,
    ) -> impl Future<Output = Result<(), E>> + use<F, T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        let guard = CompletionGuard::new(shared);
        let supervise = self.options.mode == Mode::Supervise;
        // A combinator, not an async block: an async block would store the
        // child's future twice (the captured one and the one it awaits).
        // The guard is dropped after the child's future when cancelled.
        fut.map(move |out| {
            let shared = guard.disarm();
            match out {
                Ok(v) => {
                    shared.complete(Ok(v));
                    Ok(())
                }
                Err(e) if supervise => {
                    // The error belongs to the handle; with no handle left
                    // nobody can ask for it, as with a dropped `Result`.
                    if handle_alive(&shared) {
                        shared.complete(Err(e));
                    }
                    Ok(())
                }
                Err(e) => {
                    #[cfg(feature = "tracing")]
                    tracing::debug!("child failed");
                    shared.fail();
                    Err(e)
                }
            }
        })
    }

    /// Queues a new child for the driver; panics on a group that is not
    /// running, and cancels the child at once (never polled) in a group
    /// that is cancelling.
    #[track_caller]
    fn push(&self, child: NewChild<'a, E>) {
        let rejected = {
            let mut st = lock(&self.state);
            if st.phase == Phase::Running {
                st.incoming.push(child);
                None
            } else {
                Some((st.phase, child))
            }
        };
        match rejected {
            Some((phase, child)) => {
                drop(child);
                refuse(phase);
            }
            None => {
                if !self.has_incoming.swap(true, Ordering::AcqRel) {
                    self.ready.push(INCOMING);
                }
            }
        }
    }

    /// Keeps a task the driver started, to abort it on cancellation.
    fn track_task(&self, task: AbortHandle) {
        let mut st = lock(&self.state);
        if st.phase != Phase::Running {
            task.abort();
        }
        st.aborts.push(task);
    }

    fn take_incoming(&self) -> Vec<NewChild<'a, E>> {
        self.has_incoming.store(false, Ordering::Release);
        let mut st = lock(&self.state);
        std::mem::take(&mut *st.incoming)
    }

    /// Runs `body` as the group's body and waits for every child.
    ///
    /// Resolves to the body's value once the body and every child have
    /// finished, or to every error that happened. The body's own error
    /// counts like a child's. A panic in a child or the body is resumed
    /// here, after the others have been cancelled.
    ///
    /// # Panics
    /// When `run` was already called on this group; and with the original
    /// payload when a child or the body panicked.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::new();
    /// let err = tg.run(async {
    ///     tg.spawn(async { Err::<(), _>("first") });
    ///     tg.spawn(std::future::pending::<Result<(), &str>>()); // cancelled
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.into_vec(), ["first"]);
    /// # }
    /// ```
    pub async fn run<B, T>(&self, body: B) -> Result<T, ErrorGroup<E>>
    where
        B: Future<Output = Result<T, E>>,
    {
        match self.run_until(body).await {
            End::Value(v) => Ok(v),
            End::Failed(errors) => Err(errors),
            End::Panicked(payload) => resume_unwind(payload),
            End::Won | End::Empty => unreachable!("only a race group can win"),
        }
    }

    /// The driver, shared by `run` and `Race::run`.
    pub(crate) async fn run_until<B, T>(&self, body: B) -> End<T, E>
    where
        B: Future<Output = Result<T, E>>,
    {
        self.start();
        let _close = CloseGuard { group: self };
        // Kept alive by `run`'s future: the node leaves the tree with it.
        let _tree_node = tree::recording().then(|| {
            let node = GroupNode::start(self.name());
            let _ = self.tree.set(Arc::downgrade(&node));
            node
        });
        let mut driver = Driver::new(self);
        let mut body = pin!(Some(body));
        let mut timer = pin!(self.options.timeout.map(|(d, _)| tokio::time::sleep(d)));
        let mut value = None;
        let drive =
            poll_fn(|cx| driver.poll(cx, body.as_mut(), timer.as_mut().as_pin_mut(), &mut value));
        #[cfg(feature = "tracing")]
        let drive = {
            use tracing::Instrument;
            let span = tracing::info_span!("taskgroup", name = self.name().unwrap_or(""));
            let _ = self.span.set(span.clone());
            drive.instrument(span)
        };
        drive.await;
        driver.finish(value)
    }

    fn start(&self) {
        let mut st = lock(&self.state);
        if st.phase != Phase::NotStarted {
            drop(st);
            panic!(
                "taskgroup: `run` called twice on one group; a group runs one body \
                 (make a new TaskGroup, or spawn more children from the body)"
            );
        }
        st.phase = Phase::Running;
    }

    /// Enters the cancelling phase, aborts every task child and returns the
    /// children that were waiting to be admitted, to be dropped outside
    /// the lock.
    fn begin_cancel(&self) -> Vec<NewChild<'a, E>> {
        let mut st = lock(&self.state);
        if st.phase == Phase::Running {
            st.phase = Phase::Cancelling;
        }
        // Kept, to wait for their completion. `abort` runs no user code.
        st.aborts.abort_all();
        std::mem::take(&mut *st.incoming)
    }

    /// Whether every task child has completed (after the count of running
    /// ones reached zero: each ends a few instructions before it completes).
    fn tasks_complete(&self) -> bool {
        self.tasks.get().is_none() || lock(&self.state).aborts.all_finished()
    }

    /// Marks the group finished if no child is waiting to be admitted and
    /// no task child is running.
    fn try_finish(&self) -> bool {
        let mut st = lock(&self.state);
        let tasks_done = self.tasks.get().is_none_or(|t| t.tasks.running() == 0);
        if st.incoming.is_empty() && tasks_done {
            st.phase = Phase::Finished;
            true
        } else {
            false
        }
    }
}

/// Panics for a spawn into a group that is not running.
#[track_caller]
fn refuse(phase: Phase) {
    match phase {
        Phase::NotStarted => panic!(
            "taskgroup: spawn before `run`: a group starts children only while it runs; \
             spawn from inside the body passed to `TaskGroup::run` (or from a child)"
        ),
        Phase::Finished => panic!(
            "taskgroup: spawn into a group that has finished: its `run` already returned, \
             so the child could never be awaited; spawn from inside the body or a child"
        ),
        Phase::Running | Phase::Cancelling => {}
    }
}

/// Starts a task child the limit held back; its value went to a shared
/// slot, so the task's own output is dropped.
fn start_deferred<F, E>(tasks: Arc<Tasks<E>>, child: F) -> AbortHandle
where
    F: Future<Output = Result<(), E>> + Send + 'static,
    E: Send + 'static,
{
    tasks.started();
    tokio::spawn(task_future(tasks, child)).abort_handle()
}

impl<E> fmt::Debug for TaskGroup<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("name", &self.options.name)
            .field("mode", &self.options.mode)
            .field("phase", &lock(&self.state).phase)
            .field("limit", &self.options.limit)
            .field("timeout", &self.options.timeout.map(|(d, _)| d))
            .finish()
    }
}

/// Spawns a named child: made by [`TaskGroup::child`].
#[must_use = "a ChildBuilder spawns nothing until `spawn` or `spawn_task` is called"]
pub struct ChildBuilder<'g, 'a, E> {
    group: &'g TaskGroup<'a, E>,
    name: Box<str>,
}

impl<E> fmt::Debug for ChildBuilder<'_, '_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChildBuilder")
            .field("name", &self.name)
            .finish()
    }
}

impl<'a, E> ChildBuilder<'_, 'a, E> {
    /// [`TaskGroup::spawn`] with this child's name.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = taskgroup::TaskGroup::<()>::new();
    /// let v = tg.run(async { Ok(tg.child("one").spawn(async { Ok(1) }).await) }).await;
    /// assert_eq!(v, Ok(1));
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(self, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
        T: Send + 'a,
        E: Send + 'a,
    {
        self.group.spawn_local_named(Some(self.name), fut)
    }

    /// [`TaskGroup::spawn_task`] with this child's name.
    ///
    /// ```
    /// # #[tokio::main] async fn main() {
    /// let tg = taskgroup::TaskGroup::<()>::new();
    /// let v = tg.run(async { Ok(tg.child("one").spawn_task(async { Ok(1) }).await) }).await;
    /// assert_eq!(v, Ok(1));
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_task<F, T>(self, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        self.group.spawn_task_named(Some(self.name), fut)
    }
}

/// Closes the group when `run` ends or its future is dropped: no child may
/// be spawned after this, and children spawned while the driver was being
/// dropped are dropped here (cancelled, never polled).
struct CloseGuard<'g, 'a, E> {
    group: &'g TaskGroup<'a, E>,
}

impl<E> Drop for CloseGuard<'_, '_, E> {
    fn drop(&mut self) {
        loop {
            let leftover = {
                let mut st = lock(&self.group.state);
                st.phase = Phase::Finished;
                std::mem::take(&mut *st.incoming)
            };
            if leftover.is_empty() {
                break;
            }
            drop(leftover);
        }
    }
}

/// How a run ended.
pub(crate) enum End<T, E> {
    Value(T),
    Failed(ErrorGroup<E>),
    Panicked(Panic),
    /// A race child succeeded.
    Won,
    /// A race ended with no contestant at all.
    Empty,
}

struct Slot<'a, E> {
    child: Option<Child<'a, E>>,
    wake: Arc<SlotWaker>,
    waker: Waker,
}

/// How one child poll ended.
enum Outcome<E> {
    Done,
    Failed(E),
    Panicked(Panic),
    /// The aborted tasks of a dropped nested group ended.
    Aborted,
}

struct Driver<'g, 'a, E> {
    group: &'g TaskGroup<'a, E>,
    slots: Vec<Slot<'a, E>>,
    free: Vec<usize>,
    /// Occupied slots.
    live: usize,
    /// Children waiting for the limit, in spawn order.
    waiting: VecDeque<NewChild<'a, E>>,
    /// Slots taken from the ready queue; those before `batch_pos` are done.
    batch: Vec<usize>,
    batch_pos: usize,
    /// Slots of children just admitted, to poll after the batch.
    fresh: Vec<usize>,
    body_wake: Arc<SlotWaker>,
    body_waker: Waker,
    /// Where the slots' wakers come from and go back to.
    wakers: WakerPool,
    body_done: bool,
    errors: Vec<E>,
    panic: Option<Panic>,
    cancelling: bool,
    won: bool,
}

/// When `run`'s future is dropped mid-way, the group must refuse new
/// children before the running ones are dropped: a child's `Drop` that
/// spawns would otherwise start a task that outlives the group.
impl<E> Drop for Driver<'_, '_, E> {
    fn drop(&mut self) {
        let incoming = self.group.begin_cancel();
        // Task children cannot be awaited here: hand them, aborted, to the
        // enclosing group (if one is polling on this thread) to await.
        let mut orphans = Vec::new();
        for slot in &mut self.slots {
            match slot.child.take() {
                Some(Child::Orphan(o)) => orphans.push(o),
                other => slot.child = other,
            }
        }
        if let Some(set) = self.group.tasks.get() {
            let mut list = std::mem::take(&mut lock(&self.group.state).aborts);
            if !list.all_finished() {
                orphans.push((set.orphan)(&set.tasks, list));
            }
        }
        drop(incoming);
        leave_orphans(orphans);
        // Children still in their slots are dropped (as the field would
        // be) and the slots' wakers go back to this thread's pool.
        for Slot { child, wake, waker } in std::mem::take(&mut self.slots) {
            drop(child);
            drop(waker);
            self.wakers.recycle(wake);
        }
    }
}

impl<'g, 'a, E> Driver<'g, 'a, E> {
    fn new(group: &'g TaskGroup<'a, E>) -> Self {
        let body_wake = SlotWaker::new(BODY, &group.ready);
        // The body is polled first.
        group.ready.push(BODY);
        Driver {
            group,
            slots: Vec::new(),
            free: Vec::new(),
            live: 0,
            waiting: VecDeque::new(),
            batch: Vec::new(),
            batch_pos: 0,
            fresh: Vec::new(),
            body_waker: Waker::from(Arc::clone(&body_wake)),
            body_wake,
            wakers: WakerPool::take(),
            body_done: false,
            errors: Vec::new(),
            panic: None,
            cancelling: false,
            won: false,
        }
    }

    fn poll<B, T>(
        &mut self,
        cx: &mut Context<'_>,
        body: Pin<&mut Option<B>>,
        timer: Option<Pin<&mut Sleep>>,
        value: &mut Option<T>,
    ) -> Poll<()>
    where
        B: Future<Output = Result<T, E>>,
    {
        // Collect the tasks of nested groups dropped while we poll.
        let (mut done, orphans) = with_local(&ORPHANS, Some(Vec::new()), || {
            self.poll_inner(cx, body, timer, value)
        });
        let orphans = orphans.unwrap_or_default();
        if !orphans.is_empty() {
            for o in orphans {
                self.insert_child(Child::Orphan(o));
            }
            // They must finish before the group does, and be polled.
            done = Poll::Pending;
            cx.waker().wake_by_ref();
        }
        done
    }

    fn poll_inner<B, T>(
        &mut self,
        cx: &mut Context<'_>,
        mut body: Pin<&mut Option<B>>,
        timer: Option<Pin<&mut Sleep>>,
        value: &mut Option<T>,
    ) -> Poll<()>
    where
        B: Future<Output = Result<T, E>>,
    {
        if let Some(timer) = timer {
            if !self.cancelling && timer.poll(cx).is_ready() {
                let (_, convert) = self
                    .group
                    .options
                    .timeout
                    .expect("a timer implies a timeout");
                self.errors.push(convert(TimedOut::new()));
                self.cancel(body.as_mut());
            }
        }
        // Let every ready child run about twice before yielding to the
        // runtime, so a child that keeps waking itself cannot starve others.
        let mut budget = 2 * (self.live + 64);
        loop {
            if self.batch_pos == self.batch.len() {
                self.batch.clear();
                self.batch_pos = 0;
                if self.fresh.is_empty() {
                    self.group.ready.take(&mut self.batch);
                } else {
                    std::mem::swap(&mut self.batch, &mut self.fresh);
                }
            }
            if self.batch.is_empty() {
                if self.body_done && self.live == 0 && self.waiting.is_empty() && self.tasks_idle()
                {
                    if self.take_reports(body.as_mut()) {
                        // A late error, panic or win: look again.
                        continue;
                    }
                    if !self.group.tasks_complete() {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    if self.group.try_finish() {
                        return Poll::Ready(());
                    }
                    // A child spawned while we were looking: admit it.
                    self.admit();
                    continue;
                }
                if self.group.ready.sleep(cx.waker()) {
                    return Poll::Pending;
                }
                continue;
            }
            let batch = std::mem::take(&mut self.batch);
            let start = self.batch_pos;
            let mut pos = start;
            let mut out_of_budget = false;
            while let Some(&idx) = batch.get(pos) {
                // Once tokio's cooperative budget for this task is spent,
                // every tokio resource a child polls (a JoinHandle, a socket)
                // answers Pending and wakes at once: polling on would spin.
                // Keep the rest of the batch for the next poll (pushing it
                // back on the queue would cost O(rest) per yield, O(N^2) for
                // N task children) and yield to the runtime.
                if !tokio::task::coop::has_budget_remaining() {
                    out_of_budget = true;
                    break;
                }
                pos += 1;
                match idx {
                    BODY => self.poll_body(body.as_mut(), value),
                    INCOMING => self.admit(),
                    TASKS => self.poll_tasks(body.as_mut()),
                    idx => self.poll_child(idx, body.as_mut()),
                }
            }
            self.batch = batch;
            self.batch_pos = pos;
            budget = budget.saturating_sub(pos - start);
            if budget == 0 || out_of_budget {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }

    fn poll_body<B, T>(&mut self, mut body: Pin<&mut Option<B>>, value: &mut Option<T>)
    where
        B: Future<Output = Result<T, E>>,
    {
        let Some(fut) = body.as_mut().as_pin_mut() else {
            return;
        };
        self.body_wake.clear();
        let mut cx = Context::from_waker(&self.body_waker);
        match catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx))) {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(Ok(v))) => {
                *value = Some(v);
                self.drop_body(body);
            }
            Ok(Poll::Ready(Err(e))) => {
                self.drop_body(body.as_mut());
                self.errors.push(e);
                self.cancel(body);
            }
            Err(payload) => {
                self.drop_body(body.as_mut());
                self.record_panic(payload);
                self.cancel(body);
            }
        }
    }

    fn drop_body<B>(&mut self, mut body: Pin<&mut Option<B>>) {
        self.body_done = true;
        if body.as_ref().is_some() {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| body.set(None))) {
                self.record_panic(payload);
            }
        }
    }

    fn record_panic(&mut self, payload: Panic) {
        #[cfg(feature = "tracing")]
        tracing::debug!("a child panicked");
        // The first panic is the one resumed; later ones happened while
        // cancelling and are dropped with their unwinding already done.
        if self.panic.is_none() {
            self.panic = Some(payload);
        }
    }

    fn poll_child<B>(&mut self, idx: usize, body: Pin<&mut Option<B>>) {
        let Some(slot) = self.slots.get_mut(idx) else {
            return;
        };
        // Clear the queued mark first, even for an empty slot: a stale wake
        // of a finished child must not leave the mark set, or the next child
        // put in this slot would never be queued. (A stale wake for a reused
        // slot is harmless: at worst one spurious poll.)
        slot.wake.clear();
        let Some(child) = slot.child.as_mut() else {
            return;
        };
        let mut cx = Context::from_waker(&slot.waker);
        let outcome = match child {
            Child::Local(fut) => {
                match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))) {
                    Ok(Poll::Pending) => return,
                    Ok(Poll::Ready(Ok(()))) => Outcome::Done,
                    Ok(Poll::Ready(Err(e))) => Outcome::Failed(e),
                    Err(payload) => Outcome::Panicked(payload),
                }
            }
            Child::Orphan(fut) => match fut.as_mut().poll(&mut cx) {
                Poll::Pending => return,
                Poll::Ready(()) => Outcome::Aborted,
            },
        };
        let finished = slot.child.take();
        self.free.push(idx);
        self.live -= 1;
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(finished))) {
            self.record_panic(payload);
            self.cancel(body);
            return;
        }
        self.child_done(outcome, body);
    }

    /// Whether no task child is running (if some are, the last one wakes
    /// the driver).
    fn tasks_idle(&self) -> bool {
        self.group.tasks.get().is_none_or(|set| set.tasks.idle())
    }

    /// Handles what task children reported; false if there was nothing.
    fn take_reports<B>(&mut self, mut body: Pin<&mut Option<B>>) -> bool {
        let Some(set) = self.group.tasks.get() else {
            return false;
        };
        let reports = set.tasks.take_reports();
        if reports.is_empty() {
            return false;
        }
        for report in reports {
            let outcome = match report {
                Report::Failed(e) => Outcome::Failed(e),
                Report::Panicked(payload) => Outcome::Panicked(payload),
                Report::Won => Outcome::Done,
            };
            self.child_done(outcome, body.as_mut());
        }
        true
    }

    /// Task children reported, or ended (with a limit, a slot is free).
    fn poll_tasks<B>(&mut self, body: Pin<&mut Option<B>>) {
        if let Some(set) = self.group.tasks.get() {
            set.wake.clear();
        }
        self.take_reports(body);
        self.start_waiting();
    }

    fn child_done<B>(&mut self, outcome: Outcome<E>, body: Pin<&mut Option<B>>) {
        match outcome {
            Outcome::Done => {
                if self.group.options.race && !self.cancelling {
                    self.won = true;
                    self.cancel(body);
                    return;
                }
            }
            Outcome::Failed(e) => {
                self.errors.push(e);
                // A race fails only when every contestant did.
                if !self.group.options.race {
                    self.cancel(body);
                    return;
                }
            }
            Outcome::Panicked(payload) => {
                self.record_panic(payload);
                self.cancel(body);
                return;
            }
            Outcome::Aborted => {}
        }
        self.start_waiting();
    }

    /// Moves newly spawned children into slots (or the waiting line).
    fn admit(&mut self) {
        let incoming = self.group.take_incoming();
        if self.cancelling {
            self.cancel_new(incoming);
            return;
        }
        let limited = self.group.options.limit.is_some();
        if !limited {
            // Grown once for the whole batch, not doubling child by child.
            let new = incoming.len().saturating_sub(self.free.len());
            self.slots.reserve(new);
            self.fresh.reserve(incoming.len());
        }
        for child in incoming {
            if limited {
                self.waiting.push_back(child);
            } else {
                self.insert(child);
            }
        }
        if limited {
            self.start_waiting();
        }
    }

    /// Starts children the limit held back, if there is room.
    // Inline: called at every child's end, with nothing waiting unless
    // the group has a limit.
    #[inline]
    fn start_waiting(&mut self) {
        if self.cancelling || self.waiting.is_empty() {
            return;
        }
        self.start_more_waiting();
    }

    /// Starts waiting children while the limit leaves room.
    fn start_more_waiting(&mut self) {
        let limit = self.group.options.limit.unwrap_or(usize::MAX);
        let tasks = || self.group.tasks.get().map_or(0, |set| set.tasks.running());
        while self.live + tasks() < limit {
            match self.waiting.pop_front() {
                Some(child) => self.insert(child),
                None => break,
            }
        }
    }

    fn insert(&mut self, child: NewChild<'a, E>) {
        match child {
            NewChild::Local(fut) => self.insert_child(Child::Local(fut)),
            NewChild::Deferred(start) => self.group.track_task(start()),
        }
    }

    fn insert_child(&mut self, child: Child<'a, E>) {
        let idx = match self.free.pop() {
            Some(idx) => {
                let slot = &mut self.slots[idx];
                slot.child = Some(child);
                if !slot.wake.mark_queued() {
                    // Already queued by a stale wake: it will be polled.
                    self.live += 1;
                    return;
                }
                idx
            }
            None => {
                let idx = self.slots.len();
                let wake = self.wakers.waker(idx, &self.group.ready);
                self.slots.push(Slot {
                    child: Some(child),
                    waker: Waker::from(Arc::clone(&wake)),
                    wake,
                });
                idx
            }
        };
        self.live += 1;
        // Polled by this driver without a trip through the locked queue.
        self.fresh.push(idx);
    }

    /// Cancels the body and every child: local children are dropped now,
    /// task children aborted (and still awaited by the driver).
    fn cancel<B>(&mut self, body: Pin<&mut Option<B>>) {
        if self.cancelling {
            return;
        }
        self.cancelling = true;
        #[cfg(feature = "tracing")]
        tracing::debug!(running = self.live, "group cancelling");
        let incoming = self.group.begin_cancel();
        self.drop_body(body);
        let mut dropped: Vec<Child<'a, E>> = Vec::new();
        for (idx, slot) in self.slots.iter_mut().enumerate() {
            match &slot.child {
                Some(Child::Local(_)) => {
                    dropped.extend(slot.child.take());
                    self.free.push(idx);
                    self.live -= 1;
                }
                Some(Child::Orphan(_)) | None => {}
            }
        }
        let waiting: Vec<_> = self.waiting.drain(..).collect();
        // Drop user futures only now that our own state is consistent: a
        // drop may spawn (refused: the group is cancelling) or panic.
        for child in dropped {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(child))) {
                self.record_panic(payload);
            }
        }
        self.cancel_new(waiting);
        self.cancel_new(incoming);
    }

    /// Cancels children that were spawned but not admitted: each is
    /// dropped without ever being polled, a panic in its drop caught.
    fn cancel_new(&mut self, children: Vec<NewChild<'a, E>>) {
        for child in children {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| drop(child))) {
                self.record_panic(payload);
            }
        }
    }

    fn finish<T>(&mut self, value: Option<T>) -> End<T, E> {
        if let Some(payload) = self.panic.take() {
            return End::Panicked(payload);
        }
        if self.won {
            return End::Won;
        }
        if let Some(errors) = ErrorGroup::from_errors(std::mem::take(&mut self.errors)) {
            return End::Failed(errors);
        }
        match value {
            Some(v) if !self.group.options.race => End::Value(v),
            _ => End::Empty,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wake::pooled;

    async fn three_children(tg: &TaskGroup<'_, ()>) {
        for _ in 0..3 {
            tg.spawn(async {
                tokio::task::yield_now().await;
                Ok(())
            });
        }
    }

    #[test]
    fn a_finished_group_leaves_its_slot_wakers_to_the_next_one() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(async {
            let tg = TaskGroup::new();
            tg.run(async {
                three_children(&tg).await;
                Ok(())
            })
            .await
        })
        .unwrap();
        assert_eq!(pooled(), 3, "the three slots' wakers are pooled");
        rt.block_on(async {
            let tg = TaskGroup::new();
            tg.run(async {
                assert_eq!(pooled(), 0, "a running group holds the pool");
                three_children(&tg).await;
                Ok(())
            })
            .await
        })
        .unwrap();
        assert_eq!(pooled(), 3, "reused, not added to");
    }
}
