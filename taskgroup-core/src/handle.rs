//! The handles returned by `spawn`: futures of a child's value.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_util::FutureExt;
use tokio::task::JoinHandle;

// Loom's under `--cfg loom`: the hand-off from a child to its handle is
// model-checked (`loom_tests` below).
use crate::supervisor::Supervisor;
use crate::sync::{AtomicBool, Mutex, Ordering, lock};

use crate::cancel::CancelInbox;
use crate::task_child::abort_on_purpose;

/// What a child left for its handle.
enum ResultState<T, E> {
    Running(Option<Waker>),
    Done(Result<T, E>),
    /// The value was taken by the handle.
    Taken,
    /// The child was dropped before it finished (its group was cancelled).
    Cancelled,
    /// The child's error went to the group.
    Failed,
    /// The handle was dropped while the child ran (supervise groups): its
    /// error, when it comes, goes to the group's `Supervisor`.
    Unwatched,
}

pub(crate) struct ResultCell<T, E> {
    slot: Mutex<ResultState<T, E>>,
    name: Option<Arc<str>>,
    /// In a supervise group: where an error no handle takes goes.
    sink: Option<Arc<Supervisor<E>>>,
    /// Where the handle asks the group to cancel this child alone.
    cancel: Option<Arc<CancelInbox>>,
    /// A slot holder awaited it (see `poll_result`): asked once.
    wanted: AtomicBool,
    /// What cancel requests name this child by (see [`ResultCell::key`]).
    key: usize,
}

/// The next cell's key. Not its address, which a newer child may reuse
/// while the driver still remembers an ended task by it (std's atomic
/// under loom too: a counter, not a hand-off).
static NEXT_KEY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

impl<T, E> ResultCell<T, E> {
    /// A cell for the child named `name`; in a supervise group an error no
    /// handle takes goes to `sink`.
    pub(crate) fn new(
        name: Option<Arc<str>>,
        sink: Option<Arc<Supervisor<E>>>,
        cancel: Option<Arc<CancelInbox>>,
    ) -> Arc<Self> {
        Arc::new(ResultCell {
            slot: Mutex::new(ResultState::Running(None)),
            name,
            sink,
            cancel,
            wanted: AtomicBool::new(false),
            key: NEXT_KEY.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        })
    }

    /// The handle cancels its child: the group's driver drops it (or
    /// aborts its task), unless it has already ended.
    fn request_cancel(&self) {
        if let Some(inbox) = &self.cancel
            && matches!(&*lock(&self.slot), ResultState::Running(_))
        {
            inbox.cancel_child(self.key());
        }
    }

    /// The key a cancel request names this child by: unique in the
    /// process, never zero (see `cancel.rs`).
    pub(crate) fn key(&self) -> usize {
        self.key
    }

    /// The handle is gone: an error it held, or that comes later, goes to
    /// the supervisor (a value is dropped, as nobody can take it).
    #[inline]
    fn handle_dropped(&self) {
        if self.sink.is_some() {
            self.unwatch();
        }
    }

