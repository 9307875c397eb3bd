//! Per-child wakers and the queue of children that are ready to be polled.
//!
//! Each child slot owns one waker for its whole life (slots are reused, so a
//! group that runs a million short children allocates wakers only for the
//! most children that were ever alive at once). Waking a child pushes its slot
//! index on the ready queue, so the driver polls exactly the children that
//! were woken: no O(N) scan per wake.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::util::lock;
use std::task::{Wake, Waker};

/// The slot index used for the group's body.
pub(crate) const BODY: usize = usize::MAX;

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
    /// `None` while the waker waits in [`POOL`] for its next group.
    ready: Option<Arc<ReadyQueue>>,
}

/// How many idle slot wakers a thread keeps for its next groups at least
/// (48 KiB).
const POOL_CAP: usize = 1024;

/// How many it keeps at most: a thread that runs groups of up to this
/// many children at once allocates no waker once it ran one (768 KiB).
const POOL_MAX: usize = 16 * 1024;

thread_local! {
    /// Slot wakers of finished groups that nobody else holds, reused by
    /// the next group on this thread: a group that runs N local children
    /// would otherwise allocate N wakers, every time it runs. A group
    /// leaves as many as it needed (at least [`POOL_CAP`], at most
    /// [`POOL_MAX`]), so one large group is not paid for by every later
    /// small one: the next group that needs fewer trims the pool again.
    static POOL: RefCell<Vec<Arc<SlotWaker>>> = const { RefCell::new(Vec::new()) };
}

/// The slot wakers one driver may reuse: this thread's idle ones, taken
/// when the driver starts (one thread-local access per group, not per
/// child) and given back, with the driver's own, when it ends.
pub(crate) struct WakerPool {
    spare: Vec<Arc<SlotWaker>>,
    /// How many wakers this driver handed out: what it keeps for the next
    /// group (within the bounds above).
    used: usize,
}

impl WakerPool {
    pub(crate) fn take() -> Self {
        let spare = POOL
            .try_with(|pool| std::mem::take(&mut *pool.borrow_mut()))
            .unwrap_or_default();
        WakerPool { spare, used: 0 }
    }

    /// How many idle wakers this driver leaves to the thread.
    fn keep(&self) -> usize {
        self.used.clamp(POOL_CAP, POOL_MAX)
    }

    /// A waker for slot `idx` that wakes into `ready`, reused if one is
    /// spare.
    pub(crate) fn waker(&mut self, idx: usize, ready: &Arc<ReadyQueue>) -> Arc<SlotWaker> {
        self.used += 1;
        if let Some(mut waker) = self.spare.pop()
            && let Some(inner) = Arc::get_mut(&mut waker)
        {
            inner.idx = idx;
            *inner.queued.get_mut() = true;
            inner.ready = Some(Arc::clone(ready));
            return waker;
        }
        SlotWaker::new(idx, ready)
    }

    /// Keeps the waker of a slot the driver is done with, if nobody else
    /// holds it (a child may have kept a clone: then it is only dropped)
    /// and there is room.
    pub(crate) fn recycle(&mut self, mut waker: Arc<SlotWaker>) {
        if self.spare.len() >= self.keep() {
            return;
        }
        if let Some(inner) = Arc::get_mut(&mut waker) {
            // Let go of the group's queue (and through it the driver's waker).
            inner.ready = None;
            self.spare.push(waker);
        }
    }
}

impl Drop for WakerPool {
    fn drop(&mut self) {
        let mut spare = std::mem::take(&mut self.spare);
        // Taken whole from the thread: a group smaller than the last one
        // leaves only what it needed.
        spare.truncate(self.keep());
        // A nested group may have given its wakers back meanwhile: the
        // thread keeps the larger set.
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.len() < spare.len() {
                std::mem::swap(&mut *pool, &mut spare);
            }
        });
        drop(spare);
    }
}

