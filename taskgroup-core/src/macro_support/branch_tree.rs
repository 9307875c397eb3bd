//! A `taskgroup!` or `#[concurrent]` group in the live tree (see
//! `record_tree`): the group's node, and one child per branch named by its
//! binding, running from its first poll until it finishes or is dropped.
//!
//! Only a group whose driver is made while recording has one
//! ([`BranchTree::start`], kept with the driver's other cold state). The
//! driver then never polls it in a plain pass: every poll of a branch goes
//! through code compiled once (`Pass::act`), which tells the tree which
//! branch is about to run (it becomes the thread's current child, so a
//! group started inside it nests under it) and which ones finished. A
//! group that is not recorded pays nothing per poll or per branch.

use std::sync::{Arc, Mutex};

use crate::tree::{self, ChildNode, GroupNode};
use crate::util::lock;

pub(crate) struct BranchTree {
    group: Arc<GroupNode>,
    branches: Mutex<Branches>,
}

struct Branches {
    /// One node per branch, by branch index, until the branch ends.
    nodes: Vec<Option<Arc<ChildNode>>>,
    /// The branch polled last and the driver's count of finished branches
    /// just before: if the count has grown by the next look, it finished.
    entered: Option<(usize, u32)>,
}

impl BranchTree {
    /// The group began cancelling (`on_purpose`: its `cancel = …;` fired).
    pub(crate) fn cancelling(&self, on_purpose: bool) {
        self.group.mark_cancelling(on_purpose);
    }

    /// The node of a group that starts now, with a child per branch
    /// (`names`: the bindings, in branch order), if the tree is being
    /// recorded. The group nests under the child being polled on this
    /// thread.
    #[inline]
    pub(crate) fn start(names: &[&str]) -> Option<Arc<BranchTree>> {
        if !tree::recording() {
            return None;
        }
        Some(Self::make(names))
    }

    #[cold]
    fn make(names: &[&str]) -> Arc<BranchTree> {
        let group = GroupNode::start(None);
        let nodes = names
            .iter()
            .map(|name| Some(group.add_child(Some(name), false)))
            .collect();
        Arc::new(BranchTree {
            group,
            branches: Mutex::new(Branches {
                nodes,
                entered: None,
            }),
        })
    }

    /// Names the group (`name = …;`).
    pub(crate) fn name(&self, name: &str) {
        self.group.name(name);
    }

    /// Looks at the driver's count of finished branches (`done`): if the
    /// branch polled last finished since it was entered, it leaves.
    pub(crate) fn settle(&self, done: u32) {
        let mut branches = lock(&self.branches);
        if let Some((i, before)) = branches.entered.take()
            && done > before
        {
            self.remove(&mut branches, i);
        }
    }

    /// Branch `i` is about to be polled (`done` branches have finished so
    /// far): it runs, and a group it starts nests under it. The driver
    /// puts the thread's previous child back after the pass ([`Scope`]).
    pub(crate) fn enter(&self, i: usize, task: bool, done: u32) {
        let node = {
            let mut branches = lock(&self.branches);
            branches.entered = Some((i, done));
            branches.nodes.get(i).cloned().flatten()
        };
        if let Some(node) = &node {
            node.mark_started();
            if task {
                node.mark_task();
            }
        }
        // What it replaces is the branch polled before, or what `Scope`
        // saved: dropping it here is fine.
        drop(tree::enter(node));
    }

    /// Branch `i` finished or was dropped: it leaves the tree.
    pub(crate) fn finished(&self, i: usize) {
        self.remove(&mut lock(&self.branches), i);
    }

    fn remove(&self, branches: &mut Branches, i: usize) {
        if let Some(node) = branches.nodes.get_mut(i).and_then(Option::take) {
            self.group.remove_child(&node);
        }
    }
}

/// Puts back the thread's current child when a recorded group's passes
/// are over (also when a branch panicked: the pass catches it, and this
/// guard still runs).
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
