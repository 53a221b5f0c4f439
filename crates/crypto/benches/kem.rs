//! KEM half benchmarks: each pqbank wrapper next to the primitives it is made of.
//!
//! `cargo bench -p pqbank-crypto --bench kem -- --warm-up-time 1 --measurement-time 3`
//!
//! Every group benches the wrapper (`pqbank`) and, right after it, one iteration of the exact
//! sequence of aws-lc-rs / libcrux calls it makes (`parts`), so the two run under the same machine
//! load; `wrapper / parts` is the wrapper overhead. The `prim` group then measures each primitive
//! on its own:
//! - X-Wing encaps = mlkem768_encaps + x25519_public (ephemeral) + x25519_agree + sha3_256
//! - X-Wing decaps = mlkem768_decaps + x25519_agree + sha3_256
//! - seal / open = X-Wing encaps / decaps + hpke_key_schedule + aes256gcm_{seal,open}
//! - keyring encrypt / decrypt 1 KiB = seal / open of the 32-byte data key + aes256gcm over 1 KiB
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;

use aws_lc_rs::{aead, agreement, digest, hkdf, hmac, kem};
use criterion::{Criterion, criterion_group};
use pqbank_crypto::kem::{Ciphertext, DecapsulationKey, KemAlgorithm};
use pqbank_crypto::keyring::{EncryptedRecord, KeyRing};
use pqbank_crypto::seal::{self, SealedBox};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const KIB: usize = 1024;
const SUITE: &[u8] = b"HPKE\x64\x7a\x00\x01\x00\x02";

/// The primitive calls of one X-Wing encapsulation.
fn xwing_encaps_parts(ek_m: &kem::EncapsulationKey, pk_x: &[u8], rng: &mut StdRng) -> [u8; 32] {
    let (ct_m, ss_m) = ek_m.encapsulate().unwrap();
    let mut ek_x = [0u8; 32];
    rng.fill_bytes(&mut ek_x);
    let eph = agreement::PrivateKey::from_private_key(&agreement::X25519, &ek_x).unwrap();
    let ct_x = eph.compute_public_key().unwrap();
    let ss_x = x25519(&eph, pk_x);
    black_box(ct_m);
    combiner(ss_m.as_ref(), &ss_x, ct_x.as_ref(), pk_x)
}

/// The primitive calls of one X-Wing decapsulation.
fn xwing_decaps_parts(
    dk_m: &kem::DecapsulationKey,
    sk_x: &agreement::PrivateKey,
    pk_x: &[u8],
    ct: &[u8],
) -> [u8; 32] {
    let ss_m = dk_m
        .decapsulate(kem::Ciphertext::from(&ct[..1088]))
        .unwrap();
    let ss_x = x25519(sk_x, &ct[1088..]);
    combiner(ss_m.as_ref(), &ss_x, &ct[1088..], pk_x)
}

fn x25519(sk: &agreement::PrivateKey, peer: &[u8]) -> [u8; 32] {
    agreement::agree(
        sk,
        agreement::UnparsedPublicKey::new(&agreement::X25519, peer),
        (),
        |s| Ok(s.try_into().unwrap()),
    )
    .unwrap()
}

