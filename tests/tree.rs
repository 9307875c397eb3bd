//! The live tree: groups running now, their children (name, state, age),
//! nested groups under the child that runs them; finished ones disappear.

use std::time::Duration;

use taskgroup::{
    ChildState, GroupSnapshot, Snapshot, TaskGroup, concurrent, record_tree, taskgroup,
    tree_snapshot,
};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn snapshot_shows_groups_children_states_and_nesting() {
    record_tree(true);
    let outer = TaskGroup::<()>::builder().name("outer").limit(2).build();
    let tree = outer
        .run(async {
            outer.child("worker").spawn(async {
                let inner = TaskGroup::<()>::builder().name("inner").build();
                inner
                    .run(async {
                        inner.child("leaf").spawn(async {
                            sleep(ms(100)).await;
                            Ok(())
                        });
                        Ok(())
                    })
                    .await
                    .map_err(|_| ())
            });
            outer.child("sleeper").spawn(async {
                sleep(ms(100)).await;
                Ok(())
            });
            // The limit is 2: this one waits.
            outer.child("queued").spawn(async { Ok(()) });
            outer.child("task").spawn_task(async { Ok(()) });
            sleep(ms(10)).await;
            Ok(tree_snapshot())
        })
        .await
        .unwrap();

    let outer_snap = tree
        .groups
        .iter()
        .find(|g| g.name.as_deref() == Some("outer"))
        .expect("the outer group is a root");
    let names: Vec<_> = outer_snap
        .children
        .iter()
        .map(|c| c.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["worker", "sleeper", "queued", "task"]);
    let state = |n: &str| {
        outer_snap
            .children
            .iter()
            .find(|c| c.name.as_deref() == Some(n))
            .unwrap()
    };
    assert_eq!(state("worker").state, ChildState::Running);
    assert_eq!(state("queued").state, ChildState::Waiting);
    assert!(state("task").task);
    assert_eq!(state("worker").age, ms(10));
    let inner = &state("worker").groups;
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].name.as_deref(), Some("inner"));
    assert_eq!(inner[0].children[0].name.as_deref(), Some("leaf"));
    let text = tree.to_string();
    assert!(text.contains("group \"outer\""), "{text}");
    assert!(
        text.contains("    group \"inner\""),
        "nested groups are indented:\n{text}"
    );

    // Once run has returned, the group has left the tree.
    let after = tree_snapshot();
    assert!(
        after
            .groups
            .iter()
            .all(|g| g.name.as_deref() != Some("outer")),
        "{after}"
    );
    // Recording stays on: the tests of this file run at once, and each
    // finds its own groups by name.
}

async fn snapshot_after(n: u64) -> Snapshot {
    sleep(ms(n)).await;
    tree_snapshot()
}

fn root<'s>(tree: &'s Snapshot, name: &str) -> &'s GroupSnapshot {
    tree.groups
        .iter()
        .find(|g| g.name.as_deref() == Some(name))
        .unwrap_or_else(|| panic!("no root group {name:?} in\n{tree}"))
}

