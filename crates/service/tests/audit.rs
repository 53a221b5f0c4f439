//! The audit log service on SQLite (or PostgreSQL with PQBANK_TEST_DATABASE_URL): the audit key
//! and its certificate, checkpoints (signature, policy), proofs, the self-check catching
//! tampering in the database, and the export.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use pqbank_audit::{
    Actor, AuditEvent, Outcome, Resource, Timestamp, Token, Verifier, actions, open_checkpoint,
    verify_consistency, verify_inclusion,
};
use pqbank_crypto::KeyRing;
use pqbank_crypto::kem::KemAlgorithm;
use pqbank_crypto::sig::SignatureAlgorithm;
use pqbank_pki::{
    CaChain, Cert, CertUsage, DeviceIdentity, validate_audit_signer, validate_end_entity,
};
use pqbank_service::audit::{AuditConfig, CheckpointKey};
use pqbank_service::ca::CaConfig;
use pqbank_service::clock::ManualClock;
use pqbank_service::entropy::SeededEntropy;
use pqbank_service::{Bank, ServiceError};
use pqbank_store::testing::{TestDatabase, fresh_database, postgres_requested};
use pqbank_store::{ConnectOptions, DatabaseUrl, connect};
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::macros::datetime;

const ORIGIN: &str = "bank.test/audit";

struct Setup {
    db: TestDatabase,
    bank: Bank,
    ring: Arc<KeyRing>,
    clock: Arc<ManualClock>,
}

fn ca_config() -> CaConfig {
    CaConfig::new(
        SignatureAlgorithm::MlDsa65Ed25519,
        "Test Bank",
        "https://bank.test/pki/crl.der",
    )
    .unwrap()
}

fn audit_config() -> AuditConfig {
    let mut c = AuditConfig::new(ORIGIN).unwrap();
    c.checkpoint_every = 10;
    c.checkpoint_interval = time::Duration::seconds(30);
    c
}

async fn setup(seed: u8) -> Setup {
    let db = fresh_database().await.unwrap();
    let store = connect(&db.url, &ConnectOptions::default()).await.unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 12:00 UTC)));
    let mut rng = StdRng::from_seed([seed; 32]);
    let ring = Arc::new(KeyRing::generate(KemAlgorithm::XWing, &mut rng).unwrap());
    let bank = Bank::new(store, clock.clone(), Arc::new(SeededEntropy::new(&[seed])))
        .with_ca(ring.clone(), ca_config())
        .with_audit(audit_config());
    bank.ensure_ca().await.unwrap();
    Setup {
        db,
        bank,
        ring,
        clock,
    }
}

fn event(n: u64) -> AuditEvent {
    AuditEvent::new(
        0,
        Timestamp::from_unix_micros(1_796_000_000_000_000 + i64::try_from(n).unwrap()).unwrap(),
        Actor {
            user_id: Some(Token::new(format!("user-{}", n % 4)).unwrap()),
            roles: vec![Token::new("clerk").unwrap()],
            device_cert_serial: None,
        },
        actions::SETTING_CHANGE,
        Resource {
            kind: Token::new("setting").unwrap(),
            id: Token::new(format!("s-{n}")).unwrap(),
        },
        Outcome::Success,
    )
}

async fn record(bank: &Bank, range: std::ops::Range<u64>) {
    for n in range {
        assert_eq!(bank.record(event(n)).await.unwrap(), n);
    }
}

fn chain(bank: &Bank) -> CaChain {
    let pem = bank.ca_chain_pem().unwrap();
    let split = pem.find("-----END CERTIFICATE-----").unwrap() + 25;
    CaChain::new(
        Cert::from_pem(pem[..split].trim()).unwrap(),
        Cert::from_pem(pem[split..].trim()).unwrap(),
    )
    .unwrap()
}

