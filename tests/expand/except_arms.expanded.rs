//! `except*` arms: a guarded pattern, a pattern whose sub-group is bound
//! with `as`, a name the pattern binds, the partial results of the
//! branches (a plain one, a fan-out), and a catch-all.
use taskgroup::{ErrorGroup, taskgroup};
#[derive(Debug)]
enum FetchError {
    Http(u16),
    Gone,
}
async fn fetch(status: u16) -> Result<String, FetchError> {
    match status {
        410 => Err(FetchError::Gone),
        200 => Ok("page".to_string()),
        _ => Err(FetchError::Http(status)),
    }
}
async fn except_arms(status: u16) -> Result<String, ErrorGroup<FetchError>> {
    {
        use ::taskgroup::__private::SameError as __tg_SameError;
        let __tg_group = ::taskgroup::__private::Group::<
            _,
        >::new(::taskgroup::__private::Mode::FailFast);
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        let __tg_kept_1 = ::taskgroup::__private::Kept::new();
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "page",
                    {
                        use ::core::future::IntoFuture as _;
                        (fetch(status)).into_future()
                    },
                ),
            );
            let mut __tg_branch_1 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    &__tg_group,
                    "more",
                    async {
                        let mut __tg_fan = ::taskgroup::__private::FanOut::local(
                                &__tg_group,
                                __tg_limit,
                                "more",
                            )
                            .keep_into(&__tg_kept_1);
                        let __tg_error_of = __tg_group.error_of();
                        for s in [200, status] {
                            let __tg_fut = ::core::future::IntoFuture::into_future(
                                fetch(s),
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
            let mut __tg_driver = ::taskgroup::__private::Driver::new(
                2u32,
                __tg_limit,
                false,
                &["page", "more"],
            );
            let mut __tg_visit = {
                let mut __tg_branch_0 = __tg_branch_0.as_mut();
                let mut __tg_branch_1 = __tg_branch_1.as_mut();
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
                                        "page",
                                    ),
                            );
                    }
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
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        match __tg_errors {
            ::core::option::Option::None => {
                ::core::result::Result::Ok({
                    #[allow(unused_variables)]
                    let page = ::taskgroup::__private::take_ok(__tg_values.0);
                    #[allow(unused_variables)]
                    let more = ::taskgroup::__private::take_ok(__tg_values.1);
                    page + &more.concat()
                })
            }
            ::core::option::Option::Some(__tg_eg) => {
                #[allow(unused_variables, unused_mut)]
                let page = ::taskgroup::__private::partial(__tg_values.0);
                #[allow(unused_variables, unused_mut)]
                let more = ::taskgroup::__private::partial_fan(
                    ::taskgroup::__private::partial(__tg_values.1),
                    __tg_kept_1,
                );
                {
                    let mut __tg_rest = ::core::option::Option::Some(__tg_eg);
                    let mut __tg_first = ::core::option::Option::None;
                    #[allow(unreachable_code, clippy::diverging_sub_expression)]
                    if let ::core::option::Option::Some(_) = ::taskgroup::__private::split_arm(
                        &mut __tg_rest,
                        |__tg_leaf| match __tg_leaf {
                            FetchError::Http(code) if *code >= 500 => true,
                            #[allow(unreachable_patterns)]
                            _ => false,
                        },
                    ) {
                        let __tg_arm_value = "try later".to_string();
                        ::taskgroup::__private::keep_first(
                            &mut __tg_first,
                            __tg_arm_value,
                        );
                    }
                    #[allow(unreachable_code, clippy::diverging_sub_expression)]
                    if let ::core::option::Option::Some(eg) = ::taskgroup::__private::split_arm(
                        &mut __tg_rest,
                        |__tg_leaf| match __tg_leaf {
                            FetchError::Gone => true,
                            #[allow(unreachable_patterns)]
                            _ => false,
                        },
                    ) {
                        let __tg_arm_value = format!("{} gone", eg.len());
                        ::taskgroup::__private::keep_first(
                            &mut __tg_first,
                            __tg_arm_value,
                        );
                    }
                    #[allow(unreachable_code, clippy::diverging_sub_expression)]
                    if let ::core::option::Option::Some(__tg_arm_group) = ::taskgroup::__private::split_arm(
                        &mut __tg_rest,
                        |__tg_leaf| match __tg_leaf {
                            FetchError::Http(code) => {
                                let _ = &code;
                                true
                            }
                            #[allow(unreachable_patterns)]
                            _ => false,
                        },
                    ) {
                        let __tg_arm_value = match ::taskgroup::__private::ErrorGroup::first(
                            &__tg_arm_group,
                        ) {
                            #[allow(unused_variables)]
                            FetchError::Http(code) => {
                                format!("{code}: {} of {}", page.is_some(), more.len())
                            }
                            #[allow(unreachable_patterns)]
                            _ => {
                                ::core::unreachable!(
                                    "taskgroup: the first leaf of an arm matched its pattern",
                                )
                            }
                        };
                        ::taskgroup::__private::keep_first(
                            &mut __tg_first,
                            __tg_arm_value,
                        );
                    }
                    #[allow(unreachable_code, clippy::diverging_sub_expression)]
                    if let ::core::option::Option::Some(_) = ::taskgroup::__private::split_arm(
                        &mut __tg_rest,
                        |__tg_leaf| match __tg_leaf {
                            _ => true,
                            #[allow(unreachable_patterns)]
                            _ => false,
                        },
                    ) {
                        let __tg_arm_value = "failed".to_string();
                        ::taskgroup::__private::keep_first(
                            &mut __tg_first,
                            __tg_arm_value,
                        );
                    }
                    ::taskgroup::__private::arms_result(__tg_first, __tg_rest)
                }
            }
        }
    }
}
