//! Helpers shared by the integration tests: an independent naive RFC 9162 implementation,
//! Ed25519 note keys and an event generator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_lc_rs::digest;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use pqbank_audit::{
    Action, Actor, AuditEvent, DetailKey, DetailValue, ExternalError, Hash, NoteSigner,
    NoteVerifier, Outcome, Resource, SignatureType, SignedPayload, Timestamp, Token, actions,
    key_id,
};

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for p in parts {
        ctx.update(p);
    }
    Hash::from_slice(ctx.finish().as_ref()).unwrap()
}

/// SHA-256(0x00 || data), written independently of the crate.
pub fn naive_leaf(data: &[u8]) -> Hash {
    sha256(&[&[0u8], data])
}

fn naive_node(l: &Hash, r: &Hash) -> Hash {
    sha256(&[&[1u8], l.as_bytes(), r.as_bytes()])
}

fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 9162 section 2.1.1 MTH, recursively over leaf hashes.
pub fn naive_mth(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => sha256(&[]),
        1 => leaves[0],
        n => {
            let k = k_of(n);
            naive_node(&naive_mth(&leaves[..k]), &naive_mth(&leaves[k..]))
        }
    }
}

/// RFC 9162 section 2.1.3.1 PATH(m, D[n]).
pub fn naive_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    let n = leaves.len();
    if n <= 1 {
        return Vec::new();
    }
    let k = k_of(n);
    if m < k {
        let mut p = naive_path(m, &leaves[..k]);
        p.push(naive_mth(&leaves[k..]));
        p
    } else {
        let mut p = naive_path(m - k, &leaves[k..]);
        p.push(naive_mth(&leaves[..k]));
        p
    }
}

fn naive_subproof(m: usize, leaves: &[Hash], whole: bool) -> Vec<Hash> {
    let n = leaves.len();
    if m == n {
        return if whole {
            Vec::new()
        } else {
            vec![naive_mth(leaves)]
        };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = naive_subproof(m, &leaves[..k], whole);
        p.push(naive_mth(&leaves[k..]));
        p
    } else {
        let mut p = naive_subproof(m - k, &leaves[k..], false);
        p.push(naive_mth(&leaves[..k]));
        p
    }
}

/// RFC 9162 section 2.1.4.1 PROOF(m, D[n]); empty for m = 0 or m = n.
pub fn naive_consistency(m: usize, leaves: &[Hash]) -> Vec<Hash> {
    if m == 0 || m == leaves.len() {
        Vec::new()
    } else {
        naive_subproof(m, leaves, true)
    }
}

/// An Ed25519 note key (signer and verifier), signature type 0x01.
pub struct Ed25519NoteKey {
    name: String,
    pair: Ed25519KeyPair,
    id: [u8; 4],
}

impl Ed25519NoteKey {
    pub fn from_seed(name: &str, seed: &[u8]) -> Self {
        let pair = Ed25519KeyPair::from_seed_unchecked(seed).unwrap();
        let id = key_id(name, SignatureType::Ed25519, pair.public_key().as_ref());
        Self {
            name: name.to_owned(),
            pair,
            id,
        }
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
}

impl NoteSigner for Ed25519NoteKey {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ExternalError> {
        Ok(self.pair.sign(msg).as_ref().to_vec())
    }
}

impl NoteVerifier for Ed25519NoteKey {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, self.public_key())
            .verify(msg, sig)
            .is_ok()
    }
}

pub const ORIGIN: &str = "bank.example/audit";

pub fn log_key() -> Ed25519NoteKey {
    Ed25519NoteKey::from_seed(ORIGIN, &[7u8; 32])
}

/// A deterministic event; every seventh one carries a client signature whose "signature"
/// is the payload hash itself (checked by [`FakeClientSignatures`]).
pub fn event(index: u64) -> AuditEvent {
    let acts: &[Action] = actions::ALL;
    let action = acts[(index as usize) % acts.len()].clone();
    let mut e = AuditEvent::new(
        index,
        Timestamp::from_unix_micros(1_790_000_000_000_000 + index as i64 * 1_000).unwrap(),
        Actor {
            user_id: Some(Token::new(format!("user-{}", index % 13)).unwrap()),
            roles: vec![Token::new("teller").unwrap()],
            device_cert_serial: None,
        },
        action,
        Resource {
            kind: Token::new("account").unwrap(),
            id: Token::new(format!("acc-{}", index % 101)).unwrap(),
        },
        if index.is_multiple_of(5) {
            Outcome::Failure {
                code: Token::new("denied").unwrap(),
            }
        } else {
            Outcome::Success
        },
    );
    e.request_id = Some(Token::new(format!("req-{index}")).unwrap());
    e.details.insert(
        DetailKey::new("amount_minor").unwrap(),
        DetailValue::new(format!("{}", index * 37 % 100_000)).unwrap(),
    );
    e.details.insert(
        DetailKey::new("note").unwrap(),
        DetailValue::new("abcdefgh").unwrap(),
    );
    if index % 7 == 3 {
        let payload = sha256(&[format!("payload-{index}").as_bytes()]);
        e.signed = Some(SignedPayload {
            payload_sha256: payload,
            signature: payload.as_bytes().to_vec(),
            algorithm: Token::new("test-sig").unwrap(),
            cert_serial: Token::new("01ab").unwrap(),
        });
    }
    e
}

/// Canonical encodings of events `0..n`.
pub fn event_bytes(n: u64) -> Vec<Vec<u8>> {
    (0..n).map(|i| event(i).leaf_bytes().unwrap()).collect()
}

/// Accepts a client signature iff it equals the payload hash (stand-in for real crypto).
pub struct FakeClientSignatures;

impl pqbank_audit::EventSignatureVerifier for FakeClientSignatures {
    fn verify_event_signature(
        &self,
        _event: &AuditEvent,
        signed: &SignedPayload,
    ) -> Result<(), ExternalError> {
        if signed.signature == signed.payload_sha256.as_bytes() {
            Ok(())
        } else {
            Err(ExternalError::msg("signature mismatch"))
        }
    }
}
