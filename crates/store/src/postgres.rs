//! PostgreSQL implementation. Writers use row locks in a fixed order (or SERIALIZABLE with retries
//! where a use case needs it).

use std::str::FromStr;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};

use time::OffsetDateTime;

use crate::pki::{check_ca, check_cert, check_hierarchy, check_reason};
use crate::{
    Backend, CaKind, CaRecord, CertKind, CertRecord, CertStatus, ConnectOptions, CrlRecord,
    DatabaseUrl, LedgerCommand, MAX_REVOCATIONS, PkiStore, PoolStats, RevocationListener,
    RevocationRecord, SessionTouch, Setting, SettingsStore, Store, StoreError, WriteOutcomes,
    check_setting, clamp_limit,
};

#[path = "postgres_audit.rs"]
mod audit_impl;

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    max: u32,
    /// NOTIFY channel for revocations, one per schema (tests use one schema each).
    channel: String,
}

impl PgStore {
    /// Connects and runs migrations. The URL may name a schema with
    /// `?options=-c%20search_path%3DNAME` (tests use one schema each).
    pub async fn connect(url: &DatabaseUrl, opts: &ConnectOptions) -> Result<Self, StoreError> {
        let DatabaseUrl::Postgres(secret) = url else {
            return Err(StoreError::InvalidUrl("not a postgres URL"));
        };
        let connect = PgConnectOptions::from_str(secret.expose_secret())?;
        let pool = PgPoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        let schema: String = sqlx::query_scalar("SELECT current_schema()::text")
            .fetch_one(&pool)
            .await?;
        Ok(Self {
            pool,
            max: opts.max_connections.max(1),
            channel: revocation_channel(&schema),
        })
    }

