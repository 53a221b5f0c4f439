//! Audit append throughput (ignored by default; run with
//! `cargo test -p pqbank-store --release --test audit_bench -- --ignored --nocapture`, with
//! PQBANK_TEST_DATABASE_URL for PostgreSQL).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
#![allow(clippy::disallowed_methods)] // wall-clock timing of a benchmark

use std::sync::Arc;
use std::time::Instant;

use pqbank_store::conformance_audit::sample_event;
use pqbank_store::testing::{fresh_database, postgres_requested};
use pqbank_store::{ConnectOptions, Store, audit_inclusion_proof, audit_root, connect};

async fn store() -> (pqbank_store::testing::TestDatabase, Arc<dyn Store>) {
    let db = fresh_database().await.unwrap();
    let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
    (db, store)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
async fn audit_append_throughput() {
    let backend = if postgres_requested() {
        "postgres"
    } else {
        "sqlite"
    };
    let (_db, store) = store().await;
    let single = 2000u64;
    let t = Instant::now();
    for n in 0..single {
        store
            .append_audit(vec![sample_event(n, "bench")])
            .await
            .unwrap();
    }
    let e = t.elapsed();
    println!(
        "{backend}: 1 event per transaction: {single} events in {e:.2?} = {:.0} events/s, {:.0} us/event",
        single as f64 / e.as_secs_f64(),
        e.as_secs_f64() * 1e6 / single as f64
    );
    for batch in [10u64, 100, 1000] {
        let total = 100_000u64.min(batch * 1000);
        let t = Instant::now();
        let mut n = 0;
        while n < total {
            store
                .append_audit((n..n + batch).map(|i| sample_event(i, "bench")).collect())
                .await
                .unwrap();
            n += batch;
        }
        let e = t.elapsed();
        println!(
            "{backend}: {batch} events per transaction: {total} events in {e:.2?} = {:.0} events/s, {:.1} us/event",
            total as f64 / e.as_secs_f64(),
            e.as_secs_f64() * 1e6 / total as f64
        );
    }
    let size = store.audit_size().await.unwrap();
    let t = Instant::now();
    for i in 0..200 {
        audit_inclusion_proof(store.as_ref(), (i * 7919) % size, size)
            .await
            .unwrap();
    }
    println!(
        "{backend}: inclusion proof at size {size}: {:.0} us",
        t.elapsed().as_secs_f64() * 1e6 / 200.0
    );
    let t = Instant::now();
    audit_root(store.as_ref(), size).await.unwrap();
    println!("{backend}: root at size {size}: {:.2?}", t.elapsed());
}
