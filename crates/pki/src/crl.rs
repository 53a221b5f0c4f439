//! Certificate revocation: building and parsing CRLs (RFC 5280 section 5) and the in-memory
//! [`RevocationSet`] the server caches.
//!
//! pqbank CRLs are complete (no delta CRLs, no issuing distribution point), version 2, and
//! always carry `nextUpdate` (rustls-webpki rejects CRLs without it), a CRL number and the
//! issuer's key identifier. Entries carry the RFC 5280 reason code unless it is `unspecified`.

use core::fmt;
use std::collections::HashMap;
use std::sync::Arc;

use der::asn1::{OctetString, Uint};
use der::{Decode, Encode};
use pqbank_crypto::CryptoRng;
use time::OffsetDateTime;
use webpki::{CertRevocationList, OwnedCertRevocationList};
use x509_cert::Version;
use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
use x509_cert::ext::pkix::{AuthorityKeyIdentifier, CrlNumber, CrlReason};
use x509_cert::ext::{Extension, ToExtension};
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;

use crate::PkiError;
use crate::ca::CertificateAuthority;
use crate::cert::Cert;
use crate::encoding::{check_size, is_pem, pem_decode, pem_encode, split_signed};
use crate::error::{internal, malformed};
use crate::ids::Serial;
use crate::validity::{from_x509_time, to_x509_time};

/// Largest CRL accepted (DER).
pub const MAX_CRL_LEN: usize = 8 * 1024 * 1024;
/// Most entries in one CRL or [`RevocationSet`].
pub const MAX_REVOKED_ENTRIES: usize = 200_000;

/// RFC 5280 `CRLReason` (section 5.3.1); value 7 is unused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RevocationReason {
    /// 0: no reason given (the reason code extension is then omitted).
    Unspecified,
    /// 1: the subject's private key is (suspected to be) compromised.
    KeyCompromise,
    /// 2: a CA's key is compromised.
    CaCompromise,
    /// 3: the subject's affiliation changed.
    AffiliationChanged,
    /// 4: replaced by a new certificate.
    Superseded,
    /// 5: no longer needed (device removed).
    CessationOfOperation,
    /// 6: temporarily on hold.
    CertificateHold,
    /// 8: released from hold (delta CRLs only).
    RemoveFromCrl,
    /// 9: the privilege was withdrawn.
    PrivilegeWithdrawn,
    /// 10: an attribute authority is compromised.
    AaCompromise,
}

impl RevocationReason {
    /// Every reason, in code order.
    pub const ALL: [Self; 10] = [
        Self::Unspecified,
        Self::KeyCompromise,
        Self::CaCompromise,
        Self::AffiliationChanged,
        Self::Superseded,
        Self::CessationOfOperation,
        Self::CertificateHold,
        Self::RemoveFromCrl,
        Self::PrivilegeWithdrawn,
        Self::AaCompromise,
    ];

    /// The RFC 5280 code (stable; use it for storage).
    #[must_use]
    pub const fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::CertificateHold => 6,
            Self::RemoveFromCrl => 8,
            Self::PrivilegeWithdrawn => 9,
            Self::AaCompromise => 10,
        }
    }

    /// The reason with this RFC 5280 code.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for 7 or above 10.
    pub fn from_code(code: u8) -> Result<Self, PkiError> {
        Self::ALL
            .into_iter()
            .find(|r| r.code() == code)
            .ok_or(PkiError::Malformed("CRL reason code"))
    }

    /// The ASN.1 name (`keyCompromise`, ...).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::CertificateHold => "certificateHold",
            Self::RemoveFromCrl => "removeFromCRL",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
            Self::AaCompromise => "aACompromise",
        }
    }

    fn to_x509(self) -> CrlReason {
        match self {
            Self::Unspecified => CrlReason::Unspecified,
            Self::KeyCompromise => CrlReason::KeyCompromise,
            Self::CaCompromise => CrlReason::CaCompromise,
            Self::AffiliationChanged => CrlReason::AffiliationChanged,
            Self::Superseded => CrlReason::Superseded,
            Self::CessationOfOperation => CrlReason::CessationOfOperation,
            Self::CertificateHold => CrlReason::CertificateHold,
            Self::RemoveFromCrl => CrlReason::RemoveFromCRL,
            Self::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
            Self::AaCompromise => CrlReason::AaCompromise,
        }
    }

    fn from_x509(reason: CrlReason) -> Self {
        // `CrlReason` is `repr(u32)` with the RFC codes as discriminants.
        let code = u8::try_from(reason as u32).unwrap_or(0);
        Self::from_code(code).unwrap_or(Self::Unspecified)
    }

    pub(crate) fn from_webpki(reason: webpki::RevocationReason) -> Self {
        Self::from_code(reason as u8).unwrap_or(Self::Unspecified)
    }
}

