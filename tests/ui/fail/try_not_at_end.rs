use taskgroup::taskgroup;

fn parse(s: &str) -> Result<u8, std::num::ParseIntError> { s.parse() }
async fn double(n: u8) -> Result<u8, std::num::ParseIntError> { Ok(n * 2) }

async fn run() {
    let _ = taskgroup! {
        let a = double(parse("4")?)?;
    };
}

fn main() {}
