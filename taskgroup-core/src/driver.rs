//! The driver of a `TaskGroup`: `run`'s own future. It admits spawned
//! children into slots, polls the ones that were woken, and decides what
//! each child's end does to the group.

use std::collections::VecDeque;
use std::future::{Future, poll_fn};
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

use tokio::task::AbortHandle;
use tokio::time::Sleep;

use crate::cancel::{CANCEL, CANCEL_CHILDREN, HoldsSlot, WANTED};
use crate::error::{Collected, ErrorGroup, Failure, TimedOut};
use crate::options::{CancelOn, Signal};
use crate::orphans::{self, Orphan};
use crate::policy::{self, FirstPanic, Mode, Verdict};
use crate::state::{GroupState, INCOMING, LocalFut, NewChild, Phase, TASKS};
use crate::task_child::TaskReport;
use crate::tree::{self, GroupNode};
use crate::util::{Panic, lock};
use crate::wake::{BODY, SlotWaker, SlotWakers};

mod cancel;

/// A child the driver polls.
pub(crate) enum Child<'a, E> {
    Local(LocalFut<'a, E>),
    /// The aborted tasks of a dropped nested group, awaited here.
    Orphan(Orphan),
}

/// Runs `body` as the group's body and drives every child until all are
/// done: `run`'s own future, shared by `TaskGroup::run` and `Race::run`.
pub(crate) async fn run_until<E, B, T>(group: &GroupState<'_, E>, body: B) -> RunEnd<T, E>
where
    B: Future<Output = Result<T, E>>,
{
    group.start();
    let _close = CloseGuard { group };
    let name = group.options.name.as_deref();
    // Kept alive by `run`'s future: the node leaves the tree with it.
    let _tree_node = tree::recording().then(|| {
        let node = GroupNode::start(name);
        let _ = group.tree.set(Arc::downgrade(&node));
        node
    });
    let mut driver = GroupDriver::new(group);
    let mut body = pin!(Some(body));
    // Dropped before the body when `run`'s future is dropped mid-way: the
    // group refuses new children first, so a `Drop` of the body that
    // spawns starts nothing.
    let mut refuse = RefuseOnDrop { group, armed: true };
    let mut timer = pin!(group.options.timeout.map(|(d, _)| tokio::time::sleep(d)));
    let mut signal = group.options.cancel_on.as_ref().and_then(take_signal);
    let mut value = None;
    let drive = poll_fn(|cx| {
        let timer = timer.as_mut().as_pin_mut();
        driver.poll(cx, body.as_mut(), timer, &mut signal, &mut value)
    });
    #[cfg(feature = "tracing")]
    let drive = {
        use tracing::Instrument;
        let span = tracing::info_span!("taskgroup", name = name.unwrap_or(""));
        let _ = group.span.set(span.clone());
        drive.instrument(span)
    };
    drive.await;
    refuse.armed = false;
    driver.finish(value)
}

/// The `cancel_on` future, taken out by the group's one run.
#[cold]
fn take_signal<E>(cancel_on: &CancelOn<E>) -> Option<Signal> {
    lock(&cancel_on.signal).take()
}

/// Drops a user value (a child, an error, the body's value), catching a
/// panic of its drop.
fn drop_catching<T>(value: T) -> Option<Panic> {
    catch_unwind(AssertUnwindSafe(move || drop(value))).err()
}

/// See `run_until`: refuses new children when dropped while armed.
struct RefuseOnDrop<'g, 'a, E> {
    group: &'g GroupState<'a, E>,
    armed: bool,
}

impl<E> Drop for RefuseOnDrop<'_, '_, E> {
    fn drop(&mut self) {
        if self.armed {
            self.group.refuse_new();
        }
    }
}

/// Closes the group when `run` ends or its future is dropped: no child may
/// be spawned after this, and children spawned while the driver was being
/// dropped are dropped here (cancelled, never polled).
pub(crate) struct CloseGuard<'g, 'a, E> {
    group: &'g GroupState<'a, E>,
}

impl<E> Drop for CloseGuard<'_, '_, E> {
    fn drop(&mut self) {
        // Whoever still awaits a handle of a child that never had a value
        // then panics instead of waiting forever — also when dropping a
        // leftover child panics.
        let _end = EndOnDrop(&self.group.cancel);
        loop {
            let leftover = {
                let mut st = lock(&self.group.locked);
                st.phase = Phase::Finished;
                std::mem::take(&mut *st.incoming)
            };
            if leftover.is_empty() {
                break;
            }
            drop(leftover);
        }
    }
}

/// Ends the group's inbox (`CancelInbox::end`) when dropped.
struct EndOnDrop<'g>(&'g crate::cancel::CancelInbox);

