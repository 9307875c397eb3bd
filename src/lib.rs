#![doc = include_str!("../docs/guide.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use taskgroup_core::*;
pub use taskgroup_macros::*;

#[doc = include_str!("../docs/concurrent.md")]
pub use taskgroup_macros::concurrent;

/// Paths used by the code the macros generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use ::core;
    pub use ::std;
    pub use ::tokio;
    pub use taskgroup_core::macro_support::*;
    pub use taskgroup_macros::taskgroup_impl;
}

/// Runs a block of branches concurrently as one task group and evaluates to
/// their values (awaited in place, like `tokio::try_join!`).
///
/// ```
/// use taskgroup::{ErrorGroup, taskgroup};
///
/// async fn fetch_user(id: u32) -> Result<String, std::io::Error> { Ok(format!("user{id}")) }
/// async fn fetch_posts(id: u32) -> Result<Vec<String>, std::io::Error> { Ok(vec![format!("post by {id}")]) }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ErrorGroup<std::io::Error>> {
/// let id = 7;
/// let (user, posts) = taskgroup! {
///     let user = fetch_user(id)?;
///     let posts = fetch_posts(id)?;
/// }?;
/// assert_eq!(user, "user7");
/// assert_eq!(posts.len(), 1);
/// # Ok(()) }
/// ```
///
/// The basic form behaves like this hand-written [`TaskGroup`] code (the
/// real expansion pins the branches on the caller's stack instead, with no
/// allocation per branch; `examples/taskgroup-expanded.rs` shows it):
///
/// ```
/// # use taskgroup::{ErrorGroup, TaskGroup};
/// # async fn fetch_user(id: u32) -> Result<String, std::io::Error> { Ok(format!("user{id}")) }
/// # async fn fetch_posts(id: u32) -> Result<Vec<String>, std::io::Error> { Ok(vec![]) }
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ErrorGroup<std::io::Error>> {
/// # let id = 7;
/// let tg = TaskGroup::new();
/// let (user, posts) = tg
///     .run(async {
///         let user = tg.spawn(fetch_user(id));
///         let posts = tg.spawn(fetch_posts(id));
///         Ok((user.await, posts.await))
///     })
///     .await?;
/// # assert_eq!(user, "user7"); let _ = posts;
/// # Ok(()) }
/// ```
///
/// # Branches
///
/// A branch is `let PAT = FUTURE;` (infallible: the future yields `T`) or
/// `let PAT = FUTURE?;` (fallible: it yields `Result<T, E>`). Write the
/// future without `.await`; the macro awaits it. All branches run
/// concurrently, polled inside the caller's own future, so they may borrow
/// the caller's locals.
///
/// Each branch's future expression is evaluated once, before that branch
/// is first polled: for a plain `let x = fetch(id)?;` when the group starts
/// (in order with the other plain branches), for the others (a branch that
/// uses an earlier binding, a `#[spawn]` branch, any branch of a group with
/// `limit`, ...) when the branch first runs. Making the future of an
/// `async fn` runs nothing, so this only shows for futures whose
/// constructor itself does work; do not rely on the order between them.
///
/// The value is the tail expression if there is one, else the tuple of the
/// branches' values in order (one element per branch; the value itself when
/// there is one branch). The macro yields `Result<value, ErrorGroup<E>>`,
/// or the plain value when nothing can fail: no `?` branch, no `timeout`,
/// no `error =`.
///
/// ```
/// use taskgroup::taskgroup;
///
/// async fn double(n: u32) -> u32 { n * 2 }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (a, b) = taskgroup! {        // infallible: a plain tuple
///     let a = double(1);
///     let b = double(2);
/// };
/// assert_eq!((a, b), (2, 4));
///
/// let sum = taskgroup! {           // a tail expression sees owned values
///     let a = double(1);
///     let b = double(2);
///     a + b
/// };
/// assert_eq!(sum, 6);
/// # }
/// ```
///
/// # Dependencies
///
/// A branch that names an earlier binding depends on it: it starts the
/// moment that binding's branch has finished (not when a whole "stage"
/// has), and sees the binding by shared reference. Only free uses count: a
/// field or method name, a path like `user::X`, or a name the branch binds
/// itself (a `let`, a closure parameter, a pattern) is not a use.
///
/// ```
/// use taskgroup::taskgroup;
///
/// async fn load_config() -> Result<String, String> { Ok("dark".into()) }
/// async fn render(theme: &str) -> Result<String, String> { Ok(format!("<{theme}>")) }
/// async fn count_rows() -> u64 { 42 }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let page = taskgroup! {
///     let cfg = load_config()?;
///     let rows = count_rows();      // runs alongside `cfg`
///     let page = render(cfg)?;      // `cfg: &String`, starts as soon as it is set
///     format!("{page} {rows}")      // the tail owns `page` and `rows`
/// };
/// assert_eq!(page.unwrap(), "<dark> 42");
/// # }
/// ```
///
/// # Fan-out and `#[spawn]`
///
/// `let v = for PAT in ITER { FUTURE? };` runs one child per item and binds
/// the `Vec` of their values in input order. `limit = N;` lets at most `N`
/// items of each fan-out run at once, and at most `N` branches (started in
/// order, so a branch never waits for one that cannot start). `#[spawn]`
/// runs a branch as a tokio
/// task (its future must be `Send + 'static`); on a `for` branch it spawns
/// one task per item. Cancelled tasks are aborted and awaited.
///
/// If the runtime shuts down (it is dropped, or `shutdown_background` is
/// called) under a running group, tokio drops its tasks unfinished: such a
/// task has no value and no error to give, so the group cannot complete.
/// The group treats it as a panic of that branch: it cancels the other
/// branches, waits for them, then panics with "taskgroup: a task child was
/// dropped by its runtime before it finished (the runtime is shutting
/// down); the group cannot complete". It never waits for such a task.
///
/// ```
/// use taskgroup::taskgroup;
///
/// async fn fetch(url: &str) -> Result<usize, std::io::Error> { Ok(url.len()) }
/// async fn hash(data: Vec<u8>) -> Result<u64, std::io::Error> { Ok(data.len() as u64) }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let urls = ["a", "bb", "ccc"];
/// let data = vec![0u8; 16];
/// let (sizes, digest) = taskgroup! {
///     limit = 2;
///     let sizes = for url in urls { fetch(url)? };
///     #[spawn] let digest = hash(data)?;
/// }
/// .unwrap();
/// assert_eq!(sizes, [1, 2, 3]);
/// assert_eq!(digest, 16);
/// # }
/// ```
///
/// # Options
///
/// Options come first, each once: `timeout = DURATION;` (deadline for the
/// whole group; on expiry every branch is cancelled and the group fails
/// with [`TimedOut`] converted by `From`), `cancel = FUTURE;` (the group is
/// cancelled when the future completes, as on a timeout, and fails with
/// [`Cancelled`] converted by `From`: a `CancellationToken`'s
/// `cancelled_owned()`, `tokio::signal::ctrl_c()`, a oneshot receiver;
/// `#[concurrent(cancel = …)]` does the same for a whole fn),
/// `limit = N;`, `error = TYPE;`
/// (the group's error type; branch errors go through `From`), `name = "…";`
/// (the name of the group's span with the `tracing` feature) and
/// `mode = supervise;` / `mode = race;` (default: fail-fast).
/// Without `error =`, all fallible branches share one error type, as with
/// `try_join!`.
///
/// The example runs on tokio's paused clock (`start_paused = true`), which
/// needs tokio's `test-util` feature (a dev-dependency of this crate).
///
/// ```
/// use std::time::Duration;
/// use taskgroup::{TimedOut, taskgroup};
///
/// #[derive(Debug, PartialEq)]
/// enum AppError { Io, Timeout }
/// impl From<std::io::Error> for AppError { fn from(_: std::io::Error) -> Self { AppError::Io } }
/// impl From<TimedOut> for AppError { fn from(_: TimedOut) -> Self { AppError::Timeout } }
///
/// async fn slow() -> Result<u8, std::io::Error> {
///     tokio::time::sleep(Duration::from_secs(60)).await;
///     Ok(1)
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// let r = taskgroup! {
///     timeout = Duration::from_secs(1);
///     error = AppError;
///     name = "slow work";
///     let a = slow()?;
/// };
/// assert_eq!(r.unwrap_err().into_vec(), [AppError::Timeout]);
/// # }
/// ```
///
/// With `mode = supervise;` nothing is cancelled on error: every branch
/// runs to its end and each fallible binding is that branch's `Result`
/// (the group itself fails only by `timeout`). With `mode = race;` the
/// branches have one type, the first success is the value and cancels the
/// rest, and the group fails only when every branch failed.
///
/// ```
/// use taskgroup::taskgroup;
///
/// async fn primary() -> Result<&'static str, String> { Err("down".into()) }
/// async fn mirror() -> Result<&'static str, String> { Ok("mirror") }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let (p, m) = taskgroup! {
///     mode = supervise;
///     let p = primary()?;
///     let m = mirror()?;
/// };
/// assert_eq!((p, m), (Err("down".to_string()), Ok("mirror")));
///
/// let fastest = taskgroup! {
///     mode = race;
///     let p = primary()?;
///     let m = mirror()?;
/// };
/// assert_eq!(fastest.unwrap(), "mirror");
/// # }
/// ```
///
/// # Failure, panics and cancellation
///
/// The first error cancels the other branches (dropped in place; `#[spawn]`
/// tasks aborted and awaited). Every error that happens, including those
/// returned while cancelling, ends up in the [`ErrorGroup`] in order. A
/// panic cancels the siblings, then resumes with its original payload.
/// Dropping the macro's future drops every branch and aborts its tasks.
///
/// # `except*` arms
///
/// After the branches and the tail, `except* PATTERN [as NAME] [if GUARD]
/// => EXPR,` arms handle a failed group as PEP 654 does: the group is split
/// in arm order, each error (leaf) going to the first arm whose pattern
/// (and guard, evaluated per leaf with the pattern's bindings) matches;
/// every arm that received leaves runs once, in order, with its
/// sub-[`ErrorGroup`] bound to `NAME`. Arms evaluate to the group's value
/// type or diverge. If leaves remain unmatched the result is `Err(rest)`,
/// else `Ok` of the first arm that ran. For boxed errors
/// (`Box<dyn Error + Send + Sync>`, `anyhow::Error`),
/// `except* type T [as NAME] => EXPR,` matches leaves whose concrete type
/// is `T` (by `downcast_ref::<T>()`).
///
/// ```
/// use taskgroup::taskgroup;
///
/// #[derive(Debug, PartialEq)]
/// enum FetchError { Http(u16), Gone }
///
/// async fn fetch(code: u16) -> Result<String, FetchError> {
///     if code == 410 { Err(FetchError::Gone) } else { Err(FetchError::Http(code)) }
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let page = taskgroup! {
///     let page = fetch(503)?;
///     except* FetchError::Http(code) if *code >= 500 => "try later".to_string(),
///     except* FetchError::Gone as eg => format!("{} gone", eg.len()),
/// };
/// assert_eq!(page.unwrap(), "try later");
///
/// type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// async fn read() -> Result<u8, std::io::Error> { Err(std::io::Error::other("disk")) }
/// let n = taskgroup! {
///     error = BoxError;
///     let n = read()?;
///     except* type std::io::Error => 0,
/// };
/// assert_eq!(n.unwrap(), 0);
/// # }
/// ```
///
/// ## Partial results, and the names a pattern binds
///
/// Inside an arm every branch binding is in scope as an `Option<T>`: `Some`
/// if that branch (a `#[spawn]` branch's task too) finished with its value
/// before the group stopped, `None` if it failed, was cancelled or never
/// started. A `for` binding is a `Vec<Option<T>>` in input order, one entry
/// per item, `Some` for each item that finished (empty if the fan-out never
/// started: it waited for a binding that failed). A binding that other
/// branches borrowed is still there. A binding declared `mut` is `mut`
/// here too. Only the bindings the arms use are taken out, and the arms
/// are plain code run one after the other: an arm that moves a binding
/// leaves it moved for the arms below it. A race's
/// arms run only when every contestant failed, so they see no binding.
///
/// The names an arm's pattern binds are in scope in its body, bound from
/// the first leaf the arm received, by reference, exactly as its guard
/// sees them: in `except* E::Http(status) as eg => …`, `status` is a
/// `&u16` into `eg.first()`. A `type` arm binds no names; name its
/// subgroup with `as NAME` and use `downcast_ref`.
///
/// The seed example of Python's `TaskGroup`, and the same with
/// `taskgroup!`:
///
/// ```text
/// async def fetch_all(urls):
///     results = []
///     try:
///         async with asyncio.TaskGroup() as tg:
///             for url in urls:
///                 results.append(tg.create_task(fetch_url(url)))
///     except* HTTPStatusError as eg:
///         for exc in eg.exceptions:
///             print(f"HTTP error: {exc}")
///     return [t.result() for t in results if not t.cancelled()]
/// ```
///
/// ```
/// use std::time::Duration;
/// use taskgroup::{ErrorGroup, taskgroup};
///
/// #[derive(Debug)]
/// enum FetchError { Http(u16) }
///
/// async fn fetch_url(url: &str) -> Result<String, FetchError> {
///     tokio::time::sleep(Duration::from_millis(url.len() as u64)).await;
///     match url.strip_prefix("/status/") {
///         Some(code) => Err(FetchError::Http(code.parse().unwrap())),
///         None => Ok(format!("page {url}")),
///     }
/// }
///
/// async fn fetch_all(urls: &[&str]) -> Result<Vec<String>, ErrorGroup<FetchError>> {
///     taskgroup! {
///         let pages = for url in urls { fetch_url(url)? };
///         pages
///         except* FetchError::Http(status) as eg => {
///             println!("HTTP error {status}, {} in all", eg.len());
///             pages.into_iter().flatten().collect()   // the pages that did arrive
///         },
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
/// // `/status/404` fails at 11 ms: `/a` (2 ms) had arrived, `/slow/page` (10 ms)
/// // too, `/much/slower/page` (17 ms) was cancelled.
/// let pages = fetch_all(&["/a", "/status/404", "/much/slower/page", "/slow/page"]).await;
/// assert_eq!(pages.unwrap(), ["page /a", "page /slow/page"]);
/// # }
/// ```
///
/// `None` stands for a failed and for a cancelled child alike, so
/// `flatten()` is the seed's filter (whose `t.result()` would raise again
/// the error of a child that failed). The arm's value is the group's
/// value: no `return` is needed, though it may `return`, `?` or `break`
/// as written in place (below).
///
/// # The caller's context
///
/// The tail and the arm bodies run inline in the caller's block after the
/// branches have finished, so `return`, `?`, `break` and assignments to the
/// caller's locals behave as if written there. The branches' futures run
/// inside the group: a `return` there returns from the branch.
///
/// ```
/// use taskgroup::taskgroup;
///
/// async fn get(n: u8) -> Result<u8, String> { if n > 1 { Err("too big".into()) } else { Ok(n) } }
///
/// async fn first_ok() -> Result<u8, String> {
///     let mut tries = 0;
///     for n in 0..3 {
///         let round = taskgroup! {
///             let v = get(n)?;
///             {
///                 tries += 1;
///                 if v == 1 { return Ok(tries); }   // returns from `first_ok`
///             }
///             except* _ as eg => return Err(eg.first().clone()),
///         };
///         round.map_err(|rest| rest.to_string())?;
///     }
///     Ok(0)
/// }
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// assert_eq!(first_ok().await, Ok(2));
/// # }
/// ```
///
/// Misuse (an unknown or repeated option, a branch that is not a `let`,
/// `.await` or an inner `?` in a branch, a binding used before its branch,
/// a name bound twice, misplaced arms, an empty group…) is a compile error
/// on the offending tokens that says what to write instead.
#[macro_export]
macro_rules! taskgroup {
    ($($tt:tt)*) => {
        $crate::__private::taskgroup_impl! { ($crate) $($tt)* }
    };
}
