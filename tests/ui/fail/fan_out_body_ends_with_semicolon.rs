use taskgroup::taskgroup;

async fn fetch(n: u8) -> Result<u8, String> { Ok(n) }

async fn run() {
    let _ = taskgroup! {
        let v = for n in 0..3 { fetch(n)?; };
    };
}

fn main() {}
