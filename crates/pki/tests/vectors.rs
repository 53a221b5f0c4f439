//! Interoperability with the IETF LAMPS hackathon vectors (set `PQBANK_VECTORS`): the self-signed
//! composite / ML-DSA certificates of draft-ietf-lamps-pq-composite-sigs and the KEM certificates
//! of draft-ietf-lamps-pq-composite-kem parse, and their signatures verify with pqbank's
//! verification path where the algorithm is supported. Skips (passing) without the variable.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pqbank_crypto::kem::{EncapsulationKey, KemAlgorithm};
use pqbank_crypto::sig::SignatureAlgorithm;
use pqbank_pki::{CERT_SIGNATURE_ALGORITHMS, Cert, PkiError, inspect_cert};
use serde_json::Value;

fn vectors(file: &str) -> Option<Value> {
    let Some(dir) = std::env::var_os("PQBANK_VECTORS").filter(|d| !d.is_empty()) else {
        eprintln!("PQBANK_VECTORS not set: skipping {file}");
        return None;
    };
    let path = PathBuf::from(dir).join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap())
}

fn b64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

#[test]
fn composite_signature_certificates_verify() {
    let Some(doc) = vectors("composite-sigs/testvectors.json") else {
        return;
    };
    let (mut verified, mut unsupported) = (0, 0);
    for test in doc["tests"].as_array().unwrap() {
        let name = test["tcId"].as_str().unwrap();
        let cert = Cert::from_der(&b64(&test["x5c"]))
            .unwrap_or_else(|e| panic!("{name}: does not parse: {e}"));
        let alg = name.parse::<SignatureAlgorithm>().ok();
        match alg.filter(|alg| CERT_SIGNATURE_ALGORITHMS.contains(alg)) {
            Some(alg) => {
                assert_eq!(cert.signature_algorithm().unwrap(), alg, "{name}");
                cert.verify_issued_by(&cert)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(
                    cert.verifying_key().unwrap().as_bytes(),
                    b64(&test["pk"]),
                    "{name}"
                );
                assert!(inspect_cert(&cert).contains(name));
                // A flipped signature bit must fail.
                let mut bad = cert.der().to_vec();
                let last = bad.len() - 1;
                bad[last] ^= 1;
                let bad = Cert::from_der(&bad).unwrap();
                assert_eq!(
                    bad.verify_issued_by(&bad).unwrap_err(),
                    PkiError::BadSignature,
                    "{name}"
                );
                verified += 1;
            }
            None => {
                assert!(
                    matches!(
                        cert.verify_issued_by(&cert),
                        Err(PkiError::UnsupportedAlgorithm(_))
                    ),
                    "{name}"
                );
                unsupported += 1;
            }
        }
    }
    eprintln!(
        "composite-sigs: {verified} certificates verified (.41 .45 .48 + ML-DSA-65), \
         {unsupported} parsed with unsupported algorithms"
    );
    assert_eq!(
        verified, 4,
        "the three composites and ML-DSA-65 are in the file"
    );
}

#[test]
fn composite_kem_certificates_verify() {
    let Some(doc) = vectors("composite-kem/testvectors.json") else {
        return;
    };
    let ca = Cert::from_der(&b64(&doc["cacert"])).unwrap();
    assert_eq!(
        ca.signature_algorithm().unwrap(),
        SignatureAlgorithm::MlDsa65
    );
    ca.verify_issued_by(&ca).unwrap();
    let (mut verified, mut keys) = (0, 0);
    for test in doc["tests"].as_array().unwrap() {
        let name = test["tcId"].as_str().unwrap();
        let cert = Cert::from_der(&b64(&test["x5c"]))
            .unwrap_or_else(|e| panic!("{name}: does not parse: {e}"));
        cert.verify_issued_by(&ca)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        verified += 1;
        if let Ok(kem) = name.parse::<KemAlgorithm>() {
            let key = EncapsulationKey::from_spki_der(&cert.spki_der().unwrap())
                .unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(key.algorithm(), kem);
            assert_eq!(key.as_bytes(), b64(&test["ek"]), "{name}");
            assert!(inspect_cert(&cert).contains(name));
            keys += 1;
        }
    }
    eprintln!(
        "composite-kem: CA (ML-DSA-65) verified, {verified} KEM certificates verified, \
         {keys} of them with keys pqbank uses (ML-KEM-768, X-Wing)"
    );
    assert_eq!(keys, 2);
}
