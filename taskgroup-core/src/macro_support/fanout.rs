//! `let v = for x in xs { fut? };`: one child per item, values in input
//! order, at most `limit` running at once.
//!
//! Local items run in a `ReadySet` (each boxed, with a pooled waker of its
//! own), so a wake costs O(1) whatever the number of items. Task items (`#[spawn] for`) are task
//! children (`task_child.rs`) that report their own end: each hands its
//! value, error or panic to the fan-out under one lock and wakes the group
//! only when it matters (an error, a panic, the last task, or room for a
//! queued item), instead of the group polling a `JoinHandle` and a waker
//! per task.

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Waker};

use tokio::task::AbortHandle;

use super::driver::{Group, Stopped};
use super::partial::Kept;
use crate::error::leaf_name;
use crate::orphans::{self, Orphan};
use crate::policy::{self, FirstPanic, Verdict};
use crate::ready_set::ReadySet;
use crate::task_child::{self, TaskEnd, TaskReporter};
use crate::util::Panic;
use crate::util::lock;

/// Starts a task item (set for `#[spawn] for`).
type Spawn<F, T, E> = fn(F, ItemReporter<T, E>) -> AbortHandle;

/// One item of a fan-out: the user's future, its output converted by
/// `convert`, with its index. It keeps the future once, where an async
/// block would hold it twice (the captured value and the awaited one).
pub fn item<F: Future, T, E, C: FnOnce(F::Output) -> Result<T, E>>(
    index: usize,
    fut: F,
    convert: C,
) -> impl Future<Output = (usize, Result<T, E>)> {
    Item {
        fut,
        index,
        convert: Some(convert),
    }
}

pin_project_lite::pin_project! {
    /// What [`item`] makes. Unlike futures-util's `Map`, which moves the
    /// whole finished future out of its place to call the closure, it
    /// takes only the closure: a finished item costs no copy of its
    /// future.
    struct Item<F, C> {
        #[pin]
        fut: F,
        index: usize,
        convert: Option<C>,
    }
}

impl<F: Future, T, E, C: FnOnce(F::Output) -> Result<T, E>> Future for Item<F, C> {
    type Output = (usize, Result<T, E>);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let out = std::task::ready!(this.fut.poll(cx));
        match this.convert.take() {
            Some(convert) => Poll::Ready((*this.index, convert(out))),
            None => unreachable!("taskgroup: a fan-out item polled after it finished"),
        }
    }
}

/// What the tasks of a `#[spawn] for` hand back, under one lock.
struct ItemReports<T, E> {
    /// The values, by item index, sized by the first value (so a fan-out
    /// that fails before any value allocates none).
    values: Vec<Option<T>>,
    /// Items pushed, as far as the group has told.
    pushed: usize,
    /// Errors, in the order they happened.
    errors: Vec<(usize, E)>,
    /// The first panic of an item (in its poll or its drop), resumed once
    /// every other item is gone.
    panic: FirstPanic,
    /// A task ended without a value or a panic while nobody aborted it
    /// (its runtime is shutting down): the fan-out stops.
    lost: bool,
    /// Task items whose child's future is gone: counted at the item's end
    /// (with its value, error or panic), or when its task is gone without
    /// one (aborted, or lost).
    finished: usize,
    /// The group sleeps until this many tasks have finished.
    expect: usize,
    /// Wake the group on every end: items wait for room to start.
    wake_each: bool,
    /// Set once the group aborts its tasks: a task gone without a value
    /// is expected.
    aborting: bool,
    parent: Option<Waker>,
}

type SharedReports<T, E> = Arc<Mutex<ItemReports<T, E>>>;

/// The reporter of one task item: hands its value, error or panic to the
/// fan-out, and counts it finished: at its end, or when its task is gone
/// without one.
struct ItemReporter<T, E> {
    shared: SharedReports<T, E>,
}

impl<T, E> TaskReporter<(usize, Result<T, E>)> for ItemReporter<T, E> {
    type Output = ();

