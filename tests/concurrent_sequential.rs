//! `#[concurrent]` on ordinary sequential code: a later `let` gets an
//! earlier binding as the sequential code would (a `Copy` value by value,
//! a value used once moved into that let, a value used several times by
//! reference), and the rewrite makes rustc warn about nothing that the
//! sequential code would not warn about.
#![deny(warnings)]

use std::time::Duration;

use taskgroup::concurrent;
use tokio::time::{Instant, sleep};

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[derive(Debug, PartialEq)]
struct User {
    id: u32,
    name: String,
}

#[derive(Debug, PartialEq)]
struct Error;

async fn count() -> Result<u32, Error> {
    sleep(ms(100)).await;
    Ok(3)
}

/// Takes a `Copy` value by value.
async fn next(n: u32) -> Result<u32, Error> {
    sleep(ms(50)).await;
    Ok(n + 1)
}

async fn user(id: u32) -> Result<User, Error> {
    sleep(ms(100)).await;
    Ok(User {
        id,
        name: format!("user{id}"),
    })
}

/// Takes a value that is not `Copy` by value: the caller moves it.
async fn greet(u: User) -> Result<String, Error> {
    sleep(ms(50)).await;
    Ok(format!("hello {} ({})", u.name, u.id))
}

async fn tags() -> Result<Vec<String>, Error> {
    sleep(ms(100)).await;
    Ok(vec!["a".into(), "b".into()])
}

async fn first_tag(tags: &[String]) -> Result<String, Error> {
    sleep(ms(30)).await;
    Ok(tags[0].clone())
}

async fn tag_count(tags: &[String]) -> Result<usize, Error> {
    sleep(ms(60)).await;
    Ok(tags.len())
}

async fn bounds() -> Result<(u32, u32), Error> {
    sleep(ms(80)).await;
    Ok((2, 9))
}

async fn width(lo: u32, hi: u32) -> Result<u32, Error> {
    sleep(ms(20)).await;
    Ok(hi - lo)
}

async fn save(log: &mut Vec<String>, line: &str) -> Result<usize, Error> {
    sleep(ms(10)).await;
    log.push(line.to_string());
    Ok(log.len())
}

#[derive(Debug, PartialEq)]
struct Summary {
    n: u32,
    m: u32,
    greeting: String,
    tags: Vec<String>,
    first: String,
    total: usize,
    span: u32,
    saved: usize,
    extra: u32,
}

/// Written as sequential code, unchanged. `n` is `Copy` and used by two
/// lets and after; `u` is used once, by value; `tags` is shared by two lets
/// and used after; `lo` and `hi` come from a pattern and are used only by
/// `span`; `log` is `&mut`, so the lets that use it keep their place.
#[concurrent]
async fn dashboard(log: &mut Vec<String>) -> Result<Summary, Error> {
    let n = count().await?; //                    0..100
    let m = next(n).await?; //                    100..150
    let u = user(n).await?; //                    100..200
    let greeting = greet(u).await?; //            200..250
    let tags = tags().await?; //                  0..100
    let first = first_tag(&tags).await?; //       100..130
    let total = tag_count(&tags).await?; //       100..160
    let (lo, hi) = bounds().await?; //            0..80
    let span = width(lo, hi).await?; //           80..100
    let saved = save(log, &greeting).await?; //   250..260 (uses `&mut`)
    let extra = next(m).await?; //                260..310
    Ok(Summary {
        n,
        m,
        greeting,
        tags,
        first,
        total,
        span,
        saved,
        extra,
    })
}

#[tokio::test(start_paused = true)]
async fn sequential_code_compiles_and_its_independent_lets_overlap() {
    let mut log = Vec::new();
    let start = Instant::now();
    let summary = tokio::time::timeout(ms(10_000), dashboard(&mut log))
        .await
        .expect("the fn finished");
    // The critical path (count, user, greet, save, next: 100 + 100 + 50 +
    // 10 + 50), not the sum of every let (600 ms).
    assert_eq!(start.elapsed(), ms(310));
    assert_eq!(
        summary,
        Ok(Summary {
            n: 3,
            m: 4,
            greeting: "hello user3 (3)".into(),
            tags: vec!["a".into(), "b".into()],
            first: "a".into(),
            total: 2,
            span: 7,
            saved: 1,
            extra: 5,
        })
    );
    assert_eq!(log, ["hello user3 (3)"]);
}

async fn id<T>(value: T) -> T {
    sleep(ms(10)).await;
    value
}

