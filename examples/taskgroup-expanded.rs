//! What `taskgroup!` expands to.
//!
//! `with_macro` is a small group: two independent branches and one that
//! depends on the first. `expanded` is the same fn with the macro call
//! replaced by what the macro generates for it, token for token, so both
//! print the same. The calls go to `taskgroup::__private`, which is not
//! public API: this is shown to explain the cost model, not to be copied.
//!
//! `expanded` is not a sketch that could drift from the macro: a test in
//! taskgroup-macros (`expand_snapshots::example_matches_the_expansion`,
//! part of `cargo test --workspace`) expands the `taskgroup!` in
//! `with_macro` with the macro's own code and fails when `expanded` is not
//! that expansion. Only the tokens are compared, so the comments here are
//! free to explain each part. The expansion is written out here rather than
//! `include!`d from a generated file so that it can be read, with those
//! comments, where it runs; when the macro changes, the failing test prints
//! the new expansion to paste in, and the comments are updated by hand.
//! The other expansions, generated and never edited, are the snapshots in
//! `tests/expand/*.expanded.rs`.
//!
//! ```text
//! cargo run --example taskgroup-expanded
//! ```

use std::io;
use std::time::Duration;

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
    // The whole group is one block expression, awaited in place in the
    // caller's future: no task and no allocation for the static branches.
    // The generated names start with `__tg_`; in the macro they are hygienic,
    // so the caller's code can never see or clash with them.
    {
        // Every branch's error goes through this trait, which an
        // `ErrorGroup<E>` implements for `E` only: a branch that fails with
        // another type than the others is a compile error at that branch,
        // saying to write `error = TYPE;`.
        use ::taskgroup::__private::SameError as __tg_SameError;
        // The error sink and cancel flag every branch borrows. `_` is the
        // branches' common error type, inferred through `SameError` below.
        let __tg_group =
            ::taskgroup::__private::Group::<_>::new(::taskgroup::__private::Mode::FailFast);
        // `limit = N;` would make this `Some(limit(N))`.
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        // `user` (branch 0) is waited for by `posts`: its value goes to a
        // write-once cell that hands `&T` to its dependents. The other
        // values are simply the outputs of their branches.
        let __tg_slot_0 = ::taskgroup::__private::Slot::new();
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            // Each branch is pinned on this future's own stack. `branch`
            // names it after its binding for the `tracing` feature (its
            // span) and keeps the future as it is without it.
            //
            // `user`: an async block, since its value goes to the cell. An
            // `Err` fails the group: `fail` records it under the branch's
            // name, cancels the rest and gives `Stopped`, a branch's end
            // without a value.
            let mut __tg_branch_0 =
                ::core::pin::pin!(::taskgroup::__private::branch(&__tg_group, "user", async {
                    #[allow(clippy::useless_conversion)]
                    let __tg_value = match ::core::future::IntoFuture::into_future(fetch_user(id))
                        .await
                    {
                        ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                        ::core::result::Result::Err(__tg_err) => {
                            return ::core::result::Result::Err(__tg_group.fail(
                                __tg_SameError::into_group_error(__tg_err, __tg_group.error_of()),
                                "user",
                            ));
                        }
                    };
                    __tg_slot_0.set(__tg_value);
                    ::core::result::Result::<_, ::taskgroup::__private::Stopped>::Ok(())
                }));
            // `posts`: first waits for the cell (or for cancellation) and
            // sees `user` as `&String`, then runs like any other branch; its
            // output is its value.
            let mut __tg_branch_1 = ::core::pin::pin!(::taskgroup::__private::branch(
                &__tg_group,
                "posts",
                async {
                    #[allow(unused_variables)]
                    let user = __tg_slot_0.wait(&__tg_group).await?;
                    #[allow(clippy::useless_conversion)]
                    let __tg_value =
                        match ::core::future::IntoFuture::into_future(fetch_posts(user)).await {
                            ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                            ::core::result::Result::Err(__tg_err) => {
                                return ::core::result::Result::Err(__tg_group.fail(
                                    __tg_SameError::into_group_error(
                                        __tg_err,
                                        __tg_group.error_of(),
                                    ),
                                    "posts",
                                ));
                            }
                        };
                    ::core::result::Result::<_, ::taskgroup::__private::Stopped>::Ok(__tg_value)
                }
            ));
            // `visits` waits for nothing and nothing waits for it: the
            // branch is the user's own future, made here, with no async
            // block around it.
            let mut __tg_branch_2 =
                ::core::pin::pin!(::taskgroup::__private::branch(&__tg_group, "visits", {
                    use ::core::future::IntoFuture as _;
                    (count_visits()).into_future()
                }));
            // 3 branches, no limit; `true`: some branch waits for another,
            // so a pass that saw a branch finish is followed by another. The
            // bindings name the branches' nodes in the live tree
            // (`taskgroup::record_tree`), made only while it is recorded.
            let mut __tg_driver = ::taskgroup::__private::Driver::new(
                3u32,
                __tg_limit,
                true,
                &["user", "posts", "visits"],
            );
            // What one pass of the driver sees: every branch with its index.
            // The driver polls the unfinished ones, cancels on the first
            // error and catches panics. `false`: not a `#[spawn]` branch
            // (a task is aborted and awaited on cancel).
            let mut __tg_visit = {
                let mut __tg_branch_0 = __tg_branch_0.as_mut();
                let mut __tg_branch_1 = __tg_branch_1.as_mut();
                let mut __tg_branch_2 = __tg_branch_2.as_mut();
                // Inlined into the driver's plain pass in an optimized build.
                #[cfg_attr(not(debug_assertions), inline(always))]
                move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                    __tg_pass.branch(0usize, false, &mut __tg_branch_0);
                    __tg_pass.branch(1usize, false, &mut __tg_branch_1);
                    __tg_pass.branch(2usize, false, &mut __tg_branch_2);
                }
            };
            // Runs until every branch is done. `None`: no timeout.
            ::core::future::poll_fn(|__tg_cx| {
                __tg_driver.poll(
                    __tg_cx,
                    &__tg_group,
                    ::core::option::Option::None,
                    &mut __tg_visit,
                )
            })
            .await;
            // A panic, if a branch panicked, and the outputs of the branches
            // whose value is not in a cell (`()` for `user`).
            (
                __tg_driver.into_panic(),
                (
                    (),
                    ::taskgroup::__private::output(&mut __tg_branch_1),
                    ::taskgroup::__private::value(&mut __tg_branch_2),
                ),
            )
        }; // the branches are dropped here, before a panic is resumed
        // Resumes the panic, if any; else the errors, if any.
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        // The tail runs inline, with owned values, binding only the names it
        // uses, so `return` and `?` in it act on the caller as written.
        match __tg_errors {
            ::core::option::Option::None => ::core::result::Result::Ok({
                #[allow(unused_variables)]
                let user = __tg_slot_0.take();
                #[allow(unused_variables)]
                let posts = ::taskgroup::__private::take_ok(__tg_values.1);
                #[allow(unused_variables)]
                let visits = ::taskgroup::__private::take(__tg_values.2);
                format!("{user}: {} posts, {visits} visits", posts.len())
            }),
            ::core::option::Option::Some(__tg_errors) => ::core::result::Result::Err(__tg_errors),
        }
    }
}

// A paused clock, so the timings printed are exact (`start_paused` needs
// tokio's `test-util` feature, a dev-dependency of this crate).
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
