//! `#[concurrent]` with options, on a method: a timeout for each group, a
//! limit, the first error returned as the fn's own error type; the
//! statement between the two runs of lets is a barrier.
use std::time::Duration;
use taskgroup::{TimedOut, concurrent};
#[derive(Debug)]
enum AppError {
    NotFound,
    Timeout,
}
impl From<TimedOut> for AppError {
    fn from(_: TimedOut) -> Self {
        AppError::Timeout
    }
}
struct Client;
impl Client {
    async fn get(&self, key: u8) -> Result<u8, AppError> {
        if key == 0 { Err(AppError::NotFound) } else { Ok(key) }
    }
    async fn sum(&self) -> Result<u32, AppError> {
        let __tg_body = async move {
            let __tg_ret: Result<u32, AppError> = {
                let __tg_values = match {
                    use ::taskgroup::__private::SameError as __tg_SameError;
                    let __tg_group = ::taskgroup::__private::Group::<
                        _,
                    >::new(::taskgroup::__private::Mode::FailFast);
                    let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::Some(
                        ::taskgroup::__private::limit(2),
                    );
                    #[allow(unused_variables)]
                    let (__tg_panic, __tg_values) = {
                        let mut __tg_branch_0 = ::core::pin::pin!(
                            ::taskgroup::__private::branch(
                                &__tg_group,
                                "a",
                                async {
                                    #[allow(clippy::useless_conversion)]
                                    let __tg_value = match ::core::future::IntoFuture::into_future(async {
                                            #[allow(clippy::useless_conversion)]
                                            let __tg_value = match self.get(1).await {
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
                                                        u32,
                                                        AppError,
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
                                                        "a",
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
                        let mut __tg_branch_1 = ::core::pin::pin!(
                            ::taskgroup::__private::branch(
                                &__tg_group,
                                "b",
                                async {
                                    #[allow(clippy::useless_conversion)]
                                    let __tg_value = match ::core::future::IntoFuture::into_future(async {
                                            #[allow(clippy::useless_conversion)]
                                            let __tg_value = match self.get(2).await {
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
                                                        u32,
                                                        AppError,
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
                                                        "b",
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
                        let mut __tg_driver = ::taskgroup::__private::Driver::new(
                            2u32,
                            __tg_limit,
                            false,
                            &["a", "b"],
                        );
                        let mut __tg_visit = {
                            let mut __tg_branch_0 = __tg_branch_0.as_mut();
                            let mut __tg_branch_1 = __tg_branch_1.as_mut();
                            #[cfg_attr(not(debug_assertions), inline(always))]
                            move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                                __tg_pass.branch(0usize, false, &mut __tg_branch_0);
                                __tg_pass.branch(1usize, false, &mut __tg_branch_1);
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
                                ::taskgroup::__private::output(&mut __tg_branch_0),
                                ::taskgroup::__private::output(&mut __tg_branch_1),
                            ),
                        )
                    };
                    let __tg_errors = ::taskgroup::__private::finish(
                        __tg_panic,
                        __tg_group,
                    );
                    match __tg_errors {
                        ::core::option::Option::None => {
                            ::core::result::Result::Ok((
                                ::taskgroup::__private::take_ok(__tg_values.0),
                                ::taskgroup::__private::take_ok(__tg_values.1),
                            ))
                        }
                        ::core::option::Option::Some(__tg_errors) => {
                            ::core::result::Result::Err(__tg_errors)
                        }
                    }
                } {
                    ::core::result::Result::Ok(__tg_values) => __tg_values,
                    ::core::result::Result::Err(__tg_errors) => {
                        return ::taskgroup::__private::exit_first(
                            __tg_errors,
                            |__tg_never| match __tg_never {},
                            <Result<
                                u32,
                                AppError,
                            > as ::taskgroup::__private::FnResult>::from_error,
                        );
                    }
                };
                let a = __tg_values.0;
                let b = __tg_values.1;
                println!("first two: {a} {b}");
                let __tg_values = match {
                    use ::taskgroup::__private::SameError as __tg_SameError;
                    let __tg_group = ::taskgroup::__private::Group::<
                        _,
                    >::new(::taskgroup::__private::Mode::FailFast);
                    let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::Some(
                        ::taskgroup::__private::limit(2),
                    );
                    #[allow(unused_variables)]
                    let (__tg_panic, __tg_values) = {
                        let mut __tg_branch_0 = ::core::pin::pin!(
                            ::taskgroup::__private::branch(
                                &__tg_group,
                                "c",
                                async {
                                    #[allow(clippy::useless_conversion)]
                                    let __tg_value = match ::core::future::IntoFuture::into_future(async {
                                            #[allow(clippy::useless_conversion)]
                                            let __tg_value = match self.get(3).await {
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
                                                        u32,
                                                        AppError,
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
                                                        "c",
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
                        let mut __tg_branch_1 = ::core::pin::pin!(
                            ::taskgroup::__private::branch(
                                &__tg_group,
                                "d",
                                async {
                                    #[allow(clippy::useless_conversion)]
                                    let __tg_value = match ::core::future::IntoFuture::into_future(async {
                                            #[allow(clippy::useless_conversion)]
                                            let __tg_value = match self.get(a + b).await {
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
                                                        u32,
                                                        AppError,
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
                                                        "d",
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
                        let mut __tg_driver = ::taskgroup::__private::Driver::new(
                            2u32,
                            __tg_limit,
                            false,
                            &["c", "d"],
                        );
                        let mut __tg_visit = {
                            let mut __tg_branch_0 = __tg_branch_0.as_mut();
                            let mut __tg_branch_1 = __tg_branch_1.as_mut();
                            #[cfg_attr(not(debug_assertions), inline(always))]
                            move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                                __tg_pass.branch(0usize, false, &mut __tg_branch_0);
                                __tg_pass.branch(1usize, false, &mut __tg_branch_1);
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
                                ::taskgroup::__private::output(&mut __tg_branch_0),
                                ::taskgroup::__private::output(&mut __tg_branch_1),
                            ),
                        )
                    };
                    let __tg_errors = ::taskgroup::__private::finish(
                        __tg_panic,
                        __tg_group,
                    );
                    match __tg_errors {
                        ::core::option::Option::None => {
                            ::core::result::Result::Ok((
                                ::taskgroup::__private::take_ok(__tg_values.0),
                                ::taskgroup::__private::take_ok(__tg_values.1),
                            ))
                        }
                        ::core::option::Option::Some(__tg_errors) => {
                            ::core::result::Result::Err(__tg_errors)
                        }
                    }
                } {
                    ::core::result::Result::Ok(__tg_values) => __tg_values,
                    ::core::result::Result::Err(__tg_errors) => {
                        return ::taskgroup::__private::exit_first(
                            __tg_errors,
                            |__tg_never| match __tg_never {},
                            <Result<
                                u32,
                                AppError,
                            > as ::taskgroup::__private::FnResult>::from_error,
                        );
                    }
                };
                let c = __tg_values.0;
                let d = __tg_values.1;
                Ok(u32::from(a) + u32::from(b) + u32::from(c) + u32::from(d))
            };
            __tg_ret
        };
        match ::taskgroup::__private::tokio::time::timeout(
                Duration::from_secs(5),
                __tg_body,
            )
            .await
        {
            ::core::result::Result::Ok(__tg_ret) => __tg_ret,
            ::core::result::Result::Err(_) => {
                ::core::result::Result::Err(
                    ::core::convert::From::from(::taskgroup::__private::TimedOut::new()),
                )
            }
        }
    }
}
