//! Offline verifier tests: a clean log verifies; altered, deleted, swapped, duplicated and
//! truncated entries, bad or inconsistent checkpoints and bad client signatures are named.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::cell::RefCell;

use common::{Ed25519NoteKey, FakeClientSignatures, ORIGIN, event, event_bytes, log_key};
use pqbank_audit::verifier::PROGRESS_INTERVAL;
use pqbank_audit::{
    Checkpoint, Hash, MemoryNodeStore, NoteSigner, Verifier, VerifyError, append_batch, leaf_hash,
    root, sign_checkpoint,
};

/// Signed checkpoints of the log made of `events` at each of `sizes`.
fn checkpoints(events: &[Vec<u8>], sizes: &[u64], signer: &dyn NoteSigner) -> Vec<String> {
    let mut store = MemoryNodeStore::new();
    let hashes: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
    append_batch(&mut store, &hashes).unwrap();
    sizes
        .iter()
        .map(|&size| {
            let cp = Checkpoint::new(ORIGIN, size, root(&store, size).unwrap()).unwrap();
            sign_checkpoint(&cp, signer).unwrap()
        })
        .collect()
}

fn verify(events: &[Vec<u8>], notes: &[String]) -> Result<pqbank_audit::Report, VerifyError> {
    let key = log_key();
    let mut v = Verifier::new(ORIGIN, &key, notes)?;
    for e in events {
        v.push(e)?;
    }
    v.finish()
}

fn verify_with_stored(
    events: &[Vec<u8>],
    stored: &[Hash],
    notes: &[String],
) -> Result<pqbank_audit::Report, VerifyError> {
    let key = log_key();
    let mut v = Verifier::new(ORIGIN, &key, notes)?;
    for (e, h) in events.iter().zip(stored) {
        v.push_with_stored_hash(e, h)?;
    }
    v.finish()
}

#[test]
fn clean_log_verifies_with_progress_and_client_signatures() {
    let n = 2 * PROGRESS_INTERVAL + 100;
    let events = event_bytes(n);
    // Checkpoints given out of order, with a duplicate and the empty tree.
    let notes = checkpoints(&events, &[n - 50, 0, 1, 4096, 1, 777], &log_key());
    let key = log_key();
    let progress = RefCell::new(Vec::new());
    let checker = FakeClientSignatures;
    let mut v = Verifier::new(ORIGIN, &key, &notes)
        .unwrap()
        .with_event_signatures(&checker)
        .with_progress(|done| progress.borrow_mut().push(done));
    for e in &events {
        v.push(e).unwrap();
    }
    let report = v.finish().unwrap();
    assert_eq!(report.events, n);
    assert_eq!(report.checkpoints, 5);
    assert_eq!(report.anchored_events, n - 50);
    assert_eq!(
        report.signatures_checked,
        (0..n).filter(|i| i % 7 == 3).count() as u64
    );
    let hashes: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
    let mut store = MemoryNodeStore::new();
    assert_eq!(append_batch(&mut store, &hashes).unwrap().root, report.root);
    assert_eq!(
        *progress.borrow(),
        vec![PROGRESS_INTERVAL, 2 * PROGRESS_INTERVAL, n]
    );
}

#[test]
fn every_flipped_byte_in_one_entry_is_caught() {
    let n = 60;
    let target = 37usize;
    let events = event_bytes(n);
    let stored: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
    let notes = checkpoints(&events, &[20, 50, 60], &log_key());
    let len = events[target].len();
    let mut named_exactly_without_hints = 0;
    for pos in 0..len {
        let mut tampered = events.clone();
        tampered[target][pos] ^= 0x01;
        // Without stored hashes: the entry is named when the change breaks it, otherwise the
        // checkpoint range holding it is.
        let err = verify(&tampered, &notes).unwrap_err();
        match err {
            VerifyError::RootMismatch {
                checkpoint_size: 50,
                first_index: 20,
                last_index: 49,
            } => {}
            ref e if e.entry_index() == Some(target as u64) => named_exactly_without_hints += 1,
            e => panic!("flip at {pos}: unexpected {e}"),
        }
        // With the stored leaf hashes as hints the entry is always named exactly.
        let err = verify_with_stored(&tampered, &stored, &notes).unwrap_err();
        assert_eq!(
            err.entry_index(),
            Some(target as u64),
            "flip at {pos}: {err}"
        );
    }
    assert!(named_exactly_without_hints > len / 2);
}

