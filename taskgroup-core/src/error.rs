//! The errors a group returns: [`ErrorGroup`] (with the name of the child
//! each error came from, [`Leaf`]), [`TimedOut`] and
//! [`Cancelled`].

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

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
/// Each error remembers where it came from: the name of its child
/// ([`TaskGroup::child`], a `taskgroup!` branch's binding, a `#[concurrent]`
/// let's binding, `binding[i]` for the `i`-th item of a `for` branch) and
/// of its group when the group is named. [`Display`](#impl-Display-for-ErrorGroup<E>)
/// prints them and [`leaves`](ErrorGroup::leaves) gives them to code. They
/// are context for a report: `==` and `Hash` compare the errors only.
///
/// [`taskgroup!`]: https://docs.rs/taskgroup/latest/taskgroup/macro.taskgroup.html
/// [`TaskGroup::child`]: crate::TaskGroup::child
#[derive(Clone)]
pub struct ErrorGroup<E> {
    // Invariant: never empty.
    errors: Vec<E>,
    // Empty when no error has an origin; else one per error.
    origins: Vec<Origin>,
}

/// Where one error of a group came from.
#[derive(Clone, Default, PartialEq, Eq)]
pub(crate) struct Origin {
    child: Option<Arc<str>>,
    group: Option<Arc<str>>,
}

impl<E: PartialEq> PartialEq for ErrorGroup<E> {
    fn eq(&self, other: &Self) -> bool {
        self.errors == other.errors
    }
}

impl<E: Eq> Eq for ErrorGroup<E> {}

impl<E: Hash> Hash for ErrorGroup<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.errors.hash(state);
    }
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
            origins: Vec::new(),
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
            Some(ErrorGroup {
                errors,
                origins: Vec::new(),
            })
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
        self.push_from(error, Origin::default());
    }

    /// Adds an error that came from the child named `child`.
    ///
    /// ```
    /// let mut group = taskgroup::ErrorGroup::new("refused");
    /// group.push_named("reset", "posts");
    /// assert_eq!(group.to_string(), "2 errors in task group:\n  1. refused\n  2. posts: reset");
    /// ```
    pub fn push_named(&mut self, error: E, child: impl Into<Arc<str>>) {
        let origin = Origin {
            child: Some(child.into()),
            group: None,
        };
        self.push_from(error, origin);
    }

    fn push_from(&mut self, error: E, origin: Origin) {
        if self.origins.is_empty() && origin != Origin::default() {
            self.origins.resize(self.errors.len(), Origin::default());
        }
        if !self.origins.is_empty() {
            self.origins.push(origin);
        }
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
        for (error, origin) in other.into_parts() {
            self.push_from(error, origin);
        }
    }

    /// The errors with their origins, in order.
    pub(crate) fn into_parts(self) -> impl Iterator<Item = (E, Origin)> {
        let mut origins = self.origins.into_iter();
        self.errors
            .into_iter()
            .map(move |e| (e, origins.next().unwrap_or_default()))
    }

    fn origin(&self, i: usize) -> Option<&Origin> {
        self.origins.get(i)
    }

    /// Every error with the name of the child it came from, in order.
    ///
    /// ```
    /// use taskgroup::TaskGroup;
    ///
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// let tg = TaskGroup::builder().name("profile").build();
    /// let err = tg.run(async {
    ///     tg.child("posts").spawn(async { Err::<(), _>("http 404") });
    ///     Ok(())
    /// }).await.unwrap_err();
    /// for leaf in err.leaves() {
    ///     assert_eq!(leaf.child(), Some("posts"));
    ///     assert_eq!(leaf.group(), Some("profile"));
    ///     assert_eq!(*leaf.error(), "http 404");
    /// }
    /// # }
    /// ```
    pub fn leaves(&self) -> Leaves<'_, E> {
        Leaves {
            group: self,
            next: 0,
        }
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
        let (mut matching, mut rest) = (None::<ErrorGroup<E>>, None::<ErrorGroup<E>>);
        for (error, origin) in self.into_parts() {
            let side = if pred(&error) {
                &mut matching
            } else {
                &mut rest
            };
            match side {
                Some(group) => group.push_from(error, origin),
                None => {
                    let mut group = ErrorGroup::new(error);
                    if origin != Origin::default() {
                        group.origins.push(origin);
                    }
                    *side = Some(group);
                }
            }
        }
        (matching, rest)
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
            origins: self.origins,
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
    ///
    /// A leaf keeps its own child's name; one without a name takes the
    /// name of the outer child its group came from.
    pub fn flatten(self) -> ErrorGroup<E> {
        let mut parts = self.into_parts();
        let (first, outer) = parts.next().unwrap_or_else(|| unreachable!("never empty"));
        let mut flat = first.inherit(&outer);
        for (inner, outer) in parts {
            flat.extend(inner.inherit(&outer));
        }
        flat
    }
}

