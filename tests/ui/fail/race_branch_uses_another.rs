use taskgroup::taskgroup;

async fn one() -> Result<u8, String> { Ok(1) }
async fn twice(n: &u8) -> Result<u8, String> { Ok(n * 2) }

async fn run() {
    let _ = taskgroup! {
        mode = race;
        let a = one()?;
        let b = twice(a)?;
    };
}

fn main() {}
