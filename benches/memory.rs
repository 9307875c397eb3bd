//! Case 5: bytes allocated per child, counted by a global allocator.
//!
//! `cargo bench --bench memory` prints a table. For each peer, N children
//! are started and all parked on one shared gate; `live/child` is the heap
//! they hold at that moment (what a pending child costs), `allocated/child`
//! every byte allocated from spawn to result (including buffers that grow
//! and are freed again), `allocs/child` the number of allocations. The
//! child future is the same for every peer, and its own size is printed.

#[allow(dead_code)]
mod common;

use std::alloc::System;
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{Fail, sum_in_order};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use taskgroup::TaskGroup;
use tokio::sync::Notify;
use tokio::task::JoinSet;

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const N: usize = 10_000;

/// Holds every child until all of them have started.
#[derive(Default)]
struct Gate {
    started: AtomicUsize,
    open: Notify,
}

async fn child(i: u32, gate: Arc<Gate>) -> Result<u32, Fail> {
    gate.started.fetch_add(1, Ordering::Relaxed);
    gate.open.notified().await;
    Ok(i)
}

/// Waits (yielding to the runtime) until every child has started, measures
/// the live bytes, then opens the gate.
async fn park_and_measure(gate: &Gate, region: &Region<'_, System>) -> isize {
    while gate.started.load(Ordering::Relaxed) < N {
        tokio::task::yield_now().await;
    }
    let c = region.change();
    let live = c.bytes_allocated as isize - c.bytes_deallocated as isize + c.bytes_reallocated;
    gate.open.notify_waiters();
    live
}

struct Row {
    name: &'static str,
    live: isize,
    allocated: usize,
    allocs: usize,
}

