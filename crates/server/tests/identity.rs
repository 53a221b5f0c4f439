//! Identity end to end through the real server: registration with a device CSR,
//! challenge-response login, session MACs, and every refusal the issue lists (each with its
//! problem+json status and a recorded security event). Runs on SQLite, or on PostgreSQL when
//! `PQBANK_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// test code
// The manual clock starts at the real time: TLS certificates and client MAC timestamps use it.
#![allow(clippy::disallowed_methods)]

use std::sync::Arc;

use pqbank_client::ClientError;
use pqbank_client::auth::DeviceKeys;
use pqbank_crypto::SignatureAlgorithm;
use pqbank_domain::auth::{MAC_HEADER, SESSION_COOKIE};
use pqbank_server::testkit::{TEST_PASSWORD, TestOptions, spawn_app, spawn_app_with};
use pqbank_service::clock::{Clock, ManualClock};
use pqbank_store::StoreError;
use reqwest::Method;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

async fn security_kinds(app: &pqbank_server::testkit::TestApp) -> Vec<String> {
    let events: Result<Vec<_>, StoreError> =
        app.bank.store().list_security_events(0, None, 1000).await;
    events.unwrap().into_iter().map(|e| e.kind).collect()
}

fn problem(e: ClientError) -> (u16, String) {
    match e {
        ClientError::Problem { status, code, .. } => (status, code),
        other => panic!("expected a problem, got {other:?}"),
    }
}

