//! Where a supervising group's errors go when no handle takes them: the
//! group's error handler (`Builder::on_error`), or, without one, `run`'s
//! `ErrorGroup`. A supervise group never loses an error: a child whose
//! handle was dropped, or whose handle is dropped before its error was
//! taken, hands the error here.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::{Arc, Mutex};

use crate::util::lock;

/// A supervising group's error handler: the child's name and its error.
pub(crate) type OnError<E> = Arc<dyn Fn(Option<&str>, E) + Send + Sync>;

pub(crate) struct Supervisor<E> {
    on_error: Option<OnError<E>>,
    state: Mutex<Unclaimed<E>>,
}

struct Unclaimed<E> {
    /// Errors nobody took, in the order they were handed here.
    errors: Vec<(E, Option<Arc<str>>)>,
    /// `run` has returned: an error handed here now has no `ErrorGroup`
    /// to join.
    ended: bool,
}

impl<E> Supervisor<E> {
    pub(crate) fn new(on_error: Option<OnError<E>>) -> Arc<Self> {
        Arc::new(Supervisor {
            on_error,
            state: Mutex::new(Unclaimed {
                errors: Vec::new(),
                ended: false,
            }),
        })
    }

    /// An error nobody will take from a handle: to the handler, or kept
    /// for `run`'s result. Once `run` has returned, without a handler, the
    /// error is dropped with the handle that held it (its owner dropped it,
    /// as one drops a `Result`).
    pub(crate) fn unclaimed(&self, error: E, child: Option<Arc<str>>) {
        if let Some(handler) = &self.on_error {
            user_code(|| handler(child.as_deref(), error));
            return;
        }
        let mut state = lock(&self.state);
        if !state.ended {
            state.errors.push((error, child));
            return;
        }
        drop(state);
        user_code(|| drop(error));
    }

    /// The errors kept so far, for the group's `ErrorGroup`.
    pub(crate) fn take(&self) -> Vec<(E, Option<Arc<str>>)> {
        std::mem::take(&mut lock(&self.state).errors)
    }

    /// `run` is returning: the errors kept until now, and none from now on.
    pub(crate) fn end(&self) -> Vec<(E, Option<Arc<str>>)> {
        let mut state = lock(&self.state);
        state.ended = true;
        std::mem::take(&mut state.errors)
    }
}

/// Runs user code (the handler, an error's `Drop`) where a handle is
/// dropped, which may be while a panic unwinds: a second panic there would
/// abort the process, so it is dropped then, and raised otherwise.
fn user_code(f: impl FnOnce()) {
    if let Err(payload) = catch_unwind(AssertUnwindSafe(f))
        && !std::thread::panicking()
    {
        resume_unwind(payload);
    }
}

impl<E> fmt::Debug for Supervisor<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Supervisor")
            .field("on_error", &self.on_error.is_some())
            .finish_non_exhaustive()
    }
}
