//! Group commit for the ledger: one task per instance takes every command waiting in its queue
//! (up to the batch limit) and executes them in one database transaction. Under load many
//! transfers share one commit (one fsync); with a single client a batch holds one command and
//! adds no delay. If a batch fails as a whole (a database error, or a unique-key race with
//! another instance), its commands are retried one by one so that one bad command cannot fail
//! the others.

use std::sync::Arc;

use pqbank_store::{LedgerCommand, LedgerOutcome, Store, StoreError};
use tokio::sync::{mpsc, oneshot};

use crate::ServiceError;

/// Most commands waiting for the batcher; more are refused with 503 (back-pressure).
const QUEUE_LIMIT: usize = 8192;
/// Retries of a single command after a transient database error (deadlock, serialization).
const MAX_RETRIES: u32 = 3;

type Reply = oneshot::Sender<Result<LedgerOutcome, ServiceError>>;

/// Handle to the batching task.
#[derive(Debug)]
pub(crate) struct Batcher {
    tx: mpsc::Sender<(LedgerCommand, Reply)>,
}

impl Batcher {
    /// Starts the task on the current runtime.
    pub(crate) fn spawn(store: Arc<dyn Store>, max_batch: usize) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE_LIMIT);
        tokio::spawn(run(
            store,
            rx,
            max_batch.clamp(1, pqbank_store::ledger::MAX_LEDGER_BATCH),
        ));
        Self { tx }
    }

    /// Queues a command and waits for its outcome.
    pub(crate) async fn submit(
        &self,
        command: LedgerCommand,
    ) -> Result<LedgerOutcome, ServiceError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .try_send((command, reply))
            .map_err(|_| ServiceError::Unavailable(StoreError::Invalid("ledger queue full")))?;
        rx.await
            .map_err(|_| ServiceError::Unavailable(StoreError::Invalid("ledger batcher stopped")))?
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<(LedgerCommand, Reply)>,
    max_batch: usize,
) {
    let mut buf = Vec::with_capacity(max_batch);
    while rx.recv_many(&mut buf, max_batch).await > 0 {
        let (commands, replies): (Vec<LedgerCommand>, Vec<Reply>) = buf.drain(..).unzip();
        match store.execute_ledger(&commands).await {
            Ok(outcomes) if outcomes.len() == replies.len() => {
                for (reply, outcome) in replies.into_iter().zip(outcomes) {
                    let _ = reply.send(Ok(outcome));
                }
            }
            Ok(_) => {
                for reply in replies {
                    let _ = reply.send(Err(crate::ca::internal(StoreError::Corrupt(
                        "ledger outcome count",
                    ))));
                }
            }
            Err(e) => {
                if commands.len() > 1 {
                    tracing::debug!(error = %e, size = commands.len(), "ledger batch failed; retrying one by one");
                }
                for (command, reply) in commands.iter().zip(replies) {
                    let _ = reply.send(single(&store, command).await);
                }
            }
        }
    }
}

async fn single(
    store: &Arc<dyn Store>,
    command: &LedgerCommand,
) -> Result<LedgerOutcome, ServiceError> {
    let mut attempt = 0;
    loop {
        match store.execute_ledger(std::slice::from_ref(command)).await {
            Ok(mut outcomes) => {
                return outcomes.pop().ok_or_else(|| {
                    crate::ca::internal(StoreError::Corrupt("ledger outcome count"))
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
