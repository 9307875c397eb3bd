use taskgroup::taskgroup;

async fn io() -> Result<u8, std::io::Error> { Ok(1) }
async fn text() -> Result<u8, String> { Ok(2) }

async fn run() {
    let _ = taskgroup! {
        let a = io()?;
        let b = text()?;
    };
}

fn main() {}
