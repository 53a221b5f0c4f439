//! The CA through the running server: public CA and CRL endpoints, and revocation reaching a
//! second instance on the same PostgreSQL database within a second, and remembered (validated)
//! certificates re-checked on every use.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // the manual clock starts at the real time (the CA dates from it)

use std::time::Duration;

use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::{Cert, CertUsage, Crl, DeviceIdentity, RevocationReason, build_csr};
use pqbank_server::testkit::{TestOptions, spawn_app, spawn_app_with};
use pqbank_service::ServiceError;
use rand::SeedableRng;
use serde_json::Value;

#[tokio::test]
async fn fresh_server_publishes_ca_and_crl() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/pki/ca.pem")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/pem-certificate-chain"
    );
    let pem = r.text().await.unwrap();
    let blocks: Vec<_> = x509_parser::pem::Pem::iter_from_buffer(pem.as_bytes())
        .map(|p| p.unwrap())
        .collect();
    assert_eq!(blocks.len(), 2, "issuing CA then root");
    let issuing = blocks[0].parse_x509().unwrap();
    let root = blocks[1].parse_x509().unwrap();
    assert!(issuing.is_ca() && root.is_ca());
    assert_eq!(issuing.issuer(), root.subject());
    assert_eq!(
        issuing.signature_algorithm.algorithm.to_id_string(),
        "1.3.6.1.5.5.7.6.48"
    );

    let r = app
        .client
        .get(app.url("/pki/crl.der"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pkix-crl");
    let der = r.bytes().await.unwrap();
    let (_, parsed) = x509_parser::parse_x509_crl(&der).unwrap();
    assert_eq!(parsed.issuer(), issuing.subject());
    assert!(parsed.next_update().is_some());
    assert!(parsed.crl_number().is_some());
    let issuing_cert = Cert::from_der(&blocks[0].contents).unwrap();
    Crl::from_der(&der)
        .unwrap()
        .verify_issued_by(&issuing_cert)
        .unwrap();

    let r = app
        .client
        .get(app.url("/pki/crl.pem"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("-----BEGIN X509 CRL-----"));

    let info: Value = app
        .client
        .get(app.url("/api/v1/pki/ca"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["root"]["algorithm"], "mldsa65-ed25519");
    assert_eq!(info["issuing_cas"], 1);
    assert!(info["issuing"]["serial"].is_string());

    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/pki/ca.pem",
        "/pki/crl.der",
        "/pki/crl.pem",
        "/api/v1/pki/ca",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    app.stop().await;
}

#[tokio::test]
async fn revocation_reaches_another_instance_within_a_second() {
    if !pqbank_store::testing::postgres_requested() {
        eprintln!(
            "PQBANK_TEST_DATABASE_URL unset: cross-instance revocation needs a shared PostgreSQL"
        );
        return;
    }
    let a = spawn_app().await;
    let b = a.another_instance().await;
    let mut rng = rand::rngs::StdRng::from_seed([9; 32]);
    let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng).unwrap();
    let csr = build_csr(&key, "CN=phone", &mut rng).unwrap();
    let issued = a
        .bank
        .issue_device_signature_cert("alice", "phone-1", csr.der())
        .await
        .unwrap();
    let id = DeviceIdentity::new("alice", "phone-1").unwrap();
    // Both instances have validated (and remembered) the certificate before it is revoked.
    for app in [&a, &b] {
        app.bank
            .validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, &id)
            .unwrap();
    }

    a.bank
        .revoke_certificate(&issued.serial, RevocationReason::KeyCompromise)
        .await
        .unwrap();
    // Effective at once on A.
    assert!(
        a.bank
            .validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, &id)
            .is_err()
    );
    // Within a second on B.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        match b
            .bank
            .validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, &id)
        {
            Err(ServiceError::Certificate(pqbank_pki::PkiError::Revoked { .. })) => break,
            other => {
                assert!(
                    tokio::time::Instant::now() < deadline,
                    "B still accepts the revoked certificate after 1 s: {other:?}"
                );
                tokio::task::yield_now().await;
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
    b.stop().await;
    a.stop().await;
}

/// A validated certificate is remembered, but what can change is checked on every use:
/// revocation, the time against its validity, and the identity it is bound to.
#[tokio::test]
async fn remembered_certificates_are_rechecked_on_every_use() {
    let clock = std::sync::Arc::new(pqbank_service::clock::ManualClock::new(
        time::OffsetDateTime::now_utc(),
    ));
    let app = spawn_app_with(TestOptions {
        clock: Some(clock.clone()),
        ..TestOptions::default()
    })
    .await;
    let mut rng = rand::rngs::StdRng::from_seed([7; 32]);
    let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng).unwrap();
    let csr = build_csr(&key, "CN=phone", &mut rng).unwrap();
    let device = "phone-1";
    let issued = app
        .bank
        .issue_device_signature_cert("alice", device, csr.der())
        .await
        .unwrap();
    let id = DeviceIdentity::new("alice", device).unwrap();
    let validate = |id: &DeviceIdentity| {
        app.bank
            .validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, id)
    };
    let first = validate(&id).unwrap();
    assert_eq!(validate(&id).unwrap().serial, first.serial, "remembered");
    // Bound to another device or user: refused, remembered or not.
    let other = DeviceIdentity::new("alice", "phone-2").unwrap();
    assert!(matches!(
        validate(&other),
        Err(ServiceError::Certificate(
            pqbank_pki::PkiError::IdentityMismatch(_)
        ))
    ));
    assert!(validate(&id).is_ok());
    // Past its validity: refused although it verified before.
    let not_after = first.not_after;
    clock.set(not_after + time::Duration::seconds(1));
    assert!(matches!(
        validate(&id),
        Err(ServiceError::Certificate(pqbank_pki::PkiError::Expired))
    ));
    clock.set(not_after - time::Duration::days(1));
    assert!(validate(&id).is_ok());
    // Revoked: refused at once.
    app.bank
        .revoke_certificate(&issued.serial, RevocationReason::KeyCompromise)
        .await
        .unwrap();
    assert!(matches!(
        validate(&id),
        Err(ServiceError::Certificate(
            pqbank_pki::PkiError::Revoked { .. }
        ))
    ));
    app.stop().await;
}
