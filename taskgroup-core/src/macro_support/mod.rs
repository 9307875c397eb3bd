//! Runtime pieces used only by the code the macros generate. Not public API:
//! reached through `taskgroup::__private`, which may change in any release.
