//! A snapshot of the live tree of task groups: which groups are running
//! now, their children, each child's name, state and age — what Python's
//! `asyncio pstree` and Java's structured thread dumps show.
//!
//! Recording is off until [`record_tree`] turns it on, so a program that
//! never asks pays one atomic load per `run` and per spawn. While it is on,
//! each group and child keeps a small node; nodes of finished children and
//! groups are removed as they finish.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::task::{Context, Poll};
use std::time::Duration;

// tokio's clock, so ages follow a paused test clock too.
use tokio::time::Instant;

use crate::util::{lock, with_local};

static RECORDING: AtomicBool = AtomicBool::new(false);
static ROOTS: Mutex<GroupList> = Mutex::new(GroupList::new());

thread_local! {
    /// The child being polled on this thread, so a group started inside it
    /// knows its parent.
    static CURRENT: RefCell<Option<Arc<ChildNode>>> = const { RefCell::new(None) };
}

/// Starts (or stops) recording the live tree for [`tree_snapshot`]. Groups
/// that started before recording began are not shown.
///
/// ```
/// taskgroup::record_tree(true);
/// # taskgroup::record_tree(false);
/// ```
pub fn record_tree(on: bool) {
    RECORDING.store(on, Ordering::Release);
}

#[inline]
pub(crate) fn recording() -> bool {
    RECORDING.load(Ordering::Acquire)
}

/// The groups running now (those started while recording was on), with
/// their children; `Display` prints it as an indented tree.
///
/// ```
/// use taskgroup::{TaskGroup, record_tree, tree_snapshot};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// record_tree(true);
/// let tg = TaskGroup::<()>::builder().name("crawler").build();
/// tg.run(async {
///     tg.child("page 1").spawn(std::future::pending::<Result<(), ()>>());
///     tokio::task::yield_now().await;
///     let tree = tree_snapshot().to_string();
///     assert!(tree.contains("group \"crawler\""));
///     assert!(tree.contains("child \"page 1\" running"));
///     Err::<(), ()>(())
/// }).await.unwrap_err();
/// # record_tree(false);
/// # }
/// ```
pub fn tree_snapshot() -> Snapshot {
    let now = Instant::now();
    let mut roots = lock(&ROOTS);
    let groups = roots.live().map(|g| g.snapshot(now)).collect();
    Snapshot { groups }
}

/// A snapshot of the live tree, made by [`tree_snapshot`].
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// The top-level groups.
    pub groups: Vec<GroupSnapshot>,
}

/// One group of a [`Snapshot`].
#[derive(Debug, Clone)]
pub struct GroupSnapshot {
    /// The group's name, if it has one.
    pub name: Option<String>,
    /// How long the group has been running.
    pub age: Duration,
    /// Running, or cancelling (on purpose or not).
    pub state: GroupStatus,
    /// Its live children, in spawn order.
    pub children: Vec<ChildSnapshot>,
}

/// One child of a [`GroupSnapshot`].
#[derive(Debug, Clone)]
pub struct ChildSnapshot {
    /// The child's name, if it has one.
    pub name: Option<String>,
    /// `true` for a task child (`spawn_task`, a `#[spawn]` branch).
    pub task: bool,
    /// Whether it has started.
    pub state: ChildState,
    /// How long ago it was spawned.
    pub age: Duration,
    /// Groups running inside this child.
    pub groups: Vec<GroupSnapshot>,
}

/// What a live child is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChildState {
    /// Spawned, not polled yet (for example waiting for the group's limit).
    Waiting,
    /// Polled at least once and not finished.
    Running,
    /// Its group is cancelling: a task child aborted and not yet stopped
    /// (a local child is dropped at once and leaves the tree).
    Cancelling,
}

/// Whether a group of the live tree is running or stopping, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupStatus {
    /// Running its body and children.
    Running,
    /// Cancelling after a failure, a panic or its timeout.
    Cancelling,
    /// Cancelling because it was cancelled on purpose (`cancel`, a
    /// `Canceller`, `cancel_on`), not because something failed.
    CancelledOnPurpose,
}

impl fmt::Display for Snapshot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.groups.is_empty() {
            return f.write_str("(no task groups running)");
        }
        for (i, g) in self.groups.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            g.write(f, 0)?;
        }
        Ok(())
    }
}

fn label(name: &Option<String>) -> String {
    match name {
        Some(n) => format!("{n:?}"),
        None => "(unnamed)".to_string(),
    }
}

