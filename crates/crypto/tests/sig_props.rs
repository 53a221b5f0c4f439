//! Signature properties that need no external vectors: round trips for every algorithm, bit
//! flips, encodings, domain separation, a differential test against RustCrypto `ml-dsa`, property
//! tests and redaction of secrets in `Debug` output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use ml_dsa::{KeyExport as _, MlDsa65, signature::SignatureEncoding as _};
use pqbank_crypto::CryptoError;
use pqbank_crypto::sig::{Signature, SignatureAlgorithm, SigningKey, VerifyingKey};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;

const ALL: [SignatureAlgorithm; 7] = SignatureAlgorithm::ALL;

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// One key per algorithm for the whole test binary (RSA-3072 key generation is slow).
fn key(alg: SignatureAlgorithm) -> &'static SigningKey {
    static KEYS: [OnceLock<SigningKey>; 7] = [const { OnceLock::new() }; 7];
    let index = ALL.iter().position(|a| *a == alg).unwrap();
    KEYS[index].get_or_init(|| SigningKey::generate(alg, &mut rng(index as u64)).unwrap())
}

/// Classical algorithms on their own take no context.
fn ctx_for(alg: SignatureAlgorithm) -> &'static [u8] {
    if matches!(
        alg,
        SignatureAlgorithm::Ed25519
            | SignatureAlgorithm::EcdsaP256Sha256
            | SignatureAlgorithm::Rsa3072PssSha256
    ) {
        b""
    } else {
        b"pqbank-test-context"
    }
}

fn flip(bytes: &[u8], bit: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[bit / 8] ^= 1 << (bit % 8);
    out
}

/// Bit positions to flip: both ends, every component boundary region, and random ones.
fn sample_bits(len: usize, rng: &mut StdRng) -> Vec<usize> {
    let bits = len * 8;
    let mut out = vec![0, 7, bits - 1, bits - 8];
    for boundary in [1952 * 8, 3309 * 8] {
        if boundary + 8 < bits {
            out.extend([boundary - 1, boundary, boundary + 7]);
        }
    }
    out.extend((0..24).map(|_| rng.random_range(0..bits)));
    out
}

/// Err or Ok(false) both count as "rejected".
fn accepts(pk: &[u8], alg: SignatureAlgorithm, msg: &[u8], ctx: &[u8], sig: &[u8]) -> bool {
    let Ok(key) = VerifyingKey::from_raw(alg, pk) else {
        return false;
    };
    let Ok(sig) = Signature::from_bytes(alg, sig) else {
        return false;
    };
    key.verify(msg, ctx, &sig).is_ok()
}

#[test]
fn every_algorithm_signs_and_verifies() {
    for alg in ALL {
        let key = key(alg);
        let public = key.public_key();
        let info = alg.info();
        let ctx = ctx_for(alg);
        assert_eq!(key.algorithm(), alg);
        assert_eq!(public.algorithm(), alg);
        assert_eq!(public.as_bytes().len(), info.public_key_len, "{alg}");
        for msg in [&b""[..], b"pay 10.00 EUR to alice", &[0xA5; 10_000]] {
            let sig = key.sign(msg, ctx, &mut rng(1)).unwrap();
            assert_eq!(sig.algorithm(), alg);
            assert!(sig.as_bytes().len() <= info.signature_or_ciphertext_len);
            public.verify(msg, ctx, &sig).unwrap();
            let reparsed = Signature::from_bytes(alg, sig.as_bytes()).unwrap();
            assert_eq!(reparsed, sig);
            assert_eq!(
                public.verify(b"another message", ctx, &sig),
                Err(CryptoError::BadSignature)
            );
        }
    }
}

