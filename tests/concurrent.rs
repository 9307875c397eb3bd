//! Behaviour of `#[concurrent]`, on tokio's paused clock.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use taskgroup::{ErrorGroup, TimedOut, concurrent};
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Records "label@ms" (milliseconds since `start`) in order.
struct Timeline {
    start: Instant,
    events: Mutex<Vec<String>>,
}

impl Timeline {
    fn new() -> Self {
        Timeline {
            start: Instant::now(),
            events: Mutex::new(Vec::new()),
        }
    }
    fn note(&self, what: &str) {
        let at = self.start.elapsed().as_millis();
        self.events.lock().unwrap().push(format!("{what}@{at}"));
    }
    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

async fn work<T>(t: &Timeline, name: &str, delay: u64, value: T) -> T {
    t.note(&format!("{name} start"));
    sleep(ms(delay)).await;
    t.note(&format!("{name} end"));
    value
}

async fn fail<T>(
    t: &Timeline,
    name: &str,
    delay: u64,
    err: &'static str,
) -> Result<T, &'static str> {
    t.note(&format!("{name} start"));
    sleep(ms(delay)).await;
    t.note(&format!("{name} fails"));
    Err(err)
}

#[concurrent]
async fn two_independent(t: &Timeline) -> (u32, u32) {
    let a = work(t, "a", 100, 1).await;
    let b = work(t, "b", 100, 2).await;
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn independent_lets_run_concurrently() {
    let t = Timeline::new();
    assert_eq!(two_independent(&t).await, (1, 2));
    assert_eq!(t.start.elapsed(), ms(100), "took the slowest, not the sum");
}

struct User {
    avatar: String,
}

#[concurrent]
async fn page(t: &Timeline) -> Result<(String, Vec<u32>, usize), &'static str> {
    let user = work(
        t,
        "user",
        10,
        Ok(User {
            avatar: "cat.png".into(),
        }),
    )
    .await?;
    let posts = work(t, "posts", 100, Ok(vec![1, 2, 3])).await?;
    let avatar = work(t, "avatar", 20, Ok(user.avatar.len())).await?;
    Ok((user.avatar, posts, avatar))
}

#[tokio::test(start_paused = true)]
async fn a_dependent_let_starts_right_after_what_it_uses() {
    let t = Timeline::new();
    let (name, posts, len) = page(&t).await.unwrap();
    assert_eq!((name.as_str(), posts.len(), len), ("cat.png", 3, 7));
    let events = t.events();
    assert!(
        events.contains(&"avatar start@10".to_string()),
        "{events:?}"
    );
    assert_eq!(t.start.elapsed(), ms(100));
}

#[concurrent]
async fn with_barrier(t: &Timeline) -> u32 {
    let a = work(t, "a", 10, 1).await;
    let b = work(t, "b", 30, 2).await;
    t.note("barrier");
    let c = work(t, "c", 10, 3).await;
    let d = work(t, "d", 10, 4).await;
    a + b + c + d
}

#[tokio::test(start_paused = true)]
async fn other_statements_are_barriers() {
    let t = Timeline::new();
    assert_eq!(with_barrier(&t).await, 10);
    let events = t.events();
    let at = |s: &str| events.iter().position(|e| e == s).unwrap();
    assert!(at("barrier@30") > at("b end@30"), "{events:?}");
    assert!(at("c start@30") > at("barrier@30"), "{events:?}");
    assert_eq!(t.start.elapsed(), ms(40));
}

#[concurrent]
async fn first_error(t: &Timeline, dropped: &AtomicUsize) -> Result<u32, &'static str> {
    struct CountDrop<'a>(&'a AtomicUsize);
    impl Drop for CountDrop<'_> {
        fn drop(&mut self) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }
    let a = async {
        let _guard = CountDrop(dropped);
        work(t, "slow", 1000, Ok::<u32, &'static str>(1)).await
    }
    .await?;
    let b = fail::<u32>(t, "bad", 10, "bad").await?;
    let c = fail::<u32>(t, "worse", 20, "worse").await?;
    Ok(a + b + c)
}