/// Runs `f` once, counting from before the first spawn to the last result.
fn measure<F, Fut>(rt: &tokio::runtime::Runtime, name: &'static str, f: F) -> Row
where
    F: FnOnce(Arc<Gate>, &'static Region<'static, System>) -> Fut,
    Fut: Future<Output = isize>,
{
    let gate = Arc::new(Gate::default());
    // Leaked so the children may hold it; a Region counts from its creation,
    // after the box that holds it was allocated.
    let region: &'static Region<'static, System> = Box::leak(Box::new(Region::new(GLOBAL)));
    let live = rt.block_on(f(gate, region));
    let c = region.change();
    Row {
        name,
        live,
        // Growth by `realloc` counts as allocated too.
        allocated: c.bytes_allocated + c.bytes_reallocated.max(0) as usize,
        allocs: c.allocations,
    }
}

/// `N` children of one `TaskGroup`, their handles kept: local children,
/// or (`task`) task children.
async fn group_spawn(
    gate: Arc<Gate>,
    region: &'static Region<'static, System>,
    task: bool,
) -> isize {
    let tg = TaskGroup::<Fail>::new();
    tg.run(async {
        let handles: Vec<_> = (0..N as u32)
            .map(|i| match task {
                false => tg.spawn(child(i, gate.clone())),
                true => tg.spawn_task(child(i, gate.clone())),
            })
            .collect();
        let live = park_and_measure(&gate, region).await;
        black_box(sum_in_order(handles).await);
        Ok(live)
    })
    .await
    .unwrap()
}

async fn local_spawn(gate: Arc<Gate>, region: &'static Region<'static, System>) -> isize {
    group_spawn(gate, region, false).await
}

/// `N` local children of one `for` fan-out.
async fn local_for(gate: Arc<Gate>, region: &'static Region<'static, System>) -> isize {
    let (v, live) = taskgroup::taskgroup! {
        let v = for i in 0..N as u32 { child(i, gate.clone())? };
        let live = park_and_measure(&gate, region);
    }
    .unwrap();
    black_box(v);
    live
}

fn main() {
    // Only run under `cargo bench` (criterion's `--bench` flag); `cargo test
    // --benches` just checks that it starts.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let current = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let fut_size = std::mem::size_of_val(&child(0, Arc::new(Gate::default())));
    let mut rows = Vec::new();

    // Warm up the runtime (its own buffers) so they are not counted.
    for _ in 0..2 {
        measure(&current, "warm-up", |gate, region| async move {
            let mut set = JoinSet::new();
            for i in 0..N as u32 {
                set.spawn(child(i, gate.clone()));
            }
            let live = park_and_measure(&gate, region).await;
            while set.join_next().await.is_some() {}
            live
        });
    }

    // The first group on a thread allocates a waker per child slot; the
    // next ones reuse them (the thread keeps what its last group needed).
    rows.push(measure(&current, "TaskGroup::spawn (local)", local_spawn));
    rows.push(measure(
        &current,
        "TaskGroup::spawn (local), next group",
        local_spawn,
    ));
    // The same for `for`: its items' wakers come from the same pool. A
    // thread of its own shows the first fan-out on a thread.
    rows.push(std::thread::scope(|s| {
        s.spawn(|| {
            measure(
                &current,
                "taskgroup! for (local), first on a thread",
                local_for,
            )
        })
        .join()
        .unwrap()
    }));
    rows.push(measure(
        &current,
        "taskgroup! for (local), next group",
        local_for,
    ));
    rows.push(measure(
        &current,
        "FuturesUnordered (local)",
        |gate, region| async move {
            let mut set: FuturesUnordered<_> =
                (0..N as u32).map(|i| child(i, gate.clone())).collect();
            // FuturesUnordered polls its children only when it is polled.
            let live = {
                let measuring = park_and_measure(&gate, region);
                let mut measuring = std::pin::pin!(measuring);
                loop {
                    tokio::select! {
                        biased;
                        live = &mut measuring => break live,
                        Some(r) = set.next() => { black_box(r.unwrap()); }
                    }
                }
            };
            while let Some(r) = set.next().await {
                black_box(r.unwrap());
            }
            live
        },
    ));
    rows.push(measure(
        &current,
        "TaskGroup::spawn_task (task)",
        |gate, region| group_spawn(gate, region, true),
    ));
    rows.push(measure(
        &current,
        "taskgroup! #[spawn] for (task)",
        |gate, region| async move {
            let (v, live) = taskgroup::taskgroup! {
                #[spawn] let v = for i in 0..N as u32 { child(i, gate.clone())? };
                let live = park_and_measure(&gate, region);
            }
            .unwrap();
            black_box(v);
            live
        },
    ));
    rows.push(measure(
        &current,
        "JoinSet (task)",
        |gate, region| async move {
            let mut set = JoinSet::new();
            for i in 0..N as u32 {
                set.spawn(child(i, gate.clone()));
            }
            let live = park_and_measure(&gate, region).await;
            while let Some(r) = set.join_next().await {
                black_box(r.unwrap().unwrap());
            }
            live
        },
    ));
    rows.push(measure(
        &current,
        "Vec<JoinHandle> (task)",
        |gate, region| async move {
            let handles: Vec<_> = (0..N as u32)
                .map(|i| tokio::spawn(child(i, gate.clone())))
                .collect();
            let live = park_and_measure(&gate, region).await;
            for h in handles {
                black_box(h.await.unwrap().unwrap());
            }
            live
        },
    ));

    println!("memory per child, N = {N}, child future = {fut_size} bytes");
    println!();
    println!("| peer | live/child (B) | over future (B) | allocated/child (B) | allocs/child |");
    println!("|---|---:|---:|---:|---:|");
    for r in rows {
        let live = r.live as f64 / N as f64;
        println!(
            "| {} | {:.1} | {:.1} | {:.1} | {:.2} |",
            r.name,
            live,
            live - fut_size as f64,
            r.allocated as f64 / N as f64,
            r.allocs as f64 / N as f64,
        );
    }
}