impl<E> ErrorGroup<E> {
    /// Gives the leaves without an origin of their own the outer one.
    pub(crate) fn inherit(mut self, outer: &Origin) -> Self {
        if *outer == Origin::default() {
            return self;
        }
        self.origins.resize(self.errors.len(), Origin::default());
        for origin in &mut self.origins {
            if origin.child.is_none() {
                origin.child.clone_from(&outer.child);
            }
            if origin.group.is_none() {
                origin.group.clone_from(&outer.group);
            }
        }
        self
    }
}

/// One error of an [`ErrorGroup`] with where it came from, made by
/// [`ErrorGroup::leaves`].
#[derive(Clone, Copy)]
pub struct Leaf<'g, E> {
    error: &'g E,
    origin: Option<&'g Origin>,
}

impl<'g, E> Leaf<'g, E> {
    /// The error.
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::new(7);
    /// assert_eq!(group.leaves().map(|l| *l.error()).sum::<i32>(), 7);
    /// ```
    pub fn error(&self) -> &'g E {
        self.error
    }

    /// The name of the child it came from: [`TaskGroup::child`]'s name, a
    /// `taskgroup!` branch's or a `#[concurrent]` let's binding, or
    /// `binding[i]` for the `i`-th item of a `for` branch. `None` for the
    /// body's own error, a timeout, or an unnamed child.
    ///
    /// ```
    /// let mut group = taskgroup::ErrorGroup::new("a");
    /// group.push_named("b", "user");
    /// let names: Vec<_> = group.leaves().map(|l| l.child()).collect();
    /// assert_eq!(names, [None, Some("user")]);
    /// ```
    ///
    /// [`TaskGroup::child`]: crate::TaskGroup::child
    pub fn child(&self) -> Option<&'g str> {
        self.origin.and_then(|o| o.child.as_deref())
    }

    /// The name of the group it came from, when the group has one
    /// (`Builder::name`, `name = …;`).
    ///
    /// ```
    /// let group = taskgroup::ErrorGroup::new(1);
    /// assert_eq!(group.leaves().next().unwrap().group(), None);
    /// ```
    pub fn group(&self) -> Option<&'g str> {
        self.origin.and_then(|o| o.group.as_deref())
    }
}

impl<E: fmt::Debug> fmt::Debug for Leaf<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leaf")
            .field("child", &self.child())
            .field("group", &self.group())
            .field("error", self.error)
            .finish()
    }
}

/// The leaves of an [`ErrorGroup`], in order: [`ErrorGroup::leaves`].
pub struct Leaves<'g, E> {
    group: &'g ErrorGroup<E>,
    next: usize,
}

impl<'g, E> Iterator for Leaves<'g, E> {
    type Item = Leaf<'g, E>;

    fn next(&mut self) -> Option<Leaf<'g, E>> {
        let i = self.next;
        let error = self.group.errors.get(i)?;
        self.next += 1;
        Some(Leaf {
            error,
            origin: self.group.origin(i),
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.group.errors.len() - self.next;
        (n, Some(n))
    }
}

impl<E> ExactSizeIterator for Leaves<'_, E> {}

impl<E> fmt::Debug for Leaves<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leaves").field("next", &self.next).finish()
    }
}

/// A `taskgroup!` branch's binding as the name of its errors: none for `_`.
pub(crate) fn leaf_name(binding: &str) -> Option<Arc<str>> {
    (binding != "_").then(|| Arc::from(binding))
}

