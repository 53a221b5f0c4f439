//! Signature benchmarks: keygen / sign / verify of every pqbank signature algorithm and, in the
//! same run, the primitives they are made of (libcrux ML-DSA-65, aws-lc-rs Ed25519 / ECDSA P-256 /
//! RSA-3072-PSS, SHA-512).
//!
//! Each algorithm's group holds `keygen`, `sign`, `verify` (the pqbank API) next to
//! `keygen-primitives`, `sign-primitives`, `verify-primitives`: the same work done by calling the
//! primitives directly (for composites SHA-512 of the message plus the ML-DSA and classical
//! operations on a precomputed M'). Running them side by side keeps the comparison fair on a
//! noisy machine; the wrapper overhead is the ratio of the two. The `prim-*` groups time each
//! primitive alone.
//!
//! Run briefly with
//! `cargo bench -p pqbank-crypto --bench sig -- --warm-up-time 1 --measurement-time 3`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    self as aws, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ParsedPublicKey, RsaKeyPair,
};
use criterion::{
    BenchmarkGroup, Criterion, criterion_group, criterion_main, measurement::WallTime,
};
use libcrux_ml_dsa::ml_dsa_65::{self, MLDSA65KeyPair, MLDSA65Signature};
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The message signed in every benchmark.
const MSG: &[u8; 128] = &[0x5A; 128];

/// A classical primitive key pair with its parsed public key.
enum Classical {
    Ed25519(Ed25519KeyPair),
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

impl Classical {
    fn generate(alg: SignatureAlgorithm, rng: &mut StdRng) -> Option<Self> {
        Some(match alg {
            SignatureAlgorithm::MlDsa65Ed25519 | SignatureAlgorithm::Ed25519 => {
                let mut seed = [0u8; 32];
                rng.fill_bytes(&mut seed);
                Self::Ed25519(Ed25519KeyPair::from_seed_unchecked(&seed).unwrap())
            }
            SignatureAlgorithm::MlDsa65EcdsaP256 | SignatureAlgorithm::EcdsaP256Sha256 => {
                Self::Ecdsa(EcdsaKeyPair::generate(&aws::ECDSA_P256_SHA256_ASN1_SIGNING).unwrap())
            }
            SignatureAlgorithm::MlDsa65Rsa3072Pss | SignatureAlgorithm::Rsa3072PssSha256 => {
                Self::Rsa(RsaKeyPair::generate(KeySize::Rsa3072).unwrap())
            }
            SignatureAlgorithm::MlDsa65 => return None,
        })
    }

    fn public(&self) -> ParsedPublicKey {
        match self {
            Self::Ed25519(pair) => ParsedPublicKey::new(&aws::ED25519, pair.public_key()),
            Self::Ecdsa(pair) => {
                ParsedPublicKey::new(&aws::ECDSA_P256_SHA256_ASN1, pair.public_key())
            }
            Self::Rsa(pair) => {
                ParsedPublicKey::new(&aws::RSA_PSS_2048_8192_SHA256, pair.public_key())
            }
        }
        .unwrap()
    }

    fn sign(&self, msg: &[u8]) -> Vec<u8> {
        let sys = SystemRandom::new();
        match self {
            Self::Ed25519(pair) => pair.sign(msg).as_ref().to_vec(),
            Self::Ecdsa(pair) => pair.sign(&sys, msg).unwrap().as_ref().to_vec(),
            Self::Rsa(pair) => {
                let mut sig = vec![0u8; pair.public_modulus_len()];
                pair.sign(&aws::RSA_PSS_SHA256, &sys, msg, &mut sig)
                    .unwrap();
                sig
            }
        }
    }
}

/// The primitive-level equivalent of one pqbank key: what a hand-written composite would hold.
struct Primitives {
    mldsa: Option<MLDSA65KeyPair>,
    classical: Option<(Classical, ParsedPublicKey)>,
    /// The message the components sign: M' for composites, the message itself otherwise.
    input: Vec<u8>,
    label: &'static [u8],
}

impl Primitives {
    fn generate(alg: SignatureAlgorithm, rng: &mut StdRng) -> Self {
        let mldsa = (alg.is_composite() || alg == SignatureAlgorithm::MlDsa65).then(|| {
            let mut seed = [0u8; 32];
            rng.fill_bytes(&mut seed);
            ml_dsa_65::generate_key_pair(seed)
        });
        let classical = Classical::generate(alg, rng).map(|c| {
            let public = c.public();
            (c, public)
        });
        let (input, label): (Vec<u8>, &'static [u8]) = if alg.is_composite() {
            let label: &'static [u8] = match alg {
                SignatureAlgorithm::MlDsa65Ed25519 => b"COMPSIG-MLDSA65-Ed25519-SHA512",
                SignatureAlgorithm::MlDsa65EcdsaP256 => b"COMPSIG-MLDSA65-ECDSA-P256-SHA512",
                _ => b"COMPSIG-MLDSA65-RSA3072-PSS-SHA512",
            };
            let mut m = b"CompositeAlgorithmSignatures2025".to_vec();
            m.extend_from_slice(label);
            m.push(0);
            m.extend_from_slice(digest::digest(&digest::SHA512, MSG).as_ref());
            (m, label)
        } else {
            (MSG.to_vec(), b"")
        };
        Self {
            mldsa,
            classical,
            input,
            label,
        }
    }