impl fmt::Display for RevocationReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One revoked certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevokedEntry {
    /// Its serial number.
    pub serial: Serial,
    /// When the CA revoked it (whole seconds).
    pub revoked_at: OffsetDateTime,
    /// Why.
    pub reason: RevocationReason,
}

/// What goes into a CRL besides its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrlInfo {
    /// The CRL number: must increase with every CRL the CA issues (the caller keeps it).
    pub number: u64,
    /// Issue time.
    pub this_update: OffsetDateTime,
    /// When the next CRL will be issued at the latest; after it this CRL is stale.
    pub next_update: OffsetDateTime,
}

/// Builds a complete CRL signed by `ca`: version 2, `thisUpdate`, `nextUpdate`, CRL number and
/// AKI (the CA's SKI) extensions, and one entry per revoked certificate with its revocation
/// date and reason code (omitted when unspecified).
///
/// The CRL is assembled directly rather than with x509-cert's `CrlBuilder`, which copies the
/// issuer certificate's own AKI (naming the issuer's issuer) into the CRL.
///
/// # Errors
/// [`PkiError::WrongUsage`] if the CA certificate lacks cRLSign,
/// [`PkiError::InvalidParameter`] if `next_update` is not after `this_update` or a serial is
/// listed twice, [`PkiError::TooLarge`] for more than [`MAX_REVOKED_ENTRIES`] entries,
/// [`PkiError::Internal`] if signing fails.
pub fn build_crl(
    ca: &CertificateAuthority<'_>,
    info: &CrlInfo,
    entries: &[RevokedEntry],
    rng: &mut (impl CryptoRng + ?Sized),
) -> Result<Crl, PkiError> {
    if ca
        .certificate()
        .key_usage()?
        .is_some_and(|ku| !ku.crl_sign())
    {
        return Err(PkiError::WrongUsage("CA certificate lacks cRLSign"));
    }
    if info.next_update <= info.this_update {
        return Err(PkiError::InvalidParameter(
            "nextUpdate must be after thisUpdate",
        ));
    }
    check_size(
        entries.len(),
        MAX_REVOKED_ENTRIES,
        "more than 200000 CRL entries",
    )?;
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    if !entries.iter().all(|e| seen.insert(&e.serial)) {
        return Err(PkiError::InvalidParameter("serial listed twice in the CRL"));
    }
    let issuer = ca.name().clone();
    let revoked = entries
        .iter()
        .map(|entry| revoked_cert(entry, &issuer))
        .collect::<Result<Vec<_>, _>>()?;

    let mut extensions: Vec<Extension> = Vec::with_capacity(2);
    let number = CrlNumber(Uint::new(&info.number.to_be_bytes()).map_err(internal("CRL number"))?);
    extensions.push(
        (&number)
            .to_extension(&issuer, &extensions)
            .map_err(internal("CRL number"))?,
    );
    let aki = AuthorityKeyIdentifier {
        key_identifier: Some(OctetString::new(ca.key_id()).map_err(internal("AKI"))?),
        ..Default::default()
    };
    extensions.push(
        (&aki)
            .to_extension(&issuer, &extensions)
            .map_err(internal("AKI"))?,
    );

    let signer = ca.signer();
    let tbs = TbsCertList {
        version: Version::V2,
        signature: signer.algorithm_identifier().clone(),
        issuer,
        this_update: to_x509_time(info.this_update)?,
        next_update: Some(to_x509_time(info.next_update)?),
        revoked_certificates: (!revoked.is_empty()).then_some(revoked),
        crl_extensions: Some(extensions),
    };
    let tbs_der = tbs.to_der().map_err(internal("CRL encoding"))?;
    let signature = signer.sign_raw(&tbs_der, rng)?;
    let list = CertificateList {
        tbs_cert_list: tbs,
        signature_algorithm: signer.algorithm_identifier().clone(),
        signature,
    };
    Crl::from_der(&list.to_der().map_err(internal("CRL encoding"))?)
}

