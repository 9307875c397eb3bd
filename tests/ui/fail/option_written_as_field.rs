use std::time::Duration;
use taskgroup::{taskgroup, TimedOut};

async fn one() -> Result<u8, TimedOut> { Ok(1) }

async fn run() {
    let d = Duration::from_secs(1);
    let _ = taskgroup! {
        timeout: d,
        let a = one()?;
    };
}

fn main() {}
