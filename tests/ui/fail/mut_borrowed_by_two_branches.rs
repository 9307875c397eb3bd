use taskgroup::taskgroup;

async fn bump(n: &mut u32) -> u32 { *n += 1; *n }

async fn run() {
    let mut n = 0;
    let _ = taskgroup! {
        let a = bump(&mut n);
        let b = bump(&mut n);
    };
}

fn main() {}
