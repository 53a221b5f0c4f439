//! Offline verification of an exported audit log against signed checkpoints.
//!
//! The [`Verifier`] consumes canonical event encodings in log order, checks the index
//! sequence, recomputes leaf hashes and the Merkle tree with a [`Frontier`] (O(log n)
//! memory, so millions of events need a few kilobytes) and, whenever the recomputed tree
//! reaches a checkpoint's size, compares roots. Checkpoint signatures are verified up front.
//!
//! Because every checkpoint root is compared with a root recomputed from the *same* event
//! stream, checkpoints that all match are pairwise consistent (each tree is a prefix of
//! the next) without a separate consistency proof. When a checkpoint does not match but a
//! later one does, the history was rewritten after the earlier checkpoint was signed and
//! the later checkpoint signs the rewritten history: reported as
//! [`VerifyError::InconsistentCheckpoints`].
//!
//! Localisation: a change that keeps an event well-formed can only be located to the range
//! between two checkpoints (one signed root cannot say which leaf changed). Feeding the
//! leaf hashes stored by the database ([`Verifier::push_with_stored_hash`]) names the
//! altered entry exactly when only the event row was changed; those hashes are hints, the
//! signed roots stay the trust anchor.

use std::fmt;

use crate::checkpoint::{Checkpoint, CheckpointError, NoteVerifier, open_checkpoint};
use crate::error::ExternalError;
use crate::event::{AuditEvent, EventError, SignedPayload};
use crate::frontier::Frontier;
use crate::hash::{Hash, leaf_hash};

/// The progress callback is called every this many events (and at the end).
pub const PROGRESS_INTERVAL: u64 = 4096;

/// Re-verifies client signatures carried by events (plugged in by the CLI).
pub trait EventSignatureVerifier {
    /// Checks `signed` (the signature block of `event`); `Err` explains the failure.
    fn verify_event_signature(
        &self,
        event: &AuditEvent,
        signed: &SignedPayload,
    ) -> Result<(), ExternalError>;
}

/// Summary of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// Events verified.
    pub events: u64,
    /// Distinct checkpoints verified.
    pub checkpoints: usize,
    /// Client signatures re-verified.
    pub signatures_checked: u64,
    /// Events covered by the largest checkpoint; later events are not yet anchored by a
    /// signed root.
    pub anchored_events: u64,
    /// Root of the tree of all events.
    pub root: Hash,
}

