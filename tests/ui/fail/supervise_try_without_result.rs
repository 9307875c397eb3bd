use taskgroup::taskgroup;

async fn run() {
    let _ = taskgroup! {
        mode = supervise;
        let x = async { 5u8 }?;
    };
}

fn main() {}
