//! The work of cases 1-4 as one plain binary, for counting instructions
//! with callgrind (`bash benches/instructions.sh`), which, unlike time,
//! does not move when other processes share the machine.
//!
//! `instructions CASE ROUNDS` runs one entry ROUNDS times on a
//! current-thread runtime and exits; `empty` runs nothing (the runtime's
//! own start and stop, subtracted by the script). Every entry of one case
//! runs the same children as the criterion benches (`benches/common`).

#[allow(dead_code)]
mod common;

use std::hint::black_box;

use common::{Fail, fail_task, spawned, yield_once};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use futures_concurrency::prelude::*;
use taskgroup::taskgroup;

const N: u32 = 10_000;
const FAIL: u32 = N / 2;

async fn static_taskgroup_2() -> u32 {
    let (a, b) = taskgroup! { let a = yield_once(0)?; let b = yield_once(1)?; }.unwrap();
    a + b
}

async fn static_try_join_2() -> u32 {
    let (a, b) = tokio::try_join!(yield_once(0), yield_once(1)).unwrap();
    a + b
}

/// The same two children as a `TaskGroup`'s local children: what a group
/// per request costs, beside `try_join!`.
async fn group_spawn_2() -> u32 {
    let tg = taskgroup::TaskGroup::<Fail>::new();
    tg.run(async {
        let (a, b) = (tg.spawn(yield_once(0)), tg.spawn(yield_once(1)));
        Ok(a.await + b.await)
    })
    .await
    .unwrap()
}

async fn static_taskgroup_8() -> u32 {
    let (a, b, c, d, e, f, g, h) = taskgroup! {
        let a = yield_once(0)?; let b = yield_once(1)?; let c = yield_once(2)?;
        let d = yield_once(3)?; let e = yield_once(4)?; let f = yield_once(5)?;
        let g = yield_once(6)?; let h = yield_once(7)?;
    }
    .unwrap();
    a + b + c + d + e + f + g + h
}

async fn static_try_join_8() -> u32 {
    let (a, b, c, d, e, f, g, h) = tokio::try_join!(
        yield_once(0),
        yield_once(1),
        yield_once(2),
        yield_once(3),
        yield_once(4),
        yield_once(5),
        yield_once(6),
        yield_once(7)
    )
    .unwrap();
    a + b + c + d + e + f + g + h
}

/// The local fan-out of case 2 over `n` children, by each contender.
mod local {
    use super::*;

    pub(crate) async fn taskgroup_for(n: u32) -> u64 {
        let v = taskgroup! { let v = for i in 0..n { yield_once(i)? }; }.unwrap();
        v.into_iter().map(u64::from).sum()
    }

    pub(crate) async fn taskgroup_spawn(n: u32) -> u64 {
        common::taskgroup_spawn((0..n).map(yield_once)).await
    }

    /// Values in input order, as the other entries give them.
    pub(crate) async fn futures_unordered(n: u32) -> u64 {
        let mut set: FuturesUnordered<_> = (0..n)
            .map(|i| async move { (i, yield_once(i).await) })
            .collect();
        let mut values = vec![0u32; n as usize];
        while let Some((i, r)) = set.next().await {
            values[i as usize] = r.unwrap();
        }
        values.into_iter().map(u64::from).sum()
    }

    /// Boxed children in a `FuturesUnordered`, a oneshot each as handle.
    pub(crate) async fn futures_unordered_handles(n: u32) -> u64 {
        common::futures_unordered_handles((0..n).map(yield_once)).await
    }

    pub(crate) async fn futures_concurrency(n: u32) -> u64 {
        let futs: Vec<_> = (0..n).map(yield_once).collect();
        let v = futs.try_join().await.unwrap();
        v.into_iter().map(u64::from).sum()
    }
}

macro_rules! entries {
    ($case:expr, $rounds:expr; $($name:literal => $run:expr),* $(,)?) => {
        match $case {
            "empty" => {}
            $($name => {
                for _ in 0..$rounds {
                    black_box($run.await);
                }
            })*
            other => panic!("unknown case `{other}`"),
        }
    };
}

fn main() {
    let mut args = std::env::args().skip(1);
    // `cargo bench` runs every bench binary with `--bench`: nothing to do.
    let case = args.next().unwrap_or_default();
    if case.is_empty() || case.starts_with("--") {
        return;
    }
    let rounds: u32 = args.next().map_or(1, |r| r.parse().expect("ROUNDS"));
    if let Some(case) = case.strip_prefix("worker_") {
        in_worker(case, rounds);
        return;
    }
    common::current_thread().block_on(async {
        entries!(case.as_str(), rounds;
            "static_taskgroup_2" => static_taskgroup_2(),
            "static_try_join_2" => static_try_join_2(),
            "group_spawn_2" => group_spawn_2(),
            "static_taskgroup_8" => static_taskgroup_8(),
            "static_try_join_8" => static_try_join_8(),
            "local_taskgroup_for" => local::taskgroup_for(N),
            "local_taskgroup_spawn" => local::taskgroup_spawn(N),
            "local_futures_unordered" => local::futures_unordered(N),
            "local_futures_concurrency" => local::futures_concurrency(N),
            "local_futures_unordered_handles" => local::futures_unordered_handles(N),
            "local_futures_unordered_handles_100" => local::futures_unordered_handles(100),
            "local_taskgroup_for_100" => local::taskgroup_for(100),
            "local_taskgroup_spawn_100" => local::taskgroup_spawn(100),
            "local_futures_unordered_100" => local::futures_unordered(100),
            "local_futures_concurrency_100" => local::futures_concurrency(100),
            "task_taskgroup_spawn_for" => spawned::taskgroup_macro_spawn_for(N),
            "task_taskgroup_spawn_task" => spawned::taskgroup_spawn_task(N),
            "task_join_set" => spawned::join_set(N),
            "task_vec_join_handle" => spawned::vec_join_handle(N),
            "fail_taskgroup_spawn_for" => fail_task::taskgroup_macro_spawn_for(N, FAIL),
            "fail_taskgroup_spawn_task" => fail_task::taskgroup_spawn_task(N, FAIL),
            "fail_join_set_abort_all" => fail_task::join_set_abort_all(N, FAIL),
        );
    });
}

/// `worker_CASE`: case 3 with its parent inside a worker task of the
/// 2-worker multi-thread runtime (where a parent runs in a server), one
/// `tokio::spawn` per round. Callgrind runs one thread at a time, so the
/// count includes the workers' parking and stealing and moves by a few
/// percent between runs: compare entries of one run, not a gate.
fn in_worker(case: &str, rounds: u32) {
    let rt = common::multi_thread();
    let run = |f: fn(u32) -> std::pin::Pin<Box<dyn Future<Output = u64> + Send>>| {
        rt.block_on(async {
            for _ in 0..rounds {
                black_box(tokio::spawn(f(N)).await.unwrap());
            }
        })
    };
    match case {
        "empty" => {}
        "task_taskgroup_spawn_for" => run(|n| Box::pin(spawned::taskgroup_macro_spawn_for(n))),
        "task_taskgroup_spawn_task" => run(|n| Box::pin(spawned::taskgroup_spawn_task(n))),
        "task_join_set" => run(|n| Box::pin(spawned::join_set(n))),
        "task_vec_join_handle" => run(|n| Box::pin(spawned::vec_join_handle(n))),
        other => panic!("unknown case `worker_{other}`"),
    }
}
