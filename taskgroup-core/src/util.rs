//! Small helpers every mechanism of the crate uses: the poison-free lock,
//! the panic payload type, and a scoped thread-local.

use std::any::Any;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// A panic payload, as `catch_unwind` returns it and `resume_unwind` takes it.
pub(crate) type Panic = Box<dyn Any + Send + 'static>;

/// Locks a mutex, ignoring poison: every critical section in this crate
/// leaves its data consistent, and no user code (a future, a waker, a
/// drop of a user value) runs while a lock is held.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f` with the thread-local `key` set to `value`, then puts the
/// previous value back (also when `f` unwinds) and returns what `key` held
/// at the end: a scope for "the child being polled" or "where dropped
/// groups leave their tasks".
pub(crate) fn with_local<T: 'static, R>(
    key: &'static std::thread::LocalKey<std::cell::RefCell<T>>,
    value: T,
    f: impl FnOnce() -> R,
) -> (R, T) {
    struct Restore<T: 'static> {
        key: &'static std::thread::LocalKey<std::cell::RefCell<T>>,
        previous: Option<T>,
    }
    impl<T> Drop for Restore<T> {
        fn drop(&mut self) {
            if let Some(previous) = self.previous.take() {
                self.key.with(|cell| *cell.borrow_mut() = previous);
            }
        }
    }
    let previous = key.with(|cell| cell.replace(value));
    let mut restore = Restore {
        key,
        previous: Some(previous),
    };
    let out = f();
    let previous = restore.previous.take().unwrap_or_else(|| unreachable!());
    let last = key.with(|cell| cell.replace(previous));
    (out, last)
}
