use taskgroup::taskgroup;

async fn run() {
    let _ = taskgroup! {
        timeout = std::time::Duration::from_secs(1);
        cancel = std::future::pending::<()>();
        let a = std::future::ready(1);
    };
}

fn main() {}
