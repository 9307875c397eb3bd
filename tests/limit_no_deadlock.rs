//! A limit cannot deadlock: a child that holds a slot and awaits the handle
//! of a child still waiting for one lends it its slot (the awaited child
//! starts at once, beyond the limit). The body holds no slot, so awaiting
//! handles from the body keeps the limit. Every group runs under a
//! paused-clock watchdog: a deadlock fails the test at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskgroup::TaskGroup;
use tokio::sync::oneshot;
use tokio::time::{sleep, timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

const WATCHDOG: Duration = Duration::from_secs(3600);

#[tokio::test(start_paused = true)]
async fn a_child_awaiting_its_own_sub_child_at_limit_one_finishes() {
    let tg = TaskGroup::builder().limit(1).build();
    let out = timeout(
        WATCHDOG,
        tg.run(async {
            let parent = tg.spawn(async {
                let sub = tg.spawn(async {
                    sleep(ms(10)).await;
                    Ok::<_, ()>(2)
                });
                Ok(sub.await * 10)
            });
            Ok(parent.await)
        }),
    )
    .await
    .expect("deadlock: the sub-child never got a slot");
    assert_eq!(out, Ok(20));
}

#[tokio::test(start_paused = true)]
async fn a_chain_of_nested_awaits_at_limit_one_finishes() {
    let tg = TaskGroup::builder().limit(1).build();
    let out = timeout(
        WATCHDOG,
        tg.run(async {
            let a = tg.spawn(async {
                let b = tg.spawn(async {
                    let c = tg.spawn(async {
                        sleep(ms(5)).await;
                        Ok::<_, ()>(1)
                    });
                    Ok(c.await + 1)
                });
                Ok(b.await + 1)
            });
            Ok(a.await)
        }),
    )
    .await
    .expect("deadlock in a chain of awaits");
    assert_eq!(out, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn a_task_child_holding_the_slot_awaits_a_waiting_sibling() {
    let tg = TaskGroup::builder().limit(1).build();
    let out = timeout(
        WATCHDOG,
        tg.run(async {
            let (tx, rx) = oneshot::channel();
            // Admitted first: it holds the only slot while it waits.
            let holder = tg.spawn_task(async move {
                let sibling: taskgroup::Handle<u32, ()> = rx.await.expect("sent");
                Ok(sibling.await + 1)
            });
            // Waits for the slot the holder has.
            let sibling = tg.spawn_task(async {
                sleep(ms(10)).await;
                Ok::<_, ()>(41)
            });
            tx.send(sibling).expect("the holder waits for it");
            Ok(holder.await)
        }),
    )
    .await
    .expect("deadlock: the task child's sibling never started");
    assert_eq!(out, Ok(42));
}

#[tokio::test(start_paused = true)]
async fn a_local_child_holding_the_slot_awaits_a_waiting_task_child() {
    let tg = TaskGroup::builder().limit(1).build();
    let out = timeout(
        WATCHDOG,
        tg.run(async {
            let (tx, rx) = oneshot::channel();
            let holder = tg.spawn(async move {
                let task: taskgroup::Handle<u32, ()> = rx.await.expect("sent");
                Ok(task.await * 2)
            });
            tokio::task::yield_now().await; // the holder takes the slot
            let task = tg.spawn_task(async {
                sleep(ms(10)).await;
                Ok::<_, ()>(21)
            });
            tx.send(task).expect("the holder waits for it");
            Ok(holder.await)
        }),
    )
    .await
    .expect("deadlock: the waiting task child never started");
    assert_eq!(out, Ok(42));
}

#[tokio::test(start_paused = true)]
async fn the_body_awaiting_waiting_children_keeps_the_limit() {
    let running = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let tg = TaskGroup::builder().limit(2).build();
    let out = timeout(
        WATCHDOG,
        tg.run(async {
            let handles: Vec<_> = (0..6u32)
                .map(|i| {
                    let (running, most) = (Arc::clone(&running), Arc::clone(&most));
                    tg.spawn(async move {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        sleep(ms(10)).await;
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok::<_, ()>(i)
                    })
                })
                .collect();
            let mut sum = 0;
            // The last first: it waits for a slot while the body awaits it.
            for h in handles.into_iter().rev() {
                sum += h.await;
            }
            Ok(sum)
        }),
    )
    .await
    .expect("the group hung");
    assert_eq!(out, Ok(15));
    assert_eq!(
        most.load(Ordering::SeqCst),
        2,
        "the body lent a slot it does not hold"
    );
}

/// The lending holds through a nested group with a limit of its own: a
/// slot holder of the outer group runs an inner group whose child awaits
/// an outer child still waiting for a slot. The inner child holds the
/// inner group's slot and, through its parent, the outer one's.
#[tokio::test(start_paused = true)]
async fn a_child_of_a_nested_limited_group_lends_the_outer_slot() {
    let outer = TaskGroup::builder().limit(1).build();
    let out = timeout(
        WATCHDOG,
        outer.run(async {
            let parent = outer.spawn(async {
                let sub = outer.spawn(async {
                    sleep(ms(10)).await;
                    Ok::<_, ()>(2)
                });
                let inner = TaskGroup::<()>::builder().limit(1).build();
                let v = inner
                    .run(async {
                        let waiter = inner.spawn(async { Ok(sub.await * 10) });
                        Ok(waiter.await)
                    })
                    .await
                    .unwrap();
                Ok(v)
            });
            Ok(parent.await)
        }),
    )
    .await
    .expect("deadlock: the outer sub-child never got a slot");
    assert_eq!(out, Ok(20));
}

/// An outer group at limit 1 whose only running child runs an inner group;
/// a task child of the inner group awaits an outer child still waiting for
/// the outer slot. `inner_limit`: the inner group's own limit, if any.
async fn task_child_of_inner_group_awaits_outer_waiting_child(inner_limit: Option<usize>) {
    let outer = TaskGroup::builder().limit(1).build();
    let out = timeout(
        WATCHDOG,
        outer.run(async {
            let (tx, rx) = oneshot::channel::<taskgroup::Handle<u32, ()>>();
            let holder = outer.spawn(async move {
                let mut builder = TaskGroup::<()>::builder();
                if let Some(n) = inner_limit {
                    builder = builder.limit(n);
                }
                let inner = builder.build();
                inner
                    .run(async {
                        let task = inner.spawn_task(async move {
                            let waiting = rx.await.expect("sent");
                            Ok(waiting.await + 1)
                        });
                        Ok(task.await)
                    })
                    .await
                    .map_err(|_| ())
            });
            tokio::task::yield_now().await; // the holder takes the outer slot
            let waiting = outer.spawn(async {
                sleep(ms(10)).await;
                Ok::<_, ()>(41)
            });
            tx.send(waiting).expect("the inner task waits for it");
            Ok(holder.await)
        }),
    )
    .await
    .expect("deadlock: the inner group's task child could not lend the outer slot");
    assert_eq!(out, Ok(42));
}

#[tokio::test(start_paused = true)]
async fn a_task_child_of_a_nested_limited_group_lends_the_outer_slot() {
    task_child_of_inner_group_awaits_outer_waiting_child(Some(1)).await;
}

#[tokio::test(start_paused = true)]
async fn a_task_child_of_a_nested_unlimited_group_lends_the_outer_slot() {
    task_child_of_inner_group_awaits_outer_waiting_child(None).await;
}
