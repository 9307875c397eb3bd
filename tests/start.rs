//! `TaskGroup::start`: wait until a child is ready, get its value, and let
//! it run on in the group.

use std::future::{Future, pending};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use taskgroup::TaskGroup;

async fn watchdog<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(3600), f)
        .await
        .expect("the group hung")
}

#[tokio::test(start_paused = true)]
async fn start_resolves_to_the_ready_value_and_the_child_runs_on() {
    let finished = Arc::new(AtomicBool::new(false));
    let tg = TaskGroup::<&str>::new();
    let done = Arc::clone(&finished);
    let v = watchdog(tg.run(async {
        let port = tg
            .start(|ready| async move {
                tokio::time::sleep(Duration::from_secs(1)).await;
                ready.send(8080_u16);
                tokio::time::sleep(Duration::from_secs(5)).await;
                done.store(true, Ordering::SeqCst);
                Ok(())
            })
            .await;
        assert!(!finished.load(Ordering::SeqCst), "start returned at ready");
        Ok(port)
    }))
    .await;
    assert_eq!(v, Ok(8080));
    assert!(
        finished.load(Ordering::SeqCst),
        "the group waited for the child"
    );
}

#[tokio::test(start_paused = true)]
async fn a_child_that_fails_before_it_is_ready_fails_the_group() {
    let tg = TaskGroup::<&str>::new();
    let body_went_on = AtomicBool::new(false);
    let err = watchdog(tg.run(async {
        let () = tg
            .start(|_ready| async {
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err("bind failed")
            })
            .await;
        body_went_on.store(true, Ordering::SeqCst);
        Ok(())
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), ["bind failed"]);
    assert!(!body_went_on.load(Ordering::SeqCst));
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "returned without calling `ready.send(value)`")]
async fn a_child_that_returns_without_being_ready_is_a_clear_panic() {
    let tg = TaskGroup::<()>::new();
    let _ = watchdog(tg.run(async {
        let () = tg.start(|_ready| async { Ok(()) }).await;
        Ok(())
    }))
    .await;
}

#[tokio::test(start_paused = true)]
async fn a_started_child_is_cancelled_with_its_group() {
    let tg = TaskGroup::<&str>::new();
    let err = watchdog(tg.run(async {
        let addr = tg
            .start(|ready| async move {
                ready.send("127.0.0.1:1");
                pending::<Result<(), &str>>().await
            })
            .await;
        assert_eq!(addr, "127.0.0.1:1");
        Err::<(), _>("shut down")
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), ["shut down"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_task_runs_the_child_as_a_task_and_resolves_at_ready() {
    let tg = TaskGroup::<&str>::new();
    let v = tokio::time::timeout(
        Duration::from_secs(20),
        tg.run(async {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let id = tg
                .start_task(|ready| async move {
                    ready.send(7);
                    // Ends only after `start_task` returned: it resolved at
                    // ready, not at the child's end.
                    let _ = rx.await;
                    Ok(())
                })
                .await;
            tx.send(()).unwrap();
            Ok(id)
        }),
    )
    .await
    .expect("the group hung");
    assert_eq!(v, Ok(7));
}

#[tokio::test(start_paused = true)]
#[should_panic(expected = "returned without calling `ready.send(value)`")]
async fn a_task_child_that_returns_without_being_ready_is_a_clear_panic() {
    let tg = TaskGroup::<()>::new();
    let _ = watchdog(tg.run(async {
        let () = tg.start_task(|_ready| async { Ok(()) }).await;
        Ok(())
    }))
    .await;
}
