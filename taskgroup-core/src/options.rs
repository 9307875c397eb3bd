//! The group builder: timeout, limit, name, mode and `cancel_on`.

use std::fmt;
use std::marker::PhantomData;
use std::time::Duration;

use crate::error::{Cancelled, TimedOut};
use crate::policy::{Mode, check_limit};
use crate::supervisor::OnError;

/// A group's deadline and how it becomes the group's error.
pub(crate) type Deadline<E> = (Duration, fn(TimedOut) -> E);

pub(crate) struct Options<E> {
    pub(crate) timeout: Option<Deadline<E>>,
    pub(crate) limit: Option<usize>,
    pub(crate) name: Option<Box<str>>,
    pub(crate) mode: Mode,
    pub(crate) on_error: Option<OnError<E>>,
    pub(crate) cancel_on: Option<CancelOn<E>>,
}

/// The future that cancels a group when it completes (`cancel_on`), taken
/// out by `run`, and how `Cancelled` becomes the group's error.
pub(crate) struct CancelOn<E> {
    pub(crate) signal: std::sync::Mutex<Option<Signal>>,
    pub(crate) convert: fn(Cancelled) -> E,
}

/// A `cancel_on` future, boxed: polled by the driver like its timer.
pub(crate) type Signal = std::pin::Pin<Box<dyn Future<Output = ()> + Send>>;

impl<E> Default for Options<E> {
    fn default() -> Self {
        Options {
            timeout: None,
            limit: None,
            name: None,
            mode: Mode::FailFast,
            on_error: None,
            cancel_on: None,
        }
    }
}

impl<E> Options<E> {
    /// Only a supervise group has errors that no handle takes.
    #[track_caller]
    pub(crate) fn check_on_error(&self) {
        assert!(
            self.on_error.is_none() || self.mode == Mode::Supervise,
            "taskgroup: `on_error` handles the errors no handle takes, which only a \
             supervise group has (fail-fast and race groups return every error from \
             `run`): add `.supervise()`, or remove `.on_error(…)`"
        );
    }
}

impl<E> fmt::Debug for Options<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Options")
            .field("timeout", &self.timeout.map(|(d, _)| d))
            .field("limit", &self.limit)
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("on_error", &self.on_error.is_some())
            .field("cancel_on", &self.cancel_on.is_some())
            .finish()
    }
}

/// Configures a [`TaskGroup`](crate::TaskGroup): made by [`TaskGroup::builder`](crate::TaskGroup::builder).
///
/// ```
/// use std::time::Duration;
/// use taskgroup::{TaskGroup, TimedOut};
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let tg = TaskGroup::<TimedOut>::builder()
///     .timeout(Duration::from_secs(1))
///     .limit(2)
///     .name("crawler")
///     .build();
/// let err = tg
///     .run(async {
///         tokio::time::sleep(Duration::from_secs(5)).await;
///         Ok(())
///     })
///     .await
///     .unwrap_err();
/// assert_eq!(*err.first(), TimedOut::new());
/// # }
/// ```
///
/// `R` is `()` for a builder of any group, or [`RaceOf<T>`](crate::RaceOf)
/// for one made by [`Race::builder`](crate::Race::builder), which knows
/// the race's value type `T`.
pub struct Builder<E, R = ()> {
    pub(crate) options: Options<E>,
    pub(crate) race: PhantomData<R>,
}

impl<E, R> fmt::Debug for Builder<E, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.options.fmt(f)
    }
}

impl<E, R> Default for Builder<E, R> {
    fn default() -> Self {
        Builder {
            options: Options::default(),
            race: PhantomData,
        }
    }
}

impl<E> Builder<E> {
    /// A builder with the defaults: fail-fast, no timeout, no limit.
    ///
    /// ```
    /// let tg = taskgroup::Builder::<()>::new().build();
    /// # drop(tg);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }
}

impl<E, R> Builder<E, R> {
    /// A deadline for the whole group, counted from the first poll of
    /// [`run`](crate::TaskGroup::run). When it passes, every child and the body are
    /// cancelled and the group fails with [`TimedOut`], converted into `E`.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let tg = taskgroup::TaskGroup::<std::io::Error>::builder()
    ///     .timeout(Duration::from_millis(250))
    ///     .build();
    /// # drop(tg);
    /// ```
    pub fn timeout(mut self, timeout: Duration) -> Self
    where
        E: From<TimedOut>,
    {
        self.options.timeout = Some((timeout, <E as From<TimedOut>>::from));
        self
    }

