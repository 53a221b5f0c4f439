//! The master key ring (it encrypts the CA private keys in the database), kept in the data
//! directory: `keyring.locked` (Argon2id + AES-256-GCM under `PQBANK_MASTER_PASSPHRASE`) when the
//! passphrase is set, otherwise `keyring.key` (mode 0600, unencrypted, with a loud warning).
//! Key material is never logged.

use std::path::Path;

use pqbank_crypto::{Argon2Params, KemAlgorithm, KeyRing};
use pqbank_service::entropy::{Entropy, random_array};
use rand::SeedableRng;
use rand::rngs::StdRng;
use zeroize::Zeroizing;

use crate::tls::{TlsError, write_private};

/// Environment variable with the passphrase that locks the key ring file.
pub const PASSPHRASE_ENV: &str = "PQBANK_MASTER_PASSPHRASE";
/// Locked key ring file name.
pub const LOCKED_FILE: &str = "keyring.locked";
/// Unencrypted key ring file name.
pub const PLAIN_FILE: &str = "keyring.key";
/// Largest key ring file read.
const MAX_FILE: u64 = 1024 * 1024;

/// Why the key ring could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum KeyRingError {
    /// File problems.
    #[error("{0}")]
    File(#[from] TlsError),
    /// Reading failed.
    #[error("cannot read {path}: {source}")]
    Read {
        /// File.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// Wrong passphrase, damaged file, or no randomness.
    #[error("key ring {0}: {1}")]
    Crypto(String, pqbank_crypto::CryptoError),
    /// A plaintext key ring exists but a passphrase is set, or the reverse is ambiguous.
    #[error("{0}")]
    Mismatch(String),
    /// No randomness.
    #[error("the system random number generator failed")]
    Entropy,
}

fn read(path: &Path) -> Result<Zeroizing<Vec<u8>>, KeyRingError> {
    let err = |source| KeyRingError::Read {
        path: path.display().to_string(),
        source,
    };
    let len = std::fs::metadata(path).map_err(err)?.len();
    if len > MAX_FILE {
        return Err(KeyRingError::Mismatch(format!(
            "{} is larger than 1 MiB",
            path.display()
        )));
    }
    Ok(Zeroizing::new(std::fs::read(path).map_err(err)?))
}

/// Loads the key ring from `data_dir`, creating it on first start. The passphrase comes from
/// [`PASSPHRASE_ENV`] when `passphrase` is `None`.
///
/// # Errors
/// [`KeyRingError`] for unreadable files, a wrong passphrase, or a plaintext file when a
/// passphrase is set (convert it explicitly; pqbank never silently rewrites key material).
pub fn load_or_create(
    data_dir: &Path,
    passphrase: Option<Zeroizing<String>>,
    entropy: &dyn Entropy,
) -> Result<KeyRing, KeyRingError> {
    let passphrase = passphrase.or_else(|| {
        std::env::var(PASSPHRASE_ENV)
            .ok()
            .filter(|p| !p.is_empty())
            .map(Zeroizing::new)
    });
    let locked = data_dir.join(LOCKED_FILE);
    let plain = data_dir.join(PLAIN_FILE);
    let mut rng =
        StdRng::from_seed(random_array::<32>(entropy).map_err(|_| KeyRingError::Entropy)?);
    match passphrase {
        Some(pass) => {
            if locked.exists() {
                let bytes = read(&locked)?;
                return KeyRing::import_locked(&bytes, pass.as_bytes())
                    .map_err(|e| KeyRingError::Crypto(locked.display().to_string(), e));
            }
            if plain.exists() {
                return Err(KeyRingError::Mismatch(format!(
                    "{PASSPHRASE_ENV} is set but {} holds an unencrypted key ring; lock it first",
                    plain.display()
                )));
            }
            let ring = KeyRing::generate(KemAlgorithm::XWing, &mut rng)
                .map_err(|e| KeyRingError::Crypto("generation".into(), e))?;
            let bytes = ring
                .export_locked(pass.as_bytes(), Argon2Params::default(), &mut rng)
                .map_err(|e| KeyRingError::Crypto(locked.display().to_string(), e))?;
            write_private(&locked, &bytes)?;
            tracing::info!(file = %locked.display(), "created the master key ring (passphrase-locked)");
            Ok(ring)
        }
        None => {
            if locked.exists() {
                return Err(KeyRingError::Mismatch(format!(
                    "{} is passphrase-locked: set {PASSPHRASE_ENV}",
                    locked.display()
                )));
            }
            let ring = if plain.exists() {
                let bytes = read(&plain)?;
                KeyRing::import_plain(&bytes)
                    .map_err(|e| KeyRingError::Crypto(plain.display().to_string(), e))?
            } else {
                let ring = KeyRing::generate(KemAlgorithm::XWing, &mut rng)
                    .map_err(|e| KeyRingError::Crypto("generation".into(), e))?;
                write_private(&plain, ring.export_plain().expose())?;
                ring
            };
            tracing::warn!(
                file = %plain.display(),
                "THE MASTER KEY RING IS STORED UNENCRYPTED: anyone who can read this file can \
                 decrypt the CA private keys. Set {PASSPHRASE_ENV} to lock it."
            );
            Ok(ring)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pqbank_service::entropy::OsEntropy;

    #[test]
    fn plain_then_locked_round_trips_and_refuses_mixups() {
        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), None, &OsEntropy).unwrap();
        let b = load_or_create(dir.path(), None, &OsEntropy).unwrap();
        assert_eq!(a.export_plain(), b.export_plain());
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(dir.path().join(PLAIN_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let pass = || Some(Zeroizing::new("correct horse".to_owned()));
        assert!(matches!(
            load_or_create(dir.path(), pass(), &OsEntropy),
            Err(KeyRingError::Mismatch(_))
        ));

        let dir = tempfile::tempdir().unwrap();
        let a = load_or_create(dir.path(), pass(), &OsEntropy).unwrap();
        let b = load_or_create(dir.path(), pass(), &OsEntropy).unwrap();
        assert_eq!(a.export_plain(), b.export_plain());
        let locked = std::fs::read(dir.path().join(LOCKED_FILE)).unwrap();
        let secret = a.export_plain();
        assert!(
            !locked
                .windows(32)
                .any(|w| secret.expose().windows(32).any(|s| s == w))
        );
        assert!(matches!(
            load_or_create(dir.path(), Some(Zeroizing::new("wrong".into())), &OsEntropy),
            Err(KeyRingError::Crypto(..))
        ));
    }
}