impl Drop for EndOnDrop<'_> {
    fn drop(&mut self) {
        self.0.end();
    }
}

/// How a run ended.
pub(crate) enum RunEnd<T, E> {
    Value(T),
    Failed(ErrorGroup<E>),
    Panicked(Panic),
    /// A race child succeeded.
    Won,
    /// A race ended with no contestant at all.
    Empty,
}

/// How one child poll ended.
pub(crate) enum ChildEnd<E> {
    Done,
    Failed(Failure<E>),
    Panicked(Panic),
    /// The aborted tasks of a dropped nested group ended.
    Aborted,
}

pub(crate) struct GroupDriver<'g, 'a, E> {
    group: &'g GroupState<'a, E>,
    /// The children, by slot (their wakers are in `wakers`).
    slots: Vec<Option<Child<'a, E>>>,
    /// Occupied slots.
    live: usize,
    /// Children waiting for the limit, in spawn order.
    waiting: VecDeque<NewChild<'a, E>>,
    body_wake: Arc<SlotWaker>,
    body_waker: Waker,
    /// The slots' wakers, and the polling loop's free slots and batches
    /// (from this thread's pool, and back to it).
    wakers: SlotWakers,
    body_done: bool,
    errors: Collected<E>,
    panic: FirstPanic,
    cancelling: bool,
    won: bool,
    /// Task children started from the waiting line (a group with a limit),
    /// by id: a handle that cancels one aborts its task.
    deferred: Vec<(usize, AbortHandle)>,
    /// The group's identity for `cancel::HoldsSlot` when it has a limit;
    /// zero without one.
    lend: usize,
}

/// When `run`'s future is dropped mid-way, the group must refuse new
/// children before the running ones are dropped: a child's `Drop` that
/// spawns would otherwise start a task that outlives the group.
impl<E> Drop for GroupDriver<'_, '_, E> {
    fn drop(&mut self) {
        // Each child is dropped on its own, a panic of its drop caught: a
        // second panic while the first unwinds would abort the process.
        // The first one is raised again once every child is gone.
        let mut first = FirstPanic::default();
        let incoming = self.group.begin_cancel();
        // Task children cannot be awaited here: hand them, aborted, to the
        // enclosing group (if one is polling on this thread) to await.
        let mut orphans = Vec::new();
        for slot in &mut self.slots {
            match slot.take() {
                Some(Child::Orphan(o)) => orphans.push(o),
                other => *slot = other,
            }
        }
        if let Some(set) = self.group.tasks.get() {
            let mut list = std::mem::take(&mut lock(&self.group.locked).aborts);
            if !list.all_finished() {
                orphans.push((set.orphan)(&set.tasks, list));
            }
        }
        for child in incoming {
            if let Some(payload) = drop_catching(child) {
                first.keep(payload);
            }
        }
        orphans::leave(orphans);
        // Children still in their slots are dropped (as the field would
        // be; the slots' wakers then go back to this thread's pool).
        for child in std::mem::take(&mut self.slots).into_iter().flatten() {
            if let Some(payload) = drop_catching(child) {
                first.keep(payload);
            }
        }
        if let Some(payload) = first.take()
            && !std::thread::panicking()
        {
            resume_unwind(payload);
        }
    }
}

