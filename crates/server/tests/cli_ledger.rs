//! The ledger from the client side against a real server: accounts, clerk cash deposits,
//! device-signed transfers (idempotent replay, conflicting replay), a transfer above the approval
//! threshold approved by a manager, offline re-verification of both with
//! `verify_transfer_record`, the `pqbank transfer` CLI, and a small `bench transfers` run with no
//! errors. SQLite, or PostgreSQL when `PQBANK_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqbank_cli::transfer::{certs_from_pem, verify_transfer_record};
use pqbank_client::ClientError;
use pqbank_client::PqbankClient;
use pqbank_client::auth::{DeviceKeys, Session};
use pqbank_client::ledger::{Transfer, new_transfer_payload};
use pqbank_domain::{AccountId, Currency, TransferAmount, TransferReference};
use pqbank_server::bench::{TransfersArgs, bench_transfers};
use pqbank_server::testkit::spawn_app;

fn eur(s: &str) -> TransferAmount {
    TransferAmount::parse_decimal(s, Currency::EUR).unwrap()
}

async fn send(
    api: &PqbankClient,
    session: &Session,
    device: &DeviceKeys,
    from: AccountId,
    to: AccountId,
    amount: &str,
    cash: Option<&str>,
) -> Result<Transfer, ClientError> {
    let p = new_transfer_payload(
        device,
        from,
        to,
        eur(amount),
        TransferReference::parse("test").unwrap(),
    )
    .unwrap();
    match cash {
        Some("deposit") => api.cash_deposit(session, device, &p).await,
        Some(_) => api.cash_withdraw(session, device, &p).await,
        None => api.transfer(session, device, &p).await,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_sign_verify_approve_and_bench() {
    let app = spawn_app().await;
    let api = app.api();
    let (clerk_dev, clerk) = app.staff("clerk", &["clerk"], Some("HQ")).await;
    let (mgr_dev, mgr) = app.staff("mgr", &["manager"], Some("HQ")).await;
    let (alice_dev, alice) = app.customer("alice").await;
    let (bob_dev, bob) = app.customer("bob").await;

    let a = api
        .create_account(&clerk, &alice.user_id, "current", "EUR")
        .await
        .unwrap();
    let b = api
        .create_account(&clerk, &bob.user_id, "current", "EUR")
        .await
        .unwrap();
    assert_eq!(a.balance.posted.minor_units(), 0);
    let cash = api.cash_accounts(&clerk).await.unwrap();
    let cash_eur = cash
        .iter()
        .find(|c| c.kind == "cash" && c.currency == "EUR")
        .unwrap()
        .id;
    for _ in 0..3 {
        let t = send(
            &api,
            &clerk,
            &clerk_dev,
            cash_eur,
            a.id,
            "9000.00",
            Some("deposit"),
        )
        .await
        .unwrap();
        assert_eq!(t.status, "posted");
        assert_eq!(t.kind, "cash_deposit");
    }

    // A small transfer posts at once; its replay is idempotent; a changed replay conflicts.
    let p = new_transfer_payload(
        &alice_dev,
        a.id,
        b.id,
        eur("12.34"),
        TransferReference::parse("Rent – Zoë").unwrap(),
    )
    .unwrap();
    let t = api.transfer(&alice, &alice_dev, &p).await.unwrap();
    assert_eq!(t.status, "posted");
    assert_eq!(t.id, p.transfer_id);
    let again = api.transfer(&alice, &alice_dev, &p).await.unwrap();
    assert_eq!(again.id, t.id);
    let mut changed = p.clone();
    changed.amount = eur("12.35");
    match api.transfer(&alice, &alice_dev, &changed).await {
        Err(ClientError::Problem { code, .. }) => assert_eq!(code, "idempotency_conflict"),
        other => panic!("{other:?}"),
    }
    // Bob cannot spend from Alice's account.
    let p_bob = new_transfer_payload(
        &bob_dev,
        a.id,
        b.id,
        eur("1.00"),
        TransferReference::default(),
    )
    .unwrap();
    assert!(api.transfer(&bob, &bob_dev, &p_bob).await.is_err());

    let b_now = api.account(&bob, &b.id.to_string()).await.unwrap();
    assert_eq!(b_now.balance.posted.minor_units(), 1234);
    let mine = api.accounts(&alice, None, None, None).await.unwrap();
    assert_eq!(mine.items.len(), 1);
    let entries = api
        .transactions(&alice, &a.id.to_string(), &Default::default())
        .await
        .unwrap();
    assert!(entries.items.iter().any(|e| e.transfer_id == t.id));

    // Offline re-verification of the posted transfer.
    let record = api.get_transfer(&alice, &t.id.to_string()).await.unwrap();
    let ca_chain = certs_from_pem(&api.ca_chain_pem().await.unwrap()).unwrap();
    let alice_cert = certs_from_pem(
        &api.certificate_pem(&alice, &record.initiator_cert_serial)
            .await
            .unwrap(),
    )
    .unwrap();
    let report = verify_transfer_record(&record, &alice_cert, &ca_chain).unwrap();
    assert_eq!(report.initiator.user_id, alice.user_id);
    assert!(report.approver.is_none());

    // Above the threshold: pending, approved by the manager, then verifiable with both certs.
    let big = send(&api, &alice, &alice_dev, a.id, b.id, "10000.00", None)
        .await
        .unwrap();
    assert_eq!(big.status, "pending_approval");
    let queue = api.approvals(&mgr).await.unwrap();
    assert!(queue.iter().any(|q| q.id == big.id));
    let approved = api
        .approve(&mgr, &mgr_dev, &big.id.to_string())
        .await
        .unwrap();
    assert_eq!(approved.status, "posted");
    let record = api.get_transfer(&mgr, &big.id.to_string()).await.unwrap();
    let approval = record.approval.clone().expect("approval stored");
    let mut certs = alice_cert.clone();
    certs.extend(
        certs_from_pem(
            &api.certificate_pem(&mgr, &approval.cert_serial)
                .await
                .unwrap(),
        )
        .unwrap(),
    );
    let report = verify_transfer_record(&record, &certs, &ca_chain).unwrap();
    assert_eq!(report.approver.unwrap().user_id, mgr.user_id);

    // A rejected one.
    let big2 = send(&api, &alice, &alice_dev, a.id, b.id, "10000.00", None)
        .await
        .unwrap();
    let rejected = api
        .reject(&mgr, &big2.id.to_string(), "not today")
        .await
        .unwrap();
    assert_eq!(rejected.status, "rejected");

    app.stop().await;

    // A small benchmark on its own server, over HTTP/2 and over HTTP/1.1, one transfer per
    // request and in batches (closed and open loop): no errors, balances consistent.
    for (http1, batch, rate) in [
        (false, 1, None),
        (true, 1, None),
        (false, 16, None),
        (true, 7, Some(400.0)),
    ] {
        let report = bench_transfers(&TransfersArgs {
            database: std::env::var("PQBANK_TEST_DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty()),
            transfers: 200,
            accounts: 4,
            concurrency: 4,
            rate,
            max_amount_cents: 100,
            db_max_connections: None,
            http1,
            batch,
            json: false,
        })
        .await
        .unwrap();
        assert!(report.errors.is_empty(), "{report}");
        assert_eq!(report.ok, 200);
        assert_eq!(report.http, if http1 { "1.1" } else { "2" });
        assert_eq!(report.batch, batch);
        assert_eq!(report.mode, if rate.is_some() { "open" } else { "closed" });
        assert_eq!(report.balances_consistent, Some(true), "{report}");
        eprintln!("{report}");
    }
}
