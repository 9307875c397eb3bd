//! A supervise group never loses an error: an error no handle takes goes
//! to the group's `on_error` handler or, without one, comes back from
//! `run` in order; an error taken with `result()` is not repeated; a
//! handle that outlives the group keeps its error.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use taskgroup::{Handle, TaskGroup};
use tokio::time::{sleep, timeout};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn fail_after(n: u64, e: &'static str) -> Result<u32, &'static str> {
    sleep(ms(n)).await;
    Err(e)
}

/// `(child name, error)` of every leaf.
fn leaves(err: &taskgroup::ErrorGroup<&'static str>) -> Vec<(Option<String>, &'static str)> {
    err.leaves()
        .map(|l| (l.child().map(str::to_string), *l.error()))
        .collect()
}

/// What a supervise group's handler received: `(child, error)`, in order.
type HandlerLog = Arc<Mutex<Vec<(Option<String>, &'static str)>>>;

/// A supervise group whose `on_error` handler logs what it receives.
fn logging_group() -> (TaskGroup<'static, &'static str>, HandlerLog) {
    let log = HandlerLog::default();
    let sink = Arc::clone(&log);
    let tg = TaskGroup::builder()
        .supervise()
        .on_error(move |child, e| sink.lock().unwrap().push((child.map(str::to_string), e)))
        .build();
    (tg, log)
}

#[tokio::test(start_paused = true)]
async fn an_error_whose_handle_was_dropped_before_it_failed_comes_back_from_run() {
    let tg = TaskGroup::builder().supervise().build();
    let err = tg
        .run(async {
            drop(tg.child("page-1").spawn(fail_after(10, "404")));
            drop(tg.child("page-2").spawn_task(fail_after(20, "500")));
            let ok = tg.spawn(async { Ok(7) });
            assert_eq!(ok.await, 7);
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(
        leaves(&err),
        [
            (Some("page-1".into()), "404"),
            (Some("page-2".into()), "500")
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn an_error_a_dropped_handle_held_comes_back_and_a_taken_one_does_not() {
    let tg = TaskGroup::builder().supervise().build();
    let err = tg
        .run(async {
            let held = tg.child("held").spawn(fail_after(1, "held"));
            let taken = tg.child("taken").spawn(fail_after(1, "taken"));
            let value = tg.child("value").spawn(fail_after(1, "value"));
            sleep(ms(5)).await; // all three have failed
            assert_eq!(taken.result().await, Err("taken"));
            assert_eq!(value.into_value(), None); // its error goes to the group
            drop(held);
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(
        leaves(&err),
        [
            (Some("value".into()), "value"),
            (Some("held".into()), "held")
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn errors_no_handle_took_come_before_a_later_body_error() {
    let tg = TaskGroup::builder().supervise().build();
    let err = tg
        .run(async {
            tg.spawn(fail_after(1, "child"));
            sleep(ms(5)).await;
            tg.spawn(fail_after(1, "late child"));
            Err::<(), _>("body")
        })
        .await
        .unwrap_err();
    // The late child was cancelled by the body's error before it failed.
    assert_eq!(err.into_vec(), ["child", "body"]);
}

#[tokio::test(start_paused = true)]
async fn the_handler_gets_every_error_no_handle_took_with_its_childs_name() {
    let (tg, log) = logging_group();
    tg.run(async {
        for i in 0..3 {
            tg.child(format!("conn-{i}"))
                .spawn(fail_after(i + 1, "reset"));
        }
        drop(tg.spawn_task(fail_after(10, "unnamed task")));
        let kept = tg.spawn(fail_after(1, "kept"));
        assert_eq!(kept.result().await, Err("kept"));
        Ok(())
    })
    .await
    .expect("with a handler, `run` keeps none of them");
    assert_eq!(
        *log.lock().unwrap(),
        [
            (Some("conn-0".to_string()), "reset"),
            (Some("conn-1".to_string()), "reset"),
            (Some("conn-2".to_string()), "reset"),
            (None, "unnamed task"),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_handle_that_outlives_the_group_keeps_its_error() {
    let tg = TaskGroup::builder().supervise().build();
    let kept: Mutex<Option<Handle<u32, &str>>> = Mutex::new(None);
    tg.run(async {
        *kept.lock().unwrap() = Some(tg.child("late").spawn(fail_after(1, "kept")));
        Ok(())
    })
    .await
    .expect("the error belongs to the handle that is still held");
    let handle = kept.into_inner().unwrap().unwrap();
    let out = timeout(ms(1000), handle.result()).await;
    assert_eq!(out, Ok(Err("kept")));
}

#[test]
#[should_panic(expected = "`on_error` handles the errors no handle takes")]
fn a_handler_on_a_fail_fast_group_is_refused() {
    let _ = TaskGroup::builder().on_error(|_, _: ()| {}).build::<'_>();
}

#[test]
#[should_panic(expected = "add `.supervise()`")]
fn a_handler_on_a_race_is_refused() {
    let _ = TaskGroup::builder()
        .on_error(|_, _: ()| {})
        .mode(taskgroup::Mode::Race)
        .build_race::<u8>();
}

#[derive(Debug, PartialEq)]
enum Stop {
    Failed(&'static str),
    Cancelled,
}

impl From<taskgroup::Cancelled> for Stop {
    fn from(_: taskgroup::Cancelled) -> Self {
        Stop::Cancelled
    }
}

/// A cancel on purpose comes after the errors that happened before it,
/// those no handle took included (as a timeout or the body's error does).
#[tokio::test(start_paused = true)]
async fn errors_no_handle_took_come_before_a_later_cancel() {
    let tg = TaskGroup::<Stop>::builder().supervise().build();
    let err = timeout(
        Duration::from_secs(3600),
        tg.run(async {
            tg.spawn(async { Err::<(), _>(Stop::Failed("404")) });
            sleep(ms(10)).await;
            tg.cancel();
            std::future::pending::<Result<(), Stop>>().await
        }),
    )
    .await
    .expect("the group hung")
    .unwrap_err();
    assert_eq!(err.into_vec(), [Stop::Failed("404"), Stop::Cancelled]);
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_panics_while_the_body_unwinds_does_not_abort() {
    let tg = TaskGroup::builder()
        .supervise()
        .on_error(|_, _: &'static str| panic!("the handler panics"))
        .build();
    let out = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(tg.run(async {
        let failed = tg.spawn(fail_after(1, "untaken"));
        sleep(ms(5)).await; // it has failed; its error waits in the handle
        let _held = failed; // dropped while the panic below unwinds
        panic!("the body panics");
        #[allow(unreachable_code)]
        Ok(())
    })))
    .await;
    let payload = out.expect_err("the body's panic comes back");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the body panics"));
}

#[tokio::test(start_paused = true)]
async fn a_handler_that_panics_outside_an_unwind_panics_the_group() {
    let tg = TaskGroup::builder()
        .supervise()
        .on_error(|_, _: &'static str| panic!("the handler panics"))
        .build();
    let out = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(tg.run(async {
        drop(tg.spawn(fail_after(1, "unwatched")));
        Ok(())
    })))
    .await;
    let payload = out.expect_err("the handler's panic is the group's");
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"the handler panics"));
}

#[tokio::test(start_paused = true)]
async fn a_plain_await_of_a_failed_supervised_child_panics_but_its_error_reaches_the_handler() {
    let (tg, log) = logging_group();
    let out = futures::FutureExt::catch_unwind(std::panic::AssertUnwindSafe(tg.run(async {
        let bad = tg.child("bad").spawn(fail_after(1, "lost?"));
        let _: u32 = bad.await; // `.result()` was meant: this panics
        Ok(())
    })))
    .await;
    let payload = out.expect_err("awaiting a failed child's value panics");
    let msg = payload.downcast_ref::<&str>().copied().unwrap_or_default();
    assert!(msg.contains("handle.result()"), "{msg}");
    assert_eq!(*log.lock().unwrap(), [(Some("bad".to_string()), "lost?")]);
}
