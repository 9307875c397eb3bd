//! `Race`: the first success wins.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::panic::{Location, resume_unwind};
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

    /// A [`Builder`] that knows the race's value type; finish it with
    /// [`Builder::build_race`], which needs no type again. Write the types
    /// once, or let the contestants give them:
    ///
    /// ```
    /// use taskgroup::Race;
    ///
    /// let typed = Race::<u32, ()>::builder().limit(2).build_race();
    /// # drop(typed);
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let race = Race::builder().limit(2).build_race();
    /// let v = race.run(async { race.spawn(async { Ok::<u8, ()>(7) }); Ok(()) }).await;
    /// assert_eq!(v, Ok(7));
    /// # }
    /// ```
    pub fn builder() -> Builder<E, RaceOf<T>> {
        Builder::default()
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
    /// At the call, when called a second time; when the race ends without
    /// any contestant (the message names the line that called `run`); and
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
    #[track_caller]
    pub fn run<B>(&self, body: B) -> impl Future<Output = Result<T, ErrorGroup<E>>>
    where
        B: Future<Output = Result<(), E>>,
    {
        self.group.state.claim_run();
        // Known only once the body has ended, inside the future: a panic
        // there cannot carry the caller's location, so its message does.
        let called = Location::caller();
        async move {
            match run_until(&self.group.state, body).await {
                RunEnd::Won => Ok(lock(&self.winner)
                    .take()
                    .expect("a race that was won has its winner")),
                RunEnd::Failed(errors) => Err(errors),
                RunEnd::Panicked(payload) => resume_unwind(payload),
                RunEnd::Value(()) | RunEnd::Empty => panic!(
                    "taskgroup: the race run at {called} ended with no contestant; spawn at \
                     least one with `Race::spawn` from the body passed to `Race::run`"
                ),
            }
        }
    }
}

/// The value type `T` of a race, as a [`Builder`] made by
/// [`Race::builder`] carries it, so that [`Builder::build_race`] needs no
/// type again.
///
/// ```
/// let builder: taskgroup::Builder<(), taskgroup::RaceOf<u32>> = taskgroup::Race::builder();
/// let race = builder.build_race();
/// # let _: &taskgroup::Race<'_, u32, ()> = &race;
/// ```
pub struct RaceOf<T>(PhantomData<fn() -> T>);

impl<T> fmt::Debug for RaceOf<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RaceOf")
    }
}

/// What a [`Builder`] knows of a race's value type `T`: nothing (`()`, a
/// builder of any group, whose `build_race` takes any `T`), or `T` itself
/// ([`RaceOf<T>`]). Sealed: implemented only by these two.
pub trait BuildsRace<T>: sealed::Sealed {}

impl<T> BuildsRace<T> for () {}
impl<T> BuildsRace<T> for RaceOf<T> {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for () {}
    impl<T> Sealed for super::RaceOf<T> {}
}

impl<E, R> Builder<E, R> {
    /// Makes a [`Race`] instead: a group of contestants of one type whose
    /// first success wins and cancels the others (Java's
    /// `anySuccessfulResultOrThrow`). The race fails only when every
    /// contestant failed, with every error. The mode set with
    /// [`mode`](Builder::mode) does not apply to a race.
    ///
    /// From any group's builder, `build_race` takes the value type (or
    /// the contestants give it); from [`Race::builder`], which knows it,
    /// it takes none.
    ///
    /// ```
    /// # use std::time::Duration;
    /// let race = taskgroup::TaskGroup::<std::io::Error>::builder()
    ///     .timeout(Duration::from_secs(2))
    ///     .build_race::<String>();
    /// # drop(race);
    /// let race = taskgroup::Race::<String, std::io::Error>::builder().limit(3).build_race();
    /// # drop(race);
    /// ```
    #[track_caller]
    pub fn build_race<'a, T>(self) -> Race<'a, T, E>
    where
        R: BuildsRace<T>,
    {
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
