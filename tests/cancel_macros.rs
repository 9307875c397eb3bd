//! `cancel = FUTURE;` in `taskgroup!` and `#[concurrent(cancel = …)]`.

use std::future::pending;
use std::time::Duration;

use taskgroup::{Cancelled, concurrent, taskgroup};

#[derive(Debug, PartialEq)]
enum AppError {
    Failed,
    Cancelled,
}

impl From<Cancelled> for AppError {
    fn from(_: Cancelled) -> Self {
        AppError::Cancelled
    }
}

async fn never() -> Result<u8, AppError> {
    pending().await
}

async fn after(secs: u64) -> Result<u8, AppError> {
    tokio::time::sleep(Duration::from_secs(secs)).await;
    Ok(1)
}

/// Fails a test that would hang (see tests/cancel.rs).
async fn watchdog<F: Future>(f: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(3600), f)
        .await
        .expect("the group hung")
}

#[tokio::test(start_paused = true)]
async fn taskgroup_cancel_option_cancels_when_the_future_completes() {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(2)).await;
        let _ = stop.send(());
    });
    let out = watchdog(async {
        taskgroup! {
            cancel = stopped;
            let a = never()?;
            let b = after(1)?;
            (a, b)
        }
    })
    .await;
    assert_eq!(out.unwrap_err().into_vec(), [AppError::Cancelled]);
}

#[tokio::test(start_paused = true)]
async fn taskgroup_cancel_with_only_infallible_branches_fails_with_cancelled() {
    let out = watchdog(async {
        taskgroup! {
            cancel = tokio::time::sleep(Duration::from_secs(5));
            let a = pending::<u8>();
        }
    })
    .await;
    let err: taskgroup::ErrorGroup<Cancelled> = out.unwrap_err();
    assert_eq!(err.into_vec(), [Cancelled::new()]);
}

#[tokio::test(start_paused = true)]
async fn taskgroup_cancel_that_never_completes_changes_nothing() {
    let out = watchdog(async {
        taskgroup! {
            cancel = pending::<()>();
            error = AppError;
            let a = after(1)?;
            let b = after(2)?;
            a + b
        }
    })
    .await;
    assert_eq!(out, Ok(2));
}

#[tokio::test(start_paused = true)]
async fn taskgroup_cancel_after_a_failure_adds_nothing() {
    let out = watchdog(async {
        taskgroup! {
            cancel = tokio::time::sleep(Duration::from_secs(5));
            let a = async { Err::<u8, _>(AppError::Failed) }?;
            let b = never()?;
            (a, b)
        }
    })
    .await;
    assert_eq!(out.unwrap_err().into_vec(), [AppError::Failed]);
}

#[concurrent(cancel = tokio::time::sleep(Duration::from_secs(3)))]
async fn load(slow: u64) -> Result<u8, AppError> {
    let a = after(1).await?;
    let b = after(slow).await?;
    Ok(a + b)
}

#[tokio::test(start_paused = true)]
async fn concurrent_cancel_stops_the_fn_with_cancelled() {
    assert_eq!(watchdog(load(2)).await, Ok(2));
    assert_eq!(watchdog(load(10)).await, Err(AppError::Cancelled));
}
