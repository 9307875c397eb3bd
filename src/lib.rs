#![doc = include_str!("../docs/guide.md")]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub use taskgroup_core::*;
pub use taskgroup_macros::*;

#[doc = include_str!("../docs/concurrent.md")]
pub use taskgroup_macros::concurrent;

/// Paths used by the code the macros generate. Not public API.
#[doc(hidden)]
pub mod __private {
    pub use ::core;
    pub use ::std;
    pub use ::tokio;
    pub use taskgroup_core::macro_support::*;
    pub use taskgroup_macros::taskgroup_impl;
}

/// Runs branches concurrently as one task group (docs below).
#[macro_export]
macro_rules! taskgroup {
    ($($tt:tt)*) => {
        $crate::__private::taskgroup_impl! { ($crate) $($tt)* }
    };
}
