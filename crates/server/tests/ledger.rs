//! The ledger over HTTP on a real server (SQLite by default, PostgreSQL with
//! `PQBANK_TEST_DATABASE_URL`): device-signed transfers and every refusal, idempotency, four-eyes
//! approval, expiry with the injected clock, the cash desk's maker-checker flow, reads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // real clock for payload times and the test server

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_client::PqbankClient;
use pqbank_client::auth::{DeviceKeys, Session, os_rng};
use pqbank_crypto::SignatureAlgorithm;
use pqbank_domain::payload::{
    APPROVAL_SIGNATURE_CONTEXT, ApprovalDecision, PayloadDigest, TRANSFER_SIGNATURE_CONTEXT,
    TransferReference,
};
use pqbank_domain::{
    AccountId, ApprovalPayload, Currency, Timestamp, TransferAmount, TransferId, TransferPayload,
};
use pqbank_server::testkit::{
    TestApp, TestOptions, TestUser as User, call_json, spawn_app, spawn_app_with,
};
use pqbank_service::clock::ManualClock;
use reqwest::Method;
use serde_json::{Value, json};

fn now_ms() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap()
}

fn random10() -> [u8; 10] {
    use rand::Rng;
    let mut b = [0u8; 10];
    os_rng().unwrap().fill_bytes(&mut b);
    b
}

fn payload(
    by: &User,
    from: &str,
    to: &str,
    minor: i64,
    currency: Currency,
    reference: &str,
) -> TransferPayload {
    TransferPayload {
        transfer_id: TransferId::new_v7(now_ms(), random10()),
        from_account: from.parse::<AccountId>().unwrap(),
        to_account: to.parse::<AccountId>().unwrap(),
        amount: TransferAmount::from_minor(minor, currency).unwrap(),
        reference: TransferReference::parse(reference).unwrap(),
        created_at: Timestamp::from_unix_seconds(time::OffsetDateTime::now_utc().unix_timestamp())
            .unwrap(),
        initiator_cert_serial: by.serial(),
    }
}

fn sign_with(keys: &DeviceKeys, bytes: &[u8], ctx: &[u8]) -> String {
    let sig = keys
        .signing
        .sign(bytes, ctx, &mut os_rng().unwrap())
        .unwrap();
    B64.encode(sig.as_bytes())
}

fn signed_body(keys: &DeviceKeys, p: &TransferPayload) -> Value {
    json!({
        "payload": serde_json::to_value(p).unwrap(),
        "signature": sign_with(keys, &p.canonical_bytes(), TRANSFER_SIGNATURE_CONTEXT),
    })
}

struct Bank {
    app: TestApp,
    api: PqbankClient,
    admin: Session,
}

/// The usual people and accounts of a test.
struct Cast {
    clerk: User,
    alice: User,
    bob: User,
    a_eur: String,
    b_eur: String,
    b_usd: String,
}

impl Bank {
    async fn start(app: TestApp) -> Bank {
        let api = app.api();
        let admin = app.admin().await;
        Bank { app, api, admin }
    }

    /// A clerk; Alice with a EUR account; Bob with a EUR and a USD account.
    async fn cast(&self) -> Cast {
        let clerk = self.staff("clerk1", &["clerk"]).await;
        let alice = self.customer("alice").await;
        let bob = self.customer("bob").await;
        let a_eur = self.open(&clerk, &alice, "current", "EUR").await;
        let b_eur = self.open(&clerk, &bob, "current", "EUR").await;
        let b_usd = self.open(&clerk, &bob, "savings", "USD").await;
        Cast {
            clerk,
            alice,
            bob,
            a_eur,
            b_eur,
            b_usd,
        }
    }

    async fn customer(&self, name: &str) -> User {
        self.app.customer(name).await.into()
    }

    async fn staff(&self, name: &str, roles: &[&str]) -> User {
        self.app.staff(name, roles, Some("zrh")).await.into()
    }

