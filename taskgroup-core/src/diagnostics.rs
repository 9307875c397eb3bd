//! Traits that generated code passes a branch's value or error through, so
//! that two branches of different types are reported in the user's terms,
//! at the second branch, saying what to write, instead of as a mismatch
//! that names the generated code.
//!
//! Each trait has one impl, a type with itself. The traits are public:
//! rustc's message adds "the trait … is not implemented for …" and shows
//! the one impl, which then name them by a path a user reads (this file
//! is outside `macro_support` for the same reason).

use std::marker::PhantomData;

use crate::error::ErrorGroup;
use crate::macro_support::{Group, Slot};

/// What a fallible branch of a `taskgroup!` without `error = …;` fails
/// into: an `ErrorGroup<E>` takes errors of type `E` only. It exists for
/// its compile error, which says to write `error = TYPE;` when two
/// branches fail with different error types.
///
/// The group is the trait's `Self`, a type whose shape is always known:
/// rustc then ties a branch's error type to the group's even when neither
/// is inferred yet (a branch `async { …; Ok(()) }?`).
///
/// ```
/// fn takes<G: taskgroup::SameError<std::io::Error>>() {}
/// takes::<taskgroup::ErrorGroup<std::io::Error>>();
/// ```
#[diagnostic::on_unimplemented(
    message = "this branch fails with `{X}`, and another branch of the group with another \
               error type",
    label = "this branch fails with `{X}`",
    note = "without `error = TYPE;` every fallible branch of a group fails with the same error \
            type, here the one of `{Self}`",
    note = "write `error = TYPE;` before the branches (each branch's error converts into TYPE \
            with `From`), or convert this branch's error"
)]
pub trait SameError<X> {
    /// The group's error type.
    #[doc(hidden)]
    type Error;
    /// The branch's error as the group's. The error comes first: rustc
    /// learns its type from it before it knows the group's, and reports a
    /// different type as this trait's error rather than as a mismatch.
    #[doc(hidden)]
    fn into_group_error(error: X, group: ErrorOf<Self>) -> Self::Error;
}

impl<E> SameError<E> for ErrorGroup<E> {
    type Error = E;

    #[inline(always)]
    fn into_group_error(error: E, _: ErrorOf<Self>) -> E {
        error
    }
}

/// What a branch of a race (`mode = race;`) yields: the race's value type.
/// Implemented by every type for itself only. It exists for its compile
/// error, which says what to write when two branches of a race yield
/// different types.
///
/// ```
/// fn same<T: taskgroup::SameValue<T>>() {}
/// same::<u32>();
/// ```
#[diagnostic::on_unimplemented(
    message = "the branches of a race yield different types: `{Self}` here, `{T}` in another \
               branch",
    label = "this branch yields `{Self}`",
    note = "a race's value is its first success, so every branch yields the same type",
    note = "convert this branch's value to `{T}` (an `async` block around the future), or \
            make the race's type an enum of both"
)]
pub trait SameValue<T>: Sized {
    /// Stores the branch's value as the race's winner. The slot comes
    /// first: rustc learns the race's type from it before it picks the
    /// one impl for the value, and so reports a value of another type as
    /// this trait's error rather than as a mismatch.
    #[doc(hidden)]
    fn set_winner(winner: &Slot<T>, value: Self);
}

impl<T> SameValue<T> for T {
    #[inline(always)]
    fn set_winner(winner: &Slot<T>, value: T) {
        winner.set(value);
    }
}

/// The type of a group's errors, as a value that costs nothing to copy:
/// what gives [`SameError`] the group's side where the group itself is out
/// of reach (the closure that converts a fan-out item's output may run in
/// a task).
pub struct ErrorOf<G: ?Sized>(PhantomData<fn() -> G>);

impl<G: ?Sized> Clone for ErrorOf<G> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<G: ?Sized> Copy for ErrorOf<G> {}

impl<G: ?Sized> std::fmt::Debug for ErrorOf<G> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ErrorOf")
    }
}

impl<E> Group<E> {
    /// The type of the group's errors, for [`SameError`].
    #[inline(always)]
    pub fn error_of(&self) -> ErrorOf<ErrorGroup<E>> {
        ErrorOf(PhantomData)
    }
}
