//! `pqbank crypto`: key generation, signing, verification, sealing and opening on files, for
//! operators and interoperability. Keys are PKCS#8 (private) and SPKI (public), PEM or DER
//! (detected); signatures and sealed boxes are raw bytes.

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::OpenOptionsExt as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use pqbank_crypto::registry::{self, Kind};
use pqbank_crypto::seal::{self, SealedBox};
use pqbank_crypto::sig::{Signature, SigningKey, VerifyingKey};
use pqbank_crypto::{DecapsulationKey, EncapsulationKey, KemAlgorithm};
use rand::SeedableRng as _;
use rand::rngs::StdRng;
use zeroize::Zeroizing;

/// Largest input file the commands read.
const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// Crypto operations on files.
#[derive(Debug, Subcommand)]
pub enum CryptoCommand {
    /// List the algorithm registry (ids, names, OIDs, sizes).
    Algorithms,
    /// Generate a key pair: PREFIX.key.pem (PKCS#8, mode 0600) and PREFIX.pub.pem (SPKI).
    Keygen(KeygenArgs),
    /// Sign a file with a private signature key.
    Sign(SignArgs),
    /// Verify a signature over a file with a public key (exit 0 valid, 1 invalid).
    Verify(VerifyArgs),
    /// Encrypt a file to a KEM public key (KEM + HKDF-SHA256 + AES-256-GCM, HPKE structure).
    Seal(SealArgs),
    /// Decrypt a sealed file with the KEM private key.
    Open(OpenArgs),
}

/// `keygen` options.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Algorithm id or name (see `pqbank crypto algorithms`), e.g. mldsa65-ed25519 or xwing.
    #[arg(long)]
    pub alg: String,
    /// Output path prefix.
    #[arg(long)]
    pub out: PathBuf,
}

/// `sign` options.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// Private key (PKCS#8 PEM or DER).
    #[arg(long)]
    pub key: PathBuf,
    /// File to sign.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the signature (raw bytes).
    #[arg(long)]
    pub out: PathBuf,
    /// Application context string (ML-DSA and composites; at most 255 bytes).
    #[arg(long, default_value = "")]
    pub context: String,
}

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Public key (SPKI PEM or DER).
    #[arg(long = "pub")]
    pub public: PathBuf,
    /// Signed file.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Signature (raw bytes).
    #[arg(long)]
    pub sig: PathBuf,
    /// Application context string used when signing.
    #[arg(long, default_value = "")]
    pub context: String,
}

/// `seal` options.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// Recipient's KEM public key (SPKI PEM or DER).
    #[arg(long)]
    pub to: PathBuf,
    /// Plaintext file.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the sealed box.
    #[arg(long)]
    pub out: PathBuf,
    /// Info string bound into the key schedule.
    #[arg(long, default_value = "")]
    pub info: String,
    /// Additional authenticated data.
    #[arg(long, default_value = "")]
    pub aad: String,
}

/// `open` options.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// KEM private key (PKCS#8 PEM or DER).
    #[arg(long)]
    pub key: PathBuf,
    /// Sealed box.
    #[arg(long = "in")]
    pub input: PathBuf,
    /// Where to write the plaintext.
    #[arg(long)]
    pub out: PathBuf,
    /// Info string used when sealing.
    #[arg(long, default_value = "")]
    pub info: String,
    /// Additional authenticated data used when sealing.
    #[arg(long, default_value = "")]
    pub aad: String,
}

/// A CSPRNG seeded from the operating system (via aws-lc-rs): the CLI is the edge where the
/// real randomness source is chosen.
fn os_rng() -> Result<StdRng, String> {
    let mut seed = Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(seed.as_mut())
        .map_err(|_| "the system random number generator failed".to_owned())?;
    Ok(StdRng::from_seed(*seed))
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    let len = fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if len > MAX_INPUT {
        return Err(format!("{}: larger than {MAX_INPUT} bytes", path.display()));
    }
    fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// DER from PEM (any label matching `want`) or the bytes themselves.
fn der_from(path: &Path, want: &str) -> Result<Zeroizing<Vec<u8>>, String> {
    let bytes = Zeroizing::new(read(path)?);
    if bytes.starts_with(b"-----BEGIN") {
        let (label, der) = der::pem::decode_vec(&bytes)
            .map_err(|e| format!("{}: bad PEM: {e}", path.display()))?;
        if label != want {
            return Err(format!(
                "{}: expected a PEM \"{want}\", found \"{label}\"",
                path.display()
            ));
        }
        return Ok(Zeroizing::new(der));
    }
    Ok(bytes)
}

fn pem(label: &str, der: &[u8]) -> Result<Zeroizing<String>, String> {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der)
        .map(Zeroizing::new)
        .map_err(|e| e.to_string())
}

fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), String> {
    let mut opts = fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    if private {
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("{}: {e}", path.display()))
}

enum PrivateKey {
    Sig(SigningKey),
    Kem(DecapsulationKey),
}

fn load_private(path: &Path) -> Result<PrivateKey, String> {
    let der = der_from(path, "PRIVATE KEY")?;
    if let Ok(k) = SigningKey::from_pkcs8_der(&der) {
        return Ok(PrivateKey::Sig(k));
    }
    DecapsulationKey::from_pkcs8_der(&der)
        .map(PrivateKey::Kem)
        .map_err(|e| format!("{}: not a supported private key: {e}", path.display()))
}

