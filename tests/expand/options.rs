//! Options: a timeout for the whole group, a limit on what runs at once
//! (the branches and the items of each fan-out), the group's error type.

use std::io;
use std::time::Duration;

use taskgroup::{ErrorGroup, TimedOut, taskgroup};

#[derive(Debug)]
enum AppError {
    Io,
    Timeout,
}

impl From<io::Error> for AppError {
    fn from(_: io::Error) -> Self {
        AppError::Io
    }
}

impl From<TimedOut> for AppError {
    fn from(_: TimedOut) -> Self {
        AppError::Timeout
    }
}

async fn fetch_user(id: u32) -> Result<String, io::Error> {
    Ok(format!("user{id}"))
}

async fn fetch_motd() -> Result<String, io::Error> {
    Ok("hello".to_string())
}

async fn options(ids: Vec<u32>) -> Result<(Vec<String>, String), ErrorGroup<AppError>> {
    taskgroup! {
        timeout = Duration::from_secs(5);
        limit = 4;
        error = AppError;
        let users = for id in ids { fetch_user(id)? };
        let motd = fetch_motd()?;
    }
}
