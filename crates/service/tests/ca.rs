//! The certificate authority at the service level (SQLite, or PostgreSQL with
//! PQBANK_TEST_DATABASE_URL): issuance from CSRs and KEM requests, validation, revocation, CRL,
//! rotation, and CA keys encrypted at rest.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pqbank_crypto::KeyRing;
use pqbank_crypto::kem::{DecapsulationKey, KemAlgorithm};
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::{
    Cert, CertUsage, DeviceIdentity, KemCertRequest, PkiError, RevocationReason, build_csr,
};
use pqbank_service::ca::CaConfig;
use pqbank_service::clock::ManualClock;
use pqbank_service::entropy::SeededEntropy;
use pqbank_service::{Bank, ServiceError};
use pqbank_store::testing::{TestDatabase, fresh_database};
use pqbank_store::{ConnectOptions, connect};
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::macros::datetime;

struct Setup {
    _db: TestDatabase,
    bank: Bank,
    ring: Arc<KeyRing>,
    rng: StdRng,
}

async fn setup(seed: u8) -> Setup {
    let db = fresh_database().await.unwrap();
    let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 12:00 UTC)));
    let mut rng = StdRng::from_seed([seed; 32]);
    let ring = Arc::new(KeyRing::generate(KemAlgorithm::XWing, &mut rng).unwrap());
    let config = CaConfig::new(
        SignatureAlgorithm::MlDsa65Ed25519,
        "Test Bank",
        "https://bank.test/pki/crl.der",
    )
    .unwrap();
    let bank = Bank::new(store, clock, Arc::new(SeededEntropy::new(&[seed])))
        .with_ca(ring.clone(), config);
    let (_, created) = bank.ensure_ca().await.unwrap();
    assert!(created);
    Setup {
        _db: db,
        bank,
        ring,
        rng,
    }
}

fn device_csr(rng: &mut StdRng) -> (SigningKey, Vec<u8>) {
    let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, rng).unwrap();
    let csr = build_csr(&key, "CN=phone", rng).unwrap();
    (key, csr.der().to_vec())
}

fn alice() -> DeviceIdentity {
    DeviceIdentity::new("alice", "phone-1").unwrap()
}

fn issuing_cert(bank: &Bank) -> Cert {
    let pem = bank.ca_chain_pem().unwrap();
    let end = pem.find("-----END CERTIFICATE-----").unwrap() + 25;
    Cert::from_pem(&pem[..end]).unwrap()
}

