//! Case 4: fail-fast. 10,000 children that never finish and one that fails
//! after a yield: the time until the parent has the error *and* every
//! sibling has been dropped.
//!
//! `cargo bench --bench fail_fast`

#[allow(dead_code)]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{Fail, fail_task, pending_or_fail};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use futures_concurrency::prelude::*;
use taskgroup::TaskGroup;

const N: u32 = 10_000;
/// The failing child is the last one spawned.
const FAIL: u32 = N;
/// For `try_join_all` the failing child comes first: with more than 30
/// futures it collects through `FuturesOrdered`, which yields in input
/// order, so an error behind a pending future is never seen and it would
/// never return (BENCHMARKS.md notes this).
const FAIL_FIRST: u32 = 0;
/// Children in all: N pending plus the failing one.
const ALL: u32 = N + 1;

// ---- local children (current-thread runtime) ----

async fn taskgroup_spawn() -> usize {
    let tg = TaskGroup::<Fail>::new();
    let r = tg
        .run(async {
            for i in 0..ALL {
                drop(tg.spawn(pending_or_fail(i, FAIL)));
            }
            Ok(())
        })
        .await;
    r.unwrap_err().len()
}

async fn taskgroup_macro_for() -> usize {
    let r = taskgroup::taskgroup! {
        let v = for i in 0..ALL { pending_or_fail(i, FAIL)? };
    };
    r.unwrap_err().len()
}

async fn futures_unordered() -> usize {
    let mut set: FuturesUnordered<_> = (0..ALL).map(|i| pending_or_fail(i, FAIL)).collect();
    let mut errors = 0;
    while let Some(r) = set.next().await {
        if r.is_err() {
            errors += 1;
            break;
        }
    }
    drop(set); // every sibling dropped
    errors
}

async fn try_join_all_local() -> usize {
    let r = futures::future::try_join_all((0..ALL).map(|i| pending_or_fail(i, FAIL_FIRST))).await;
    usize::from(r.is_err())
}

async fn futures_concurrency_vec() -> usize {
    let v: Vec<_> = (0..ALL).map(|i| pending_or_fail(i, FAIL)).collect();
    usize::from(v.try_join().await.is_err())
}

// ---- task children (multi-thread runtime, parent in block_on) ----

/// `try_join_all` over spawned handles returns at the first error but leaves
/// the siblings running: only the time to that return is counted. The
/// siblings are aborted after the clock stops so they do not pile up.
async fn try_join_all_handles(iters: u64) -> Duration {
    let mut total = Duration::ZERO;
    for _ in 0..iters {
        let start = Instant::now();
        let handles: Vec<_> = (0..ALL)
            .map(|i| tokio::spawn(pending_or_fail(i, FAIL_FIRST)))
            .collect();
        let spawned = start.elapsed();
        let aborts: Vec<_> = handles.iter().map(|h| h.abort_handle()).collect();
        let start = Instant::now();
        let r = futures::future::try_join_all(
            handles
                .into_iter()
                .map(|h| async { h.await.map_err(|_| Fail)? }),
        )
        .await;
        total += spawned + start.elapsed();
        black_box(r.is_err());
        for a in &aborts {
            a.abort();
        }
        // Let the runtime drop them before the next iteration.
        while aborts.iter().any(|a| !a.is_finished()) {
            tokio::task::yield_now().await;
        }
    }
    total
}

fn fail_fast(c: &mut Criterion) {
    let rt = common::current_thread();
    let mut g = c.benchmark_group("fail_fast_local");
    macro_rules! local {
        ($name:literal, $f:ident) => {
            g.bench_function(BenchmarkId::new($name, N), |b| {
                b.to_async(&rt).iter(|| async { black_box($f().await) })
            });
        };
    }
    local!("taskgroup_macro_for", taskgroup_macro_for);
    local!("taskgroup_spawn", taskgroup_spawn);
    local!("futures_unordered", futures_unordered);
    local!("try_join_all", try_join_all_local);
    local!("futures_concurrency_vec", futures_concurrency_vec);
    g.finish();

    let rt = common::multi_thread();
    let mut g = c.benchmark_group("fail_fast_task");
    g.bench_function(BenchmarkId::new("taskgroup_macro_spawn_for", N), |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(fail_task::taskgroup_macro_spawn_for(ALL, FAIL).await) })
    });
    g.bench_function(BenchmarkId::new("taskgroup_spawn_task", N), |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(fail_task::taskgroup_spawn_task(ALL, FAIL).await) })
    });
    g.bench_function(BenchmarkId::new("join_set_abort_all", N), |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(fail_task::join_set_abort_all(ALL, FAIL).await) })
    });
    g.bench_function(
        BenchmarkId::new("try_join_all_handles_leaves_siblings", N),
        |b| b.to_async(&rt).iter_custom(try_join_all_handles),
    );
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = fail_fast
}
criterion_main!(benches);