fn revoked_cert(entry: &RevokedEntry, issuer: &Name) -> Result<RevokedCert, PkiError> {
    let crl_entry_extensions = match entry.reason {
        RevocationReason::Unspecified => None,
        reason => Some(vec![
            (&reason.to_x509())
                .to_extension(issuer, &[])
                .map_err(internal("reason code"))?,
        ]),
    };
    Ok(RevokedCert {
        serial_number: SerialNumber::new(entry.serial.as_bytes())
            .map_err(internal("serial number"))?,
        revocation_date: to_x509_time(entry.revoked_at)?,
        crl_entry_extensions,
    })
}

/// A parsed CRL: the x509-cert structure for reading and rustls-webpki's form for validation.
///
/// Parsing checks the structure (both parsers must accept it: version 2, `nextUpdate` present,
/// no unsupported critical extensions); the signature is checked when it is used
/// ([`crate::validate_end_entity`], [`Crl::verify_issued_by`], [`RevocationSet::from_crl`]).
#[derive(Clone)]
pub struct Crl {
    der: Vec<u8>,
    list: CertificateList,
    webpki: Arc<CertRevocationList<'static>>,
}

impl Crl {
    /// Parses a DER CRL of at most [`MAX_CRL_LEN`] bytes.
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] or [`PkiError::Malformed`].
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        check_size(der.len(), MAX_CRL_LEN, "CRL larger than 8 MiB")?;
        let list = CertificateList::from_der(der).map_err(malformed("CRL"))?;
        if list.tbs_cert_list.next_update.is_none() {
            return Err(PkiError::Malformed("CRL without nextUpdate"));
        }
        let count = list
            .tbs_cert_list
            .revoked_certificates
            .as_ref()
            .map_or(0, Vec::len);
        check_size(count, MAX_REVOKED_ENTRIES, "more than 200000 CRL entries")?;
        let owned =
            OwnedCertRevocationList::from_der(der).map_err(|_| PkiError::Malformed("CRL"))?;
        Ok(Self {
            der: der.to_vec(),
            list,
            webpki: Arc::new(owned.into()),
        })
    }

    /// Parses one PEM `X509 CRL` block.
    ///
    /// # Errors
    /// As [`Self::from_der`].
    pub fn from_pem(pem: &str) -> Result<Self, PkiError> {
        Self::from_der(&pem_decode(
            pem.as_bytes(),
            "X509 CRL",
            MAX_CRL_LEN,
            "CRL PEM",
        )?)
    }

    /// Parses PEM or DER, whichever `input` is.
    ///
    /// # Errors
    /// As [`Self::from_der`].
    pub fn from_pem_or_der(input: &[u8]) -> Result<Self, PkiError> {
        if is_pem(input) {
            Self::from_der(&pem_decode(input, "X509 CRL", MAX_CRL_LEN, "CRL PEM")?)
        } else {
            Self::from_der(input)
        }
    }

    /// The DER encoding.
    #[must_use]
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The PEM encoding (`X509 CRL`).
    ///
    /// # Errors
    /// Only [`PkiError::Internal`].
    pub fn to_pem(&self) -> Result<String, PkiError> {
        pem_encode("X509 CRL", &self.der)
    }

    /// The parsed structure (x509-cert).
    #[must_use]
    pub fn x509(&self) -> &CertificateList {
        &self.list
    }

    pub(crate) fn webpki(&self) -> &CertRevocationList<'static> {
        &self.webpki
    }

    /// The issuer as an RFC 4514 string.
    #[must_use]
    pub fn issuer(&self) -> String {
        self.list.tbs_cert_list.issuer.to_string()
    }

    pub(crate) fn issuer_name(&self) -> &Name {
        &self.list.tbs_cert_list.issuer
    }

    /// The CRL number, if the extension is present.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for a repeated or undecodable extension or a number above
    /// `u64::MAX`.
    pub fn number(&self) -> Result<Option<u64>, PkiError> {
        let mut numbers = self
            .list
            .tbs_cert_list
            .crl_extensions
            .iter()
            .flatten()
            .filter(|ext| ext.extn_id == <CrlNumber as der::oid::AssociatedOid>::OID);
        let (Some(ext), None) = (numbers.next(), numbers.next()) else {
            return Ok(None);
        };
        let number =
            CrlNumber::from_der(ext.extn_value.as_bytes()).map_err(malformed("CRL number"))?;
        let bytes = number.0.as_bytes();
        if bytes.len() > 8 {
            return Err(PkiError::Malformed("CRL number above u64"));
        }
        let mut buf = [0u8; 8];
        buf[8 - bytes.len()..].copy_from_slice(bytes);
        Ok(Some(u64::from_be_bytes(buf)))
    }

    /// Issue time.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for an unrepresentable time.
    pub fn this_update(&self) -> Result<OffsetDateTime, PkiError> {
        from_x509_time(&self.list.tbs_cert_list.this_update)
    }

    /// Time of the next CRL (always present: parsing refuses CRLs without it).
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for an unrepresentable time.
    pub fn next_update(&self) -> Result<OffsetDateTime, PkiError> {
        match &self.list.tbs_cert_list.next_update {
            Some(t) => from_x509_time(t),
            None => Err(PkiError::Malformed("CRL without nextUpdate")),
        }
    }

    /// The revoked certificates.
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for an unusable serial, time or reason code.
    pub fn entries(&self) -> Result<Vec<RevokedEntry>, PkiError> {
        self.list
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .map(|rc| {
                let reason = rc
                    .crl_entry_extensions
                    .iter()
                    .flatten()
                    .find(|ext| ext.extn_id == <CrlReason as der::oid::AssociatedOid>::OID)
                    .map(|ext| CrlReason::from_der(ext.extn_value.as_bytes()))
                    .transpose()
                    .map_err(malformed("CRL reason code"))?
                    .map_or(RevocationReason::Unspecified, RevocationReason::from_x509);
                Ok(RevokedEntry {
                    serial: Serial::from_der_content(rc.serial_number.as_bytes())?,
                    revoked_at: from_x509_time(&rc.revocation_date)?,
                    reason,
                })
            })
            .collect()
    }

    /// The reason `serial` is revoked, if this CRL lists it.
    pub(crate) fn reason_for(&self, serial: &Serial) -> Option<RevocationReason> {
        match self.webpki.find_serial(serial.as_bytes()) {
            Ok(Some(entry)) => Some(
                entry
                    .reason_code
                    .map_or(RevocationReason::Unspecified, RevocationReason::from_webpki),
            ),
            _ => None,
        }
    }

    /// Checks this CRL's signature with `issuer`'s key and that it names `issuer` (pqbank's
    /// own verification path; validation uses rustls-webpki).
    ///
    /// # Errors
    /// [`PkiError::UnknownIssuer`], [`PkiError::BadSignature`],
    /// [`PkiError::UnsupportedAlgorithm`] or [`PkiError::Malformed`].
    pub fn verify_issued_by(&self, issuer: &Cert) -> Result<(), PkiError> {
        if self.issuer_name() != issuer.x509().tbs_certificate().subject() {
            return Err(PkiError::UnknownIssuer);
        }
        if issuer.key_usage()?.is_some_and(|ku| !ku.crl_sign()) {
            return Err(PkiError::WrongUsage("CRL issuer lacks cRLSign"));
        }
        split_signed(&self.der, "CRL")?.verify(&issuer.verifying_key()?)
    }
}

