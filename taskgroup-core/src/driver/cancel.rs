//! The driver's side of cancelling on purpose (`crate::cancel`): the
//! `cancel_on` future, a cancel of the whole group, and children cancelled
//! through their handles.

use std::pin::Pin;
use std::task::Context;

use super::{Child, GroupDriver};
use crate::error::Cancelled;
use crate::options::Signal;
use crate::policy;
use crate::state::{KeyedFuture, TaskStart};
use crate::task_child;

/// Cancelling on purpose (`cancel.rs`): the whole group, or single
/// children through their handles. Only a group that uses it gets here.
impl<'a, E> GroupDriver<'_, 'a, E> {
    /// Polls the `cancel_on` future; once it completes, the group is
    /// cancelled as by `TaskGroup::cancel`.
    #[cold]
    pub(super) fn poll_signal(&mut self, cx: &mut Context<'_>, signal: &mut Option<Signal>) {
        if self.cancelling {
            // Stopping anyway: the signal no longer matters.
            *signal = None;
            return;
        }
        if let Some(fut) = signal
            && fut.as_mut().poll(cx).is_ready()
        {
            *signal = None;
            // Through the inbox, so `Canceller::is_cancelled` sees it too;
            // its marker is taken in this same poll.
            self.group.cancel.cancel_group();
        }
    }

    /// The group was cancelled on purpose: `Cancelled` joins the errors
    /// and the policy says what follows.
    #[cold]
    pub(super) fn cancel_on_purpose<B>(&mut self, body: Pin<&mut Option<B>>) {
        if self.cancelling {
            return;
        }
        let Some(&convert) = self.group.on_cancel.get() else {
            unreachable!("whatever cancels a group sets its conversion first")
        };
        #[cfg(feature = "tracing")]
        tracing::debug!("group cancelled on purpose");
        if let Some(node) = self.group.tree_node() {
            node.mark_cancelling(true);
        }
        self.stop_with(|| convert(Cancelled::new()), policy::ON_CANCEL, body);
    }

    /// Handles asked to cancel their children: each one still running is
    /// dropped (a local child, or one waiting for the limit) or aborted (a
    /// task child the limit started); the policy says what follows.
    #[cold]
    pub(super) fn cancel_children<B>(&mut self, mut body: Pin<&mut Option<B>>) {
        let ids = self.group.cancel.take_children();
        if self.cancelling {
            return;
        }
        // A child spawned before its handle cancelled it may not be
        // admitted yet.
        self.admit();
        for id in ids {
            if self.cancel_child(id) {
                self.decide(policy::ON_PANIC, body.as_mut());
            }
        }
        self.decide(policy::ON_HANDLE_CANCEL, body);
    }

    /// Stops child `id` if it still runs; true if dropping it panicked.
    /// Keys are never reused (`ResultCell::key`): `id` names one child.
    fn cancel_child(&mut self, id: usize) -> bool {
        #[cfg(feature = "tracing")]
        tracing::debug!("child cancelled by its handle");
        if let Some(pos) = self.deferred.iter().position(|(i, _)| *i == id) {
            let (_, task) = self.deferred.swap_remove(pos);
            task_child::abort_on_purpose(&task);
            return false;
        }
        let running =
            |s: &Option<Child<'a, E>>| matches!(s, Some(Child::Local(fut)) if fut.key() == id);
        if let Some(idx) = self.slots.iter().position(running) {
            let child = self.slots[idx].take();
            self.wakers.free.push(idx);
            self.live -= 1;
            return self.drop_user(child);
        }
        if let Some(pos) = self.waiting.iter().position(|c| c.key() == id) {
            let child = self.waiting.remove(pos);
            return self.drop_user(child);
        }
        false
    }

    /// Children holding a slot await children still waiting for one: those
    /// start now, beyond the limit — each blocked awaiter lends its slot
    /// (policy.rs: a limit cannot deadlock).
    #[cold]
    pub(super) fn start_wanted(&mut self) {
        let keys = self.group.cancel.take_wanted();
        if self.cancelling {
            return;
        }
        // A child spawned just before it was awaited may not be admitted yet.
        self.admit();
        for key in keys {
            if let Some(pos) = self.waiting.iter().position(|c| c.key() == key)
                && let Some(child) = self.waiting.remove(pos)
            {
                #[cfg(feature = "tracing")]
                tracing::debug!("a waiting child starts beyond the limit: a slot holder awaits it");
                self.insert(child);
            }
        }
    }

    /// Starts a task child the limit held back, keeping its abort handle
    /// for a cancel by its handle.
    #[inline(never)]
    pub(super) fn start_deferred(&mut self, start: TaskStart<'a>) {
        let id = start.key();
        let task = start.start();
        // Not while a request is pending: it may name an ended task.
        if self.deferred.len() >= 64
            && self.deferred.len().is_power_of_two()
            && !self.group.cancel.pending()
        {
            self.deferred.retain(|(_, t)| !t.is_finished());
        }
        self.deferred.push((id, task.clone()));
        self.group.track_task(task);
    }
}
