//! RFC 9162 proof verification (sections 2.1.3.2 and 2.1.4.2). Pure functions over hashes.

use crate::hash::{Hash, node_hash};

/// Longest proof accepted: a tree of at most 2^64 - 1 leaves has height 64.
pub const MAX_PROOF_LEN: usize = 64;

/// Why a proof did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// Leaf index not below the tree size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// The older tree is larger than the newer one.
    #[error("old tree size {old} exceeds new tree size {new}")]
    SizesOutOfOrder {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The proof has too many or too few hashes for the sizes.
    #[error("proof has the wrong number of hashes ({len})")]
    WrongLength {
        /// Hashes in the proof.
        len: usize,
    },
    /// The proof does not lead to the expected root.
    #[error("proof does not match the root hash")]
    RootMismatch,
    /// A consistency proof does not reproduce the old root.
    #[error("proof does not match the old root hash")]
    OldRootMismatch,
}

/// Computes the root implied by an inclusion proof (RFC 9162 section 2.1.3.2, steps 1-4).
pub fn root_from_inclusion_proof(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
) -> Result<Hash, ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let wrong_length = ProofError::WrongLength { len: proof.len() };
    if proof.len() > MAX_PROOF_LEN {
        return Err(wrong_length);
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf_hash;
    for p in proof {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(wrong_length);
    }
    Ok(r)
}

/// Verifies that `leaf_hash` is leaf `index` of the tree of `size` leaves with `root`.
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if root_from_inclusion_proof(leaf_hash, index, size, proof)? == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Verifies that the tree of `old_size` leaves with `old_root` is a prefix of the tree of
/// `new_size` leaves with `new_root` (RFC 9162 section 2.1.4.2).
///
/// Edge cases: equal sizes need an empty proof and equal roots; `old_size == 0` needs an
/// empty proof and `old_root` equal to the empty-tree hash (SHA-256 of "").
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::SizesOutOfOrder {
            old: old_size,
            new: new_size,
        });
    }
    let wrong_length = ProofError::WrongLength { len: proof.len() };
    if old_size == 0 || old_size == new_size {
        if !proof.is_empty() {
            return Err(wrong_length);
        }
        if old_size == 0 && *old_root != crate::hash::empty_root() {
            return Err(ProofError::OldRootMismatch);
        }
        if old_size == new_size && old_root != new_root {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    // Step 1: an empty path fails; bound the work.
    let Some((first, rest)) = proof.split_first() else {
        return Err(wrong_length);
    };
    if proof.len() > 2 * MAX_PROOF_LEN {
        return Err(wrong_length);
    }
    // Step 2: if old_size is a power of two the path implicitly starts with old_root.
    let (seed, path) = if old_size.is_power_of_two() {
        (old_root, proof)
    } else {
        (first, rest)
    };
    // Step 3 and 4.
    let (mut fnode, mut snode) = (old_size - 1, new_size - 1);
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // Steps 5 and 6.
    let (mut fr, mut sr) = (*seed, *seed);
    for c in path {
        if snode == 0 {
            return Err(wrong_length);
        }
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    // Step 7.
    if snode != 0 {
        return Err(wrong_length);
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch);
    }
    if sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}
