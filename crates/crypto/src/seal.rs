//! Hybrid sealing: public-key encryption to a KEM key, in the HPKE structure (RFC 9180).
//!
//! [`seal`] is HPKE single-shot `SealBase` (mode_base, sequence number 0) with
//! - KEM: X-Wing (HPKE KEM id 0x647a) or ML-KEM-768 (0x0041); the KEM shared secret is HPKE's
//!   `shared_secret` and the KEM ciphertext is `enc`;
//! - KDF: HKDF-SHA256 (0x0001), with RFC 9180's labeled extract/expand under the suite id
//!   `"HPKE" || kem_id || kdf_id || aead_id`, so the key depends on the KEM and on `info`;
//! - AEAD: AES-256-GCM (0x0002) with the derived key and base nonce; `aad` is authenticated.
//!
//! Every seal encapsulates afresh, so each key/nonce pair is used once. `info` binds the purpose
//! (both sides must pass the same value); `aad` binds context such as a record id.
//!
//! A [`SealedBox`] encodes as `version (1) || KEM code (1) || enc || AEAD ciphertext || tag`, with
//! `enc` of the KEM's fixed ciphertext length.

use aws_lc_rs::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::{hkdf, hmac};

use crate::CryptoRng;
use crate::error::CryptoError;
use crate::kem::{Ciphertext, DecapsulationKey, EncapsulationKey, KemAlgorithm};
use crate::secret::SecretBytes;
use zeroize::Zeroize;

/// Largest plaintext [`seal`] accepts (16 MiB).
pub const MAX_PLAINTEXT_LEN: usize = 16 * 1024 * 1024;
/// Largest `info` accepted.
pub const MAX_INFO_LEN: usize = 4 * 1024;
/// Largest `aad` accepted.
pub const MAX_AAD_LEN: usize = 1024 * 1024;
/// AES-GCM tag length.
pub const TAG_LEN: usize = 16;

/// Current [`SealedBox`] encoding version.
const FORMAT_VERSION: u8 = 1;
const HEADER_LEN: usize = 2;

/// HPKE mode_base.
const MODE_BASE: u8 = 0x00;
/// HPKE KDF id of HKDF-SHA256.
const KDF_HKDF_SHA256: u16 = 0x0001;
/// HPKE AEAD id of AES-256-GCM.
const AEAD_AES_256_GCM: u16 = 0x0002;
const HPKE_V1: &[u8] = b"HPKE-v1";

/// The result of [`seal`]: algorithm, KEM ciphertext (`enc`) and AEAD ciphertext with tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedBox {
    enc: Ciphertext,
    ciphertext: Vec<u8>,
}

impl SealedBox {
    /// The KEM used.
    #[must_use]
    pub fn algorithm(&self) -> KemAlgorithm {
        self.enc.algorithm()
    }

    /// The KEM ciphertext (HPKE `enc`).
    #[must_use]
    pub fn enc(&self) -> &Ciphertext {
        &self.enc
    }

