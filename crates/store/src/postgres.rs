//! PostgreSQL implementation. Writers use row locks in a fixed order (or SERIALIZABLE with retries
//! where a use case needs it).

use std::str::FromStr;

use async_trait::async_trait;
use secrecy::ExposeSecret;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{PgPool, Row};
use time::OffsetDateTime;

use crate::{
    Backend, ConnectOptions, DatabaseUrl, PoolStats, Setting, SettingsStore, Store, StoreError,
    check_setting, clamp_limit,
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The PostgreSQL store.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    max: u32,
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
        Ok(Self {
            pool,
            max: opts.max_connections.max(1),
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
}
