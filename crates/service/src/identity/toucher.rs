//! Group commit for session activity. Every authenticated request records its session's
//! activity (last seen, and the request MAC's counter, which must increase). Written one by one,
//! each request would cost a commit (an fsync on SQLite); one task per instance instead takes
//! every touch waiting in its queue (up to [`MAX_TOUCH_BATCH`]) and applies them in one
//! transaction, each judged exactly as a single touch. With a single client a batch holds one
//! touch and adds no delay. The counter check stays in the database, so instances sharing one
//! database still agree on replays.

use std::sync::Arc;

use pqbank_store::{MAX_TOUCH_BATCH, SessionTouch, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::ServiceError;

/// Most touches waiting; more are refused with 503 (back-pressure).
const QUEUE_LIMIT: usize = 8192;
/// Retries of a single touch after a transient database error.
const MAX_RETRIES: u32 = 3;

type Reply = oneshot::Sender<Result<bool, ServiceError>>;

/// Handle to the touching task.
#[derive(Debug)]
pub(crate) struct Toucher {
    tx: mpsc::Sender<(SessionTouch, Reply)>,
}

impl Toucher {
    /// Starts the task on the current runtime.
    pub(crate) fn spawn(store: Arc<dyn Store>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_LIMIT);
        tokio::spawn(run(store, rx));
        Self { tx }
    }

    /// Queues a touch and waits until it is committed; false if the session is revoked or
    /// unknown, or the counter is not above the stored one.
    pub(crate) async fn touch(&self, touch: SessionTouch) -> Result<bool, ServiceError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .try_send((touch, reply))
            .map_err(|_| ServiceError::Unavailable(StoreError::Invalid("session queue full")))?;
        rx.await.map_err(|_| {
            ServiceError::Unavailable(StoreError::Invalid("session toucher stopped"))
        })?
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<(SessionTouch, Reply)>) {
    let mut buf = Vec::with_capacity(MAX_TOUCH_BATCH);
    while rx.recv_many(&mut buf, MAX_TOUCH_BATCH).await > 0 {
        let (touches, replies): (Vec<SessionTouch>, Vec<Reply>) = buf.drain(..).unzip();
        match store.touch_sessions(&touches).await {
            Ok(done) if done.len() == replies.len() => {
                for (reply, ok) in replies.into_iter().zip(done) {
                    let _ = reply.send(Ok(ok));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply.send(Err(crate::ca::internal(StoreError::Corrupt(
                        "session touch count",
                    ))));
                }
            }
            Err(e) => {
                if touches.len() > 1 {
                    tracing::debug!(error = %e, size = touches.len(), "session touch batch failed; retrying one by one");
                }
                for (touch, reply) in touches.iter().zip(replies) {
                    let _ = reply.send(single(&store, touch).await);
                }
            }
        }
    }
}

async fn single(store: &Arc<dyn Store>, touch: &SessionTouch) -> Result<bool, ServiceError> {
    let mut attempt = 0;
    loop {
        match store.touch_sessions(std::slice::from_ref(touch)).await {
            Ok(done) => return Ok(done.first().copied().unwrap_or(false)),
            Err(e) if attempt < MAX_RETRIES && e.is_retryable() => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
