//! Behaviour of `taskgroup!`: values, concurrency, dependencies, failure,
//! options, fan-out, `#[spawn]`, panics, drop, modes and the caller's
//! context. Timing runs on tokio's paused clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskgroup::{ErrorGroup, TimedOut, taskgroup};

mod common;
use common::{
    LOST, PanicsOnTimeout, PanicsTwice, RELEASE, failing_pair, panic_after_runtime_shutdown,
    payload_message,
};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

async fn after<T>(n: u64, v: T) -> T {
    sleep(ms(n)).await;
    v
}

async fn ok_after<T>(n: u64, v: T) -> Result<T, String> {
    sleep(ms(n)).await;
    Ok(v)
}

async fn err_after<T>(n: u64, e: &str) -> Result<T, String> {
    sleep(ms(n)).await;
    Err(e.to_string())
}

/// Counts drops, to see that cancelled branches are dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn assert_send<T: Send>(_: &T) {}

#[tokio::test(start_paused = true)]
async fn one_binding_is_the_value() {
    let v = taskgroup! {
        let a = ok_after(1, 7)?;
    };
    assert_eq!(v, Ok(7));
}

#[tokio::test(start_paused = true)]
async fn bindings_form_a_tuple_in_order() {
    let (a, b, c) = taskgroup! {
        let a = ok_after(30, 1)?;
        let b = ok_after(10, "two")?;
        let c = ok_after(20, 3.0)?;
    }
    .unwrap();
    assert_eq!((a, b, c), (1, "two", 3.0));
}

#[tokio::test(start_paused = true)]
async fn tail_is_the_value() {
    let sum = taskgroup! {
        let a = ok_after(10, 1)?;
        let b = ok_after(10, 2)?;
        a + b
    };
    assert_eq!(sum, Ok(3));
}

#[tokio::test(start_paused = true)]
async fn infallible_group_is_a_plain_value() {
    let (a, b): (i32, &str) = taskgroup! {
        let a = after(10, 1);
        let b = after(10, "b");
    };
    assert_eq!((a, b), (1, "b"));
}

#[tokio::test(start_paused = true)]
async fn branches_run_concurrently() {
    let start = Instant::now();
    taskgroup! {
        let a = sleep(ms(100));
        let b = sleep(ms(100));
    };
    assert_eq!(start.elapsed(), ms(100));
}

#[tokio::test(start_paused = true)]
async fn dependent_starts_right_after_its_dependency() {
    let start = Instant::now();
    let (a, b, started) = taskgroup! {
        let a = after(10, 5);
        let b = after(100, 7);
        let started = async {
            let _uses_a = a;
            start.elapsed()
        };
    };
    assert_eq!((a, b), (5, 7));
    assert_eq!(started, ms(10), "c started when a finished, not when b did");
    assert_eq!(start.elapsed(), ms(100));
}

#[tokio::test(start_paused = true)]
async fn chains_of_dependencies_run_as_soon_as_possible() {
    let start = Instant::now();
    let total = taskgroup! {
        let a = after(10, 1);
        let b = async {
            let _uses_a = a;
            after(10, 2).await
        };
        let c = after(5, 3);
        let d = async { (start.elapsed(), *a + *b + *c) };
        d
    };
    assert_eq!(total, (ms(20), 6));
}

#[tokio::test(start_paused = true)]
async fn dependents_see_references_and_the_tail_owns() {
    let out = taskgroup! {
        let name = after(5, String::from("ada"));
        let len = async {
            let r: &String = name;
            r.len()
        };
        {
            let owned: String = name;
            (owned, len)
        }
    };
    assert_eq!(out, (String::from("ada"), 3));
}

#[tokio::test(start_paused = true)]
async fn destructured_bindings_are_visible_to_dependents() {
    let out = taskgroup! {
        let (x, mut y): (u32, u32) = after(5, (2, 3));
        let z = async { *x * *y };
        {
            y += 1;
            (x, y, z)
        }
    };
    assert_eq!(out, (2, 4, 6));
}

