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
/// many children at once allocates no waker once it ran one (768 KiB,
/// and about as much again for the loop buffers kept at that size).
const POOL_MAX: usize = 16 * 1024;

thread_local! {
    /// What finished drivers on this thread leave for the next one: idle
    /// slot wakers nobody else holds (a group that runs N local children
    /// would otherwise allocate N wakers, every time it runs) and the
    /// emptied buffers of their polling loops. A driver leaves as many
    /// wakers as it needed (at least [`POOL_CAP`], at most [`POOL_MAX`]),
    /// so one large group is not paid for by every later small one: the
    /// next driver that needs fewer trims the pool again.
    static POOL: RefCell<Idle> = RefCell::default();
}

/// What [`POOL`] holds: everything empty but `spare`.
#[derive(Default)]
struct Idle {
    spare: Vec<Arc<SlotWaker>>,
    slots: Vec<(Arc<SlotWaker>, Waker)>,
    bufs: [Vec<usize>; 3],
}

/// The wakers of one driver's slots (a `TaskGroup`'s children, a fan-out's
/// items) and the index buffers of its polling loop. Taken whole from this
/// thread's pool when the driver starts (one thread-local access per
/// driver, not per child) and given back when it ends, so a thread that
/// runs drivers over and over allocates neither wakers nor buffers.
pub(crate) struct SlotWakers {
    ready: Arc<ReadyQueue>,
    /// Slot `i`'s waker: the `Arc` the driver marks, the `Waker` it polls
    /// the slot's child with.
    slots: Vec<(Arc<SlotWaker>, Waker)>,
    /// Idle wakers, reused for new slots.
    spare: Vec<Arc<SlotWaker>>,
    /// Slots whose child is gone, to reuse.
    pub(crate) free: Vec<usize>,
    /// Slots taken from the ready queue; those before `pos` are done.
    pub(crate) batch: Vec<usize>,
    pub(crate) pos: usize,
    /// Slots of new children: polled first, without a trip through the
    /// locked queue.
    pub(crate) fresh: Vec<usize>,
}

impl SlotWakers {
    /// Wakers that wake into `ready`.
    pub(crate) fn new(ready: &Arc<ReadyQueue>) -> Self {
        let Idle {
            spare,
            slots,
            bufs: [free, batch, fresh],
        } = POOL
            .try_with(|pool| std::mem::take(&mut *pool.borrow_mut()))
            .unwrap_or_default();
        SlotWakers {
            ready: Arc::clone(ready),
            slots,
            spare,
            free,
            batch,
            pos: 0,
            fresh,
        }
    }

    /// How many idle wakers this driver leaves to the thread: as many as
    /// it had slots, within the bounds.
    fn keep(&self) -> usize {
        self.slots.len().clamp(POOL_CAP, POOL_MAX)
    }

    /// The slot for a new child: a free one, or a new one (then its index
    /// is the number of slots so far). The slot is queued for its first
    /// poll (in `fresh`, or already in the ready queue by a stale wake of
    /// the slot's last child).
    pub(crate) fn assign(&mut self) -> usize {
        match self.free.pop() {
            Some(idx) => {
                if self.slots[idx].0.mark_queued() {
                    self.fresh.push(idx);
                }
                idx
            }
            None => {
                let idx = self.slots.len();
                let wake = SlotWaker::reuse_or_new(self.spare.pop(), idx, &self.ready);
                self.slots.push((Arc::clone(&wake), Waker::from(wake)));
                self.fresh.push(idx);
                idx
            }
        }
    }

    /// Reserves room for `n` more children.
    pub(crate) fn reserve(&mut self, n: usize) {
        self.slots.reserve(n.saturating_sub(self.free.len()));
        self.fresh.reserve(n);
    }

    /// The waker to poll slot `idx`'s child with; its queued mark is
    /// cleared first, even for an empty slot: a stale wake must not leave
    /// the mark set, or the slot's next child would never be queued.
    pub(crate) fn poll_waker(&self, idx: usize) -> &Waker {
        let (wake, waker) = &self.slots[idx];
        wake.clear();
        waker
    }

    /// The queue the slots' wakers wake into.
    pub(crate) fn ready(&self) -> &Arc<ReadyQueue> {
        &self.ready
    }

    /// Moves on to the next batch once this one is done: the new
    /// children's slots, else those woken since the last batch.
    pub(crate) fn refill(&mut self) {
        if self.pos == self.batch.len() {
            self.batch.clear();
            self.pos = 0;
            if self.fresh.is_empty() {
                self.ready.take(&mut self.batch);
            } else {
                std::mem::swap(&mut self.batch, &mut self.fresh);
            }
        }
    }
}

