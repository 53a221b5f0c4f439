//! [`Cert`]: a parsed certificate together with its DER, and the helpers the rest of the crate
//! uses to read its fields and extensions.

use core::fmt;

use der::{Decode, Encode};
use pqbank_crypto::sig::{SignatureAlgorithm, VerifyingKey};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectAltName, SubjectKeyIdentifier};

use crate::PkiError;
use crate::alg::algorithm_from_identifier;
use crate::encoding::{check_size, is_pem, pem_decode, pem_encode, split_signed};
use crate::error::malformed;
use crate::ids::Serial;
use crate::validity::from_x509_time;

/// Largest certificate accepted (a composite certificate is about 7 KB).
pub const MAX_CERT_LEN: usize = 32 * 1024;

/// A parsed X.509 certificate and its DER encoding.
///
/// Parsing checks the structure only (size, DER, RFC 5280 syntax); trust comes from
/// [`crate::validate_end_entity`] / [`crate::CaChain`].
#[derive(Clone, PartialEq, Eq)]
pub struct Cert {
    der: Vec<u8>,
    cert: Certificate,
}

impl Cert {
    /// Parses a DER certificate of at most [`MAX_CERT_LEN`] bytes.
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] or [`PkiError::Malformed`].
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        check_size(der.len(), MAX_CERT_LEN, "certificate larger than 32 KiB")?;
        let cert = Certificate::from_der(der).map_err(malformed("certificate"))?;
        Ok(Self {
            der: der.to_vec(),
            cert,
        })
    }

    /// Parses one PEM `CERTIFICATE` block.
    ///
    /// # Errors
    /// As [`Self::from_der`]; [`PkiError::Malformed`] for bad PEM or another label.
    pub fn from_pem(pem: &str) -> Result<Self, PkiError> {
        Self::from_der(&pem_decode(
            pem.as_bytes(),
            "CERTIFICATE",
            MAX_CERT_LEN,
            "certificate PEM",
        )?)
    }

    /// Parses PEM or DER, whichever `input` is.
    ///
    /// # Errors
    /// As [`Self::from_der`] / [`Self::from_pem`].
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, PkiError> {
        if is_pem(input) {
            Self::from_der(&pem_decode(
                input,
                "CERTIFICATE",
                MAX_CERT_LEN,
                "certificate PEM",
            )?)
        } else {
            Self::from_der(input)
        }
    }

    /// Wraps a certificate this crate just built.
    pub(crate) fn from_x509(cert: Certificate) -> Result<Self, PkiError> {
        let der = cert
            .to_der()
            .map_err(|_| PkiError::Internal("certificate encoding"))?;
        Ok(Self { der, cert })
    }

    /// The DER encoding.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (`CERTIFICATE`, LF line endings).
    ///
    /// # Errors
    /// Only [`PkiError::Internal`].
    pub fn to_pem(&self) -> Result<String, PkiError> {
        pem_encode("CERTIFICATE", &self.der)
    }

    /// The parsed structure (x509-cert).
    #[must_use]
    pub fn x509(&self) -> &Certificate {
        &self.cert
    }

    /// The serial number.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] if it is zero, negative or too long.
    pub fn serial(&self) -> Result<Serial, PkiError> {
        Serial::from_der_content(self.cert.tbs_certificate().serial_number().as_bytes())
    }

    /// The subject as an RFC 4514 string.
    #[must_use]
    pub fn subject(&self) -> String {
        self.cert.tbs_certificate().subject().to_string()
    }

    /// The issuer as an RFC 4514 string.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.cert.tbs_certificate().issuer().to_string()
    }

    /// Start of validity.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for a time outside what `time` represents.
    pub fn not_before(&self) -> Result<OffsetDateTime, PkiError> {
        from_x509_time(&self.cert.tbs_certificate().validity().not_before)
    }

    /// End of validity (inclusive).
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for a time outside what `time` represents.
    pub fn not_after(&self) -> Result<OffsetDateTime, PkiError> {
        from_x509_time(&self.cert.tbs_certificate().validity().not_after)
    }

    /// The DER `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    /// Only [`PkiError::Internal`].
    pub fn spki_der(&self) -> Result<Vec<u8>, PkiError> {
        self.cert
            .tbs_certificate()
            .subject_public_key_info()
            .to_der()
            .map_err(|_| PkiError::Internal("SPKI encoding"))
    }

    /// The certified key as a signature key.
    ///
    /// # Errors
    /// [`PkiError::UnsupportedAlgorithm`] (e.g. a KEM key) or [`PkiError::Malformed`].
    pub fn verifying_key(&self) -> Result<VerifyingKey, PkiError> {
        Ok(VerifyingKey::from_spki_der(&self.spki_der()?)?)
    }

    /// The algorithm the issuer signed this certificate with.
    ///
    /// # Errors
    /// [`PkiError::UnsupportedAlgorithm`] for anything but [`crate::CERT_SIGNATURE_ALGORITHMS`].
    pub fn signature_algorithm(&self) -> Result<SignatureAlgorithm, PkiError> {
        algorithm_from_identifier(&self.cert.signature_algorithm().into())
    }

    /// True if basicConstraints says this is a CA certificate.
    #[must_use]
    pub fn is_ca(&self) -> bool {
        matches!(self.extension::<BasicConstraints>(), Ok(Some(bc)) if bc.ca)
    }

    /// Checks this certificate's signature with `issuer`'s public key and that the issuer name
    /// matches `issuer`'s subject. For a self-signed certificate pass the certificate itself.
    ///
    /// This is pqbank's own verification path (also used for foreign test vectors); chains are
    /// validated with [`crate::validate_end_entity`].
    ///
    /// # Errors
    /// [`PkiError::UnknownIssuer`] for another issuer name, [`PkiError::BadSignature`],
    /// [`PkiError::UnsupportedAlgorithm`] or [`PkiError::Malformed`].
    pub fn verify_issued_by(&self, issuer: &Cert) -> Result<(), PkiError> {
        if self.cert.tbs_certificate().issuer() != issuer.cert.tbs_certificate().subject() {
            return Err(PkiError::UnknownIssuer);
        }
        let signed = split_signed(&self.der, "certificate")?;
        signed.verify(&issuer.verifying_key()?)
    }

    /// The single extension of type `T`, if present.
    pub(crate) fn extension<'a, T>(&'a self) -> Result<Option<T>, PkiError>
    where
        T: Decode<'a, Error = der::Error> + der::oid::AssociatedOid,
    {
        self.cert
            .tbs_certificate()
            .get_extension::<T>()
            .map(|found| found.map(|(_, ext)| ext))
            .map_err(malformed("certificate extension"))
    }

    /// The key usage bits, if the extension is present.
    pub(crate) fn key_usage(&self) -> Result<Option<KeyUsage>, PkiError> {
        self.extension::<KeyUsage>()
    }

    /// The subject key identifier, if present.
    pub(crate) fn subject_key_id(&self) -> Result<Option<Vec<u8>>, PkiError> {
        Ok(self
            .extension::<SubjectKeyIdentifier>()?
            .map(|ski| ski.0.as_bytes().to_vec()))
    }

    /// The URIs of the subjectAltName extension (device certificates: the user and device URNs).
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for an undecodable extension.
    pub fn san_uris(&self) -> Result<Vec<String>, PkiError> {
        let Some(san) = self.extension::<SubjectAltName>()? else {
            return Ok(Vec::new());
        };
        Ok(san
            .0
            .iter()
            .filter_map(|name| match name {
                GeneralName::UniformResourceIdentifier(uri) => Some(uri.to_string()),
                _ => None,
            })
            .collect())
    }
}

impl fmt::Debug for Cert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cert")
            .field("subject", &self.subject())
            .field("serial", &self.serial().ok())
            .field("len", &self.der.len())
            .finish()
    }
}
