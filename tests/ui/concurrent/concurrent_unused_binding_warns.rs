// A binding nothing uses is reported as in sequential code, at the user's
// name; a binding that only a later let uses is not.
#![deny(warnings)]
use taskgroup::concurrent;

async fn one() -> u32 {
    1
}

async fn double(n: &u32) -> u32 {
    n * 2
}

#[concurrent]
async fn f() -> u32 {
    let unused = one().await;
    let a = one().await;
    let b = double(&a).await;
    b
}

fn main() {}
