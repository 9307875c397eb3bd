//! `Race`: the first success wins.

use std::fmt;
use std::future::Future;
use std::panic::resume_unwind;
use std::sync::{Arc, Mutex};

use crate::cancel::Canceller;
use crate::driver::{RunEnd, run_until};
use crate::error::{Cancelled, ErrorGroup};
use crate::group::TaskGroup;
use crate::options::{Builder, Options};
use crate::policy::Mode;
use crate::util::lock;

/// A group of contestants of one type: the first to succeed wins and the
/// others are cancelled (Java's `anySuccessfulResultOrThrow`, a happy-eyeballs
/// connect). Errors do not cancel anything; the race fails only when every
/// contestant failed, with every error in order.
///
/// Build it with [`Builder::build_race`] (for a timeout or a limit) or
/// [`Race::new`]; spawn contestants from the body given to
/// [`run`](Race::run).
///
/// ```
/// use std::time::Duration;
/// use taskgroup::Race;
///
/// async fn mirror(name: &'static str, delay: u64) -> Result<&'static str, std::io::Error> {
///     tokio::time::sleep(Duration::from_millis(delay)).await;
///     Ok(name)
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let race = Race::new();
/// let winner = race.run(async {
///     race.spawn(mirror("slow", 300));
///     race.spawn(mirror("fast", 10));
///     Ok(())
/// }).await.unwrap();
/// assert_eq!(winner, "fast");
/// # }
/// ```
pub struct Race<'a, T, E> {
    group: TaskGroup<'a, E>,
    winner: Arc<Mutex<Option<T>>>,
}

impl<T, E> Default for Race<'_, T, E> {
    fn default() -> Self {
        Self::with_options(Options::default())
    }
}

impl<T, E> fmt::Debug for Race<'_, T, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Race").field("group", &self.group).finish()
    }
}

impl<'a, T, E> Race<'a, T, E> {
    /// A race with no timeout and no limit.
    ///
    /// ```
    /// let race = taskgroup::Race::<u32, ()>::new();
    /// # drop(race);
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// A [`Builder`]; finish it with [`Builder::build_race`].
    ///
    /// ```
    /// let race = taskgroup::Race::<u32, ()>::builder().limit(2).build_race::<u32>();
    /// # drop(race);
    /// ```
    pub fn builder() -> Builder<E> {
        Builder::new()
    }

    pub(crate) fn with_options(mut options: Options<E>) -> Self {
        options.mode = Mode::Race;
        Race {
            group: TaskGroup::with_options(options),
            winner: Arc::new(Mutex::new(None)),
        }
    }

    /// Adds a contestant polled inside `run`'s future (it may borrow).
    ///
    /// # Panics
    /// When called before `run` started or after it finished.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let race = taskgroup::Race::new();
    /// let v = race.run(async {
    ///     race.spawn(async { Err::<u8, _>("down") });
    ///     race.spawn(async { Ok(8) });
    ///     Ok(())
    /// }).await;
    /// assert_eq!(v, Ok(8));
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'a,
        T: Send + 'a,
        E: Send + 'a,
    {
        self.group.spawn(contestant(Arc::clone(&self.winner), fut));
    }

    /// Adds a contestant that runs as a tokio task.
    ///
    /// # Panics
    /// When called before `run` started or after it finished.
    ///
    /// ```
    /// # #[tokio::main] async fn main() {
    /// let race = taskgroup::Race::<u8, ()>::new();
    /// let v = race.run(async { race.spawn_task(async { Ok(1) }); Ok(()) }).await;
    /// assert_eq!(v, Ok(1));
    /// # }
    /// ```
    #[track_caller]
    pub fn spawn_task<F>(&self, fut: F)
    where
        F: Future<Output = Result<T, E>> + Send + 'static,
        T: Send + 'static,
        E: Send + 'static,
    {
        self.group
            .spawn_task(contestant(Arc::clone(&self.winner), fut));
    }

    /// Cancels the race on purpose, as [`TaskGroup::cancel`] does: every
    /// contestant stops and `run` returns `Err` with the errors so far,
    /// then [`Cancelled`] converted into `E`.
    ///
    /// ```
    /// use taskgroup::{Cancelled, Race};
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let race = Race::<u8, Cancelled>::new();
    /// let err = race.run(async {
    ///     race.spawn(std::future::pending());
    ///     race.cancel();
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.into_vec(), [Cancelled::new()]);
    /// # }
    /// ```
    pub fn cancel(&self)
    where
        E: From<Cancelled>,
    {
        self.group.cancel();
    }

    /// A [`Canceller`] of the race, as [`TaskGroup::canceller`].
    ///
    /// ```
    /// let race = taskgroup::Race::<u8, taskgroup::Cancelled>::new();
    /// let c = race.canceller();
    /// c.cancel();
    /// ```
    pub fn canceller(&self) -> Canceller
    where
        E: From<Cancelled>,
    {
        self.group.canceller()
    }

    /// Runs `body` (which spawns the contestants) and resolves to the first
    /// success, or to every error when all contestants failed. An error of
    /// the body itself, or the timeout, cancels the race.
    ///
    /// # Panics
    /// When called twice, when the race ends without any contestant, and
    /// with the original payload when a contestant panicked.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let race = taskgroup::Race::<u8, _>::new();
    /// let err = race.run(async {
    ///     race.spawn(async { Err("a") });
    ///     race.spawn(async { Err("b") });
    ///     Ok(())
    /// }).await.unwrap_err();
    /// assert_eq!(err.into_vec(), ["a", "b"]);
    /// # }
    /// ```
    pub async fn run<B>(&self, body: B) -> Result<T, ErrorGroup<E>>
    where
        B: Future<Output = Result<(), E>>,
    {
        match run_until(&self.group.state, body).await {
            RunEnd::Won => Ok(lock(&self.winner)
                .take()
                .expect("a race that was won has its winner")),
            RunEnd::Failed(errors) => Err(errors),
            RunEnd::Panicked(payload) => resume_unwind(payload),
            RunEnd::Value(()) | RunEnd::Empty => panic!(
                "taskgroup: a race ended with no contestant; spawn at least one with \
                 `Race::spawn` from the body passed to `Race::run`"
            ),
        }
    }
}

impl<E> Builder<E> {
    /// Makes a [`Race`] instead: a group of contestants of one type whose
    /// first success wins and cancels the others (Java's
    /// `anySuccessfulResultOrThrow`). The race fails only when every
    /// contestant failed, with every error. The mode set with
    /// [`mode`](Builder::mode) does not apply to a race.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let race = taskgroup::TaskGroup::<std::io::Error>::builder()
    ///     .timeout(Duration::from_secs(2))
    ///     .build_race::<String>();
    /// # drop(race);
    /// ```
    #[track_caller]
    pub fn build_race<'a, T>(self) -> Race<'a, T, E> {
        self.options.check_on_error();
        Race::with_options(self.options)
    }
}

/// A contestant as the group runs it: its value goes to the winner slot if
/// the slot is still empty.
async fn contestant<T, E>(
    winner: Arc<Mutex<Option<T>>>,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<(), E> {
    let v = fut.await?;
    let mut slot = lock(&winner);
    if slot.is_none() {
        *slot = Some(v);
    } else {
        // A loser's value (say, a connection) is dropped outside the lock,
        // so a slow drop cannot hold up the others.
        drop(slot);
        drop(v);
    }
    Ok(())
}
