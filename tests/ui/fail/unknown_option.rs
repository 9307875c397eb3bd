use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        limt = 3;
        let a = one();
    };
}

fn main() {}
