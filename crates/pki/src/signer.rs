//! Adapter from a pqbank-crypto [`SigningKey`] to x509-cert's builder.
//!
//! x509-cert's [`Builder`] needs the signer's public key ([`Keypair`] with an
//! [`EncodePublicKey`] key) and its signature `AlgorithmIdentifier`
//! ([`DynSignatureAlgorithmIdentifier`]). Signing itself goes through the builder's two phases,
//! [`Builder::finalize`] (the DER to be signed) and [`Builder::assemble`], so that the signature
//! comes from [`SigningKey::sign`] with the caller's RNG and the empty X.509 context, and
//! signing errors stay [`PkiError`]s.

use der::asn1::BitString;
use pqbank_crypto::CryptoRng;
use pqbank_crypto::sig::SigningKey;
use signature::Keypair;
use spki::{AlgorithmIdentifierOwned, Document, DynSignatureAlgorithmIdentifier, EncodePublicKey};
use x509_cert::builder::Builder;

use crate::PkiError;
use crate::alg::{X509_CONTEXT, algorithm_identifier};

/// A public key as its DER `SubjectPublicKeyInfo`.
#[derive(Debug, Clone)]
pub(crate) struct SpkiDer(Vec<u8>);

impl EncodePublicKey for SpkiDer {
    fn to_public_key_der(&self) -> spki::Result<Document> {
        Ok(Document::try_from(self.0.as_slice())?)
    }
}

/// A certificate-signing key: a [`SigningKey`] of one of
/// [`crate::alg::CERT_SIGNATURE_ALGORITHMS`] seen through x509-cert's signer traits.
pub(crate) struct X509Signer<'k> {
    key: &'k SigningKey,
    alg_id: AlgorithmIdentifierOwned,
    public: SpkiDer,
}

impl<'k> X509Signer<'k> {
    /// Wraps `key`.
    ///
    /// # Errors
    /// [`PkiError::UnsupportedAlgorithm`] for a classical key.
    pub(crate) fn new(key: &'k SigningKey) -> Result<Self, PkiError> {
        Ok(Self {
            key,
            alg_id: algorithm_identifier(key.algorithm())?,
            public: SpkiDer(key.public_key().to_spki_der()?),
        })
    }

    /// The signer's `SubjectPublicKeyInfo` DER.
    pub(crate) fn spki_der(&self) -> &[u8] {
        &self.public.0
    }

    /// Finalizes `builder`, signs the to-be-signed DER and assembles the signed object.
    pub(crate) fn sign<B: Builder>(
        &self,
        mut builder: B,
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<B::Output, PkiError> {
        let tbs = builder
            .finalize(self)
            .map_err(|_| PkiError::Internal("encoding the to-be-signed structure"))?;
        let sig = self.key.sign(&tbs, X509_CONTEXT, rng)?;
        let bits = BitString::from_bytes(sig.as_bytes())
            .map_err(|_| PkiError::Internal("signature BIT STRING"))?;
        builder
            .assemble(bits, self)
            .map_err(|_| PkiError::Internal("assembling the signed structure"))
    }

    /// Signs raw to-be-signed DER (for structures assembled without a builder).
    pub(crate) fn sign_raw(
        &self,
        tbs: &[u8],
        rng: &mut (impl CryptoRng + ?Sized),
    ) -> Result<BitString, PkiError> {
        let sig = self.key.sign(tbs, X509_CONTEXT, rng)?;
        BitString::from_bytes(sig.as_bytes())
            .map_err(|_| PkiError::Internal("signature BIT STRING"))
    }

    /// The signature `AlgorithmIdentifier`.
    pub(crate) fn algorithm_identifier(&self) -> &AlgorithmIdentifierOwned {
        &self.alg_id
    }
}

impl Keypair for X509Signer<'_> {
    type VerifyingKey = SpkiDer;

    fn verifying_key(&self) -> SpkiDer {
        self.public.clone()
    }
}

impl DynSignatureAlgorithmIdentifier for X509Signer<'_> {
    fn signature_algorithm_identifier(&self) -> spki::Result<AlgorithmIdentifierOwned> {
        Ok(self.alg_id.clone())
    }
}
