//! SQLite implementation (embedded default): WAL, foreign keys on, busy timeout,
//! synchronous=FULL, temporary storage (statement journals) in memory.
//! Writers start transactions with `BEGIN IMMEDIATE` so lock upgrades never deadlock.

use std::path::Path;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions as _, Connection as _, Row, SqliteConnection, SqlitePool};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tokio::sync::{MappedMutexGuard, Mutex, MutexGuard};

use crate::pki::{check_ca, check_cert, check_hierarchy, check_reason};
use crate::{
    Backend, CaKind, CaRecord, CertKind, CertRecord, CertStatus, ConnectOptions, CrlRecord,
    LedgerCommand, MAX_REVOCATIONS, PkiStore, PoolStats, RevocationListener, RevocationRecord,
    SessionTouch, Setting, SettingsStore, Store, StoreError, WriteOutcomes, check_setting,
    clamp_limit,
};

#[path = "sqlite_audit.rs"]
mod audit_impl;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite store.
///
/// A pool on the file for reads and one dedicated connection for every write. SQLite admits one
/// writer at a time anyway; queueing writers in-process on one connection instead of in SQLite's
/// busy handler (which sleeps between retries) keeps commits back to back, that connection's
/// page cache stays warm because no other connection of this process writes, and holding it
/// outside a pool saves the pool's liveness round trips (a ping on every acquire and release)
/// on the one path every write takes.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    /// The writing connection; `None` once closed.
    writer: Arc<Mutex<Option<SqliteConnection>>>,
    /// Set while a transaction may be open on the writer: a caller whose future is dropped
    /// between `BEGIN` and `COMMIT` leaves it set, and the next user rolls back first. Only
    /// read or written while holding `writer`.
    writer_in_tx: Arc<AtomicBool>,
    /// Set by `close`; ends the checkpointer.
    closed: Arc<AtomicBool>,
    acquire_timeout: Duration,
    max: u32,
}

/// Exclusive use of the writing connection (see [`SqliteStore::write_conn`]).
pub(crate) struct Writer<'a> {
    conn: MappedMutexGuard<'a, SqliteConnection>,
    in_tx: &'a AtomicBool,
}

impl Writer<'_> {
    /// `BEGIN IMMEDIATE`: takes SQLite's write lock (other processes on the file wait).
    pub(crate) async fn begin(&mut self) -> Result<(), StoreError> {
        self.in_tx.store(true, Ordering::SeqCst);
        sqlx::query("BEGIN IMMEDIATE")
            .execute(&mut *self.conn)
            .await?;
        Ok(())
    }

    /// Ends the transaction: COMMIT after success, ROLLBACK after an error (whose original
    /// error matters more than a failed rollback). A failed COMMIT is rolled back too.
    pub(crate) async fn finish<T>(
        &mut self,
        result: Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let result = match result {
            Ok(v) => match sqlx::query("COMMIT").execute(&mut *self.conn).await {
                Ok(_) => {
                    self.in_tx.store(false, Ordering::SeqCst);
                    return Ok(v);
                }
                Err(e) => Err(StoreError::from(e)),
            },
            Err(e) => Err(e),
        };
        if sqlx::query("ROLLBACK")
            .execute(&mut *self.conn)
            .await
            .is_ok()
        {
            self.in_tx.store(false, Ordering::SeqCst);
        }
        result
    }
}

impl std::ops::Deref for Writer<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.conn
    }
}

impl std::ops::DerefMut for Writer<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.conn
    }
}

