//! Model checks of a task child reporting to its group from another
//! thread: `RUSTFLAGS="--cfg loom" cargo test -p taskgroup-core --release
//! --lib loom_tests` (see `src/sync.rs`). A lost wake-up shows as loom's
//! "deadlock": the driver sleeps and nothing will wake it.
//!
//! The spawn side is modelled too: a spawn counts its task without a lock
//! (`TaskChildren::try_start`) while the group's end or a cancel closes the
//! set; the phase and the tracked aborts, kept under `GroupState`'s lock,
//! are modelled here by a loom mutex, as `count_task`, `track_task`,
//! `try_finish` and `begin_cancel` use them.

use std::future::ready;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use loom::sync::Notify;
use loom::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use loom::thread;

use super::{GroupTask, TaskChild, TaskChildren, TaskReport, Unnamed};
use crate::policy::Mode;

/// The driver's waker: counts its wakes and lets the driver's thread
/// run again, as the runtime does for a task that returned Pending.
/// (A `Notify`, not `park`: loom's `unpark` would also end a `join`.)
#[derive(Default)]
struct DriverWaker {
    wakes: AtomicUsize,
    driver: Notify,
}

impl DriverWaker {
    fn wakes(&self) -> usize {
        self.wakes.load(Ordering::SeqCst)
    }

    /// Between two polls the driver sleeps until woken. A wake counts
    /// if it came after the poll began (the driver clears its slot
    /// first): a wake during the poll queues another poll.
    fn sleep(&self, polled_at: usize) {
        while self.wakes() == polled_at {
            self.driver.wait();
        }
    }
}

impl Wake for DriverWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.wakes.fetch_add(1, Ordering::SeqCst);
        self.driver.notify();
    }
}

/// The task children of a group, and its driver's waker.
fn group(notify_each: bool) -> (Arc<TaskChildren<u32>>, Arc<DriverWaker>) {
    let waker = Arc::new(DriverWaker::default());
    let tasks = TaskChildren::new(notify_each, Mode::FailFast, Waker::from(Arc::clone(&waker)));
    (Arc::new(tasks), waker)
}

/// What a task child's tokio task does, on a loom thread: one poll of
/// the `TaskChild` future (the child returns `result` at once), then
/// the drop that tells the group the task is gone.
fn run_child(tasks: &Arc<TaskChildren<u32>>, result: Result<(), u32>) -> thread::JoinHandle<()> {
    tasks.started();
    let tasks = Arc::clone(tasks);
    thread::spawn(move || {
        let mut child = Box::pin(TaskChild {
            fut: Some(ready(result)),
            reporter: GroupTask::new(tasks, Unnamed),
        });
        let mut cx = Context::from_waker(Waker::noop());
        let out = child.as_mut().poll(&mut cx);
        // An error goes to the group; the value stays the task's.
        assert!(matches!(out, Poll::Ready(None | Some(Ok(())))));
    })
}

fn failed(report: TaskReport<u32>) -> u32 {
    match report {
        TaskReport::Failed(e, _) => e,
        TaskReport::Panicked(_) | TaskReport::Won | TaskReport::Lost => {
            unreachable!("the children only fail")
        }
    }
}

/// The driver of a group once its body is done, in the order of
/// `GroupDriver::poll_inner`: take the reports, ask whether tasks still
/// run, and if none do, take the late reports. Returns what it saw.
fn drive(tasks: &TaskChildren<u32>, waker: &DriverWaker) -> Vec<u32> {
    let mut seen = Vec::new();
    loop {
        let polled_at = waker.wakes();
        seen.extend(tasks.take_reports().into_iter().map(failed));
        if tasks.idle() {
            seen.extend(tasks.take_reports().into_iter().map(failed));
            return seen;
        }
        waker.sleep(polled_at);
    }
}

/// A failing task child ends on a worker thread while the driver waits
/// for the last task: the driver is woken after the end and sees the
/// error exactly once.
#[test]
fn loom_last_task_end_wakes_the_driver() {
    loom::model(|| {
        let (tasks, waker) = group(false);
        let child = run_child(&tasks, Err(7));
        assert_eq!(drive(&tasks, &waker), [7]);
        child.join().unwrap();
    });
}

/// A model of three threads explores millions of interleavings
/// unbounded; a bug needs only a few preemptions to show (loom's
/// advice). `LOOM_MAX_PREEMPTIONS` overrides `n`.
fn bounded(n: usize) -> loom::model::Builder {
    let mut model = loom::model::Builder::new();
    model.preemption_bound.get_or_insert(n);
    model
}

/// Two task children, each on its own thread: whichever ends last
/// wakes the driver, and both errors are seen once.
#[test]
fn loom_two_tasks_wake_the_driver_once_both_ended() {
    bounded(3).check(|| {
        let (tasks, waker) = group(false);
        let a = run_child(&tasks, Err(1));
        let b = run_child(&tasks, Err(2));
        let mut seen = drive(&tasks, &waker);
        seen.sort_unstable();
        assert_eq!(seen, [1, 2]);
        a.join().unwrap();
        b.join().unwrap();
    });
}