#[tokio::test(start_paused = true)]
async fn the_first_error_cancels_the_other_lets_and_is_returned() {
    let t = Timeline::new();
    let dropped = AtomicUsize::new(0);
    assert_eq!(first_error(&t, &dropped).await, Err("bad"));
    assert_eq!(t.start.elapsed(), ms(10));
    assert_eq!(
        dropped.load(Ordering::SeqCst),
        1,
        "the slow let was dropped"
    );
    assert!(!t.events().iter().any(|e| e.starts_with("worse fails")));
}

#[concurrent]
async fn every_error(t: &Timeline) -> Result<u32, ErrorGroup<&'static str>> {
    let a = fail::<u32>(t, "a", 10, "a").await?;
    let b = work(t, "b", 5, 2).await;
    Ok(a + b)
}

#[tokio::test(start_paused = true)]
async fn an_error_group_return_type_gets_the_errors_as_a_group() {
    let t = Timeline::new();
    let err = every_error(&t).await.unwrap_err();
    assert_eq!(err.into_vec(), ["a"]);
}

#[concurrent]
async fn early_return(t: &Timeline) -> Result<u32, &'static str> {
    let a = async {
        sleep(ms(5)).await;
        7u32
    }
    .await;
    let b = {
        let v = work(t, "b", 10, 3u32).await;
        if v == 3 {
            return Ok(99);
        }
        v
    };
    let c = work(t, "c", 500, 1u32).await;
    Ok(a + b + c)
}

#[tokio::test(start_paused = true)]
async fn return_inside_a_let_returns_from_the_fn_after_cancelling_the_others() {
    let t = Timeline::new();
    assert_eq!(early_return(&t).await, Ok(99));
    assert_eq!(t.start.elapsed(), ms(10));
}

struct Service {
    name: String,
    calls: AtomicUsize,
}

impl Service {
    async fn get(&self, what: &str, delay: u64) -> String {
        self.calls.fetch_add(1, Ordering::SeqCst);
        sleep(ms(delay)).await;
        format!("{}:{what}", self.name)
    }

    #[concurrent]
    async fn both(&self) -> String {
        let a = self.get("a", 50).await;
        let b = self.get("b", 50).await;
        format!("{a} {b}")
    }

    #[concurrent]
    async fn in_order(&mut self) -> Vec<String> {
        let a = self.get("a", 50).await;
        self.name.push('!');
        let b = self.get("b", 50).await;
        vec![a, b]
    }
}

#[tokio::test(start_paused = true)]
async fn methods_with_ref_self_run_concurrently() {
    let s = Service {
        name: "svc".into(),
        calls: AtomicUsize::new(0),
    };
    let start = Instant::now();
    assert_eq!(s.both().await, "svc:a svc:b");
    assert_eq!(start.elapsed(), ms(50));
}

#[tokio::test(start_paused = true)]
async fn lets_that_use_mut_self_keep_their_order() {
    let mut s = Service {
        name: "svc".into(),
        calls: AtomicUsize::new(0),
    };
    let start = Instant::now();
    assert_eq!(s.in_order().await, ["svc:a", "svc!:b"]);
    assert_eq!(start.elapsed(), ms(100));
}

#[concurrent]
async fn generic<T, F>(items: &[T], f: F) -> Vec<String>
where
    T: std::fmt::Debug + Sync,
    F: Fn(&T) -> String + Sync,
{
    let first = async { f(&items[0]) }.await;
    let last = async { f(&items[items.len() - 1]) }.await;
    vec![first, last]
}

#[tokio::test]
async fn generic_fns_with_where_clauses_work() {
    assert_eq!(generic(&[1, 2, 3], |n| n.to_string()).await, ["1", "3"]);
}

#[derive(Debug, PartialEq)]
enum FetchError {
    Timeout,
}

impl From<TimedOut> for FetchError {
    fn from(_: TimedOut) -> Self {
        FetchError::Timeout
    }
}

#[concurrent(timeout = Duration::from_millis(50))]
async fn too_slow(t: &Timeline) -> Result<u32, FetchError> {
    let a = work(t, "a", 10, 1).await;
    let b = work(t, "b", 1000, 2).await;
    Ok(a + b)
}

