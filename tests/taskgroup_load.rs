//! `taskgroup!` fan-outs with many children: tokio's cooperative budget
//! runs out while they are polled, and a child can keep waking itself; the
//! group must still finish (it once spun forever on `#[spawn] for`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use taskgroup::taskgroup;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spawned_fan_out_of_ten_thousand_tasks_finishes() {
    let v = taskgroup! {
        #[spawn] let v = for i in 0..10_000u64 {
            async move {
                tokio::task::yield_now().await;
                Ok::<_, ()>(i)
            }?
        };
    };
    let v = v.unwrap();
    assert_eq!(v.len(), 10_000);
    assert!(v.iter().enumerate().all(|(i, x)| *x == i as u64));
}

#[tokio::test(start_paused = true)]
async fn a_local_fan_out_over_tokio_timers_finishes() {
    let v = taskgroup! {
        let v = for i in 0..10_000u64 {
            async move {
                tokio::time::sleep(std::time::Duration::from_millis(i % 7)).await;
                i
            }
        };
    };
    assert_eq!(v.len(), 10_000);
}

/// Wakes itself `n` times before it is ready.
struct Restless(u32);

impl Future for Restless {
    type Output = u32;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u32> {
        if self.0 == 0 {
            return Poll::Ready(7);
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[tokio::test]
async fn children_that_keep_waking_themselves_do_not_starve_the_runtime() {
    // A sibling task must get to run while the fan-out churns.
    let other = tokio::spawn(async { 1 });
    let v = taskgroup! {
        let v = for _ in 0..100 { Restless(1_000) };
    };
    assert_eq!(v.iter().sum::<u32>(), 700);
    assert_eq!(other.await.unwrap(), 1);
}
