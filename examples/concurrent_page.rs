//! `#[concurrent]` on a page loader: the body reads as sequential code, yet
//! the user and posts lookups overlap and the avatar lookup starts the
//! moment the user is known. The program prints the timeline of what ran
//! when, then the same loader without the attribute for comparison.
//!
//! `cargo run --example concurrent_page`

use std::sync::Mutex;
use std::time::{Duration, Instant};

use taskgroup::concurrent;

static START: Mutex<Option<Instant>> = Mutex::new(None);

fn log(what: &str) {
    let start = START
        .lock()
        .unwrap()
        .get_or_insert_with(Instant::now)
        .elapsed();
    println!("{:>5} ms  {what}", start.as_millis());
}

#[derive(Debug)]
struct User {
    name: String,
    avatar: String,
}

#[derive(Debug)]
struct Page {
    user: User,
    posts: Vec<String>,
    avatar: usize,
}

#[derive(Debug)]
struct FetchError;

async fn lookup<T>(what: &str, ms: u64, value: T) -> Result<T, FetchError> {
    log(&format!("start {what}"));
    tokio::time::sleep(Duration::from_millis(ms)).await;
    log(&format!("done  {what}"));
    Ok(value)
}

#[concurrent]
async fn load_page(id: u64) -> Result<Page, FetchError> {
    let user = lookup(
        "user",
        80,
        User {
            name: format!("user{id}"),
            avatar: format!("{id}.png"),
        },
    )
    .await?;
    let posts = lookup(
        "posts",
        150,
        vec![format!("post {id}.1"), format!("post {id}.2")],
    )
    .await?;
    let avatar = lookup("avatar", 40, user.avatar.len() * 1024).await?;
    log("all three lookups done");
    Ok(Page {
        user,
        posts,
        avatar,
    })
}

async fn load_page_sequentially(id: u64) -> Result<Page, FetchError> {
    let user = lookup(
        "user",
        80,
        User {
            name: format!("user{id}"),
            avatar: format!("{id}.png"),
        },
    )
    .await?;
    let posts = lookup(
        "posts",
        150,
        vec![format!("post {id}.1"), format!("post {id}.2")],
    )
    .await?;
    let avatar = lookup("avatar", 40, user.avatar.len() * 1024).await?;
    log("all three lookups done");
    Ok(Page {
        user,
        posts,
        avatar,
    })
}

#[tokio::main]
async fn main() -> Result<(), FetchError> {
    println!("with #[concurrent]:");
    *START.lock().unwrap() = Some(Instant::now());
    let page = load_page(7).await?;
    println!(
        "-> {} with {} posts and a {}-byte avatar\n",
        page.user.name,
        page.posts.len(),
        page.avatar
    );

    println!("the same body, sequential:");
    *START.lock().unwrap() = Some(Instant::now());
    let page = load_page_sequentially(7).await?;
    println!("-> {} with {} posts", page.user.name, page.posts.len());
    Ok(())
}
