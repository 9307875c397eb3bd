//! Helpers shared by the `taskgroup!` behaviour tests.

/// Sends when dropped: releases a blocked task once a branch has finished.
pub(crate) struct SendOnDrop(std::sync::mpsc::Sender<()>);

impl Drop for SendOnDrop {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// Two failing futures whose errors happen in a known order: `local`
/// fails once `task` is running and stuck in blocking code, where the
/// group's abort cannot stop it; `task` is released by `local`'s end and
/// returns its error while the group is cancelling.
pub(crate) fn failing_pair<E: Send + 'static>(
    first: E,
    second: E,
) -> (
    impl Future<Output = Result<u8, E>> + Send + 'static,
    impl Future<Output = Result<u8, E>>,
) {
    let (started_tx, started_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel();
    let task = async move {
        let _ = started_tx.send(());
        let _ = release_rx.recv();
        Err(second)
    };
    let local = async move {
        let _release = SendOnDrop(release_tx);
        let _ = started_rx.await;
        Err(first)
    };
    (task, local)
}
