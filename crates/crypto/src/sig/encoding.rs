//! X.509 `SubjectPublicKeyInfo` (RFC 5280) and PKCS#8 `OneAsymmetricKey` (RFC 5958) framing.
//!
//! ML-DSA (RFC 9881), the composites (draft-ietf-lamps-pq-composite-sigs-19) and Ed25519
//! (RFC 8410) use their own OID with absent parameters. ECDSA keys use `id-ecPublicKey` with the
//! named curve P-256 (RFC 5480) and RSA keys `rsaEncryption` with NULL parameters (RFC 8017), as
//! everybody else does; the registry OIDs of those two name the signature algorithms.

use der::asn1::{AnyRef, BitStringRef, ObjectIdentifier, OctetStringRef};
use der::{Decode, Encode};
use pkcs8::PrivateKeyInfoRef;
use spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};

use super::classical::P256_OID;
use crate::CryptoError;
use crate::registry::SignatureAlgorithm;
use crate::secret::SecretBytes;

const ID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// Upper bound on accepted SPKI / PKCS#8 documents (the largest key here is under 4 KiB).
pub(crate) const MAX_DER_LEN: usize = 8192;

/// The key `AlgorithmIdentifier` of `alg`.
fn algorithm_identifier(
    alg: SignatureAlgorithm,
) -> Result<AlgorithmIdentifierRef<'static>, CryptoError> {
    Ok(match alg {
        SignatureAlgorithm::EcdsaP256Sha256 => AlgorithmIdentifierRef {
            oid: ID_EC_PUBLIC_KEY,
            parameters: Some(AnyRef::from(&P256_OID)),
        },
        SignatureAlgorithm::Rsa3072PssSha256 => AlgorithmIdentifierRef {
            oid: RSA_ENCRYPTION,
            parameters: Some(AnyRef::NULL),
        },
        _ => AlgorithmIdentifierRef {
            oid: ObjectIdentifier::new(alg.oid()).map_err(|_| CryptoError::Internal("OID"))?,
            parameters: None,
        },
    })
}

/// The algorithm whose key `AlgorithmIdentifier` is `id` (parameters must match exactly).
fn algorithm_from_identifier(
    id: &AlgorithmIdentifierRef<'_>,
) -> Result<SignatureAlgorithm, CryptoError> {
    let alg = match id.oid {
        ID_EC_PUBLIC_KEY => SignatureAlgorithm::EcdsaP256Sha256,
        RSA_ENCRYPTION => SignatureAlgorithm::Rsa3072PssSha256,
        oid => {
            let oid = oid.to_string();
            let alg = SignatureAlgorithm::from_oid(&oid)?;
            if matches!(
                alg,
                SignatureAlgorithm::EcdsaP256Sha256 | SignatureAlgorithm::Rsa3072PssSha256
            ) {
                // Signature-algorithm OIDs do not identify keys.
                return Err(CryptoError::UnsupportedAlgorithm(oid));
            }
            alg
        }
    };
    if *id != algorithm_identifier(alg)? {
        return Err(CryptoError::Malformed("AlgorithmIdentifier parameters"));
    }
    Ok(alg)
}

/// DER `SubjectPublicKeyInfo` for a raw public key.
pub(crate) fn encode_spki(alg: SignatureAlgorithm, raw: &[u8]) -> Result<Vec<u8>, CryptoError> {
    SubjectPublicKeyInfoRef {
        algorithm: algorithm_identifier(alg)?,
        subject_public_key: BitStringRef::from_bytes(raw)
            .map_err(|_| CryptoError::Internal("DER"))?,
    }
    .to_der()
    .map_err(|_| CryptoError::Internal("DER"))
}

/// Splits a DER `SubjectPublicKeyInfo` into the algorithm and the raw public key.
pub(crate) fn decode_spki(der: &[u8]) -> Result<(SignatureAlgorithm, &[u8]), CryptoError> {
    if der.len() > MAX_DER_LEN {
        return Err(CryptoError::TooLarge("SubjectPublicKeyInfo"));
    }
    let spki = SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|_| CryptoError::Malformed("SubjectPublicKeyInfo"))?;
    let alg = algorithm_from_identifier(&spki.algorithm)?;
    let raw = spki
        .subject_public_key
        .as_bytes()
        .ok_or(CryptoError::Malformed("public key BIT STRING"))?;
    Ok((alg, raw))
}

/// DER `OneAsymmetricKey` (version 1, no public key) around `private_key`.
pub(crate) fn encode_pkcs8(
    alg: SignatureAlgorithm,
    private_key: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let private_key = OctetStringRef::new(private_key).map_err(|_| CryptoError::Internal("DER"))?;
    PrivateKeyInfoRef::new(algorithm_identifier(alg)?, private_key)
        .to_der()
        .map(SecretBytes::new)
        .map_err(|_| CryptoError::Internal("DER"))
}

/// Parses a DER `OneAsymmetricKey` and identifies its algorithm.
pub(crate) fn decode_pkcs8(
    der: &[u8],
) -> Result<(SignatureAlgorithm, PrivateKeyInfoRef<'_>), CryptoError> {
    if der.len() > MAX_DER_LEN {
        return Err(CryptoError::TooLarge("PKCS#8 document"));
    }
    let info =
        PrivateKeyInfoRef::from_der(der).map_err(|_| CryptoError::Malformed("PKCS#8 document"))?;
    let alg = algorithm_from_identifier(&info.algorithm)?;
    Ok((alg, info))
}
