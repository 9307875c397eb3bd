//! A supervise group: every check runs to its end, whatever the others do,
//! and the caller gets each one's `Result` (Kotlin's `supervisorScope`).
//!
//! `cargo run --example supervise`

use std::time::Duration;

use taskgroup::TaskGroup;

async fn check(service: &str, latency_ms: u64, healthy: bool) -> Result<u64, String> {
    tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    if healthy {
        Ok(latency_ms)
    } else {
        Err(format!("{service} is down"))
    }
}

#[tokio::main]
async fn main() {
    let services = [
        ("auth", 30, true),
        ("db", 10, false),
        ("cache", 20, true),
        ("search", 40, false),
    ];
    let tg = TaskGroup::<String>::builder().supervise().build();
    let report = tg
        .run(async {
            let handles: Vec<_> = services
                .iter()
                .map(|&(name, ms, ok)| (name, tg.child(name).spawn(check(name, ms, ok))))
                .collect();
            let mut report = Vec::new();
            for (name, handle) in handles {
                report.push((name, handle.result().await));
            }
            Ok(report)
        })
        .await
        .expect("a supervise group fails only through its body");
    for (name, result) in &report {
        match result {
            Ok(ms) => println!("{name:<8} up   ({ms} ms)"),
            Err(e) => println!("{name:<8} DOWN ({e})"),
        }
    }
    let down = report.iter().filter(|(_, r)| r.is_err()).count();
    println!("{down} of {} services down", report.len());
}