#[test]
fn flipped_bits_are_rejected_everywhere() {
    let mut sampler = rng(99);
    let msg = b"transfer 250.00 EUR from acct-1 to acct-2";
    for alg in ALL {
        let key = key(alg);
        let pk = key.public_key().as_bytes().to_vec();
        let ctx = ctx_for(alg);
        let sig = key.sign(msg, ctx, &mut rng(2)).unwrap().as_bytes().to_vec();
        assert!(accepts(&pk, alg, msg, ctx, &sig));
        for bit in sample_bits(pk.len(), &mut sampler) {
            assert!(
                !accepts(&flip(&pk, bit), alg, msg, ctx, &sig),
                "{alg} pk bit {bit}"
            );
        }
        for bit in sample_bits(sig.len(), &mut sampler) {
            assert!(
                !accepts(&pk, alg, msg, ctx, &flip(&sig, bit)),
                "{alg} sig bit {bit}"
            );
        }
        for bit in sample_bits(msg.len(), &mut sampler) {
            assert!(
                !accepts(&pk, alg, &flip(msg, bit), ctx, &sig),
                "{alg} msg bit {bit}"
            );
        }
        if !ctx.is_empty() {
            for bit in sample_bits(ctx.len(), &mut sampler) {
                assert!(
                    !accepts(&pk, alg, msg, &flip(ctx, bit), &sig),
                    "{alg} ctx bit {bit}"
                );
            }
            assert!(!accepts(&pk, alg, msg, b"", &sig), "{alg} empty ctx");
        }
        // Truncated or extended signatures and keys.
        assert!(!accepts(&pk, alg, msg, ctx, &sig[..sig.len() - 1]));
        assert!(!accepts(&pk[..pk.len() - 1], alg, msg, ctx, &sig));
        let mut longer = sig.clone();
        longer.push(0);
        assert!(!accepts(&pk, alg, msg, ctx, &longer));
    }
}

#[test]
fn context_rules() {
    let max = [7u8; 255];
    for alg in ALL {
        let key = key(alg);
        let public = key.public_key();
        assert!(matches!(
            key.sign(b"m", &[0; 256], &mut rng(3)),
            Err(CryptoError::TooLarge(_))
        ));
        if ctx_for(alg).is_empty() {
            assert!(
                key.sign(b"m", b"x", &mut rng(3)).is_err(),
                "{alg} took a context"
            );
            let sig = key.sign(b"m", b"", &mut rng(3)).unwrap();
            assert!(public.verify(b"m", b"x", &sig).is_err());
        } else {
            let sig = key.sign(b"m", &max, &mut rng(3)).unwrap();
            public.verify(b"m", &max, &sig).unwrap();
            assert!(public.verify(b"m", &[0; 256], &sig).is_err());
        }
    }
}

#[test]
fn signatures_do_not_cross_algorithms_or_keys() {
    let msg = b"m";
    let sigs: Vec<_> = ALL
        .iter()
        .map(|&alg| key(alg).sign(msg, ctx_for(alg), &mut rng(4)).unwrap())
        .collect();
    for alg in ALL {
        let public = key(alg).public_key();
        for sig in &sigs {
            let expected = sig.algorithm() == alg;
            assert_eq!(public.verify(msg, ctx_for(alg), sig).is_ok(), expected);
        }
        // A fresh key of the same algorithm does not accept the signature.
        if alg != SignatureAlgorithm::Rsa3072PssSha256 {
            let other = SigningKey::generate(alg, &mut rng(1000))
                .unwrap()
                .public_key();
            let sig = &sigs[ALL.iter().position(|a| *a == alg).unwrap()];
            assert!(other.verify(msg, ctx_for(alg), sig).is_err());
        }
    }
}

#[test]
fn composite_halves_do_not_verify_alone() {
    // Non-separability: the ML-DSA half of a composite signature signs M' under the composite
    // label, so it is not a pure ML-DSA signature of the message under the same ML-DSA key.
    for alg in SignatureAlgorithm::COMPOSITES {
        let key = key(alg);
        let sig = key.sign(b"m", b"", &mut rng(5)).unwrap();
        let mldsa_pk = VerifyingKey::from_raw(
            SignatureAlgorithm::MlDsa65,
            &key.public_key().as_bytes()[..1952],
        )
        .unwrap();
        let mldsa_sig =
            Signature::from_bytes(SignatureAlgorithm::MlDsa65, &sig.as_bytes()[..3309]).unwrap();
        assert!(mldsa_pk.verify(b"m", b"", &mldsa_sig).is_err());
        // Swapping in another key's classical half breaks the composite.
        let other = SigningKey::generate(SignatureAlgorithm::MlDsa65Ed25519, &mut rng(6)).unwrap();
        if alg == SignatureAlgorithm::MlDsa65Ed25519 {
            let mut pk = key.public_key().as_bytes().to_vec();
            pk[1952..].copy_from_slice(&other.public_key().as_bytes()[1952..]);
            assert!(!accepts(&pk, alg, b"m", b"", sig.as_bytes()));
        }
    }
}

