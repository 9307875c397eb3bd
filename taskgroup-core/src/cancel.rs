//! Cancelling on purpose: what a [`Canceller`], `TaskGroup::cancel` and
//! `Handle::cancel` hand to a running group's driver.
//!
//! Every request goes through the group's [`CancelInbox`], which wakes the
//! driver through its ready queue with a marker (`CANCEL` for the whole
//! group, `CANCEL_CHILDREN` for single children); the driver then decides
//! what the cancel does by asking the policy (`policy::ON_CANCEL`,
//! `policy::ON_HANDLE_CANCEL`). A group that is never cancelled on purpose
//! pays for none of it beyond the inbox made with the group and the
//! pointer to it that each child's result cell keeps.
//!
//! A child is named by its result cell's key, a number unique in the
//! process (not the cell's address, which a newer child may reuse once
//! the cell is freed): a request can only reach the child it was made for,
//! even when the driver still remembers a task that ended long ago.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::Waker;

use crate::util::lock;
use crate::wake::ReadyQueue;

/// The slot index that tells the driver the group was cancelled on purpose.
pub(crate) const CANCEL: usize = usize::MAX - 3;
/// The slot index that tells the driver some handles cancelled their child.
pub(crate) const CANCEL_CHILDREN: usize = usize::MAX - 4;
/// The slot index that tells the driver a child holding a slot awaits a
/// child still waiting for one (see `policy.rs`: a limit cannot deadlock).
pub(crate) const WANTED: usize = usize::MAX - 5;

/// How many enclosing groups [`HOLDS_SLOT`] remembers.
pub(crate) const HELD: usize = 4;

/// The groups whose slots some code holds, innermost first (see
/// [`HOLDS_SLOT`]); zeros: none.
pub(crate) type Held = [usize; HELD];

thread_local! {
    /// The groups (their inboxes' addresses) in which the code running now
    /// holds a slot of a limit, innermost first: a child the driver polls,
    /// or a task child, and the groups whose children poll it (a child of
    /// a group nested in a slot holder holds its parent's slot too: its
    /// parent waits for it). Zero: none (the body, or a group without a
    /// limit). Beyond [`HELD`] nested limited groups, the outermost are
    /// forgotten. A fixed array in a `Cell`: no destructor, no borrow flag.
    static HOLDS_SLOT: Cell<[usize; HELD]> = const { Cell::new([0; HELD]) };
}

/// While it lives, the running code holds a slot in the group whose inbox
/// is at `group` (see [`HOLDS_SLOT`]), besides those it held already.
pub(crate) struct HoldsSlot([usize; HELD]);

impl HoldsSlot {
    #[inline]
    pub(crate) fn enter(group: usize) -> Self {
        Self::enter_all(held_with(group))
    }

    /// Holds exactly the slots of `held` (a task child: its own group's,
    /// and those of the groups its group runs in).
    #[inline]
    pub(crate) fn enter_all(held: Held) -> Self {
        HoldsSlot(HOLDS_SLOT.replace(held))
    }
}

/// The slots held now.
#[inline]
pub(crate) fn held_now() -> Held {
    HOLDS_SLOT.get()
}

/// The slots held now, with `group`'s as the innermost.
#[inline]
pub(crate) fn held_with(group: usize) -> Held {
    let held = HOLDS_SLOT.get();
    let mut inner = [group; HELD];
    inner[1..].copy_from_slice(&held[..HELD - 1]);
    inner
}

impl Drop for HoldsSlot {
    #[inline]
    fn drop(&mut self) {
        HOLDS_SLOT.set(self.0);
    }
}

/// Where cancel requests for one group wait for its driver.
pub(crate) struct CancelInbox {
    ready: Arc<ReadyQueue>,
    /// Set by the first cancel of the whole group: later ones change nothing.
    group: AtomicBool,
    /// The keys of children whose handle cancelled them.
    children: Mutex<Vec<usize>>,
    /// Set while `children` is not empty.
    pending: AtomicBool,
    /// Children still waiting for a slot that a slot holder awaits.
    wanted: Mutex<Vec<usize>>,
    /// Set when the group's `run` has returned (or was dropped): from then
    /// on nothing can cancel whoever awaits a handle that will never have
    /// a value, so that await panics instead of hanging.
    ended: AtomicBool,
    /// Who awaits such a handle while the group is still running, to wake
    /// when it ends.
    stranded: Mutex<Vec<Waker>>,
}

impl CancelInbox {
    pub(crate) fn new(ready: &Arc<ReadyQueue>) -> Arc<Self> {
        Arc::new(CancelInbox {
            ready: Arc::clone(ready),
            group: AtomicBool::new(false),
            children: Mutex::new(Vec::new()),
            pending: AtomicBool::new(false),
            ended: AtomicBool::new(false),
            stranded: Mutex::new(Vec::new()),
            wanted: Mutex::new(Vec::new()),
        })
    }

