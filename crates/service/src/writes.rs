//! The requests' write pipelines ([`crate::group_commit`]). On SQLite, which admits one writer
//! at a time, the session touch of every authenticated request and the ledger's commands share
//! one group commit, so that a batch is one transaction and one commit for both
//! ([`pqbank_store::Store::execute_writes`]): under load a request's touch rides in the same
//! commit as other requests' transfers. On PostgreSQL, whose writers run concurrently, touches
//! have their own group commit, so that their commits overlap the ledger's (measured: merging
//! them there cost throughput). With a single client a batch holds one item and adds no delay.

use std::sync::Arc;

use pqbank_store::{Backend, LedgerCommand, LedgerOutcome, SessionTouch, Store, StoreError};

use crate::group_commit::GroupCommit;
use crate::{Bank, ServiceError};

/// One request's write.
pub(crate) enum WriteItem {
    /// A session's activity (authentication of a request).
    Touch(SessionTouch),
    /// A ledger command.
    Ledger(LedgerCommand),
}

/// A write's result, of the same kind as its item.
pub(crate) enum WriteOutcome {
    /// The user's version when the touch applied; `None` when refused.
    Touch(Option<i64>),
    /// The command's outcome (boxed: a transfer record is large).
    Ledger(Box<LedgerOutcome>),
}

/// The shared pipeline's handle.
pub(crate) type Writes = GroupCommit<WriteItem, WriteOutcome>;

/// The session touches' own pipeline (PostgreSQL).
pub(crate) type Touches = GroupCommit<SessionTouch, Option<i64>>;

/// Applies a batch: touches first, then commands, in one transaction; outcomes in item order.
async fn apply(store: &dyn Store, items: &[WriteItem]) -> Result<Vec<WriteOutcome>, StoreError> {
    let mut touches = Vec::new();
    let mut commands = Vec::new();
    for item in items {
        match item {
            WriteItem::Touch(t) => touches.push(t.clone()),
            WriteItem::Ledger(c) => commands.push(c),
        }
    }
    let (touched, outcomes) = store.execute_writes(&touches, &commands).await?;
    if touched.len() != touches.len() || outcomes.len() != commands.len() {
        return Err(StoreError::Corrupt("write batch outcome count"));
    }
    let mut touched = touched.into_iter();
    let mut outcomes = outcomes.into_iter();
    items
        .iter()
        .map(|item| match item {
            WriteItem::Touch(_) => touched.next().map(WriteOutcome::Touch),
            WriteItem::Ledger(_) => outcomes.next().map(|o| WriteOutcome::Ledger(Box::new(o))),
        })
        .map(|o| o.ok_or(StoreError::Corrupt("write batch outcome count")))
        .collect()
}

fn wrong_kind() -> ServiceError {
    crate::ca::internal(StoreError::Corrupt("write outcome of another kind"))
}

impl Bank {
    /// The write pipeline (started on first use, on the current runtime).
    fn writes(&self) -> &Writes {
        self.ledger.writes.get_or_init(|| {
            let store = self.store.clone();
            let max = self.ledger.config.max_batch.clamp(
                1,
                pqbank_store::ledger::MAX_LEDGER_BATCH.min(pqbank_store::MAX_TOUCH_BATCH),
            );
            GroupCommit::spawn(
                "write queue full or stopped",
                max,
                Arc::new(move |items| {
                    let store = store.clone();
                    Box::pin(async move { apply(store.as_ref(), items).await })
                }),
            )
        })
    }

    /// Records a request's session activity (group commit): the user's version when applied,
    /// `None` when the session is revoked or the counter is not above the last one.
    pub(crate) async fn touch_session(
        &self,
        touch: SessionTouch,
    ) -> Result<Option<i64>, ServiceError> {
        if self.store.backend() == Backend::Postgres {
            let touches = self.ledger.touches.get_or_init(|| {
                let store = self.store.clone();
                GroupCommit::spawn(
                    "session queue full or stopped",
                    pqbank_store::MAX_TOUCH_BATCH,
                    Arc::new(move |touches| {
                        let store = store.clone();
                        Box::pin(async move { store.touch_sessions(touches).await })
                    }),
                )
            });
            return touches.submit(touch).await;
        }
        match self.writes().submit(WriteItem::Touch(touch)).await? {
            WriteOutcome::Touch(v) => Ok(v),
            WriteOutcome::Ledger(_) => Err(wrong_kind()),
        }
    }

    /// Executes a ledger command (group commit).
    pub(crate) async fn execute_ledger(
        &self,
        command: LedgerCommand,
    ) -> Result<LedgerOutcome, ServiceError> {
        match self.writes().submit(WriteItem::Ledger(command)).await? {
            WriteOutcome::Ledger(o) => Ok(*o),
            WriteOutcome::Touch(_) => Err(wrong_kind()),
        }
    }
}
