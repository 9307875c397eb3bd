//! A `for` fan-out whose items run as tokio tasks (`#[spawn]`), beside a
//! local fan-out; both bind the `Vec` of their items' values in order. A
//! single `#[spawn]` branch runs as one tokio task.
use std::io;
use taskgroup::{ErrorGroup, taskgroup};
async fn fetch(url: String) -> Result<usize, io::Error> {
    Ok(url.len())
}
async fn checksum(n: u32) -> u32 {
    n * 7
}
async fn spawn_fanout(
    urls: Vec<String>,
) -> Result<(Vec<usize>, Vec<u32>, usize), ErrorGroup<io::Error>> {
    {
        use ::taskgroup::__private::SameError as __tg_SameError;
        let __tg_group = ::taskgroup::__private::Group::<
            _,
        >::new(::taskgroup::__private::Mode::FailFast);
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "sizes",
                    async {
                        let mut __tg_fan = ::taskgroup::__private::FanOut::tasks(
                            &__tg_group,
                            __tg_limit,
                            "sizes",
                        );
                        let __tg_error_of = __tg_group.error_of();
                        for url in urls {
                            let __tg_fut = ::core::future::IntoFuture::into_future(
                                fetch(url),
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
                                                __tg_SameError::into_group_error(__tg_err, __tg_error_of),
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
                    "sums",
                    async {
                        let mut __tg_fan = ::taskgroup::__private::FanOut::local(
                            &__tg_group,
                            __tg_limit,
                            "sums",
                        );
                        for n in 0..3 {
                            let __tg_fut = ::core::future::IntoFuture::into_future(
                                checksum(n),
                            );
                            #[allow(clippy::useless_conversion)]
                            __tg_fan
                                .push_with(|__tg_index| ::taskgroup::__private::item(
                                    __tg_index,
                                    __tg_fut,
                                    move |__tg_out| ::core::result::Result::Ok(__tg_out),
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
            let mut __tg_branch_2 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "home",
                    async {
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::taskgroup::__private::spawn_branch(
                                fetch(String::from("/")),
                                &__tg_group,
                            )
                            .await?
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
                                            "home",
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
                3u32,
                __tg_limit,
                false,
                &["sizes", "sums", "home"],
            );
            let mut __tg_visit = {
                let mut __tg_branch_0 = __tg_branch_0.as_mut();
                let mut __tg_branch_1 = __tg_branch_1.as_mut();
                let mut __tg_branch_2 = __tg_branch_2.as_mut();
                #[cfg_attr(not(debug_assertions), inline(always))]
                move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                    __tg_pass.branch(0usize, true, &mut __tg_branch_0);
                    __tg_pass.branch(1usize, false, &mut __tg_branch_1);
                    __tg_pass.branch(2usize, true, &mut __tg_branch_2);
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
                    ::taskgroup::__private::output(&mut __tg_branch_2),
                ),
            )
        };
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        match __tg_errors {
            ::core::option::Option::None => {
                ::core::result::Result::Ok((
                    ::taskgroup::__private::take_ok(__tg_values.0),
                    ::taskgroup::__private::take_ok(__tg_values.1),
                    ::taskgroup::__private::take_ok(__tg_values.2),
                ))
            }
            ::core::option::Option::Some(__tg_errors) => {
                ::core::result::Result::Err(__tg_errors)
            }
        }
    }
}