    /// The pool, for later per-concern modules of this backend.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}

fn setting_from_row(row: &sqlx::postgres::PgRow) -> Result<Setting, StoreError> {
    Ok(Setting {
        key: row.try_get("key")?,
        value: row.try_get("value")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

#[async_trait]
impl SettingsStore for PgStore {
    async fn get_setting(&self, key: &str) -> Result<Option<Setting>, StoreError> {
        let row =
            sqlx::query("SELECT key, value, updated_at, version FROM settings WHERE key = $1")
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
        let mut tx = self.pool.begin().await?;
        // Serialise writers of this key, including the first insert, without a table lock.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("settings:{key}"))
            .execute(&mut *tx)
            .await?;
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM settings WHERE key = $1 FOR UPDATE")
                .bind(key)
                .fetch_optional(&mut *tx)
                .await?;
        if let Some(expected) = expected_version
            && current.unwrap_or(0) != expected
        {
            return Err(StoreError::Conflict("setting version changed"));
        }
        let row = sqlx::query(
            "INSERT INTO settings (key, value, updated_at, version) VALUES ($1, $2, $3, 1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value,
               updated_at = excluded.updated_at, version = settings.version + 1
             RETURNING key, value, updated_at, version",
        )
        .bind(key)
        .bind(value)
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        let setting = setting_from_row(&row)?;
        crate::audit::append_pg(&mut tx, audit).await?;
        tx.commit().await?;
        Ok(setting)
    }

    async fn list_settings(&self, limit: u32) -> Result<Vec<Setting>, StoreError> {
        let rows = sqlx::query(
            "SELECT key, value, updated_at, version FROM settings ORDER BY key LIMIT $1",
        )
        .bind(clamp_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(setting_from_row).collect()
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
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
        self.pool.close().await;
    }

    async fn execute_writes(
        &self,
        touches: &[SessionTouch],
        commands: &[&LedgerCommand],
    ) -> Result<WriteOutcomes, StoreError> {
        crate::postgres_identity::check_touches(touches)?;
        if touches.is_empty() && commands.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        // Session rows first, then the ledger's (each in its fixed order): every batch takes
        // its locks in the same order.
        let mut tx = self.pool().begin().await?;
        let touched = crate::postgres_identity::touch_in(&mut tx, touches).await?;
        let outcomes = crate::postgres_ledger::ledger_in(&mut tx, commands).await?;
        tx.commit().await?;
        Ok((touched, outcomes))
    }
}

/// `pqbank_rev_<schema>`, cut to PostgreSQL's 63-byte identifier limit.
fn revocation_channel(schema: &str) -> String {
    let mut channel = format!("pqbank_rev_{schema}");
    while channel.len() > 63 {
        channel.pop();
    }
    channel
}

const CA_COLUMNS: &str =
    "id, kind, parent_id, algorithm, cert_der, key_encrypted, not_after, active, created_at";
pub(crate) const CERT_COLUMNS: &str = "serial, ca_id, user_id, device_id, usage, cert_der, not_after, status, superseded_by, created_at";
const REVOCATION_COLUMNS: &str = "seq, serial, ca_id, reason, revoked_at";

/// The lock every CA write takes first (transaction-scoped), so CA changes are serialised
/// across instances.
async fn lock_ca_keys(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('pqbank:ca_keys', 0))")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Inserts a CA in `tx` (which holds the CA lock), deactivating the active CA of its kind first.
async fn insert_ca_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Postgres>,
    ca: &CaRecord,
) -> Result<(), StoreError> {
    if ca.active {
        sqlx::query("UPDATE ca_keys SET active = FALSE WHERE kind = $1 AND active")
            .bind(ca.kind.as_str())
            .execute(&mut **tx)
            .await?;
    }
    sqlx::query(&format!(
        "INSERT INTO ca_keys ({CA_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(&ca.id)
    .bind(ca.kind.as_str())
    .bind(&ca.parent_id)
    .bind(&ca.algorithm)
    .bind(&ca.cert_der)
    .bind(&ca.key_encrypted)
    .bind(ca.not_after)
    .bind(ca.active)
    .bind(ca.created_at)
    .execute(&mut **tx)
    .await
    .map_err(|e| unique_conflict(e, "CA id exists"))?;
    Ok(())
}

fn ca_from_row(row: &sqlx::postgres::PgRow) -> Result<CaRecord, StoreError> {
    Ok(CaRecord {
        id: row.try_get("id")?,
        kind: CaKind::parse(&row.try_get::<String, _>("kind")?)?,
        parent_id: row.try_get("parent_id")?,
        algorithm: row.try_get("algorithm")?,
        cert_der: row.try_get("cert_der")?,
        key_encrypted: row.try_get("key_encrypted")?,
        not_after: row.try_get("not_after")?,
        active: row.try_get("active")?,
        created_at: row.try_get("created_at")?,
    })
}

fn cert_from_row(row: &sqlx::postgres::PgRow) -> Result<CertRecord, StoreError> {
    Ok(CertRecord {
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        user_id: row.try_get("user_id")?,
        device_id: row.try_get("device_id")?,
        usage: CertKind::parse(&row.try_get::<String, _>("usage")?)?,
        cert_der: row.try_get("cert_der")?,
        not_after: row.try_get("not_after")?,
        status: CertStatus::parse(&row.try_get::<String, _>("status")?)?,
        superseded_by: row.try_get("superseded_by")?,
        created_at: row.try_get("created_at")?,
    })
}

fn revocation_from_row(row: &sqlx::postgres::PgRow) -> Result<RevocationRecord, StoreError> {
    Ok(RevocationRecord {
        seq: row.try_get("seq")?,
        serial: row.try_get("serial")?,
        ca_id: row.try_get("ca_id")?,
        reason: u8::try_from(row.try_get::<i16, _>("reason")?)
            .map_err(|_| StoreError::Corrupt("reason"))?,
        revoked_at: row.try_get("revoked_at")?,
    })
}

pub(crate) fn unique_conflict(e: sqlx::Error, what: &'static str) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what),
        _ => StoreError::Database(e),
    }
}

/// LISTEN on the schema's revocation channel.
struct PgRevocationListener(sqlx::postgres::PgListener);

#[async_trait]
impl RevocationListener for PgRevocationListener {
    async fn wait(&mut self) -> Result<(), StoreError> {
        self.0.recv().await?;
        Ok(())
    }
}

#[async_trait]
impl PkiStore for PgStore {
    async fn insert_ca(&self, ca: &CaRecord) -> Result<(), StoreError> {
        check_ca(ca)?;
        let mut tx = self.pool.begin().await?;
        lock_ca_keys(&mut tx).await?;
        insert_ca_in(&mut tx, ca).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn create_ca_hierarchy(
        &self,
        root: &CaRecord,
        issuing: &CaRecord,
    ) -> Result<bool, StoreError> {
        check_hierarchy(root, issuing)?;
        let mut tx = self.pool.begin().await?;
        // Held until commit/rollback: a second instance waits here, then sees the root.
        lock_ca_keys(&mut tx).await?;
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM ca_keys WHERE kind = 'root' AND active)",
        )
        .fetch_one(&mut *tx)
        .await?;
        if exists {
            tx.rollback().await?;
            return Ok(false);
        }
        insert_ca_in(&mut tx, root).await?;
        insert_ca_in(&mut tx, issuing).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn list_cas(&self) -> Result<Vec<CaRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CA_COLUMNS} FROM ca_keys ORDER BY created_at, id LIMIT $1"
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
        let mut tx = self.pool.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO certificates ({CERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        ))
        .bind(&cert.serial)
        .bind(&cert.ca_id)
        .bind(&cert.user_id)
        .bind(&cert.device_id)
        .bind(cert.usage.as_str())
        .bind(&cert.cert_der)
        .bind(cert.not_after)
        .bind(cert.status.as_str())
        .bind(&cert.superseded_by)
        .bind(cert.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_conflict(e, "serial exists"))?;
        if let Some(old) = supersedes {
            let done = sqlx::query("UPDATE certificates SET superseded_by = $1 WHERE serial = $2")
                .bind(&cert.serial)
                .bind(old)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::NotFound("superseded certificate"));
            }
        }
        tx.commit().await?;
        Ok(())
    }

    async fn get_certificate(&self, serial: &str) -> Result<Option<CertRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {CERT_COLUMNS} FROM certificates WHERE serial = $1"
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
            "SELECT {CERT_COLUMNS} FROM certificates WHERE user_id = $1 ORDER BY created_at, serial LIMIT $2"
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
            "SELECT {CERT_COLUMNS} FROM certificates WHERE ($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR usage = $2) AND serial > $3 ORDER BY serial LIMIT $4"
        ))
        .bind(status.map(CertStatus::as_str))
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
        let mut tx = self.pool.begin().await?;
        // One revoker at a time: feed sequence numbers then commit in order, so a reader that
        // saw seq n has seen every seq below it.
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('pqbank:revocations', 0))")
            .execute(&mut *tx)
            .await?;
        let row: Option<(String, String)> =
            sqlx::query_as("SELECT ca_id, status FROM certificates WHERE serial = $1 FOR UPDATE")
                .bind(serial)
                .fetch_optional(&mut *tx)
                .await?;
        let (ca_id, status) = row.ok_or(StoreError::NotFound("certificate"))?;
        if CertStatus::parse(&status)? == CertStatus::Revoked {
            return Err(StoreError::Conflict("certificate already revoked"));
        }
        sqlx::query("UPDATE certificates SET status = 'revoked' WHERE serial = $1")
            .bind(serial)
            .execute(&mut *tx)
            .await?;
        // Sessions signed in with this device certificate end with it (every instance reads
        // sessions from the database).
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE cert_serial = $2 AND revoked_at IS NULL",
        )
        .bind(revoked_at)
        .bind(serial)
        .execute(&mut *tx)
        .await?;
        let row = sqlx::query(&format!(
            "INSERT INTO revocations (serial, ca_id, reason, revoked_at) VALUES ($1, $2, $3, $4)
             RETURNING {REVOCATION_COLUMNS}"
        ))
        .bind(serial)
        .bind(&ca_id)
        .bind(i16::from(reason))
        .bind(revoked_at)
        .fetch_one(&mut *tx)
        .await?;
        let record = revocation_from_row(&row)?;
        // Delivered at commit.
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(&self.channel)
            .bind(record.seq.to_string())
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn revocations_since(
        &self,
        after_seq: i64,
        limit: u32,
    ) -> Result<Vec<RevocationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE seq > $1 ORDER BY seq LIMIT $2"
        ))
        .bind(after_seq)
        .bind(i64::from(limit.min(MAX_REVOCATIONS)))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revocation_from_row).collect()
    }

    async fn revocations_for_ca(&self, ca_id: &str) -> Result<Vec<RevocationRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVOCATION_COLUMNS} FROM revocations WHERE ca_id = $1 ORDER BY seq LIMIT $2"
        ))
        .bind(ca_id)
        .bind(i64::from(MAX_REVOCATIONS))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revocation_from_row).collect()
    }

    async fn next_crl_number(&self, ca_id: &str) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "INSERT INTO crl_numbers (ca_id, last_number) VALUES ($1, 1)
             ON CONFLICT (ca_id) DO UPDATE SET last_number = crl_numbers.last_number + 1
             RETURNING last_number",
        )
        .bind(ca_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    async fn put_crl(&self, crl: &CrlRecord) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO crls (ca_id, number, this_update, next_update, der) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (ca_id) DO UPDATE SET number = excluded.number,
               this_update = excluded.this_update, next_update = excluded.next_update,
               der = excluded.der
             WHERE excluded.number > crls.number",
        )
        .bind(&crl.ca_id)
        .bind(crl.number)
        .bind(crl.this_update)
        .bind(crl.next_update)
        .bind(&crl.der)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn get_crl(&self, ca_id: &str) -> Result<Option<CrlRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT ca_id, number, this_update, next_update, der FROM crls WHERE ca_id = $1",
        )
        .bind(ca_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(CrlRecord {
                ca_id: row.try_get("ca_id")?,
                number: row.try_get("number")?,
                this_update: row.try_get("this_update")?,
                next_update: row.try_get("next_update")?,
                der: row.try_get("der")?,
            })
        })
        .transpose()
    }

    async fn revocation_listener(&self) -> Result<Option<Box<dyn RevocationListener>>, StoreError> {
        let mut listener = sqlx::postgres::PgListener::connect_with(&self.pool).await?;
        listener.listen(&self.channel).await?;
        Ok(Some(Box::new(PgRevocationListener(listener))))
    }
}
