//! The driver that polls the static branches of one `taskgroup!`.

use std::any::Any;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use tokio::time::Sleep;

use crate::error::{ErrorGroup, TimedOut};
use crate::wake::lock;

type Panic = Box<dyn Any + Send + 'static>;

/// What the group does when a branch fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The first error cancels the other branches.
    FailFast,
    /// Errors go to the branch's binding; nothing is cancelled.
    Supervise,
    /// The first success cancels the others; errors only pile up.
    Race,
}

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
    errors: Mutex<Vec<E>>,
    /// Set by the failure that starts a fail-fast cancellation, the win
    /// that ends a race, or the driver's own cancelling: the branches stop.
    stop: AtomicBool,
    on_timeout: Option<fn(TimedOut) -> E>,
    name: Option<Box<str>>,
    /// Entered while the driver polls, so the branches' events nest in it.
    #[cfg(feature = "tracing")]
    span: tracing::Span,
}

impl<E> Group<E> {
    /// A group of the given mode without a deadline.
    pub fn new(mode: Mode) -> Self {
        Self::make(mode, None)
    }

    /// A group whose deadline error is made by `on_timeout`.
    pub fn with_timeout(mode: Mode, on_timeout: fn(TimedOut) -> E) -> Self {
        Self::make(mode, Some(on_timeout))
    }

    fn make(mode: Mode, on_timeout: Option<fn(TimedOut) -> E>) -> Self {
        Group {
            mode,
            errors: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            on_timeout,
            name: None,
            #[cfg(feature = "tracing")]
            span: tracing::info_span!("taskgroup", name = ""),
        }
    }

    /// Names the group (`name = …;`), for debugging.
    pub fn named(mut self, name: impl AsRef<str>) -> Self {
        self.name = Some(name.as_ref().into());
        #[cfg(feature = "tracing")]
        {
            self.span = tracing::info_span!("taskgroup", name = name.as_ref());
        }
        self
    }

    /// The name given with `name = …;`.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Records an error; in fail-fast mode the group starts cancelling.
    pub fn fail(&self, error: E) -> Stopped {
        lock(&self.errors).push(error);
        if self.mode == Mode::FailFast {
            self.stop.store(true, Ordering::Release);
        }
        Stopped
    }

    /// The group's mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Records the success that ends a race.
    pub fn win(&self) {
        self.stop.store(true, Ordering::Release);
    }

    /// True once the branches should stop: the driver is cancelling, or a
    /// failure (fail-fast) or a win (race) is about to make it cancel.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn mark_cancelled(&self) {
        self.stop.store(true, Ordering::Release);
    }

    fn time_out(&self) {
        if let Some(convert) = self.on_timeout {
            self.fail(convert(TimedOut::new()));
        }
        self.mark_cancelled();
    }

    /// Every error recorded, once the branches are gone.
    pub fn into_errors(self) -> Option<ErrorGroup<E>> {
        let errors = self.errors.into_inner().unwrap_or_else(|p| p.into_inner());
        ErrorGroup::from_errors(errors)
    }
}

impl<E> std::fmt::Debug for Group<E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("errors", &lock(&self.errors).len())
            .finish()
    }
}