impl GroupSnapshot {
    fn write(&self, f: &mut fmt::Formatter<'_>, depth: usize) -> fmt::Result {
        let pad = "  ".repeat(depth);
        let state = match self.state {
            GroupStatus::Running => "running",
            GroupStatus::Cancelling => "cancelling",
            GroupStatus::CancelledOnPurpose => "cancelled on purpose",
        };
        write!(
            f,
            "{pad}group {} {state} {:.3}s, {} live children",
            label(&self.name),
            self.age.as_secs_f64(),
            self.children.len()
        )?;
        for c in &self.children {
            let state = match c.state {
                ChildState::Waiting => "waiting",
                ChildState::Running => "running",
                ChildState::Cancelling => "cancelling",
            };
            let kind = if c.task { "task " } else { "" };
            write!(
                f,
                "\n{pad}  {kind}child {} {state} {:.3}s",
                label(&c.name),
                c.age.as_secs_f64()
            )?;
            for g in &c.groups {
                writeln!(f)?;
                g.write(f, depth + 2)?;
            }
        }
        Ok(())
    }
}

/// A running group, while recording.
pub(crate) struct GroupNode {
    /// Set once: when the group starts, or by a `taskgroup!`'s
    /// `name = …;`, which comes right after.
    name: OnceLock<Box<str>>,
    started: Instant,
    children: Mutex<Children>,
    /// `GroupStatus` as a number: 0 running, 1 cancelling, 2 on purpose.
    state: AtomicU8,
}

/// A group's live children, keyed by spawn number.
///
/// An ordered map rather than a list indexed by spawn number: a
/// long-lived group whose children overlap (the first ones finish while
/// later ones run) would leave a hole in such a list for every child it
/// ever had, and a snapshot would walk them all. The map holds only the
/// live children and iterates them in spawn order; adding or removing one
/// costs O(log live) whatever order they finish in, where a compacted list
/// would pay a shift or a sweep to keep its order.
struct Children {
    /// The spawn number of the next child: never reused, so a number is
    /// one child's for the life of the group.
    next: u64,
    live: BTreeMap<u64, Arc<ChildNode>>,
}

/// The groups started under one child, or at the top, in start order.
///
/// Weak, so a group leaves by ending, without taking this lock. The
/// entries of ended groups are swept out at each snapshot and, between
/// snapshots, when the list reaches twice the length the last sweep left.
/// A long recording without snapshots (many root groups, or a long-lived
/// child that starts many short groups) then lists at most about twice
/// the groups alive at once, and each sweep, O(length), is paid for by
/// the starts since the one before: O(1) per start, where sweeping at
/// every start would cost O(live) per start.
struct GroupList {
    list: Vec<Weak<GroupNode>>,
    sweep_at: usize,
}

impl GroupList {
    /// The least length a list reaches before a sweep, so a list with
    /// few or no live groups is not swept at every start.
    const MIN_SWEEP: usize = 8;

    const fn new() -> GroupList {
        GroupList {
            list: Vec::new(),
            sweep_at: Self::MIN_SWEEP,
        }
    }

    fn push(&mut self, group: Weak<GroupNode>) {
        if self.list.len() >= self.sweep_at {
            self.sweep();
        }
        self.list.push(group);
    }

    fn sweep(&mut self) {
        self.list.retain(|g| g.strong_count() > 0);
        self.sweep_at = (2 * self.list.len()).max(Self::MIN_SWEEP);
        // After a burst of groups, give the memory back.
        if self.list.capacity() > 2 * self.sweep_at {
            self.list.shrink_to(self.sweep_at);
        }
    }

    /// The groups still running, in start order.
    fn live(&mut self) -> impl Iterator<Item = Arc<GroupNode>> + '_ {
        self.sweep();
        self.list.iter().filter_map(Weak::upgrade)
    }
}

impl GroupNode {
    /// Registers a group that starts running now, under the child being
    /// polled on this thread if there is one.
    pub(crate) fn start(name: Option<&str>) -> Arc<GroupNode> {
        let node = Arc::new(GroupNode {
            name: OnceLock::new(),
            started: Instant::now(),
            children: Mutex::new(Children {
                next: 0,
                live: BTreeMap::new(),
            }),
            state: AtomicU8::new(0),
        });
        if let Some(name) = name {
            node.name(name);
        }
        let parent = CURRENT.with(|c| c.borrow().clone());
        let mut list = match &parent {
            Some(child) => lock(&child.groups),
            None => lock(&ROOTS),
        };
        list.push(Arc::downgrade(&node));
        node
    }

