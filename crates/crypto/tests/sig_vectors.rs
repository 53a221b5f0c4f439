//! Conformance vectors for the signature half: Wycheproof (ML-DSA-65 verify and sign-from-seed,
//! Ed25519, ECDSA P-256/SHA-256, RSA-PSS-3072/SHA-256) and the composite ML-DSA vectors of
//! draft-ietf-lamps-pq-composite-sigs (keys, signatures with and without context, PKCS#8 keys,
//! self-signed certificates).
//!
//! The folder comes from `PQBANK_VECTORS`; without it every test prints a note and passes.
//! Every case of every file is run and must agree with the file: `valid` accepted, `invalid`
//! rejected. `acceptable` cases (none in the current files) may go either way and are counted
//! separately.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::convert::Infallible;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use der::{Decode as _, Encode as _};
use ml_dsa::MlDsa65;
use ml_dsa::signature::SignatureEncoding as _;
use pqbank_crypto::sig::{Signature, SignatureAlgorithm, SigningKey, VerifyingKey};
use rand::{TryCryptoRng, TryRng};
use serde_json::Value;

/// The vectors folder, or `None` (after printing a note) when `PQBANK_VECTORS` is unset.
/// A relative path is taken relative to the workspace root (tests run in the crate directory).
fn vectors_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("PQBANK_VECTORS").filter(|d| !d.is_empty()) {
        Some(dir) if PathBuf::from(&dir).is_relative() => Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(dir),
        ),
        Some(dir) => Some(PathBuf::from(dir)),
        None => {
            println!("{test}: PQBANK_VECTORS is not set, skipping conformance vectors");
            None
        }
    }
}

fn load(dir: &Path, file: &str) -> Value {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn hex_field(value: &Value, field: &str) -> Option<Vec<u8>> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(|s| hex::decode(s).unwrap())
}

fn b64_field(value: &Value, field: &str) -> Vec<u8> {
    B64.decode(value[field].as_str().unwrap()).unwrap()
}

/// Per-file bookkeeping; failures are collected so one run reports all of them.
struct Tally {
    file: &'static str,
    cases: usize,
    passed: usize,
    acceptable: usize,
    failures: Vec<String>,
    notes: Vec<String>,
}

impl Tally {
    fn new(file: &'static str) -> Self {
        Self {
            file,
            cases: 0,
            passed: 0,
            acceptable: 0,
            failures: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn check(&mut self, case: impl std::fmt::Display, ok: bool) {
        self.cases += 1;
        if ok {
            self.passed += 1;
        } else {
            self.failures.push(case.to_string());
        }
    }

    /// A Wycheproof result: `valid` must be accepted, `invalid` rejected.
    fn expect(&mut self, test: &Value, accepted: bool) {
        let id = &test["tcId"];
        match test["result"].as_str().unwrap() {
            "valid" => self.check(format!("tcId {id} (valid)"), accepted),
            "invalid" => self.check(format!("tcId {id} (invalid)"), !accepted),
            "acceptable" => {
                self.acceptable += 1;
                self.check(format!("tcId {id}"), true);
            }
            other => panic!("unknown result {other}"),
        }
    }

    fn finish(self) {
        let mut line = format!(
            "vectors {}: {} cases, {} passed",
            self.file, self.cases, self.passed
        );
        if self.acceptable > 0 {
            line.push_str(&format!(" ({} acceptable)", self.acceptable));
        }
        for note in &self.notes {
            line.push_str(&format!("; {note}"));
        }
        println!("{line}");
        assert!(self.cases > 0, "{}: no cases", self.file);
        assert!(
            self.failures.is_empty(),
            "{}: failed cases: {:?}",
            self.file,
            self.failures
        );
    }
}

/// Whether `sig` over `msg` with `ctx` is accepted by the raw public key `pk`.
fn accepts(alg: SignatureAlgorithm, pk: &[u8], msg: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
    let (Ok(key), Ok(sig)) = (
        VerifyingKey::from_raw(alg, pk),
        Signature::from_bytes(alg, sig),
    ) else {
        return false;
    };
    key.verify(msg, ctx, &sig).is_ok()
}

/// Yields the given bytes, then zeros: reproduces deterministic (all-zero `rnd`) and fixed-`rnd`
/// ML-DSA signing through the public API.
struct FixedRng(Vec<u8>);

impl TryRng for FixedRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            *byte = if self.0.is_empty() {
                0
            } else {
                self.0.remove(0)
            };
        }
        Ok(())
    }
}

impl TryCryptoRng for FixedRng {}

