use std::time::Duration;
use taskgroup::{ErrorGroup, TimedOut, taskgroup};

#[derive(Debug)]
enum AppError {
    Io(std::io::Error),
    Timeout,
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> Self {
        AppError::Io(e)
    }
}

impl From<TimedOut> for AppError {
    fn from(_: TimedOut) -> Self {
        AppError::Timeout
    }
}

async fn read(n: u8) -> Result<u8, std::io::Error> {
    Ok(n)
}

async fn run() -> Result<(), ErrorGroup<AppError>> {
    let ids = vec![1u8, 2, 3];
    let (a, b, pages) = taskgroup! {
        timeout = Duration::from_secs(5);
        limit = 2;
        error = AppError;
        name = "all forms";
        let a = read(1)?;
        let b = async { *a + 1 };
        #[spawn] let c = read(3)?;
        let pages = for id in ids.iter() { read(*id)? };
        (a, b + c, pages)
        except* AppError::Timeout => (0, 0, Vec::new()),
    }?;
    assert_eq!((a, b, pages), (1, 5, vec![1, 2, 3]));
    Ok(())
}

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(run()).unwrap();
}
