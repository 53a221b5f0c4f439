//! [`SecretBytes`]: an owned byte string that holds key material.
//!
//! It is zeroed on drop, never printed (its `Debug` output only shows the length), and compared
//! in constant time. Both the signature and the KEM halves of the crate hand secrets out in it.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, Zeroizing};

/// Secret key material: zeroized on drop, redacted `Debug`, constant-time equality.
#[derive(Clone, Default)]
pub struct SecretBytes(Zeroizing<Vec<u8>>);

impl SecretBytes {
    /// Takes ownership of `bytes` (no copy is left behind).
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self(Zeroizing::new(bytes))
    }

    /// Copies `bytes` into a new secret; the caller stays responsible for its own copy.
    #[must_use]
    pub fn from_slice(bytes: &[u8]) -> Self {
        Self::new(bytes.to_vec())
    }

    /// The secret bytes. Keep the borrow short and do not copy them out unprotected.
    #[must_use]
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// Number of bytes.
    #[must_use]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True if there are no bytes.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::new(bytes)
    }
}

impl<const N: usize> From<[u8; N]> for SecretBytes {
    fn from(mut bytes: [u8; N]) -> Self {
        let secret = Self::from_slice(&bytes);
        bytes.zeroize();
        secret
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretBytes([REDACTED; {}])", self.0.len())
    }
}

impl ConstantTimeEq for SecretBytes {
    /// Constant time in the contents; the lengths are not secret.
    fn ct_eq(&self, other: &Self) -> subtle::Choice {
        self.0.as_slice().ct_eq(other.0.as_slice())
    }
}

impl PartialEq for SecretBytes {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for SecretBytes {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = SecretBytes::from([0xAB_u8; 4]);
        let shown = format!("{secret:?}");
        assert_eq!(shown, "SecretBytes([REDACTED; 4])");
        assert!(!shown.contains("ab") && !shown.contains("171"));
    }

    #[test]
    fn equality_compares_contents_and_length() {
        let a = SecretBytes::from_slice(b"key material");
        assert_eq!(a, SecretBytes::from_slice(b"key material"));
        assert_ne!(a, SecretBytes::from_slice(b"key materiaL"));
        assert_ne!(a, SecretBytes::from_slice(b"key"));
        assert_eq!(a.len(), 12);
        assert!(!a.is_empty());
        assert!(SecretBytes::default().is_empty());
        assert_eq!(a.expose(), b"key material");
    }
}
