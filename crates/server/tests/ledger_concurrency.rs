//! The ledger under concurrency, over HTTP on a real server (SQLite by default, PostgreSQL with
//! `PQBANK_TEST_DATABASE_URL`): 32 clients send 500 device-signed transfers each among 20
//! accounts (some with an overdraft), retrying 10 % of them with the same id. Afterwards the
//! invariant check passes, no balance is below its limit, money is conserved, and every accepted
//! transfer was applied exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // real clock for payload times and the test server

use std::collections::HashSet;
use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_client::auth::{DeviceKeys, Session, os_rng};
use pqbank_domain::payload::{TRANSFER_SIGNATURE_CONTEXT, TransferReference};
use pqbank_domain::{
    AccountId, CertificateSerial, Currency, Timestamp, TransferAmount, TransferId, TransferPayload,
};
use pqbank_server::config::ServeArgs;
use pqbank_server::testkit::{TEST_PASSWORD, TestOptions, spawn_app_with};
use rand::{Rng, RngExt, SeedableRng};
use reqwest::Method;
use serde_json::{Value, json};

const CLIENTS: usize = 32;
const TRANSFERS_PER_CLIENT: usize = 500;
const ACCOUNTS: usize = 20;
const DUPLICATE_PERCENT: u32 = 10;

fn signed(keys: &DeviceKeys, p: &TransferPayload) -> Value {
    let sig = keys
        .signing
        .sign(
            &p.canonical_bytes(),
            TRANSFER_SIGNATURE_CONTEXT,
            &mut os_rng().unwrap(),
        )
        .unwrap();
    json!({"payload": serde_json::to_value(p).unwrap(), "signature": B64.encode(sig.as_bytes())})
}

fn now_ms() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap()
}

