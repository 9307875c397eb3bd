use taskgroup::concurrent;

#[concurrent(limt = 4)]
async fn load() -> u32 {
    1
}

fn main() {
    let _ = load();
}