#[tokio::test(start_paused = true)]
async fn timeout_fails_the_fn_with_timed_out() {
    let t = Timeline::new();
    assert_eq!(too_slow(&t).await, Err(FetchError::Timeout));
    assert_eq!(t.start.elapsed(), ms(50));
}

#[concurrent(limit = 2)]
async fn limited(t: &Timeline, running: &AtomicUsize, peak: &AtomicUsize) -> u32 {
    let step = |name: &'static str| async move {
        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
        peak.fetch_max(now, Ordering::SeqCst);
        let v = work(t, name, 10, 1).await;
        running.fetch_sub(1, Ordering::SeqCst);
        v
    };
    let a = step("a").await;
    let b = step("b").await;
    let c = step("c").await;
    let d = step("d").await;
    a + b + c + d
}

#[tokio::test(start_paused = true)]
async fn limit_caps_how_many_lets_run_at_once() {
    let t = Timeline::new();
    let (running, peak) = (AtomicUsize::new(0), AtomicUsize::new(0));
    assert_eq!(limited(&t, &running, &peak).await, 4);
    assert_eq!(peak.load(Ordering::SeqCst), 2);
    assert_eq!(t.start.elapsed(), ms(20));
}

fn one_at_a_time() -> usize {
    1
}

// A computed limit, and a let that waits for one still waiting its turn.
#[concurrent(limit = one_at_a_time())]
async fn limited_with_a_dependency(t: &Timeline) -> u32 {
    let a = work(t, "a", 10, 1).await;
    let b = work(t, "b", 10, 2).await;
    let c = work(t, "c", 10, a + 2).await;
    a + b + c
}

#[tokio::test(start_paused = true)]
async fn a_computed_limit_admits_lets_in_order_and_never_deadlocks() {
    let t = Timeline::new();
    assert_eq!(limited_with_a_dependency(&t).await, 6);
    assert_eq!(
        t.events(),
        [
            "a start@0",
            "a end@10",
            "b start@10",
            "b end@20",
            "c start@20",
            "c end@30"
        ]
    );
}

#[concurrent]
async fn panicking(t: &Timeline) -> u32 {
    let a = work(t, "a", 1000, 1).await;
    let b = async {
        sleep(ms(5)).await;
        std::panic::panic_any(17u8);
        #[allow(unreachable_code)]
        0
    }
    .await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn a_panic_in_a_let_resumes_with_its_payload() {
    let payload = tokio::spawn(async {
        let t = Timeline::new();
        panicking(&t).await
    })
    .await
    .unwrap_err()
    .into_panic();
    assert_eq!(payload.downcast_ref::<u8>(), Some(&17));
}

#[concurrent]
async fn owned_bindings(t: &Timeline) -> (String, String) {
    let mut a = work(t, "a", 5, String::from("x")).await;
    let b: String = work(t, "b", 5, String::from("y")).await;
    a.push('!');
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn bindings_are_owned_after_the_group() {
    let t = Timeline::new();
    assert_eq!(
        owned_bindings(&t).await,
        ("x!".to_string(), "y".to_string())
    );
}

#[tokio::test(start_paused = true)]
async fn the_future_is_send_and_dropping_it_cancels() {
    let t: &'static Timeline = Box::leak(Box::new(Timeline::new()));
    let fut = page(t);
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&fut);
    assert!(tokio::time::timeout(ms(15), fut).await.is_err());
    sleep(ms(200)).await;
    let events = t.events();
    assert!(
        !events.iter().any(|e| e.starts_with("posts end")),
        "{events:?}"
    );
}

trait Loader {
    fn delay(&self) -> u64;

    #[concurrent]
    async fn load_both(&self) -> (u64, u64) {
        let a = async {
            sleep(ms(self.delay())).await;
            1
        }
        .await;
        let b = async {
            sleep(ms(self.delay())).await;
            2
        }
        .await;
        (a, b)
    }
}

struct Fixed;

impl Loader for Fixed {
    fn delay(&self) -> u64 {
        40
    }
}

#[tokio::test(start_paused = true)]
async fn async_fns_in_traits_run_their_lets_concurrently() {
    let start = Instant::now();
    assert_eq!(Fixed.load_both().await, (1, 2));
    assert_eq!(start.elapsed(), ms(40));
}

#[concurrent]
#[tracing::instrument(skip(t))]
async fn instrumented(t: &Timeline, id: u32) -> (u32, u32) {
    let a = work(t, "a", 30, id).await;
    let b = work(t, "b", 30, id + 1).await;
    (a, b)
}

#[tokio::test(start_paused = true)]
async fn stacks_with_tracing_instrument() {
    let t = Timeline::new();
    assert_eq!(instrumented(&t, 1).await, (1, 2));
    assert_eq!(
        t.start.elapsed(),
        ms(30),
        "still concurrent under #[instrument]"
    );
}

// Regressions found in review: code whose order matters through side
// effects, and signatures the rewrite must leave alone.

struct Store {
    items: Mutex<Vec<u32>>,
}

impl Store {
    async fn insert(&self, v: u32) -> Result<(), &'static str> {
        sleep(ms(10)).await;
        self.items.lock().unwrap().push(v);
        Ok(())
    }
    async fn count(&self) -> Result<usize, &'static str> {
        Ok(self.items.lock().unwrap().len())
    }
}