impl SqliteStore {
    /// Opens (creating if missing) the database file and runs migrations.
    pub async fn open(path: &Path, opts: &ConnectOptions) -> Result<Self, StoreError> {
        let connect = SqliteConnectOptions::from_str("sqlite://")?
            .filename(path)
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout)
            // Checkpoints run beside the writer, not inside its commits (see `checkpointer`).
            .pragma("wal_autocheckpoint", "0")
            // A restarted log is cut back to this size (bytes).
            .pragma("journal_size_limit", "67108864")
            // Statement journals (kept while a statement inside a transaction may abort, as
            // every insert checked by a foreign key may) stay in memory instead of spilling to
            // a temporary file, created and deleted per transaction: that file's writes were as
            // many bytes as the WAL's. A statement's journal is bounded by the batch limits;
            // temporary tables and sorts are kept in memory too, so a query's temporary table
            // must stay small (the ledger check counts each transfer's legs through an index
            // instead of grouping every transfer, see `LEDGER_CHECKS`).
            .pragma("temp_store", "MEMORY")
            // The ledger's batch statements differ by their number of rows: room for every
            // shape, so that a batch reuses prepared statements instead of compiling them.
            .statement_cache_capacity(STATEMENT_CACHE);
        let mut writer = connect.connect().await?;
        MIGRATOR.run(&mut writer).await?;
        let checkpoints = connect.connect().await?;
        // Embedded connections do not drop like network ones: no liveness ping per acquire.
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .test_before_acquire(false)
            .connect_with(connect)
            .await?;
        let closed = Arc::new(AtomicBool::new(false));
        let writer = Arc::new(Mutex::new(Some(writer)));
        let writer_in_tx = Arc::new(AtomicBool::new(false));
        tokio::spawn(checkpointer(
            checkpoints,
            Arc::downgrade(&writer),
            Arc::downgrade(&writer_in_tx),
            Arc::downgrade(&closed),
        ));
        Ok(Self {
            pool,
            writer,
            closed,
            writer_in_tx,
            acquire_timeout: opts.acquire_timeout,
            max: opts.max_connections.max(1),
        })
    }

    /// The connection every write runs on, one caller at a time (waits at most the acquire
    /// timeout). A transaction a cancelled caller left open is rolled back first.
    pub(crate) async fn write_conn(&self) -> Result<Writer<'_>, StoreError> {
        let slot = tokio::time::timeout(self.acquire_timeout, self.writer.lock())
            .await
            .map_err(|_| sqlx::Error::PoolTimedOut)?;
        let conn =
            MutexGuard::try_map(slot, Option::as_mut).map_err(|_| sqlx::Error::PoolClosed)?;
        let mut w = Writer {
            conn,
            in_tx: &self.writer_in_tx,
        };
        if w.in_tx.load(Ordering::SeqCst) {
            sqlx::query("ROLLBACK").execute(&mut *w).await?;
            w.in_tx.store(false, Ordering::SeqCst);
        }
        Ok(w)
    }

    /// The pool, for later per-concern modules of this backend.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The checkpointer's RESTART step: holds the writing connection (rolling back a transaction a
/// cancelled writer left open, which would otherwise keep the checkpoint waiting for the write
/// lock until the busy timeout) and checkpoints the whole log so that the next write starts it
/// over. Returns whether SQLite still found the log busy.
async fn restart_log(
    conn: &mut SqliteConnection,
    writer: &Mutex<Option<SqliteConnection>>,
    in_tx: &AtomicBool,
) -> Result<bool, StoreError> {
    let mut held = writer.lock().await;
    if in_tx.load(Ordering::SeqCst)
        && let Some(w) = held.as_mut()
    {
        sqlx::query("ROLLBACK").execute(&mut *w).await?;
        in_tx.store(false, Ordering::SeqCst);
    }
    let (busy, _log, _copied) =
        sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(RESTART)")
            .fetch_one(&mut *conn)
            .await?;
    drop(held);
    Ok(busy != 0)
}

/// Prepared statements kept per connection (sqlx's default is 100; a ledger batch's
/// statements have one shape per statement kind and number of rows). Least recently used
/// shapes are dropped first.
const STATEMENT_CACHE: usize = 512;

/// How often the checkpointer copies committed WAL frames into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// WAL length (frames of 4 KiB) above which the checkpointer also restarts the log.
const WAL_RESTART_FRAMES: i64 = 8192;

/// Copies the WAL into the database file on its own connection, so that the writer's commits
/// only append to the WAL (SQLite's automatic checkpoint would run inside the committing
/// writer, on the one path every write waits for). A passive checkpoint never blocks the
/// writer. Because the writer keeps appending meanwhile, the log would never start over: once
/// it exceeds [`WAL_RESTART_FRAMES`] the checkpointer holds the writing connection (this
/// process's writes wait, other processes' wait in SQLite's busy handler) while a RESTART
/// checkpoint copies the few frames left and waits for readers to leave the log, so that the
/// next write starts the log from its beginning. Ends when the store is closed or dropped; the
/// last connection to close checkpoints the rest.
async fn checkpointer(
    mut conn: SqliteConnection,
    writer: Weak<Mutex<Option<SqliteConnection>>>,
    writer_in_tx: Weak<AtomicBool>,
    closed: Weak<AtomicBool>,
) {
    loop {
        tokio::time::sleep(CHECKPOINT_EVERY).await;
        match closed.upgrade() {
            Some(c) if !c.load(Ordering::SeqCst) => {}
            _ => break,
        }
        let frames = sqlx::query_as::<_, (i64, i64, i64)>("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut conn)
            .await;
        let restart = match frames {
            Ok((_busy, log, _copied)) => log > WAL_RESTART_FRAMES,
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed");
                false
            }
        };
        if !restart {
            continue;
        }
        let (Some(writer), Some(in_tx)) = (writer.upgrade(), writer_in_tx.upgrade()) else {
            break;
        };
        match restart_log(&mut conn, &writer, &in_tx).await {
            Ok(false) => {}
            Ok(true) => tracing::warn!("WAL restart checkpoint found readers or writers busy"),
            Err(e) => tracing::warn!(error = %e, "WAL restart checkpoint failed"),
        }
    }
    let _ = conn.close().await;
}