fn child_names(group: &GroupSnapshot) -> Vec<String> {
    group
        .children
        .iter()
        .map(|c| c.name.clone().unwrap_or_default())
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_taskgroup_macro_shows_one_child_per_running_branch() {
    record_tree(true);
    let (tree, (), ()) = taskgroup! {
        name = "page";
        let snap = snapshot_after(10);
        let quick = sleep(ms(1));
        let slow = sleep(ms(100));
    };
    let page = root(&tree, "page");
    // `quick` finished before the snapshot: it has left the tree.
    assert_eq!(child_names(page), ["snap", "slow"], "{tree}");
    assert!(page.children.iter().all(|c| c.state == ChildState::Running));
    assert!(page.children.iter().all(|c| !c.task));
    let after = tree_snapshot();
    assert!(
        after
            .groups
            .iter()
            .all(|g| g.name.as_deref() != Some("page")),
        "a finished group leaves the tree:\n{after}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_taskgroup_macro_nests_under_the_task_group_child_that_runs_it() {
    record_tree(true);
    let outer = TaskGroup::<()>::builder().name("outer tg").build();
    let tree = outer
        .run(async {
            outer.child("worker").spawn(async {
                taskgroup! {
                    name = "inner macro";
                    let leaf = sleep(ms(100));
                };
                Ok(())
            });
            Ok(snapshot_after(10).await)
        })
        .await
        .unwrap();
    let worker = &root(&tree, "outer tg").children[0];
    assert_eq!(worker.name.as_deref(), Some("worker"));
    assert_eq!(worker.groups.len(), 1, "{tree}");
    assert_eq!(worker.groups[0].name.as_deref(), Some("inner macro"));
    assert_eq!(child_names(&worker.groups[0]), ["leaf"]);
}

async fn inner_task_group() {
    let tg = TaskGroup::<()>::builder().name("inner tg").build();
    tg.run(async {
        tg.child("leaf").spawn(async {
            sleep(ms(100)).await;
            Ok(())
        });
        Ok(())
    })
    .await
    .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_group_started_in_a_branch_nests_under_that_branch() {
    record_tree(true);
    let ((), tree) = taskgroup! {
        name = "outer macro";
        let runner = inner_task_group();
        let snap = snapshot_after(10);
    };
    let outer = root(&tree, "outer macro");
    assert_eq!(child_names(outer), ["runner", "snap"], "{tree}");
    let runner = &outer.children[0];
    assert_eq!(runner.groups.len(), 1, "{tree}");
    assert_eq!(runner.groups[0].name.as_deref(), Some("inner tg"));
    assert_eq!(child_names(&runner.groups[0]), ["leaf"]);
    assert!(
        tree.to_string().contains("    group \"inner tg\""),
        "nested groups are indented:\n{tree}"
    );
}

#[concurrent]
async fn two_lets() -> Snapshot {
    let snapshot = snapshot_after(10).await;
    let slow = sleep(ms(100)).await;
    let () = slow;
    snapshot
}

#[tokio::test(start_paused = true)]
async fn a_concurrent_fn_shows_its_lets_as_children() {
    record_tree(true);
    let tree = two_lets().await;
    let found = tree
        .groups
        .iter()
        .any(|g| child_names(g) == ["snapshot", "slow"]);
    assert!(
        found,
        "no group with the lets `snapshot` and `slow`:\n{tree}"
    );
}

/// Counts its polls; never ready.
struct CountPolls(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl std::future::Future for CountPolls {
    type Output = ();
    fn poll(self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<()> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::task::Poll::Pending
    }
}

/// A recorded group is polled in passes that keep its tree, but no more
/// often than an unrecorded one: a branch that finishes does not make the
/// driver poll the others again (only a dependency or a limit would).
#[tokio::test]
async fn recording_does_not_poll_branches_more_often() {
    use std::future::{Future, poll_fn};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    record_tree(true);
    let polls = Arc::new(AtomicUsize::new(0));
    let counting = CountPolls(Arc::clone(&polls));
    let mut group = std::pin::pin!(async move {
        taskgroup! {
            let ready = std::future::ready(());
            let pending = counting;
        };
    });
    poll_fn(|cx| {
        let _ = group.as_mut().poll(cx);
        std::task::Poll::Ready(())
    })
    .await;
    assert_eq!(polls.load(Ordering::SeqCst), 1);
}

async fn inner_macro_group() -> Result<(), ()> {
    taskgroup! {
        name = "inner of a task";
        let leaf = sleep(ms(100));
    };
    Ok(())
}

#[tokio::test(start_paused = true)]
async fn a_spawn_branch_is_a_task_child_and_its_groups_nest_under_it() {
    record_tree(true);
    let (tree, ()) = taskgroup! {
        name = "outer of a task";
        let tree = snapshot_after(10);
        #[spawn] let task = inner_macro_group()?;
    }
    .unwrap();
    let outer = root(&tree, "outer of a task");
    let task = outer
        .children
        .iter()
        .find(|c| c.name.as_deref() == Some("task"))
        .unwrap_or_else(|| panic!("no branch `task`:\n{tree}"));
    assert!(task.task, "a #[spawn] branch is a task child:\n{tree}");
    assert_eq!(task.groups.len(), 1, "{tree}");
    assert_eq!(task.groups[0].name.as_deref(), Some("inner of a task"));
    assert_eq!(child_names(&task.groups[0]), ["leaf"]);
}

/// A long-lived group with overlapping children (each one runs until the
/// next has been spawned, 10,000 over time, beside one that lasts): every
/// snapshot shows exactly the live ones, in spawn order.
#[tokio::test(start_paused = true)]
async fn a_long_lived_group_shows_its_overlapping_children_in_spawn_order() {
    use tokio::sync::oneshot;
    record_tree(true);
    let tg = TaskGroup::<()>::builder().name("long-lived").build();
    // Spawns a child that runs until its sender is used or dropped.
    let spawn_until_told = |tg: &TaskGroup<'_, ()>, name: String| {
        let (done, wait) = oneshot::channel::<()>();
        tg.child(name).spawn(async move {
            let _ = wait.await;
            Ok(())
        });
        done
    };
    tg.run(async {
        let lasting = spawn_until_told(&tg, "lasting".into());
        let mut previous = spawn_until_told(&tg, "0".into());
        for i in 1..10_000 {
            let next = spawn_until_told(&tg, i.to_string());
            let _ = previous.send(());
            previous = next;
            if i % 1_000 == 999 {
                // Let the finished child end and leave the tree.
                sleep(ms(1)).await;
                let tree = tree_snapshot();
                let group = root(&tree, "long-lived");
                assert_eq!(child_names(group), ["lasting".into(), i.to_string()]);
            } else {
                tokio::task::yield_now().await;
            }
        }
        let _ = previous.send(());
        let _ = lasting.send(());
        Ok(())
    })
    .await
    .unwrap();
}

/// Takes a snapshot when it is dropped: from inside a group that is
/// cancelling its children.
struct SnapshotOnDrop(std::sync::Arc<std::sync::Mutex<Option<Snapshot>>>);

impl Drop for SnapshotOnDrop {
    fn drop(&mut self) {
        *self.0.lock().unwrap() = Some(tree_snapshot());
    }
}

/// The snapshot taken while the group named `name` dropped its first
/// child, after `stop` ended its body; the second child is still there.
async fn snapshot_while_cancelling(name: &'static str, on_purpose: bool) -> Snapshot {
    record_tree(true);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let tg = TaskGroup::<taskgroup::Cancelled>::builder()
        .name(name)
        .build();
    let _ = tg
        .run(async {
            let guard = SnapshotOnDrop(std::sync::Arc::clone(&seen));
            tg.child("first").spawn(async move {
                let _guard = guard;
                std::future::pending::<()>().await;
                Ok(())
            });
            tg.child("second")
                .spawn(std::future::pending::<Result<(), _>>());
            sleep(ms(5)).await;
            if on_purpose {
                tg.cancel();
                std::future::pending::<()>().await;
            }
            Err::<(), _>(taskgroup::Cancelled::new())
        })
        .await;
    let tree = seen.lock().unwrap().take();
    tree.expect("the first child was dropped")
}

#[tokio::test(start_paused = true)]
async fn a_group_cancelled_on_purpose_shows_so_and_its_children_cancelling() {
    let tree = snapshot_while_cancelling("on purpose", true).await;
    let group = root(&tree, "on purpose");
    assert_eq!(
        group.state,
        taskgroup::GroupStatus::CancelledOnPurpose,
        "{tree}"
    );
    let second = group
        .children
        .iter()
        .find(|c| c.name.as_deref() == Some("second"))
        .unwrap_or_else(|| panic!("no second child in\n{tree}"));
    assert_eq!(second.state, ChildState::Cancelling, "{tree}");
    let text = tree.to_string();
    assert!(
        text.contains("group \"on purpose\" cancelled on purpose"),
        "{text}"
    );
    assert!(text.contains("child \"second\" cancelling"), "{text}");
}

#[tokio::test(start_paused = true)]
async fn a_group_cancelling_after_a_failure_is_not_shown_as_cancelled_on_purpose() {
    let tree = snapshot_while_cancelling("failing", false).await;
    let group = root(&tree, "failing");
    assert_eq!(group.state, taskgroup::GroupStatus::Cancelling, "{tree}");
    assert!(
        tree.to_string().contains("group \"failing\" cancelling"),
        "{tree}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_taskgroup_cancelled_by_its_cancel_option_shows_so() {
    record_tree(true);
    let seen = std::sync::Arc::new(std::sync::Mutex::new(None));
    let guard = SnapshotOnDrop(std::sync::Arc::clone(&seen));
    let out: Result<((), ()), taskgroup::ErrorGroup<taskgroup::Cancelled>> = taskgroup! {
        name = "signalled";
        cancel = sleep(ms(5));
        let first = async move {
            let _guard = guard;
            std::future::pending::<()>().await
        };
        let second = std::future::pending::<()>();
        (first, second)
    };
    assert_eq!(out.unwrap_err().into_vec(), [taskgroup::Cancelled::new()]);
    let tree = seen.lock().unwrap().take();
    let tree = tree.expect("the first branch was dropped");
    let group = root(&tree, "signalled");
    assert_eq!(
        group.state,
        taskgroup::GroupStatus::CancelledOnPurpose,
        "{tree}"
    );
    assert!(
        group
            .children
            .iter()
            .all(|c| c.state == ChildState::Cancelling),
        "{tree}"
    );
}
