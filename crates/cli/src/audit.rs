//! `pqbank audit verify DIR`: offline verification of an audit log export (written by
//! `pqbank audit export --out DIR` on the server). No server is needed:
//!
//! 1. the audit signing certificate is validated against the CA certificates (issuing CA and
//!    root; the root is the one given with `--trust-root`, else the exported one, whose
//!    fingerprint is printed so it can be compared with one obtained out of band) at the time of
//!    the first and the last checkpoint, with the audit-signer profile;
//! 2. every checkpoint's composite ML-DSA-65 + Ed25519 signature is checked;
//! 3. every entry is parsed (canonical RFC 8785 only), its index checked, its leaf hash compared
//!    with the stored one (when `leaf-hashes.txt` is present), and the Merkle tree recomputed;
//!    every checkpoint's root must match the recomputed root at its size, which also proves each
//!    checkpoint consistent with the previous one (both are prefixes of the same recomputed log);
//! 4. client signatures carried by entries are re-verified with the device certificates
//!    (`device-certs.pem`) over the signed payloads (`payloads/<sha256 hex>`).
//!
//! Exit status 0 with a summary, or non-zero with the first bad entry named.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::{Args, Subcommand};
use pqbank_audit::checkpoint::COMPOSITE_MLDSA65_ED25519_TYPE;
use pqbank_audit::{
    AuditEvent, Checkpoint, EventSignatureVerifier, ExternalError, Hash, NoteVerifier,
    SignatureType, SignedPayload, Verifier, key_id,
};
use pqbank_crypto::sig::{Signature, VerifyingKey};
use pqbank_pki::{CaChain, Cert, validate_audit_signer};

/// Largest line of `entries.jsonl` read (an event is at most 16 KiB).
const MAX_LINE: usize = 64 * 1024;
/// Most checkpoints read from an export.
const MAX_CHECKPOINTS: usize = 1_000_000;
/// Largest certificate file read.
const MAX_PEM_FILE: u64 = 16 * 1024 * 1024;

/// Offline audit log commands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify an exported audit log without a server (signatures, every entry, the tree).
    Verify(VerifyArgs),
}

/// `pqbank audit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The export directory.
    pub dir: PathBuf,
    /// Root CA certificate (PEM) to trust. Default: the root in the export (its SHA-256
    /// fingerprint is printed; compare it with one obtained out of band).
    #[arg(long)]
    pub trust_root: Option<PathBuf>,
    /// Do not show a progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Runs an audit command.
pub fn run(command: AuditCommand) -> Result<(), String> {
    match command {
        AuditCommand::Verify(args) => verify(&args).map(drop),
    }
}

/// What a successful verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// Entries verified.
    pub entries: u64,
    /// Checkpoints verified.
    pub checkpoints: usize,
    /// Entries covered by the latest checkpoint.
    pub anchored: u64,
    /// Client signatures re-verified.
    pub signatures: u64,
    /// Root of all entries.
    pub root: Hash,
}

/// Checkpoint note verifier for a composite audit key.
struct NoteKey {
    name: String,
    key: VerifyingKey,
    id: [u8; 4],
}

impl NoteKey {
    fn new(origin: &str, key: VerifyingKey) -> Self {
        let id = key_id(
            origin,
            SignatureType::Other(COMPOSITE_MLDSA65_ED25519_TYPE),
            key.as_bytes(),
        );
        Self {
            name: origin.to_owned(),
            key,
            id,
        }
    }
}

impl NoteVerifier for NoteKey {
    fn name(&self) -> &str {
        &self.name
    }
    fn key_id(&self) -> [u8; 4] {
        self.id
    }
    fn verify(&self, msg: &[u8], sig: &[u8]) -> bool {
        Signature::from_bytes(self.key.algorithm(), sig)
            .and_then(|sig| self.key.verify(msg, b"", &sig))
            .is_ok()
    }
}

