use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        limit = 0;
        let a = one();
        let b = one();
    };
}

fn main() {}
