use taskgroup::concurrent;

async fn number() -> Result<u32, String> {
    Ok(1)
}

#[concurrent]
async fn load() -> u32 {
    let a = number().await?;
    let b = number().await?;
    a + b
}

fn main() {
    let _ = load();
}
