//! The injected randomness source. Production uses the operating system's CSPRNG through
//! aws-lc-rs ([`OsEntropy`]); tests use [`SeededEntropy`], a deterministic SHA-256 counter stream.

use std::fmt::Debug;
use std::sync::Mutex;

use aws_lc_rs::digest;

/// A cryptographically secure source of random bytes.
pub trait Entropy: Send + Sync + Debug {
    /// Fills `dest` with random bytes. Failing to get randomness is unrecoverable for a bank, so
    /// implementations return an error the caller turns into a refusal.
    fn fill(&self, dest: &mut [u8]) -> Result<(), EntropyError>;

    /// `N` random bytes.
    fn array<const N: usize>(&self) -> Result<[u8; N], EntropyError>
    where
        Self: Sized,
    {
        let mut out = [0u8; N];
        self.fill(&mut out)?;
        Ok(out)
    }
}

/// The entropy source failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the system random number generator failed")]
pub struct EntropyError;

/// `N` random bytes from a trait object.
pub fn random_array<const N: usize>(e: &dyn Entropy) -> Result<[u8; N], EntropyError> {
    let mut out = [0u8; N];
    e.fill(&mut out)?;
    Ok(out)
}

/// The operating system's CSPRNG (via aws-lc-rs).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsEntropy;

impl Entropy for OsEntropy {
    fn fill(&self, dest: &mut [u8]) -> Result<(), EntropyError> {
        aws_lc_rs::rand::fill(dest).map_err(|_| EntropyError)
    }
}

/// Deterministic stream for tests: block i = SHA-256(seed || i). Never use in production.
#[derive(Debug)]
pub struct SeededEntropy {
    state: Mutex<(Vec<u8>, u64)>,
}

impl SeededEntropy {
    /// A stream determined by `seed`.
    pub fn new(seed: &[u8]) -> Self {
        Self {
            state: Mutex::new((seed.to_vec(), 0)),
        }
    }
}

impl Entropy for SeededEntropy {
    fn fill(&self, dest: &mut [u8]) -> Result<(), EntropyError> {
        let mut st = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for chunk in dest.chunks_mut(32) {
            let mut ctx = digest::Context::new(&digest::SHA256);
            ctx.update(&st.0);
            ctx.update(&st.1.to_be_bytes());
            st.1 = st.1.wrapping_add(1);
            let block = ctx.finish();
            chunk.copy_from_slice(&block.as_ref()[..chunk.len()]);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_is_deterministic_and_seed_dependent() {
        let a: [u8; 80] = SeededEntropy::new(b"a").array().unwrap();
        let a2: [u8; 80] = SeededEntropy::new(b"a").array().unwrap();
        let b: [u8; 80] = SeededEntropy::new(b"b").array().unwrap();
        assert_eq!(a, a2);
        assert_ne!(a, b);
        let s = SeededEntropy::new(b"a");
        let x: [u8; 16] = s.array().unwrap();
        let y: [u8; 16] = s.array().unwrap();
        assert_ne!(x, y, "successive draws differ");
    }

    #[test]
    fn os_entropy_is_not_constant() {
        let x = random_array::<32>(&OsEntropy).unwrap();
        let y = random_array::<32>(&OsEntropy).unwrap();
        assert_ne!(x, y);
    }
}
