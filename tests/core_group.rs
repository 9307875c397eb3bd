//! Behaviour of the core `TaskGroup` runtime, one test per rule of
//! DESIGN.md section 1 (ported from Python's TaskGroup and Trio's nursery
//! tests). Time-dependent tests run on tokio's paused clock.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::FutureExt;

use taskgroup::{ErrorGroup, Race, TaskGroup, TimedOut};

#[allow(dead_code)]
mod common;
use common::{
    LOST, PanicsOnTimeout, PanicsTwice, RELEASE, panic_after_runtime_shutdown, payload_message,
};
use tokio::time::{Instant, sleep};

/// Counts live instances; a test asserts the count drops to zero.
#[derive(Clone, Default)]
struct Alive(Arc<AtomicUsize>);

struct AliveGuard(Arc<AtomicUsize>);

impl Alive {
    fn guard(&self) -> AliveGuard {
        self.0.fetch_add(1, Ordering::SeqCst);
        AliveGuard(Arc::clone(&self.0))
    }
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn assert_send<T: Send>(_: &T) {}

/// Runs `fut` in its own task, which must panic, and returns the payload.
async fn panic_payload<F: std::future::Future + Send + 'static>(
    fut: F,
) -> Box<dyn std::any::Any + Send + 'static>
where
    F::Output: Send,
{
    tokio::spawn(fut)
        .await
        .err()
        .expect("the future should panic")
        .into_panic()
}

/// Runs `fut` in its own task and returns the panic payload's message.
async fn panic_message<F: std::future::Future + Send + 'static>(fut: F) -> String
where
    F::Output: Send,
{
    payload_message(&*panic_payload(fut).await)
}

// 1. Results of all children after `run`; children spawned later.
#[tokio::test(start_paused = true)]
async fn results_of_all_children_including_ones_spawned_after_awaits() {
    let tg = TaskGroup::<()>::new();
    let out = tg
        .run(async {
            let a = tg.spawn(async {
                sleep(ms(30)).await;
                Ok(1)
            });
            sleep(ms(10)).await;
            let b = tg.spawn(async {
                sleep(ms(5)).await;
                Ok(2)
            });
            let c = tg.spawn_task(async { Ok(3) });
            Ok((a.await, b.await, c.await))
        })
        .await;
    assert_eq!(out, Ok((1, 2, 3)));
}

