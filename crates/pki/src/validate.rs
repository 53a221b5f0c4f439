//! Validating device certificates for login, transfers and approvals.
//!
//! [`validate_end_entity`] runs rustls-webpki (path building to the root, signatures with
//! pqbank's ML-DSA / composite verifiers, validity of the device and issuing CA certificates,
//! basicConstraints and pathLen, EKU clientAuth, CRL signatures, expiry and lookup), then checks
//! what webpki leaves to the application:
//!
//! - the root's own validity (webpki treats trust anchors as timeless);
//! - keyUsage (webpki only looks at cRLSign on CRL issuers) and the presence of EKU clientAuth
//!   (webpki applies its EKU rule to the CA certificates too, so it can only be told "clientAuth
//!   if an EKU is present");
//! - the device's key type: webpki never parses the end-entity key, which is why KEM
//!   certificates (X-Wing, ML-KEM-768 SPKIs) validate like signature certificates; the key is then
//!   parsed and checked with pqbank-crypto;
//! - the subjectAltName URNs and subject CN against the expected user and device;
//! - the revocation reason (webpki reports only "revoked").

use core::fmt;

use pqbank_crypto::kem::EncapsulationKey;
use pqbank_crypto::registry::{self, Kind as AlgKind};
use pqbank_crypto::sig::VerifyingKey;
use rustls_pki_types::{CertificateDer, TrustAnchor};
use time::OffsetDateTime;
use webpki::{
    CertRevocationList, EndEntityCert, ExpirationPolicy, KeyUsage, RevocationCheckDepth,
    RevocationOptionsBuilder, UnknownStatusPolicy,
};
use x509_cert::ext::pkix::ExtendedKeyUsage;

use crate::PkiError;
use crate::alg::{WEBPKI_ALGORITHMS, check_cert_algorithm};
use crate::cert::Cert;
use crate::crl::{Crl, RevocationReason, RevocationSet};
use crate::ids::{DEVICE_URN_PREFIX, DeviceIdentity, EntityId, Serial, USER_URN_PREFIX};
use crate::profile::{CertUsage, ID_KP_CLIENT_AUTH};
use crate::validity::to_unix_time;

/// The trusted hierarchy: pqbank's root CA and the issuing CA below it.
#[derive(Clone)]
pub struct CaChain {
    root: Cert,
    issuing: Cert,
    anchors: Vec<TrustAnchor<'static>>,
    intermediates: Vec<CertificateDer<'static>>,
}

impl CaChain {
    /// Checks and prepares the hierarchy: the root is a self-signed CA certificate, the issuing
    /// CA certificate is a CA certificate signed by the root (both CA with keyCertSign, both with
    /// [`crate::CERT_SIGNATURE_ALGORITHMS`]).
    ///
    /// # Errors
    /// [`PkiError::WrongUsage`] for a non-CA certificate, [`PkiError::UnknownIssuer`] /
    /// [`PkiError::BadSignature`] if the certificates do not chain,
    /// [`PkiError::UnsupportedAlgorithm`] or [`PkiError::Malformed`].
    pub fn new(issuing: Cert, root: Cert) -> Result<Self, PkiError> {
        for cert in [&root, &issuing] {
            if !cert.is_ca() {
                return Err(PkiError::WrongUsage("not a CA certificate"));
            }
            if cert.key_usage()?.is_some_and(|ku| !ku.key_cert_sign()) {
                return Err(PkiError::WrongUsage("CA certificate lacks keyCertSign"));
            }
        }
        root.verify_issued_by(&root)?;
        issuing.verify_issued_by(&root)?;
        let anchor = webpki::anchor_from_trusted_cert(&CertificateDer::from(root.der()))
            .map_err(|_| PkiError::Malformed("root certificate"))?
            .to_owned();
        let intermediate = CertificateDer::from(issuing.der().to_vec());
        Ok(Self {
            root,
            issuing,
            anchors: vec![anchor],
            intermediates: vec![intermediate],
        })
    }

    /// The root CA certificate.
    #[must_use]
    pub fn root(&self) -> &Cert {
        &self.root
    }

