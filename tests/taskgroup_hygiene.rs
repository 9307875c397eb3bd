//! `taskgroup!` expands to absolute paths only: it works without the
//! prelude, next to a local `mod taskgroup`, with `Result`, `Option`,
//! `Ok`, `Some`, `From` and `Box` shadowed, and through a renamed crate.
#![no_implicit_prelude]
#![allow(
    dead_code,
    non_upper_case_globals,
    non_snake_case,
    unused_extern_crates
)]

extern crate std;
extern crate taskgroup as tg;
extern crate tokio;

/// Shadows the crate name for relative paths.
mod taskgroup {}

enum Result {}
enum Option {}
const Ok: () = ();
const Err: () = ();
fn Some() {}
fn None() {}
struct Box;
struct Vec;
trait From {}
trait Future {}

fn block_on<F: ::std::future::Future>(f: F) -> F::Output {
    ::tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn one() -> ::std::result::Result<u8, ::std::io::Error> {
    ::std::result::Result::Ok(1)
}

async fn two() -> u8 {
    2
}

#[test]
fn works_without_prelude_and_with_shadowed_names() {
    let out = block_on(async {
        ::taskgroup::taskgroup! {
            timeout = ::std::time::Duration::from_secs(1);
            limit = 2;
            name = "hygiene";
            error = ::std::io::Error;
            let a = one()?;
            let b = two();
            let c = async { *a + *b };
            #[spawn] let d = two();
            let v = for x in 0..3u8 { async move { x } };
            let (p, q) = async { (1u8, 2u8) };
            (a, c, d, v.len())
            // Partial results and a name bound by the pattern.
            except* e if false => { let _ = (a, c, d, v, p, q, e); (0, 0, 0, 0) },
            except* _ as eg => (0, 0, 0, eg.len()),
        }
    });
    ::std::assert_eq!(out.unwrap(), (1, 3, 2, 3));
}

#[test]
fn works_through_a_renamed_crate_and_in_other_modes() {
    let (a, b) = block_on(async {
        tg::taskgroup! {
            mode = supervise;
            let a = one()?;
            let b = two();
        }
    });
    ::std::assert_eq!((a.unwrap(), b), (1, 2));
    let won = block_on(async {
        tg::taskgroup! {
            mode = race;
            let a = one()?;
            let b = one()?;
        }
    });
    ::std::assert_eq!(won.unwrap(), 1);
}
