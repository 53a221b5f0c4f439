//! ML-KEM-768 (FIPS 203) building blocks.
//!
//! aws-lc-rs does the randomised encapsulation and every decapsulation. aws-lc-rs 1.19 has neither
//! deterministic key generation from the FIPS 203 seed `d || z` nor derandomised encapsulation, so
//! exactly those two operations come from libcrux-ml-kem: seed-form private keys (RFC 9935) need the
//! former, the X-Wing and Wycheproof vectors the latter. The expanded decapsulation key libcrux
//! derives is handed to aws-lc-rs and zeroized.

use aws_lc_rs::kem::{self as awskem, ML_KEM_768};
use zeroize::{Zeroize, Zeroizing};

use crate::error::CryptoError;

/// Length of the seed `d || z` (FIPS 203 key generation input).
pub(crate) const SEED_LEN: usize = 64;
/// Length of an encapsulation key.
pub(crate) const EK_LEN: usize = 1184;
/// Length of the expanded decapsulation key (never stored by pqbank).
pub(crate) const EXPANDED_DK_LEN: usize = 2400;
/// Length of a ciphertext.
pub(crate) const CT_LEN: usize = 1088;
/// Length of the shared secret.
pub(crate) const SS_LEN: usize = 32;
/// Length of the encapsulation randomness `m`.
pub(crate) const ENCAPS_SEED_LEN: usize = 32;

/// FIPS 203 modulus: every 12-bit coefficient of an encapsulation key must be below it.
const Q: u16 = 3329;
/// Bytes of the encoded vector `t` in an ML-KEM-768 encapsulation key (k = 3, 384 bytes each).
const T_LEN: usize = 3 * 384;

/// FIPS 203 §7.2 encapsulation key check: right length and every coefficient reduced mod q
/// (`ByteEncode12(ByteDecode12(t)) == t`). Public data, so no constant-time requirement.
pub(crate) fn check_encapsulation_key(ek: &[u8]) -> Result<(), CryptoError> {
    if ek.len() != EK_LEN {
        return Err(CryptoError::InvalidKey(
            "ML-KEM-768 encapsulation key must be 1184 bytes",
        ));
    }
    let reduced = ek[..T_LEN].chunks_exact(3).all(|b| {
        let c0 = u16::from(b[0]) | (u16::from(b[1] & 0x0f) << 8);
        let c1 = u16::from(b[1] >> 4) | (u16::from(b[2]) << 4);
        c0 < Q && c1 < Q
    });
    if reduced {
        Ok(())
    } else {
        Err(CryptoError::InvalidKey(
            "ML-KEM-768 encapsulation key fails the FIPS 203 modulus check",
        ))
    }
}

/// An ML-KEM-768 key pair expanded from its seed, ready for aws-lc-rs decapsulation.
pub(crate) struct ExpandedKeyPair {
    pub(crate) dk: awskem::DecapsulationKey,
    pub(crate) ek: [u8; EK_LEN],
}

/// ML-KEM.KeyGen_internal(d, z) with `seed = d || z`.
pub(crate) fn keygen_from_seed(seed: &[u8; SEED_LEN]) -> Result<ExpandedKeyPair, CryptoError> {
    let key_pair = libcrux_ml_kem::mlkem768::generate_key_pair(*seed);
    let (sk, pk) = key_pair.into_parts();
    let mut expanded: [u8; EXPANDED_DK_LEN] = sk.into();
    let dk = awskem::DecapsulationKey::new(&ML_KEM_768, &expanded);
    expanded.zeroize();
    let dk = dk.map_err(|_| CryptoError::Internal("ML-KEM-768 decapsulation key rejected"))?;
    Ok(ExpandedKeyPair { dk, ek: pk.into() })
}

/// The FIPS 203 expanded decapsulation key for `seed` (only to compare with imported `both` keys).
pub(crate) fn expanded_from_seed(seed: &[u8; SEED_LEN]) -> Zeroizing<[u8; EXPANDED_DK_LEN]> {
    let (sk, _) = libcrux_ml_kem::mlkem768::generate_key_pair(*seed).into_parts();
    Zeroizing::new(sk.into())
}