#[tokio::test(start_paused = true)]
async fn fail_fast_cancels_siblings() {
    let drops = Arc::new(AtomicUsize::new(0));
    let finished = AtomicUsize::new(0);
    let start = Instant::now();
    let r: Result<((), ()), _> = taskgroup! {
        let slow = async {
            let _guard = DropCount(drops.clone());
            sleep(ms(1000)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }?;
        let bad = err_after::<()>(10, "bad")?;
    };
    assert_eq!(r.unwrap_err().into_vec(), ["bad"]);
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    assert_eq!(finished.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_is_kept_in_order() {
    let (task, local) = failing_pair("first", "second");
    let r = taskgroup! {
        #[spawn] let blocked = task?;
        let first = local?;
    };
    let errors = r.unwrap_err();
    assert_eq!(errors.into_vec(), ["first", "second"]);
}

#[tokio::test]
async fn a_spawn_branch_behind_the_first_failure_is_never_started() {
    // The first branch fails in the group's first pass, before the
    // `#[spawn]` branch after it was ever polled: that branch must be
    // dropped as it is, not started (its expression run, its task
    // spawned) only to be aborted.
    let started = AtomicUsize::new(0);
    let r = taskgroup! {
        let bad = async { Err::<u8, _>("bad") }?;
        #[spawn] let task = {
            started.fetch_add(1, Ordering::SeqCst);
            async { Ok::<u8, &str>(1) }
        }?;
    };
    assert_eq!(r.unwrap_err().into_vec(), ["bad"]);
    assert_eq!(started.load(Ordering::SeqCst), 0);
}

#[tokio::test(start_paused = true)]
async fn a_spawn_branch_is_not_started_after_the_timeout() {
    // Under a limit of 1 the `#[spawn]` branch waits for the first one;
    // the deadline passes first, so it is dropped without ever running.
    let started = AtomicUsize::new(0);
    let r = taskgroup! {
        timeout = ms(10);
        limit = 1;
        let slow = after(1000, Ok::<(), TimedOut>(()))?;
        #[spawn] let task = {
            started.fetch_add(1, Ordering::SeqCst);
            async { Ok::<u8, TimedOut>(1) }
        }?;
    };
    assert!(r.is_err());
    assert_eq!(started.load(Ordering::SeqCst), 0);
}

#[derive(Debug, PartialEq)]
enum AppError {
    Io(String),
    Parse(u8),
    Timeout,
}

impl From<String> for AppError {
    fn from(s: String) -> Self {
        AppError::Io(s)
    }
}

impl From<u8> for AppError {
    fn from(n: u8) -> Self {
        AppError::Parse(n)
    }
}

impl From<TimedOut> for AppError {
    fn from(_: TimedOut) -> Self {
        AppError::Timeout
    }
}

#[tokio::test(start_paused = true)]
async fn error_option_converts_branch_errors_with_from() {
    let r = taskgroup! {
        error = AppError;
        let a = err_after::<u8>(10, "disk")?;
        let b = async { Err::<u8, u8>(4) }?;
        let c = ok_after(1, 3)?;
    };
    assert_eq!(r.unwrap_err().into_vec(), [AppError::Parse(4)]);

    let ok: Result<u8, ErrorGroup<AppError>> = taskgroup! {
        error = AppError;
        let a = ok_after(10, 1u8)?;
    };
    assert_eq!(ok, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn timeout_cancels_and_fails_with_timed_out_through_from() {
    let start = Instant::now();
    let r = taskgroup! {
        timeout = ms(50);
        error = AppError;
        let a = ok_after(1000, 1)?;
        let b = ok_after(10, 2)?;
    };
    assert_eq!(r.unwrap_err().into_vec(), [AppError::Timeout]);
    assert_eq!(start.elapsed(), ms(50));

    let quick = taskgroup! {
        timeout = ms(50);
        let a = after(10, 1);
    };
    assert_eq!(quick, Ok::<_, ErrorGroup<TimedOut>>(1));
}

#[tokio::test(start_paused = true)]
async fn fan_out_is_in_input_order() {
    let delays = [30u64, 10, 20, 0];
    let v = taskgroup! {
        let v = for (i, d) in delays.iter().enumerate() { after(*d, i) };
    };
    assert_eq!(v, [0, 1, 2, 3]);
}

#[tokio::test(start_paused = true)]
async fn fan_out_fails_fast() {
    let drops = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let r = taskgroup! {
        let v = for i in 0..5u64 {
            let guard = DropCount(drops.clone());
            async move {
                let _guard = guard;
                if i == 2 {
                    err_after::<u64>(10, "item 2").await
                } else {
                    ok_after(100, i).await
                }
            }?
        };
    };
    assert_eq!(r.unwrap_err().into_vec(), ["item 2"]);
    assert_eq!(start.elapsed(), ms(10));
    assert_eq!(drops.load(Ordering::SeqCst), 5);
}

#[tokio::test(start_paused = true)]
async fn limit_bounds_fan_out_concurrency() {
    let (running, max) = (&AtomicUsize::new(0), &AtomicUsize::new(0));
    let start = Instant::now();
    let v = taskgroup! {
        limit = 3;
        let v = for i in 0..10 {
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                max.fetch_max(now, Ordering::SeqCst);
                sleep(ms(10)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i
            }
        };
    };
    assert_eq!(v, (0..10).collect::<Vec<_>>());
    assert_eq!(max.load(Ordering::SeqCst), 3);
    assert_eq!(start.elapsed(), ms(40));
}

#[tokio::test(start_paused = true)]
async fn fan_out_over_a_dependency() {
    let v = taskgroup! {
        let ids = after(10, vec![3u64, 1, 2]);
        let pages = for id in ids.iter() { ok_after(*id * 10, *id * 100)? };
        pages
    };
    assert_eq!(v, Ok(vec![300, 100, 200]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spawn_branch_runs_as_a_task() {
    let main = std::thread::current().id();
    let (local, spawned) = taskgroup! {
        let local = async { std::thread::current().id() };
        #[spawn] let spawned = async {
            tokio::task::yield_now().await;
            Ok::<_, String>(tokio::task::try_id().is_some())
        }?;
    }
    .unwrap();
    assert_eq!(local, main);
    assert!(spawned, "the branch ran inside a tokio task");
}

#[tokio::test(start_paused = true)]
async fn spawn_for_runs_one_task_per_item_in_order() {
    let v = taskgroup! {
        limit = 2;
        #[spawn] let v = for i in 0..6u64 {
            async move {
                sleep(ms(60 - i * 10)).await;
                Ok::<_, String>((i, tokio::task::try_id().is_some()))
            }?
        };
    }
    .unwrap();
    assert_eq!(
        v.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
        [0, 1, 2, 3, 4, 5]
    );
    assert!(v.iter().all(|(_, in_task)| *in_task));
}

#[tokio::test]
async fn panic_resumes_the_original_payload_after_siblings_are_dropped() {
    let drops = Arc::new(AtomicUsize::new(0));
    let seen = drops.clone();
    let join = tokio::spawn(async move {
        taskgroup! {
            let slow = async {
                let _guard = DropCount(drops.clone());
                sleep(ms(1000)).await;
            };
            let bad = async {
                tokio::task::yield_now().await;
                std::panic::panic_any(42u32);
            };
        };
    });
    let payload = join.await.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&42));
    assert_eq!(seen.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn panic_in_a_spawned_branch_is_resumed_too() {
    let join = tokio::spawn(async {
        taskgroup! {
            #[spawn] let bad = async { panic!("in task") };
        }
    });
    let payload = join.await.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"in task"));
}

#[test]
fn a_spawn_branch_its_runtime_dropped_makes_the_group_panic() {
    let message = panic_after_runtime_shutdown(
        |started| async move {
            let r = taskgroup! {
                #[spawn] let lost = async move {
                    started.send(()).unwrap();
                    std::future::pending::<Result<u8, String>>().await
                }?;
            };
            format!("{r:?}")
        },
        drop,
    );
    assert_eq!(message, LOST);
}

#[test]
fn a_spawn_for_item_its_runtime_dropped_makes_the_group_panic() {
    let message = panic_after_runtime_shutdown(
        |started| async move {
            let r = taskgroup! {
                #[spawn] let lost = for i in 0..2u8 {
                    {
                        let started = started.clone();
                        async move {
                            started.send(()).unwrap();
                            std::future::pending::<Result<u8, String>>().await?;
                            Ok::<_, String>(i)
                        }
                    }?
                };
            };
            format!("{r:?}")
        },
        drop,
    );
    assert_eq!(message, LOST);
}