#[test]
fn key_encodings_round_trip() {
    for alg in ALL {
        let key = key(alg);
        let public = key.public_key();
        let check = |reloaded: &SigningKey, how: &str| {
            assert_eq!(reloaded.algorithm(), alg, "{how}");
            assert_eq!(reloaded.public_key(), public, "{alg} {how}");
            assert_eq!(
                reloaded.to_raw().unwrap(),
                key.to_raw().unwrap(),
                "{alg} {how}"
            );
            let sig = reloaded.sign(b"m", ctx_for(alg), &mut rng(7)).unwrap();
            public.verify(b"m", ctx_for(alg), &sig).unwrap();
        };

        let raw = key.to_raw().unwrap();
        assert!(raw.len() <= alg.info().secret_key_len, "{alg}");
        check(&SigningKey::from_raw(alg, raw.expose()).unwrap(), "raw");

        let pkcs8 = key.to_pkcs8_der().unwrap();
        check(
            &SigningKey::from_pkcs8_der(pkcs8.expose()).unwrap(),
            "pkcs8",
        );

        let spki = public.to_spki_der().unwrap();
        assert_eq!(VerifyingKey::from_spki_der(&spki).unwrap(), public);
        assert_eq!(
            VerifyingKey::from_raw(alg, public.as_bytes()).unwrap(),
            public
        );

        // Framing errors are rejected, not panicked on.
        let mut trailing = spki.clone();
        trailing.push(0);
        assert!(VerifyingKey::from_spki_der(&trailing).is_err());
        assert!(VerifyingKey::from_spki_der(&spki[..spki.len() - 1]).is_err());
        let mut trailing = pkcs8.expose().to_vec();
        trailing.push(0);
        assert!(SigningKey::from_pkcs8_der(&trailing).is_err());
        assert!(SigningKey::from_raw(alg, &raw.expose()[..raw.len() - 1]).is_err());
        assert!(SigningKey::from_raw(alg, &[]).is_err());
    }
}

#[test]
fn pq_and_composite_spki_have_absent_parameters() {
    for alg in [
        SignatureAlgorithm::MlDsa65,
        SignatureAlgorithm::MlDsa65Ed25519,
        SignatureAlgorithm::MlDsa65EcdsaP256,
        SignatureAlgorithm::MlDsa65Rsa3072Pss,
        SignatureAlgorithm::Ed25519,
    ] {
        use der::{Decode as _, Encode as _};
        let spki = key(alg).public_key().to_spki_der().unwrap();
        let parsed = spki::SubjectPublicKeyInfoRef::from_der(&spki).unwrap();
        assert_eq!(parsed.algorithm.oid.to_string(), alg.oid());
        assert!(parsed.algorithm.parameters.is_none());
        // With NULL parameters the same key is refused.
        let with_null = spki::SubjectPublicKeyInfoRef {
            algorithm: spki::AlgorithmIdentifierRef {
                oid: parsed.algorithm.oid,
                parameters: Some(der::asn1::AnyRef::NULL),
            },
            subject_public_key: parsed.subject_public_key,
        }
        .to_der()
        .unwrap();
        assert!(VerifyingKey::from_spki_der(&with_null).is_err(), "{alg}");
    }
}

#[test]
fn mldsa_pkcs8_forms() {
    let key = key(SignatureAlgorithm::MlDsa65);
    let seed = key.to_raw().unwrap();
    let pkcs8 = key.to_pkcs8_der().unwrap();
    // RFC 9881 seed form: OneAsymmetricKey v1, id-ml-dsa-65, privateKey = [0] seed.
    let mut expected = hex::decode("3034020100300b060960864801650304031204228020").unwrap();
    expected.extend_from_slice(seed.expose());
    assert_eq!(pkcs8.expose(), expected.as_slice());

    // Expanded-only keys (no seed) are refused.
    let mut expanded_only =
        hex::decode("30820fd8020100300b060960864801650304031204820fc404820fc0").unwrap();
    expanded_only.extend_from_slice(&[0u8; 4032]);
    assert!(matches!(
        SigningKey::from_pkcs8_der(&expanded_only),
        Err(CryptoError::InvalidKey(_))
    ));
}

