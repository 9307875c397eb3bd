//! Nested groups: each region runs its own group of host checks inside the
//! outer group. An inner group's errors join the outer group's, and a
//! failure in one region cancels the others.
//!
//! `cargo run --example nested`

use std::time::Duration;

use taskgroup::{ErrorGroup, TaskGroup};

async fn ping(host: String, ms: u64, ok: bool) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(ms)).await;
    if ok {
        Ok(host)
    } else {
        Err(format!("{host} unreachable"))
    }
}

/// One region: its hosts are pinged concurrently in an inner group.
async fn region(name: &str, hosts: &[(u64, bool)]) -> Result<Vec<String>, ErrorGroup<String>> {
    let tg = TaskGroup::new();
    tg.run(async {
        let handles: Vec<_> = hosts
            .iter()
            .enumerate()
            .map(|(i, &(ms, ok))| tg.spawn(ping(format!("{name}-{i}"), ms, ok)))
            .collect();
        let mut up = Vec::new();
        for h in handles {
            up.push(h.await);
        }
        Ok(up)
    })
    .await
}

#[tokio::main]
async fn main() {
    // The outer group's error type is ErrorGroup<String>: a region's whole
    // group of errors joins it as one entry; `flatten` gives the leaves.
    let outer = TaskGroup::<ErrorGroup<String>>::new();
    let result = outer
        .run(async {
            let eu = outer.spawn(region("eu", &[(10, true), (20, true)]));
            let us = outer.spawn(region("us", &[(15, true), (5, false)]));
            let ap = outer.spawn(region("ap", &[(500, true)])); // cancelled by us's failure
            Ok((eu.await, us.await, ap.await))
        })
        .await;
    match result {
        Ok(all) => println!("all up: {all:?}"),
        Err(errors) => {
            let leaves = errors.flatten();
            println!("{} host(s) failed:", leaves.len());
            for e in &leaves {
                println!("  {e}");
            }
        }
    }
}