#[tokio::test(start_paused = true)]
async fn dropping_the_group_cancels_branches_and_aborts_tasks() {
    let local_drops = Arc::new(AtomicUsize::new(0));
    let task_drops = Arc::new(AtomicUsize::new(0));
    let task_guard = task_drops.clone();
    let group = async {
        taskgroup! {
            let local = async {
                let _g = DropCount(local_drops.clone());
                sleep(ms(1000)).await;
            };
            #[spawn] let task = async move {
                let _g = DropCount(task_guard);
                sleep(ms(1000)).await;
            };
        }
    };
    let r = tokio::time::timeout(ms(10), group).await;
    assert!(r.is_err());
    assert_eq!(local_drops.load(Ordering::SeqCst), 1);
    // Abort takes effect when the runtime next polls the task.
    for _ in 0..10 {
        tokio::task::yield_now().await;
    }
    assert_eq!(task_drops.load(Ordering::SeqCst), 1);
}

#[tokio::test(start_paused = true)]
async fn supervise_gives_each_branch_its_result() {
    let start = Instant::now();
    let (a, b, c) = taskgroup! {
        mode = supervise;
        let a = err_after::<u8>(10, "a failed")?;
        let b = ok_after(50, 2u8)?;
        let c = after(20, 'c');
    };
    assert_eq!(a, Err("a failed".to_string()));
    assert_eq!(b, Ok(2));
    assert_eq!(c, 'c');
    assert_eq!(start.elapsed(), ms(50), "nothing was cancelled");
}

