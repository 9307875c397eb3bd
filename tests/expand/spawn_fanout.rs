//! A `for` fan-out whose items run as tokio tasks (`#[spawn]`), beside a
//! local fan-out; both bind the `Vec` of their items' values in order. A
//! single `#[spawn]` branch runs as one tokio task.

use std::io;

use taskgroup::{ErrorGroup, taskgroup};

async fn fetch(url: String) -> Result<usize, io::Error> {
    Ok(url.len())
}

async fn checksum(n: u32) -> u32 {
    n * 7
}

async fn spawn_fanout(
    urls: Vec<String>,
) -> Result<(Vec<usize>, Vec<u32>, usize), ErrorGroup<io::Error>> {
    taskgroup! {
        #[spawn] let sizes = for url in urls { fetch(url)? };
        let sums = for n in 0..3 { checksum(n) };
        #[spawn] let home = fetch(String::from("/"))?;
    }
}
