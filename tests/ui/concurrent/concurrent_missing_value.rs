use taskgroup::concurrent;

#[concurrent(timeout)]
async fn load() -> u32 {
    1
}

fn main() {
    let _ = load();
}
