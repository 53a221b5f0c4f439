//! Group commit: one task per use takes every item waiting in its queue (up to the batch limit)
//! and applies them in one database transaction. Under load many requests share one commit (one
//! fsync); with a single client a batch holds one item and adds no delay. If a batch fails as a
//! whole (a database error, or a unique-key race with another instance), its items are retried
//! one by one, so that one bad item cannot fail the others. The requests' writes (session
//! activity and the ledger's commands, [`crate::writes`]) go through it.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use pqbank_store::StoreError;
use tokio::sync::{mpsc, oneshot};

use crate::ServiceError;

/// Most items waiting; more are refused with 503 (back-pressure).
const QUEUE_LIMIT: usize = 8192;
/// Retries of a single item after a transient database error (deadlock, serialization).
const MAX_RETRIES: u32 = 3;

/// Applies a batch in one transaction: one outcome per item, in order.
pub(crate) type ApplyBatch<T, O> = Arc<
    dyn for<'a> Fn(&'a [T]) -> Pin<Box<dyn Future<Output = Result<Vec<O>, StoreError>> + Send + 'a>>
        + Send
        + Sync,
>;

type Reply<O> = oneshot::Sender<Result<O, ServiceError>>;

/// Handle to a group-commit task.
pub(crate) struct GroupCommit<T, O> {
    what: &'static str,
    tx: mpsc::Sender<(T, Reply<O>)>,
}

impl<T, O> std::fmt::Debug for GroupCommit<T, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit")
            .field("what", &self.what)
            .finish_non_exhaustive()
    }
}

impl<T: Send + Sync + 'static, O: Send + 'static> GroupCommit<T, O> {
    /// Starts the task on the current runtime; `what` names the queue in errors.
    pub(crate) fn spawn(what: &'static str, max_batch: usize, apply: ApplyBatch<T, O>) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_LIMIT);
        tokio::spawn(run(rx, max_batch.max(1), apply));
        Self { what, tx }
    }

    /// Queues an item and waits for its outcome.
    pub(crate) async fn submit(&self, item: T) -> Result<O, ServiceError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .try_send((item, reply))
            .map_err(|_| ServiceError::Unavailable(StoreError::Invalid(self.what)))?;
        rx.await
            .map_err(|_| ServiceError::Unavailable(StoreError::Invalid(self.what)))?
    }
}

async fn run<T, O>(
    mut rx: mpsc::Receiver<(T, Reply<O>)>,
    max_batch: usize,
    apply: ApplyBatch<T, O>,
) {
    let mut buf = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut buf, max_batch).await > 0 {
        let (items, replies): (Vec<T>, Vec<Reply<O>>) = buf.drain(..).unzip();
        match apply(&items).await {
            Ok(outcomes) if outcomes.len() == replies.len() => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply.send(Err(crate::ca::internal(StoreError::Corrupt(
                        "batch outcome count",
                    ))));
                }
            }
            Err(e) => {
                if items.len() > 1 {
                    tracing::debug!(error = %e, size = items.len(), "batch failed; retrying one by one");
                }
                for (item, reply) in items.iter().zip(replies) {
                    let _ = reply.send(single(&apply, item).await);
                }
            }
        }
    }
}

async fn single<T, O>(apply: &ApplyBatch<T, O>, item: &T) -> Result<O, ServiceError> {
    let mut attempt = 0;
    loop {
        match apply(std::slice::from_ref(item)).await {
            Ok(mut outcomes) => {
                return outcomes.pop().ok_or_else(|| {
                    crate::ca::internal(StoreError::Corrupt("batch outcome count"))
                });
            }
            Err(e) if attempt < MAX_RETRIES && e.is_retryable() => {
                attempt += 1;
                tokio::time::sleep(std::time::Duration::from_millis(5 * u64::from(attempt))).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}
