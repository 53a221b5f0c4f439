//! Signed-note and checkpoint tests, including the Go sumdb/note reference vector.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Ed25519NoteKey, ORIGIN, log_key};
use pqbank_audit::checkpoint::{MAX_NOTE_BYTES, MAX_SIGNATURES};
use pqbank_audit::{
    Checkpoint, CheckpointError, NoteSigner, NoteVerifier, SignatureType, Timestamp, key_id,
    leaf_hash, open_checkpoint, open_note, sign_checkpoint, sign_note,
};

// golang.org/x/mod/sumdb/note note_test.go: key "PeterNeumann+c74f20a3+..." and its note.
const GO_PUBLIC: &str = "ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_PRIVATE: &str = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                       then you don't know what your problem is.\n";
const GO_SIG: &str = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn go_reference_note_interoperates() {
    let public = STANDARD.decode(GO_PUBLIC).unwrap();
    let private = STANDARD.decode(GO_PRIVATE).unwrap();
    assert_eq!((public[0], private[0]), (1, 1));
    assert_eq!(
        hex::encode(key_id("PeterNeumann", SignatureType::Ed25519, &public[1..])),
        "c74f20a3"
    );
    let key = Ed25519NoteKey::from_seed("PeterNeumann", &private[1..]);
    assert_eq!(key.public_key(), public[1..]);
    let note = sign_note(GO_TEXT, &key).unwrap();
    assert_eq!(note, format!("{GO_TEXT}\n{GO_SIG}"));
    assert_eq!(open_note(&note, &key).unwrap(), GO_TEXT);
    let tampered = note.replace("cryptography", "cryptographY");
    assert!(matches!(
        open_note(&tampered, &key),
        Err(CheckpointError::BadSignature { .. })
    ));
}

fn sample_checkpoint() -> Checkpoint {
    Checkpoint::new(ORIGIN, 1234, leaf_hash(b"root"))
        .unwrap()
        .with_time(Timestamp::parse("2026-11-29T09:10:00.000000Z").unwrap())
        .unwrap()
}

#[test]
fn checkpoint_round_trip() {
    let key = log_key();
    let cp = sample_checkpoint();
    let note = sign_checkpoint(&cp, &key).unwrap();
    assert!(note.starts_with(&format!(
        "{ORIGIN}\n1234\n{}\ntime 2026-11-29T09:10:00.000000Z\n\n\u{2014} {ORIGIN} ",
        leaf_hash(b"root").to_base64()
    )));
    let opened = open_checkpoint(&note, &key).unwrap();
    assert_eq!(opened, cp);
    assert_eq!(opened.time(), cp.time());
    assert_eq!(opened.size(), 1234);
}

#[test]
fn any_flipped_byte_is_rejected() {
    let key = log_key();
    let note = sign_checkpoint(&sample_checkpoint(), &key).unwrap();
    let mut checked = 0;
    for i in 0..note.len() {
        for bit in [0x01u8, 0x20, 0x80] {
            let mut bytes = note.clone().into_bytes();
            bytes[i] ^= bit;
            if let Ok(text) = std::str::from_utf8(&bytes) {
                checked += 1;
                assert!(
                    open_checkpoint(text, &key).is_err(),
                    "flip of byte {i} with {bit:#x} accepted"
                );
            }
        }
    }
    assert!(checked > note.len());
    // Every proper prefix and every extension with garbage fails too.
    for end in 0..note.len() {
        if let Some(prefix) = note.get(..end) {
            assert!(open_checkpoint(prefix, &key).is_err(), "prefix {end}");
        }
    }
    assert!(open_checkpoint(&format!("{note}x"), &key).is_err());
    assert!(open_checkpoint(&format!("{note}\n"), &key).is_err());
}