impl SlotWaker {
    pub(crate) fn new(idx: usize, ready: &Arc<ReadyQueue>) -> Arc<Self> {
        Arc::new(SlotWaker {
            idx,
            // Born queued: the driver pushes a new slot itself.
            queued: AtomicBool::new(true),
            ready: Some(Arc::clone(ready)),
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
        if !self.queued.swap(true, Ordering::AcqRel)
            && let Some(ready) = &self.ready
        {
            ready.push(self.idx);
        }
    }
}

/// How many idle slot wakers this thread keeps (for tests).
#[cfg(test)]
pub(crate) fn pooled() -> usize {
    POOL.with(|pool| pool.borrow().len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(ready: &ReadyQueue) -> Vec<usize> {
        let mut buf = Vec::new();
        ready.take(&mut buf);
        buf
    }

    #[test]
    fn a_recycled_waker_wakes_its_next_group_only() {
        let first = ReadyQueue::new();
        let mut wakers = WakerPool::take();
        let waker = wakers.waker(3, &first);
        let addr = Arc::as_ptr(&waker);
        wakers.recycle(waker);
        drop(wakers);
        assert_eq!(pooled(), 1);

        let second = ReadyQueue::new();
        let mut wakers = WakerPool::take();
        assert_eq!(pooled(), 0, "a driver takes the thread's idle wakers");
        let reused = wakers.waker(7, &second);
        assert_eq!(Arc::as_ptr(&reused), addr, "the pooled waker is reused");
        // Born queued, like a new one: the first wake after the driver
        // cleared it enqueues the new index in the new queue.
        reused.clear();
        Waker::from(Arc::clone(&reused)).wake();
        assert_eq!(taken(&second), [7]);
        assert!(taken(&first).is_empty());
    }

    #[test]
    fn a_waker_someone_still_holds_is_not_pooled() {
        let ready = ReadyQueue::new();
        let mut wakers = WakerPool::take();
        let waker = wakers.waker(1, &ready);
        waker.clear();
        // A child kept a clone of its waker past its group.
        let kept = Waker::from(Arc::clone(&waker));
        wakers.recycle(waker);
        drop(wakers);
        assert_eq!(pooled(), 0);

        let other = ReadyQueue::new();
        let fresh = WakerPool::take().waker(1, &other);
        fresh.clear();
        kept.wake();
        // The stale wake reaches the old group's queue, never the new one.
        assert_eq!(taken(&ready), [1]);
        assert!(taken(&other).is_empty());
    }

    /// Runs a group on this thread that needs `n` wakers at once.
    fn group_of(n: usize, ready: &Arc<ReadyQueue>) {
        let mut pool = WakerPool::take();
        let wakers: Vec<_> = (0..n).map(|i| pool.waker(i, ready)).collect();
        for waker in wakers {
            pool.recycle(waker);
        }
    }

    #[test]
    fn the_pool_keeps_what_the_last_group_needed_within_its_bounds() {
        let ready = ReadyQueue::new();
        let mut outer = WakerPool::take();
        let wakers: Vec<_> = (0..POOL_CAP + 5).map(|i| outer.waker(i, &ready)).collect();
        // A nested group gives back fewer wakers first.
        group_of(1, &ready);
        assert_eq!(pooled(), 1);
        for waker in wakers {
            outer.recycle(waker);
        }
        drop(outer);
        // The thread keeps the larger set, all that the group needed.
        assert_eq!(pooled(), POOL_CAP + 5);
        // The pooled wakers let go of the group's queue.
        assert_eq!(Arc::strong_count(&ready), 1);
        // A smaller group trims the pool back to its floor.
        group_of(3, &ready);
        assert_eq!(pooled(), POOL_CAP);
        // A huge one leaves no more than the ceiling.
        group_of(POOL_MAX + 5, &ready);
        assert_eq!(pooled(), POOL_MAX);
        group_of(0, &ready);
        assert_eq!(pooled(), POOL_CAP);
    }
}