    /// The AEAD ciphertext followed by the 16-byte tag.
    #[must_use]
    pub fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }

    /// Length of [`Self::to_bytes`].
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.enc.as_bytes().len() + self.ciphertext.len()
    }

    /// Versioned byte encoding.
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        out.push(FORMAT_VERSION);
        out.push(self.algorithm().code());
        out.extend_from_slice(self.enc.as_bytes());
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses [`Self::to_bytes`] output.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`] for an unknown version, truncated input or a ciphertext shorter
    /// than a tag; [`CryptoError::UnsupportedAlgorithm`] for an unknown KEM;
    /// [`CryptoError::TooLarge`] past [`MAX_PLAINTEXT_LEN`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CryptoError> {
        let [version, code, rest @ ..] = bytes else {
            return Err(CryptoError::Malformed("sealed box too short"));
        };
        if *version != FORMAT_VERSION {
            return Err(CryptoError::Malformed("unknown sealed box version"));
        }
        let alg = KemAlgorithm::from_code(*code)?;
        let enc_len = alg.info().signature_or_ciphertext_len;
        if rest.len() < enc_len + TAG_LEN {
            return Err(CryptoError::Malformed("sealed box too short"));
        }
        if rest.len() > enc_len + MAX_PLAINTEXT_LEN + TAG_LEN {
            return Err(CryptoError::TooLarge("sealed box"));
        }
        let (enc, ciphertext) = rest.split_at(enc_len);
        Ok(Self {
            enc: Ciphertext::from_bytes(alg, enc)?,
            ciphertext: ciphertext.to_vec(),
        })
    }
}

/// Encrypts `plaintext` to `recipient` (HPKE `SealBase`, see the module docs).
///
/// # Errors
/// [`CryptoError::TooLarge`] past the size limits; KEM errors from
/// [`EncapsulationKey::encapsulate`].
pub fn seal(
    recipient: &EncapsulationKey,
    info: &[u8],
    aad: &[u8],
    plaintext: &[u8],
    rng: &mut impl CryptoRng,
) -> Result<SealedBox, CryptoError> {
    check_limits(info, aad)?;
    if plaintext.len() > MAX_PLAINTEXT_LEN {
        return Err(CryptoError::TooLarge("plaintext"));
    }
    let (enc, shared_secret) = recipient.encapsulate(rng)?;
    let suite = Suite::new(recipient.algorithm());
    let (key, nonce) = suite.key_schedule(shared_secret.expose(), info)?;
    let ciphertext = aes_gcm_seal(&key, nonce, aad, plaintext)?;
    Ok(SealedBox { enc, ciphertext })
}

/// Decrypts a [`SealedBox`] made for `recipient` with the same `info` and `aad`.
///
/// # Errors
/// [`CryptoError::DecryptionFailed`] for a wrong key, `info`, `aad` or any modified byte;
/// [`CryptoError::UnsupportedAlgorithm`] if the box is for another KEM;
/// [`CryptoError::TooLarge`] past the size limits.
pub fn open(
    recipient: &DecapsulationKey,
    info: &[u8],
    aad: &[u8],
    sealed: &SealedBox,
) -> Result<SecretBytes, CryptoError> {
    check_limits(info, aad)?;
    let shared_secret = recipient.decapsulate(&sealed.enc)?;
    let suite = Suite::new(recipient.algorithm());
    let (key, nonce) = suite.key_schedule(shared_secret.expose(), info)?;
    aes_gcm_open(&key, nonce, aad, &sealed.ciphertext)
}

fn check_limits(info: &[u8], aad: &[u8]) -> Result<(), CryptoError> {
    if info.len() > MAX_INFO_LEN {
        return Err(CryptoError::TooLarge("info"));
    }
    if aad.len() > MAX_AAD_LEN {
        return Err(CryptoError::TooLarge("aad"));
    }
    Ok(())
}

/// An HPKE cipher suite with HKDF-SHA256 (RFC 9180 §5.1).
struct Suite {
    id: [u8; 10],
    aead: &'static aead::Algorithm,
}

impl Suite {
    /// pqbank's suites: the KEM, HKDF-SHA256, AES-256-GCM.
    fn new(kem: KemAlgorithm) -> Self {
        Self::with(kem.hpke_kem_id(), &aead::AES_256_GCM, AEAD_AES_256_GCM)
    }

    fn with(kem_id: u16, aead: &'static aead::Algorithm, aead_id: u16) -> Self {
        let mut id = [0u8; 10];
        id[..4].copy_from_slice(b"HPKE");
        id[4..6].copy_from_slice(&kem_id.to_be_bytes());
        id[6..8].copy_from_slice(&KDF_HKDF_SHA256.to_be_bytes());
        id[8..].copy_from_slice(&aead_id.to_be_bytes());
        Self { id, aead }
    }

    /// `LabeledExtract("", label, ikm)` for public inputs (`psk_id_hash`, `info_hash`).
    fn labeled_extract_public(&self, label: &[u8], ikm: &[u8]) -> hmac::Tag {
        // HKDF-Extract(salt, ikm) = HMAC-Hash(salt, ikm); an empty salt is HashLen zero bytes,
        // which HMAC treats exactly like the empty key.
        let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, &[]));
        for part in [HPKE_V1, &self.id, label, ikm] {
            ctx.update(part);
        }
        ctx.sign()
    }

    /// `KeyScheduleS/R` for mode_base without PSK: returns the AEAD key and the base nonce.
    fn key_schedule(
        &self,
        shared_secret: &[u8],
        info: &[u8],
    ) -> Result<(LessSafeKey, [u8; aead::NONCE_LEN]), CryptoError> {
        let psk_id_hash = self.labeled_extract_public(b"psk_id_hash", b"");
        let info_hash = self.labeled_extract_public(b"info_hash", info);
        let context = [&[MODE_BASE][..], psk_id_hash.as_ref(), info_hash.as_ref()].concat();

        // secret = LabeledExtract(shared_secret, "secret", psk = "")
        let labeled_ikm = [HPKE_V1, &self.id, b"secret"].concat();
        let secret = hkdf::Salt::new(hkdf::HKDF_SHA256, shared_secret).extract(&labeled_ikm);

        let key_len = u16_len(self.aead.key_len())?;
        let key_info: [&[u8]; 5] = [&key_len, HPKE_V1, &self.id, b"key", &context];
        let key = secret
            .expand(&key_info, self.aead)
            .map(|okm| LessSafeKey::new(UnboundKey::from(okm)))
            .map_err(|_| CryptoError::Internal("HKDF expand"))?;

        let nonce_len = u16_len(aead::NONCE_LEN)?;
        let mut nonce = [0u8; aead::NONCE_LEN];
        secret
            .expand(
                &[&nonce_len, HPKE_V1, &self.id, b"base_nonce", &context],
                OkmLen(aead::NONCE_LEN),
            )
            .and_then(|okm| okm.fill(&mut nonce))
            .map_err(|_| CryptoError::Internal("HKDF expand"))?;
        Ok((key, nonce))
    }
}

fn u16_len(len: usize) -> Result<[u8; 2], CryptoError> {
    u16::try_from(len)
        .map(u16::to_be_bytes)
        .map_err(|_| CryptoError::Internal("HKDF length"))
}

/// An HKDF output length.
struct OkmLen(usize);

impl hkdf::KeyType for OkmLen {
    fn len(&self) -> usize {
        self.0
    }
}

/// AES-GCM encryption: ciphertext followed by the tag.
pub(crate) fn aes_gcm_seal(
    key: &LessSafeKey,
    nonce: [u8; aead::NONCE_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let mut in_out = Vec::with_capacity(plaintext.len() + TAG_LEN);
    in_out.extend_from_slice(plaintext);
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut in_out,
    )
    .map_err(|_| CryptoError::Internal("AES-GCM seal"))?;
    Ok(in_out)
}

/// AES-GCM decryption of ciphertext-with-tag into zeroizing memory.
pub(crate) fn aes_gcm_open(
    key: &LessSafeKey,
    nonce: [u8; aead::NONCE_LEN],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<SecretBytes, CryptoError> {
    let mut in_out = ciphertext.to_vec();
    match key.open_in_place(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        &mut in_out,
    ) {
        Ok(plaintext) => {
            let len = plaintext.len();
            in_out.truncate(len);
            Ok(SecretBytes::new(in_out))
        }
        Err(_) => {
            in_out.zeroize();
            Err(CryptoError::DecryptionFailed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 9180 A.1.1 (DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_base): the
    /// labeled key schedule and the first encryption, from the KEM shared secret on.
    #[test]
    fn key_schedule_matches_rfc9180_a_1_1() {
        let suite = Suite::with(0x0020, &aead::AES_128_GCM, 0x0001);
        let shared_secret = h("fe0e18c9f024ce43799ae393c7e8fe8fce9d218875e8227b0187c04e7d2ea1fc");
        let info = h("4f6465206f6e2061204772656369616e2055726e");
        let (key, nonce) = suite.key_schedule(&shared_secret, &info).unwrap();
        assert_eq!(nonce.to_vec(), h("56d890e5accaaf011cff4b7d"));
        let pt = h("4265617574792069732074727574682c20747275746820626561757479");
        let aad = h("436f756e742d30");
        let ct = aes_gcm_seal(&key, nonce, &aad, &pt).unwrap();
        assert_eq!(
            ct,
            h(
                "f938558b5d72f1a23810b4be2ab4f84331acc02fc97babc53a52ae8218a355a96d8770ac83d07bea87e13c512a"
            )
        );
        assert_eq!(
            aes_gcm_open(&key, nonce, &aad, &ct).unwrap().expose(),
            pt.as_slice()
        );
    }

    #[test]
    fn suite_ids_name_the_kem() {
        assert_eq!(
            Suite::new(KemAlgorithm::XWing).id,
            *b"HPKE\x64\x7a\x00\x01\x00\x02"
        );
        assert_eq!(
            Suite::new(KemAlgorithm::MlKem768).id,
            *b"HPKE\x00\x41\x00\x01\x00\x02"
        );
    }

    #[test]
    fn sealed_box_parser_rejects_bad_headers() {
        assert!(SealedBox::from_bytes(&[]).is_err());
        assert!(SealedBox::from_bytes(&[FORMAT_VERSION]).is_err());
        let mut bytes = vec![FORMAT_VERSION, KemAlgorithm::XWing.code()];
        bytes.resize(2 + 1120 + TAG_LEN, 0);
        assert!(SealedBox::from_bytes(&bytes).is_ok());
        bytes[0] = 2;
        assert!(SealedBox::from_bytes(&bytes).is_err());
        bytes[0] = FORMAT_VERSION;
        bytes[1] = 0;
        assert!(matches!(
            SealedBox::from_bytes(&bytes),
            Err(CryptoError::UnsupportedAlgorithm(_))
        ));
        bytes[1] = KemAlgorithm::XWing.code();
        bytes.pop();
        assert!(SealedBox::from_bytes(&bytes).is_err());
    }
}
