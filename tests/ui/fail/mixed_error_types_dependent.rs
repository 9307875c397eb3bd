use taskgroup::taskgroup;

async fn io() -> Result<u8, std::io::Error> { Ok(1) }
async fn text(_: &u8) -> Result<u8, String> { Ok(2) }

async fn run() {
    let _ = taskgroup! {
        let a = io()?;
        let b = text(&a)?;
    };
}

fn main() {}