/// A group with a limit of one: the driver starts the second child
/// only once the first has ended, so every end must wake it, not only
/// the last one while it waits.
#[test]
fn loom_every_task_end_wakes_a_limited_group() {
    // Three threads at the end: bound the preemptions as above.
    bounded(3).check(|| {
        let (tasks, waker) = group(true);
        let first = run_child(&tasks, Ok(()));
        // `Driver::start_more_waiting`: room once nothing runs.
        loop {
            let polled_at = waker.wakes();
            if tasks.running() == 0 {
                break;
            }
            waker.sleep(polled_at);
        }
        let second = run_child(&tasks, Ok(()));
        assert!(drive(&tasks, &waker).is_empty());
        first.join().unwrap();
        second.join().unwrap();
        // One wake per end, and nothing else woke the driver.
        assert_eq!(waker.wakes(), 2);
    });
}
/// A task child's tokio task dropped before its child was polled to
/// its end, on a loom thread: by its runtime shutting down, or (after
/// `abort`) by the group's abort, which the task sees through tokio's
/// own synchronisation, modelled here by the flag `abort`.
fn drop_unfinished(
    tasks: &Arc<TaskChildren<u32>>,
    abort: Option<Arc<AtomicBool>>,
) -> thread::JoinHandle<()> {
    tasks.started();
    let tasks = Arc::clone(tasks);
    thread::spawn(move || {
        let child = TaskChild {
            fut: Some(std::future::pending::<Result<(), u32>>()),
            reporter: GroupTask::new(tasks, Unnamed),
        };
        if let Some(abort) = abort {
            // The task is dropped only once the abort reached it.
            while !abort.load(Ordering::Acquire) {
                thread::yield_now();
            }
        }
        drop(child);
    })
}

/// The driver of a group once its body is done (as `drive`): how many
/// tasks it saw reported lost by the time none runs. Nothing else may
/// be reported: the children never end.
fn drive_lost(tasks: &TaskChildren<u32>, waker: &DriverWaker) -> usize {
    let mut lost = 0;
    let mut count = |reports: Vec<TaskReport<u32>>| {
        for report in reports {
            match report {
                TaskReport::Lost => lost += 1,
                _ => unreachable!("the child never ended"),
            }
        }
    };
    loop {
        let polled_at = waker.wakes();
        count(tasks.take_reports());
        if tasks.idle() {
            count(tasks.take_reports());
            return lost;
        }
        waker.sleep(polled_at);
    }
}

/// A task its runtime drops while the driver waits for it: the driver
/// is woken and sees it lost exactly once.
#[test]
fn loom_a_task_dropped_unfinished_is_reported_lost() {
    loom::model(|| {
        let (tasks, waker) = group(false);
        let child = drop_unfinished(&tasks, None);
        assert_eq!(drive_lost(&tasks, &waker), 1);
        child.join().unwrap();
    });
}

/// A task the group aborted (the flag set before the abort, as
/// `GroupState::begin_cancel` does) is never reported lost.
#[test]
fn loom_a_task_the_group_aborted_is_not_lost() {
    loom::model(|| {
        let (tasks, waker) = group(false);
        let abort = Arc::new(AtomicBool::new(false));
        let child = drop_unfinished(&tasks, Some(Arc::clone(&abort)));
        tasks.begin_abort();
        abort.store(true, Ordering::Release);
        assert_eq!(drive_lost(&tasks, &waker), 0);
        child.join().unwrap();
    });
}

/// `state::Phase` once the group has started (its own type here: this
/// module imports nothing above `task_child`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Running,
    Cancelling,
    Finished,
}

/// The group's side of a spawn, as `GroupState` keeps it under its
/// lock: the phase, and the aborts of the tracked tasks (a flag each,
/// as `drop_unfinished` models an abort).
struct Phases {
    phase: Phase,
    aborts: Vec<Arc<AtomicBool>>,
}

type Group = Arc<loom::sync::Mutex<Phases>>;

fn running_group() -> Group {
    Arc::new(loom::sync::Mutex::new(Phases {
        phase: Phase::Running,
        aborts: Vec::new(),
    }))
}

/// `GroupState::count_task`: counted without the lock unless the set
/// is closed; then the phase, under the lock, decides (a set made
/// closed, in a running group, is opened by its first task).
fn count_task(tasks: &TaskChildren<u32>, group: &Group) -> Result<(), Phase> {
    if tasks.try_start() {
        return Ok(());
    }
    let st = group.lock().unwrap();
    if st.phase != Phase::Running {
        return Err(st.phase);
    }
    tasks.open_with_one();
    Ok(())
}