/// A parsed (and validated) encapsulation key for aws-lc-rs.
pub(crate) fn parse_encapsulation_key(ek: &[u8]) -> Result<awskem::EncapsulationKey, CryptoError> {
    check_encapsulation_key(ek)?;
    awskem::EncapsulationKey::new(&ML_KEM_768, ek)
        .map_err(|_| CryptoError::InvalidKey("ML-KEM-768 encapsulation key rejected"))
}

/// Randomised encapsulation (aws-lc-rs, randomness from its FIPS DRBG).
pub(crate) fn encapsulate(
    ek: &awskem::EncapsulationKey,
) -> Result<([u8; CT_LEN], [u8; SS_LEN]), CryptoError> {
    let (ct, ss) = ek
        .encapsulate()
        .map_err(|_| CryptoError::Internal("ML-KEM-768 encapsulation failed"))?;
    let ct: [u8; CT_LEN] = ct
        .as_ref()
        .try_into()
        .map_err(|_| CryptoError::Internal("ML-KEM-768 ciphertext length"))?;
    let ss: [u8; SS_LEN] = ss
        .as_ref()
        .try_into()
        .map_err(|_| CryptoError::Internal("ML-KEM-768 shared secret length"))?;
    Ok((ct, ss))
}

/// ML-KEM.Encaps_internal(ek, m): deterministic encapsulation (libcrux). `ek` must have passed
/// [`check_encapsulation_key`].
pub(crate) fn encapsulate_derand(
    ek: &[u8; EK_LEN],
    m: &[u8; ENCAPS_SEED_LEN],
) -> ([u8; CT_LEN], [u8; SS_LEN]) {
    let public_key = libcrux_ml_kem::mlkem768::MlKem768PublicKey::from(ek);
    let (ct, ss) = libcrux_ml_kem::mlkem768::encapsulate(&public_key, *m);
    (ct.into(), ss)
}

/// ML-KEM.Decaps (aws-lc-rs, implicit rejection). The ciphertext length is checked by the caller.
pub(crate) fn decapsulate(
    dk: &awskem::DecapsulationKey,
    ct: &[u8],
) -> Result<[u8; SS_LEN], CryptoError> {
    let ss = dk
        .decapsulate(awskem::Ciphertext::from(ct))
        .map_err(|_| CryptoError::DecryptionFailed)?;
    ss.as_ref()
        .try_into()
        .map_err(|_| CryptoError::Internal("ML-KEM-768 shared secret length"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modulus_check_finds_each_unreduced_coefficient() {
        let ek = [0u8; EK_LEN];
        assert!(check_encapsulation_key(&ek).is_ok());
        assert!(check_encapsulation_key(&ek[..EK_LEN - 1]).is_err());
        // Coefficient values q - 1 (accepted) and q (rejected) at both positions of a triple.
        for triple in [0, 100, T_LEN / 3 - 1] {
            for (bytes, ok) in [
                ([0x00, 0x0d, 0x00], true),  // c0 = 3328
                ([0x01, 0x0d, 0x00], false), // c0 = 3329
                ([0x00, 0x00, 0xd0], true),  // c1 = 3328
                ([0x00, 0x10, 0xd0], false), // c1 = 3329
                ([0xff, 0xff, 0xff], false), // 4095, 4095
            ] {
                let mut ek = [0u8; EK_LEN];
                ek[triple * 3..triple * 3 + 3].copy_from_slice(&bytes);
                assert_eq!(
                    check_encapsulation_key(&ek).is_ok(),
                    ok,
                    "{triple} {bytes:?}"
                );
            }
        }
        // rho (the last 32 bytes) is not checked.
        let mut ek = [0u8; EK_LEN];
        ek[T_LEN..].fill(0xff);
        assert!(check_encapsulation_key(&ek).is_ok());
    }
}