    #[cold]
    fn unwatch(&self) {
        let Some(sink) = &self.sink else {
            return;
        };
        let error = {
            let mut slot = lock(&self.slot);
            match &*slot {
                ResultState::Running(_) => {
                    *slot = ResultState::Unwatched;
                    None
                }
                ResultState::Done(Err(_)) => {
                    match std::mem::replace(&mut *slot, ResultState::Taken) {
                        ResultState::Done(Err(e)) => Some(e),
                        _ => None,
                    }
                }
                _ => None,
            }
        };
        if let Some(e) = error {
            sink.unclaimed(e, self.name_arc());
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The child's name, to go with its error.
    pub(crate) fn name_arc(&self) -> Option<Arc<str>> {
        self.name.clone()
    }

    /// Stores the child's result and wakes whoever awaits the handle.
    pub(crate) fn complete(&self, result: Result<T, E>) {
        let waker = {
            let mut slot = lock(&self.slot);
            if matches!(&*slot, ResultState::Unwatched) {
                drop(slot);
                if let (Err(e), Some(sink)) = (result, &self.sink) {
                    sink.unclaimed(e, self.name_arc());
                }
                return;
            }
            match std::mem::replace(&mut *slot, ResultState::Done(result)) {
                ResultState::Running(w) => w,
                _ => None,
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// The child failed and its error went to the group: the handle never
    /// gets a value. An awaiter is woken: outside the group, it must wait
    /// for the group's end in `stranded`, not here (nothing wakes it).
    pub(crate) fn fail(&self) {
        let waker = match std::mem::replace(&mut *lock(&self.slot), ResultState::Failed) {
            ResultState::Running(w) => w,
            _ => None,
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn cancel(&self) {
        let waker = {
            let mut slot = lock(&self.slot);
            match &mut *slot {
                ResultState::Running(w) => {
                    #[cfg(feature = "tracing")]
                    tracing::debug!("child cancelled");
                    let w = w.take();
                    *slot = ResultState::Cancelled;
                    w
                }
                _ => None,
            }
        };
        if let Some(w) = waker {
            w.wake();
        }
    }

    fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let mut slot = lock(&self.slot);
        match &mut *slot {
            ResultState::Running(w) => {
                match w {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
                drop(slot);
                // A child that holds a slot of the limit waits for this one:
                // if it is still waiting for a slot, it must start, or the
                // two could wait for each other forever.
                if let Some(group) = &self.cancel
                    && group.awaiter_holds_slot()
                    && !self.wanted.swap(true, Ordering::Relaxed)
                {
                    group.want_child(self.key());
                }
                Poll::Pending
            }
            ResultState::Done(_) => match std::mem::replace(&mut *slot, ResultState::Taken) {
                ResultState::Done(r) => Poll::Ready(r),
                _ => unreachable!(),
            },
            ResultState::Taken => {
                drop(slot);
                panic!("taskgroup: a child handle was polled after it returned its value")
            }
            ResultState::Cancelled | ResultState::Failed => {
                let failed = matches!(&*slot, ResultState::Failed);
                drop(slot);
                stranded(self.cancel.as_deref(), cx, self.name(), failed)
            }
            ResultState::Unwatched => unreachable!("polled through a dropped handle"),
        }
    }

    fn is_finished(&self) -> bool {
        !matches!(&*lock(&self.slot), ResultState::Running(_))
    }

    /// The child's value, if it finished with one that nobody took.
    fn take_value(&self) -> Option<T> {
        let mut slot = lock(&self.slot);
        if !matches!(&*slot, ResultState::Done(Ok(_))) {
            return None;
        }
        match std::mem::replace(&mut *slot, ResultState::Taken) {
            ResultState::Done(Ok(v)) => Some(v),
            _ => None,
        }
    }
}

/// An await of a child that will never have a value: it failed (its error
/// went to the group) or was cancelled. While its group runs, the group is
/// cancelling — and so whoever awaits inside it — so the await stays
/// pending: resolving could race with that cancellation. Once the group
/// has ended nothing will cancel the awaiter, so the await panics and says
/// what to call instead (an awaiter outside the group that started waiting
/// earlier is woken when the group ends).
fn stranded<R>(
    group: Option<&CancelInbox>,
    cx: &mut Context<'_>,
    name: Option<&str>,
    failed: bool,
) -> Poll<R> {
    match group {
        Some(group) if group.ended_or_wait(cx.waker()) => stranded_panic(name, failed),
        _ => Poll::Pending,
    }
}

#[cold]
#[track_caller]
fn stranded_panic(name: Option<&str>, failed: bool) -> ! {
    let child = match name {
        Some(name) => format!("child `{name}`"),
        None => "a child".to_string(),
    };
    let why = if failed {
        "failed (its error is in the `ErrorGroup` its group returned)"
    } else {
        "was cancelled before it finished"
    };
    panic!(
        "taskgroup: awaited the handle of {child}, which {why}; its group has ended, so this \
         await could never resolve. Take a value only if the child finished with one: \
         `handle.into_value()` (an `Option`)"
    )
}

/// Marks the handle cancelled if the child is dropped before it completes.
pub(crate) struct CompletionGuard<T, E>(Option<Arc<ResultCell<T, E>>>);

impl<T, E> CompletionGuard<T, E> {
    pub(crate) fn new(shared: &Arc<ResultCell<T, E>>) -> Self {
        CompletionGuard(Some(Arc::clone(shared)))
    }

    /// The key of the child's cell (see `cancel.rs`).
    pub(crate) fn key(&self) -> usize {
        self.0.as_deref().map_or(0, ResultCell::key)
    }

    /// The child completed: the guard has nothing left to do on drop.
    pub(crate) fn disarm(mut self) -> Arc<ResultCell<T, E>> {
        self.0
            .take()
            .unwrap_or_else(|| unreachable!("disarmed once"))
    }
}

impl<T, E> Drop for CompletionGuard<T, E> {
    fn drop(&mut self) {
        if let Some(shared) = &self.0 {
            shared.cancel();
        }
    }
}

/// A future of a child's value, returned by [`TaskGroup::spawn`] and
/// [`TaskGroup::spawn_task`].
///
/// Awaiting it gives the child's `T`. A child that fails never gives its
/// handle a value: its error goes to the group, which cancels the body that
/// awaits the handle. In a [`supervise`](crate::Builder::supervise) group a
/// child's error belongs to its handle instead: await
/// [`result`](Handle::result) to receive `Result<T, E>`.
///
/// No await of a handle hangs forever. Inside the running group, awaiting a
/// child that failed or was cancelled stays pending, because the group is
/// already cancelling whoever awaits it. Once the group has ended, nothing
/// would: the await panics, naming the child and saying to call
/// [`into_value`](Handle::into_value) instead (an awaiter elsewhere that
/// began waiting earlier is woken when the group ends, and panics then).
///
/// Dropping a handle does not cancel its child (the group owns the child),
/// so `tg.spawn(fut);` on its own line is the way to start a child whose
/// value nobody needs.
///
/// ```
/// use taskgroup::TaskGroup;
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let tg = TaskGroup::new();
/// let sum = tg.run(async {
///     let a = tg.spawn(async { Ok::<_, std::io::Error>(2) });
///     let b = tg.spawn(async { Ok(3) });
///     Ok(a.await + b.await)
/// }).await.unwrap();
/// assert_eq!(sum, 5);
/// # }
/// ```
///
/// [`TaskGroup::spawn`]: crate::TaskGroup::spawn
/// [`TaskGroup::spawn_task`]: crate::TaskGroup::spawn_task
pub struct Handle<T, E> {
    inner: Inner<T, E>,
}

/// What a task child's tokio task returns: its `Result` when it belongs to
/// the handle, `None` when it went to the group (an error in a fail-fast
/// group, a panic).
pub(crate) type TaskOutput<T, E> = Option<Result<T, E>>;

/// Where a handle finds its child's value. Kept to two words: a fan-out
/// holds one handle per child.
enum Inner<T, E> {
    /// A local child (or a task child started later by a limit) hands its
    /// value over in a shared slot.
    ResultCell(Arc<ResultCell<T, E>>),
    /// A task child's value is its tokio task's output: the handle awaits
    /// the `JoinHandle` itself, as a `Vec<JoinHandle>` would.
    Task(JoinHandle<TaskOutput<T, E>>, Arc<CancelInbox>),
    /// The task failed or was cancelled (its error went to the group, which
    /// is cancelling): see [`stranded`]. `true`: it failed.
    Gone(Arc<CancelInbox>, bool),
    /// The value was returned.
    Taken,
    /// A named task child.
    Named(Box<(Inner<T, E>, Arc<str>)>),
}

impl<T, E> Inner<T, E> {
    /// `name`: the child's, for the panic of an await that can never
    /// resolve.
    fn poll_result(&mut self, cx: &mut Context<'_>, name: Option<&str>) -> Poll<Result<T, E>> {
        let (out, group) = match self {
            Inner::ResultCell(shared) => return shared.poll_result(cx),
            Inner::Named(named) => {
                let (inner, name) = &mut **named;
                return inner.poll_result(cx, Some(name));
            }
            Inner::Gone(group, failed) => return stranded(Some(group), cx, name, *failed),
            Inner::Taken => {
                panic!("taskgroup: a child handle was polled after it returned its value")
            }
            Inner::Task(join, group) => match Pin::new(join).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(out) => (out, Arc::clone(group)),
            },
        };
        match out {
            Ok(Some(r)) => {
                *self = Inner::Taken;
                Poll::Ready(r)
            }
            // The error or panic went to the group (`None`), or the task
            // was aborted: the group is cancelling.
            out => {
                *self = Inner::Gone(group, out.is_ok());
                self.poll_result(cx, name)
            }
        }
    }

    fn take_value(&mut self) -> Option<T> {
        match self {
            Inner::ResultCell(shared) => shared.take_value(),
            Inner::Named(named) => named.0.take_value(),
            // A finished task's output is stored: taking it needs no waker,
            // nor the caller's coop budget (spent, the poll would be
            // pending and a finished child's value lost).
            Inner::Task(join, _) if join.is_finished() => {
                match tokio::task::unconstrained(join).now_or_never() {
                    Some(Ok(Some(Ok(v)))) => Some(v),
                    _ => None,
                }
            }
            Inner::Task(..) | Inner::Gone(..) | Inner::Taken => None,
        }
    }

    /// Stops the child alone (`Handle::cancel`).
    fn cancel(&self) {
        match self {
            Inner::ResultCell(shared) => shared.request_cancel(),
            Inner::Named(named) => named.0.cancel(),
            Inner::Task(join, _) => abort_on_purpose(&join.abort_handle()),
            Inner::Gone(..) | Inner::Taken => {}
        }
    }

    /// The handle (or its `ResultHandle`) is dropped: in a supervise
    /// group an error nobody took goes to the group.
    #[inline]
    fn release(&mut self) {
        match self {
            Inner::ResultCell(shared) => shared.handle_dropped(),
            Inner::Named(named) => named.0.release(),
            Inner::Task(..) | Inner::Gone(..) | Inner::Taken => {}
        }
    }

    fn is_finished(&self) -> bool {
        match self {
            Inner::ResultCell(shared) => shared.is_finished(),
            Inner::Task(join, _) => join.is_finished(),
            Inner::Gone(..) | Inner::Taken => true,
            Inner::Named(named) => named.0.is_finished(),
        }
    }

    fn name(&self) -> Option<&str> {
        match self {
            Inner::ResultCell(shared) => shared.name(),
            Inner::Named(named) => Some(&named.1),
            Inner::Task(..) | Inner::Gone(..) | Inner::Taken => None,
        }
    }

    fn named(self, name: Option<Arc<str>>) -> Self {
        match name {
            Some(name) => Inner::Named(Box::new((self, name))),
            None => self,
        }
    }
}

impl<T, E> Handle<T, E> {
    pub(crate) fn new(shared: Arc<ResultCell<T, E>>) -> Self {
        Handle {
            inner: Inner::ResultCell(shared),
        }
    }

    /// The handle of a task child whose output is its value.
    pub(crate) fn task(
        join: JoinHandle<TaskOutput<T, E>>,
        name: Option<Arc<str>>,
        group: Arc<CancelInbox>,
    ) -> Self {
        Handle {
            inner: Inner::Task(join, group).named(name),
        }
    }

    /// The handle of a child the group refused (it is cancelling): it
    /// never has a value.
    pub(crate) fn cancelled(name: Option<Arc<str>>, group: Arc<CancelInbox>) -> Self {
        Handle {
            inner: Inner::Gone(group, false).named(name),
        }
    }

    /// The child's `Result`, error included: the form to await in a
    /// [`supervise`](crate::Builder::supervise) group. In a fail-fast group
    /// a failed child's error goes to the group, so this resolves only with
    /// `Ok`.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::builder().supervise().build();
    /// let out = tg.run(async {
    ///     let bad = tg.spawn(async { Err::<u8, _>("boom") });
    ///     Ok(bad.result().await)
    /// }).await.unwrap();
    /// assert_eq!(out, Err("boom"));
    /// # }
    /// ```
    pub fn result(mut self) -> ResultHandle<T, E> {
        ResultHandle {
            inner: std::mem::replace(&mut self.inner, Inner::Taken),
        }
    }

    /// The child's value if it finished with one: `None` when it failed,
    /// was cancelled, never ran or is still running. It gives the partial
    /// results of a group that failed: keep the handles, and after `run`
    /// returned, take the values of the children that did finish (the
    /// seed's `[t.result() for t in tasks if not t.cancelled()]`).
    ///
    /// ```
    /// use std::sync::Mutex;
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::new();
    /// let handles = Mutex::new(Vec::new());
    /// let err = tg.run(async {
    ///     let fast = tg.spawn(async { Ok(1) });
    ///     let slow = tg.spawn(std::future::pending::<Result<u32, &str>>());
    ///     tokio::task::yield_now().await;              // `fast` finishes
    ///     handles.lock().unwrap().extend([fast, slow]);
    ///     Err::<(), _>("the body fails")              // `slow` is cancelled
    /// }).await.unwrap_err();
    /// assert_eq!(*err.first(), "the body fails");
    /// let values: Vec<_> = handles.into_inner().unwrap().into_iter().map(|h| h.into_value()).collect();
    /// assert_eq!(values, [Some(1), None]);
    /// # }
    /// ```
    pub fn into_value(mut self) -> Option<T> {
        // An error left in a supervise child's cell goes to the group when
        // `self` is dropped here.
        self.inner.take_value()
    }

    /// Cancels this child alone: Python's `task.cancel()`, tokio's
    /// `JoinHandle::abort()`. A local child is dropped, a task child
    /// aborted; either way its group still waits until it is gone before
    /// `run` returns, and a slot it held under a `limit` goes to the next
    /// waiting child. It is not an error: the siblings and the body go on.
    /// A child that has already ended is left as it is.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::<()>::new();
    /// let v = tg.run(async {
    ///     let forever = tg.spawn(std::future::pending::<Result<(), ()>>());
    ///     let two = tg.spawn(async { Ok(2) });
    ///     forever.cancel();       // without it, `run` would never return
    ///     Ok(two.await)
    /// }).await;
    /// assert_eq!(v, Ok(2));
    /// # }
    /// ```
    pub fn cancel(self) {
        self.inner.cancel();
    }

    /// Whether the child has finished (or was cancelled).
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::new();
    /// tg.run(async {
    ///     let h = tg.spawn(async { Ok::<_, ()>(1) });
    ///     assert!(!h.is_finished());
    ///     tokio::task::yield_now().await;
    ///     assert!(h.is_finished());
    ///     Ok(())
    /// }).await.unwrap();
    /// # }
    /// ```
    pub fn is_finished(&self) -> bool {
        self.inner.is_finished()
    }

    /// The name given with [`TaskGroup::child`](crate::TaskGroup::child), if any.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::new();
    /// tg.run(async {
    ///     let h = tg.child("user").spawn(async { Ok::<_, ()>(1) });
    ///     assert_eq!(h.name(), Some("user"));
    ///     Ok(())
    /// }).await.unwrap();
    /// # }
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.inner.name()
    }
}

impl<T, E> Future for Handle<T, E> {
    type Output = T;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        match self.inner.poll_result(cx, None) {
            Poll::Ready(Ok(v)) => Poll::Ready(v),
            Poll::Ready(Err(_)) => panic!(
                "taskgroup: awaited the value of a child that failed in a supervise group; \
                 await `handle.result()` to receive its error"
            ),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<T, E> fmt::Debug for Handle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("name", &self.name())
            .field("finished", &self.is_finished())
            .finish()
    }
}

/// A future of a child's whole `Result`, made by [`Handle::result`].
#[must_use = "futures do nothing unless awaited"]
pub struct ResultHandle<T, E> {
    inner: Inner<T, E>,
}

impl<T, E> Future for ResultHandle<T, E> {
    type Output = Result<T, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        self.inner.poll_result(cx, None)
    }
}

/// A supervise child's error that this handle holds, or that comes after
/// it is gone, goes to the group's error handler or `run`'s result.
impl<T, E> Drop for Handle<T, E> {
    fn drop(&mut self) {
        self.inner.release();
    }
}

impl<T, E> Drop for ResultHandle<T, E> {
    fn drop(&mut self) {
        self.inner.release();
    }
}

impl<T, E> fmt::Debug for ResultHandle<T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResultHandle")
            .field("name", &self.inner.name())
            .field("finished", &self.inner.is_finished())
            .finish()
    }
}

// Users keep a handle per child: keep it at three words (a task child's
// `JoinHandle` and its group, for an await that could never resolve).
const _: () = assert!(std::mem::size_of::<Handle<u64, std::io::Error>>() <= 24);

/// Model checks of a child handing its value to its handle on another
/// thread: `RUSTFLAGS="--cfg loom" cargo test -p taskgroup-core --release
/// --lib loom_tests` (see `src/sync.rs`).
#[cfg(all(test, loom))]
mod loom_tests {
    use std::sync::Arc;
    use std::task::{Context, Poll, Wake, Waker};

    use loom::sync::atomic::{AtomicUsize, Ordering};
    use loom::thread;

    use super::{CompletionGuard, ResultCell};

    /// The waker of whoever awaits the handle. Its count is a loom atomic,
    /// so a wake is an event loom orders against the handle's poll.
    #[derive(Default)]
    struct CountingWaker(AtomicUsize);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.wake_by_ref();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A child completes on another thread while its handle is polled: a
    /// poll that returned Pending is followed by exactly one wake, and the
    /// next poll has the value.
    #[test]
    fn loom_completion_wakes_a_pending_handle() {
        loom::model(|| {
            let cell = ResultCell::<u32, ()>::new(None, None, None);
            let guard = CompletionGuard::new(&cell);
            let child = thread::spawn(move || guard.disarm().complete(Ok(5)));
            let counter = Arc::new(CountingWaker::default());
            let waker = Waker::from(Arc::clone(&counter));
            let first = cell.poll_result(&mut Context::from_waker(&waker));
            child.join().unwrap();
            match first {
                Poll::Ready(r) => {
                    assert_eq!(r, Ok(5));
                    assert_eq!(counter.0.load(Ordering::SeqCst), 0);
                }
                Poll::Pending => {
                    assert_eq!(counter.0.load(Ordering::SeqCst), 1, "lost wake-up");
                    let again = cell.poll_result(&mut Context::from_waker(&waker));
                    assert_eq!(again, Poll::Ready(Ok(5)));
                }
            }
        });
    }

    /// The handle moves to another task between two polls (a `select!`
    /// that is polled from elsewhere) while the child completes: the
    /// waker of the last Pending poll is the one woken.
    #[test]
    fn loom_completion_wakes_the_latest_waker() {
        loom::model(|| {
            let cell = ResultCell::<u32, ()>::new(None, None, None);
            let guard = CompletionGuard::new(&cell);
            let child = thread::spawn(move || guard.disarm().complete(Ok(5)));
            let (old, new) = (
                Arc::new(CountingWaker::default()),
                Arc::new(CountingWaker::default()),
            );
            let old_waker = Waker::from(Arc::clone(&old));
            let new_waker = Waker::from(Arc::clone(&new));
            let first = cell.poll_result(&mut Context::from_waker(&old_waker));
            let second = first
                .is_pending()
                .then(|| cell.poll_result(&mut Context::from_waker(&new_waker)));
            child.join().unwrap();
            let (old, new) = (old.0.load(Ordering::SeqCst), new.0.load(Ordering::SeqCst));
            match (first, second) {
                (Poll::Ready(r), None) => assert_eq!((r, old, new), (Ok(5), 0, 0)),
                // Completed between the polls: the old waker was current.
                (Poll::Pending, Some(Poll::Ready(r))) => assert_eq!((r, old, new), (Ok(5), 1, 0)),
                (Poll::Pending, Some(Poll::Pending)) => {
                    assert_eq!((old, new), (0, 1), "lost wake-up");
                    let third = cell.poll_result(&mut Context::from_waker(&new_waker));
                    assert_eq!(third, Poll::Ready(Ok(5)));
                }
                _ => unreachable!(),
            }
        });
    }

    /// The child ends without a value on another thread while its handle
    /// is polled: dropped before it completes (its group cancelled it) or
    /// failed (its error went to the group). A handle whose waker was
    /// stored is woken (one outside the group then waits for the group's
    /// end). It stays pending either way (see `poll_result`), so whether
    /// the poll stored the waker is read from the waker's own reference
    /// count right after the poll.
    fn ending_without_value_wakes_a_registered_handle(end: fn(CompletionGuard<u32, ()>)) {
        loom::model(move || {
            let cell = ResultCell::<u32, ()>::new(None, None, None);
            let guard = CompletionGuard::new(&cell);
            let child = thread::spawn(move || end(guard));
            let counter = Arc::new(CountingWaker::default());
            let waker = Waker::from(Arc::clone(&counter));
            let out = cell.poll_result(&mut Context::from_waker(&waker));
            // Ours, the waker's, and the cell's if it kept a clone; or the
            // end already took that clone and woke it.
            let registered =
                Arc::strong_count(&counter) == 3 || counter.0.load(Ordering::SeqCst) > 0;
            child.join().unwrap();
            assert_eq!(out, Poll::Pending);
            assert!(cell.is_finished());
            let wakes = counter.0.load(Ordering::SeqCst);
            assert_eq!(wakes, usize::from(registered), "lost wake-up");
        });
    }

    #[test]
    fn loom_cancellation_wakes_a_registered_handle() {
        ending_without_value_wakes_a_registered_handle(drop);
    }

    #[test]
    fn loom_failure_wakes_a_registered_handle() {
        ending_without_value_wakes_a_registered_handle(|guard| guard.disarm().fail());
    }
}
