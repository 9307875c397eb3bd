//! `#[concurrent]` with options, on a method: a timeout for each group, a
//! limit, the first error returned as the fn's own error type; the
//! statement between the two runs of lets is a barrier.

use std::time::Duration;

use taskgroup::{TimedOut, concurrent};

#[derive(Debug)]
enum AppError {
    NotFound,
    Timeout,
}

impl From<TimedOut> for AppError {
    fn from(_: TimedOut) -> Self {
        AppError::Timeout
    }
}

struct Client;

impl Client {
    async fn get(&self, key: u8) -> Result<u8, AppError> {
        if key == 0 {
            Err(AppError::NotFound)
        } else {
            Ok(key)
        }
    }

    #[concurrent(timeout = Duration::from_secs(5), limit = 2)]
    async fn sum(&self) -> Result<u32, AppError> {
        let a = self.get(1).await?;
        let b = self.get(2).await?;
        println!("first two: {a} {b}");
        let c = self.get(3).await?;
        let d = self.get(a + b).await?;
        Ok(u32::from(a) + u32::from(b) + u32::from(c) + u32::from(d))
    }
}
