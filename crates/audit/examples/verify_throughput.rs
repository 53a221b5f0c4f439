//! Offline verifier throughput on a synthetic log: `cargo run --release -p pqbank-audit
//! --example verify_throughput -- 1000000`. Builds N typical events (about 400 bytes of canonical
//! JSON each) and a signed checkpoint every N/10 events, then times the verifier recomputing
//! every leaf, the tree and each checkpoint (signatures and consistency). Client signatures
//! inside events are not part of this figure (see the crypto benches for one verification).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]
#![allow(clippy::print_stdout, clippy::cast_precision_loss)] // a measurement printed for people
#![allow(clippy::disallowed_methods)] // wall-clock timing is the point

use std::time::Instant;

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use pqbank_audit::{
    Actor, AuditEvent, Checkpoint, DetailKey, DetailValue, ExternalError, Hash, MemoryNodeStore,
    NoteSigner, NoteVerifier, Outcome, Resource, SignatureType, Timestamp, Token, Verifier,
    actions, append_batch, key_id, leaf_hash, root, sign_checkpoint,
};

const ORIGIN: &str = "bank.example/audit";

struct Key {
    pair: Ed25519KeyPair,
    id: [u8; 4],
}

impl NoteSigner for Key {
    fn name(&self) -> &str {
        ORIGIN
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ExternalError> {
        Ok(self.pair.sign(msg).as_ref().to_vec())
    }
}

impl NoteVerifier for Key {
    fn name(&self) -> &str {
        ORIGIN
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, self.pair.public_key().as_ref())
            .verify(msg, sig)
            .is_ok()
    }
}

fn event(index: u64) -> AuditEvent {
    let mut e = AuditEvent::new(
        index,
        Timestamp::from_unix_micros(1_790_000_000_000_000 + i64::try_from(index).unwrap()).unwrap(),
        Actor {
            user_id: Some(Token::new(format!("0193a7c2-7d1e-7000-8000-{index:012}")).unwrap()),
            roles: vec![Token::new("customer").unwrap()],
            device_cert_serial: Some(Token::new("4f2a9c01d3e5b7").unwrap()),
        },
        actions::TRANSFER_CREATE,
        Resource {
            kind: Token::new("transfer").unwrap(),
            id: Token::new(format!("tr-{index}")).unwrap(),
        },
        Outcome::Success,
    );
    e.request_id = Some(Token::new(format!("req-{index}")).unwrap());
    e.details.insert(
        DetailKey::new("amount_minor").unwrap(),
        DetailValue::new(format!("{}", index * 37 % 1_000_000)).unwrap(),
    );
    e.details.insert(
        DetailKey::new("currency").unwrap(),
        DetailValue::new("EUR").unwrap(),
    );
    e
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("N events"));
    let pair = Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
    let id = key_id(ORIGIN, SignatureType::Ed25519, pair.public_key().as_ref());
    let key = Key { pair, id };
    let events: Vec<Vec<u8>> = (0..n).map(|i| event(i).leaf_bytes().unwrap()).collect();
    let bytes: usize = events.iter().map(Vec::len).sum();
    let mut store = MemoryNodeStore::new();
    let hashes: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
    append_batch(&mut store, &hashes).unwrap();
    let notes: Vec<String> = (1..=10)
        .map(|k| {
            let size = k * n / 10;
            let cp = Checkpoint::new(ORIGIN, size, root(&store, size).unwrap()).unwrap();
            sign_checkpoint(&cp, &key).unwrap()
        })
        .collect();
    let start = Instant::now();
    let mut v = Verifier::new(ORIGIN, &key, &notes).unwrap();
    for e in &events {
        v.push(e).unwrap();
    }
    let report = v.finish().unwrap();
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(report.events, n);
    println!(
        "verified {n} events ({:.1} MB) and 10 checkpoints in {secs:.2} s: {:.0} events/s",
        bytes as f64 / 1e6,
        n as f64 / secs
    );
}
