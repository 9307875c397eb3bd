// A pattern let is one value: when one of its names is moved into a later
// let and another is used after the group, the value is shared, and the
// moving let sees its part by reference. The message points at the move.
use taskgroup::concurrent;

struct User {
    name: String,
}

async fn load() -> (User, Vec<String>) {
    (User { name: "ann".into() }, Vec::new())
}

async fn greet(u: User) -> String {
    u.name
}

#[concurrent]
async fn page() -> (String, usize) {
    let (u, tags) = load().await;
    let g = greet(u).await;
    (g, tags.len())
}

fn main() {}
