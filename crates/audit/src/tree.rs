//! Storage-friendly RFC 9162 Merkle tree.
//!
//! Only the hashes of *perfect* subtrees are stored, addressed by `(level, index)`: node
//! `(l, i)` covers leaves `[i * 2^l, (i + 1) * 2^l)`; level 0 holds the leaf hashes. A
//! perfect subtree never changes once complete, so the store is append-only. The hash of
//! any other range needed by a root or proof lies on the right edge of the tree and is
//! computed from at most 64 perfect subtrees.
//!
//! Costs (node reads are batched into one [`NodeStore::get_many`] call per operation):
//! - [`append`]: reads popcount(n) nodes, writes 1 + trailing_ones(n) nodes (amortised 2).
//! - [`append_batch`]: reads popcount(n) nodes once, writes about 2 nodes per leaf.
//! - [`root`], [`inclusion_proof`], [`consistency_proof`]: read O(log n) nodes.

use std::ops::Range;

use crate::error::ExternalError;
use crate::frontier::{Frontier, FrontierError, fold_right};
use crate::hash::Hash;

/// Address of a perfect subtree: `level` 0 is a leaf, `index` counts subtrees of that level
/// from the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    /// Height of the subtree (0..=63).
    pub level: u8,
    /// Position of the subtree among those of the same level.
    pub index: u64,
}

/// Persistent storage of perfect-subtree hashes, implemented by the database layer.
///
/// A database can keep one table `(level, index) -> hash` with that primary key; the tree
/// size is the number of level-0 rows. Implementations must serialise appends (for example
/// run [`append`] inside one write transaction) and should make [`NodeStore::put_many`]
/// atomic, so a crash never leaves a leaf without its completed parents.
pub trait NodeStore {
    /// Number of leaves stored (the number of level-0 nodes).
    fn tree_size(&self) -> Result<u64, ExternalError>;

    /// The hash of one node, `None` if it is not stored.
    fn get(&self, id: NodeId) -> Result<Option<Hash>, ExternalError>;

    /// The hashes of several nodes, in the order asked. Override to use one query.
    fn get_many(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, ExternalError> {
        ids.iter().map(|id| self.get(*id)).collect()
    }

    /// Stores one node. Nodes of one level are always written in ascending index order
    /// and never rewritten with a different hash.
    fn put(&mut self, id: NodeId, hash: Hash) -> Result<(), ExternalError>;

    /// Stores several nodes (leaf first, then parents bottom-up). Override to write them
    /// in one statement or transaction.
    fn put_many(&mut self, nodes: &[(NodeId, Hash)]) -> Result<(), ExternalError> {
        nodes.iter().try_for_each(|(id, hash)| self.put(*id, *hash))
    }
}

/// Errors from tree operations.
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// The node store failed.
    #[error("node store: {0}")]
    Store(#[from] ExternalError),
    /// A node that must exist for the tree size is not stored.
    #[error("node (level {}, index {}) is missing from the store", .0.level, .0.index)]
    MissingNode(NodeId),
    /// The node store returned a different number of nodes than asked.
    #[error("node store returned {got} nodes for {asked} ids")]
    BadStoreAnswer {
        /// Nodes asked for.
        asked: usize,
        /// Nodes returned.
        got: usize,
    },
    /// A leaf index not below the tree size.
    #[error("leaf index {index} is not below tree size {size}")]
    IndexOutOfRange {
        /// Leaf index.
        index: u64,
        /// Tree size.
        size: u64,
    },
    /// A tree size larger than the stored tree.
    #[error("tree size {size} exceeds the stored tree size {stored}")]
    SizeOutOfRange {
        /// Requested size.
        size: u64,
        /// Stored size.
        stored: u64,
    },
    /// A consistency proof from a larger to a smaller tree.
    #[error("cannot prove consistency from size {old} to smaller size {new}")]
    SizesOutOfOrder {
        /// Older size.
        old: u64,
        /// Newer size.
        new: u64,
    },
    /// The tree is full.
    #[error("tree is full")]
    Full,
}

impl From<FrontierError> for TreeError {
    fn from(_: FrontierError) -> Self {
        // Frontiers built here always have the right hash count, so only `Full` can occur.
        Self::Full
    }
}

/// A tree size and its root hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeHead {
    /// Number of leaves.
    pub size: u64,
    /// RFC 9162 Merkle tree hash.
    pub root: Hash,
}

/// In-memory [`NodeStore`]: one vector of hashes per level.
#[derive(Debug, Clone, Default)]
pub struct MemoryNodeStore {
    levels: Vec<Vec<Hash>>,
}

impl MemoryNodeStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of stored nodes (all levels).
    pub fn node_count(&self) -> usize {
        self.levels.iter().map(Vec::len).sum()
    }
}

impl NodeStore for MemoryNodeStore {
    fn tree_size(&self) -> Result<u64, ExternalError> {
        Ok(self.levels.first().map_or(0, |l| l.len() as u64))
    }

