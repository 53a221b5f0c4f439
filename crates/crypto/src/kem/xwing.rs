//! X-Wing (draft-connolly-cfrg-xwing-kem-10): ML-KEM-768 + X25519 with the SHA3-256 combiner.
//!
//! The encapsulation key, ciphertext and shared secret are byte-identical to the composite KEM
//! id-MLKEM768-X25519-SHA3-256 (draft-ietf-lamps-pq-composite-kem, OID 1.3.6.1.5.5.7.6.58), which
//! uses the same component order and the same combiner and label. Only the private key differs:
//! X-Wing stores a 32-byte seed expanded with SHAKE256, the composite draft stores the expanded
//! 96 bytes `d || z || sk_X`. Both forms are accepted here ([`Components`]).
//!
//! Primitives: SHA3-256, X25519 and ML-KEM-768 decapsulation from aws-lc-rs; SHAKE256 (absent
//! from aws-lc-rs 1.19) from libcrux-sha3, the Keccak implementation libcrux-ml-kem uses anyway.

use aws_lc_rs::agreement::{self, UnparsedPublicKey, X25519};
use aws_lc_rs::digest;
use zeroize::Zeroizing;

use super::mlkem;
use crate::error::CryptoError;

/// X-Wing decapsulation key (seed) length.
pub(crate) const SEED_LEN: usize = 32;
/// Expanded private key `d || z || sk_X` (composite KEM private key) length.
pub(crate) const COMPONENTS_LEN: usize = mlkem::SEED_LEN + X25519_LEN;
/// Encapsulation key length: `pk_M || pk_X`.
pub(crate) const EK_LEN: usize = mlkem::EK_LEN + X25519_LEN;
/// Ciphertext length: `ct_M || ct_X`.
pub(crate) const CT_LEN: usize = mlkem::CT_LEN + X25519_LEN;
/// Shared secret length.
pub(crate) const SS_LEN: usize = 32;
/// Derandomised encapsulation seed length: ML-KEM `m` then the X25519 ephemeral secret.
pub(crate) const ESEED_LEN: usize = mlkem::ENCAPS_SEED_LEN + X25519_LEN;

const X25519_LEN: usize = 32;
/// `XWingLabel`, the ASCII art `\./` `/^\` (hex 5c2e2f2f5e5c), appended last in the combiner.
const LABEL: &[u8; 6] = b"\\.//^\\";

/// The expanded private key `d || z || sk_X` (zeroized on drop).
pub(crate) type Components = Zeroizing<[u8; COMPONENTS_LEN]>;

/// `expandDecapsulationKey`: SHAKE256(seed, 96 bytes) = `d || z || sk_X`.
pub(crate) fn expand_seed(seed: &[u8; SEED_LEN]) -> Components {
    let mut out = Zeroizing::new([0u8; COMPONENTS_LEN]);
    libcrux_sha3::shake256_ema(out.as_mut_slice(), seed);
    out
}

/// A ready-to-use X-Wing key pair.
pub(crate) struct KeyPair {
    mlkem: mlkem::ExpandedKeyPair,
    sk_x: agreement::PrivateKey,
    pk_x: [u8; X25519_LEN],
}

impl KeyPair {
    /// Builds the key pair from `d || z || sk_X`.
    pub(crate) fn from_components(components: &[u8; COMPONENTS_LEN]) -> Result<Self, CryptoError> {
        let (d_z, sk_x) = components.split_at(mlkem::SEED_LEN);
        let mut seed = Zeroizing::new([0u8; mlkem::SEED_LEN]);
        seed.copy_from_slice(d_z);
        let mlkem = mlkem::keygen_from_seed(&seed)?;
        let sk_x = agreement::PrivateKey::from_private_key(&X25519, sk_x)
            .map_err(|_| CryptoError::InvalidKey("X25519 private key rejected"))?;
        let pk_x = x25519_public(&sk_x)?;
        Ok(Self { mlkem, sk_x, pk_x })
    }

    /// The encapsulation key `pk_M || pk_X`.
    pub(crate) fn encapsulation_key(&self) -> [u8; EK_LEN] {
        let mut ek = [0u8; EK_LEN];
        ek[..mlkem::EK_LEN].copy_from_slice(&self.mlkem.ek);
        ek[mlkem::EK_LEN..].copy_from_slice(&self.pk_x);
        ek
    }

    /// Decapsulate. The ML-KEM half rejects implicitly; an X25519 ciphertext that is a low-order
    /// point (all-zero X25519 output, refused by aws-lc) is an explicit error, which depends only
    /// on the public ciphertext.
    pub(crate) fn decapsulate(&self, ct: &[u8]) -> Result<Zeroizing<[u8; SS_LEN]>, CryptoError> {
        if ct.len() != CT_LEN {
            return Err(CryptoError::Malformed(
                "X-Wing ciphertext must be 1120 bytes",
            ));
        }
        let (ct_m, ct_x) = ct.split_at(mlkem::CT_LEN);
        let ss_m = Zeroizing::new(mlkem::decapsulate(&self.mlkem.dk, ct_m)?);
        let ss_x = x25519_agree(&self.sk_x, ct_x)?;
        Ok(combiner(ss_m.as_slice(), ss_x.as_slice(), ct_x, &self.pk_x))
    }
}

