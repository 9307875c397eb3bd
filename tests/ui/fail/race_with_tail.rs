use taskgroup::taskgroup;

async fn one() -> Result<u8, String> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        mode = race;
        let a = one()?;
        let b = one()?;
        a + b
    };
}

fn main() {}
