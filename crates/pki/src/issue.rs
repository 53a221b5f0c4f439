//! Issuing and renewing device certificates.
//!
//! The issuer decides everything: subject `O=<bank>, CN=<device id>`, the user and device URNs,
//! key usage, EKU, validity, serial and CRL distribution point come from the caller (the
//! service), never from the CSR. The only thing taken from a request is the public key, and only
//! after its proof of possession ([`crate::VerifiedCsr`]) or its authorisation by the device's
//! signature key ([`crate::VerifiedKemCertRequest`]).

use pqbank_crypto::CryptoRng;

use crate::PkiError;
use crate::ca::CertificateAuthority;
use crate::cert::Cert;
use crate::csr::VerifiedCsr;
use crate::ids::{BankName, CrlUri, DeviceIdentity, Serial};
use crate::kem_request::VerifiedKemCertRequest;
use crate::profile::{CertUsage, Kind, device_subject};
use crate::validate::{CertPublicKey, ValidatedCert};
use crate::validity::ValidityPeriod;

/// What the issuer puts into a device certificate besides the identity and the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceCertParams {
    /// Organization name (`O=`).
    pub bank_name: BankName,
    /// Validity (the service's default is 90 days); must end within the CA's validity.
    pub validity: ValidityPeriod,
    /// A fresh random serial ([`Serial::from_random`]).
    pub serial: Serial,
    /// Where the issuing CA's CRL is published.
    pub crl_uri: CrlUri,
}

/// Issues a device signature certificate (keyUsage digitalSignature, EKU clientAuth) for the key
/// of a verified CSR, bound to `identity`.
///
/// # Errors
/// [`PkiError::InvalidParameter`] if the validity outlasts the CA certificate,
/// [`PkiError::Internal`] if signing fails.
pub fn issue_device_signature_cert(
    ca: &CertificateAuthority<'_>,
    csr: &VerifiedCsr,
    identity: &DeviceIdentity,
    params: &DeviceCertParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    let spki = csr.public_key().to_spki_der()?;
    issue_device(ca, CertUsage::DeviceSignature, identity, &spki, params, rng)
}

/// Issues a device KEM certificate (keyUsage keyEncipherment, EKU clientAuth) for the X-Wing or
/// ML-KEM-768 key of a verified request, bound to the request's device.
///
/// # Errors
/// As [`issue_device_signature_cert`].
pub fn issue_device_kem_cert(
    ca: &CertificateAuthority<'_>,
    request: &VerifiedKemCertRequest,
    params: &DeviceCertParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    let spki = request.kem_key().to_spki_der()?;
    issue_device(
        ca,
        CertUsage::DeviceKem,
        request.identity(),
        &spki,
        params,
        rng,
    )
}

/// The key of a renewed certificate.
#[derive(Debug, Clone, Copy)]
pub enum RenewalKey<'a> {
    /// Certify the same key again.
    Same,
    /// A new signature key (for a signature certificate).
    NewSignatureKey(&'a VerifiedCsr),
    /// A new KEM key (for a KEM certificate); the request must name the same device.
    NewKemKey(&'a VerifiedKemCertRequest),
}

/// Issues the successor of a currently valid device certificate: same user, device and usage,
/// the same or a new key, new validity and serial.
///
/// # Errors
/// [`PkiError::WrongUsage`] if the new key is of the other kind, [`PkiError::IdentityMismatch`]
/// if a new KEM request names another device, otherwise as [`issue_device_signature_cert`].
pub fn renew_device_cert(
    ca: &CertificateAuthority<'_>,
    current: &ValidatedCert,
    key: RenewalKey<'_>,
    params: &DeviceCertParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    let identity = current.identity();
    let spki = match (key, current.usage) {
        (RenewalKey::Same, _) => match &current.public_key {
            CertPublicKey::Signature(key) => key.to_spki_der()?,
            CertPublicKey::Kem(key) => key.to_spki_der()?,
        },
        (RenewalKey::NewSignatureKey(csr), CertUsage::DeviceSignature) => {
            csr.public_key().to_spki_der()?
        }
        (RenewalKey::NewKemKey(request), CertUsage::DeviceKem) => {
            if request.identity() != &identity {
                return Err(PkiError::IdentityMismatch(
                    "the KEM request names another device",
                ));
            }
            request.kem_key().to_spki_der()?
        }
        _ => {
            return Err(PkiError::WrongUsage(
                "the new key is not of the certificate's kind",
            ));
        }
    };
    issue_device(ca, current.usage, &identity, &spki, params, rng)
}

fn issue_device(
    ca: &CertificateAuthority<'_>,
    usage: CertUsage,
    identity: &DeviceIdentity,
    spki_der: &[u8],
    params: &DeviceCertParams,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    let ca_cert = ca.certificate();
    if params.validity.not_after() > ca_cert.not_after()?
        || params.validity.not_before() < ca_cert.not_before()?
    {
        return Err(PkiError::InvalidParameter(
            "device certificate validity must lie within the CA's",
        ));
    }
    let kind = Kind::Device {
        usage,
        identity: identity.clone(),
        crl_uri: params.crl_uri.clone(),
    };
    ca.issue(
        device_subject(&params.bank_name, identity)?,
        kind,
        spki_der,
        params.validity,
        &params.serial,
        rng,
    )
}

/// Issues the audit log signing certificate (`O=<bank>, CN=<bank> audit log`, keyUsage
/// digitalSignature, no extendedKeyUsage, SAN `urn:pqbank:audit`) for `public_key`, which must
/// use one of [`crate::CERT_SIGNATURE_ALGORITHMS`].
///
/// # Errors
/// [`PkiError::UnsupportedAlgorithm`] for a classical key, [`PkiError::InvalidParameter`] if the
/// validity outlasts the CA certificate, [`PkiError::Internal`] if signing fails.
pub fn issue_audit_signer_cert(
    ca: &CertificateAuthority<'_>,
    public_key: &pqbank_crypto::sig::VerifyingKey,
    bank_name: &BankName,
    validity: ValidityPeriod,
    serial: &Serial,
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Cert, PkiError> {
    crate::alg::check_cert_algorithm(public_key.algorithm())?;
    let ca_cert = ca.certificate();
    if validity.not_after() > ca_cert.not_after()?
        || validity.not_before() < ca_cert.not_before()?
    {
        return Err(PkiError::InvalidParameter(
            "audit certificate validity must lie within the CA's",
        ));
    }
    let cn = format!("{} audit log", bank_name.as_str());
    ca.issue(
        crate::profile::org_cn_subject(bank_name, &cn)?,
        Kind::AuditSigner,
        &public_key.to_spki_der()?,
        validity,
        serial,
        rng,
    )
}
