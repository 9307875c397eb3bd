use taskgroup::concurrent;

#[concurrent(crate = taskgroup)]
async fn load() -> u32 {
    1
}

fn main() {
    let _ = load();
}
