//! Checkpoints (signed tree heads) in the C2SP `tlog-checkpoint` format, carried in a C2SP
//! `signed-note`.
//!
//! ```text
//! bank.example/audit
//! 1234
//! <base64 root hash>
//! time 2026-11-29T09:10:00.000000Z
//!
//! — bank.example/audit <base64(4-byte key id || signature)>
//! ```
//!
//! [`sign_note`] and [`open_note`] implement the generic signed-note layer;
//! [`sign_checkpoint`] and [`open_checkpoint`] add the checkpoint body on top.
//!
//! The optional extension line `time <timestamp>` (canonical [`Timestamp`] form, at most
//! once) records when the log signed the checkpoint; other extension lines are kept
//! opaque. Signatures come from the [`NoteSigner`] / [`NoteVerifier`] traits so the service
//! can plug in the bank's composite ML-DSA-65 + Ed25519 key.
//!
//! Key IDs follow the signed-note recommendation, `SHA-256(name || 0x0A || type ||
//! public key)[:4]`. Composite ML-DSA has no assigned signature type byte, so it uses
//! `0xff` followed by a longer identifier, as the specification recommends for other
//! algorithms: see [`SignatureType::Other`] and [`COMPOSITE_MLDSA65_ED25519_TYPE`].

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::error::ExternalError;
use crate::hash::Hash;
use crate::timestamp::Timestamp;

/// Largest signed note accepted or produced, in bytes (room for 32 post-quantum
/// signatures; the signed-note spec requires accepting at least 16).
pub const MAX_NOTE_BYTES: usize = 256 * 1024;
/// Most signature lines in a note.
pub const MAX_SIGNATURES: usize = 32;
/// Most extension lines in a checkpoint.
pub const MAX_EXTENSIONS: usize = 16;
/// Longest origin, key name or extension line, in bytes.
pub const MAX_LINE_BYTES: usize = 1024;
/// Prefix of the extension line carrying the signing time.
pub const TIME_EXTENSION_PREFIX: &str = "time ";
/// Identifier appended to the `0xff` signature type byte for the composite
/// ML-DSA-65 + Ed25519 signature (the composite signature label of
/// draft-ietf-lamps-pq-composite-sigs).
pub const COMPOSITE_MLDSA65_ED25519_TYPE: &[u8] = b"COMPSIG-MLDSA65-Ed25519-SHA512";

const EM_DASH_SPACE: &str = "\u{2014} ";