#[tokio::test(start_paused = true)]
async fn race_returns_the_first_success() {
    let start = Instant::now();
    let winner = taskgroup! {
        mode = race;
        let a = ok_after(30, "slow")?;
        let b = err_after::<&str>(5, "broken")?;
        let c = ok_after(10, "fast")?;
    };
    assert_eq!(winner, Ok("fast"));
    assert_eq!(start.elapsed(), ms(10));
}

#[tokio::test(start_paused = true)]
async fn race_fails_with_every_error_when_all_fail() {
    let r = taskgroup! {
        mode = race;
        let a = err_after::<u8>(20, "a")?;
        let b = err_after::<u8>(10, "b")?;
    };
    assert_eq!(r.unwrap_err().into_vec(), ["b", "a"]);
}

#[tokio::test(start_paused = true)]
async fn branches_borrow_caller_locals_and_the_tail_assigns_them() {
    let data = [1, 2, 3];
    let mut total = 0;
    let mut log = Vec::new();
    taskgroup! {
        let a = async { data.iter().sum::<i32>() };
        let b = async { data.len() };
        {
            total += a;
            log.push(b);
        }
    };
    assert_eq!((total, log), (6, vec![3]));
    assert_eq!(data.len(), 3);
}

async fn early_return(fail: bool) -> Result<&'static str, ErrorGroup<String>> {
    let v = taskgroup! {
        let a = async { if fail { err_after::<u8>(1, "x").await } else { ok_after(1, 1).await } }?;
        let b = async { *a };
        {
            if b == 1 {
                return Ok("returned from the tail");
            }
            b
        }
    }?;
    let _ = v;
    Ok("fell through")
}

#[tokio::test(start_paused = true)]
async fn return_and_question_mark_work_in_the_caller_context() {
    assert_eq!(early_return(false).await, Ok("returned from the tail"));
    assert_eq!(early_return(true).await.unwrap_err().into_vec(), ["x"]);
}

#[tokio::test(start_paused = true)]
async fn break_leaves_the_caller_loop() {
    let mut rounds = 0;
    loop {
        rounds += 1;
        taskgroup! {
            let a = after(1, rounds);
            {
                if a == 3 {
                    break;
                }
            }
        };
    }
    assert_eq!(rounds, 3);
}

#[tokio::test]
async fn the_group_future_is_send() {
    let handle = tokio::spawn(async {
        let data = [1u8, 2];
        let fut = async {
            taskgroup! {
                timeout = Duration::from_secs(1);
                let a = async { data.len() };
                #[spawn] let b = async { Ok::<_, TimedOut>(2usize) }?;
                let c = for x in data.iter() { async move { *x as usize } };
                a + b + c.len()
            }
        };
        assert_send(&fut);
        fut.await
    });
    assert_eq!(handle.await.unwrap(), Ok(6));
}

#[tokio::test(start_paused = true)]
async fn name_option_is_accepted() {
    let n = String::from("loader");
    let v = taskgroup! {
        name = &n;
        let a = after(1, 1);
    };
    assert_eq!(v, 1);
}

#[tokio::test(start_paused = true)]
async fn spawn_branch_may_depend_on_an_earlier_binding() {
    let start = Instant::now();
    let (name, shout) = taskgroup! {
        let name = after(10, String::from("ada"));
        #[spawn] let shout = {
            let owned = name.clone();
            async move { owned.to_uppercase() }
        };
    };
    assert_eq!((name.as_str(), shout.as_str()), ("ada", "ADA"));
    assert_eq!(start.elapsed(), ms(10));
}

