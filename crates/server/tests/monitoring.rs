//! Security monitoring on the real server (SQLite by default, PostgreSQL with
//! `PQBANK_TEST_DATABASE_URL`): every rule is triggered once, and each test asserts both the
//! stored alert (`GET /api/v1/security/events`, with its evidence) and the live message an
//! auditor's `GET /api/v1/events/stream` receives; where the alert concerns a customer, the
//! customer's own stream carries a `security_notice` too.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // real clock for payload times and the test server

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_client::PqbankClient;
use pqbank_client::auth::{DeviceKeys, Session, os_rng};
use pqbank_crypto::SignatureAlgorithm;
use pqbank_domain::auth::MAC_HEADER;
use pqbank_domain::payload::{TRANSFER_SIGNATURE_CONTEXT, TransferReference};
use pqbank_domain::{
    AccountId, CertificateSerial, Currency, Timestamp, TransferAmount, TransferId, TransferPayload,
};
use pqbank_server::testkit::{
    TEST_PASSWORD, TestApp, TestOptions, TestUser as User, call_json, spawn_app, spawn_app_with,
};
use pqbank_store::testing::postgres_requested;
use reqwest::Method;
use serde_json::{Value, json};

/// A live stream being read.
struct Watch {
    resp: reqwest::Response,
    buf: String,
}

