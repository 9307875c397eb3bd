//! Property test: random trees of task groups (local and task children,
//! nested groups, sleeps on the paused clock, errors, panics, cancels on
//! purpose of a whole group (`TaskGroup::cancel`) or of one child
//! (`Handle::cancel`) at random points, and an outer deadline that drops
//! the whole tree at a random point).
//!
//! Invariants checked for every group in every tree:
//! - once `run` has returned, or its future has been dropped, no child of it
//!   is alive (each child holds a guard) and none is polled again;
//! - a group that returned reports exactly the errors its children and body
//!   returned (in the order they happened when every child is local), and
//!   none of its direct children panicked; a cancel on purpose is one of
//!   those errors (`Cancelled`), missing only when an error that was already
//!   being handled failed the group first;
//! - a group that panicked resumed one of the panics raised beneath it;
//! - every child that finished with a value is reachable through its kept
//!   handle's `into_value` once `run` returned, and no other child is;
//! - in a supervise group (with or without an `on_error` handler, handles
//!   kept or dropped at random), the errors `run` returned, those taken from
//!   kept handles with `result()` and those given to the handler are
//!   exactly the errors that happened, each once;
//! - nothing hangs: each case finishes within an hour of virtual time.
//!
//! proptest prints the shrunk failing tree and stores its seed under
//! `proptest-regressions/` so the failure replays on the next run.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::FutureExt;
use proptest::prelude::*;
use taskgroup::{Cancelled, TaskGroup};

/// The error of every group: a leaf's id, or [`CANCELLED`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Id(u32);

/// The id of a group's `Cancelled`.
const CANCELLED: u32 = u32::MAX;
/// A nested group's `Cancelled` as its enclosing group sees it: that
/// group's own cancel stays told apart from it.
const NESTED_CANCELLED: u32 = u32::MAX - 1;

impl From<Cancelled> for Id {
    fn from(_: Cancelled) -> Self {
        Id(CANCELLED)
    }
}

#[derive(Debug, Clone)]
enum Act {
    Ok,
    Err(u32),
    Panic(u32),
    Nested(Tree),
}

#[derive(Debug, Clone)]
struct Kid {
    task: bool,
    delay: u64,
    act: Act,
    /// The body cancels this child through its handle after this long.
    cancel_after: Option<u64>,
    /// The body keeps the handle (else drops it at once).
    keep: bool,
}

/// How one child ended, as its own future saw it.
#[derive(Default)]
struct KidEnd {
    value: AtomicBool,
    error: Mutex<Option<u32>>,
}

#[derive(Debug, Clone)]
struct Tree {
    kids: Vec<Kid>,
    body_delay: u64,
    body_err: Option<u32>,
    /// A child cancels the whole group on purpose after this long.
    cancel_at: Option<u64>,
    /// A supervise group; `Some(true)`: with an `on_error` handler.
    supervise: Option<bool>,
}

#[derive(Clone, Copy, Debug)]
struct PanicId(u32);

/// Shared by every group of one case.
#[derive(Default)]
struct Case {
    alive: AtomicUsize,
    violations: Mutex<Vec<String>>,
}

impl Case {
    fn violate(&self, msg: String) {
        self.violations.lock().unwrap().push(msg);
    }
}

/// What one group's children did.
#[derive(Default)]
struct GroupLog {
    errors: Mutex<Vec<u32>>,
    direct_panics: Mutex<Vec<u32>>,
    /// Panics raised anywhere beneath this group.
    subtree_panics: Mutex<Vec<u32>>,
    ended: AtomicBool,
    /// Direct children alive now.
    alive: AtomicUsize,
    /// Children alive anywhere beneath this group.
    subtree_alive: AtomicUsize,
}

struct AliveGuard(Arc<Case>, Arc<GroupLog>, Vec<Arc<GroupLog>>);

impl AliveGuard {
    fn new(case: &Arc<Case>, group: &Arc<GroupLog>, ancestors: &[Arc<GroupLog>]) -> Self {
        case.alive.fetch_add(1, Ordering::SeqCst);
        group.alive.fetch_add(1, Ordering::SeqCst);
        group.subtree_alive.fetch_add(1, Ordering::SeqCst);
        for a in ancestors {
            a.subtree_alive.fetch_add(1, Ordering::SeqCst);
        }
        AliveGuard(Arc::clone(case), Arc::clone(group), ancestors.to_vec())
    }
}

