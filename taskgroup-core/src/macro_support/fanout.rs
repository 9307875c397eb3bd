//! `let v = for x in xs { fut? };`: one child per item, values in input
//! order, at most `limit` running at once.
//!
//! Each running item has a slot with its own waker, and a woken item is
//! pushed on a ready queue, so a wake costs O(1) whatever the number of
//! items (the static branches, few by construction, are simply all polled).

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use futures_util::stream::{FuturesUnordered, Stream};
use tokio::task::JoinHandle;

use super::driver::{Group, Mode, Stopped};
use super::task::{AbortOnDrop, Outcome};
use crate::wake::{ReadyQueue, SlotWaker};

/// Starts a task item (set for `#[spawn] for`).
type Spawn<F, T, E> = fn(F) -> JoinHandle<(usize, Result<T, E>)>;

/// A running task item (local items live in `FanOut::local`).
enum Item<F: Future> {
    Task(AbortOnDrop<F::Output>),
}

struct Running<F: Future> {
    index: usize,
    item: Item<F>,
}

struct SlotState<F: Future> {
    running: Option<Running<F>>,
    signal: Arc<SlotWaker>,
    waker: Waker,
}

/// The children of one fan-out branch.
///
/// Items are futures of `Result<T, E>` already converted to the group's
/// error type. Local items are polled here; task items (`#[spawn] for`)
/// are spawned when the limit lets them start.
pub struct FanOut<'g, F: Future<Output = (usize, Result<T, E>)>, T, E> {
    group: &'g Group<E>,
    spawn: Option<Spawn<F, T, E>>,
    /// Running local items (each yields its own index with its result:
    /// the macro writes it into the item's async block). futures-util's
    /// `FuturesUnordered` keeps each future inline in the one allocation
    /// that is also its waker, which safe code here could not do for a
    /// future that borrows.
    local: FuturesUnordered<F>,
    queued: VecDeque<(usize, F)>,
    slots: Vec<SlotState<F>>,
    free: Vec<usize>,
    values: Vec<Option<T>>,
    ready: Arc<ReadyQueue>,
    /// Slots taken from the ready queue; those before `buf_pos` are done.
    buf: Vec<usize>,
    buf_pos: usize,
    limit: usize,
    running: usize,
    stopped: bool,
    /// The first panic of a task item, resumed once the other items have
    /// been aborted and awaited.
    panic: Option<Box<dyn std::any::Any + Send + 'static>>,
}

impl<F: Future<Output = (usize, Result<T, E>)>, T, E> std::fmt::Debug for FanOut<'_, F, T, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FanOut")
            .field("queued", &self.queued.len())
            .field("running", &self.running)
            .field("limit", &self.limit)
            .finish()
    }
}

// Queued items are moved, never pinned, until they are boxed or spawned.
impl<F: Future<Output = (usize, Result<T, E>)>, T, E> Unpin for FanOut<'_, F, T, E> {}

fn spawn_item<F, T, E>(fut: F) -> JoinHandle<(usize, Result<T, E>)>
where
    F: Future<Output = (usize, Result<T, E>)> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    tokio::spawn(fut)
}

impl<'g, F, T, E> FanOut<'g, F, T, E>
where
    F: Future<Output = (usize, Result<T, E>)>,
{
    /// Items polled inside the group's own future (they may borrow).
    pub fn local(group: &'g Group<E>, limit: Option<usize>) -> Self {
        Self::new(group, limit, None)
    }

    fn new(group: &'g Group<E>, limit: Option<usize>, spawn: Option<Spawn<F, T, E>>) -> Self {
        FanOut {
            group,
            spawn,
            local: FuturesUnordered::new(),
            queued: VecDeque::new(),
            slots: Vec::new(),
            free: Vec::new(),
            values: Vec::new(),
            ready: ReadyQueue::new(),
            buf: Vec::new(),
            buf_pos: 0,
            limit: limit.unwrap_or(usize::MAX).max(1),
            running: 0,
            stopped: false,
            panic: None,
        }
    }

    /// Adds the next item, made by `item` from its index (the item's
    /// output carries the index back); it starts when the group polls the
    /// fan-out.
    pub fn push_with(&mut self, item: impl FnOnce(usize) -> F) {
        let index = self.values.len();
        self.values.push(None);
        let fut = item(index);
        if self.spawn.is_none()
            && !self.stopped
            && self.queued.is_empty()
            && self.running < self.limit
        {
            // Room now: straight into FuturesUnordered, no queue, no move.
            self.local.push(fut);
            self.running += 1;
        } else {
            self.queued.push_back((index, fut));
        }
    }

    /// Starts queued items up to the limit; true if any local one started.
    fn start_queued(&mut self) -> bool {
        let mut started_local = false;
        while !self.stopped && self.running < self.limit {
            let Some((index, fut)) = self.queued.pop_front() else {
                break;
            };
            let item = match self.spawn {
                Some(spawn) => Item::Task(AbortOnDrop(spawn(fut))),
                None => {
                    self.local.push(fut);
                    self.running += 1;
                    started_local = true;
                    continue;
                }
            };
            let running = Some(Running { index, item });
            match self.free.pop() {
                Some(idx) => {
                    let slot = &mut self.slots[idx];
                    slot.running = running;
                    if slot.signal.mark_queued() {
                        self.ready.push(idx);
                    }
                }
                None => {
                    let idx = self.slots.len();
                    let signal = SlotWaker::new(idx, &self.ready);
                    let waker = Waker::from(Arc::clone(&signal));
                    self.slots.push(SlotState {
                        running,
                        signal,
                        waker,
                    });
                    self.ready.push(idx);
                }
            }
            self.running += 1;
        }
        started_local
    }

    /// Stops starting items; local items are dropped at once, task items
    /// aborted (and still awaited, so their errors are kept).
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.queued.clear();
        self.running -= self.local.len();
        self.local.clear();
        for (idx, slot) in self.slots.iter_mut().enumerate() {
            match &slot.running {
                Some(Running {
                    item: Item::Task(task),
                    ..
                }) => {
                    task.0.abort();
                    // Poll it again so its waker is registered after the abort.
                    if slot.signal.mark_queued() {
                        self.ready.push(idx);
                    }
                }
                None => {}
            }
        }
    }

    fn finish_slot(&mut self, idx: usize) {
        self.slots[idx].running = None;
        self.free.push(idx);
        self.running -= 1;
    }
}

