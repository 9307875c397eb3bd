use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        limit = 2;
        limit = 4;
        let a = one();
    };
}

fn main() {}
