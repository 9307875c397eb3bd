//! What a running `TaskGroup` shares between its public API (spawning,
//! from the body and any child, on any thread) and its driver: the phase,
//! the queue of children not yet admitted, the task children, and the
//! options. Everything a child can borrow lives in `run`'s future, which
//! is dropped before the group, so children may borrow the group itself:
//! the only child storage here is `incoming`, kept in a `ManuallyDrop` so
//! the group has no drop glue that could touch a borrow, and emptied by a
//! guard in `run` before `run` returns or is dropped.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::Waker;

use tokio::task::AbortHandle;

use crate::cancel::CancelInbox;
use crate::error::Cancelled;
use crate::error::Failure;
use crate::options::Options;
use crate::orphans::{Orphan, orphan};
use crate::supervisor::Supervisor;
use crate::task_child::{TaskAborts, TaskChildren};
use crate::tree::GroupNode;
use crate::util::lock;
use crate::wake::{ReadyQueue, SlotWaker};

/// The slot index that tells the driver new children are waiting.
pub(crate) const INCOMING: usize = usize::MAX - 1;
/// The slot index that tells the driver a task child reported something
/// (an error, a panic, a race win) or that the last one finished.
pub(crate) const TASKS: usize = usize::MAX - 2;

pub(crate) type LocalFut<'a, E> = Pin<Box<dyn KeyedFuture<E> + 'a>>;
/// Starts a deferred task child (made where the `Send + 'static` bounds
/// hold) and returns its abort handle.
pub(crate) type TaskStart<'a> = Box<dyn StartTask + 'a>;

/// A local child's future, which knows the key its handle cancels it by
/// (`cancel.rs`): its result cell's key, read from the guard it holds
/// anyway, so nothing is stored for it.
pub(crate) trait KeyedFuture<E>: Future<Output = Result<(), Failure<E>>> + Send {
    fn key(&self) -> usize;
}

impl<F: KeyedFuture<E> + ?Sized, E> KeyedFuture<E> for Pin<Box<F>> {
    fn key(&self) -> usize {
        (**self).key()
    }
}

impl<F: KeyedFuture<E> + Unpin, E> KeyedFuture<E> for crate::tree::Tracked<F> {
    fn key(&self) -> usize {
        self.fut.key()
    }
}

#[cfg(feature = "tracing")]
impl<F: KeyedFuture<E>, E> KeyedFuture<E> for tracing::instrument::Instrumented<F> {
    fn key(&self) -> usize {
        self.inner().key()
    }
}

/// Starts a deferred task child; knows its key as [`KeyedFuture`] does.
pub(crate) trait StartTask: Send {
    fn start(self: Box<Self>) -> AbortHandle;
    fn key(&self) -> usize;
}

/// The closure that starts a deferred task child, with its key.
pub(crate) struct Keyed<F> {
    pub(crate) inner: F,
    pub(crate) key: usize,
}

impl<F: FnOnce() -> AbortHandle + Send> StartTask for Keyed<F> {
    fn start(self: Box<Self>) -> AbortHandle {
        (self.inner)()
    }

    fn key(&self) -> usize {
        self.key
    }
}

/// A group's task children, made by the first `spawn_task`.
pub(crate) struct TaskSet<E> {
    pub(crate) tasks: Arc<TaskChildren<E>>,
    /// The driver's waker for `TASKS`.
    pub(crate) wake: Arc<SlotWaker>,
    /// Makes the orphan that awaits these tasks (where `E: Send + 'static`).
    pub(crate) orphan: fn(&Arc<TaskChildren<E>>, TaskAborts) -> Orphan,
}

