//! End to end: runs the `fetch_all` example as a user would, against its own
//! in-process server and against small servers made here on 127.0.0.1, and
//! checks its exit status, its result table and its summary (never timings).
//!
//! Cargo gives integration tests no path to an example binary, so the first
//! test to need it builds it with the same cargo and profile and reads the
//! binary's path from cargo's JSON messages; every test then runs it directly.

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::thread;

/// The path of the built example.
fn example() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        let mut cargo = Command::new(env!("CARGO"));
        cargo
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["build", "--quiet", "--example", "fetch_all"])
            .arg("--message-format=json-render-diagnostics");
        if !cfg!(debug_assertions) {
            cargo.arg("--release");
        }
        let out = cargo.output().expect("cargo runs");
        assert!(
            out.status.success(),
            "cargo build --example fetch_all failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let messages = String::from_utf8(out.stdout).expect("cargo's JSON is UTF-8");
        messages
            .lines()
            .filter(|m| m.contains(r#""reason":"compiler-artifact""#))
            .filter(|m| m.contains(r#""name":"fetch_all""#))
            .find_map(|m| json_string_field(m, "executable"))
            .map(PathBuf::from)
            .expect("cargo names the fetch_all executable")
    })
}

/// The value of `"field":"…"` in one line of JSON (enough for cargo's messages).
fn json_string_field(json: &str, field: &str) -> Option<String> {
    let key = format!("\"{field}\":\"");
    let start = json.find(&key)? + key.len();
    let mut value = String::new();
    let mut chars = json[start..].chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Some(value),
            '\\' => value.push(chars.next()?),
            c => value.push(c),
        }
    }
    None
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn fetch_all(args: &[&str]) -> Run {
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(example())
        .args(args)
        .output()
        .expect("the example runs");
    Run {
        code: status.code(),
        stdout: String::from_utf8(stdout).unwrap(),
        stderr: String::from_utf8(stderr).unwrap(),
    }
}

impl Run {
    /// The table row of `url`: `[url, status, bytes, ms]` (a status may be
    /// two words: `not started`).
    fn row(&self, url: &str) -> Vec<String> {
        let line = self
            .stdout
            .lines()
            .find(|l| l.split_whitespace().next() == Some(url))
            .unwrap_or_else(|| panic!("no row for {url} in:\n{self}"));
        let rest: Vec<&str> = line.split_whitespace().skip(1).collect();
        let (status, numbers) = rest.split_at(rest.len() - 2);
        vec![
            url.to_string(),
            status.join(" "),
            numbers[0].to_string(),
            numbers[1].to_string(),
        ]
    }

    fn summary(&self) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with("summary: "))
            .unwrap_or_else(|| panic!("no summary in:\n{self}"))
    }

    /// The count before `what` in the summary, as in `4 fetched`.
    fn count(&self, what: &str) -> usize {
        let summary = self.summary();
        let words: Vec<&str> = summary.split([' ', ',', '(', ')', ':']).collect();
        let i = words
            .windows(2)
            .position(|w| w[1] == what)
            .unwrap_or_else(|| panic!("no {what:?} in {summary:?}"));
        words[i].parse().unwrap()
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit code {:?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// A port on 127.0.0.1 with a listener that never accepts: the kernel still
/// completes connections into the backlog, so a request gets no answer.
fn silent_server() -> TcpListener {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap()
}

/// A tiny HTTP/1 server on its own thread: answers `connections`
/// connections, each with one response whose body is the request's path.
fn echo_path_server(connections: usize) -> u16 {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).unwrap();
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            if reader.read_line(&mut request_line).is_err() {
                continue;
            }
            // Skip the headers up to the blank line.
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("?");
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{path}",
                path.len()
            );
        }
    });
    port
}

