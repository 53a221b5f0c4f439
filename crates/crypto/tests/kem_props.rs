//! Behaviour of the KEM half without external vectors: round trips, tamper rejection, invalid
//! inputs, key ring rotation / rewrap / persistence, redacted Debug output, and properties.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqbank_crypto::CryptoError;
use pqbank_crypto::kem::{
    Ciphertext, DecapsulationKey, EncapsulationKey, KEM_ALGORITHMS, KemAlgorithm,
};
use pqbank_crypto::keyring::{Argon2Params, EncryptedRecord, KeyRing};
use pqbank_crypto::registry::{self, Kind};
use pqbank_crypto::seal::{self, SealedBox};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

fn key(alg: KemAlgorithm, seed: u64) -> DecapsulationKey {
    DecapsulationKey::generate(alg, &mut rng(seed)).unwrap()
}

/// Calls `f` with every single-bit flip of `bytes`.
fn each_bit_flip(bytes: &[u8], mut f: impl FnMut(&[u8])) {
    let mut copy = bytes.to_vec();
    for i in 0..copy.len() * 8 {
        copy[i / 8] ^= 1 << (i % 8);
        f(&copy);
        copy[i / 8] ^= 1 << (i % 8);
    }
}

#[test]
fn public_types_are_thread_safe() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<DecapsulationKey>();
    assert_send_sync::<EncapsulationKey>();
    assert_send_sync::<Ciphertext>();
    assert_send_sync::<SealedBox>();
    assert_send_sync::<KeyRing>();
    assert_send_sync::<EncryptedRecord>();
}

#[test]
fn registry_lists_both_kems() {
    assert_eq!(KEM_ALGORITHMS.len(), KemAlgorithm::ALL.len());
    for alg in KemAlgorithm::ALL {
        let info = alg.info();
        assert_eq!(info.kind, Kind::Kem);
        assert_eq!(registry::by_id(info.id), Some(info));
        assert_eq!(registry::by_oid(info.oid), Some(info));
        for name in [info.id, info.name, info.oid] {
            assert_eq!(name.parse::<KemAlgorithm>().unwrap(), alg);
        }
        assert_eq!(KemAlgorithm::from_code(alg.code()).unwrap(), alg);
    }
    let xwing = KemAlgorithm::XWing.info();
    assert_eq!(KemAlgorithm::default(), KemAlgorithm::XWing);
    assert_eq!(
        (xwing.oid, xwing.public_key_len, xwing.secret_key_len),
        ("1.3.6.1.5.5.7.6.58", 1216, 32)
    );
    assert_eq!(
        (xwing.signature_or_ciphertext_len, xwing.shared_secret_len),
        (1120, 32)
    );
    let mlkem = KemAlgorithm::MlKem768.info();
    assert_eq!(
        (mlkem.oid, mlkem.public_key_len, mlkem.secret_key_len),
        ("2.16.840.1.101.3.4.4.2", 1184, 64)
    );
    assert_eq!(
        (mlkem.signature_or_ciphertext_len, mlkem.shared_secret_len),
        (1088, 32)
    );
    assert!("x-wing".parse::<KemAlgorithm>().is_err());
    assert!(KemAlgorithm::from_code(0).is_err());
}