    fn get(&self, id: NodeId) -> Result<Option<Hash>, ExternalError> {
        Ok(usize::try_from(id.index).ok().and_then(|i| {
            self.levels
                .get(usize::from(id.level))
                .and_then(|level| level.get(i))
                .copied()
        }))
    }

    fn put(&mut self, id: NodeId, hash: Hash) -> Result<(), ExternalError> {
        let level_no = usize::from(id.level);
        if self.levels.len() <= level_no {
            self.levels.resize_with(level_no + 1, Vec::new);
        }
        let Some(level) = self.levels.get_mut(level_no) else {
            return Err(ExternalError::msg("level not allocated"));
        };
        let index = usize::try_from(id.index)
            .map_err(|_| ExternalError::msg("node index exceeds memory"))?;
        match level.get(index) {
            Some(existing) if *existing == hash => Ok(()),
            Some(_) => Err(ExternalError::msg(format!(
                "node (level {}, index {}) already stored with another hash",
                id.level, id.index
            ))),
            None if index == level.len() => {
                level.push(hash);
                Ok(())
            }
            None => Err(ExternalError::msg(format!(
                "node (level {}, index {}) written out of order",
                id.level, id.index
            ))),
        }
    }
}

/// Appends one leaf hash; returns the new size and root.
pub fn append<S: NodeStore + ?Sized>(store: &mut S, leaf: Hash) -> Result<TreeHead, TreeError> {
    append_batch(store, &[leaf])
}

/// Appends many leaf hashes with one frontier read and one [`NodeStore::put_many`] call;
/// returns the new size and root.
pub fn append_batch<S: NodeStore + ?Sized>(
    store: &mut S,
    leaves: &[Hash],
) -> Result<TreeHead, TreeError> {
    let size = store.tree_size()?;
    let mut frontier = load_frontier(store, size)?;
    let mut nodes = Vec::with_capacity(leaves.len() * 2 + 64);
    for leaf in leaves {
        frontier.push_with(*leaf, |id, hash| nodes.push((id, hash)))?;
    }
    store.put_many(&nodes)?;
    Ok(TreeHead {
        size: frontier.size(),
        root: frontier.root(),
    })
}

/// The frontier of the first `size` leaves, for in-memory appends (see [`Frontier`]).
pub fn frontier<S: NodeStore + ?Sized>(store: &S, size: u64) -> Result<Frontier, TreeError> {
    check_size(store, size)?;
    load_frontier(store, size)
}

/// The root hash of the first `size` leaves (`size` may be below the stored size).
pub fn root<S: NodeStore + ?Sized>(store: &S, size: u64) -> Result<Hash, TreeError> {
    Ok(frontier(store, size)?.root())
}

/// RFC 9162 inclusion proof (audit path) of leaf `index` in the tree of `size` leaves,
/// ordered from the leaf's sibling up to the root's child.
pub fn inclusion_proof<S: NodeStore + ?Sized>(
    store: &S,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, TreeError> {
    if index >= size {
        return Err(TreeError::IndexOutOfRange { index, size });
    }
    check_size(store, size)?;
    range_hashes(store, &inclusion_ranges(index, size))
}

/// RFC 9162 consistency proof between the trees of `old` and `new` leaves. Empty when
/// `old` is 0 or equal to `new`.
pub fn consistency_proof<S: NodeStore + ?Sized>(
    store: &S,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, TreeError> {
    if old > new {
        return Err(TreeError::SizesOutOfOrder { old, new });
    }
    check_size(store, new)?;
    range_hashes(store, &consistency_ranges(old, new))
}

fn check_size<S: NodeStore + ?Sized>(store: &S, size: u64) -> Result<(), TreeError> {
    let stored = store.tree_size()?;
    if size > stored {
        return Err(TreeError::SizeOutOfRange { size, stored });
    }
    Ok(())
}

fn load_frontier<S: NodeStore + ?Sized>(store: &S, size: u64) -> Result<Frontier, TreeError> {
    let ids: Vec<NodeId> = Frontier::node_ids(size).collect();
    let hashes = fetch(store, &ids)?;
    Ok(Frontier::from_parts(size, hashes)?)
}

/// Reads nodes that must exist.
fn fetch<S: NodeStore + ?Sized>(store: &S, ids: &[NodeId]) -> Result<Vec<Hash>, TreeError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let found = store.get_many(ids)?;
    if found.len() != ids.len() {
        return Err(TreeError::BadStoreAnswer {
            asked: ids.len(),
            got: found.len(),
        });
    }
    ids.iter()
        .zip(found)
        .map(|(id, hash)| hash.ok_or(TreeError::MissingNode(*id)))
        .collect()
}

/// Merkle tree hashes of several leaf ranges, each either a perfect subtree or a range
/// ending at the tree's right edge whose start is aligned to a power of two not below its
/// length (the only kinds RFC 9162 proofs need).
fn range_hashes<S: NodeStore + ?Sized>(
    store: &S,
    ranges: &[Range<u64>],
) -> Result<Vec<Hash>, TreeError> {
    let mut ids = Vec::new();
    let mut spans = Vec::with_capacity(ranges.len());
    for range in ranges {
        let first = ids.len();
        ids.extend(perfect_subtrees(range.start, range.end));
        spans.push(first..ids.len());
    }
    let hashes = fetch(store, &ids)?;
    spans
        .into_iter()
        .map(|span| {
            let asked = ids.len();
            hashes
                .get(span)
                .map(fold_right)
                .ok_or(TreeError::BadStoreAnswer {
                    asked,
                    got: hashes.len(),
                })
        })
        .collect()
}

/// Decomposes `[start, end)` into perfect subtrees, largest first, assuming `start` is a
/// multiple of the largest power of two not above `end - start` (true for every range
/// used here). The right fold of their hashes is the range's Merkle tree hash.
pub(crate) fn perfect_subtrees(start: u64, end: u64) -> impl Iterator<Item = NodeId> {
    let len = end.saturating_sub(start);
    (0..64u8)
        .rev()
        .filter(move |level| (len >> level) & 1 == 1)
        .scan(start, |pos, level| {
            let id = NodeId {
                level,
                index: *pos >> level,
            };
            *pos = pos.wrapping_add(1u64 << level);
            Some(id)
        })
}

/// The largest power of two strictly below `n` (`n >= 2`).
pub(crate) fn split_point(n: u64) -> u64 {
    1u64 << (63 - (n - 1).leading_zeros())
}

/// Ranges whose hashes form PATH(index, D[0:size]) (RFC 9162 section 2.1.3.1), leaf end
/// first.
fn inclusion_ranges(index: u64, size: u64) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    let (mut start, mut end) = (0u64, size);
    while end - start > 1 {
        let mid = start + split_point(end - start);
        if index < mid {
            out.push(mid..end);
            end = mid;
        } else {
            out.push(start..mid);
            start = mid;
        }
    }
    out.reverse();
    out
}

