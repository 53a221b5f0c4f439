//! SHA-256 hashes and the RFC 9162 leaf and node hash functions.

use std::fmt;

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// Length of a SHA-256 hash in bytes.
pub const HASH_LEN: usize = 32;

/// A SHA-256 hash (leaf hash, node hash or tree root).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hash(pub [u8; HASH_LEN]);

/// A byte string that is not a valid hash encoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid hash encoding: {0}")]
pub struct HashError(&'static str);

impl Hash {
    /// Wraps raw hash bytes.
    pub const fn new(bytes: [u8; HASH_LEN]) -> Self {
        Self(bytes)
    }

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Parses exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, HashError> {
        <[u8; HASH_LEN]>::try_from(bytes)
            .map(Self)
            .map_err(|_| HashError("expected 32 bytes"))
    }

    /// Parses 64 lowercase hexadecimal characters (the only canonical form).
    pub fn from_hex(text: &str) -> Result<Self, HashError> {
        if text.len() != 2 * HASH_LEN || text.bytes().any(|b| b.is_ascii_uppercase()) {
            return Err(HashError("expected 64 lowercase hex characters"));
        }
        let mut out = [0u8; HASH_LEN];
        hex::decode_to_slice(text, &mut out)
            .map_err(|_| HashError("expected 64 lowercase hex characters"))?;
        Ok(Self(out))
    }

    /// Lowercase hexadecimal encoding.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses standard padded base64 (RFC 4648 section 4) of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, HashError> {
        // 32 bytes encode to 44 characters; check before decoding to bound the work.
        if text.len() != 44 {
            return Err(HashError("expected 44 base64 characters"));
        }
        let bytes = STANDARD
            .decode(text)
            .map_err(|_| HashError("invalid base64"))?;
        Self::from_slice(&bytes)
    }

    /// Standard padded base64 encoding.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

fn sha256(parts: &[&[u8]]) -> Hash {
    let mut ctx = digest::Context::new(&digest::SHA256);
    for part in parts {
        ctx.update(part);
    }
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    Hash(out)
}

/// SHA-256 of arbitrary bytes.
pub fn sha256_bytes(data: &[u8]) -> Hash {
    sha256(&[data])
}

/// RFC 9162 leaf hash: SHA-256(0x00 || leaf).
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    sha256(&[&[0x00], leaf])
}

/// RFC 9162 interior node hash: SHA-256(0x01 || left || right).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    // One-shot digest of a stack buffer: cheaper than a streaming context for 65 bytes.
    let mut buf = [0u8; 1 + 2 * HASH_LEN];
    buf[0] = 0x01;
    buf[1..=HASH_LEN].copy_from_slice(&left.0);
    buf[1 + HASH_LEN..].copy_from_slice(&right.0);
    let mut out = [0u8; HASH_LEN];
    out.copy_from_slice(digest::digest(&digest::SHA256, &buf).as_ref());
    Hash(out)
}

/// Root of the empty tree: SHA-256 of the empty string.
pub fn empty_root() -> Hash {
    sha256(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_root_is_sha256_of_nothing() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn encodings_round_trip_and_reject_non_canonical() {
        let h = leaf_hash(b"x");
        assert_eq!(Hash::from_hex(&h.to_hex()).unwrap(), h);
        assert_eq!(Hash::from_base64(&h.to_base64()).unwrap(), h);
        assert!(Hash::from_hex(&h.to_hex().to_uppercase()).is_err());
        assert!(Hash::from_hex(&h.to_hex()[..62]).is_err());
        assert!(Hash::from_slice(&[0u8; 31]).is_err());
        // The last character before '=' carries two padding bits that must be zero.
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b64 = h.to_base64();
        let pos = ALPHABET
            .iter()
            .position(|&c| c == b64.as_bytes()[42])
            .unwrap();
        let mut tampered = b64.into_bytes();
        tampered[42] = ALPHABET[pos ^ 1];
        assert!(Hash::from_base64(std::str::from_utf8(&tampered).unwrap()).is_err());
    }
}