    /// The issuing CA certificate.
    #[must_use]
    pub fn issuing(&self) -> &Cert {
        &self.issuing
    }
}

impl fmt::Debug for CaChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CaChain")
            .field("root", &self.root)
            .field("issuing", &self.issuing)
            .finish()
    }
}

/// Where revocation status comes from.
#[derive(Debug, Clone, Copy)]
pub enum Revocation<'a> {
    /// CRLs, checked by rustls-webpki (fail closed): a current CRL of the issuing CA must be
    /// present and is signature-checked; if a CRL of the root is present too, the issuing CA
    /// certificate is checked against it as well.
    Crls(&'a [Crl]),
    /// The server's in-memory set of revoked serials of the issuing CA, kept current from its
    /// database. Only the device certificate is looked up.
    Set(&'a RevocationSet),
}

/// A device certificate's public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertPublicKey {
    /// A signature key (composite ML-DSA or ML-DSA-65).
    Signature(VerifyingKey),
    /// A KEM key (X-Wing or ML-KEM-768).
    Kem(EncapsulationKey),
}

impl CertPublicKey {
    /// The signature key, if this is one.
    #[must_use]
    pub fn as_signature(&self) -> Option<&VerifyingKey> {
        match self {
            Self::Signature(key) => Some(key),
            Self::Kem(_) => None,
        }
    }

    /// The KEM key, if this is one.
    #[must_use]
    pub fn as_kem(&self) -> Option<&EncapsulationKey> {
        match self {
            Self::Kem(key) => Some(key),
            Self::Signature(_) => None,
        }
    }
}

/// What a successful validation established.
#[derive(Debug, Clone)]
pub struct ValidatedCert {
    /// The certificate's serial number.
    pub serial: Serial,
    /// The user the certificate is bound to.
    pub user_id: EntityId,
    /// The device the certificate is bound to.
    pub device_id: EntityId,
    /// What it certifies.
    pub usage: CertUsage,
    /// The certified key.
    pub public_key: CertPublicKey,
    /// End of its validity.
    pub not_after: OffsetDateTime,
    /// The certificate.
    pub cert: Cert,
}

impl ValidatedCert {
    /// User and device.
    #[must_use]
    pub fn identity(&self) -> DeviceIdentity {
        DeviceIdentity {
            user_id: self.user_id.clone(),
            device_id: self.device_id.clone(),
        }
    }
}

/// Validates a device certificate (DER) at `time` for `usage`, issued through `chain` to the
/// device `expected`, and not revoked according to `revocation`.
///
/// # Errors
/// [`PkiError::Malformed`] / [`PkiError::TooLarge`] for unparsable input,
/// [`PkiError::UnknownIssuer`], [`PkiError::BadSignature`], [`PkiError::UnsupportedAlgorithm`],
/// [`PkiError::Expired`], [`PkiError::NotYetValid`], [`PkiError::Revoked`],
/// [`PkiError::RevocationUnknown`], [`PkiError::CrlExpired`], [`PkiError::WrongUsage`],
/// [`PkiError::IdentityMismatch`], [`PkiError::InvalidPath`] for other path errors.
pub fn validate_end_entity(
    cert_der: &[u8],
    chain: &CaChain,
    revocation: Revocation<'_>,
    time: OffsetDateTime,
    usage: CertUsage,
    expected: &DeviceIdentity,
) -> Result<ValidatedCert, PkiError> {
    let valid = validate(cert_der, chain, revocation, time, Some(usage))?;
    if valid.user_id != expected.user_id {
        return Err(PkiError::IdentityMismatch(
            "certificate belongs to another user",
        ));
    }
    if valid.device_id != expected.device_id {
        return Err(PkiError::IdentityMismatch(
            "certificate belongs to another device",
        ));
    }
    Ok(valid)
}