#[test]
fn kem_round_trip_and_deterministic_keys() {
    for (i, alg) in KemAlgorithm::ALL.into_iter().enumerate() {
        let dk = key(alg, 1);
        let ek = dk.encapsulation_key();
        assert_eq!(ek.algorithm(), alg);
        assert_eq!(ek.as_bytes().len(), alg.info().public_key_len);
        let (ct, ss) = ek.encapsulate(&mut rng(2)).unwrap();
        assert_eq!(ct.as_bytes().len(), alg.info().signature_or_ciphertext_len);
        assert_eq!(ss.len(), 32);
        assert_eq!(dk.decapsulate(&ct).unwrap(), ss);
        // Two encapsulations differ.
        let (ct2, ss2) = ek.encapsulate(&mut rng(3)).unwrap();
        assert_ne!(ct, ct2);
        assert_ne!(ss, ss2);
        // The same seed gives the same key; a different seed a different one.
        let again = DecapsulationKey::from_seed(alg, dk.private_bytes().expose()).unwrap();
        assert_eq!(again.encapsulation_key(), ek);
        assert_ne!(key(alg, 10 + i as u64).encapsulation_key(), ek);
        // Derandomised encapsulation is a function of its seed.
        let eseed = vec![7u8; if alg == KemAlgorithm::XWing { 64 } else { 32 }];
        let (a, sa) = ek.encapsulate_derand(&eseed).unwrap();
        let (b, sb) = ek.encapsulate_derand(&eseed).unwrap();
        assert_eq!((a.as_bytes(), &sa), (b.as_bytes(), &sb));
        assert_eq!(dk.decapsulate(&a).unwrap(), sa);
        assert!(ek.encapsulate_derand(&eseed[1..]).is_err());
    }
}

#[test]
fn der_encodings_round_trip() {
    for alg in KemAlgorithm::ALL {
        let dk = key(alg, 4);
        let pkcs8 = dk.to_pkcs8_der().unwrap();
        let back = DecapsulationKey::from_pkcs8_der(pkcs8.expose()).unwrap();
        assert_eq!(back.encapsulation_key(), dk.encapsulation_key());
        assert_eq!(back.to_pkcs8_der().unwrap(), pkcs8);
        let spki = dk.encapsulation_key().to_spki_der().unwrap();
        assert_eq!(
            EncapsulationKey::from_spki_der(&spki).unwrap(),
            dk.encapsulation_key()
        );
        // Truncations and garbage are errors, never panics.
        for cut in [0, 1, spki.len() / 2, spki.len() - 1] {
            assert!(EncapsulationKey::from_spki_der(&spki[..cut]).is_err());
        }
        for cut in [0, 1, pkcs8.len() / 2, pkcs8.len() - 1] {
            assert!(DecapsulationKey::from_pkcs8_der(&pkcs8.expose()[..cut]).is_err());
        }
    }
    // X-Wing's PKCS#8 carries the composite KEM private key (96 bytes); the X-Wing seed form is
    // what private_bytes keeps.
    let xwing = key(KemAlgorithm::XWing, 5);
    let restored =
        DecapsulationKey::from_pkcs8_der(xwing.to_pkcs8_der().unwrap().expose()).unwrap();
    assert_eq!(restored.private_bytes().len(), 96);
    assert_eq!(xwing.private_bytes().len(), 32);
    // Decapsulation agrees between the two forms.
    let (ct, ss) = xwing.encapsulation_key().encapsulate(&mut rng(6)).unwrap();
    assert_eq!(restored.decapsulate(&ct).unwrap(), ss);
}

/// X-Wing's own OID (1.3.6.1.4.1.62253.25722) with a 32-byte seed is read too.
#[test]
fn xwing_own_oid_is_accepted() {
    use der::Encode;
    let dk = key(KemAlgorithm::XWing, 7);
    let info = pkcs8::PrivateKeyInfoRef::new(
        spki::AlgorithmIdentifierRef {
            oid: der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62253.25722"),
            parameters: None,
        },
        der::asn1::OctetStringRef::new(dk.private_bytes().expose()).unwrap(),
    );
    let der = info.to_der().unwrap();
    let back = DecapsulationKey::from_pkcs8_der(&der).unwrap();
    assert_eq!(back.private_bytes(), dk.private_bytes());
    // The same bytes under the composite OID have the wrong length for it.
    let composite = der::asn1::ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.6.58");
    let wrong = pkcs8::PrivateKeyInfoRef::new(
        spki::AlgorithmIdentifierRef {
            oid: composite,
            parameters: None,
        },
        der::asn1::OctetStringRef::new(dk.private_bytes().expose()).unwrap(),
    );
    assert!(DecapsulationKey::from_pkcs8_der(&wrong.to_der().unwrap()).is_err());
}