/// Why a checkpoint could not be built, signed or opened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CheckpointError {
    /// The note exceeds [`MAX_NOTE_BYTES`].
    #[error("signed note exceeds {MAX_NOTE_BYTES} bytes")]
    TooLarge,
    /// The note contains an ASCII control character other than newline.
    #[error("signed note contains a control character")]
    ControlCharacter,
    /// The note structure is wrong.
    #[error("malformed signed note: {0}")]
    Malformed(&'static str),
    /// The origin line is invalid.
    #[error("invalid origin: {0}")]
    InvalidOrigin(&'static str),
    /// The tree size line is invalid.
    #[error("invalid tree size line")]
    InvalidSize,
    /// The root hash line is invalid.
    #[error("invalid root hash line")]
    InvalidRoot,
    /// An extension line is invalid.
    #[error("invalid extension line: {0}")]
    InvalidExtension(&'static str),
    /// More than [`MAX_EXTENSIONS`] extension lines.
    #[error("more than {MAX_EXTENSIONS} extension lines")]
    TooManyExtensions,
    /// More than [`MAX_SIGNATURES`] signature lines.
    #[error("more than {MAX_SIGNATURES} signature lines")]
    TooManySignatures,
    /// A key name is invalid.
    #[error("invalid key name: {0}")]
    InvalidKeyName(&'static str),
    /// A signature by the trusted key did not verify.
    #[error("signature by trusted key {key_name} does not verify")]
    BadSignature {
        /// Key name.
        key_name: String,
    },
    /// No signature by the trusted key.
    #[error("no signature by the trusted key {key_name}")]
    NoTrustedSignature {
        /// Key name.
        key_name: String,
    },
    /// The signer failed.
    #[error("signer: {0}")]
    Signer(ExternalError),
}

/// Signature type identifier of a note key (signed-note "Signature types").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureType<'a> {
    /// `0x01`: Ed25519.
    Ed25519,
    /// `0xff` followed by a longer identifier, for algorithms without an assigned byte.
    Other(&'a [u8]),
}

/// The recommended key ID: `SHA-256(name || 0x0A || type || public_key)[:4]`.
pub fn key_id(name: &str, signature_type: SignatureType<'_>, public_key: &[u8]) -> [u8; 4] {
    let mut ctx = digest::Context::new(&digest::SHA256);
    ctx.update(name.as_bytes());
    ctx.update(b"\n");
    match signature_type {
        SignatureType::Ed25519 => ctx.update(&[0x01]),
        SignatureType::Other(identifier) => {
            ctx.update(&[0xff]);
            ctx.update(identifier);
        }
    }
    ctx.update(public_key);
    let d = ctx.finish();
    let mut id = [0u8; 4];
    id.copy_from_slice(d.as_ref().get(..4).unwrap_or(&[0; 4]));
    id
}

/// A note signing key.
pub trait NoteSigner {
    /// Key name (conventionally the log origin).
    fn name(&self) -> &str;
    /// Key ID, see [`key_id`].
    fn key_id(&self) -> [u8; 4];
    /// Signs the note text (the message bytes, not a hash).
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, ExternalError>;
}

/// A trusted note verification key.
pub trait NoteVerifier {
    /// Key name.
    fn name(&self) -> &str;
    /// Key ID, see [`key_id`].
    fn key_id(&self) -> [u8; 4];
    /// Whether `sig` is a valid signature of `msg`.
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool;
}

/// A tree head: origin, size, root hash and extension lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    origin: String,
    size: u64,
    root: Hash,
    extensions: Vec<String>,
}

impl Checkpoint {
    /// A checkpoint without extension lines. The origin must be non-empty, at most
    /// [`MAX_LINE_BYTES`], without control characters, Unicode spaces or `+`.
    pub fn new(origin: &str, size: u64, root: Hash) -> Result<Self, CheckpointError> {
        check_name(origin).map_err(CheckpointError::InvalidOrigin)?;
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        })
    }

    /// Adds an opaque extension line (non-empty, no control characters). A line starting
    /// with [`TIME_EXTENSION_PREFIX`] must carry a valid timestamp and appear once.
    pub fn with_extension(mut self, line: impl Into<String>) -> Result<Self, CheckpointError> {
        let line = line.into();
        if self.extensions.len() >= MAX_EXTENSIONS {
            return Err(CheckpointError::TooManyExtensions);
        }
        check_extension(&line)?;
        if line.starts_with(TIME_EXTENSION_PREFIX) && self.time().is_some() {
            return Err(CheckpointError::InvalidExtension("more than one time line"));
        }
        self.extensions.push(line);
        Ok(self)
    }

    /// Adds the `time <timestamp>` extension line.
    pub fn with_time(self, time: Timestamp) -> Result<Self, CheckpointError> {
        self.with_extension(format!("{TIME_EXTENSION_PREFIX}{time}"))
    }

    /// The log origin.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The tree size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The root hash.
    pub fn root(&self) -> &Hash {
        &self.root
    }

    /// The extension lines, in order.
    pub fn extensions(&self) -> &[String] {
        &self.extensions
    }

    /// The signing time from the `time` extension line, if present.
    pub fn time(&self) -> Option<Timestamp> {
        self.extensions.iter().find_map(|line| {
            line.strip_prefix(TIME_EXTENSION_PREFIX)
                .and_then(|t| Timestamp::parse(t).ok())
        })
    }

    /// The note text (the signed message), ending in a newline.
    pub fn to_note_text(&self) -> String {
        let mut text = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            self.root.to_base64()
        );
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Parses note text strictly, WITHOUT checking any signature: use
    /// [`open_checkpoint`] for anything you rely on.
    pub fn parse_note_text(text: &str) -> Result<Self, CheckpointError> {
        let Some(body) = text.strip_suffix('\n') else {
            return Err(CheckpointError::Malformed(
                "note text must end with a newline",
            ));
        };
        let mut lines = body.split('\n');
        let (Some(origin), Some(size), Some(root)) = (lines.next(), lines.next(), lines.next())
        else {
            return Err(CheckpointError::Malformed("fewer than three lines"));
        };
        let size = parse_size(size)?;
        let root = Hash::from_base64(root).map_err(|_| CheckpointError::InvalidRoot)?;
        let mut checkpoint = Self::new(origin, size, root)?;
        for line in lines {
            checkpoint = checkpoint.with_extension(line)?;
        }
        Ok(checkpoint)
    }
}

