//! The conformance suite on PostgreSQL. Runs when `PQBANK_TEST_DATABASE_URL` is set (CI sets it to
//! `postgres://postgres@127.0.0.1:5432/test`); without it each test prints why it did nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pqbank_store::testing::{TestDatabase, fresh_database, postgres_requested};
use pqbank_store::{ConnectOptions, PgStore, SqliteStore, Store};

async fn fresh() -> (TestDatabase, Arc<dyn Store>) {
    let db = fresh_database().await.unwrap();
    let store: Arc<dyn Store> = if postgres_requested() {
        Arc::new(
            PgStore::connect(&db.url, &ConnectOptions::default())
                .await
                .unwrap(),
        )
    } else {
        // Without PostgreSQL, `fresh_database` hands out SQLite; the suite still runs there so
        // this file never passes vacuously.
        eprintln!("PQBANK_TEST_DATABASE_URL unset: running the postgres suite file on SQLite");
        let pqbank_store::DatabaseUrl::Sqlite(path) = &db.url else {
            unreachable!()
        };
        Arc::new(
            SqliteStore::open(path, &ConnectOptions::default())
                .await
                .unwrap(),
        )
    };
    (db, store)
}

pqbank_store::conformance_tests!(fresh());

#[tokio::test]
async fn postgres_schemas_isolate_tests() {
    if !postgres_requested() {
        eprintln!("PQBANK_TEST_DATABASE_URL unset: schema isolation is PostgreSQL-only");
        return;
    }
    let t = time::macros::datetime!(2026-01-01 00:00 UTC);
    let (_a, sa) = fresh().await;
    let (_b, sb) = fresh().await;
    sa.put_setting("iso", "a", t, None, Vec::new())
        .await
        .unwrap();
    assert_eq!(sb.get_setting("iso").await.unwrap(), None);
    assert_eq!(sa.backend(), pqbank_store::Backend::Postgres);
}

/// PostgreSQL cannot compare text with a NUL character: that is bad input (the service answers
/// it as invalid), not a database failure. SQLite simply finds nothing.
#[tokio::test]
async fn text_with_nul_is_bad_input_not_a_failure() {
    let (_db, store) = fresh().await;
    let found = store.get_user("nul\u{0}id").await;
    if postgres_requested() {
        let e = found.unwrap_err();
        assert!(e.is_unstorable_text(), "{e}");
        assert!(!e.is_unavailable() && !e.is_retryable(), "{e}");
    } else {
        assert!(found.unwrap().is_none());
    }
}