impl<'g, F, T, E> FanOut<'g, F, T, E>
where
    F: Future<Output = (usize, Result<T, E>)> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Items run as tokio tasks (`#[spawn] for`).
    pub fn tasks(group: &'g Group<E>, limit: Option<usize>) -> Self {
        Self::new(group, limit, Some(spawn_item::<F, T, E>))
    }
}

impl<F, T, E> Future for FanOut<'_, F, T, E>
where
    F: Future<Output = (usize, Result<T, E>)>,
{
    type Output = Result<Vec<T>, Stopped>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every field is Unpin (FuturesUnordered boxes its futures).
        let this = self.get_mut();
        // Let every running item be polled about twice per poll, so items
        // that keep waking themselves cannot keep this task from yielding.
        let mut budget = 2 * (this.running + 64);
        loop {
            if this.group.stopping() {
                this.stop();
            }
            this.start_queued();
            while !this.local.is_empty() {
                match Pin::new(&mut this.local).poll_next(cx) {
                    Poll::Ready(Some((index, result))) => {
                        this.running -= 1;
                        match result {
                            Ok(value) => this.values[index] = Some(value),
                            Err(error) => {
                                this.group.fail(error);
                                if this.group.mode() != Mode::Supervise {
                                    this.stop();
                                }
                            }
                        }
                    }
                    // Pending: FuturesUnordered has registered our waker
                    // (or yielded after its own budget, waking us).
                    Poll::Ready(None) | Poll::Pending => break,
                }
            }
            if this.buf_pos == this.buf.len() {
                this.buf.clear();
                this.buf_pos = 0;
                this.ready.take(&mut this.buf);
            }
            let ready = std::mem::take(&mut this.buf);
            let mut pos = this.buf_pos;
            let mut out_of_budget = false;
            budget = budget.saturating_sub(ready.len() - pos);
            while let Some(&idx) = ready.get(pos) {
                // Once tokio's cooperative budget is spent, a task item's
                // JoinHandle answers Pending and wakes at once: polling on
                // would spin forever inside this poll. Keep the rest for the
                // next poll (requeueing it would cost O(rest) per yield,
                // O(N^2) for N task items) and yield.
                if !tokio::task::coop::has_budget_remaining() {
                    out_of_budget = true;
                    break;
                }
                pos += 1;
                let Some(slot) = this.slots.get_mut(idx) else {
                    continue;
                };
                slot.signal.clear();
                let Some(running) = slot.running.as_mut() else {
                    continue;
                };
                let mut item_cx = Context::from_waker(&slot.waker);
                let polled = match &mut running.item {
                    Item::Task(task) => match task.poll_outcome(&mut item_cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(Outcome::Value((_, out))) => Poll::Ready(Ok(out)),
                        Poll::Ready(Outcome::Aborted) => Poll::Ready(Err(Stopped)),
                        Poll::Ready(Outcome::Panicked(payload)) => {
                            this.panic.get_or_insert(payload);
                            Poll::Ready(Err(Stopped))
                        }
                    },
                };
                let index = running.index;
                match polled {
                    Poll::Pending => {}
                    Poll::Ready(Ok(Ok(value))) => {
                        this.values[index] = Some(value);
                        this.finish_slot(idx);
                    }
                    Poll::Ready(Ok(Err(error))) => {
                        this.finish_slot(idx);
                        this.group.fail(error);
                        if this.group.mode() != Mode::Supervise {
                            this.stop();
                        }
                    }
                    Poll::Ready(Err(Stopped)) => {
                        this.finish_slot(idx);
                        if this.panic.is_some() {
                            this.stop();
                        }
                    }
                }
            }
            this.buf = ready;
            this.buf_pos = pos;
            if out_of_budget || budget == 0 {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            // Finished items made room: start the next ones before sleeping
            // (a started task item is queued as ready; a started local one
            // must be polled by FuturesUnordered, so the loop goes on).
            let started_local = this.start_queued();
            if this.running == 0 && this.queued.is_empty() {
                if let Some(payload) = this.panic.take() {
                    std::panic::resume_unwind(payload);
                }
                if this.stopped {
                    return Poll::Ready(Err(Stopped));
                }
                let values = std::mem::take(&mut this.values);
                return Poll::Ready(Ok(values
                    .into_iter()
                    .map(|v| match v {
                        Some(v) => v,
                        None => unreachable!("taskgroup: a fan-out item finished without a value"),
                    })
                    .collect()));
            }
            if started_local {
                continue;
            }
            if this.ready.sleep(cx.waker()) {
                return Poll::Pending;
            }
        }
    }
}