/// A parsed X-Wing encapsulation key.
pub(crate) struct PublicKey {
    mlkem: aws_lc_rs::kem::EncapsulationKey,
    mlkem_raw: [u8; mlkem::EK_LEN],
    pk_x: [u8; X25519_LEN],
}

impl PublicKey {
    /// Splits and validates `pk_M || pk_X` (FIPS 203 modulus check on `pk_M`).
    pub(crate) fn parse(ek: &[u8]) -> Result<Self, CryptoError> {
        if ek.len() != EK_LEN {
            return Err(CryptoError::InvalidKey(
                "X-Wing encapsulation key must be 1216 bytes",
            ));
        }
        let (pk_m, pk_x) = ek.split_at(mlkem::EK_LEN);
        let mlkem = mlkem::parse_encapsulation_key(pk_m)?;
        let mut mlkem_raw = [0u8; mlkem::EK_LEN];
        mlkem_raw.copy_from_slice(pk_m);
        let mut pk_x_arr = [0u8; X25519_LEN];
        pk_x_arr.copy_from_slice(pk_x);
        Ok(Self {
            mlkem,
            mlkem_raw,
            pk_x: pk_x_arr,
        })
    }

    /// Encapsulate: ML-KEM randomness from aws-lc-rs, X25519 ephemeral secret `ek_X` given.
    pub(crate) fn encapsulate(
        &self,
        ek_x: &[u8; X25519_LEN],
    ) -> Result<([u8; CT_LEN], Zeroizing<[u8; SS_LEN]>), CryptoError> {
        let (ct_m, ss_m) = mlkem::encapsulate(&self.mlkem)?;
        self.finish(ct_m, Zeroizing::new(ss_m), ek_x)
    }

    /// `EncapsulateDerand(pk, eseed)`: `eseed[0..32]` is ML-KEM `m`, `eseed[32..64]` is `ek_X`.
    pub(crate) fn encapsulate_derand(
        &self,
        eseed: &[u8; ESEED_LEN],
    ) -> Result<([u8; CT_LEN], Zeroizing<[u8; SS_LEN]>), CryptoError> {
        let mut m = Zeroizing::new([0u8; mlkem::ENCAPS_SEED_LEN]);
        m.copy_from_slice(&eseed[..mlkem::ENCAPS_SEED_LEN]);
        let mut ek_x = Zeroizing::new([0u8; X25519_LEN]);
        ek_x.copy_from_slice(&eseed[mlkem::ENCAPS_SEED_LEN..]);
        let (ct_m, ss_m) = mlkem::encapsulate_derand(&self.mlkem_raw, &m);
        self.finish(ct_m, Zeroizing::new(ss_m), &ek_x)
    }

    fn finish(
        &self,
        ct_m: [u8; mlkem::CT_LEN],
        ss_m: Zeroizing<[u8; mlkem::SS_LEN]>,
        ek_x: &[u8; X25519_LEN],
    ) -> Result<([u8; CT_LEN], Zeroizing<[u8; SS_LEN]>), CryptoError> {
        let eph = agreement::PrivateKey::from_private_key(&X25519, ek_x)
            .map_err(|_| CryptoError::Internal("X25519 ephemeral key rejected"))?;
        let ct_x = x25519_public(&eph)?;
        let ss_x = x25519_agree(&eph, &self.pk_x)
            .map_err(|_| CryptoError::InvalidKey("X25519 public key is a low-order point"))?;
        let ss = combiner(ss_m.as_slice(), ss_x.as_slice(), &ct_x, &self.pk_x);
        let mut ct = [0u8; CT_LEN];
        ct[..mlkem::CT_LEN].copy_from_slice(&ct_m);
        ct[mlkem::CT_LEN..].copy_from_slice(&ct_x);
        Ok((ct, ss))
    }
}

/// `SHA3-256(ss_M || ss_X || ct_X || pk_X || XWingLabel)`.
fn combiner(ss_m: &[u8], ss_x: &[u8], ct_x: &[u8], pk_x: &[u8]) -> Zeroizing<[u8; SS_LEN]> {
    let mut ctx = digest::Context::new(&digest::SHA3_256);
    for part in [ss_m, ss_x, ct_x, pk_x, LABEL.as_slice()] {
        ctx.update(part);
    }
    let digest = ctx.finish();
    let mut out = Zeroizing::new([0u8; SS_LEN]);
    out.copy_from_slice(digest.as_ref());
    out
}

fn x25519_public(sk: &agreement::PrivateKey) -> Result<[u8; X25519_LEN], CryptoError> {
    let pk = sk
        .compute_public_key()
        .map_err(|_| CryptoError::Internal("X25519 public key"))?;
    pk.as_ref()
        .try_into()
        .map_err(|_| CryptoError::Internal("X25519 public key length"))
}

/// X25519(sk, peer). Errors on a wrong-length or low-order peer key (all-zero output).
pub(crate) fn x25519_agree(
    sk: &agreement::PrivateKey,
    peer: &[u8],
) -> Result<Zeroizing<[u8; X25519_LEN]>, CryptoError> {
    agreement::agree(
        sk,
        UnparsedPublicKey::new(&X25519, peer),
        CryptoError::DecryptionFailed,
        |shared| {
            let mut out = Zeroizing::new([0u8; X25519_LEN]);
            if shared.len() != X25519_LEN {
                return Err(CryptoError::Internal("X25519 shared secret length"));
            }
            out.copy_from_slice(shared);
            Ok(out)
        },
    )
}