/// A child as spawned, before the driver admits it.
pub(crate) enum NewChild<'a, E> {
    Local(LocalFut<'a, E>),
    /// A task child that starts when the limit lets it.
    Deferred(TaskStart<'a>),
}

impl<E> NewChild<'_, E> {
    /// The key its handle cancels it by.
    pub(crate) fn key(&self) -> usize {
        match self {
            NewChild::Local(fut) => fut.key(),
            NewChild::Deferred(start) => start.key(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    NotStarted,
    Running,
    Cancelling,
    Finished,
}

pub(crate) struct Locked<'a, E> {
    pub(crate) phase: Phase,
    // No drop glue: see the module docs. Always empty once `run` is over.
    pub(crate) incoming: ManuallyDrop<Vec<NewChild<'a, E>>>,
    /// The running task children, to abort on cancellation.
    pub(crate) aborts: TaskAborts,
}

/// The part of a `TaskGroup` that its driver sees.
const RUN_TWICE: &str = "taskgroup: `run` called twice on one group; a group runs one body \
                         (make a new TaskGroup, or spawn more children from the body)";

pub(crate) struct GroupState<'a, E> {
    pub(crate) locked: Mutex<Locked<'a, E>>,
    /// Set while an `INCOMING` marker is queued, so spawns queue one marker.
    pub(crate) has_incoming: AtomicBool,
    /// Set by the one call of `run` (before its future is polled), so that
    /// a second call panics at its caller's line.
    run_claimed: AtomicBool,
    pub(crate) ready: Arc<ReadyQueue>,
    /// The task children, once there has been one.
    pub(crate) tasks: OnceLock<TaskSet<E>>,
    pub(crate) options: Options<E>,
    /// A supervising group's errors that no handle takes.
    pub(crate) supervisor: Option<Arc<Supervisor<E>>>,
    /// Where cancels on purpose wait for the driver.
    pub(crate) cancel: Arc<CancelInbox>,
    /// Makes the group's error from `Cancelled`: set by whatever can cancel
    /// the group on purpose (it needs `E: From<Cancelled>`).
    pub(crate) on_cancel: OnceLock<fn(Cancelled) -> E>,
    /// The group's node in the live tree (see `record_tree`).
    pub(crate) tree: OnceLock<std::sync::Weak<GroupNode>>,
    /// The group's span while it runs: the parent of its children's spans.
    #[cfg(feature = "tracing")]
    pub(crate) span: OnceLock<tracing::Span>,
}

impl<'a, E> GroupState<'a, E> {
    pub(crate) fn new(options: Options<E>) -> Self {
        let supervisor = (options.mode == crate::policy::Mode::Supervise)
            .then(|| Supervisor::new(options.on_error.clone()));
        let ready = ReadyQueue::new();
        let on_cancel = OnceLock::new();
        if let Some(cancel_on) = &options.cancel_on {
            let _ = on_cancel.set(cancel_on.convert);
        }
        GroupState {
            supervisor,
            cancel: CancelInbox::new(&ready),
            on_cancel,
            locked: Mutex::new(Locked {
                phase: Phase::NotStarted,
                incoming: ManuallyDrop::new(Vec::new()),
                aborts: TaskAborts::default(),
            }),
            has_incoming: AtomicBool::new(false),
            run_claimed: AtomicBool::new(false),
            ready,
            tasks: OnceLock::new(),
            options,
            tree: OnceLock::new(),
            #[cfg(feature = "tracing")]
            span: OnceLock::new(),
        }
    }

    /// The group's task children, made at the first `spawn_task`.
    pub(crate) fn task_set(&self) -> &TaskSet<E>
    where
        E: Send + 'static,
    {
        self.tasks.get_or_init(|| {
            // Not queued: the driver does not push this slot itself, the
            // first report does.
            let wake = SlotWaker::new(TASKS, &self.ready);
            wake.clear();
            let mut tasks = TaskChildren::new(
                self.options.limit.is_some(),
                self.options.mode,
                Waker::from(Arc::clone(&wake)),
            );
            // Its tasks hold a slot of this group (with a limit), and of
            // every limited group whose slot holder runs this group: the
            // context of its first task's spawn, inside this group's `run`.
            tasks.lend = match self.options.limit {
                Some(_) => crate::cancel::held_with(self.cancel.id()),
                None => crate::cancel::held_now(),
            };
            let tasks = Arc::new(tasks);
            TaskSet {
                tasks,
                wake,
                orphan: orphan::<E>,
            }
        })
    }

    /// The group's node in the live tree, while it is being recorded.
    pub(crate) fn tree_node(&self) -> Option<Arc<GroupNode>> {
        self.tree.get().and_then(std::sync::Weak::upgrade)
    }

    /// Queues a new child for the driver; panics on a group that is not
    /// running, and cancels the child at once (never polled) in a group
    /// that is cancelling.
    #[track_caller]
    pub(crate) fn push(&self, child: NewChild<'a, E>) {
        let rejected = {
            let mut st = lock(&self.locked);
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
                // Read first: once a batch has its marker, the spawns after
                // it pay a load, not a locked swap. Seeing `true` is enough:
                // the marker it stands for is taken (`take_incoming` clears
                // the flag, then takes under the lock) only after this
                // child was pushed, or this load would have seen the clear.
                if !self.has_incoming.load(Ordering::Acquire)
                    && !self.has_incoming.swap(true, Ordering::AcqRel)
                {
                    self.ready.push(INCOMING);
                }
            }
        }
    }

    /// Counts a task child about to start (`spawn_task`), or refuses it
    /// with the phase of a group that is not running. No lock once the
    /// group's tasks have been opened: see `TaskChildren::try_start`.
    #[inline]
    pub(crate) fn count_task(&self, tasks: &TaskChildren<E>) -> Result<(), Phase> {
        if tasks.try_start() {
            Ok(())
        } else {
            self.count_task_locked(tasks)
        }
    }

    /// The set was closed: by the phase (every closer holds the lock), or
    /// because it was made closed and this is the group's first task.
    #[cold]
    fn count_task_locked(&self, tasks: &TaskChildren<E>) -> Result<(), Phase> {
        let st = lock(&self.locked);
        if st.phase != Phase::Running {
            return Err(st.phase);
        }
        tasks.open_with_one();
        Ok(())
    }

    /// Keeps a task the driver started, to abort it on cancellation.
    pub(crate) fn track_task(&self, task: AbortHandle) {
        let mut st = lock(&self.locked);
        if st.phase != Phase::Running {
            task.abort();
        }
        st.aborts.push(task);
    }

    pub(crate) fn take_incoming(&self) -> Vec<NewChild<'a, E>> {
        self.has_incoming.store(false, Ordering::Release);
        let mut st = lock(&self.locked);
        std::mem::take(&mut *st.incoming)
    }

    /// Claims the group's one run, when `run` is called: a second call
    /// panics there, at its caller's line (`run` itself is not an `async
    /// fn`, which could not carry `#[track_caller]` to its caller).
    #[track_caller]
    pub(crate) fn claim_run(&self) {
        if self.run_claimed.swap(true, Ordering::AcqRel) {
            panic!("{RUN_TWICE}");
        }
    }

    pub(crate) fn start(&self) {
        let mut st = lock(&self.locked);
        // `claim_run` already refused a second run; this is its backstop.
        if st.phase != Phase::NotStarted {
            drop(st);
            panic!("{RUN_TWICE}");
        }
        st.phase = Phase::Running;
    }

    /// Refuses new children from now on (the cancelling phase), without
    /// touching the running ones: `run`'s future is being dropped, and its
    /// driver cancels them next.
    pub(crate) fn refuse_new(&self) {
        let mut st = lock(&self.locked);
        if st.phase == Phase::Running {
            st.phase = Phase::Cancelling;
        }
        self.close_tasks();
    }

    /// No new task child from now on (with the phase, under the lock).
    fn close_tasks(&self) {
        if let Some(set) = self.tasks.get() {
            set.tasks.close();
        }
    }

    /// Enters the cancelling phase, aborts every task child and returns the
    /// children that were waiting to be admitted, to be dropped outside
    /// the lock.
    pub(crate) fn begin_cancel(&self) -> Vec<NewChild<'a, E>> {
        let mut st = lock(&self.locked);
        if st.phase == Phase::Running {
            st.phase = Phase::Cancelling;
        }
        self.close_tasks();
        // Before any abort (here, or `track_task`'s once the phase is no
        // longer `Running`): a task gone without an end from now on was
        // aborted by the group, not lost by its runtime.
        if let Some(set) = self.tasks.get() {
            set.tasks.begin_abort();
        }
        // Kept, to wait for their completion. `abort` runs no user code.
        st.aborts.abort_all();
        std::mem::take(&mut *st.incoming)
    }

    /// Whether every task child has completed (after the count of running
    /// ones reached zero: each ends a few instructions before it completes).
    pub(crate) fn tasks_complete(&self) -> bool {
        self.tasks.get().is_none() || lock(&self.locked).aborts.all_finished()
    }

    /// Marks the group finished if no child is waiting to be admitted and
    /// no task child is running; a task counted meanwhile is refused, or
    /// keeps the group running (`TaskChildren::close_if_idle`).
    pub(crate) fn try_finish(&self) -> bool {
        let mut st = lock(&self.locked);
        if st.incoming.is_empty() && self.tasks.get().is_none_or(|t| t.tasks.close_if_idle()) {
            st.phase = Phase::Finished;
            true
        } else {
            false
        }
    }
}

/// Panics for a spawn into a group that is not running.
#[track_caller]
pub(crate) fn refuse(phase: Phase) {
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
