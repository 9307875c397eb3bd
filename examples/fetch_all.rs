//! Fetches many URLs over real HTTP in one task group: one deadline for the
//! whole group, a limit on how many fetches run at once, and `except*` arms
//! that handle each kind of failure. The Rust counterpart of the `fetch_all`
//! example in Python's `asyncio.TaskGroup` guide.
//!
//! ```sh
//! cargo run --example fetch_all                       # against its own server
//! cargo run --example fetch_all -- --timeout 30       # the deadline fires first
//! cargo run --example fetch_all -- --limit 8          # all at once: the 404 cancels the rest
//! cargo run --example fetch_all -- http://127.0.0.1:8000/ http://localhost:8080/x
//! ```
//!
//! With no URL arguments it starts a small HTTP/1 server in this process, on
//! 127.0.0.1 with a port the OS picks, and fetches a mixed list from it:
//! `/` (an HTML page), `/json`, `/delay/<ms>` (answers after that long) and
//! `/status/<code>` (answers with that status). With URLs as arguments it
//! fetches those and starts no server.
//!
//! Flags: `--timeout <ms>` (deadline for the whole group, default 10000) and
//! `--limit <n>` (fetches running at once, default 3).
//!
//! What happens, in task-group terms:
//!
//! - Every URL is one child of the group (`let pages = for url in … { … }`),
//!   and the pages come back in input order.
//! - An HTTP error status (4xx, 5xx) fails its fetch, and the first failure
//!   cancels the fetches still running; those waiting for a slot never start.
//!   The table shows which were `cancelled` and which were `not started`. The
//!   default list has a `404` in it on purpose, so you can watch that happen.
//! - `except* FetchError::Status { .. }` logs every HTTP error the group
//!   collected, each with the child it came from (`pages[i]`: the `i`-th
//!   URL); `except* FetchError::Timeout(_)` reports the deadline. Both
//!   count as handled: the program exits 0, and still prints the pages that
//!   did arrive, which the arms read from the group's own result (`pages`
//!   is a `Vec<Option<Page>>` inside an arm) — the seed's
//!   `[t.result() for t in results if not t.cancelled()]`.
//! - Any other failure (a refused connection, a bad URL, an `https` URL)
//!   matches no arm, so it propagates: the program prints it and exits 1.
//!
//! The client is hyper-util's pooled `Client` over plain HTTP/1, built without
//! a TLS stack to keep the example small: an `https://` URL fails with an
//! error that says TLS is not compiled in (exit 1).
//!
//! The in-process server is a child of the program's own task group,
//! started with `tg.start` (Trio's `nursery.start`): the body goes on once
//! the server has bound its port and reported the address. The server is
//! itself a task group (one child per connection) that the body cancels on
//! purpose through `cancel_on` when the fetching is over.

use std::convert::Infallible;
use std::error::Error as StdError;
use std::fmt;
use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Empty, Full};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode, Uri};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use taskgroup::{ErrorGroup, Ready, TaskGroup, TimedOut, taskgroup};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

const USAGE: &str = "\
usage: fetch_all [--timeout <ms>] [--limit <n>] [URL ...]

Fetches the URLs concurrently in one task group. Without URLs, starts an
HTTP server on 127.0.0.1 in this process and fetches a mixed list from it.
Only http:// URLs: this example is built without TLS.

  --timeout <ms>  deadline for the whole group (default 10000)
  --limit <n>     at most n fetches at once (default 3)";

// ---------------------------------------------------------------------------
// Command line

struct Options {
    timeout: Duration,
    limit: usize,
    urls: Vec<String>,
}

enum Parsed {
    Run(Options),
    Help,
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut opts = Options {
        timeout: Duration::from_secs(10),
        limit: 3,
        urls: Vec::new(),
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{name} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--timeout" => {
                let v = value("--timeout")?;
                let ms: u64 = v
                    .parse()
                    .map_err(|_| format!("--timeout takes milliseconds, not {v:?}"))?;
                opts.timeout = Duration::from_millis(ms);
            }
            "--limit" => {
                let v = value("--limit")?;
                opts.limit = match v.parse() {
                    Ok(n) if n > 0 => n,
                    _ => return Err(format!("--limit takes a number of at least 1, not {v:?}")),
                };
            }
            "--" => opts.urls.extend(args.by_ref()),
            f if f.starts_with('-') => return Err(format!("unknown flag {f:?}")),
            _ => opts.urls.push(arg),
        }
    }
    Ok(Parsed::Run(opts))
}