impl fmt::Debug for Crl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer())
            .field("number", &self.number().ok().flatten())
            .field("len", &self.der.len())
            .finish()
    }
}

/// The revoked serials of one issuing CA, in memory, for fast checks on every request.
///
/// Keep one set per issuing CA: serials are only unique per issuer.
#[derive(Debug, Clone, Default)]
pub struct RevocationSet {
    entries: HashMap<Serial, RevokedEntry>,
}

impl RevocationSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// The entries of `crl` after checking its signature with `issuer` (see
    /// [`Crl::verify_issued_by`]).
    ///
    /// # Errors
    /// As [`Crl::verify_issued_by`] and [`Crl::entries`].
    pub fn from_crl(crl: &Crl, issuer: &Cert) -> Result<Self, PkiError> {
        crl.verify_issued_by(issuer)?;
        let mut set = Self::new();
        for entry in crl.entries()? {
            set.insert(entry)?;
        }
        Ok(set)
    }

    /// Adds or replaces an entry.
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] beyond [`MAX_REVOKED_ENTRIES`] entries.
    pub fn insert(&mut self, entry: RevokedEntry) -> Result<(), PkiError> {
        if self.entries.len() >= MAX_REVOKED_ENTRIES && !self.entries.contains_key(&entry.serial) {
            return Err(PkiError::TooLarge("more than 200000 revoked certificates"));
        }
        self.entries.insert(entry.serial.clone(), entry);
        Ok(())
    }

    /// Removes an entry (a certificate released from hold), returning it.
    pub fn remove(&mut self, serial: &Serial) -> Option<RevokedEntry> {
        self.entries.remove(serial)
    }

    /// The entry for `serial`, if revoked.
    #[must_use]
    pub fn get(&self, serial: &Serial) -> Option<&RevokedEntry> {
        self.entries.get(serial)
    }

    /// `Ok` unless `serial` is revoked.
    ///
    /// # Errors
    /// [`PkiError::Revoked`] with the entry's reason.
    pub fn check(&self, serial: &Serial) -> Result<(), PkiError> {
        match self.entries.get(serial) {
            Some(entry) => Err(PkiError::Revoked {
                reason: entry.reason,
            }),
            None => Ok(()),
        }
    }

    /// Number of revoked serials.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if nothing is revoked.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries sorted by serial (e.g. to build the next CRL).
    #[must_use]
    pub fn to_entries(&self) -> Vec<RevokedEntry> {
        let mut entries: Vec<_> = self.entries.values().cloned().collect();
        entries.sort_by(|a, b| a.serial.cmp(&b.serial));
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_round_trip() {
        for reason in RevocationReason::ALL {
            assert_eq!(RevocationReason::from_code(reason.code()).unwrap(), reason);
            assert_eq!(RevocationReason::from_x509(reason.to_x509()), reason);
        }
        assert!(RevocationReason::from_code(7).is_err());
        assert!(RevocationReason::from_code(11).is_err());
        assert_eq!(RevocationReason::KeyCompromise.to_string(), "keyCompromise");
    }

    #[test]
    fn revocation_set_checks_and_limits() {
        let serial = Serial::from_random(&[9; 16]).unwrap();
        let mut set = RevocationSet::new();
        assert!(set.check(&serial).is_ok());
        set.insert(RevokedEntry {
            serial: serial.clone(),
            revoked_at: OffsetDateTime::UNIX_EPOCH,
            reason: RevocationReason::KeyCompromise,
        })
        .unwrap();
        assert_eq!(
            set.check(&serial),
            Err(PkiError::Revoked {
                reason: RevocationReason::KeyCompromise
            })
        );
        assert_eq!(set.len(), 1);
        assert!(set.remove(&serial).is_some());
        assert!(set.is_empty());
    }
}