/// Signs note text (which must end with a newline and contain no control characters other
/// than newlines); returns the signed note `text || "\n" || signature line`.
pub fn sign_note(text: &str, signer: &dyn NoteSigner) -> Result<String, CheckpointError> {
    if !text.ends_with('\n') {
        return Err(CheckpointError::Malformed(
            "note text must end with a newline",
        ));
    }
    if text.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(CheckpointError::ControlCharacter);
    }
    if text.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge);
    }
    check_name(signer.name()).map_err(CheckpointError::InvalidKeyName)?;
    let signature = signer
        .sign(text.as_bytes())
        .map_err(CheckpointError::Signer)?;
    if signature.is_empty() {
        return Err(CheckpointError::Signer(ExternalError::msg(
            "signer returned an empty signature",
        )));
    }
    let mut blob = Vec::with_capacity(4 + signature.len());
    blob.extend_from_slice(&signer.key_id());
    blob.extend_from_slice(&signature);
    let note = format!(
        "{text}\n{EM_DASH_SPACE}{} {}\n",
        signer.name(),
        STANDARD.encode(blob)
    );
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge);
    }
    Ok(note)
}

/// Verifies a signed note with the trusted key; returns the note text.
///
/// Signatures by other keys (a different name or key ID) are ignored as the signed-note
/// spec requires; a failing signature by the trusted key rejects the whole note, as does
/// the absence of any signature by it.
pub fn open_note<'n>(
    note: &'n str,
    verifier: &dyn NoteVerifier,
) -> Result<&'n str, CheckpointError> {
    if note.len() > MAX_NOTE_BYTES {
        return Err(CheckpointError::TooLarge);
    }
    if note.bytes().any(|b| b < 0x20 && b != b'\n') {
        return Err(CheckpointError::ControlCharacter);
    }
    let Some(split) = note.rfind("\n\n") else {
        return Err(CheckpointError::Malformed(
            "no blank line before the signatures",
        ));
    };
    let (text, signatures) = (&note[..=split], &note[split + 2..]);
    let Some(signatures) = signatures.strip_suffix('\n') else {
        return Err(CheckpointError::Malformed(
            "signature lines must end with a newline",
        ));
    };
    if signatures.is_empty() {
        return Err(CheckpointError::Malformed("no signature lines"));
    }
    let mut verified = false;
    for (count, line) in signatures.split('\n').enumerate() {
        if count >= MAX_SIGNATURES {
            return Err(CheckpointError::TooManySignatures);
        }
        let (name, id, signature) = parse_signature_line(line)?;
        if name == verifier.name() && id == verifier.key_id() {
            if !verifier.verify(text.as_bytes(), &signature) {
                return Err(CheckpointError::BadSignature {
                    key_name: name.to_owned(),
                });
            }
            verified = true;
        }
    }
    if !verified {
        return Err(CheckpointError::NoTrustedSignature {
            key_name: verifier.name().to_owned(),
        });
    }
    Ok(text)
}

/// Signs a checkpoint; returns the signed note.
pub fn sign_checkpoint(
    checkpoint: &Checkpoint,
    signer: &dyn NoteSigner,
) -> Result<String, CheckpointError> {
    sign_note(&checkpoint.to_note_text(), signer)
}

/// Verifies a signed checkpoint with the trusted key (see [`open_note`]) and parses its
/// text strictly. The caller checks the origin it expects.
pub fn open_checkpoint(
    note: &str,
    verifier: &dyn NoteVerifier,
) -> Result<Checkpoint, CheckpointError> {
    Checkpoint::parse_note_text(open_note(note, verifier)?)
}

