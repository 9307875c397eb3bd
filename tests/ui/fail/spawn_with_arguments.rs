use taskgroup::taskgroup;

async fn one() -> u8 { 1 }

async fn run() {
    let _ = taskgroup! {
        #[spawn(blocking)] let a = one();
    };
}

fn main() {}
