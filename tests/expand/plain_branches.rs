//! Independent branches: two fallible ones and an infallible one, no tail,
//! so the group's value is the tuple of the three values.

use std::io;

use taskgroup::{ErrorGroup, taskgroup};

async fn fetch(id: u32) -> Result<String, io::Error> {
    Ok(format!("item {id}"))
}

async fn count() -> u64 {
    42
}

async fn plain_branches() -> Result<(String, String, u64), ErrorGroup<io::Error>> {
    taskgroup! {
        let a = fetch(1)?;
        let b = fetch(2)?;
        let n = count();
    }
}
