//! `pqbank audit export` and `pqbank audit verify` with the real binary: an untouched export
//! verifies; a flipped byte, a deleted entry, two swapped entries and a forged checkpoint are
//! caught and the first bad entry is named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;

use pqbank_audit::{Actor, AuditEvent, Outcome, Resource, Timestamp, Token, actions};
use pqbank_server::config::{Config, ServeArgs};
use pqbank_service::clock::SystemClock;
use pqbank_service::entropy::OsEntropy;
use pqbank_store::testing::fresh_database;

fn pqbank(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .args(args)
        .env_remove("PQBANK_CONFIG")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn event(n: u64) -> AuditEvent {
    AuditEvent::new(
        0,
        Timestamp::from_unix_micros(1_796_000_000_000_000 + i64::try_from(n).unwrap()).unwrap(),
        Actor {
            user_id: Some(Token::new(format!("user-{}", n % 5)).unwrap()),
            roles: vec![Token::new("admin").unwrap()],
            device_cert_serial: None,
        },
        actions::USER_CREATE,
        Resource {
            kind: Token::new("user").unwrap(),
            id: Token::new(format!("u{n:04}")).unwrap(),
        },
        Outcome::Success,
    )
}

fn verify(dir: &Path) -> Output {
    pqbank(&[
        "audit".as_ref(),
        "verify".as_ref(),
        "--quiet".as_ref(),
        dir.as_os_str(),
    ])
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.join("checkpoints")).unwrap();
    for entry in walk(from) {
        let rel = entry.strip_prefix(from).unwrap();
        std::fs::create_dir_all(to.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(&entry, to.join(rel)).unwrap();
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn edit_entries(dir: &Path, f: impl FnOnce(&mut Vec<String>)) {
    let path = dir.join("entries.jsonl");
    let mut lines: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    f(&mut lines);
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_verify_and_tampering_is_named() {
    let db = fresh_database().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let args = ServeArgs {
        data_dir: Some(data.path().to_owned()),
        database_url: Some(db.url_string.clone()),
        ..ServeArgs::default()
    };
    let config = Config::resolve(&args).unwrap();
    let bank = pqbank_server::open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy))
        .await
        .unwrap();
    bank.ensure_ca().await.unwrap();
    // A device that signs a payload carried by entry 5.
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::from_seed([5; 32]);
    let device_key = pqbank_crypto::sig::SigningKey::generate(
        pqbank_crypto::sig::SignatureAlgorithm::MlDsa65Ed25519,
        &mut rng,
    )
    .unwrap();
    let csr = pqbank_pki::build_csr(&device_key, "CN=phone", &mut rng).unwrap();
    let issued = bank
        .issue_device_signature_cert("alice", "phone-1", csr.der())
        .await
        .unwrap();
    let payload = br#"{"amount":"100","type":"pqbank.transfer.v1"}"#.to_vec();
    let payload_hash = pqbank_audit::hash::sha256_bytes(&payload);
    for n in 0..30 {
        let mut e = event(n);
        if n == 5 {
            e.signed = Some(pqbank_audit::SignedPayload {
                payload_sha256: payload_hash,
                signature: device_key
                    .sign(&payload, b"", &mut rng)
                    .unwrap()
                    .as_bytes()
                    .to_vec(),
                algorithm: Token::new(device_key.algorithm().id()).unwrap(),
                cert_serial: Token::new(issued.serial.clone()).unwrap(),
            });
        }
        bank.record(e).await.unwrap();
    }
    bank.create_checkpoint().await.unwrap();
    for n in 30..60 {
        bank.record(event(n)).await.unwrap();
    }
    bank.store().close().await;

    let out_root = tempfile::tempdir().unwrap();
    let export = out_root.path().join("export");
    let out = pqbank(&[
        "audit".as_ref(),
        "export".as_ref(),
        "--out".as_ref(),
        export.as_os_str(),
        "--data-dir".as_ref(),
        data.path().as_os_str(),
        "--database-url".as_ref(),
        db.url_string.as_ref(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("exported 60 entries and 2 checkpoints"));
    let device_pem = std::fs::read_to_string(export.join("device-certs.pem")).unwrap();
    assert_eq!(device_pem.matches("BEGIN CERTIFICATE").count(), 1);

    // Without the signed payload the client signature cannot be re-verified: refused.
    let out = verify(&export);
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("first bad entry 5"),
        "{}",
        text(&out)
    );
    // The exported payload store supplies it.
    std::fs::create_dir_all(export.join("payloads")).unwrap();
    std::fs::write(
        export.join("payloads").join(payload_hash.to_hex()),
        &payload,
    )
    .unwrap();

    let out = verify(&export);
    assert!(out.status.success(), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("audit log OK"), "{stdout}");
    assert!(stdout.contains("entries:             60"), "{stdout}");
    assert!(
        stdout.contains("checkpoints:         2 (latest covers 60 entries)"),
        "{stdout}"
    );

    // Pinning the right root works; a foreign root is refused.
    let ca = std::fs::read_to_string(export.join("ca-certs.pem")).unwrap();
    let root_pem =
        &ca[ca.find("-----BEGIN").unwrap()..ca.find("-----END CERTIFICATE-----").unwrap() + 25];
    let root_file = out_root.path().join("root.pem");
    std::fs::write(&root_file, root_pem).unwrap();
    let out = pqbank(&[
        "audit".as_ref(),
        "verify".as_ref(),
        "--quiet".as_ref(),
        "--trust-root".as_ref(),
        root_file.as_os_str(),
        export.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));

    let case = |name: &str, f: &dyn Fn(&Path)| {
        let dir = out_root.path().join(name);
        copy_dir(&export, &dir);
        f(&dir);
        let out = verify(&dir);
        assert!(!out.status.success(), "{name}: {}", text(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };

    // One byte of entry 17 flipped.
    let err = case("flip", &|d| {
        edit_entries(d, |l| {
            l[17] = l[17].replacen("u0017", "u0018", 1);
        });
    });
    assert!(err.contains("first bad entry 17"), "{err}");

    // The same flip without the stored leaf hashes: located to the range of the checkpoint.
    let err = case("flip-nohash", &|d| {
        std::fs::remove_file(d.join("leaf-hashes.txt")).unwrap();
        edit_entries(d, |l| {
            l[17] = l[17].replacen("u0017", "u0018", 1);
        });
    });
    assert!(
        err.contains("first bad entry 0") && err.contains("0..=29"),
        "{err}"
    );

    // Entry 42 deleted.
    let err = case("delete", &|d| {
        edit_entries(d, |l| {
            l.remove(42);
        });
    });
    assert!(
        err.contains("first bad entry 42") && err.contains("missing"),
        "{err}"
    );

    // Entries 50 and 51 swapped.
    let err = case("swap", &|d| {
        edit_entries(d, |l| l.swap(50, 51));
    });
    assert!(
        err.contains("first bad entry 50") && err.contains("swapped"),
        "{err}"
    );

    // The last entry removed: the checkpoint covers more than the log.
    let err = case("truncate", &|d| {
        edit_entries(d, |l| {
            l.pop();
        });
    });
    assert!(err.contains("first bad entry 59"), "{err}");

    // A signed payload altered: the client signature of entry 5 no longer verifies.
    let err = case("payload", &|d| {
        let path = walk(&d.join("payloads")).into_iter().next().unwrap();
        std::fs::write(&path, br#"{"amount":"900","type":"pqbank.transfer.v1"}"#).unwrap();
    });
    assert!(
        err.contains("first bad entry 5") && err.contains("client signature"),
        "{err}"
    );

    // A checkpoint whose size was edited: its signature no longer verifies.
    let err = case("forged-checkpoint", &|d| {
        let path = walk(&d.join("checkpoints")).into_iter().min().unwrap();
        let note = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, note.replacen("\n30\n", "\n29\n", 1)).unwrap();
    });
    assert!(err.contains("does not verify"), "{err}");
}

/// Export and verify timing on a large log (ignored by default; `AUDIT_BENCH_EVENTS` sets the
/// size, default 100000):
/// `cargo test -p pqbank-server --test audit_cli -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark"]
#[allow(clippy::print_stdout, clippy::disallowed_methods)]
async fn verify_large_log_timing() {
    let total: u64 = std::env::var("AUDIT_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let db = fresh_database().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let args = ServeArgs {
        data_dir: Some(data.path().to_owned()),
        database_url: Some(db.url_string.clone()),
        ..ServeArgs::default()
    };
    let config = Config::resolve(&args).unwrap();
    let bank = pqbank_server::open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy))
        .await
        .unwrap();
    bank.ensure_ca().await.unwrap();
    let mut n = 0;
    while n < total {
        let end = (n + 1000).min(total);
        bank.store()
            .append_audit((n..end).map(event).collect())
            .await
            .unwrap();
        n = end;
        if n % 10_000 == 0 {
            bank.create_checkpoint().await.unwrap();
        }
    }
    bank.store().close().await;
    let out_root = tempfile::tempdir().unwrap();
    let export = out_root.path().join("export");
    let t = std::time::Instant::now();
    let out = pqbank(&[
        "audit".as_ref(),
        "export".as_ref(),
        "--out".as_ref(),
        export.as_os_str(),
        "--data-dir".as_ref(),
        data.path().as_os_str(),
        "--database-url".as_ref(),
        db.url_string.as_ref(),
        "--log".as_ref(),
        "warn".as_ref(),
    ]);
    assert!(out.status.success(), "{}", text(&out));
    println!("export of {total} events: {:.2?}", t.elapsed());
    let t = std::time::Instant::now();
    let out = verify(&export);
    assert!(out.status.success(), "{}", text(&out));
    println!(
        "verify (process): {:.2?}\n{}",
        t.elapsed(),
        String::from_utf8_lossy(&out.stdout)
    );
}