// ---------------------------------------------------------------------------
// Errors

/// Why one fetch failed.
#[derive(Debug)]
enum FetchError {
    /// The server answered with a 4xx or 5xx status.
    Status { url: String, status: StatusCode },
    /// The group's deadline passed (the `timeout` option converts into this).
    Timeout(TimedOut),
    /// An `https://` URL: this example is built without a TLS stack.
    TlsNotCompiledIn { url: String },
    /// Not a URL this client can fetch.
    BadUrl { url: String, reason: String },
    /// Connecting, sending the request or reading the response failed.
    Transport { url: String, reason: String },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Status { url, status } => write!(f, "{status} from {url}"),
            FetchError::Timeout(t) => write!(f, "{t}"),
            FetchError::TlsNotCompiledIn { url } => write!(
                f,
                "{url}: https needs TLS, which is not compiled into this example \
                 (plain HTTP/1 client); use an http:// URL"
            ),
            FetchError::BadUrl { url, reason } => write!(f, "{url:?}: {reason}"),
            FetchError::Transport { url, reason } => write!(f, "{url}: {reason}"),
        }
    }
}

impl StdError for FetchError {}

impl From<TimedOut> for FetchError {
    fn from(t: TimedOut) -> Self {
        FetchError::Timeout(t)
    }
}

/// An error and its causes on one line: hyper's top-level messages are terse.
fn with_causes(e: &dyn StdError) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        out.push_str(": ");
        out.push_str(&c.to_string());
        cause = c.source();
    }
    out
}

// ---------------------------------------------------------------------------
// The board: what each fetch is doing, for the progress line and the table

#[derive(Clone, Debug)]
struct Page {
    status: StatusCode,
    bytes: usize,
    took: Duration,
}

enum Row {
    /// Waiting for a slot (the `limit`); never started if the group ended first.
    Waiting,
    /// Started and not finished: cancelled if the group ended first.
    Running,
    Fetched(Page),
    Failed {
        status: Option<StatusCode>,
        took: Duration,
    },
}

struct Board {
    rows: Mutex<Vec<Row>>,
}

impl Board {
    fn new(n: usize) -> Self {
        Board {
            rows: Mutex::new((0..n).map(|_| Row::Waiting).collect()),
        }
    }

    fn set(&self, i: usize, row: Row) {
        let mut rows = self.rows.lock().unwrap();
        rows[i] = row;
        // The live progress line, rewritten in place on stderr.
        let done = rows
            .iter()
            .filter(|r| matches!(r, Row::Fetched(_) | Row::Failed { .. }))
            .count();
        let running = rows.iter().filter(|r| matches!(r, Row::Running)).count();
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r[{done}/{}] done, {running} running   ", rows.len());
        let _ = err.flush();
    }

    /// Ends the progress line, so that what is printed next starts clean.
    fn end_progress(&self) {
        eprintln!();
    }

    fn into_rows(self) -> Vec<Row> {
        self.rows.into_inner().unwrap()
    }
}

// ---------------------------------------------------------------------------
// Fetching

type HttpClient = Client<HttpConnector, Empty<Bytes>>;

/// One GET: the status and body size, or why it failed. An error status is
/// a failure too, as with `raise_for_status()` in Python.
async fn get(client: &HttpClient, url: &str) -> Result<Page, FetchError> {
    let started = Instant::now();
    let uri: Uri = url
        .parse()
        .map_err(|e: hyper::http::uri::InvalidUri| FetchError::BadUrl {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
    match uri.scheme_str() {
        Some("http") => {}
        Some("https") => {
            return Err(FetchError::TlsNotCompiledIn {
                url: url.to_string(),
            });
        }
        _ => {
            return Err(FetchError::BadUrl {
                url: url.to_string(),
                reason: "not an http:// URL".to_string(),
            });
        }
    }
    let transport = |e: &dyn StdError| FetchError::Transport {
        url: url.to_string(),
        reason: with_causes(e),
    };
    let response = client.get(uri).await.map_err(|e| transport(&e))?;
    let status = response.status();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|e| transport(&e))?
        .to_bytes();
    if status.is_client_error() || status.is_server_error() {
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
        });
    }
    Ok(Page {
        status,
        bytes: body.len(),
        took: started.elapsed(),
    })
}

