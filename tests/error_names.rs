//! Every error in an `ErrorGroup` remembers the child it came from (and
//! its group's name): `Display` prints it, `Debug` shows it, `leaves()`
//! gives it to code. One test per way a child gets a name.

use std::time::Duration;

use taskgroup::{ErrorGroup, TaskGroup, TimedOut, concurrent, taskgroup};
use tokio::time::sleep;

#[derive(Debug, Clone, PartialEq)]
enum E {
    Http(u16),
    Timeout,
}

impl std::fmt::Display for E {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            E::Http(s) => write!(f, "http status {s}"),
            E::Timeout => f.write_str("timed out"),
        }
    }
}

impl From<TimedOut> for E {
    fn from(_: TimedOut) -> Self {
        E::Timeout
    }
}

async fn fail_after<T>(ms: u64, status: u16) -> Result<T, E> {
    sleep(Duration::from_millis(ms)).await;
    Err(E::Http(status))
}

async fn ok_after<T>(ms: u64, v: T) -> Result<T, E> {
    sleep(Duration::from_millis(ms)).await;
    Ok(v)
}

/// `(child, group, error)` of every leaf, in order.
fn origins(eg: &ErrorGroup<E>) -> Vec<(Option<&str>, Option<&str>, E)> {
    eg.leaves()
        .map(|l| (l.child(), l.group(), l.error().clone()))
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_named_local_child_names_its_error_and_its_group_heads_the_report() {
    let tg = TaskGroup::builder().name("profile").build();
    let err = tg
        .run(async {
            tg.child("posts").spawn(fail_after::<()>(10, 404));
            Ok(())
        })
        .await
        .unwrap_err();
    assert_eq!(
        origins(&err),
        [(Some("posts"), Some("profile"), E::Http(404))]
    );
    assert_eq!(
        err.to_string(),
        "1 error in task group `profile`:\n  1. posts: http status 404"
    );
    assert_eq!(
        format!("{err:#}"),
        "1 error in task group `profile`: 1. posts: http status 404"
    );
    let debug = format!("{err:?}");
    assert!(debug.contains("child: Some(\"posts\")"), "{debug}");
    assert!(debug.contains("group: Some(\"profile\")"), "{debug}");
}

#[tokio::test(start_paused = true)]
async fn named_task_children_name_their_errors_with_and_without_a_limit() {
    for limit in [None, Some(1)] {
        let mut builder = TaskGroup::builder();
        if let Some(n) = limit {
            builder = builder.limit(n);
        }
        let tg = builder.build();
        let err = tg
            .run(async {
                tg.child("user").spawn_task(ok_after(5, 1u8));
                tg.child("feed").spawn_task(fail_after::<()>(10, 500));
                Ok(())
            })
            .await
            .unwrap_err();
        assert_eq!(
            origins(&err),
            [(Some("feed"), None, E::Http(500))],
            "limit {limit:?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn the_body_an_unnamed_child_and_the_timeout_have_no_child_name() {
    let tg = TaskGroup::builder()
        .timeout(Duration::from_millis(50))
        .build();
    let err = tg
        .run(async {
            tg.spawn(fail_after::<()>(10, 503));
            tg.spawn(std::future::pending::<Result<(), E>>());
            Ok::<(), E>(())
        })
        .await
        .unwrap_err();
    assert_eq!(origins(&err), [(None, None, E::Http(503))]);
    assert_eq!(
        err.to_string(),
        "1 error in task group:\n  1. http status 503"
    );

    let tg = TaskGroup::builder()
        .timeout(Duration::from_millis(50))
        .build();
    let err = tg
        .run(async {
            tg.child("slow")
                .spawn(std::future::pending::<Result<(), E>>());
            Err::<(), _>(E::Http(400))
        })
        .await
        .unwrap_err();
    assert_eq!(origins(&err), [(None, None, E::Http(400))]);
}

#[tokio::test(start_paused = true)]
async fn taskgroup_branches_and_fan_out_items_name_their_errors() {
    let err = taskgroup! {
        name = "page";
        let user = ok_after(5, 7u32)?;
        let posts = fail_after::<u32>(10, 404)?;
        let pages = for (i, ms) in [30u64, 20, 40].into_iter().enumerate() {
            async move { if i == 1 { fail_after::<u32>(ms, 410).await } else { ok_after(ms, 1u32).await } }?
        };
        (user, posts, pages)
    }
    .unwrap_err();
    assert_eq!(origins(&err), [(Some("posts"), Some("page"), E::Http(404))]);

    // The fan-out fails first here: its item is named by its index.
    let err = taskgroup! {
        let posts = fail_after::<u32>(100, 404)?;
        #[spawn] let pages = for (i, ms) in [30u64, 20, 40].into_iter().enumerate() {
            async move { if i == 1 { fail_after::<u32>(ms, 410).await } else { ok_after(ms, 1u32).await } }?
        };
        (posts, pages)
    }
    .unwrap_err();
    assert_eq!(origins(&err), [(Some("pages[1]"), None, E::Http(410))]);
    assert_eq!(
        err.to_string(),
        "1 error in task group:\n  1. pages[1]: http status 410"
    );
}

#[tokio::test(start_paused = true)]
async fn a_dependent_branch_and_a_spawned_branch_name_their_errors() {
    let err = taskgroup! {
        let id = ok_after(5, 3u16)?;
        let posts = fail_after::<u32>(*id as u64, 404)?;
        #[spawn] let feed = fail_after::<u32>(100, 500)?;
        (posts, feed)
    }
    .unwrap_err();
    assert_eq!(origins(&err), [(Some("posts"), None, E::Http(404))]);

    let err = taskgroup! {
        #[spawn] let feed = fail_after::<u32>(1, 500)?;
        let posts = ok_after(100, 1u32)?;
        (posts, feed)
    }
    .unwrap_err();
    assert_eq!(origins(&err), [(Some("feed"), None, E::Http(500))]);
}

#[concurrent]
async fn load_profile() -> Result<(u32, u32), ErrorGroup<E>> {
    let user = ok_after(5, 1u32).await?;
    let avatar = fail_after::<u32>(10, 403).await?;
    Ok((user, avatar))
}

#[tokio::test(start_paused = true)]
async fn a_concurrent_let_names_its_error() {
    let err = load_profile().await.unwrap_err();
    assert_eq!(origins(&err), [(Some("avatar"), None, E::Http(403))]);
}

#[tokio::test(start_paused = true)]
async fn a_one_leaf_inner_group_adds_no_line_of_its_own() {
    let err: ErrorGroup<ErrorGroup<E>> = taskgroup! {
        error = ErrorGroup<E>;
        let profile = async {
            taskgroup! {
                name = "profile";
                let posts = fail_after::<u32>(10, 404)?;
                posts
            }
        }?;
        let feed = async {
            taskgroup! {
                let a = fail_after::<u32>(20, 500)?;
                let b = fail_after::<u32>(20, 502)?;
                (a, b)
            }
        }?;
        (profile, feed)
    }
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "1 error in task group:\n  1. profile: profile/posts: http status 404"
    );
    // Flattened, the leaf keeps its own child's name and group.
    let flat = err.flatten();
    assert_eq!(
        origins(&flat),
        [(Some("posts"), Some("profile"), E::Http(404))]
    );
}

#[test]
fn split_map_and_extend_keep_names_and_equality_ignores_them() {
    let mut eg = ErrorGroup::new(E::Http(500));
    eg.push_named(E::Http(404), "posts");
    eg.push_named(E::Timeout, "feed");
    let (http, rest) = eg.clone().split(|e| matches!(e, E::Http(_)));
    let http = http.unwrap();
    assert_eq!(
        origins(&http),
        [
            (None, None, E::Http(500)),
            (Some("posts"), None, E::Http(404))
        ]
    );
    assert_eq!(origins(&rest.unwrap()), [(Some("feed"), None, E::Timeout)]);
    let mapped = http.clone().map(|e| e);
    assert_eq!(origins(&mapped), origins(&http));
    let mut joined = ErrorGroup::new(E::Timeout);
    joined.extend(http);
    assert_eq!(
        joined.leaves().map(|l| l.child()).collect::<Vec<_>>(),
        [None, None, Some("posts")]
    );
    // Names are context, not identity.
    assert_eq!(
        eg,
        ErrorGroup::from_errors([E::Http(500), E::Http(404), E::Timeout]).unwrap()
    );
    // An unnamed group prints and debugs as before.
    let plain = ErrorGroup::from_errors([E::Http(1)]).unwrap();
    assert_eq!(format!("{plain:?}"), "ErrorGroup([Http(1)])");
}