/// Validates a device certificate like [`validate_end_entity`] but without an expected device
/// (for operators and offline tools): the usage follows from the certified key (a signature key
/// needs digitalSignature, a KEM key keyEncipherment), and the identity the certificate names
/// (exactly one user and one device URN, CN = device) is returned, not compared.
///
/// # Errors
/// As [`validate_end_entity`]; [`PkiError::IdentityMismatch`] only for a certificate that does
/// not name exactly one user and one device.
pub fn validate_end_entity_unbound(
    cert_der: &[u8],
    chain: &CaChain,
    revocation: Revocation<'_>,
    time: OffsetDateTime,
) -> Result<ValidatedCert, PkiError> {
    validate(cert_der, chain, revocation, time, None)
}

/// The checks shared by both entry points; `usage: None` derives it from the key type.
fn validate(
    cert_der: &[u8],
    chain: &CaChain,
    revocation: Revocation<'_>,
    time: OffsetDateTime,
    usage: Option<CertUsage>,
) -> Result<ValidatedCert, PkiError> {
    let cert = Cert::from_der(cert_der)?;
    let serial = cert.serial()?;
    check_root_validity(chain.root(), time)?;

    let der = CertificateDer::from(cert.der());
    let ee = EndEntityCert::try_from(&der).map_err(map_webpki)?;
    let crl_refs: Vec<&CertRevocationList<'static>> = match revocation {
        Revocation::Crls(crls) => crls.iter().map(Crl::webpki).collect(),
        Revocation::Set(_) => Vec::new(),
    };
    let options = match revocation {
        Revocation::Crls(crls) => {
            let root_name = chain.root().x509().tbs_certificate().subject();
            let depth = if crls.iter().any(|crl| crl.issuer_name() == root_name) {
                RevocationCheckDepth::Chain
            } else {
                RevocationCheckDepth::EndEntity
            };
            Some(
                RevocationOptionsBuilder::new(&crl_refs)
                    .map_err(|_| PkiError::RevocationUnknown)?
                    .with_depth(depth)
                    .with_status_policy(UnknownStatusPolicy::Deny)
                    .with_expiration_policy(ExpirationPolicy::Enforce)
                    .build(),
            )
        }
        Revocation::Set(_) => None,
    };
    let verified = ee.verify_for_usage(
        WEBPKI_ALGORITHMS,
        &chain.anchors,
        &chain.intermediates,
        to_unix_time(time)?,
        // webpki applies the EKU rule to every certificate of the path, and CA certificates
        // carry no EKU: "required if present" here, "required" for the device below.
        KeyUsage::client_auth(),
        options,
        None,
    );
    if let Err(err) = verified {
        return Err(match (map_webpki(err), revocation) {
            (PkiError::Revoked { .. }, Revocation::Crls(crls)) => PkiError::Revoked {
                reason: revocation_reason(crls, &serial, chain),
            },
            (other, _) => other,
        });
    }
    if let Revocation::Set(set) = revocation {
        set.check(&serial)?;
    }

    let usage = match usage {
        Some(usage) => usage,
        None => match key_kind(&cert)? {
            AlgKind::Signature => CertUsage::DeviceSignature,
            AlgKind::Kem => CertUsage::DeviceKem,
        },
    };
    let key_usage = cert
        .key_usage()?
        .ok_or(PkiError::WrongUsage("keyUsage extension missing"))?;
    if !key_usage.0.contains(usage.key_usage()) {
        return Err(PkiError::WrongUsage("keyUsage does not allow this use"));
    }
    let eku = cert
        .extension::<ExtendedKeyUsage>()?
        .ok_or(PkiError::WrongUsage("extendedKeyUsage missing"))?;
    if !eku.0.contains(&ID_KP_CLIENT_AUTH) {
        return Err(PkiError::WrongUsage("extendedKeyUsage lacks clientAuth"));
    }
    let public_key = public_key(&cert, usage)?;
    let (user_id, device_id) = bound_identity(&cert)?;
    Ok(ValidatedCert {
        serial,
        user_id,
        device_id,
        usage,
        public_key,
        not_after: cert.not_after()?,
        cert,
    })
}

