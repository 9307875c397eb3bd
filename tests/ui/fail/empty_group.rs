use taskgroup::taskgroup;

async fn run() {
    let _ = taskgroup! {};
}

fn main() {}
