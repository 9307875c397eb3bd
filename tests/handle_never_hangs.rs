//! No await of a handle hangs forever: once its group has ended, awaiting
//! the handle of a child that failed or was cancelled panics and says what
//! to call instead; inside a running group the await stays pending, since
//! the group is already cancelling the awaiter. Every await runs under a
//! watchdog so a hang fails the test.

use std::sync::Mutex;
use std::time::Duration;

use taskgroup::{Handle, TaskGroup};
use tokio::time::{sleep, timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn fail_after(n: u64) -> Result<u32, &'static str> {
    sleep(ms(n)).await;
    Err("boom")
}

/// Awaits `handle` in a task of its own under a watchdog: the panic
/// message it ended with.
async fn await_panics(handle: Handle<u32, &'static str>) -> String {
    let joined = timeout(ms(10_000), tokio::spawn(handle))
        .await
        .expect("the await hung instead of panicking");
    let payload = joined.expect_err("the await resolved").into_panic();
    match payload.downcast::<String>() {
        Ok(s) => *s,
        Err(p) => p.downcast_ref::<&str>().unwrap_or(&"?").to_string(),
    }
}

/// Runs a fail-fast group that fails at 10 ms with a child `slow` (a local
/// or a task child) still running, and one child `bad` that failed: their
/// handles, kept past `run`.
async fn ended_group(task: bool) -> (Handle<u32, &'static str>, Handle<u32, &'static str>) {
    let tg = TaskGroup::new();
    let kept = Mutex::new(None);
    let err = tg
        .run(async {
            let (slow, bad) = if task {
                (
                    tg.child("slow").spawn_task(async {
                        sleep(ms(1000)).await;
                        Ok(1)
                    }),
                    tg.child("bad").spawn_task(fail_after(10)),
                )
            } else {
                (
                    tg.child("slow").spawn(async {
                        sleep(ms(1000)).await;
                        Ok(1)
                    }),
                    tg.child("bad").spawn(fail_after(10)),
                )
            };
            *kept.lock().unwrap() = Some((slow, bad));
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["boom"]);
    kept.into_inner().unwrap().unwrap()
}

#[tokio::test(start_paused = true)]
async fn after_run_a_cancelled_local_childs_handle_panics_naming_it() {
    let (slow, _) = ended_group(false).await;
    let msg = await_panics(slow).await;
    assert!(msg.contains("child `slow`"), "{msg}");
    assert!(msg.contains("was cancelled"), "{msg}");
    assert!(msg.contains("into_value()"), "{msg}");
}

#[tokio::test(start_paused = true)]
async fn after_run_a_failed_local_childs_handle_panics_naming_it() {
    let (_, bad) = ended_group(false).await;
    let msg = await_panics(bad).await;
    assert!(msg.contains("child `bad`"), "{msg}");
    assert!(msg.contains("failed"), "{msg}");
}

#[tokio::test(start_paused = true)]
async fn after_run_the_handles_of_an_aborted_and_a_failed_task_child_panic() {
    let (slow, bad) = ended_group(true).await;
    let msg = await_panics(slow).await;
    assert!(
        msg.contains("child `slow`") && msg.contains("was cancelled"),
        "{msg}"
    );
    let msg = await_panics(bad).await;
    assert!(
        msg.contains("child `bad`") && msg.contains("failed"),
        "{msg}"
    );
}

#[tokio::test(start_paused = true)]
async fn an_awaiter_outside_the_group_is_woken_and_panics_when_the_group_ends() {
    let tg = TaskGroup::new();
    let outside = Mutex::new(None);
    let err = tg
        .run(async {
            let slow = tg.child("slow").spawn(async {
                sleep(ms(1000)).await;
                Ok::<u32, &str>(1)
            });
            // Another task awaits it; the group does not own that task.
            *outside.lock().unwrap() = Some(tokio::spawn(slow));
            sleep(ms(5)).await;
            Err::<(), _>("body fails")
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["body fails"]);
    let joined = timeout(ms(10_000), outside.into_inner().unwrap().unwrap())
        .await
        .expect("the outside await hung");
    assert!(joined.unwrap_err().is_panic());
}

#[tokio::test(start_paused = true)]
async fn inside_a_running_group_awaiting_a_failed_child_stays_pending() {
    let tg = TaskGroup::new();
    let out = timeout(
        ms(10_000),
        tg.run(async {
            let bad = tg.spawn(fail_after(10));
            let task_bad = tg.spawn_task(fail_after(20));
            // A task child awaiting a sibling's handle is inside too.
            tg.spawn_task(async move { Ok(task_bad.await) });
            Ok(bad.await)
        }),
    )
    .await
    .expect("the group hung");
    assert_eq!(out.unwrap_err().into_vec(), ["boom"]);
}

#[tokio::test(start_paused = true)]
async fn a_finished_childs_value_is_still_taken_by_await_after_run() {
    let tg = TaskGroup::new();
    let kept = Mutex::new(None);
    tg.run(async {
        *kept.lock().unwrap() = Some(tg.spawn(async { Ok::<u32, &str>(5) }));
        Ok(())
    })
    .await
    .unwrap();
    let h = kept.into_inner().unwrap().unwrap();
    assert_eq!(timeout(ms(1000), h).await, Ok(5));
}

/// `into_value` of a finished task child is its value however many
/// handles the caller reads in one go: taking a stored output spends
/// nothing of tokio's cooperative budget (which would make a finished
/// task look unfinished once it ran out).
#[tokio::test(flavor = "current_thread")]
async fn into_value_of_many_finished_task_children_gives_every_value() {
    let tg = TaskGroup::<()>::new();
    let handles = std::sync::Mutex::new(Vec::new());
    tg.run(async {
        let mut hs = Vec::new();
        for i in 0..300u32 {
            hs.push(tg.spawn_task(async move { Ok(i) }));
        }
        *handles.lock().unwrap() = hs;
        Ok(())
    })
    .await
    .unwrap();
    let handles = handles.into_inner().unwrap();
    assert!(handles.iter().all(|h| h.is_finished()));
    let values: Vec<_> = handles.into_iter().map(|h| h.into_value()).collect();
    let expected: Vec<_> = (0..300).map(Some).collect();
    assert_eq!(values, expected);
}

/// An awaiter outside the group that began waiting while the child ran is
/// woken when that child fails too (not only when it is cancelled), and
/// panics once the group has ended.
#[tokio::test(start_paused = true)]
async fn an_awaiter_outside_the_group_of_a_child_that_then_failed_panics() {
    let tg = TaskGroup::new();
    let outside = Mutex::new(None);
    let err = tg
        .run(async {
            let bad = tg.child("bad").spawn(fail_after(10));
            // Another task awaits it before it fails.
            *outside.lock().unwrap() = Some(tokio::spawn(bad));
            sleep(ms(1000)).await;
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), ["boom"]);
    let joined = timeout(ms(10_000), outside.into_inner().unwrap().unwrap())
        .await
        .expect("the outside await hung");
    assert!(joined.unwrap_err().is_panic());
}
