//! pqbank-audit: the tamper-evident audit log's pure logic (no I/O, no async, no SQL).
//!
//! - [`hash`]: RFC 9162 leaf and node hashing (SHA-256 via aws-lc-rs).
//! - [`tree`]: storage-friendly Merkle tree over a [`NodeStore`] of perfect-subtree
//!   hashes: [`append`], [`append_batch`], [`root`], [`inclusion_proof`],
//!   [`consistency_proof`], each reading O(log n) nodes.
//! - [`proof`]: RFC 9162 inclusion and consistency proof verification.
//! - [`event`]: the [`AuditEvent`] model, canonical RFC 8785 JSON leaves; [`actions`] lists
//!   the stable action names.
//! - [`checkpoint`]: C2SP tlog-checkpoint signed notes with pluggable signers.
//! - [`verifier`]: the offline log [`Verifier`] used by the CLI.
//!
//! ```
//! use pqbank_audit::{
//!     MemoryNodeStore, append_batch, consistency_proof, inclusion_proof, leaf_hash, root,
//!     verify_consistency, verify_inclusion,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut store = MemoryNodeStore::new();
//! let leaves: Vec<_> = (0u8..10).map(|i| leaf_hash(&[i])).collect();
//! let head = append_batch(&mut store, &leaves)?;
//! let proof = inclusion_proof(&store, 3, head.size)?;
//! verify_inclusion(&leaves[3], 3, head.size, &proof, &head.root)?;
//! let old_root = root(&store, 6)?;
//! let proof = consistency_proof(&store, 6, head.size)?;
//! verify_consistency(6, head.size, &old_root, &head.root, &proof)?;
//! # Ok(())
//! # }
//! ```

pub mod actions;
pub mod canonical;
pub mod checkpoint;
mod error;
pub mod event;
pub mod frontier;
pub mod hash;
pub mod proof;
pub mod timestamp;
pub mod tree;
pub mod verifier;

pub use checkpoint::{
    Checkpoint, CheckpointError, NoteSigner, NoteVerifier, SignatureType, key_id, open_checkpoint,
    open_note, sign_checkpoint, sign_note,
};
pub use error::ExternalError;
pub use event::{
    Action, Actor, AuditEvent, DetailKey, DetailValue, EventError, Outcome, Resource,
    SignedPayload, Token,
};
pub use frontier::Frontier;
pub use hash::{Hash, empty_root, leaf_hash, node_hash};
pub use proof::{ProofError, root_from_inclusion_proof, verify_consistency, verify_inclusion};
pub use timestamp::Timestamp;
pub use tree::{
    MemoryNodeStore, NodeId, NodeStore, TreeError, TreeHead, append, append_batch,
    consistency_proof, inclusion_proof, root,
};
pub use verifier::{EventSignatureVerifier, Report, Verifier, VerifyError};
