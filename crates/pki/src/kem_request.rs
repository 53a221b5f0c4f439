//! Authorising a device KEM certificate.
//!
//! A KEM key cannot sign, so it cannot prove possession in a CSR. Instead the device signs a
//! [`KemCertRequest`] (its KEM public key, its identity, a nonce and the time) with its
//! already-certified signature key; the server verifies that signature against the device's
//! validated signature certificate ([`SignedKemCertRequest::verify`]) and only then issues the
//! KEM certificate ([`crate::issue_device_kem_cert`]). Possession of the KEM private key shows
//! when the device first decapsulates something sent to it.
//!
//! # Canonical encoding (version 1)
//!
//! ```text
//! "pqbank/kem-cert-request/v1" 0x00
//! u16 BE length || KEM SubjectPublicKeyInfo DER (at most 4096 bytes)
//! u8 length     || user id
//! u8 length     || device id
//! nonce (32 bytes)
//! u64 BE        created_at, Unix seconds
//! ```
//!
//! The signature is over these bytes with application context `pqbank-kem-cert-request-v1`.
//! The transport form ([`SignedKemCertRequest::to_bytes`]) appends `u16 BE length || signature`.
//! Replay protection beyond the time window (remembering nonces) belongs to the caller.

use core::fmt;

use pqbank_crypto::CryptoRng;
use pqbank_crypto::kem::EncapsulationKey;
use pqbank_crypto::sig::{Signature, SigningKey};
use time::{Duration, OffsetDateTime};

use crate::PkiError;
use crate::encoding::check_size;
use crate::ids::{DeviceIdentity, EntityId};
use crate::profile::CertUsage;
use crate::validate::ValidatedCert;
use crate::validity::unix_seconds;

/// Domain separation prefix of the canonical encoding.
const DOMAIN_TAG: &[u8] = b"pqbank/kem-cert-request/v1\0";
/// Signature context of KEM certificate requests.
pub const KEM_REQUEST_CONTEXT: &[u8] = b"pqbank-kem-cert-request-v1";
/// Nonce length.
pub const KEM_REQUEST_NONCE_LEN: usize = 32;
/// Largest KEM SPKI in a request (X-Wing and ML-KEM-768 SPKIs are about 1.2 KB).
pub const MAX_KEM_SPKI_LEN: usize = 4096;
/// Largest signed request accepted by [`SignedKemCertRequest::from_bytes`].
pub const MAX_KEM_REQUEST_LEN: usize = 16 * 1024;
/// How far in the future a request may be dated (clock skew between device and server).
pub const MAX_CLOCK_SKEW: Duration = Duration::minutes(5);

/// A device's request to certify its KEM public key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KemCertRequest {
    kem_spki_der: Vec<u8>,
    identity: DeviceIdentity,
    nonce: [u8; KEM_REQUEST_NONCE_LEN],
    created_at: OffsetDateTime,
}

impl KemCertRequest {
    /// A request for `kem_key` of the device `identity`, with a fresh `nonce` from the device's
    /// RNG and its current time (whole seconds are kept).
    ///
    /// # Errors
    /// [`PkiError::InvalidParameter`] for a time before 1970; [`PkiError::Internal`] if the key
    /// cannot be encoded.
    pub fn new(
        kem_key: &EncapsulationKey,
        identity: DeviceIdentity,
        nonce: [u8; KEM_REQUEST_NONCE_LEN],
        created_at: OffsetDateTime,
    ) -> Result<Self, PkiError> {
        let created_at = whole_seconds(created_at)?;
        Ok(Self {
            kem_spki_der: kem_key.to_spki_der()?,
            identity,
            nonce,
            created_at,
        })
    }

    /// The KEM key's DER `SubjectPublicKeyInfo`.
    #[must_use]
    pub fn kem_spki_der(&self) -> &[u8] {
        &self.kem_spki_der
    }

    /// The requesting device.
    #[must_use]
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// The nonce (for the caller's replay check).
    #[must_use]
    pub fn nonce(&self) -> &[u8; KEM_REQUEST_NONCE_LEN] {
        &self.nonce
    }

    /// When the device made the request.
    #[must_use]
    pub fn created_at(&self) -> OffsetDateTime {
        self.created_at
    }

