//! The handles returned by `spawn`: futures of a child's value.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_util::FutureExt;
use tokio::task::JoinHandle;

use crate::cancel::CancelInbox;
use crate::task_child::abort_on_purpose;

use crate::result_cell::stranded;
pub(crate) use crate::result_cell::{CompletionGuard, ResultCell};

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
        let out = match self {
            Inner::ResultCell(shared) => return shared.poll_result(cx),
            Inner::Named(named) => {
                let (inner, name) = &mut **named;
                return inner.poll_result(cx, Some(name));
            }
            Inner::Gone(group, failed) => return stranded(Some(group), cx, name, *failed),
            Inner::Taken => {
                panic!("taskgroup: a child handle was polled after it returned its value")
            }
            Inner::Task(join, _) => std::task::ready!(Pin::new(join).poll(cx)),
        };
        // The finished task is dropped here; the group is moved out, not
        // cloned, when it is still needed.
        let Inner::Task(_, group) = std::mem::replace(self, Inner::Taken) else {
            unreachable!("only a task's poll gets here")
        };
        match out {
            Ok(Some(r)) => Poll::Ready(r),
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

    /// See `ResultCell::unclaimed`.
    fn unclaimed(&self, error: E) {
        match self {
            Inner::ResultCell(shared) => shared.unclaimed(error),
            Inner::Named(named) => named.0.unclaimed(error),
            Inner::Task(..) | Inner::Gone(..) | Inner::Taken => {}
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
            Poll::Ready(Err(e)) => {
                // Not lost: it goes to `on_error` or `run`'s result.
                self.inner.unclaimed(e);
                panic!(
                    "taskgroup: awaited the value of a child that failed in a supervise group; \
                     await `handle.result()` to receive its error"
                )
            }
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
