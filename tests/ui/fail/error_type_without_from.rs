use taskgroup::taskgroup;

#[derive(Debug)]
struct AppError;

async fn read() -> Result<u8, std::io::Error> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        error = AppError;
        let a = read()?;
    };
}

fn main() {}
