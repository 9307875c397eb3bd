//! Where a child leaves its result for its handle (`ResultCell`), and
//! what an await of a child that will never have a value does.

use std::sync::Arc;
use std::task::{Context, Poll, Waker};

// Loom's under `--cfg loom`: the hand-off from a child to its handle is
// model-checked (`loom_tests` below).
use crate::sync::{Mutex, lock};

use crate::cancel::CancelInbox;
use crate::supervisor::Supervisor;

/// What a child left for its handle.
enum ResultState<T, E> {
    /// The awaiter's waker, and whether a slot holder awaited the child
    /// (see `poll_result`: asked once).
    Running(Option<Waker>, bool),
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
    /// What cancel requests name this child by (see [`ResultCell::key`]).
    key: usize,
}

/// Where the next block of keys starts. Not an address, which a newer
/// child may reuse while the driver still remembers an ended task by it
/// (std's atomic under loom too: a counter, not a hand-off).
static NEXT_KEY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);

/// Keys a thread takes from [`NEXT_KEY`] at once: a spawn takes the next
/// key of its thread's block, so threads spawning at the same time do not
/// contend for one counter on every child.
const KEY_BLOCK: usize = 1024;

/// A key no other cell of the process has had, never zero.
#[inline]
fn next_key() -> usize {
    use std::sync::atomic::Ordering::Relaxed;
    thread_local! {
        /// The thread's block of keys: the next one, and its end.
        static KEYS: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
    }
    KEYS.try_with(|keys| {
        let (mut next, mut end) = keys.get();
        if next == end {
            next = NEXT_KEY.fetch_add(KEY_BLOCK, Relaxed);
            end = next + KEY_BLOCK;
        }
        keys.set((next + 1, end));
        next
    })
    // The thread is ending: one key from the counter.
    .unwrap_or_else(|_| NEXT_KEY.fetch_add(1, Relaxed))
}

impl<T, E> ResultCell<T, E> {
    /// A cell for the child named `name`; in a supervise group an error no
    /// handle takes goes to `sink`.
    pub(crate) fn new(
        name: Option<Arc<str>>,
        sink: Option<Arc<Supervisor<E>>>,
        cancel: Option<Arc<CancelInbox>>,
    ) -> Arc<Self> {
        Arc::new(ResultCell {
            slot: Mutex::new(ResultState::Running(None, false)),
            name,
            sink,
            cancel,
            key: next_key(),
        })
    }

    /// The handle cancels its child: the group's driver drops it (or
    /// aborts its task), unless it has already ended.
    pub(crate) fn request_cancel(&self) {
        if let Some(inbox) = &self.cancel
            && matches!(&*lock(&self.slot), ResultState::Running(..))
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
    pub(crate) fn handle_dropped(&self) {
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
                ResultState::Running(..) => {
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

    /// An error its handle got but cannot give to anyone (a plain `await`
    /// of a supervised child that failed panics): to the group, as if the
    /// handle had been dropped holding it.
    pub(crate) fn unclaimed(&self, error: E) {
        if let Some(sink) = &self.sink {
            sink.unclaimed(error, self.name_arc());
        }
    }

    pub(crate) fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Whether the child's error is its handle's (`Mode::error_to_handle`):
    /// the cell has a sink exactly when its group supervises.
    pub(crate) fn error_to_handle(&self) -> bool {
        self.sink.is_some()
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
                ResultState::Running(w, _) => w,
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
            ResultState::Running(w, _) => w,
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
                ResultState::Running(w, _) => {
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

    pub(crate) fn poll_result(&self, cx: &mut Context<'_>) -> Poll<Result<T, E>> {
        let mut slot = lock(&self.slot);
        match &mut *slot {
            ResultState::Running(w, wanted) => {
                match w {
                    Some(w) if w.will_wake(cx.waker()) => {}
                    _ => *w = Some(cx.waker().clone()),
                }
                // A child that holds a slot of the limit waits for this one:
                // if it is still waiting for a slot, it must start, or the
                // two could wait for each other forever.
                let group = self
                    .cancel
                    .as_ref()
                    .filter(|group| !*wanted && group.awaiter_holds_slot());
                *wanted |= group.is_some();
                drop(slot);
                if let Some(group) = group {
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

    pub(crate) fn is_finished(&self) -> bool {
        !matches!(&*lock(&self.slot), ResultState::Running(..))
    }

    /// The child's value, if it finished with one that nobody took.
    pub(crate) fn take_value(&self) -> Option<T> {
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
pub(crate) fn stranded<R>(
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

/// Model checks of a child handing its value to its handle on another
/// thread: `RUSTFLAGS="--cfg loom" cargo test -p taskgroup-core --release
/// --lib loom_tests` (see `src/sync.rs`).
#[cfg(all(test, not(loom)))]
mod tests {
    use super::{KEY_BLOCK, next_key};

    /// Keys come from per-thread blocks: threads that take many at once
    /// (more than a block each) never get the same one, and none is zero.
    #[test]
    fn keys_are_unique_across_threads_and_never_zero() {
        let per_thread = 3 * KEY_BLOCK + 7;
        let mut keys: Vec<usize> = std::thread::scope(|s| {
            let threads: Vec<_> = (0..4)
                .map(|_| s.spawn(|| (0..per_thread).map(|_| next_key()).collect::<Vec<_>>()))
                .collect();
            threads
                .into_iter()
                .flat_map(|t| t.join().unwrap())
                .collect()
        });
        assert!(!keys.contains(&0));
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 4 * per_thread);
    }
}

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
