//! Cancelling on purpose: `TaskGroup::cancel`, a `Canceller`,
//! `Builder::cancel_on` and `Handle::cancel`.

use std::future::{Future, pending};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use taskgroup::{Cancelled, Race, TaskGroup};

/// Fails a test that would hang: on the paused clock the runtime skips to
/// this deadline as soon as nothing else can run.
async fn watchdog<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(3600), f)
        .await
        .expect("the group hung")
}

/// Set when dropped: tells whether a child's future is gone.
#[derive(Clone, Default)]
struct Gone(Arc<AtomicBool>);

impl Gone {
    fn guard(&self) -> GoneGuard {
        GoneGuard(Arc::clone(&self.0))
    }
    fn is_gone(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

struct GoneGuard(Arc<AtomicBool>);

impl Drop for GoneGuard {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A child that never ends on its own and says when it is dropped.
fn forever<E>(gone: &Gone) -> impl Future<Output = Result<(), E>> + Send + 'static {
    let guard = gone.guard();
    async move {
        let _guard = guard;
        pending::<()>().await;
        Ok(())
    }
}

#[derive(Debug, PartialEq)]
enum AppError {
    Failed(&'static str),
    Cancelled,
}

impl From<Cancelled> for AppError {
    fn from(_: Cancelled) -> Self {
        AppError::Cancelled
    }
}

#[tokio::test(start_paused = true)]
async fn cancel_from_the_body_stops_every_child_and_fails_with_cancelled() {
    let (local, task) = (Gone::default(), Gone::default());
    let tg = TaskGroup::<AppError>::new();
    let body_resumed = AtomicBool::new(false);
    let err = watchdog(tg.run(async {
        tg.spawn(forever(&local));
        tg.spawn_task(forever(&task));
        tokio::task::yield_now().await;
        tg.cancel();
        tokio::task::yield_now().await;
        body_resumed.store(true, Ordering::SeqCst);
        Ok(())
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    assert!(
        !body_resumed.load(Ordering::SeqCst),
        "the body stopped at its next await"
    );
    assert!(local.is_gone() && task.is_gone(), "no child outlives run");
}

#[tokio::test(start_paused = true)]
async fn cancel_from_a_local_child() {
    let sibling = Gone::default();
    let tg = TaskGroup::<AppError>::new();
    let err = watchdog(tg.run(async {
        tg.spawn(forever(&sibling));
        tg.spawn(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            tg.cancel();
            pending::<Result<(), AppError>>().await
        });
        pending::<Result<(), _>>().await
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    assert!(sibling.is_gone());
}

#[tokio::test(start_paused = true)]
async fn cancel_from_a_task_child_through_a_canceller() {
    let sibling = Gone::default();
    let tg = TaskGroup::<AppError>::new();
    let canceller = tg.canceller();
    let err = watchdog(tg.run(async {
        tg.spawn_task(forever(&sibling));
        tg.spawn_task(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            canceller.cancel();
            pending::<Result<(), AppError>>().await
        });
        pending::<Result<(), _>>().await
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    assert!(sibling.is_gone(), "the aborted task was awaited");
}

#[tokio::test(start_paused = true)]
async fn cancel_from_another_task() {
    let tg = TaskGroup::<AppError>::new();
    let canceller = tg.canceller();
    let other = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!canceller.is_cancelled());
        canceller.cancel();
        assert!(canceller.is_cancelled());
    });
    let err = watchdog(tg.run(async { pending::<Result<(), _>>().await }))
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    other.await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_cancel_comes_after_the_errors_that_happened_before() {
    // A race goes on after errors: they are kept, and the cancel ends it.
    let race = Race::<u8, AppError>::new();
    let err = watchdog(race.run(async {
        race.spawn(async { Err(AppError::Failed("a")) });
        race.spawn(async { Err(AppError::Failed("b")) });
        race.spawn(pending());
        tokio::time::sleep(Duration::from_secs(1)).await;
        race.cancel();
        pending::<Result<(), _>>().await
    }))
    .await
    .unwrap_err();
    assert_eq!(
        err.into_vec(),
        [
            AppError::Failed("a"),
            AppError::Failed("b"),
            AppError::Cancelled
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_second_cancel_or_one_while_failing_adds_nothing() {
    let tg = TaskGroup::<AppError>::new();
    let err = watchdog(tg.run(async {
        tg.spawn(async {
            tg.cancel();
            tg.cancel();
            Err::<(), _>(AppError::Failed("x"))
        });
        pending::<Result<(), _>>().await
    }))
    .await
    .unwrap_err();
    // The child failed in the same poll as its cancels: the failure came
    // first to the driver, so the group was already failing.
    assert_eq!(err.into_vec(), [AppError::Failed("x")]);
}

#[tokio::test(start_paused = true)]
async fn a_cancel_before_run_cancels_the_group_as_it_starts() {
    let tg = TaskGroup::<AppError>::new();
    tg.canceller().cancel();
    let polled = AtomicBool::new(false);
    let err = watchdog(tg.run(async {
        polled.store(true, Ordering::SeqCst);
        Ok(())
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    assert!(!polled.load(Ordering::SeqCst));
}

#[tokio::test(start_paused = true)]
async fn cancel_on_a_oneshot() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let child = Gone::default();
    let tg = TaskGroup::<AppError>::builder().cancel_on(stopped).build();
    let canceller = tg.canceller();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let _ = stop.send(());
    });
    let err = watchdog(tg.run(async {
        tg.spawn_task(forever(&child));
        pending::<Result<(), _>>().await
    }))
    .await
    .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    assert!(child.is_gone());
    assert!(canceller.is_cancelled());
}

#[tokio::test(start_paused = true)]
async fn a_cancel_on_future_that_never_completes_changes_nothing() {
    let tg = TaskGroup::<AppError>::builder()
        .cancel_on(pending::<()>())
        .build();
    let v = watchdog(tg.run(async {
        let h = tg.spawn(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(4)
        });
        Ok(h.await)
    }))
    .await;
    assert_eq!(v, Ok(4));
}

#[tokio::test(start_paused = true)]
async fn cancel_on_a_timer_at_the_deadline() {
    let start = tokio::time::Instant::now();
    let tg = TaskGroup::<AppError>::builder()
        .cancel_on(tokio::time::sleep(Duration::from_secs(30)))
        .build();
    let err = watchdog(tg.run(async { pending::<Result<(), _>>().await }))
        .await
        .unwrap_err();
    assert_eq!(err.into_vec(), [AppError::Cancelled]);
    assert_eq!(start.elapsed(), Duration::from_secs(30));
}

#[tokio::test(start_paused = true)]
async fn handle_cancel_stops_a_local_child_only() {
    let gone = Gone::default();
    let tg = TaskGroup::<AppError>::new();
    let v = watchdog(tg.run(async {
        let stuck = tg.spawn(forever(&gone));
        let sibling = tg.spawn(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(2)
        });
        tokio::task::yield_now().await;
        stuck.cancel();
        tokio::task::yield_now().await;
        assert!(gone.is_gone(), "dropped as soon as the driver ran");
        Ok(sibling.await + 1)
    }))
    .await;
    assert_eq!(v, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn handle_cancel_aborts_a_task_child_and_run_awaits_it() {
    let gone = Gone::default();
    let tg = TaskGroup::<AppError>::new();
    let v = watchdog(tg.run(async {
        let stuck = tg.spawn_task(forever(&gone));
        tokio::time::sleep(Duration::from_secs(1)).await;
        stuck.cancel();
        Ok(5)
    }))
    .await;
    // Not a task lost by its runtime (that would panic), not an error.
    assert_eq!(v, Ok(5));
    assert!(gone.is_gone(), "no child alive when run returns");
}

#[tokio::test(start_paused = true)]
async fn handle_cancel_of_a_named_child_that_has_ended_does_nothing() {
    let tg = TaskGroup::<AppError>::new();
    let v = watchdog(tg.run(async {
        let done = tg.child("done").spawn(async { Ok(1) });
        let task = tg.child("task").spawn_task(async { Ok(2) });
        tokio::time::sleep(Duration::from_secs(1)).await;
        done.cancel();
        task.cancel();
        Ok(3)
    }))
    .await;
    assert_eq!(v, Ok(3));
}

/// Under `limit(1)`, the cancelled child's slot goes to the next one.
async fn limit_slot_is_reused(task: bool) {
    let gone = Gone::default();
    let ran = Arc::new(AtomicUsize::new(0));
    let tg = TaskGroup::<AppError>::builder().limit(1).build();
    let v = watchdog(tg.run(async {
        let stuck = if task {
            tg.spawn_task(forever(&gone))
        } else {
            tg.spawn(forever(&gone))
        };
        let ran2 = Arc::clone(&ran);
        let next = tg.spawn_task(async move {
            ran2.fetch_add(1, Ordering::SeqCst);
            Ok(7)
        });
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(ran.load(Ordering::SeqCst), 0, "held back by the limit");
        stuck.cancel();
        Ok(next.await)
    }))
    .await;
    assert_eq!(v, Ok(7));
    assert!(gone.is_gone());
}

#[tokio::test(start_paused = true)]
async fn handle_cancel_frees_the_limit_slot_of_a_local_child() {
    limit_slot_is_reused(false).await;
}

#[tokio::test(start_paused = true)]
async fn handle_cancel_frees_the_limit_slot_of_a_task_child() {
    limit_slot_is_reused(true).await;
}

#[tokio::test(start_paused = true)]
async fn handle_cancel_of_a_child_waiting_for_the_limit_never_runs_it() {
    let ran = Arc::new(AtomicBool::new(false));
    let tg = TaskGroup::<AppError>::builder().limit(1).build();
    let v = watchdog(tg.run(async {
        let first = tg.spawn(async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(1)
        });
        let ran2 = Arc::clone(&ran);
        let waiting = tg.spawn_task(async move {
            ran2.store(true, Ordering::SeqCst);
            Ok(())
        });
        waiting.cancel();
        Ok(first.await)
    }))
    .await;
    assert_eq!(v, Ok(1));
    assert!(!ran.load(Ordering::SeqCst));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn handle_cancel_of_task_children_on_a_multi_thread_runtime_loses_none() {
    let tg = TaskGroup::<AppError>::new();
    let v = tokio::time::timeout(
        Duration::from_secs(20),
        tg.run(async {
            for _ in 0..200 {
                tg.spawn_task(pending::<Result<(), AppError>>()).cancel();
            }
            let quick: Vec<_> = (0..200)
                .map(|i| tg.spawn_task(async move { Ok(i) }))
                .collect();
            for h in quick {
                h.cancel();
            }
            Ok(())
        }),
    )
    .await
    .expect("the group hung");
    assert_eq!(v, Ok(()));
}

/// A handle's cancel reaches its child even when the child's result cell
/// sits where the cell of a task child that already ended was: a child is
/// never confused with an ended one (a supervised task child is started
/// through the driver, which remembers it).
#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_cancel_reaches_a_child_after_an_ended_task_child() {
    let tg = TaskGroup::<()>::builder().supervise().build();
    let out = watchdog(tg.run(async {
        for _ in 0..50 {
            let done = tg.spawn_task(async { Ok::<u32, ()>(1) });
            assert_eq!(done.result().await, Ok(1));
            let forever = tg.spawn(pending::<Result<u32, ()>>());
            forever.cancel();
        }
        Ok(())
    }))
    .await;
    assert_eq!(out, Ok(()));
}
