//! Shared DER / PEM helpers: size-limited decoding, PEM framing and the generic
//! "to-be-signed, algorithm, signature" split of certificates, CRLs and CSRs.

use der::asn1::{AnyRef, BitStringRef};
use der::pem::LineEnding;
use der::{Decode, Encode, Sequence};
use pqbank_crypto::sig::VerifyingKey;
use spki::AlgorithmIdentifierRef;

use crate::PkiError;
use crate::alg::verify_x509_signature;

/// Any signed X.509 object (`Certificate`, `CertificateList`, `CertificationRequest`): the
/// to-be-signed part as it was encoded, the signature algorithm and the signature.
#[derive(Sequence)]
pub(crate) struct SignedRef<'a> {
    /// The exact to-be-signed TLV.
    pub(crate) tbs: AnyRef<'a>,
    /// The signature `AlgorithmIdentifier`.
    pub(crate) algorithm: AlgorithmIdentifierRef<'a>,
    /// The signature.
    pub(crate) signature: BitStringRef<'a>,
}

impl SignedRef<'_> {
    /// Verifies the signature with `key` over the to-be-signed bytes exactly as they were
    /// received (DER is canonical and `der` only accepts minimal lengths, so re-encoding the
    /// TLV gives back the received bytes).
    pub(crate) fn verify(&self, key: &VerifyingKey) -> Result<(), PkiError> {
        let tbs = self
            .tbs
            .to_der()
            .map_err(|_| PkiError::Malformed("to-be-signed structure"))?;
        let signature = self
            .signature
            .as_bytes()
            .ok_or(PkiError::Malformed("signature BIT STRING"))?;
        verify_x509_signature(key, &self.algorithm, &tbs, signature)
    }
}

/// Splits a signed object (after the size check).
pub(crate) fn split_signed<'a>(
    der: &'a [u8],
    what: &'static str,
) -> Result<SignedRef<'a>, PkiError> {
    SignedRef::from_der(der).map_err(|_| PkiError::Malformed(what))
}

/// Refuses inputs above `max` bytes before any parsing.
pub(crate) fn check_size(len: usize, max: usize, what: &'static str) -> Result<(), PkiError> {
    if len > max {
        Err(PkiError::TooLarge(what))
    } else {
        Ok(())
    }
}

/// True if `input` looks like PEM (starts with `-----BEGIN` after whitespace).
pub(crate) fn is_pem(input: &[u8]) -> bool {
    input.trim_ascii_start().starts_with(b"-----BEGIN ")
}

/// Decodes one PEM block with `label`, refusing more than `max_der` bytes of DER (the PEM text
/// itself may be at most twice that, which leaves room for base64 and line breaks).
pub(crate) fn pem_decode(
    pem: &[u8],
    label: &'static str,
    max_der: usize,
    what: &'static str,
) -> Result<Vec<u8>, PkiError> {
    check_size(pem.len(), max_der.saturating_mul(2), what)?;
    let (found, der) =
        der::pem::decode_vec(pem.trim_ascii()).map_err(|_| PkiError::Malformed(what))?;
    if found != label {
        return Err(PkiError::Malformed(what));
    }
    check_size(der.len(), max_der, what)?;
    Ok(der)
}

/// PEM text (LF line endings) of `der` under `label`.
pub(crate) fn pem_encode(label: &'static str, der: &[u8]) -> Result<String, PkiError> {
    der::pem::encode_string(label, LineEnding::LF, der).map_err(|_| PkiError::Internal("PEM"))
}
