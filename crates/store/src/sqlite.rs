//! SQLite implementation (embedded default): WAL, foreign keys on, busy timeout, synchronous=FULL.
//! Writers start transactions with `BEGIN IMMEDIATE` so lock upgrades never deadlock.

use std::path::Path;
use std::str::FromStr;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Row, SqlitePool};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{
    Backend, ConnectOptions, PoolStats, Setting, SettingsStore, Store, StoreError, check_setting,
    clamp_limit,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// The SQLite store.
#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
    max: u32,
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
            .busy_timeout(opts.busy_timeout);
        let pool = SqlitePoolOptions::new()
            .max_connections(opts.max_connections.max(1))
            .acquire_timeout(opts.acquire_timeout)
            .connect_with(connect)
            .await?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            max: opts.max_connections.max(1),
        })
    }

    /// The pool, for later per-concern modules of this backend.
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

fn fmt_time(t: OffsetDateTime) -> Result<String, StoreError> {
    t.format(&Rfc3339)
        .map_err(|_| StoreError::Invalid("timestamp out of range"))
}

fn parse_time(s: &str) -> Result<OffsetDateTime, StoreError> {
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
    ) -> Result<Setting, StoreError> {
        check_setting(key, value)?;
        let now_s = fmt_time(now)?;
        let mut conn = self.pool.acquire().await?;
        sqlx::query("BEGIN IMMEDIATE").execute(&mut *conn).await?;
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
            setting_from_row(&row)
        }
        .await;
        match result {
            Ok(s) => {
                sqlx::query("COMMIT").execute(&mut *conn).await?;
                Ok(s)
            }
            Err(e) => {
                // The original error matters more than a failed rollback; the connection is
                // dropped from the pool on failure anyway.
                let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
                Err(e)
            }
        }
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
        self.pool.close().await;
    }
}