#[test]
fn pkcs8_v2_public_key_must_match() {
    use der::{Decode as _, Encode as _};
    for alg in [
        SignatureAlgorithm::MlDsa65,
        SignatureAlgorithm::MlDsa65Ed25519,
        SignatureAlgorithm::Ed25519,
    ] {
        let key = key(alg);
        let other = SigningKey::generate(alg, &mut rng(77))
            .unwrap()
            .public_key();
        let der = key.to_pkcs8_der().unwrap();
        let info = pkcs8::PrivateKeyInfoRef::from_der(der.expose()).unwrap();
        let with_public = |public: &[u8]| {
            let mut v2 = info.clone();
            v2.public_key = Some(der::asn1::BitStringRef::from_bytes(public).unwrap());
            SigningKey::from_pkcs8_der(&v2.to_der().unwrap())
        };
        let own = with_public(key.public_key().as_bytes()).unwrap();
        assert_eq!(own.public_key(), key.public_key());
        assert!(matches!(
            with_public(other.as_bytes()),
            Err(CryptoError::InvalidKey(_))
        ));
    }
}

#[test]
fn generation_is_deterministic_in_the_rng() {
    for alg in ALL {
        if matches!(
            alg,
            SignatureAlgorithm::Rsa3072PssSha256 | SignatureAlgorithm::MlDsa65Rsa3072Pss
        ) {
            continue; // RSA key generation uses AWS-LC's own RNG (documented exception).
        }
        let a = SigningKey::generate(alg, &mut rng(42)).unwrap();
        let b = SigningKey::generate(alg, &mut rng(42)).unwrap();
        let c = SigningKey::generate(alg, &mut rng(43)).unwrap();
        assert_eq!(a.public_key(), b.public_key(), "{alg}");
        assert_ne!(a.public_key(), c.public_key(), "{alg}");
    }
}

#[test]
fn differential_against_rustcrypto_ml_dsa() {
    let mut r = rng(2024);
    for round in 0..8 {
        let mut seed = [0u8; 32];
        r.fill_bytes(&mut seed);
        let msg: Vec<u8> = (0..r.random_range(0..2000)).map(|_| r.random()).collect();
        let ctx: Vec<u8> = (0..r.random_range(0..=255)).map(|_| r.random()).collect();

        let ours = SigningKey::from_raw(SignatureAlgorithm::MlDsa65, &seed).unwrap();
        let theirs = ml_dsa::SigningKey::<MlDsa65>::from_seed(&seed.into());
        let their_vk = theirs.expanded_key().verifying_key();
        assert_eq!(
            ours.public_key().as_bytes(),
            their_vk.encode().as_slice(),
            "round {round}: same seed, same public key"
        );
        assert_eq!(
            theirs.to_bytes().as_slice(),
            seed.as_slice(),
            "seed export agrees"
        );

        // Ours verified by theirs.
        let sig = ours.sign(&msg, &ctx, &mut r).unwrap();
        let their_sig = ml_dsa::Signature::<MlDsa65>::try_from(sig.as_bytes()).unwrap();
        assert!(their_vk.verify_with_context(&msg, &ctx, &their_sig));
        assert!(!their_vk.verify_with_context(&msg, b"other", &their_sig));

        // Theirs verified by ours (hedged and deterministic).
        let hedged = theirs
            .expanded_key()
            .sign_randomized(&msg, &ctx, &mut r)
            .unwrap();
        let deterministic = theirs
            .expanded_key()
            .sign_deterministic(&msg, &ctx)
            .unwrap();
        for their in [hedged, deterministic] {
            let sig =
                Signature::from_bytes(SignatureAlgorithm::MlDsa65, &their.to_bytes()).unwrap();
            ours.public_key().verify(&msg, &ctx, &sig).unwrap();
            assert!(ours.public_key().verify(&msg, b"other", &sig).is_err());
        }
    }
}

