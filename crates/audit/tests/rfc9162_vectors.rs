//! RFC 9162 known-answer tests: the 8-leaf tree used by Certificate Transparency
//! implementations (transparency-dev/merkle proof/verify_test.go).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqbank_audit::{
    Hash, MemoryNodeStore, ProofError, append, consistency_proof, empty_root, inclusion_proof,
    leaf_hash, root, verify_consistency, verify_inclusion,
};

fn h(hex: &str) -> Hash {
    Hash::from_hex(hex).unwrap()
}

const LEAVES: [&str; 8] = [
    "",
    "00",
    "10",
    "2021",
    "3031",
    "40414243",
    "5051525354555657",
    "606162636465666768696a6b6c6d6e6f",
];

const ROOTS: [&str; 8] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

/// (leaf index, tree size, proof)
const INCLUSION: &[(u64, u64, &[&str])] = &[
    (0, 1, &[]),
    (
        0,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        5,
        8,
        &[
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        3,
        &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
    ),
    (
        1,
        5,
        &[
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
];

/// (old size, new size, proof)
const CONSISTENCY: &[(u64, u64, &[&str])] = &[
    (1, 1, &[]),
    (
        1,
        8,
        &[
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ],
    ),
    (
        6,
        8,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
    (
        2,
        5,
        &[
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ],
    ),
    (
        6,
        7,
        &[
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ],
    ),
];

fn tree() -> (MemoryNodeStore, Vec<Hash>) {
    let mut store = MemoryNodeStore::new();
    let mut hashes = Vec::new();
    for (i, leaf) in LEAVES.iter().enumerate() {
        let hash = leaf_hash(&hex::decode(leaf).unwrap());
        hashes.push(hash);
        let head = append(&mut store, hash).unwrap();
        assert_eq!(head.size, i as u64 + 1);
        assert_eq!(head.root, h(ROOTS[i]), "root after append {i}");
    }
    (store, hashes)
}

fn root_of(size: u64) -> Hash {
    if size == 0 {
        empty_root()
    } else {
        h(ROOTS[size as usize - 1])
    }
}

fn flip(proof: &[Hash], i: usize, bit: u8) -> Vec<Hash> {
    let mut p = proof.to_vec();
    p[i].0[0] ^= bit;
    p
}

#[test]
fn roots_for_every_size() {
    let (store, _) = tree();
    assert_eq!(root(&store, 0).unwrap(), empty_root());
    for size in 1..=8u64 {
        assert_eq!(root(&store, size).unwrap(), root_of(size), "size {size}");
    }
}

#[test]
fn inclusion_proofs_match_and_verify() {
    let (store, leaves) = tree();
    let some_hash = h("abacaba000000000000000000000000000000000000000000060061e00123456");
    for (index, size, expected) in INCLUSION {
        let expected: Vec<Hash> = expected.iter().map(|x| h(x)).collect();
        let (index, size) = (*index, *size);
        let proof = inclusion_proof(&store, index, size).unwrap();
        assert_eq!(proof, expected, "proof for {index} in {size}");
        let leaf = leaves[index as usize];
        let root = root_of(size);
        verify_inclusion(&leaf, index, size, &proof, &root).unwrap();

        // The corruptions of transparency-dev's corruptInclusionProof.
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (index.wrapping_sub(1), size, leaf, root, proof.clone()),
            (index + 1, size, leaf, root, proof.clone()),
            (index ^ 2, size, leaf, root, proof.clone()),
            (index, size * 2, leaf, root, proof.clone()),
            (index, size / 2, leaf, root, proof.clone()),
            (index, size, some_hash, root, proof.clone()),
            (index, size, leaf, empty_root(), proof.clone()),
            (index, size, leaf, some_hash, proof.clone()),
            (
                index,
                size,
                leaf,
                root,
                [proof.clone(), vec![root]].concat(),
            ),
            (
                index,
                size,
                leaf,
                root,
                [vec![root], proof.clone()].concat(),
            ),
            (
                index,
                size,
                leaf,
                root,
                [proof.clone(), vec![Hash([0; 32])]].concat(),
            ),
        ];
        for i in 0..proof.len() {
            probes.push((index, size, leaf, root, flip(&proof, i, 8)));
        }
        if !proof.is_empty() {
            probes.push((index, size, leaf, root, proof[..proof.len() - 1].to_vec()));
        }
        if proof.len() > 1 {
            let mut p = vec![proof[0], some_hash];
            p.extend_from_slice(&proof[1..]);
            probes.push((index, size, leaf, root, p));
        }
        for (n, (i, s, l, r, p)) in probes.into_iter().enumerate() {
            assert!(
                verify_inclusion(&l, i, s, &p, &r).is_err(),
                "probe {n} for ({index}, {size}) verified"
            );
        }
    }
}

#[test]
fn consistency_proofs_match_and_verify() {
    let (store, _) = tree();
    for (old, new, expected) in CONSISTENCY {
        let expected: Vec<Hash> = expected.iter().map(|x| h(x)).collect();
        let (old, new) = (*old, *new);
        let proof = consistency_proof(&store, old, new).unwrap();
        assert_eq!(proof, expected, "proof {old} -> {new}");
        let (r1, r2) = (root_of(old), root_of(new));
        verify_consistency(old, new, &r1, &r2, &proof).unwrap();
        if proof.is_empty() {
            continue;
        }
        // The corruptions of transparency-dev's corruptConsistencyProof.
        let wrong = h("abacaba000000000000000000000000000000000000000000060061e00123456");
        let mut probes: Vec<(u64, u64, Hash, Hash, Vec<Hash>)> = vec![
            (old - 1, new, r1, r2, proof.clone()),
            (old + 1, new, r1, r2, proof.clone()),
            (old ^ 2, new, r1, r2, proof.clone()),
            (old, new * 2, r1, r2, proof.clone()),
            (old, new / 2, r1, r2, proof.clone()),
            (old, new, wrong, r2, proof.clone()),
            (old, new, r1, wrong, proof.clone()),
            (old, new, r2, r1, proof.clone()),
            (old, new, r1, r2, Vec::new()),
            (
                old,
                new,
                r1,
                r2,
                [proof.clone(), vec![Hash([0; 32])]].concat(),
            ),
            (old, new, r1, r2, [proof.clone(), vec![r1]].concat()),
            (old, new, r1, r2, [proof.clone(), vec![r2]].concat()),
            (
                old,
                new,
                r1,
                r2,
                [vec![Hash([0; 32])], proof.clone()].concat(),
            ),
            (old, new, r1, r2, [vec![r1], proof.clone()].concat()),
            (old, new, r1, r2, [vec![r2], proof.clone()].concat()),
            (old, new, r1, r2, [vec![proof[0]], proof.clone()].concat()),
            (old, new, r1, r2, proof[..proof.len() - 1].to_vec()),
        ];
        for i in 0..proof.len() {
            probes.push((old, new, r1, r2, flip(&proof, i, 16)));
        }
        for (n, (o, nw, a, b, p)) in probes.into_iter().enumerate() {
            assert!(
                verify_consistency(o, nw, &a, &b, &p).is_err(),
                "probe {n} for {old} -> {new} verified"
            );
        }
    }
}

#[test]
fn consistency_edge_cases() {
    let (a, b) = (h(ROOTS[0]), h(ROOTS[1]));
    let empty = empty_root();
    // Equal sizes: roots must match and the proof must be empty.
    assert!(verify_consistency(1, 1, &a, &a, &[]).is_ok());
    assert_eq!(
        verify_consistency(1, 1, &a, &b, &[]),
        Err(ProofError::RootMismatch)
    );
    assert!(verify_consistency(1, 1, &a, &a, &[empty]).is_err());
    // From the empty tree: empty proof, and the old root must be the empty-tree hash.
    assert!(verify_consistency(0, 5, &empty, &b, &[]).is_ok());
    assert!(verify_consistency(0, 0, &empty, &empty, &[]).is_ok());
    assert_eq!(
        verify_consistency(0, 5, &a, &b, &[]),
        Err(ProofError::OldRootMismatch)
    );
    assert!(verify_consistency(0, 1, &empty, &a, &[empty]).is_err());
    // Time travel.
    assert!(matches!(
        verify_consistency(2, 1, &a, &b, &[]),
        Err(ProofError::SizesOutOfOrder { .. })
    ));
    // Non-trivial sizes need a proof.
    assert!(verify_consistency(1, 2, &a, &b, &[]).is_err());
}

#[test]
fn inclusion_edge_cases() {
    let leaf = leaf_hash(b"data");
    // A one-leaf tree's root is its leaf hash and the proof is empty.
    assert!(verify_inclusion(&leaf, 0, 1, &[], &leaf).is_ok());
    for (index, size) in [(0u64, 0u64), (1, 0), (2, 1), (1, 1)] {
        assert!(verify_inclusion(&leaf, index, size, &[], &leaf).is_err());
    }
    // Over-long proofs are rejected before hashing.
    let long = vec![leaf; 65];
    assert!(matches!(
        verify_inclusion(&leaf, 0, u64::MAX, &long, &leaf),
        Err(ProofError::WrongLength { .. })
    ));
}