/// The first problem found. [`VerifyError::entry_index`] names the first bad entry.
#[derive(Debug, Clone, thiserror::Error)]
pub enum VerifyError {
    /// A checkpoint note failed to open (bad signature, malformed, no trusted signature).
    #[error("checkpoint #{position}: {error}")]
    BadCheckpoint {
        /// Position of the note in the list given to [`Verifier::new`].
        position: usize,
        /// Why.
        error: CheckpointError,
    },
    /// A checkpoint is for another log.
    #[error("checkpoint #{position} is for origin {origin:?}, not this log")]
    WrongOrigin {
        /// Position of the note in the list given to [`Verifier::new`].
        position: usize,
        /// Its origin.
        origin: String,
    },
    /// Two signed checkpoints cannot both describe one append-only log.
    #[error(
        "checkpoints at sizes {old_size} and {new_size} are inconsistent: entries \
         {first_index}..={last_index} were rewritten after the checkpoint at size {old_size} \
         was signed"
    )]
    InconsistentCheckpoints {
        /// Size of the earlier checkpoint (that the log no longer matches).
        old_size: u64,
        /// Size of the later checkpoint (that matches the rewritten log).
        new_size: u64,
        /// First entry that may have been rewritten.
        first_index: u64,
        /// Last entry that may have been rewritten.
        last_index: u64,
    },
    /// An entry is not a canonical event.
    #[error("entry {index} is malformed: {error}")]
    MalformedEntry {
        /// Position of the entry.
        index: u64,
        /// Why.
        error: EventError,
    },
    /// An entry's leaf hash differs from the hash stored for it.
    #[error("entry {index} was altered (leaf hash differs from the stored hash)")]
    AlteredEntry {
        /// Index of the entry.
        index: u64,
    },
    /// The entry at a position carries another index.
    #[error("entry at position {index} carries index {found} (index altered)")]
    WrongIndex {
        /// Position of the entry.
        index: u64,
        /// Index it carries.
        found: u64,
    },
    /// Entries are missing.
    #[error("entry {index} is missing (next entry has index {next})")]
    MissingEntry {
        /// First missing index.
        index: u64,
        /// Index found in its place.
        next: u64,
    },
    /// Two entries are out of order.
    #[error("entries {first} and {second} are swapped")]
    SwappedEntries {
        /// Lower index (expected first).
        first: u64,
        /// Higher index (found first).
        second: u64,
    },
    /// An entry appears again.
    #[error("entry {index} appears again at position {position}")]
    DuplicateEntry {
        /// Repeated index.
        index: u64,
        /// Position of the repeat.
        position: u64,
    },
    /// The recomputed root differs from a signed checkpoint.
    #[error(
        "root at size {checkpoint_size} differs from the signed checkpoint: an entry in \
         {first_index}..={last_index} was altered, inserted or removed"
    )]
    RootMismatch {
        /// Checkpoint size.
        checkpoint_size: u64,
        /// First entry that may be bad (the previous matching checkpoint's size).
        first_index: u64,
        /// Last entry that may be bad.
        last_index: u64,
    },
    /// The log ends before a signed checkpoint's size.
    #[error("log has {events} entries but a checkpoint covers {checkpoint_size}")]
    LogTruncated {
        /// Entries present.
        events: u64,
        /// Checkpoint size.
        checkpoint_size: u64,
    },
    /// A client signature carried by an entry does not verify.
    #[error("entry {index}: client signature invalid: {error}")]
    BadEventSignature {
        /// Index of the entry.
        index: u64,
        /// Why.
        error: ExternalError,
    },
}

impl VerifyError {
    /// The first bad entry, when the problem concerns entries.
    pub fn entry_index(&self) -> Option<u64> {
        match self {
            Self::BadCheckpoint { .. } | Self::WrongOrigin { .. } => None,
            Self::InconsistentCheckpoints { first_index, .. }
            | Self::RootMismatch { first_index, .. } => Some(*first_index),
            Self::MalformedEntry { index, .. }
            | Self::AlteredEntry { index }
            | Self::WrongIndex { index, .. }
            | Self::MissingEntry { index, .. }
            | Self::DuplicateEntry { index, .. }
            | Self::BadEventSignature { index, .. } => Some(*index),
            Self::SwappedEntries { first, .. } => Some(*first),
            Self::LogTruncated { events, .. } => Some(*events),
        }
    }
}

/// A root mismatch waiting to see whether a later checkpoint matches.
#[derive(Debug, Clone, Copy)]
struct Mismatch {
    checkpoint_size: u64,
    first_index: u64,
}

/// Incremental verifier of an exported log. See the module documentation.
pub struct Verifier<'a> {
    checkpoints: Vec<Checkpoint>,
    next_checkpoint: usize,
    anchored: u64,
    mismatch: Option<Mismatch>,
    frontier: Frontier,
    /// Index carried by an out-of-sequence entry, kept for one entry of lookahead.
    pending: Option<u64>,
    event_signatures: Option<&'a dyn EventSignatureVerifier>,
    progress: Option<Box<dyn FnMut(u64) + 'a>>,
    signatures_checked: u64,
    failed: Option<VerifyError>,
}

