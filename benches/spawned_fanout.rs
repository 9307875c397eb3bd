//! Case 3: spawned fan-out, 10,000 children as tokio tasks on the
//! multi-thread runtime (2 workers), each yielding once. The parent runs
//! either inside `block_on` or inside a worker task (`tokio::spawn`).
//!
//! `cargo bench --bench spawned_fanout`

#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{Fail, sum_in_order, yield_once};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use taskgroup::TaskGroup;
use tokio::task::JoinSet;

const N: u32 = 10_000;

async fn taskgroup_spawn_task(n: u32) -> u64 {
    let tg = TaskGroup::<Fail>::new();
    tg.run(async {
        let handles: Vec<_> = (0..n).map(|i| tg.spawn_task(yield_once(i))).collect();
        Ok(sum_in_order(handles).await)
    })
    .await
    .unwrap()
}

/// The `taskgroup!` `#[spawn]` `for` branch: one tokio task per item.
async fn taskgroup_macro_spawn_for(n: u32) -> u64 {
    let v = taskgroup::taskgroup! {
        #[spawn] let v = for i in 0..n { yield_once(i)? };
    }
    .unwrap();
    v.into_iter().map(u64::from).sum()
}

async fn join_set(n: u32) -> u64 {
    let mut set = JoinSet::new();
    for i in 0..n {
        set.spawn(yield_once(i));
    }
    let mut sum = 0u64;
    while let Some(r) = set.join_next().await {
        sum += u64::from(r.unwrap().unwrap());
    }
    sum
}

async fn vec_join_handle(n: u32) -> u64 {
    let handles: Vec<_> = (0..n).map(|i| tokio::spawn(yield_once(i))).collect();
    let mut sum = 0u64;
    for h in handles {
        sum += u64::from(h.await.unwrap().unwrap());
    }
    sum
}

macro_rules! peers {
    ($g:expr, $rt:expr, $wrap:ident) => {
        peers!(@one $g, $rt, $wrap, "taskgroup_macro_spawn_for", taskgroup_macro_spawn_for);
        peers!(@one $g, $rt, $wrap, "taskgroup_spawn_task", taskgroup_spawn_task);
        peers!(@one $g, $rt, $wrap, "join_set", join_set);
        peers!(@one $g, $rt, $wrap, "vec_join_handle", vec_join_handle);
    };
    (@one $g:expr, $rt:expr, $wrap:ident, $name:literal, $f:ident) => {
        $g.bench_function(BenchmarkId::new($name, N), |b| {
            b.to_async(&$rt).iter(|| async { black_box($wrap($f(N)).await) })
        });
    };
}

/// The parent runs in `block_on`, on the bench's own thread.
async fn in_block_on(f: impl Future<Output = u64>) -> u64 {
    f.await
}

/// The parent runs in a worker task.
async fn in_worker(f: impl Future<Output = u64> + Send + 'static) -> u64 {
    tokio::spawn(f).await.unwrap()
}

fn spawned_fanout(c: &mut Criterion) {
    let rt = common::multi_thread();
    let mut g = c.benchmark_group("spawned_fanout_block_on");
    peers!(g, rt, in_block_on);
    g.finish();
    let mut g = c.benchmark_group("spawned_fanout_worker");
    peers!(g, rt, in_worker);
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = spawned_fanout
}
criterion_main!(benches);
