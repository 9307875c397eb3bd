use taskgroup::taskgroup;

async fn len(s: &str) -> usize { s.len() }

async fn run() {
    let name = String::from("ada");
    let _ = taskgroup! {
        #[spawn] let a = len(&name);
    };
}

fn main() {}
