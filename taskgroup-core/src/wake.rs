//! Per-child wakers and the queue of children that are ready to be polled.
//!
//! Each child slot owns one waker for its whole life (slots are reused, so a
//! group that runs a million short children allocates wakers only for the
//! most children that were ever alive at once). Waking a child pushes its slot
//! index on the ready queue, so the driver polls exactly the children that
//! were woken: no O(N) scan per wake.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Wake, Waker};

/// The slot index used for the group's body.
pub(crate) const BODY: usize = usize::MAX;

/// Locks a mutex, ignoring poison: every critical section in this crate
/// leaves its data consistent, and no user code (a future, a waker, a
/// drop of a user value) runs while a lock is held.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Default)]
pub(crate) struct ReadyQueue {
    inner: Mutex<ReadyInner>,
}

#[derive(Default)]
struct ReadyInner {
    queue: Vec<usize>,
    parent: Option<Waker>,
    /// True while the driver is awake (polling, or already woken), so
    /// further wakes only enqueue.
    awake: bool,
}

impl ReadyQueue {
    pub(crate) fn new() -> Arc<Self> {
        Arc::new(ReadyQueue::default())
    }

    /// Marks `idx` ready and wakes the driver if it is asleep.
    pub(crate) fn push(&self, idx: usize) {
        let waker = {
            let mut inner = lock(&self.inner);
            inner.queue.push(idx);
            Self::wake_parent(&mut inner)
        };
        // Wake outside the lock: a waker may run arbitrary code.
        if let Some(w) = waker {
            w.wake();
        }
    }

    /// Marks the driver awake; returns its waker if it was asleep.
    fn wake_parent(inner: &mut ReadyInner) -> Option<Waker> {
        if inner.awake {
            return None;
        }
        inner.awake = true;
        inner.parent.clone()
    }

    /// Moves the ready indices into `buf` (which must be empty); the driver
    /// stays marked awake.
    pub(crate) fn take(&self, buf: &mut Vec<usize>) {
        let mut inner = lock(&self.inner);
        inner.awake = true;
        std::mem::swap(&mut inner.queue, buf);
    }

    /// Goes to sleep if nothing is ready: records `waker` as the one to wake
    /// and returns true. Returns false (staying awake) when a child became
    /// ready since the last `take`.
    pub(crate) fn sleep(&self, waker: &Waker) -> bool {
        let old = {
            let mut inner = lock(&self.inner);
            if !inner.queue.is_empty() {
                return false;
            }
            inner.awake = false;
            match &inner.parent {
                Some(w) if w.will_wake(waker) => None,
                _ => inner.parent.replace(waker.clone()),
            }
        };
        // The replaced waker is dropped outside the lock.
        drop(old);
        true
    }
}

/// The waker of one child slot.
pub(crate) struct SlotWaker {
    idx: usize,
    /// Set when the slot is in the ready queue, so repeated wakes before
    /// the next poll enqueue it once.
    queued: AtomicBool,
    ready: Arc<ReadyQueue>,
}

impl SlotWaker {
    pub(crate) fn new(idx: usize, ready: &Arc<ReadyQueue>) -> Arc<Self> {
        Arc::new(SlotWaker {
            idx,
            // Born queued: the driver pushes a new slot itself.
            queued: AtomicBool::new(true),
            ready: Arc::clone(ready),
        })
    }

    /// Called by the driver right before polling the slot.
    pub(crate) fn clear(&self) {
        self.queued.store(false, Ordering::Release);
    }

    /// Marks the slot queued because the driver pushes it itself.
    pub(crate) fn mark_queued(&self) -> bool {
        !self.queued.swap(true, Ordering::AcqRel)
    }
}

impl Wake for SlotWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::AcqRel) {
            self.ready.push(self.idx);
        }
    }
}

/// Runs `f` with the thread-local `key` set to `value`, then puts the
/// previous value back (also when `f` unwinds) and returns what `key` held
/// at the end: a scope for "the child being polled" or "where dropped
/// groups leave their tasks".
pub(crate) fn with_local<T: 'static, R>(
    key: &'static std::thread::LocalKey<std::cell::RefCell<T>>,
    value: T,
    f: impl FnOnce() -> R,
) -> (R, T) {
    struct Restore<T: 'static> {
        key: &'static std::thread::LocalKey<std::cell::RefCell<T>>,
        previous: Option<T>,
    }
    impl<T> Drop for Restore<T> {
        fn drop(&mut self) {
            if let Some(previous) = self.previous.take() {
                self.key.with(|cell| *cell.borrow_mut() = previous);
            }
        }
    }
    let previous = key.with(|cell| cell.replace(value));
    let mut restore = Restore {
        key,
        previous: Some(previous),
    };
    let out = f();
    let previous = restore.previous.take().unwrap_or_else(|| unreachable!());
    let last = key.with(|cell| cell.replace(previous));
    (out, last)
}