fn check_root_validity(root: &Cert, time: OffsetDateTime) -> Result<(), PkiError> {
    if time < root.not_before()? {
        return Err(PkiError::NotYetValid);
    }
    if time > root.not_after()? {
        return Err(PkiError::Expired);
    }
    Ok(())
}

/// The revocation reason webpki does not report: the device's entry in the issuing CA's CRL,
/// else the issuing CA's entry in the root's CRL.
fn revocation_reason(crls: &[Crl], serial: &Serial, chain: &CaChain) -> RevocationReason {
    let issuing_serial = chain.issuing().serial().ok();
    let issuing_name = chain.issuing().x509().tbs_certificate().subject();
    let root_name = chain.root().x509().tbs_certificate().subject();
    crls.iter()
        .filter(|crl| crl.issuer_name() == issuing_name)
        .find_map(|crl| crl.reason_for(serial))
        .or_else(|| {
            let issuing_serial = issuing_serial.as_ref()?;
            crls.iter()
                .filter(|crl| crl.issuer_name() == root_name)
                .find_map(|crl| crl.reason_for(issuing_serial))
        })
        .unwrap_or(RevocationReason::Unspecified)
}

/// The certified key, which must be of the kind `usage` needs.
fn public_key(cert: &Cert, usage: CertUsage) -> Result<CertPublicKey, PkiError> {
    let kind = key_kind(cert)?;
    let spki = cert.spki_der()?;
    match (usage, kind) {
        (CertUsage::DeviceSignature, AlgKind::Signature) => {
            let key = VerifyingKey::from_spki_der(&spki)?;
            check_cert_algorithm(key.algorithm())?;
            Ok(CertPublicKey::Signature(key))
        }
        (CertUsage::DeviceKem, AlgKind::Kem) => {
            Ok(CertPublicKey::Kem(EncapsulationKey::from_spki_der(&spki)?))
        }
        (CertUsage::DeviceSignature, AlgKind::Kem) => {
            Err(PkiError::WrongUsage("a KEM certificate cannot sign"))
        }
        (CertUsage::DeviceKem, AlgKind::Signature) => Err(PkiError::WrongUsage(
            "a signature certificate has no KEM key",
        )),
    }
}

/// Whether the certified key is a signature or a KEM key (by its SPKI algorithm OID).
fn key_kind(cert: &Cert) -> Result<AlgKind, PkiError> {
    let oid = cert
        .x509()
        .tbs_certificate()
        .subject_public_key_info()
        .algorithm
        .oid
        .to_string();
    registry::by_oid(&oid)
        .map(|info| info.kind)
        .ok_or(PkiError::UnsupportedAlgorithm(oid))
}

/// The user and device named by the SAN URNs (exactly one of each), with the subject CN equal
/// to the device id.
pub(crate) fn bound_identity(cert: &Cert) -> Result<(EntityId, EntityId), PkiError> {
    let uris = cert.san_uris()?;
    let single = |prefix: &str| -> Result<EntityId, PkiError> {
        let mut found = uris.iter().filter_map(|uri| uri.strip_prefix(prefix));
        match (found.next(), found.next()) {
            (Some(id), None) => {
                EntityId::new(id).map_err(|_| PkiError::IdentityMismatch("unusable id in SAN"))
            }
            _ => Err(PkiError::IdentityMismatch(
                "certificate must name exactly one user and one device",
            )),
        }
    };
    let user = single(USER_URN_PREFIX)?;
    let device = single(DEVICE_URN_PREFIX)?;
    let cn = cert
        .x509()
        .tbs_certificate()
        .subject()
        .common_name()
        .map_err(|_| PkiError::Malformed("subject CN"))?;
    if cn.map(String::from).as_deref() != Some(device.as_str()) {
        return Err(PkiError::IdentityMismatch(
            "subject CN differs from the device URN",
        ));
    }
    Ok((user, device))
}

