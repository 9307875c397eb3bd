use std::time::Duration;
use taskgroup::{ErrorGroup, taskgroup};
use tokio::time::{Instant, sleep};

async fn after<T>(ms: u64, v: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    v
}

async fn ok_after<T>(ms: u64, v: T) -> Result<T, String> {
    sleep(Duration::from_millis(ms)).await;
    Ok(v)
}

async fn err_after<T>(ms: u64, e: &str) -> Result<T, String> {
    sleep(Duration::from_millis(ms)).await;
    Err(e.to_string())
}

#[tokio::test(start_paused = true)]
async fn tuple_of_bindings() {
    let (a, b) = taskgroup! {
        let a = ok_after(10, 1)?;
        let b = ok_after(20, "two")?;
    }
    .unwrap();
    assert_eq!((a, b), (1, "two"));
}

#[tokio::test(start_paused = true)]
async fn dependent() {
    let start = Instant::now();
    let out = taskgroup! {
        let a = after(10, 5);
        let b = after(100, 7);
        let c = async { (Instant::now() - start, *a * 2) };
        (a, b, c)
    };
    assert_eq!(out, (5, 7, (Duration::from_millis(10), 10)));
}

#[tokio::test(start_paused = true)]
async fn fails() {
    let r: Result<(i32, i32), ErrorGroup<String>> = taskgroup! {
        let a = ok_after(10, 1)?;
        let b = err_after(5, "boom")?;
    };
    assert_eq!(r.unwrap_err().into_vec(), ["boom"]);
}
