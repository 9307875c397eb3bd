use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        one();
    };
}

fn main() {}
