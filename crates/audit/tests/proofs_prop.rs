//! Property tests: roots and proofs from the node store agree with a naive recursive
//! RFC 9162 implementation, verify, and fail once anything is altered.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{naive_consistency, naive_leaf, naive_mth, naive_path};
use pqbank_audit::{
    Hash, MemoryNodeStore, append, append_batch, consistency_proof, inclusion_proof, leaf_hash,
    root, verify_consistency, verify_inclusion,
};
use proptest::prelude::*;

fn leaves(n: usize, seed: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| naive_leaf(format!("leaf-{seed}-{i}").as_bytes()))
        .collect()
}

/// Builds the store with single appends for the first part and batches for the rest,
/// checking every returned root against the naive MTH.
fn build(hashes: &[Hash], split: usize) -> MemoryNodeStore {
    let mut store = MemoryNodeStore::new();
    let split = split.min(hashes.len());
    for (i, h) in hashes[..split].iter().enumerate() {
        let head = append(&mut store, *h).unwrap();
        assert_eq!(head.size, i as u64 + 1);
        assert_eq!(head.root, naive_mth(&hashes[..=i]));
    }
    let mut done = split;
    for chunk in hashes[split..].chunks(7) {
        done += chunk.len();
        let head = append_batch(&mut store, chunk).unwrap();
        assert_eq!(head.size, done as u64);
        assert_eq!(head.root, naive_mth(&hashes[..done]));
    }
    store
}

fn flipped(proof: &[Hash], i: usize, byte: usize, bit: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    p[i].0[byte % 32] ^= 1 << (bit % 8);
    p
}

fn check_inclusion(store: &MemoryNodeStore, hashes: &[Hash], index: usize, size: usize, r: u64) {
    let proof = inclusion_proof(store, index as u64, size as u64).unwrap();
    assert_eq!(proof, naive_path(index, &hashes[..size]));
    let root_hash = naive_mth(&hashes[..size]);
    let (idx, sz) = (index as u64, size as u64);
    let leaf = hashes[index];
    verify_inclusion(&leaf, idx, sz, &proof, &root_hash).unwrap();

    for i in 0..proof.len() {
        let p = flipped(&proof, i, r as usize + i, (r >> 8) as u8);
        assert!(verify_inclusion(&leaf, idx, sz, &p, &root_hash).is_err());
    }
    if size > 1 {
        let other = (index + 1 + (r as usize) % (size - 1)) % size;
        assert_ne!(other, index);
        assert!(verify_inclusion(&leaf, other as u64, sz, &proof, &root_hash).is_err());
        assert!(verify_inclusion(&hashes[other], idx, sz, &proof, &root_hash).is_err());
    }
    let mut bad_root = root_hash;
    bad_root.0[(r % 32) as usize] ^= 0x40;
    assert!(verify_inclusion(&leaf, idx, sz, &proof, &bad_root).is_err());
    assert!(verify_inclusion(&leaf_hash(b"other"), idx, sz, &proof, &root_hash).is_err());
    if !proof.is_empty() {
        assert!(verify_inclusion(&leaf, idx, sz, &proof[1..], &root_hash).is_err());
    }
    let longer = [proof.clone(), vec![root_hash]].concat();
    assert!(verify_inclusion(&leaf, idx, sz, &longer, &root_hash).is_err());
    // Another authentic (size, root) pair accepts this proof only if it is also the
    // genuine proof for that size.
    for other_size in (index + 1)..=hashes.len() {
        if other_size != size && naive_path(index, &hashes[..other_size]) != proof {
            let other_root = naive_mth(&hashes[..other_size]);
            assert!(
                verify_inclusion(&leaf, idx, other_size as u64, &proof, &other_root).is_err(),
                "proof for ({index}, {size}) accepted for size {other_size}"
            );
        }
    }
}

