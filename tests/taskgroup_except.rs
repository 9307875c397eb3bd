//! `except*` arms of `taskgroup!` (PEP 654 semantics on typed leaves).

use std::time::Duration;

use taskgroup::{ErrorGroup, taskgroup};

#[allow(dead_code)]
mod common;
use common::failing_pair;
use tokio::time::sleep;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Http(u16),
    Gone,
    Other(&'static str),
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
