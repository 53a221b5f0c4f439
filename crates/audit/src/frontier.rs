//! A compact Merkle tree "frontier": the roots of the perfect subtrees that make up a tree
//! of a given size (at most 64 hashes), enough to append leaves and compute the root.

use crate::hash::{Hash, empty_root, node_hash};
use crate::tree::{NodeId, perfect_subtrees};

/// Errors building or growing a [`Frontier`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrontierError {
    /// The number of hashes does not match the number of perfect subtrees of the size.
    #[error("a frontier of size {size} needs {expected} hashes, got {got}")]
    WrongHashCount {
        /// Tree size.
        size: u64,
        /// popcount(size).
        expected: usize,
        /// Hashes supplied.
        got: usize,
    },
    /// The tree cannot grow beyond `u64::MAX` leaves.
    #[error("tree is full")]
    Full,
}

/// The right edge of a Merkle tree: one hash per perfect subtree of the tree, ordered from
/// the leftmost (largest) to the rightmost (smallest). Uses O(log n) memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of the empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Rebuilds a frontier from its parts, for example from the nodes listed by
    /// [`Frontier::node_ids`] read from a [`crate::NodeStore`].
    pub fn from_parts(size: u64, hashes: Vec<Hash>) -> Result<Self, FrontierError> {
        let expected = size.count_ones() as usize;
        if hashes.len() != expected {
            return Err(FrontierError::WrongHashCount {
                size,
                expected,
                got: hashes.len(),
            });
        }
        Ok(Self { size, hashes })
    }

    /// The perfect subtrees whose hashes form the frontier of a tree of `size` leaves.
    pub fn node_ids(size: u64) -> impl Iterator<Item = NodeId> {
        perfect_subtrees(0, size)
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree hashes, largest subtree first.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) -> Result<(), FrontierError> {
        self.push_with(leaf, |_, _| {})
    }

    /// Appends a leaf hash, reporting every perfect-subtree node that becomes complete
    /// (the leaf itself first, then its completed ancestors bottom-up) to `completed`.
    pub fn push_with(
        &mut self,
        leaf: Hash,
        mut completed: impl FnMut(NodeId, Hash),
    ) -> Result<(), FrontierError> {
        let index = self.size;
        let new_size = index.checked_add(1).ok_or(FrontierError::Full)?;
        completed(NodeId { level: 0, index }, leaf);
        let mut hash = leaf;
        let mut level = 0u8;
        while (index >> level) & 1 == 1 {
            let Some(left) = self.hashes.pop() else {
                // Unreachable: the invariant hashes.len() == popcount(size) guarantees a
                // left sibling for every set bit; treat a violation as a full tree.
                return Err(FrontierError::Full);
            };
            hash = node_hash(&left, &hash);
            level += 1;
            completed(
                NodeId {
                    level,
                    index: index >> level,
                },
                hash,
            );
        }
        self.hashes.push(hash);
        self.size = new_size;
        Ok(())
    }

    /// The RFC 9162 Merkle tree hash of the tree.
    pub fn root(&self) -> Hash {
        fold_right(&self.hashes)
    }
}

/// Right fold of perfect-subtree hashes listed largest first: H(a, H(b, H(c, d))). This is
/// the RFC 9162 MTH of a range whose perfect-subtree decomposition is `hashes`.
pub(crate) fn fold_right(hashes: &[Hash]) -> Hash {
    let mut iter = hashes.iter().rev();
    match iter.next() {
        None => empty_root(),
        Some(last) => iter.fold(*last, |acc, left| node_hash(left, &acc)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn push_reports_completed_nodes() {
        let mut f = Frontier::new();
        let mut nodes = Vec::new();
        for i in 0..4u8 {
            f.push_with(leaf_hash(&[i]), |id, _| nodes.push((id.level, id.index)))
                .unwrap();
        }
        assert_eq!(
            nodes,
            vec![(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0)]
        );
        assert_eq!(f.hashes().len(), 1);
        assert_eq!(f.size(), 4);
    }

    #[test]
    fn from_parts_checks_count() {
        assert!(Frontier::from_parts(3, vec![leaf_hash(b"")]).is_err());
        let f = Frontier::from_parts(0, Vec::new()).unwrap();
        assert_eq!(f.root(), empty_root());
    }
}