#[test]
fn invalid_encapsulation_keys_are_rejected() {
    for alg in KemAlgorithm::ALL {
        let good = key(alg, 8).encapsulation_key();
        let len = good.as_bytes().len();
        for bad_len in [0, 1, 32, len - 1, len + 1, 2 * len] {
            let bytes = vec![0u8; bad_len];
            assert!(matches!(
                EncapsulationKey::from_raw(alg, &bytes),
                Err(CryptoError::InvalidKey(_))
            ));
        }
        // An unreduced ML-KEM coefficient (4095) at the start and at the end of t.
        for pos in [0, 1149] {
            let mut bytes = good.as_bytes().to_vec();
            bytes[pos] = 0xff;
            bytes[pos + 1] |= 0x0f;
            assert!(matches!(
                EncapsulationKey::from_raw(alg, &bytes),
                Err(CryptoError::InvalidKey(_))
            ));
        }
    }
    // An X-Wing key whose X25519 half is a low-order point: encapsulation fails cleanly.
    let mut bytes = key(KemAlgorithm::XWing, 9)
        .encapsulation_key()
        .as_bytes()
        .to_vec();
    bytes[1184..].fill(0);
    let low_order = EncapsulationKey::from_raw(KemAlgorithm::XWing, &bytes).unwrap();
    assert!(low_order.encapsulate(&mut rng(1)).is_err());
    assert!(seal::seal(&low_order, b"", b"", b"x", &mut rng(1)).is_err());
}

#[test]
fn invalid_ciphertexts_and_seeds_are_rejected() {
    for alg in KemAlgorithm::ALL {
        let len = alg.info().signature_or_ciphertext_len;
        for bad in [0, len - 1, len + 1] {
            assert!(Ciphertext::from_bytes(alg, &vec![0u8; bad]).is_err());
        }
        let seed_len = alg.info().secret_key_len;
        for bad in [0, seed_len - 1, seed_len + 1] {
            assert!(DecapsulationKey::from_seed(alg, &vec![0u8; bad]).is_err());
        }
    }
    // A ciphertext for the other algorithm.
    let xwing = key(KemAlgorithm::XWing, 11);
    let (ct, _) = key(KemAlgorithm::MlKem768, 12)
        .encapsulation_key()
        .encapsulate(&mut rng(1))
        .unwrap();
    assert!(matches!(
        xwing.decapsulate(&ct),
        Err(CryptoError::UnsupportedAlgorithm(_))
    ));
}

#[test]
fn seal_open_round_trip() {
    for alg in KemAlgorithm::ALL {
        let dk = key(alg, 13);
        let ek = dk.encapsulation_key();
        let mut r = rng(14);
        for plaintext in [&b""[..], b"x", &[0xa5; 1024][..]] {
            let sealed = seal::seal(&ek, b"info", b"aad", plaintext, &mut r).unwrap();
            assert_eq!(sealed.algorithm(), alg);
            assert_eq!(sealed.ciphertext().len(), plaintext.len() + 16);
            let bytes = sealed.to_bytes();
            assert_eq!(bytes.len(), sealed.encoded_len());
            let parsed = SealedBox::from_bytes(&bytes).unwrap();
            assert_eq!(parsed, sealed);
            assert_eq!(
                seal::open(&dk, b"info", b"aad", &parsed).unwrap().expose(),
                plaintext
            );
        }
        // Another recipient cannot open it.
        let sealed = seal::seal(&ek, b"info", b"aad", b"secret", &mut r).unwrap();
        let other = key(alg, 15);
        assert_eq!(
            seal::open(&other, b"info", b"aad", &sealed),
            Err(CryptoError::DecryptionFailed)
        );
    }
}