/// Fetches URL number `i` and records on the board what happened to it.
async fn fetch(
    client: &HttpClient,
    board: &Board,
    i: usize,
    url: &str,
) -> Result<Page, FetchError> {
    board.set(i, Row::Running);
    let started = Instant::now();
    let result = get(client, url).await;
    board.set(
        i,
        match &result {
            Ok(page) => Row::Fetched(page.clone()),
            Err(FetchError::Status { status, .. }) => Row::Failed {
                status: Some(*status),
                took: started.elapsed(),
            },
            Err(_) => Row::Failed {
                status: None,
                took: started.elapsed(),
            },
        },
    );
    result
}

/// How the group ended, when it ended in a way we handle.
enum Ending {
    /// Every fetch succeeded: the pages, in input order.
    AllFetched(Vec<Page>),
    /// Some fetches got an HTTP error status; the rest were cancelled. The
    /// pages that arrived before, in input order (`None`: failed, cancelled
    /// or never started).
    HttpErrors(Vec<Option<Page>>),
    /// The deadline passed; the pages that arrived before it.
    TimedOut(Vec<Option<Page>>),
}

/// Fetches every URL concurrently, at most `limit` at a time, all within
/// `timeout`. The first failure cancels the fetches still running.
async fn fetch_all(
    client: &HttpClient,
    board: &Board,
    urls: &[String],
    timeout: Duration,
    limit: usize,
) -> Result<Ending, ErrorGroup<FetchError>> {
    taskgroup! {
        // The deadline becomes `FetchError::Timeout` through `From<TimedOut>`.
        timeout = timeout;
        limit = limit;
        error = FetchError;
        let pages = for (i, url) in urls.iter().enumerate() { fetch(client, board, i, url)? };
        Ending::AllFetched(pages)
        // Inside an arm `pages` is what arrived before the group stopped.
        except* FetchError::Status { .. } as errors => {
            board.end_progress();
            for leaf in errors.leaves() {
                eprintln!("HTTP error: {}: {}", leaf.child().unwrap_or("?"), leaf.error());
            }
            // Both arms run when both kinds of error happened (the first
            // one's value is the result): each takes its own copy.
            Ending::HttpErrors(pages.clone())
        }
        except* FetchError::Timeout(_) => {
            board.end_progress();
            eprintln!(
                "timeout: the {} ms deadline passed; the fetches still running were cancelled",
                timeout.as_millis()
            );
            Ending::TimedOut(pages)
        }
    }
}

// ---------------------------------------------------------------------------
// The in-process server

const INDEX: &str = "<!doctype html>
<html><head><title>fetch_all test site</title></head>
<body>
<h1>fetch_all test site</h1>
<p>This server runs inside the fetch_all example. Its routes:</p>
<ul>
<li><a href=\"/json\">/json</a>: a small JSON document</li>
<li>/delay/&lt;ms&gt;: answers after that many milliseconds</li>
<li>/status/&lt;code&gt;: answers with that HTTP status</li>
</ul>
</body></html>
";

fn respond(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    if let Ok(v) = content_type.parse() {
        response
            .headers_mut()
            .insert(hyper::header::CONTENT_TYPE, v);
    }
    response
}