/// Runs a crypto command.
#[allow(clippy::print_stdout)] // a CLI prints its results
pub fn run(command: CryptoCommand) -> Result<(), String> {
    match command {
        CryptoCommand::Algorithms => {
            println!(
                "{:<22} {:<34} {:<28} {:<9} {:>7} {:>7} {:>8}",
                "ID", "NAME", "OID", "KIND", "PK", "SK", "SIG/CT"
            );
            for a in registry::all() {
                let kind = match a.kind {
                    Kind::Signature => "signature",
                    Kind::Kem => "kem",
                };
                println!(
                    "{:<22} {:<34} {:<28} {:<9} {:>7} {:>7} {:>8}",
                    a.id,
                    a.name,
                    a.oid,
                    kind,
                    a.public_key_len,
                    a.secret_key_len,
                    a.signature_or_ciphertext_len
                );
            }
            Ok(())
        }
        CryptoCommand::Keygen(args) => {
            let info = registry::lookup(&args.alg).ok_or_else(|| {
                format!(
                    "unknown algorithm {:?}; see `pqbank crypto algorithms`",
                    args.alg
                )
            })?;
            let mut rng = os_rng()?;
            let (secret, public) = match info.kind {
                Kind::Signature => {
                    let alg = pqbank_crypto::sig::SignatureAlgorithm::from_id(info.id)
                        .map_err(|e| e.to_string())?;
                    let key = SigningKey::generate(alg, &mut rng).map_err(|e| e.to_string())?;
                    let sk = key.to_pkcs8_der().map_err(|e| e.to_string())?;
                    (
                        pem("PRIVATE KEY", sk.expose())?,
                        key.public_key().to_spki_der().map_err(|e| e.to_string())?,
                    )
                }
                Kind::Kem => {
                    let alg = KemAlgorithm::from_id(info.id).map_err(|e| e.to_string())?;
                    let key =
                        DecapsulationKey::generate(alg, &mut rng).map_err(|e| e.to_string())?;
                    let sk = key.to_pkcs8_der().map_err(|e| e.to_string())?;
                    (
                        pem("PRIVATE KEY", sk.expose())?,
                        key.encapsulation_key()
                            .to_spki_der()
                            .map_err(|e| e.to_string())?,
                    )
                }
            };
            let prefix = args.out.display().to_string();
            let key_path = PathBuf::from(format!("{prefix}.key.pem"));
            let pub_path = PathBuf::from(format!("{prefix}.pub.pem"));
            write_file(&key_path, secret.as_bytes(), true)?;
            write_file(&pub_path, pem("PUBLIC KEY", &public)?.as_bytes(), false)?;
            println!(
                "{} key pair: {} (private, 0600), {} (public)",
                info.name,
                key_path.display(),
                pub_path.display()
            );
            Ok(())
        }
        CryptoCommand::Sign(args) => {
            let PrivateKey::Sig(key) = load_private(&args.key)? else {
                return Err(format!("{}: a KEM key cannot sign", args.key.display()));
            };
            let msg = read(&args.input)?;
            let sig = key
                .sign(&msg, args.context.as_bytes(), &mut os_rng()?)
                .map_err(|e| e.to_string())?;
            write_file(&args.out, sig.as_bytes(), false)?;
            println!(
                "signed with {} ({} bytes) -> {}",
                key.algorithm().info().name,
                sig.as_bytes().len(),
                args.out.display()
            );
            Ok(())
        }
        CryptoCommand::Verify(args) => {
            let spki = der_from(&args.public, "PUBLIC KEY")?;
            let key = VerifyingKey::from_spki_der(&spki)
                .map_err(|e| format!("{}: {e}", args.public.display()))?;
            let sig = Signature::from_bytes(key.algorithm(), &read(&args.sig)?)
                .map_err(|e| format!("{}: {e}", args.sig.display()))?;
            let msg = read(&args.input)?;
            key.verify(&msg, args.context.as_bytes(), &sig)
                .map_err(|_| "signature INVALID".to_owned())?;
            println!("signature valid ({})", key.algorithm().info().name);
            Ok(())
        }
        CryptoCommand::Seal(args) => {
            let spki = der_from(&args.to, "PUBLIC KEY")?;
            let ek = EncapsulationKey::from_spki_der(&spki)
                .map_err(|e| format!("{}: {e}", args.to.display()))?;
            let plaintext = Zeroizing::new(read(&args.input)?);
            let sealed = seal::seal(
                &ek,
                args.info.as_bytes(),
                args.aad.as_bytes(),
                &plaintext,
                &mut os_rng()?,
            )
            .map_err(|e| e.to_string())?;
            write_file(&args.out, &sealed.to_bytes(), false)?;
            println!(
                "sealed to {} -> {}",
                ek.algorithm().info().name,
                args.out.display()
            );
            Ok(())
        }
        CryptoCommand::Open(args) => {
            let PrivateKey::Kem(key) = load_private(&args.key)? else {
                return Err(format!("{}: not a KEM private key", args.key.display()));
            };
            let sealed = SealedBox::from_bytes(&read(&args.input)?)
                .map_err(|e| format!("{}: {e}", args.input.display()))?;
            let plaintext = seal::open(&key, args.info.as_bytes(), args.aad.as_bytes(), &sealed)
                .map_err(|_| {
                    "cannot open: wrong key, info, AAD, or the box was altered".to_owned()
                })?;
            write_file(&args.out, plaintext.expose(), true)?;
            println!("opened -> {}", args.out.display());
            Ok(())
        }
    }
}