/// `12, 34, 56` style decimal rendering of a byte window.
fn decimal(window: &[u8]) -> String {
    window
        .iter()
        .map(u8::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn debug_output_never_contains_secret_bytes() {
    for alg in ALL {
        let key = key(alg);
        let raw = key.to_raw().unwrap();
        let pkcs8 = key.to_pkcs8_der().unwrap();
        let shown = [
            format!("{key:?}"),
            format!("{key:#?}"),
            format!("{raw:?}"),
            format!("{pkcs8:?}"),
        ];
        // Any 6-byte window of the secret, in lower / upper hex or as decimals.
        for secret in [raw.expose(), pkcs8.expose()] {
            for window in secret.windows(6).step_by(3) {
                let needles = [
                    hex::encode(window),
                    hex::encode_upper(window),
                    decimal(window),
                ];
                for text in &shown {
                    for needle in &needles {
                        assert!(!text.contains(needle.as_str()), "{alg}: {text}");
                    }
                }
            }
        }
        assert!(shown[0].contains("REDACTED"));
        assert!(shown[2].starts_with("SecretBytes([REDACTED;"));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn composite_round_trip_any_message_and_context(
        msg in proptest::collection::vec(any::<u8>(), 0..512),
        ctx in proptest::collection::vec(any::<u8>(), 0..=255),
        seed in any::<u64>(),
    ) {
        let key = key(SignatureAlgorithm::MlDsa65Ed25519);
        let sig = key.sign(&msg, &ctx, &mut rng(seed)).unwrap();
        prop_assert!(key.public_key().verify(&msg, &ctx, &sig).is_ok());
        let mut other = msg.clone();
        other.push(0);
        prop_assert!(key.public_key().verify(&other, &ctx, &sig).is_err());
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        for alg in ALL {
            let _ = VerifyingKey::from_raw(alg, &bytes);
            let _ = Signature::from_bytes(alg, &bytes);
            let _ = SigningKey::from_raw(alg, &bytes);
        }
        let _ = VerifyingKey::from_spki_der(&bytes);
        let _ = SigningKey::from_pkcs8_der(&bytes);
    }

    #[test]
    fn random_signatures_are_rejected(alg_index in 0..7usize, seed in any::<u64>()) {
        let alg = ALL[alg_index];
        let len = alg.info().signature_or_ciphertext_len;
        let mut bytes = vec![0u8; len];
        rng(seed).fill_bytes(&mut bytes);
        prop_assert!(!accepts(key(alg).public_key().as_bytes(), alg, b"m", ctx_for(alg), &bytes));
    }
}

#[test]
fn keys_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SigningKey>();
    assert_send_sync::<VerifyingKey>();
    assert_send_sync::<Signature>();
    assert_send_sync::<pqbank_crypto::SignaturePolicy>();
    let key = key(SignatureAlgorithm::MlDsa65Ed25519);
    let public = key.public_key();
    std::thread::scope(|scope| {
        for seed in 0..2 {
            let public = public.clone();
            scope.spawn(move || {
                let sig = key.sign(b"m", b"", &mut rng(seed)).unwrap();
                public.verify(b"m", b"", &sig).unwrap();
            });
        }
    });
}

/// An "RNG" that only produces zeros.
struct ZeroRng;

impl rand::TryRng for ZeroRng {
    type Error = std::convert::Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(0)
    }

    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(0)
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        dst.fill(0);
        Ok(())
    }
}

impl rand::TryCryptoRng for ZeroRng {}

#[test]
fn p256_scalars_out_of_range_are_rejected() {
    let ec_private_key = |scalar: &str| {
        hex::decode(format!("30310201010420{scalar}a00a06082a8648ce3d030107")).unwrap()
    };
    let alg = SignatureAlgorithm::EcdsaP256Sha256;
    let order = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    let order_minus_one = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632550";
    for bad in ["00".repeat(32), order.to_owned(), "ff".repeat(32)] {
        assert!(
            SigningKey::from_raw(alg, &ec_private_key(&bad)).is_err(),
            "{bad}"
        );
    }
    let top = SigningKey::from_raw(alg, &ec_private_key(order_minus_one)).unwrap();
    assert_eq!(
        top.to_raw().unwrap().expose(),
        ec_private_key(order_minus_one)
    );
    // A broken RNG makes key generation fail instead of looping or producing a weak key.
    assert!(matches!(
        SigningKey::generate(alg, &mut ZeroRng),
        Err(CryptoError::Internal(_))
    ));
}
