//! Shared test data for the browser's port of the client protocol (`web/src/crypto`).
//!
//! * `web/src/test/fixtures/protocol.json` is generated here from fixed seeds: composite
//!   ML-DSA-65 + Ed25519 keys and signatures (with the ML-DSA signing randomness fixed, so the
//!   browser must reproduce them byte for byte), the login transcript, X-Wing decapsulation, the
//!   session key, request MAC headers, a CSR and canonical transfer / approval payloads. Run with
//!   `PQBANK_WRITE_WEB_VECTORS=1` to (re)write it; otherwise the committed file must equal what
//!   this code generates.
//! * `web/src/test/fixtures/ts-produced.json` is written by the Vitest suite
//!   (`PQBANK_WRITE_WEB_VECTORS=1 npm test`) with randomized signatures, a CSR, a signed login
//!   transcript and a signed transfer made in TypeScript; this test checks them with the Rust
//!   code the server uses.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::collections::VecDeque;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_client::auth::Session;
use pqbank_crypto::session::{derive_session_key, sha256};
use pqbank_crypto::sig::{Signature, SignatureAlgorithm, SigningKey, VerifyingKey};
use pqbank_crypto::{DecapsulationKey, KemAlgorithm, SecretBytes};
use pqbank_domain::auth::{
    LOGIN_SIGNATURE_CONTEXT, LoginTranscript, SESSION_KEY_INFO, request_mac_input,
};
use pqbank_domain::payload::{
    APPROVAL_SIGNATURE_CONTEXT, ApprovalPayload, TRANSFER_SIGNATURE_CONTEXT, TransferPayload,
};
use serde_json::{Value, json};

const ALG: SignatureAlgorithm = SignatureAlgorithm::MlDsa65Ed25519;
const WRITE_ENV: &str = "PQBANK_WRITE_WEB_VECTORS";

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web/src/test/fixtures")
}

/// 32 deterministic bytes per label.
fn det(label: &str) -> [u8; 32] {
    sha256(format!("pqbank-web-vectors/{label}").as_bytes())
}

/// An "RNG" that hands out exactly the bytes it was given (and fails the test if asked for more).
struct FixedRng(VecDeque<u8>);

impl FixedRng {
    fn new(parts: &[&[u8]]) -> Self {
        Self(parts.iter().flat_map(|p| p.iter().copied()).collect())
    }

    fn exhausted(&self) -> bool {
        self.0.is_empty()
    }
}

impl rand::TryRng for FixedRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        for d in dst {
            *d = self.0.pop_front().expect("FixedRng ran out of bytes");
        }
        Ok(())
    }
}

impl rand::TryCryptoRng for FixedRng {}

fn sign_fixed(key: &SigningKey, msg: &[u8], ctx: &[u8], rnd: &[u8; 32]) -> Signature {
    let mut rng = FixedRng::new(&[rnd]);
    let sig = key.sign(msg, ctx, &mut rng).unwrap();
    assert!(rng.exhausted(), "signing used other randomness than rnd");
    sig
}

fn device_key() -> SigningKey {
    let mut raw = det("device/mldsa-seed").to_vec();
    raw.extend_from_slice(&det("device/ed25519-seed"));
    SigningKey::from_raw(ALG, &raw).unwrap()
}

fn signature_case(key: &SigningKey, name: &str, msg: &[u8], ctx: &[u8]) -> Value {
    let rnd = det(&format!("signature/{name}/rnd"));
    let sig = sign_fixed(key, msg, ctx, &rnd);
    key.public_key().verify(msg, ctx, &sig).unwrap();
    json!({
        "name": name,
        "message_hex": hex::encode(msg),
        "context_hex": hex::encode(ctx),
        "rnd_hex": hex::encode(rnd),
        "signature_hex": hex::encode(sig.as_bytes()),
    })
}

fn transfer_members() -> Vec<Value> {
    let cases = [
        (
            "basic-eur",
            "01936f0e-8c2a-7b3d-9e4f-0123456789ab",
            "123450",
            "EUR",
            "Rent \"Nov\" \\ 2026 – Zoë 🚀",
        ),
        (
            "jpy-empty-reference",
            "01936f0e-8c2a-7b3d-9e4f-0123456789ac",
            "5000",
            "JPY",
            "",
        ),
        (
            "bhd-three-decimals-html",
            "01936f0e-8c2a-7b3d-9e4f-0123456789ad",
            "1",
            "BHD",
            "Invoice #42 / \"Q4\" <b>&amp;</b> 'x' \\ 50% 😀",
        ),
    ];
    cases
        .iter()
        .map(|(name, tid, amount, currency, reference)| {
            json!({
                "name": name,
                "input": {
                    "transfer_id": tid,
                    "from_account": "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a5b",
                    "to_account": "0192b6a4-3c5d-7e6f-9a9b-0c1d2e3f4a5c",
                    "amount": amount,
                    "currency": currency,
                    "reference": reference,
                    "created_at": "2026-11-29T09:10:00Z",
                    "initiator_cert_serial": "3f2a9c1b7d4e5f60718293a4b5c6d7e8",
                },
            })
        })
        .collect()
}

