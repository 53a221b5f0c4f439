use pqbank_pki::PkiError;
use pqbank_store::StoreError;
use thiserror::Error;

/// Errors of the use cases. The HTTP edge maps each variant to one status and stable code; the
/// `Internal` details are logged, never shown.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// The request is well-formed but violates a rule.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The object does not exist or is not visible to the caller.
    #[error("not found")]
    NotFound,
    /// A conflicting state (duplicate id with other content, stale version).
    #[error("conflict: {0}")]
    Conflict(String),
    /// A certificate, CSR, CRL or certificate request was refused (the reason is safe to show).
    #[error("certificate error: {0}")]
    Certificate(#[from] PkiError),
    /// Authentication failed (the reason maps to 401 or 403 and a stable code).
    #[error("authentication failed: {0}")]
    Unauthorized(crate::identity::AuthFailure),
    /// A business rule refused the request (422 with this stable code).
    #[error("refused ({code}): {detail}")]
    Refused {
        /// Stable snake_case code.
        code: &'static str,
        /// Human-readable explanation (no internals).
        detail: String,
    },
    /// A conflict with a stable code (409), e.g. `idempotency_conflict`.
    #[error("conflict ({code}): {detail}")]
    ConflictWith {
        /// Stable snake_case code.
        code: &'static str,
        /// Explanation.
        detail: String,
    },
    /// The caller may not do this (stable code).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// The account is locked after repeated failures.
    #[error("account locked")]
    Locked {
        /// No login before this time.
        until: time::OffsetDateTime,
    },
    /// Too many attempts from this client.
    #[error("too many requests")]
    RateLimited,
    /// The database is not reachable right now.
    #[error("service unavailable")]
    Unavailable(#[source] StoreError),
    /// Anything unexpected.
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(m) => ServiceError::Conflict(m.to_owned()),
            StoreError::Invalid(m) => ServiceError::Invalid(m.to_owned()),
            StoreError::NotFound(_) => ServiceError::NotFound,
            e if e.is_unstorable_text() => {
                ServiceError::Invalid("text must not contain NUL characters".to_owned())
            }
            e if e.is_unavailable() => ServiceError::Unavailable(e),
            other => ServiceError::Internal(Box::new(other)),
        }
    }
}
