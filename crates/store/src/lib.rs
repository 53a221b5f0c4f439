//! pqbank-store: the storage trait, its SQLite and PostgreSQL implementations, and one conformance
//! suite ([`conformance`], feature `testing`) that both must pass.
//!
//! Each backend has its own append-only migrations (`migrations/sqlite`, `migrations/postgres`) and
//! uses runtime queries (no compile-time macros), one module per backend.

pub mod audit;
mod error;
pub mod identity;
pub mod ledger;
pub mod pki;
mod postgres;
mod postgres_identity;
mod postgres_ledger;
mod sqlite;
mod sqlite_identity;
mod sqlite_ledger;
mod url;

#[cfg(feature = "testing")]
pub mod conformance;
#[cfg(feature = "testing")]
pub mod conformance_audit;
#[cfg(feature = "testing")]
mod conformance_identity;
#[cfg(feature = "testing")]
mod conformance_ledger;
#[cfg(feature = "testing")]
pub mod testing;

use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use time::OffsetDateTime;

pub use audit::{
    AuditEntry, AuditFilter, AuditKeyRecord, AuditStore, CheckpointRecord, MAX_AUDIT_APPEND,
    MAX_AUDIT_NODES, MAX_AUDIT_PAGE, audit_consistency_proof, audit_inclusion_proof, audit_root,
};
pub use error::StoreError;
pub use identity::{
    ChallengeRecord, DeviceRecord, DeviceStatus, IdentityStore, MAX_EVIDENCE, MAX_STATUS_NOTE,
    MAX_TOUCH_BATCH, NewDevice, SecurityEventRecord, SecurityEventStatus, SessionRecord,
    SessionTouch, UserRecord, UserStatus,
};
pub use ledger::{
    AccountAuditBuilder, AccountChange, AccountChangeError, AccountRecord, AuditBuilder,
    CreateTransfer, DecideTransfer, Decision, LedgerCheck, LedgerCommand, LedgerOutcome,
    LedgerStore, MAX_WINDOW_TRANSFERS, MonitoringFacts, MonitoringQuery, PostingRecord,
    TransferFilter, TransferKind, TransferRecord, VolumeRow, WindowTransfer,
};
pub use pki::{
    CaKind, CaRecord, CertKind, CertRecord, CertStatus, CrlRecord, MAX_REVOCATIONS, PkiStore,
    RevocationListener, RevocationRecord,
};
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
pub use url::DatabaseUrl;

/// Most rows any list call returns at once.
pub const MAX_LIST_LIMIT: u32 = 1000;

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite (the default).
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

impl Backend {
    /// Stable lower-case name, used in metrics and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Connection-pool figures for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Of those, idle.
    pub idle: u32,
    /// Configured maximum.
    pub max: u32,
}

/// Options for opening a store.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Maximum pool size.
    pub max_connections: u32,
    /// How long to wait for a connection from the pool.
    pub acquire_timeout: Duration,
    /// SQLite only: how long a writer waits for a lock.
    pub busy_timeout: Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(5),
            busy_timeout: Duration::from_secs(5),
        }
    }
}

/// One configuration value (security settings, thresholds, ...), versioned for optimistic updates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// Key, 1..=128 bytes.
    pub key: String,
    /// Value, at most 64 KiB.
    pub value: String,
    /// Last change.
    pub updated_at: OffsetDateTime,
    /// Starts at 1, increases by one on every change.
    pub version: i64,
}

/// Longest setting key.
pub const MAX_SETTING_KEY: usize = 128;
/// Longest setting value.
pub const MAX_SETTING_VALUE: usize = 65536;

/// Key/value settings.
#[async_trait]
pub trait SettingsStore {
    /// Reads one setting.
    async fn get_setting(&self, key: &str) -> Result<Option<Setting>, StoreError>;
    /// Inserts or replaces a setting and appends `audit` (the record of the change) in the same
    /// transaction. With `expected_version`, the write only happens if the stored version equals
    /// it (`Some(0)` = must not exist yet); otherwise [`StoreError::Conflict`] and nothing is
    /// written.
    async fn put_setting(
        &self,
        key: &str,
        value: &str,
        now: OffsetDateTime,
        expected_version: Option<i64>,
        audit: Vec<pqbank_audit::AuditEvent>,
    ) -> Result<Setting, StoreError>;
    /// Lists settings ordered by key, at most `limit` (capped at [`MAX_LIST_LIMIT`]).
    async fn list_settings(&self, limit: u32) -> Result<Vec<Setting>, StoreError>;
}

/// The whole storage interface. One implementation per database.
#[async_trait]
pub trait Store:
    SettingsStore + PkiStore + IdentityStore + AuditStore + LedgerStore + Send + Sync + Debug + 'static
{
    /// Which database this is.
    fn backend(&self) -> Backend;
    /// Checks that the database answers.
    async fn ping(&self) -> Result<(), StoreError>;
    /// Pool figures.
    fn pool_stats(&self) -> PoolStats;
    /// Closes the pool, waiting for connections to be returned.
    async fn close(&self);
    /// The group commit of requests' writes: applies `touches` as
    /// [`IdentityStore::touch_sessions`] does, then `commands` as
    /// [`LedgerStore::execute_ledger`] does, in one transaction (one commit for both). A
    /// command's refusal is its outcome; an error rolls back the whole batch (the caller then
    /// retries the items one by one). Limits as in those two methods.
    async fn execute_writes(
        &self,
        touches: &[SessionTouch],
        commands: &[&LedgerCommand],
    ) -> Result<WriteOutcomes, StoreError>;
}

/// What [`Store::execute_writes`] returns: one result per touch, one outcome per command.
pub type WriteOutcomes = (Vec<Option<i64>>, Vec<LedgerOutcome>);

/// Opens the database `url` names and runs its migrations.
pub async fn connect(
    url: &DatabaseUrl,
    opts: &ConnectOptions,
) -> Result<Arc<dyn Store>, StoreError> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => Arc::new(SqliteStore::open(path, opts).await?),
        DatabaseUrl::Postgres(_) => Arc::new(PgStore::connect(url, opts).await?),
    })
}

pub(crate) fn check_setting(key: &str, value: &str) -> Result<(), StoreError> {
    if key.is_empty() || key.len() > MAX_SETTING_KEY {
        return Err(StoreError::Invalid("setting key must be 1..=128 bytes"));
    }
    if value.len() > MAX_SETTING_VALUE {
        return Err(StoreError::Invalid("setting value exceeds 64 KiB"));
    }
    Ok(())
}

pub(crate) fn clamp_limit(limit: u32) -> i64 {
    i64::from(limit.min(MAX_LIST_LIMIT))
}