/// Maps rustls-webpki's errors onto [`PkiError`].
fn map_webpki(err: webpki::Error) -> PkiError {
    use webpki::Error as E;
    match err {
        E::CertExpired { .. } => PkiError::Expired,
        E::CertNotValidYet { .. } => PkiError::NotYetValid,
        E::CertRevoked => PkiError::Revoked {
            reason: RevocationReason::Unspecified,
        },
        E::UnknownIssuer => PkiError::UnknownIssuer,
        E::InvalidSignatureForPublicKey | E::InvalidCrlSignatureForPublicKey => {
            PkiError::BadSignature
        }
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_)
        | E::UnsupportedCrlSignatureAlgorithmContext(_)
        | E::UnsupportedCrlSignatureAlgorithmForPublicKeyContext(_) => {
            PkiError::UnsupportedAlgorithm("signature algorithm not accepted in the chain".into())
        }
        E::RequiredEkuNotFoundContext(_) | E::EmptyEkuExtension => {
            PkiError::WrongUsage("extendedKeyUsage lacks clientAuth")
        }
        E::CaUsedAsEndEntity => {
            PkiError::WrongUsage("a CA certificate is not a device certificate")
        }
        E::EndEntityUsedAsCa | E::PathLenConstraintViolated => {
            PkiError::WrongUsage("certificate used as a CA")
        }
        E::IssuerNotCrlSigner => PkiError::WrongUsage("CRL issuer lacks cRLSign"),
        E::UnknownRevocationStatus => PkiError::RevocationUnknown,
        E::CrlExpired { .. } => PkiError::CrlExpired,
        E::BadDer
        | E::BadDerTime
        | E::TrailingData(_)
        | E::MalformedExtensions
        | E::ExtensionValueInvalid
        | E::InvalidCertValidity
        | E::InvalidSerialNumber
        | E::UnsupportedCertVersion
        | E::SignatureAlgorithmMismatch => PkiError::Malformed("certificate"),
        other => PkiError::InvalidPath(format!("{other:?}").chars().take(120).collect()),
    }
}

/// Validates the audit log signing certificate (DER) at `time` against `chain` (signatures,
/// validity of the whole path, not a CA), and checks its profile: keyUsage digitalSignature, no
/// extendedKeyUsage, SAN `urn:pqbank:audit`, a post-quantum signature key. Revocation is not
/// checked here (an offline verifier has no CRL; the caller may check the serial). Returns the
/// certified key.
///
/// # Errors
/// As [`validate_end_entity`]; [`PkiError::WrongUsage`] for another profile.
pub fn validate_audit_signer(
    cert_der: &[u8],
    chain: &CaChain,
    time: OffsetDateTime,
) -> Result<VerifyingKey, PkiError> {
    let cert = Cert::from_der(cert_der)?;
    check_root_validity(chain.root(), time)?;
    let der = CertificateDer::from(cert.der());
    let ee = EndEntityCert::try_from(&der).map_err(map_webpki)?;
    ee.verify_for_usage(
        WEBPKI_ALGORITHMS,
        &chain.anchors,
        &chain.intermediates,
        to_unix_time(time)?,
        // "clientAuth if an EKU is present": CA certificates carry none; the audit certificate
        // must carry none either (checked below).
        KeyUsage::client_auth(),
        None,
        None,
    )
    .map_err(map_webpki)?;
    let key_usage = cert
        .key_usage()?
        .ok_or(PkiError::WrongUsage("keyUsage extension missing"))?;
    if !key_usage
        .0
        .contains(x509_cert::ext::pkix::KeyUsages::DigitalSignature)
    {
        return Err(PkiError::WrongUsage("keyUsage lacks digitalSignature"));
    }
    if cert.extension::<ExtendedKeyUsage>()?.is_some() {
        return Err(PkiError::WrongUsage(
            "an audit signing certificate has no extendedKeyUsage",
        ));
    }
    if !cert
        .san_uris()?
        .iter()
        .any(|uri| uri == crate::profile::AUDIT_SIGNER_URN)
    {
        return Err(PkiError::WrongUsage("not an audit signing certificate"));
    }
    let key = VerifyingKey::from_spki_der(&cert.spki_der()?)?;
    check_cert_algorithm(key.algorithm())?;
    Ok(key)
}
