//! A branch that names another's binding: `page` waits for `cfg` and sees
//! it by reference; `rows` runs alongside; the tail owns the values.
use std::io;
use taskgroup::{ErrorGroup, taskgroup};
async fn load_config() -> Result<String, io::Error> {
    Ok("dark".to_string())
}
async fn render(theme: &str) -> Result<String, io::Error> {
    Ok(format!("<{theme}>"))
}
async fn count_rows() -> u64 {
    42
}
async fn dependent_branch() -> Result<String, ErrorGroup<io::Error>> {
    {
        use ::taskgroup::__private::SameError as __tg_SameError;
        let __tg_group = ::taskgroup::__private::Group::<
            _,
        >::new(::taskgroup::__private::Mode::FailFast);
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        let __tg_slot_0 = ::taskgroup::__private::Slot::new();
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "cfg",
                    async {
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(
                                load_config(),
                            )
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
                                            "cfg",
                                        ),
                                );
                            }
                        };
                        __tg_slot_0.set(__tg_value);
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
                    "rows",
                    {
                        use ::core::future::IntoFuture as _;
                        (count_rows()).into_future()
                    },
                ),
            );
            let mut __tg_branch_2 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "page",
                    async {
                        #[allow(unused_variables)]
                        let cfg = __tg_slot_0.wait(&__tg_group).await?;
                        #[allow(clippy::useless_conversion)]
                        let __tg_value = match ::core::future::IntoFuture::into_future(
                                render(cfg),
                            )
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
                                            "page",
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
                true,
                &["cfg", "rows", "page"],
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
                    ::taskgroup::__private::value(&mut __tg_branch_1),
                    ::taskgroup::__private::output(&mut __tg_branch_2),
                ),
            )
        };
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        match __tg_errors {
            ::core::option::Option::None => {
                ::core::result::Result::Ok({
                    #[allow(unused_variables)]
                    let rows = ::taskgroup::__private::take(__tg_values.1);
                    #[allow(unused_variables)]
                    let page = ::taskgroup::__private::take_ok(__tg_values.2);
                    format!("{page} {rows}")
                })
            }
            ::core::option::Option::Some(__tg_errors) => {
                ::core::result::Result::Err(__tg_errors)
            }
        }
    }
}
