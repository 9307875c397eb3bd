//! Graceful shutdown: a small line server whose connections are children
//! of one group, stopped together on Ctrl-C or after N requests.
//!
//! The group is cancelled when a tokio-util `CancellationToken` is:
//! `Builder::cancel_on(token.cancelled_owned())`. Ctrl-C cancels the token,
//! and so does the connection that serves the N-th request. The server is
//! started with `TaskGroup::start`, which hands back its address once it
//! listens (Trio's `nursery.start`).
//!
//! ```text
//! cargo run --example graceful_shutdown            # serves 5 requests of its own client
//! cargo run --example graceful_shutdown -- 100     # …or 100; Ctrl-C stops it earlier
//! ```

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use taskgroup::{Cancelled, TaskGroup};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

#[derive(Debug)]
enum ServeError {
    Io(std::io::Error),
    /// The shutdown: not a failure.
    Stopped,
}

impl std::fmt::Display for ServeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ServeError::Io(e) => write!(f, "{e}"),
            ServeError::Stopped => f.write_str("stopped"),
        }
    }
}

impl From<std::io::Error> for ServeError {
    fn from(e: std::io::Error) -> Self {
        ServeError::Io(e)
    }
}

impl From<Cancelled> for ServeError {
    fn from(_: Cancelled) -> Self {
        ServeError::Stopped
    }
}

/// Answers each line with `pong N`; the N-th request of all connections
/// cancels the token, which stops the whole group.
async fn connection(
    stream: TcpStream,
    served: Arc<AtomicUsize>,
    max: usize,
    token: CancellationToken,
) -> Result<(), ServeError> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read).lines();
    while let Some(_line) = lines.next_line().await? {
        let n = served.fetch_add(1, Ordering::SeqCst) + 1;
        write.write_all(format!("pong {n}\n").as_bytes()).await?;
        if n == max {
            token.cancel();
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let max: usize = std::env::args().nth(1).map_or(Ok(5), |n| n.parse())?;
    let token = CancellationToken::new();
    let on_ctrl_c = token.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_ctrl_c.cancel();
        }
    });

    let server = TaskGroup::<ServeError>::builder()
        .name("server")
        .cancel_on(token.clone().cancelled_owned())
        .build();
    let served = Arc::new(AtomicUsize::new(0));
    let outcome = server
        .run(async {
            let addr = server
                .start(|ready| async {
                    let listener = TcpListener::bind("127.0.0.1:0").await?;
                    ready.send(listener.local_addr()?);
                    loop {
                        let (stream, _) = listener.accept().await?;
                        let (served, token) = (Arc::clone(&served), token.clone());
                        server.spawn(connection(stream, served, max, token));
                    }
                })
                .await;
            println!("listening on {addr}; stops after {max} requests or on Ctrl-C");
            // Our own client, as a child too: it asks until the server stops.
            server.spawn_task(async move {
                let (read, mut write) = TcpStream::connect(addr).await?.into_split();
                let mut replies = BufReader::new(read).lines();
                loop {
                    write.write_all(b"ping\n").await?;
                    match replies.next_line().await? {
                        Some(reply) => println!("client got: {reply}"),
                        None => return Ok(()),
                    }
                }
            });
            Ok(())
        })
        .await;
    match outcome {
        Err(errors) if errors.iter().all(|e| matches!(e, ServeError::Stopped)) => {
            let n = served.load(Ordering::SeqCst);
            println!("shut down gracefully after {n} requests: every connection stopped");
            Ok(())
        }
        Err(errors) => Err(format!("the server failed: {errors}").into()),
        Ok(()) => unreachable!("the server runs until it is cancelled"),
    }
}