    /// The group began cancelling; `on_purpose`: it was cancelled on
    /// purpose (the first reason wins).
    pub(crate) fn mark_cancelling(&self, on_purpose: bool) {
        let state = if on_purpose { 2 } else { 1 };
        let _ = self
            .state
            .compare_exchange(0, state, Ordering::AcqRel, Ordering::Acquire);
    }

    /// Names the group, if it has no name yet.
    pub(crate) fn name(&self, name: &str) {
        let _ = self.name.set(name.into());
    }

    /// Registers a child and returns the wrapper that keeps its node
    /// up to date.
    pub(crate) fn track<F>(self: &Arc<Self>, name: Option<&str>, task: bool, fut: F) -> Tracked<F> {
        Tracked {
            fut,
            node: self.add_child(name, task),
            group: Arc::downgrade(self),
        }
    }

    /// Registers a child, waiting until it is first polled.
    pub(crate) fn add_child(&self, name: Option<&str>, task: bool) -> Arc<ChildNode> {
        let mut children = lock(&self.children);
        let seq = children.next;
        children.next += 1;
        let node = Arc::new(ChildNode {
            name: name.map(Into::into),
            task: AtomicBool::new(task),
            spawned: Instant::now(),
            started: AtomicU8::new(0),
            groups: Mutex::new(GroupList::new()),
            seq,
        });
        children.live.insert(seq, Arc::clone(&node));
        node
    }

    /// Removes a child that finished or was dropped.
    pub(crate) fn remove_child(&self, node: &ChildNode) {
        lock(&self.children).live.remove(&node.seq);
    }

    fn snapshot(&self, now: Instant) -> GroupSnapshot {
        let state = match self.state.load(Ordering::Acquire) {
            0 => GroupStatus::Running,
            1 => GroupStatus::Cancelling,
            _ => GroupStatus::CancelledOnPurpose,
        };
        let children = lock(&self.children)
            .live
            .values()
            .map(|c| {
                let mut child = c.snapshot(now);
                if state != GroupStatus::Running {
                    child.state = ChildState::Cancelling;
                }
                child
            })
            .collect();
        GroupSnapshot {
            name: self.name.get().map(|n| String::from(&**n)),
            age: now.saturating_duration_since(self.started),
            state,
            children,
        }
    }
}

pub(crate) struct ChildNode {
    name: Option<Box<str>>,
    task: AtomicBool,
    spawned: Instant,
    started: AtomicU8,
    groups: Mutex<GroupList>,
    /// Its key in its group's [`Children`].
    seq: u64,
}

impl ChildNode {
    /// The child is being polled: it runs.
    pub(crate) fn mark_started(&self) {
        self.started.store(1, Ordering::Release);
    }

    /// The child runs as a tokio task (known to a static branch only when
    /// it is first polled).
    pub(crate) fn mark_task(&self) {
        self.task.store(true, Ordering::Release);
    }

    fn snapshot(&self, now: Instant) -> ChildSnapshot {
        let mut groups = lock(&self.groups);
        ChildSnapshot {
            name: self.name.as_deref().map(String::from),
            task: self.task.load(Ordering::Acquire),
            state: if self.started.load(Ordering::Acquire) == 0 {
                ChildState::Waiting
            } else {
                ChildState::Running
            },
            age: now.saturating_duration_since(self.spawned),
            groups: groups.live().map(|g| g.snapshot(now)).collect(),
        }
    }
}

/// A child future that keeps its node current, and removes it when the
/// child finishes or is dropped.
pub(crate) struct Tracked<F> {
    pub(crate) fut: F,
    node: Arc<ChildNode>,
    group: Weak<GroupNode>,
}

impl<F: Future + Unpin> Future for Tracked<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        self.node.mark_started();
        let this = &mut *self;
        let node = Some(Arc::clone(&this.node));
        with_local(&CURRENT, node, || Pin::new(&mut this.fut).poll(cx)).0
    }
}

impl<F> Drop for Tracked<F> {
    fn drop(&mut self) {
        if let Some(group) = self.group.upgrade() {
            group.remove_child(&self.node);
        }
    }
}

/// Makes `node` the child being polled on this thread (groups that start
/// now nest under it) and returns the one it replaces, to put back with
/// [`leave`] once the poll is over.
pub(crate) fn enter(node: Option<Arc<ChildNode>>) -> Option<Arc<ChildNode>> {
    CURRENT.with(|c| c.replace(node))
}

/// The child being polled on this thread.
pub(crate) fn current() -> Option<Arc<ChildNode>> {
    CURRENT.with(|c| c.borrow().clone())
}