/// A spawn from another thread (`start_task_now`): counted or
/// refused; a counted task is tracked (`GroupState::track_task`,
/// aborted at once in a group that no longer runs) and then runs on
/// this thread until it returns, or until it is aborted when `pending`.
/// Returns the phase a refused spawn saw. `finished`: set by the driver
/// once the group finished, which a counted task must never see.
fn spawn_task(
    tasks: &Arc<TaskChildren<u32>>,
    group: &Group,
    pending: bool,
    finished: &Arc<AtomicBool>,
) -> thread::JoinHandle<Option<Phase>> {
    let tasks = Arc::clone(tasks);
    let group = Arc::clone(group);
    let finished = Arc::clone(finished);
    thread::spawn(move || {
        if let Err(phase) = count_task(&tasks, &group) {
            return Some(phase);
        }
        let abort = Arc::new(AtomicBool::new(false));
        {
            let mut st = group.lock().unwrap();
            if st.phase != Phase::Running {
                abort.store(true, Ordering::Release);
            }
            st.aborts.push(Arc::clone(&abort));
        }
        let mut child = Box::pin(TaskChild {
            fut: Some(ready(Ok::<(), u32>(()))),
            reporter: GroupTask::new(Arc::clone(&tasks), Unnamed),
        });
        if pending {
            // Never returns: runs until its abort reaches it.
            while !abort.load(Ordering::Acquire) {
                thread::yield_now();
            }
        } else {
            let mut cx = Context::from_waker(Waker::noop());
            assert!(child.as_mut().poll(&mut cx).is_ready());
        }
        // Still counted: the group cannot have finished.
        assert!(
            !finished.load(Ordering::Acquire),
            "a task outlived its group"
        );
        drop(child);
        None
    })
}

/// `GroupState::try_finish` once the body is done: finished only if no
/// task runs, in one step with closing the set.
fn try_finish(tasks: &TaskChildren<u32>, group: &Group) -> bool {
    let mut st = group.lock().unwrap();
    if tasks.close_if_idle() {
        st.phase = Phase::Finished;
        true
    } else {
        false
    }
}

/// The driver of a group whose body is done (`GroupDriver::poll_inner`):
/// sleeps until no task runs, then finishes and sets `finished`.
/// Returns the tasks it saw lost.
fn drive_to_the_end(
    tasks: &TaskChildren<u32>,
    waker: &DriverWaker,
    group: &Group,
    finished: &AtomicBool,
) -> usize {
    let mut lost = 0;
    loop {
        let polled_at = waker.wakes();
        lost += drive_lost(tasks, waker);
        if try_finish(tasks, group) {
            finished.store(true, Ordering::Release);
            return lost;
        }
        waker.sleep(polled_at);
    }
}

/// A spawn from another thread racing the group's end, into a task set
/// made by an earlier spawn (`opened`) or by this one (closed, opened
/// by it): either the task is counted, and the group finishes only
/// once it is gone, or the spawn is refused by a group that has
/// finished, never by one that runs. No wake-up is lost.
#[test]
fn loom_a_spawn_racing_the_end_is_awaited_or_refused() {
    for opened in [false, true] {
        // Unbounded, the driver's and the spawner's loops take minutes.
        bounded(4).check(move || {
            let (tasks, waker) = group(false);
            let group = running_group();
            if opened {
                count_task(&tasks, &group).unwrap();
                tasks.gone(true);
            }
            let finished = Arc::new(AtomicBool::new(false));
            let spawner = spawn_task(&tasks, &group, false, &finished);
            assert_eq!(drive_to_the_end(&tasks, &waker, &group, &finished), 0);
            match spawner.join().unwrap() {
                None | Some(Phase::Finished) => {}
                Some(phase) => panic!("refused by a group in phase {phase:?}"),
            }
            // Finished: nothing runs, and no task can start any more.
            assert_eq!(tasks.running(), 0);
            assert!(!tasks.try_start());
        });
    }
}

/// A spawn racing a cancel (`GroupState::begin_cancel`: the phase, the
/// set closed, the aborting flag, then every tracked task aborted,
/// under the lock): either refused (its handle is then cancelled), or
/// counted and aborted, by the cancel or at its tracking; never lost,
/// and the group finishes only once it is gone. (A spawn that comes
/// after the end is refused as in any finished group.)
#[test]
fn loom_a_spawn_racing_a_cancel_is_refused_or_aborted() {
    // Unbounded, the task's spin until its abort takes minutes.
    bounded(4).check(|| {
        let (tasks, waker) = group(false);
        let group = running_group();
        count_task(&tasks, &group).unwrap();
        tasks.gone(true);
        let finished = Arc::new(AtomicBool::new(false));
        let spawner = spawn_task(&tasks, &group, true, &finished);
        {
            let mut st = group.lock().unwrap();
            st.phase = Phase::Cancelling;
            tasks.close();
            tasks.begin_abort();
            for abort in &st.aborts {
                abort.store(true, Ordering::Release);
            }
        }
        assert_eq!(drive_to_the_end(&tasks, &waker, &group, &finished), 0);
        match spawner.join().unwrap() {
            None | Some(Phase::Cancelling | Phase::Finished) => {}
            Some(phase) => panic!("refused by a group in phase {phase:?}"),
        }
    });
}