#[test]
fn unknown_signatures_are_ignored_and_known_bad_ones_rejected() {
    let key = log_key();
    let other = Ed25519NoteKey::from_seed("witness.example", &[9u8; 32]);
    let same_name_other_key = Ed25519NoteKey::from_seed(ORIGIN, &[10u8; 32]);
    let cp = sample_checkpoint();
    let text = cp.to_note_text();
    let ours = sign_checkpoint(&cp, &key).unwrap();
    let our_line = ours.rsplit_once("\n\n").unwrap().1;
    let witness_line = sign_note(&text, &other)
        .unwrap()
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    let impostor_line = sign_note(&text, &same_name_other_key)
        .unwrap()
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();

    // Extra signatures from unknown keys (other name, or same name with another key id)
    // are ignored, before or after ours.
    for note in [
        format!("{text}\n{witness_line}{our_line}"),
        format!("{text}\n{our_line}{witness_line}"),
        format!("{text}\n{impostor_line}{our_line}"),
    ] {
        assert_eq!(open_checkpoint(&note, &key).unwrap(), cp);
    }
    // Only unknown keys: rejected.
    let note = format!("{text}\n{witness_line}{impostor_line}");
    assert!(matches!(
        open_checkpoint(&note, &key),
        Err(CheckpointError::NoTrustedSignature { .. })
    ));
    // Our name and key id with a wrong signature: the whole note is rejected even if a
    // valid one follows.
    let forged = format!(
        "\u{2014} {ORIGIN} {}\n",
        STANDARD.encode([&NoteSigner::key_id(&key)[..], &[0u8; 64]].concat())
    );
    let note = format!("{text}\n{forged}{our_line}");
    assert!(matches!(
        open_checkpoint(&note, &key),
        Err(CheckpointError::BadSignature { .. })
    ));
}

#[test]
fn structural_limits() {
    let key = log_key();
    let cp = sample_checkpoint();
    let text = cp.to_note_text();
    let note = sign_checkpoint(&cp, &key).unwrap();
    let our_line = note.rsplit_once("\n\n").unwrap().1;
    let other = Ed25519NoteKey::from_seed("w", &[3u8; 32]);
    let witness_line = sign_note(&text, &other)
        .unwrap()
        .rsplit_once("\n\n")
        .unwrap()
        .1
        .to_owned();
    // MAX_SIGNATURES lines are accepted, one more is not.
    let many = |n: usize| format!("{text}\n{}{our_line}", witness_line.repeat(n - 1));
    assert!(open_checkpoint(&many(MAX_SIGNATURES), &key).is_ok());
    assert!(matches!(
        open_checkpoint(&many(MAX_SIGNATURES + 1), &key),
        Err(CheckpointError::TooManySignatures)
    ));
    // Size limit.
    let huge = format!("{text}\n{}{our_line}", "x".repeat(MAX_NOTE_BYTES));
    assert!(matches!(
        open_checkpoint(&huge, &key),
        Err(CheckpointError::TooLarge)
    ));
    // Control characters, CRLF, missing blank line.
    assert!(matches!(
        open_checkpoint(&note.replace('\n', "\r\n"), &key),
        Err(CheckpointError::ControlCharacter)
    ));
    assert!(open_checkpoint(&note.replacen("\n\n", "\n", 1), &key).is_err());
    // Too many extension lines.
    let mut big = Checkpoint::new(ORIGIN, 1, leaf_hash(b"x")).unwrap();
    for i in 0..pqbank_audit::checkpoint::MAX_EXTENSIONS {
        big = big.with_extension(format!("ext {i}")).unwrap();
    }
    assert!(matches!(
        big.clone().with_extension("one more"),
        Err(CheckpointError::TooManyExtensions)
    ));
    let forged_text = format!("{}ext extra\n", big.to_note_text());
    let forged = sign_note(&forged_text, &key).unwrap();
    assert!(matches!(
        open_checkpoint(&forged, &key),
        Err(CheckpointError::TooManyExtensions)
    ));
    // A correctly signed note whose body is not a checkpoint.
    for body in [
        "a\n1\n",
        "a\n01\nAAAA\n",
        "a\n1\nnot-base64\n",
        "a b\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n",
        "a\n1\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\ntime soon\n",
    ] {
        let signed = sign_note(body, &key).unwrap();
        assert!(open_checkpoint(&signed, &key).is_err(), "{body:?}");
    }
    // Bad key names cannot sign.
    let bad = Ed25519NoteKey::from_seed("has space", &[1u8; 32]);
    assert!(matches!(
        sign_checkpoint(&cp, &bad),
        Err(CheckpointError::InvalidKeyName(_))
    ));
    assert!(NoteVerifier::name(&bad).contains(' '));
}
