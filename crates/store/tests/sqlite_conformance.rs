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
    // 2 = MEMORY: statement journals never spill to a temporary file.
    let temp: i64 = sqlx::query_scalar("PRAGMA temp_store")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(temp, 2);
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

/// Writes of one process queue on the store's single writing connection instead of in SQLite's
/// busy handler: with a busy timeout too short for any retry, many concurrent write
/// transactions all succeed, each applied once.
#[tokio::test]
async fn concurrent_writers_queue_in_process_not_in_the_busy_handler() {
    let dir = tempfile::tempdir().unwrap();
    let opts = ConnectOptions {
        busy_timeout: std::time::Duration::from_millis(1),
        ..ConnectOptions::default()
    };
    let store = Arc::new(
        SqliteStore::open(&dir.path().join("w.db"), &opts)
            .await
            .unwrap(),
    );
    let t = time::macros::datetime!(2026-01-01 00:00 UTC);
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..32 {
        let store = store.clone();
        tasks.spawn(async move {
            for i in 0..10 {
                store
                    .put_setting(&format!("k{task}.{i}"), "v", t, None, Vec::new())
                    .await
                    .unwrap();
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
    assert_eq!(store.list_settings(500).await.unwrap().len(), 320);
}

/// The monitoring read after each transfer is answered from two covering indexes, without
/// reading the (large) transfer rows.
#[tokio::test]
async fn monitoring_read_uses_covering_indexes() {
    let (dir, _) = fresh().await;
    let store = SqliteStore::open(&dir.path().join("plan.db"), &ConnectOptions::default())
        .await
        .unwrap();
    assert_plan_uses(
        &store,
        "SELECT id, created_us, currency, amount_minor FROM transfers \
         WHERE initiator_id = 'u' AND kind = 'transfer' AND created_us >= 0 \
         ORDER BY created_us, id LIMIT 22",
        "COVERING INDEX transfers_by_initiator",
    )
    .await;
    assert_plan_uses(
        &store,
        "SELECT amount_minor FROM transfers WHERE from_account = 'a' AND currency = 'EUR' \
         AND status = 'posted' AND kind = 'transfer' AND id <> 'x' \
         ORDER BY created_us DESC LIMIT 50",
        "COVERING INDEX transfers_by_from",
    )
    .await;
}

/// An account's postings are read through one index keyed by account (each such index costs a
/// page per account in every commit): the statement page and the opening balance of a period.
#[tokio::test]
async fn postings_reads_use_the_one_account_index() {
    let (dir, _) = fresh().await;
    let store = SqliteStore::open(&dir.path().join("plan.db"), &ConnectOptions::default())
        .await
        .unwrap();
    let indexes: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'postings' \
         AND name NOT LIKE 'sqlite_autoindex%' ORDER BY name",
    )
    .fetch_all(store.pool())
    .await
    .unwrap();
    assert_eq!(indexes, ["postings_by_account"]);
    assert_plan_uses(
        &store,
        "SELECT COALESCE(SUM(amount_minor), 0) FROM postings \
         WHERE account_id = 'a' AND time_us < 100",
        "COVERING INDEX postings_by_account",
    )
    .await;
    let plan = assert_plan_uses(
        &store,
        "SELECT p.seq, t.reference FROM postings p JOIN transfers t ON t.id = p.transfer_id \
         WHERE p.account_id = 'a' AND p.seq < 1000 AND p.time_us >= 0 AND p.time_us < 100 \
         ORDER BY p.seq DESC LIMIT 50",
        "INDEX postings_by_account",
    )
    .await;
    assert!(!plan.iter().any(|d| d.contains("TEMP B-TREE")), "{plan:?}");
}

/// The query plan of `query`, asserted to mention `access` (e.g. `COVERING INDEX name`).
async fn assert_plan_uses(store: &SqliteStore, query: &str, access: &str) -> Vec<String> {
    use sqlx::Row as _;
    let plan: Vec<String> = sqlx::query(&format!("EXPLAIN QUERY PLAN {query}"))
        .fetch_all(store.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("detail"))
        .collect();
    assert!(plan.iter().any(|d| d.contains(access)), "{plan:?}");
    plan
}

/// Writes `n` settings of 60 KiB each from 4 concurrent writers (so that write transactions run
/// back to back) while 2 readers keep reading (so that some reader always holds a snapshot).
async fn write_settings(store: &SqliteStore, prefix: &str, n: usize) {
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (store, done) = (store.clone(), done.clone());
            tokio::spawn(async move {
                while !done.load(std::sync::atomic::Ordering::SeqCst) {
                    let _: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
                        .fetch_one(store.pool())
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let store = store.clone();
            let prefix = prefix.to_owned();
            tokio::spawn(async move {
                let value = "v".repeat(60 * 1024);
                for i in (w..n).step_by(4) {
                    store
                        .put_setting(
                            &format!("{prefix}-{i}"),
                            &value,
                            time::OffsetDateTime::UNIX_EPOCH,
                            None,
                            Vec::new(),
                        )
                        .await
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.await.unwrap();
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    for r in readers {
        r.await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wal_is_checkpointed_beside_the_writer_and_stays_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.db");
    let store = SqliteStore::open(&path, &ConnectOptions::default())
        .await
        .unwrap();
    // Commits never checkpoint themselves...
    let auto: i64 = sqlx::query_scalar("PRAGMA wal_autocheckpoint")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(auto, 0);
    // ...yet the database file receives the committed pages soon after (the checkpointer runs
    // every 100 ms on its own connection).
    write_settings(&store, "a", 20).await;
    let copied = async {
        loop {
            if std::fs::metadata(&path).unwrap().len() > 1024 * 1024 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    };
    tokio::time::timeout(std::time::Duration::from_secs(10), copied)
        .await
        .expect("no checkpoint within 10 s");
    // Under back-to-back writes and constant reads a passive checkpoint never catches up, so
    // the log would only grow; past 8192 frames (32 MiB) the checkpointer makes it start over:
    // after ~110 MiB of writes it holds far less.
    let wal = dir.path().join("c.db-wal");
    write_settings(&store, "b", 1800).await;
    let len = std::fs::metadata(&wal).unwrap().len();
    assert!(len < 80 * 1024 * 1024, "WAL grew to {len} bytes");
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1820, "every write is readable");
}
