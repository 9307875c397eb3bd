//! `taskgroup!`: parse the block into items, validate them into a
//! [`model::GroupInput`], expand that into code.

pub(crate) mod expand;
pub(crate) mod model;
pub(crate) mod parse;
pub(crate) mod prop;
pub(crate) mod validate;
