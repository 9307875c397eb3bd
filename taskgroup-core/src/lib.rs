//! The runtime of [`taskgroup`](https://docs.rs/taskgroup): [`TaskGroup`],
//! its child [`Handle`]s, [`ErrorGroup`], [`TimedOut`] and [`Cancelled`].
//!
//! Use it through the `taskgroup` crate, which re-exports everything here
//! together with the `taskgroup!` and `#[concurrent]` macros.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cancel;
mod diagnostics;
mod driver;
mod error;
mod group;
mod handle;
mod options;
mod orphans;
mod policy;
mod race;
mod ready_set;
mod result_cell;
mod start;
mod state;
mod supervisor;
mod sync;
mod task_child;
mod tree;
mod util;
mod wake;

#[doc(hidden)]
pub mod macro_support;

pub use cancel::Canceller;
pub use diagnostics::{SameError, SameValue};
pub use error::{Cancelled, ErrorGroup, Leaf, Leaves, TimedOut};
pub use group::{ChildBuilder, TaskGroup};
pub use handle::{Handle, ResultHandle};
pub use options::Builder;
pub use policy::Mode;
pub use race::{BuildsRace, Race, RaceOf};
pub use start::Ready;
pub use tree::{
    ChildSnapshot, ChildState, GroupSnapshot, GroupStatus, Snapshot, record_tree, tree_snapshot,
};