/// A child's error on its way to its group, with the child's name.
pub(crate) struct Failure<E> {
    pub(crate) error: E,
    pub(crate) child: Option<Arc<str>>,
}

/// The errors a scheduler collects while its group runs, each with the
/// name of its child, before they become an [`ErrorGroup`]. Every group
/// makes and drops one: it is one `Vec` until a group name is set.
pub(crate) struct Collected<E> {
    errors: Vec<(E, Option<Arc<str>>)>,
    /// The group's name (`name = …;` of a `taskgroup!`).
    group: Option<Arc<str>>,
}

impl<E> Default for Collected<E> {
    #[inline]
    fn default() -> Self {
        Collected {
            errors: Vec::new(),
            group: None,
        }
    }
}

impl<E> Collected<E> {
    /// Records an error of the child named `child` (`None`: the body, a
    /// timeout, an unnamed child).
    pub(crate) fn push(&mut self, error: E, child: Option<Arc<str>>) {
        self.errors.push((error, child));
    }

    pub(crate) fn push_failure(&mut self, failure: Failure<E>) {
        self.push(failure.error, failure.child);
    }

    /// Names the group its leaves come from.
    pub(crate) fn set_group(&mut self, name: &str) {
        self.group = Some(Arc::from(name));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// Nothing was ever recorded and the group has no name: no
    /// allocation to free. (Errors are never removed, so an empty `Vec`
    /// that has a capacity is not this; the length is tested too, which
    /// tells the compiler there is nothing to drop.)
    #[inline]
    pub(crate) fn is_untouched(&self) -> bool {
        self.errors.is_empty() && self.errors.capacity() == 0 && self.group.is_none()
    }

    /// Drops what [`is_untouched`](Self::is_untouched) said holds nothing:
    /// no element, no allocation, no name. Forgetting the empty `Vec`
    /// frees nothing less than dropping it, without its drop glue.
    #[inline]
    pub(crate) fn drop_untouched(self) {
        debug_assert!(self.is_untouched());
        std::mem::forget(self.errors);
    }

    /// The errors as a group, each leaf named after the group `group`
    /// (or the one given to [`set_group`](Self::set_group)).
    #[inline]
    pub(crate) fn into_group(self, group: Option<&str>) -> Option<ErrorGroup<E>> {
        let Collected { errors, group: own } = self;
        if errors.is_empty() {
            // Nothing to drop but an empty `Vec` (no allocation: errors are
            // never removed) and, in a named group, its name.
            drop(own);
            return None;
        }
        let group = own.or_else(|| group.map(Arc::from));
        Some(Self::make(errors, group))
    }

    #[cold]
    fn make(errors: Vec<(E, Option<Arc<str>>)>, group: Option<Arc<str>>) -> ErrorGroup<E> {
        let named = group.is_some() || errors.iter().any(|(_, child)| child.is_some());
        let (errors, children): (Vec<E>, Vec<_>) = errors.into_iter().unzip();
        let origins = if named {
            children
                .into_iter()
                .map(|child| Origin {
                    child,
                    group: group.clone(),
                })
                .collect()
        } else {
            Vec::new()
        };
        ErrorGroup { errors, origins }
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
        if self.origins.is_empty() {
            return f.debug_tuple("ErrorGroup").field(&self.errors).finish();
        }
        f.debug_tuple("ErrorGroup")
            .field(&DebugLeaves(self))
            .finish()
    }
}

struct DebugLeaves<'g, E>(&'g ErrorGroup<E>);

impl<E: fmt::Debug> fmt::Debug for DebugLeaves<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.leaves()).finish()
    }
}

impl<E> ErrorGroup<E> {
    /// The name of the group every leaf came from, if they share one.
    fn shared_group(&self) -> Option<&str> {
        let first = self.origins.first()?.group.as_deref()?;
        self.origins
            .iter()
            .all(|o| o.group.as_deref() == Some(first))
            .then_some(first)
    }

    /// `child: `, `group/child: ` or `group: ` before a leaf's text.
    fn write_label(&self, i: usize, with_group: bool, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(origin) = self.origin(i) else {
            return Ok(());
        };
        let group = origin.group.as_deref().filter(|_| with_group);
        match (group, origin.child.as_deref()) {
            (Some(g), Some(c)) => write!(f, "{g}/{c}: "),
            (Some(name), None) | (None, Some(name)) => write!(f, "{name}: "),
            (None, None) => Ok(()),
        }
    }
}

