//! Signature benchmarks: each pqbank signature algorithm next to the primitives it is made of
//! (libcrux ML-DSA-65, aws-lc-rs Ed25519 / ECDSA P-256 / RSA-3072-PSS, aws-lc-rs SHA-512).
//!
//! `cargo bench -p pqbank-crypto --bench sig -- --warm-up-time 1 --measurement-time 3`
//!
//! The wrapper (`pqbank`) and the primitive sequence (`parts`) work on the SAME key (the parts'
//! aws-lc-rs / libcrux objects are built from the pqbank key's raw export), the SAME message and
//! the SAME ML-DSA signing randomness: call `i` of either side signs with an RNG seeded with
//! `i mod 8`, so ML-DSA's rejection sampling takes the same number of iterations on both. (The ECDSA nonce and the RSA-PSS salt come from AWS-LC's own generator on both sides;
//! aws-lc-rs cannot take an external one, and their cost does not depend on the value.) Verify
//! checks the same signature bytes on both sides.
//!
//! For a composite, `parts` is what a minimal hand-written composite does:
//! - sign: SHA-512(M), M' = Prefix || Label || 0 || PH (on the stack), ML-DSA-65 sign with the label
//!   as context, classical sign of M';
//! - verify: SHA-512(M), M', ML-DSA-65 verify (signature bytes copied into libcrux's array type),
//!   classical verify of M' with a pre-parsed public key.
//!
//! After the criterion groups, a table is printed: wrapper and parts alternate in short rounds
//! (8 calls each, which side goes first alternating too) for about 3 s per operation. It gives
//! the fastest round of each side and their ratio (interference only adds time, so the minima
//! approach the unloaded costs) and the median over rounds of `pqbank / parts` of the two
//! adjacent timings, which stays honest when the load changes during the run (other processes,
//! a busy SMT sibling). The median paired ratio is the wrapper overhead the acceptance bounds
//! (1.10). `PQBANK_BENCH_TABLE_ONLY=1` skips criterion and prints only the table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use aws_lc_rs::digest;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    self as aws, EcdsaKeyPair, Ed25519KeyPair, KeyPair as _, ParsedPublicKey, RsaKeyPair,
};
use criterion::{Criterion, criterion_group};
use libcrux_ml_dsa::ml_dsa_65::{self, MLDSA65KeyPair, MLDSA65Signature};
use pqbank_crypto::sig::{Signature, SignatureAlgorithm, SigningKey, VerifyingKey};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// The message signed in every benchmark (a typical canonical transfer payload size).
const MSG: &[u8; 256] = &[0x5A; 256];
const PREFIX: &[u8] = b"CompositeAlgorithmSignatures2025";
const MLDSA65_SIG_LEN: usize = 3309;

