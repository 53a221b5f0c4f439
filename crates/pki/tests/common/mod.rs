//! Shared fixtures for the integration tests: a deterministic RNG and a full hierarchy
//! (root CA, issuing CA, device keys) for one signature algorithm.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use pqbank_crypto::kem::{DecapsulationKey, KemAlgorithm};
use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
use std::cell::{RefCell, RefMut};

use pqbank_pki::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use time::OffsetDateTime;
use time::macros::datetime;

/// "Now" in every test.
pub const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);
pub const CRL_URI: &str = "https://pki.pqbank.example/crl/issuing.crl";

pub fn rng(seed: u8) -> StdRng {
    StdRng::from_seed([seed; 32])
}

pub fn serial(rng: &mut StdRng) -> Serial {
    let mut bytes = [0u8; 16];
    rand::Rng::fill_bytes(rng, &mut bytes);
    Serial::from_random(&bytes).unwrap()
}

pub fn identity(user: &str, device: &str) -> DeviceIdentity {
    DeviceIdentity::new(user, device).unwrap()
}

/// Root and issuing CA of one algorithm, with their keys.
pub struct Hierarchy {
    pub alg: SignatureAlgorithm,
    pub root_key: SigningKey,
    pub root: Cert,
    pub issuing_key: SigningKey,
    pub issuing: Cert,
    rng: RefCell<StdRng>,
}

impl Hierarchy {
    pub fn new(alg: SignatureAlgorithm, seed: u8) -> Self {
        let mut rng = rng(seed);
        let root_key = SigningKey::generate(alg, &mut rng).unwrap();
        let root = build_root_ca(
            &root_key,
            "CN=pqbank Root CA,O=pqbank",
            ValidityPeriod::days_from(NOW - time::Duration::days(30), 3650).unwrap(),
            &serial(&mut rng),
            &mut rng,
        )
        .unwrap();
        let issuing_key = SigningKey::generate(alg, &mut rng).unwrap();
        let issuing = {
            let root_ca = CertificateAuthority::new(&root_key, root.clone()).unwrap();
            build_issuing_ca(
                &root_ca,
                &issuing_key.public_key(),
                "CN=pqbank Issuing CA 1,O=pqbank",
                ValidityPeriod::days_from(NOW - time::Duration::days(30), 1825).unwrap(),
                &serial(&mut rng),
                &mut rng,
            )
            .unwrap()
        };
        Self {
            alg,
            root_key,
            root,
            issuing_key,
            issuing,
            rng: RefCell::new(rng),
        }
    }

    /// The hierarchy's RNG (borrow it for one call at a time).
    pub fn rng(&self) -> RefMut<'_, StdRng> {
        self.rng.borrow_mut()
    }

    pub fn chain(&self) -> CaChain {
        CaChain::new(self.issuing.clone(), self.root.clone()).unwrap()
    }

    pub fn params(&self) -> DeviceCertParams {
        DeviceCertParams {
            bank_name: BankName::new("pqbank").unwrap(),
            validity: ValidityPeriod::days_from(NOW - time::Duration::days(1), 90).unwrap(),
            serial: serial(&mut self.rng()),
            crl_uri: CrlUri::new(CRL_URI).unwrap(),
        }
    }

    /// A device signature key and its certificate (via a CSR).
    pub fn device_signature_cert(&self, id: &DeviceIdentity) -> (SigningKey, Cert) {
        let key = SigningKey::generate(self.alg, &mut *self.rng()).unwrap();
        let csr = build_csr(&key, &format!("CN={}", id.device_id), &mut *self.rng()).unwrap();
        let verified = parse_csr(csr.to_pem().unwrap().as_bytes()).unwrap();
        let params = self.params();
        let ca = CertificateAuthority::new(&self.issuing_key, self.issuing.clone()).unwrap();
        let cert =
            issue_device_signature_cert(&ca, &verified, id, &params, &mut *self.rng()).unwrap();
        (key, cert)
    }

    /// A device KEM key of `kem` certified after a request signed with `signer_key`, whose
    /// certificate `signer_cert` is validated first.
    pub fn device_kem_cert(
        &self,
        kem: KemAlgorithm,
        id: &DeviceIdentity,
        signer_key: &SigningKey,
        signer_cert: &Cert,
    ) -> (DecapsulationKey, Cert) {
        let dk = DecapsulationKey::generate(kem, &mut *self.rng()).unwrap();
        let request = KemCertRequest::new(&dk.encapsulation_key(), id.clone(), [7; 32], NOW)
            .unwrap()
            .sign(signer_key, &mut *self.rng())
            .unwrap();
        let wire = request.to_bytes().unwrap();
        let signer = self
            .validate(signer_cert, CertUsage::DeviceSignature, id)
            .unwrap();
        let verified = SignedKemCertRequest::from_bytes(&wire)
            .unwrap()
            .verify(&signer, NOW, time::Duration::minutes(10))
            .unwrap();
        let params = self.params();
        let ca = CertificateAuthority::new(&self.issuing_key, self.issuing.clone()).unwrap();
        let cert = issue_device_kem_cert(&ca, &verified, &params, &mut *self.rng()).unwrap();
        (dk, cert)
    }

    /// A CRL of the issuing CA.
    pub fn crl(&self, number: u64, entries: &[RevokedEntry]) -> Crl {
        let ca = CertificateAuthority::new(&self.issuing_key, self.issuing.clone()).unwrap();
        let info = CrlInfo {
            number,
            this_update: NOW - time::Duration::hours(1),
            next_update: NOW + time::Duration::days(1),
        };
        build_crl(&ca, &info, entries, &mut *self.rng()).unwrap()
    }

    /// Validates with an empty, current CRL of the issuing CA.
    pub fn validate(
        &self,
        cert: &Cert,
        usage: CertUsage,
        id: &DeviceIdentity,
    ) -> Result<ValidatedCert, PkiError> {
        let crl = self.crl(1, &[]);
        validate_end_entity(
            cert.der(),
            &self.chain(),
            Revocation::Crls(&[crl]),
            NOW,
            usage,
            id,
        )
    }
}