    /// Also counts the item finished, under the same lock: its future is
    /// already dropped, and no user code runs after this (`gone` then has
    /// nothing to do).
    fn ended(&mut self, end: TaskEnd<(usize, Result<T, E>)>) {
        let waker = {
            let mut r = lock(&self.shared);
            r.finished += 1;
            let failed = match end {
                TaskEnd::Returned((index, Ok(value))) => {
                    if index >= r.values.len() {
                        let len = r.pushed.max(index + 1);
                        r.values.resize_with(len, || None);
                    }
                    r.values[index] = Some(value);
                    false
                }
                TaskEnd::Returned((index, Err(error))) => {
                    r.errors.push((index, error));
                    true
                }
                TaskEnd::Panicked(payload) => {
                    r.panic.keep(payload);
                    true
                }
            };
            if failed || r.wake_each || r.finished == r.expect {
                r.parent.take()
            } else {
                None
            }
        };
        // Wake outside the lock: a waker may run arbitrary code.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn drop_panicked(&mut self, payload: Panic) {
        let waker = {
            let mut r = lock(&self.shared);
            r.panic.keep(payload);
            r.parent.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    fn gone(&mut self, ended: bool) {
        if ended {
            // Counted by `ended`.
            return;
        }
        let waker = {
            let mut r = lock(&self.shared);
            r.finished += 1;
            let lost = !r.aborting;
            r.lost |= lost;
            if lost || r.wake_each || r.finished == r.expect {
                r.parent.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The task items of a `#[spawn] for`.
struct TaskItems<F, T, E> {
    spawn: Spawn<F, T, E>,
    /// Awaits the aborted items of a dropped fan-out (made where `T` and
    /// `E` are known to be `Send + 'static`).
    orphan: fn(SharedReports<T, E>, usize) -> Orphan,
    shared: SharedReports<T, E>,
    /// One per started item, in item order.
    handles: Vec<AbortHandle>,
}

impl<F, T, E> TaskItems<F, T, E> {
    /// Spawns the next item.
    fn start(&mut self, fut: F) {
        let reporter = ItemReporter {
            shared: Arc::clone(&self.shared),
        };
        self.handles.push((self.spawn)(fut, reporter));
    }
}

/// The children of one fan-out branch.
///
/// Items are futures of `Result<T, E>` already converted to the group's
/// error type. Local items are polled here; task items (`#[spawn] for`)
/// are spawned when the limit lets them start.
pub struct FanOut<'g, F: Future<Output = (usize, Result<T, E>)>, T, E> {
    group: &'g Group<E>,
    /// The branch's binding: item `i`'s errors are named `name[i]`.
    name: &'static str,
    /// Running local items (each yields its own index with its result),
    /// each in its own box: the one allocation per item (its slot and
    /// waker are reused).
    local: ReadySet<F>,
    /// Values of local items, by index: sized at the first value, so that
    /// pending items hold no room for one (and a fan-out that fails before
    /// any value allocates none).
    values: Vec<Option<T>>,
    /// Items pushed so far.
    pushed: usize,
    queued: VecDeque<F>,
    tasks: Option<TaskItems<F, T, E>>,
    limit: usize,
    /// Local items running (task items: `started - finished`).
    running: usize,
    stopped: bool,
    /// Where the values of the finished items go if the fan-out stops
    /// (an `except*` arm reads them): set only when an arm uses them.
    kept: Option<&'g Kept<Vec<Option<T>>>>,
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

impl<F: Future<Output = (usize, Result<T, E>)>, T, E> Drop for FanOut<'_, F, T, E> {
    fn drop(&mut self) {
        // Dropped while it ran (the group cancelled it): the local items
        // that finished keep their values for the `except*` arms.
        if self.kept.is_some() && self.tasks.is_none() {
            let values = std::mem::take(&mut self.values);
            self.keep(values);
        }
        // Dropped before every task finished (the group was dropped): the
        // items are aborted and handed to the enclosing group to await, so
        // none outlives it.
        if let Some(tasks) = &self.tasks {
            for handle in &tasks.handles {
                handle.abort();
            }
            let started = tasks.handles.len();
            let running = {
                let mut r = lock(&tasks.shared);
                r.aborting = true;
                r.finished < started
            };
            if running {
                orphans::leave([(tasks.orphan)(Arc::clone(&tasks.shared), started)]);
            }
        }
    }
}

/// Waits until `started` task items are gone.
fn await_items<T: Send + 'static, E: Send + 'static>(
    shared: SharedReports<T, E>,
    started: usize,
) -> Orphan {
    Box::pin(std::future::poll_fn(move |cx| {
        let mut r = lock(&shared);
        if r.finished >= started {
            return Poll::Ready(());
        }
        r.expect = started;
        r.wake_each = false;
        r.parent = Some(cx.waker().clone());
        Poll::Pending
    }))
}

fn spawn_item<F, T, E>(fut: F, reporter: ItemReporter<T, E>) -> AbortHandle
where
    F: Future<Output = (usize, Result<T, E>)> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    task_child::spawn(fut, reporter).abort_handle()
}

impl<'g, F, T, E> FanOut<'g, F, T, E>
where
    F: Future<Output = (usize, Result<T, E>)>,
{
    /// Items polled inside the group's own future (they may borrow).
    pub fn local(group: &'g Group<E>, limit: Option<usize>, name: &'static str) -> Self {
        Self::new(group, limit, name, None)
    }

    fn new(
        group: &'g Group<E>,
        limit: Option<usize>,
        name: &'static str,
        tasks: Option<TaskItems<F, T, E>>,
    ) -> Self {
        debug_assert!(
            limit != Some(0),
            "a limit reaches the fan-out through __private::limit"
        );
        FanOut {
            group,
            name,
            local: ReadySet::default(),
            values: Vec::new(),
            pushed: 0,
            queued: VecDeque::new(),
            tasks,
            // `limit` passed `__private::limit`, which refuses zero.
            limit: limit.unwrap_or(usize::MAX),
            running: 0,
            stopped: false,
            kept: None,
        }
    }

    /// Keeps the values of the items that finished in `kept` if the
    /// fan-out stops or is dropped before it ends.
    pub fn keep_into(mut self, kept: &'g Kept<Vec<Option<T>>>) -> Self {
        self.kept = Some(kept);
        self
    }

    /// Hands the values of the finished items, in input order, to the
    /// `kept` cell, if there is one.
    #[cold]
    fn keep(&mut self, mut values: Vec<Option<T>>) {
        if let Some(kept) = self.kept.take() {
            values.resize_with(self.pushed, || None);
            kept.keep(values);
        }
    }

    /// Adds the next item, made by `item` from its index (the item's
    /// output carries the index back); it starts at once when the limit
    /// leaves room, else when the group polls the fan-out.
    #[inline]
    pub fn push_with(&mut self, item: impl FnOnce(usize) -> F) {
        let index = self.pushed;
        self.pushed += 1;
        let fut = item(index);
        // Room now: no queue, no move. A task is not spawned once the
        // group is stopping (a local item is dropped with the fan-out).
        let room = !self.stopped
            && self.queued.is_empty()
            && policy::room(self.limit, self.running) > 0
            && (self.tasks.is_none() || !self.group.stopping());
        if room {
            self.start(fut);
        } else {
            self.queued.push_back(fut);
        }
    }

    /// Starts an item now.
    #[inline]
    fn start(&mut self, fut: F) {
        self.running += 1;
        match &mut self.tasks {
            None => self.local.push(fut),
            Some(tasks) => tasks.start(fut),
        }
    }

    /// Starts queued items up to the limit; true if any started.
    fn start_queued(&mut self) -> bool {
        let mut started = false;
        while !self.stopped && policy::room(self.limit, self.running) > 0 {
            let Some(fut) = self.queued.pop_front() else {
                break;
            };
            self.start(fut);
            started = true;
        }
        started
    }

    /// Stops starting items; local items are dropped at once, task items
    /// aborted (and still awaited, so their errors are kept).
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        self.queued.clear();
        match &self.tasks {
            None => {
                self.running -= self.local.len();
                self.local.clear();
            }
            Some(tasks) => {
                {
                    let mut r = lock(&tasks.shared);
                    r.aborting = true;
                    r.wake_each = false;
                }
                for handle in &tasks.handles {
                    handle.abort();
                }
            }
        }
    }

    /// Records a failed item; the policy says whether the fan-out stops.
    fn fail(&mut self, index: usize, error: E) {
        let name = leaf_name(self.name).map(|n| Arc::from(format!("{n}[{index}]")));
        self.group.fail_named(error, name);
        if self.group.mode().on_item_error() == Verdict::Cancel {
            self.stop();
        }
    }

    /// The values once every item has finished, or `Stopped`.
    fn finish(&mut self, mut values: Vec<Option<T>>) -> Result<Vec<T>, Stopped> {
        if self.stopped {
            self.keep(values);
            return Err(Stopped);
        }
        // Every item finished: the group's value holds them all.
        self.kept = None;
        // An empty fan-out, or one whose last items never reported.
        values.resize_with(self.pushed, || None);
        Ok(values
            .into_iter()
            .map(|v| match v {
                Some(v) => v,
                None => unreachable!("taskgroup: a fan-out item finished without a value"),
            })
            .collect())
    }

    /// Sizes the values for every item pushed, at the first value.
    #[cold]
    fn first_value(&mut self, index: usize, value: T) {
        self.values.resize_with(self.pushed, || None);
        self.values[index] = Some(value);
    }

    fn poll_local(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, Stopped>> {
        loop {
            if self.group.stopping() {
                self.stop();
            }
            self.start_queued();
            // `running` counts the local items: no look into the set.
            while self.running != 0 {
                if policy::budget_spent() {
                    // The task's coop budget is spent: every child would now
                    // answer Pending and wake itself later (deferred), and
                    // the set would go through all of its ready children
                    // for nothing, each time (O(N) per wake). Yield once
                    // instead; the ready ones keep their place.
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                match self.local.poll_next(cx) {
                    Poll::Ready(Some((index, result))) => {
                        self.running -= 1;
                        match result {
                            Ok(value) => match self.values.get_mut(index) {
                                Some(slot) => *slot = Some(value),
                                None => self.first_value(index, value),
                            },
                            Err(error) => self.fail(index, error),
                        }
                    }
                    // Pending: the set has registered our waker (or
                    // yielded after polling each item once, waking us).
                    Poll::Ready(None) | Poll::Pending => break,
                }
            }
            if self.running == 0 && self.queued.is_empty() {
                let values = std::mem::take(&mut self.values);
                return Poll::Ready(self.finish(values));
            }
            // Finished items made room: start the next ones and poll them.
            if !self.start_queued() {
                return Poll::Pending;
            }
        }
    }

    fn poll_tasks(&mut self, cx: &mut Context<'_>) -> Poll<Result<Vec<T>, Stopped>> {
        loop {
            if self.group.stopping() {
                self.stop();
            }
            self.start_queued();
            let Some(tasks) = &mut self.tasks else {
                unreachable!("taskgroup: a task fan-out without tasks")
            };
            let (errors, stop) = {
                let mut r = lock(&tasks.shared);
                r.pushed = self.pushed;
                let started = tasks.handles.len();
                self.running = started - r.finished;
                // A panic, or a task its runtime dropped, stops the others.
                let stop = !self.stopped && (r.lost || r.panic.is_some());
                if r.errors.is_empty() && !stop {
                    if self.running == 0 && self.queued.is_empty() {
                        break;
                    }
                    if self.stopped
                        || policy::room(self.limit, self.running) == 0
                        || self.queued.is_empty()
                    {
                        // Sleep until an error, a panic, the last task, or
                        // (items queued) any task.
                        r.expect = started;
                        r.wake_each = !self.stopped && !self.queued.is_empty();
                        match &r.parent {
                            Some(w) if w.will_wake(cx.waker()) => {}
                            _ => r.parent = Some(cx.waker().clone()),
                        }
                        return Poll::Pending;
                    }
                    // Room for queued items: start them.
                    continue;
                }
                (std::mem::take(&mut r.errors), stop)
            };
            for (index, error) in errors {
                self.fail(index, error);
            }
            if stop {
                self.stop();
            }
        }
        // Every task is gone: resume the first panic, else hand back the
        // values. Finished tasks' handles are dropped without aborting.
        let Some(tasks) = &mut self.tasks else {
            unreachable!("taskgroup: a task fan-out without tasks")
        };
        tasks.handles = Vec::new();
        let (panic, lost, values) = {
            let mut r = lock(&tasks.shared);
            (r.panic.take(), r.lost, std::mem::take(&mut r.values))
        };
        if let Some(payload) = panic {
            std::panic::resume_unwind(payload);
        }
        if lost {
            // A lost item has no value and no error: the fan-out can
            // neither hand back its values nor fail, so it panics (the
            // policy's rule for a lost task), and the group's driver
            // resumes it once the other branches are gone.
            std::panic::resume_unwind(policy::lost_task());
        }
        Poll::Ready(self.finish(values))
    }
}

impl<'g, F, T, E> FanOut<'g, F, T, E>
where
    F: Future<Output = (usize, Result<T, E>)> + Send + 'static,
    T: Send + 'static,
    E: Send + 'static,
{
    /// Items run as tokio tasks (`#[spawn] for`).
    pub fn tasks(group: &'g Group<E>, limit: Option<usize>, name: &'static str) -> Self {
        let shared = Arc::new(Mutex::new(ItemReports {
            values: Vec::new(),
            pushed: 0,
            errors: Vec::new(),
            panic: FirstPanic::default(),
            lost: false,
            finished: 0,
            expect: usize::MAX,
            wake_each: false,
            aborting: false,
            parent: None,
        }));
        let tasks = TaskItems {
            spawn: spawn_item::<F, T, E>,
            orphan: await_items::<T, E>,
            shared,
            handles: Vec::new(),
        };
        Self::new(group, limit, name, Some(tasks))
    }
}

impl<F, T, E> Future for FanOut<'_, F, T, E>
where
    F: Future<Output = (usize, Result<T, E>)>,
{
    type Output = Result<Vec<T>, Stopped>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // Every field is Unpin (the set boxes its futures).
        let this = self.get_mut();
        if this.tasks.is_some() {
            this.poll_tasks(cx)
        } else {
            this.poll_local(cx)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;
    use crate::policy::Mode;

    /// Counts the items whose future has been dropped.
    struct Dropped(Arc<AtomicUsize>);

    impl Drop for Dropped {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    fn sleep(ms: u64) -> tokio::time::Sleep {
        tokio::time::sleep(Duration::from_millis(ms))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn task_items_keep_input_order() {
        let group = Group::<()>::new(Mode::FailFast);
        let mut fan = FanOut::tasks(&group, None, "items");
        for i in 0..1_000u64 {
            fan.push_with(|index| async move {
                tokio::task::yield_now().await;
                (index, Ok(i))
            });
        }
        let v = fan.await.unwrap();
        assert_eq!(v, (0..1_000).collect::<Vec<_>>());
        assert!(group.into_errors().is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_task_item_aborts_the_others_and_waits_for_them() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let group = Group::<&str>::new(Mode::FailFast);
        let mut fan = FanOut::tasks(&group, None, "items");
        for i in 0..10u64 {
            let guard = Dropped(dropped.clone());
            fan.push_with(|index| async move {
                let _guard = guard;
                if i == 3 {
                    sleep(10).await;
                    (index, Err("item 3"))
                } else {
                    sleep(10_000).await;
                    (index, Ok(i))
                }
            });
        }
        assert_eq!(fan.await, Err(Stopped));
        assert_eq!(dropped.load(Ordering::SeqCst), 10);
        assert_eq!(group.into_errors().unwrap().into_vec(), ["item 3"]);
    }

    #[tokio::test(start_paused = true)]
    async fn aborted_task_items_add_no_errors() {
        let group = Group::<u64>::new(Mode::FailFast);
        let mut fan = FanOut::tasks(&group, None, "items");
        for i in 0..4u64 {
            fan.push_with(|index| async move {
                sleep(10 * i).await;
                (index, Err::<(), _>(i))
            });
        }
        // Item 0 fails at once; the others are aborted before they fail.
        assert_eq!(fan.await, Err(Stopped));
        assert_eq!(group.into_errors().unwrap().into_vec(), [0]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_task_item_is_resumed_after_the_others_are_gone() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let seen = dropped.clone();
        let join = tokio::spawn(async move {
            let group = Group::<()>::new(Mode::Supervise);
            let mut fan = FanOut::tasks(&group, None, "items");
            for i in 0..20u64 {
                let guard = Dropped(dropped.clone());
                fan.push_with(|index| async move {
                    let _guard = guard;
                    if i == 7 {
                        tokio::task::yield_now().await;
                        panic!("item {i}");
                    }
                    sleep(10_000).await;
                    (index, Ok(i))
                });
            }
            let _ = fan.await;
        });
        let payload = join.await.unwrap_err().into_panic();
        assert_eq!(payload.downcast_ref::<String>().unwrap(), "item 7");
        assert_eq!(seen.load(Ordering::SeqCst), 20);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_task_item_that_panics_while_the_others_are_aborted_is_resumed() {
        let join = tokio::spawn(async move {
            let group = Group::<&str>::new(Mode::FailFast);
            let mut fan = FanOut::tasks(&group, None, "items");
            struct PanicOnDrop;
            impl Drop for PanicOnDrop {
                fn drop(&mut self) {
                    panic!("dropped item");
                }
            }
            for i in 0..2u64 {
                // Item 1 is aborted after item 0 fails and panics while it
                // is dropped. It holds its bomb from the start: on the
                // multi-thread runtime it may be aborted before its first
                // poll, and a bomb made inside the block would not exist.
                let bomb = (i == 1).then_some(PanicOnDrop);
                fan.push_with(|index| async move {
                    let _bomb = bomb;
                    if i == 0 {
                        tokio::task::yield_now().await;
                        return (index, Err("item 0"));
                    }
                    sleep(10_000).await;
                    (index, Ok(()))
                });
            }
            let _ = fan.await;
        });
        let payload = join.await.unwrap_err().into_panic();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"dropped item"));
    }

    #[tokio::test(start_paused = true)]
    async fn dropping_a_task_fan_out_aborts_its_items() {
        let dropped = Arc::new(AtomicUsize::new(0));
        let group = Group::<()>::new(Mode::FailFast);
        let mut fan = FanOut::tasks(&group, None, "items");
        for i in 0..5u64 {
            let guard = Dropped(dropped.clone());
            fan.push_with(|index| async move {
                let _guard = guard;
                sleep(10_000).await;
                (index, Ok(i))
            });
        }
        let mut cx = Context::from_waker(Waker::noop());
        assert!(Pin::new(&mut fan).poll(&mut cx).is_pending());
        drop(fan);
        sleep(1).await;
        assert_eq!(dropped.load(Ordering::SeqCst), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn task_items_wait_for_the_limit() {
        let (running, max) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let group = Group::<()>::new(Mode::FailFast);
        let mut fan = FanOut::tasks(&group, Some(3), "items");
        for i in 0..10u64 {
            let (running, max) = (running.clone(), max.clone());
            fan.push_with(|index| async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                sleep(10).await;
                running.fetch_sub(1, Ordering::SeqCst);
                (index, Ok(i))
            });
        }
        let start = tokio::time::Instant::now();
        assert_eq!(fan.await.unwrap(), (0..10).collect::<Vec<_>>());
        assert_eq!(max.load(Ordering::SeqCst), 3);
        assert_eq!(start.elapsed(), Duration::from_millis(40));
    }
}
