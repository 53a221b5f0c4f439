//! [`SignaturePolicy`]: which signature algorithm new keys use and which ones are accepted.

use super::{Signature, VerifyingKey};
use crate::CryptoError;
use crate::registry::SignatureAlgorithm;

/// The default algorithm for new keys and the set of algorithms accepted when verifying.
///
/// The default policy signs with ML-DSA-65 + Ed25519 and accepts the three composites only:
/// classical-only and pure ML-DSA keys have to be allowed explicitly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignaturePolicy {
    default: SignatureAlgorithm,
    /// Sorted, without duplicates, contains `default`.
    allowed: Vec<SignatureAlgorithm>,
}

impl SignaturePolicy {
    /// A policy with `default` for new keys, accepting `allowed` (duplicates are ignored).
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if `default` is not in `allowed`.
    pub fn new(
        default: SignatureAlgorithm,
        allowed: impl IntoIterator<Item = SignatureAlgorithm>,
    ) -> Result<Self, CryptoError> {
        let mut allowed: Vec<_> = allowed.into_iter().collect();
        allowed.sort_unstable();
        allowed.dedup();
        if !allowed.contains(&default) {
            return Err(CryptoError::UnsupportedAlgorithm(format!(
                "default {default} is not in the allowed set"
            )));
        }
        Ok(Self { default, allowed })
    }

    /// Builds a policy from stable ids (e.g. read from configuration).
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] for an unknown id, too many ids, or a default that
    /// is not allowed.
    pub fn from_ids<S: AsRef<str>>(default: &str, allowed: &[S]) -> Result<Self, CryptoError> {
        // Each algorithm at most a few times: a bound on configuration input.
        if allowed.len() > 4 * SignatureAlgorithm::ALL.len() {
            return Err(CryptoError::UnsupportedAlgorithm(
                "too many allowed algorithms".into(),
            ));
        }
        let allowed = allowed
            .iter()
            .map(|id| SignatureAlgorithm::from_id(id.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(SignatureAlgorithm::from_id(default)?, allowed)
    }

    /// The algorithm for new keys.
    #[must_use]
    pub fn default_algorithm(&self) -> SignatureAlgorithm {
        self.default
    }

    /// The accepted algorithms, sorted.
    #[must_use]
    pub fn allowed(&self) -> &[SignatureAlgorithm] {
        &self.allowed
    }

    /// Whether `alg` is accepted.
    #[must_use]
    pub fn is_allowed(&self, alg: SignatureAlgorithm) -> bool {
        self.allowed.binary_search(&alg).is_ok()
    }

    /// `Ok` if `alg` is accepted.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] if it is not.
    pub fn check(&self, alg: SignatureAlgorithm) -> Result<(), CryptoError> {
        if self.is_allowed(alg) {
            Ok(())
        } else {
            Err(CryptoError::UnsupportedAlgorithm(format!(
                "{alg} is not allowed by the signature policy"
            )))
        }
    }

    /// Checks that the key's algorithm is accepted, then verifies.
    ///
    /// # Errors
    /// [`CryptoError::UnsupportedAlgorithm`] for a refused algorithm, otherwise as
    /// [`VerifyingKey::verify`].
    pub fn verify(
        &self,
        key: &VerifyingKey,
        msg: &[u8],
        ctx: &[u8],
        sig: &Signature,
    ) -> Result<(), CryptoError> {
        self.check(key.algorithm())?;
        key.verify(msg, ctx, sig)
    }
}

impl Default for SignaturePolicy {
    fn default() -> Self {
        Self {
            default: SignatureAlgorithm::default(),
            allowed: SignatureAlgorithm::COMPOSITES.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_accepts_composites_only() {
        let policy = SignaturePolicy::default();
        assert_eq!(
            policy.default_algorithm(),
            SignatureAlgorithm::MlDsa65Ed25519
        );
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(policy.is_allowed(alg), alg.is_composite(), "{alg}");
            assert_eq!(policy.check(alg).is_ok(), alg.is_composite());
        }
        let rebuilt = SignaturePolicy::new(
            SignatureAlgorithm::MlDsa65Ed25519,
            SignatureAlgorithm::COMPOSITES,
        );
        assert_eq!(rebuilt, Ok(policy));
    }

    #[test]
    fn from_ids() {
        let policy =
            SignaturePolicy::from_ids("mldsa65", &["ed25519", "mldsa65", "mldsa65"]).unwrap();
        assert_eq!(policy.default_algorithm(), SignatureAlgorithm::MlDsa65);
        assert_eq!(
            policy.allowed(),
            &[SignatureAlgorithm::MlDsa65, SignatureAlgorithm::Ed25519]
        );
        assert!(SignaturePolicy::from_ids("mldsa65", &["ed25519"]).is_err());
        assert!(SignaturePolicy::from_ids("mldsa65", &["mldsa65", "bogus"]).is_err());
        assert!(SignaturePolicy::from_ids("bogus", &["mldsa65"]).is_err());
        assert!(SignaturePolicy::from_ids::<&str>("mldsa65", &[]).is_err());
        let many = vec!["mldsa65"; 100];
        assert!(SignaturePolicy::from_ids("mldsa65", &many).is_err());
    }
}