impl Watch {
    /// The next event of `kind` whose `resource_id` is `rule` (others are skipped).
    async fn expect(&mut self, kind: &str, rule: &str) -> Value {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                if !block.lines().any(|l| l == format!("event: {kind}")) {
                    continue;
                }
                let data: Value = serde_json::from_str(
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix("data: "))
                        .unwrap(),
                )
                .unwrap();
                if data["resource_id"] == rule {
                    return data;
                }
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let chunk = tokio::time::timeout(left, self.resp.chunk())
                .await
                .unwrap_or_else(|_| panic!("no {kind} event for {rule} in time"))
                .unwrap()
                .expect("stream open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

struct Bank {
    app: TestApp,
    api: PqbankClient,
    admin: Session,
    auditor: User,
}

impl Bank {
    async fn start() -> Bank {
        let app = spawn_app().await;
        let api = app.api();
        let admin = app.admin().await;
        let (keys, session) = app.staff("auditor1", &["auditor"], None).await;
        Bank {
            app,
            api,
            admin,
            auditor: User { keys, session },
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

    async fn watch(&self, who: &Session) -> Watch {
        let resp = self
            .api
            .send(who, Method::GET, "/api/v1/events/stream", None)
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
        Watch {
            resp,
            buf: String::new(),
        }
    }

    /// The auditor's view of the stored alerts of `rule`, oldest first.
    async fn alerts(&self, rule: &str) -> Vec<Value> {
        let (s, v) = self
            .call(
                &self.auditor.session,
                Method::GET,
                "/api/v1/security/events?limit=500",
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        v.as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == rule)
            .cloned()
            .collect()
    }

    /// The auditor's view of the newest alert of `rule`.
    async fn alert(&self, rule: &str) -> Value {
        self.alerts(rule)
            .await
            .pop()
            .unwrap_or_else(|| panic!("no stored alert {rule}"))
    }

    /// Asserts the auditor's live message for `rule` and the stored alert; returns the latter.
    async fn assert_alert(&self, watch: &mut Watch, rule: &str, severity: &str) -> Value {
        let live = watch.expect("alert", rule).await;
        assert_eq!(
            (live["action"].as_str(), live["status"].as_str()),
            (Some("alert.raise"), Some(severity)),
            "{live}"
        );
        let stored = self.alert(rule).await;
        assert_eq!(stored["severity"], severity, "{stored}");
        assert_eq!(stored["status"], "open");
        stored
    }

    async fn put_monitoring(&self, change: Value) {
        let (s, mut current) = self
            .call(
                &self.admin,
                Method::GET,
                "/api/v1/settings/monitoring",
                None,
            )
            .await;
        assert_eq!(s, 200, "{current}");
        for (k, v) in change.as_object().unwrap() {
            current[k] = v.clone();
        }
        let (s, v) = self
            .call(
                &self.admin,
                Method::PUT,
                "/api/v1/settings/monitoring",
                Some(&current),
            )
            .await;
        assert_eq!(s, 200, "{v}");
        for (k, val) in change.as_object().unwrap() {
            if k != "velocity_max_amount" {
                assert_eq!(&v[k], val);
            }
        }
    }

    async fn open_funded(&self, clerk: &User, owner: &User, minor: i64) -> String {
        let (s, a) = self
            .call(
                &clerk.session,
                Method::POST,
                "/api/v1/accounts",
                Some(&json!({"owner_id": owner.id(), "kind": "current", "currency": "EUR"})),
            )
            .await;
        assert_eq!(s, 201, "{a}");
        let account = a["id"].as_str().unwrap().to_owned();
        if minor > 0 {
            let (s, v) = self
                .call(&clerk.session, Method::GET, "/api/v1/cash/accounts", None)
                .await;
            assert_eq!(s, 200, "{v}");
            let cash = v["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["kind"] == "cash" && a["currency"] == "EUR")
                .unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned();
            let p = payload(clerk, &cash, &account, minor);
            let (s, v) = self
                .call(
                    &clerk.session,
                    Method::POST,
                    "/api/v1/cash/deposit",
                    Some(&signed_body(&clerk.keys, &p)),
                )
                .await;
            assert_eq!(s, 201, "{v}");
        }
        account
    }

    /// With `settings`: Alice (5,000.00 in account a) has sent Bob (account b) three
    /// transfers of 10.00. Returns Alice, a and b.
    async fn with_history(&self, settings: Value) -> (User, String, String) {
        self.put_monitoring(settings).await;
        let clerk = self.staff("clerk1", &["clerk"]).await;
        let alice = self.customer("alice").await;
        let bob = self.customer("bob").await;
        let a = self.open_funded(&clerk, &alice, 500_000).await;
        let b = self.open_funded(&clerk, &bob, 0).await;
        for _ in 0..3 {
            let (s, v) = self
                .send(
                    &alice,
                    &signed_body(&alice.keys, &payload(&alice, &a, &b, 1_000)),
                )
                .await;
            assert_eq!(s, 201, "{v}");
        }
        (alice, a, b)
    }

    async fn send(&self, by: &User, body: &Value) -> (u16, Value) {
        self.call(&by.session, Method::POST, "/api/v1/transfers", Some(body))
            .await
    }
}

fn now_ms() -> u64 {
    u64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap()
}

fn payload(by: &User, from: &str, to: &str, minor: i64) -> TransferPayload {
    use rand::Rng;
    let mut r = [0u8; 10];
    os_rng().unwrap().fill_bytes(&mut r);
    TransferPayload {
        transfer_id: TransferId::new_v7(now_ms(), r),
        from_account: from.parse::<AccountId>().unwrap(),
        to_account: to.parse::<AccountId>().unwrap(),
        amount: TransferAmount::from_minor(minor, Currency::EUR).unwrap(),
        reference: TransferReference::parse("monitoring test").unwrap(),
        created_at: Timestamp::from_unix_seconds(time::OffsetDateTime::now_utc().unix_timestamp())
            .unwrap(),
        initiator_cert_serial: by
            .keys
            .cert_serial
            .as_deref()
            .unwrap()
            .parse::<CertificateSerial>()
            .unwrap(),
    }
}

fn signed_body(keys: &DeviceKeys, p: &TransferPayload) -> Value {
    let sig = keys
        .signing
        .sign(
            &p.canonical_bytes(),
            TRANSFER_SIGNATURE_CONTEXT,
            &mut os_rng().unwrap(),
        )
        .unwrap();
    json!({
        "payload": serde_json::to_value(p).unwrap(),
        "signature": B64.encode(sig.as_bytes()),
    })
}

fn code(e: pqbank_client::ClientError) -> (u16, String) {
    match e {
        pqbank_client::ClientError::Problem { status, code, .. } => (status, code),
        other => panic!("expected a problem, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_per_account_lock_it_and_alert() {
    let bank = Bank::start().await;
    let (device, heidi) = bank.app.customer("heidi").await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let mut notices = bank.watch(&heidi).await;
    for _ in 0..5 {
        let (s, _) = code(
            bank.api
                .login(&device, "heidi", "wrong password 123")
                .await
                .unwrap_err(),
        );
        assert_eq!(s, 401);
    }
    let stored = bank
        .assert_alert(&mut audit, "auth.account_locked", "critical")
        .await;
    assert_eq!(stored["user_id"], heidi.user_id.as_str());
    assert_eq!(stored["evidence"].as_array().unwrap().len(), 1, "{stored}");
    let notice = notices
        .expect("security_notice", "auth.account_locked")
        .await;
    assert_eq!(notice["status"], "critical");
    let (s, c) = code(
        bank.api
            .login(&device, "heidi", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (423, "account_locked"));
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_logins_per_address_block_it_and_alert_then_the_alert_is_worked() {
    let bank = Bank::start().await;
    bank.put_monitoring(
        json!({"failed_logins_per_address": 3, "failed_login_window_seconds": 300}),
    )
    .await;
    let ivan = bank.customer("ivan").await;
    let judy = bank.customer("judy").await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    // Three failures over two accounts (below either account's lockout) from one address.
    for (keys, name) in [
        (&ivan.keys, "ivan"),
        (&judy.keys, "judy"),
        (&ivan.keys, "ivan"),
    ] {
        let (s, _) = code(
            bank.api
                .login(keys, name, "wrong password 123")
                .await
                .unwrap_err(),
        );
        assert_eq!(s, 401);
    }
    let stored = bank
        .assert_alert(&mut audit, "auth.address_blocked", "critical")
        .await;
    assert_eq!(stored["client_addr"], "127.0.0.1");
    let evidence = stored["evidence"].as_array().unwrap();
    assert_eq!(evidence.len(), 3, "{stored}");
    // The evidence points at the recorded failures in the audit log.
    for index in evidence {
        let i = index.as_u64().unwrap();
        let (s, v) = bank
            .call(
                &bank.auditor.session,
                Method::GET,
                &format!("/api/v1/audit/entries?start={i}&end={}", i + 1),
                None,
            )
            .await;
        assert_eq!(s, 200, "{v}");
        let text = v.to_string();
        assert!(
            text.contains("auth.invalid_credentials"),
            "evidence {i}: {text}"
        );
    }
    // Blocked for the window, even with the right password.
    let (s, c) = code(
        bank.api
            .login(&ivan.keys, "ivan", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (429, "too_many_requests"));

    // The status workflow: acknowledge (note optional), resolve (note required); who and why
    // are kept.
    let id = stored["id"].as_i64().unwrap();
    let path = format!("/api/v1/security/events/{id}/status");
    let (s, _) = bank
        .call(
            &bank.auditor.session,
            Method::POST,
            &path,
            Some(&json!({"status": "acknowledged"})),
        )
        .await;
    assert_eq!(s, 204);
    let (s, p) = bank
        .call(
            &bank.auditor.session,
            Method::POST,
            &path,
            Some(&json!({"status": "resolved"})),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("invalid_request")),
        "{p}"
    );
    let (s, _) = bank
        .call(
            &bank.auditor.session,
            Method::POST,
            &path,
            Some(&json!({"status": "resolved", "note": "test traffic from the branch"})),
        )
        .await;
    assert_eq!(s, 204);
    let after = bank.alert("auth.address_blocked").await;
    assert_eq!(after["status"], "resolved");
    assert_eq!(after["status_by"], bank.auditor.id());
    assert_eq!(after["status_note"], "test traffic from the branch");
    assert!(after["status_time"].is_string());
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nonce_replay_alerts() {
    let bank = Bank::start().await;
    let frank = bank.customer("frank").await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let serial = frank.keys.cert_serial.clone().unwrap();
    let nonce = bank.api.challenge("frank", &serial).await.unwrap();
    let (body, eph, t) = bank
        .api
        .login_body(&frank.keys, "frank", TEST_PASSWORD, &nonce)
        .unwrap();
    bank.api.finish_login(&body, &eph, &t).await.unwrap();
    let (s, c) = code(bank.api.finish_login(&body, &eph, &t).await.unwrap_err());
    assert_eq!((s, c.as_str()), (401, "challenge_reused"));
    bank.assert_alert(&mut audit, "auth.challenge_reused", "critical")
        .await;
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mac_replay_alerts() {
    let bank = Bank::start().await;
    let grace = bank.customer("grace").await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    // A request whose MAC is accepted (it fails on the wrong current password), sent twice.
    let body =
        json!({"current_password": "wrong wrong wrong", "new_password": "another good passphrase"});
    let bytes = serde_json::to_vec(&body).unwrap();
    let header = grace
        .session
        .mac_header("POST", "/api/v1/me/password", &bytes, now);
    let send = || {
        bank.app
            .client
            .post(bank.app.url("/api/v1/me/password"))
            .bearer_auth(&grace.session.token)
            .header(MAC_HEADER, header.clone())
            .header("content-type", "application/json")
            .body(bytes.clone())
            .send()
    };
    let first: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(first["code"], "invalid_credentials");
    let replay: Value = send().await.unwrap().json().await.unwrap();
    assert_eq!(replay["code"], "mac_replayed");
    bank.assert_alert(&mut audit, "auth.replayed_request", "critical")
        .await;
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signature_replay_alerts() {
    let bank = Bank::start().await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let alice = bank.customer("alice").await;
    let mallory = bank.customer("mallory").await;
    let a = bank.open_funded(&clerk, &alice, 100_000).await;
    let m = bank.open_funded(&clerk, &mallory, 0).await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let mut alice_notices = bank.watch(&alice.session).await;
    let mut mallory_notices = bank.watch(&mallory.session).await;
    let p = payload(&alice, &a, &m, 1_000);
    let body = signed_body(&alice.keys, &p);
    let (s, v) = bank.send(&alice, &body).await;
    assert_eq!(s, 201, "{v}");

    // Mallory replays alice's signed transfer under her own session.
    let (s, v) = bank.send(&mallory, &body).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (422, Some("certificate_not_usable")),
        "{v}"
    );
    let stored = bank
        .assert_alert(&mut audit, "transfer.signature_replay", "critical")
        .await;
    assert_eq!(stored["user_id"], mallory.id());
    mallory_notices
        .expect("security_notice", "transfer.signature_replay")
        .await;

    // Alice's id again with another (validly signed) payload: a conflicting replay.
    let mut changed = p.clone();
    changed.amount = TransferAmount::from_minor(99_000, Currency::EUR).unwrap();
    let (s, v) = bank.send(&alice, &signed_body(&alice.keys, &changed)).await;
    assert_eq!(
        (s, v["code"].as_str()),
        (409, Some("idempotency_conflict")),
        "{v}"
    );
    let live = audit.expect("alert", "transfer.signature_replay").await;
    assert_eq!(live["status"], "critical");
    assert_eq!(
        bank.alert("transfer.signature_replay").await["user_id"],
        alice.id()
    );
    alice_notices
        .expect("security_notice", "transfer.signature_replay")
        .await;
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_certificate_use_alerts() {
    let bank = Bank::start().await;
    let carol = bank.customer("carol").await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    bank.app
        .bank
        .revoke_certificate(
            carol.keys.cert_serial.as_deref().unwrap(),
            pqbank_pki::RevocationReason::KeyCompromise,
        )
        .await
        .unwrap();
    let (s, c) = code(
        bank.api
            .login(&carol.keys, "carol", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (403, "device_revoked"));
    let stored = bank
        .assert_alert(&mut audit, "auth.revoked_device", "critical")
        .await;
    assert_eq!(stored["user_id"], carol.id());
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_certificate_use_alerts() {
    let bank = Bank::start().await;
    let carol = bank.customer("carol").await;
    let dave = bank.customer("dave").await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let mut notices = bank.watch(&carol.session).await;
    // Dave's certificate presented for carol: never issued to her.
    let mut foreign = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    foreign.signing = dave.keys.signing;
    foreign.cert_serial = dave.keys.cert_serial.clone();
    let (s, c) = code(
        bank.api
            .login(&foreign, "carol", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (403, "device_not_bound"));
    let stored = bank
        .assert_alert(&mut audit, "auth.unknown_certificate", "warning")
        .await;
    assert_eq!(stored["user_id"], carol.id());
    notices
        .expect("security_notice", "auth.unknown_certificate")
        .await;
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unbound_device_use_alerts() {
    let bank = Bank::start().await;
    let erin = bank.customer("erin").await;
    // Erin removes her device (its session ends), then tries to log in with it.
    let (s, _) = bank
        .call(
            &erin.session,
            Method::DELETE,
            &format!("/api/v1/devices/{}", erin.keys.device_id.clone().unwrap()),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let mut audit = bank.watch(&bank.auditor.session).await;
    let (s, c) = code(
        bank.api
            .login(&erin.keys, "erin", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (403, "device_not_bound"));
    let stored = bank
        .assert_alert(&mut audit, "auth.unbound_device", "warning")
        .await;
    assert_eq!(stored["user_id"], erin.id());
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_velocity_by_count_alerts() {
    let bank = Bank::start().await;
    bank.put_monitoring(json!({"velocity_max_count": 3})).await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let alice = bank.customer("alice").await;
    let bob = bank.customer("bob").await;
    let a = bank.open_funded(&clerk, &alice, 100_000).await;
    let b = bank.open_funded(&clerk, &bob, 0).await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let mut notices = bank.watch(&alice.session).await;
    for _ in 0..4 {
        let (s, v) = bank
            .send(
                &alice,
                &signed_body(&alice.keys, &payload(&alice, &a, &b, 500)),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let stored = bank
        .assert_alert(&mut audit, "transfer.velocity_count", "warning")
        .await;
    assert_eq!(stored["user_id"], alice.id());
    assert_eq!(stored["evidence"].as_array().unwrap().len(), 4, "{stored}");
    let details: Value = serde_json::from_str(stored["details"].as_str().unwrap()).unwrap();
    assert_eq!(
        (details["count"].as_u64(), details["limit"].as_u64()),
        (Some(4), Some(3))
    );
    notices
        .expect("security_notice", "transfer.velocity_count")
        .await;
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_velocity_by_amount_alerts() {
    let bank = Bank::start().await;
    bank.put_monitoring(json!({
        "velocity_max_amount": [{"amount": "100.00", "currency": "EUR"}],
    }))
    .await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let alice = bank.customer("alice").await;
    let bob = bank.customer("bob").await;
    let a = bank.open_funded(&clerk, &alice, 100_000).await;
    let b = bank.open_funded(&clerk, &bob, 0).await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    for minor in [6_000, 5_000] {
        let (s, v) = bank
            .send(
                &alice,
                &signed_body(&alice.keys, &payload(&alice, &a, &b, minor)),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
    let stored = bank
        .assert_alert(&mut audit, "transfer.velocity_amount", "warning")
        .await;
    let details: Value = serde_json::from_str(stored["details"].as_str().unwrap()).unwrap();
    assert_eq!(
        (
            details["total_minor"].as_i64(),
            details["limit_minor"].as_i64()
        ),
        (Some(11_000), Some(10_000))
    );
    assert_eq!(stored["evidence"].as_array().unwrap().len(), 2);
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusual_amount_alerts() {
    let bank = Bank::start().await;
    let (alice, a, b) = bank
        .with_history(json!({"unusual_min_history": 3, "unusual_amount_factor": 5}))
        .await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let mut notices = bank.watch(&alice.session).await;
    // Within five times the usual: no alert. Then far above it.
    let (s, _) = bank
        .send(
            &alice,
            &signed_body(&alice.keys, &payload(&alice, &a, &b, 4_000)),
        )
        .await;
    assert_eq!(s, 201);
    let (s, t) = bank
        .send(
            &alice,
            &signed_body(&alice.keys, &payload(&alice, &a, &b, 90_000)),
        )
        .await;
    assert_eq!(s, 201, "{t}");
    let stored = bank
        .assert_alert(&mut audit, "transfer.unusual_amount", "warning")
        .await;
    let details: Value = serde_json::from_str(stored["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["transfer_id"], t["id"]);
    assert_eq!(details["amount_minor"], 90_000);
    assert_eq!(stored["evidence"].as_array().unwrap().len(), 1);
    notices
        .expect("security_notice", "transfer.unusual_amount")
        .await;
    // Only one such alert: the 40.00 transfer was not unusual.
    let unusual = bank.alerts("transfer.unusual_amount").await.len();
    assert_eq!(unusual, 1);
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transfer_rules_judge_each_transfer_of_a_batch() {
    let bank = Bank::start().await;
    let (alice, a, b) = bank
        .with_history(json!({
            "velocity_max_count": 3, "unusual_min_history": 3, "unusual_amount_factor": 5,
        }))
        .await;
    assert!(bank.alerts("transfer.velocity_count").await.is_empty());
    // A batch of three more: the first of them is the fourth in the window (one count alert),
    // and the large one is unusual against what came before the batch (one alert), not
    // against its siblings.
    let bodies: Vec<Value> = [1_000, 90_000, 1_000]
        .into_iter()
        .map(|minor| signed_body(&alice.keys, &payload(&alice, &a, &b, minor)))
        .collect();
    let (s, v) = bank
        .call(
            &alice.session,
            Method::POST,
            "/api/v1/transfer-batches",
            Some(&json!({ "transfers": bodies })),
        )
        .await;
    assert_eq!((s, v["created"].as_u64()), (200, Some(3)), "{v}");
    let count = bank.alerts("transfer.velocity_count").await;
    assert_eq!(count.len(), 1, "{count:?}");
    let details: Value = serde_json::from_str(count[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["count"].as_u64(), Some(4));
    let unusual = bank.alerts("transfer.unusual_amount").await;
    assert_eq!(unusual.len(), 1, "{unusual:?}");
    let details: Value = serde_json::from_str(unusual[0]["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["transfer_id"], v["results"][1]["transfer"]["id"]);
    assert_eq!(
        (
            details["amount_minor"].as_i64(),
            details["average_minor"].as_i64()
        ),
        (Some(90_000), Some(1_000))
    );
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privilege_changes_alert() {
    let bank = Bank::start().await;
    let clerk = bank.staff("clerk1", &["clerk"]).await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let (s, v) = bank
        .call(
            &bank.admin,
            Method::PUT,
            &format!("/api/v1/users/{}/roles", clerk.id()),
            Some(&json!({"roles": ["clerk", "manager"], "branch": "zrh"})),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let stored = bank
        .assert_alert(&mut audit, "admin.privilege_change", "warning")
        .await;
    assert_eq!(stored["user_id"], clerk.id());
    let details: Value = serde_json::from_str(stored["details"].as_str().unwrap()).unwrap();
    assert_eq!(details["change"], "roles_changed");
    assert_eq!(details["by"], bank.admin.user_id.as_str());
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn setting_changes_alert_and_are_audited_with_the_change() {
    let bank = Bank::start().await;
    let mut audit = bank.watch(&bank.auditor.session).await;
    let (s, v) = bank
        .call(
            &bank.admin,
            Method::PUT,
            "/api/v1/settings/ledger",
            Some(&json!({
                "thresholds": [{"amount": "5000.00", "currency": "EUR"}],
                "pending_ttl_seconds": 86400,
            })),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let stored = bank
        .assert_alert(&mut audit, "admin.setting_change", "info")
        .await;
    assert_eq!(stored["user_id"], bank.admin.user_id.as_str());
    // Out-of-range monitoring thresholds are refused and change nothing.
    let (s, p) = bank
        .call(
            &bank.admin,
            Method::PUT,
            "/api/v1/settings/monitoring",
            Some(&json!({
                "failed_logins_per_address": 0, "failed_login_window_seconds": 600,
                "velocity_max_count": 20, "velocity_window_seconds": 3600,
                "velocity_max_amount": [], "unusual_amount_factor": 10, "unusual_min_history": 5,
            })),
        )
        .await;
    assert_eq!(
        (s, p["code"].as_str()),
        (422, Some("invalid_request")),
        "{p}"
    );
    let (_, m) = bank
        .call(
            &bank.auditor.session,
            Method::GET,
            "/api/v1/settings/monitoring",
            None,
        )
        .await;
    assert_eq!(m["failed_logins_per_address"], 10);
    // The identity settings in force are shown to admins (read-only: server configuration).
    let (s, idc) = bank
        .call(&bank.admin, Method::GET, "/api/v1/settings/identity", None)
        .await;
    assert_eq!(s, 200, "{idc}");
    assert_eq!(
        (
            idc["lockout_threshold"].as_i64(),
            idc["session_idle_seconds"].as_i64()
        ),
        (Some(5), Some(900))
    );
    let (s, _) = bank
        .call(
            &bank.auditor.session,
            Method::GET,
            "/api/v1/settings/identity",
            None,
        )
        .await;
    assert_eq!(s, 403);
    // Customers cannot read them.
    let eve = bank.customer("eve").await;
    let (s, _) = bank
        .call(
            &eve.session,
            Method::GET,
            "/api/v1/settings/monitoring",
            None,
        )
        .await;
    assert_eq!(s, 403);
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_self_check_failure_alerts() {
    use sqlx::Connection;
    let bank = Bank::start().await;
    bank.app.bank.create_checkpoint().await.unwrap();
    assert!(bank.app.bank.audit_self_check().await.unwrap().ok);
    let mut audit = bank.watch(&bank.auditor.session).await;
    // One stored event changed behind the bank's back.
    if postgres_requested() {
        let mut c = sqlx::PgConnection::connect(&bank.app.db.url_string)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_events SET leaf = leaf || '\\x20'::bytea WHERE idx = 1")
            .execute(&mut c)
            .await
            .unwrap();
    } else {
        let mut c = sqlx::SqliteConnection::connect(&bank.app.db.url_string)
            .await
            .unwrap();
        sqlx::query("UPDATE audit_events SET leaf = CAST(leaf || ' ' AS BLOB) WHERE idx = 1")
            .execute(&mut c)
            .await
            .unwrap();
    }
    let report = bank.app.bank.audit_self_check().await.unwrap();
    assert!(!report.ok);
    let stored = bank
        .assert_alert(&mut audit, "audit.self_check_failed", "critical")
        .await;
    assert_eq!(stored["evidence"], json!([1]));
    // Checking again while still broken does not raise it twice.
    assert!(!bank.app.bank.audit_self_check().await.unwrap().ok);
    let count = bank.alerts("audit.self_check_failed").await.len();
    assert_eq!(count, 1);
    bank.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_raised_on_one_instance_reach_auditors_on_another() {
    let bank = Bank::start().await;
    // A second instance on the same database and key ring.
    let other = spawn_app_with(TestOptions {
        database_url: Some(bank.app.db.url_string.clone()),
        data_dir: Some(bank.app.data_dir.path().to_owned()),
        ..TestOptions::default()
    })
    .await;
    let other_api = other.api();
    let auditor = other_api
        .login(&bank.auditor.keys, "auditor1", TEST_PASSWORD)
        .await
        .unwrap();
    let resp = other_api
        .send(&auditor, Method::GET, "/api/v1/events/stream", None)
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let mut watch = Watch {
        resp,
        buf: String::new(),
    };
    // A nonce replay on the first instance.
    let frank = bank.customer("frank").await;
    let serial = frank.keys.cert_serial.clone().unwrap();
    let nonce = bank.api.challenge("frank", &serial).await.unwrap();
    let (body, eph, t) = bank
        .api
        .login_body(&frank.keys, "frank", TEST_PASSWORD, &nonce)
        .unwrap();
    bank.api.finish_login(&body, &eph, &t).await.unwrap();
    let (s, _) = code(bank.api.finish_login(&body, &eph, &t).await.unwrap_err());
    assert_eq!(s, 401);
    let live = watch.expect("alert", "auth.challenge_reused").await;
    assert_eq!(live["status"], "critical");
    other.stop().await;
    bank.app.stop().await;
}