#[test]
fn default_run_serves_itself_and_handles_the_http_error() {
    let run = fetch_all(&[]);
    assert_eq!(run.code, Some(0), "{run}");
    let base = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("test server: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no test server line in:\n{run}"))
        .trim_end_matches('/')
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");

    let header: Vec<&str> = run
        .stdout
        .lines()
        .find(|l| l.starts_with("url "))
        .unwrap_or_else(|| panic!("no table header in:\n{run}"))
        .split_whitespace()
        .collect();
    assert_eq!(header, ["url", "status", "bytes", "ms"]);

    // One row per URL of the mixed list, and the outcomes fail-fast allows.
    let paths = [
        "/",
        "/json",
        "/delay/50",
        "/delay/20",
        "/delay/5000",
        "/delay/10",
        "/status/404",
        "/status/503",
    ];
    let rows: Vec<Vec<String>> = paths
        .iter()
        .map(|p| run.row(&format!("{base}{p}")))
        .collect();
    for row in &rows {
        let ok = match row[1].as_str() {
            "200" => row[2].parse::<usize>().is_ok_and(|b| b > 0),
            "404" | "503" | "cancelled" | "not started" => row[2] == "-",
            _ => false,
        };
        assert!(ok, "unexpected row {row:?} in:\n{run}");
    }
    // The slow page cannot finish before the error cancels it.
    assert_eq!(rows[4][1], "cancelled", "{run}");

    // The first HTTP error cancels the rest, so one is usual; the except*
    // arm logs each one the group collected.
    assert!(run.summary().starts_with("summary: 8 URLs in "), "{run}");
    let http_errors = run.count("HTTP");
    assert!(http_errors >= 1, "{run}");
    assert_eq!(run.count("other"), 0, "{run}");
    let counted = run.count("fetched") + http_errors + run.count("cancelled") + run.count("not");
    assert_eq!(counted, 8, "{run}");
    let logged = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("HTTP error: "))
        .count();
    assert_eq!(
        logged, http_errors,
        "the except* arm logs each error:\n{run}"
    );
    assert!(
        run.stdout.contains("handled by `except*`: the HTTP error"),
        "{run}"
    );
    // Each error is logged with its child, the fan-out item of its URL.
    assert!(
        run.stderr
            .lines()
            .any(|l| l.starts_with("HTTP error: pages[")),
        "{run}"
    );
    // The pages that arrived come from the arm's partial results: as many
    // as the table shows fetched.
    let arrived = format!(
        "arrived before the group stopped: {} page(s)",
        run.count("fetched")
    );
    assert!(run.stdout.contains(&arrived), "{run}");

    // The live progress line.
    assert!(run.stderr.contains("\r["), "{run}");
    assert!(run.stderr.contains("/8] done"), "{run}");
}

#[test]
fn given_urls_are_fetched_without_starting_a_server() {
    let port = echo_path_server(2);
    let a = format!("http://127.0.0.1:{port}/a");
    let b = format!("http://127.0.0.1:{port}/bb");
    let run = fetch_all(&["--limit", "2", &a, &b]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(!run.stdout.contains("test server"), "{run}");
    assert_eq!(run.row(&a)[1..3], ["200", "2"], "{run}");
    assert_eq!(run.row(&b)[1..3], ["200", "3"], "{run}");
    assert!(
        run.summary()
            .contains("at most 2 at a time: 2 fetched (5 bytes)"),
        "{run}"
    );
    assert!(run.stdout.contains("every page arrived"), "{run}");
}

#[test]
fn the_deadline_is_handled_by_its_own_arm() {
    let silent = silent_server();
    let url = format!("http://{}/never", silent.local_addr().unwrap());
    let run = fetch_all(&["--timeout", "200", &url]);
    assert_eq!(run.code, Some(0), "{run}");
    assert!(
        run.stderr.contains("timeout: the 200 ms deadline passed"),
        "{run}"
    );
    assert_eq!(run.row(&url)[1], "cancelled", "{run}");
    assert_eq!(run.count("cancelled"), 1, "{run}");
    assert!(
        run.stdout.contains("handled by `except*`: the deadline"),
        "{run}"
    );
    drop(silent);
}

#[test]
fn https_fails_with_a_clear_error_and_exit_1() {
    let run = fetch_all(&["https://127.0.0.1:1/"]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("TLS"), "{run}");
    assert!(run.stderr.contains("not compiled"), "{run}");
    assert_eq!(run.row("https://127.0.0.1:1/")[1], "error", "{run}");
    assert_eq!(run.count("other"), 1, "{run}");
}

#[test]
fn a_refused_connection_propagates_with_exit_1() {
    // A port that was free a moment ago: nothing listens on it now.
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/");
    let run = fetch_all(&[&url]);
    assert_eq!(run.code, Some(1), "{run}");
    assert!(run.stderr.contains("fetch_all: failed"), "{run}");
    assert!(run.stderr.contains(&url), "{run}");
}

#[test]
fn bad_flags_print_usage_and_exit_2() {
    for args in [
        &["--limit", "0"][..],
        &["--timeout", "soon"],
        &["--frobnicate"],
    ] {
        let run = fetch_all(args);
        assert_eq!(run.code, Some(2), "{args:?}: {run}");
        assert!(run.stderr.contains("usage: fetch_all"), "{args:?}: {run}");
    }
    let help = fetch_all(&["--help"]);
    assert_eq!(help.code, Some(0), "{help}");
    assert!(help.stdout.contains("--timeout <ms>"), "{help}");
}