impl Drop for AliveGuard {
    fn drop(&mut self) {
        self.0.alive.fetch_sub(1, Ordering::SeqCst);
        self.1.alive.fetch_sub(1, Ordering::SeqCst);
        self.1.subtree_alive.fetch_sub(1, Ordering::SeqCst);
        for a in &self.2 {
            a.subtree_alive.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Flags a poll that happens after the child's group ended.
struct Probe<F> {
    fut: Pin<Box<F>>,
    log: Arc<GroupLog>,
    case: Arc<Case>,
    _alive: AliveGuard,
}

impl<F: Future> Future for Probe<F> {
    type Output = F::Output;
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        if self.log.ended.load(Ordering::SeqCst) {
            self.case
                .violate("a child was polled after its group ended".into());
        }
        self.fut.as_mut().poll(cx)
    }
}

type BoxFut = Pin<Box<dyn Future<Output = Result<(), Id>> + Send + 'static>>;

/// `ancestors`: every group above `log`; `local_above`: those above it
/// through local children only. A group awaits the tasks of groups nested
/// in its local children (they are handed to it when such a child is
/// dropped); a group nested inside an aborted *task* child is dropped by
/// tokio outside any driver, so its tasks are aborted but not awaited, and
/// their liveness is not held against the groups above the task.
fn kid_future(
    kid: Kid,
    log: Arc<GroupLog>,
    ancestors: Vec<Arc<GroupLog>>,
    local_above: Vec<Arc<GroupLog>>,
    case: Arc<Case>,
    end: Arc<KidEnd>,
) -> BoxFut {
    let probe_log = Arc::clone(&log);
    let probe_case = Arc::clone(&case);
    let alive = AliveGuard::new(&case, &log, &local_above);
    let fut = async move {
        tokio::time::sleep(Duration::from_millis(kid.delay)).await;
        match kid.act {
            Act::Ok => {
                end.value.store(true, Ordering::SeqCst);
                Ok(())
            }
            Act::Err(id) => {
                log.errors.lock().unwrap().push(id);
                *end.error.lock().unwrap() = Some(id);
                Err(Id(id))
            }
            Act::Panic(id) => {
                log.direct_panics.lock().unwrap().push(id);
                log.subtree_panics.lock().unwrap().push(id);
                for a in &ancestors {
                    a.subtree_panics.lock().unwrap().push(id);
                }
                std::panic::panic_any(PanicId(id));
            }
            Act::Nested(tree) => {
                let mut chain = ancestors.clone();
                chain.push(Arc::clone(&log));
                let local_chain = if kid.task {
                    Vec::new()
                } else {
                    let mut c = local_above.clone();
                    c.push(Arc::clone(&log));
                    c
                };
                match run_tree(tree, chain, local_chain, Arc::clone(&case)).await {
                    Ok(()) => {
                        end.value.store(true, Ordering::SeqCst);
                        Ok(())
                    }
                    Err(id) => {
                        let id = if id == CANCELLED {
                            NESTED_CANCELLED
                        } else {
                            id
                        };
                        log.errors.lock().unwrap().push(id);
                        *end.error.lock().unwrap() = Some(id);
                        Err(Id(id))
                    }
                }
            }
        }
    };
    Box::pin(Probe {
        fut: Box::pin(fut),
        log: probe_log,
        case: probe_case,
        _alive: alive,
    })
}

/// Marks the group ended when `run` returns or its future is dropped.
struct EndOnDrop(Arc<GroupLog>);

impl Drop for EndOnDrop {
    fn drop(&mut self) {
        self.0.ended.store(true, Ordering::SeqCst);
    }
}

/// Runs one group, checks its invariants, and returns its first error.
fn run_tree(
    tree: Tree,
    ancestors: Vec<Arc<GroupLog>>,
    local_above: Vec<Arc<GroupLog>>,
    case: Arc<Case>,
) -> Pin<Box<dyn Future<Output = Result<(), u32>> + Send + 'static>> {
    Box::pin(async move {
        let log = Arc::new(GroupLog::default());
        let all_local = tree.kids.iter().all(|k| !k.task);
        let handled = Arc::new(Mutex::new(Vec::new()));
        let kept = Mutex::new(Vec::new());
        let outcome = {
            let _end = EndOnDrop(Arc::clone(&log));
            let tg = match tree.supervise {
                None => TaskGroup::<Id>::new(),
                Some(false) => TaskGroup::builder().supervise().build(),
                Some(true) => {
                    let handled = Arc::clone(&handled);
                    TaskGroup::builder()
                        .supervise()
                        .on_error(move |_, id: Id| handled.lock().unwrap().push(id.0))
                        .build()
                }
            };
            let run = tg.run(async {
                if let Some(at) = tree.cancel_at {
                    // A child runs only while its group does: when it
                    // cancels, the group is not failing yet.
                    let (tg, log) = (&tg, &log);
                    tg.spawn(async move {
                        tokio::time::sleep(Duration::from_millis(at)).await;
                        log.errors.lock().unwrap().push(CANCELLED);
                        tg.cancel();
                        Ok(())
                    });
                }
                for kid in tree.kids.iter().cloned() {
                    let end = Arc::new(KidEnd::default());
                    let fut = kid_future(
                        kid.clone(),
                        Arc::clone(&log),
                        ancestors.clone(),
                        local_above.clone(),
                        Arc::clone(&case),
                        Arc::clone(&end),
                    );
                    let handle = if kid.task {
                        tg.spawn_task(fut)
                    } else {
                        tg.spawn(fut)
                    };
                    if let Some(after) = kid.cancel_after {
                        tg.spawn(async move {
                            tokio::time::sleep(Duration::from_millis(after)).await;
                            handle.cancel();
                            Ok(())
                        });
                    } else if kid.keep {
                        kept.lock().unwrap().push((handle, end));
                    }
                }
                tokio::time::sleep(Duration::from_millis(tree.body_delay)).await;
                if let Some(id) = tree.body_err {
                    log.errors.lock().unwrap().push(id);
                    return Err(Id(id));
                }
                Ok(())
            });
            AssertUnwindSafe(run).catch_unwind().await
        };
        // No descendant, however deep (a task of a nested group inside a
        // cancelled local child included), outlives the group.
        let alive = log.subtree_alive.load(Ordering::SeqCst);
        if alive != 0 {
            case.violate(format!("run ended with {alive} descendants still alive"));
        }
        match outcome {
            Ok(result) => {
                // Partial results: a kept handle has a value exactly when
                // its child finished with one; a supervised child's error
                // is taken from its handle.
                let mut taken = Vec::new();
                for (handle, end) in kept.into_inner().unwrap() {
                    let error = *end.error.lock().unwrap();
                    if end.value.load(Ordering::SeqCst) {
                        if handle.into_value() != Some(()) {
                            case.violate(
                                "a child's value is not reachable through into_value".into(),
                            );
                        }
                    } else if let (Some(id), Some(_)) = (error, tree.supervise) {
                        match handle.result().now_or_never() {
                            Some(Err(Id(got))) if got == id => taken.push(id),
                            other => case.violate(format!(
                                "a supervised child failed with {id}, its handle gave {other:?}"
                            )),
                        }
                    } else if handle.into_value().is_some() {
                        case.violate("into_value gave a value the child never returned".into());
                    }
                }
                if !log.direct_panics.lock().unwrap().is_empty() {
                    case.violate(format!(
                        "run returned although direct children panicked: {:?}",
                        log.direct_panics.lock().unwrap()
                    ));
                }
                let mut happened = log.errors.lock().unwrap().clone();
                let returned: Vec<u32> = match &result {
                    Ok(()) => Vec::new(),
                    Err(group) => group.iter().map(|id| id.0).collect(),
                };
                // The cancel takes effect when the driver next runs: an
                // error it was already handling may have failed the group
                // first, and then the cancel adds nothing.
                if !returned.is_empty() && !returned.contains(&CANCELLED) {
                    happened.retain(|&id| id != CANCELLED);
                }
                let same = if tree.supervise.is_some() {
                    // Each error once: returned, taken or handled.
                    let mut got = returned.clone();
                    got.extend(&taken);
                    got.extend(handled.lock().unwrap().iter());
                    got.sort_unstable();
                    let mut want = happened.clone();
                    want.sort_unstable();
                    got == want
                } else if all_local {
                    returned == happened
                } else {
                    let (mut a, mut b) = (returned.clone(), happened.clone());
                    a.sort_unstable();
                    b.sort_unstable();
                    a == b
                };
                if !same {
                    case.violate(format!(
                        "returned errors {returned:?} (taken {taken:?}, handled {:?}) \
                         but these happened: {happened:?}",
                        handled.lock().unwrap()
                    ));
                }
                result.map_err(|g| g.first().0)
            }
            Err(payload) => {
                let id = payload.downcast_ref::<PanicId>().map(|p| p.0);
                let raised = log.subtree_panics.lock().unwrap().clone();
                match id {
                    Some(id) if raised.contains(&id) => {}
                    _ => case.violate(format!(
                        "run panicked with {id:?}, not one of the panics raised: {raised:?}"
                    )),
                }
                std::panic::resume_unwind(payload)
            }
        }
    })
}

fn tree_strategy() -> impl Strategy<Value = Tree> {
    let leaf = prop_oneof![
        4 => Just(Act::Ok),
        2 => (0u32..1000).prop_map(Act::Err),
        1 => (0u32..1000).prop_map(Act::Panic),
    ];
    let act = leaf.prop_recursive(3, 24, 4, |inner| {
        (
            prop::collection::vec(kid_strategy(inner), 0..5),
            0u64..50,
            prop::option::weighted(0.2, 0u32..1000),
            prop::option::weighted(0.15, 0u64..60),
            prop::option::weighted(0.3, any::<bool>()),
        )
            .prop_map(|(kids, body_delay, body_err, cancel_at, supervise)| {
                Act::Nested(Tree {
                    kids,
                    body_delay,
                    body_err,
                    cancel_at,
                    supervise,
                })
            })
    });
    (
        prop::collection::vec(kid_strategy(act), 0..6),
        0u64..50,
        prop::option::weighted(0.2, 0u32..1000),
        prop::option::weighted(0.15, 0u64..60),
        prop::option::weighted(0.3, any::<bool>()),
    )
        .prop_map(|(kids, body_delay, body_err, cancel_at, supervise)| Tree {
            kids,
            body_delay,
            body_err,
            cancel_at,
            supervise,
        })
}

fn kid_strategy(act: impl Strategy<Value = Act>) -> impl Strategy<Value = Kid> {
    (
        any::<bool>(),
        0u64..50,
        act,
        prop::option::weighted(0.2, 0u64..60),
        any::<bool>(),
    )
        .prop_map(|(task, delay, act, cancel_after, keep)| Kid {
            task,
            delay,
            act,
            cancel_after,
            keep,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(500)
    ))]

