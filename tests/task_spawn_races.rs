//! `spawn_task` counts its task without the group's lock: these tests hold
//! the rules that count keeps at the group's ends. A spawn into a group
//! that has ended (with task children or not) is refused with the clear
//! panic; a group whose first `spawn_task` was refused before `run` takes
//! task children once it runs; a spawn from another thread racing the
//! group's end is either awaited by `run` or refused, never left running.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use taskgroup::TaskGroup;

#[allow(dead_code)]
mod common;
use common::payload_message;

/// The message of the panic of `f`, which must panic.
fn panic_of(f: impl FnOnce()) -> String {
    let payload = catch_unwind(AssertUnwindSafe(f)).expect_err("should panic");
    payload_message(&*payload)
}

/// Under a watchdog on the paused clock, as the next test.
#[tokio::test(start_paused = true)]
async fn a_task_spawned_after_a_group_with_tasks_finished_is_refused_clearly() {
    let tg = TaskGroup::<()>::new();
    let run = tg.run(async { Ok(tg.spawn_task(async { Ok(1) }).await) });
    let v = tokio::time::timeout(Duration::from_secs(60), run).await;
    assert_eq!(v.expect("run hangs"), Ok(1));
    let msg = panic_of(|| drop(tg.spawn_task(async { Ok(2) })));
    assert!(
        msg.contains("spawn into a group that has finished"),
        "{msg}"
    );
}

/// Under a watchdog on the paused clock: a task refused in the running
/// group would leave its handle pending forever (as in the test above).
#[tokio::test(start_paused = true)]
async fn a_group_whose_task_spawn_was_refused_before_run_takes_tasks_once_it_runs() {
    let tg = TaskGroup::<()>::new();
    let msg = panic_of(|| drop(tg.spawn_task(async { Ok(0) })));
    assert!(msg.contains("spawn before `run`"), "{msg}");
    let run = tg.run(async {
        let a = tg.spawn_task(async { Ok(1) });
        let b = tg.spawn_task(async { Ok(2) });
        Ok(a.await + b.await)
    });
    let v = tokio::time::timeout(Duration::from_secs(60), run).await;
    assert_eq!(v.expect("run hangs"), Ok(3));
}

/// Another thread spawns task children as fast as it can while the group
/// ends: every spawn that was not refused ran to its end before `run`
/// returned, and the first refusal is the "finished" panic. Many rounds,
/// on a multi-thread runtime, under a watchdog (a task counted but never
/// awaited would show as a count below the spawns; a lost wake-up as a
/// hang).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawn_racing_the_groups_end_is_awaited_or_refused() {
    for _ in 0..20 {
        let tg = Arc::new(TaskGroup::<()>::new());
        let ended = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let mut spawner = None;
        let run = tg.run(async {
            let (tg, ended, accepted, stop) = (
                Arc::clone(&tg),
                Arc::clone(&ended),
                Arc::clone(&accepted),
                Arc::clone(&stop),
            );
            let rt = tokio::runtime::Handle::current();
            spawner = Some(std::thread::spawn(move || {
                let _rt = rt.enter();
                while !stop.load(Ordering::SeqCst) {
                    let ended = Arc::clone(&ended);
                    let spawn = catch_unwind(AssertUnwindSafe(|| {
                        drop(tg.spawn_task(async move {
                            tokio::task::yield_now().await;
                            ended.fetch_add(1, Ordering::SeqCst);
                            Ok(())
                        }))
                    }));
                    match spawn {
                        Ok(()) => accepted.fetch_add(1, Ordering::SeqCst),
                        Err(payload) => return payload_message(&*payload),
                    };
                }
                String::new()
            }));
            tokio::task::yield_now().await;
            Ok(())
        });
        tokio::time::timeout(Duration::from_secs(30), run)
            .await
            .expect("run hangs")
            .unwrap();
        let ended_by_the_end = ended.load(Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        let refusal = spawner.take().unwrap().join().unwrap();
        assert!(
            refusal.is_empty() || refusal.contains("spawn into a group that has finished"),
            "{refusal}"
        );
        assert_eq!(accepted.load(Ordering::SeqCst), ended_by_the_end);
    }
}