#[tokio::test(start_paused = true)]
async fn run_waits_for_children_the_body_did_not_await() {
    let done = Arc::new(AtomicUsize::new(0));
    let tg = TaskGroup::<()>::new();
    let start = Instant::now();
    tg.run(async {
        for i in 1..=3u64 {
            let done = Arc::clone(&done);
            tg.spawn(async move {
                sleep(ms(10 * i)).await;
                done.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
        }
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(done.load(Ordering::SeqCst), 3);
    assert_eq!(start.elapsed(), ms(30));
}

#[tokio::test(start_paused = true)]
async fn children_run_concurrently_with_each_other() {
    let tg = TaskGroup::<()>::new();
    let start = Instant::now();
    tg.run(async {
        let a = tg.spawn(async {
            sleep(ms(100)).await;
            Ok(())
        });
        let b = tg.spawn_task(async {
            sleep(ms(100)).await;
            Ok(())
        });
        a.await;
        b.await;
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(start.elapsed(), ms(100));
}

// 2. A child error cancels the siblings and the body.
#[tokio::test(start_paused = true)]
async fn child_error_cancels_siblings_and_body() {
    let alive = Alive::default();
    let body_continued = AtomicBool::new(false);
    let tg = TaskGroup::new();
    let err = tg
        .run(async {
            for _ in 0..3 {
                let g = alive.guard();
                tg.spawn(async move {
                    let _g = g;
                    sleep(ms(1000)).await;
                    Ok(())
                });
            }
            tg.spawn(async {
                sleep(ms(10)).await;
                Err::<(), _>("boom")
            });
            sleep(ms(500)).await;
            body_continued.store(true, Ordering::SeqCst);
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["boom"]);
    assert_eq!(alive.count(), 0, "siblings were dropped");
    assert!(
        !body_continued.load(Ordering::SeqCst),
        "body code after its await ran"
    );
}

#[tokio::test(start_paused = true)]
async fn fail_fast_returns_at_the_failure_not_after_the_siblings() {
    let tg = TaskGroup::new();
    let start = Instant::now();
    let err = tg
        .run(async {
            tg.spawn(async {
                sleep(ms(10_000)).await;
                Ok(())
            });
            tg.spawn_task(async {
                sleep(ms(10_000)).await;
                Ok(())
            });
            tg.spawn(async {
                sleep(ms(20)).await;
                Err::<(), _>(7)
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(*err.first(), 7);
    assert_eq!(start.elapsed(), ms(20));
}

// 3 + 4. Several failures: every error kept, in order; an error a task child
// returns after cancellation was requested (it was blocking) is kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_after_cancellation_are_kept_in_order() {
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    let rx = std::sync::Mutex::new(rx);
    struct SendOnDrop(std::sync::mpsc::Sender<()>);
    impl Drop for SendOnDrop {
        fn drop(&mut self) {
            let _ = self.0.send(());
        }
    }
    let tg = TaskGroup::new();
    let err = tg
        .run(async {
            let rx = Arc::new(rx);
            let started = Arc::new(tokio::sync::Notify::new());
            let s2 = Arc::clone(&started);
            tg.spawn_task(async move {
                s2.notify_one();
                // Blocking: an abort cannot interrupt this.
                rx.lock().unwrap().recv().unwrap();
                Err::<(), _>("late")
            });
            started.notified().await;
            // Dropped when the group cancels: unblocks the task above.
            let unblock = SendOnDrop(tx);
            tg.spawn(async move {
                let _unblock = unblock;
                std::future::pending::<()>().await;
                Ok(())
            });
            tg.spawn(async { Err::<(), _>("first") });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["first", "late"]);
}

// 5. A body error cancels the children and is in the group.
#[tokio::test(start_paused = true)]
async fn body_error_cancels_children_and_is_reported() {
    let alive = Alive::default();
    let tg = TaskGroup::new();
    let g = alive.guard();
    let err = tg
        .run(async {
            tg.spawn(async move {
                let _g = g;
                sleep(ms(1000)).await;
                Ok(())
            });
            sleep(ms(5)).await;
            Err::<(), _>("body failed")
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["body failed"]);
    assert_eq!(alive.count(), 0);
}

// 6. Dropping the run future cancels everything; nothing is polled again.
#[tokio::test(start_paused = true)]
async fn dropping_run_drops_local_children_and_aborts_tasks() {
    let alive = Alive::default();
    let polls_after_drop = Arc::new(AtomicUsize::new(0));
    let dropped = Arc::new(AtomicBool::new(false));
    {
        let tg = TaskGroup::<()>::new();
        let run = tg.run(async {
            let g = alive.guard();
            tg.spawn(async move {
                let _g = g;
                sleep(ms(1000)).await;
                Ok(())
            });
            let g = alive.guard();
            let (p, d) = (Arc::clone(&polls_after_drop), Arc::clone(&dropped));
            let _never: taskgroup::Handle<(), _> = tg.spawn_task(async move {
                let _g = g;
                loop {
                    sleep(ms(1)).await;
                    if d.load(Ordering::SeqCst) {
                        p.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
            std::future::pending::<()>().await;
            Ok(())
        });
        // An outer timeout drops the run future.
        assert!(tokio::time::timeout(ms(50), run).await.is_err());
        dropped.store(true, Ordering::SeqCst);
    }
    // Let the runtime process the abort.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    sleep(ms(20)).await;
    assert_eq!(alive.count(), 0, "children are gone");
    assert_eq!(polls_after_drop.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_resolves_only_after_task_children_have_stopped() {
    let finished = Arc::new(AtomicBool::new(false));
    let f = Arc::clone(&finished);
    let tg = TaskGroup::new();
    let err = tg
        .run(async {
            let started = Arc::new(tokio::sync::Notify::new());
            let s2 = Arc::clone(&started);
            tg.spawn_task(async move {
                s2.notify_one();
                // Not abortable for a while.
                std::thread::sleep(Duration::from_millis(50));
                f.store(true, Ordering::SeqCst);
                Ok::<_, &str>(())
            });
            started.notified().await;
            Err::<(), _>("stop")
        })
        .await
        .unwrap_err();
    assert_eq!(err.len(), 1);
    assert!(
        finished.load(Ordering::SeqCst),
        "run returned before its task child stopped"
    );
}

// 7. Nested groups.
#[tokio::test(start_paused = true)]
async fn inner_group_failure_reaches_the_outer_group() {
    let outer = TaskGroup::<ErrorGroup<&str>>::new();
    let err = outer
        .run(async {
            outer.spawn(async {
                let inner = TaskGroup::new();
                inner
                    .run(async {
                        inner.spawn(async { Err::<(), _>("inner a") });
                        Ok(())
                    })
                    .await?;
                Ok(())
            });
            outer.spawn(async {
                sleep(ms(100)).await;
                Ok(())
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.flatten().into_vec(), ["inner a"]);
}

#[tokio::test(start_paused = true)]
async fn outer_failure_cancels_the_inner_groups_children() {
    let alive = Alive::default();
    let outer = TaskGroup::new();
    let err = outer
        .run(async {
            outer.spawn(async {
                let inner = TaskGroup::new();
                inner
                    .run(async {
                        for _ in 0..3 {
                            let g = alive.guard();
                            inner.spawn(async move {
                                let _g = g;
                                sleep(ms(1000)).await;
                                Ok(())
                            });
                        }
                        Ok(())
                    })
                    .await
                    .map_err(|e| *e.first())
            });
            sleep(ms(10)).await;
            assert_eq!(alive.count(), 3);
            Err::<(), _>("outer")
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["outer"]);
    assert_eq!(alive.count(), 0);
}

// 8. Children spawn children.
#[tokio::test(start_paused = true)]
async fn children_spawn_children_even_after_the_body_returned() {
    let count = AtomicUsize::new(0);
    let tg = TaskGroup::<()>::new();
    fn tree<'a>(
        tg: &'a TaskGroup<'a, ()>,
        count: &'a AtomicUsize,
        depth: u32,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ()>> + Send + 'a>> {
        Box::pin(async move {
            sleep(ms(1)).await;
            count.fetch_add(1, Ordering::SeqCst);
            if depth > 0 {
                tg.spawn(tree(tg, count, depth - 1));
                tg.spawn(tree(tg, count, depth - 1));
            }
            Ok(())
        })
    }
    tg.run(async {
        tg.spawn(tree(&tg, &count, 5));
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 63);
}

#[tokio::test(start_paused = true)]
async fn a_child_that_keeps_spawning_is_ended_when_a_sibling_fails() {
    let spawned = AtomicUsize::new(0);
    let alive = Alive::default();
    let tg = TaskGroup::new();
    let err = tg
        .run(async {
            let _never: taskgroup::Handle<(), _> = tg.spawn(async {
                loop {
                    let g = alive.guard();
                    spawned.fetch_add(1, Ordering::SeqCst);
                    tg.spawn(async move {
                        let _g = g;
                        sleep(ms(1_000_000)).await;
                        Ok(())
                    });
                    sleep(ms(1)).await;
                }
            });
            tg.spawn(async {
                sleep(ms(50)).await;
                Err::<(), _>("enough")
            });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["enough"]);
    assert!(spawned.load(Ordering::SeqCst) >= 50);
    assert_eq!(alive.count(), 0);
}

// 9. Misuse is a clear panic.
#[tokio::test]
async fn spawning_into_a_finished_group_panics_with_a_clear_message() {
    let msg = panic_message(async {
        let tg = TaskGroup::<()>::new();
        tg.run(async { Ok(()) }).await.unwrap();
        tg.spawn(async { Ok(()) });
    })
    .await;
    assert!(
        msg.contains("spawn into a group that has finished"),
        "{msg}"
    );
}

#[tokio::test]
async fn spawning_before_run_panics_with_a_clear_message() {
    let msg = panic_message(async {
        let tg = TaskGroup::<()>::new();
        tg.spawn_task(async { Ok(()) });
    })
    .await;
    assert!(msg.contains("spawn before `run`"), "{msg}");
}

#[tokio::test]
async fn calling_run_twice_panics_with_a_clear_message() {
    let msg = panic_message(async {
        let tg = TaskGroup::<()>::new();
        tg.run(async { Ok(()) }).await.unwrap();
        tg.run(async { Ok(()) }).await.unwrap();
    })
    .await;
    assert!(msg.contains("`run` called twice"), "{msg}");
}

// 10. Panics cancel siblings and resume the original payload.
#[tokio::test(start_paused = true)]
async fn local_child_panic_cancels_siblings_then_resumes_payload() {
    let alive = Alive::default();
    let a2 = alive.clone();
    let payload = panic_payload(async move {
        let tg = TaskGroup::<()>::new();
        tg.run(async {
            let g = a2.guard();
            tg.spawn(async move {
                let _g = g;
                sleep(ms(1000)).await;
                Ok(())
            });
            tg.spawn(async {
                sleep(ms(5)).await;
                std::panic::panic_any(42u32);
                #[allow(unreachable_code)]
                Ok::<(), ()>(())
            });
            Ok(())
        })
        .await
    })
    .await;
    assert_eq!(payload.downcast_ref::<u32>(), Some(&42));
    assert_eq!(alive.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_child_panic_cancels_siblings_then_resumes_payload() {
    let alive = Alive::default();
    let a2 = alive.clone();
    let payload = panic_payload(async move {
        let tg = TaskGroup::<()>::new();
        tg.run(async {
            let g = a2.guard();
            tg.spawn_task(async move {
                let _g = g;
                sleep(ms(100_000)).await;
                Ok(())
            });
            tg.spawn_task(async {
                std::panic::panic_any("task payload");
                #[allow(unreachable_code)]
                Ok::<(), ()>(())
            });
            Ok(())
        })
        .await
    })
    .await;
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"task payload"));
    assert_eq!(
        alive.count(),
        0,
        "the sibling task was aborted before the resume"
    );
}

#[tokio::test(start_paused = true)]
async fn body_panic_cancels_children_then_resumes_payload() {
    let alive = Alive::default();
    let a2 = alive.clone();
    let payload = panic_payload(async move {
        let tg = TaskGroup::<()>::new();
        tg.run(async {
            let g = a2.guard();
            tg.spawn(async move {
                let _g = g;
                sleep(ms(1000)).await;
                Ok(())
            });
            sleep(ms(1)).await;
            if a2.count() > 0 {
                panic!("body payload");
            }
            Ok(())
        })
        .await
    })
    .await;
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"body payload"));
    assert_eq!(alive.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn a_panic_does_not_poison_the_group_for_the_caller() {
    // Catching the resumed panic leaves everything usable: no lock stays
    // poisoned and nothing aborts the process.
    let tg = TaskGroup::<()>::new();
    let res = AssertUnwindSafe(tg.run(async {
        tg.spawn(async {
            panic!("inside");
            #[allow(unreachable_code)]
            Ok::<(), ()>(())
        });
        Ok(())
    }))
    .catch_unwind()
    .await;
    assert!(res.is_err());
    let msg = format!("{tg:?}");
    assert!(msg.contains("Finished"), "{msg}");
}

// 10b. A task child its runtime drops (the runtime shutting down) is lost:
// the group cancels the rest and panics with one message, never hangs.

/// The task child: says it started, then waits forever.
async fn start_then_pend(started: std::sync::mpsc::Sender<()>) -> Result<u8, ()> {
    started.send(()).unwrap();
    std::future::pending().await
}

#[test]
fn a_lost_task_child_the_body_awaits_makes_run_panic_instead_of_hanging() {
    let message = panic_after_runtime_shutdown(
        |started| async move {
            let tg = TaskGroup::<()>::new();
            let r = tg
                .run(async { Ok(tg.spawn_task(start_then_pend(started)).await) })
                .await;
            format!("{r:?}")
        },
        drop,
    );
    assert_eq!(message, LOST);
}

#[test]
fn a_lost_task_child_the_body_did_not_await_makes_run_panic_not_succeed() {
    let message = panic_after_runtime_shutdown(
        |started| async move {
            let tg = TaskGroup::<()>::new();
            let r = tg
                .run(async {
                    tg.spawn_task(start_then_pend(started));
                    Ok(())
                })
                .await;
            format!("{r:?}")
        },
        tokio::runtime::Runtime::shutdown_background,
    );
    assert_eq!(message, LOST);
}

// 11. Timeout.
#[tokio::test(start_paused = true)]
async fn timeout_cancels_every_child_and_fails_with_timed_out() {
    let alive = Alive::default();
    let tg = TaskGroup::<TimedOut>::builder().timeout(ms(100)).build();
    let start = Instant::now();
    let err = tg
        .run(async {
            for _ in 0..3 {
                let g = alive.guard();
                tg.spawn(async move {
                    let _g = g;
                    sleep(ms(1000)).await;
                    Ok(())
                });
            }
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), [TimedOut::new()]);
    assert_eq!(start.elapsed(), ms(100));
    assert_eq!(alive.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn timeout_converts_into_the_groups_error_type() {
    #[derive(Debug, PartialEq)]
    enum MyError {
        Timeout,
    }
    impl From<TimedOut> for MyError {
        fn from(_: TimedOut) -> Self {
            MyError::Timeout
        }
    }
    let tg = TaskGroup::<MyError>::builder().timeout(ms(5)).build();
    let err = tg
        .run(async {
            sleep(ms(10)).await;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(*err.first(), MyError::Timeout);
}

#[tokio::test(start_paused = true)]
async fn a_group_that_finishes_in_time_is_not_timed_out() {
    let tg = TaskGroup::<TimedOut>::builder().timeout(ms(100)).build();
    let v = tg
        .run(async {
            sleep(ms(99)).await;
            Ok(5)
        })
        .await;
    assert_eq!(v, Ok(5));
}

// 12. limit.
#[tokio::test(start_paused = true)]
async fn limit_runs_at_most_n_children_in_spawn_order() {
    let running = AtomicUsize::new(0);
    let max = AtomicUsize::new(0);
    let order = std::sync::Mutex::new(Vec::new());
    let tg = TaskGroup::<()>::builder().limit(3).build();
    let start = Instant::now();
    tg.run(async {
        for i in 0..10 {
            let (running, max, order) = (&running, &max, &order);
            tg.spawn(async move {
                order.lock().unwrap().push(i);
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                sleep(ms(10)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            });
        }
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(max.load(Ordering::SeqCst), 3);
    assert_eq!(*order.lock().unwrap(), (0..10).collect::<Vec<_>>());
    // 10 children of 10ms, 3 at a time: 4 rounds.
    assert_eq!(start.elapsed(), ms(40));
}

#[tokio::test(start_paused = true)]
async fn limit_counts_task_children_too() {
    let running = Arc::new(AtomicUsize::new(0));
    let max = Arc::new(AtomicUsize::new(0));
    let tg = TaskGroup::<()>::builder().limit(2).build();
    tg.run(async {
        for _ in 0..6 {
            let (running, max) = (Arc::clone(&running), Arc::clone(&max));
            tg.spawn_task(async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                sleep(ms(10)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                Ok(())
            });
        }
        Ok(())
    })
    .await
    .unwrap();
    assert_eq!(max.load(Ordering::SeqCst), 2);
}

#[tokio::test(start_paused = true)]
async fn a_child_spawning_while_the_group_is_at_its_limit_does_not_deadlock() {
    let tg = TaskGroup::<()>::builder().limit(1).build();
    let v = tg
        .run(async {
            let outer = tg.spawn(async {
                // The group is at its limit (this child); the grandchild
                // waits until this one finishes, so don't await it here.
                let inner = tg.spawn(async { Ok(2) });
                Ok(inner)
            });
            let inner = outer.await;
            Ok(inner.await)
        })
        .await;
    assert_eq!(v, Ok(2));
}

// 13. supervise and race.
#[tokio::test(start_paused = true)]
async fn supervise_keeps_running_and_gives_each_child_its_result() {
    let tg = TaskGroup::builder().supervise().build();
    let out = tg
        .run(async {
            let bad = tg.spawn(async {
                sleep(ms(1)).await;
                Err::<i32, _>("bad")
            });
            let slow = tg.spawn(async {
                sleep(ms(50)).await;
                Ok(2)
            });
            Ok((bad.result().await, slow.result().await))
        })
        .await;
    assert_eq!(out, Ok((Err("bad"), Ok(2))));
}

#[tokio::test(start_paused = true)]
async fn supervise_fails_through_the_body_and_the_errors_no_handle_took() {
    let tg = TaskGroup::builder().supervise().build();
    let err = tg
        .run(async {
            // Its handle is dropped at once: its error comes back from
            // `run`, before the body's, which happened later.
            tg.spawn(async { Err::<(), _>("child") });
            sleep(ms(1)).await;
            Err::<(), _>("body")
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["child", "body"]);
}

#[tokio::test(start_paused = true)]
async fn race_first_success_wins_and_cancels_the_rest() {
    let alive = Alive::default();
    let race = Race::new();
    let start = Instant::now();
    let v = race
        .run(async {
            let g = alive.guard();
            race.spawn(async move {
                let _g = g;
                sleep(ms(300)).await;
                Ok("slow")
            });
            race.spawn(async {
                sleep(ms(5)).await;
                Err("broken mirror")
            });
            race.spawn(async {
                sleep(ms(20)).await;
                Ok("fast")
            });
            Ok(())
        })
        .await;
    assert_eq!(v, Ok("fast"));
    assert_eq!(start.elapsed(), ms(20));
    assert_eq!(alive.count(), 0);
}

#[tokio::test(start_paused = true)]
async fn race_fails_with_every_error_when_all_fail() {
    let race = Race::<(), _>::new();
    let err = race
        .run(async {
            race.spawn(async {
                sleep(ms(2)).await;
                Err("b")
            });
            race.spawn(async { Err("a") });
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["a", "b"]);
}

// 15. The run future is Send.
#[tokio::test]
async fn run_future_is_send_and_can_be_spawned() {
    let h = tokio::spawn(async {
        let local = String::from("borrowed");
        let tg2 = TaskGroup::<TimedOut>::builder()
            .limit(2)
            .timeout(ms(1000))
            .build();
        let fut = tg2.run(async {
            let a = tg2.spawn(async { Ok(local.len()) });
            let b = tg2.spawn_task(async { Ok(1) });
            Ok(a.await + b.await)
        });
        assert_send(&fut);
        fut.await
    });
    assert_eq!(h.await.unwrap(), Ok(9));
    let _ = TimedOut::new();
}

#[tokio::test]
async fn handle_reports_name_and_completion() {
    let tg = TaskGroup::<()>::new();
    tg.run(async {
        let h = tg.child("worker").spawn(async { Ok(1) });
        assert_eq!(h.name(), Some("worker"));
        assert!(!h.is_finished());
        assert_eq!(h.await, 1);
        Ok(())
    })
    .await
    .unwrap();
}

// Regressions found in review.

#[tokio::test]
async fn a_child_that_wakes_itself_and_finishes_does_not_lose_the_next_child() {
    let tg = TaskGroup::<()>::new();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        tg.run(async {
            let a = tg.spawn(async {
                std::future::poll_fn(|cx| {
                    cx.waker().wake_by_ref();
                    std::task::Poll::Ready(())
                })
                .await;
                Ok(1)
            });
            a.await;
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            let c = tg.spawn(async { Ok(2) });
            Ok(c.await)
        }),
    )
    .await;
    assert_eq!(
        r.ok(),
        Some(Ok(2)),
        "the child put in the reused slot was never polled"
    );
}

#[tokio::test(start_paused = true)]
async fn a_stale_wake_from_a_sibling_handle_does_not_lose_later_children() {
    let tg = TaskGroup::<()>::new();
    let r = tokio::time::timeout(
        Duration::from_secs(5),
        tg.run(async {
            let b = tg.spawn(async {
                sleep(ms(10)).await;
                Ok(1)
            });
            tg.spawn(async move {
                let _ = tokio::time::timeout(ms(1), b).await;
                Ok(())
            });
            sleep(ms(50)).await;
            let c = tg.spawn(async { Ok(2) });
            let d = tg.spawn(async { Ok(3) });
            Ok(c.await + d.await)
        }),
    )
    .await;
    assert_eq!(r.ok(), Some(Ok(5)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_spawned_while_the_run_future_is_dropped_never_runs() {
    struct SpawnOnDrop<'g> {
        tg: &'g TaskGroup<'g, ()>,
        ran: Arc<AtomicUsize>,
    }
    impl Drop for SpawnOnDrop<'_> {
        fn drop(&mut self) {
            let ran = Arc::clone(&self.ran);
            self.tg.spawn_task(async move {
                ran.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
        }
    }
    let ran = Arc::new(AtomicUsize::new(0));
    for _ in 0..50 {
        let tg = TaskGroup::<()>::new();
        let r2 = Arc::clone(&ran);
        let fut = tg.run(async {
            let g = SpawnOnDrop { tg: &tg, ran: r2 };
            tg.spawn(async move {
                let _g = g;
                std::future::pending::<Result<(), ()>>().await
            });
            std::future::pending::<Result<(), ()>>().await
        });
        // Dropping the run future cancels the group.
        let _ = tokio::time::timeout(ms(1), fut).await;
    }
    for _ in 0..20 {
        tokio::task::yield_now().await;
    }
    assert_eq!(ran.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_of_a_nested_group_in_a_cancelled_child_is_awaited_by_the_outer_group() {
    let finished = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicBool::new(false));
    let outer = TaskGroup::<&'static str>::new();
    let (f2, s2) = (Arc::clone(&finished), Arc::clone(&started));
    let r = outer
        .run(async {
            outer.spawn(async move {
                let inner = TaskGroup::<&'static str>::new();
                inner
                    .run(async {
                        inner.spawn_task(async move {
                            s2.store(true, Ordering::SeqCst);
                            // Blocking: the abort cannot stop it early.
                            std::thread::sleep(Duration::from_millis(100));
                            f2.store(true, Ordering::SeqCst);
                            Ok(())
                        });
                        std::future::pending::<()>().await;
                        Ok(())
                    })
                    .await
                    .map_err(|_| "inner")
            });
            while !started.load(Ordering::SeqCst) {
                tokio::task::yield_now().await;
            }
            Err::<(), _>("outer body fails")
        })
        .await;
    assert_eq!(r.unwrap_err().into_vec(), ["outer body fails"]);
    assert!(
        finished.load(Ordering::SeqCst),
        "the outer run returned while a grandchild task was still running"
    );
}

// Task children report to their group themselves (no JoinHandle poll by
// the driver): the paths below are the ones that report.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supervise_gives_a_task_childs_error_to_its_handle() {
    let tg = TaskGroup::builder().supervise().build();
    let taken = std::sync::Mutex::new(None);
    let out = tg
        .run(async {
            let bad = tg.spawn_task(async { Err::<i32, _>("bad") });
            let good = tg.spawn_task(async {
                tokio::task::yield_now().await;
                Ok(2)
            });
            // Nobody asks for this one's error: it comes back from `run`.
            drop(tg.spawn_task(async { Err::<i32, _>("unseen") }));
            *taken.lock().unwrap() = Some((bad.result().await, good.result().await));
            Ok(())
        })
        .await;
    assert_eq!(taken.into_inner().unwrap(), Some((Err("bad"), Ok(2))));
    assert_eq!(out.unwrap_err().into_vec(), ["unseen"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn race_of_task_children_first_success_wins_and_the_rest_are_awaited() {
    let alive = Alive::default();
    let race = Race::new();
    let v = race
        .run(async {
            let g = alive.guard();
            race.spawn_task(async move {
                let _g = g;
                std::future::pending::<()>().await;
                Ok("never")
            });
            race.spawn_task(async { Err("broken mirror") });
            race.spawn_task(async {
                tokio::task::yield_now().await;
                Ok("fast")
            });
            Ok(())
        })
        .await;
    assert_eq!(v, Ok("fast"));
    assert_eq!(alive.count(), 0, "the losing task was awaited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_child_that_panics_when_aborted_is_resumed_after_the_others() {
    struct PanicOnDrop;
    impl Drop for PanicOnDrop {
        fn drop(&mut self) {
            panic!("drop of an aborted task");
        }
    }
    let alive = Alive::default();
    let a = alive.clone();
    let payload = panic_payload(async move {
        let tg = TaskGroup::<&str>::new();
        let _ = tg
            .run(async {
                let started = Arc::new(tokio::sync::Notify::new());
                let s = Arc::clone(&started);
                tg.spawn_task(async move {
                    let _p = PanicOnDrop;
                    s.notify_one();
                    std::future::pending::<Result<(), &str>>().await
                });
                let g = a.guard();
                tg.spawn_task(async move {
                    let _g = g;
                    std::future::pending::<Result<(), &str>>().await
                });
                started.notified().await;
                Err::<(), _>("stop")
            })
            .await;
    })
    .await;
    assert_eq!(
        payload.downcast_ref::<&str>(),
        Some(&"drop of an aborted task")
    );
    assert_eq!(alive.count(), 0);
}

#[tokio::test]
async fn a_task_child_cancelled_before_its_first_poll_is_dropped_before_run_returns() {
    let alive = Alive::default();
    let tg = TaskGroup::<&str>::new();
    let err = tg
        .run(async {
            for _ in 0..100 {
                let g = alive.guard();
                tg.spawn_task(async move {
                    let _g = g;
                    tokio::task::yield_now().await;
                    Ok(())
                });
            }
            // On the current-thread runtime none of them has run yet.
            Err::<(), _>("stop")
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["stop"]);
    assert_eq!(alive.count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn task_children_of_a_group_with_a_limit_give_their_values() {
    let tg = TaskGroup::<()>::builder().limit(3).build();
    let sum = tg
        .run(async {
            let handles: Vec<_> = (0..50u64)
                .map(|i| {
                    tg.spawn_task(async move {
                        tokio::task::yield_now().await;
                        Ok(i)
                    })
                })
                .collect();
            let mut sum = 0;
            for h in handles {
                sum += h.await;
            }
            Ok(sum)
        })
        .await;
    assert_eq!(sum, Ok(49 * 50 / 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_childs_handle_can_be_awaited_after_run_returned() {
    let tg = TaskGroup::<()>::new();
    let (h, name) = tg
        .run(async {
            let h = tg.child("late").spawn_task(async { Ok(7) });
            let name = h.name().map(String::from);
            Ok((h, name))
        })
        .await
        .unwrap();
    assert!(h.is_finished());
    assert_eq!(name.as_deref(), Some("late"));
    assert_eq!(h.name(), Some("late"));
    assert_eq!(h.await, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_task_child_error_is_kept_and_the_first_cancels_the_rest() {
    let alive = Alive::default();
    let tg = TaskGroup::<usize>::new();
    let err = tg
        .run(async {
            for i in 0..20 {
                let g = alive.guard();
                tg.spawn_task(async move {
                    let _g = g;
                    if i % 5 == 0 {
                        tokio::task::yield_now().await;
                        Err(i)
                    } else {
                        std::future::pending::<Result<(), usize>>().await
                    }
                });
            }
            Ok(())
        })
        .await
        .unwrap_err();
    assert!(err.len() >= 1);
    assert!(err.iter().all(|e| e % 5 == 0));
    assert_eq!(alive.count(), 0);
}

#[tokio::test]
async fn a_task_child_refused_while_a_limited_group_cancels_has_a_finished_handle() {
    type Slot = Arc<std::sync::Mutex<Option<taskgroup::Handle<(), &'static str>>>>;
    struct SpawnOnDrop<'g> {
        tg: &'g TaskGroup<'g, &'static str>,
        slot: Slot,
    }
    impl Drop for SpawnOnDrop<'_> {
        fn drop(&mut self) {
            let h = self.tg.spawn_task(async { Ok(()) });
            *self.slot.lock().unwrap() = Some(h);
        }
    }
    let slot: Slot = Arc::default();
    let tg = TaskGroup::<&'static str>::builder().limit(2).build();
    let r = tg
        .run(async {
            let g = SpawnOnDrop {
                tg: &tg,
                slot: Arc::clone(&slot),
            };
            tg.spawn(async move {
                let _g = g;
                std::future::pending::<Result<(), &'static str>>().await
            });
            tg.spawn(async {
                tokio::task::yield_now().await;
                Err::<(), _>("boom")
            });
            std::future::pending::<Result<(), &'static str>>().await
        })
        .await;
    assert!(r.is_err());
    let h = slot
        .lock()
        .unwrap()
        .take()
        .expect("spawned while cancelling");
    assert!(h.is_finished(), "a refused child's handle is finished");
}

#[test]
#[should_panic(
    expected = "`limit` must be at least 1 (a group with limit 0 could never run a child)"
)]
fn a_zero_limit_is_refused_by_the_builder() {
    let _ = TaskGroup::<()>::builder().limit(0);
}

#[test]
#[should_panic(expected = "call `build_race::<T>()` instead of `build()`")]
fn race_mode_makes_a_race_not_a_task_group() {
    let _ = TaskGroup::<()>::builder()
        .mode(taskgroup::Mode::Race)
        .build();
}

#[tokio::test]
async fn a_task_child_resumes_its_first_panic_not_the_one_of_its_drop() {
    let err = tokio::spawn(async {
        let tg = TaskGroup::<()>::new();
        let _ = tg
            .run(async {
                tg.spawn_task(async { PanicsTwice.await.map_err(drop) });
                Ok(())
            })
            .await;
    })
    .await
    .unwrap_err();
    let payload = err.into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
}

/// Spawns a task child from its `Drop`; the child holds `dropped`'s flag.
struct SpawnsOnDrop<'g> {
    tg: &'g TaskGroup<'static, ()>,
    dropped: Arc<AtomicBool>,
}

/// Sets its flag when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl Drop for SpawnsOnDrop<'_> {
    fn drop(&mut self) {
        let flag = SetOnDrop(self.dropped.clone());
        // The handle is not needed: the child belongs to the group.
        drop(self.tg.spawn_task(async move {
            let _flag = flag;
            std::future::pending::<Result<(), ()>>().await
        }));
    }
}

/// A body dropped with `run`'s future cannot start a child from its `Drop`:
/// the group refuses new children before it drops the body, so the child's
/// future is dropped right there, never handed to tokio (a spawned and then
/// aborted task would be dropped later, on a worker).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_from_the_bodys_drop_while_run_is_dropped_starts_nothing() {
    for _ in 0..200 {
        let tg = TaskGroup::<()>::new();
        let dropped = Arc::new(AtomicBool::new(false));
        {
            let guard = SpawnsOnDrop {
                tg: &tg,
                dropped: dropped.clone(),
            };
            let mut run = std::pin::pin!(tg.run(async move {
                let _guard = guard;
                std::future::pending::<Result<(), ()>>().await
            }));
            let waker = std::task::Waker::noop();
            let _ = run
                .as_mut()
                .poll(&mut std::task::Context::from_waker(waker));
        }
        assert!(
            dropped.load(Ordering::SeqCst),
            "a child spawned from the body's Drop was handed to tokio"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_timeout_conversion_is_resumed_after_the_task_children_end() {
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    *RELEASE.lock().unwrap() = Some(release_tx);
    let ended = Arc::new(AtomicBool::new(false));
    let seen = ended.clone();
    let join = tokio::spawn(async move {
        let tg = TaskGroup::<PanicsOnTimeout>::builder()
            .timeout(Duration::from_millis(1))
            .build();
        let _ = tg
            .run(async {
                tg.spawn_task(async move {
                    // Blocking code: the group's abort cannot stop it.
                    let _ = release_rx.recv();
                    // Long enough that a panic resumed early would reach
                    // the caller first.
                    std::thread::sleep(Duration::from_millis(300));
                    ended.store(true, Ordering::SeqCst);
                    Ok(())
                });
                std::future::pending::<Result<(), PanicsOnTimeout>>().await
            })
            .await;
    });
    let payload = tokio::time::timeout(Duration::from_secs(20), join)
        .await
        .expect("hung")
        .unwrap_err()
        .into_panic();
    assert_eq!(payload_message(&*payload), "conversion panicked");
    assert!(
        seen.load(Ordering::SeqCst),
        "the panic reached the caller while a task child still ran"
    );
}

/// An error whose drop panics (when not already unwinding).
#[derive(Debug)]
struct PanicsOnDrop;

impl Drop for PanicsOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("an error's drop panicked")
        }
    }
}

/// A child that panics when it is dropped (cancelled).
struct BombOnDrop(&'static str);

impl Drop for BombOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            panic!("{}", self.0)
        }
    }
}

#[tokio::test]
async fn an_error_whose_drop_panics_does_not_replace_the_first_panic() {
    let join = tokio::spawn(async {
        let tg = TaskGroup::<PanicsOnDrop>::new();
        let _ = tg
            .run(async {
                // Cancelled by the error below, it panics as it is dropped:
                // the group's first panic.
                tg.spawn(async {
                    let _bomb = BombOnDrop("the child's drop panicked");
                    std::future::pending::<Result<(), PanicsOnDrop>>().await
                });
                tokio::task::yield_now().await;
                Err::<(), _>(PanicsOnDrop)
            })
            .await;
    });
    let payload = join.await.unwrap_err().into_panic();
    assert_eq!(payload_message(&*payload), "the child's drop panicked");
}

/// Panics whenever it is dropped, even while the thread unwinds.
struct AlwaysBomb(&'static str);

impl Drop for AlwaysBomb {
    fn drop(&mut self) {
        panic!("{}", self.0)
    }
}

/// Dropping `run`'s future drops its children; two whose drops panic must
/// not abort the process (a second panic while the first unwinds would):
/// the first is raised, the second dropped. An abort would kill the test
/// binary, so the case runs in a child process.
#[test]
fn dropping_run_with_two_children_whose_drops_panic_does_not_abort() {
    const PROBE: &str = "TASKGROUP_DROP_PANICS_PROBE";
    if std::env::var_os(PROBE).is_some() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let caught = std::panic::catch_unwind(AssertUnwindSafe(|| {
            rt.block_on(async {
                let tg = TaskGroup::<()>::new();
                let mut run = std::pin::pin!(tg.run(async {
                    for name in ["first bomb", "second bomb"] {
                        tg.spawn(async move {
                            let _bomb = AlwaysBomb(name);
                            std::future::pending::<Result<(), ()>>().await
                        });
                    }
                    tokio::task::yield_now().await;
                    std::future::pending::<Result<(), ()>>().await
                }));
                let waker = std::task::Waker::noop();
                let mut cx = std::task::Context::from_waker(waker);
                let _ = run.as_mut().poll(&mut cx);
                let _ = run.as_mut().poll(&mut cx);
            });
        }));
        let payload = caught.expect_err("dropping the run future raises a drop's panic");
        assert_eq!(payload_message(&*payload), "first bomb");
        return;
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "dropping_run_with_two_children_whose_drops_panic_does_not_abort",
            "--nocapture",
        ])
        .env(PROBE, "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the probe process failed ({:?}):\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

// Mixed nesting: a group of one kind inside a child of the other kind,
// cancelled from outside while its task child is stuck in blocking code.
// The outer group must wait for that task, as TaskGroup in TaskGroup does.

/// A task child that says it started, then blocks for a while (the
/// group's abort cannot stop it) and records that it ended.
async fn blocking_task(
    started: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
) -> Result<(), &'static str> {
    started.store(true, Ordering::SeqCst);
    std::thread::sleep(Duration::from_millis(100));
    ended.store(true, Ordering::SeqCst);
    Ok(())
}

async fn until(flag: &AtomicBool) {
    while !flag.load(Ordering::SeqCst) {
        tokio::task::yield_now().await;
    }
}

/// A TaskGroup with a blocked task child.
async fn task_group_with_blocked_task(
    started: Arc<AtomicBool>,
    ended: Arc<AtomicBool>,
) -> Result<(), &'static str> {
    let inner = TaskGroup::<&'static str>::new();
    inner
        .run(async {
            inner.spawn_task(blocking_task(started, ended));
            std::future::pending::<()>().await;
            Ok(())
        })
        .await
        .map_err(|_| "inner")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_group_in_a_cancelled_taskgroup_branch_is_awaited() {
    let (started, ended) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let (s, e) = (started.clone(), ended.clone());
    let r = taskgroup::taskgroup! {
        let inner = task_group_with_blocked_task(s, e)?;
        let fails = async {
            until(&started).await;
            Err::<(), _>("outer branch fails")
        }?;
    };
    assert_eq!(r.unwrap_err().into_vec(), ["outer branch fails"]);
    assert!(
        ended.load(Ordering::SeqCst),
        "taskgroup! returned while a task of the group in its cancelled branch still ran"
    );
}

#[taskgroup::concurrent]
async fn two_lets(started: Arc<AtomicBool>, ended: Arc<AtomicBool>) -> Result<(), &'static str> {
    let inner = task_group_with_blocked_task(started.clone(), ended).await?;
    let fails = async {
        until(&started).await;
        Err::<(), _>("a let fails")
    }
    .await?;
    let ((), ()) = (inner, fails);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_group_in_a_cancelled_concurrent_let_is_awaited() {
    let (started, ended) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    assert_eq!(two_lets(started, ended.clone()).await, Err("a let fails"));
    assert!(
        ended.load(Ordering::SeqCst),
        "the #[concurrent] fn returned while a task of the group in its cancelled let still ran"
    );
}

/// Runs `child` (given the started and ended flags of its blocked task) as
/// a `TaskGroup` child, fails the body once that task started, and says
/// whether the task had ended by the time `run` returned.
async fn task_ended_before_an_outer_task_group_returned<F>(
    child: impl FnOnce(Arc<AtomicBool>, Arc<AtomicBool>) -> F,
) -> bool
where
    F: Future<Output = Result<(), &'static str>> + Send + 'static,
{
    let (started, ended) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicBool::new(false)),
    );
    let outer = TaskGroup::<&'static str>::new();
    let r = outer
        .run(async {
            outer.spawn(child(started.clone(), ended.clone()));
            until(&started).await;
            Err::<(), _>("outer body fails")
        })
        .await;
    assert_eq!(r.unwrap_err().into_vec(), ["outer body fails"]);
    ended.load(Ordering::SeqCst)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_branch_in_a_cancelled_task_group_child_is_awaited() {
    let ended = task_ended_before_an_outer_task_group_returned(|s, e| async move {
        taskgroup::taskgroup! {
            #[spawn] let blocked = blocking_task(s, e)?;
            let waits = std::future::pending::<()>();
        }
        .map(drop)
        .map_err(|_| "inner")
    })
    .await;
    assert!(
        ended,
        "run returned while the #[spawn] branch of its cancelled child still ran"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_for_in_a_cancelled_task_group_child_is_awaited() {
    let ended = task_ended_before_an_outer_task_group_returned(|s, e| async move {
        taskgroup::taskgroup! {
            #[spawn] let blocked = for i in 0..1u8 {
                blocking_task(s.clone(), e.clone())?
            };
            let waits = std::future::pending::<()>();
        }
        .map(drop)
        .map_err(|_| "inner")
    })
    .await;
    assert!(
        ended,
        "run returned while a #[spawn] for item of its cancelled child still ran"
    );
}

/// The partial results of a group that failed: the handles of children that
/// finished still give their values after `run` returned (local and task
/// children); a cancelled child gives none.
#[tokio::test]
async fn into_value_gives_the_values_of_children_that_finished_before_a_failure() {
    let watchdog = tokio::time::timeout(Duration::from_secs(20), async {
        let tg = TaskGroup::<&'static str>::new();
        let kept = std::sync::Mutex::new(None);
        let err = tg
            .run(async {
                let local = tg.spawn(async { Ok(1u32) });
                let task = tg.spawn_task(async { Ok(2u32) });
                let cancelled = tg.spawn(std::future::pending::<Result<u32, &str>>());
                until_finished(&[&local, &task]).await;
                *kept.lock().unwrap() = Some((local, task, cancelled));
                Err::<(), _>("the body fails")
            })
            .await
            .unwrap_err();
        assert_eq!(err.into_vec(), ["the body fails"]);
        let (local, task, cancelled) = kept.into_inner().unwrap().unwrap();
        assert_eq!(local.into_value(), Some(1));
        assert_eq!(task.into_value(), Some(2));
        assert_eq!(cancelled.into_value(), None);
    });
    watchdog.await.expect("hung");
}

async fn until_finished(handles: &[&taskgroup::Handle<u32, &'static str>]) {
    while !handles.iter().all(|h| h.is_finished()) {
        tokio::task::yield_now().await;
    }
}

#[tokio::test]
async fn into_value_of_a_failed_supervised_child_is_none() {
    let tg = TaskGroup::<&'static str>::builder().supervise().build();
    let kept = std::sync::Mutex::new(None);
    tg.run(async {
        let failed = tg.spawn(async { Err::<u32, _>("boom") });
        let ok = tg.spawn(async { Ok(3u32) });
        until_finished(&[&failed, &ok]).await;
        *kept.lock().unwrap() = Some((failed, ok));
        Ok(())
    })
    .await
    .unwrap();
    let (failed, ok) = kept.into_inner().unwrap().unwrap();
    assert_eq!(failed.into_value(), None);
    assert_eq!(ok.into_value(), Some(3));
}