pub(crate) fn fmt_time(t: OffsetDateTime) -> Result<String, StoreError> {
    t.format(&Rfc3339)
        .map_err(|_| StoreError::Invalid("timestamp out of range"))
}

pub(crate) fn parse_time(s: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(s, &Rfc3339).map_err(|_| StoreError::Corrupt("timestamp"))
}

fn setting_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<Setting, StoreError> {
    Ok(Setting {
        key: row.try_get("key")?,
        value: row.try_get("value")?,
        updated_at: parse_time(&row.try_get::<String, _>("updated_at")?)?,
        version: row.try_get("version")?,
    })
}

#[async_trait]
impl SettingsStore for SqliteStore {
    async fn get_setting(&self, key: &str) -> Result<Option<Setting>, StoreError> {
        let row = sqlx::query("SELECT key, value, updated_at, version FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(setting_from_row).transpose()
    }

    async fn put_setting(
        &self,
        key: &str,
        value: &str,
        now: OffsetDateTime,
        expected_version: Option<i64>,
        audit: Vec<pqbank_audit::AuditEvent>,
    ) -> Result<Setting, StoreError> {
        check_setting(key, value)?;
        let now_s = fmt_time(now)?;
        let mut conn = self.write_conn().await?;
        conn.begin().await?;
        let result = async {
            let current: Option<i64> =
                sqlx::query_scalar("SELECT version FROM settings WHERE key = ?")
                    .bind(key)
                    .fetch_optional(&mut *conn)
                    .await?;
            if let Some(expected) = expected_version
                && current.unwrap_or(0) != expected
            {
                return Err(StoreError::Conflict("setting version changed"));
            }
            let row = sqlx::query(
                "INSERT INTO settings (key, value, updated_at, version) VALUES (?, ?, ?, 1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value,
                   updated_at = excluded.updated_at, version = settings.version + 1
                 RETURNING key, value, updated_at, version",
            )
            .bind(key)
            .bind(value)
            .bind(&now_s)
            .fetch_one(&mut *conn)
            .await?;
            let setting = setting_from_row(&row)?;
            crate::audit::append_sqlite(&mut conn, audit).await?;
            Ok(setting)
        }
        .await;
        conn.finish(result).await
    }

    async fn list_settings(&self, limit: u32) -> Result<Vec<Setting>, StoreError> {
        let rows = sqlx::query(
            "SELECT key, value, updated_at, version FROM settings ORDER BY key LIMIT ?",
        )
        .bind(clamp_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(setting_from_row).collect()
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.max,
        }
    }

    async fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.pool.close().await;
        let conn = self.writer.lock().await.take();
        if let Some(conn) = conn {
            let _ = conn.close().await;
        }
    }

    async fn execute_writes(
        &self,
        touches: &[SessionTouch],
        commands: &[&LedgerCommand],
    ) -> Result<WriteOutcomes, StoreError> {
        let touches = crate::sqlite_identity::prepare_touches(touches)?;
        if touches.is_empty() && commands.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        // Borrowed commands cannot move into `write_tx`'s closure: the same steps, inline.
        let mut conn = self.write_conn().await?;
        conn.begin().await?;
        let result = async {
            let touched = crate::sqlite_identity::touch_in(&mut conn, &touches).await?;
            let outcomes = crate::sqlite_ledger::ledger_in(&mut conn, commands).await?;
            Ok::<_, StoreError>((touched, outcomes))
        }
        .await;
        conn.finish(result).await
    }
}

pub(crate) type TxFuture<'c, T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, StoreError>> + Send + 'c>>;

