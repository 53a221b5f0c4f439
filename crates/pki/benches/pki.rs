//! Cost of issuing one device certificate and of validating one device certificate chain.
//!
//! `cargo bench -p pqbank-pki --bench pki`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use pqbank_pki::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::macros::datetime;

const NOW: time::OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

fn serial(rng: &mut StdRng) -> Serial {
    let mut bytes = [0u8; 16];
    rand::Rng::fill_bytes(rng, &mut bytes);
    Serial::from_random(&bytes).unwrap()
}

fn bench(c: &mut Criterion) {
    for alg in [
        SignatureAlgorithm::MlDsa65Ed25519,
        SignatureAlgorithm::MlDsa65,
    ] {
        let mut rng = StdRng::from_seed([3; 32]);
        let ca_validity = ValidityPeriod::days_from(NOW - time::Duration::days(1), 3650).unwrap();
        let root_key = SigningKey::generate(alg, &mut rng).unwrap();
        let root = build_root_ca(
            &root_key,
            "CN=Root",
            ca_validity,
            &serial(&mut rng),
            &mut rng,
        )
        .unwrap();
        let root_ca = CertificateAuthority::new(&root_key, root.clone()).unwrap();
        let issuing_key = SigningKey::generate(alg, &mut rng).unwrap();
        let issuing = build_issuing_ca(
            &root_ca,
            &issuing_key.public_key(),
            "CN=Issuing",
            ca_validity,
            &serial(&mut rng),
            &mut rng,
        )
        .unwrap();
        let ca = CertificateAuthority::new(&issuing_key, issuing.clone()).unwrap();
        let device_key = SigningKey::generate(alg, &mut rng).unwrap();
        let csr_der = build_csr(&device_key, "CN=d", &mut rng)
            .unwrap()
            .der()
            .to_vec();
        let id = DeviceIdentity::new("user", "device").unwrap();
        let mut params = DeviceCertParams {
            bank_name: BankName::new("pqbank").unwrap(),
            validity: ValidityPeriod::days_from(NOW, 90).unwrap(),
            serial: serial(&mut rng),
            crl_uri: CrlUri::new("https://pki.example/issuing.crl").unwrap(),
        };

        c.bench_function(&format!("{alg}/csr_parse_and_pop"), |b| {
            b.iter(|| parse_csr(&csr_der).unwrap());
        });
        let csr = parse_csr(&csr_der).unwrap();
        c.bench_function(&format!("{alg}/issue_device_cert"), |b| {
            b.iter(|| {
                params.serial = serial(&mut rng);
                issue_device_signature_cert(&ca, &csr, &id, &params, &mut rng).unwrap()
            });
        });

        let cert = issue_device_signature_cert(&ca, &csr, &id, &params, &mut rng).unwrap();
        let crl = build_crl(
            &ca,
            &CrlInfo {
                number: 1,
                this_update: NOW,
                next_update: NOW + time::Duration::days(1),
            },
            &[],
            &mut rng,
        )
        .unwrap();
        let chain = CaChain::new(issuing, root).unwrap();
        let crls = [crl];
        c.bench_function(&format!("{alg}/validate_chain_with_crl"), |b| {
            b.iter(|| {
                validate_end_entity(
                    cert.der(),
                    &chain,
                    Revocation::Crls(&crls),
                    NOW,
                    CertUsage::DeviceSignature,
                    &id,
                )
                .unwrap()
            });
        });
        let set = RevocationSet::new();
        c.bench_function(&format!("{alg}/validate_chain_with_revocation_set"), |b| {
            b.iter(|| {
                validate_end_entity(
                    cert.der(),
                    &chain,
                    Revocation::Set(&set),
                    NOW,
                    CertUsage::DeviceSignature,
                    &id,
                )
                .unwrap()
            });
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