    #[test]
    fn random_trees_of_groups_keep_their_promises(
        tree in tree_strategy(),
        outer_deadline in prop::option::of(0u64..120),
    ) {
        // Panics raised on purpose are expected; keep the output readable.
        std::panic::set_hook(Box::new(|_| {}));
        let case = Arc::new(Case::default());
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let c = Arc::clone(&case);
        let finished = rt.block_on(async move {
            let run = AssertUnwindSafe(run_tree(tree, Vec::new(), Vec::new(), Arc::clone(&c)))
                .catch_unwind();
            // The deadline drops the whole tree at a random point; without
            // one, an hour of virtual time means the tree hung.
            let ms = outer_deadline.unwrap_or(3_600_000);
            let out = tokio::time::timeout(Duration::from_millis(ms), run).await.ok();
            if outer_deadline.is_none() && out.is_none() {
                c.violate("the tree hung for an hour of virtual time".into());
            }
            let hung = tokio::time::timeout(Duration::from_secs(3600), async {
                // Let aborted tasks be torn down.
                while c.alive.load(Ordering::SeqCst) > 0 {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            })
            .await
            .is_err();
            (out.is_some(), hung)
        });
        drop(rt);
        let _ = std::panic::take_hook();
        let violations = case.violations.lock().unwrap().clone();
        prop_assert!(violations.is_empty(), "violations: {:?}", violations);
        prop_assert!(!finished.1, "children still alive an hour after the tree ended");
        prop_assert_eq!(case.alive.load(Ordering::SeqCst), 0);
    }
}