/// Ranges whose hashes form PROOF(old, D[0:new]) (RFC 9162 section 2.1.4.1), deepest
/// first.
fn consistency_ranges(old: u64, new: u64) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    if old == 0 || old >= new {
        return out;
    }
    let (mut start, mut end, mut m, mut whole) = (0u64, new, old, true);
    loop {
        let len = end - start;
        if m == len {
            if !whole {
                out.push(start..end);
            }
            break;
        }
        let k = split_point(len);
        if m <= k {
            out.push(start + k..end);
            end = start + k;
        } else {
            out.push(start..start + k);
            start += k;
            m -= k;
            whole = false;
        }
    }
    out.reverse();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hash::leaf_hash;

    #[test]
    fn split_point_is_largest_power_below() {
        assert_eq!(split_point(2), 1);
        assert_eq!(split_point(3), 2);
        assert_eq!(split_point(4), 2);
        assert_eq!(split_point(5), 4);
        assert_eq!(split_point(u64::MAX), 1 << 63);
    }

    #[test]
    fn memory_store_is_append_only() {
        let mut s = MemoryNodeStore::new();
        let a = leaf_hash(b"a");
        let b = leaf_hash(b"b");
        let id0 = NodeId { level: 0, index: 0 };
        s.put(id0, a).unwrap();
        s.put(id0, a).unwrap();
        assert!(s.put(id0, b).is_err());
        assert!(s.put(NodeId { level: 0, index: 2 }, b).is_err());
        assert_eq!(s.tree_size().unwrap(), 1);
    }

    #[test]
    fn errors_for_bad_arguments() {
        let mut s = MemoryNodeStore::new();
        append_batch(&mut s, &[leaf_hash(b"a"), leaf_hash(b"b")]).unwrap();
        assert!(matches!(
            inclusion_proof(&s, 2, 2),
            Err(TreeError::IndexOutOfRange { .. })
        ));
        assert!(matches!(root(&s, 3), Err(TreeError::SizeOutOfRange { .. })));
        assert!(matches!(
            consistency_proof(&s, 2, 1),
            Err(TreeError::SizesOutOfOrder { .. })
        ));
    }

    #[test]
    fn missing_nodes_are_reported() {
        struct Forgetful(MemoryNodeStore);
        impl NodeStore for Forgetful {
            fn tree_size(&self) -> Result<u64, ExternalError> {
                self.0.tree_size()
            }
            fn get(&self, id: NodeId) -> Result<Option<Hash>, ExternalError> {
                Ok(if id.level == 1 { None } else { self.0.get(id)? })
            }
            fn put(&mut self, id: NodeId, hash: Hash) -> Result<(), ExternalError> {
                self.0.put(id, hash)
            }
        }
        let mut s = Forgetful(MemoryNodeStore::new());
        append_batch(&mut s, &[leaf_hash(b"a"), leaf_hash(b"b")]).unwrap();
        assert!(matches!(
            root(&s, 2),
            Err(TreeError::MissingNode(NodeId { level: 1, index: 0 }))
        ));
    }
}
