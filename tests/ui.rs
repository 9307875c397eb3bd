//! Compile-error tests of `taskgroup!`: each file under `tests/ui/fail/` is
//! one misuse, with the expected diagnostic in its `.stderr` (regenerate with
//! `TRYBUILD=overwrite cargo test --test ui`, then read every diff). Files
//! under `tests/ui/pass/` must compile and run.

#[test]
fn taskgroup_misuse_is_a_clear_compile_error() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