/// Re-verifies client signatures with exported device certificates and payloads.
struct DeviceSignatures {
    certs: HashMap<String, Cert>,
    issuers: Vec<Cert>,
    payload_dir: PathBuf,
}

impl EventSignatureVerifier for DeviceSignatures {
    fn verify_event_signature(
        &self,
        event: &AuditEvent,
        signed: &SignedPayload,
    ) -> Result<(), ExternalError> {
        let serial = signed.cert_serial.as_str();
        let cert = self.certs.get(serial).ok_or_else(|| {
            ExternalError::msg(format!("device certificate {serial} not in the export"))
        })?;
        if !self
            .issuers
            .iter()
            .any(|ca| cert.verify_issued_by(ca).is_ok())
        {
            return Err(ExternalError::msg(format!(
                "device certificate {serial} was not issued by the bank's CA"
            )));
        }
        let key = cert.verifying_key().map_err(ExternalError::new)?;
        if key.algorithm().id() != signed.algorithm.as_str() {
            return Err(ExternalError::msg(
                "signature algorithm differs from the certificate's",
            ));
        }
        let path = self.payload_dir.join(signed.payload_sha256.to_hex());
        let payload = std::fs::read(&path).map_err(|e| {
            ExternalError::msg(format!(
                "signed payload {} not readable: {e}",
                path.display()
            ))
        })?;
        if pqbank_audit::hash::sha256_bytes(&payload) != signed.payload_sha256 {
            return Err(ExternalError::msg("payload does not match its hash"));
        }
        let sig = Signature::from_bytes(key.algorithm(), &signed.signature)
            .map_err(ExternalError::new)?;
        // Each kind of client-signed payload has its own signature context.
        let context: &[u8] = match event.action.as_str() {
            "transfer.create" | "cash.deposit" | "cash.withdraw" => {
                pqbank_domain::payload::TRANSFER_SIGNATURE_CONTEXT
            }
            "transfer.approve" | "transfer.reject" => {
                pqbank_domain::payload::APPROVAL_SIGNATURE_CONTEXT
            }
            _ => b"",
        };
        key.verify(&payload, context, &sig)
            .map_err(ExternalError::new)
    }
}

fn read_small(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_PEM_FILE {
        return Err(format!("{}: file too large", path.display()));
    }
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))
}

/// Every certificate of a PEM file.
fn read_certs(path: &Path) -> Result<Vec<Cert>, String> {
    let text = read_small(path)?;
    const END: &str = "-----END CERTIFICATE-----";
    let mut certs = Vec::new();
    for block in text.split_inclusive(END).filter(|b| b.contains(END)) {
        certs.push(Cert::from_pem(block.trim()).map_err(|e| format!("{}: {e}", path.display()))?);
    }
    Ok(certs)
}

fn fingerprint(cert: &Cert) -> String {
    hex::encode(pqbank_audit::hash::sha256_bytes(cert.der()).as_bytes())
}

fn read_manifest(dir: &Path) -> Result<(String, u64), String> {
    let text = read_small(&dir.join("manifest.json"))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("manifest.json: {e}"))?;
    if value.get("format").and_then(|f| f.as_str()) != Some("pqbank-audit-export-v1") {
        return Err("manifest.json: not a pqbank-audit-export-v1 export".into());
    }
    let origin = value
        .get("origin")
        .and_then(|o| o.as_str())
        .ok_or("manifest.json: no origin")?
        .to_owned();
    let size = value
        .get("size")
        .and_then(serde_json::Value::as_u64)
        .unwrap_or(0);
    Ok((origin, size))
}

fn read_notes(dir: &Path) -> Result<Vec<String>, String> {
    let cp_dir = dir.join("checkpoints");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&cp_dir)
        .map_err(|e| format!("{}: {e}", cp_dir.display()))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "note"))
        .collect();
    if paths.len() > MAX_CHECKPOINTS {
        return Err("too many checkpoints".into());
    }
    paths.sort();
    paths.iter().map(|p| read_small(p)).collect()
}

