//! `TaskGroup` and `ChildBuilder`: the public API of a group. What the
//! driver shares with it is in `state.rs`; the driver itself, `run`'s own
//! future, in `driver.rs`.
//!
//! Task children (`spawn_task`, no limit) skip the driver's slots: the
//! spawn starts the tokio task at once and keeps only its `AbortHandle`;
//! the task reports its own error or panic to the group (`task_child.rs`),
//! its value is the task's output, which the child's handle reads from the
//! `JoinHandle` itself, and the driver waits for a count of running tasks
//! to reach zero before `run` returns.

use std::fmt;
use std::future::Future;
use std::panic::resume_unwind;
use std::sync::Arc;

use crate::cancel::Canceller;
use crate::driver::{RunEnd, run_until};
use crate::error::{Cancelled, ErrorGroup, Failure};
use crate::handle::{CompletionGuard, Handle, ResultCell};
use crate::options::{Builder, Options};
use crate::policy::Mode;
use crate::state::{GroupState, Keyed, KeyedFuture, NewChild, TaskStart, refuse};
use crate::task_child::{self, start_deferred};
use crate::util::lock;
use futures_util::FutureExt;

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
    pub(crate) state: GroupState<'a, E>,
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
            state: GroupState::new(options),
        }
    }

    /// The name given with [`Builder::name`].
    ///
    /// ```
    /// assert_eq!(taskgroup::TaskGroup::<()>::new().name(), None);
    /// ```
    pub fn name(&self) -> Option<&str> {
        self.state.options.name.as_deref()
    }

    /// The group's [`Mode`].
    ///
    /// ```
    /// use taskgroup::{Mode, TaskGroup};
    /// assert_eq!(TaskGroup::<()>::new().mode(), Mode::FailFast);
    /// ```
    pub fn mode(&self) -> Mode {
        self.state.options.mode
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
    /// If the runtime shuts down (it is dropped, or `shutdown_background`
    /// is called) while the group runs, tokio drops the task before the
    /// child finished: the child is lost, with no value and no error to
    /// give, so the group cannot complete. The group then acts as for a
    /// child's panic: it cancels the body and the other children, waits for
    /// them, and [`run`](Self::run) panics with "taskgroup: a task child was
    /// dropped by its runtime before it finished (the runtime is shutting
    /// down); the group cannot complete", whether or not the body awaited
    /// the child's handle. A child the group aborted itself (it was
    /// cancelling) is not lost.
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
            name: Arc::from(name.into()),
        }
    }

    #[track_caller]
    fn spawn_local_named<F, T>(&self, name: Option<Arc<str>>, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
        T: Send + 'a,
        E: Send + 'a,
    {
        let shared = self.new_cell(name);
        // `push` checks that the group runs, in the lock it takes anyway.
        let child = Box::pin(self.traced(self.wrap(&shared, fut), shared.name()));
        match self.state.tree_node() {
            None => self.state.push(NewChild::Local(child)),
            Some(node) => {
                let tracked = node.track(shared.name(), false, child);
                self.state.push(NewChild::Local(Box::pin(tracked)));
            }
        }
        Handle::new(shared)
    }

    #[track_caller]
    fn spawn_task_named<F, T>(&self, name: Option<Arc<str>>, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        // A supervised task hands its result over in a cell too: its error
        // must reach the group if its handle is dropped.
        if self.state.options.limit.is_some() || self.state.supervisor.is_some() {
            return self.spawn_deferred(name, fut);
        }
        let child = self.traced(fut, name.as_deref());
        match self.state.tree_node() {
            None => self.start_task_now(name, child),
            Some(node) => {
                let tracked = node.track(name.as_deref(), true, Box::pin(child));
                self.start_task_now(name, tracked)
            }
        }
    }

    /// Starts a task child now (a group without a limit): its handle
    /// awaits the tokio task's own output.
    #[track_caller]
    fn start_task_now<F, T>(&self, name: Option<Arc<str>>, child: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let tasks = &self.state.task_set().tasks;
        // Counted first, so the group cannot finish before this task ends;
        // spawned outside any lock, because tokio may drop the future (and
        // run the user's `Drop`) right there when it is shutting down. A
        // cancellation that began in between is caught by `track_task`.
        if let Err(phase) = self.state.count_task(tasks) {
            refuse(phase);
            // Cancelling: the child is dropped without ever running.
            return Handle::cancelled(name, Arc::clone(&self.state.cancel));
        }
        let join = task_child::spawn_in_group(child, Arc::clone(tasks), name.clone());
        self.state.track_task(join.abort_handle());
        Handle::task(join, name, Arc::clone(&self.state.cancel))
    }

    /// A task child of a group with a limit: the driver starts it when the
    /// limit lets it; its value comes back through a shared slot.
    #[track_caller]
    fn spawn_deferred<F, T>(&self, name: Option<Arc<str>>, fut: F) -> Handle<T, E>
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        let shared = self.new_cell(name);
        let key = shared.key();
        // A group that is not running refuses it in `push`, which drops the
        // child: its handle then finishes, cancelled.
        let tasks = Arc::clone(&self.state.task_set().tasks);
        // Its reporter names its error.
        let wrapped = self.wrap(&shared, fut).map(|out| out.map_err(|f| f.error));
        let child = self.traced(wrapped, shared.name());
        let name = shared.name_arc();
        let start: TaskStart<'a> = match self.state.tree_node() {
            None => Box::new(Keyed {
                inner: move || start_deferred(tasks, name, child),
                key,
            }),
            Some(node) => {
                let tracked = node.track(shared.name(), true, Box::pin(child));
                Box::new(Keyed {
                    inner: move || start_deferred(tasks, name, tracked),
                    key,
                })
            }
        };
        self.state.push(NewChild::Deferred(start));
        Handle::new(shared)
    }

    /// The cell where a child leaves its value; its handle cancels it
    /// through the group's inbox.
    fn new_cell<T>(&self, name: Option<Arc<str>>) -> Arc<ResultCell<T, E>> {
        let cancel = Some(Arc::clone(&self.state.cancel));
        ResultCell::new(name, self.state.supervisor.clone(), cancel)
    }

    /// Cancels the group on purpose, from the body or any child: every
    /// child and the body stop as on a failure (local children are dropped,
    /// task children aborted and awaited), and [`run`](Self::run) returns
    /// `Err` with the errors that happened before, then [`Cancelled`]
    /// converted into `E`. Python's `TaskGroup.cancel()`, Trio's
    /// `nursery.cancel_scope.cancel()`, Kotlin's `scope.cancel()`.
    ///
    /// The cancel takes effect when the driver next runs: the caller goes
    /// on until its next `.await`, which does not resume. A second cancel,
    /// or one while the group is already failing, changes nothing. From a
    /// task child or another task, use a [`canceller`](Self::canceller).
    ///
    /// ```
    /// use taskgroup::{Cancelled, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::<Cancelled>::new();
    /// let err = tg.run(async {
    ///     tg.spawn(std::future::pending::<Result<(), _>>()); // stopped too
    ///     tg.cancel();
    ///     std::future::pending::<()>().await;               // never resumes
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.into_vec(), [Cancelled::new()]);
    /// # }
    /// ```
    pub fn cancel(&self)
    where
        E: From<Cancelled>,
    {
        self.canceller().cancel();
    }

    /// A [`Canceller`] of this group: `Clone + Send + Sync + 'static`, so a
    /// task child, another task or a signal handler can cancel the group
    /// (as [`cancel`](Self::cancel) does).
    ///
    /// ```
    /// use taskgroup::{Cancelled, TaskGroup};
    ///
    /// # #[tokio::main] async fn main() {
    /// let tg = TaskGroup::<Cancelled>::new();
    /// let canceller = tg.canceller();
    /// let err = tg.run(async {
    ///     tg.spawn_task(async move {
    ///         canceller.cancel();
    ///         Ok(())
    ///     });
    ///     std::future::pending::<Result<(), _>>().await
    /// }).await.unwrap_err();
    /// assert_eq!(*err.first(), Cancelled::new());
    /// # }
    /// ```
    pub fn canceller(&self) -> Canceller
    where
        E: From<Cancelled>,
    {
        let _ = self.state.on_cancel.set(<E as From<Cancelled>>::from);
        Canceller {
            inbox: Arc::clone(&self.state.cancel),
        }
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
            .state
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
    fn wrap<F, T>(&self, shared: &Arc<ResultCell<T, E>>, fut: F) -> Wrapped<F, T, E>
    where
        F: Future<Output = Result<T, E>>,
    {
        Wrapped {
            fut,
            guard: Some(CompletionGuard::new(shared)),
        }
    }

    /// Runs `body` as the group's body and waits for every child.
    ///
    /// Resolves to the body's value once the body and every child have
    /// finished, or to every error that happened. The body's own error
    /// counts like a child's. A panic in a child or the body is resumed
    /// here, after the others have been cancelled.
    ///
    /// # Panics
    /// At the call, when `run` was already called on this group (even if
    /// that future was dropped unpolled); with the original
    /// payload when a child or the body panicked; and when the runtime
    /// dropped a task child before it finished (see
    /// [`spawn_task`](Self::spawn_task)).
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
    #[track_caller]
    pub fn run<B, T>(&self, body: B) -> impl Future<Output = Result<T, ErrorGroup<E>>>
    where
        B: Future<Output = Result<T, E>>,
    {
        self.state.claim_run();
        async move {
            match run_until(&self.state, body).await {
                RunEnd::Value(v) => Ok(v),
                RunEnd::Failed(errors) => Err(errors),
                RunEnd::Panicked(payload) => resume_unwind(payload),
                RunEnd::Won | RunEnd::Empty => unreachable!("only a race group can win"),
            }
        }
    }
}