/// Runs raw SQL against the test database (to play the attacker).
async fn tamper(db: &TestDatabase, sql: &str) {
    use sqlx::Connection;
    match &db.url {
        DatabaseUrl::Sqlite(_) => {
            let mut c = sqlx::SqliteConnection::connect(&db.url_string)
                .await
                .unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
        DatabaseUrl::Postgres(_) => {
            let mut c = sqlx::PgConnection::connect(&db.url_string).await.unwrap();
            sqlx::query(sql).execute(&mut c).await.unwrap();
        }
    }
}

#[tokio::test]
async fn checkpoint_signature_verifies_with_the_audit_certificate() {
    let s = setup(1).await;
    record(&s.bank, 0..5).await;
    let cp = s.bank.create_checkpoint().await.unwrap();
    assert_eq!(cp.size, 5);
    assert!(cp.note.starts_with("bank.test/audit\n5\n"));
    assert!(cp.note.contains("\ntime 2026-11-29T12:00:00.000000Z\n"));

    let cert = Cert::from_pem(s.bank.audit_cert_pem().await.unwrap().trim()).unwrap();
    let now = datetime!(2026-11-29 12:00 UTC);
    let key = validate_audit_signer(cert.der(), &chain(&s.bank), now).unwrap();
    assert_eq!(key.algorithm(), SignatureAlgorithm::MlDsa65Ed25519);
    let opened = open_checkpoint(&cp.note, &CheckpointKey::new(ORIGIN, key.clone())).unwrap();
    assert_eq!(opened.size(), 5);
    assert_eq!(
        *opened.root(),
        pqbank_store::audit_root(s.bank.store().as_ref(), 5)
            .await
            .unwrap()
    );
    // The signature does not verify under another origin's key name or with a flipped byte.
    assert!(open_checkpoint(&cp.note, &CheckpointKey::new("other/audit", key.clone())).is_err());
    let tampered = cp.note.replacen("\n5\n", "\n4\n", 1);
    assert!(open_checkpoint(&tampered, &CheckpointKey::new(ORIGIN, key)).is_err());
    // The audit certificate cannot authenticate a client (no clientAuth, no device SAN).
    let as_device = validate_end_entity(
        cert.der(),
        &chain(&s.bank),
        pqbank_pki::Revocation::Set(&pqbank_pki::RevocationSet::new()),
        now,
        CertUsage::DeviceSignature,
        &DeviceIdentity::new("alice", "phone").unwrap(),
    );
    assert!(as_device.is_err());
    // Nothing new: the same checkpoint comes back.
    assert_eq!(s.bank.create_checkpoint().await.unwrap(), cp);
}

#[tokio::test]
async fn audit_key_is_encrypted_and_reloaded() {
    let s = setup(2).await;
    let pem = s.bank.audit_cert_pem().await.unwrap();
    let keys = s.bank.store().list_audit_keys().await.unwrap();
    assert_eq!(keys.len(), 1);
    let raw_len = 32 + 32; // ML-DSA seed + Ed25519 seed
    assert!(keys[0].key_encrypted.len() > raw_len);
    // A second bank on the same database and key ring loads the same key.
    let store = connect(&s.db.url, &ConnectOptions::default())
        .await
        .unwrap();
    let again = Bank::new(
        store.clone(),
        s.clock.clone(),
        Arc::new(SeededEntropy::new(b"x")),
    )
    .with_ca(s.ring.clone(), ca_config())
    .with_audit(audit_config());
    again.ensure_ca().await.unwrap();
    assert_eq!(again.audit_cert_pem().await.unwrap(), pem);
    assert_eq!(store.list_audit_keys().await.unwrap().len(), 1);
    // With another key ring the key cannot be decrypted.
    let other_ring =
        Arc::new(KeyRing::generate(KemAlgorithm::XWing, &mut StdRng::from_seed([9; 32])).unwrap());
    let wrong = Bank::new(store, s.clock.clone(), Arc::new(SeededEntropy::new(b"y")))
        .with_ca(other_ring, ca_config())
        .with_audit(audit_config());
    assert!(matches!(
        wrong.ensure_audit_key().await,
        Err(ServiceError::Internal(_))
    ));
}

#[tokio::test]
async fn checkpoints_every_n_events_or_t_seconds() {
    let s = setup(3).await;
    // Empty log, no checkpoint yet: the first one is due at once.
    assert_eq!(s.bank.checkpoint_if_due().await.unwrap().unwrap().size, 0);
    assert!(s.bank.checkpoint_if_due().await.unwrap().is_none());
    record(&s.bank, 0..9).await;
    assert!(
        s.bank.checkpoint_if_due().await.unwrap().is_none(),
        "9 < 10 events, 0 s"
    );
    record(&s.bank, 9..10).await;
    assert_eq!(s.bank.checkpoint_if_due().await.unwrap().unwrap().size, 10);
    record(&s.bank, 10..12).await;
    s.clock.advance(time::Duration::seconds(29));
    assert!(s.bank.checkpoint_if_due().await.unwrap().is_none());
    s.clock.advance(time::Duration::seconds(1));
    assert_eq!(s.bank.checkpoint_if_due().await.unwrap().unwrap().size, 12);
    // No growth: nothing to sign however long we wait.
    s.clock.advance(time::Duration::hours(1));
    assert!(s.bank.checkpoint_if_due().await.unwrap().is_none());
    let all = s.bank.store().list_checkpoints(None, 100).await.unwrap();
    assert_eq!(all.iter().map(|c| c.size).collect::<Vec<_>>(), [0, 10, 12]);
}

#[tokio::test]
async fn background_loop_signs_and_stops_on_shutdown() {
    let s = setup(4).await;
    record(&s.bank, 0..3).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bank = s.bank.clone();
    let task = tokio::spawn(async move {
        bank.run_audit_checkpoints(async {
            let _ = stopped.await;
        })
        .await;
    });
    let mut waited = 0;
    while s.bank.latest_checkpoint().await.unwrap().is_none() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        waited += 1;
        assert!(waited < 200, "no checkpoint from the background loop");
    }
    stop.send(()).unwrap();
    tokio::time::timeout(std::time::Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.bank.latest_checkpoint().await.unwrap().unwrap().size, 3);
    assert!(s.bank.last_self_check().unwrap().ok);
}