fn check_consistency(store: &MemoryNodeStore, hashes: &[Hash], old: usize, new: usize, r: u64) {
    let proof = consistency_proof(store, old as u64, new as u64).unwrap();
    assert_eq!(proof, naive_consistency(old, &hashes[..new]));
    let (r1, r2) = (naive_mth(&hashes[..old]), naive_mth(&hashes[..new]));
    let (o, n) = (old as u64, new as u64);
    verify_consistency(o, n, &r1, &r2, &proof).unwrap();

    let mut bad1 = r1;
    bad1.0[(r % 32) as usize] ^= 2;
    let mut bad2 = r2;
    bad2.0[(r % 31) as usize] ^= 4;
    assert!(verify_consistency(o, n, &bad1, &r2, &proof).is_err());
    // Any tree is consistent with the empty tree, so only a non-empty old tree binds the
    // new root.
    if old > 0 {
        assert!(verify_consistency(o, n, &r1, &bad2, &proof).is_err());
    }
    for i in 0..proof.len() {
        let p = flipped(&proof, i, r as usize + 3 * i, (r >> 16) as u8);
        assert!(verify_consistency(o, n, &r1, &r2, &p).is_err());
    }
    if !proof.is_empty() {
        assert!(verify_consistency(o, n, &r1, &r2, &proof[..proof.len() - 1]).is_err());
        assert!(verify_consistency(o, n, &r1, &r2, &[]).is_err());
    }
    let longer = [proof.clone(), vec![r2]].concat();
    assert!(verify_consistency(o, n, &r1, &r2, &longer).is_err());
    // Other authentic old trees are accepted only with their own genuine proof.
    for other in 0..=new {
        if other != old && naive_consistency(other, &hashes[..new]) != proof {
            let other_root = naive_mth(&hashes[..other]);
            assert!(
                verify_consistency(other as u64, n, &other_root, &r2, &proof).is_err(),
                "proof {old}->{new} accepted from {other}"
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn proofs_agree_with_naive_rfc9162(
        n in 1usize..=160,
        seed in any::<u64>(),
        split in 0usize..=160,
        picks in proptest::collection::vec((any::<u64>(), any::<u64>(), any::<u64>()), 6),
    ) {
        let hashes = leaves(n, seed);
        let store = build(&hashes, split);
        for size in 0..=n {
            prop_assert_eq!(root(&store, size as u64).unwrap(), naive_mth(&hashes[..size]));
        }
        for (a, b, r) in picks {
            let size = 1 + (a as usize) % n;
            let index = (b as usize) % size;
            check_inclusion(&store, &hashes, index, size, r);
            let new = (a as usize) % (n + 1);
            let old = (b as usize) % (new + 1);
            check_consistency(&store, &hashes, old, new, r);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn larger_trees(n in 1000usize..=5000, seed in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
        let hashes = leaves(n, seed);
        let mut store = MemoryNodeStore::new();
        let head = append_batch(&mut store, &hashes).unwrap();
        prop_assert_eq!(head.root, naive_mth(&hashes));
        let size = 1 + (a as usize) % n;
        let index = (b as usize) % size;
        let proof = inclusion_proof(&store, index as u64, size as u64).unwrap();
        prop_assert_eq!(&proof, &naive_path(index, &hashes[..size]));
        let old = (b as usize) % (size + 1);
        let cproof = consistency_proof(&store, old as u64, size as u64).unwrap();
        prop_assert_eq!(&cproof, &naive_consistency(old, &hashes[..size]));
        verify_consistency(
            old as u64,
            size as u64,
            &naive_mth(&hashes[..old]),
            &naive_mth(&hashes[..size]),
            &cproof,
        )
        .unwrap();
    }
}

#[test]
fn leaf_hash_matches_independent_implementation() {
    for data in [&b""[..], b"\x00", b"hello", &[0xffu8; 1000]] {
        assert_eq!(leaf_hash(data), naive_leaf(data));
    }
}

#[test]
fn node_writes_are_amortised_constant() {
    let hashes = leaves(1 << 12, 1);
    let mut store = MemoryNodeStore::new();
    for h in &hashes {
        append(&mut store, *h).unwrap();
    }
    // A perfect tree of 2^12 leaves has 2^13 - 1 nodes: about two writes per append.
    assert_eq!(store.node_count(), (1 << 13) - 1);
}
