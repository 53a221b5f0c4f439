//! pqbank's certificate profiles as an x509-cert [`BuilderProfile`]: which names and extensions
//! root CA, issuing CA and device certificates carry.
//!
//! | extension | root CA | issuing CA | device signature | device KEM |
//! | --- | --- | --- | --- | --- |
//! | basicConstraints (critical) | CA | CA, pathLen 0 | not CA | not CA |
//! | keyUsage (critical) | keyCertSign, cRLSign | keyCertSign, cRLSign | digitalSignature | keyEncipherment |
//! | extendedKeyUsage | - | - | clientAuth | clientAuth |
//! | subjectAltName | - | - | user + device URNs | user + device URNs |
//! | subjectKeyIdentifier | yes | yes | yes | yes |
//! | authorityKeyIdentifier | = SKI | root's SKI | issuer's SKI | issuer's SKI |
//! | cRLDistributionPoints | - | - | URI | URI |
//!
//! The audit signer (the key that signs audit log checkpoints) is an end entity with
//! basicConstraints not CA, keyUsage digitalSignature (critical), no extendedKeyUsage (so it can
//! never authenticate as a client) and the SAN URI `urn:pqbank:audit`.
//!
//! Key identifiers are RFC 5280 method 1 (SHA-1 of the subjectPublicKey bits, as x509-cert
//! computes them); the AKI copies the issuer certificate's SKI.

use core::str::FromStr;

use der::asn1::{Any, Ia5String, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Tag};
use spki::SubjectPublicKeyInfoRef;
use x509_cert::TbsCertificate;
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::builder::profile::BuilderProfile;
use x509_cert::ext::pkix::crl::dp::DistributionPoint;
use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, CrlDistributionPoints, ExtendedKeyUsage, KeyUsage,
    KeyUsages, SubjectAltName, SubjectKeyIdentifier,
};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};

use crate::PkiError;
use crate::ids::{BankName, CrlUri, DeviceIdentity};

/// id-kp-clientAuth (RFC 5280).
pub(crate) const ID_KP_CLIENT_AUTH: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.2");
/// id-at-commonName.
const ID_AT_COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");
/// id-at-organizationName.
const ID_AT_ORGANIZATION_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// Longest CA or CSR subject (RFC 4514 text).
pub const MAX_SUBJECT_LEN: usize = 512;

/// What a device certificate certifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertUsage {
    /// A device signature key (from a CSR): keyUsage digitalSignature.
    DeviceSignature,
    /// A device KEM key (X-Wing or ML-KEM-768): keyUsage keyEncipherment.
    DeviceKem,
}

impl CertUsage {
    /// The keyUsage bit this usage requires.
    pub(crate) fn key_usage(self) -> KeyUsages {
        match self {
            Self::DeviceSignature => KeyUsages::DigitalSignature,
            Self::DeviceKem => KeyUsages::KeyEncipherment,
        }
    }
}

/// Which certificate is being built.
pub(crate) enum Kind {
    RootCa,
    IssuingCa,
    Device {
        usage: CertUsage,
        identity: DeviceIdentity,
        crl_uri: CrlUri,
    },
    AuditSigner,
}

/// The SAN URI of the audit log signing certificate.
pub const AUDIT_SIGNER_URN: &str = "urn:pqbank:audit";

/// Names and extensions of one certificate.
pub(crate) struct Profile {
    pub(crate) issuer: Name,
    pub(crate) subject: Name,
    /// The issuer's SKI; `None` for a self-signed certificate (AKI = own SKI).
    pub(crate) authority_key_id: Option<Vec<u8>>,
    pub(crate) kind: Kind,
}

impl BuilderProfile for Profile {
    fn get_issuer(&self, _subject: &Name) -> Name {
        self.issuer.clone()
    }

    fn get_subject(&self) -> Name {
        self.subject.clone()
    }