fn combiner(ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> [u8; 32] {
    let mut ctx = digest::Context::new(&digest::SHA3_256);
    for part in [ss_m, ss_x, ct_x, pk_x, b"\\.//^\\"] {
        ctx.update(part);
    }
    ctx.finish().as_ref().try_into().unwrap()
}

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// HPKE key schedule calls: two HMAC-SHA256, one HKDF-Extract, two HKDF-Expand.
fn hpke_key_schedule(ss: &[u8], info: &[u8]) -> (aead::LessSafeKey, [u8; 12]) {
    let zero = hmac::Key::new(hmac::HMAC_SHA256, &[]);
    let hash = |label: &[u8], ikm: &[u8]| {
        let mut ctx = hmac::Context::with_key(&zero);
        for part in [b"HPKE-v1", SUITE, label, ikm] {
            ctx.update(part);
        }
        ctx.sign()
    };
    let psk_id_hash = hash(b"psk_id_hash", b"");
    let info_hash = hash(b"info_hash", info);
    let ctx = [&[0u8][..], psk_id_hash.as_ref(), info_hash.as_ref()].concat();
    let prk =
        hkdf::Salt::new(hkdf::HKDF_SHA256, ss).extract(&[b"HPKE-v1", SUITE, b"secret"].concat());
    let key_info: [&[u8]; 5] = [b"\x00\x20", b"HPKE-v1", SUITE, b"key", &ctx];
    let key = aead::UnboundKey::from(prk.expand(&key_info, &aead::AES_256_GCM).unwrap());
    let nonce_info: [&[u8]; 5] = [b"\x00\x0c", b"HPKE-v1", SUITE, b"base_nonce", &ctx];
    let mut nonce = [0u8; 12];
    prk.expand(&nonce_info, Len(12))
        .unwrap()
        .fill(&mut nonce)
        .unwrap();
    (aead::LessSafeKey::new(key), nonce)
}

fn aes_key(bytes: &[u8]) -> aead::LessSafeKey {
    aead::LessSafeKey::new(aead::UnboundKey::new(&aead::AES_256_GCM, bytes).unwrap())
}

fn aes_seal(key: &aead::LessSafeKey, nonce: [u8; 12], aad: &[u8], pt: &[u8]) -> Vec<u8> {
    let mut buf = pt.to_vec();
    key.seal_in_place_append_tag(
        aead::Nonce::assume_unique_for_key(nonce),
        aead::Aad::from(aad),
        &mut buf,
    )
    .unwrap();
    buf
}

fn aes_open(key: &aead::LessSafeKey, nonce: [u8; 12], aad: &[u8], ct: &[u8]) -> Vec<u8> {
    let mut buf = ct.to_vec();
    let len = key
        .open_in_place(
            aead::Nonce::assume_unique_for_key(nonce),
            aead::Aad::from(aad),
            &mut buf,
        )
        .unwrap()
        .len();
    buf.truncate(len);
    buf
}

/// Keys and inputs shared by the wrapper benches and their primitive sequences: the same X-Wing
/// key both as a pqbank key and as separate aws-lc-rs / libcrux objects.
struct Fixture {
    plaintext: Vec<u8>,
    mlkem_seed: [u8; 64],
    mlkem_dk: DecapsulationKey,
    mlkem_aws_dk: kem::DecapsulationKey,
    mlkem_aws_ek: kem::EncapsulationKey,
    mlkem_ct: Ciphertext,
    xwing_seed: [u8; 32],
    xwing_dk: DecapsulationKey,
    dk_m: kem::DecapsulationKey,
    ek_m: kem::EncapsulationKey,
    sk_x: agreement::PrivateKey,
    pk_x: Vec<u8>,
    xwing_ct: Ciphertext,
    sealed: SealedBox,
    ring: KeyRing,
    record: EncryptedRecord,
    wrapped: SealedBox,
    record_ct: Vec<u8>,
}

const DATA_KEY: [u8; 32] = [0x44; 32];

impl Fixture {
    fn new() -> Self {
        let mut rng = StdRng::seed_from_u64(1);
        let plaintext = vec![0x5au8; KIB];
        let mlkem_seed = [7u8; 64];
        let mlkem_dk = DecapsulationKey::from_seed(KemAlgorithm::MlKem768, &mlkem_seed).unwrap();
        let pair = libcrux_ml_kem::mlkem768::generate_key_pair(mlkem_seed);
        let (mlkem_ct, _) = mlkem_dk.encapsulation_key().encapsulate(&mut rng).unwrap();

        let xwing_seed = [9u8; 32];
        let xwing_dk = DecapsulationKey::from_seed(KemAlgorithm::XWing, &xwing_seed).unwrap();
        let ek = xwing_dk.encapsulation_key();
        let expanded = libcrux_sha3::shake256::<96>(&xwing_seed);
        let xpair = libcrux_ml_kem::mlkem768::generate_key_pair(expanded[..64].try_into().unwrap());
        let (xwing_ct, _) = ek.encapsulate(&mut rng).unwrap();
        let sealed = seal::seal(&ek, b"info", b"aad", &plaintext, &mut rng).unwrap();
        let ring = KeyRing::generate(KemAlgorithm::XWing, &mut rng).unwrap();
        let record = ring.encrypt(b"row", &plaintext, &mut rng).unwrap();
        Self {
            mlkem_aws_dk: kem::DecapsulationKey::new(&kem::ML_KEM_768, pair.sk()).unwrap(),
            mlkem_aws_ek: kem::EncapsulationKey::new(&kem::ML_KEM_768, pair.pk()).unwrap(),
            dk_m: kem::DecapsulationKey::new(&kem::ML_KEM_768, xpair.sk()).unwrap(),
            ek_m: kem::EncapsulationKey::new(&kem::ML_KEM_768, xpair.pk()).unwrap(),
            sk_x: agreement::PrivateKey::from_private_key(&agreement::X25519, &expanded[64..])
                .unwrap(),
            pk_x: ek.as_bytes()[1184..].to_vec(),
            wrapped: seal::seal(&ek, b"wrap", b"version", &DATA_KEY, &mut rng).unwrap(),
            record_ct: aes_seal(&aes_key(&DATA_KEY), [1u8; 12], b"row", &plaintext),
            plaintext,
            mlkem_seed,
            mlkem_dk,
            mlkem_ct,
            xwing_seed,
            xwing_dk,
            xwing_ct,
            sealed,
            ring,
            record,
        }
    }

    fn xwing_decaps_parts(&self, ct: &[u8]) -> [u8; 32] {
        xwing_decaps_parts(&self.dk_m, &self.sk_x, &self.pk_x, ct)
    }
}

type Op<'a> = Box<dyn FnMut() + 'a>;

/// Each wrapper with the sequence of primitive calls it makes (same inputs, results discarded).
fn wrapper_ops(fx: &Fixture) -> Vec<(&'static str, Op<'_>, Op<'_>)> {
    let ek = fx.xwing_dk.encapsulation_key();
    let mlkem_ek = fx.mlkem_dk.encapsulation_key();
    let ek2 = ek.clone();
    let mut rngs: Vec<StdRng> = (0..7).map(StdRng::seed_from_u64).collect();
    let mut rng = move || rngs.pop().unwrap();
    let (mut r1, mut r2, mut r3, mut r4, mut r5) = (rng(), rng(), rng(), rng(), rng());
    let (mut r6, mut r7) = (rng(), rng());
    let xenc = fx.sealed.enc().as_bytes().to_vec();
    let wenc = fx.wrapped.enc().as_bytes().to_vec();
    vec![
        (
            "mlkem768/keygen",
            Box::new(|| {
                black_box(
                    DecapsulationKey::from_seed(KemAlgorithm::MlKem768, &fx.mlkem_seed).unwrap(),
                );
            }),
            Box::new(|| {
                let pair = libcrux_ml_kem::mlkem768::generate_key_pair(black_box(fx.mlkem_seed));
                black_box(kem::DecapsulationKey::new(&kem::ML_KEM_768, pair.sk()).unwrap());
                black_box(kem::EncapsulationKey::new(&kem::ML_KEM_768, pair.pk()).unwrap());
            }),
        ),
        (
            "mlkem768/encaps",
            Box::new(move || {
                black_box(mlkem_ek.encapsulate(&mut r1).unwrap());
            }),
            Box::new(|| {
                black_box(fx.mlkem_aws_ek.encapsulate().unwrap());
            }),
        ),
        (
            "mlkem768/decaps",
            Box::new(|| {
                black_box(fx.mlkem_dk.decapsulate(&fx.mlkem_ct).unwrap());
            }),
            Box::new(|| {
                let ct = kem::Ciphertext::from(fx.mlkem_ct.as_bytes());
                black_box(fx.mlkem_aws_dk.decapsulate(ct).unwrap());
            }),
        ),
        (
            "xwing/keygen",
            Box::new(|| {
                black_box(
                    DecapsulationKey::from_seed(KemAlgorithm::XWing, &fx.xwing_seed).unwrap(),
                );
            }),
            Box::new(|| {
                let expanded = libcrux_sha3::shake256::<96>(black_box(&fx.xwing_seed));
                let pair =
                    libcrux_ml_kem::mlkem768::generate_key_pair(expanded[..64].try_into().unwrap());
                black_box(kem::DecapsulationKey::new(&kem::ML_KEM_768, pair.sk()).unwrap());
                black_box(kem::EncapsulationKey::new(&kem::ML_KEM_768, pair.pk()).unwrap());
                let sk =
                    agreement::PrivateKey::from_private_key(&agreement::X25519, &expanded[64..])
                        .unwrap();
                black_box(sk.compute_public_key().unwrap());
            }),
        ),
        (
            "xwing/encaps",
            Box::new(move || {
                black_box(ek.encapsulate(&mut r2).unwrap());
            }),
            Box::new(move || {
                black_box(xwing_encaps_parts(&fx.ek_m, &fx.pk_x, &mut r3));
            }),
        ),
        (
            "xwing/decaps",
            Box::new(|| {
                black_box(fx.xwing_dk.decapsulate(&fx.xwing_ct).unwrap());
            }),
            Box::new(|| {
                black_box(fx.xwing_decaps_parts(fx.xwing_ct.as_bytes()));
            }),
        ),
        (
            "seal/seal_1k",
            Box::new(move || {
                black_box(seal::seal(&ek2, b"info", b"aad", &fx.plaintext, &mut r4).unwrap());
            }),
            Box::new(move || {
                let ss = xwing_encaps_parts(&fx.ek_m, &fx.pk_x, &mut r5);
                let (key, nonce) = hpke_key_schedule(&ss, b"info");
                black_box(aes_seal(&key, nonce, b"aad", &fx.plaintext));
            }),
        ),
        (
            "seal/open_1k",
            Box::new(|| {
                black_box(seal::open(&fx.xwing_dk, b"info", b"aad", &fx.sealed).unwrap());
            }),
            Box::new(move || {
                let ss = fx.xwing_decaps_parts(&xenc);
                let (key, nonce) = hpke_key_schedule(&ss, b"info");
                black_box(aes_open(&key, nonce, b"aad", fx.sealed.ciphertext()));
            }),
        ),
        (
            "keyring/encrypt_1k",
            Box::new(move || {
                black_box(fx.ring.encrypt(b"row", &fx.plaintext, &mut r6).unwrap());
            }),
            Box::new(move || {
                let (mut data_key, mut nonce) = ([0u8; 32], [0u8; 12]);
                r7.fill_bytes(&mut data_key);
                r7.fill_bytes(&mut nonce);
                black_box(aes_seal(&aes_key(&data_key), nonce, b"row", &fx.plaintext));
                let ss = xwing_encaps_parts(&fx.ek_m, &fx.pk_x, &mut r7);
                let (key, wrap_nonce) = hpke_key_schedule(&ss, b"wrap");
                black_box(aes_seal(&key, wrap_nonce, b"version", &data_key));
            }),
        ),
        (
            "keyring/decrypt_1k",
            Box::new(|| {
                black_box(fx.ring.decrypt(b"row", &fx.record).unwrap());
            }),
            Box::new(move || {
                let ss = fx.xwing_decaps_parts(&wenc);
                let (key, nonce) = hpke_key_schedule(&ss, b"wrap");
                let data_key = aes_open(&key, nonce, b"version", fx.wrapped.ciphertext());
                black_box(aes_open(
                    &aes_key(&data_key),
                    [1u8; 12],
                    b"row",
                    &fx.record_ct,
                ));
            }),
        ),
    ]
}

fn wrappers_and_parts(c: &mut Criterion) {
    let fx = Fixture::new();
    for (name, mut wrapper, mut parts) in wrapper_ops(&fx) {
        let (group, op) = name.split_once('/').unwrap();
        let mut g = c.benchmark_group(group);
        g.bench_function(format!("{op}/pqbank"), |b| b.iter(&mut wrapper));
        g.bench_function(format!("{op}/parts"), |b| b.iter(&mut parts));
        g.finish();
    }
}

/// Load-robust overhead check (the machine is shared and noisy): alternate short rounds of the
/// wrapper and of its primitive sequence and keep, for each, the fastest round. Interference only
/// ever adds time, so the minima approach the unloaded costs and their ratio is the overhead.
#[allow(clippy::disallowed_methods, clippy::print_stdout)] // wall-clock timing is the point here
fn overhead_table() {
    use std::time::{Duration, Instant};
    const ROUNDS: usize = 200;
    const PER_ROUND: u32 = 8;
    let fx = Fixture::new();
    println!(
        "\n| operation | pqbank (us) | primitives (us) | ratio |\n| --- | ---: | ---: | ---: |"
    );
    for (name, mut wrapper, mut parts) in wrapper_ops(&fx) {
        let mut best = [Duration::MAX; 2];
        for _ in 0..ROUNDS {
            for (i, f) in [&mut wrapper, &mut parts].into_iter().enumerate() {
                let start = Instant::now();
                for _ in 0..PER_ROUND {
                    f();
                }
                best[i] = best[i].min(start.elapsed() / PER_ROUND);
            }
        }
        let [w, p] = best.map(|d| d.as_secs_f64() * 1e6);
        println!("| {name} | {w:.1} | {p:.1} | {:.2} |", w / p);
    }
    println!("\n| primitive | fastest round (us) |\n| --- | ---: |");
    for (name, mut op) in primitive_ops(&fx) {
        let best = (0..ROUNDS)
            .map(|_| {
                let start = Instant::now();
                for _ in 0..PER_ROUND {
                    op();
                }
                start.elapsed() / PER_ROUND
            })
            .min()
            .unwrap_or(Duration::MAX);
        println!("| {name} | {:.2} |", best.as_secs_f64() * 1e6);
    }
}

/// The primitives on their own (the aws-lc-rs key objects come from the fixture).
fn primitive_ops(fx: &Fixture) -> Vec<(&'static str, Op<'_>)> {
    let peer = fx.pk_x.clone();
    let ss = [0x22u8; 32];
    let key_bytes = [0x33u8; 32];
    let sealed = aes_seal(&aes_key(&key_bytes), [0u8; 12], b"aad", &fx.plaintext);
    vec![
        (
            "mlkem768_encaps_awslc",
            Box::new(|| {
                black_box(fx.mlkem_aws_ek.encapsulate().unwrap());
            }),
        ),
        (
            "mlkem768_decaps_awslc",
            Box::new(|| {
                let ct = kem::Ciphertext::from(fx.mlkem_ct.as_bytes());
                black_box(fx.mlkem_aws_dk.decapsulate(ct).unwrap());
            }),
        ),
        (
            "mlkem768_keygen_seed_libcrux",
            Box::new(|| {
                black_box(libcrux_ml_kem::mlkem768::generate_key_pair(black_box(
                    fx.mlkem_seed,
                )));
            }),
        ),
        (
            "shake256_96",
            Box::new(|| {
                black_box(libcrux_sha3::shake256::<96>(black_box(&fx.xwing_seed)));
            }),
        ),
        (
            "x25519_public",
            Box::new(move || {
                let sk = agreement::PrivateKey::from_private_key(&agreement::X25519, &ss).unwrap();
                black_box(sk.compute_public_key().unwrap());
            }),
        ),
        (
            "x25519_agree",
            Box::new(move || {
                black_box(x25519(&fx.sk_x, black_box(&peer)));
            }),
        ),
        (
            "sha3_256_combiner",
            Box::new(move || {
                black_box(combiner(black_box(&ss), &ss, &ss, &ss));
            }),
        ),
        (
            "hpke_key_schedule",
            Box::new(move || {
                black_box(hpke_key_schedule(black_box(&ss), b"info"));
            }),
        ),
        (
            "aes256gcm_seal_1k",
            Box::new(move || {
                black_box(aes_seal(
                    &aes_key(&key_bytes),
                    [0u8; 12],
                    b"aad",
                    &fx.plaintext,
                ));
            }),
        ),
        (
            "aes256gcm_open_1k",
            Box::new(move || {
                black_box(aes_open(&aes_key(&key_bytes), [0u8; 12], b"aad", &sealed));
            }),
        ),
    ]
}

fn primitives(c: &mut Criterion) {
    let fx = Fixture::new();
    let mut g = c.benchmark_group("prim");
    for (name, mut op) in primitive_ops(&fx) {
        g.bench_function(name, |b| b.iter(&mut op));
    }
    g.finish();
}

criterion_group!(benches, wrappers_and_parts, primitives);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    overhead_table();
}
