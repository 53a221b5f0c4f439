//! pqbank-crypto: the hybrid (classical + post-quantum) cryptography every other part of pqbank calls.
//!
//! No I/O. Randomness is always a parameter (`&mut impl CryptoRng`), so tests are deterministic.
//!
//! - [`registry`]: every algorithm with its stable id, name, OID and sizes.
//! - [`sig`]: composite ML-DSA (draft-ietf-lamps-pq-composite-sigs-19), pure ML-DSA-65, components.
//! - [`kem`]: X-Wing (ML-KEM-768 + X25519) and ML-KEM-768.
//! - [`seal`]: HPKE-structured public-key encryption to a KEM key.
//! - [`keyring`]: envelope encryption for data at rest with versioned master keys.

pub mod error;
pub mod kem;
pub mod keyring;
pub mod registry;
pub mod seal;
pub mod secret;
pub mod session;
pub mod sig;

pub use error::CryptoError;
pub use kem::{Ciphertext, DecapsulationKey, EncapsulationKey, KemAlgorithm, SharedSecret};
pub use keyring::{Argon2Params, EncryptedRecord, KeyRing, lock_bytes, unlock_bytes};
pub use rand_core::CryptoRng;
pub use registry::{AlgorithmInfo, Kind};
pub use seal::SealedBox;
pub use secret::SecretBytes;
pub use sig::{Signature, SignatureAlgorithm, SignaturePolicy, SigningKey, VerifyingKey};