    fn build_extensions(
        &self,
        spk: SubjectPublicKeyInfoRef<'_>,
        _issuer_spk: SubjectPublicKeyInfoRef<'_>,
        tbs: &TbsCertificate,
    ) -> x509_cert::builder::Result<Vec<Extension>> {
        let subject = tbs.subject();
        let mut exts: Vec<Extension> = Vec::with_capacity(7);
        let ca_usage = KeyUsages::KeyCertSign | KeyUsages::CRLSign;
        match &self.kind {
            Kind::RootCa => {
                push(&mut exts, subject, &ca_constraints(None))?;
                push(&mut exts, subject, &KeyUsage(ca_usage))?;
            }
            Kind::IssuingCa => {
                push(&mut exts, subject, &ca_constraints(Some(0)))?;
                push(&mut exts, subject, &KeyUsage(ca_usage))?;
            }
            Kind::Device {
                usage, identity, ..
            } => {
                let not_ca = BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                };
                push(&mut exts, subject, &not_ca)?;
                push(&mut exts, subject, &KeyUsage(usage.key_usage().into()))?;
                push(
                    &mut exts,
                    subject,
                    &ExtendedKeyUsage(vec![ID_KP_CLIENT_AUTH]),
                )?;
                let san = SubjectAltName(vec![
                    uri_name(&identity.user_urn())?,
                    uri_name(&identity.device_urn())?,
                ]);
                push(&mut exts, subject, &san)?;
            }
            Kind::AuditSigner => {
                let not_ca = BasicConstraints {
                    ca: false,
                    path_len_constraint: None,
                };
                push(&mut exts, subject, &not_ca)?;
                push(
                    &mut exts,
                    subject,
                    &KeyUsage(KeyUsages::DigitalSignature.into()),
                )?;
                let san = SubjectAltName(vec![uri_name(AUDIT_SIGNER_URN)?]);
                push(&mut exts, subject, &san)?;
            }
        }
        let ski = SubjectKeyIdentifier::try_from(spk)?;
        let aki = AuthorityKeyIdentifier {
            key_identifier: Some(match &self.authority_key_id {
                Some(id) => OctetString::new(id.as_slice())?,
                None => ski.0.clone(),
            }),
            ..Default::default()
        };
        push(&mut exts, subject, &ski)?;
        push(&mut exts, subject, &aki)?;
        if let Kind::Device { crl_uri, .. } = &self.kind {
            let dp = DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![uri_name(
                    crl_uri.as_str(),
                )?])),
                reasons: None,
                crl_issuer: None,
            };
            push(&mut exts, subject, &CrlDistributionPoints(vec![dp]))?;
        }
        Ok(exts)
    }
}

fn ca_constraints(path_len: Option<u8>) -> BasicConstraints {
    BasicConstraints {
        ca: true,
        path_len_constraint: path_len,
    }
}

fn push<E: ToExtension<Error = der::Error>>(
    exts: &mut Vec<Extension>,
    subject: &Name,
    ext: E,
) -> der::Result<()> {
    let ext = ext.to_extension(subject, exts)?;
    exts.push(ext);
    Ok(())
}

fn uri_name(uri: &str) -> der::Result<GeneralName> {
    Ok(GeneralName::UniformResourceIdentifier(Ia5String::new(uri)?))
}

/// Parses a CA or CSR subject given as RFC 4514 text (e.g. `CN=pqbank Root CA,O=pqbank`).
///
/// # Errors
/// [`PkiError::InvalidParameter`] for empty, too long or unparsable text.
pub(crate) fn parse_subject(subject: &str) -> Result<Name, PkiError> {
    if subject.is_empty() || subject.len() > MAX_SUBJECT_LEN {
        return Err(PkiError::InvalidParameter("subject must be 1 to 512 bytes"));
    }
    let name = Name::from_str(subject)
        .map_err(|_| PkiError::InvalidParameter("subject is not an RFC 4514 name"))?;
    if name.is_empty() {
        return Err(PkiError::InvalidParameter("subject is empty"));
    }
    Ok(name)
}

/// `O=<bank>, CN=<device id>` (DER order: organization first), both UTF8String.
pub(crate) fn device_subject(bank: &BankName, identity: &DeviceIdentity) -> Result<Name, PkiError> {
    org_cn_subject(bank, identity.device_id.as_str())
}

/// `O=<bank>, CN=<cn>` (DER order: organization first), both UTF8String.
pub(crate) fn org_cn_subject(bank: &BankName, cn: &str) -> Result<Name, PkiError> {
    let mut rdns = RdnSequence::default();
    for (oid, value) in [
        (ID_AT_ORGANIZATION_NAME, bank.as_str()),
        (ID_AT_COMMON_NAME, cn),
    ] {
        let mut rdn = RelativeDistinguishedName::default();
        rdn.insert(AttributeTypeAndValue {
            oid,
            value: Any::new(Tag::Utf8String, value.as_bytes())
                .map_err(|_| PkiError::InvalidParameter("subject attribute"))?,
        })
        .map_err(|_| PkiError::Internal("subject RDN"))?;
        rdns.push(rdn);
    }
    let der = rdns
        .to_der()
        .map_err(|_| PkiError::Internal("subject encoding"))?;
    Name::from_der(&der).map_err(|_| PkiError::Internal("subject encoding"))
}
