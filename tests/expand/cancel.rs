//! `cancel = FUTURE;`: the group is cancelled when the future completes
//! (graceful shutdown); its error type takes `Cancelled` through `From`.

use std::io;

use taskgroup::{Cancelled, ErrorGroup, taskgroup};

#[derive(Debug)]
enum AppError {
    Io,
    Stopped,
}

impl From<io::Error> for AppError {
    fn from(_: io::Error) -> Self {
        AppError::Io
    }
}

impl From<Cancelled> for AppError {
    fn from(_: Cancelled) -> Self {
        AppError::Stopped
    }
}

async fn serve(port: u16) -> Result<u64, io::Error> {
    Ok(u64::from(port))
}

async fn cancel(
    shutdown: tokio::sync::oneshot::Receiver<()>,
) -> Result<(u64, u64), ErrorGroup<AppError>> {
    taskgroup! {
        cancel = shutdown;
        error = AppError;
        let http = serve(80)?;
        let admin = serve(8080)?;
    }
}
