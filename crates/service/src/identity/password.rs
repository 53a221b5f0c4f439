//! Password and one-time-code hashing: Argon2id at (at least) OWASP ASVS 5.0's minimum
//! (m = 19 MiB, t = 2, p = 1), a list of common passwords, and a dummy hash so unknown
//! usernames cost the same as wrong passwords.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use pqbank_domain::Password;

use crate::ServiceError;

/// Memory cost in KiB.
pub const M_COST_KIB: u32 = 19 * 1024;
/// Passes.
pub const T_COST: u32 = 2;
/// Lanes.
pub const P_COST: u32 = 1;

const COMMON: &str = include_str!("common-passwords.txt");

fn argon2() -> Result<Argon2<'static>, ServiceError> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, Some(32))
        .map_err(|e| ServiceError::Internal(e.to_string().into()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Refuses passwords from the common-password list (case-insensitive) and passwords that
/// contain the username.
///
/// # Errors
/// [`ServiceError::Invalid`] with a message safe to show.
pub fn check_policy(password: &Password, username: &str) -> Result<(), ServiceError> {
    let lower = password.expose().to_lowercase();
    if COMMON
        .lines()
        .any(|l| !l.is_empty() && l.eq_ignore_ascii_case(&lower))
    {
        return Err(ServiceError::Invalid(
            "this password is too common; choose another one".into(),
        ));
    }
    if lower.contains(&username.to_lowercase()) {
        return Err(ServiceError::Invalid(
            "the password must not contain the username".into(),
        ));
    }
    Ok(())
}

/// Hashes a secret with Argon2id and a random 16-byte salt; returns the PHC string.
///
/// # Errors
/// [`ServiceError::Internal`] if hashing fails.
pub fn hash(secret: &[u8], salt: &[u8; 16]) -> Result<String, ServiceError> {
    let salt =
        SaltString::encode_b64(salt).map_err(|e| ServiceError::Internal(e.to_string().into()))?;
    Ok(argon2()?
        .hash_password(secret, &salt)
        .map_err(|e| ServiceError::Internal(e.to_string().into()))?
        .to_string())
}

/// Checks a secret against a PHC string in constant time. A malformed hash is a mismatch.
pub fn verify(secret: &[u8], phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().is_ok_and(|a| a.verify_password(secret, &parsed).is_ok())
}

/// [`verify`] on the blocking pool (Argon2id takes tens of milliseconds). Without a stored
/// hash the dummy hash is used, so a missing user or code costs the same and never matches.
///
/// # Errors
/// [`ServiceError::Internal`] if the blocking task fails.
pub async fn verify_blocking(secret: &[u8], phc: Option<String>) -> Result<bool, ServiceError> {
    let secret = zeroize::Zeroizing::new(secret.to_vec());
    let phc = phc.unwrap_or_else(|| dummy_hash().to_owned());
    tokio::task::spawn_blocking(move || verify(&secret, &phc))
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))
}

/// [`hash`] on the blocking pool.
///
/// # Errors
/// [`ServiceError::Internal`] if hashing or the blocking task fails.
pub async fn hash_blocking(secret: &[u8], salt: [u8; 16]) -> Result<String, ServiceError> {
    let secret = zeroize::Zeroizing::new(secret.to_vec());
    tokio::task::spawn_blocking(move || hash(&secret, &salt))
        .await
        .map_err(|e| ServiceError::Internal(Box::new(e)))?
}

/// A valid hash of a random value, computed once: unknown users are checked against it so
/// they take the same time as known ones.
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let mut salt = [0u8; 16];
        let mut secret = [0u8; 32];
        // If the system RNG fails the dummy stays deterministic, which only affects timing
        // equality, never correctness: verification against it always fails.
        let _ = aws_lc_rs::rand::fill(&mut salt);
        let _ = aws_lc_rs::rand::fill(&mut secret);
        hash(&secret, &salt).unwrap_or_else(|_| "$argon2id$invalid".to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let h = hash(b"correct horse battery", &[7; 16]).unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify(b"correct horse battery", &h));
        assert!(!verify(b"correct horse batterx", &h));
        assert!(!verify(b"x", "not a hash"));
        assert!(!verify(b"anything", dummy_hash()));
    }

    #[test]
    fn common_and_username_passwords_are_refused() {
        let p = Password::new("Password1234".into()).unwrap();
        assert!(check_policy(&p, "alice").is_err());
        let p = Password::new("my alice secret phrase".into()).unwrap();
        assert!(check_policy(&p, "alice").is_err());
        let p = Password::new("violet staple orbit 42".into()).unwrap();
        assert!(check_policy(&p, "alice").is_ok());
    }
}
