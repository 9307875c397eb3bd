//! `except*` arms: a guarded pattern, a pattern whose sub-group is bound
//! with `as`, and a catch-all.
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
        let __tg_group = ::taskgroup::__private::Group::<
            _,
        >::new(::taskgroup::__private::Mode::FailFast);
        let __tg_limit: ::core::option::Option<usize> = ::core::option::Option::None;
        #[allow(unused_variables)]
        let (__tg_panic, __tg_values) = {
            let mut __tg_branch_0 = ::core::pin::pin!(
                ::taskgroup::__private::branch(
                    ::taskgroup::__private::traced(
                        &__tg_group,
                        "page",
                        {
                            use ::core::future::IntoFuture as _;
                            (fetch(status)).into_future()
                        },
                    ),
                ),
            );
            let mut __tg_driver = ::taskgroup::__private::Driver::new(
                1u32,
                __tg_limit,
                false,
                &["page"],
            );
            let mut __tg_visit = {
                let mut __tg_branch_0 = __tg_branch_0.as_mut();
                let __tg_group = &__tg_group;
                move |__tg_pass: &mut ::taskgroup::__private::Pass<'_, '_>| {
                    if let ::core::option::Option::Some(__tg_err) = __tg_pass
                        .try_branch(0usize, __tg_branch_0.as_mut())
                    {
                        __tg_pass.failed(__tg_group.fail(__tg_err, "page"));
                    }
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
                (::taskgroup::__private::output(__tg_branch_0.as_mut()),),
            )
        };
        let __tg_errors = ::taskgroup::__private::finish(__tg_panic, __tg_group);
        match match __tg_errors {
            ::core::option::Option::None => {
                ::core::result::Result::Ok({
                    #[allow(unused_variables)]
                    let page = ::taskgroup::__private::take_ok(__tg_values.0);
                    page
                })
            }
            ::core::option::Option::Some(__tg_errors) => {
                ::core::result::Result::Err(__tg_errors)
            }
        } {
            ::core::result::Result::Ok(__tg_ok) => ::core::result::Result::Ok(__tg_ok),
            ::core::result::Result::Err(__tg_eg) => {
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
                    ::taskgroup::__private::keep_first(&mut __tg_first, __tg_arm_value);
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
                    ::taskgroup::__private::keep_first(&mut __tg_first, __tg_arm_value);
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
                    ::taskgroup::__private::keep_first(&mut __tg_first, __tg_arm_value);
                }
                ::taskgroup::__private::arms_result(__tg_first, __tg_rest)
            }
        }
    }
}
