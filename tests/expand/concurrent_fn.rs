//! `#[concurrent]` on an async fn: `user` and `visits` start at once,
//! `posts` names `user` and starts when it is ready; every error is
//! returned, since the fn returns an `ErrorGroup`.

use std::io;

use taskgroup::{ErrorGroup, concurrent};

async fn fetch_user(id: u32) -> Result<String, io::Error> {
    Ok(format!("user{id}"))
}

async fn fetch_posts(user: &str) -> Result<Vec<String>, io::Error> {
    Ok(vec![format!("{user}'s post")])
}

async fn count_visits() -> u64 {
    42
}

#[concurrent]
async fn concurrent_fn(id: u32) -> Result<String, ErrorGroup<io::Error>> {
    let user = fetch_user(id).await?;
    let posts = fetch_posts(user.as_str()).await?;
    let visits = count_visits().await;
    Ok(format!("{user}: {} posts, {visits} visits", posts.len()))
}
