//! A recursive crawler: each page spawns children for its links into the
//! same group (children spawn children), at most `LIMIT` fetches at once,
//! each URL visited once.
//!
//! `cargo run --example crawler`

use std::collections::{BTreeMap, HashSet};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskgroup::TaskGroup;

const LIMIT: usize = 4;

/// A small simulated site: page -> links.
fn links(url: &str) -> Vec<String> {
    let depth = url.matches('/').count();
    if depth >= 4 {
        return Vec::new();
    }
    (0..3).map(|i| format!("{url}/{i}")).collect()
}

struct Crawl<'a> {
    tg: &'a TaskGroup<'a, String>,
    seen: &'a Mutex<HashSet<String>>,
    running: &'a AtomicUsize,
    peak: &'a AtomicUsize,
    depth_count: &'a Mutex<BTreeMap<usize, usize>>,
}

impl<'a> Crawl<'a> {
    fn visit(&'a self, url: String) {
        if !self.seen.lock().unwrap().insert(url.clone()) {
            return;
        }
        self.tg.child(url.clone()).spawn(async move {
            let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await; // "fetch"
            self.running.fetch_sub(1, Ordering::SeqCst);
            *self
                .depth_count
                .lock()
                .unwrap()
                .entry(url.matches('/').count())
                .or_default() += 1;
            for link in links(&url) {
                self.visit(link);
            }
            Ok(())
        });
    }
}

#[tokio::main]
async fn main() {
    let seen = Mutex::new(HashSet::new());
    let (running, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let depth_count = Mutex::new(BTreeMap::new());
    let tg = TaskGroup::<String>::builder()
        .limit(LIMIT)
        .name("crawler")
        .build();
    let crawl = Crawl {
        tg: &tg,
        seen: &seen,
        running: &running,
        peak: &peak,
        depth_count: &depth_count,
    };
    tg.run(async {
        crawl.visit("site:/".to_string());
        Ok(())
    })
    .await
    .expect("no page fails in this site");
    for (depth, n) in depth_count.lock().unwrap().iter() {
        println!("depth {depth}: {n} pages");
    }
    println!(
        "{} pages crawled, at most {} fetches at once (limit {LIMIT})",
        seen.lock().unwrap().len(),
        peak.load(Ordering::SeqCst)
    );
}
