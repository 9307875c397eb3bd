//! How deep groups can nest on a 2 MiB thread before its stack overflows,
//! for a `TaskGroup`, a `taskgroup!` and, as the reference, `tokio::join!`.
//!
//!     cargo bench --bench nesting_depth
//!
//! Each nesting level is a group whose one child runs the next level
//! (boxed, as any recursive async fn must be), so every poll of the
//! innermost child goes through every level's poll on the same stack. An
//! overflow kills the process, so each depth is tried in a child process
//! (`nesting_depth probe KIND DEPTH`) and the largest depth that survives
//! is found by doubling, then bisecting.

use std::pin::Pin;
use std::process::Command;

use taskgroup::{TaskGroup, taskgroup};

type Level = Pin<Box<dyn Future<Output = Result<u32, ()>> + Send>>;

fn task_group(n: u32) -> Level {
    Box::pin(async move {
        if n == 0 {
            tokio::task::yield_now().await;
            return Ok(0);
        }
        let tg = TaskGroup::<()>::new();
        tg.run(async { Ok(tg.spawn(task_group(n - 1)).await + 1) })
            .await
            .map_err(|_| ())
    })
}

fn macro_group(n: u32) -> Level {
    Box::pin(async move {
        if n == 0 {
            tokio::task::yield_now().await;
            return Ok(0);
        }
        let (inner, one) = taskgroup! {
            let inner = macro_group(n - 1)?;
            let one = std::future::ready(1);
        }
        .map_err(|_| ())?;
        Ok(inner + one)
    })
}

fn join(n: u32) -> Level {
    Box::pin(async move {
        if n == 0 {
            tokio::task::yield_now().await;
            return Ok(0);
        }
        let (inner, one) = tokio::join!(join(n - 1), std::future::ready(1));
        Ok(inner? + one)
    })
}

/// Runs one level structure `depth` deep on a 2 MiB thread.
fn probe(kind: &str, depth: u32) {
    let make = match kind {
        "task_group" => task_group,
        "taskgroup_macro" => macro_group,
        "tokio_join" => join,
        other => panic!("unknown kind {other}"),
    };
    let thread = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(make(depth)).unwrap()
        })
        .unwrap();
    assert_eq!(thread.join().unwrap(), depth);
}

fn survives(kind: &str, depth: u32) -> bool {
    Command::new(std::env::current_exe().unwrap())
        .args(["probe", kind, &depth.to_string()])
        .output()
        .unwrap()
        .status
        .success()
}

fn max_depth(kind: &str) -> u32 {
    let (mut ok, mut bad) = (1, 2);
    while survives(kind, bad) {
        ok = bad;
        bad *= 2;
        if bad > 1 << 20 {
            return ok;
        }
    }
    while bad - ok > 1 {
        let mid = ok + (bad - ok) / 2;
        if survives(kind, mid) {
            ok = mid;
        } else {
            bad = mid;
        }
    }
    ok
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("probe") {
        probe(&args[1], args[2].parse().unwrap());
        return;
    }
    // `cargo bench --no-run` builds this; `cargo bench` runs it.
    println!("| nesting, 2 MiB thread | deepest level that runs |");
    println!("|---|---:|");
    for kind in ["task_group", "taskgroup_macro", "tokio_join"] {
        println!("| {kind} | {} |", max_depth(kind));
    }
}
