//! Errors of the crypto crate. Messages never contain secret material.

/// Everything that can go wrong in pqbank-crypto.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CryptoError {
    /// The algorithm id, name or OID is not in the registry (or not allowed here).
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    /// A key could not be decoded or failed validation.
    #[error("invalid key: {0}")]
    InvalidKey(&'static str),
    /// An encoding (DER, PEM, raw) is malformed or has the wrong length.
    #[error("malformed encoding: {0}")]
    Malformed(&'static str),
    /// A signature did not verify.
    #[error("signature verification failed")]
    BadSignature,
    /// Decryption or decapsulation failed (authentication tag, ciphertext).
    #[error("decryption failed")]
    DecryptionFailed,
    /// A key version named by a ciphertext is not in the key ring.
    #[error("unknown key version {0}")]
    UnknownKeyVersion(u32),
    /// An input exceeds a documented limit.
    #[error("input too large: {0}")]
    TooLarge(&'static str),
    /// A parameter is out of its allowed range (e.g. Argon2id costs below the floor).
    #[error("invalid parameter: {0}")]
    InvalidParameter(&'static str),
    /// The underlying library reported an internal failure (no details leak).
    #[error("cryptographic operation failed: {0}")]
    Internal(&'static str),
}
