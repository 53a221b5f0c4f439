//! Test support: a fresh, isolated database for every test.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL (when `PQBANK_TEST_DATABASE_URL` is set):
//! a new schema with a random name in that database, selected through the URL's `search_path`, so
//! parallel tests and repeated runs never collide. Schemas older than an hour are dropped.
#![allow(clippy::disallowed_methods)] // test support may read the real clock and OS randomness.

use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;

use crate::{DatabaseUrl, StoreError};

/// Environment variable naming the PostgreSQL server for tests.
pub const TEST_DATABASE_ENV: &str = "PQBANK_TEST_DATABASE_URL";

/// A fresh database that lives as long as this value.
#[derive(Debug)]
pub struct TestDatabase {
    /// URL to open it with.
    pub url: DatabaseUrl,
    /// The same URL as text (with the schema for PostgreSQL), for servers started as processes.
    pub url_string: String,
    _dir: Option<tempfile::TempDir>,
}

/// True when tests run against PostgreSQL.
pub fn postgres_requested() -> bool {
    std::env::var(TEST_DATABASE_ENV).is_ok_and(|v| !v.trim().is_empty())
}

/// Creates a fresh database: PostgreSQL schema if `PQBANK_TEST_DATABASE_URL` is set, else SQLite.
pub async fn fresh_database() -> Result<TestDatabase, StoreError> {
    match std::env::var(TEST_DATABASE_ENV) {
        Ok(base) if !base.trim().is_empty() => fresh_postgres(base.trim()).await,
        _ => fresh_sqlite(),
    }
}

fn fresh_sqlite() -> Result<TestDatabase, StoreError> {
    let dir = tempfile::tempdir().map_err(|_| StoreError::Invalid("cannot create temp dir"))?;
    let path = dir.path().join("pqbank.db");
    let url_string = format!("sqlite://{}", path.display());
    Ok(TestDatabase {
        url: DatabaseUrl::Sqlite(path),
        url_string,
        _dir: Some(dir),
    })
}

/// A fresh schema in the PostgreSQL database at `base` (also used by `pqbank bench`).
pub async fn fresh_postgres(base: &str) -> Result<TestDatabase, StoreError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let schema = format!("pqt_{now}_{}", uuid::Uuid::new_v4().simple());
    let mut conn = sqlx::PgConnection::connect(base).await?;
    let old: Vec<String> =
        sqlx::query_scalar("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'pqt\\_%'")
            .fetch_all(&mut conn)
            .await?;
    for name in old {
        let ts = name
            .split('_')
            .nth(1)
            .and_then(|t| t.parse::<u64>().ok())
            .unwrap_or(u64::MAX);
        if ts.saturating_add(3600) < now {
            // Best effort: another run may be dropping it at the same moment.
            let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"))
                .execute(&mut conn)
                .await;
        }
    }
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url_string = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Ok(TestDatabase {
        url: DatabaseUrl::parse(&url_string)?,
        url_string,
        _dir: None,
    })
}

impl TestDatabase {
    /// Every value of every table in the database, as raw bytes (text and binary columns as
    /// stored), concatenated: tests search it for data that must never be stored in clear.
    pub async fn dump_all_bytes(&self) -> Result<Vec<u8>, StoreError> {
        use sqlx::Row;
        let mut out = Vec::new();
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await?;
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
                )
                .fetch_all(&mut conn)
                .await?;
                for t in tables {
                    let rows = sqlx::query(&format!("SELECT * FROM \"{t}\""))
                        .fetch_all(&mut conn)
                        .await?;
                    for row in rows {
                        for i in 0..row.columns().len() {
                            if let Ok(Some(v)) = row.try_get_unchecked::<Option<Vec<u8>>, _>(i) {
                                out.extend_from_slice(&v);
                                out.push(0);
                            }
                        }
                    }
                }
            }
            DatabaseUrl::Postgres(_) => {
                let mut conn = sqlx::PgConnection::connect(&self.url_string).await?;
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables \
                     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(&mut conn)
                .await?;
                for t in tables {
                    // Text form of every column, plus bytea as raw bytes.
                    let rows = sqlx::query(&format!("SELECT * FROM \"{t}\""))
                        .fetch_all(&mut conn)
                        .await?;
                    for row in rows {
                        for i in 0..row.columns().len() {
                            if let Ok(Some(v)) = row.try_get_unchecked::<Option<Vec<u8>>, _>(i) {
                                out.extend_from_slice(&v);
                                out.push(0);
                            }
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// Runs `sql` (one statement) on the test database, bypassing the store and, on SQLite,
    /// its foreign keys: tests use it to corrupt a database on purpose and check that the
    /// invariant check finds it.
    pub async fn execute_unchecked(&self, sql: &str) -> Result<u64, StoreError> {
        match &self.url {
            DatabaseUrl::Sqlite(path) => {
                let mut conn =
                    sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
                        .await?;
                sqlx::query("PRAGMA foreign_keys = OFF")
                    .execute(&mut conn)
                    .await?;
                Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
            }
            DatabaseUrl::Postgres(_) => {
                let mut conn = sqlx::PgConnection::connect(&self.url_string).await?;
                Ok(sqlx::query(sql).execute(&mut conn).await?.rows_affected())
            }
        }
    }

    /// [`Self::dump_all_bytes`] as (lossy) text.
    pub async fn dump_all_text(&self) -> Result<String, StoreError> {
        Ok(String::from_utf8_lossy(&self.dump_all_bytes().await?).into_owned())
    }
}
