//! `pqbank cert inspect|verify` with the real binary, on certificates issued by a running bank
//! and on the CA chain and CRL fetched from its public `/pki/*` endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![allow(clippy::disallowed_methods)] // the foreign test CA is dated from the real clock

use std::path::Path;
use std::process::{Command, Output};

use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::{
    CertificateAuthority, RevocationReason, Serial, ValidityPeriod, build_csr, build_issuing_ca,
    build_root_ca,
};
use pqbank_server::testkit::spawn_app;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde_json::Value;

fn pqbank(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// Exit `code` (never a panic's 101) with `needle` in stderr.
fn fails(out: &Output, code: i32, needle: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {stderr}",
        text(&out.stdout)
    );
    assert!(
        stderr.contains(needle),
        "expected {needle:?} in stderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A root + issuing CA of another bank (the issuing CA named `issuing_subject`, other keys), as
/// a PEM chain.
fn foreign_chain(rng: &mut StdRng, issuing_subject: &str) -> String {
    let alg = SignatureAlgorithm::MlDsa65Ed25519;
    let now = time::OffsetDateTime::now_utc();
    let serial = |rng: &mut StdRng| {
        let mut bytes = [0u8; 16];
        rand::Rng::fill_bytes(rng, &mut bytes);
        Serial::from_random(&bytes).unwrap()
    };
    let root_key = SigningKey::generate(alg, rng).unwrap();
    let root_cert = build_root_ca(
        &root_key,
        "CN=pqbank Root CA,O=pqbank",
        ValidityPeriod::days_from(now - time::Duration::days(1), 3650).unwrap(),
        &serial(rng),
        rng,
    )
    .unwrap();
    let root = CertificateAuthority::new(&root_key, root_cert.clone()).unwrap();
    let key = SigningKey::generate(alg, rng).unwrap();
    let issuing = build_issuing_ca(
        &root,
        &key.public_key(),
        issuing_subject,
        ValidityPeriod::days_from(now - time::Duration::days(1), 1000).unwrap(),
        &serial(rng),
        rng,
    )
    .unwrap();
    format!(
        "{}{}",
        issuing.to_pem().unwrap(),
        root_cert.to_pem().unwrap()
    )
}

#[tokio::test]
async fn verify_and_inspect_certificates_of_a_running_bank() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let get = |path: &'static str| {
        let (client, url) = (app.client.clone(), app.url(path));
        async move {
            let r = client.get(url).send().await.unwrap();
            assert_eq!(r.status(), 200, "{path}");
            r.bytes().await.unwrap().to_vec()
        }
    };
    std::fs::write(d.join("chain.pem"), get("/pki/ca.pem").await).unwrap();
    std::fs::write(d.join("crl.der"), get("/pki/crl.der").await).unwrap();

    let mut rng = StdRng::from_seed([5; 32]);
    let mut issue = async |device: &str| {
        let key = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng).unwrap();
        let csr = build_csr(&key, "CN=phone", &mut rng).unwrap();
        std::fs::write(d.join("req.csr"), csr.to_pem().unwrap()).unwrap();
        app.bank
            .issue_device_signature_cert("alice", device, csr.der())
            .await
            .unwrap()
    };
    let good = issue("phone-1").await;
    let revoked = issue("phone-2").await;
    std::fs::write(d.join("good.pem"), good.cert.to_pem().unwrap()).unwrap();
    std::fs::write(d.join("good.der"), good.cert.der()).unwrap();
    std::fs::write(d.join("revoked.pem"), revoked.cert.to_pem().unwrap()).unwrap();

    // Valid: PEM and DER, with the CRL, text and JSON.
    for file in ["good.pem", "good.der"] {
        let out = ok(&pqbank(
            d,
            &[
                "cert",
                "verify",
                file,
                "--chain",
                "chain.pem",
                "--crl",
                "crl.der",
            ],
        ));
        assert!(out.contains("certificate valid"), "{out}");
        assert!(out.contains("alice") && out.contains("phone-1"), "{out}");
        assert!(out.contains(&good.serial), "{out}");
        assert!(out.contains("not revoked (CRL number"), "{out}");
    }
    let v: Value = serde_json::from_str(&ok(&pqbank(
        d,
        &[
            "cert",
            "verify",
            "good.pem",
            "--chain",
            "chain.pem",
            "--crl",
            "crl.der",
            "--json",
        ],
    )))
    .unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["device_id"], "phone-1");
    assert_eq!(v["revocation_checked"], true);
    // Without a CRL it validates but says revocation was not checked.
    let out = ok(&pqbank(
        d,
        &["cert", "verify", "good.pem", "--chain", "chain.pem"],
    ));
    assert!(out.contains("NOT checked"), "{out}");

    // Validity window through --at.
    fails(
        &pqbank(
            d,
            &[
                "cert",
                "verify",
                "good.pem",
                "--chain",
                "chain.pem",
                "--at",
                "2200-01-01T00:00:00Z",
            ],
        ),
        1,
        "expired",
    );
    fails(
        &pqbank(
            d,
            &[
                "cert",
                "verify",
                "good.pem",
                "--chain",
                "chain.pem",
                "--at",
                "yesterday",
            ],
        ),
        2,
        "RFC 3339",
    );

    // Revoked: the CRL fetched after the revocation lists it.
    app.bank
        .revoke_certificate(&revoked.serial, RevocationReason::KeyCompromise)
        .await
        .unwrap();
    std::fs::write(d.join("crl2.der"), get("/pki/crl.der").await).unwrap();
    std::fs::write(d.join("crl2.pem"), get("/pki/crl.pem").await).unwrap();
    for crl in ["crl2.der", "crl2.pem"] {
        fails(
            &pqbank(
                d,
                &[
                    "cert",
                    "verify",
                    "revoked.pem",
                    "--chain",
                    "chain.pem",
                    "--crl",
                    crl,
                ],
            ),
            1,
            "revoked (keyCompromise)",
        );
    }
    // The old CRL does not know yet; the new one still accepts the good certificate.
    ok(&pqbank(
        d,
        &[
            "cert",
            "verify",
            "revoked.pem",
            "--chain",
            "chain.pem",
            "--crl",
            "crl.der",
        ],
    ));
    ok(&pqbank(
        d,
        &[
            "cert",
            "verify",
            "good.pem",
            "--chain",
            "chain.pem",
            "--crl",
            "crl2.der",
        ],
    ));

    // Wrong chain: another CA whose issuing CA has the same name.
    std::fs::write(
        d.join("foreign.pem"),
        foreign_chain(&mut rng, &good.cert.issuer()),
    )
    .unwrap();
    let out = pqbank(d, &["cert", "verify", "good.pem", "--chain", "foreign.pem"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("NOT valid"),
        "{}",
        text(&out.stderr)
    );
    // A chain without the certificate's issuing CA.
    let chain = std::fs::read_to_string(d.join("chain.pem")).unwrap();
    let root_only = &chain[chain.rfind("-----BEGIN CERTIFICATE-----").unwrap()..];
    std::fs::write(d.join("root.pem"), root_only).unwrap();
    fails(
        &pqbank(d, &["cert", "verify", "good.pem", "--chain", "root.pem"]),
        1,
        "unknown issuer",
    );
    // A certificate file where a CRL belongs.
    fails(
        &pqbank(
            d,
            &[
                "cert",
                "verify",
                "good.pem",
                "--chain",
                "chain.pem",
                "--crl",
                "chain.pem",
            ],
        ),
        2,
        "not a usable CRL",
    );

    // Inspect: certificate, CRL and CSR, text and JSON.
    let out = ok(&pqbank(d, &["cert", "inspect", "good.pem"]));
    assert!(out.contains("Certificate:"), "{out}");
    assert!(out.contains("id-MLDSA65-Ed25519-SHA512"), "{out}");
    let v: Value =
        serde_json::from_str(&ok(&pqbank(d, &["cert", "inspect", "good.der", "--json"]))).unwrap();
    assert_eq!(v["type"], "certificate");
    assert_eq!(v["serial"], good.serial.as_str());
    assert_eq!(v["signature_algorithm"]["id"], "mldsa65-ed25519");
    assert_eq!(v["is_ca"], false);
    assert!(
        v["subject_alt_uris"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u.as_str().unwrap().contains("phone-1")),
        "{v}"
    );
    assert_eq!(v["sha256_fingerprint"].as_str().unwrap().len(), 64);

    let out = ok(&pqbank(d, &["cert", "inspect", "crl2.der"]));
    assert!(out.contains("Certificate Revocation List"), "{out}");
    assert!(
        out.contains("Key Compromise") || out.contains("keyCompromise"),
        "{out}"
    );
    let v: Value =
        serde_json::from_str(&ok(&pqbank(d, &["cert", "inspect", "crl2.pem", "--json"]))).unwrap();
    assert_eq!(v["type"], "crl");
    assert_eq!(v["revoked_count"], 1);
    assert_eq!(v["revoked"][0]["serial"], revoked.serial.as_str());
    assert_eq!(v["revoked"][0]["reason"], "keyCompromise");

    let out = ok(&pqbank(d, &["cert", "inspect", "req.csr"]));
    assert!(out.contains("Certificate Request:"), "{out}");
    let v: Value =
        serde_json::from_str(&ok(&pqbank(d, &["cert", "inspect", "req.csr", "--json"]))).unwrap();
    assert_eq!(v["type"], "csr");
    assert_eq!(v["proof_of_possession"], true);
    app.stop().await;
}

#[test]
fn garbage_input_gives_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut garbage = vec![0x30, 0x82, 0xff, 0xff];
    garbage.extend((0..2000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    std::fs::write(d.join("garbage.bin"), &garbage).unwrap();
    std::fs::write(
        d.join("bad.pem"),
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(d.join("empty.pem"), "").unwrap();
    fails(
        &pqbank(d, &["cert", "inspect", "garbage.bin"]),
        2,
        "neither PEM nor a DER certificate, CSR or CRL",
    );
    fails(
        &pqbank(d, &["cert", "inspect", "bad.pem", "--json"]),
        2,
        "not a usable certificate",
    );
    fails(
        &pqbank(d, &["cert", "inspect", "missing.pem"]),
        2,
        "missing.pem",
    );
    fails(
        &pqbank(d, &["cert", "verify", "garbage.bin", "--chain", "bad.pem"]),
        2,
        "garbage.bin",
    );
    fails(
        &pqbank(d, &["cert", "verify", "bad.pem", "--chain", "empty.pem"]),
        2,
        "not a usable certificate",
    );
}
