//! With the `tracing` feature, every group gets a span, every child a span
//! inside it (the binding name for `taskgroup!` branches and `#[concurrent]`
//! lets), and failures and cancellation are events.

use std::future::Future;
use std::io::Write;
use std::sync::{Arc, Mutex};

use taskgroup::{TaskGroup, taskgroup};

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `fut` on a current-thread runtime under a DEBUG subscriber and
/// returns what it logged.
fn logged(fut: impl Future<Output = ()>) -> String {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .without_time()
        .with_writer(move || writer.clone())
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
            .block_on(fut)
    });
    let bytes = capture.0.lock().unwrap().clone();
    String::from_utf8(bytes).unwrap()
}

#[test]
fn groups_and_children_have_spans_and_failures_are_events() {
    let out = logged(async {
        let tg = TaskGroup::<&str>::builder().name("fetch").build();
        let err = tg
            .run(async {
                tg.child("slow")
                    .spawn(std::future::pending::<Result<(), _>>());
                tg.child("broken").spawn(async { Err::<(), _>("boom") });
                Ok(())
            })
            .await
            .unwrap_err();
        assert_eq!(err.len(), 1);
    });
    assert!(
        out.contains(r#"taskgroup{name="fetch"}:child{name="broken"}: "#)
            && out.contains("child failed"),
        "{out}"
    );
    assert!(
        out.contains(r#"taskgroup{name="fetch"}: "#) && out.contains("group cancelling"),
        "{out}"
    );
    assert!(
        out.contains(r#"child{name="slow"}"#) && out.contains("child cancelled"),
        "{out}"
    );
}

#[test]
fn macro_branches_get_spans_named_after_their_bindings() {
    let out = logged(async {
        let v = taskgroup! {
            name = "page";
            let user = async {
                tracing::info!("loading user");
                1
            };
            let posts = async {
                tracing::info!("loading posts");
                2
            };
        };
        assert_eq!(v, (1, 2));
    });
    assert!(
        out.contains(r#"taskgroup{name="page"}:child{name="user"}"#)
            && out.contains("loading user"),
        "{out}"
    );
    assert!(out.contains(r#"child{name="posts"}"#), "{out}");
}

#[taskgroup::concurrent]
async fn load_page() -> (u32, u32) {
    let user = async {
        tracing::info!("loading user");
        1
    }
    .await;
    let posts = async {
        tracing::info!("loading posts");
        2
    }
    .await;
    (user, posts)
}

#[test]
fn concurrent_lets_get_spans_named_after_their_bindings() {
    let out = logged(async {
        assert_eq!(load_page().await, (1, 2));
    });
    assert!(
        out.contains(r#"child{name="user"}"#) && out.contains("loading user"),
        "{out}"
    );
    assert!(out.contains(r#"child{name="posts"}"#), "{out}");
}

#[test]
fn cancels_on_purpose_are_events_and_not_failures() {
    let out = logged(async {
        let tg = TaskGroup::<taskgroup::Cancelled>::builder()
            .name("server")
            .build();
        let err = tg
            .run(async {
                let conn = tg
                    .child("conn")
                    .spawn(std::future::pending::<Result<(), _>>());
                tokio::task::yield_now().await;
                conn.cancel();
                tokio::task::yield_now().await;
                tg.cancel();
                std::future::pending::<Result<(), _>>().await
            })
            .await
            .unwrap_err();
        assert_eq!(err.len(), 1);
    });
    assert!(
        out.contains(r#"taskgroup{name="server"}: "#)
            && out.contains("child cancelled by its handle")
            && out.contains("group cancelled on purpose"),
        "{out}"
    );
    assert!(
        out.contains(r#"child{name="conn"}"#) && out.contains("child cancelled"),
        "{out}"
    );
    assert!(!out.contains("child failed"), "{out}");
}