    /// At most `limit` children run at once; the others wait and start in
    /// the order they were spawned. Spawning never blocks, so a child may
    /// spawn while the group is at its limit. A limit cannot deadlock: a
    /// running child (local or task) that awaits the handle of a child
    /// still waiting for a slot lends it its own — the awaited child starts
    /// at once, beyond the limit, while its awaiter is blocked. The body
    /// holds no slot: awaiting handles from the body keeps the limit.
    ///
    /// # Panics
    /// If `limit` is zero: such a group could never run a child.
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<()>::builder().limit(8).build();
    /// # drop(tg);
    /// ```
    #[track_caller]
    pub fn limit(mut self, limit: usize) -> Self {
        self.options.limit = Some(check_limit(limit));
        self
    }

    /// A name for the group, shown by `Debug` (and in tracing spans).
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<()>::builder().name("fetch").build();
    /// assert_eq!(tg.name(), Some("fetch"));
    /// ```
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.options.name = Some(name.into().into_boxed_str());
        self
    }

    /// Sets the [`Mode`].
    ///
    /// ```
    /// use taskgroup::{Mode, TaskGroup};
    /// let tg = TaskGroup::<()>::builder().mode(Mode::Supervise).build();
    /// assert_eq!(tg.mode(), Mode::Supervise);
    /// ```
    pub fn mode(mut self, mode: Mode) -> Self {
        self.options.mode = mode;
        self
    }

    /// Shorthand for `.mode(Mode::Supervise)`.
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<()>::builder().supervise().build();
    /// # drop(tg);
    /// ```
    pub fn supervise(self) -> Self {
        self.mode(Mode::Supervise)
    }

    /// A supervising group's error handler (Kotlin's
    /// `CoroutineExceptionHandler`): it receives, with the child's name,
    /// every error that no handle will take — the child's handle was
    /// dropped before the child failed, or was dropped holding an error
    /// nobody took with [`Handle::result`](crate::Handle::result). Without
    /// a handler those errors come back from `run` in its `ErrorGroup`, in
    /// order; with one, a long-lived supervising group (a server's
    /// connections) keeps nothing, so its memory stays flat. It runs where
    /// the error is handed over (the child's thread, or where the handle
    /// is dropped), so it should be quick and must not panic.
    ///
    /// Only a [`supervise`](Self::supervise) group has errors nobody takes:
    /// `build` panics when another mode has a handler.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let log = Arc::new(Mutex::new(Vec::new()));
    /// let sink = Arc::clone(&log);
    /// let tg = TaskGroup::builder()
    ///     .supervise()
    ///     .on_error(move |child, e: &str| sink.lock().unwrap().push(format!("{child:?}: {e}")))
    ///     .build();
    /// tg.run(async {
    ///     tg.child("conn-1").spawn(async { Err::<(), _>("reset") }); // handle dropped
    ///     Ok(())
    /// }).await.unwrap();
    /// assert_eq!(*log.lock().unwrap(), ["Some(\"conn-1\"): reset"]);
    /// # }
    /// ```
    pub fn on_error<F>(mut self, handler: F) -> Self
    where
        F: Fn(Option<&str>, E) + Send + Sync + 'static,
    {
        self.options.on_error = Some(std::sync::Arc::new(handler));
        self
    }

    /// Cancels the group when `signal` completes (whatever it resolves to),
    /// as [`TaskGroup::cancel`](crate::TaskGroup::cancel) would: every
    /// child and the body stop, and `run` returns `Err` ending with
    /// [`Cancelled`] converted into `E`. The group's counterpart of a
    /// cancel scope: a `CancellationToken`'s `cancelled_owned()`,
    /// `tokio::signal::ctrl_c()`, a oneshot receiver. The future is polled
    /// by `run` while the group runs, and dropped with it.
    ///
    /// ```
    /// use taskgroup::{Cancelled, TaskGroup};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    /// let tg = TaskGroup::<Cancelled>::builder().cancel_on(stopped).build();
    /// let err = tg.run(async {
    ///     tg.spawn(std::future::pending::<Result<(), _>>()); // a server, say
    ///     stop.send(()).unwrap();                          // shut it down
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.into_vec(), [Cancelled::new()]);
    /// # }
    /// ```
    pub fn cancel_on<F>(mut self, signal: F) -> Self
    where
        F: Future + Send + 'static,
        E: From<Cancelled>,
    {
        use futures_util::FutureExt;
        let signal: Signal = Box::pin(signal.map(drop));
        self.options.cancel_on = Some(CancelOn {
            signal: std::sync::Mutex::new(Some(signal)),
            convert: <E as From<Cancelled>>::from,
        });
        self
    }
}