    /// The canonical encoding (see the module docs): what is signed.
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] for a KEM SPKI above [`MAX_KEM_SPKI_LEN`].
    pub fn canonical_bytes(&self) -> Result<Vec<u8>, PkiError> {
        check_size(
            self.kem_spki_der.len(),
            MAX_KEM_SPKI_LEN,
            "KEM SPKI larger than 4 KiB",
        )?;
        let spki_len = u16::try_from(self.kem_spki_der.len())
            .map_err(|_| PkiError::TooLarge("KEM SPKI larger than 4 KiB"))?;
        let user = self.identity.user_id.as_str().as_bytes();
        let device = self.identity.device_id.as_str().as_bytes();
        let mut out = Vec::with_capacity(
            DOMAIN_TAG.len() + 2 + self.kem_spki_der.len() + 2 + user.len() + device.len() + 40,
        );
        out.extend_from_slice(DOMAIN_TAG);
        out.extend_from_slice(&spki_len.to_be_bytes());
        out.extend_from_slice(&self.kem_spki_der);
        for id in [user, device] {
            // Ids are at most 64 bytes (EntityId).
            out.push(u8::try_from(id.len()).map_err(|_| PkiError::Internal("id length"))?);
            out.extend_from_slice(id);
        }
        out.extend_from_slice(&self.nonce);
        out.extend_from_slice(&unix_seconds(self.created_at)?.to_be_bytes());
        Ok(out)
    }

    /// Parses the canonical encoding (the whole input).
    ///
    /// # Errors
    /// [`PkiError::Malformed`] for anything but exactly one canonical request.
    pub fn from_canonical_bytes(bytes: &[u8]) -> Result<Self, PkiError> {
        let mut reader = Reader(bytes);
        let request = Self::read(&mut reader)?;
        reader.finish()?;
        Ok(request)
    }

    fn read(reader: &mut Reader<'_>) -> Result<Self, PkiError> {
        if reader.take(DOMAIN_TAG.len())? != DOMAIN_TAG {
            return Err(PkiError::Malformed("KEM request version"));
        }
        let spki_len = usize::from(reader.u16()?);
        check_size(spki_len, MAX_KEM_SPKI_LEN, "KEM SPKI larger than 4 KiB")?;
        let kem_spki_der = reader.take(spki_len)?.to_vec();
        let mut id = || -> Result<EntityId, PkiError> {
            let len = usize::from(reader.u8()?);
            let raw = core::str::from_utf8(reader.take(len)?)
                .map_err(|_| PkiError::Malformed("KEM request id"))?;
            EntityId::new(raw).map_err(|_| PkiError::Malformed("KEM request id"))
        };
        let user_id = id()?;
        let device_id = id()?;
        let mut nonce = [0u8; KEM_REQUEST_NONCE_LEN];
        nonce.copy_from_slice(reader.take(KEM_REQUEST_NONCE_LEN)?);
        let secs =
            i64::try_from(reader.u64()?).map_err(|_| PkiError::Malformed("KEM request time"))?;
        let created_at = OffsetDateTime::from_unix_timestamp(secs)
            .map_err(|_| PkiError::Malformed("KEM request time"))?;
        Ok(Self {
            kem_spki_der,
            identity: DeviceIdentity { user_id, device_id },
            nonce,
            created_at,
        })
    }

    /// Signs the request with the device's certified signature key.
    ///
    /// # Errors
    /// As [`Self::canonical_bytes`]; [`PkiError::Internal`] if signing fails.
    pub fn sign(
        self,
        device_key: &SigningKey,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<SignedKemCertRequest, PkiError> {
        let signature = device_key.sign(&self.canonical_bytes()?, KEM_REQUEST_CONTEXT, rng)?;
        Ok(SignedKemCertRequest {
            request: self,
            signature: signature.as_bytes().to_vec(),
        })
    }
}

/// A [`KemCertRequest`] with the device's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedKemCertRequest {
    request: KemCertRequest,
    signature: Vec<u8>,
}

impl SignedKemCertRequest {
    /// The request.
    #[must_use]
    pub fn request(&self) -> &KemCertRequest {
        &self.request
    }

    /// The transport encoding: canonical request || u16 BE length || signature.
    ///
    /// # Errors
    /// As [`KemCertRequest::canonical_bytes`].
    pub fn to_bytes(&self) -> Result<Vec<u8>, PkiError> {
        let mut out = self.request.canonical_bytes()?;
        let len =
            u16::try_from(self.signature.len()).map_err(|_| PkiError::TooLarge("signature"))?;
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(&self.signature);
        Ok(out)
    }