impl<E> Builder<E> {
    /// Makes the group.
    ///
    /// # Panics
    /// If the mode is [`Mode::Race`]: a race's value is its winner's, so
    /// it is made by [`build_race`](Builder::build_race) instead.
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<()>::builder().build();
    /// # drop(tg);
    /// ```
    #[track_caller]
    pub fn build<'a>(self) -> TaskGroup<'a, E> {
        assert!(
            self.options.mode != Mode::Race,
            "taskgroup: `Mode::Race` makes a `Race`, whose value is its winner's: \
             call `build_race::<T>()` instead of `build()`"
        );
        self.options.check_on_error();
        TaskGroup::with_options(self.options)
    }
}

impl<E> fmt::Debug for TaskGroup<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskGroup")
            .field("name", &self.state.options.name)
            .field("mode", &self.state.options.mode)
            .field("phase", &lock(&self.state.locked).phase)
            .field("limit", &self.state.options.limit)
            .field("timeout", &self.state.options.timeout.map(|(d, _)| d))
            .finish()
    }
}

/// Spawns a named child: made by [`TaskGroup::child`].
#[must_use = "a ChildBuilder spawns nothing until `spawn` or `spawn_task` is called"]
pub struct ChildBuilder<'g, 'a, E> {
    group: &'g TaskGroup<'a, E>,
    name: Arc<str>,
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

pin_project_lite::pin_project! {
    /// The future the driver runs for a local (or deferred task) child: it
    /// hands the value to the handle and reports only errors (or,
    /// supervising, nothing). A combinator, not an async block: an async
    /// block would store the child's future twice. The guard is dropped
    /// after the child's future when the child is cancelled.
    pub(crate) struct Wrapped<F, T, E> {
        #[pin]
        fut: F,
        // Whether the error goes to the handle is the cell's to say: it
        // has a sink exactly when the group supervises.
        guard: Option<CompletionGuard<T, E>>,
    }
}

impl<F, T, E> Future for Wrapped<F, T, E>
where
    F: Future<Output = Result<T, E>>,
{
    type Output = Result<(), Failure<E>>;

    #[inline]
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Failure<E>>> {
        let this = self.project();
        let out = std::task::ready!(this.fut.poll(cx));
        let Some(guard) = this.guard.take() else {
            unreachable!("taskgroup: a child polled after it completed")
        };
        let shared = guard.disarm();
        std::task::Poll::Ready(match out {
            Ok(v) => {
                shared.complete(Ok(v));
                Ok(())
            }
            Err(e) if shared.error_to_handle() => {
                // The error belongs to the handle; the cell hands it to
                // the group's supervisor if the handle is gone.
                shared.complete(Err(e));
                Ok(())
            }
            Err(e) => {
                #[cfg(feature = "tracing")]
                tracing::debug!("child failed");
                shared.fail();
                Err(Failure {
                    error: e,
                    child: shared.name_arc(),
                })
            }
        })
    }
}

/// A child is named by its result cell's key while it runs.
impl<F, T, E> KeyedFuture<E> for Wrapped<F, T, E>
where
    F: Future<Output = Result<T, E>> + Send,
    T: Send,
    E: Send,
{
    fn key(&self) -> usize {
        self.guard.as_ref().map_or(0, CompletionGuard::key)
    }
}
