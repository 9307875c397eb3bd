use taskgroup::concurrent;

#[concurrent]
fn not_async() -> u32 {
    1
}

fn main() {
    let _ = not_async();
}