fn now_ts() -> Timestamp {
    Timestamp::from_unix_seconds(time::OffsetDateTime::now_utc().unix_timestamp()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_clients_keep_the_books_consistent() {
    let app = spawn_app_with(TestOptions {
        args: ServeArgs {
            login_rate_per_minute: Some(10_000),
            ..ServeArgs::default()
        },
        ..TestOptions::default()
    })
    .await;
    let api = app.api();
    let (clerk_keys, clerk) = app.staff("clerk1", &["clerk"], Some("zrh")).await;
    let (_, manager) = app.staff("manager1", &["manager"], Some("zrh")).await;
    let cash: Value = api
        .send(&clerk, Method::GET, "/api/v1/cash/accounts", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cash_eur = cash["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "cash" && a["currency"] == "EUR")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // 20 customers with one current account each, funded with 2 × 5,000.00; every fourth has an
    // overdraft of 100.00.
    let mut owners: Vec<(DeviceKeys, String)> = Vec::new();
    let mut accounts = Vec::new();
    let mut deposited = 0i64;
    let mut limits = std::collections::HashMap::new();
    for i in 0..ACCOUNTS {
        let name = format!("cust{i:02}");
        let (keys, session) = app.customer(&name).await;
        let resp = api
            .send(
                &clerk,
                Method::POST,
                "/api/v1/accounts",
                Some(&json!({"owner_id": session.user_id, "kind": "current", "currency": "EUR"})),
            )
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
        let account: Value = resp.json().await.unwrap();
        let id = account["id"].as_str().unwrap().to_owned();
        for _ in 0..2 {
            let p = TransferPayload {
                transfer_id: TransferId::new_v7(now_ms(), rand::random()),
                from_account: cash_eur.parse::<AccountId>().unwrap(),
                to_account: id.parse::<AccountId>().unwrap(),
                amount: TransferAmount::from_minor(500_000, Currency::EUR).unwrap(),
                reference: TransferReference::parse("opening deposit").unwrap(),
                created_at: now_ts(),
                initiator_cert_serial: clerk_keys.cert_serial.as_deref().unwrap().parse().unwrap(),
            };
            let resp = api
                .send(
                    &clerk,
                    Method::POST,
                    "/api/v1/cash/deposit",
                    Some(&signed(&clerk_keys, &p)),
                )
                .await
                .unwrap();
            assert_eq!(resp.status(), 201);
            deposited += 500_000;
        }
        if i % 4 == 0 {
            let resp = api
                .send(
                    &manager,
                    Method::POST,
                    &format!("/api/v1/accounts/{id}/overdraft"),
                    Some(&json!({"limit": {"amount": "100.00", "currency": "EUR"}})),
                )
                .await
                .unwrap();
            assert_eq!(resp.status(), 200);
            limits.insert(id.clone(), 10_000i64);
        }
        drop(session);
        owners.push((keys, name));
        accounts.push(id);
    }
    let owners = Arc::new(owners);
    let accounts = Arc::new(accounts);

    // 32 clients, each with its own session (request MAC counters are per session).
    let mut tasks = Vec::new();
    for c in 0..CLIENTS {
        let owner = c % ACCOUNTS;
        let (keys, name) = &owners[owner];
        let keys = DeviceKeys::from_secret_json(keys.to_secret_json().unwrap().expose()).unwrap();
        let session: Session = api.login(&keys, name, TEST_PASSWORD).await.unwrap();
        let api = app.api();
        let accounts = accounts.clone();
        tasks.push(tokio::spawn(async move {
            let mut rng = rand::rngs::StdRng::seed_from_u64(c as u64);
            let serial: CertificateSerial = keys.cert_serial.as_deref().unwrap().parse().unwrap();
            let mut created = Vec::new();
            let mut refused = 0usize;
            let mut replays = 0usize;
            for n in 0..TRANSFERS_PER_CLIENT {
                let mut to = rng.random_range(0..ACCOUNTS);
                if to == owner {
                    to = (to + 1) % ACCOUNTS;
                }
                let mut random = [0u8; 10];
                rng.fill_bytes(&mut random);
                let p = TransferPayload {
                    transfer_id: TransferId::new_v7(now_ms(), random),
                    from_account: accounts[owner].parse().unwrap(),
                    to_account: accounts[to].parse().unwrap(),
                    amount: TransferAmount::from_minor(rng.random_range(1..=40_000), Currency::EUR)
                        .unwrap(),
                    reference: TransferReference::parse(&format!("c{c} n{n}")).unwrap(),
                    created_at: now_ts(),
                    initiator_cert_serial: serial.clone(),
                };
                let body = signed(&keys, &p);
                let resp = api
                    .send(&session, Method::POST, "/api/v1/transfers", Some(&body))
                    .await
                    .unwrap();
                let status = resp.status().as_u16();
                let v: Value = resp.json().await.unwrap();
                match status {
                    201 => created.push(v["id"].as_str().unwrap().to_owned()),
                    422 => {
                        assert_eq!(v["code"], "insufficient_funds", "{v}");
                        refused += 1;
                    }
                    other => panic!("unexpected {other}: {v}"),
                }
                // 10 %: the client "lost" the answer and retries the very same request.
                if rng.random_ratio(DUPLICATE_PERCENT, 100) {
                    let resp = api
                        .send(&session, Method::POST, "/api/v1/transfers", Some(&body))
                        .await
                        .unwrap();
                    let again_status = resp.status().as_u16();
                    let again: Value = resp.json().await.unwrap();
                    if status == 201 {
                        assert_eq!(again_status, 200, "{again}");
                        assert_eq!(again["id"], v["id"]);
                    } else {
                        // A refused transfer was never booked: the retry is evaluated afresh.
                        assert!(matches!(again_status, 201 | 422), "{again}");
                        if again_status == 201 {
                            created.push(again["id"].as_str().unwrap().to_owned());
                        }
                    }
                    replays += 1;
                }
            }
            (created, refused, replays)
        }));
    }
    let mut created = Vec::new();
    let (mut refused, mut replays) = (0, 0);
    for t in tasks {
        let (c, r, d) = t.await.unwrap();
        created.extend(c);
        refused += r;
        replays += d;
    }
    let unique: HashSet<_> = created.iter().collect();
    assert_eq!(unique.len(), created.len(), "a transfer was created twice");
    assert!(
        replays > CLIENTS * TRANSFERS_PER_CLIENT / 20,
        "too few retries: {replays}"
    );
    assert!(
        created.len() > CLIENTS * TRANSFERS_PER_CLIENT / 2,
        "{} created, {refused} refused",
        created.len()
    );

    // The books: the invariant check, limits, conservation, exactly-once.
    let store = app.bank.store();
    let check = app.bank.ledger_check().await.unwrap();
    assert!(check.violations.is_empty(), "{:?}", check.violations);
    let mut total = 0i64;
    for id in accounts.iter() {
        let a = store.get_account(id).await.unwrap().unwrap();
        let limit = limits.get(id).copied().unwrap_or(0);
        assert!(a.posted >= -limit, "{id} below its limit: {}", a.posted);
        assert_eq!(a.pending_debits, 0);
        total += a.posted;
    }
    assert_eq!(total, deposited, "money was created or lost");
    // Every accepted transfer exists once with exactly its two postings (checked by the
    // invariant check) and the store holds no other customer transfers.
    let expected = created.len() as i64 + 2 * ACCOUNTS as i64;
    assert_eq!(check.transfers, expected);
    assert_eq!(check.postings, 2 * expected);
    for id in created.iter().take(50) {
        let t = store.get_transfer(id).await.unwrap().unwrap();
        assert_eq!(t.status.as_str(), "posted");
    }
    app.stop().await;
}
