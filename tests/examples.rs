//! Runs the small examples as a user would (`cargo run --example …`) and
//! checks what they print (never timings).

use std::process::Command;

fn run_example(name: &str) -> String {
    let out = Command::new(env!("CARGO"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["run", "--quiet", "--example", name])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "example {name} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

#[test]
fn supervise_reports_every_service() {
    let out = run_example("supervise");
    assert!(out.contains("db       DOWN (db is down)"), "{out}");
    assert!(out.contains("auth     up"), "{out}");
    assert!(out.contains("2 of 4 services down"), "{out}");
}

#[test]
fn race_picks_the_first_success_and_reports_all_failures() {
    let out = run_example("race");
    assert!(out.contains(r#"winner: Ok("file from mirror-b")"#), "{out}");
    assert!(out.contains("1. mirror-a refused the connection"), "{out}");
    assert!(out.contains("2. mirror-b refused the connection"), "{out}");
}

#[test]
fn nested_groups_report_the_inner_failure() {
    let out = run_example("nested");
    assert!(out.contains("1 host(s) failed:"), "{out}");
    assert!(out.contains("us-1 unreachable"), "{out}");
}

#[test]
fn crawler_visits_every_page_within_its_limit() {
    let out = run_example("crawler");
    assert!(out.contains("40 pages crawled"), "{out}");
    let peak: usize = out
        .split("at most ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no peak in {out}"));
    assert!((1..=4).contains(&peak), "the limit is 4, peak was {peak}");
}

#[test]
fn concurrent_page_overlaps_the_lookups() {
    let out = run_example("concurrent_page");
    let (with, without) = out
        .split_once("the same body, sequential:")
        .expect("two parts");
    let pos = |text: &str, what: &str| {
        text.find(what)
            .unwrap_or_else(|| panic!("{what} in {text}"))
    };
    // With the attribute, posts starts before user is done.
    assert!(pos(with, "start posts") < pos(with, "done  user"), "{with}");
    // Without it, posts waits for user.
    assert!(
        pos(without, "done  user") < pos(without, "start posts"),
        "{without}"
    );
}

#[test]
fn taskgroup_expanded_runs_like_the_macro() {
    // The example's hand-written expansion is checked against the macro's
    // by taskgroup-macros' expand_snapshots; here it must also run and
    // give the macro's value.
    let out = run_example("taskgroup-expanded");
    let value = r#"Ok("user7: 2 posts, 42 visits")"#;
    assert!(out.contains(&format!("with taskgroup!: {value}")), "{out}");
    assert!(out.contains(&format!("expanded:        {value}")), "{out}");
}
