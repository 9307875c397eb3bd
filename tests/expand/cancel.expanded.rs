//! `cancel = FUTURE;`: the group is cancelled when the future completes
//! (graceful shutdown); its error type takes `Cancelled` through `From`.
use std::io;
use taskgroup::{Cancelled, ErrorGroup, taskgroup};
#[derive(Debug)]
enum AppError {
    Io,
    Stopped,
}
impl From<io::Error> for AppError {
    fn from(_: io::Error) -> Self {
        AppError::Io
    }
}
impl From<Cancelled> for AppError {
    fn from(_: Cancelled) -> Self {
        AppError::Stopped
    }
}
async fn serve(port: u16) -> Result<u64, io::Error> {
    Ok(u64::from(port))
}
async fn cancel(
    shutdown: tokio::sync::oneshot::Receiver<()>,
) -> Result<(u64, u64), ErrorGroup<AppError>> {
    {
        let __tg_group = ::taskgroup::__private::Group::<
            AppError,
        >::new(::taskgroup::__private::Mode::FailFast);
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_cancel = ::core::pin::pin!(
                ::taskgroup::__private::cancel_signal(shutdown),
            );
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "http",
                    async {
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(
                                serve(80),
                            )
                            .await
                        {
                            ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                            ::core::result::Result::Err(__tg_err) => {
                                return ::core::result::Result::Err(
                                    __tg_group
                                        .fail(::core::convert::From::from(__tg_err), "http"),
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
                    "admin",
                    async {
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(
                                serve(8080),
                            )
                            .await
                        {
                            ::core::result::Result::Ok(__tg_ok) => __tg_ok,
                            ::core::result::Result::Err(__tg_err) => {
                                return ::core::result::Result::Err(
                                    __tg_group
                                        .fail(::core::convert::From::from(__tg_err), "admin"),
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
                &["http", "admin"],
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
                        .poll_cancel(
                            __tg_cx,
                            &__tg_group,
                            __tg_cancel.as_mut(),
                            ::core::convert::From::from,
                        );
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
