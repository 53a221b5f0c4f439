//! [`PkiError`]: everything that can go wrong in pqbank-pki.
//!
//! The variants are stable: the service layer maps them to API problem codes. Messages never
//! contain key material and are bounded in length.

use pqbank_crypto::CryptoError;

use crate::crl::RevocationReason;

/// Everything that can go wrong in pqbank-pki.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PkiError {
    /// A DER / PEM structure (certificate, CSR, CRL, key, request) could not be decoded or
    /// violates the profile.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// An input exceeds its size limit (the message names the input and the limit).
    #[error("input too large: {0}")]
    TooLarge(&'static str),
    /// The algorithm (OID) is not one pqbank certifies or accepts here.
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// A CSR is not signed by the private key of the public key it contains.
    #[error("proof of possession failed: the request is not signed by its own key")]
    BadProofOfPossession,
    /// A certificate, CRL or request signature does not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// A certificate in the chain is past its notAfter at the validation time.
    #[error("certificate expired")]
    Expired,
    /// A certificate in the chain is before its notBefore at the validation time.
    #[error("certificate not yet valid")]
    NotYetValid,
    /// The certificate is revoked.
    #[error("certificate revoked ({reason})")]
    Revoked {
        /// The RFC 5280 reason code given by the CRL (unspecified if absent).
        reason: RevocationReason,
    },
    /// No usable CRL covers the certificate (fail closed).
    #[error("revocation status unknown")]
    RevocationUnknown,
    /// The CRL is past its nextUpdate at the validation time.
    #[error("CRL expired")]
    CrlExpired,
    /// The certificate does not chain to the configured issuing CA and root.
    #[error("unknown issuer")]
    UnknownIssuer,
    /// The certificate is not valid for the requested use (key usage, extended key usage, CA
    /// flag, key type).
    #[error("wrong usage: {0}")]
    WrongUsage(&'static str),
    /// The certificate or request names another user or device than expected.
    #[error("identity mismatch: {0}")]
    IdentityMismatch(&'static str),
    /// A signed request is older than allowed or dated in the future.
    #[error("request outside its validity window")]
    StaleRequest,
    /// A parameter given by the caller is unusable (validity order, serial length, names).
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// The path is invalid for a reason not covered above (the webpki error, for logs).
    #[error("invalid certificate path: {0}")]
    InvalidPath(String),
    /// The signing key or an encoder failed (no details leak).
    #[error("internal error: {0}")]
    Internal(&'static str),
}

impl From<CryptoError> for PkiError {
    fn from(err: CryptoError) -> Self {
        match err {
            CryptoError::UnsupportedAlgorithm(alg) => Self::UnsupportedAlgorithm(alg),
            CryptoError::InvalidKey(_) => Self::Malformed("public key"),
            CryptoError::Malformed(what) => Self::Malformed(what),
            CryptoError::BadSignature => Self::BadSignature,
            CryptoError::TooLarge(what) => Self::TooLarge(what),
            CryptoError::InvalidParameter(what) => Self::InvalidParameter(what),
            _ => Self::Internal("cryptographic operation failed"),
        }
    }
}

/// `der` errors only arise from malformed input or encoder failures; callers pick the context.
pub(crate) fn malformed(what: &'static str) -> impl Fn(der::Error) -> PkiError {
    move |_| PkiError::Malformed(what)
}

/// Encoder failures on values we built ourselves.
pub(crate) fn internal(what: &'static str) -> impl Fn(der::Error) -> PkiError {
    move |_| PkiError::Internal(what)
}
