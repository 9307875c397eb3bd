//! A `taskgroup!` or `#[concurrent]` group in the live tree (see
//! `record_tree`): the group's node, and one child per branch named by its
//! binding, running from its first poll until it finishes or is dropped.
//!
//! Only a group made while recording has one ([`BranchTree::start`]); the
//! driver then polls it in passes that are not plain, where every poll of a
//! branch goes through code compiled once (`Pass::act`), which marks the
//! branch running and makes it the child that groups started inside it
//! nest under. A group that is not recorded pays a check per poll.

use std::sync::{Arc, Mutex};

use crate::tree::{self, ChildNode, GroupNode};
use crate::util::lock;

pub(crate) struct BranchTree {
    group: Arc<GroupNode>,
    /// One node per branch, by branch index: the expansion makes the
    /// branches in order, each through `__private::traced`, which adds it.
    branches: Mutex<Vec<Option<Arc<ChildNode>>>>,
}

impl BranchTree {
    /// The tree node of a group that starts now, if the tree is being
    /// recorded.
    #[inline]
    pub(crate) fn start() -> Option<Box<BranchTree>> {
        if !tree::recording() {
            return None;
        }
        Some(Box::new(BranchTree {
            group: GroupNode::start(None),
            branches: Mutex::new(Vec::new()),
        }))
    }

    /// Names the group (`name = …;`).
    pub(crate) fn name(&self, name: &str) {
        self.group.name(name);
    }

    /// Adds the next branch, named by its binding.
    pub(crate) fn add_branch(&self, binding: &str) {
        let node = self.group.add_child(Some(binding), false);
        lock(&self.branches).push(Some(node));
    }

    /// Branch `i` is about to be polled: it runs, and a group it starts
    /// nests under it. The driver puts the thread's previous child back
    /// after the pass ([`Scope`]).
    pub(crate) fn enter(&self, i: usize) {
        let node = lock(&self.branches).get(i).cloned().flatten();
        if let Some(node) = &node {
            node.mark_started();
        }
        // The previous one is the branch polled before, or what `Scope`
        // saved: dropping it here is fine.
        drop(tree::enter(node));
    }

    /// Branch `i` finished or was dropped: it leaves the tree.
    pub(crate) fn finished(&self, i: usize) {
        let node = lock(&self.branches).get_mut(i).and_then(Option::take);
        if let Some(node) = node {
            self.group.remove_child(&node);
        }
    }
}

/// Puts back the thread's current child when a tracked pass is over (also
/// when a branch panicked: the pass catches it, this guard still runs).
pub(crate) struct Scope(Option<Arc<ChildNode>>);

impl Scope {
    pub(crate) fn save() -> Scope {
        Scope(tree::current())
    }
}

impl Drop for Scope {
    fn drop(&mut self) {
        tree::leave(self.0.take());
    }
}
