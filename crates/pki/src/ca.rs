//! The CA hierarchy: a self-signed root CA and an issuing CA below it (pathLen 0) that signs
//! device certificates and CRLs. [`CertificateAuthority`] pairs a CA certificate with its key.

use core::fmt;

use der::referenced::OwnedToRef;
use pqbank_crypto::CryptoRng;
use pqbank_crypto::sig::{SigningKey, VerifyingKey};
use spki::SubjectPublicKeyInfoOwned;
use x509_cert::builder::CertificateBuilder;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::cert::Cert;
use crate::error::internal;
use crate::ids::Serial;
use crate::profile::{Kind, Profile, parse_subject};
use crate::signer::X509Signer;
use crate::validity::ValidityPeriod;
use crate::{PkiError, alg};

/// A CA certificate together with its signing key, ready to sign certificates and CRLs.
pub struct CertificateAuthority<'k> {
    signer: X509Signer<'k>,
    cert: Cert,
    key_id: Vec<u8>,
}

impl<'k> CertificateAuthority<'k> {
    /// Pairs `cert` with `key`, checking that the key is the certified one, that the certificate
    /// is a CA certificate with keyCertSign and that its algorithm is one of
    /// [`crate::CERT_SIGNATURE_ALGORITHMS`].
    ///
    /// # Errors
    /// [`PkiError::UnsupportedAlgorithm`], [`PkiError::InvalidParameter`] (key and certificate do
    /// not match), [`PkiError::WrongUsage`] (not a CA, no keyCertSign) or
    /// [`PkiError::Malformed`].
    pub fn new(key: &'k SigningKey, cert: Cert) -> Result<Self, PkiError> {
        let signer = X509Signer::new(key)?;
        if cert.spki_der()? != signer.spki_der() {
            return Err(PkiError::InvalidParameter(
                "the key is not the certificate's key",
            ));
        }
        if !cert.is_ca() {
            return Err(PkiError::WrongUsage("not a CA certificate"));
        }
        if cert.key_usage()?.is_some_and(|ku| !ku.key_cert_sign()) {
            return Err(PkiError::WrongUsage("CA certificate lacks keyCertSign"));
        }
        let key_id = match cert.subject_key_id()? {
            Some(id) => id,
            None => key_identifier(&cert)?,
        };
        Ok(Self {
            signer,
            cert,
            key_id,
        })
    }

    /// The CA certificate.
    #[must_use]
    pub fn certificate(&self) -> &Cert {
        &self.cert
    }

    pub(crate) fn signer(&self) -> &X509Signer<'k> {
        &self.signer
    }

    /// The CA's subject (the issuer of what it signs).
    pub(crate) fn name(&self) -> &Name {
        self.cert.x509().tbs_certificate().subject()
    }

    /// The CA's key identifier (its SKI), for AKI extensions.
    pub(crate) fn key_id(&self) -> &[u8] {
        &self.key_id
    }

    /// Builds and signs a certificate for `spki` with this CA.
    pub(crate) fn issue(
        &self,
        subject: Name,
        kind: Kind,
        spki_der: &[u8],
        validity: ValidityPeriod,
        serial: &Serial,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<Cert, PkiError> {
        let profile = Profile {
            issuer: self.name().clone(),
            subject,
            authority_key_id: Some(self.key_id.clone()),
            kind,
        };
        build(&self.signer, profile, spki_der, validity, serial, rng)
    }
}

impl fmt::Debug for CertificateAuthority<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("certificate", &self.cert)
            .field("key", &"[REDACTED]")
            .finish()
    }
}

/// SKI of a certificate without the extension (RFC 5280 method 1).
fn key_identifier(cert: &Cert) -> Result<Vec<u8>, PkiError> {
    let spki = cert.x509().tbs_certificate().subject_public_key_info();
    let ski =
        SubjectKeyIdentifier::try_from(spki.owned_to_ref()).map_err(internal("key identifier"))?;
    Ok(ski.0.as_bytes().to_vec())
}

/// Runs x509-cert's builder with `profile` and signs with `signer`.
fn build(
    signer: &X509Signer<'_>,
    profile: Profile,
    spki_der: &[u8],
    validity: ValidityPeriod,
    serial: &Serial,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    use der::Decode;
    let spki = SubjectPublicKeyInfoOwned::from_der(spki_der)
        .map_err(|_| PkiError::Malformed("SubjectPublicKeyInfo"))?;
    let serial = SerialNumber::new(serial.as_bytes()).map_err(internal("serial number"))?;
    let builder = CertificateBuilder::new(profile, serial, validity.to_x509()?, spki)
        .map_err(|_| PkiError::Internal("certificate builder"))?;
    Cert::from_x509(signer.sign(builder, rng)?)
}

/// Builds a self-signed root CA certificate for `key` (basicConstraints CA without a path
/// length, keyUsage keyCertSign + cRLSign, SKI, AKI = SKI).
///
/// `subject` is RFC 4514 text such as `CN=pqbank Root CA,O=pqbank`; `key` is any of
/// [`crate::CERT_SIGNATURE_ALGORITHMS`] (default: composite ML-DSA-65 + Ed25519).
///
/// # Errors
/// [`PkiError::UnsupportedAlgorithm`] for a classical key, [`PkiError::InvalidParameter`] for
/// an unusable subject, [`PkiError::Internal`] if signing fails.
pub fn build_root_ca(
    key: &SigningKey,
    subject: &str,
    validity: ValidityPeriod,
    serial: &Serial,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    let signer = X509Signer::new(key)?;
    let name = parse_subject(subject)?;
    let profile = Profile {
        issuer: name.clone(),
        subject: name,
        authority_key_id: None,
        kind: Kind::RootCa,
    };
    let spki = signer.spki_der().to_vec();
    build(&signer, profile, &spki, validity, serial, rng)
}

/// Builds the issuing CA certificate for `issuing_key`, signed by `root` (basicConstraints CA
/// with pathLen 0, keyUsage keyCertSign + cRLSign, SKI, AKI = the root's SKI).
///
/// # Errors
/// [`PkiError::UnsupportedAlgorithm`] if `issuing_key` is classical, otherwise as
/// [`build_root_ca`].
pub fn build_issuing_ca(
    root: &CertificateAuthority<'_>,
    issuing_key: &VerifyingKey,
    subject: &str,
    validity: ValidityPeriod,
    serial: &Serial,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    alg::check_cert_algorithm(issuing_key.algorithm())?;
    let name = parse_subject(subject)?;
    root.issue(
        name,
        Kind::IssuingCa,
        &issuing_key.to_spki_der()?,
        validity,
        serial,
        rng,
    )
}
