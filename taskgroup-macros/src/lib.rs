//! Procedural macros of the `taskgroup` crate. Use them through `taskgroup`.
#![forbid(unsafe_code)]
#![warn(missing_docs)]
