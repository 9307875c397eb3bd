//! Independent branches: two fallible ones and an infallible one, no tail,
//! so the group's value is the tuple of the three values.
use std::io;
use taskgroup::{ErrorGroup, taskgroup};
async fn fetch(id: u32) -> Result<String, io::Error> {
    Ok(format!("item {id}"))
}
async fn count() -> u64 {
    42
}
async fn plain_branches() -> Result<(String, String, u64), ErrorGroup<io::Error>> {
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
                    "a",
                    {
                        use ::core::future::IntoFuture as _;
                        (fetch(1)).into_future()
                    },
                ),
            );
            let mut __tg_branch_1 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "b",
                    {
                        use ::core::future::IntoFuture as _;
                        (fetch(2)).into_future()
                    },
                ),
            );
            let mut __tg_branch_2 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "n",
                    {
                        use ::core::future::IntoFuture as _;
                        (count()).into_future()
                    },
                ),
            );
            let mut __tg_driver = ::taskgroup::__private::Driver::new(
                3u32,
                __tg_limit,
                false,
                &["a", "b", "n"],
            );
            let mut __tg_visit = {
                let mut __tg_branch_0 = __tg_branch_0.as_mut();
                let mut __tg_branch_1 = __tg_branch_1.as_mut();
                let mut __tg_branch_2 = __tg_branch_2.as_mut();
                let __tg_group = &__tg_group;
                #[cfg_attr(not(debug_assertions), inline(always))]
                move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                    if let ::core::option::Option::Some(__tg_err) = __tg_pass
                        .try_branch(0usize, &mut __tg_branch_0)
                    {
                        __tg_pass
                            .failed(
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
                    if let ::core::option::Option::Some(__tg_err) = __tg_pass
                        .try_branch(1usize, &mut __tg_branch_1)
                    {
                        __tg_pass
                            .failed(
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
                    ::taskgroup::__private::output(&mut __tg_branch_0),
                    ::taskgroup::__private::output(&mut __tg_branch_1),
                    ::taskgroup::__private::value(&mut __tg_branch_2),
                ),
            )
        };
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        match __tg_errors {
            ::core::option::Option::None => {
                ::core::result::Result::Ok((
                    ::taskgroup::__private::take_ok(__tg_values.0),
                    ::taskgroup::__private::take_ok(__tg_values.1),
                    ::taskgroup::__private::take(__tg_values.2),
                ))
            }
            ::core::option::Option::Some(__tg_errors) => {
                ::core::result::Result::Err(__tg_errors)
            }
        }
    }
}
