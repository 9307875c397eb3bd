//! `#[concurrent]` output uses absolute paths only: it compiles in a module
//! without the prelude, next to user items that shadow `Result`, `Option`,
//! `Ok`, `Err`, `Some`, `None`, `Box` and a local `taskgroup` module, and
//! through a re-export named with `crate = "…"`. Its own locals are
//! invisible to the user's code, which may use the same names.

mod no_prelude {
    #![no_implicit_prelude]

    #[allow(dead_code)]
    mod taskgroup {}
    #[allow(dead_code)]
    struct Result;
    #[allow(dead_code)]
    struct Option;
    #[allow(dead_code)]
    struct Box;
    #[allow(dead_code, non_upper_case_globals)]
    const Ok: () = ();
    #[allow(dead_code, non_upper_case_globals)]
    const Err: () = ();
    #[allow(dead_code, non_upper_case_globals)]
    const Some: () = ();
    #[allow(dead_code, non_upper_case_globals)]
    const None: () = ();

    async fn number(n: u32) -> ::core::result::Result<u32, ::std::string::String> {
        ::core::result::Result::Ok(n)
    }

    #[::taskgroup::concurrent(limit = 2)]
    pub(crate) async fn sum() -> ::core::result::Result<u32, ::std::string::String> {
        let a = number(1).await?;
        let b = number(2).await?;
        let c = number(a + b).await?;
        // `x` has one user: moved; `a` and `b` are used after: shared.
        let x = number(3).await?;
        let y = number(x).await?;
        ::core::result::Result::Ok(a + b + c + y)
    }
}

mod reexport {
    pub(crate) use ::taskgroup as tg;
}

#[taskgroup::concurrent(crate = "crate::reexport::tg")]
async fn through_reexport() -> Result<u32, String> {
    let a = async { Ok::<_, String>(1) }.await?;
    let b = async { Ok::<_, String>(2) }.await?;
    Ok(a + b)
}

// The user's locals named like the expansion's: neither sees the other.
#[taskgroup::concurrent]
async fn same_names_as_the_expansion(__tg_group: u32) -> Result<u32, String> {
    let __tg_values = 10;
    let __tg_value = async { Ok::<_, String>(__tg_group + 1) }.await?;
    let __tg_ok = async { Ok::<_, String>(__tg_values + 2) }.await?;
    let __tg_err = async { Ok::<_, String>(__tg_value + 3) }.await?;
    Ok(__tg_values + __tg_value + __tg_ok + __tg_err)
}

#[tokio::test]
async fn the_expansion_s_names_do_not_meet_the_user_s() {
    assert_eq!(same_names_as_the_expansion(1).await, Ok(10 + 2 + 12 + 5));
}

#[tokio::test]
async fn concurrent_compiles_without_the_prelude_and_with_shadowed_names() {
    assert_eq!(no_prelude::sum().await, Ok(9));
}

#[tokio::test]
async fn concurrent_reaches_the_runtime_through_a_reexport() {
    assert_eq!(through_reexport().await, Ok(3));
}
