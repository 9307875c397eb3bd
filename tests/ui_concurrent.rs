//! Compile-error tests of `#[concurrent]`: each file under
//! `tests/ui/concurrent/` is one misuse, with the expected message in its
//! `.stderr` (regenerate with `TRYBUILD=overwrite cargo test --test ui_concurrent`).

#[test]
fn concurrent_misuse_is_a_clear_compile_error() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/concurrent/*.rs");
}