/// A classical primitive key pair (aws-lc-rs).
enum Classical {
    Ed25519(Ed25519KeyPair),
    Ecdsa(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

impl Classical {
    /// The same key as pqbank's raw classical private key.
    fn from_raw(alg: SignatureAlgorithm, raw: &[u8]) -> Self {
        match alg {
            SignatureAlgorithm::MlDsa65Ed25519 | SignatureAlgorithm::Ed25519 => {
                Self::Ed25519(Ed25519KeyPair::from_seed_unchecked(raw).unwrap())
            }
            SignatureAlgorithm::MlDsa65EcdsaP256 | SignatureAlgorithm::EcdsaP256Sha256 => {
                Self::Ecdsa(
                    EcdsaKeyPair::from_private_key_der(&aws::ECDSA_P256_SHA256_ASN1_SIGNING, raw)
                        .unwrap(),
                )
            }
            SignatureAlgorithm::MlDsa65Rsa3072Pss | SignatureAlgorithm::Rsa3072PssSha256 => {
                Self::Rsa(RsaKeyPair::from_der(raw).unwrap())
            }
            SignatureAlgorithm::MlDsa65 => unreachable!("no classical part"),
        }
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

    fn sign(&self, msg: &[u8]) {
        match self {
            Self::Ed25519(pair) => {
                black_box(pair.sign(msg));
            }
            Self::Ecdsa(pair) => {
                black_box(pair.sign(&SystemRandom::new(), msg).unwrap());
            }
            Self::Rsa(pair) => {
                let mut sig = [0u8; 384];
                pair.sign(&aws::RSA_PSS_SHA256, &SystemRandom::new(), msg, &mut sig)
                    .unwrap();
                black_box(sig);
            }
        }
    }
}

/// The primitive objects behind one pqbank key.
struct Parts {
    mldsa: Option<MLDSA65KeyPair>,
    classical: Option<(Classical, ParsedPublicKey)>,
    /// The composite label (empty for the non-composite algorithms).
    label: &'static [u8],
}

fn label(alg: SignatureAlgorithm) -> &'static [u8] {
    match alg {
        SignatureAlgorithm::MlDsa65Ed25519 => b"COMPSIG-MLDSA65-Ed25519-SHA512",
        SignatureAlgorithm::MlDsa65EcdsaP256 => b"COMPSIG-MLDSA65-ECDSA-P256-SHA512",
        SignatureAlgorithm::MlDsa65Rsa3072Pss => b"COMPSIG-MLDSA65-RSA3072-PSS-SHA512",
        _ => b"",
    }
}

/// M' on the stack: Prefix || Label || len(ctx) = 0 || SHA-512(msg). Returns the buffer and length.
fn composite_message(label: &[u8], msg: &[u8]) -> ([u8; 160], usize) {
    let mut m = [0u8; 160];
    let ph = digest::digest(&digest::SHA512, msg);
    let mut n = 0;
    for part in [PREFIX, label, &[0u8][..], ph.as_ref()] {
        m[n..n + part.len()].copy_from_slice(part);
        n += part.len();
    }
    (m, n)
}

impl Parts {
    /// The same key as `key`, as separate libcrux / aws-lc-rs objects.
    fn of(key: &SigningKey) -> Self {
        let alg = key.algorithm();
        let raw = key.to_raw().unwrap();
        let raw = raw.expose();
        let (mldsa, classical_raw) = match alg {
            SignatureAlgorithm::MlDsa65 => (Some(raw), None),
            a if a.is_composite() => (Some(&raw[..32]), Some(&raw[32..])),
            _ => (None, Some(raw)),
        };
        let mldsa = mldsa.map(|seed| ml_dsa_65::generate_key_pair(seed.try_into().unwrap()));
        let classical = classical_raw.map(|raw| {
            let c = Classical::from_raw(alg, raw);
            let public = c.public();
            (c, public)
        });
        Self {
            mldsa,
            classical,
            label: label(alg),
        }
    }

    fn sign(&self, msg: &[u8], rng: &mut StdRng) {
        let mldsa_sign = |pair: &MLDSA65KeyPair, m: &[u8], ctx: &[u8], rng: &mut StdRng| {
            let mut randomness = [0u8; 32];
            rng.fill_bytes(&mut randomness);
            black_box(ml_dsa_65::sign(&pair.signing_key, m, ctx, randomness).unwrap());
        };
        match (&self.mldsa, &self.classical) {
            (Some(pair), Some((classical, _))) => {
                let (m, n) = composite_message(self.label, msg);
                mldsa_sign(pair, &m[..n], self.label, rng);
                classical.sign(&m[..n]);
            }
            (Some(pair), None) => mldsa_sign(pair, msg, b"", rng),
            (None, Some((classical, _))) => classical.sign(msg),
            (None, None) => unreachable!(),
        }
    }

    fn verify(&self, msg: &[u8], sig: &[u8]) {
        let mldsa_verify = |pair: &MLDSA65KeyPair, m: &[u8], ctx: &[u8], sig: &[u8]| {
            let sig = MLDSA65Signature::new(sig.try_into().unwrap());
            ml_dsa_65::verify(&pair.verification_key, m, ctx, &sig).unwrap();
        };
        match (&self.mldsa, &self.classical) {
            (Some(pair), Some((_, public))) => {
                let (m, n) = composite_message(self.label, msg);
                let (mldsa_sig, classical_sig) = sig.split_at(MLDSA65_SIG_LEN);
                mldsa_verify(pair, &m[..n], self.label, mldsa_sig);
                public.verify_sig(&m[..n], classical_sig).unwrap();
            }
            (Some(pair), None) => mldsa_verify(pair, msg, b"", sig),
            (None, Some((_, public))) => public.verify_sig(msg, sig).unwrap(),
            (None, None) => unreachable!(),
        }
    }
}

type Op<'a> = Box<dyn FnMut() + 'a>;

/// Calls per timed round of the overhead table.
const PER_ROUND: u32 = 8;

/// Signing randomness: call `i` of each side uses `StdRng::seed_from_u64(i % PER_ROUND)`, so
/// every round of the table signs with the same eight randomness strings on both sides (ML-DSA's
/// rejection-sampling loop count depends on them), and seeding costs the same on both.
#[derive(Default)]
struct Seeds(u64);

impl Seeds {
    fn rng(&mut self) -> StdRng {
        let rng = StdRng::seed_from_u64(self.0);
        self.0 = (self.0 + 1) % u64::from(PER_ROUND);
        rng
    }
}

/// One algorithm's keys: the pqbank key, its public key, a signature, and the same key as parts.
struct Fixture {
    alg: SignatureAlgorithm,
    key: SigningKey,
    public: VerifyingKey,
    sig: Signature,
    parts: Parts,
}

impl Fixture {
    fn new(alg: SignatureAlgorithm) -> Self {
        let mut rng = StdRng::seed_from_u64(1);
        let generated = SigningKey::generate(alg, &mut rng).unwrap();
        // Both sides load the key from the same stored (raw) form, as a server does.
        let key = SigningKey::from_raw(alg, generated.to_raw().unwrap().expose()).unwrap();
        let public = key.public_key();
        let sig = key.sign(MSG, b"", &mut rng).unwrap();
        let parts = Parts::of(&key);
        // The parts accept the wrapper's signature: same key, same construction.
        parts.verify(MSG, sig.as_bytes());
        Self {
            alg,
            key,
            public,
            sig,
            parts,
        }
    }

    /// (name, wrapper, parts) for sign and verify; both sides of a sign pair draw the same
    /// randomness (see [`Seeds`]).
    fn ops(&self) -> Vec<(String, Op<'_>, Op<'_>)> {
        let (mut seeds_w, mut seeds_p) = (Seeds::default(), Seeds::default());
        vec![
            (
                format!("{}/sign", self.alg.id()),
                Box::new(move || {
                    black_box(
                        self.key
                            .sign(black_box(MSG), b"", &mut seeds_w.rng())
                            .unwrap(),
                    );
                }),
                Box::new(move || self.parts.sign(black_box(MSG), &mut seeds_p.rng())),
            ),
            (
                format!("{}/verify", self.alg.id()),
                Box::new(|| {
                    self.public.verify(black_box(MSG), b"", &self.sig).unwrap();
                }),
                Box::new(|| self.parts.verify(black_box(MSG), self.sig.as_bytes())),
            ),
        ]
    }
}

/// The composites first (the acceptance is about them), then the single algorithms.
fn algorithms() -> Vec<SignatureAlgorithm> {
    let mut algs = SignatureAlgorithm::COMPOSITES.to_vec();
    algs.extend(
        SignatureAlgorithm::ALL
            .into_iter()
            .filter(|a| !a.is_composite()),
    );
    algs
}

fn wrappers_and_parts(c: &mut Criterion) {
    for alg in algorithms() {
        let fx = Fixture::new(alg);
        let mut group = c.benchmark_group(alg.id());
        for (name, mut wrapper, mut parts) in fx.ops() {
            let op = name.split_once('/').unwrap().1;
            group.bench_function(format!("{op}/pqbank"), |b| b.iter(&mut wrapper));
            group.bench_function(format!("{op}/parts"), |b| b.iter(&mut parts));
        }
        group.finish();
    }
}

/// Key generation of the wrapper alone (RSA-3072 takes around half a second and varies a lot).
fn keygen(c: &mut Criterion) {
    let mut rng = StdRng::seed_from_u64(3);
    let mut group = c.benchmark_group("keygen");
    for alg in algorithms() {
        let rsa = matches!(
            alg,
            SignatureAlgorithm::Rsa3072PssSha256 | SignatureAlgorithm::MlDsa65Rsa3072Pss
        );
        group.sample_size(if rsa { 10 } else { 100 });
        group.bench_function(alg.id(), |b| {
            b.iter(|| SigningKey::generate(alg, &mut rng).unwrap());
        });
    }
    group.finish();
}

/// Interleaved min-of-rounds comparison (see the module docs), with a second estimate that is
/// robust to load that changes over time (other processes, a busy SMT sibling): the median over
/// rounds of the ratio of the two adjacent timings.
#[allow(clippy::disallowed_methods, clippy::print_stdout)] // wall-clock timing is the point here
fn overhead_table() {
    use std::time::{Duration, Instant};
    /// Time budget per operation (both sides together); at least `MIN_ROUNDS` rounds.
    const BUDGET: Duration = Duration::from_secs(3);
    const MIN_ROUNDS: usize = 100;
    const MAX_ROUNDS: usize = 2000;
    println!(
        "\n| operation | pqbank min (us) | primitives min (us) | ratio of minima | median paired ratio | rounds |\n| --- | ---: | ---: | ---: | ---: | ---: |"
    );
    let mut worst: f64 = 0.0;
    for alg in algorithms() {
        let fx = Fixture::new(alg);
        for (name, mut wrapper, mut parts) in fx.ops() {
            // Warm up both (caches, branch predictors, lazy CPU feature detection).
            for _ in 0..PER_ROUND {
                wrapper();
                parts();
            }
            let mut best = [Duration::MAX; 2];
            let mut ratios = Vec::with_capacity(MAX_ROUNDS);
            let started = Instant::now();
            for round in 0..MAX_ROUNDS {
                if round >= MIN_ROUNDS && started.elapsed() > BUDGET {
                    break;
                }
                // Alternate which side goes first so neither always runs right after the other.
                let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
                let mut took = [Duration::ZERO; 2];
                for i in order {
                    let f: &mut Op<'_> = if i == 0 { &mut wrapper } else { &mut parts };
                    let start = Instant::now();
                    for _ in 0..PER_ROUND {
                        f();
                    }
                    took[i] = start.elapsed() / PER_ROUND;
                    best[i] = best[i].min(took[i]);
                }
                ratios.push(took[0].as_secs_f64() / took[1].as_secs_f64());
            }
            ratios.sort_by(f64::total_cmp);
            let median = ratios[ratios.len() / 2];
            let [w, p] = best.map(|d| d.as_secs_f64() * 1e6);
            if alg.is_composite() {
                worst = worst.max(median);
            }
            println!(
                "| {name} | {w:.1} | {p:.1} | {:.3} | {median:.3} | {} |",
                w / p,
                ratios.len()
            );
        }
    }
    println!("\nworst composite median paired ratio: {worst:.3} (bound 1.10)");
}

criterion_group!(benches, wrappers_and_parts, keygen);

fn main() {
    if std::env::var_os("PQBANK_BENCH_TABLE_ONLY").is_none_or(|v| v.is_empty() || v == "0") {
        benches();
        Criterion::default().configure_from_args().final_summary();
    }
    overhead_table();
}
