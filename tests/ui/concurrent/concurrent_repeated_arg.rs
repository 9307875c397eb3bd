use std::time::Duration;
use taskgroup::concurrent;

#[concurrent(timeout = Duration::from_secs(1), timeout = Duration::from_secs(2))]
async fn load() -> u32 {
    1
}

fn main() {
    let _ = load();
}
