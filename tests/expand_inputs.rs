//! The inputs of the expansion snapshots (`tests/expand/*.rs`, checked by
//! `expand_snapshots` in taskgroup-macros) are real uses of the macros:
//! this target builds every one of them, so a snapshot never pins the
//! expansion of code that does not compile. It has no tests of its own.
//! The snapshot test fails when an input is missing from this list.
#![allow(dead_code)]

#[path = "expand/cancel.rs"]
mod cancel;
#[path = "expand/concurrent_fn.rs"]
mod concurrent_fn;
#[path = "expand/concurrent_options.rs"]
mod concurrent_options;
#[path = "expand/dependent_branch.rs"]
mod dependent_branch;
#[path = "expand/except_arms.rs"]
mod except_arms;
#[path = "expand/options.rs"]
mod options;
#[path = "expand/plain_branches.rs"]
mod plain_branches;
#[path = "expand/spawn_fanout.rs"]
mod spawn_fanout;
