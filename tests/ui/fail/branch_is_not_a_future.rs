use taskgroup::taskgroup;

async fn run() {
    let _ = taskgroup! {
        let a = 5u8;
    };
}

fn main() {}
