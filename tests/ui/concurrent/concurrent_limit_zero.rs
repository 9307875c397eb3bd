use taskgroup::concurrent;

async fn one() -> u32 {
    1
}

#[concurrent(limit = 0)]
async fn load() -> u32 {
    let a = one().await;
    let b = one().await;
    a + b
}

fn main() {
    let _ = load();
}