fn transfer_from_input(input: &Value) -> TransferPayload {
    let mut obj = input.as_object().unwrap().clone();
    obj.insert("type".into(), json!("pqbank.transfer.v1"));
    TransferPayload::from_json(&serde_json::to_vec(&obj).unwrap()).unwrap()
}

fn approval_from_input(input: &Value) -> ApprovalPayload {
    let mut obj = input.as_object().unwrap().clone();
    obj.insert("type".into(), json!("pqbank.approval.v1"));
    ApprovalPayload::from_json(&serde_json::to_vec(&obj).unwrap()).unwrap()
}

fn generate() -> Value {
    let key = device_key();
    let public = key.public_key();
    let raw_private = key.to_raw().unwrap();

    // Composite signatures: empty context (X.509), the login context, a long context and a
    // non-UTF-8 message.
    let signatures = vec![
        signature_case(&key, "empty-context", b"", b""),
        signature_case(
            &key,
            "login-context",
            b"pqbank browser device",
            LOGIN_SIGNATURE_CONTEXT,
        ),
        signature_case(&key, "max-context", &[0xff, 0x00, 0x80], &[0x5a; 255]),
    ];

    // Login: transcript, signature, X-Wing, session key.
    let xwing_seed = det("login/xwing-seed");
    let eph = DecapsulationKey::from_seed(KemAlgorithm::XWing, &xwing_seed).unwrap();
    let transcript = LoginTranscript {
        nonce: hex::encode(det("login/nonce")),
        username: "zoë.customer".into(),
        device_cert_serial: "5b7e0c2d9a1f4e3b8c6d0a2f4e6b8d0c".into(),
        client_kem_public_key: B64.encode(eph.encapsulation_key().as_bytes()),
        origin: "https://127.0.0.1:8443".into(),
    };
    let canonical = transcript.canonical_bytes();
    let login_rnd = det("login/rnd");
    let login_sig = sign_fixed(&key, &canonical, LOGIN_SIGNATURE_CONTEXT, &login_rnd);
    let mut eseed = det("login/eseed-m").to_vec();
    eseed.extend_from_slice(&det("login/eseed-x25519"));
    let (ct, ss) = eph.encapsulation_key().encapsulate_derand(&eseed).unwrap();
    assert_eq!(eph.decapsulate(&ct).unwrap().expose(), ss.expose());
    let session_key = derive_session_key(ss.expose(), &canonical, SESSION_KEY_INFO).unwrap();

    // Request MACs with the session key, through the client's own code.
    let session = Session::restore(
        "token".into(),
        "session".into(),
        "user".into(),
        vec!["customer".into()],
        SecretBytes::from_slice(session_key.expose()),
        0,
    );
    let mac_cases: Vec<Value> = [
        ("GET", "/api/v1/me", "", 1_795_000_000_i64, 1_i64),
        ("POST", "/api/v1/auth/logout", "", 1_795_000_001, 2),
        (
            "POST",
            "/api/v1/transfers?dry_run=true&x=%C3%A9",
            "{\"amount\":\"1\",\"reference\":\"Zoë\"}",
            1_795_000_002,
            9_007_199_254_740_991,
        ),
    ]
    .iter()
    .map(|(method, path, body, ts, ctr)| {
        let input = request_mac_input(
            method,
            path,
            &hex::encode(sha256(body.as_bytes())),
            *ts,
            *ctr,
        );
        json!({
            "method": method,
            "path_and_query": path,
            "body": body,
            "timestamp": ts,
            "counter": ctr,
            "input": String::from_utf8(input).unwrap(),
            "header": session.mac_header_with(method, path, body.as_bytes(), *ts, *ctr),
        })
    })
    .collect();

    // CSR, as the device builds it (fixed signing randomness).
    let csr_rnd = det("csr/rnd");
    let mut rng = FixedRng::new(&[&csr_rnd]);
    let csr = pqbank_pki::build_csr(&key, "CN=pqbank device", &mut rng).unwrap();
    assert!(rng.exhausted());
    let verified = pqbank_pki::parse_csr(csr.der()).unwrap();
    assert_eq!(verified.public_key(), &public);

    // Canonical payloads and their signatures.
    let transfers: Vec<Value> = transfer_members()
        .into_iter()
        .map(|mut case| {
            let p = transfer_from_input(&case["input"]);
            let name = case["name"].as_str().unwrap().to_owned();
            let bytes = p.canonical_bytes();
            let rnd = det(&format!("transfer/{name}/rnd"));
            let sig = sign_fixed(&key, &bytes, TRANSFER_SIGNATURE_CONTEXT, &rnd);
            case["canonical"] = json!(p.canonical_json());
            case["digest_hex"] = json!(hex::encode(sha256(&bytes)));
            case["rnd_hex"] = json!(hex::encode(rnd));
            case["signature_b64url"] = json!(B64.encode(sig.as_bytes()));
            case
        })
        .collect();
    let first = transfer_from_input(&transfers[0]["input"]);
    let approval_input = json!({
        "transfer_id": first.transfer_id.to_string(),
        "payload_digest": hex::encode(sha256(&first.canonical_bytes())),
        "decision": "approve",
        "approver_cert_serial": "00c0ffee00c0ffee00",
        "created_at": "2026-11-29T10:00:00Z",
    });
    let approval = approval_from_input(&approval_input);
    let approval_rnd = det("approval/rnd");
    let approval_sig = sign_fixed(
        &key,
        &approval.canonical_bytes(),
        APPROVAL_SIGNATURE_CONTEXT,
        &approval_rnd,
    );

    json!({
        "about": "Generated by crates/client/tests/web_vectors.rs (PQBANK_WRITE_WEB_VECTORS=1 cargo test -p pqbank-client --test web_vectors). Do not edit.",
        "composite": {
            "algorithm": ALG.id(),
            "oid": ALG.oid(),
            "private_key_hex": hex::encode(raw_private.expose()),
            "public_key_hex": hex::encode(public.as_bytes()),
            "spki_der_hex": hex::encode(public.to_spki_der().unwrap()),
            "signatures": signatures,
        },
        "xwing": {
            "seed_hex": hex::encode(xwing_seed),
            "public_key_hex": hex::encode(eph.encapsulation_key().as_bytes()),
            "eseed_hex": hex::encode(&eseed),
            "ciphertext_hex": hex::encode(ct.as_bytes()),
            "shared_secret_hex": hex::encode(ss.expose()),
        },
        "login": {
            "transcript": {
                "nonce": transcript.nonce,
                "username": transcript.username,
                "device_cert_serial": transcript.device_cert_serial,
                "client_kem_public_key": transcript.client_kem_public_key,
                "origin": transcript.origin,
            },
            "canonical": String::from_utf8(canonical).unwrap(),
            "rnd_hex": hex::encode(login_rnd),
            "signature_b64url": B64.encode(login_sig.as_bytes()),
            "kem_ciphertext_b64url": B64.encode(ct.as_bytes()),
            "session_key_hex": hex::encode(session_key.expose()),
        },
        "mac": mac_cases,
        "csr": {
            "subject": "CN=pqbank device",
            "rnd_hex": hex::encode(csr_rnd),
            "der_hex": hex::encode(csr.der()),
            "pem": csr.to_pem().unwrap(),
        },
        "transfers": transfers,
        "approval": {
            "input": approval_input,
            "canonical": approval.canonical_json(),
            "rnd_hex": hex::encode(approval_rnd),
            "signature_b64url": B64.encode(approval_sig.as_bytes()),
        },
    })
}