impl SqliteStore {
    /// Runs `f` inside `BEGIN IMMEDIATE` ... `COMMIT`, rolling back on error.
    pub(crate) async fn write_tx<T>(
        &self,
        f: impl for<'c> FnOnce(&'c mut sqlx::SqliteConnection) -> TxFuture<'c, T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.write_conn().await?;
        conn.begin().await?;
        let result = f(&mut conn).await;
        conn.finish(result).await
    }
}

const CA_COLUMNS: &str =
    "id, kind, parent_id, algorithm, cert_der, key_encrypted, not_after, active, created_at";
pub(crate) const CERT_COLUMNS: &str = "serial, ca_id, user_id, device_id, usage, cert_der, not_after, status, superseded_by, created_at";

/// Inserts a CA inside a write transaction, deactivating the active CA of its kind first.
async fn insert_ca_in(conn: &mut sqlx::SqliteConnection, ca: &CaRecord) -> Result<(), StoreError> {
    let not_after = fmt_time(ca.not_after)?;
    let created_at = fmt_time(ca.created_at)?;
    if ca.active {
        sqlx::query("UPDATE ca_keys SET active = 0 WHERE kind = ? AND active = 1")
            .bind(ca.kind.as_str())
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO ca_keys ({CA_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&ca.id)
    .bind(ca.kind.as_str())
    .bind(&ca.parent_id)
    .bind(&ca.algorithm)
    .bind(&ca.cert_der)
    .bind(&ca.key_encrypted)
    .bind(&not_after)
    .bind(i64::from(ca.active))
    .bind(&created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_conflict(e, "CA id exists"))?;
    Ok(())
}

fn ca_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<CaRecord, StoreError> {
    Ok(CaRecord {
        id: row.try_get("id")?,
        kind: CaKind::parse(&row.try_get::<String, _>("kind")?)?,
        parent_id: row.try_get("parent_id")?,
        algorithm: row.try_get("algorithm")?,
        cert_der: row.try_get("cert_der")?,
        key_encrypted: row.try_get("key_encrypted")?,
        not_after: parse_time(&row.try_get::<String, _>("not_after")?)?,
        active: row.try_get::<i64, _>("active")? == 1,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
    })
}

fn cert_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<CertRecord, StoreError> {
    Ok(CertRecord {
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        user_id: row.try_get("user_id")?,
        device_id: row.try_get("device_id")?,
        usage: CertKind::parse(&row.try_get::<String, _>("usage")?)?,
        cert_der: row.try_get("cert_der")?,
        not_after: parse_time(&row.try_get::<String, _>("not_after")?)?,
        status: CertStatus::parse(&row.try_get::<String, _>("status")?)?,
        superseded_by: row.try_get("superseded_by")?,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
    })
}

fn revocation_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<RevocationRecord, StoreError> {
    Ok(RevocationRecord {
        seq: row.try_get("seq")?,
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        reason: u8::try_from(row.try_get::<i64, _>("reason")?)
            .map_err(|_| StoreError::Corrupt("reason"))?,
        revoked_at: parse_time(&row.try_get::<String, _>("revoked_at")?)?,
    })
}

fn crl_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<CrlRecord, StoreError> {
    Ok(CrlRecord {
        ca_id: row.try_get("ca_id")?,
        number: row.try_get("number")?,
        this_update: parse_time(&row.try_get::<String, _>("this_update")?)?,
        next_update: parse_time(&row.try_get::<String, _>("next_update")?)?,
        der: row.try_get("der")?,
    })
}

pub(crate) fn unique_conflict(e: sqlx::Error, what: &'static str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

#[async_trait]
impl PkiStore for SqliteStore {
    async fn insert_ca(&self, ca: &CaRecord) -> Result<(), StoreError> {
        check_ca(ca)?;
        let ca = ca.clone();
        self.write_tx(move |conn| Box::pin(async move { insert_ca_in(conn, &ca).await }))
            .await
    }

    async fn create_ca_hierarchy(
        &self,
        root: &CaRecord,
        issuing: &CaRecord,
    ) -> Result<bool, StoreError> {
        check_hierarchy(root, issuing)?;
        let (root, issuing) = (root.clone(), issuing.clone());
        // BEGIN IMMEDIATE takes the write lock first: concurrent callers run one after another.
        self.write_tx(move |conn| {
            Box::pin(async move {
                let exists: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM ca_keys WHERE kind = 'root' AND active = 1",
                )
                .fetch_one(&mut *conn)
                .await?;
                if exists > 0 {
                    return Ok(false);
                }
                insert_ca_in(conn, &root).await?;
                insert_ca_in(conn, &issuing).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn list_cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CA_COLUMNS} FROM ca_keys ORDER BY created_at, id LIMIT ?"
        ))
        .bind(clamp_limit(crate::MAX_LIST_LIMIT))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(ca_from_row).collect()
    }

    async fn insert_certificate(
        &self,
        cert: &CertRecord,
        supersedes: Option<&str>,
    ) -> Result<(), StoreError> {
        check_cert(cert)?;
        let cert = cert.clone();
        let supersedes = supersedes.map(str::to_owned);
        let not_after = fmt_time(cert.not_after)?;
        let created_at = fmt_time(cert.created_at)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO certificates ({CERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ))
                .bind(&cert.serial)
                .bind(&cert.ca_id)
                .bind(&cert.user_id)
                .bind(&cert.device_id)
                .bind(cert.usage.as_str())
                .bind(&cert.cert_der)
                .bind(&not_after)
                .bind(cert.status.as_str())
                .bind(&cert.superseded_by)
                .bind(&created_at)
                .execute(&mut *conn)
                .await
                .map_err(|e| unique_conflict(e, "serial exists"))?;
                if let Some(old) = supersedes {
                    let done = sqlx::query(
                        "UPDATE certificates SET superseded_by = ? WHERE serial = ?",
                    )
                    .bind(&cert.serial)
                    .bind(&old)
                    .execute(&mut *conn)
                    .await?;
                    if done.rows_affected() != 1 {
                        return Err(StoreError::NotFound("superseded certificate"));
                    }
                }
                Ok(())
            })
        })
        .await
    }

    async fn get_certificate(&self, serial: &str) -> Result<Option<CertRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE serial = ?"
        ))
        .bind(serial)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(cert_from_row).transpose()
    }

    async fn list_certificates(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<CertRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE user_id = ? ORDER BY created_at, rowid LIMIT ?"
        ))
        .bind(user_id)
        .bind(clamp_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(cert_from_row).collect()
    }

    async fn search_certificates(
        &self,
        status: Option<CertStatus>,
        usage: Option<CertKind>,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<CertRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE (? IS NULL OR status = ?) AND (? IS NULL OR usage = ?) AND serial > ? ORDER BY serial LIMIT ?"
        ))
        .bind(status.map(CertStatus::as_str))
        .bind(status.map(CertStatus::as_str))
        .bind(usage.map(CertKind::as_str))
        .bind(usage.map(CertKind::as_str))
        .bind(after.unwrap_or(""))
        .bind(clamp_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(cert_from_row).collect()
    }

    async fn revoke_certificate(
        &self,
        serial: &str,
        reason: u8,
        revoked_at: OffsetDateTime,
    ) -> Result<RevocationRecord, StoreError> {
        check_reason(reason)?;
        let serial = serial.to_owned();
        let at = fmt_time(revoked_at)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                let row: Option<(String, String)> =
                    sqlx::query_as("SELECT ca_id, status FROM certificates WHERE serial = ?")
                        .bind(&serial)
                        .fetch_optional(&mut *conn)
                        .await?;
                let (ca_id, status) = row.ok_or(StoreError::NotFound("certificate"))?;
                if CertStatus::parse(&status)? == CertStatus::Revoked {
                    return Err(StoreError::Conflict("certificate already revoked"));
                }
                sqlx::query("UPDATE certificates SET status = 'revoked' WHERE serial = ?")
                    .bind(&serial)
                    .execute(&mut *conn)
                    .await?;
                // Sessions signed in with this device certificate end with it (every instance
                // reads sessions from the database).
                sqlx::query(
                    "UPDATE sessions SET revoked_at = ? WHERE cert_serial = ? AND revoked_at IS NULL",
                )
                .bind(&at)
                .bind(&serial)
                .execute(&mut *conn)
                .await?;
                let row = sqlx::query(
                    "INSERT INTO revocations (serial, ca_id, reason, revoked_at) VALUES (?, ?, ?, ?)
                     RETURNING seq, serial, ca_id, reason, revoked_at",
                )
                .bind(&serial)
                .bind(&ca_id)
                .bind(i64::from(reason))
                .bind(&at)
                .fetch_one(&mut *conn)
                .await?;
                revocation_from_row(&row)
            })
        })
        .await
    }

    async fn revocations_since(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RevocationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, serial, ca_id, reason, revoked_at FROM revocations WHERE seq > ?
             ORDER BY seq LIMIT ?",
        )
        .bind(after_seq)
        .bind(i64::from(limit.min(MAX_REVOCATIONS)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revocation_from_row).collect()
    }

    async fn revocations_for_ca(&self, ca_id: &str) -> Result<Vec<RevocationRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, serial, ca_id, reason, revoked_at FROM revocations WHERE ca_id = ?
             ORDER BY seq LIMIT ?",
        )
        .bind(ca_id)
        .bind(i64::from(MAX_REVOCATIONS))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revocation_from_row).collect()
    }

    async fn next_crl_number(&self, ca_id: &str) -> Result<i64, StoreError> {
        let ca_id = ca_id.to_owned();
        self.write_tx(move |conn| {
            Box::pin(async move {
                let n: i64 = sqlx::query_scalar(
                    "INSERT INTO crl_numbers (ca_id, last_number) VALUES (?, 1)
                     ON CONFLICT(ca_id) DO UPDATE SET last_number = crl_numbers.last_number + 1
                     RETURNING last_number",
                )
                .bind(&ca_id)
                .fetch_one(&mut *conn)
                .await?;
                Ok(n)
            })
        })
        .await
    }

    async fn put_crl(&self, crl: &CrlRecord) -> Result<bool, StoreError> {
        let this_update = fmt_time(crl.this_update)?;
        let next_update = fmt_time(crl.next_update)?;
        let done = sqlx::query(
            "INSERT INTO crls (ca_id, number, this_update, next_update, der) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT(ca_id) DO UPDATE SET number = excluded.number,
               this_update = excluded.this_update, next_update = excluded.next_update,
               der = excluded.der
             WHERE excluded.number > crls.number",
        )
        .bind(&crl.ca_id)
        .bind(crl.number)
        .bind(&this_update)
        .bind(&next_update)
        .bind(&crl.der)
        .execute(&mut *self.write_conn().await?)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_crl(&self, ca_id: &str) -> Result<Option<CrlRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT ca_id, number, this_update, next_update, der FROM crls WHERE ca_id = ?",
        )
        .bind(ca_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(crl_from_row).transpose()
    }

    async fn revocation_listener(&self) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    /// A writer that began, ran `sql`, and was dropped before COMMIT (as a cancelled request
    /// future would be).
    async fn abandon_transaction(store: &SqliteStore, sql: &str) {
        let mut w = store.write_conn().await.unwrap();
        w.begin().await.unwrap();
        sqlx::query(sql).execute(&mut *w).await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_left_open_by_a_cancelled_writer_is_rolled_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("w.db"), &ConnectOptions::default())
            .await
            .unwrap();
        abandon_transaction(
            &store,
            "INSERT INTO settings (key, value, updated_at, version) \
             VALUES ('abandoned', 'x', '2026-01-01T00:00:00Z', 1)",
        )
        .await;
        // The next writer gets a clean connection: its own transaction commits, the
        // abandoned one is gone.
        let now = OffsetDateTime::UNIX_EPOCH;
        store
            .put_setting("kept", "y", now, None, Vec::new())
            .await
            .unwrap();
        assert!(store.get_setting("abandoned").await.unwrap().is_none());
        assert_eq!(store.get_setting("kept").await.unwrap().unwrap().value, "y");
        store.close().await;
        assert!(
            store.write_conn().await.is_err(),
            "closed store still writes"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_restart_rolls_back_an_abandoned_transaction_instead_of_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        let store = SqliteStore::open(&path, &ConnectOptions::default())
            .await
            .unwrap();
        let now = OffsetDateTime::UNIX_EPOCH;
        store
            .put_setting("a", "1", now, None, Vec::new())
            .await
            .unwrap();
        abandon_transaction(
            &store,
            "UPDATE settings SET value = 'abandoned' WHERE key = 'a'",
        )
        .await;
        assert!(store.writer_in_tx.load(Ordering::SeqCst));
        let mut conn = SqliteConnectOptions::from_str("sqlite://")
            .unwrap()
            .filename(&path)
            .connect()
            .await
            .unwrap();
        // Were the abandoned transaction left open, the checkpoint would wait for the write
        // lock until the connection's busy timeout and then report the log busy.
        let busy = restart_log(&mut conn, &store.writer, &store.writer_in_tx)
            .await
            .unwrap();
        assert!(!busy, "the restart waited for the abandoned transaction");
        assert!(!store.writer_in_tx.load(Ordering::SeqCst));
        assert_eq!(store.get_setting("a").await.unwrap().unwrap().value, "1");
    }
}
