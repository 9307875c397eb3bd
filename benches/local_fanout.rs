//! Case 2: local fan-out, 100 and 10,000 children in the caller's task,
//! each yielding once (`yield`) or waiting for a gate that a driver opens in
//! a shuffled order (`shuffled`).
//!
//! `cargo bench --bench local_fanout`

#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{
    Fail, futures_unordered_handles, gated, gates, open, shuffled, taskgroup_spawn, yield_once,
};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use futures_concurrency::prelude::*;

const SIZES: [u32; 2] = [100, 10_000];

/// The `taskgroup!` `for` branch: one local child per item.
async fn taskgroup_macro_for<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    let v = taskgroup::taskgroup! {
        let v = for child in children { child? };
    }
    .unwrap();
    v.into_iter().map(u64::from).sum()
}

async fn futures_unordered<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    let mut set: FuturesUnordered<F> = children.collect();
    let mut sum = 0u64;
    while let Some(r) = set.next().await {
        sum += u64::from(r.unwrap());
    }
    sum
}

/// The peers again, outside tokio's cooperative budget. Each gate is a
/// tokio `oneshot`, which spends budget: once a poll of the task has spent
/// it (128 polls), every further receiver answers Pending and wakes itself,
/// and `FuturesUnordered` / futures-concurrency then yield after two such
/// self-wakes, so 10,000 gates cost thousands of trips through the
/// runtime. The taskgroup drivers yield once per spent budget instead.
/// These variants show what the peers cost without that effect.
async fn futures_unordered_unconstrained<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    tokio::task::coop::unconstrained(futures_unordered(children)).await
}

async fn futures_concurrency_vec_unconstrained<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    tokio::task::coop::unconstrained(futures_concurrency_vec(children)).await
}

async fn try_join_all<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    let v = futures::future::try_join_all(children).await.unwrap();
    v.into_iter().map(u64::from).sum()
}

async fn futures_concurrency_vec<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    let v: Vec<F> = children.collect();
    let v = v.try_join().await.unwrap();
    v.into_iter().map(u64::from).sum()
}

macro_rules! peers {
    ($g:expr, $rt:expr, $n:expr, yield) => {{
        let n = $n;
        peers!(@one $g, $rt, n, "taskgroup_macro_for", taskgroup_macro_for);
        peers!(@one $g, $rt, n, "taskgroup_spawn", taskgroup_spawn);
        peers!(@one $g, $rt, n, "futures_unordered", futures_unordered);
        peers!(@one $g, $rt, n, "futures_unordered_handles", futures_unordered_handles);
        peers!(@one $g, $rt, n, "try_join_all", try_join_all);
        peers!(@one $g, $rt, n, "futures_concurrency_vec", futures_concurrency_vec);
    }};
    (@one $g:expr, $rt:expr, $n:expr, $name:literal, $f:ident) => {
        $g.bench_function(BenchmarkId::new($name, $n), |b| {
            b.to_async(&$rt)
                .iter(|| async { black_box($f((0..$n).map(yield_once)).await) })
        });
    };
    ($g:expr, $rt:expr, $n:expr, shuffled) => {{
        let n = $n;
        let order = shuffled(n as usize);
        peers!(@gated $g, $rt, n, &order, "taskgroup_macro_for", taskgroup_macro_for);
        peers!(@gated $g, $rt, n, &order, "taskgroup_spawn", taskgroup_spawn);
        peers!(@gated $g, $rt, n, &order, "futures_unordered", futures_unordered);
        peers!(@gated $g, $rt, n, &order, "futures_unordered_handles", futures_unordered_handles);
        peers!(@gated $g, $rt, n, &order, "try_join_all", try_join_all);
        peers!(@gated $g, $rt, n, &order, "futures_concurrency_vec", futures_concurrency_vec);
        peers!(@gated $g, $rt, n, &order, "futures_unordered_unconstrained", futures_unordered_unconstrained);
        peers!(@gated $g, $rt, n, &order, "futures_concurrency_vec_unconstrained", futures_concurrency_vec_unconstrained);
    }};
    (@gated $g:expr, $rt:expr, $n:expr, $order:expr, $name:literal, $f:ident) => {
        $g.bench_function(BenchmarkId::new($name, $n), |b| {
            b.to_async(&$rt).iter_batched(
                || gates($order),
                |(senders, receivers)| async move {
                    let children = receivers.into_iter().zip(0..).map(|(rx, i)| gated(i, rx));
                    let (sum, ()) = tokio::join!($f(children), open(senders));
                    black_box(sum)
                },
                BatchSize::PerIteration,
            )
        });
    };
}

fn local_fanout(c: &mut Criterion) {
    let rt = common::current_thread();
    let mut g = c.benchmark_group("local_fanout_yield");
    for n in SIZES {
        peers!(g, rt, n, yield);
    }
    g.finish();
    let mut g = c.benchmark_group("local_fanout_shuffled");
    for n in SIZES {
        peers!(g, rt, n, shuffled);
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = local_fanout
}
criterion_main!(benches);
