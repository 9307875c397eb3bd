//! The driver that polls the static branches of one `taskgroup!`.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use futures_util::future::MaybeDone;
use tokio::time::Sleep;

use super::branch::Branch;
use super::branch_tree::{BranchTree, Scope};
use crate::error::{Cancelled, Collected, ErrorGroup, TimedOut, leaf_name};
use crate::orphans::{self, Orphan};
use crate::policy::{self, FirstPanic, Mode, Verdict, room};
use crate::util::{Panic, lock};

/// A branch stopped without a value: it failed (its error is already in
/// the [`Group`]) or it saw the group cancelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stopped;

/// What the branches of one group share: the errors, in the order they
/// happened, and the flags that tell every branch to stop.
///
/// It lives in the caller's future next to the branches, which borrow it;
/// everything here is `Sync` so the caller's future stays `Send`.
pub struct Group<E> {
    mode: Mode,
    errors: Mutex<Collected<E>>,
    /// Set by the failure that starts a fail-fast cancellation, the win
    /// that ends a race, or the driver's own cancelling: the branches stop.
    stop: AtomicBool,
    on_timeout: Option<fn(TimedOut) -> E>,
    /// Entered while the driver polls, so the branches' events nest in it.
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl<E> Group<E> {
    /// A group of the given mode without a deadline.
    #[inline]
    pub fn new(mode: Mode) -> Self {
        Self::make(mode, None)
    }

    /// A group whose deadline error is made by `on_timeout`.
    pub fn with_timeout(mode: Mode, on_timeout: fn(TimedOut) -> E) -> Self {
        Self::make(mode, Some(on_timeout))
    }

    #[inline]
    fn make(mode: Mode, on_timeout: Option<fn(TimedOut) -> E>) -> Self {
        Group {
            mode,
            errors: Mutex::new(Collected::default()),
            stop: AtomicBool::new(false),
            on_timeout,
            #[cfg(feature = "tracing")]
            span: tracing::info_span!("taskgroup", name = ""),
        }
    }

    /// Names the group (`name = …;`): the name of its span with the
    /// `tracing` feature and of its errors' leaves (its node in the live
    /// tree is named through [`Driver::name`]).
    #[cfg_attr(not(feature = "tracing"), allow(unused_mut))]
    pub fn named(mut self, name: impl AsRef<str>) -> Self {
        #[cfg(feature = "tracing")]
        {
            self.span = tracing::info_span!("taskgroup", name = name.as_ref());
        }
        lock(&self.errors).set_group(name.as_ref());
        self
    }

    /// Records an error of the branch bound to `child`; the group starts
    /// cancelling if its mode says so (fail-fast).
    pub fn fail(&self, error: E, child: &'static str) -> Stopped {
        self.fail_named(error, leaf_name(child))
    }

    /// [`fail`](Self::fail) with a name made at run time (a fan-out item).
    pub(crate) fn fail_named(&self, error: E, child: Option<Arc<str>>) -> Stopped {
        lock(&self.errors).push(error, child);
        if self.mode.on_error() == Verdict::Cancel {
            self.stop.store(true, Ordering::Release);
        }
        Stopped
    }

    /// The group's span, the parent of its branches' spans.
    #[cfg(feature = "tracing")]
    pub(super) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// The group's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Records a branch's success: in a race, the win that ends it.
    pub fn win(&self) {
        if self.mode.on_value() == Verdict::Cancel {
            self.stop.store(true, Ordering::Release);
        }
    }

    /// True once the branches should stop: the driver is cancelling, or a
    /// failure (fail-fast) or a win (race) is about to make it cancel.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn mark_cancelled(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// The deadline passed: records `TimedOut` and cancels.
    #[cold]
    fn time_out(&self) -> Option<Panic> {
        let Some(convert) = self.on_timeout else {
            self.mark_cancelled(); // no conversion: never made by the macros
            return None;
        };
        self.stop_with(|| convert(TimedOut::new()), policy::ON_TIMEOUT)
    }

    /// The `cancel = …;` future completed: records `Cancelled` and
    /// cancels, unless the group is already stopping.
    #[cold]
    fn cancel_on_purpose(&self, convert: fn(Cancelled) -> E) -> Option<Panic> {
        if self.stopping() {
            return None;
        }
        self.stop_with(|| convert(Cancelled::new()), policy::ON_CANCEL)
    }

    /// Records the group's own error made by `make` (user code: a panic
    /// there is handed back, to be resumed once the branches are gone),
    /// then does what the policy said (`verdict`).
    fn stop_with(&self, make: impl FnOnce() -> E, verdict: Verdict) -> Option<Panic> {
        let panic = match catch_unwind(AssertUnwindSafe(make)) {
            Ok(error) => {
                lock(&self.errors).push(error, None);
                None
            }
            Err(payload) => Some(payload),
        };
        if verdict == Verdict::Cancel {
            self.mark_cancelled();
        }
        panic
    }

    /// Every error recorded, once the branches are gone.
    #[inline]
    pub fn into_errors(self) -> Option<ErrorGroup<E>> {
        let errors = self.errors.into_inner().unwrap_or_else(|p| p.into_inner());
        errors.into_group(None)
    }
}

impl<E> std::fmt::Debug for Group<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("mode", &self.mode)
            .field("failed", &!lock(&self.errors).is_empty())
            .finish()
    }
}

