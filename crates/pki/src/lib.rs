//! pqbank-pki: pqbank's X.509 logic. Pure functions: no I/O, no async, no database; time and
//! randomness are parameters (the service layer persists and calls it).
//!
//! - **CA hierarchy** ([`build_root_ca`], [`build_issuing_ca`], [`CertificateAuthority`]): root
//!   and issuing CA (pathLen 0) signed with composite ML-DSA-65 + Ed25519 (default), + ECDSA
//!   P-256, + RSA-3072-PSS, or pure ML-DSA-65 (RFC 9881); see [`CERT_SIGNATURE_ALGORITHMS`].
//! - **CSRs** ([`build_csr`], [`parse_csr`], [`Csr`], [`VerifiedCsr`]): PEM or DER, 64 KiB
//!   limit, proof of possession.
//! - **Device certificates** ([`issue_device_signature_cert`], [`issue_device_kem_cert`],
//!   [`renew_device_cert`]): the issuer decides subject, SAN URNs, key usage, EKU, validity,
//!   serial and CRL distribution point; KEM keys (X-Wing, ML-KEM-768) are authorised by a
//!   [`SignedKemCertRequest`] signed with the device's certified signature key.
//! - **Revocation** ([`build_crl`], [`Crl`], [`RevocationSet`]).
//! - **Validation** ([`validate_end_entity`], [`validate_end_entity_unbound`], [`CaChain`]): rustls-webpki with pqbank's own
//!   ML-DSA / composite verifiers, plus key usage, key type, identity and revocation reason.
//! - **Inspection** ([`inspect`], [`inspect_cert`], [`inspect_crl`], [`inspect_csr`]).
//!
//! Every signature in certificates, CRLs and CSRs uses the empty context; every parser has a
//! size limit; nothing panics on any input.
//!
//! ```
//! # fn main() -> Result<(), pqbank_pki::PkiError> {
//! use pqbank_crypto::sig::{SignatureAlgorithm, SigningKey};
//! use pqbank_pki::*;
//! use rand::SeedableRng;
//! use time::macros::datetime;
//!
//! let mut rng = rand::rngs::StdRng::from_seed([1; 32]);
//! let now = datetime!(2026-06-01 12:00 UTC);
//! let alg = SignatureAlgorithm::MlDsa65Ed25519;
//! let serial = |rng: &mut rand::rngs::StdRng| {
//!     let mut bytes = [0u8; 16];
//!     rand::Rng::fill_bytes(rng, &mut bytes);
//!     Serial::from_random(&bytes)
//! };
//!
//! let root_key = SigningKey::generate(alg, &mut rng)?;
//! let root_cert = build_root_ca(&root_key, "CN=Root,O=pqbank",
//!     ValidityPeriod::days_from(now, 3650)?, &serial(&mut rng)?, &mut rng)?;
//! let root = CertificateAuthority::new(&root_key, root_cert.clone())?;
//! let issuing_key = SigningKey::generate(alg, &mut rng)?;
//! let issuing_cert = build_issuing_ca(&root, &issuing_key.public_key(), "CN=Issuing,O=pqbank",
//!     ValidityPeriod::days_from(now, 1825)?, &serial(&mut rng)?, &mut rng)?;
//! let issuing = CertificateAuthority::new(&issuing_key, issuing_cert.clone())?;
//!
//! let device_key = SigningKey::generate(alg, &mut rng)?;
//! let csr = build_csr(&device_key, "CN=phone", &mut rng)?;
//! let identity = DeviceIdentity::new("alice", "phone-1")?;
//! let params = DeviceCertParams {
//!     bank_name: BankName::new("pqbank")?,
//!     validity: ValidityPeriod::days_from(now, 90)?,
//!     serial: serial(&mut rng)?,
//!     crl_uri: CrlUri::new("https://pki.pqbank.example/issuing.crl")?,
//! };
//! let cert = issue_device_signature_cert(&issuing, &parse_csr(csr.der())?, &identity, &params,
//!     &mut rng)?;
//! let crl = build_crl(&issuing, &CrlInfo { number: 1, this_update: now,
//!     next_update: now + time::Duration::days(1) }, &[], &mut rng)?;
//!
//! let chain = CaChain::new(issuing_cert, root_cert)?;
//! let valid = validate_end_entity(cert.der(), &chain, Revocation::Crls(&[crl]), now,
//!     CertUsage::DeviceSignature, &identity)?;
//! assert_eq!(valid.device_id.as_str(), "phone-1");
//! # Ok(()) }
//! ```

mod alg;
mod ca;
mod cert;
mod crl;
mod csr;
mod encoding;
mod error;
mod ids;
mod inspect;
mod issue;
mod kem_request;
mod profile;
mod signer;
mod validate;
mod validity;

pub use alg::{CERT_SIGNATURE_ALGORITHMS, check_cert_algorithm};
pub use ca::{CertificateAuthority, build_issuing_ca, build_root_ca};
pub use cert::{Cert, MAX_CERT_LEN};
pub use crl::{
    Crl, CrlInfo, MAX_CRL_LEN, MAX_REVOKED_ENTRIES, RevocationReason, RevocationSet, RevokedEntry,
    build_crl,
};
pub use csr::{Csr, MAX_CSR_LEN, VerifiedCsr, build_csr, parse_csr};
pub use error::PkiError;
pub use ids::{
    BankName, CrlUri, DeviceIdentity, EntityId, MAX_BANK_NAME_LEN, MAX_ENTITY_ID_LEN, MAX_URI_LEN,
    MIN_SERIAL_RANDOM_LEN, Serial,
};
pub use inspect::{inspect, inspect_cert, inspect_crl, inspect_csr};
pub use issue::{
    DeviceCertParams, RenewalKey, issue_audit_signer_cert, issue_device_kem_cert,
    issue_device_signature_cert, renew_device_cert,
};
pub use kem_request::{
    KEM_REQUEST_CONTEXT, KEM_REQUEST_NONCE_LEN, KemCertRequest, MAX_CLOCK_SKEW,
    MAX_KEM_REQUEST_LEN, MAX_KEM_SPKI_LEN, SignedKemCertRequest, VerifiedKemCertRequest,
};
pub use profile::{AUDIT_SIGNER_URN, CertUsage, MAX_SUBJECT_LEN};
pub use validate::{
    CaChain, CertPublicKey, Revocation, ValidatedCert, validate_audit_signer, validate_end_entity,
    validate_end_entity_unbound,
};
pub use validity::ValidityPeriod;
