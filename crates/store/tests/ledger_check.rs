//! The invariant check finds references to missing rows, which the database itself does not
//! refuse on PostgreSQL (no foreign keys on the ledger's hot tables; migration 0010). Runs on
//! SQLite, and on PostgreSQL when `PQBANK_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqbank_store::testing::{fresh_database, postgres_requested};
use pqbank_store::{ConnectOptions, connect};

const MISSING_A: &str = "00000000-0000-7000-8000-00000000000a";
const MISSING_B: &str = "00000000-0000-7000-8000-00000000000b";
const MISSING_T: &str = "00000000-0000-7000-8000-0000000000aa";
const ORPHAN_T: &str = "00000000-0000-7000-8000-0000000000bb";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_check_reports_references_to_missing_rows() {
    let db = fresh_database().await.unwrap();
    let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
    let clean = store.ledger_check().await.unwrap();
    assert!(clean.violations.is_empty(), "{:?}", clean.violations);

    // Two legs that sum to zero, of a transfer that does not exist, on accounts that do not
    // exist: only the reference check can see them.
    for (account, amount) in [(MISSING_A, -500), (MISSING_B, 500)] {
        let n = db
            .execute_unchecked(&format!(
                "INSERT INTO postings (transfer_id, account_id, amount_minor, currency, \
                 balance_after, time_us) VALUES ('{MISSING_T}', '{account}', {amount}, 'EUR', \
                 {amount}, 1)"
            ))
            .await
            .unwrap();
        assert_eq!(n, 1);
    }
    // A rejected transfer (no postings, nothing reserved) between missing accounts, by a
    // missing user.
    insert_transfer(&db, ORPHAN_T, "rejected").await;
    let check = store.ledger_check().await.unwrap();
    let leg = check
        .violations
        .iter()
        .filter(|v| v.starts_with("posting refers to a missing transfer or account"))
        .count();
    assert_eq!(leg, 2, "{:?}", check.violations);
    assert!(
        check.violations.iter().any(|v| {
            v.starts_with("transfer refers to a missing account or user") && v.contains(ORPHAN_T)
        }),
        "{:?}",
        check.violations
    );
    assert_eq!(check.violations.len(), 3, "{:?}", check.violations);
    store.close().await;
}

/// A posted transfer must have exactly its two legs: one without any is reported (and a
/// rejected one without legs, as above, is not).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ledger_check_reports_a_posted_transfer_without_its_postings() {
    let db = fresh_database().await.unwrap();
    let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
    insert_transfer(&db, ORPHAN_T, "posted").await;
    let check = store.ledger_check().await.unwrap();
    assert!(
        check.violations.contains(&format!(
            "transfer applied a wrong number of times: {ORPHAN_T} (posted) has 0 postings"
        )),
        "{:?}",
        check.violations
    );
    assert_eq!(check.violations.len(), 2, "{:?}", check.violations);
    store.close().await;
}

/// Inserts a transfer of 5.00 EUR from `MISSING_A` to `MISSING_B` by a missing user, past
/// every rule of the store.
async fn insert_transfer(db: &pqbank_store::testing::TestDatabase, id: &str, status: &str) {
    let (blob, approval) = if postgres_requested() {
        ("'\\x00'::bytea", "FALSE")
    } else {
        ("X'00'", "0")
    };
    let n = db
        .execute_unchecked(&format!(
            "INSERT INTO transfers (id, kind, status, from_account, to_account, amount_minor, \
             currency, reference, initiator_id, initiator_cert_serial, payload, payload_sha256, \
             signature, signature_alg, approval_required, created_us) VALUES ('{id}', \
             'transfer', '{status}', '{MISSING_A}', '{MISSING_B}', 500, 'EUR', 'test', \
             'no-such-user', '01', {blob}, '{}', {blob}, 'test', {approval}, 1)",
            "0".repeat(64)
        ))
        .await
        .unwrap();
    assert_eq!(n, 1);
}
