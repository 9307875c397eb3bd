//! The live tree: groups running now, their children (name, state, age),
//! nested groups under the child that runs them; finished ones disappear.

use std::time::Duration;

use taskgroup::{ChildState, TaskGroup, record_tree, tree_snapshot};
use tokio::time::sleep;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test(start_paused = true)]
async fn snapshot_shows_groups_children_states_and_nesting() {
    record_tree(true);
    let outer = TaskGroup::<()>::builder().name("outer").limit(2).build();
    let tree = outer
        .run(async {
            outer.child("worker").spawn(async {
                let inner = TaskGroup::<()>::builder().name("inner").build();
                inner
                    .run(async {
                        inner.child("leaf").spawn(async {
                            sleep(ms(100)).await;
                            Ok(())
                        });
                        Ok(())
                    })
                    .await
                    .map_err(|_| ())
            });
            outer.child("sleeper").spawn(async {
                sleep(ms(100)).await;
                Ok(())
            });
            // The limit is 2: this one waits.
            outer.child("queued").spawn(async { Ok(()) });
            outer.child("task").spawn_task(async { Ok(()) });
            sleep(ms(10)).await;
            Ok(tree_snapshot())
        })
        .await
        .unwrap();

    let outer_snap = tree
        .groups
        .iter()
        .find(|g| g.name.as_deref() == Some("outer"))
        .expect("the outer group is a root");
    let names: Vec<_> = outer_snap
        .children
        .iter()
        .map(|c| c.name.clone().unwrap())
        .collect();
    assert_eq!(names, ["worker", "sleeper", "queued", "task"]);
    let state = |n: &str| {
        outer_snap
            .children
            .iter()
            .find(|c| c.name.as_deref() == Some(n))
            .unwrap()
    };
    assert_eq!(state("worker").state, ChildState::Running);
    assert_eq!(state("queued").state, ChildState::Waiting);
    assert!(state("task").task);
    assert_eq!(state("worker").age, ms(10));
    let inner = &state("worker").groups;
    assert_eq!(inner.len(), 1);
    assert_eq!(inner[0].name.as_deref(), Some("inner"));
    assert_eq!(inner[0].children[0].name.as_deref(), Some("leaf"));
    let text = tree.to_string();
    assert!(text.contains("group \"outer\""), "{text}");
    assert!(
        text.contains("    group \"inner\""),
        "nested groups are indented:\n{text}"
    );

    // Once run has returned, the group has left the tree.
    let after = tree_snapshot();
    assert!(
        after
            .groups
            .iter()
            .all(|g| g.name.as_deref() != Some("outer")),
        "{after}"
    );
    record_tree(false);
}