/// Runs a Wycheproof verification file: `key_of(group)` gives the raw public key and its SPKI.
fn wycheproof_verify(
    file: &'static str,
    alg: SignatureAlgorithm,
    check_group: impl Fn(&Value),
    key_of: impl Fn(&Value) -> (Vec<u8>, Option<Vec<u8>>),
) {
    let Some(dir) = vectors_dir(file) else { return };
    let json = load(&dir.join("wycheproof"), file);
    let mut tally = Tally::new(file);
    let mut spki_checks = 0;
    for group in json["testGroups"].as_array().unwrap() {
        check_group(group);
        let (pk, spki) = key_of(group);
        if let Some(spki) = spki {
            // The SPKI form must name the same key (or be refused exactly when the raw key is).
            let from_spki = VerifyingKey::from_spki_der(&spki).ok();
            let from_raw = VerifyingKey::from_raw(alg, &pk).ok();
            assert_eq!(from_spki, from_raw, "{file}: SPKI and raw key differ");
            if let Some(key) = from_spki {
                assert_eq!(key.to_spki_der().unwrap(), spki, "{file}: SPKI re-encoding");
            }
            spki_checks += 1;
        }
        for test in group["tests"].as_array().unwrap() {
            let msg = hex_field(test, "msg").unwrap();
            let ctx = hex_field(test, "ctx").unwrap_or_default();
            let sig = hex_field(test, "sig").unwrap();
            tally.expect(test, accepts(alg, &pk, &msg, &ctx, &sig));
        }
    }
    tally.notes.push(format!("{spki_checks} SPKI keys parsed"));
    tally.finish();
}

#[test]
fn wycheproof_mldsa65_verify() {
    wycheproof_verify(
        "mldsa_65_verify_test.json",
        SignatureAlgorithm::MlDsa65,
        |_| {},
        |group| {
            (
                hex_field(group, "publicKey").unwrap(),
                hex_field(group, "publicKeyDer"),
            )
        },
    );
}

#[test]
fn wycheproof_ed25519() {
    wycheproof_verify(
        "ed25519_test.json",
        SignatureAlgorithm::Ed25519,
        |group| assert_eq!(group["publicKey"]["curve"], "edwards25519"),
        |group| {
            (
                hex_field(&group["publicKey"], "pk").unwrap(),
                hex_field(group, "publicKeyDer"),
            )
        },
    );
}

#[test]
fn wycheproof_ecdsa_p256_sha256() {
    wycheproof_verify(
        "ecdsa_secp256r1_sha256_test.json",
        SignatureAlgorithm::EcdsaP256Sha256,
        |group| {
            assert_eq!(group["publicKey"]["curve"], "secp256r1");
            assert_eq!(group["sha"], "SHA-256");
        },
        |group| {
            (
                hex_field(&group["publicKey"], "uncompressed").unwrap(),
                hex_field(group, "publicKeyDer"),
            )
        },
    );
}

#[test]
fn wycheproof_rsa_pss_3072_sha256() {
    wycheproof_verify(
        "rsa_pss_3072_sha256_mgf1_32_test.json",
        SignatureAlgorithm::Rsa3072PssSha256,
        |group| {
            assert_eq!(group["keySize"], 3072);
            assert_eq!(group["sha"], "SHA-256");
            assert_eq!(group["mgfSha"], "SHA-256");
            assert_eq!(group["sLen"], 32);
        },
        |group| {
            (
                hex_field(group, "publicKeyAsn").unwrap(),
                hex_field(group, "publicKeyDer"),
            )
        },
    );
}

#[test]
fn wycheproof_mldsa65_sign_from_seed() {
    let file = "mldsa_65_sign_seed_test.json";
    let Some(dir) = vectors_dir(file) else { return };
    let json = load(&dir.join("wycheproof"), file);
    let mut tally = Tally::new(file);
    let (mut pkcs8_keys, mut external_mu) = (0, 0);
    for group in json["testGroups"].as_array().unwrap() {
        let seed = hex_field(group, "privateSeed").unwrap_or_default();
        let key = SigningKey::from_raw(SignatureAlgorithm::MlDsa65, &seed);
        if let Ok(key) = &key {
            assert_eq!(
                Some(key.public_key().as_bytes().to_vec()),
                hex_field(group, "publicKey"),
                "{file}: public key derived from the seed"
            );
            if let Some(pkcs8) = hex_field(group, "privateKeyPkcs8") {
                let parsed = SigningKey::from_pkcs8_der(&pkcs8).unwrap();
                assert_eq!(parsed.public_key(), key.public_key());
                assert_eq!(key.to_pkcs8_der().unwrap().expose(), pkcs8.as_slice());
                pkcs8_keys += 1;
            }
        }
        for test in group["tests"].as_array().unwrap() {
            let id = &test["tcId"];
            let expected = hex_field(test, "sig").unwrap();
            let Ok(key) = &key else {
                // Only the wrong-length seed cases have no key.
                tally.expect(test, false);
                continue;
            };
            let Some(msg) = hex_field(test, "msg") else {
                // External-mu (Sign_internal) cases: our API signs messages, not mu. Check the
                // key derivation (above) and the vector with the RustCrypto reference.
                let mu = hex_field(test, "mu").unwrap();
                let reference = ml_dsa::SigningKey::<MlDsa65>::from_seed(
                    &<[u8; 32]>::try_from(seed.as_slice()).unwrap().into(),
                );
                let mu = mu.as_slice().try_into().unwrap();
                let sig = reference.expanded_key().sign_mu_deterministic(mu);
                let verified = reference.expanded_key().verifying_key().verify_mu(mu, &sig);
                tally.expect(test, verified && sig.to_bytes().as_slice() == expected);
                external_mu += 1;
                continue;
            };
            let ctx = hex_field(test, "ctx").unwrap_or_default();
            let rnd = hex_field(test, "rnd").unwrap_or_default();
            let accepted = match key.sign(&msg, &ctx, &mut FixedRng(rnd)) {
                Ok(sig) => {
                    let verified = key.public_key().verify(&msg, &ctx, &sig).is_ok();
                    match test["result"].as_str() {
                        Some("valid") => {
                            if sig.as_bytes() != expected.as_slice() {
                                tally.failures.push(format!("tcId {id}: signature differs"));
                            }
                            verified
                        }
                        _ => verified,
                    }
                }
                Err(_) => false,
            };
            tally.expect(test, accepted);
        }
    }
    tally.notes.push(format!(
        "{pkcs8_keys} PKCS#8 keys parsed and re-encoded identically"
    ));
    tally.notes.push(format!(
        "{external_mu} external-mu cases checked via key derivation + RustCrypto reference"
    ));
    tally.finish();
}