// The `let _ =` of a unit value is the point of this test.
#[allow(clippy::let_unit_value)]
#[concurrent]
async fn write_then_read(store: &Store) -> Result<usize, &'static str> {
    let _ = store.insert(7).await?;
    let n = store.count().await?;
    let m = store.count().await?;
    Ok(n + m)
}

#[tokio::test(start_paused = true)]
async fn a_let_kept_only_for_its_side_effect_keeps_its_place() {
    let store = Store {
        items: Mutex::new(Vec::new()),
    };
    assert_eq!(write_then_read(&store).await, Ok(2));
}

struct Counter(u32);

impl Counter {
    async fn bump(&mut self) -> u32 {
        sleep(ms(10)).await;
        self.0 += 1;
        self.0
    }

    // The explicit receiver type is the point of this test.
    #[allow(clippy::needless_arbitrary_self_type)]
    #[concurrent]
    async fn twice(self: &mut Self) -> (u32, u32) {
        let a = self.bump().await;
        let b = self.bump().await;
        (a, b)
    }
}

#[tokio::test(start_paused = true)]
async fn a_typed_mut_self_receiver_keeps_the_order() {
    let mut c = Counter(0);
    assert_eq!(c.twice().await, (1, 2));
}

async fn maybe(v: Option<u32>) -> Option<u32> {
    v
}

#[concurrent]
async fn option_fn(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    let x = maybe(a).await?;
    let y = maybe(b).await?;
    Some(x + y)
}

#[tokio::test]
async fn question_mark_on_option_stays_sequential_and_compiles() {
    assert_eq!(option_fn(Some(1), Some(2)).await, Some(3));
    assert_eq!(option_fn(None, Some(2)).await, None);
}

#[concurrent]
async fn opaque(t: &Timeline) -> impl std::fmt::Display {
    let a = work(t, "a", 10, 1).await;
    let b = work(t, "b", 10, 2).await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn an_impl_trait_return_type_is_left_as_written() {
    let t = Timeline::new();
    assert_eq!(opaque(&t).await.to_string(), "3");
}

#[concurrent]
async fn with_cfg(t: &Timeline) -> u32 {
    #[cfg(any())]
    let a = does_not_exist().await;
    let a = work(t, "a", 10, 1).await;
    let b = work(t, "b", 10, 2).await;
    a + b
}

#[tokio::test(start_paused = true)]
async fn cfg_on_a_let_is_honoured() {
    let t = Timeline::new();
    assert_eq!(with_cfg(&t).await, 3);
    assert_eq!(t.start.elapsed(), ms(10));
}

#[concurrent]
async fn coerced_return(t: &Timeline) -> Box<dyn std::fmt::Display + Send> {
    let a = {
        let v = work(t, "a", 10, 5u32).await;
        if v == 5 {
            return Box::new(v);
        }
        v
    };
    let b = work(t, "b", 10, 1u32).await;
    Box::new(a + b)
}

#[tokio::test(start_paused = true)]
async fn a_return_inside_a_let_coerces_to_the_return_type() {
    let t = Timeline::new();
    assert_eq!(coerced_return(&t).await.to_string(), "5");
}