#[tokio::test(start_paused = true)]
async fn fan_out_items_may_run_code_before_their_future() {
    let base = 100;
    let v = taskgroup! {
        let v = for i in 0..3u64 {
            let delay = 30 - i * 10;
            after(delay, base + i)
        };
    };
    assert_eq!(v, [100, 101, 102]);
}

#[tokio::test]
async fn panic_in_a_spawned_item_waits_for_the_other_items() {
    let drops = Arc::new(AtomicUsize::new(0));
    let seen = drops.clone();
    let join = tokio::spawn(async move {
        taskgroup! {
            #[spawn] let v = for i in 0..3u8 {
                let guard = DropCount(drops.clone());
                async move {
                    let _guard = guard;
                    if i == 1 {
                        tokio::task::yield_now().await;
                        panic!("item {i}");
                    }
                    sleep(ms(10_000)).await;
                }
            };
        }
    });
    // A watchdog: a lost end of an item would leave the group waiting.
    let payload = tokio::time::timeout(ms(5_000), join)
        .await
        .expect("the group ended")
        .unwrap_err()
        .into_panic();
    assert_eq!(
        payload.downcast_ref::<String>().map(String::as_str),
        Some("item 1")
    );
    assert_eq!(
        seen.load(Ordering::SeqCst),
        3,
        "every item was gone before the panic resumed"
    );
}

#[tokio::test(start_paused = true)]
async fn supervise_with_a_timeout_fails_only_by_the_timeout() {
    let r = taskgroup! {
        mode = supervise;
        timeout = ms(50);
        let a = err_after::<u8>(10, "a")?;
        let b = after(100, 2);
    };
    assert_eq!(r.unwrap_err().into_vec(), [TimedOut::new()]);
    let r = taskgroup! {
        mode = supervise;
        timeout = ms(50);
        let a = err_after::<u8>(10, "a")?;
    };
    assert_eq!(r, Ok(Err("a".to_string())));
}

#[tokio::test(start_paused = true)]
async fn limit_bounds_static_branches_started_in_order() {
    let start = Instant::now();
    let (a, b, c, d) = taskgroup! {
        limit = 2;
        let a = async { sleep(ms(10)).await; start.elapsed() };
        let b = async { sleep(ms(30)).await; start.elapsed() };
        let c = async { let t = start.elapsed(); sleep(ms(10)).await; t };
        let d = async { let t = start.elapsed(); sleep(ms(10)).await; t };
    };
    assert_eq!((a, b), (ms(10), ms(30)));
    assert_eq!(c, ms(10), "c starts when a frees a place");
    assert_eq!(d, ms(20), "d starts when c frees a place, before b is done");
}

#[tokio::test(start_paused = true)]
async fn limit_with_dependencies_does_not_deadlock() {
    let v = taskgroup! {
        limit = 1;
        let a = after(10, 1);
        let b = async { *a + 1 };
        let c = async { *b + 1 };
        c
    };
    assert_eq!(v, 3);
}

/// A branch that never finishes and counts its polls.
struct CountPolls {
    polls: Arc<AtomicUsize>,
    _drop: DropCount,
}

impl std::future::Future for CountPolls {
    type Output = ();

    fn poll(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        self.polls.fetch_add(1, Ordering::SeqCst);
        std::task::Poll::Pending
    }
}

#[tokio::test(start_paused = true)]
async fn a_panic_mid_pass_drops_later_branches_unpolled_and_waits_for_tasks() {
    let polls = Arc::new(AtomicUsize::new(0));
    let later_drops = Arc::new(AtomicUsize::new(0));
    let task_drops = Arc::new(AtomicUsize::new(0));
    let (p, l, t) = (polls.clone(), later_drops.clone(), task_drops.clone());
    let join = tokio::spawn(async move {
        taskgroup! {
            let bad = async {
                tokio::task::yield_now().await;
                std::panic::panic_any(7u32);
            };
            let later = CountPolls { polls: p, _drop: DropCount(l) };
            #[spawn] let task = async move {
                let _g = DropCount(t);
                sleep(ms(1000)).await;
            };
        }
    });
    let payload = join.await.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<u32>(), Some(&7));
    assert_eq!(
        polls.load(Ordering::SeqCst),
        1,
        "the branch after the panicking one is dropped, not polled again"
    );
    assert_eq!(later_drops.load(Ordering::SeqCst), 1);
    assert_eq!(
        task_drops.load(Ordering::SeqCst),
        1,
        "the task branch was aborted and awaited before the panic resumed"
    );
}