#[tokio::test]
async fn issue_validate_revoke_and_crl() {
    let mut s = setup(1).await;
    let (_, csr) = device_csr(&mut s.rng);
    let issued = s
        .bank
        .issue_device_signature_cert("alice", "phone-1", &csr)
        .await
        .unwrap();
    let v = s
        .bank
        .validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, &alice())
        .unwrap();
    assert_eq!(v.serial.to_hex(), issued.serial);
    let listed = s.bank.list_certificates("alice", 10).await.unwrap();
    assert_eq!(listed.len(), 1);

    let crl1 = s.bank.current_crl().await.unwrap();
    let n1 = crl1.number().unwrap().unwrap();
    assert!(crl1.entries().unwrap().is_empty());

    s.bank
        .revoke_certificate(&issued.serial, RevocationReason::KeyCompromise)
        .await
        .unwrap();
    let err = s
        .bank
        .validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, &alice())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ServiceError::Certificate(PkiError::Revoked {
                reason: RevocationReason::KeyCompromise
            })
        ),
        "{err:?}"
    );
    let crl2 = s.bank.current_crl().await.unwrap();
    assert!(crl2.number().unwrap().unwrap() > n1);
    crl2.verify_issued_by(&issuing_cert(&s.bank)).unwrap();
    let entries = crl2.entries().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].serial.to_hex(), issued.serial);
    assert_eq!(entries[0].reason, RevocationReason::KeyCompromise);

    assert!(matches!(
        s.bank
            .revoke_certificate(&issued.serial, RevocationReason::Unspecified)
            .await,
        Err(ServiceError::Conflict(_))
    ));
    assert!(matches!(
        s.bank
            .revoke_certificate("4abc", RevocationReason::Unspecified)
            .await,
        Err(ServiceError::NotFound)
    ));
    // Renewal of a revoked certificate is refused.
    assert!(
        s.bank
            .renew_device_cert(&issued.serial, None)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn bad_csrs_are_refused_and_nothing_is_stored() {
    let mut s = setup(2).await;
    let (_, csr) = device_csr(&mut s.rng);
    let mut flipped = csr.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let composite_oid = [0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x06, 0x30];
    let mut unknown_alg = csr.clone();
    let mut i = 0;
    while i + composite_oid.len() <= unknown_alg.len() {
        if unknown_alg[i..i + composite_oid.len()] == composite_oid {
            unknown_alg[i + composite_oid.len() - 1] = 0x7f;
        }
        i += 1;
    }
    let cases: [(&str, Vec<u8>); 4] = [
        ("wrong proof of possession", flipped),
        ("unsupported algorithm", unknown_alg),
        ("garbage", b"not a CSR at all".to_vec()),
        ("oversize", vec![0x30; 70 * 1024]),
    ];
    for (what, input) in cases {
        let err = s
            .bank
            .issue_device_signature_cert("alice", "phone-1", &input)
            .await
            .unwrap_err();
        let ServiceError::Certificate(pki) = &err else {
            panic!("{what}: {err:?}");
        };
        match what {
            "wrong proof of possession" => {
                assert_eq!(pki, &PkiError::BadProofOfPossession, "{what}");
            }
            "unsupported algorithm" => {
                assert!(
                    matches!(pki, PkiError::UnsupportedAlgorithm(_)),
                    "{what}: {pki:?}"
                );
            }
            "oversize" => assert!(matches!(pki, PkiError::TooLarge(_)), "{what}: {pki:?}"),
            _ => assert!(matches!(pki, PkiError::Malformed(_)), "{what}: {pki:?}"),
        }
    }
    // Bad identities too.
    assert!(
        s.bank
            .issue_device_signature_cert("", "phone-1", &csr)
            .await
            .is_err()
    );
    assert!(
        s.bank
            .list_certificates("alice", 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn kem_certificate_and_renewal() {
    let mut s = setup(3).await;
    let (key, csr) = device_csr(&mut s.rng);
    let sig = s
        .bank
        .issue_device_signature_cert("alice", "phone-1", &csr)
        .await
        .unwrap();
    let dk = DecapsulationKey::generate(KemAlgorithm::XWing, &mut s.rng).unwrap();
    let request = KemCertRequest::new(
        &dk.encapsulation_key(),
        alice(),
        [7; 32],
        datetime!(2026-11-29 11:59 UTC),
    )
    .unwrap()
    .sign(&key, &mut s.rng)
    .unwrap();
    let kem = s
        .bank
        .issue_device_kem_cert(&request.to_bytes().unwrap(), sig.cert.der())
        .await
        .unwrap();
    let v = s
        .bank
        .validate_device_cert(kem.cert.der(), CertUsage::DeviceKem, &alice())
        .unwrap();
    assert!(v.public_key.as_kem().is_some());

    let renewed = s.bank.renew_device_cert(&sig.serial, None).await.unwrap();
    assert_ne!(renewed.serial, sig.serial);
    s.bank
        .validate_device_cert(renewed.cert.der(), CertUsage::DeviceSignature, &alice())
        .unwrap();
    let list = s.bank.list_certificates("alice", 10).await.unwrap();
    let old = list.iter().find(|c| c.serial == sig.serial).unwrap();
    assert_eq!(old.superseded_by.as_deref(), Some(renewed.serial.as_str()));
}

#[tokio::test]
async fn rotation_keeps_old_certificates_valid() {
    let mut s = setup(4).await;
    let (_, csr) = device_csr(&mut s.rng);
    let old = s
        .bank
        .issue_device_signature_cert("alice", "phone-1", &csr)
        .await
        .unwrap();
    let before = s.bank.ca_summary().unwrap();
    let after = s.bank.rotate_issuing_ca().await.unwrap();
    assert_ne!(before.issuing.serial, after.issuing.serial);
    assert_eq!(before.root, after.root);
    assert_eq!(after.issuing_count, 2);
    let (_, csr) = device_csr(&mut s.rng);
    let new = s
        .bank
        .issue_device_signature_cert("alice", "phone-1", &csr)
        .await
        .unwrap();
    assert_eq!(new.cert.issuer(), after.issuing.subject);
    for cert in [&old, &new] {
        s.bank
            .validate_device_cert(cert.cert.der(), CertUsage::DeviceSignature, &alice())
            .unwrap();
    }
    // A second bank on the same database (a restart) sees both issuing CAs.
    let (summary, created) = s.bank.ensure_ca().await.unwrap();
    assert!(!created);
    assert_eq!(summary.issuing, after.issuing);
    // Revoking the old certificate still works after rotation.
    s.bank
        .revoke_certificate(&old.serial, RevocationReason::Superseded)
        .await
        .unwrap();
    assert!(
        s.bank
            .validate_device_cert(old.cert.der(), CertUsage::DeviceSignature, &alice())
            .is_err()
    );
    s.bank
        .validate_device_cert(new.cert.der(), CertUsage::DeviceSignature, &alice())
        .unwrap();
}

#[tokio::test]
async fn ca_private_keys_are_encrypted_at_rest() {
    let s = setup(5).await;
    let rows = s.bank.store().list_cas().await.unwrap();
    assert_eq!(rows.len(), 2);
    for row in rows {
        let record = pqbank_crypto::EncryptedRecord::from_bytes(&row.key_encrypted).unwrap();
        let aad = format!("pqbank:ca_keys:{}", row.id);
        let raw = s.ring.decrypt(aad.as_bytes(), &record).unwrap();
        let alg = SignatureAlgorithm::from_id(&row.algorithm).unwrap();
        let key = SigningKey::from_raw(alg, raw.expose()).unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        // The certified key is this key...
        let cert = Cert::from_der(&row.cert_der).unwrap();
        assert_eq!(cert.verifying_key().unwrap(), key.public_key());
        // ...and neither its seed form nor its PKCS#8 form appears in any stored column.
        let mut stored = row.key_encrypted.clone();
        stored.extend_from_slice(&row.cert_der);
        for secret in [raw.expose(), &raw.expose()[..32], pkcs8.expose()] {
            assert!(
                !stored.windows(secret.len()).any(|w| w == secret),
                "plaintext key material stored for {}",
                row.id
            );
        }
    }
}

/// Instances starting at once on one database (each with its own connection pool, entropy and
/// the shared key ring) end up with one CA: one creates it, the others load it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_first_starts_create_one_ca() {
    let db = fresh_database().await.unwrap();
    let mut rng = StdRng::from_seed([77; 32]);
    let ring = Arc::new(KeyRing::generate(KemAlgorithm::XWing, &mut rng).unwrap());
    let config = CaConfig::new(
        SignatureAlgorithm::MlDsa65Ed25519,
        "Test Bank",
        "https://bank.test/pki/crl.der",
    )
    .unwrap();
    let mut banks = Vec::new();
    for seed in 0..3u8 {
        let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
        let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 12:00 UTC)));
        banks.push(
            Bank::new(store, clock, Arc::new(SeededEntropy::new(&[100 + seed])))
                .with_ca(ring.clone(), config.clone()),
        );
    }
    let tasks: Vec<_> = banks
        .iter()
        .cloned()
        .map(|bank| tokio::spawn(async move { bank.ensure_ca().await.unwrap() }))
        .collect();
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|(_, created)| *created).count(),
        1,
        "exactly one instance creates the CA"
    );
    let first = &results[0].0;
    for (summary, _) in &results {
        assert_eq!(summary.root.id, first.root.id);
        assert_eq!(summary.issuing.id, first.issuing.id);
    }
    let cas = banks[0].store().list_cas().await.unwrap();
    assert_eq!(cas.len(), 2, "one root and one issuing CA: {cas:?}");
    // Every instance issues under the same CA, and the others validate what it issued.
    let (_, csr) = device_csr(&mut rng);
    let issued = banks[1]
        .issue_device_signature_cert("alice", "phone-1", &csr)
        .await
        .unwrap();
    for bank in &banks {
        bank.validate_device_cert(issued.cert.der(), CertUsage::DeviceSignature, &alice())
            .unwrap();
    }
    for bank in banks {
        bank.store().close().await;
    }
}