/// Polls the branches of one group until all of them are done.
///
/// The macro hands [`Driver::poll`] a closure that shows every branch, in
/// order, to a [`Pass`]; the pass polls, skips or drops each one. A pass
/// polls each unfinished branch, like `tokio::try_join!`; when some branch
/// waits for another's binding (it registers no waker) or a limit holds
/// branches back, a pass that saw a branch finish is followed by another.
#[derive(Debug)]
pub struct Driver {
    cancelling: bool,
    /// What only a group that panicked or is recorded in the live tree
    /// needs; one check, and no allocation, for every other group.
    cold: Option<Box<Cold>>,
    /// `limit = N;`: at most N branches run at once, started in order
    /// (0: no limit). The counts are `u32` to keep the group's future small.
    limit: u32,
    /// Branches `0..started` have been started.
    started: u32,
    /// Branches `0..polled` have been polled at least once (or finished):
    /// cancelling drops a task branch beyond it as it is, since it never
    /// ran its expression or spawned its task.
    polled: u32,
    /// How many branches finished, were dropped or panicked.
    done: u32,
    /// How many branches the group has.
    total: u32,
    /// Whether a finished branch can unblock another (a dependency or a
    /// limit), so the pass that saw it must be followed by another.
    repass: bool,
}

/// The cold state of a [`Driver`].
#[derive(Default)]
struct Cold {
    panic: FirstPanic,
    /// The group's node in the live tree, while recording.
    tree: Option<Arc<BranchTree>>,
    /// The aborted tasks of groups dropped inside cancelled branches, to
    /// await before this group ends.
    orphans: Vec<Orphan>,
}

/// A group dropped before it awaited its orphans hands them on to the
/// group enclosing it.
impl Drop for Cold {
    fn drop(&mut self) {
        if !self.orphans.is_empty() {
            orphans::leave(std::mem::take(&mut self.orphans));
        }
    }
}

impl std::fmt::Debug for Cold {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cold")
            .field("panic", &self.panic)
            .field("tree", &self.tree.is_some())
            .finish()
    }
}

/// What a pass does to the branches it is shown.
#[derive(Debug, Clone, Copy)]
enum Op {
    /// Poll (or, cancelling, drop) the branches from this index on.
    Poll { from: usize },
    /// Drop the branch at this index (it panicked): nothing else.
    Drop { at: usize },
}

/// What [`Pass::act`] decided for one branch.
enum Act {
    Skip,
    Drop,
    Poll,
}

/// One walk over the branches of a group, handed to the macro's closure.
pub struct Pass<'p, 'c> {
    driver: &'p mut Driver,
    cx: &'p mut Context<'c>,
    stop: &'p AtomicBool,
    /// The group's node in the live tree, while recording (never in a
    /// plain pass).
    tree: Option<&'p BranchTree>,
    op: Op,
    /// One past the index of the last branch shown.
    index: usize,
    /// Some branch finished in this pass.
    progressed: bool,
    /// Every branch is started, the group is not cancelling and the pass
    /// began at the first branch: poll whatever has not finished.
    plain: bool,
    /// The group started cancelling in this pass: the branches before the
    /// one that made it stop still have to be dropped.
    cancel_began: bool,
}