    fn prehash(&self) {
        if !self.label.is_empty() {
            black_box(digest::digest(&digest::SHA512, black_box(MSG)));
        }
    }

    fn sign(&self, rng: &mut StdRng) -> (Option<MLDSA65Signature>, Option<Vec<u8>>) {
        self.prehash();
        let mldsa = self.mldsa.as_ref().map(|pair| {
            let mut randomness = [0u8; 32];
            rng.fill_bytes(&mut randomness);
            ml_dsa_65::sign(&pair.signing_key, &self.input, self.label, randomness).unwrap()
        });
        let classical = self.classical.as_ref().map(|(c, _)| c.sign(&self.input));
        (mldsa, classical)
    }

    fn verify(&self, sig: &(Option<MLDSA65Signature>, Option<Vec<u8>>)) {
        self.prehash();
        if let (Some(pair), Some(sig)) = (&self.mldsa, &sig.0) {
            ml_dsa_65::verify(&pair.verification_key, &self.input, self.label, sig).unwrap();
        }
        if let (Some((_, public)), Some(sig)) = (&self.classical, &sig.1) {
            public.verify_sig(&self.input, sig).unwrap();
        }
    }
}

fn is_rsa(alg: SignatureAlgorithm) -> bool {
    matches!(
        alg,
        SignatureAlgorithm::Rsa3072PssSha256 | SignatureAlgorithm::MlDsa65Rsa3072Pss
    )
}

fn algorithms(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(1);
    for alg in SignatureAlgorithm::ALL {
        let mut group = c.benchmark_group(alg.id());
        // RSA-3072 key generation takes around half a second and varies a lot.
        group.sample_size(if is_rsa(alg) { 10 } else { 100 });
        group.bench_function("keygen", |b| {
            b.iter(|| SigningKey::generate(alg, &mut rng).unwrap());
        });
        group.bench_function("keygen-primitives", |b| {
            b.iter(|| Primitives::generate(alg, &mut rng));
        });
        group.sample_size(100);

        let key = SigningKey::generate(alg, &mut rng).unwrap();
        let public = key.public_key();
        let sig = key.sign(MSG, b"", &mut rng).unwrap();
        let prims = Primitives::generate(alg, &mut rng);
        let prim_sig = prims.sign(&mut rng);
        group.bench_function("sign", |b| {
            b.iter(|| key.sign(black_box(MSG), b"", &mut rng).unwrap());
        });
        group.bench_function("sign-primitives", |b| b.iter(|| prims.sign(&mut rng)));
        group.bench_function("verify", |b| {
            b.iter(|| public.verify(black_box(MSG), b"", &sig).unwrap());
        });
        group.bench_function("verify-primitives", |b| b.iter(|| prims.verify(&prim_sig)));
        group.finish();
    }
}

fn bench_primitive_set(
    group: &mut BenchmarkGroup<'_, WallTime>,
    sign: impl Fn() -> Vec<u8>,
    verify: impl Fn(&[u8]),
) {
    let sig = sign();
    group.bench_function("sign", |b| b.iter(&sign));
    group.bench_function("verify", |b| b.iter(|| verify(&sig)));
}

fn primitives(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(2);

    let mut group = c.benchmark_group("prim-sha512");
    group.bench_function("digest-128B", |b| {
        b.iter(|| digest::digest(&digest::SHA512, black_box(MSG)));
    });
    group.finish();

    let mut group = c.benchmark_group("prim-libcrux-mldsa65");
    group.bench_function("keygen", |b| {
        b.iter(|| ml_dsa_65::generate_key_pair([black_box(3); 32]));
    });
    let pair = ml_dsa_65::generate_key_pair([3; 32]);
    bench_primitive_set(
        &mut group,
        || {
            ml_dsa_65::sign(&pair.signing_key, MSG, b"", [7; 32])
                .unwrap()
                .as_slice()
                .to_vec()
        },
        |sig| {
            let sig = MLDSA65Signature::new(sig.try_into().unwrap());
            ml_dsa_65::verify(&pair.verification_key, MSG, b"", &sig).unwrap();
        },
    );
    group.finish();

    for alg in [
        SignatureAlgorithm::Ed25519,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::Rsa3072PssSha256,
    ] {
        let mut group = c.benchmark_group(format!("prim-awslc-{}", alg.id()));
        let classical = Classical::generate(alg, &mut rng).unwrap();
        let public = classical.public();
        bench_primitive_set(
            &mut group,
            || classical.sign(MSG),
            |sig| public.verify_sig(MSG, sig).unwrap(),
        );
        group.finish();
    }
}

criterion_group!(benches, algorithms, primitives);
criterion_main!(benches);
