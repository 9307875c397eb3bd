use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        let a = one();
        timeout = std::time::Duration::from_secs(1);
    };
}

fn main() {}