/// The text part of a signed note.
fn note_text(note: &str) -> &str {
    note.rfind("\n\n").map_or(note, |i| &note[..=i])
}

/// The audit certificate's chain: its issuing CA from the export, under the trusted root.
fn audit_chain(audit: &Cert, cas: &[Cert], roots: &[Cert]) -> Result<CaChain, String> {
    let issuer = audit.issuer();
    let issuing = cas
        .iter()
        .find(|c| c.subject() == issuer && audit.verify_issued_by(c).is_ok())
        .ok_or("the audit certificate's issuing CA is not in ca-certs.pem")?;
    let root = roots
        .iter()
        .find(|r| issuing.verify_issued_by(r).is_ok())
        .ok_or("the audit certificate does not chain to the trusted root")?;
    CaChain::new(issuing.clone(), root.clone()).map_err(|e| format!("CA chain: {e}"))
}

/// Verifies an export directory; prints the summary (or returns the first problem).
#[allow(clippy::print_stdout, clippy::print_stderr)] // a CLI prints its results
pub fn verify(args: &VerifyArgs) -> Result<Summary, String> {
    // Timing only (a CLI measurement), never used for decisions.
    #[allow(clippy::disallowed_methods)]
    let started = Instant::now();
    let dir = &args.dir;
    let (origin, manifest_size) = read_manifest(dir)?;
    let cas = read_certs(&dir.join("ca-certs.pem"))?;
    let audit_certs = read_certs(&dir.join("audit-cert.pem"))?;
    let roots: Vec<Cert> = match &args.trust_root {
        Some(path) => read_certs(path)?,
        None => {
            let roots: Vec<Cert> = cas
                .iter()
                .filter(|c| c.subject() == c.issuer() && c.verify_issued_by(c).is_ok())
                .cloned()
                .collect();
            for r in &roots {
                eprintln!(
                    "warning: trusting the exported root CA {} (SHA-256 {}); pass --trust-root to pin it",
                    r.subject(),
                    fingerprint(r)
                );
            }
            roots
        }
    };
    let notes = read_notes(dir)?;
    if notes.is_empty() {
        return Err("the export has no checkpoint: nothing anchors the log".into());
    }

    // The audit key that signed the checkpoints (the most recent certificate first).
    let mut chosen = None;
    let mut last_err = String::from("audit-cert.pem has no certificate");
    for cert in audit_certs.iter().rev() {
        let key = cert
            .verifying_key()
            .map_err(|e| format!("audit certificate: {e}"))?;
        let note_key = NoteKey::new(&origin, key);
        match Verifier::new(&origin, &note_key, &notes) {
            Ok(_) => {
                chosen = Some((cert.clone(), note_key));
                break;
            }
            Err(e) => last_err = e.to_string(),
        }
    }
    let Some((audit_cert, note_key)) = chosen else {
        return Err(format!("checkpoints: {last_err}"));
    };
    let times: Vec<time::OffsetDateTime> = notes
        .iter()
        .filter_map(|n| Checkpoint::parse_note_text(note_text(n)).ok())
        .filter_map(|c| c.time())
        .map(|t| t.as_offset_date_time())
        .collect();
    let chain = audit_chain(&audit_cert, &cas, &roots)?;
    for t in [times.iter().min(), times.iter().max()]
        .into_iter()
        .flatten()
    {
        validate_audit_signer(audit_cert.der(), &chain, *t)
            .map_err(|e| format!("audit certificate invalid at checkpoint time {t}: {e}"))?;
    }
    if times.is_empty() {
        return Err("checkpoints carry no signing time".into());
    }

    let device_certs = match dir.join("device-certs.pem") {
        p if p.exists() => read_certs(&p)?,
        _ => Vec::new(),
    };
    let signatures = DeviceSignatures {
        certs: device_certs
            .into_iter()
            .filter_map(|c| Some((c.serial().ok()?.to_hex(), c)))
            .collect(),
        issuers: cas.iter().filter(|c| c.is_ca()).cloned().collect(),
        payload_dir: dir.join("payloads"),
    };

    let bar = if args.quiet {
        indicatif::ProgressBar::hidden()
    } else {
        let bar = indicatif::ProgressBar::new(manifest_size);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {pos}/{len} entries [{bar:40}] {per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    };
    let progress_bar = bar.clone();
    let mut verifier = Verifier::new(&origin, &note_key, &notes)
        .map_err(|e| e.to_string())?
        .with_event_signatures(&signatures)
        .with_progress(move |done| progress_bar.set_position(done));

    let entries_path = dir.join("entries.jsonl");
    let mut entries = BufReader::with_capacity(
        1 << 20,
        File::open(&entries_path).map_err(|e| format!("{}: {e}", entries_path.display()))?,
    );
    let hashes_path = dir.join("leaf-hashes.txt");
    let mut hashes = match File::open(&hashes_path) {
        Ok(f) => Some(BufReader::with_capacity(1 << 20, f).lines()),
        Err(_) => None,
    };
    let mut line = Vec::with_capacity(4096);
    loop {
        line.clear();
        let n = (&mut entries)
            .take(u64::try_from(MAX_LINE).unwrap_or(u64::MAX))
            .read_until(b'\n', &mut line)
            .map_err(|e| format!("{}: {e}", entries_path.display()))?;
        if n == 0 {
            break;
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        } else if n >= MAX_LINE {
            return Err(format!(
                "entry {}: line longer than {MAX_LINE} bytes",
                verifier.events()
            ));
        }
        let stored = match hashes.as_mut().and_then(Iterator::next) {
            Some(Ok(hex)) => Some(
                Hash::from_hex(hex.trim())
                    .map_err(|e| format!("leaf-hashes.txt line {}: {e}", verifier.events() + 1))?,
            ),
            _ => None,
        };
        let result = match &stored {
            Some(h) => verifier.push_with_stored_hash(&line, h),
            None => verifier.push(&line),
        };
        if let Err(e) = result {
            bar.abandon();
            return Err(first_bad(&e));
        }
    }
    let report = verifier.finish().map_err(|e| {
        bar.abandon();
        first_bad(&e)
    })?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    let summary = Summary {
        entries: report.events,
        checkpoints: report.checkpoints,
        anchored: report.anchored_events,
        signatures: report.signatures_checked,
        root: report.root,
    };
    let rate = report.events as f64 / elapsed.as_secs_f64().max(1e-9);
    println!("audit log OK: {origin}");
    println!("  entries:             {}", summary.entries);
    println!(
        "  checkpoints:         {} (latest covers {} entries)",
        summary.checkpoints, summary.anchored
    );
    if summary.anchored < summary.entries {
        println!(
            "  WARNING: {} entries after the latest checkpoint are not anchored by a signature",
            summary.entries - summary.anchored
        );
    }
    println!("  client signatures:   {}", summary.signatures);
    println!("  root (SHA-256):      {}", summary.root);
    println!(
        "  audit certificate:   {} (serial {})",
        audit_cert.subject(),
        audit_cert.serial().map(|s| s.to_hex()).unwrap_or_default()
    );
    println!(
        "  trusted root:        {} (SHA-256 {})",
        chain.root().subject(),
        fingerprint(chain.root())
    );
    println!(
        "  time:                {:.2?} ({rate:.0} entries/s)",
        elapsed
    );
    Ok(summary)
}

fn first_bad(e: &pqbank_audit::VerifyError) -> String {
    match e.entry_index() {
        Some(i) => format!("audit log INVALID: first bad entry {i}: {e}"),
        None => format!("audit log INVALID: {e}"),
    }
}
