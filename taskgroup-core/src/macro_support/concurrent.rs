//! What `#[concurrent]` needs beyond the `taskgroup!` driver: carrying a
//! `?` error or a `return` value out of a branch.

use crate::error::ErrorGroup;

/// How a branch of a `#[concurrent]` fn left early: a `return` (the fn's
/// value) or a `?` (the fn's error).
#[derive(Debug)]
pub enum Exit<R, E> {
    /// `return value` inside the let's initializer.
    Return(R),
    /// `expr?` inside the let's initializer, already converted with `From`.
    Error(E),
}

/// The error type of a fn's `Result` return type, however it is spelled
/// (`io::Result<T>`, `anyhow::Result<T>`, …).
#[diagnostic::on_unimplemented(
    message = "`?` in a #[concurrent] let needs the fn to return a `Result`, not `{Self}`",
    label = "a `?` in a concurrent let returns its error as this type",
    note = "make the fn return a `Result`, or handle the error inside the let"
)]
pub trait FnResult {
    /// The `E` of `Result<T, E>`.
    type Error;
    /// `Err(error)`.
    fn from_error(error: Self::Error) -> Self;
}

impl<T, E> FnResult for Result<T, E> {
    type Error = E;
    fn from_error(error: E) -> Self {
        Err(error)
    }
}

/// What the fn returns after a segment failed: the first exit decides; an
/// error becomes the fn's error.
pub fn exit_first<R, E, Out>(
    exits: ErrorGroup<Exit<R, E>>,
    from_ret: impl FnOnce(R) -> Out,
    from_err: impl FnOnce(E) -> Out,
) -> Out {
    match exits.into_iter().next() {
        Some(Exit::Return(value)) => from_ret(value),
        Some(Exit::Error(error)) => from_err(error),
        None => unreachable!("taskgroup: an error group with no error"),
    }
}

/// As [`exit_first`], for a fn whose error type is `ErrorGroup<X>`: every
/// error of the segment is returned, flattened into one group (an error
/// without a child's name of its own takes its let's).
pub fn exit_all<R, X, Out>(
    exits: ErrorGroup<Exit<R, ErrorGroup<X>>>,
    from_ret: impl FnOnce(R) -> Out,
    from_err: impl FnOnce(ErrorGroup<X>) -> Out,
) -> Out {
    let mut errors: Option<ErrorGroup<X>> = None;
    for (exit, origin) in exits.into_parts() {
        match exit {
            Exit::Return(value) if errors.is_none() => return from_ret(value),
            Exit::Return(_) => {}
            Exit::Error(group) => match (&mut errors, group.inherit(&origin)) {
                (Some(all), group) => all.extend(group),
                (None, group) => errors = Some(group),
            },
        }
    }
    match errors {
        Some(all) => from_err(all),
        None => unreachable!("taskgroup: an error group with no error"),
    }
}
