//! The conformance suite on SQLite (always runs).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pqbank_store::{ConnectOptions, SqliteStore, Store};

async fn fresh() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("t.db"), &ConnectOptions::default())
        .await
        .unwrap();
    (dir, Arc::new(store))
}

pqbank_store::conformance_tests!(fresh());

#[tokio::test]
async fn sqlite_pragmas_are_set() {
    let (_dir, _) = fresh().await;
    let store = SqliteStore::open(&_dir.path().join("p.db"), &ConnectOptions::default())
        .await
        .unwrap();
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(fk, 1);
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert!(busy >= 1000);
}

#[tokio::test]
async fn reopening_keeps_data_and_migrations_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.db");
    let t = time::macros::datetime!(2026-01-01 00:00 UTC);
    {
        let s = SqliteStore::open(&path, &ConnectOptions::default())
            .await
            .unwrap();
        s.put_setting("x", "1", t, None, Vec::new()).await.unwrap();
        s.close().await;
    }
    let s = SqliteStore::open(&path, &ConnectOptions::default())
        .await
        .unwrap();
    assert_eq!(s.get_setting("x").await.unwrap().unwrap().value, "1");
}

use pqbank_store::SettingsStore as _;