    async fn call(
        &self,
        who: &Session,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> (u16, Value) {
        call_json(&self.api, who, method, path, body).await
    }

    async fn open(&self, staff: &User, owner: &User, kind: &str, currency: &str) -> String {
        let (s, a) = self
            .call(
                &staff.session,
                Method::POST,
                "/api/v1/accounts",
                Some(&json!({"owner_id": owner.id(), "kind": kind, "currency": currency})),
            )
            .await;
        assert_eq!(s, 201, "{a}");
        a["id"].as_str().unwrap().to_owned()
    }

    async fn cash_account(&self, staff: &User, currency: &str) -> String {
        let (s, v) = self
            .call(&staff.session, Method::GET, "/api/v1/cash/accounts", None)
            .await;
        assert_eq!(s, 200, "{v}");
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["kind"] == "cash" && a["currency"] == currency)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    async fn deposit(
        &self,
        clerk: &User,
        to: &str,
        minor: i64,
        currency: Currency,
    ) -> (u16, Value) {
        let cash = self.cash_account(clerk, currency.code()).await;
        let p = payload(clerk, &cash, to, minor, currency, "cash deposit");
        self.call(
            &clerk.session,
            Method::POST,
            "/api/v1/cash/deposit",
            Some(&signed_body(&clerk.keys, &p)),
        )
        .await
    }

    async fn send(&self, by: &User, p: &TransferPayload) -> (u16, Value) {
        self.call(
            &by.session,
            Method::POST,
            "/api/v1/transfers",
            Some(&signed_body(&by.keys, p)),
        )
        .await
    }

    async fn send_batch(&self, by: &User, bodies: Vec<Value>) -> (u16, Value) {
        self.call(
            &by.session,
            Method::POST,
            "/api/v1/transfer-batches",
            Some(&json!({ "transfers": bodies })),
        )
        .await
    }

    async fn balance(&self, who: &User, account: &str) -> (String, String) {
        let (s, a) = self
            .call(
                &who.session,
                Method::GET,
                &format!("/api/v1/accounts/{account}"),
                None,
            )
            .await;
        assert_eq!(s, 200, "{a}");
        (
            a["balance"]["posted"]["amount"]
                .as_str()
                .unwrap()
                .to_owned(),
            a["balance"]["available"]["amount"]
                .as_str()
                .unwrap()
                .to_owned(),
        )
    }

    async fn approve(&self, manager: &User, transfer: &Value) -> (u16, Value) {
        let approval = ApprovalPayload {
            transfer_id: transfer["id"].as_str().unwrap().parse().unwrap(),
            payload_digest: transfer["payload_sha256"]
                .as_str()
                .unwrap()
                .parse::<PayloadDigest>()
                .unwrap(),
            decision: ApprovalDecision::Approve,
            approver_cert_serial: manager.serial(),
            created_at: Timestamp::from_unix_seconds(
                time::OffsetDateTime::now_utc().unix_timestamp(),
            )
            .unwrap(),
        };
        let body = json!({
            "payload": serde_json::to_value(&approval).unwrap(),
            "signature": sign_with(&manager.keys, &approval.canonical_bytes(), APPROVAL_SIGNATURE_CONTEXT),
        });
        self.call(
            &manager.session,
            Method::POST,
            &format!(
                "/api/v1/transfers/{}/approve",
                transfer["id"].as_str().unwrap()
            ),
            Some(&body),
        )
        .await
    }

    async fn reject(&self, manager: &User, transfer: &Value, reason: &str) -> (u16, Value) {
        self.call(
            &manager.session,
            Method::POST,
            &format!(
                "/api/v1/transfers/{}/reject",
                transfer["id"].as_str().unwrap()
            ),
            Some(&json!({"reason": reason})),
        )
        .await
    }

    async fn check(&self) {
        let c = self.app.bank.ledger_check().await.unwrap();
        assert!(c.violations.is_empty(), "{:?}", c.violations);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfers_refusals_and_idempotency() {
    let bank = Bank::start(spawn_app().await).await;
    let Cast {
        clerk,
        alice,
        bob,
        a_eur,
        b_eur,
        b_usd,
    } = bank.cast().await;
    let (s, d) = bank.deposit(&clerk, &a_eur, 100_000, Currency::EUR).await;
    assert_eq!(s, 201, "{d}");
    assert_eq!(d["status"], "posted");
    assert_eq!(d["kind"], "cash_deposit");

    // A posted transfer.
    let p = payload(&alice, &a_eur, &b_eur, 12_345, Currency::EUR, "rent");
    let (s, t) = bank.send(&alice, &p).await;
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["status"], "posted");
    assert_eq!(t["amount"], json!({"amount": "123.45", "currency": "EUR"}));
    assert_eq!(
        bank.balance(&alice, &a_eur).await,
        ("876.55".into(), "876.55".into())
    );
    assert_eq!(bank.balance(&bob, &b_eur).await.0, "123.45");

    // Idempotent replay: same id, same payload → the original (200), no second booking.
    let (s, again) = bank.send(&alice, &p).await;
    assert_eq!(s, 200, "{again}");
    assert_eq!(again["id"], t["id"]);
    assert_eq!(bank.balance(&alice, &a_eur).await.0, "876.55");
    // Conflicting replay: same id, different payload → 409.
    let mut other = p.clone();
    other.amount = TransferAmount::from_minor(1, Currency::EUR).unwrap();
    let (s, c) = bank.send(&alice, &other).await;
    assert_eq!(s, 409, "{c}");
    assert_eq!(c["code"], "idempotency_conflict");

    // Insufficient funds.
    let (s, e) = bank
        .send(
            &alice,
            &payload(&alice, &a_eur, &b_eur, 87_656, Currency::EUR, "too much"),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("insufficient_funds")),
        "{e}"
    );
    // Wrong currency (EUR amount into a USD account).
    let (s, e) = bank
        .send(
            &alice,
            &payload(&alice, &a_eur, &b_usd, 100, Currency::EUR, "fx"),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("currency_mismatch")),
        "{e}"
    );
    // Amount changed after signing: the signature no longer verifies.
    let p = payload(&alice, &a_eur, &b_eur, 100, Currency::EUR, "small");
    let mut body = signed_body(&alice.keys, &p);
    body["payload"]["amount"] = json!("10000");
    let (s, e) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/transfers",
            Some(&body),
        )
        .await;
    assert_eq!((s, e["code"].as_str()), (422, Some("bad_signature")), "{e}");
    // Signed with another user's device: refused.
    let mut p = payload(&alice, &a_eur, &b_eur, 100, Currency::EUR, "stolen");
    p.initiator_cert_serial = bob.serial();
    let (s, e) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/transfers",
            Some(&signed_body(&bob.keys, &p)),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("certificate_not_usable")),
        "{e}"
    );
    // Someone else's source account: not found.
    let (s, _) = bank
        .send(
            &bob,
            &payload(&bob, &a_eur, &b_eur, 100, Currency::EUR, "theft"),
        )
        .await;
    assert_eq!(s, 404);
    // Staff cannot send customer transfers, customers cannot use the cash desk.
    let (s, _) = bank
        .send(
            &clerk,
            &payload(&clerk, &a_eur, &b_eur, 100, Currency::EUR, "x"),
        )
        .await;
    assert_eq!(s, 403);
    let cash = bank.cash_account(&clerk, "EUR").await;
    let p = payload(&alice, &cash, &a_eur, 100, Currency::EUR, "free money");
    let (s, _) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/cash/deposit",
            Some(&signed_body(&alice.keys, &p)),
        )
        .await;
    assert_eq!(s, 403);

    // Frozen account (a manager freezes, a transfer is refused, unfreeze, it goes through).
    let manager = bank.staff("manager1", &["manager"]).await;
    let (s, a) = bank
        .call(
            &manager.session,
            Method::POST,
            &format!("/api/v1/accounts/{b_eur}/status"),
            Some(&json!({"status": "frozen", "reason": "fraud check"})),
        )
        .await;
    assert_eq!((s, a["status"].as_str()), (200, Some("frozen")), "{a}");
    let (s, e) = bank
        .send(
            &alice,
            &payload(&alice, &a_eur, &b_eur, 100, Currency::EUR, "to frozen"),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("destination_frozen")),
        "{e}"
    );
    let (s, _) = bank
        .call(
            &manager.session,
            Method::POST,
            &format!("/api/v1/accounts/{b_eur}/status"),
            Some(&json!({"status": "open"})),
        )
        .await;
    assert_eq!(s, 200);

    // A revoked device: bind a second device, revoke its certificate, its signatures are refused.
    let (tablet, _) = bind_device(&bank, &alice, "tablet").await;
    // The tablet's signature works while its certificate is valid...
    let p = payload(&tablet, &a_eur, &b_eur, 100, Currency::EUR, "from tablet");
    let (s, e) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/transfers",
            Some(&signed_body(&tablet.keys, &p)),
        )
        .await;
    assert_eq!(s, 201, "{e}");
    let serial = tablet.keys.cert_serial.clone().unwrap();
    let (s, e) = bank
        .call(
            &alice.session,
            Method::POST,
            &format!("/api/v1/certificates/{serial}/revoke"),
            Some(&json!({"reason": 1})),
        )
        .await;
    assert_eq!(s, 204, "{e}");
    let p = payload(
        &tablet,
        &a_eur,
        &b_eur,
        100,
        Currency::EUR,
        "after revocation",
    );
    let (s, e) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/transfers",
            Some(&signed_body(&tablet.keys, &p)),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("certificate_revoked")),
        "{e}"
    );

    // A removed device: removal revokes its certificates, so its signatures are refused (and
    // on another instance that has not yet heard of the revocation, the ledger still finds the
    // device removed in the transaction that would book the transfer: the conformance suite's
    // `ledger_signing_devices`). Nothing is booked.
    let (watch, watch_id) = bind_device(&bank, &alice, "watch").await;
    let (s, e) = bank
        .call(
            &alice.session,
            Method::DELETE,
            &format!("/api/v1/devices/{watch_id}"),
            None,
        )
        .await;
    assert_eq!(s, 204, "{e}");
    let p = payload(&watch, &a_eur, &b_eur, 100, Currency::EUR, "from the watch");
    let transfer_id = p.transfer_id.to_string();
    let (s, e) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/transfers",
            Some(&signed_body(&watch.keys, &p)),
        )
        .await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("certificate_revoked")),
        "{e}"
    );
    let (s, _) = bank
        .call(
            &alice.session,
            Method::GET,
            &format!("/api/v1/transfers/{transfer_id}"),
            None,
        )
        .await;
    assert_eq!(s, 404, "nothing was booked");

    // Reads: transactions newest first with running balances, transfers list, statement CSV.
    let (s, tx) = bank
        .call(
            &alice.session,
            Method::GET,
            &format!("/api/v1/accounts/{a_eur}/transactions?limit=2"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{tx}");
    assert_eq!(tx["items"].as_array().unwrap().len(), 2);
    assert_eq!(tx["items"][0]["amount"]["amount"], "-1.00");
    let next = tx["next"].as_str().unwrap();
    let (_, older) = bank
        .call(
            &alice.session,
            Method::GET,
            &format!("/api/v1/accounts/{a_eur}/transactions?before={next}"),
            None,
        )
        .await;
    assert_eq!(older["items"].as_array().unwrap().len(), 1);
    assert_eq!(older["items"][0]["amount"]["amount"], "1000.00");
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let (s, st) = bank
        .call(
            &alice.session,
            Method::GET,
            &format!("/api/v1/accounts/{a_eur}/statement?from={today}&to={today}"),
            None,
        )
        .await;
    assert_eq!(s, 200, "{st}");
    assert_eq!(st["opening"]["amount"], "0.00");
    assert_eq!(st["closing"]["amount"], "875.55");
    assert_eq!(st["entries"].as_array().unwrap().len(), 3);
    let resp = bank
        .api
        .send(
            &alice.session,
            Method::GET,
            &format!("/api/v1/accounts/{a_eur}/statement?from={today}&to={today}&format=csv"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.headers()["content-type"], "text/csv; charset=utf-8");
    let csv = resp.text().await.unwrap();
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains("\"rent\""));
    // Bob cannot read Alice's account.
    let (s, _) = bank
        .call(
            &bob.session,
            Method::GET,
            &format!("/api/v1/accounts/{a_eur}"),
            None,
        )
        .await;
    assert_eq!(s, 404);
    let (s, list) = bank
        .call(&bob.session, Method::GET, "/api/v1/transfers", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 2, "{list}");
    // The audit log carries the signed transfers: an export verifies offline, re-checking every
    // client signature (the deposit and the two booked transfers) against the exported payloads.
    let size = bank.app.bank.store().audit_size().await.unwrap();
    assert!(size > 10);
    let out_dir = tempfile::tempdir().unwrap();
    let export = out_dir.path().join("export");
    bank.app.bank.export_audit(&export).await.unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .args(["audit".as_ref(), "verify".as_ref(), export.as_os_str()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("client signatures:   3"), "{stdout}");
    // A signed amount altered in the exported payload is caught.
    let payloads: Vec<_> = std::fs::read_dir(export.join("payloads"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(payloads.len(), 3);
    let rent = payloads
        .iter()
        .find(|p| std::fs::read_to_string(p).unwrap().contains("\"rent\""))
        .unwrap();
    let text = std::fs::read_to_string(rent).unwrap();
    std::fs::write(rent, text.replace("\"12345\"", "\"92345\"")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .args([
            "audit".as_ref(),
            "verify".as_ref(),
            "--quiet".as_ref(),
            export.as_os_str(),
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("first bad entry"));
    bank.check().await;
    let _ = &bank.admin;
}

/// The codes (or statuses) of a batch's results, in order.
fn batch_codes(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| match r["problem"]["code"].as_str() {
            Some(code) => format!("{} {code}", r["status"]),
            None => format!(
                "{} {}",
                r["status"],
                r["transfer"]["status"].as_str().unwrap()
            ),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_batches_book_each_transfer_on_its_own() {
    let bank = Bank::start(spawn_app().await).await;
    let Cast {
        clerk,
        alice,
        bob,
        a_eur,
        b_eur,
        b_usd,
    } = bank.cast().await;
    for _ in 0..2 {
        let (s, d) = bank.deposit(&clerk, &a_eur, 900_000, Currency::EUR).await;
        assert_eq!(s, 201, "{d}");
    }
    let batch = |bodies: Vec<Value>| json!({ "transfers": bodies });

    // One batch: a posted transfer, a refusal of every kind, the same transfer twice (booked
    // once), a high-value one held for approval.
    let ok = payload(&alice, &a_eur, &b_eur, 10_000, Currency::EUR, "salary 1");
    let mut tampered = signed_body(
        &alice.keys,
        &payload(&alice, &a_eur, &b_eur, 100, Currency::EUR, "small"),
    );
    tampered["payload"]["amount"] = json!("10000");
    let big = payload(&alice, &a_eur, &b_eur, 1_200_000, Currency::EUR, "car");
    let bodies = vec![
        signed_body(&alice.keys, &ok),
        signed_body(
            &alice.keys,
            &payload(&alice, &a_eur, &b_eur, 5_000_000, Currency::EUR, "too much"),
        ),
        tampered,
        signed_body(
            &alice.keys,
            &payload(&alice, &a_eur, &b_usd, 100, Currency::EUR, "fx"),
        ),
        signed_body(&alice.keys, &ok),
        signed_body(&alice.keys, &big),
    ];
    let (s, v) = bank.send_batch(&alice, bodies).await;
    assert_eq!(s, 200, "{v}");
    let codes = batch_codes(&v);
    assert_eq!(codes[1], "422 insufficient_funds", "{v}");
    assert_eq!(codes[2], "422 bad_signature", "{v}");
    assert_eq!(codes[3], "422 currency_mismatch", "{v}");
    assert_eq!(codes[5], "201 pending_approval", "{v}");
    assert!(v["results"][5]["transfer"]["expires_at"].is_string(), "{v}");
    // The same transfer twice in one batch: booked once; the other is its idempotent replay.
    let mut twice = vec![codes[0].clone(), codes[4].clone()];
    twice.sort();
    assert_eq!(twice, ["200 posted", "201 posted"], "{v}");
    assert_eq!(
        v["results"][0]["transfer"]["id"],
        v["results"][4]["transfer"]["id"]
    );
    assert_eq!(
        (v["created"].as_u64(), v["refused"].as_u64()),
        (Some(2), Some(3))
    );
    // 18,000.00 - 100.00 posted; 12,000.00 of the rest reserved for the held transfer.
    assert_eq!(
        bank.balance(&alice, &a_eur).await,
        ("17900.00".into(), "5900.00".into())
    );
    assert_eq!(bank.balance(&bob, &b_eur).await.0, "100.00");

    // A second batch: a retry (200), a reused id with another amount (409), someone else's
    // account (404, as alone).
    let mut conflicting = ok.clone();
    conflicting.amount = TransferAmount::from_minor(1, Currency::EUR).unwrap();
    let bodies = vec![
        signed_body(&alice.keys, &ok),
        signed_body(&alice.keys, &conflicting),
        signed_body(
            &alice.keys,
            &payload(&alice, &b_eur, &a_eur, 100, Currency::EUR, "theft"),
        ),
    ];
    let (s, v) = bank.send_batch(&alice, bodies).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        batch_codes(&v),
        ["200 posted", "409 idempotency_conflict", "404 not_found"],
        "{v}"
    );
    assert_eq!(
        v["results"][1]["problem"]["type"],
        "urn:pqbank:problem:idempotency_conflict"
    );
    assert_eq!(bank.balance(&alice, &a_eur).await.0, "17900.00");

    // The batch itself: empty, too many, not JSON of the right shape: one problem, nothing booked.
    let one = signed_body(
        &alice.keys,
        &payload(&alice, &a_eur, &b_eur, 1, Currency::EUR, "x"),
    );
    for (body, status, code) in [
        (batch(vec![]), 422, "invalid_request"),
        (batch(vec![one.clone(); 101]), 422, "invalid_request"),
        (json!({ "transfers": one }), 422, "invalid_body"),
        (
            json!({ "transfers": [one], "extra": 1 }),
            422,
            "invalid_body",
        ),
    ] {
        let (s, e) = bank
            .call(
                &alice.session,
                Method::POST,
                "/api/v1/transfer-batches",
                Some(&body),
            )
            .await;
        assert_eq!((s, e["code"].as_str()), (status, Some(code)), "{e}");
    }
    // Staff may not send customer batches.
    let (s, _) = bank
        .call(
            &clerk.session,
            Method::POST,
            "/api/v1/transfer-batches",
            Some(&batch(vec![one])),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(bank.balance(&alice, &a_eur).await.0, "17900.00");
    bank.check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_four_eyes_rejection_and_cash_desk() {
    let bank = Bank::start(spawn_app().await).await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let m1 = bank.staff("manager1", &["manager"]).await;
    let m2 = bank.staff("manager2", &["manager"]).await;
    let both = bank.staff("clerkmanager", &["clerk", "manager"]).await;
    let alice = bank.customer("alice").await;
    let bob = bank.customer("bob").await;
    let a = bank.open(&clerk, &alice, "current", "EUR").await;
    let b = bank.open(&m1, &bob, "current", "EUR").await;

    // A cash deposit at or above the threshold (10,000.00) needs a manager; nobody approves their
    // own, not even a manager.
    let (s, dep) = bank.deposit(&both, &a, 2_000_000, Currency::EUR).await;
    assert_eq!(s, 201, "{dep}");
    assert_eq!(dep["status"], "pending_approval");
    assert_eq!(dep["approval_required"], true);
    assert_eq!(
        bank.balance(&alice, &a).await,
        ("0.00".into(), "0.00".into())
    );
    let (s, e) = bank.approve(&both, &dep).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("self_approval")), "{e}");
    // The approval queue shows it.
    let (s, q) = bank
        .call(&m1.session, Method::GET, "/api/v1/approvals", None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
    // Customers and clerks have no approval queue.
    let (s, _) = bank
        .call(&alice.session, Method::GET, "/api/v1/approvals", None)
        .await;
    assert_eq!(s, 403);
    let (s, t) = bank.approve(&m1, &dep).await;
    assert_eq!(s, 200, "{t}");
    assert_eq!(t["status"], "posted");
    assert_eq!(t["decided_by"], m1.id());
    assert!(t["approval"]["signature"].is_string());
    assert_eq!(bank.balance(&alice, &a).await.0, "20000.00");
    // A second decision is refused.
    let (s, e) = bank.reject(&m2, &dep, "late").await;
    assert_eq!((s, e["code"].as_str()), (422, Some("not_pending")), "{e}");

    // A high-value transfer: pending with the funds reserved, approved by another manager.
    let p = payload(&alice, &a, &b, 1_500_000, Currency::EUR, "car");
    let (s, t) = bank.send(&alice, &p).await;
    assert_eq!(s, 201, "{t}");
    assert_eq!(t["status"], "pending_approval");
    assert!(t["expires_at"].is_string());
    assert_eq!(
        bank.balance(&alice, &a).await,
        ("20000.00".into(), "5000.00".into())
    );
    // An approval signed for a different payload digest is refused.
    let mut wrong = t.clone();
    wrong["payload_sha256"] = json!("00".repeat(32));
    let (s, e) = bank.approve(&m2, &wrong).await;
    assert_eq!(
        (s, e["code"].as_str()),
        (422, Some("approval_mismatch")),
        "{e}"
    );
    // A customer cannot approve.
    let (s, _) = bank.approve(&bob, &t).await;
    assert!(s == 403 || s == 404, "{s}");
    let (s, done) = bank.approve(&m2, &t).await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["status"], "posted");
    assert_eq!(
        bank.balance(&alice, &a).await,
        ("5000.00".into(), "5000.00".into())
    );
    assert_eq!(bank.balance(&bob, &b).await.0, "15000.00");

    // Rejection releases the reservation; a rejection needs a reason.
    let p = payload(&bob, &b, &a, 1_200_000, Currency::EUR, "boat");
    let (_, t) = bank.send(&bob, &p).await;
    assert_eq!(t["status"], "pending_approval");
    assert_eq!(
        bank.balance(&bob, &b).await,
        ("15000.00".into(), "3000.00".into())
    );
    let (s, _) = bank.reject(&m1, &t, "  ").await;
    assert_eq!(s, 422);
    let (s, r) = bank.reject(&m1, &t, "unusual amount").await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["status"], "rejected");
    assert_eq!(r["reason"], "unusual amount");
    assert_eq!(
        bank.balance(&bob, &b).await,
        ("15000.00".into(), "15000.00".into())
    );

    // Withdrawals: a clerk pays out cash (below the threshold it posts at once).
    let cash = bank.cash_account(&clerk, "EUR").await;
    let p = payload(&clerk, &b, &cash, 50_000, Currency::EUR, "cash out");
    let (s, w) = bank
        .call(
            &clerk.session,
            Method::POST,
            "/api/v1/cash/withdraw",
            Some(&signed_body(&clerk.keys, &p)),
        )
        .await;
    assert_eq!(s, 201, "{w}");
    assert_eq!(w["status"], "posted");
    assert_eq!(bank.balance(&bob, &b).await.0, "14500.00");

    // Reports for managers.
    let (s, v) = bank
        .call(
            &m1.session,
            Method::GET,
            "/api/v1/reports/volume?days=7",
            None,
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["rows"][0]["currency"], "EUR");
    assert_eq!(v["rows"][0]["count"], 3);
    let (s, r) = bank
        .call(&m1.session, Method::GET, "/api/v1/reports/approvals", None)
        .await;
    assert_eq!(s, 200, "{r}");
    assert_eq!(r["approved"], 2);
    assert_eq!(r["rejected"], 1);
    assert_eq!(r["large"].as_array().unwrap().len(), 3);
    let (s, _) = bank
        .call(&alice.session, Method::GET, "/api/v1/reports/volume", None)
        .await;
    assert_eq!(s, 403);
    // Admins change the threshold; a 60.00 transfer now needs approval.
    let (s, st) = bank
        .call(
            &bank.admin,
            Method::PUT,
            "/api/v1/settings/ledger",
            Some(&json!({"thresholds": [{"amount": "50.00", "currency": "EUR"}], "pending_ttl_seconds": 3600})),
        )
        .await;
    assert_eq!(s, 200, "{st}");
    let (_, t) = bank
        .send(
            &alice,
            &payload(&alice, &a, &b, 6_000, Currency::EUR, "small"),
        )
        .await;
    assert_eq!(t["status"], "pending_approval", "{t}");
    let (s, _) = bank
        .call(
            &bank.admin,
            Method::PUT,
            "/api/v1/settings/ledger",
            Some(&json!({"thresholds": [{"amount": "0.00", "currency": "EUR"}], "pending_ttl_seconds": 3600})),
        )
        .await;
    assert_eq!(s, 422);
    bank.check().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pending_transfers_expire_with_the_injected_clock() {
    let clock = Arc::new(ManualClock::new(time::OffsetDateTime::now_utc()));
    let app = spawn_app_with(TestOptions {
        clock: Some(clock.clone()),
        ..TestOptions::default()
    })
    .await;
    let bank = Bank::start(app).await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let m1 = bank.staff("manager1", &["manager"]).await;
    let alice = bank.customer("alice").await;
    let bob = bank.customer("bob").await;
    let a = bank.open(&clerk, &alice, "current", "EUR").await;
    let b = bank.open(&clerk, &bob, "current", "EUR").await;
    let (_, d) = bank.deposit(&clerk, &a, 900_000, Currency::EUR).await;
    assert_eq!(d["status"], "posted");
    let (_, d) = bank.deposit(&clerk, &a, 1_100_000, Currency::EUR).await;
    assert_eq!(d["status"], "pending_approval");
    let (s, _) = bank.approve(&m1, &d).await;
    assert_eq!(s, 200);
    let (_, t) = bank
        .send(
            &alice,
            &payload(&alice, &a, &b, 1_500_000, Currency::EUR, "house"),
        )
        .await;
    assert_eq!(t["status"], "pending_approval");
    assert_eq!(bank.balance(&alice, &a).await.1, "5000.00");
    // Not yet due.
    clock.advance(time::Duration::hours(47));
    assert_eq!(bank.app.bank.expire_due_transfers().await.unwrap(), 0);
    // 48 hours after creation it expires and the reservation is released.
    clock.advance(time::Duration::hours(1));
    assert_eq!(bank.app.bank.expire_due_transfers().await.unwrap(), 1);
    let stored = bank
        .app
        .bank
        .store()
        .get_transfer(t["id"].as_str().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status.as_str(), "expired");
    let acc = bank
        .app
        .bank
        .store()
        .get_account(&a)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((acc.posted, acc.pending_debits), (2_000_000, 0));
    // Back to the present for HTTP (request MACs carry the real time): approving now fails.
    clock.advance(time::Duration::hours(-48));
    let (s, e) = bank.approve(&m1, &t).await;
    assert_eq!((s, e["code"].as_str()), (422, Some("not_pending")), "{e}");
    bank.check().await;
}

/// Reads an SSE response until an event of `kind` arrives (or the timeout), returning its data.
async fn next_event(resp: &mut reqwest::Response, kind: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut buf = String::new();
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let chunk = tokio::time::timeout(left, resp.chunk())
            .await
            .expect("event in time")
            .unwrap()
            .expect("stream open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            if block.lines().any(|l| l == format!("event: {kind}")) {
                let data = block
                    .lines()
                    .find_map(|l| l.strip_prefix("data: "))
                    .unwrap();
                return serde_json::from_str(data).unwrap();
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_updates_reach_managers_and_customers() {
    let bank = Bank::start(spawn_app().await).await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let manager = bank.staff("manager1", &["manager"]).await;
    let alice = bank.customer("alice").await;
    let bob = bank.customer("bob").await;
    let a = bank.open(&clerk, &alice, "current", "EUR").await;
    let b = bank.open(&clerk, &bob, "current", "EUR").await;
    for _ in 0..3 {
        let (s, _) = bank.deposit(&clerk, &a, 900_000, Currency::EUR).await;
        assert_eq!(s, 201);
    }
    // Both open their stream before the transfer.
    let mut queue = bank
        .api
        .send(&manager.session, Method::GET, "/api/v1/events/stream", None)
        .await
        .unwrap();
    assert_eq!(queue.status(), 200);
    assert!(
        queue.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut mine = bank
        .api
        .send(&alice.session, Method::GET, "/api/v1/events/stream", None)
        .await
        .unwrap();
    let (_, t) = bank
        .send(
            &alice,
            &payload(&alice, &a, &b, 2_000_000, Currency::EUR, "flat"),
        )
        .await;
    assert_eq!(t["status"], "pending_approval");
    let e = next_event(&mut queue, "approval_queue").await;
    assert_eq!(e["resource_id"], t["id"]);
    assert_eq!(e["status"], "pending_approval");
    let e = next_event(&mut mine, "transfer").await;
    assert_eq!(
        (e["resource_id"].clone(), e["status"].clone()),
        (t["id"].clone(), json!("pending_approval"))
    );
    let (s, _) = bank.approve(&manager, &t).await;
    assert_eq!(s, 200);
    let e = next_event(&mut queue, "approval_queue").await;
    assert_eq!(
        (e["action"].as_str(), e["status"].as_str()),
        (Some("transfer.approve"), Some("posted"))
    );
    let e = next_event(&mut mine, "transfer").await;
    assert_eq!(e["status"], "posted");
    let _ = bob;
}

/// Binds another device of `user` (from the user's session); returns it, signing within the
/// same session, and its device id.
async fn bind_device(bank: &Bank, user: &User, name: &str) -> (User, String) {
    let mut keys = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    let (s, added) = bank
        .call(
            &user.session,
            Method::POST,
            &format!("/api/v1/users/{}/devices", user.id()),
            Some(&json!({"device_name": name, "csr_pem": keys.csr_pem().unwrap()})),
        )
        .await;
    assert_eq!(s, 201, "{added}");
    keys.cert_serial = Some(added["certificate_serial"].as_str().unwrap().to_owned());
    let session = Session::restore(
        user.session.token.clone(),
        user.session.session_id.clone(),
        user.session.user_id.clone(),
        user.session.roles.clone(),
        user.session.key().clone(),
        0,
    );
    let device_id = added["device_id"].as_str().unwrap().to_owned();
    (User { keys, session }, device_id)
}
