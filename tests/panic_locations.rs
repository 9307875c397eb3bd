//! Every misuse panic of the runtime points at the caller's line (its
//! `Location`, as a panic hook sees it), or, where the panic can only
//! happen inside a future, names that line in its message.

use std::cell::RefCell;
use std::panic::{self, AssertUnwindSafe, Location};
use std::sync::Once;

use taskgroup::{Race, TaskGroup};

thread_local! {
    /// The last panic on this thread: its message and location.
    static LAST: RefCell<Option<(String, String, u32)>> = const { RefCell::new(None) };
}

fn hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| info.payload().downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            let (file, line) = info
                .location()
                .map_or((String::new(), 0), |l| (l.file().to_owned(), l.line()));
            LAST.with(|last| *last.borrow_mut() = Some((message, file, line)));
            previous(info);
        }));
    });
}

/// Runs `f` on a current-thread runtime (so a panic in a future happens on
/// this thread) and returns the panic's message, file and line.
fn panic_of(f: impl AsyncFnOnce()) -> (String, String, u32) {
    hook();
    LAST.with(|last| *last.borrow_mut() = None);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .unwrap();
    let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
        rt.block_on(async {
            // A regression that hangs fails instead of stalling.
            tokio::time::timeout(std::time::Duration::from_secs(10), f())
                .await
                .expect("the misuse did not panic in time")
        })
    }));
    assert!(outcome.is_err(), "the misuse did not panic");
    LAST.with(|last| last.borrow_mut().take())
        .expect("the hook saw the panic")
}

/// The panic is the one for a second `run`, located at line `expected` of
/// this file.
fn assert_run_twice_at((message, file, line): (String, String, u32), expected: Option<u32>) {
    assert!(message.contains("`run` called twice"), "{message}");
    assert_eq!(file, file!());
    assert_eq!(Some(line), expected);
}

#[test]
fn run_called_twice_points_at_the_second_call() {
    let mut expected = None;
    let panic = panic_of(async || {
        let tg = TaskGroup::<()>::new();
        tg.run(async { Ok(()) }).await.unwrap();
        expected = Some(Location::caller().line() + 1);
        let _ = tg.run(async { Ok(()) }).await;
    });
    assert_run_twice_at(panic, expected);
}

#[test]
fn race_run_called_twice_points_at_the_second_call() {
    let mut expected = None;
    let panic = panic_of(async || {
        let race = Race::<u8, ()>::new();
        race.run(async {
            race.spawn(async { Ok(1) });
            Ok(())
        })
        .await
        .unwrap();
        expected = Some(Location::caller().line() + 1);
        let _ = race.run(async { Ok(()) }).await;
    });
    assert_run_twice_at(panic, expected);
}

#[test]
fn race_without_contestant_names_the_line_that_ran_it() {
    let mut expected = None;
    let (message, _, _) = panic_of(async || {
        let race = Race::<u8, ()>::new();
        expected = Some(Location::caller().line() + 1);
        let _ = race.run(async { Ok(()) }).await;
    });
    let expected = expected.unwrap();
    assert!(message.contains("no contestant"), "{message}");
    assert!(
        message.contains(&format!("{}:{expected}:", file!())),
        "the message names the line that called `run`: {message}"
    );
}

/// Runs `f` (synchronous misuse) and returns its panic's message, file and
/// line.
fn sync_panic_of(f: impl FnOnce()) -> (String, String, u32) {
    panic_of(async || f())
}

#[test]
fn spawn_before_run_points_at_the_spawn() {
    let tg = TaskGroup::<()>::new();
    let line = Location::caller().line() + 1;
    let (message, file, at) = sync_panic_of(|| drop(tg.spawn(async { Ok(()) })));
    assert!(message.contains("taskgroup"), "{message}");
    assert_eq!((file.as_str(), at), (file!(), line));

    let race = Race::<u8, ()>::new();
    let line = Location::caller().line() + 1;
    let (_, file, at) = sync_panic_of(|| race.spawn(async { Ok(1) }));
    assert_eq!((file.as_str(), at), (file!(), line));
}

#[test]
fn builder_misuse_points_at_the_call() {
    let line = Location::caller().line() + 1;
    let (message, file, at) = sync_panic_of(|| drop(TaskGroup::<()>::builder().limit(0)));
    assert!(message.contains("limit"), "{message}");
    assert_eq!((file.as_str(), at), (file!(), line));

    let race_mode = TaskGroup::<()>::builder().mode(taskgroup::Mode::Race);
    let line = Location::caller().line() + 1;
    let (message, file, at) = sync_panic_of(|| drop(race_mode.build()));
    assert!(message.contains("build_race"), "{message}");
    assert_eq!((file.as_str(), at), (file!(), line));
}
