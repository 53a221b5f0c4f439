//! PKCS#10 certificate signing requests (RFC 2986): building them (device, CLI, tests) and
//! parsing them with a size limit and a proof-of-possession check.
//!
//! A CSR only contributes its public key: issuance never copies its subject, attributes or
//! requested extensions (see [`crate::issue_device_signature_cert`]).

use core::fmt;

use der::Decode;
use pqbank_crypto::CryptoRng;
use pqbank_crypto::sig::{SigningKey, VerifyingKey};
use x509_cert::request::{CertReq, RequestBuilder};

use crate::PkiError;
use crate::alg::{algorithm_from_identifier, check_cert_algorithm};
use crate::encoding::{check_size, is_pem, pem_decode, pem_encode, split_signed};
use crate::error::malformed;
use crate::profile::parse_subject;
use crate::signer::X509Signer;

/// Largest CSR accepted (DER; a PEM CSR may be up to twice as long).
pub const MAX_CSR_LEN: usize = 64 * 1024;

/// A parsed, not yet verified CSR.
#[derive(Clone, PartialEq, Eq)]
pub struct Csr {
    der: Vec<u8>,
    req: CertReq,
}

impl Csr {
    /// Parses a PEM (`CERTIFICATE REQUEST`) or DER CSR of at most [`MAX_CSR_LEN`] bytes of DER.
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] or [`PkiError::Malformed`].
    pub fn parse(input: &[u8]) -> Result<Self, PkiError> {
        if is_pem(input) {
            Self::from_der(&pem_decode(
                input,
                "CERTIFICATE REQUEST",
                MAX_CSR_LEN,
                "CSR larger than 64 KiB",
            )?)
        } else {
            Self::from_der(input)
        }
    }

    /// Parses a DER CSR of at most [`MAX_CSR_LEN`] bytes.
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] or [`PkiError::Malformed`].
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        check_size(der.len(), MAX_CSR_LEN, "CSR larger than 64 KiB")?;
        let req = CertReq::from_der(der).map_err(malformed("CSR"))?;
        Ok(Self {
            der: der.to_vec(),
            req,
        })
    }

    /// The DER encoding.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (`CERTIFICATE REQUEST`).
    ///
    /// # Errors
    /// Only [`PkiError::Internal`].
    pub fn to_pem(&self) -> Result<String, PkiError> {
        pem_encode("CERTIFICATE REQUEST", &self.der)
    }

    /// The requested subject (informational only: issuance ignores it).
    #[must_use]
    pub fn subject(&self) -> String {
        self.req.info.subject.to_string()
    }

    /// The parsed structure (x509-cert).
    #[must_use]
    pub fn x509(&self) -> &CertReq {
        &self.req
    }

    /// Proof of possession: the CSR must be signed, with the algorithm of its own key, by the
    /// private key of the public key it contains; the key must be of one of
    /// [`crate::CERT_SIGNATURE_ALGORITHMS`].
    ///
    /// # Errors
    /// [`PkiError::UnsupportedAlgorithm`] for another key or signature algorithm,
    /// [`PkiError::Malformed`] for an unusable key, [`PkiError::BadProofOfPossession`] if the
    /// signature does not verify or names another algorithm than the key.
    pub fn verify(self) -> Result<VerifiedCsr, PkiError> {
        let spki = der::Encode::to_der(&self.req.info.public_key).map_err(malformed("CSR key"))?;
        let key = VerifyingKey::from_spki_der(&spki)?;
        check_cert_algorithm(key.algorithm())?;
        let signed = split_signed(&self.der, "CSR")?;
        if algorithm_from_identifier(&signed.algorithm)? != key.algorithm() {
            return Err(PkiError::BadProofOfPossession);
        }
        signed
            .verify(&key)
            .map_err(|_| PkiError::BadProofOfPossession)?;
        Ok(VerifiedCsr { csr: self, key })
    }
}

impl fmt::Debug for Csr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Csr")
            .field("subject", &self.subject())
            .field("len", &self.der.len())
            .finish()
    }
}

/// A CSR whose proof of possession was checked; only [`Csr::verify`] makes one.
#[derive(Debug, Clone)]
pub struct VerifiedCsr {
    csr: Csr,
    key: VerifyingKey,
}

impl VerifiedCsr {
    /// The public key to certify.
    #[must_use]
    pub fn public_key(&self) -> &VerifyingKey {
        &self.key
    }

    /// The request.
    #[must_use]
    pub fn csr(&self) -> &Csr {
        &self.csr
    }
}

/// Parses a PEM or DER CSR and checks its proof of possession ([`Csr::parse`] +
/// [`Csr::verify`]).
///
/// # Errors
/// As [`Csr::parse`] and [`Csr::verify`].
pub fn parse_csr(input: &[u8]) -> Result<VerifiedCsr, PkiError> {
    Csr::parse(input)?.verify()
}

/// Builds a CSR for `key` with `subject` (RFC 4514 text, e.g. `CN=<device id>`), signed by
/// `key` itself (empty context, like every X.509 signature here).
///
/// # Errors
/// [`PkiError::UnsupportedAlgorithm`] for a classical key, [`PkiError::InvalidParameter`] for an
/// unusable subject, [`PkiError::Internal`] if signing fails.
pub fn build_csr(
    key: &SigningKey,
    subject: &str,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Csr, PkiError> {
    let signer = X509Signer::new(key)?;
    let builder = RequestBuilder::new(parse_subject(subject)?)
        .map_err(|_| PkiError::Internal("CSR builder"))?;
    let req = signer.sign(builder, rng)?;
    let der = der::Encode::to_der(&req).map_err(|_| PkiError::Internal("CSR encoding"))?;
    Ok(Csr { der, req })
}