impl Drop for SlotWakers {
    fn drop(&mut self) {
        let keep = self.keep();
        let mut spare = std::mem::take(&mut self.spare);
        let mut slots = std::mem::take(&mut self.slots);
        // A waker a child still holds is only dropped; the others let go
        // of the driver's queue (and through it the driver's waker).
        for (mut wake, waker) in slots.drain(..) {
            drop(waker);
            if spare.len() < keep
                && let Some(inner) = Arc::get_mut(&mut wake)
            {
                inner.ready = None;
                spare.push(wake);
            }
        }
        // Taken whole from the thread: a driver smaller than the last one
        // leaves only what it needed.
        spare.truncate(keep);
        // The buffers too: what one large driver grew is not kept for
        // every small one after it.
        slots.shrink_to(keep);
        let mut bufs = [
            std::mem::take(&mut self.free),
            std::mem::take(&mut self.batch),
            std::mem::take(&mut self.fresh),
        ];
        for buf in &mut bufs {
            buf.clear();
            buf.shrink_to(keep);
        }
        let mut idle = Idle { spare, slots, bufs };
        // A nested driver may have given its own back meanwhile: the
        // thread keeps the larger set.
        let _ = POOL.try_with(|pool| {
            let mut pool = pool.borrow_mut();
            if pool.spare.len() <= idle.spare.len() {
                std::mem::swap(&mut *pool, &mut idle);
            }
        });
    }
}

impl SlotWaker {
    /// `spare` (a pooled waker: nobody else held it when it was pooled,
    /// and nobody could take a clone since) made slot `idx`'s, or a new
    /// one.
    fn reuse_or_new(spare: Option<Arc<Self>>, idx: usize, ready: &Arc<ReadyQueue>) -> Arc<Self> {
        if let Some(mut wake) = spare
            && let Some(inner) = Arc::get_mut(&mut wake)
        {
            inner.idx = idx;
            *inner.queued.get_mut() = true;
            inner.ready = Some(Arc::clone(ready));
            return wake;
        }
        SlotWaker::new(idx, ready)
    }

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
    POOL.with(|pool| pool.borrow().spare.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taken(ready: &ReadyQueue) -> Vec<usize> {
        let mut buf = Vec::new();
        ready.take(&mut buf);
        buf
    }

    /// Opens `n` slots, each cleared as if polled once.
    fn opened(n: usize, ready: &Arc<ReadyQueue>) -> SlotWakers {
        let mut wakers = SlotWakers::new(ready);
        for i in 0..n {
            assert_eq!(wakers.assign(), i);
            wakers.poll_waker(i);
        }
        wakers
    }

    #[test]
    fn a_recycled_waker_wakes_its_next_group_only() {
        let first = ReadyQueue::new();
        let wakers = opened(4, &first);
        let addr = Arc::as_ptr(&wakers.slots[3].0);
        drop(wakers);
        assert_eq!(pooled(), 4);

        let second = ReadyQueue::new();
        let mut wakers = SlotWakers::new(&second);
        assert_eq!(pooled(), 0, "a driver takes the thread's idle wakers");
        assert_eq!(wakers.assign(), 0);
        assert_eq!(
            Arc::as_ptr(&wakers.slots[0].0),
            addr,
            "the last pooled waker is reused first"
        );
        // Born queued, like a new one: the first wake after the driver
        // cleared it enqueues the new index in the new queue.
        wakers.poll_waker(0).wake_by_ref();
        assert_eq!(taken(&second), [0]);
        assert!(taken(&first).is_empty());
    }

    #[test]
    fn a_waker_someone_still_holds_is_not_pooled() {
        let ready = ReadyQueue::new();
        let wakers = opened(2, &ready);
        // A child kept a clone of its waker past its group.
        let kept = wakers.slots[1].1.clone();
        drop(wakers);
        assert_eq!(pooled(), 1);

        let other = ReadyQueue::new();
        let fresh = opened(2, &other);
        kept.wake();
        // The stale wake reaches the old group's queue, never the new one.
        assert_eq!(taken(&ready), [1]);
        assert!(taken(&other).is_empty());
        drop(fresh);
    }

    #[test]
    fn a_reused_slot_is_queued_once() {
        let ready = ReadyQueue::new();
        let mut wakers = opened(2, &ready);
        wakers.refill();
        assert_eq!(wakers.batch, [0, 1], "new slots are polled first");
        wakers.pos = 2;
        // Slot 1's child ended; a stale wake of it queues the slot before
        // its next child comes: that child is polled from the queue.
        wakers.free.push(1);
        wakers.slots[1].1.wake_by_ref();
        wakers.free.push(0);
        assert_eq!(wakers.assign(), 0);
        assert_eq!(wakers.assign(), 1);
        assert_eq!(wakers.fresh, [0], "slot 1 is already in the queue");
        wakers.refill();
        assert_eq!(wakers.batch, [0]);
        wakers.pos = 1;
        wakers.refill();
        assert_eq!(wakers.batch, [1]);
    }

    #[test]
    fn the_pool_keeps_what_the_last_group_needed_within_its_bounds() {
        let ready = ReadyQueue::new();
        let outer = opened(POOL_CAP + 5, &ready);
        // A nested group gives back fewer wakers first.
        drop(opened(1, &ready));
        assert_eq!(pooled(), 1);
        drop(outer);
        // The thread keeps the larger set, all that the group needed.
        assert_eq!(pooled(), POOL_CAP + 5);
        // The pooled wakers let go of the group's queue.
        assert_eq!(Arc::strong_count(&ready), 1);
        // A smaller group trims the pool back to its floor.
        drop(opened(3, &ready));
        assert_eq!(pooled(), POOL_CAP);
        // A huge one leaves no more than the ceiling.
        drop(opened(POOL_MAX + 5, &ready));
        assert_eq!(pooled(), POOL_MAX);
        drop(opened(0, &ready));
        assert_eq!(pooled(), POOL_CAP);
    }
}
