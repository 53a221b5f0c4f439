//! RFC 9881 interoperability: a pure ML-DSA-65 hierarchy and a CRL revoking the device
//! certificate are checked by pyca/cryptography (OpenSSL's ML-DSA) via
//! `tests/interop_rfc9881.py`, run with `python3` (or `$PQBANK_PYTHON`). Passes with a printed
//! note if python or a cryptography release that verifies ML-DSA certificates (50 or later:
//! `pip install 'cryptography>=50'`) is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use common::{Hierarchy, identity};
use pqbank_crypto::sig::SignatureAlgorithm;
use pqbank_pki::{RevocationReason, RevokedEntry};

/// The script's exit code for "cannot run here".
const SKIP: i32 = 77;

#[test]
fn pyca_cryptography_verifies_an_rfc9881_chain_and_crl() {
    let h = Hierarchy::new(SignatureAlgorithm::MlDsa65, 100);
    let (_, device) = h.device_signature_cert(&identity("ivy", "phone"));
    let serial = device.serial().unwrap();
    let crl = h.crl(
        3,
        &[RevokedEntry {
            serial: serial.clone(),
            revoked_at: common::NOW,
            reason: RevocationReason::KeyCompromise,
        }],
    );

    let dir = tempfile::tempdir().unwrap();
    for (name, pem) in [
        ("root.pem", h.root.to_pem().unwrap()),
        ("issuing.pem", h.issuing.to_pem().unwrap()),
        ("device.pem", device.to_pem().unwrap()),
        ("crl.pem", crl.to_pem().unwrap()),
        ("revoked_serial.txt", serial.to_hex()),
    ] {
        std::fs::write(dir.path().join(name), pem).unwrap();
    }

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop_rfc9881.py");
    // PQBANK_PYTHON may name another interpreter (e.g. a virtualenv's).
    let python = std::env::var_os("PQBANK_PYTHON").unwrap_or_else(|| "python3".into());
    let output = match Command::new(&python).arg(script).arg(dir.path()).output() {
        Ok(output) => output,
        Err(err) => {
            eprintln!("skipping RFC 9881 interop: cannot run python3: {err}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stdout}{stderr}");
    if output.status.code() == Some(SKIP) {
        eprintln!("skipping RFC 9881 interop (see the script's message above)");
        return;
    }
    assert!(
        output.status.success(),
        "interop_rfc9881.py failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("PASS"));
}
