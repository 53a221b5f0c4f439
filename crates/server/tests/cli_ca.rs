//! `pqbank ca init` and `pqbank ca rotate` with the real binary on a temporary data directory and
//! a fresh database (SQLite, or a PostgreSQL schema when `PQBANK_TEST_DATABASE_URL` is set).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;
use std::sync::Arc;

use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::{CertUsage, DeviceIdentity, build_csr};
use pqbank_server::config::{Config, ServeArgs};
use pqbank_server::open_bank;
use pqbank_service::Bank;
use pqbank_service::clock::SystemClock;
use pqbank_service::entropy::OsEntropy;
use rand::SeedableRng;
use tokio::process::Command;

async fn pqbank(data: &Path, db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .arg("--database-url")
        .arg(db_url)
        .args(["--log", "warn"])
        .output()
        .await
        .unwrap()
}

fn ok(out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "stdout: {stdout}\nstderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The value after `label:` in the block whose heading line starts with `section`.
fn field(out: &str, section: &str, label: &str) -> String {
    let heading = format!("\n{section}");
    let block = &out[out
        .find(&heading)
        .unwrap_or_else(|| panic!("{section} in {out}"))..];
    block
        .lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{label}:")))
        .unwrap_or_else(|| panic!("{label} in {block}"))
        .trim()
        .to_owned()
}

/// The same data directory and database, opened in-process (as a server would).
async fn bank(data: &Path, db_url: &str) -> Bank {
    let config = Config::resolve(&ServeArgs {
        data_dir: Some(data.to_owned()),
        database_url: Some(db_url.to_owned()),
        ..ServeArgs::default()
    })
    .unwrap();
    open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy))
        .await
        .unwrap()
}

#[tokio::test]
async fn init_is_idempotent_and_rotate_keeps_old_certificates_valid() {
    let db = pqbank_store::testing::fresh_database().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let (d, url) = (data.path(), db.url_string.as_str());

    // Rotation before init is refused clearly.
    let out = pqbank(d, url, &["ca", "rotate"]).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pqbank ca init"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let first = ok(&pqbank(d, url, &["ca", "init", "--algorithm", "mldsa65-ecdsa-p256"]).await);
    assert!(first.contains("created a new CA"), "{first}");
    let root_id = field(&first, "root CA\n", "id");
    let issuing_id = field(&first, "issuing CA (", "id");
    assert!(root_id.starts_with("root-") && issuing_id.starts_with("issuing-"));
    assert_eq!(
        field(&first, "root CA\n", "algorithm"),
        "mldsa65-ecdsa-p256"
    );
    assert_eq!(field(&first, "root CA\n", "sha256").len(), 64);
    assert_ne!(
        field(&first, "root CA\n", "sha256"),
        field(&first, "issuing CA (", "sha256")
    );

    // A second init reports the CA and changes nothing, whatever algorithm it is asked for.
    let again = ok(&pqbank(d, url, &["ca", "init", "--algorithm", "mldsa65"]).await);
    assert!(again.contains("already exists; nothing changed"), "{again}");
    assert!(again.contains("not the requested mldsa65"), "{again}");
    assert_eq!(field(&again, "root CA\n", "id"), root_id);
    assert_eq!(field(&again, "issuing CA (", "id"), issuing_id);
    assert_eq!(
        field(&again, "root CA\n", "sha256"),
        field(&first, "root CA\n", "sha256")
    );

    // An unknown algorithm is a configuration error (exit 2), not a panic.
    let out = pqbank(d, url, &["ca", "init", "--algorithm", "rsa512"]).await;
    assert_eq!(out.status.code(), Some(2));

    // A device certificate from the first issuing CA.
    let b = bank(d, url).await;
    assert!(b.load_ca().await.unwrap());
    let mut rng = rand::rngs::StdRng::from_seed([3; 32]);
    let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng).unwrap();
    let csr = build_csr(&key, "CN=phone", &mut rng).unwrap();
    let old = b
        .issue_device_signature_cert("alice", "phone-1", csr.der())
        .await
        .unwrap();
    let id = DeviceIdentity::new("alice", "phone-1").unwrap();

    let rotated = ok(&pqbank(d, url, &["ca", "rotate"]).await);
    let new_issuing = field(&rotated, "issuing CA (", "id");
    assert_ne!(new_issuing, issuing_id, "{rotated}");
    assert_eq!(field(&rotated, "root CA\n", "id"), root_id);
    assert!(
        rotated.contains(&format!("{issuing_id} -> {new_issuing}")),
        "{rotated}"
    );
    assert!(rotated.contains("2 issuing CA(s) still valid"), "{rotated}");

    // After a reload (as a restarted server would) the new CA issues and the old certificate
    // still validates.
    b.load_ca().await.unwrap();
    let summary = b.ca_summary().unwrap();
    assert_eq!(summary.issuing.id, new_issuing);
    assert_eq!(summary.issuing_count, 2);
    let valid = b
        .validate_device_cert(old.cert.der(), CertUsage::DeviceSignature, &id)
        .unwrap();
    assert_eq!(valid.serial.to_hex(), old.serial);
    let csr = build_csr(&key, "CN=phone", &mut rng).unwrap();
    let fresh = b
        .issue_device_signature_cert("alice", "phone-1", csr.der())
        .await
        .unwrap();
    assert_ne!(fresh.cert.issuer(), old.cert.issuer());
    b.validate_device_cert(fresh.cert.der(), CertUsage::DeviceSignature, &id)
        .unwrap();
    b.store().close().await;
}
