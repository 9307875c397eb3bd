use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        let a = one();
        let b;
    };
}

fn main() {}
