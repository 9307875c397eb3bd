use taskgroup::taskgroup;

#[derive(Debug)]
struct AppError;

async fn read() -> Result<u8, AppError> { Ok(1) }

async fn run() {
    let _ = taskgroup! {
        cancel = std::future::pending::<()>();
        let a = read()?;
    };
}

fn main() {}
