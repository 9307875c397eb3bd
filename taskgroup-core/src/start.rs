//! `TaskGroup::start`: Trio's `nursery.start`. The caller waits until the
//! child says it is ready (a server bound its socket) and gets the value it
//! sent (the address), while the child goes on running in the group.

use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::{Poll, Waker};

use crate::group::TaskGroup;
use crate::util::lock;

/// The message of the panic for a child of `start` that returned `Ok`
/// without calling [`Ready::send`].
pub(crate) const NEVER_READY: &str = "taskgroup: a child started with `TaskGroup::start` returned \
                                      without calling `ready.send(value)`; call it once the child \
                                      is ready, before it returns";

/// The message of the panic for a child of `start` in a supervise group
/// that failed before it was ready.
const FAILED_BEFORE_READY: &str = "taskgroup: a child started with `TaskGroup::start` failed \
                                   before it was ready, in a supervise group (whose children's \
                                   errors do not fail the group); handle the error inside the \
                                   child, or start it in a fail-fast group";

enum State<V> {
    Waiting(Option<Waker>),
    Sent(V),
    Taken,
}

/// Tells [`TaskGroup::start`] that its child is ready, with a value (an
/// address, a handle to the started service): given to the child by
/// `start`. Trio's `task_status.started(value)`.
pub struct Ready<V> {
    state: Arc<Mutex<State<V>>>,
}

impl<V> Ready<V> {
    /// The child is ready: `start` resolves to `value`, and the child goes
    /// on running in its group.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::<()>::new();
    /// tg.run(async {
    ///     let port = tg.start(|ready| async move {
    ///         ready.send(8080_u16);
    ///         Ok(())
    ///     }).await;
    ///     assert_eq!(port, 8080);
    ///     Ok(())
    /// }).await.unwrap();
    /// # }
    /// ```
    pub fn send(self, value: V) {
        let waker = match std::mem::replace(&mut *lock(&self.state), State::Sent(value)) {
            State::Waiting(waker) => waker,
            State::Sent(_) | State::Taken => None,
        };
        if let Some(w) = waker {
            w.wake();
        }
    }
}

impl<V> fmt::Debug for Ready<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ready").finish_non_exhaustive()
    }
}

impl<'a, E> TaskGroup<'a, E> {
    /// Starts a child and waits until it is ready: Trio's `nursery.start`.
    /// `f` gets a [`Ready`]; once the child calls `ready.send(value)`, this
    /// resolves to `value`, and the child goes on running in the group (a
    /// server that has bound its listener, sending its address).
    ///
    /// A child that fails before it is ready fails the group as any child
    /// does (the caller is cancelled with the rest).
    ///
    /// # Panics
    /// When the child returns `Ok` without calling `ready.send` ("child
    /// exited without calling task_status.started()" in Trio); in a
    /// supervise group, when it fails before it is ready; and as
    /// [`spawn`](Self::spawn) does.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    /// use tokio::net::TcpListener;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> std::io::Result<()> {
    /// let tg = TaskGroup::<std::io::Error>::new();
    /// tg.run(async {
    ///     let addr = tg.start(|ready| async move {
    ///         let listener = TcpListener::bind("127.0.0.1:0").await?;
    ///         ready.send(listener.local_addr()?);
    ///         let (_socket, _) = listener.accept().await?; // serve one client
    ///         Ok(())
    ///     }).await;
    ///     tokio::net::TcpStream::connect(addr).await?;      // the server is listening
    ///     Ok(())
    /// }).await.map_err(|e| e.into_vec().remove(0))?;
    /// # Ok(()) }
    /// ```
    pub async fn start<F, Fut, V>(&self, f: F) -> V
    where
        F: FnOnce(Ready<V>) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'a,
        E: Send + 'a,
    {
        let (ready, state) = ready();
        wait_ready(&state, self.spawn(f(ready)).result()).await
    }

    /// [`start`](Self::start) for a task child: the child runs as a tokio
    /// task ([`spawn_task`](Self::spawn_task)), so it and its value are
    /// `Send + 'static`.
    ///
    /// # Panics
    /// As [`start`](Self::start), and outside a tokio runtime.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main] async fn main() {
    /// let tg = TaskGroup::<()>::new();
    /// let v = tg.run(async {
    ///     let answer = tg.start_task(|ready| async move {
    ///         ready.send(42);
    ///         Ok(())
    ///     }).await;
    ///     Ok(answer)
    /// }).await;
    /// assert_eq!(v, Ok(42));
    /// # }
    /// ```
    pub async fn start_task<F, Fut, V>(&self, f: F) -> V
    where
        F: FnOnce(Ready<V>) -> Fut,
        Fut: Future<Output = Result<(), E>> + Send + 'static,
        E: Send + 'static,
    {
        let (ready, state) = ready();
        wait_ready(&state, self.spawn_task(f(ready)).result()).await
    }
}

/// A child's [`Ready`], and the state its `start` waits on.
fn ready<V>() -> (Ready<V>, Arc<Mutex<State<V>>>) {
    let state = Arc::new(Mutex::new(State::Waiting(None)));
    let ready = Ready {
        state: Arc::clone(&state),
    };
    (ready, state)
}

/// Waits until the child sends its value, or ends without (`ended`, its
/// handle's `result()`).
async fn wait_ready<V, E>(
    state: &Mutex<State<V>>,
    ended: impl Future<Output = Result<(), E>>,
) -> V {
    let mut ended = pin!(ended);
    poll_fn(|cx| {
        {
            let mut st = lock(state);
            match &mut *st {
                State::Sent(_) => match std::mem::replace(&mut *st, State::Taken) {
                    State::Sent(v) => return Poll::Ready(v),
                    _ => unreachable!(),
                },
                State::Waiting(w) => *w = Some(cx.waker().clone()),
                State::Taken => unreachable!("taskgroup: `start` polled after it returned"),
            }
        }
        // Ended before it was ready: with `Ok`, a mistake of the child;
        // with an error that came to the handle, a supervise group. An
        // error that went to the group never comes here: the group is
        // cancelling this caller.
        match ended.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Ok(())) => panic!("{NEVER_READY}"),
            Poll::Ready(Err(_)) => panic!("{FAILED_BEFORE_READY}"),
        }
    })
    .await
}
