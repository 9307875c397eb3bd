use taskgroup::taskgroup;

async fn number() -> Result<u8, String> { Ok(1) }
async fn text() -> Result<String, String> { Ok("one".into()) }

async fn run() {
    let _ = taskgroup! {
        mode = race;
        let a = number()?;
        let b = text()?;
    };
}

fn main() {}