impl fmt::Debug for Verifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("events", &self.frontier.size())
            .field("checkpoints", &self.checkpoints.len())
            .field("next_checkpoint", &self.next_checkpoint)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<'a> Verifier<'a> {
    /// Opens and checks every checkpoint note (signature by `note_verifier`, origin), sorts
    /// them by size and rejects two different roots for one size.
    pub fn new<S: AsRef<str>>(
        origin: &str,
        note_verifier: &dyn NoteVerifier,
        notes: &[S],
    ) -> Result<Self, VerifyError> {
        let mut checkpoints = Vec::with_capacity(notes.len());
        for (position, note) in notes.iter().enumerate() {
            let checkpoint = open_checkpoint(note.as_ref(), note_verifier)
                .map_err(|error| VerifyError::BadCheckpoint { position, error })?;
            if checkpoint.origin() != origin {
                return Err(VerifyError::WrongOrigin {
                    position,
                    origin: checkpoint.origin().to_owned(),
                });
            }
            checkpoints.push(checkpoint);
        }
        checkpoints.sort_by_key(Checkpoint::size);
        let conflict = checkpoints
            .windows(2)
            .filter_map(|pair| pair.first().zip(pair.get(1)))
            .find(|(a, b)| a.size() == b.size() && a.root() != b.root());
        if let Some((a, b)) = conflict {
            return Err(VerifyError::InconsistentCheckpoints {
                old_size: a.size(),
                new_size: b.size(),
                first_index: 0,
                last_index: a.size().saturating_sub(1),
            });
        }
        checkpoints.dedup_by(|a, b| a.size() == b.size());
        let mut verifier = Self {
            checkpoints,
            next_checkpoint: 0,
            anchored: 0,
            mismatch: None,
            frontier: Frontier::new(),
            pending: None,
            event_signatures: None,
            progress: None,
            signatures_checked: 0,
            failed: None,
        };
        // Checkpoints of the empty tree.
        verifier.check_checkpoints()?;
        Ok(verifier)
    }

    /// Re-verifies the client signature of every event carrying one.
    pub fn with_event_signatures(mut self, checker: &'a dyn EventSignatureVerifier) -> Self {
        self.event_signatures = Some(checker);
        self
    }

    /// Reports the number of events processed every [`PROGRESS_INTERVAL`] events.
    pub fn with_progress(mut self, progress: impl FnMut(u64) + 'a) -> Self {
        self.progress = Some(Box::new(progress));
        self
    }

    /// Number of events accepted so far.
    pub fn events(&self) -> u64 {
        self.frontier.size()
    }

    /// Consumes the next event's canonical encoding.
    pub fn push(&mut self, event_bytes: &[u8]) -> Result<(), VerifyError> {
        self.guarded(|v| v.push_inner(event_bytes, None))
    }

    /// Like [`Verifier::push`], also comparing the leaf hash with the one the database
    /// stored for the entry, which names an altered entry exactly.
    pub fn push_with_stored_hash(
        &mut self,
        event_bytes: &[u8],
        stored_leaf_hash: &Hash,
    ) -> Result<(), VerifyError> {
        self.guarded(|v| v.push_inner(event_bytes, Some(stored_leaf_hash)))
    }

    /// Ends verification: every checkpoint must have been reached and matched.
    pub fn finish(mut self) -> Result<Report, VerifyError> {
        if let Some(err) = self.failed.take() {
            return Err(err);
        }
        let events = self.frontier.size();
        if let Some(found) = self.pending {
            return Err(self.first_error(out_of_sequence(events, found, None)));
        }
        if let Some(checkpoint) = self.checkpoints.get(self.next_checkpoint) {
            return Err(self.first_error(VerifyError::LogTruncated {
                events,
                checkpoint_size: checkpoint.size(),
            }));
        }
        if let Some(m) = self.mismatch {
            return Err(root_mismatch(m));
        }
        if let Some(progress) = self.progress.as_mut() {
            progress(events);
        }
        Ok(Report {
            events,
            checkpoints: self.checkpoints.len(),
            signatures_checked: self.signatures_checked,
            anchored_events: self.anchored,
            root: self.frontier.root(),
        })
    }

    fn guarded(
        &mut self,
        step: impl FnOnce(&mut Self) -> Result<(), VerifyError>,
    ) -> Result<(), VerifyError> {
        if let Some(err) = &self.failed {
            return Err(err.clone());
        }
        let result = step(self).map_err(|err| self.first_error(err));
        if let Err(err) = &result {
            self.failed = Some(err.clone());
        }
        result
    }

    /// A root mismatch seen earlier takes precedence over later problems.
    fn first_error(&self, err: VerifyError) -> VerifyError {
        match self.mismatch {
            Some(m) if !matches!(err, VerifyError::InconsistentCheckpoints { .. }) => {
                root_mismatch(m)
            }
            _ => err,
        }
    }

    fn push_inner(&mut self, bytes: &[u8], stored: Option<&Hash>) -> Result<(), VerifyError> {
        let expected = self.frontier.size();
        let parsed = AuditEvent::from_leaf_bytes(bytes);
        if let Some(found) = self.pending {
            let next = parsed.as_ref().ok().map(|e| e.index);
            return Err(out_of_sequence(expected, found, next));
        }
        let event = parsed.map_err(|error| VerifyError::MalformedEntry {
            index: expected,
            error,
        })?;
        if event.index != expected {
            self.pending = Some(event.index);
            return Ok(());
        }
        let hash = leaf_hash(bytes);
        if stored.is_some_and(|s| *s != hash) {
            return Err(VerifyError::AlteredEntry { index: expected });
        }
        if let (Some(checker), Some(signed)) = (self.event_signatures, &event.signed) {
            checker
                .verify_event_signature(&event, signed)
                .map_err(|error| VerifyError::BadEventSignature {
                    index: expected,
                    error,
                })?;
            self.signatures_checked += 1;
        }
        self.frontier
            .push(hash)
            .map_err(|_| VerifyError::MalformedEntry {
                index: expected,
                error: EventError::IndexOutOfRange,
            })?;
        self.check_checkpoints()?;
        let size = self.frontier.size();
        if size.is_multiple_of(PROGRESS_INTERVAL)
            && let Some(progress) = self.progress.as_mut()
        {
            progress(size);
        }
        Ok(())
    }

    /// Compares the recomputed root with every checkpoint of the current size.
    fn check_checkpoints(&mut self) -> Result<(), VerifyError> {
        let size = self.frontier.size();
        let Some(checkpoint) = self.checkpoints.get(self.next_checkpoint) else {
            return Ok(());
        };
        if checkpoint.size() != size {
            return Ok(());
        }
        self.next_checkpoint += 1;
        let matches = *checkpoint.root() == self.frontier.root();
        match (matches, self.mismatch) {
            (true, None) => self.anchored = size,
            (true, Some(m)) => {
                return Err(VerifyError::InconsistentCheckpoints {
                    old_size: m.checkpoint_size,
                    new_size: size,
                    first_index: m.first_index,
                    last_index: m.checkpoint_size.saturating_sub(1),
                });
            }
            (false, None) => {
                self.mismatch = Some(Mismatch {
                    checkpoint_size: size,
                    first_index: self.anchored,
                });
            }
            (false, Some(_)) => {}
        }
        Ok(())
    }
}

fn root_mismatch(m: Mismatch) -> VerifyError {
    VerifyError::RootMismatch {
        checkpoint_size: m.checkpoint_size,
        first_index: m.first_index,
        last_index: m.checkpoint_size.saturating_sub(1),
    }
}

/// Names the problem when position `expected` held index `found` and the following entry
/// holds `next` (`None` at the end of the log or if it is unreadable).
fn out_of_sequence(expected: u64, found: u64, next: Option<u64>) -> VerifyError {
    match next {
        Some(n) if found > expected && n == expected => VerifyError::SwappedEntries {
            first: expected,
            second: found,
        },
        Some(n) if n == expected + 1 => VerifyError::WrongIndex {
            index: expected,
            found,
        },
        _ if found > expected => VerifyError::MissingEntry {
            index: expected,
            next: found,
        },
        _ => VerifyError::DuplicateEntry {
            index: found,
            position: expected,
        },
    }
}