impl<'g, 'a, E> GroupDriver<'g, 'a, E> {
    fn new(group: &'g GroupState<'a, E>) -> Self {
        let body_wake = SlotWaker::new(BODY, &group.ready);
        // The body is polled first.
        group.ready.push(BODY);
        GroupDriver {
            group,
            slots: Vec::new(),
            live: 0,
            waiting: VecDeque::new(),
            body_waker: Waker::from(Arc::clone(&body_wake)),
            body_wake,
            wakers: SlotWakers::new(&group.ready),
            body_done: false,
            errors: Collected::default(),
            panic: FirstPanic::default(),
            cancelling: false,
            won: false,
            lend: if group.options.limit.is_some() {
                group.cancel.id()
            } else {
                0
            },
            deferred: Vec::new(),
        }
    }

    fn poll<B, T>(
        &mut self,
        cx: &mut Context<'_>,
        body: Pin<&mut Option<B>>,
        timer: Option<Pin<&mut Sleep>>,
        signal: &mut Option<Signal>,
        value: &mut Option<T>,
    ) -> Poll<()>
    where
        B: Future<Output = Result<T, E>>,
    {
        // Collect the tasks of nested groups dropped while we poll.
        let (mut done, orphans) =
            orphans::collect(|| self.poll_inner(cx, body, timer, signal, value));
        if !orphans.is_empty() {
            for o in orphans {
                self.insert_child(Child::Orphan(o));
            }
            // They must finish before the group does, and be polled.
            done = Poll::Pending;
            cx.waker().wake_by_ref();
        }
        done
    }

