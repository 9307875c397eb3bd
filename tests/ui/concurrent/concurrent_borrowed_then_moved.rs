// A binding that one let borrows and a later let moves: sequential code
// runs the borrow first; the lets run at once, so the second sees the
// binding by reference. The message points at the move.
use taskgroup::concurrent;

struct User {
    name: String,
}

async fn user() -> User {
    User { name: "ann".into() }
}

async fn len(u: &User) -> usize {
    u.name.len()
}

async fn greet(u: User) -> String {
    u.name
}

#[concurrent]
async fn page() -> (usize, String) {
    let u = user().await;
    let n = len(&u).await;
    let g = greet(u).await;
    (n, g)
}

fn main() {}