/// A generic `T: Copy` is copied into each let that uses it: the bound is
/// what tells the rewrite that it may.
#[concurrent]
async fn twice<T: Copy + Send + Sync>(value: T) -> (T, T) {
    let a = id(value).await;
    let b = id(a).await;
    let c = id(a).await;
    (b, c)
}

/// A generic `T` without `Copy`, used by one later let, is moved into it.
#[concurrent]
async fn handed_on<T: Send>(value: T) -> T {
    let a = id(value).await;
    let b = id(a).await;
    b
}

#[tokio::test(start_paused = true)]
async fn generic_values_are_copied_or_moved() {
    let start = Instant::now();
    assert_eq!(twice(7u8).await, (7, 7));
    assert_eq!(start.elapsed(), ms(20));
    assert_eq!(handed_on(String::from("s")).await, "s");
}

/// A value moved into its only user is dropped there, when that let is
/// done with it, like a value moved in sequential code.
#[concurrent]
async fn moved_and_dropped(drops: &std::sync::Mutex<Vec<&'static str>>) -> u32 {
    struct Noisy<'a>(&'a std::sync::Mutex<Vec<&'static str>>);
    impl Drop for Noisy<'_> {
        fn drop(&mut self) {
            self.0.lock().unwrap().push("dropped");
        }
    }
    async fn consume(n: Noisy<'_>) -> u32 {
        drop(n);
        sleep(ms(10)).await;
        1
    }
    let noisy = id(Noisy(drops)).await;
    let one = consume(noisy).await;
    drops.lock().unwrap().push("after");
    one
}

#[tokio::test(start_paused = true)]
async fn a_moved_value_is_dropped_by_the_let_that_took_it() {
    let drops = std::sync::Mutex::new(Vec::new());
    assert_eq!(moved_and_dropped(&drops).await, 1);
    assert_eq!(*drops.lock().unwrap(), ["dropped", "after"]);
}

/// `t` is used by two later lets and nowhere after, `n` by one: sequential
/// code warns about neither, so neither does the rewrite (`deny(warnings)`
/// above makes a warning fail this file).
#[concurrent]
async fn used_only_by_later_lets() -> Result<usize, Error> {
    let t = tags().await?;
    let n = tag_count(&t).await?;
    let f = first_tag(&t).await?;
    let c = count().await?;
    let s = next(c).await?;
    Ok(n + f.len() + s as usize)
}

#[tokio::test(start_paused = true)]
async fn bindings_used_only_inside_the_group_do_not_warn() {
    let start = Instant::now();
    assert_eq!(used_only_by_later_lets().await, Ok(2 + 1 + 4));
    assert_eq!(start.elapsed(), ms(160));
}

async fn get(cell: std::cell::Cell<u32>) -> u32 {
    cell.get() + 1
}

/// A moved binding is never shared, so it needs only `Send`, as in
/// sequential code: a `Cell` (`Send`, not `Sync`) keeps the fn's future
/// `Send`.
#[concurrent]
async fn moves_a_cell() -> u32 {
    let cell = id(std::cell::Cell::new(1u32)).await;
    let n = get(cell).await;
    let m = id(2u32).await;
    n + m
}

#[tokio::test(start_paused = true)]
async fn a_moved_binding_needs_only_send() {
    fn assert_send<T: Send>(t: T) -> T {
        t
    }
    assert_eq!(assert_send(moves_a_cell()).await, 4);
}

async fn load() -> (User, Vec<String>, u32) {
    sleep(ms(40)).await;
    (
        User {
            id: 1,
            name: "ann".into(),
        },
        vec!["x".into()],
        2,
    )
}

/// The names of one pattern go their own ways: `u` is moved into
/// `greeting`, `tags` is shared with `first` and used after, `n` is copied.
#[concurrent]
async fn parts() -> Result<(String, String, usize, u32), Error> {
    let (u, tags, n) = load().await;
    let greeting = greet(u).await?;
    let first = first_tag(&tags).await?;
    let m = next(n).await?;
    Ok((greeting, first, tags.len(), m))
}

/// A struct pattern, with a name bound `mut` that only the code after uses.
#[concurrent]
async fn struct_parts() -> Result<(String, u32), Error> {
    let User { id, mut name } = user(4).await?;
    let m = next(id).await?;
    let g = next(m).await?;
    name.push('!');
    Ok((name, g))
}

#[tokio::test(start_paused = true)]
async fn the_names_of_a_pattern_are_moved_copied_or_shared_each_on_its_own() {
    let start = Instant::now();
    assert_eq!(
        parts().await,
        Ok(("hello ann (1)".into(), "x".into(), 1, 3))
    );
    assert_eq!(start.elapsed(), ms(90));
    assert_eq!(struct_parts().await, Ok(("user4!".into(), 6)));
}
