use taskgroup::taskgroup;

async fn one() -> u8 { 1 }
async fn twice(n: &u8) -> u8 { n * 2 }

async fn run() {
    let _ = taskgroup! {
        let b = twice(a);
        let a = one();
    };
}

fn main() {}
