//! SubjectPublicKeyInfo (RFC 5280) and OneAsymmetricKey / PKCS#8 (RFC 5958) for the KEMs.
//!
//! - ML-KEM-768 follows RFC 9935: the public key is the raw 1184-byte key, the private key the
//!   `ML-KEM-768-PrivateKey` CHOICE; pqbank writes the `seed [0]` form and reads `seed` and `both`
//!   (checking that the expanded key matches the seed). `expandedKey` alone is refused: it cannot be
//!   turned back into a seed.
//! - X-Wing is written under the composite KEM OID 1.3.6.1.5.5.7.6.58
//!   (id-MLKEM768-X25519-SHA3-256), whose public key, ciphertext and shared secret are X-Wing's;
//!   its private key is the raw 96 bytes `d || z || sk_X`. Keys under X-Wing's own OID
//!   (1.3.6.1.4.1.62253.25722, 32-byte seed) are read as well.

use der::asn1::{BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use pkcs8::PrivateKeyInfoRef;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroize;

use crate::error::CryptoError;
use crate::secret::SecretBytes;

/// id-MLKEM768-X25519-SHA3-256 (draft-ietf-lamps-pq-composite-kem).
pub(crate) const OID_COMPOSITE_MLKEM768_X25519: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.6.58");
/// id-XWing (draft-connolly-cfrg-xwing-kem §5.8).
pub(crate) const OID_XWING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.4.1.62253.25722");
/// id-alg-ml-kem-768 (RFC 9935).
pub(crate) const OID_MLKEM768: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.4.2");

/// Upper bound on any DER input accepted here (the largest legitimate one, an ML-KEM `both`
/// private key, is about 2.5 KB).
const MAX_DER_LEN: usize = 8 * 1024;

/// DER prefix of the ML-KEM `seed [0] IMPLICIT OCTET STRING (SIZE (64))` choice.
const MLKEM_SEED_PREFIX: [u8; 2] = [0x80, 0x40];
/// DER prefix of the `both` choice: SEQUENCE (2470 bytes) { OCTET STRING (64) ...
const MLKEM_BOTH_PREFIX: [u8; 6] = [0x30, 0x82, 0x09, 0xa6, 0x04, 0x40];
/// ... followed by OCTET STRING (2400) holding the expanded key.
const MLKEM_BOTH_EXPANDED_PREFIX: [u8; 4] = [0x04, 0x82, 0x09, 0x60];

fn der_err(_: der::Error) -> CryptoError {
    CryptoError::Malformed("DER encoding")
}

fn check_len(der: &[u8]) -> Result<(), CryptoError> {
    if der.len() > MAX_DER_LEN {
        Err(CryptoError::TooLarge("DER key"))
    } else {
        Ok(())
    }
}

/// Encodes a SubjectPublicKeyInfo with absent parameters.
pub(crate) fn encode_spki(oid: ObjectIdentifier, key: &[u8]) -> Result<Vec<u8>, CryptoError> {
    SubjectPublicKeyInfoRef {
        algorithm: AlgorithmIdentifierRef {
            oid,
            parameters: None,
        },
        subject_public_key: BitStringRef::from_bytes(key).map_err(der_err)?,
    }
    .to_der()
    .map_err(der_err)
}

/// Decodes a SubjectPublicKeyInfo: (algorithm OID, raw key). Parameters must be absent.
pub(crate) fn decode_spki(der: &[u8]) -> Result<(ObjectIdentifier, &[u8]), CryptoError> {
    check_len(der)?;
    let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(der_err)?;
    if spki.algorithm.parameters.is_some() {
        return Err(CryptoError::Malformed("KEM key parameters must be absent"));
    }
    let key = spki
        .subject_public_key
        .as_bytes()
        .ok_or(CryptoError::Malformed(
            "public key BIT STRING has unused bits",
        ))?;
    Ok((spki.algorithm.oid, key))
}

/// Encodes a version 1 OneAsymmetricKey (no attributes, no public key) into zeroizing memory.
pub(crate) fn encode_pkcs8(
    oid: ObjectIdentifier,
    private_key: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let info = PrivateKeyInfoRef::new(
        AlgorithmIdentifierRef {
            oid,
            parameters: None,
        },
        OctetStringRef::new(private_key).map_err(der_err)?,
    );
    let len = usize::try_from(info.encoded_len().map_err(der_err)?).map_err(der_err)?;
    let mut out = vec![0u8; len];
    let written = info.encode_to_slice(&mut out).map(<[u8]>::len);
    if written != Ok(len) {
        out.zeroize();
        return Err(CryptoError::Internal("PKCS#8 encoding"));
    }
    Ok(SecretBytes::new(out))
}

/// A decoded OneAsymmetricKey, borrowing from the input.
pub(crate) struct Pkcs8<'a> {
    pub(crate) oid: ObjectIdentifier,
    pub(crate) private_key: &'a [u8],
    pub(crate) public_key: Option<&'a [u8]>,
}