impl std::fmt::Debug for Pass<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pass").field("index", &self.index).finish()
    }
}

impl<'p, 'c> Pass<'p, 'c> {
    #[inline]
    fn new(
        driver: &'p mut Driver,
        cx: &'p mut Context<'c>,
        stop: &'p AtomicBool,
        tree: Option<&'p BranchTree>,
        plain: bool,
    ) -> Self {
        Pass {
            driver,
            cx,
            stop,
            tree,
            op: Op::Poll { from: 0 },
            index: 0,
            progressed: false,
            plain,
            cancel_began: false,
        }
    }

    /// Ends a pass whose walk returned `caught`, then runs the passes that
    /// must follow it, if any.
    fn after(
        mut self,
        caught: std::thread::Result<()>,
        visit: &mut dyn FnMut(&mut Pass<'_, '_>),
    ) -> Poll<()> {
        let (again, orphans) = orphans::collect(|| self.end(caught, visit));
        let Pass {
            driver, cx, stop, ..
        } = self;
        driver.adopt(orphans);
        match driver.settle_all(cx) {
            Poll::Pending if again => driver.poll_passes(cx, stop, visit),
            settled => settled,
        }
    }

    /// Ends a pass whose walk returned `caught`: a branch that panicked is
    /// dropped and the walk goes on after it. True when another pass must
    /// follow.
    fn end(
        &mut self,
        mut caught: std::thread::Result<()>,
        visit: &mut dyn FnMut(&mut Pass<'_, '_>),
    ) -> bool {
        while let Err(payload) = caught {
            // The last branch shown panicked (in its poll or its drop):
            // drop it, keep the panic, cancel the rest and go on with the
            // branches after it.
            let at = self.index - 1;
            self.driver.keep_panic(payload);
            self.plain = false;
            self.op = Op::Drop { at };
            if let Err(payload) = catch_unwind(AssertUnwindSafe(|| visit(self))) {
                self.driver.keep_panic(payload);
            }
            if policy::ON_PANIC == Verdict::Cancel && !self.driver.cancelling {
                self.begin_cancel(at + 1);
            }
            self.progressed = true;
            self.op = Op::Poll { from: at + 1 };
            caught = catch_unwind(AssertUnwindSafe(|| visit(self)));
        }
        if !self.driver.cancelling {
            self.driver.every_started_polled();
        }
        self.cancel_began || (self.progressed && self.driver.repass)
    }
}

impl Pass<'_, '_> {
    /// Shows the pass branch `index` (the branches are shown in order,
    /// from 0); `task` when it runs a tokio task (cancelling it aborts the
    /// task and waits for it, so it stays).
    ///
    /// The branch is borrowed as its `Pin`, here and in [`output`]: the
    /// reborrow is then made once per future type, not written out in
    /// every group (in a debug build, a call each).
    ///
    /// [`output`]: super::output
    ///
    /// Only the poll itself is generic: what to do with a branch outside a
    /// plain pass is decided by [`Pass::act`], compiled once.
    #[inline]
    pub fn branch<F: Future>(
        &mut self,
        index: usize,
        task: bool,
        branch: &mut Pin<&mut Branch<F>>,
    ) {
        if let Some(ready) = self.poll_one(index, task, branch.as_mut()) {
            self.polled(ready);
        }
    }

    /// Shows the pass branch `index`, the user's own future of a
    /// `Result<T, X>`: an `Err` is taken out and handed back, for the
    /// caller to record with [`Group::fail`] and then tell [`Pass::failed`].
    ///
    /// Such a future cannot reach the group, so polling it never makes the
    /// group stop: unlike [`Pass::branch`] there is no stop flag to check.
    // `always` in an optimized build: without it LLVM keeps it out of
    // line once the branch has a few more lines, and the plain pass pays a
    // call per branch. Not in a debug build, where inlining it into every
    // group only costs compile time (see `Driver::poll`).
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn try_branch<F, T, X>(
        &mut self,
        index: usize,
        branch: &mut Pin<&mut Branch<F>>,
    ) -> Option<X>
    where
        F: Future<Output = Result<T, X>>,
    {
        if self.poll_one(index, false, branch.as_mut())? {
            self.driver.done += 1;
            self.progressed = true;
            if matches!(branch.as_mut().output_mut(), Some(Err(_))) {
                return branch.as_mut().take_output().and_then(Result::err);
            }
        }
        None
    }

