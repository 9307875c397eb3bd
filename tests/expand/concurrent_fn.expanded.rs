//! `#[concurrent]` on an async fn: `user` and `visits` start at once,
//! `posts` names `user` and starts when it is ready; every error is
//! returned, since the fn returns an `ErrorGroup`.
use std::io;
use taskgroup::{ErrorGroup, concurrent};
async fn fetch_user(id: u32) -> Result<String, io::Error> {
    Ok(format!("user{id}"))
}
async fn fetch_posts(user: &str) -> Result<Vec<String>, io::Error> {
    Ok(vec![format!("{user}'s post")])
}
async fn count_visits() -> u64 {
    42
}
async fn concurrent_fn(id: u32) -> Result<String, ErrorGroup<io::Error>> {
    let __tg_group = ::taskgroup::__private::Group::<
        ::taskgroup::__private::Exit<
            ::core::convert::Infallible,
            <Result<
                String,
                ErrorGroup<io::Error>,
            > as ::taskgroup::__private::FnResult>::Error,
        >,
    >::new(::taskgroup::__private::Mode::FailFast);
    let __tg_slot_0_0 = ::taskgroup::__private::Slot::new();
    #[allow(unused_variables)]
    let (__tg_panic, __tg_values) = {
        let mut __tg_branch_0_0 = ::core::pin::pin!(
            ::taskgroup::__private::branch(async {
                #[allow(clippy::useless_conversion)]
                let __tg_result: ::core::result::Result<
                    _,
                    ::taskgroup::__private::Exit<
                        ::core::convert::Infallible,
                        <Result<
                            String,
                            ErrorGroup<io::Error>,
                        > as ::taskgroup::__private::FnResult>::Error,
                    >,
                > = async {
                    let __tg_value = match fetch_user(id).await {
                        ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                        ::core::result::Result::Err(__tg_err) => {
                            return ::core::result::Result::Err(
                                ::taskgroup::__private::Exit::Error(
                                    ::core::convert::From::from(__tg_err),
                                ),
                            );
                        }
                    };
                    __tg_slot_0_0.set(__tg_value);
                    ::core::result::Result::Ok(())
                }
                    .await;
                match __tg_result {
                    ::core::result::Result::Ok(__tg_value) => {
                        ::core::result::Result::Ok(__tg_value)
                    }
                    ::core::result::Result::Err(__tg_exit) => {
                        ::core::result::Result::Err(__tg_group.fail(__tg_exit))
                    }
                }
            }),
        );
        let mut __tg_branch_0_1 = ::core::pin::pin!(
            ::taskgroup::__private::branch(async {
                #[allow(unused_variables)]
                let user = __tg_slot_0_0.wait(&__tg_group).await?;
                #[allow(clippy::useless_conversion)]
                let __tg_result: ::core::result::Result<
                    _,
                    ::taskgroup::__private::Exit<
                        ::core::convert::Infallible,
                        <Result<
                            String,
                            ErrorGroup<io::Error>,
                        > as ::taskgroup::__private::FnResult>::Error,
                    >,
                > = async {
                    let __tg_value = match fetch_posts(user.as_str()).await {
                        ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                        ::core::result::Result::Err(__tg_err) => {
                            return ::core::result::Result::Err(
                                ::taskgroup::__private::Exit::Error(
                                    ::core::convert::From::from(__tg_err),
                                ),
                            );
                        }
                    };
                    ::core::result::Result::Ok(__tg_value)
                }
                    .await;
                match __tg_result {
                    ::core::result::Result::Ok(__tg_value) => {
                        ::core::result::Result::Ok(__tg_value)
                    }
                    ::core::result::Result::Err(__tg_exit) => {
                        ::core::result::Result::Err(__tg_group.fail(__tg_exit))
                    }
                }
            }),
        );
        let mut __tg_branch_0_2 = ::core::pin::pin!(
            ::taskgroup::__private::branch(async {
                #[allow(clippy::useless_conversion)]
                let __tg_result: ::core::result::Result<
                    _,
                    ::taskgroup::__private::Exit<
                        ::core::convert::Infallible,
                        <Result<
                            String,
                            ErrorGroup<io::Error>,
                        > as ::taskgroup::__private::FnResult>::Error,
                    >,
                > = async {
                    let __tg_value = count_visits().await;
                    ::core::result::Result::Ok(__tg_value)
                }
                    .await;
                match __tg_result {
                    ::core::result::Result::Ok(__tg_value) => {
                        ::core::result::Result::Ok(__tg_value)
                    }
                    ::core::result::Result::Err(__tg_exit) => {
                        ::core::result::Result::Err(__tg_group.fail(__tg_exit))
                    }
                }
            }),
        );
        let mut __tg_driver = ::taskgroup::__private::Driver::new(
            3u32,
            ::core::option::Option::None,
            true,
        );
        ::core::future::poll_fn(|__tg_cx| {
                __tg_driver
                    .poll(
                        __tg_cx,
                        &__tg_group,
                        ::core::option::Option::None,
                        &mut |__tg_pass| {
                            __tg_pass.branch(0usize, false, __tg_branch_0_0.as_mut());
                            __tg_pass.branch(1usize, false, __tg_branch_0_1.as_mut());
                            __tg_pass.branch(2usize, false, __tg_branch_0_2.as_mut());
                        },
                    )
            })
            .await;
        (
            __tg_driver.into_panic(),
            (
                (),
                ::taskgroup::__private::output(__tg_branch_0_1.as_mut()),
                ::taskgroup::__private::output(__tg_branch_0_2.as_mut()),
            ),
        )
    };
    if let ::core::option::Option::Some(__tg_errors) = ::taskgroup::__private::finish(
        __tg_panic,
        __tg_group,
    ) {
        return ::taskgroup::__private::exit_all(
            __tg_errors,
            |__tg_never| match __tg_never {},
            <Result<
                String,
                ErrorGroup<io::Error>,
            > as ::taskgroup::__private::FnResult>::from_error,
        );
    }
    let user = __tg_slot_0_0.take();
    let posts = ::taskgroup::__private::take_ok(__tg_values.1);
    let visits = ::taskgroup::__private::take_ok(__tg_values.2);
    Ok(format!("{user}: {} posts, {visits} visits", posts.len()))
}
