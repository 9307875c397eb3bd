//! Fetches a list of pages concurrently in one task group, with a deadline
//! for the whole group and a limit on how many fetches run at once: the
//! Rust counterpart of the `fetch_all` example in Python's `asyncio.TaskGroup`
//! guide.
//!
//! The pages are simulated (each has a latency and an outcome), so the
//! program runs anywhere; a later version fetches over real HTTP.
//!
//! Run it with `cargo run --example fetch_all`. It runs three scenarios:
//! every page answers; one page fails (its siblings are cancelled and the
//! error comes back); one page is too slow (the deadline cancels the group).

use std::fmt;
use std::time::{Duration, Instant};

use taskgroup::{ErrorGroup, TaskGroup, TimedOut};

/// What a simulated server does for a URL.
#[derive(Clone, Copy)]
struct Page {
    url: &'static str,
    latency_ms: u64,
    status: u16,
    bytes: usize,
}

#[derive(Debug)]
struct Fetched {
    url: &'static str,
    status: u16,
    bytes: usize,
    took: Duration,
}

#[derive(Debug)]
enum FetchError {
    Http { url: &'static str, status: u16 },
    Timeout(TimedOut),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Http { url, status } => write!(f, "HTTP {status} from {url}"),
            FetchError::Timeout(t) => write!(f, "{t}"),
        }
    }
}

impl std::error::Error for FetchError {}

impl From<TimedOut> for FetchError {
    fn from(t: TimedOut) -> Self {
        FetchError::Timeout(t)
    }
}

/// Stands in for an HTTP GET: waits the page's latency, then answers.
async fn fetch_url(page: Page, started: Instant) -> Result<Fetched, FetchError> {
    tokio::time::sleep(Duration::from_millis(page.latency_ms)).await;
    if page.status >= 400 {
        return Err(FetchError::Http {
            url: page.url,
            status: page.status,
        });
    }
    Ok(Fetched {
        url: page.url,
        status: page.status,
        bytes: page.bytes,
        took: started.elapsed(),
    })
}

/// Fetches every page concurrently, at most `limit` at a time, all within
/// `deadline`. The first failure cancels the fetches still running.
async fn fetch_all(
    pages: &[Page],
    deadline: Duration,
    limit: usize,
) -> Result<Vec<Fetched>, ErrorGroup<FetchError>> {
    let started = Instant::now();
    let tg = TaskGroup::builder()
        .timeout(deadline)
        .limit(limit)
        .name("fetch_all")
        .build();
    tg.run(async {
        let handles: Vec<_> = pages
            .iter()
            .map(|&page| tg.child(page.url).spawn(fetch_url(page, started)))
            .collect();
        let mut fetched = Vec::with_capacity(handles.len());
        for handle in handles {
            fetched.push(handle.await);
        }
        Ok(fetched)
    })
    .await
}

fn report(title: &str, outcome: Result<Vec<Fetched>, ErrorGroup<FetchError>>, took: Duration) {
    println!("== {title} ({} ms)", took.as_millis());
    match outcome {
        Ok(pages) => {
            println!("{:<28} {:>6} {:>8} {:>8}", "url", "status", "bytes", "ms");
            for p in &pages {
                println!(
                    "{:<28} {:>6} {:>8} {:>8}",
                    p.url,
                    p.status,
                    p.bytes,
                    p.took.as_millis()
                );
            }
            let total: usize = pages.iter().map(|p| p.bytes).sum();
            println!("{} pages, {total} bytes", pages.len());
        }
        Err(errors) => {
            // Handle errors by kind, as Python's `except*` would.
            let (timeouts, http) = errors.split(|e| matches!(e, FetchError::Timeout(_)));
            if let Some(http) = http {
                for e in &http {
                    println!("HTTP error: {e}");
                }
            }
            if timeouts.is_some() {
                println!("Overall timeout exceeded");
            }
        }
    }
    println!();
}

const fn page(url: &'static str, latency_ms: u64, status: u16, bytes: usize) -> Page {
    Page {
        url,
        latency_ms,
        status,
        bytes,
    }
}

#[tokio::main]
async fn main() {
    let healthy = [
        page("https://example.test/", 40, 200, 1256),
        page("https://example.test/ip", 25, 200, 31),
        page("https://example.test/json", 60, 200, 429),
        page("https://example.test/headers", 15, 200, 312),
        page("https://example.test/uuid", 30, 200, 53),
    ];
    let start = Instant::now();
    let out = fetch_all(&healthy, Duration::from_millis(500), 3).await;
    report("every page answers", out, start.elapsed());

    let mut failing = healthy;
    failing[2] = page("https://example.test/status/404", 20, 404, 0);
    let start = Instant::now();
    let out = fetch_all(&failing, Duration::from_millis(500), 3).await;
    report(
        "one page fails: the rest are cancelled",
        out,
        start.elapsed(),
    );

    let mut slow = healthy;
    slow[1] = page("https://example.test/delay/10", 10_000, 200, 0);
    let start = Instant::now();
    let out = fetch_all(&slow, Duration::from_millis(200), 3).await;
    report(
        "one page is too slow: the deadline cancels the group",
        out,
        start.elapsed(),
    );
}
