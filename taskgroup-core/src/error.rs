//! The errors a group returns: [`ErrorGroup`] and [`TimedOut`].

use std::fmt;

/// Every error a task group collected, in the order they happened.
///
/// An `ErrorGroup` is never empty: [`first`](ErrorGroup::first) is the error
/// that made the group cancel its other children, and the rest are the ones
/// that happened while it was cancelling them. It is Rust's counterpart of
/// Python's `ExceptionGroup`: [`split`](ErrorGroup::split) is PEP 654's
/// `split`, and the `except*` arms of [`taskgroup!`] are built on it.
///
/// Groups nest: `From<E>` makes a one-leaf group, so a group whose error type
/// is `ErrorGroup<E>` takes both plain `E` errors and whole inner groups, and
/// [`flatten`](ErrorGroup::flatten) turns the tree back into its leaves.
///
/// ```
/// use taskgroup::ErrorGroup;
///
/// let mut errors = ErrorGroup::new("disk full");
/// errors.push("timed out");
/// assert_eq!(errors.len(), 2);
/// assert_eq!(*errors.first(), "disk full");
///
/// let (disk, rest) = errors.split(|e| e.starts_with("disk"));
/// assert_eq!(disk.unwrap().len(), 1);
/// assert_eq!(rest.unwrap().into_iter().collect::<Vec<_>>(), ["timed out"]);
/// ```
///
/// [`taskgroup!`]: https://docs.rs/taskgroup/latest/taskgroup/macro.taskgroup.html
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ErrorGroup<E> {
    // Invariant: never empty.
    errors: Vec<E>,
}

impl<E> ErrorGroup<E> {
    /// A group holding one error.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::new(7);
    /// assert_eq!(group.len(), 1);
    /// ```
    pub fn new(first: E) -> Self {
        ErrorGroup {
            errors: vec![first],
        }
    }

    /// Builds a group from errors in the order they happened; `None` when
    /// there are none, since a group is never empty.
    ///
    /// ```
    /// use taskgroup::ErrorGroup;
    /// assert!(ErrorGroup::<u8>::from_errors(Vec::new()).is_none());
    /// assert_eq!(ErrorGroup::from_errors([1, 2]).unwrap().len(), 2);
    /// ```
    pub fn from_errors(errors: impl IntoIterator<Item = E>) -> Option<Self> {
        let errors: Vec<E> = errors.into_iter().collect();
        if errors.is_empty() {
            None
        } else {
            Some(ErrorGroup { errors })
        }
    }

    /// Adds an error after the ones already here.
    ///
    /// ```
    /// let mut group = taskgroup::ErrorGroup::new('a');
    /// group.push('b');
    /// assert_eq!(group.iter().collect::<String>(), "ab");
    /// ```
    pub fn push(&mut self, error: E) {
        self.errors.push(error);
    }

    /// Adds every error of `other` after the ones already here.
    ///
    /// ```
    /// use taskgroup::ErrorGroup;
    /// let mut a = ErrorGroup::new(1);
    /// a.extend(ErrorGroup::from_errors([2, 3]).unwrap());
    /// assert_eq!(a.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    /// ```
    pub fn extend(&mut self, other: ErrorGroup<E>) {
        self.errors.extend(other.errors);
    }

    /// How many errors the group holds (at least one).
    ///
    /// ```
    /// assert_eq!(taskgroup::ErrorGroup::new(()).len(), 1);
    /// ```
    #[allow(clippy::len_without_is_empty)] // a group is never empty
    pub fn len(&self) -> usize {
        self.errors.len()
    }

    /// The error that happened first: the one that triggered cancellation.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::from_errors(["first", "second"]).unwrap();
    /// assert_eq!(*group.first(), "first");
    /// ```
    pub fn first(&self) -> &E {
        &self.errors[0]
    }

    /// The errors in the order they happened.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::from_errors([1, 2]).unwrap();
    /// assert_eq!(group.iter().sum::<i32>(), 3);
    /// ```
    pub fn iter(&self) -> std::slice::Iter<'_, E> {
        self.errors.iter()
    }

    /// The errors as a slice, in the order they happened.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::from_errors([1, 2]).unwrap();
    /// assert_eq!(group.as_slice(), &[1, 2]);
    /// ```
    pub fn as_slice(&self) -> &[E] {
        &self.errors
    }

    /// The errors as a `Vec`, in the order they happened.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::new(1);
    /// assert_eq!(group.into_vec(), vec![1]);
    /// ```
    pub fn into_vec(self) -> Vec<E> {
        self.errors
    }

    /// Splits the group in two, as PEP 654's `ExceptionGroup.split`: the
    /// errors for which `pred` holds, and the rest, each in its original
    /// order and each `None` when it would be empty.
    ///
    /// ```
    /// use taskgroup::ErrorGroup;
    /// let group = ErrorGroup::from_errors([1, 2, 3, 4]).unwrap();
    /// let (even, odd) = group.split(|n| n % 2 == 0);
    /// assert_eq!(even.unwrap().into_vec(), [2, 4]);
    /// assert_eq!(odd.unwrap().into_vec(), [1, 3]);
    ///
    /// let (none, all) = ErrorGroup::new(1).split(|n| *n > 5);
    /// assert!(none.is_none());
    /// assert_eq!(all.unwrap().len(), 1);
    /// ```
    pub fn split(
        self,
        mut pred: impl FnMut(&E) -> bool,
    ) -> (Option<ErrorGroup<E>>, Option<ErrorGroup<E>>) {
        let (matching, rest): (Vec<E>, Vec<E>) = self.errors.into_iter().partition(|e| pred(e));
        (
            ErrorGroup::from_errors(matching),
            ErrorGroup::from_errors(rest),
        )
    }

    /// Applies `f` to every error, keeping the order.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::new(2).map(|n| n * 10);
    /// assert_eq!(*group.first(), 20);
    /// ```
    pub fn map<F>(self, f: impl FnMut(E) -> F) -> ErrorGroup<F> {
        ErrorGroup {
            errors: self.errors.into_iter().map(f).collect(),
        }
    }
}