struct PanicOnDrop;

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            std::panic::panic_any("dropped");
        }
    }
}

#[tokio::test]
async fn a_panic_while_dropping_a_cancelled_branch_is_resumed() {
    let join = tokio::spawn(async {
        let r: Result<((), ()), ErrorGroup<String>> = taskgroup! {
            let a = err_after::<()>(0, "boom")?;
            let b = async {
                let _p = PanicOnDrop;
                std::future::pending::<Result<(), String>>().await
            }?;
        };
        r
    });
    let payload = join.await.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"dropped"));
}

#[tokio::test(start_paused = true)]
async fn an_await_inside_a_branch_expression_runs_in_the_branch() {
    // Each argument takes 10ms and each branch 10ms more: evaluated inside
    // the branches, concurrently, that is 20ms, not 30ms (the arguments
    // awaited one after the other before the group starts).
    let start = Instant::now();
    let (a, b) = taskgroup! {
        let a = after(10, after(10, 1).await);
        let b = after(10, after(10, 2).await);
    };
    assert_eq!((a, b), (1, 2));
    assert_eq!(start.elapsed(), ms(20));
}

/// A gate that counts how often it is polled.
struct CountedGate {
    rx: tokio::sync::oneshot::Receiver<()>,
    polls: Arc<AtomicUsize>,
}

impl std::future::Future for CountedGate {
    type Output = Result<(), tokio::sync::oneshot::error::RecvError>;

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        self.polls.fetch_add(1, Ordering::Relaxed);
        std::pin::Pin::new(&mut self.rx).poll(cx)
    }
}

#[tokio::test]
async fn fan_out_polls_each_child_a_bounded_number_of_times_under_the_coop_budget() {
    // tokio's receivers spend the task's coop budget (128 per poll of the
    // task); once it is spent they answer Pending. A fan-out that kept
    // polling its ready children then would poll each of them about
    // N / 128 times: O(N) work per wake.
    const N: usize = 4_000;
    let polls = Arc::new(AtomicUsize::new(0));
    let (senders, gates): (Vec<_>, Vec<_>) = (0..N)
        .map(|_| {
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            let gate = CountedGate {
                rx,
                polls: polls.clone(),
            };
            (tx, gate)
        })
        .unzip();
    let (opened, done) = taskgroup! {
        let opened = async move {
            tokio::task::yield_now().await;
            let n = senders.len();
            for tx in senders.into_iter().rev() {
                let _ = tx.send(());
            }
            n
        };
        let done = for gate in gates { gate? };
    }
    .unwrap();
    assert_eq!((opened, done.len()), (N, N));
    let polls = polls.load(Ordering::Relaxed);
    assert!(polls <= 3 * N, "{polls} polls for {N} children");
}

/// A future that is ready at once and panics when it is dropped.
struct ReadyThenPanicOnDrop(PanicOnDrop);

impl std::future::Future for ReadyThenPanicOnDrop {
    type Output = u8;

    fn poll(
        self: std::pin::Pin<&mut Self>,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<u8> {
        std::task::Poll::Ready(1)
    }
}

#[tokio::test(start_paused = true)]
async fn a_branch_that_panics_when_dropped_after_finishing_resumes_the_panic() {
    let join = tokio::spawn(async {
        taskgroup! {
            let a = ReadyThenPanicOnDrop(PanicOnDrop);
            let b = sleep(ms(10));
        }
    });
    // On the paused clock a hang would let this timeout fire.
    let joined = tokio::time::timeout(ms(10_000), join)
        .await
        .expect("the group returned");
    let payload = joined.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"dropped"));
}

async fn takes_ref(s: &str) -> usize {
    tokio::task::yield_now().await;
    s.len()
}

#[tokio::test]
async fn a_branch_may_borrow_a_temporary_of_its_own_expression() {
    let id = 1234;
    let (n, m) = taskgroup! {
        let n = takes_ref(&id.to_string());
        let m = takes_ref(&[id.to_string(), "x".to_string()].concat());
    };
    assert_eq!((n, m), (4, 5));
}

