//! Case 3: spawned fan-out, 10,000 children as tokio tasks on the
//! multi-thread runtime (2 workers), each yielding once. The parent runs
//! either inside `block_on` or inside a worker task (`tokio::spawn`).
//!
//! `cargo bench --bench spawned_fanout`

#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::spawned::{join_set, taskgroup_macro_spawn_for, taskgroup_spawn_task, vec_join_handle};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};

const N: u32 = 10_000;

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