#[test]
fn protocol_fixture_is_current() {
    let path = fixtures_dir().join("protocol.json");
    let generated = generate();
    if std::env::var_os(WRITE_ENV).is_some_and(|v| v == "1") {
        std::fs::create_dir_all(fixtures_dir()).unwrap();
        let mut text = serde_json::to_string_pretty(&generated).unwrap();
        text.push('\n');
        std::fs::write(&path, text).unwrap();
        println!("wrote {}", path.display());
        return;
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run with {WRITE_ENV}=1 to create it",
            path.display()
        )
    });
    let committed: Value = serde_json::from_str(&text).unwrap();
    assert!(
        committed == generated,
        "{} is stale; run with {WRITE_ENV}=1 to regenerate it",
        path.display()
    );
}

fn unb64(v: &Value) -> Vec<u8> {
    B64.decode(v.as_str().unwrap()).unwrap()
}

fn unhex(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn verify(key: &VerifyingKey, msg: &[u8], ctx: &[u8], sig: &[u8]) {
    let sig = Signature::from_bytes(key.algorithm(), sig).unwrap();
    key.verify(msg, ctx, &sig).unwrap();
    // And a flipped bit fails.
    let mut bad = sig.as_bytes().to_vec();
    bad[100] ^= 1;
    let bad = Signature::from_bytes(key.algorithm(), &bad).unwrap();
    assert!(key.verify(msg, ctx, &bad).is_err());
}

/// What the TypeScript port produced (randomized signing, its own key) verifies with the Rust
/// code the server runs.
#[test]
fn typescript_outputs_verify_in_rust() {
    let path = fixtures_dir().join("ts-produced.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e}; run `{WRITE_ENV}=1 npm test` in web/ to create it",
            path.display()
        )
    });
    let ts: Value = serde_json::from_str(&text).unwrap();
    let key = VerifyingKey::from_raw(ALG, &unhex(&ts["public_key_hex"])).unwrap();
    assert_eq!(
        key.to_spki_der().unwrap(),
        unhex(&ts["spki_der_hex"]),
        "SubjectPublicKeyInfo encodings differ"
    );

    // Plain composite signatures.
    let sigs = ts["signatures"].as_array().unwrap();
    assert!(!sigs.is_empty());
    for case in sigs {
        verify(
            &key,
            &unhex(&case["message_hex"]),
            &unhex(&case["context_hex"]),
            &unhex(&case["signature_hex"]),
        );
    }

    // The CSR: the CA's parser accepts it and certifies this key.
    let verified = pqbank_pki::parse_csr(ts["csr_pem"].as_str().unwrap().as_bytes()).unwrap();
    assert_eq!(verified.public_key(), &key);

    // The login: same canonical transcript, signature valid under the login context, the way
    // the server checks it.
    let t = &ts["login"]["transcript"];
    let transcript = LoginTranscript {
        nonce: t["nonce"].as_str().unwrap().into(),
        username: t["username"].as_str().unwrap().into(),
        device_cert_serial: t["device_cert_serial"].as_str().unwrap().into(),
        client_kem_public_key: t["client_kem_public_key"].as_str().unwrap().into(),
        origin: t["origin"].as_str().unwrap().into(),
    };
    let canonical = transcript.canonical_bytes();
    assert_eq!(
        canonical,
        ts["login"]["canonical"].as_str().unwrap().as_bytes()
    );
    verify(
        &key,
        &canonical,
        LOGIN_SIGNATURE_CONTEXT,
        &unb64(&ts["login"]["signature_b64url"]),
    );
    // The ephemeral key the browser put in the transcript is a valid X-Wing key; encapsulating
    // to it (as the server does) gives the browser's shared secret and session key.
    let client_kem = pqbank_crypto::EncapsulationKey::from_raw(
        KemAlgorithm::XWing,
        &B64.decode(&transcript.client_kem_public_key).unwrap(),
    )
    .unwrap();
    let (ct, ss) = client_kem
        .encapsulate_derand(&unhex(&ts["login"]["eseed_hex"]))
        .unwrap();
    assert_eq!(ct.as_bytes(), unb64(&ts["login"]["kem_ciphertext_b64url"]));
    let session_key = derive_session_key(ss.expose(), &canonical, SESSION_KEY_INFO).unwrap();
    assert_eq!(session_key.expose(), unhex(&ts["login"]["session_key_hex"]));
    let session = Session::restore("t".into(), "s".into(), "u".into(), vec![], session_key, 0);
    let mac = &ts["login"]["mac"];
    assert_eq!(
        session.mac_header_with(
            mac["method"].as_str().unwrap(),
            mac["path_and_query"].as_str().unwrap(),
            mac["body"].as_str().unwrap().as_bytes(),
            mac["timestamp"].as_i64().unwrap(),
            mac["counter"].as_i64().unwrap(),
        ),
        mac["header"].as_str().unwrap()
    );

    // A transfer signed in the browser: canonical bytes parse strictly and the signature holds.
    let tr = &ts["transfer"];
    let canonical = tr["canonical"].as_str().unwrap().as_bytes();
    TransferPayload::from_canonical_bytes(canonical).unwrap();
    verify(
        &key,
        canonical,
        TRANSFER_SIGNATURE_CONTEXT,
        &unb64(&tr["signature_b64url"]),
    );
    let ap = &ts["approval"];
    let canonical = ap["canonical"].as_str().unwrap().as_bytes();
    ApprovalPayload::from_canonical_bytes(canonical).unwrap();
    verify(
        &key,
        canonical,
        APPROVAL_SIGNATURE_CONTEXT,
        &unb64(&ap["signature_b64url"]),
    );
}
