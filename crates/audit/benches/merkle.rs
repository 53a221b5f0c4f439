//! Benchmarks: Merkle appends with `MemoryNodeStore`, proofs, event encoding and the
//! offline verifier over 100k events. Run with `cargo bench -p pqbank-audit`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use pqbank_audit::{
    Actor, AuditEvent, Checkpoint, DetailKey, DetailValue, ExternalError, Hash, MemoryNodeStore,
    NoteSigner, NoteVerifier, Outcome, Resource, SignatureType, Timestamp, Token, Verifier,
    actions, append, append_batch, consistency_proof, inclusion_proof, key_id, leaf_hash, root,
    sign_checkpoint,
};

const ORIGIN: &str = "bank.example/audit";
const VERIFY_EVENTS: u64 = 100_000;

struct Key {
    pair: Ed25519KeyPair,
    id: [u8; 4],
}

impl Key {
    fn new() -> Self {
        let pair = Ed25519KeyPair::from_seed_unchecked(&[7u8; 32]).unwrap();
        let id = key_id(ORIGIN, SignatureType::Ed25519, pair.public_key().as_ref());
        Self { pair, id }
    }
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

/// A typical event: about 400 bytes of canonical JSON.
fn event(index: u64) -> AuditEvent {
    let mut e = AuditEvent::new(
        index,
        Timestamp::from_unix_micros(1_790_000_000_000_000 + index as i64).unwrap(),
        Actor {
            user_id: Some(Token::new(format!("0193a7c2-7d1e-7000-8000-{index:012}")).unwrap()),
            roles: vec![Token::new("teller").unwrap()],
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

fn leaves(n: u64) -> Vec<Hash> {
    (0..n).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

fn bench_tree(c: &mut Criterion) {
    let pool = leaves(1 << 16);
    let mut group = c.benchmark_group("merkle");
    group.throughput(Throughput::Elements(1));
    group.bench_function("append_one/memory", |b| {
        // Time only the appends; the store grows with the iteration count.
        #[allow(clippy::disallowed_methods)] // benchmark timing
        b.iter_custom(|iters| {
            let mut store = MemoryNodeStore::new();
            let start = Instant::now();
            for i in 0..iters {
                black_box(append(&mut store, pool[(i as usize) & 0xffff]).unwrap());
            }
            start.elapsed()
        });
    });
    group.throughput(Throughput::Elements(1000));
    group.bench_function("append_batch_1000/memory", |b| {
        #[allow(clippy::disallowed_methods)] // benchmark timing
        b.iter_custom(|iters| {
            let mut store = MemoryNodeStore::new();
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let off = ((i * 1000) as usize) & 0xffff;
                let batch = &pool[off..(off + 1000).min(pool.len())];
                let start = Instant::now();
                black_box(append_batch(&mut store, batch).unwrap());
                total += start.elapsed();
            }
            total
        });
    });

    let big = 1u64 << 20;
    let mut store = MemoryNodeStore::new();
    append_batch(&mut store, &leaves(big)).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function("root/1M", |b| {
        b.iter(|| black_box(root(&store, black_box(big - 12345)).unwrap()))
    });
    group.bench_function("inclusion_proof/1M", |b| {
        b.iter(|| black_box(inclusion_proof(&store, black_box(777_777), big - 3).unwrap()))
    });
    group.bench_function("consistency_proof/1M", |b| {
        b.iter(|| black_box(consistency_proof(&store, black_box(654_321), big - 3).unwrap()))
    });
    group.finish();
}

fn bench_events(c: &mut Criterion) {
    let e = event(123_456);
    let bytes = e.leaf_bytes().unwrap();
    eprintln!("typical event: {} bytes canonical JSON", bytes.len());
    let mut group = c.benchmark_group("event");
    group.throughput(Throughput::Elements(1));
    group.bench_function("leaf_bytes", |b| {
        b.iter(|| black_box(&e).leaf_bytes().unwrap())
    });
    group.bench_function("from_leaf_bytes", |b| {
        b.iter(|| AuditEvent::from_leaf_bytes(black_box(&bytes)).unwrap())
    });
    group.finish();
}

fn bench_verifier(c: &mut Criterion) {
    let key = Key::new();
    let events: Vec<Vec<u8>> = (0..VERIFY_EVENTS)
        .map(|i| event(i).leaf_bytes().unwrap())
        .collect();
    let mut store = MemoryNodeStore::new();
    let hashes: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
    append_batch(&mut store, &hashes).unwrap();
    // One checkpoint every 10,000 events.
    let notes: Vec<String> = (1..=10)
        .map(|k| {
            let size = k * VERIFY_EVENTS / 10;
            let cp = Checkpoint::new(ORIGIN, size, root(&store, size).unwrap()).unwrap();
            sign_checkpoint(&cp, &key).unwrap()
        })
        .collect();
    let mut group = c.benchmark_group("verifier");
    group.sample_size(10);
    group.throughput(Throughput::Elements(VERIFY_EVENTS));
    group.bench_function("verify_100k_events", |b| {
        b.iter_batched(
            || (),
            |()| {
                let mut v = Verifier::new(ORIGIN, &key, &notes).unwrap();
                for e in &events {
                    v.push(e).unwrap();
                }
                let report = v.finish().unwrap();
                assert_eq!(report.events, VERIFY_EVENTS);
                report
            },
            BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, bench_tree, bench_events, bench_verifier);
criterion_main!(benches);
