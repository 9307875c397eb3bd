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
    let __tg_values = match {
        use ::taskgroup::__private::SameError as __tg_SameError;
        let __tg_group = ::taskgroup::__private::Group::<
            _,
        >::new(::taskgroup::__private::Mode::FailFast);
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        let __tg_slot_0_0 = ::taskgroup::__private::Slot::new();
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "user",
                    async {
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(async {
                                #[allow(clippy::useless_conversion)]
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
                                ::core::result::Result::<
                                    _,
                                    ::taskgroup::__private::Exit<
                                        ::core::convert::Infallible,
                                        <Result<
                                            String,
                                            ErrorGroup<io::Error>,
                                        > as ::taskgroup::__private::FnResult>::Error,
                                    >,
                                >::Ok(__tg_value)
                            })
                            .await
                        {
                            ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                            ::core::result::Result::Err(__tg_err) => {
                                return ::core::result::Result::Err(
                                    __tg_group
                                        .fail(
                                            __tg_SameError::into_group_error(
                                                __tg_err,
                                                __tg_group.error_of(),
                                            ),
                                            "user",
                                        ),
                                );
                            }
                        };
                        let user = __tg_value;
                        __tg_slot_0_0.set(user);
                        ::core::result::Result::<
                            _,
                            ::taskgroup::__private::Stopped,
                        >::Ok(())
                    },
                ),
            );
            let mut __tg_branch_1 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "posts",
                    async {
                        #[allow(unused_variables)]
                        let user = __tg_slot_0_0.wait(&__tg_group).await?;
                        #[allow(unused_variables)]
                        let user = {
                            use ::taskgroup::__private::{
                                SharedCopy as _, SharedRef as _,
                            };
                            (&&::taskgroup::__private::Shared(user)).value()
                        };
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(async {
                                #[allow(clippy::useless_conversion)]
                                #[allow(
                                    clippy::needless_borrow,
                                    clippy::needless_borrows_for_generic_args
                                )]
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
                                ::core::result::Result::<
                                    _,
                                    ::taskgroup::__private::Exit<
                                        ::core::convert::Infallible,
                                        <Result<
                                            String,
                                            ErrorGroup<io::Error>,
                                        > as ::taskgroup::__private::FnResult>::Error,
                                    >,
                                >::Ok(__tg_value)
                            })
                            .await
                        {
                            ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                            ::core::result::Result::Err(__tg_err) => {
                                return ::core::result::Result::Err(
                                    __tg_group
                                        .fail(
                                            __tg_SameError::into_group_error(
                                                __tg_err,
                                                __tg_group.error_of(),
                                            ),
                                            "posts",
                                        ),
                                );
                            }
                        };
                        ::core::result::Result::<
                            _,
                            ::taskgroup::__private::Stopped,
                        >::Ok(__tg_value)
                    },
                ),
            );
            let mut __tg_branch_2 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "visits",
                    {
                        use ::core::future::IntoFuture as _;
                        (async {
                            let __tg_value = count_visits().await;
                            __tg_value
                        })
                            .into_future()
                    },
                ),
            );
            let mut __tg_driver = ::taskgroup::__private::Driver::new(
                3u32,
                __tg_limit,
                true,
                &["user", "posts", "visits"],
            );
            let mut __tg_visit = {
                let mut __tg_branch_0 = __tg_branch_0.as_mut();
                let mut __tg_branch_1 = __tg_branch_1.as_mut();
                let mut __tg_branch_2 = __tg_branch_2.as_mut();
                #[cfg_attr(not(debug_assertions), inline(always))]
                move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                    __tg_pass.branch(0usize, false, &mut __tg_branch_0);
                    __tg_pass.branch(1usize, false, &mut __tg_branch_1);
                    __tg_pass.branch(2usize, false, &mut __tg_branch_2);
                }
            };
            ::core::future::poll_fn(|__tg_cx| {
                    __tg_driver
                        .poll(
                            __tg_cx,
                            &__tg_group,
                            ::core::option::Option::None,
                            &mut __tg_visit,
                        )
                })
                .await;
            (
                __tg_driver.into_panic(),
                (
                    (),
                    ::taskgroup::__private::output(&mut __tg_branch_1),
                    ::taskgroup::__private::value(&mut __tg_branch_2),
                ),
            )
        };
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        match __tg_errors {
            ::core::option::Option::None => {
                ::core::result::Result::Ok((
                    (__tg_slot_0_0.take(),),
                    ::taskgroup::__private::take_ok(__tg_values.1),
                    ::taskgroup::__private::take(__tg_values.2),
                ))
            }
            ::core::option::Option::Some(__tg_errors) => {
                ::core::result::Result::Err(__tg_errors)
            }
        }
    } {
        ::core::result::Result::Ok(__tg_values) => __tg_values,
        ::core::result::Result::Err(__tg_errors) => {
            return ::taskgroup::__private::exit_all(
                __tg_errors,
                |__tg_never| match __tg_never {},
                <Result<
                    String,
                    ErrorGroup<io::Error>,
                > as ::taskgroup::__private::FnResult>::from_error,
            );
        }
    };
    let (user,) = __tg_values.0;
    let posts = __tg_values.1;
    let visits = __tg_values.2;
    Ok(format!("{user}: {} posts, {visits} visits", posts.len()))
}