    /// Parses the transport encoding (at most [`MAX_KEM_REQUEST_LEN`] bytes).
    ///
    /// # Errors
    /// [`PkiError::TooLarge`] or [`PkiError::Malformed`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PkiError> {
        check_size(
            bytes.len(),
            MAX_KEM_REQUEST_LEN,
            "KEM request larger than 16 KiB",
        )?;
        let mut reader = Reader(bytes);
        let request = KemCertRequest::read(&mut reader)?;
        let len = usize::from(reader.u16()?);
        let signature = reader.take(len)?.to_vec();
        reader.finish()?;
        Ok(Self { request, signature })
    }

    /// Checks the request against the device's signature certificate, already validated with
    /// [`crate::validate_end_entity`] for [`CertUsage::DeviceSignature`]: same user and device,
    /// made at most `max_age` before `now` (and at most [`MAX_CLOCK_SKEW`] after it), signed
    /// by the certified key, and naming a valid X-Wing or ML-KEM-768 key.
    ///
    /// # Errors
    /// [`PkiError::WrongUsage`] if `signer` is not a signature certificate,
    /// [`PkiError::IdentityMismatch`] if the request names another user or device,
    /// [`PkiError::StaleRequest`], [`PkiError::BadSignature`], and
    /// [`PkiError::UnsupportedAlgorithm`] / [`PkiError::Malformed`] for the KEM key.
    pub fn verify(
        &self,
        signer: &ValidatedCert,
        now: OffsetDateTime,
        max_age: Duration,
    ) -> Result<VerifiedKemCertRequest, PkiError> {
        let key = signer
            .public_key
            .as_signature()
            .ok_or(PkiError::WrongUsage(
                "KEM requests are signed by a device signature certificate",
            ))?;
        if signer.usage != CertUsage::DeviceSignature {
            return Err(PkiError::WrongUsage(
                "KEM requests are signed by a device signature certificate",
            ));
        }
        if self.request.identity.user_id != signer.user_id
            || self.request.identity.device_id != signer.device_id
        {
            return Err(PkiError::IdentityMismatch(
                "the KEM request names another device than its signer",
            ));
        }
        let age = now - self.request.created_at;
        if age > max_age || age < -MAX_CLOCK_SKEW {
            return Err(PkiError::StaleRequest);
        }
        let signature = Signature::from_bytes(key.algorithm(), &self.signature)
            .map_err(|_| PkiError::BadSignature)?;
        key.verify(
            &self.request.canonical_bytes()?,
            KEM_REQUEST_CONTEXT,
            &signature,
        )
        .map_err(|_| PkiError::BadSignature)?;
        let kem_key = EncapsulationKey::from_spki_der(&self.request.kem_spki_der)?;
        Ok(VerifiedKemCertRequest {
            key: kem_key,
            identity: self.request.identity.clone(),
            nonce: self.request.nonce,
        })
    }
}

/// A KEM certificate request whose signature and identity were checked; only
/// [`SignedKemCertRequest::verify`] makes one.
#[derive(Clone)]
pub struct VerifiedKemCertRequest {
    key: EncapsulationKey,
    identity: DeviceIdentity,
    nonce: [u8; KEM_REQUEST_NONCE_LEN],
}

impl VerifiedKemCertRequest {
    /// The KEM key to certify.
    #[must_use]
    pub fn kem_key(&self) -> &EncapsulationKey {
        &self.key
    }

    /// The device it belongs to.
    #[must_use]
    pub fn identity(&self) -> &DeviceIdentity {
        &self.identity
    }

    /// The request nonce (record it to refuse replays).
    #[must_use]
    pub fn nonce(&self) -> &[u8; KEM_REQUEST_NONCE_LEN] {
        &self.nonce
    }
}

impl fmt::Debug for VerifiedKemCertRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedKemCertRequest")
            .field("algorithm", &self.key.algorithm())
            .field("identity", &self.identity)
            .finish()
    }
}

fn whole_seconds(t: OffsetDateTime) -> Result<OffsetDateTime, PkiError> {
    let secs = i64::try_from(unix_seconds(t)?)
        .map_err(|_| PkiError::InvalidParameter("time out of range"))?;
    OffsetDateTime::from_unix_timestamp(secs)
        .map_err(|_| PkiError::InvalidParameter("time out of range"))
}

/// A bounds-checked big-endian reader.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], PkiError> {
        let (head, rest) = self
            .0
            .split_at_checked(n)
            .ok_or(PkiError::Malformed("truncated KEM request"))?;
        self.0 = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, PkiError> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, PkiError> {
        let mut buf = [0u8; 2];
        buf.copy_from_slice(self.take(2)?);
        Ok(u16::from_be_bytes(buf))
    }

    fn u64(&mut self) -> Result<u64, PkiError> {
        let mut buf = [0u8; 8];
        buf.copy_from_slice(self.take(8)?);
        Ok(u64::from_be_bytes(buf))
    }

    fn finish(&self) -> Result<(), PkiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(PkiError::Malformed("trailing bytes after the KEM request"))
        }
    }
}