/// Splits `— <name> <base64(key id || signature)>`.
fn parse_signature_line(line: &str) -> Result<(&str, [u8; 4], Vec<u8>), CheckpointError> {
    let Some(rest) = line.strip_prefix(EM_DASH_SPACE) else {
        return Err(CheckpointError::Malformed(
            "signature line must start with an em dash and a space",
        ));
    };
    let Some((name, encoded)) = rest.split_once(' ') else {
        return Err(CheckpointError::Malformed(
            "signature line needs a key name and a signature",
        ));
    };
    check_name(name).map_err(CheckpointError::InvalidKeyName)?;
    let blob = STANDARD
        .decode(encoded)
        .map_err(|_| CheckpointError::Malformed("signature is not base64"))?;
    match blob.split_first_chunk::<4>() {
        Some((id, signature)) if !signature.is_empty() => Ok((name, *id, signature.to_vec())),
        _ => Err(CheckpointError::Malformed("signature too short")),
    }
}

/// Origin and key name rules: non-empty, bounded, no control characters, no Unicode
/// whitespace, no `+`.
fn check_name(name: &str) -> Result<(), &'static str> {
    if name.is_empty() || name.len() > MAX_LINE_BYTES {
        return Err("must be 1 to 1024 bytes");
    }
    if name
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '+')
    {
        return Err("must not contain spaces, control characters or '+'");
    }
    Ok(())
}

fn check_extension(line: &str) -> Result<(), CheckpointError> {
    if line.is_empty() || line.len() > MAX_LINE_BYTES {
        return Err(CheckpointError::InvalidExtension("must be 1 to 1024 bytes"));
    }
    if line.chars().any(char::is_control) {
        return Err(CheckpointError::InvalidExtension(
            "contains control characters",
        ));
    }
    match line.strip_prefix(TIME_EXTENSION_PREFIX) {
        Some(time) if Timestamp::parse(time).is_err() => {
            Err(CheckpointError::InvalidExtension("bad time"))
        }
        _ => Ok(()),
    }
}

/// ASCII decimal without sign or leading zeros.
fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let canonical = !line.is_empty()
        && line.len() <= 20
        && line.bytes().all(|b| b.is_ascii_digit())
        && (line == "0" || !line.starts_with('0'));
    if !canonical {
        return Err(CheckpointError::InvalidSize);
    }
    line.parse().map_err(|_| CheckpointError::InvalidSize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_parsing_is_strict() {
        assert_eq!(parse_size("0").unwrap(), 0);
        assert_eq!(parse_size("18446744073709551615").unwrap(), u64::MAX);
        for bad in ["", "01", "+1", "-1", "1 ", "18446744073709551616", "1e3"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ed25519_key_id_matches_go_sumdb_convention() {
        // Key ID of an all-zero Ed25519 key named "a", computed independently:
        // SHA-256("a\n\x01" || 32 zero bytes)[:4].
        let mut data = b"a\n\x01".to_vec();
        data.extend_from_slice(&[0u8; 32]);
        let expected = crate::hash::sha256_bytes(&data);
        assert_eq!(
            key_id("a", SignatureType::Ed25519, &[0u8; 32]),
            expected.as_bytes()[..4]
        );
        assert_ne!(
            key_id("a", SignatureType::Other(b"x"), &[0u8; 32]),
            key_id("a", SignatureType::Other(b"y"), &[0u8; 32])
        );
    }

    #[test]
    fn checkpoint_body_rules() {
        let root = crate::hash::empty_root();
        assert!(Checkpoint::new("", 0, root).is_err());
        assert!(Checkpoint::new("a b", 0, root).is_err());
        assert!(Checkpoint::new("a+b", 0, root).is_err());
        let cp = Checkpoint::new("bank.example/audit", 5, root).unwrap();
        assert!(cp.clone().with_extension("").is_err());
        assert!(cp.clone().with_extension("time yesterday").is_err());
        let ts = Timestamp::parse("2026-11-29T09:10:00.000000Z").unwrap();
        let cp = cp.with_time(ts).unwrap();
        assert!(cp.clone().with_time(ts).is_err());
        assert_eq!(cp.time(), Some(ts));
        let text = cp.to_note_text();
        assert_eq!(
            text,
            "bank.example/audit\n5\n47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=\n\
             time 2026-11-29T09:10:00.000000Z\n"
        );
        assert_eq!(Checkpoint::parse_note_text(&text).unwrap(), cp);
        assert!(Checkpoint::parse_note_text("a\n1\n").is_err());
        assert!(Checkpoint::parse_note_text(&text.replace("\ntime", "\n\ntime")).is_err());
    }
}