async fn problem_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(
        ct.starts_with("application/problem+json"),
        "content type {ct}"
    );
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn register_login_whoami_logout() {
    let app = spawn_app().await;
    let api = app.api();
    let (device, session) = app.customer("alice").await;
    let me = api.whoami(&session).await.unwrap();
    assert_eq!(me.user.username, "alice");
    assert_eq!(me.user.roles, vec!["customer"]);
    assert_eq!(me.user.legal_name, "Test Customer");
    assert_eq!(Some(me.device_cert_serial.clone()), device.cert_serial);
    assert_eq!(me.session_id, session.session_id);

    // The device certificate chains to the bank's CA and names the user and device.
    let cert = device.cert_pem.clone().unwrap();
    assert!(cert.contains("BEGIN CERTIFICATE"));

    // Sessions list shows the current one.
    let resp = api
        .send(
            &session,
            Method::GET,
            &format!("/api/v1/users/{}/sessions", me.user.id),
            None,
        )
        .await
        .unwrap();
    let sessions: Vec<Value> = resp.json().await.unwrap();
    assert!(
        sessions
            .iter()
            .any(|s| s["current"] == true && s["active"] == true)
    );

    api.logout(&session).await.unwrap();
    let (status, code) = problem(api.whoami(&session).await.unwrap_err());
    assert_eq!((status, code.as_str()), (401, "session_invalid"));
    app.stop().await;
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = spawn_app().await;
    let api = app.api();
    let (device, _) = app.customer("bob").await;
    let serial = device.cert_serial.clone().unwrap();

    let wrong = api
        .login(&device, "bob", "not the password at all")
        .await
        .unwrap_err();
    let nonce = api.challenge("nobody", &serial).await.unwrap();
    let (body, eph, t) = api
        .login_body(&device, "nobody", TEST_PASSWORD, &nonce)
        .unwrap();
    let unknown = api.finish_login(&body, &eph, &t).await.unwrap_err();
    let (ws, wc) = problem(wrong);
    let (us, uc) = problem(unknown);
    assert_eq!((ws, wc.as_str()), (401, "invalid_credentials"));
    assert_eq!((us, uc), (ws, wc));
    let kinds = security_kinds(&app).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "auth.invalid_credentials")
            .count(),
        2,
        "{kinds:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn device_refusals() {
    let app = spawn_app().await;
    let api = app.api();
    let (device, session) = app.customer("carol").await;
    let (other_device, _) = app.customer("dave").await;

    // Wrong device key: a key that is not the certified one signs for carol's certificate.
    let mut impostor = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    impostor.cert_serial = device.cert_serial.clone();
    let (s, c) = problem(
        api.login(&impostor, "carol", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (401, "bad_device_signature"));

    // Another user's device (certificate bound to dave) for carol: not bound.
    let mut foreign = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    foreign.signing = other_device.signing;
    foreign.cert_serial = other_device.cert_serial.clone();
    let (s, c) = problem(
        api.login(&foreign, "carol", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (403, "device_not_bound"));

    // Revoked device certificate.
    app.bank
        .revoke_certificate(
            device.cert_serial.as_deref().unwrap(),
            pqbank_pki::RevocationReason::KeyCompromise,
        )
        .await
        .unwrap();
    let (s, c) = problem(
        api.login(&device, "carol", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (403, "device_revoked"));

    // Unbound (removed) device: erin removes her only device, then tries to log in with it.
    let (erin_device, erin) = app.customer("erin").await;
    let resp = api
        .send(
            &erin,
            Method::DELETE,
            &format!("/api/v1/devices/{}", erin_device.device_id.clone().unwrap()),
            None,
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    // Removal ended the session from that device (and revoked its certificate, which the
    // refusal names).
    let (s, c) = problem(api.whoami(&erin).await.unwrap_err());
    assert_eq!((s, c.as_str()), (403, "device_revoked"));
    let (s, c) = problem(
        api.login(&erin_device, "erin", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!(s, 403, "{c}");
    assert!(c == "device_not_bound" || c == "device_revoked", "{c}");

    let kinds = security_kinds(&app).await;
    for k in [
        "auth.bad_device_signature",
        "auth.unbound_device",
        "auth.revoked_device",
    ] {
        assert!(kinds.iter().any(|x| x == k), "missing {k} in {kinds:?}");
    }
    drop(session);
    app.stop().await;
}

#[tokio::test]
async fn nonce_expiry_and_reuse() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let app = spawn_app_with(TestOptions {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        ..TestOptions::default()
    })
    .await;
    let api = app.api();
    let (device, _) = app.customer("frank").await;
    let serial = device.cert_serial.clone().unwrap();

    // Expired nonce.
    let nonce = api.challenge("frank", &serial).await.unwrap();
    clock.advance(Duration::seconds(121));
    let (body, eph, t) = api
        .login_body(&device, "frank", TEST_PASSWORD, &nonce)
        .unwrap();
    let (s, c) = problem(api.finish_login(&body, &eph, &t).await.unwrap_err());
    assert_eq!((s, c.as_str()), (401, "challenge_expired"));

    // Reused nonce and reused signature: the same signed body twice.
    let nonce = api.challenge("frank", &serial).await.unwrap();
    let (body, eph, t) = api
        .login_body(&device, "frank", TEST_PASSWORD, &nonce)
        .unwrap();
    api.finish_login(&body, &eph, &t).await.unwrap();
    let (s, c) = problem(api.finish_login(&body, &eph, &t).await.unwrap_err());
    assert_eq!((s, c.as_str()), (401, "challenge_reused"));

    // A fresh nonce with an old signature (signed over another nonce) does not verify.
    let nonce2 = api.challenge("frank", &serial).await.unwrap();
    let mut replay = body.clone();
    replay["transcript"]["nonce"] = json!(nonce2);
    let (s, c) = problem(api.finish_login(&replay, &eph, &t).await.unwrap_err());
    assert_eq!((s, c.as_str()), (401, "bad_device_signature"));

    let kinds = security_kinds(&app).await;
    assert!(kinds.iter().any(|k| k == "auth.challenge_expired"));
    assert!(kinds.iter().any(|k| k == "auth.challenge_reused"));
    app.stop().await;
}

#[tokio::test]
async fn cookie_without_mac_replayed_mac_and_expired_session() {
    let clock = Arc::new(ManualClock::new(OffsetDateTime::now_utc()));
    let app = spawn_app_with(TestOptions {
        clock: Some(clock.clone() as Arc<dyn Clock>),
        ..TestOptions::default()
    })
    .await;
    let api = app.api();
    let (_, session) = app.customer("grace").await;

    // The cookie alone reads (GET) but cannot act.
    let cookie = format!("{SESSION_COOKIE}={}", session.token);
    let resp = app
        .client
        .get(app.url("/api/v1/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    let (s, p) = problem_of(resp).await;
    assert_eq!((s, p["code"].as_str().unwrap()), (401, "mac_required"));

    // A MAC with a forged tag.
    let now = clock.now().unix_timestamp();
    let bad = session.mac_header_with("POST", "/api/v1/auth/logout", b"", now, 1_000);
    let bad = format!("{}AA", &bad[..bad.len() - 2]);
    let resp = app
        .client
        .post(app.url("/api/v1/auth/logout"))
        .bearer_auth(&session.token)
        .header(MAC_HEADER, bad)
        .send()
        .await
        .unwrap();
    let (s, p) = problem_of(resp).await;
    assert_eq!((s, p["code"].as_str().unwrap()), (401, "mac_invalid"));

    // A replayed MAC: the same header twice.
    let body =
        json!({"current_password": "wrong wrong wrong", "new_password": "another good passphrase"});
    let bytes = serde_json::to_vec(&body).unwrap();
    let header = session.mac_header("POST", "/api/v1/me/password", &bytes, now);
    let send = || {
        app.client
            .post(app.url("/api/v1/me/password"))
            .bearer_auth(&session.token)
            .header(MAC_HEADER, header.clone())
            .header("content-type", "application/json")
            .body(bytes.clone())
            .send()
    };
    let first = send().await.unwrap();
    assert_eq!(first.status(), 401); // wrong current password, but the MAC was accepted
    let (_, p) = problem_of(first).await;
    assert_eq!(p["code"], "invalid_credentials");
    let (s, p) = problem_of(send().await.unwrap()).await;
    assert_eq!((s, p["code"].as_str().unwrap()), (401, "mac_replayed"));

    // Idle timeout: 15 minutes without a request.
    clock.advance(Duration::minutes(16));
    let (s, c) = problem(api.whoami(&session).await.unwrap_err());
    assert_eq!((s, c.as_str()), (401, "session_expired"));

    let kinds = security_kinds(&app).await;
    for k in [
        "auth.missing_mac",
        "auth.invalid_mac",
        "auth.replayed_request",
        "auth.session_expired",
    ] {
        assert!(kinds.iter().any(|x| x == k), "missing {k} in {kinds:?}");
    }
    app.stop().await;
}

#[tokio::test]
async fn lockout_after_repeated_failures() {
    let app = spawn_app().await;
    let api = app.api();
    let (device, _) = app.customer("heidi").await;
    for _ in 0..5 {
        let (s, _) = problem(
            api.login(&device, "heidi", "wrong password 123")
                .await
                .unwrap_err(),
        );
        assert_eq!(s, 401);
    }
    // Locked now, even with the right password.
    let (s, c) = problem(
        api.login(&device, "heidi", TEST_PASSWORD)
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (423, "account_locked"));
    assert!(
        security_kinds(&app)
            .await
            .iter()
            .any(|k| k == "auth.account_locked")
    );
    app.stop().await;
}

#[tokio::test]
async fn clerk_onboarding_and_activation() {
    let app = spawn_app().await;
    let api = app.api();
    let (_, clerk) = app.staff("clerk1", &["clerk"], Some("HQ")).await;
    let resp = api
        .send(
            &clerk,
            Method::POST,
            "/api/v1/customers",
            Some(&json!({"username": "ivan", "legal_name": "Ivan Petrov", "email": "ivan@example.com"})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let created: Value = resp.json().await.unwrap();
    let code = created["activation_code"].as_str().unwrap();
    assert_eq!(created["user"]["status"], "pending");

    // Pending users cannot log in; a wrong code is refused.
    let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    let (s, c) = problem(
        api.activate(&mut device, "ivan", "0000", TEST_PASSWORD, "phone")
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (401, "invalid_credentials"));
    api.activate(&mut device, "ivan", code, TEST_PASSWORD, "phone")
        .await
        .unwrap();
    // The code is single use.
    let mut again = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    assert!(
        api.activate(&mut again, "ivan", code, TEST_PASSWORD, "x")
            .await
            .is_err()
    );
    let s = api.login(&device, "ivan", TEST_PASSWORD).await.unwrap();
    assert_eq!(api.whoami(&s).await.unwrap().user.username, "ivan");

    // Clerks cannot create staff.
    let resp = api
        .send(
            &clerk,
            Method::POST,
            "/api/v1/users",
            Some(&json!({"username": "evil", "roles": ["admin"], "legal_name": "E", "email": "e@x.org"})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn bad_input_is_problem_json_and_writes_nothing() {
    let app = spawn_app().await;
    let api = app.api();
    let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    // Weak password.
    let (s, c) = problem(
        api.register(
            &mut device,
            "judy",
            "password1234",
            "Judy",
            "judy@example.com",
            "d",
        )
        .await
        .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (422, "invalid_request"));
    // Garbage CSR: nothing stored (the username stays free).
    let resp = app
        .client
        .post(app.url("/api/v1/auth/register"))
        .json(
            &json!({"username": "judy", "password": TEST_PASSWORD, "legal_name": "Judy",
                      "email": "judy@example.com", "device_name": "d", "csr_pem": "garbage"}),
        )
        .send()
        .await
        .unwrap();
    let (s, _) = problem_of(resp).await;
    assert_eq!(s, 422);
    assert!(
        app.bank
            .store()
            .get_user_by_username("judy")
            .await
            .unwrap()
            .is_none()
    );
    // Unknown fields and wrong types.
    let resp = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .json(&json!({"password": 5}))
        .send()
        .await
        .unwrap();
    let (s, _) = problem_of(resp).await;
    assert_eq!(s, 422);
    // Taken username.
    app.customer("kim").await;
    let mut d2 = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    let (s, c) = problem(
        api.register(&mut d2, "kim", TEST_PASSWORD, "Kim", "kim@example.com", "d")
            .await
            .unwrap_err(),
    );
    assert_eq!((s, c.as_str()), (409, "conflict"));
    app.stop().await;
}

#[tokio::test]
async fn no_plaintext_personal_data_or_secrets_in_the_database() {
    let app = spawn_app().await;
    let api = app.api();
    let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    let legal = "Zebulon Quixote-Marchetti";
    let email = "zebulon.quixote@example.org";
    api.register(&mut device, "zeb", TEST_PASSWORD, legal, email, "laptop")
        .await
        .unwrap();
    let session = api.login(&device, "zeb", TEST_PASSWORD).await.unwrap();
    let dump = app.db.dump_all_text().await.unwrap();
    // The dump is real: the username (not personal data) and the device certificate are there.
    assert!(dump.contains("zeb"), "dump misses the username");
    assert!(dump.len() > 1000, "dump too small: {}", dump.len());
    for needle in [
        legal,
        email,
        "zebulon",
        TEST_PASSWORD,
        session.token.as_str(),
        &hex::encode(session.key().expose()),
    ] {
        assert!(
            !dump.to_lowercase().contains(&needle.to_lowercase()),
            "found {needle:?} in the database"
        );
    }
    // The raw session key bytes appear nowhere either.
    let raw = app.db.dump_all_bytes().await.unwrap();
    assert!(
        !raw.windows(32).any(|w| w == session.key().expose()),
        "session key stored in clear"
    );
    // Device private key material is never sent, so cannot be stored; the PKCS#8 of the key
    // is not in the database.
    let pkcs8 = device.signing.to_pkcs8_der().unwrap();
    assert!(
        !raw.windows(32)
            .any(|w| w == &pkcs8.expose()[pkcs8.expose().len() - 32..])
    );
    app.stop().await;
}

#[tokio::test]
async fn security_events_are_pushed_live_to_auditors() {
    let app = spawn_app().await;
    let api = app.api();
    let (_, auditor) = app.staff("audrey", &["auditor"], None).await;
    let (device, customer) = app.customer("oscar").await;
    // Customers may not watch.
    let r = api
        .send(
            &customer,
            Method::GET,
            "/api/v1/security/events/stream",
            None,
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let mut stream = api
        .send(
            &auditor,
            Method::GET,
            "/api/v1/security/events/stream",
            None,
        )
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // A failed login now appears on the open stream.
    api.login(&device, "oscar", "definitely wrong password")
        .await
        .unwrap_err();
    let mut seen = String::new();
    let found = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("auth.invalid_credentials") {
                return true;
            }
        }
        false
    })
    .await
    .unwrap_or(false);
    assert!(found, "not pushed; got {seen:?}");
    assert!(seen.contains("event: security"));
    assert!(seen.contains("\nid: "));
    drop(stream);
    // The auditor acknowledges, then resolves the alert; unknown ids and statuses are refused.
    let events: Vec<Value> = api
        .send(&auditor, Method::GET, "/api/v1/security/events", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = events
        .iter()
        .find(|e| e["kind"] == "auth.invalid_credentials")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // Resolving needs a note saying why.
    for (status, note, want) in [
        ("acknowledged", None, 204),
        ("resolved", None, 422),
        ("resolved", Some("expected: test traffic"), 204),
        ("deleted", None, 422),
    ] {
        let r = api
            .send(
                &auditor,
                Method::POST,
                &format!("/api/v1/security/events/{id}/status"),
                Some(&json!({ "status": status, "note": note })),
            )
            .await
            .unwrap();
        assert_eq!(r.status(), want, "{status}");
    }
    let r = api
        .send(
            &auditor,
            Method::POST,
            "/api/v1/security/events/999999/status",
            Some(&json!({ "status": "resolved", "note": "no such alert" })),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    app.stop().await;
}

/// An open session follows changes to its user and to itself at once, also on another
/// instance of the bank that has already served (and remembered) the session: new roles apply
/// to the next request, a disabled user and a revoked session are refused.
#[tokio::test]
async fn open_sessions_follow_user_changes_on_every_instance() {
    let a = spawn_app().await;
    let b = a.another_instance().await;
    let (_, alice) = a.customer("alice").await;
    let admin = a.admin().await;
    let (on_a, on_b) = (a.api(), b.api());
    let roles = |me: pqbank_client::auth::WhoAmI| me.user.roles;
    // B serves alice twice: the second request uses what B remembers of the session.
    for _ in 0..2 {
        assert_eq!(roles(on_b.whoami(&alice).await.unwrap()), ["customer"]);
    }
    let alice_id = on_b.whoami(&alice).await.unwrap().user.id;
    assert_eq!(
        audit_entries_status(&on_b, &alice).await,
        403,
        "a customer reads no audit entries"
    );

    // No roles at all is refused (disabling is the tool for that); nothing changes.
    let resp = on_a
        .send(
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{alice_id}/roles"),
            Some(&json!({"roles": []})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let refusal: Value = resp.json().await.unwrap();
    assert_eq!(refusal["code"], "invalid_request", "{refusal}");
    assert_eq!(
        refusal["detail"],
        "roles: at least one role (disable the user to take every right away)"
    );
    assert_eq!(roles(on_b.whoami(&alice).await.unwrap()), ["customer"]);
    // The same rule (from the domain's RoleAssignment) holds when a user is created.
    let resp = on_a
        .send(
            &admin,
            Method::POST,
            "/api/v1/users",
            Some(
                &json!({"username": "nobody", "roles": [], "legal_name": "No Body",
                         "email": "nobody@example.com"}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 422);
    let refusal: Value = resp.json().await.unwrap();
    assert_eq!(refusal["code"], "invalid_request", "{refusal}");
    assert_eq!(refusal["detail"], "roles: at least one role");

    // New roles (on A) apply to alice's next request on B.
    let resp = on_a
        .send(
            &admin,
            Method::PUT,
            &format!("/api/v1/users/{alice_id}/roles"),
            Some(&json!({"roles": ["customer", "auditor"]})),
        )
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let mut now = roles(on_b.whoami(&alice).await.unwrap());
    now.sort();
    assert_eq!(now, ["auditor", "customer"]);
    // ... and so do the permissions that come with them.
    assert_eq!(
        audit_entries_status(&on_b, &alice).await,
        200,
        "an auditor reads audit entries"
    );

    // Disabled on A: refused on B at once; enabled again: served again.
    for (action, expect) in [
        ("disable", Some((403, "account_disabled"))),
        ("enable", None),
    ] {
        let resp = on_a
            .send(
                &admin,
                Method::POST,
                &format!("/api/v1/users/{alice_id}/{action}"),
                None,
            )
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{action}");
        match expect {
            Some(refusal) => {
                let (status, got) = problem(on_b.whoami(&alice).await.unwrap_err());
                assert_eq!((status, got.as_str()), refusal);
            }
            None => {
                on_b.whoami(&alice).await.unwrap();
            }
        }
    }

    // The session revoked (by an admin, on A): refused on B.
    let me = on_b.whoami(&alice).await.unwrap();
    let resp = on_a
        .send(
            &admin,
            Method::DELETE,
            &format!("/api/v1/users/{alice_id}/sessions/{}", me.session_id),
            None,
        )
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let (status, code) = problem(on_b.whoami(&alice).await.unwrap_err());
    assert_eq!((status, code.as_str()), (401, "session_invalid"));
    b.stop().await;
    a.stop().await;
}

async fn audit_entries_status(
    api: &pqbank_client::PqbankClient,
    session: &pqbank_client::auth::Session,
) -> u16 {
    api.send(
        session,
        Method::GET,
        "/api/v1/audit/entries?start=0&end=1",
        None,
    )
    .await
    .unwrap()
    .status()
    .as_u16()
}
