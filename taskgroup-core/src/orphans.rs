//! Orphans: the aborted task children of a nested group whose `run`
//! future was dropped (its parent child was cancelled). They are handed to
//! the nearest enclosing group polling on this thread, which awaits them,
//! so no task outlives the outermost group that is still running.

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use crate::task_child::{TaskAborts, TaskChildren};
use crate::util::with_local;

/// The aborted tasks of a group whose `run` future was dropped, still to be
/// awaited: by the nearest enclosing group that is running on this thread.
pub(crate) type Orphan = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

thread_local! {
    /// While a driver polls, where groups dropped inside it (a child that
    /// held a nested group and was cancelled) leave their task children, so
    /// no task outlives the enclosing group.
    static ORPHANS: RefCell<Option<Vec<Orphan>>> = const { RefCell::new(None) };
}

/// Hands aborted tasks to the enclosing driver; with none, they are only
/// aborted (the caller dropped the outermost group).
pub(crate) fn leave(orphans: impl IntoIterator<Item = Orphan>) {
    ORPHANS.with(|cell| {
        if let Some(list) = cell.borrow_mut().as_mut() {
            list.extend(orphans);
        }
    });
}

pub(crate) fn orphan<E: Send + 'static>(
    tasks: &Arc<TaskChildren<E>>,
    mut list: TaskAborts,
) -> Orphan {
    let tasks = Arc::clone(tasks);
    Box::pin(std::future::poll_fn(move |cx| {
        tasks.set_waker(cx.waker());
        if !tasks.idle() {
            return Poll::Pending;
        }
        if list.all_finished() {
            Poll::Ready(())
        } else {
            // Between a task's end and its completion: a few instructions.
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }))
}

/// Runs `f` (one poll of a driver), collecting the orphans that groups
/// dropped inside it leave.
pub(crate) fn collect<R>(f: impl FnOnce() -> R) -> (R, Vec<Orphan>) {
    let (out, orphans) = with_local(&ORPHANS, Some(Vec::new()), f);
    (out, orphans.unwrap_or_default())
}
