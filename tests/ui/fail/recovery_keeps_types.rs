use taskgroup::taskgroup;

async fn one() -> Result<u8, String> { Ok(1) }

async fn run() -> Result<u8, taskgroup::ErrorGroup<String>> {
    let (a, b) = taskgroup! {
        limt = 3;
        let a = one()?;
        let b = one()?;
    }?;
    Ok(a + b)
}

fn main() {}
