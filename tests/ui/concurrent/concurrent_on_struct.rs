use taskgroup::concurrent;

#[concurrent]
struct Page {
    id: u32,
}

fn main() {}