#[tokio::test]
async fn proofs_verify_against_checkpoints() {
    let s = setup(5).await;
    record(&s.bank, 0..7).await;
    let old = s.bank.create_checkpoint().await.unwrap();
    record(&s.bank, 7..30).await;
    let new = s.bank.create_checkpoint().await.unwrap();
    let key = s.bank.audit_checkpoint_key().await.unwrap();
    let old_cp = open_checkpoint(&old.note, &key).unwrap();
    let new_cp = open_checkpoint(&new.note, &key).unwrap();
    for index in [0, 6, 7, 29] {
        let p = s.bank.inclusion_proof(index, 30).await.unwrap();
        verify_inclusion(&p.leaf_hash, index, 30, &p.hashes, new_cp.root()).unwrap();
        let entry = &s.bank.audit_entries(index, index + 1).await.unwrap()[0];
        assert_eq!(p.leaf_hash, pqbank_audit::leaf_hash(&entry.leaf));
    }
    let proof = s.bank.consistency_proof(7, 30).await.unwrap();
    verify_consistency(7, 30, old_cp.root(), new_cp.root(), &proof).unwrap();
    assert!(matches!(
        s.bank.inclusion_proof(30, 30).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        s.bank.consistency_proof(31, 30).await,
        Err(ServiceError::Invalid(_))
    ));
    assert!(matches!(
        s.bank.audit_entries(0, 1001).await,
        Err(ServiceError::Invalid(_))
    ));
}

