//! `pqbank crypto` end to end on files: every algorithm in the registry round-trips; tampering is
//! refused with a non-zero exit.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

fn pqbank(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pqbank"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn algorithms_lists_the_registry() {
    let dir = tempfile::tempdir().unwrap();
    let text = ok(&pqbank(dir.path(), &["crypto", "algorithms"]));
    for needle in [
        "1.3.6.1.5.5.7.6.48",
        "1.3.6.1.5.5.7.6.45",
        "1.3.6.1.5.5.7.6.41",
        "2.16.840.1.101.3.4.3.18",
        "1.3.6.1.5.5.7.6.58",
        "2.16.840.1.101.3.4.4.2",
    ] {
        assert!(text.contains(needle), "{needle} missing in\n{text}");
    }
}

#[test]
fn every_signature_algorithm_signs_and_verifies_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("msg.txt"),
        b"pay 100.00 EUR to DE89 3704 0044 0532 0130 00",
    )
    .unwrap();
    for alg in [
        "mldsa65-ed25519",
        "mldsa65-ecdsa-p256",
        "mldsa65-rsa3072-pss",
        "mldsa65",
    ] {
        let prefix = format!("k-{alg}");
        let out = pqbank(d, &["crypto", "keygen", "--alg", alg, "--out", &prefix]);
        if !out.status.success()
            && String::from_utf8_lossy(&out.stderr).contains("unknown algorithm")
        {
            panic!(
                "registry id {alg} not known: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        ok(&out);
        let key = format!("{prefix}.key.pem");
        let public = format!("{prefix}.pub.pem");
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(d.join(&key)).unwrap().permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "{alg}: private key file is 0600");
        assert!(
            std::fs::read_to_string(d.join(&key))
                .unwrap()
                .starts_with("-----BEGIN PRIVATE KEY-----")
        );
        ok(&pqbank(
            d,
            &[
                "crypto",
                "sign",
                "--key",
                &key,
                "--in",
                "msg.txt",
                "--out",
                "msg.sig",
                "--context",
                "pqbank-test",
            ],
        ));
        ok(&pqbank(
            d,
            &[
                "crypto",
                "verify",
                "--pub",
                &public,
                "--in",
                "msg.txt",
                "--sig",
                "msg.sig",
                "--context",
                "pqbank-test",
            ],
        ));
        // Wrong context, altered message, altered signature: refused.
        assert!(
            !pqbank(
                d,
                &[
                    "crypto", "verify", "--pub", &public, "--in", "msg.txt", "--sig", "msg.sig"
                ]
            )
            .status
            .success()
        );
        std::fs::write(
            d.join("other.txt"),
            b"pay 900.00 EUR to DE89 3704 0044 0532 0130 00",
        )
        .unwrap();
        assert!(
            !pqbank(
                d,
                &[
                    "crypto",
                    "verify",
                    "--pub",
                    &public,
                    "--in",
                    "other.txt",
                    "--sig",
                    "msg.sig",
                    "--context",
                    "pqbank-test"
                ]
            )
            .status
            .success()
        );
        let mut sig = std::fs::read(d.join("msg.sig")).unwrap();
        let last = sig.len() - 1;
        sig[last] ^= 1;
        std::fs::write(d.join("bad.sig"), &sig).unwrap();
        assert!(
            !pqbank(
                d,
                &[
                    "crypto",
                    "verify",
                    "--pub",
                    &public,
                    "--in",
                    "msg.txt",
                    "--sig",
                    "bad.sig",
                    "--context",
                    "pqbank-test"
                ]
            )
            .status
            .success()
        );
    }
}

#[test]
fn kem_keys_seal_and_open_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("secret.txt"), b"device session secret").unwrap();
    for alg in ["xwing", "mlkem768"] {
        let prefix = format!("kem-{alg}");
        ok(&pqbank(
            d,
            &["crypto", "keygen", "--alg", alg, "--out", &prefix],
        ));
        let key = format!("{prefix}.key.pem");
        let public = format!("{prefix}.pub.pem");
        ok(&pqbank(
            d,
            &[
                "crypto",
                "seal",
                "--to",
                &public,
                "--in",
                "secret.txt",
                "--out",
                "s.box",
                "--info",
                "pqbank",
                "--aad",
                "hdr",
            ],
        ));
        ok(&pqbank(
            d,
            &[
                "crypto",
                "open",
                "--key",
                &key,
                "--in",
                "s.box",
                "--out",
                "plain.txt",
                "--info",
                "pqbank",
                "--aad",
                "hdr",
            ],
        ));
        assert_eq!(
            std::fs::read(d.join("plain.txt")).unwrap(),
            b"device session secret"
        );
        assert!(
            !pqbank(
                d,
                &[
                    "crypto", "open", "--key", &key, "--in", "s.box", "--out", "p2.txt", "--info",
                    "pqbank", "--aad", "other"
                ]
            )
            .status
            .success()
        );
        // A KEM key cannot sign; garbage keys are refused with a message, not a crash.
        let out = pqbank(
            d,
            &[
                "crypto",
                "sign",
                "--key",
                &key,
                "--in",
                "secret.txt",
                "--out",
                "x.sig",
            ],
        );
        assert_eq!(out.status.code(), Some(1));
    }
    std::fs::write(
        d.join("garbage.pem"),
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let out = pqbank(
        d,
        &[
            "crypto",
            "sign",
            "--key",
            "garbage.pem",
            "--in",
            "secret.txt",
            "--out",
            "x.sig",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}