#[test]
fn composite_sigs_draft_vectors() {
    let file = "composite-sigs/testvectors.json";
    let Some(dir) = vectors_dir(file) else { return };
    let json = load(&dir, file);
    let m = b64_field(&json, "m");
    let ctx = b64_field(&json, "ctx");
    let mut tally = Tally::new(file);
    let mut supported = Vec::new();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(9);
    for test in json["tests"].as_array().unwrap() {
        let name = test["tcId"].as_str().unwrap();
        let Ok(alg) = name.parse::<SignatureAlgorithm>() else {
            continue; // Not implemented by pqbank (other ML-DSA levels and classical pairings).
        };
        supported.push(name);
        let pk = b64_field(test, "pk");
        let sk = b64_field(test, "sk");
        let sk_pkcs8 = b64_field(test, "sk_pkcs8");
        let s = b64_field(test, "s");
        let s_ctx = b64_field(test, "sWithContext");

        tally.check(
            format!("{name}: pk parses"),
            VerifyingKey::from_raw(alg, &pk).is_ok(),
        );
        tally.check(
            format!("{name}: s verifies"),
            accepts(alg, &pk, &m, b"", &s),
        );
        tally.check(
            format!("{name}: sWithContext verifies"),
            accepts(alg, &pk, &m, &ctx, &s_ctx),
        );
        tally.check(
            format!("{name}: s rejected with ctx"),
            !accepts(alg, &pk, &m, &ctx, &s),
        );
        tally.check(
            format!("{name}: sWithContext rejected without ctx"),
            !accepts(alg, &pk, &m, b"", &s_ctx),
        );

        let key = SigningKey::from_raw(alg, &sk);
        tally.check(
            format!("{name}: sk parses, matches pk and re-encodes identically"),
            key.as_ref().is_ok_and(|key| {
                key.public_key().as_bytes() == pk.as_slice()
                    && key.to_raw().unwrap().expose() == sk.as_slice()
            }),
        );
        let from_pkcs8 = SigningKey::from_pkcs8_der(&sk_pkcs8);
        tally.check(
            format!("{name}: sk_pkcs8 parses, matches pk and re-encodes identically"),
            from_pkcs8.as_ref().is_ok_and(|key| {
                key.public_key().as_bytes() == pk.as_slice()
                    && key.to_pkcs8_der().unwrap().expose() == sk_pkcs8.as_slice()
            }),
        );
        if let Ok(key) = &key {
            let sig = key.sign(&m, &ctx, &mut rng).unwrap();
            tally.check(
                format!("{name}: sign with sk, verify with pk"),
                accepts(alg, &pk, &m, &ctx, sig.as_bytes()),
            );
        }

        // The self-signed certificate: its SPKI is our key, its signature verifies over the TBS.
        let cert = x509_cert::Certificate::from_der(&b64_field(test, "x5c")).unwrap();
        let spki = cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .unwrap();
        let cert_key = VerifyingKey::from_spki_der(&spki);
        tally.check(
            format!("{name}: x5c SPKI parses to pk"),
            cert_key
                .as_ref()
                .is_ok_and(|k| k.algorithm() == alg && k.as_bytes() == pk.as_slice()),
        );
        let sig_alg = cert.signature_algorithm();
        let tbs = cert.tbs_certificate().to_der().unwrap();
        tally.check(
            format!("{name}: x5c self-signature verifies"),
            sig_alg.oid.to_string() == alg.oid()
                && sig_alg.parameters.is_none()
                && cert_key.is_ok_and(|key| {
                    Signature::from_bytes(alg, cert.signature().raw_bytes())
                        .is_ok_and(|sig| key.verify(&tbs, b"", &sig).is_ok())
                }),
        );
    }
    for required in [
        "id-MLDSA65-Ed25519-SHA512",
        "id-MLDSA65-ECDSA-P256-SHA512",
        "id-MLDSA65-RSA3072-PSS-SHA512",
        "id-ML-DSA-65",
    ] {
        assert!(supported.contains(&required), "{file}: {required} missing");
    }
    tally
        .notes
        .push(format!("algorithms: {}", supported.join(", ")));
    tally.finish();
}
