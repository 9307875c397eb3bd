//! A race's value type is written at most once: on `Race` (the builder
//! carries it to `build_race`), on `build_race`, or nowhere (the
//! contestants give it). The form that wrote it twice still compiles.

use std::time::Duration;
use taskgroup::{Race, TaskGroup, TimedOut};

async fn run() {
    // Never: the contestants give both types.
    let race = Race::builder().limit(2).build_race();
    let won = race
        .run(async {
            race.spawn(async { Ok::<u32, ()>(1) });
            Ok(())
        })
        .await;
    assert_eq!(won, Ok(1));

    // Once, on `Race`.
    let race = Race::<u32, TimedOut>::builder()
        .timeout(Duration::from_secs(1))
        .build_race();
    let won = race
        .run(async {
            race.spawn(async { Ok(2) });
            Ok(())
        })
        .await;
    assert_eq!(won, Ok(2));

    // Once, on `build_race`, from any group's builder.
    let race = TaskGroup::<()>::builder().limit(1).build_race::<u32>();
    let won = race
        .run(async {
            race.spawn(async { Ok(3) });
            Ok(())
        })
        .await;
    assert_eq!(won, Ok(3));

    // Twice, as the docs once wrote it.
    let race = Race::<u32, ()>::builder().limit(2).build_race::<u32>();
    drop(race);
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run());
}