    /// This group's identity for [`HoldsSlot`].
    pub(crate) fn id(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Whether the code running now holds a slot of this group's limit.
    #[inline]
    pub(crate) fn awaiter_holds_slot(&self) -> bool {
        HOLDS_SLOT.get().contains(&self.id())
    }

    /// A child holding a slot awaits the child `key`: if that one still
    /// waits for a slot, the driver starts it (see `policy.rs`: a limit cannot deadlock).
    #[cold]
    pub(crate) fn want_child(&self, key: usize) {
        let first = {
            let mut wanted = lock(&self.wanted);
            wanted.push(key);
            wanted.len() == 1
        };
        if first {
            self.ready.push(WANTED);
        }
    }

    /// The children slot holders await, in the order they asked.
    pub(crate) fn take_wanted(&self) -> Vec<usize> {
        std::mem::take(&mut *lock(&self.wanted))
    }

    /// Whether the group has ended; if not, `waker` is woken when it does.
    pub(crate) fn ended_or_wait(&self, waker: &Waker) -> bool {
        let mut stranded = lock(&self.stranded);
        if self.ended.load(Ordering::Acquire) {
            return true;
        }
        if !stranded.iter().any(|w| w.will_wake(waker)) {
            stranded.push(waker.clone());
        }
        false
    }

    /// The group has ended: wake whoever awaits a handle that will never
    /// have a value (its await now panics).
    pub(crate) fn end(&self) {
        let wakers = {
            let mut stranded = lock(&self.stranded);
            self.ended.store(true, Ordering::Release);
            std::mem::take(&mut *stranded)
        };
        for w in wakers {
            w.wake();
        }
    }

    /// Asks the driver to cancel the whole group.
    pub(crate) fn cancel_group(&self) {
        if !self.group.swap(true, Ordering::AcqRel) {
            self.ready.push(CANCEL);
        }
    }

    /// Asks the driver to cancel the child `key` only.
    pub(crate) fn cancel_child(&self, key: usize) {
        let first = {
            let mut children = lock(&self.children);
            children.push(key);
            self.pending.store(true, Ordering::Release);
            children.len() == 1
        };
        // One marker per batch: the driver takes every request at once.
        if first {
            self.ready.push(CANCEL_CHILDREN);
        }
    }

    /// Whether some handle asked to cancel its child since the last
    /// [`take_children`](Self::take_children).
    #[inline]
    pub(crate) fn pending(&self) -> bool {
        self.pending.load(Ordering::Acquire)
    }

    /// The children to cancel, in the order their handles asked.
    pub(crate) fn take_children(&self) -> Vec<usize> {
        let mut children = lock(&self.children);
        self.pending.store(false, Ordering::Release);
        std::mem::take(&mut *children)
    }
}

/// Cancels a running [`TaskGroup`](crate::TaskGroup) from anywhere: a task
/// child, another task, a signal handler. Made by
/// [`TaskGroup::canceller`](crate::TaskGroup::canceller); cloning it is
/// cheap, and every clone cancels the same group.
///
/// Cancelling stops every child and the body as a failure does, and the
/// group's `run` returns `Err` with the errors that happened before, then
/// [`Cancelled`](crate::Cancelled) converted into the group's error type.
/// A cancel after the group has ended does nothing; a cancel before `run`
/// started cancels the group as soon as it starts.
///
/// ```
/// use taskgroup::{Cancelled, TaskGroup};
///
/// # #[tokio::main] async fn main() {
/// let tg = TaskGroup::<Cancelled>::new();
/// let canceller = tg.canceller();
/// let err = tg.run(async {
///     tg.spawn_task(async move {
///         canceller.cancel(); // from another task
///         Ok(())
///     });
///     std::future::pending::<()>().await; // stopped by the cancel
///     Ok(())
/// }).await.unwrap_err();
/// assert_eq!(err.into_vec(), [Cancelled::new()]);
/// # }
/// ```
#[derive(Clone)]
pub struct Canceller {
    pub(crate) inbox: Arc<CancelInbox>,
}

impl Canceller {
    /// Cancels the group (once: later calls change nothing).
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<taskgroup::Cancelled>::new();
    /// let c = tg.canceller();
    /// c.cancel();
    /// c.clone().cancel();
    /// ```
    pub fn cancel(&self) {
        self.inbox.cancel_group();
    }

    /// Whether the group was cancelled on purpose (by any canceller,
    /// [`TaskGroup::cancel`](crate::TaskGroup::cancel) or `cancel_on`).
    ///
    /// ```
    /// let tg = taskgroup::TaskGroup::<taskgroup::Cancelled>::new();
    /// let c = tg.canceller();
    /// assert!(!c.is_cancelled());
    /// tg.cancel();
    /// assert!(c.is_cancelled());
    /// ```
    pub fn is_cancelled(&self) -> bool {
        self.inbox.group.load(Ordering::Acquire)
    }
}

impl fmt::Debug for Canceller {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Canceller")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}