#[test]
fn altered_detail_is_located() {
    let events = event_bytes(60);
    let stored: Vec<Hash> = events.iter().map(|e| leaf_hash(e)).collect();
    let notes = checkpoints(&events, &[20, 50], &log_key());
    let mut tampered = events.clone();
    let text = String::from_utf8(tampered[37].clone()).unwrap();
    tampered[37] = text.replace("abcdefgh", "abcdefgi").into_bytes();
    let err = verify(&tampered, &notes).unwrap_err();
    assert!(matches!(
        err,
        VerifyError::RootMismatch {
            checkpoint_size: 50,
            first_index: 20,
            last_index: 49
        }
    ));
    assert!(err.to_string().contains("20..=49"));
    let err = verify_with_stored(&tampered, &stored, &notes).unwrap_err();
    assert!(matches!(err, VerifyError::AlteredEntry { index: 37 }));
}

#[test]
fn deleted_swapped_duplicated_and_truncated_entries_are_named() {
    let events = event_bytes(100);
    let notes = checkpoints(&events, &[100], &log_key());

    let mut deleted = events.clone();
    deleted.remove(50);
    assert!(matches!(
        verify(&deleted, &notes),
        Err(VerifyError::MissingEntry {
            index: 50,
            next: 51
        })
    ));

    let mut swapped = events.clone();
    swapped.swap(50, 51);
    assert!(matches!(
        verify(&swapped, &notes),
        Err(VerifyError::SwappedEntries {
            first: 50,
            second: 51
        })
    ));

    let mut duplicated = events.clone();
    duplicated.insert(51, events[50].clone());
    assert!(matches!(
        verify(&duplicated, &notes),
        Err(VerifyError::DuplicateEntry {
            index: 50,
            position: 51
        })
    ));

    let mut reindexed = events.clone();
    let mut e = event(50);
    e.index = 70;
    reindexed[50] = e.leaf_bytes().unwrap();
    assert!(matches!(
        verify(&reindexed, &notes),
        Err(VerifyError::WrongIndex {
            index: 50,
            found: 70
        })
    ));

    let truncated = events[..90].to_vec();
    assert!(matches!(
        verify(&truncated, &notes),
        Err(VerifyError::LogTruncated {
            events: 90,
            checkpoint_size: 100
        })
    ));

    let mut last_deleted = events.clone();
    last_deleted.pop();
    assert_eq!(
        verify(&last_deleted, &notes).unwrap_err().entry_index(),
        Some(99)
    );

    // Deleting an entry and renumbering the rest keeps the sequence but not the root.
    let renumbered: Vec<Vec<u8>> = (0..99u64)
        .map(|i| {
            let mut e = event(if i < 50 { i } else { i + 1 });
            e.index = i;
            e.leaf_bytes().unwrap()
        })
        .collect();
    let notes = checkpoints(&events, &[40, 99], &log_key());
    assert!(matches!(
        verify(&renumbered, &notes),
        Err(VerifyError::RootMismatch {
            checkpoint_size: 99,
            first_index: 40,
            last_index: 98
        })
    ));
}

#[test]
fn errors_are_sticky() {
    let events = event_bytes(10);
    let key = log_key();
    let notes: Vec<String> = Vec::new();
    let mut v = Verifier::new(ORIGIN, &key, &notes).unwrap();
    v.push(&events[0]).unwrap();
    assert!(v.push(b"{}").is_err());
    let err = v.push(&events[1]).unwrap_err();
    assert!(matches!(err, VerifyError::MalformedEntry { index: 1, .. }));
    assert!(v.finish().is_err());
}