async fn parse_it<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    s.parse().map_err(|_| format!("not a number: {s}"))
}

#[tokio::test]
async fn a_type_ascription_types_the_value_of_a_generic_future() {
    let r = taskgroup! {
        let a: u32 = parse_it("5")?;
        let b: u64 = parse_it("6")?;
    };
    assert_eq!(r.unwrap(), (5u32, 6u64));
}

#[tokio::test(start_paused = true)]
async fn limit_starts_a_branch_only_when_its_turn_comes() {
    // A timeout starts counting when its future is made: with a limit of
    // one, each branch's must be made when that branch starts.
    let start = Instant::now();
    let (a, b, c) = taskgroup! {
        limit = 1;
        let a = tokio::time::timeout(ms(150), after(100, 1));
        let b = tokio::time::timeout(ms(150), after(100, 2));
        let c = tokio::time::timeout(ms(150), after(100, 3));
    };
    assert_eq!((a, b, c), (Ok(1), Ok(2), Ok(3)));
    assert_eq!(start.elapsed(), ms(300));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_panic_of_spawned_items_is_resumed_not_one_caused_by_the_abort() {
    let join = tokio::spawn(async {
        // Item 1 holds a guard that panics when the abort drops it; item 0
        // panics first, once item 1 holds its guard.
        let both = Arc::new(tokio::sync::Barrier::new(2));
        taskgroup! {
            #[spawn] let v = for i in 0..2u32 {
                let both = Arc::clone(&both);
                async move {
                    if i == 0 {
                        both.wait().await;
                        std::panic::panic_any("first");
                    }
                    let _p = PanicOnDrop;
                    both.wait().await;
                    std::future::pending::<()>().await
                }
            };
        }
    });
    let payload = join.await.unwrap_err().into_panic();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"first"));
}

/// A limit computed at run time is checked when the group starts, with
/// the builder's message (a literal `0` is a compile error).
#[tokio::test]
#[should_panic(
    expected = "`limit` must be at least 1 (a group with limit 0 could never run a child)"
)]
async fn a_zero_limit_at_run_time_is_refused_like_the_builders() {
    let zero = std::hint::black_box(0usize);
    let _ = taskgroup! {
        limit = zero;
        let a = ok_after(1, 1)?;
        let b = ok_after(1, 2)?;
        (a, b)
    };
}

#[tokio::test]
async fn a_spawn_branch_resumes_its_first_panic_not_the_one_of_its_drop() {
    let err = tokio::spawn(async {
        let _ = taskgroup! {
            #[spawn] let x = PanicsTwice?;
        };
    })
    .await
    .unwrap_err();
    assert_eq!(payload_message(&*err.into_panic()), "first");
}

#[tokio::test]
async fn a_spawn_for_item_resumes_its_first_panic_not_the_one_of_its_drop() {
    let err = tokio::spawn(async {
        let _ = taskgroup! {
            #[spawn] let xs = for _i in 0..1 { PanicsTwice? };
        };
    })
    .await
    .unwrap_err();
    assert_eq!(payload_message(&*err.into_panic()), "first");
}

/// A `#[spawn]` branch blocked in plain code until `release`, then still
/// busy a while: the group's abort cannot stop it.
async fn blocked_until(
    release: std::sync::mpsc::Receiver<()>,
    ended: Arc<std::sync::atomic::AtomicBool>,
) -> Result<(), PanicsOnTimeout> {
    let _ = release.recv();
    // Long enough that a panic resumed early would reach the caller first.
    std::thread::sleep(ms(300));
    ended.store(true, Ordering::SeqCst);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_timeout_conversion_is_resumed_after_the_spawn_branches_end() {
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    *RELEASE.lock().unwrap() = Some(release_tx);
    let ended = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = ended.clone();
    let join = tokio::spawn(async move {
        let _ = taskgroup! {
            timeout = ms(1);
            error = PanicsOnTimeout;
            #[spawn] let blocked = blocked_until(release_rx, ended)?;
            let waits = std::future::pending::<()>();
        };
    });
    let payload = tokio::time::timeout(ms(20_000), join)
        .await
        .expect("hung")
        .unwrap_err()
        .into_panic();
    assert_eq!(payload_message(&*payload), "conversion panicked");
    assert!(
        seen.load(Ordering::SeqCst),
        "the panic reached the caller while a #[spawn] branch still ran"
    );
}
