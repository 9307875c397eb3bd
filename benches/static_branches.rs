//! Case 1: N = 2, 4, 8 static branches, each yielding once.
//!
//! `cargo bench --bench static_branches`

#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{Fail, yield_once};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use futures_concurrency::prelude::*;
use taskgroup::TaskGroup;

/// One set of peers for a fixed N; the indices are the branches.
macro_rules! static_case {
    ($c:expr, $rt:expr, $n:literal; $($v:ident $i:literal),+) => {{
        let mut g = $c.benchmark_group("static_branches");
        g.bench_function(BenchmarkId::new("taskgroup_macro", $n), |b| {
            b.to_async(&$rt).iter(|| async {
                let r = taskgroup::taskgroup! {
                    $(let $v = yield_once($i)?;)+
                }
                .unwrap();
                black_box(r)
            })
        });
        // The same branches as local children of a `TaskGroup`.
        g.bench_function(BenchmarkId::new("taskgroup_spawn", $n), |b| {
            b.to_async(&$rt).iter(|| async {
                let tg = TaskGroup::<Fail>::new();
                let sum = tg
                    .run(async {
                        let hs = [$(tg.spawn(yield_once($i))),+];
                        let mut sum = 0;
                        for h in hs {
                            sum += h.await;
                        }
                        Ok(sum)
                    })
                    .await;
                black_box(sum.unwrap())
            })
        });
        g.bench_function(BenchmarkId::new("tokio_try_join", $n), |b| {
            b.to_async(&$rt).iter(|| async {
                let r = tokio::try_join!($(yield_once($i)),+).unwrap();
                black_box(r)
            })
        });
        g.bench_function(BenchmarkId::new("futures_try_join", $n), |b| {
            b.to_async(&$rt).iter(|| async {
                let r = futures::try_join!($(yield_once($i)),+).unwrap();
                black_box(r)
            })
        });
        g.bench_function(BenchmarkId::new("futures_concurrency_try_join", $n), |b| {
            b.to_async(&$rt).iter(|| async {
                let r = ($(yield_once($i),)+).try_join().await.unwrap();
                black_box(r)
            })
        });
        g.finish();
    }};
}

fn static_branches(c: &mut Criterion) {
    let rt = common::current_thread();
    static_case!(c, rt, 2; a 0, b 1);
    static_case!(c, rt, 4; a 0, b 1, c 2, d 3);
    static_case!(c, rt, 8; a 0, b 1, c 2, d 3, e 4, f 5, g 6, h 7);
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = static_branches
}
criterion_main!(benches);
