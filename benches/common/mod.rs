//! Work and settings shared by the criterion benches: every peer in a group
//! runs exactly these child futures, on a runtime built once per bench.

use std::time::Duration;

use criterion::Criterion;
use tokio::runtime::Runtime;

/// The error of every child. Zero-sized, so no peer pays for moving it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Fail;

/// A child that yields to the runtime once, then succeeds.
pub(crate) async fn yield_once(i: u32) -> Result<u32, Fail> {
    tokio::task::yield_now().await;
    Ok(i)
}

/// A child that waits for its gate to open, then succeeds. The driver of the
/// bench opens the gates in a shuffled order.
pub(crate) async fn gated(i: u32, gate: tokio::sync::oneshot::Receiver<()>) -> Result<u32, Fail> {
    gate.await.map_err(|_| Fail)?;
    Ok(i)
}

/// A child that never finishes, except the one at `fail`, which yields once
/// (so every sibling has been polled and is pending) and then fails.
pub(crate) async fn pending_or_fail(i: u32, fail: u32) -> Result<u32, Fail> {
    if i == fail {
        tokio::task::yield_now().await;
        Err(Fail)
    } else {
        std::future::pending().await
    }
}

/// Fisher-Yates with a fixed-seed LCG (Knuth's MMIX constants): the same
/// permutation of `0..n` on every run and for every peer.
pub(crate) fn shuffled(n: usize) -> Vec<usize> {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        state >> 33
    };
    let mut v: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
    v
}

/// `n` gates: the senders in shuffled order, the receivers in child order.
pub(crate) fn gates(
    order: &[usize],
) -> (
    Vec<tokio::sync::oneshot::Sender<()>>,
    Vec<tokio::sync::oneshot::Receiver<()>>,
) {
    let mut senders: Vec<Option<_>> = Vec::with_capacity(order.len());
    let mut receivers = Vec::with_capacity(order.len());
    for _ in order {
        let (tx, rx) = tokio::sync::oneshot::channel();
        senders.push(Some(tx));
        receivers.push(rx);
    }
    let senders = order
        .iter()
        .map(|&i| senders[i].take().expect("a permutation"))
        .collect();
    (senders, receivers)
}

/// Opens the gates in the order given, after one yield so that every child
/// has been polled and waits on its gate.
pub(crate) async fn open(senders: Vec<tokio::sync::oneshot::Sender<()>>) {
    tokio::task::yield_now().await;
    for tx in senders {
        let _ = tx.send(());
    }
}

pub(crate) fn current_thread() -> Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a current-thread runtime")
}

pub(crate) fn multi_thread() -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a multi-thread runtime")
}

/// Short runs: the whole `cargo bench` must fit in minutes on 2 cores. The
/// numbers we report are ratios between peers of one group in one run.
pub(crate) fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
        .configure_from_args()
}

/// Spawns one local child per future and sums the handles in order.
pub(crate) async fn taskgroup_spawn<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>> + Send,
{
    let tg = taskgroup::TaskGroup::<Fail>::new();
    tg.run(async {
        let handles: Vec<_> = children.map(|f| tg.spawn(f)).collect();
        Ok(sum_in_order(handles).await)
    })
    .await
    .unwrap()
}

/// What a user writes for `TaskGroup::spawn`'s shape without taskgroup:
/// each child boxed into one `FuturesUnordered` that sends its result
/// through a oneshot, the receivers as handles awaited in spawn order
/// while the set is driven (no cancel, no error rule, no panic capture).
pub(crate) async fn futures_unordered_handles<F>(children: impl Iterator<Item = F>) -> u64
where
    F: Future<Output = Result<u32, Fail>>,
{
    use futures::StreamExt;
    use futures::channel::oneshot;
    use std::pin::Pin;

    let mut set =
        futures::stream::FuturesUnordered::<Pin<Box<dyn Future<Output = ()> + '_>>>::new();
    let handles: Vec<oneshot::Receiver<Result<u32, Fail>>> = children
        .map(|child| {
            let (tx, rx) = oneshot::channel();
            set.push(Box::pin(async move {
                let _ = tx.send(child.await);
            }));
            rx
        })
        .collect();
    let drive = async { while set.next().await.is_some() {} };
    let sum = async {
        let mut sum = 0u64;
        for rx in handles {
            sum += u64::from(rx.await.unwrap().unwrap());
        }
        sum
    };
    let ((), sum) = futures::join!(drive, sum);
    sum
}

/// Awaits the handles of a group's children in spawn order and sums them.
pub(crate) async fn sum_in_order(handles: Vec<taskgroup::Handle<u32, Fail>>) -> u64 {
    let mut sum = 0u64;
    for h in handles {
        sum += u64::from(h.await);
    }
    sum
}

/// Case 3 entries: `n` tokio tasks that yield once, summed in input order.
pub(crate) mod spawned {
    use super::{Fail, sum_in_order, yield_once};
    use taskgroup::TaskGroup;
    use tokio::task::JoinSet;

    pub(crate) async fn taskgroup_spawn_task(n: u32) -> u64 {
        let tg = TaskGroup::<Fail>::new();
        tg.run(async {
            let handles: Vec<_> = (0..n).map(|i| tg.spawn_task(yield_once(i))).collect();
            Ok(sum_in_order(handles).await)
        })
        .await
        .unwrap()
    }

    /// The `taskgroup!` `#[spawn]` `for` branch: one tokio task per item.
    pub(crate) async fn taskgroup_macro_spawn_for(n: u32) -> u64 {
        let v = taskgroup::taskgroup! {
            #[spawn] let v = for i in 0..n { yield_once(i)? };
        }
        .unwrap();
        v.into_iter().map(u64::from).sum()
    }

    pub(crate) async fn join_set(n: u32) -> u64 {
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

    pub(crate) async fn vec_join_handle(n: u32) -> u64 {
        let handles: Vec<_> = (0..n).map(|i| tokio::spawn(yield_once(i))).collect();
        let mut sum = 0u64;
        for h in handles {
            sum += u64::from(h.await.unwrap().unwrap());
        }
        sum
    }
}

/// Case 4 entries with tokio tasks: `all` children that never finish,
/// except the one at `fail`; each returns how many errors it saw.
pub(crate) mod fail_task {
    use super::{Fail, pending_or_fail};
    use taskgroup::TaskGroup;
    use tokio::task::JoinSet;

    pub(crate) async fn taskgroup_spawn_task(all: u32, fail: u32) -> usize {
        let tg = TaskGroup::<Fail>::new();
        let r = tg
            .run(async {
                for i in 0..all {
                    drop(tg.spawn_task(pending_or_fail(i, fail)));
                }
                Ok(())
            })
            .await;
        r.unwrap_err().len()
    }

    pub(crate) async fn taskgroup_macro_spawn_for(all: u32, fail: u32) -> usize {
        let r = taskgroup::taskgroup! {
            #[spawn] let v = for i in 0..all { pending_or_fail(i, fail)? };
        };
        r.unwrap_err().len()
    }

    /// Aborts every task at the first error and waits until each has been
    /// dropped.
    pub(crate) async fn join_set_abort_all(all: u32, fail: u32) -> usize {
        let mut set = JoinSet::new();
        for i in 0..all {
            set.spawn(pending_or_fail(i, fail));
        }
        let mut errors = 0;
        while let Some(r) = set.join_next().await {
            if let Ok(Err(Fail)) = r {
                errors += 1;
                set.abort_all();
                while set.join_next().await.is_some() {}
                break;
            }
        }
        errors
    }
}