    /// A branch's error was recorded (direct branches are fail-fast only):
    /// cancel the others.
    pub fn failed(&mut self, _: Stopped) {
        if Mode::FailFast.on_error() == Verdict::Cancel && !self.driver.cancelling {
            self.begin_cancel(self.index);
        }
    }

    /// Polls, skips or drops one branch: `Some(ready)` when it was polled.
    #[inline]
    fn poll_one<F: Future>(
        &mut self,
        i: usize,
        task: bool,
        mut branch: Pin<&mut Branch<F>>,
    ) -> Option<bool> {
        // A constant store: cheaper than counting.
        self.index = i + 1;
        if !matches!(*branch, MaybeDone::Future(_)) {
            // Finished. Or, in the pass that drops a branch that panicked,
            // the one whose finished future panicked while it was being
            // dropped: `Done` but never counted. (Such a pass is not plain.)
            if !self.plain
                && matches!(self.op, Op::Drop { at } if at == i)
                && matches!(*branch, MaybeDone::Done(_))
            {
                if let Some(tree) = self.tree {
                    tree.settle(self.driver.done);
                    tree.finished(i);
                }
                self.driver.done += 1;
                branch.set(MaybeDone::Gone);
            }
            return None;
        }
        if !self.plain {
            match self.act(task, i) {
                Act::Skip => return None,
                Act::Drop => {
                    branch.set(MaybeDone::Gone);
                    return None;
                }
                Act::Poll => {}
            }
        }
        Some(branch.as_mut().poll(self.cx).is_ready())
    }

    /// What a pass that is not plain does to unfinished branch `i`; the
    /// live tree, if recorded, follows.
    fn act(&mut self, task: bool, i: usize) -> Act {
        let Some(tree) = self.tree else {
            return self.decide(task, i);
        };
        // The branch polled before this one may have finished.
        tree.settle(self.driver.done);
        if self.driver.cancelling {
            tree.cancelling(false);
        }
        let act = self.decide(task, i);
        match act {
            Act::Poll => tree.enter(i, task, self.driver.done),
            Act::Drop => tree.finished(i),
            Act::Skip => {}
        }
        act
    }

    fn decide(&mut self, task: bool, i: usize) -> Act {
        match self.op {
            Op::Drop { at } if i == at => {
                self.driver.done += 1;
                return Act::Drop;
            }
            Op::Drop { .. } => return Act::Skip,
            Op::Poll { from } if i < from => return Act::Skip,
            Op::Poll { .. } => {}
        }
        if self.driver.cancelling {
            // A task branch that was never polled has no task to wait for.
            if !task || i >= self.driver.polled as usize {
                self.driver.done += 1;
                return Act::Drop;
            }
            return Act::Poll;
        }
        if i >= self.driver.started as usize {
            return Act::Skip;
        }
        Act::Poll
    }

    /// Counts a branch that finished; starts cancelling when the group
    /// was told to stop (a failure, a race's win, a timeout).
    #[inline]
    fn polled(&mut self, ready: bool) {
        if ready {
            self.driver.done += 1;
            self.progressed = true;
        }
        if self.stop.load(Ordering::Acquire) && !self.driver.cancelling {
            self.begin_cancel(self.index);
        }
    }

    /// Starts cancelling in this pass, after it polled the branches before
    /// `upto` (those it was meant to poll: every started one).
    #[cold]
    fn begin_cancel(&mut self, upto: usize) {
        let upto = u32::try_from(upto)
            .unwrap_or(u32::MAX)
            .min(self.driver.started);
        self.driver.polled = self.driver.polled.max(upto);
        self.plain = false;
        self.driver.cancelling = true;
        self.stop.store(true, Ordering::Release);
        self.cancel_began = true;
    }
}

