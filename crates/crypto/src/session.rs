//! Session keys and request MACs: the session key is HKDF-SHA256 over the KEM shared secret
//! (salt = SHA-256 of the signed login transcript); requests are authenticated with
//! HMAC-SHA256 under it, checked in constant time.

use aws_lc_rs::{digest, hkdf, hmac};

use crate::{CryptoError, SecretBytes};

/// Session key length.
pub const SESSION_KEY_LEN: usize = 32;

struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    let d = digest::digest(&digest::SHA256, data);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// `HKDF-SHA256(salt = SHA-256(transcript), ikm = shared_secret, info)`, 32 bytes.
///
/// # Errors
/// [`CryptoError::Internal`] if aws-lc-rs fails.
pub fn derive_session_key(
    shared_secret: &[u8],
    transcript: &[u8],
    info: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, &sha256(transcript));
    let prk = salt.extract(shared_secret);
    let info = [info];
    let okm = prk
        .expand(&info, Len(SESSION_KEY_LEN))
        .map_err(|_| CryptoError::Internal("hkdf expand"))?;
    let mut key = vec![0u8; SESSION_KEY_LEN];
    okm.fill(&mut key)
        .map_err(|_| CryptoError::Internal("hkdf fill"))?;
    Ok(SecretBytes::from(key))
}

/// HMAC-SHA256 of `input` under `key`.
pub fn request_mac(key: &[u8], input: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), input);
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

/// Constant-time check of a request MAC.
pub fn verify_request_mac(key: &[u8], input: &[u8], mac: &[u8]) -> bool {
    hmac::verify(&hmac::Key::new(hmac::HMAC_SHA256, key), input, mac).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_round_trip_and_tamper() {
        let key = derive_session_key(b"shared", b"transcript", b"info").unwrap();
        let mac = request_mac(key.expose(), b"msg");
        assert!(verify_request_mac(key.expose(), b"msg", &mac));
        assert!(!verify_request_mac(key.expose(), b"msh", &mac));
        let other = derive_session_key(b"shared", b"transcripT", b"info").unwrap();
        assert_ne!(key.expose(), other.expose());
    }
}
