//! Load: one long-lived group on the multi-thread runtime runs a million
//! local children and 200,000 task children with bounded memory; a nest of
//! 1,000 groups neither overflows the stack nor leaks. Peak RSS is read from
//! /proc (Linux); BENCHMARKS.md records it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use taskgroup::TaskGroup;

/// Peak resident set size of this process, in KiB (Linux only).
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn a_million_local_and_200k_task_children_run_in_bounded_memory() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let finished = Arc::new(AtomicUsize::new(0));
    let f = Arc::clone(&finished);
    let (early, late) = rt.block_on(async move {
        tokio::spawn(async move {
            let tg = TaskGroup::<()>::new();
            tg.run(async {
                let mut early = None;
                // 100 rounds of 10,000 local and 2,000 task children.
                for round in 0..100 {
                    let mut handles = Vec::with_capacity(10_000);
                    for i in 0..10_000u64 {
                        handles.push(tg.spawn(async move {
                            tokio::task::yield_now().await;
                            Ok(i)
                        }));
                    }
                    let mut tasks = Vec::with_capacity(2_000);
                    for i in 0..2_000u64 {
                        let f = Arc::clone(&f);
                        tasks.push(tg.spawn_task(async move {
                            tokio::task::yield_now().await;
                            f.fetch_add(1, Ordering::Relaxed);
                            Ok(i)
                        }));
                    }
                    let mut sum = 0;
                    for h in handles {
                        sum += h.await;
                    }
                    for t in tasks {
                        sum += t.await;
                    }
                    assert_eq!(sum, 9_999 * 10_000 / 2 + 1_999 * 2_000 / 2);
                    f.fetch_add(10_000, Ordering::Relaxed);
                    if round == 10 {
                        early = peak_rss_kib();
                    }
                }
                Ok((early, peak_rss_kib()))
            })
            .await
            .unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(finished.load(Ordering::Relaxed), 1_200_000);
    if let (Some(early), Some(late)) = (early, late) {
        println!("peak RSS after 120k children: {early} KiB; after 1.2M: {late} KiB");
        assert!(
            late - early < 32 * 1024,
            "peak RSS grew from {early} KiB to {late} KiB"
        );
    }
}

fn nest(
    depth: usize,
    alive: Arc<AtomicUsize>,
) -> Pin<Box<dyn Future<Output = Result<usize, ()>> + Send>> {
    Box::pin(async move {
        if depth == 0 {
            return Ok(0);
        }
        alive.fetch_add(1, Ordering::SeqCst);
        let tg = TaskGroup::new();
        let below = tg
            .run(async { Ok(tg.spawn(nest(depth - 1, Arc::clone(&alive))).await) })
            .await
            .map_err(|_| ())?;
        alive.fetch_sub(1, Ordering::SeqCst);
        Ok(below + 1)
    })
}

/// Each level of nesting costs about 5 KB of stack in a debug build and
/// 1.7 KB in release (measured with a probe future). A thousand levels thus
/// need about 5 MB in debug: the test runs where `#[tokio::main]` runs, on a
/// thread with the 8 MiB stack of a Linux main thread, not on the 2 MiB of
/// a test thread.
#[test]
fn a_nest_of_a_thousand_groups_completes_and_leaves_nothing_behind() {
    let alive = Arc::new(AtomicUsize::new(0));
    let a = Arc::clone(&alive);
    let depth = std::thread::Builder::new()
        .stack_size(8 << 20)
        .spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap()
                .block_on(nest(1_000, a))
        })
        .unwrap()
        .join()
        .unwrap();
    assert_eq!(depth, Ok(1_000));
    assert_eq!(alive.load(Ordering::SeqCst), 0);
}