impl Driver {
    /// A driver for `total` branches that runs at most `limit` of them at
    /// once (a branch only waits for earlier ones, which start first, so a
    /// limit never deadlocks); `deps` when some branch waits for another.
    /// `names` are the branches' bindings, in order: the names of their
    /// nodes in the live tree while it is recorded.
    #[inline]
    pub fn new(total: u32, limit: Option<usize>, deps: bool, names: &[&str]) -> Self {
        debug_assert!(limit != Some(0), "a limit comes through __private::limit");
        let tree = BranchTree::start(names);
        // Only a real limit frees room for another branch when one ends.
        let repass = deps || limit.is_some();
        // `limit` passed `__private::limit`, which refuses zero. A group in
        // the live tree gets the largest limit if it has none: it is then
        // never polled in a plain pass (see `branch_tree.rs`).
        let limit = match limit {
            Some(n) => u32::try_from(n).unwrap_or(u32::MAX),
            None if tree.is_some() => u32::MAX,
            None => 0,
        };
        Driver {
            cancelling: false,
            cold: tree.map(|tree| {
                Box::new(Cold {
                    panic: FirstPanic::default(),
                    tree: Some(tree),
                    orphans: Vec::new(),
                })
            }),
            started: if limit == 0 { total } else { 0 },
            polled: 0,
            limit,
            done: 0,
            total,
            repass,
        }
    }

    fn start_more(&mut self) {
        if self.limit != 0 {
            // Every branch done so far was started (none were cancelled).
            let running = self.started - self.done;
            let room = room(self.limit as usize, running as usize) as u32;
            self.started = self.started.saturating_add(room).min(self.total);
        }
    }

    /// Polls the branches `visit` shows to a [`Pass`], in order, until all
    /// are done; then [`Driver::into_panic`] hands over the first panic, to
    /// be resumed by the caller once the branches have been dropped.
    ///
    /// The common pass (no limit, nothing cancelling) runs here, inlined
    /// in the caller, where `visit` is a known closure that LLVM calls
    /// directly; whatever follows that pass (a panic, a cancellation,
    /// another pass) goes to code compiled once. `visit` stays a
    /// `dyn FnMut`: generic, this would be compiled once per group.
    ///
    /// A debug build (`debug_assertions`, as in cargo's dev profile) does
    /// not optimize, so inlining gains nothing there and costs compile
    /// time: LLVM would get a copy of this per group instead of one per
    /// error type.
    #[cfg_attr(debug_assertions, inline)]
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub fn poll<E>(
        &mut self,
        cx: &mut Context<'_>,
        group: &Group<E>,
        deadline: Option<Pin<&mut Sleep>>,
        visit: &mut dyn FnMut(&mut Pass<'_, '_>),
    ) -> Poll<()> {
        #[cfg(feature = "tracing")]
        let _entered = group.span.enter();
        if !self.cancelling
            && let Some(sleep) = deadline
            && sleep.poll(cx).is_ready()
            && let Some(payload) = group.time_out()
        {
            self.keep_panic(payload);
        }
        let stop = &group.stop;
        // Without a limit every branch is started: `start_more` has
        // nothing to do and the pass is plain unless the group stops.
        // A group recorded in the live tree has a limit (`u32::MAX` if it
        // has none), so it is never polled plain: its passes go through
        // `Pass::act`, which keeps its branches' nodes.
        if self.limit != 0 || self.cancelling || stop.load(Ordering::Acquire) {
            return self.poll_passes(cx, stop, visit);
        }
        let mut pass = Pass::new(self, cx, stop, None, true);
        let caught = catch_unwind(AssertUnwindSafe(|| visit(&mut pass)));
        if caught.is_ok() && !pass.cancel_began && !(pass.progressed && pass.driver.repass) {
            pass.driver.every_started_polled();
            return pass.driver.settle();
        }
        pass.after(caught, visit)
    }

    fn poll_passes(
        &mut self,
        cx: &mut Context<'_>,
        stop: &AtomicBool,
        visit: &mut dyn FnMut(&mut Pass<'_, '_>),
    ) -> Poll<()> {
        let tree = self.cold.as_ref().and_then(|cold| cold.tree.clone());
        let tree = tree.as_deref();
        let _scope = tree.map(|_| Scope::save());
        loop {
            if !self.cancelling {
                if stop.load(Ordering::Acquire) {
                    self.cancelling = true;
                } else {
                    self.start_more();
                }
            }
            let plain = !self.cancelling && self.started == self.total && tree.is_none();
            let mut pass = Pass::new(self, cx, stop, tree, plain);
            // Groups dropped in this pass (inside a cancelled branch) leave
            // their aborted tasks here, to be awaited before this group ends.
            let (again, orphans) = orphans::collect(|| {
                let caught = catch_unwind(AssertUnwindSafe(|| visit(&mut pass)));
                pass.end(caught, visit)
            });
            self.adopt(orphans);
            if let Some(tree) = tree {
                tree.settle(self.done);
            }
            match self.settle_all(cx) {
                Poll::Pending if again => {}
                settled => return settled,
            }
        }
    }

