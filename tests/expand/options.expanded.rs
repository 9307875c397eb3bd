//! Options: a timeout for the whole group, a limit on what runs at once
//! (the branches and the items of each fan-out), the group's error type.
use std::io;
use std::time::Duration;
use taskgroup::{ErrorGroup, TimedOut, taskgroup};
#[derive(Debug)]
enum AppError {
    Io,
    Timeout,
}
impl From<io::Error> for AppError {
    fn from(_: io::Error) -> Self {
        AppError::Io
    }
}
impl From<TimedOut> for AppError {
    fn from(_: TimedOut) -> Self {
        AppError::Timeout
    }
}
async fn fetch_user(id: u32) -> Result<String, io::Error> {
    Ok(format!("user{id}"))
}
async fn fetch_motd() -> Result<String, io::Error> {
    Ok("hello".to_string())
}
async fn options(ids: Vec<u32>) -> Result<(Vec<String>, String), ErrorGroup<AppError>> {
    {
        let __tg_group = ::taskgroup::__private::Group::<
            AppError,
        >::with_timeout(
            ::taskgroup::__private::Mode::FailFast,
            ::core::convert::From::from,
        );
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::Some(
            ::taskgroup::__private::limit(4),
        );
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_deadline = ::core::pin::pin!(
                ::taskgroup::__private::deadline(Duration::from_secs(5)),
            );
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "users",
                    async {
                        let mut __tg_fan = ::taskgroup::__private::FanOut::local(
                            &__tg_group,
                            __tg_limit,
                            "users",
                        );
                        for id in ids {
                            let __tg_fut = ::core::future::IntoFuture::into_future(
                                fetch_user(id),
                            );
                            #[allow(clippy::useless_conversion)]
                            __tg_fan
                                .push_with(|__tg_index| ::taskgroup::__private::item(
                                    __tg_index,
                                    __tg_fut,
                                    move |__tg_out| match __tg_out {
                                        ::core::result::Result::Ok(__tg_ok) => {
                                            ::core::result::Result::Ok(__tg_ok)
                                        }
                                        ::core::result::Result::Err(__tg_err) => {
                                            ::core::result::Result::Err(
                                                ::core::convert::From::from(__tg_err),
                                            )
                                        }
                                    },
                                ));
                        }
                        let __tg_value = __tg_fan.await?;
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
                    "motd",
                    async {
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(
                                fetch_motd(),
                            )
                            .await
                        {
                            ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                            ::core::result::Result::Err(__tg_err) => {
                                return ::core::result::Result::Err(
                                    __tg_group
                                        .fail(::core::convert::From::from(__tg_err), "motd"),
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
                &["users", "motd"],
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
                            ::core::option::Option::Some(__tg_deadline.as_mut()),
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
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
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
    }
}
