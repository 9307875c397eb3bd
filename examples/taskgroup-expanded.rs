//! What `taskgroup!` expands to.
//!
//! `with_macro` is a small group: two independent branches and one that
//! depends on the first. `expanded` is the same group written by hand with
//! the calls the macro generates (`taskgroup::__private`, not public API:
//! shown to explain the cost model, not to be copied). Both print the same.
//!
//! ```text
//! cargo run --example taskgroup-expanded
//! ```

use std::future::IntoFuture;
use std::io;
use std::pin::pin;
use std::time::Duration;

use taskgroup::__private as rt;
use taskgroup::{ErrorGroup, taskgroup};

async fn fetch_user(id: u32) -> Result<String, io::Error> {
    tokio::time::sleep(Duration::from_millis(20)).await;
    Ok(format!("user{id}"))
}

async fn fetch_posts(user: &str) -> Result<Vec<String>, io::Error> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    Ok(vec![
        format!("{user}'s first post"),
        format!("{user}'s second post"),
    ])
}

async fn count_visits() -> u64 {
    tokio::time::sleep(Duration::from_millis(25)).await;
    42
}

async fn with_macro(id: u32) -> Result<String, ErrorGroup<io::Error>> {
    taskgroup! {
        let user = fetch_user(id)?;
        let posts = fetch_posts(user)?;    // depends on `user`: starts at 20ms
        let visits = count_visits();
        format!("{user}: {} posts, {visits} visits", posts.len())
    }
}

async fn expanded(id: u32) -> Result<String, ErrorGroup<io::Error>> {
    {
        // The error sink and cancel flag every branch borrows; `_` is the
        // branches' common error type, inferred from `fail` below.
        let group = rt::Group::<_>::new(rt::Mode::FailFast);
        // `limit = N;` would make this `Some(rt::limit(N))`.
        let limit: Option<usize> = None;
        // `user` is waited for by `posts`: it goes to a write-once cell
        // that hands `&T` to its dependents. The other bindings are simply
        // the outputs of their branches.
        let slot_user = rt::Slot::new();
        let (panic, values) = {
            // Each branch is an async block pinned on this future's own
            // stack: no Box, no task.
            let mut user = pin!(rt::branch(async {
                let value = match IntoFuture::into_future(fetch_user(id)).await {
                    Ok(v) => v,
                    Err(e) => return Err(group.fail(e)),
                };
                slot_user.set(value);
                Ok::<(), rt::Stopped>(())
            }));
            let mut posts = pin!(rt::branch(async {
                // A dependent first waits for the cell, then sees `&String`.
                let user = slot_user.wait(&group).await?;
                let value = match IntoFuture::into_future(fetch_posts(user)).await {
                    Ok(v) => v,
                    Err(e) => return Err(group.fail(e)),
                };
                Ok::<_, rt::Stopped>(value)
            }));
            // A branch that waits for nothing and that nothing waits for is
            // the user's own future, made here, with no async block around
            // it (a failing one is shown to the driver with `try_branch`).
            let mut visits = pin!(rt::branch(IntoFuture::into_future(count_visits())));
            // 3 branches; `true`: some branch waits for another, so a pass
            // that saw a branch finish is followed by another.
            let mut driver = rt::Driver::new(3, limit, true);
            // Each pass shows the driver every branch in order, with its
            // index: it polls the unfinished ones, cancels on the first
            // error and catches panics. `true` in `branch` would mark a
            // `#[spawn]` branch, which is aborted and awaited on cancel.
            // `None`: no timeout.
            std::future::poll_fn(|cx| {
                driver.poll(cx, &group, None, &mut |pass| {
                    pass.branch(0, false, user.as_mut());
                    pass.branch(1, false, posts.as_mut());
                    pass.branch(2, false, visits.as_mut());
                })
            })
            .await;
            (
                driver.into_panic(),
                (
                    (),
                    rt::output(posts.as_mut()),
                    visits.as_mut().take_output(),
                ),
            )
        }; // the branches are dropped here, before a panic is resumed
        let errors = rt::finish(panic, group);
        // The tail runs inline, with owned values, only for the bindings it uses.
        match errors {
            None => Ok({
                let user = slot_user.take();
                let posts = rt::take_ok(values.1);
                let visits = rt::take(values.2);
                format!("{user}: {} posts, {visits} visits", posts.len())
            }),
            Some(errors) => Err(errors),
        }
    }
}

// A paused clock, so the timings printed are exact.
#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let start = tokio::time::Instant::now();
    let a = with_macro(7).await;
    let took = start.elapsed();
    let b = expanded(7).await;
    println!("with taskgroup!: {a:?}");
    println!("expanded:        {b:?}");
    // `posts` started when `user` finished (20ms) and ended at 30ms.
    println!("took {}ms", took.as_millis());
    assert_eq!(a.unwrap(), b.unwrap());
}