async fn route(req: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    const JSON: &str = "application/json";
    const TEXT: &str = "text/plain; charset=utf-8";
    let path = req.uri().path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let response = match segments.as_slice() {
        [""] => respond(StatusCode::OK, "text/html; charset=utf-8", INDEX.to_string()),
        ["json"] => respond(
            StatusCode::OK,
            JSON,
            r#"{"name":"taskgroup","kind":"structured concurrency","children":["spawn","spawn_task"],"fail_fast":true}"#
                .to_string(),
        ),
        ["delay", ms] => match ms.parse::<u64>() {
            Ok(ms) if ms <= 60_000 => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                respond(StatusCode::OK, JSON, format!("{{\"delayed_ms\":{ms}}}"))
            }
            _ => respond(
                StatusCode::BAD_REQUEST,
                TEXT,
                "delay is in milliseconds, at most 60000\n".to_string(),
            ),
        },
        ["status", code] => match code.parse::<u16>().map(StatusCode::from_u16) {
            Ok(Ok(status)) => respond(status, TEXT, format!("{status}\n")),
            _ => respond(StatusCode::BAD_REQUEST, TEXT, "not a status code\n".to_string()),
        },
        _ => respond(StatusCode::NOT_FOUND, TEXT, format!("no route for {path}\n")),
    };
    Ok(response)
}

/// The test server, a child of the group in `main` started with
/// `TaskGroup::start` (Trio's `nursery.start`): it binds a port the OS
/// picks, reports the address through `ready` (which is what `start`
/// resolves to), then serves HTTP/1 — one child of its own group per
/// connection — until `stop` fires, which cancels that group on purpose.
async fn serve(
    ready: Ready<SocketAddr>,
    stop: oneshot::Receiver<()>,
) -> Result<(), ErrorGroup<std::io::Error>> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    ready.send(listener.local_addr()?);
    let connections = TaskGroup::<std::io::Error>::builder()
        .cancel_on(stop)
        .build();
    let served = connections
        .run(async {
            loop {
                let (stream, _) = listener.accept().await?;
                // Nobody awaits a connection's handle: the group awaits them all.
                drop(connections.spawn(async move {
                    // A connection that breaks is its client's problem: the
                    // server goes on (and the client reports its own error).
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service_fn(route))
                        .await;
                    Ok(())
                }));
            }
        })
        .await;
    match served {
        // `stop` fired: `Cancelled` (an `Interrupted` I/O error) is how the
        // server stops on purpose, not a failure.
        Err(errors)
            if errors
                .iter()
                .all(|e| e.kind() == std::io::ErrorKind::Interrupted) =>
        {
            Ok(())
        }
        other => other,
    }
}

/// The mixed list fetched when no URLs are given. With the default limit of
/// 3 the fast pages come back first, then the 404 fails the group while
/// `/delay/5000` (and maybe `/delay/50`) are still running, and `/status/503`
/// never gets a slot.
fn default_urls(addr: SocketAddr) -> Vec<String> {
    [
        "/",
        "/json",
        "/delay/50",
        "/delay/20",
        "/delay/5000",
        "/delay/10",
        "/status/404",
        "/status/503",
    ]
    .iter()
    .map(|path| format!("http://{addr}{path}"))
    .collect()
}

// ---------------------------------------------------------------------------
// Report

fn print_table(urls: &[String], rows: &[Row]) {
    let width = urls.iter().map(|u| u.len()).max().unwrap_or(0).max(3);
    println!(
        "{:<width$}  {:>11}  {:>8}  {:>6}",
        "url", "status", "bytes", "ms"
    );
    for (url, row) in urls.iter().zip(rows) {
        let (status, bytes, ms) = match row {
            Row::Waiting => ("not started".to_string(), "-".to_string(), "-".to_string()),
            Row::Running => ("cancelled".to_string(), "-".to_string(), "-".to_string()),
            Row::Fetched(p) => (
                p.status.as_u16().to_string(),
                p.bytes.to_string(),
                p.took.as_millis().to_string(),
            ),
            Row::Failed { status, took } => (
                status.map_or("error".to_string(), |s| s.as_u16().to_string()),
                "-".to_string(),
                took.as_millis().to_string(),
            ),
        };
        println!("{url:<width$}  {status:>11}  {bytes:>8}  {ms:>6}");
    }
}

