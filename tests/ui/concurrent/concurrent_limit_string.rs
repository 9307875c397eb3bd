use taskgroup::concurrent;

#[concurrent(limit = "4")]
async fn load() -> u32 {
    1
}

fn main() {
    let _ = load();
}