#[test]
fn seal_limits_are_enforced() {
    let dk = key(KemAlgorithm::XWing, 16);
    let ek = dk.encapsulation_key();
    let mut r = rng(17);
    let big = vec![0u8; seal::MAX_PLAINTEXT_LEN + 1];
    assert_eq!(
        seal::seal(&ek, b"", b"", &big, &mut r),
        Err(CryptoError::TooLarge("plaintext"))
    );
    let long_info = vec![0u8; seal::MAX_INFO_LEN + 1];
    assert!(seal::seal(&ek, &long_info, b"", b"", &mut r).is_err());
    let long_aad = vec![0u8; seal::MAX_AAD_LEN + 1];
    assert!(seal::seal(&ek, b"", &long_aad, b"", &mut r).is_err());
    let sealed = seal::seal(&ek, b"", b"", b"", &mut r).unwrap();
    assert!(seal::open(&dk, &long_info, b"", &sealed).is_err());
}

/// A flipped bit anywhere in the sealed box (header, enc, ciphertext, tag), the AAD or the info
/// makes `open` fail.
#[test]
fn any_bit_flip_in_a_sealed_box_is_rejected() {
    for alg in KemAlgorithm::ALL {
        let dk = key(alg, 18);
        let (info, aad) = (b"info: 16 bytes!!", b"aad: sixteen b..");
        let sealed = seal::seal(
            &dk.encapsulation_key(),
            info,
            aad,
            b"plaintext",
            &mut rng(19),
        )
        .unwrap();
        let mut checked = 0;
        each_bit_flip(&sealed.to_bytes(), |bytes| {
            let opened = SealedBox::from_bytes(bytes).and_then(|b| seal::open(&dk, info, aad, &b));
            assert!(opened.is_err());
            checked += 1;
        });
        each_bit_flip(aad, |bad| {
            assert!(seal::open(&dk, info, bad, &sealed).is_err())
        });
        each_bit_flip(info, |bad| {
            assert!(seal::open(&dk, bad, aad, &sealed).is_err())
        });
        assert_eq!(checked, sealed.encoded_len() * 8);
        assert!(seal::open(&dk, info, aad, &sealed).is_ok());
    }
}