#[tokio::test]
async fn self_check_catches_tampering_in_the_database() {
    let s = setup(6).await;
    record(&s.bank, 0..20).await;
    s.bank.create_checkpoint().await.unwrap();
    let report = s.bank.audit_self_check().await.unwrap();
    assert!(report.ok, "{report:?}");
    assert_eq!((report.entries, report.checkpoint_size), (20, Some(20)));

    // One byte of one stored event changed (its stored hash left alone): named exactly.
    let sql = if postgres_requested() {
        "UPDATE audit_events SET leaf = convert_to(replace(convert_from(leaf, 'UTF8'), '\"s-13\"', '\"s-93\"'), 'UTF8') WHERE idx = 13"
    } else {
        "UPDATE audit_events SET leaf = CAST(REPLACE(CAST(leaf AS TEXT), '\"s-13\"', '\"s-93\"') AS BLOB) WHERE idx = 13"
    };
    tamper(&s.db, sql).await;
    let report = s.bank.audit_self_check().await.unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_bad_index, Some(13), "{report:?}");
    assert!(!s.bank.last_self_check().unwrap().ok);
}

#[tokio::test]
async fn self_check_catches_rewritten_hashes_and_deleted_rows() {
    let s = setup(7).await;
    record(&s.bank, 0..12).await;
    s.bank.create_checkpoint().await.unwrap();
    // The attacker rewrites the event and its stored hash consistently: only the signed root
    // catches it.
    let entry = &s.bank.audit_entries(4, 5).await.unwrap()[0];
    let mut forged = AuditEvent::from_leaf_bytes(&entry.leaf).unwrap();
    forged.outcome = Outcome::Failure {
        code: Token::new("denied").unwrap(),
    };
    let leaf = forged.leaf_bytes().unwrap();
    let hash = pqbank_audit::leaf_hash(&leaf);
    let (leaf_hex, hash_hex) = (hex(&leaf), hex(hash.as_bytes()));
    let sql = if postgres_requested() {
        format!(
            "UPDATE audit_events SET leaf = '\\x{leaf_hex}'::bytea, leaf_hash = '\\x{hash_hex}'::bytea WHERE idx = 4"
        )
    } else {
        format!(
            "UPDATE audit_events SET leaf = x'{leaf_hex}', leaf_hash = x'{hash_hex}' WHERE idx = 4"
        )
    };
    tamper(&s.db, &sql).await;
    let report = s.bank.audit_self_check().await.unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_bad_index, Some(0), "range start: {report:?}");
    assert!(
        report
            .problem
            .unwrap()
            .contains("differs from the signed checkpoint")
    );

    let s = setup(8).await;
    record(&s.bank, 0..12).await;
    s.bank.create_checkpoint().await.unwrap();
    tamper(&s.db, "DELETE FROM audit_events WHERE idx = 5").await;
    let report = s.bank.audit_self_check().await.unwrap();
    assert!(!report.ok);
    assert_eq!(report.first_bad_index, Some(5), "{report:?}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn export_writes_a_verifiable_directory() {
    let s = setup(9).await;
    record(&s.bank, 0..25).await;
    s.bank.create_checkpoint().await.unwrap();
    record(&s.bank, 25..40).await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().join("export");
    let summary = s.bank.export_audit(&dir).await.unwrap();
    assert_eq!((summary.entries, summary.checkpoints), (40, 2));
    let entries = std::fs::read_to_string(dir.join("entries.jsonl")).unwrap();
    assert_eq!(entries.lines().count(), 40);
    let mut notes: Vec<String> = std::fs::read_dir(dir.join("checkpoints"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    notes.sort();
    let cert_pem = std::fs::read_to_string(dir.join("audit-cert.pem")).unwrap();
    let key = Cert::from_pem(cert_pem.trim())
        .unwrap()
        .verifying_key()
        .unwrap();
    let mut v = Verifier::new(ORIGIN, &CheckpointKey::new(ORIGIN, key), &notes).unwrap();
    for line in entries.lines() {
        v.push(line.as_bytes()).unwrap();
    }
    let report = v.finish().unwrap();
    assert_eq!((report.events, report.anchored_events), (40, 40));
    assert_eq!(report.root, summary.root);
    let ca = std::fs::read_to_string(dir.join("ca-certs.pem")).unwrap();
    assert_eq!(ca.matches("BEGIN CERTIFICATE").count(), 2);
    // A second export into the same (non-empty) directory is refused.
    assert!(matches!(
        s.bank.export_audit(&dir).await,
        Err(ServiceError::Invalid(_))
    ));
}