/// Puts back the child that [`enter`] replaced.
pub(crate) fn leave(previous: Option<Arc<ChildNode>>) {
    CURRENT.with(|c| *c.borrow_mut() = previous);
}

pin_project_lite::pin_project! {
    /// A task child's future that polls its child with `node` as the
    /// thread's current child, on whatever worker runs it, so a group the
    /// child starts nests under its node.
    pub(crate) struct InNode<F> {
        #[pin]
        fut: F,
        node: Option<Arc<ChildNode>>,
    }
}

impl<F> InNode<F> {
    /// `fut`, polled under the child being polled on this thread now, if
    /// the tree is being recorded.
    pub(crate) fn current(fut: F) -> InNode<F> {
        let node = if recording() { current() } else { None };
        InNode { fut, node }
    }
}

impl<F: Future> Future for InNode<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        match this.node {
            None => this.fut.poll(cx),
            Some(node) => with_local(&CURRENT, Some(Arc::clone(node)), || this.fut.poll(cx)).0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A long-lived group whose children overlap (each one still runs
    /// when the next is spawned, then finishes) keeps storage for its live
    /// children only, and lists them in spawn order.
    #[test]
    fn a_long_lived_group_keeps_only_its_live_children() {
        let group = GroupNode::start(Some("long-lived"));
        let first = group.add_child(Some("first"), false);
        let mut previous = group.add_child(Some("0"), false);
        for i in 1..10_000 {
            let next = group.add_child(Some(&i.to_string()), false);
            group.remove_child(&previous);
            previous = next;
            let stored = lock(&group.children).live.len();
            assert_eq!(stored, 2, "entries for 2 live children after {i} children");
        }
        let names: Vec<_> = group
            .snapshot(Instant::now())
            .children
            .into_iter()
            .map(|c| c.name.unwrap())
            .collect();
        assert_eq!(names, ["first", "9999"]);
        group.remove_child(&first);
        group.remove_child(&previous);
        assert_eq!(lock(&group.children).live.len(), 0);
    }

    /// A long-lived child that starts many short groups, one after the
    /// other, keeps a short list of them.
    #[test]
    fn a_long_lived_child_keeps_a_short_list_of_its_groups() {
        let group = GroupNode::start(Some("parent"));
        let child = group.add_child(Some("runner"), false);
        let outer = enter(Some(Arc::clone(&child)));
        let lasting = GroupNode::start(Some("lasting"));
        for _ in 0..10_000 {
            drop(GroupNode::start(None));
            assert!(
                lock(&child.groups).list.len() <= 8,
                "{}",
                lock(&child.groups).list.len()
            );
        }
        leave(outer);
        let snap = child.snapshot(Instant::now());
        assert_eq!(snap.groups.len(), 1);
        assert_eq!(snap.groups[0].name.as_deref(), Some("lasting"));
        drop(lasting);
        group.remove_child(&child);
    }

    /// With many groups alive at once under one child, short ones that
    /// come and go leave the list at most about twice as long as the live
    /// ones, and a snapshot shows the live ones in start order.
    #[test]
    fn many_live_groups_and_short_ones_keep_the_list_near_the_live_count() {
        let group = GroupNode::start(Some("many"));
        let child = group.add_child(Some("runner"), false);
        let outer = enter(Some(Arc::clone(&child)));
        let lasting: Vec<_> = (0..1_000)
            .map(|i| GroupNode::start(Some(&i.to_string())))
            .collect();
        for _ in 0..10_000 {
            drop(GroupNode::start(None));
            let listed = lock(&child.groups).list.len();
            assert!(listed <= 2 * 1_001, "{listed} groups listed for 1,001 live");
        }
        leave(outer);
        let names: Vec<_> = child
            .snapshot(Instant::now())
            .groups
            .into_iter()
            .map(|g| g.name.unwrap())
            .collect();
        let expected: Vec<_> = (0..1_000).map(|i| i.to_string()).collect();
        assert_eq!(names, expected);
        drop(lasting);
        assert!(child.snapshot(Instant::now()).groups.is_empty());
        group.remove_child(&child);
    }

    /// Many root groups, one after the other, and no snapshot: the list of
    /// roots stays short (other tests of this crate may start a few at
    /// the same time, hence the margin).
    #[test]
    fn many_root_groups_without_a_snapshot_keep_a_short_list() {
        let previous = enter(None);
        for _ in 0..10_000 {
            drop(GroupNode::start(None));
            let roots = lock(&ROOTS).list.len();
            assert!(roots <= 64, "{roots} roots listed");
        }
        leave(previous);
    }
}
