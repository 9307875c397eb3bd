//! Helpers shared by the `taskgroup!` behaviour tests.

/// Sends when dropped: releases a blocked task once a branch has finished.
pub(crate) struct SendOnDrop(std::sync::mpsc::Sender<()>);

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Two failing futures whose errors happen in a known order: `local`
/// fails once `task` is running and stuck in blocking code, where the
/// group's abort cannot stop it; `task` is released by `local`'s end and
/// returns its error while the group is cancelling.
pub(crate) fn failing_pair<E: Send + 'static>(
    first: E,
    second: E,
) -> (
    impl Future<Output = Result<u8, E>> + Send + 'static,
    impl Future<Output = Result<u8, E>>,
) {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let task = async move {
        let _ = started_tx.send(());
        let _ = release_rx.recv();
        Err(second)
    };
    let local = async move {
        let _release = SendOnDrop(release_tx);
        let _ = started_rx.await;
        Err(first)
    };
    (task, local)
}

/// What a group whose task child was lost panics with.
pub(crate) const LOST: &str = "taskgroup: a task child was dropped by its runtime before it finished \
                    (the runtime is shutting down); the group cannot complete";

/// The message of a panic payload (`&str` or `String`).
pub(crate) fn payload_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        panic!("payload is neither &str nor String")
    }
}

/// Drives `group` with `Handle::block_on` on a plain thread; once its task
/// child says it started, shuts the runtime down from this thread with
/// `shutdown`. Returns the message of the panic the group's thread ended
/// with. A watchdog: a group that waits forever fails the test ("hung")
/// after 20 s instead of hanging it.
pub(crate) fn panic_after_runtime_shutdown<G, F>(
    group: G,
    shutdown: fn(tokio::runtime::Runtime),
) -> String
where
    G: FnOnce(std::sync::mpsc::Sender<()>) -> F + Send + 'static,
    F: std::future::Future<Output = String>,
{
    let limit = std::time::Duration::from_secs(20);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let handle = rt.handle().clone();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let (done_tx, done_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            handle.block_on(group(started_tx))
        }));
        let _ = done_tx.send(out.map_err(|payload| payload_message(&*payload)));
    });
    started_rx
        .recv_timeout(limit)
        .expect("the task child never started");
    shutdown(rt);
    match done_rx.recv_timeout(limit) {
        Ok(Err(message)) => message,
        Ok(Ok(out)) => panic!("the group ended without a panic: {out}"),
        Err(_) => panic!("hung: the group never ended after its runtime shut down"),
    }
}

/// Panics "first" in its poll; dropping it then panics "second" (unless the
/// thread is already unwinding, as a well-behaved drop guard checks).
pub(crate) struct PanicsTwice;

impl std::future::Future for PanicsTwice {
    type Output = Result<u32, String>;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        panic!("first")
    }
}

impl Drop for PanicsTwice {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("second")
        }
    }
}

/// Where a test leaves the sender that releases its blocked task child.
pub(crate) static RELEASE: std::sync::Mutex<Option<std::sync::mpsc::Sender<()>>> =
    std::sync::Mutex::new(None);

/// An error type whose `From<TimedOut>` releases the blocked task child
/// (through [`RELEASE`]), then panics: the group must resume that panic
/// only once the task child has ended.
#[derive(Debug)]
pub(crate) struct PanicsOnTimeout;

impl From<taskgroup::TimedOut> for PanicsOnTimeout {
    fn from(_: taskgroup::TimedOut) -> Self {
        if let Some(release) = RELEASE.lock().unwrap().take() {
            let _ = release.send(());
        }
        panic!("conversion panicked")
    }
}
