//! A set of boxed futures, each polled only when its own waker fires:
//! what the `for` fan-out runs its local items in.
//!
//! Each future sits in a slot with a waker of its own (from the thread's
//! pool, see `wake.rs`); a wake queues the slot's index, so a poll of the
//! set polls exactly the futures that were woken, in O(1) per wake. The
//! future's box is its one allocation: the slot and its waker are reused
//! by the next future (and, through the pool, by the next set on the
//! thread).

use std::pin::Pin;
use std::task::{Context, Poll};

use crate::wake::{ReadyQueue, SlotWakers};

pub(crate) struct ReadySet<F> {
    /// The futures, by slot.
    futs: Vec<Option<Pin<Box<F>>>>,
    len: usize,
    /// Taken at the first push: a set that never runs a future takes no
    /// waker from the thread and allocates no queue.
    wakers: Option<SlotWakers>,
}

impl<F> Default for ReadySet<F> {
    fn default() -> Self {
        ReadySet {
            futs: Vec::new(),
            len: 0,
            wakers: None,
        }
    }
}

impl<F> ReadySet<F> {
    /// How many futures are in the set.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Adds a future; the next poll polls it.
    pub(crate) fn push(&mut self, fut: F) {
        let fut = Some(Box::pin(fut));
        let wakers = self
            .wakers
            .get_or_insert_with(|| SlotWakers::new(&ReadyQueue::new()));
        let idx = wakers.assign();
        match self.futs.get_mut(idx) {
            Some(slot) => *slot = fut,
            None => self.futs.push(fut),
        }
        self.len += 1;
    }

    /// Drops every future now.
    pub(crate) fn clear(&mut self) {
        let Some(wakers) = &mut self.wakers else {
            return;
        };
        for (idx, fut) in self.futs.iter_mut().enumerate() {
            if fut.take().is_some() {
                wakers.free.push(idx);
            }
        }
        self.len = 0;
    }
}

impl<F: Future> ReadySet<F> {
    /// The output of a future that finished, `Ready(None)` when the set is
    /// empty, or `Pending` (the set wakes `cx` when a future is woken).
    ///
    /// One call polls each future at most about once: a future that keeps
    /// waking itself makes the call yield (waking `cx`), not spin.
    pub(crate) fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<F::Output>> {
        // Empty, whatever stale wakes of finished futures queued.
        let (Some(wakers), 1..) = (&mut self.wakers, self.len) else {
            return Poll::Ready(None);
        };
        let mut polls = self.len;
        loop {
            wakers.refill();
            let Some(&idx) = wakers.batch.get(wakers.pos) else {
                if wakers.ready().sleep(cx.waker()) {
                    return Poll::Pending;
                }
                continue;
            };
            if polls == 0 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            polls -= 1;
            wakers.pos += 1;
            let waker = wakers.poll_waker(idx);
            let Some(fut) = self.futs[idx].as_mut() else {
                continue;
            };
            if let Poll::Ready(out) = fut.as_mut().poll(&mut Context::from_waker(waker)) {
                // The set is consistent before the future's drop runs.
                let done = self.futs[idx].take();
                wakers.free.push(idx);
                self.len -= 1;
                drop(done);
                return Poll::Ready(Some(out));
            }
        }
    }
}

impl<F> Drop for ReadySet<F> {
    fn drop(&mut self) {
        // The futures go before their wakers go back to the thread's pool
        // (a field would drop after the set's other fields).
        self.futs.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::poll_fn;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::Waker;

    #[derive(Default)]
    struct Count(AtomicUsize);

    impl std::task::Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn noop_cx() -> Context<'static> {
        Context::from_waker(Waker::noop())
    }

    #[test]
    fn a_future_is_polled_again_only_when_its_waker_fires() {
        let polls = std::cell::Cell::new([0usize; 2]);
        let wakers: std::cell::RefCell<Vec<Option<Waker>>> = Default::default();
        wakers.borrow_mut().resize(2, None);
        let mut set = ReadySet::default();
        for i in 0..2 {
            let (polls, wakers) = (&polls, &wakers);
            set.push(poll_fn(move |cx| {
                let mut p = polls.get();
                p[i] += 1;
                polls.set(p);
                if p[i] == 2 {
                    return Poll::Ready(i);
                }
                wakers.borrow_mut()[i] = Some(cx.waker().clone());
                Poll::Pending
            }));
        }
        let mut cx = noop_cx();
        assert_eq!(set.poll_next(&mut cx), Poll::Pending);
        assert_eq!(polls.get(), [1, 1]);
        // Nothing woke: nothing is polled.
        assert_eq!(set.poll_next(&mut cx), Poll::Pending);
        assert_eq!(polls.get(), [1, 1]);
        wakers.borrow_mut()[1].take().unwrap().wake();
        assert_eq!(set.poll_next(&mut cx), Poll::Ready(Some(1)));
        assert_eq!(polls.get(), [1, 2]);
        assert_eq!(set.len(), 1);
        wakers.borrow_mut()[0].take().unwrap().wake();
        assert_eq!(set.poll_next(&mut cx), Poll::Ready(Some(0)));
        assert_eq!(set.poll_next(&mut cx), Poll::Ready(None));
    }

    #[test]
    fn a_future_that_keeps_waking_itself_makes_the_poll_yield() {
        let mut set = ReadySet::default();
        set.push(poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        }));
        let woken = Arc::new(Count::default());
        let waker = Waker::from(Arc::clone(&woken));
        let mut cx = Context::from_waker(&waker);
        assert_eq!(set.poll_next(&mut cx), Poll::Pending);
        assert_eq!(
            woken.0.load(Ordering::Relaxed),
            1,
            "the set yields and asks to be polled again"
        );
    }

    #[test]
    fn a_slot_is_reused_and_a_stale_wake_of_its_last_future_is_harmless() {
        let kept: std::cell::RefCell<Option<Waker>> = Default::default();
        let polled = std::cell::Cell::new(0);
        let mut set = ReadySet::default();
        let kept_ref = &kept;
        set.push(Box::pin(poll_fn(move |cx| {
            *kept_ref.borrow_mut() = Some(cx.waker().clone());
            Poll::Ready(0)
        })) as Pin<Box<dyn Future<Output = i32> + '_>>);
        let mut cx = noop_cx();
        assert_eq!(set.poll_next(&mut cx), Poll::Ready(Some(0)));
        let polled_ref = &polled;
        set.push(Box::pin(poll_fn(move |_| {
            polled_ref.set(polled_ref.get() + 1);
            Poll::Pending
        })));
        assert_eq!(set.futs.len(), 1, "the free slot is reused");
        assert_eq!(set.poll_next(&mut cx), Poll::Pending);
        assert_eq!(polled.get(), 1);
        // The finished future's waker fires: the new one is polled once
        // more (spurious, harmless), and the set stays consistent.
        kept.borrow_mut().take().unwrap().wake();
        assert_eq!(set.poll_next(&mut cx), Poll::Pending);
        assert_eq!(polled.get(), 2);
        set.clear();
        assert_eq!(set.len(), 0);
        // A stale wake of a dropped future leaves its slot queued: the
        // empty set still says so at once.
        kept.borrow_mut()
            .replace(set.wakers.as_ref().unwrap().poll_waker(0).clone());
        kept.borrow_mut().take().unwrap().wake();
        assert_eq!(set.poll_next(&mut cx), Poll::Ready(None));
    }
}