fn summary(rows: &[Row], took: Duration, limit: usize) -> String {
    let count = |f: fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    let fetched = count(|r| matches!(r, Row::Fetched(_)));
    let bytes: usize = rows
        .iter()
        .map(|r| match r {
            Row::Fetched(p) => p.bytes,
            _ => 0,
        })
        .sum();
    let http_errors = count(|r| {
        matches!(
            r,
            Row::Failed {
                status: Some(_),
                ..
            }
        )
    });
    let other_errors = count(|r| matches!(r, Row::Failed { status: None, .. }));
    let cancelled = count(|r| matches!(r, Row::Running));
    let not_started = count(|r| matches!(r, Row::Waiting));
    let n = |count: usize, what: &str| {
        let s = if count == 1 { "" } else { "s" };
        format!("{count} {what}{s}")
    };
    format!(
        "summary: {} in {} ms, at most {limit} at a time: {fetched} fetched ({}), {}, {}, \
         {cancelled} cancelled, {not_started} not started",
        n(rows.len(), "URL"),
        took.as_millis(),
        n(bytes, "byte"),
        n(http_errors, "HTTP error"),
        n(other_errors, "other error"),
    )
}

// ---------------------------------------------------------------------------

/// The pages that arrived before the group stopped, from the `except*`
/// arm's partial results.
fn print_arrived(urls: &[String], pages: &[Option<Page>]) {
    let arrived: Vec<_> = urls
        .iter()
        .zip(pages)
        .filter_map(|(u, p)| Some((u, p.as_ref()?)))
        .collect();
    println!(
        "arrived before the group stopped: {} page(s)",
        arrived.len()
    );
    for (url, page) in arrived {
        println!("  {url}: {} bytes", page.bytes);
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let opts = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(opts)) => opts,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(msg) => {
            eprintln!("fetch_all: {msg}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };

    if !opts.urls.is_empty() {
        return fetch_and_report(&opts.urls, &opts).await;
    }
    // Without URLs: our own server, started as a child of this group. The
    // body goes on once the server is listening, and stops it when the
    // fetching is over; a server that fails fails the group.
    let tg = TaskGroup::new();
    let (stop, stopped) = oneshot::channel();
    let ran = tg
        .run(async {
            let addr = tg.start(|ready| serve(ready, stopped)).await;
            println!("test server: http://{addr}/ (in this process)");
            let code = fetch_and_report(&default_urls(addr), &opts).await;
            let _ = stop.send(());
            Ok(code)
        })
        .await;
    match ran {
        Ok(code) => code,
        Err(errors) => {
            eprintln!("\nfetch_all: the test server failed: {errors}");
            ExitCode::FAILURE
        }
    }
}

/// Fetches `urls`, then prints the table, the summary and how it ended.
async fn fetch_and_report(urls: &[String], opts: &Options) -> ExitCode {
    println!(
        "fetching {} URL(s), at most {} at a time, within {} ms",
        urls.len(),
        opts.limit,
        opts.timeout.as_millis()
    );
    let client: HttpClient = Client::builder(TokioExecutor::new()).build_http();
    let board = Board::new(urls.len());
    let started = Instant::now();
    let outcome = fetch_all(&client, &board, urls, opts.timeout, opts.limit).await;
    let took = started.elapsed();
    if matches!(outcome, Ok(Ending::AllFetched(_)) | Err(_)) {
        board.end_progress();
    }

    let rows = board.into_rows();
    println!();
    print_table(urls, &rows);
    println!("{}", summary(&rows, took, opts.limit));
    match outcome {
        Ok(Ending::AllFetched(pages)) => {
            let total: usize = pages.iter().map(|p| p.bytes).sum();
            println!("every page arrived: {total} bytes in {} pages", pages.len());
            ExitCode::SUCCESS
        }
        Ok(Ending::HttpErrors(pages)) => {
            println!(
                "handled by `except*`: the HTTP error logged above failed the group, \
                 which cancelled the fetches still running (fail-fast)"
            );
            print_arrived(urls, &pages);
            ExitCode::SUCCESS
        }
        Ok(Ending::TimedOut(pages)) => {
            println!("handled by `except*`: the deadline cancelled the fetches still running");
            print_arrived(urls, &pages);
            ExitCode::SUCCESS
        }
        // No `except*` arm took these: they propagate.
        Err(errors) => {
            eprintln!("fetch_all: failed:\n{errors}");
            ExitCode::FAILURE
        }
    }
}
