use taskgroup::taskgroup;

async fn one() -> Result<u8, String> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        let a = one()?;
        except* as eg => 0,
    };
}

fn main() {}
