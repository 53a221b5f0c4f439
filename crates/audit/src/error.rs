//! Errors raised by pluggable back ends (node stores, signers, signature checkers).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// An error reported by an implementation of one of this crate's traits (for example a
/// database-backed [`crate::NodeStore`] or an HSM-backed [`crate::NoteSigner`]).
#[derive(Clone)]
pub struct ExternalError(Arc<dyn StdError + Send + Sync + 'static>);

impl ExternalError {
    /// Wraps any error.
    pub fn new(err: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        Self(Arc::from(err.into()))
    }

    /// Creates an error from a message.
    pub fn msg(message: impl fmt::Display) -> Self {
        Self::new(message.to_string())
    }

    /// The wrapped error.
    pub fn inner(&self) -> &(dyn StdError + Send + Sync + 'static) {
        self.0.as_ref()
    }
}

impl fmt::Debug for ExternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("ExternalError").field(&self.0).finish()
    }
}

impl fmt::Display for ExternalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl StdError for ExternalError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.0.source()
    }
}