    /// A pass went through without cancelling: it polled every started
    /// branch that had not finished.
    #[inline]
    fn every_started_polled(&mut self) {
        self.polled = self.started;
    }

    /// `Ready` once every branch is done, else `Pending`.
    #[inline]
    fn settle(&mut self) -> Poll<()> {
        if self.done == self.total {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// The first panic of a branch, once the driver is done.
    #[inline]
    pub fn into_panic(self) -> Option<Panic> {
        self.cold.and_then(|mut cold| cold.panic.take())
    }

    /// Keeps the orphans that groups dropped in a pass left, to await them.
    fn adopt(&mut self, orphans: Vec<Orphan>) {
        if !orphans.is_empty() {
            self.cold.get_or_insert_default().orphans.extend(orphans);
        }
    }

    /// `Ready` once every branch is done and every adopted orphan has
    /// ended (each polled, so it wakes the group when it does).
    fn settle_all(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let orphans_done = match &mut self.cold {
            None => true,
            Some(cold) => {
                cold.orphans
                    .retain_mut(|o| o.as_mut().poll(cx).is_pending());
                cold.orphans.is_empty()
            }
        };
        if orphans_done {
            self.settle()
        } else {
            Poll::Pending
        }
    }

    #[cold]
    fn keep_panic(&mut self, payload: Panic) {
        self.cold.get_or_insert_default().panic.keep(payload);
    }

    /// Polls the future of `cancel = …;` (called before [`Driver::poll`],
    /// only by a group with the option): once it completes, the group is
    /// cancelled with `Cancelled` converted by `convert`, as on a timeout.
    pub fn poll_cancel<E, F: Future>(
        &mut self,
        cx: &mut Context<'_>,
        group: &Group<E>,
        mut signal: Pin<&mut Option<F>>,
        convert: fn(Cancelled) -> E,
    ) {
        if self.cancelling {
            return;
        }
        let Some(fut) = signal.as_mut().as_pin_mut() else {
            return;
        };
        if fut.poll(cx).is_ready() {
            signal.set(None);
            if let Some(tree) = self.cold.as_ref().and_then(|cold| cold.tree.as_ref()) {
                tree.cancelling(true);
            }
            if let Some(payload) = group.cancel_on_purpose(convert) {
                self.keep_panic(payload);
            }
        }
    }

    /// Names the group's node in the live tree (`name = …;`), if it is
    /// recorded.
    pub fn name(&self, name: impl AsRef<str>) {
        if let Some(tree) = self.cold.as_ref().and_then(|cold| cold.tree.as_ref()) {
            tree.name(name.as_ref());
        }
    }
}

/// Ends a group once its branches are dropped: resumes the first panic,
/// else hands back the errors.
///
/// The common end, no panic and nothing recorded, is decided here, inline:
/// the group then holds no allocation, so it is dropped without the drop
/// glue of its errors (which LLVM did not fold away: 17 instructions).
/// Everything else goes to `finish_recorded`, compiled once per error
/// type and out of line.
#[inline]
pub fn finish<E>(panic: Option<Panic>, mut group: Group<E>) -> Option<ErrorGroup<E>> {
    let untouched = match group.errors.get_mut() {
        Ok(errors) => errors.is_untouched(),
        Err(_) => false,
    };
    if panic.is_none() && untouched {
        // Its other parts (the span) are dropped as usual.
        let Group { errors, .. } = group;
        errors
            .into_inner()
            .unwrap_or_else(|p| p.into_inner())
            .drop_untouched();
        return None;
    }
    finish_recorded(panic, group)
}

/// [`finish`] of a group that panicked or recorded something.
#[inline(never)]
fn finish_recorded<E>(panic: Option<Panic>, group: Group<E>) -> Option<ErrorGroup<E>> {
    if let Some(payload) = panic {
        // The errors are user values: one whose drop panics must not
        // replace the payload (or abort the process while it unwinds).
        let _ = catch_unwind(AssertUnwindSafe(move || drop(group)));
        resume_unwind(payload);
    }
    group.into_errors()
}