    fn poll_inner<B, T>(
        &mut self,
        cx: &mut Context<'_>,
        mut body: Pin<&mut Option<B>>,
        timer: Option<Pin<&mut Sleep>>,
        signal: &mut Option<Signal>,
        value: &mut Option<T>,
    ) -> Poll<()>
    where
        B: Future<Output = Result<T, E>>,
    {
        if signal.is_some() {
            self.poll_signal(cx, signal);
        }
        if let Some(timer) = timer {
            if !self.cancelling && timer.poll(cx).is_ready() {
                let (_, convert) = self
                    .group
                    .options
                    .timeout
                    .expect("a timer implies a timeout");
                self.stop_with(
                    || convert(TimedOut::new()),
                    policy::ON_TIMEOUT,
                    body.as_mut(),
                );
            }
        }
        // Let every ready child run about twice before yielding to the
        // runtime, so a child that keeps waking itself cannot starve others.
        let mut budget = 2 * (self.live + 64);
        loop {
            self.wakers.refill();
            if self.wakers.batch.is_empty() {
                if self.body_done && self.live == 0 && self.waiting.is_empty() && self.tasks_idle()
                {
                    if self.take_reports(body.as_mut()) {
                        // A late error, panic or win: look again.
                        continue;
                    }
                    if !self.group.tasks_complete() {
                        cx.waker().wake_by_ref();
                        return Poll::Pending;
                    }
                    if self.group.try_finish() {
                        return Poll::Ready(());
                    }
                    // A child spawned while we were looking: admit it.
                    self.admit();
                    continue;
                }
                if self.group.ready.sleep(cx.waker()) {
                    return Poll::Pending;
                }
                continue;
            }
            let batch = std::mem::take(&mut self.wakers.batch);
            let start = self.wakers.pos;
            let mut pos = start;
            let mut out_of_budget = false;
            while let Some(&idx) = batch.get(pos) {
                // Once tokio's cooperative budget for this task is spent,
                // every tokio resource a child polls (a JoinHandle, a socket)
                // answers Pending and wakes at once: polling on would spin.
                // Keep the rest of the batch for the next poll (pushing it
                // back on the queue would cost O(rest) per yield, O(N^2) for
                // N task children) and yield to the runtime.
                if policy::budget_spent() {
                    out_of_budget = true;
                    break;
                }
                pos += 1;
                match idx {
                    BODY => self.poll_body(body.as_mut(), value),
                    INCOMING => self.admit(),
                    TASKS => self.poll_tasks(body.as_mut()),
                    CANCEL => self.cancel_on_purpose(body.as_mut()),
                    CANCEL_CHILDREN => self.cancel_children(body.as_mut()),
                    WANTED => self.start_wanted(),
                    idx => self.poll_child(idx, body.as_mut()),
                }
            }
            self.wakers.batch = batch;
            self.wakers.pos = pos;
            budget = budget.saturating_sub(pos - start);
            if budget == 0 || out_of_budget {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
        }
    }

    fn poll_body<B, T>(&mut self, mut body: Pin<&mut Option<B>>, value: &mut Option<T>)
    where
        B: Future<Output = Result<T, E>>,
    {
        let Some(fut) = body.as_mut().as_pin_mut() else {
            return;
        };
        self.body_wake.clear();
        let mut cx = Context::from_waker(&self.body_waker);
        match catch_unwind(AssertUnwindSafe(|| fut.poll(&mut cx))) {
            Ok(Poll::Pending) => {}
            Ok(Poll::Ready(Ok(v))) => {
                *value = Some(v);
                self.drop_body(body);
            }
            Ok(Poll::Ready(Err(e))) => {
                self.drop_body(body.as_mut());
                self.own_error(e);
                self.decide(policy::ON_BODY_ERROR, body);
            }
            Err(payload) => {
                self.drop_body(body.as_mut());
                self.record_panic(payload);
                self.decide(policy::ON_PANIC, body);
            }
        }
    }

    fn drop_body<B>(&mut self, mut body: Pin<&mut Option<B>>) {
        self.body_done = true;
        if body.as_ref().is_some() {
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| body.set(None))) {
                self.record_panic(payload);
            }
        }
    }

    /// Drops a user value, recording a panic of its drop as the group's;
    /// true if it panicked.
    fn drop_user<T>(&mut self, value: T) -> bool {
        match drop_catching(value) {
            Some(payload) => {
                self.record_panic(payload);
                true
            }
            None => false,
        }
    }

    fn record_panic(&mut self, payload: Panic) {
        #[cfg(feature = "tracing")]
        tracing::debug!("a child panicked");
        self.panic.keep(payload);
    }

    fn poll_child<B>(&mut self, idx: usize, mut body: Pin<&mut Option<B>>) {
        let Some(slot) = self.slots.get_mut(idx) else {
            return;
        };
        // The queued mark is cleared even for an empty slot (see
        // `poll_waker`). A stale wake for a reused slot is harmless: at
        // worst one spurious poll.
        let mut cx = Context::from_waker(self.wakers.poll_waker(idx));
        let Some(child) = slot.as_mut() else {
            return;
        };
        let outcome = match child {
            Child::Local(fut) => {
                // A child of a group with a limit holds a slot while it runs.
                let _holds = (self.lend != 0).then(|| HoldsSlot::enter(self.lend));
                match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(&mut cx))) {
                    Ok(Poll::Pending) => return,
                    Ok(Poll::Ready(Ok(()))) => ChildEnd::Done,
                    Ok(Poll::Ready(Err(e))) => ChildEnd::Failed(e),
                    Err(payload) => ChildEnd::Panicked(payload),
                }
            }
            Child::Orphan(fut) => match fut.as_mut().poll(&mut cx) {
                Poll::Pending => return,
                Poll::Ready(()) => ChildEnd::Aborted,
            },
        };
        let finished = slot.take();
        self.wakers.free.push(idx);
        self.live -= 1;
        // Requests made meanwhile are carried out before this child's
        // drop runs user code.
        if self.group.cancel.pending() {
            self.cancel_children(body.as_mut());
        }
        if self.drop_user(finished) {
            self.decide(policy::ON_PANIC, body);
            return;
        }
        self.child_done(outcome, body);
    }

    /// Whether no task child is running (if some are, the last one wakes
    /// the driver).
    fn tasks_idle(&self) -> bool {
        self.group.tasks.get().is_none_or(|set| set.tasks.idle())
    }

    /// Handles what task children reported; false if there was nothing.
    fn take_reports<B>(&mut self, mut body: Pin<&mut Option<B>>) -> bool {
        let Some(set) = self.group.tasks.get() else {
            return false;
        };
        let reports = set.tasks.take_reports();
        if reports.is_empty() {
            return false;
        }
        for report in reports {
            let outcome = match report {
                TaskReport::Failed(error, child) => ChildEnd::Failed(Failure { error, child }),
                TaskReport::Panicked(payload) => ChildEnd::Panicked(payload),
                TaskReport::Won => ChildEnd::Done,
                // Its runtime dropped it: the group can never complete, so
                // it ends like a child's panic (`policy::ON_PANIC`), with
                // the payload made here, on the driver's thread as it polls.
                TaskReport::Lost => ChildEnd::Panicked(policy::lost_task()),
            };
            self.child_done(outcome, body.as_mut());
        }
        true
    }

    /// Task children reported, or ended (with a limit, a slot is free).
    fn poll_tasks<B>(&mut self, body: Pin<&mut Option<B>>) {
        if let Some(set) = self.group.tasks.get() {
            set.wake.clear();
        }
        self.take_reports(body);
        self.start_waiting();
    }

    fn child_done<B>(&mut self, outcome: ChildEnd<E>, body: Pin<&mut Option<B>>) {
        let mode = self.group.options.mode;
        let verdict = match outcome {
            // A value after the group began cancelling changes nothing.
            ChildEnd::Done if self.cancelling => Verdict::GoOn,
            ChildEnd::Done => {
                let verdict = mode.on_value();
                self.won = verdict == Verdict::Cancel;
                verdict
            }
            ChildEnd::Failed(failure) => {
                self.errors.push_failure(failure);
                mode.on_error()
            }
            ChildEnd::Panicked(payload) => {
                self.record_panic(payload);
                policy::ON_PANIC
            }
            ChildEnd::Aborted => Verdict::GoOn,
        };
        self.decide(verdict, body);
    }

    /// Carries out what the policy decided: cancel everything, or let the
    /// next waiting children start in the room a finished one left.
    #[inline]
    fn decide<B>(&mut self, verdict: Verdict, body: Pin<&mut Option<B>>) {
        match verdict {
            Verdict::Cancel => self.cancel(body),
            Verdict::GoOn => self.start_waiting(),
        }
    }

    /// Moves newly spawned children into slots (or the waiting line).
    fn admit(&mut self) {
        let incoming = self.group.take_incoming();
        if self.cancelling {
            self.cancel_new(incoming);
            return;
        }
        let limited = self.group.options.limit.is_some();
        if !limited {
            // Grown once for the whole batch, not doubling child by child.
            let new = incoming.len().saturating_sub(self.wakers.free.len());
            self.slots.reserve(new);
            self.wakers.reserve(incoming.len());
        }
        for child in incoming {
            if limited {
                self.waiting.push_back(child);
            } else {
                self.insert(child);
            }
        }
        if limited {
            self.start_waiting();
        }
    }

    /// Starts children the limit held back, if there is room.
    // Inline: called at every child's end, with nothing waiting unless
    // the group has a limit.
    #[inline]
    fn start_waiting(&mut self) {
        if self.cancelling || self.waiting.is_empty() {
            return;
        }
        self.start_more_waiting();
    }

    /// Starts waiting children while the limit leaves room.
    fn start_more_waiting(&mut self) {
        let limit = self.group.options.limit.unwrap_or(usize::MAX);
        let tasks = || self.group.tasks.get().map_or(0, |set| set.tasks.running());
        while policy::room(limit, self.live + tasks()) > 0 {
            match self.waiting.pop_front() {
                Some(child) => self.insert(child),
                None => break,
            }
        }
    }

    #[inline]
    fn insert(&mut self, child: NewChild<'a, E>) {
        match child {
            NewChild::Local(fut) => self.insert_child(Child::Local(fut)),
            NewChild::Deferred(start) => self.start_deferred(start),
        }
    }

    fn insert_child(&mut self, child: Child<'a, E>) {
        // Polled by this driver without a trip through the locked queue.
        let idx = self.wakers.assign();
        match self.slots.get_mut(idx) {
            Some(slot) => *slot = Some(child),
            None => self.slots.push(Some(child)),
        }
        self.live += 1;
    }

    /// Cancels the body and every child: local children are dropped now,
    /// task children aborted (and still awaited by the driver).
    fn cancel<B>(&mut self, body: Pin<&mut Option<B>>) {
        if self.cancelling {
            return;
        }
        self.cancelling = true;
        #[cfg(feature = "tracing")]
        tracing::debug!(running = self.live, "group cancelling");
        if let Some(node) = self.group.tree_node() {
            node.mark_cancelling(false);
        }
        let incoming = self.group.begin_cancel();
        self.drop_body(body);
        let mut dropped: Vec<Child<'a, E>> = Vec::new();
        for (idx, slot) in self.slots.iter_mut().enumerate() {
            match slot {
                Some(Child::Local(_)) => {
                    dropped.extend(slot.take());
                    self.wakers.free.push(idx);
                    self.live -= 1;
                }
                Some(Child::Orphan(_)) | None => {}
            }
        }
        let waiting: Vec<_> = self.waiting.drain(..).collect();
        // Drop user futures only now that our own state is consistent: a
        // drop may spawn (refused: the group is cancelling) or panic.
        for child in dropped {
            self.drop_user(child);
        }
        self.cancel_new(waiting);
        self.cancel_new(incoming);
    }

    /// Cancels children that were spawned but not admitted: each is
    /// dropped without ever being polled, a panic in its drop caught.
    fn cancel_new(&mut self, children: Vec<NewChild<'a, E>>) {
        for child in children {
            self.drop_user(child);
        }
    }

    /// An error of the group's own (its body's, its timeout's, a cancel's),
    /// after a supervising group's errors that no handle took so far, so
    /// the `ErrorGroup` keeps their order.
    fn own_error(&mut self, error: E) {
        if let Some(sup) = &self.group.supervisor {
            for (error, child) in sup.take() {
                self.errors.push(error, child);
            }
        }
        self.errors.push(error, None);
    }

    /// Records the group's own error that user code makes (`make`: a panic
    /// in it is the group's, resumed once the children are gone), then
    /// carries out `verdict`.
    fn stop_with<B>(
        &mut self,
        make: impl FnOnce() -> E,
        verdict: Verdict,
        body: Pin<&mut Option<B>>,
    ) {
        match catch_unwind(AssertUnwindSafe(make)) {
            Ok(error) => self.own_error(error),
            Err(payload) => self.record_panic(payload),
        }
        self.decide(verdict, body);
    }

    fn finish<T>(&mut self, value: Option<T>) -> RunEnd<T, E> {
        if let Some(sup) = &self.group.supervisor {
            for (error, child) in sup.end() {
                self.errors.push(error, child);
            }
        }
        if let Some(payload) = self.panic.take() {
            // The errors and the value are user types: one whose drop
            // panics must not replace the payload being resumed.
            let rest = (std::mem::take(&mut self.errors), value);
            let _ = drop_catching(rest);
            return RunEnd::Panicked(payload);
        }
        if self.won {
            return RunEnd::Won;
        }
        let name = self.group.options.name.as_deref();
        if let Some(errors) = std::mem::take(&mut self.errors).into_group(name) {
            return RunEnd::Failed(errors);
        }
        match value {
            Some(v) if self.group.options.mode != Mode::Race => RunEnd::Value(v),
            _ => RunEnd::Empty,
        }
    }
}