#[test]
fn bad_checkpoints_are_rejected() {
    let events = event_bytes(30);
    let key = log_key();
    let mut notes = checkpoints(&events, &[10, 30], &key);

    // Tampered signature.
    let mut bad = notes.clone();
    bad[1] = bad[1].replacen("\n30\n", "\n31\n", 1);
    assert!(matches!(
        Verifier::new(ORIGIN, &key, &bad),
        Err(VerifyError::BadCheckpoint { position: 1, .. })
    ));

    // Signed by an untrusted key.
    let rogue = Ed25519NoteKey::from_seed(ORIGIN, &[66u8; 32]);
    let rogue_notes = checkpoints(&events, &[30], &rogue);
    assert!(matches!(
        Verifier::new(ORIGIN, &key, &rogue_notes),
        Err(VerifyError::BadCheckpoint { position: 0, .. })
    ));

    // Another log's checkpoint, signed with our key.
    let other = Checkpoint::new("other.example/log", 30, leaf_hash(b"x")).unwrap();
    notes.push(sign_checkpoint(&other, &key).unwrap());
    assert!(matches!(
        Verifier::new(ORIGIN, &key, &notes),
        Err(VerifyError::WrongOrigin { position: 2, .. })
    ));

    // A signed checkpoint whose root does not match the log.
    let wrong = Checkpoint::new(ORIGIN, 10, leaf_hash(b"x")).unwrap();
    let notes = vec![sign_checkpoint(&wrong, &key).unwrap()];
    assert!(matches!(
        verify(&events, &notes),
        Err(VerifyError::RootMismatch {
            checkpoint_size: 10,
            first_index: 0,
            last_index: 9
        })
    ));

    // The empty tree has a fixed root.
    let wrong_empty = Checkpoint::new(ORIGIN, 0, leaf_hash(b"x")).unwrap();
    let notes = vec![sign_checkpoint(&wrong_empty, &key).unwrap()];
    assert!(Verifier::new(ORIGIN, &key, &notes).is_ok());
    assert!(matches!(
        verify(&events, &notes),
        Err(VerifyError::RootMismatch {
            checkpoint_size: 0,
            ..
        })
    ));
}

#[test]
fn inconsistent_checkpoints_are_detected() {
    let key = log_key();
    let original = event_bytes(100);
    let mut rewritten = original.clone();
    let mut e = event(10);
    e.details.clear();
    rewritten[10] = e.leaf_bytes().unwrap();

    // Same size, two roots: rejected up front.
    let mut notes = checkpoints(&original, &[50], &key);
    notes.extend(checkpoints(&rewritten, &[50], &key));
    assert!(matches!(
        Verifier::new(ORIGIN, &key, &notes),
        Err(VerifyError::InconsistentCheckpoints {
            old_size: 50,
            new_size: 50,
            ..
        })
    ));

    // History rewritten after the checkpoint at 50 was signed; a later checkpoint signs the
    // rewritten log.
    let mut notes = checkpoints(&original, &[20, 50], &key);
    notes.extend(checkpoints(&rewritten, &[100], &key));
    let err = verify(&rewritten, &notes).unwrap_err();
    assert!(
        matches!(
            err,
            VerifyError::InconsistentCheckpoints {
                old_size: 20,
                new_size: 100,
                first_index: 0,
                last_index: 19
            }
        ),
        "{err}"
    );
    assert_eq!(err.entry_index(), Some(0));
    // The original log fails against the later checkpoint instead.
    assert!(matches!(
        verify(&original, &notes),
        Err(VerifyError::RootMismatch {
            checkpoint_size: 100,
            first_index: 50,
            ..
        })
    ));
}

#[test]
fn bad_client_signature_is_named() {
    let mut events = event_bytes(20);
    let mut e = event(10);
    assert!(e.signed.is_some());
    if let Some(s) = e.signed.as_mut() {
        s.signature[0] ^= 1;
    }
    events[10] = e.leaf_bytes().unwrap();
    let key = log_key();
    let notes = checkpoints(&events, &[20], &key);
    let checker = FakeClientSignatures;
    let mut v = Verifier::new(ORIGIN, &key, &notes)
        .unwrap()
        .with_event_signatures(&checker);
    let mut result = Ok(());
    for ev in &events {
        result = v.push(ev);
        if result.is_err() {
            break;
        }
    }
    assert!(matches!(
        result,
        Err(VerifyError::BadEventSignature { index: 10, .. })
    ));
}
