use taskgroup::taskgroup;

async fn one() -> Result<u8, String> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        except* _ => 0,
        let a = one()?;
    };
}

fn main() {}
