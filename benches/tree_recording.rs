//! The live tree must stay off the hot path when nobody asks:
//! the same 10,000-child `TaskGroup::spawn` fan-out with recording off (the
//! default: one atomic load per run and per spawn) and on.
//!
//! `cargo bench --bench tree_recording`

#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{taskgroup_spawn, yield_once};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use taskgroup::record_tree;

fn tree_recording(c: &mut Criterion) {
    let rt = common::current_thread();
    let mut g = c.benchmark_group("tree_recording");
    let n = 10_000;
    record_tree(false);
    g.bench_function(BenchmarkId::new("recording_off", n), |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(taskgroup_spawn((0..n).map(yield_once)).await) })
    });
    record_tree(true);
    g.bench_function(BenchmarkId::new("recording_on", n), |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(taskgroup_spawn((0..n).map(yield_once)).await) })
    });
    record_tree(false);
    g.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = tree_recording
}
criterion_main!(benches);
