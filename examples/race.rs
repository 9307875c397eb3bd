//! A race: the same file from two local mirrors; the first to answer wins
//! and the other download is cancelled (Java's `anySuccessfulResultOrThrow`).
//!
//! `cargo run --example race`

use std::time::{Duration, Instant};

use taskgroup::Race;

async fn download(mirror: &str, latency_ms: u64, works: bool) -> Result<String, String> {
    tokio::time::sleep(Duration::from_millis(latency_ms)).await;
    if works {
        Ok(format!("file from {mirror}"))
    } else {
        Err(format!("{mirror} refused the connection"))
    }
}

#[tokio::main]
async fn main() {
    let start = Instant::now();
    let race = Race::new();
    let winner = race
        .run(async {
            race.spawn(download("mirror-a", 80, true));
            race.spawn(download("mirror-b", 30, true));
            race.spawn(download("mirror-c", 5, false)); // fails first: does not end the race
            Ok(())
        })
        .await;
    println!(
        "winner: {winner:?} after {} ms",
        start.elapsed().as_millis()
    );

    let race = Race::<String, String>::new();
    let all_failed = race
        .run(async {
            race.spawn(download("mirror-a", 10, false));
            race.spawn(download("mirror-b", 20, false));
            Ok(())
        })
        .await
        .unwrap_err();
    println!("every mirror failed:\n{all_failed}");
}
