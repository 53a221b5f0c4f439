//! Storage of the audit log: events (canonical RFC 8785 leaves) and the Merkle tree's
//! perfect-subtree nodes, appended inside the same database transaction as the action they record.
//!
//! INTERFACE CONTRACT (lead + audit helper): identity/ledger store methods call
//! [`append_sqlite`] / [`append_pg`] inside their own transaction. Each function assigns the next
//! indexes (the `index` field of the given events is overwritten), stores the canonical leaf bytes
//! and the new tree nodes, and returns the assigned indexes. The PostgreSQL variant serialises
//! appenders itself (lock on the log head); SQLite callers already hold `BEGIN IMMEDIATE`.

use pqbank_audit::AuditEvent;

use crate::StoreError;

#[allow(dead_code)] // Callers arrive with the identity and ledger stores.
/// Appends `events` to the log inside the caller's SQLite write transaction.
pub(crate) async fn append_sqlite(
    conn: &mut sqlx::SqliteConnection,
    events: Vec<AuditEvent>,
) -> Result<Vec<u64>, StoreError> {
    // Placeholder until the audit storage lands (helper B replaces the body).
    let _ = conn;
    Ok(events.iter().map(|e| e.index).collect())
}

#[allow(dead_code)] // Callers arrive with the identity and ledger stores.
/// Appends `events` to the log inside the caller's PostgreSQL transaction.
pub(crate) async fn append_pg(
    conn: &mut sqlx::PgConnection,
    events: Vec<AuditEvent>,
) -> Result<Vec<u64>, StoreError> {
    // Placeholder until the audit storage lands (helper B replaces the body).
    let _ = conn;
    Ok(events.iter().map(|e| e.index).collect())
}