/// A leaf's text. The `-` flag (unused by std's `Display` impls) tells an
/// `ErrorGroup` leaf that it is nested, so a one-leaf inner group prints
/// as its leaf alone instead of adding a header line of its own.
fn leaf_text<E: fmt::Display>(error: &E, alternate: bool) -> String {
    if alternate {
        format!("{error:-#}")
    } else {
        format!("{error:-}")
    }
}

/// Lists every error, numbered, one per line (like Python's group
/// traceback), each after the name of the child it came from; a named
/// group's name is in the first line. The alternate form `{:#}` puts
/// them on one line.
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
/// // as an indented, numbered tree; an inner group of one error adds no
/// // line of its own.
/// let mut outer = ErrorGroup::new(group);
/// outer.push_named(ErrorGroup::new("timed out"), "posts");
/// assert_eq!(
///     outer.to_string(),
///     "2 errors in task group:\n  1. 2 errors in task group:\n       1. refused\n       2. reset\n  2. posts: timed out"
/// );
/// ```
impl<E: fmt::Display> fmt::Display for ErrorGroup<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let alternate = f.alternate();
        if f.sign_minus() && self.errors.len() == 1 {
            self.write_label(0, true, f)?;
            return f.write_str(&leaf_text(&self.errors[0], alternate));
        }
        let n = self.errors.len();
        let noun = if n == 1 { "error" } else { "errors" };
        write!(f, "{n} {noun} in task group")?;
        let shared = self.shared_group();
        if let Some(name) = shared {
            write!(f, " `{name}`")?;
        }
        f.write_str(":")?;
        for (i, e) in self.errors.iter().enumerate() {
            let text = leaf_text(e, alternate);
            if alternate {
                let sep = if i == 0 { " " } else { "; " };
                write!(f, "{sep}{}. ", i + 1)?;
                self.write_label(i, shared.is_none(), f)?;
                f.write_str(&text)?;
                continue;
            }
            // Indent every line of a leaf, so a nested group reads as a tree.
            let mut lines = text.lines();
            write!(f, "\n  {}. ", i + 1)?;
            self.write_label(i, shared.is_none(), f)?;
            f.write_str(lines.next().unwrap_or(""))?;
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

/// The group was cancelled on purpose ([`TaskGroup::cancel`], a
/// [`Canceller`], [`Builder::cancel_on`] or the macro option `cancel = …;`)
/// before its children finished; every child was cancelled.
///
/// A group that can be cancelled turns it into its own error type through
/// `From<Cancelled>`, as a group with a timeout does with [`TimedOut`]:
///
/// ```
/// use taskgroup::Cancelled;
///
/// #[derive(Debug)]
/// enum ServeError { Stopped(Cancelled) }
/// impl From<Cancelled> for ServeError {
///     fn from(c: Cancelled) -> Self { ServeError::Stopped(c) }
/// }
/// assert_eq!(Cancelled::new().to_string(), "task group cancelled");
/// ```
///
/// [`TaskGroup::cancel`]: crate::TaskGroup::cancel
/// [`Canceller`]: crate::Canceller
/// [`Builder::cancel_on`]: crate::Builder::cancel_on
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Cancelled {
    _private: (),
}

impl Cancelled {
    /// The error value (a group makes it for you when it is cancelled).
    ///
    /// ```
    /// let _ = taskgroup::Cancelled::new();
    /// ```
    pub fn new() -> Self {
        Cancelled { _private: () }
    }
}

impl fmt::Display for Cancelled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task group cancelled")
    }
}

impl std::error::Error for Cancelled {}

/// An `io::Error` of kind `Interrupted`: the work was stopped, not failed.
///
/// ```
/// let e = std::io::Error::from(taskgroup::Cancelled::new());
/// assert_eq!(e.kind(), std::io::ErrorKind::Interrupted);
/// ```
impl From<Cancelled> for std::io::Error {
    fn from(c: Cancelled) -> Self {
        std::io::Error::new(std::io::ErrorKind::Interrupted, c)
    }
}