/// Decodes a OneAsymmetricKey (v1 or v2). Parameters must be absent.
pub(crate) fn decode_pkcs8(der: &[u8]) -> Result<Pkcs8<'_>, CryptoError> {
    check_len(der)?;
    let info = PrivateKeyInfoRef::from_der(der).map_err(|_| CryptoError::Malformed("PKCS#8"))?;
    if info.algorithm.parameters.is_some() {
        return Err(CryptoError::Malformed("KEM key parameters must be absent"));
    }
    let public_key = match info.public_key {
        Some(bits) => Some(bits.as_bytes().ok_or(CryptoError::Malformed(
            "public key BIT STRING has unused bits",
        ))?),
        None => None,
    };
    Ok(Pkcs8 {
        oid: info.algorithm.oid,
        private_key: info.private_key.as_bytes(),
        public_key,
    })
}

/// The RFC 9935 `seed [0]` encoding of an ML-KEM seed.
pub(crate) fn mlkem_seed_choice(seed: &[u8]) -> SecretBytes {
    let mut out = Vec::with_capacity(MLKEM_SEED_PREFIX.len() + seed.len());
    out.extend_from_slice(&MLKEM_SEED_PREFIX);
    out.extend_from_slice(seed);
    SecretBytes::new(out)
}

/// The forms of RFC 9935 `ML-KEM-768-PrivateKey` pqbank reads.
pub(crate) enum MlKemPrivateKey<'a> {
    /// `seed [0]`.
    Seed(&'a [u8]),
    /// `both`: seed and the expanded key that must match it.
    Both { seed: &'a [u8], expanded: &'a [u8] },
}

/// Parses the ML-KEM-768 private key CHOICE. Every field has a fixed length, so each DER form has
/// exactly one byte layout and matching it is a complete parse.
pub(crate) fn parse_mlkem_private_key(
    bytes: &[u8],
    seed_len: usize,
    expanded_len: usize,
) -> Result<MlKemPrivateKey<'_>, CryptoError> {
    if let Some(seed) = bytes.strip_prefix(&MLKEM_SEED_PREFIX)
        && seed.len() == seed_len
    {
        return Ok(MlKemPrivateKey::Seed(seed));
    }
    if let Some(rest) = bytes.strip_prefix(&MLKEM_BOTH_PREFIX)
        && rest.len() == seed_len + MLKEM_BOTH_EXPANDED_PREFIX.len() + expanded_len
        && let Some((seed, rest)) = rest.split_at_checked(seed_len)
        && let Some(expanded) = rest.strip_prefix(&MLKEM_BOTH_EXPANDED_PREFIX)
    {
        return Ok(MlKemPrivateKey::Both { seed, expanded });
    }
    if bytes.first() == Some(&0x04) {
        return Err(CryptoError::InvalidKey(
            "expanded-only ML-KEM private keys are not supported; use the seed form",
        ));
    }
    Err(CryptoError::Malformed("ML-KEM-768 private key"))
}