/// One static branch as the driver sees it: a future pinned in place that
/// can be dropped early.
pub trait Branch {
    /// Polls the branch; `Ready` once it has finished (it is then dropped).
    fn poll_branch(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()>;
    /// Drops the branch where it stands.
    fn cancel(self: Pin<&mut Self>);
    /// True once the branch finished or was cancelled.
    fn is_done(&self) -> bool;
}

impl<F: Future> Branch for Option<F> {
    fn poll_branch(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(fut) = self.as_mut().as_pin_mut() else {
            return Poll::Ready(());
        };
        match fut.poll(cx) {
            Poll::Ready(_) => {
                self.set(None);
                Poll::Ready(())
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn cancel(mut self: Pin<&mut Self>) {
        self.set(None);
    }

    fn is_done(&self) -> bool {
        self.is_none()
    }
}

/// Polls the branches of one group until all of them are done.
///
/// Every pass polls each unfinished branch, like `tokio::try_join!`, and a
/// pass that saw a branch finish is followed by another: a branch waiting
/// for a binding registers no waker, it is polled again as soon as the
/// branch that sets the binding is done.
#[derive(Default)]
pub struct Driver {
    cancelling: bool,
    panic: Option<Panic>,
    /// `limit = N;`: at most N branches run at once, started in order.
    limit: Option<usize>,
    /// Branches `0..started` have been started.
    started: usize,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("cancelling", &self.cancelling)
            .field("panicked", &self.panic.is_some())
            .finish()
    }
}

impl Driver {
    /// A driver that has not polled anything yet.
    pub fn new() -> Self {
        Driver::default()
    }

    /// A driver that runs at most `limit` branches at once. A branch only
    /// waits for earlier ones, which start first, so a limit never
    /// deadlocks.
    pub fn with_limit(limit: Option<usize>) -> Self {
        Driver {
            limit: limit.map(|n| n.max(1)),
            ..Driver::default()
        }
    }

    fn start_more(&mut self, branches: &[(Pin<&mut dyn Branch>, bool)]) {
        let Some(limit) = self.limit else {
            self.started = branches.len();
            return;
        };
        let running = branches[..self.started]
            .iter()
            .filter(|(b, _)| !b.is_done())
            .count();
        self.started = (self.started + limit.saturating_sub(running)).min(branches.len());
    }

    /// Polls the branches; each comes with `true` when it runs a tokio task
    /// (cancelling it aborts the task and waits for it, so it stays).
    /// `Ready` carries the first panic, to be resumed by the caller once the
    /// branches have been dropped.
    pub fn poll<E>(
        &mut self,
        cx: &mut Context<'_>,
        group: &Group<E>,
        mut deadline: Option<Pin<&mut Sleep>>,
        branches: &mut [(Pin<&mut dyn Branch>, bool)],
    ) -> Poll<Option<Box<dyn Any + Send + 'static>>> {
        #[cfg(feature = "tracing")]
        let _entered = group.span.enter();
        loop {
            if !self.cancelling
                && let Some(sleep) = deadline.as_mut()
                && sleep.as_mut().poll(cx).is_ready()
            {
                group.time_out();
            }
            let mut again = false;
            if !self.cancelling {
                self.start_more(branches);
            }
            for i in 0..self.started {
                if !self.cancelling && (self.panic.is_some() || group.stopping()) {
                    self.cancel(group, branches);
                    again = true;
                }
                let (branch, _) = &mut branches[i];
                if branch.is_done() {
                    continue;
                }
                match catch_unwind(AssertUnwindSafe(|| branch.as_mut().poll_branch(cx))) {
                    Ok(Poll::Ready(())) => again = true,
                    Ok(Poll::Pending) => {}
                    Err(payload) => {
                        self.keep_panic(payload);
                        self.drop_branch(branch.as_mut());
                        again = true;
                    }
                }
            }
            if !self.cancelling && (self.panic.is_some() || group.stopping()) {
                self.cancel(group, branches);
                again = true;
            }
            // Nothing finished in this pass: nothing can be all done now
            // that was not before (that pass would have returned).
            if !again {
                return Poll::Pending;
            }
            if branches.iter().all(|(b, _)| b.is_done()) {
                return Poll::Ready(self.panic.take());
            }
        }
    }

    fn keep_panic(&mut self, payload: Panic) {
        // Later panics are side effects of the first: keep the original.
        if self.panic.is_none() {
            self.panic = Some(payload);
        }
    }

    fn drop_branch(&mut self, branch: Pin<&mut dyn Branch>) {
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| branch.cancel())) {
            self.keep_panic(payload);
        }
    }

    fn cancel<E>(&mut self, group: &Group<E>, branches: &mut [(Pin<&mut dyn Branch>, bool)]) {
        self.cancelling = true;
        group.mark_cancelled();
        for (i, (branch, task)) in branches.iter_mut().enumerate() {
            // A task branch that never started has no task to wait for.
            if (!*task || i >= self.started) && !branch.is_done() {
                self.drop_branch(branch.as_mut());
            }
        }
    }
}

/// Ends a group once its branches are dropped: resumes the first panic,
/// else hands back the errors.
pub fn finish<E>(panic: Option<Panic>, group: Group<E>) -> Option<ErrorGroup<E>> {
    if let Some(payload) = panic {
        resume_unwind(payload);
    }
    group.into_errors()
}

/// Runs a branch inside a span named after its binding, a child of the
/// group's span (`tracing` feature).
#[cfg(feature = "tracing")]
pub fn traced<E, F: Future>(
    group: &Group<E>,
    binding: &'static str,
    fut: F,
) -> tracing::instrument::Instrumented<F> {
    use tracing::Instrument;
    fut.instrument(tracing::debug_span!(parent: &group.span, "child", name = binding))
}

/// Without the `tracing` feature a branch is left as it is.
#[cfg(not(feature = "tracing"))]
pub fn traced<E, F: Future>(_group: &Group<E>, _binding: &'static str, fut: F) -> F {
    fut
}