impl<E> ErrorGroup<ErrorGroup<E>> {
    /// The leaves of a group of groups, in order: what a nested group's
    /// errors look like once they have joined the outer group.
    ///
    /// ```
    /// use taskgroup::ErrorGroup;
    /// let inner = ErrorGroup::from_errors([1, 2]).unwrap();
    /// let mut outer = ErrorGroup::new(inner);
    /// outer.push(ErrorGroup::new(3));
    /// assert_eq!(outer.flatten().into_vec(), [1, 2, 3]);
    /// ```
    pub fn flatten(self) -> ErrorGroup<E> {
        ErrorGroup {
            errors: self.errors.into_iter().flat_map(|g| g.errors).collect(),
        }
    }
}

impl<E> From<E> for ErrorGroup<E> {
    fn from(error: E) -> Self {
        ErrorGroup::new(error)
    }
}

impl<E> IntoIterator for ErrorGroup<E> {
    type Item = E;
    type IntoIter = std::vec::IntoIter<E>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.into_iter()
    }
}

impl<'g, E> IntoIterator for &'g ErrorGroup<E> {
    type Item = &'g E;
    type IntoIter = std::slice::Iter<'g, E>;
    fn into_iter(self) -> Self::IntoIter {
        self.errors.iter()
    }
}

impl<E: fmt::Debug> fmt::Debug for ErrorGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ErrorGroup").field(&self.errors).finish()
    }
}

/// Lists every error, numbered, one per line (like Python's group
/// traceback). The alternate form `{:#}` puts them on one line.
///
/// ```
/// use taskgroup::ErrorGroup;
///
/// let group = ErrorGroup::from_errors(["refused", "reset"]).unwrap();
/// assert_eq!(
///     group.to_string(),
///     "2 errors in task group:\n  1. refused\n  2. reset"
/// );
/// assert_eq!(format!("{group:#}"), "2 errors in task group: 1. refused; 2. reset");
///
/// // A nested group (an inner group's errors joined to an outer one) prints
/// // as an indented, numbered tree.
/// let mut outer = ErrorGroup::new(group);
/// outer.push(ErrorGroup::new("timed out"));
/// assert_eq!(
///     outer.to_string(),
///     "2 errors in task group:\n  1. 2 errors in task group:\n       1. refused\n       2. reset\n  2. 1 error in task group:\n       1. timed out"
/// );
/// ```
impl<E: fmt::Display> fmt::Display for ErrorGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.errors.len();
        let noun = if n == 1 { "error" } else { "errors" };
        write!(f, "{n} {noun} in task group:")?;
        if f.alternate() {
            for (i, e) in self.errors.iter().enumerate() {
                let sep = if i == 0 { " " } else { "; " };
                write!(f, "{sep}{}. {e:#}", i + 1)?;
            }
            return Ok(());
        }
        for (i, e) in self.errors.iter().enumerate() {
            // Indent every line of a leaf, so a nested group reads as a tree.
            let text = e.to_string();
            let mut lines = text.lines();
            write!(f, "\n  {}. {}", i + 1, lines.next().unwrap_or(""))?;
            for line in lines {
                write!(f, "\n     {line}")?;
            }
        }
        Ok(())
    }
}

/// `source()` is `None`: `Display` already lists every leaf, so an error
/// report that also follows `source()` (anyhow's and eyre's "Caused by:")
/// would show the first error twice.
///
/// ```
/// use std::error::Error;
/// use taskgroup::ErrorGroup;
///
/// let group = ErrorGroup::new(std::io::Error::other("refused"));
/// assert!(group.source().is_none());
/// assert_eq!(group.to_string(), "1 error in task group:\n  1. refused");
/// ```
impl<E: std::error::Error + 'static> std::error::Error for ErrorGroup<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        None
    }
}

/// The deadline of a group with a `timeout` passed before its children
/// finished; every child was cancelled.
///
/// A group with a timeout turns it into its own error type through
/// `From<TimedOut>`, so an error enum usually has a variant for it:
///
/// ```
/// use taskgroup::TimedOut;
///
/// #[derive(Debug)]
/// enum FetchError { Timeout(TimedOut) }
/// impl From<TimedOut> for FetchError {
///     fn from(t: TimedOut) -> Self { FetchError::Timeout(t) }
/// }
/// assert_eq!(TimedOut::new().to_string(), "task group timed out");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TimedOut {
    _private: (),
}

impl TimedOut {
    /// The error value (a group makes it for you when its deadline passes).
    ///
    /// ```
    /// let _ = taskgroup::TimedOut::new();
    /// ```
    pub fn new() -> Self {
        TimedOut { _private: () }
    }
}

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task group timed out")
    }
}

impl std::error::Error for TimedOut {}

impl From<TimedOut> for std::io::Error {
    fn from(t: TimedOut) -> Self {
        std::io::Error::new(std::io::ErrorKind::TimedOut, t)
    }
}
