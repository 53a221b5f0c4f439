//! Certificate lifecycle through the API: request (signature key by CSR, KEM key by a request
//! signed with the device key), list, read as JSON and PEM, renew, revoke; bad CSRs are refused
//! with problem+json and nothing is issued; other users' certificates answer 404.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code
#![allow(clippy::disallowed_methods)] // the device's KEM request carries the real time

use base64::Engine;
use pqbank_client::auth::{DeviceKeys, os_rng};
use pqbank_crypto::{DecapsulationKey, KemAlgorithm, SignatureAlgorithm};
use pqbank_pki::{Cert, DeviceIdentity, KemCertRequest};
use pqbank_server::testkit::{TEST_PASSWORD, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn count(app: &pqbank_server::testkit::TestApp, user: &str) -> usize {
    app.bank
        .store()
        .list_certificates(user, 1000)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn certificate_lifecycle() {
    let app = spawn_app().await;
    let api = app.api();
    let (device, s) = app.customer("alice").await;
    let (_, other) = app.customer("mallory").await;
    let serial = device.cert_serial.clone().unwrap();
    let device_id = device.device_id.clone().unwrap();

    // List and read (JSON and PEM).
    let list: Vec<Value> = api
        .send(&s, Method::GET, "/api/v1/certificates", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["serial"], serial.as_str());
    let one: Value = api
        .send(
            &s,
            Method::GET,
            &format!("/api/v1/certificates/{serial}"),
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let cert = Cert::from_pem(one["pem"].as_str().unwrap()).unwrap();
    let uris = cert.san_uris().unwrap();
    assert!(
        uris.contains(&format!("urn:pqbank:user:{}", s.user_id)),
        "{uris:?}"
    );
    let resp = app
        .client
        .get(app.url(&format!("/api/v1/certificates/{serial}")))
        .bearer_auth(&s.token)
        .header("accept", "application/pem-certificate-chain")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.text()
            .await
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    // Someone else's certificate: 404 like a missing one, for reading and revoking.
    for (m, p, b) in [
        (Method::GET, format!("/api/v1/certificates/{serial}"), None),
        (
            Method::POST,
            format!("/api/v1/certificates/{serial}/revoke"),
            Some(json!({"reason": 1})),
        ),
        (
            Method::GET,
            format!("/api/v1/certificates?user_id={}", s.user_id),
            None,
        ),
    ] {
        let r = api.send(&other, m.clone(), &p, b.as_ref()).await.unwrap();
        assert_eq!(r.status(), 404, "{m} {p}");
    }

    // A new signature key for the device; the CSR's subject asks for another identity, but
    // the server decides: the certificate names alice and her device.
    let new_key = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
    let csr = pqbank_pki::build_csr(
        &new_key.signing,
        &format!("CN={}", other.user_id),
        &mut os_rng().unwrap(),
    )
    .unwrap()
    .to_pem()
    .unwrap();
    let r = api
        .send(
            &s,
            Method::POST,
            "/api/v1/certificates",
            Some(&json!({"kind": "signature", "device_id": device_id, "csr_pem": csr})),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let issued: Value = r.json().await.unwrap();
    let c = Cert::from_pem(issued["pem"].as_str().unwrap()).unwrap();
    let uris = c.san_uris().unwrap();
    assert!(uris.contains(&format!("urn:pqbank:user:{}", s.user_id)));
    assert!(!uris.iter().any(|u| u.contains(&other.user_id)));

    // Bad CSRs: garbage, wrong proof of possession, unsupported (classical-only) algorithm,
    // too large, another user's device. Each is a 4xx problem and issues nothing.
    let before = count(&app, &s.user_id).await;
    let der = pem_body(&csr);
    let mut tampered = der.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let tampered = to_pem("CERTIFICATE REQUEST", &tampered);
    // A classical-only (ECDSA P-256) CSR, made with another tool (rcgen).
    let ecdsa = rcgen::KeyPair::generate().unwrap();
    let classical_csr = rcgen::CertificateParams::new(vec!["device".to_owned()])
        .unwrap()
        .serialize_request(&ecdsa)
        .unwrap()
        .pem()
        .unwrap();
    let other_devices: Vec<Value> = api
        .send(
            &other,
            Method::GET,
            &format!("/api/v1/users/{}/devices", other.user_id),
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let other_device = other_devices[0]["id"].as_str().unwrap().to_owned();
    for (body, want) in [
        (
            json!({"kind": "signature", "device_id": device_id, "csr_pem": "garbage"}),
            422,
        ),
        (
            json!({"kind": "signature", "device_id": device_id, "csr_pem": tampered}),
            422,
        ),
        (
            json!({"kind": "signature", "device_id": device_id, "csr_pem": classical_csr}),
            422,
        ),
        (
            json!({"kind": "signature", "device_id": device_id, "csr_pem": "A".repeat(2_000_000)}),
            413,
        ),
        (
            json!({"kind": "signature", "device_id": other_device, "csr_pem": csr}),
            404,
        ),
        (json!({"kind": "nonsense"}), 422),
    ] {
        let r = api
            .send(&s, Method::POST, "/api/v1/certificates", Some(&body))
            .await
            .unwrap();
        let status = r.status().as_u16();
        assert_eq!(status, want, "{}", r.text().await.unwrap());
    }
    assert_eq!(count(&app, &s.user_id).await, before, "nothing issued");

    // A KEM certificate: the request is signed by the session's device key.
    let kem = DecapsulationKey::generate(KemAlgorithm::XWing, &mut os_rng().unwrap()).unwrap();
    let request = KemCertRequest::new(
        &kem.encapsulation_key(),
        DeviceIdentity::new(&s.user_id, &device_id).unwrap(),
        [7; pqbank_pki::KEM_REQUEST_NONCE_LEN],
        time::OffsetDateTime::now_utc(),
    )
    .unwrap()
    .sign(&device.signing, &mut os_rng().unwrap())
    .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(request.to_bytes().unwrap());
    let r = api
        .send(
            &s,
            Method::POST,
            "/api/v1/certificates",
            Some(&json!({"kind": "kem", "signed_request": b64})),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // Renew the login certificate (same key): the old one is superseded.
    let r = api
        .send(
            &s,
            Method::POST,
            &format!("/api/v1/certificates/{serial}/renew"),
            Some(&json!({})),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let renewed: Value = r.json().await.unwrap();
    let old: Value = api
        .send(
            &s,
            Method::GET,
            &format!("/api/v1/certificates/{serial}"),
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(old["superseded_by"], renewed["serial"]);

    // Revoke the renewed one (keyCompromise); a second revoke conflicts; an unknown reason is
    // refused.
    let new_serial = renewed["serial"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/certificates/{new_serial}/revoke");
    let r = api
        .send(&s, Method::POST, &path, Some(&json!({"reason": 99})))
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api
        .send(&s, Method::POST, &path, Some(&json!({"reason": 1})))
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let r = api
        .send(&s, Method::POST, &path, Some(&json!({"reason": 1})))
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    // The CRL lists it.
    let crl = app.bank.current_crl().await.unwrap();
    let text = pqbank_pki::inspect_crl(&crl);
    assert!(text.to_lowercase().contains(&new_serial), "{text}");

    // An admin revokes any certificate; the device then cannot log in with it.
    let admin = app.admin().await;
    // Admins list everyone's certificates with filters; customers may not.
    let all: Vec<Value> = api
        .send(
            &admin,
            Method::GET,
            "/api/v1/certificates?all=true&status=revoked",
            None,
        )
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(all.iter().any(|c| c["serial"] == new_serial.as_str()));
    assert!(all.iter().all(|c| c["status"] == "revoked"));
    let r = api
        .send(&s, Method::GET, "/api/v1/certificates?all=true", None)
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = api
        .send(
            &admin,
            Method::POST,
            &format!("/api/v1/certificates/{serial}/revoke"),
            Some(&json!({"reason": 5})),
        )
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let err = api
        .login(&device, "alice", TEST_PASSWORD)
        .await
        .unwrap_err();
    assert!(format!("{err}").contains("device_revoked"), "{err}");
    app.stop().await;
}

fn pem_body(pem: &str) -> Vec<u8> {
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .unwrap()
}

fn to_pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}
