//! `except*` arms of `taskgroup!` (PEP 654 semantics on typed leaves).
//!
//! What an arm sees: each branch binding as `Option<T>` (a `for` binding
//! as `Vec<Option<T>>`), the values of the branches that finished before
//! the group stopped; and the names its own pattern binds, from the first
//! leaf it received. Those failures happen at a known point on tokio's
//! paused clock, under a watchdog, so a hang fails the test. Generated
//! code adds no warning where the code as written has none.
#![deny(warnings)]

use std::time::Duration;

use taskgroup::{ErrorGroup, taskgroup};

#[allow(dead_code)]
mod common;
use common::failing_pair;
use tokio::time::{sleep, timeout};

#[derive(Debug, Clone, PartialEq)]
enum E {
    Http(u16),
    Gone,
    Other(&'static str),
    Late,
}

impl From<taskgroup::TimedOut> for E {
    fn from(_: taskgroup::TimedOut) -> Self {
        E::Late
    }
}

async fn fail_after<T>(ms: u64, e: E) -> Result<T, E> {
    sleep(Duration::from_millis(ms)).await;
    Err(e)
}

async fn ok_after<T>(ms: u64, v: T) -> Result<T, E> {
    sleep(Duration::from_millis(ms)).await;
    Ok(v)
}

/// Two leaves in a known order: a local failure, then the error of a task
/// that was in blocking code when the group aborted it.
macro_rules! two_errors {
    ($first:expr, $second:expr; $($arms:tt)*) => {{
        let (task, local) = failing_pair($first, $second);
        taskgroup! {
            #[spawn] let slow = task?;
            let fast = local?;
            0u8
            $($arms)*
        }
    }};
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_arm_with_leaves_runs_once_in_arm_order() {
    let mut ran = Vec::new();
    let r = two_errors!(E::Gone, E::Http(500);
        except* E::Http(_) as eg => { ran.push(("http", eg.len())); 1 },
        except* E::Gone as eg => { ran.push(("gone", eg.len())); 2 },
    );
    assert_eq!(ran, [("http", 1), ("gone", 1)]);
    assert_eq!(r, Ok(1), "the value of the first arm that ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_leaf_goes_to_the_first_matching_arm() {
    let mut seen = Vec::new();
    let r = two_errors!(E::Http(404), E::Http(500);
        except* E::Http(500) as eg => { seen.push(("500", eg.into_vec())); 5 },
        except* E::Http(_) as eg => { seen.push(("any", eg.into_vec())); 4 },
    );
    assert_eq!(
        seen,
        [("500", vec![E::Http(500)]), ("any", vec![E::Http(404)])]
    );
    assert_eq!(r, Ok(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_leaf_matched_by_two_arms_goes_to_the_first_only() {
    let mut count = 0;
    let r = two_errors!(E::Gone, E::Gone;
        except* E::Gone as eg => { count += eg.len(); 1 },
        except* _ as eg => { count += 100 * eg.len(); 2 },
    );
    assert_eq!(count, 2);
    assert_eq!(r, Ok(1));
}

#[tokio::test(start_paused = true)]
async fn unmatched_leaves_are_the_error() {
    let mut handled = false;
    let r = taskgroup! {
        let a = fail_after::<u8>(10, E::Other("boom"))?;
        except* E::Gone => { handled = true; 0 },
    };
    assert!(!handled);
    assert_eq!(r.unwrap_err().into_vec(), [E::Other("boom")]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn partly_matched_groups_keep_the_rest() {
    let r = two_errors!(E::Gone, E::Other("x");
        except* E::Gone => 7,
    );
    assert_eq!(r.unwrap_err().into_vec(), [E::Other("x")]);
}

#[tokio::test(start_paused = true)]
async fn success_skips_the_arms() {
    let mut ran = false;
    let r = taskgroup! {
        let a = ok_after(1, 3)?;
        except* _ => { ran = true; 0 },
    };
    assert_eq!(r, Ok(3));
    assert!(!ran);
}

#[tokio::test(start_paused = true)]
async fn guards_test_each_leaf_with_the_pattern_bindings() {
    let threshold = 500;
    let r = taskgroup! {
        let a = fail_after::<u16>(10, E::Http(503))?;
        except* E::Http(code) if *code >= threshold => 0,
        except* E::Http(_) => 1,
    };
    assert_eq!(r, Ok(0));
    let r = taskgroup! {
        let a = fail_after::<u16>(10, E::Http(404))?;
        except* E::Http(code) if *code >= threshold => 0,
        except* E::Http(_) as eg => match eg.first() { E::Http(c) => *c, _ => 1 },
    };
    assert_eq!(r, Ok(404));
}

async fn returns_from_arm() -> Result<&'static str, String> {
    let v = taskgroup! {
        let a = fail_after::<u8>(1, E::Gone)?;
        except* E::Gone => return Ok("returned from the arm"),
    };
    let _ = v;
    Ok("fell through")
}

async fn question_mark_in_arm() -> Result<u8, String> {
    let parsed: Result<u8, String> = Err("bad number".into());
    let v = taskgroup! {
        let a = fail_after::<u8>(1, E::Gone)?;
        except* E::Gone => parsed?,
    };
    Ok(v.unwrap_or(0))
}

#[tokio::test(start_paused = true)]
async fn return_and_question_mark_work_in_arms() {
    assert_eq!(returns_from_arm().await, Ok("returned from the arm"));
    assert_eq!(question_mark_in_arm().await, Err("bad number".to_string()));
}

#[tokio::test(start_paused = true)]
async fn arms_assign_caller_locals_and_see_the_subgroup() {
    let mut messages: Vec<String> = Vec::new();
    let r = taskgroup! {
        let a = fail_after::<u8>(1, E::Http(418))?;
        except* E::Http(_) as eg => {
            messages.extend(eg.iter().map(|e| format!("{e:?}")));
            9
        },
    };
    assert_eq!(r, Ok(9));
    assert_eq!(messages, ["Http(418)"]);
}

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug)]
struct Missing;

impl std::fmt::Display for Missing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("missing")
    }
}

impl std::error::Error for Missing {}

async fn io_fail() -> Result<u8, std::io::Error> {
    Err(std::io::Error::other("disk"))
}

async fn missing() -> Result<u8, Missing> {
    Err(Missing)
}

#[tokio::test(start_paused = true)]
async fn downcast_arms_match_boxed_errors_by_type() {
    let mut io_errors = 0;
    let r: Result<u8, ErrorGroup<BoxError>> = taskgroup! {
        error = BoxError;
        let a = io_fail()?;
        except* type Missing => 1,
        except* type std::io::Error as eg => { io_errors += eg.len(); 2 },
    };
    assert_eq!(r.unwrap(), 2);
    assert_eq!(io_errors, 1);

    let r: Result<u8, ErrorGroup<BoxError>> = taskgroup! {
        error = BoxError;
        let a = missing()?;
        except* type std::io::Error => 2,
    };
    let rest = r.unwrap_err();
    assert!(rest.first().downcast_ref::<Missing>().is_some());
}

// Partial results and the names a pattern binds.

async fn value_after<T>(ms: u64, v: T) -> T {
    sleep(Duration::from_millis(ms)).await;
    v
}

/// Item `i` finishes at `10 * i` ms; item `fail` fails then instead.
async fn item(i: u64, fail: Option<u64>) -> Result<u64, E> {
    sleep(Duration::from_millis(10 * i)).await;
    if Some(i) == fail {
        Err(E::Http(500 + i as u16))
    } else {
        Ok(i * 100)
    }
}

/// A hang fails the test: on the paused clock, time jumps to the deadline.
async fn watchdog<F: Future>(fut: F) -> F::Output {
    timeout(Duration::from_secs(3600), fut)
        .await
        .expect("the group hung")
}

#[tokio::test(start_paused = true)]
async fn plain_branches_that_finished_before_the_failure_are_some() {
    let mut seen = None;
    let r = watchdog(async {
        taskgroup! {
            let early = ok_after(10, "early".to_string())?;
            let bare = value_after(5, 7u8);
            let boom = fail_after::<u8>(20, E::Gone)?;
            let late = ok_after(30, 3u8)?;
            0u8
            except* E::Gone => { seen = Some((early, bare, boom, late)); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    assert_eq!(seen, Some((Some("early".to_string()), Some(7), None, None)));
}

#[tokio::test(start_paused = true)]
async fn a_binding_dependents_borrowed_is_still_there() {
    let mut seen = None;
    let r = watchdog(async {
        taskgroup! {
            let cfg = ok_after(10, vec![1u8, 2, 3])?;
            let sum = ok_after(5, cfg.iter().sum::<u8>())?;
            let slow = ok_after(100, cfg.len())?;
            let boom = fail_after::<u8>(30, E::Gone)?;
            0u8
            except* E::Gone => { seen = Some((cfg, sum, slow)); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    // `sum` finished at 15 ms, `slow` was cancelled at 30 ms.
    assert_eq!(seen, Some((Some(vec![1, 2, 3]), Some(6), None)));
}

#[tokio::test(start_paused = true)]
async fn spawn_branches_keep_the_values_of_finished_tasks() {
    let mut seen = None;
    let r = watchdog(async {
        taskgroup! {
            #[spawn] let quick = ok_after(10, 5u32)?;
            #[spawn] let slow = ok_after(100, 6u32)?;
            let boom = fail_after::<u8>(20, E::Gone)?;
            0u8
            except* E::Gone => { seen = Some((quick, slow)); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    assert_eq!(seen, Some((Some(5), None)));
}

#[tokio::test(start_paused = true)]
async fn a_fan_out_whose_item_failed_keeps_its_finished_items_in_input_order() {
    let mut seen = Vec::new();
    let r = watchdog(async {
        taskgroup! {
            let pages = for i in [3u64, 0, 2, 1] { item(i, Some(2))? };
            0u8
            except* E::Http(_) => { seen = pages; 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    // Item 2 fails at 20 ms: items 0 and 1 had finished, item 3 had not.
    assert_eq!(seen, [None, Some(0), None, Some(100)]);
}

#[tokio::test(start_paused = true)]
async fn a_fan_out_cancelled_by_another_branch_keeps_its_finished_items() {
    let mut seen = (Vec::new(), Vec::new());
    let r = watchdog(async {
        taskgroup! {
            let done = for i in 0..2u64 { item(i, None)? };
            let cut = for i in 0..4u64 { item(i, None)? };
            let boom = fail_after::<u8>(25, E::Gone)?;
            0u8
            except* E::Gone => { seen = (done, cut); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    assert_eq!(seen.0, [Some(0), Some(100)], "finished before the failure");
    assert_eq!(seen.1, [Some(0), Some(100), Some(200), None]);
}

#[tokio::test(start_paused = true)]
async fn spawned_fan_out_items_that_finished_are_kept() {
    let mut seen = (Vec::new(), Vec::new());
    let r = watchdog(async {
        taskgroup! {
            #[spawn] let failed = for i in 0..4u64 { item(i, Some(2))? };
            #[spawn] let cut = for i in 0..4u64 { item(3 * i, None)? };
            0u8
            except* E::Http(_) => { seen = (failed, cut); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    assert_eq!(seen.0, [Some(0), Some(100), None, None]);
    // Item 2 of the other fan-out failed at 20 ms: these run at 0, 30, …
    assert_eq!(seen.1, [Some(0), None, None, None]);
}

#[tokio::test(start_paused = true)]
async fn a_dependent_fan_out_that_never_started_is_empty() {
    let mut seen = None;
    let r = watchdog(async {
        taskgroup! {
            let n = fail_after::<u64>(10, E::Gone)?;
            let items = for i in 0..*n { item(i, None)? };
            0u8
            except* E::Gone => { seen = Some((n, items)); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    assert_eq!(seen, Some((None, Vec::new())));
}

/// The seed example's `[t.result() for t in results if not t.cancelled()]`.
async fn fetch_all(fail: u64) -> Result<Vec<u64>, ErrorGroup<E>> {
    taskgroup! {
        let pages = for i in 0..4u64 { item(i, Some(fail))? };
        pages
        except* E::Http(status) as eg => {
            assert_eq!(eg.len(), 1);
            assert_eq!(*status, 500 + fail as u16);
            return Ok(pages.into_iter().flatten().collect());
        },
    }
}

#[tokio::test(start_paused = true)]
async fn an_arm_returns_the_partial_results_from_the_caller() {
    assert_eq!(watchdog(fetch_all(2)).await, Ok(vec![0, 100]));
    assert_eq!(watchdog(fetch_all(9)).await, Ok(vec![0, 100, 200, 300]));
    // The cell that keeps a fan-out's values leaves the caller's future `Send`.
    let spawned = tokio::spawn(fetch_all(2));
    assert_eq!(watchdog(spawned).await.unwrap(), Ok(vec![0, 100]));
}

#[tokio::test(start_paused = true)]
async fn nested_groups_each_see_their_own_partial_results() {
    let mut outer_seen = None;
    let r = watchdog(async {
        taskgroup! {
            let inner = async {
                taskgroup! {
                    let a = ok_after(5, 1u8)?;
                    let b = fail_after::<u8>(10, E::Http(404))?;
                    (a, b).0
                    except* E::Http(_) => a.map_or(0, |a| a + 10),
                }
            };
            let other = ok_after(15, 2u8)?;
            let boom = fail_after::<u8>(20, E::Gone)?;
            0u8
            except* E::Gone => { outer_seen = Some((inner, other)); 1 },
        }
    })
    .await;
    assert_eq!(r, Ok(1));
    // The inner group handled its error with its own partial result.
    assert_eq!(outer_seen, Some((Some(Ok(11)), Some(2))));
}

#[tokio::test(start_paused = true)]
async fn tuple_bindings_are_options_each() {
    let mut seen = None;
    let r = watchdog(async {
        taskgroup! {
            let (x, y) = ok_after(1, (1u8, 'y'))?;
            let (p, q): (u8, u8) = fail_after(5, E::Gone)?;
            (x, y, p, q).0
            except* E::Gone => { seen = Some((x, y, q)); 0 },
        }
    })
    .await;
    assert_eq!(r, Ok(0));
    assert_eq!(seen, Some((Some(1), Some('y'), None)));
}

#[tokio::test(start_paused = true)]
async fn a_name_the_pattern_binds_is_the_first_leafs() {
    let r = watchdog(async {
        taskgroup! {
            let a = fail_after::<u16>(10, E::Http(503))?;
            let b = fail_after::<u16>(10, E::Http(404))?;
            0
            except* E::Http(status) => *status,
        }
    })
    .await;
    assert_eq!(r, Ok(503), "the first leaf the arm received");
}

#[tokio::test(start_paused = true)]
async fn pattern_names_borrow_from_the_subgroup_named_by_as() {
    let mut same = false;
    let r = watchdog(async {
        taskgroup! {
            let a = fail_after::<u16>(10, E::Http(404))?;
            0
            except* E::Http(status) as eg => {
                same = matches!(eg.first(), E::Http(s) if std::ptr::eq(s, status));
                *status + eg.len() as u16
            },
        }
    })
    .await;
    assert_eq!(r, Ok(405));
    assert!(same, "`status` points into `eg`'s first leaf");
}

async fn hand_back(code: u16) -> Result<u16, ErrorGroup<E>> {
    let v = taskgroup! {
        let a = fail_after::<u16>(10, E::Http(code))?;
        let b = ok_after(1, 1u16)?;
        a
        except* E::Http(status) as eg if *status >= 500 => return Err(eg),
        except* E::Http(status) if *status == 404 => b.unwrap_or(0) + status,
    };
    v
}

#[tokio::test(start_paused = true)]
async fn an_arm_may_move_its_group_and_guards_see_the_names() {
    assert_eq!(
        watchdog(hand_back(500)).await.unwrap_err().into_vec(),
        [E::Http(500)]
    );
    assert_eq!(watchdog(hand_back(404)).await, Ok(405));
    assert_eq!(
        watchdog(hand_back(401)).await.unwrap_err().into_vec(),
        [E::Http(401)]
    );
}

#[tokio::test(start_paused = true)]
async fn arms_break_out_of_the_callers_loop() {
    let mut rounds = 0;
    let mut last = None;
    for round in 0..5u16 {
        rounds += 1;
        let r: Result<u16, _> = watchdog(async {
            taskgroup! {
                let ok = ok_after(1, round)?;
                let a = fail_after::<u16>(10, if round == 2 { E::Gone } else { E::Http(round) })?;
                a
                except* E::Http(code) => *code,
            }
        })
        .await;
        // The arms of a group in the loop body itself.
        let r2 = taskgroup! {
            let ok = ok_after(1, round)?;
            let a = fail_after::<u16>(10, E::Gone)?;
            a
            except* E::Gone if round == 2 => { last = ok; break },
            except* E::Gone => 0,
        };
        let _ = (r, r2);
    }
    assert_eq!(rounds, 3);
    assert_eq!(last, Some(2));
}

#[tokio::test(start_paused = true)]
async fn a_timeout_leaves_what_finished_before_the_deadline() {
    let mut seen = None;
    let r = watchdog(async {
        taskgroup! {
            timeout = Duration::from_millis(25);
            let fast = ok_after(10, 1u8)?;
            let slow = ok_after(50, 2u8)?;
            let items: Vec<u64> = for i in 0..4u64 { item(i, None)? };
            0u8
            except* E::Late if fast.is_some() => { seen = Some((fast, slow, items)); 1 },
            except* E::Late => 2,
        }
    })
    .await;
    assert_eq!(r, Ok(1), "the guard saw `fast`");
    assert_eq!(
        seen,
        Some((Some(1), None, vec![Some(0), Some(100), Some(200), None]))
    );
}

#[tokio::test(start_paused = true)]
async fn the_names_an_arm_binds_are_usable_as_written() {
    let mut printed = Vec::new();
    let r = watchdog(async {
        taskgroup! {
            let a = fail_after::<()>(10, E::Http(404))?;
            except* E::Http(status) => printed.push(format!("{status}")),
        }
    })
    .await;
    assert_eq!(r, Ok(()));
    assert_eq!(printed, ["404"]);

    // `code` is used by the guard only, `leaf` by the body only.
    let r = watchdog(async {
        taskgroup! {
            let a = fail_after::<String>(10, E::Http(503))?;
            except* leaf @ E::Http(code) if *code >= 500 => format!("{leaf:?}"),
        }
    })
    .await;
    assert_eq!(r.unwrap(), "Http(503)");
}

#[tokio::test(start_paused = true)]
async fn an_arm_may_run_a_nested_group_on_the_partial_results() {
    let r = watchdog(async {
        taskgroup! {
            let ids = for i in 0..3u64 { item(i, Some(1))? };
            ids.len() as u64
            except* E::Http(_) => {
                // Retry the items that did not finish, in a group of its own.
                let missing: Vec<u64> = (0..3).filter(|&i| ids[i as usize].is_none()).collect();
                let retried = taskgroup! {
                    let again = for i in missing { item(i, None)? };
                    except* _ => Vec::new(),
                };
                retried.unwrap().into_iter().sum::<u64>() + ids.into_iter().flatten().sum::<u64>()
            },
        }
    })
    .await;
    // Item 0 (0) finished; item 1 failed at 10 ms and item 2 was cancelled:
    // both are retried (100 + 200).
    assert_eq!(r, Ok(300));
}

#[tokio::test(start_paused = true)]
async fn a_binding_declared_mut_is_mut_in_the_arms() {
    let r = watchdog(async {
        taskgroup! {
            let mut pages = for i in 0..4u64 { item(i, Some(2))? };
            let (mut n, m) = ok_after(1, (1u64, 2u64))?;
            except* E::Http(_) => {
                pages.retain(Option::is_some);
                if let Some(n) = &mut n { *n += 10; }
                (pages.into_iter().flatten().collect(), (n.unwrap_or(0), m.unwrap_or(0)))
            },
        }
    })
    .await;
    assert_eq!(r, Ok((vec![0, 100], (11, 2))));
}