#[test]
fn keyring_rotation_rewrap_and_retire() {
    let mut r = rng(20);
    let mut ring = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
    assert_eq!(ring.current_version(), 1);
    let old = ring
        .encrypt(b"accounts/1", b"balance: 100", &mut r)
        .unwrap();
    assert_eq!(old.key_version(), 1);
    assert_eq!(old.algorithm(), KemAlgorithm::XWing);

    assert_eq!(ring.rotate(&mut r).unwrap(), 2);
    let new = ring
        .encrypt(b"accounts/2", b"balance: 200", &mut r)
        .unwrap();
    assert_eq!(new.key_version(), 2);
    // Old data still decrypts with version 1, new data uses version 2.
    assert_eq!(
        ring.decrypt(b"accounts/1", &old).unwrap().expose(),
        b"balance: 100"
    );
    assert_eq!(
        ring.decrypt(b"accounts/2", &new).unwrap().expose(),
        b"balance: 200"
    );
    assert_ne!(
        ring.encapsulation_key(1).unwrap(),
        ring.encapsulation_key(2).unwrap()
    );

    // Rewrap moves the data key to version 2 without touching the record ciphertext.
    let moved = ring.rewrap(&old, &mut r).unwrap();
    assert_eq!(moved.key_version(), 2);
    assert_eq!(moved.ciphertext(), old.ciphertext());
    assert_eq!(moved.nonce(), old.nonce());
    assert_ne!(moved.wrapped_key(), old.wrapped_key());
    assert_eq!(
        ring.decrypt(b"accounts/1", &moved).unwrap().expose(),
        b"balance: 100"
    );

    // Rotating to ML-KEM-768, then retiring version 1.
    assert_eq!(ring.rotate_to(KemAlgorithm::MlKem768, &mut r).unwrap(), 3);
    let third = ring.encrypt(b"x", b"y", &mut r).unwrap();
    assert_eq!(third.algorithm(), KemAlgorithm::MlKem768);
    assert!(ring.retire(3).is_err());
    ring.retire(1).unwrap();
    assert_eq!(ring.versions().collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(
        ring.decrypt(b"accounts/1", &old),
        Err(CryptoError::UnknownKeyVersion(1))
    );
    assert_eq!(
        ring.decrypt(b"accounts/1", &moved).unwrap().expose(),
        b"balance: 100"
    );
    assert_eq!(ring.retire(1), Err(CryptoError::UnknownKeyVersion(1)));
    // Rotation after a retirement continues above the highest version.
    assert_eq!(ring.rotate(&mut r).unwrap(), 4);
}

#[test]
fn keyring_rejects_wrong_context_and_foreign_records() {
    let mut r = rng(21);
    let ring = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
    let other = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
    let record = ring.encrypt(b"row 7", b"payload", &mut r).unwrap();
    assert_eq!(
        ring.decrypt(b"row 8", &record),
        Err(CryptoError::DecryptionFailed)
    );
    assert_eq!(
        other.decrypt(b"row 7", &record),
        Err(CryptoError::DecryptionFailed)
    );
    // Encodings round-trip.
    assert_eq!(
        EncryptedRecord::from_bytes(&record.to_bytes()).unwrap(),
        record
    );
    assert_eq!(
        EncryptedRecord::from_base64(&record.to_base64()).unwrap(),
        record
    );
    assert!(EncryptedRecord::from_base64("not base64!").is_err());
    // Swapping the wrapped keys of two records breaks both.
    let second = ring.encrypt(b"row 7", b"other payload", &mut r).unwrap();
    let mut swapped = record.to_bytes();
    let wrapped_end = 7 + record.wrapped_key().encoded_len();
    swapped[7..wrapped_end].copy_from_slice(&second.to_bytes()[7..wrapped_end]);
    let swapped = EncryptedRecord::from_bytes(&swapped).unwrap();
    assert_eq!(
        ring.decrypt(b"row 7", &swapped),
        Err(CryptoError::DecryptionFailed)
    );
}

/// A flipped bit anywhere in an encrypted record (version, key version, wrapped key, nonce,
/// ciphertext, tag) or in its AAD is rejected.
#[test]
fn any_bit_flip_in_a_record_is_rejected() {
    let mut r = rng(22);
    let mut ring = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
    ring.rotate(&mut r).unwrap();
    let record = ring.encrypt(b"aad", b"sixteen byte msg", &mut r).unwrap();
    let bytes = record.to_bytes();
    each_bit_flip(&bytes, |bad| {
        let result = EncryptedRecord::from_bytes(bad).and_then(|rec| ring.decrypt(b"aad", &rec));
        assert!(result.is_err());
    });
    each_bit_flip(b"aad", |bad| assert!(ring.decrypt(bad, &record).is_err()));
    assert!(ring.decrypt(b"aad", &record).is_ok());
}

#[test]
fn keyring_plain_export_round_trip() {
    let mut r = rng(23);
    let mut ring = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
    let first = ring.encrypt(b"a", b"first", &mut r).unwrap();
    ring.rotate_to(KemAlgorithm::MlKem768, &mut r).unwrap();
    let second = ring.encrypt(b"b", b"second", &mut r).unwrap();

    let exported = ring.export_plain();
    let restored = KeyRing::import_plain(exported.expose()).unwrap();
    assert_eq!(restored.current_version(), 2);
    assert_eq!(restored.decrypt(b"a", &first).unwrap().expose(), b"first");
    assert_eq!(restored.decrypt(b"b", &second).unwrap().expose(), b"second");
    assert_eq!(restored.export_plain(), exported);

    // Truncations, trailing bytes and a bad magic are rejected.
    let bytes = exported.expose();
    for cut in [0, 4, 5, 10, bytes.len() - 1] {
        assert!(KeyRing::import_plain(&bytes[..cut]).is_err());
    }
    assert!(KeyRing::import_plain(&[bytes, b"x"].concat()).is_err());
    let mut bad = bytes.to_vec();
    bad[0] = b'X';
    assert!(KeyRing::import_plain(&bad).is_err());
    // A current version that is not in the ring.
    let mut bad = bytes.to_vec();
    bad[5..9].copy_from_slice(&9u32.to_be_bytes());
    assert!(KeyRing::import_plain(&bad).is_err());
}

#[test]
fn keyring_locked_export_round_trip() {
    let mut r = rng(24);
    let ring = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
    let record = ring.encrypt(b"k", b"v", &mut r).unwrap();
    let params = Argon2Params::default();
    assert_eq!(params, Argon2Params::MINIMUM);

    let locked = ring
        .export_locked(b"correct horse", params, &mut r)
        .unwrap();
    // The plain key material does not appear in the locked file.
    let plain = ring.export_plain();
    assert!(
        !locked
            .windows(16)
            .any(|w| plain.expose().windows(16).any(|p| p == w))
    );

    let restored = KeyRing::import_locked(&locked, b"correct horse").unwrap();
    assert_eq!(restored.decrypt(b"k", &record).unwrap().expose(), b"v");
    assert_eq!(
        KeyRing::import_locked(&locked, b"wrong horse").unwrap_err(),
        CryptoError::DecryptionFailed
    );
    // Tampering with the authenticated header (salt byte) or the ciphertext is detected.
    let mut bad = locked.clone();
    bad[20] ^= 1;
    assert_eq!(
        KeyRing::import_locked(&bad, b"correct horse").unwrap_err(),
        CryptoError::DecryptionFailed
    );
    let mut bad = locked.clone();
    *bad.last_mut().unwrap() ^= 1;
    assert!(KeyRing::import_locked(&bad, b"correct horse").is_err());
}

#[test]
fn keyring_locked_export_enforces_argon2_floor() {
    let mut r = rng(25);
    let ring = KeyRing::generate(KemAlgorithm::MlKem768, &mut r).unwrap();
    let weak = [
        Argon2Params {
            m_cost_kib: 19 * 1024 - 1,
            ..Argon2Params::MINIMUM
        },
        Argon2Params {
            t_cost: 1,
            ..Argon2Params::MINIMUM
        },
        Argon2Params {
            p_cost: 0,
            ..Argon2Params::MINIMUM
        },
        Argon2Params {
            t_cost: 65,
            ..Argon2Params::MINIMUM
        },
    ];
    for params in weak {
        assert!(matches!(
            ring.export_locked(b"pass", params, &mut r),
            Err(CryptoError::InvalidParameter(_))
        ));
    }
    assert!(matches!(
        ring.export_locked(b"", Argon2Params::MINIMUM, &mut r),
        Err(CryptoError::InvalidParameter(_))
    ));
    // A file claiming weak parameters is refused before any decryption is attempted.
    let mut locked = ring
        .export_locked(b"pass", Argon2Params::MINIMUM, &mut r)
        .unwrap();
    locked[9..13].copy_from_slice(&1u32.to_be_bytes()); // t_cost
    assert!(matches!(
        KeyRing::import_locked(&locked, b"pass"),
        Err(CryptoError::InvalidParameter(_))
    ));
    // A file demanding absurd memory is refused too.
    locked[5..9].copy_from_slice(&u32::MAX.to_be_bytes());
    locked[9..13].copy_from_slice(&2u32.to_be_bytes());
    assert!(KeyRing::import_locked(&locked, b"pass").is_err());
}

/// No Debug output of a secret type contains key bytes.
#[test]
fn debug_output_is_redacted() {
    let mut r = rng(26);
    for alg in KemAlgorithm::ALL {
        let dk = key(alg, 27);
        let (ct, ss) = dk.encapsulation_key().encapsulate(&mut r).unwrap();
        let ring = KeyRing::generate(alg, &mut r).unwrap();
        let pkcs8 = dk.to_pkcs8_der().unwrap();
        let exported = ring.export_plain();
        let decrypted = ring
            .decrypt(b"", &ring.encrypt(b"", b"plaintext bytes", &mut r).unwrap())
            .unwrap();
        let shown: [(String, &[u8]); 6] = [
            (format!("{dk:?}"), dk.private_bytes().expose()),
            (
                format!("{:?}", dk.private_bytes()),
                dk.private_bytes().expose(),
            ),
            (format!("{ss:?}"), ss.expose()),
            (format!("{pkcs8:?}"), pkcs8.expose()),
            (format!("{ring:?}{exported:?}"), exported.expose()),
            (format!("{decrypted:?}"), decrypted.expose()),
        ];
        for (text, secret) in &shown {
            assert_no_leak(text, secret);
        }
        assert_eq!(dk.decapsulate(&ct).unwrap(), ss);
    }
}

fn assert_no_leak(shown: &str, secret: &[u8]) {
    let lower = shown.to_lowercase();
    for window in secret.windows(4) {
        assert!(!lower.contains(&hex::encode(window)), "hex leak in {shown}");
        let decimal = format!("{window:?}");
        assert!(
            !shown.contains(&decimal[1..decimal.len() - 1]),
            "decimal leak in {shown}"
        );
    }
    assert!(!shown.contains("plaintext bytes"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn prop_seal_open_round_trip(
        alg_index in 0usize..2,
        seed in any::<u64>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
        info in proptest::collection::vec(any::<u8>(), 0..64),
        aad in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let alg = KemAlgorithm::ALL[alg_index];
        let dk = key(alg, seed);
        let mut r = rng(seed ^ 1);
        let sealed = seal::seal(&dk.encapsulation_key(), &info, &aad, &plaintext, &mut r).unwrap();
        let parsed = SealedBox::from_bytes(&sealed.to_bytes()).unwrap();
        let opened = seal::open(&dk, &info, &aad, &parsed).unwrap();
        prop_assert_eq!(opened.expose(), plaintext.as_slice());
    }

    #[test]
    fn prop_keyring_round_trip_and_single_flip(
        seed in any::<u64>(),
        plaintext in proptest::collection::vec(any::<u8>(), 0..2048),
        aad in proptest::collection::vec(any::<u8>(), 0..64),
        flip in any::<prop::sample::Index>(),
    ) {
        let mut r = rng(seed);
        let ring = KeyRing::generate(KemAlgorithm::XWing, &mut r).unwrap();
        let record = ring.encrypt(&aad, &plaintext, &mut r).unwrap();
        let text = record.to_base64();
        let parsed = EncryptedRecord::from_base64(&text).unwrap();
        let decrypted = ring.decrypt(&aad, &parsed).unwrap();
        prop_assert_eq!(decrypted.expose(), plaintext.as_slice());
        let mut bytes = record.to_bytes();
        let bit = flip.index(bytes.len() * 8);
        bytes[bit / 8] ^= 1 << (bit % 8);
        let tampered = EncryptedRecord::from_bytes(&bytes).and_then(|rec| ring.decrypt(&aad, &rec));
        prop_assert!(tampered.is_err());
    }

    #[test]
    fn prop_parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = SealedBox::from_bytes(&bytes);
        let _ = EncryptedRecord::from_bytes(&bytes);
        let _ = KeyRing::import_plain(&bytes);
        let _ = KeyRing::import_locked(&bytes, b"pass");
        let _ = DecapsulationKey::from_pkcs8_der(&bytes);
        let _ = EncapsulationKey::from_spki_der(&bytes);
        for alg in KemAlgorithm::ALL {
            let _ = EncapsulationKey::from_raw(alg, &bytes);
            let _ = DecapsulationKey::from_seed(alg, &bytes);
            let _ = Ciphertext::from_bytes(alg, &bytes);
        }
    }

    #[test]
    fn prop_parsers_accept_valid_sized_random_keys(
        alg_index in 0usize..2,
        seed in proptest::collection::vec(any::<u8>(), 64),
    ) {
        // Every seed of the right length is a valid private key.
        let alg = KemAlgorithm::ALL[alg_index];
        let seed = &seed[..alg.info().secret_key_len];
        let dk = DecapsulationKey::from_seed(alg, seed).unwrap();
        let ek = EncapsulationKey::from_raw(alg, dk.encapsulation_key().as_bytes()).unwrap();
        prop_assert_eq!(ek, dk.encapsulation_key());
    }
}
