//! `pqbank cert`: inspect certificates, CSRs and CRLs (PEM or DER), and verify a device
//! certificate offline against the bank's CA chain and CRL.
//!
//! Exit codes: 0 success (valid), 1 the certificate is not valid, 2 unusable input (unreadable
//! file, not a certificate, a chain that does not fit together).

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use aws_lc_rs::digest;
use clap::{Args, Subcommand};
use pqbank_crypto::registry;
use pqbank_pki::{
    CaChain, Cert, CertPublicKey, Crl, Csr, PkiError, Revocation, RevocationSet, ValidatedCert,
    validate_end_entity_unbound,
};
use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Largest file read (certificates, CSRs and CRLs have their own, smaller limits in pqbank-pki).
const MAX_FILE: u64 = 16 * 1024 * 1024;
/// Most certificates a chain file may hold.
const MAX_CHAIN_CERTS: usize = 16;
/// Most CRL files.
const MAX_CRLS: usize = 8;
/// Most revoked entries listed in JSON.
const MAX_JSON_ENTRIES: usize = 10_000;

/// Certificate operations.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Describe a certificate, CSR or CRL (PEM or DER).
    Inspect(InspectArgs),
    /// Verify a device certificate against the CA chain (root + issuing) and, with --crl, its
    /// revocation status (exit 0 valid, 1 invalid, 2 unusable input).
    Verify(VerifyArgs),
}

/// `inspect` options.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// Certificate, CSR or CRL file (PEM or DER).
    pub file: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `verify` options.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The device certificate (PEM or DER).
    pub file: PathBuf,
    /// PEM file with the root CA and the issuing CA(s) (as served at /pki/ca.pem).
    #[arg(long)]
    pub chain: PathBuf,
    /// CRL of the issuing CA (DER or PEM, as served at /pki/crl.der); may be repeated (e.g. a
    /// CRL of the root too). Without it revocation is not checked (and the output says so).
    #[arg(long)]
    pub crl: Vec<PathBuf>,
    /// Validation time (RFC 3339, e.g. 2026-06-01T12:00:00Z); default: now.
    #[arg(long)]
    pub at: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Unusable input (exit 2) or an invalid certificate (exit 1).
enum Failure {
    Input(String),
    Invalid(String),
}

fn input(e: impl core::fmt::Display) -> Failure {
    Failure::Input(e.to_string())
}

/// Runs a `cert` subcommand.
#[allow(clippy::print_stdout, clippy::print_stderr)] // a CLI prints its results
pub fn run(command: CertCommand) -> ExitCode {
    let result = match command {
        CertCommand::Inspect(args) => inspect(&args),
        CertCommand::Verify(args) => verify(&args),
    };
    match result {
        Ok(out) => {
            print!("{out}");
            ExitCode::SUCCESS
        }
        Err(Failure::Invalid(e)) => {
            eprintln!("pqbank: certificate NOT valid: {e}");
            ExitCode::from(1)
        }
        Err(Failure::Input(e)) => {
            eprintln!("pqbank: {e}");
            ExitCode::from(2)
        }
    }
}

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    let file = fs::File::open(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| input(format!("{}: {e}", path.display())))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(input(format!(
            "{}: larger than {} MiB",
            path.display(),
            MAX_FILE >> 20
        )));
    }
    Ok(bytes)
}

/// What an input file holds.
enum Object {
    Cert(Cert),
    Crl(Crl),
    Csr(Csr),
}

fn is_pem(bytes: &[u8]) -> bool {
    bytes.trim_ascii_start().starts_with(b"-----BEGIN ")
}

/// Detects and parses a certificate, CRL or CSR (PEM by label, DER by trying each).
fn parse_object(path: &Path, bytes: &[u8]) -> Result<Object, Failure> {
    let what = |e: PkiError| {
        input(format!(
            "{}: not a usable certificate, CSR or CRL ({e})",
            path.display()
        ))
    };
    if is_pem(bytes) {
        let text = core::str::from_utf8(bytes).map_err(|_| input("PEM is not UTF-8"))?;
        return if text.contains("-----BEGIN X509 CRL-----") {
            Crl::from_pem(text).map(Object::Crl).map_err(what)
        } else if text.contains("-----BEGIN CERTIFICATE REQUEST-----") {
            Csr::parse(bytes).map(Object::Csr).map_err(what)
        } else if text.contains("-----BEGIN CERTIFICATE-----") {
            Cert::from_pem(text).map(Object::Cert).map_err(what)
        } else {
            Err(input(format!(
                "{}: PEM holds no CERTIFICATE, CERTIFICATE REQUEST or X509 CRL block",
                path.display()
            )))
        };
    }
    if let Ok(cert) = Cert::from_der(bytes) {
        return Ok(Object::Cert(cert));
    }
    if let Ok(crl) = Crl::from_der(bytes) {
        return Ok(Object::Crl(crl));
    }
    Csr::from_der(bytes).map(Object::Csr).map_err(|_| {
        input(format!(
            "{}: neither PEM nor a DER certificate, CSR or CRL",
            path.display()
        ))
    })
}

fn inspect(args: &InspectArgs) -> Result<String, Failure> {
    let bytes = read(&args.file)?;
    let object = parse_object(&args.file, &bytes)?;
    if !args.json {
        return Ok(match &object {
            Object::Cert(cert) => pqbank_pki::inspect_cert(cert),
            Object::Crl(crl) => pqbank_pki::inspect_crl(crl),
            Object::Csr(csr) => pqbank_pki::inspect_csr(csr),
        });
    }
    let value = match &object {
        Object::Cert(cert) => cert_json(cert)?,
        Object::Crl(crl) => crl_json(crl)?,
        Object::Csr(csr) => csr_json(csr),
    };
    pretty(&value)
}

fn pretty(value: &Value) -> Result<String, Failure> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(input)
}

fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_else(|_| t.to_string())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(digest::digest(&digest::SHA256, bytes))
}

/// `{ "oid", "id", "name" }` of an algorithm OID (id and name when the registry knows it).
fn algorithm_json(oid: &str) -> Value {
    match registry::by_oid(oid) {
        Some(info) => json!({ "oid": oid, "id": info.id, "name": info.name }),
        None => json!({ "oid": oid, "id": null, "name": null }),
    }
}

fn pki(e: PkiError) -> Failure {
    input(format!("unusable field: {e}"))
}

fn cert_json(cert: &Cert) -> Result<Value, Failure> {
    let tbs = cert.x509().tbs_certificate();
    Ok(json!({
        "type": "certificate",
        "subject": cert.subject(),
        "issuer": cert.issuer(),
        "serial": cert.serial().map_err(pki)?.to_hex(),
        "not_before": rfc3339(cert.not_before().map_err(pki)?),
        "not_after": rfc3339(cert.not_after().map_err(pki)?),
        "is_ca": cert.is_ca(),
        "self_signed": cert.subject() == cert.issuer(),
        "signature_algorithm": algorithm_json(&cert.x509().signature_algorithm().oid.to_string()),
        "public_key_algorithm": algorithm_json(
            &tbs.subject_public_key_info().algorithm.oid.to_string()
        ),
        "subject_alt_uris": cert.san_uris().map_err(pki)?,
        "sha256_fingerprint": sha256_hex(cert.der()),
        "der_len": cert.der().len(),
    }))
}

fn crl_json(crl: &Crl) -> Result<Value, Failure> {
    let entries = crl.entries().map_err(pki)?;
    let revoked: Vec<Value> = entries
        .iter()
        .take(MAX_JSON_ENTRIES)
        .map(|e| {
            json!({
                "serial": e.serial.to_hex(),
                "revoked_at": rfc3339(e.revoked_at),
                "reason": e.reason.name(),
            })
        })
        .collect();
    Ok(json!({
        "type": "crl",
        "issuer": crl.issuer(),
        "number": crl.number().map_err(pki)?,
        "this_update": rfc3339(crl.this_update().map_err(pki)?),
        "next_update": rfc3339(crl.next_update().map_err(pki)?),
        "signature_algorithm": algorithm_json(&crl.x509().signature_algorithm.oid.to_string()),
        "revoked_count": entries.len(),
        "revoked": revoked,
        "sha256_fingerprint": sha256_hex(crl.der()),
    }))
}

fn csr_json(csr: &Csr) -> Value {
    let req = csr.x509();
    let proof = csr.clone().verify();
    json!({
        "type": "csr",
        "subject": csr.subject(),
        "signature_algorithm": algorithm_json(&req.algorithm.oid.to_string()),
        "public_key_algorithm": algorithm_json(&req.info.public_key.algorithm.oid.to_string()),
        "proof_of_possession": proof.is_ok(),
        "proof_error": proof.err().map(|e| e.to_string()),
        "sha256_fingerprint": sha256_hex(csr.der()),
    })
}

/// The PEM `CERTIFICATE` blocks of a chain file.
fn parse_chain(path: &Path) -> Result<Vec<Cert>, Failure> {
    let bytes = read(path)?;
    let bad = |e: &dyn core::fmt::Display| input(format!("{}: {e}", path.display()));
    let text = core::str::from_utf8(&bytes).map_err(|_| bad(&"not a PEM file"))?;
    const END: &str = "-----END CERTIFICATE-----";
    let mut certs = Vec::new();
    let mut rest = text;
    while let Some(end) = rest.find(END) {
        let (block, tail) = rest.split_at(end + END.len());
        if certs.len() == MAX_CHAIN_CERTS {
            return Err(bad(&format!("more than {MAX_CHAIN_CERTS} certificates")));
        }
        let block = block
            .find("-----BEGIN CERTIFICATE-----")
            .map(|start| &block[start..])
            .ok_or_else(|| bad(&"END without BEGIN CERTIFICATE"))?;
        certs.push(Cert::from_pem(block).map_err(|e| bad(&e))?);
        rest = tail;
    }
    if certs.is_empty() {
        return Err(bad(&"no PEM CERTIFICATE block"));
    }
    Ok(certs)
}

/// The root (the self-signed CA certificate) and the issuing CA that issued `cert`.
fn select_chain(path: &Path, certs: Vec<Cert>, cert: &Cert) -> Result<CaChain, Failure> {
    let self_signed = |c: &Cert| c.subject() == c.issuer() && c.verify_issued_by(c).is_ok();
    let (roots, issuing): (Vec<Cert>, Vec<Cert>) = certs.into_iter().partition(self_signed);
    let mut roots = roots.into_iter();
    let (Some(root), None) = (roots.next(), roots.next()) else {
        return Err(input(format!(
            "{}: the chain must contain exactly one self-signed root CA certificate",
            path.display()
        )));
    };
    // The issuing CA named by the certificate (after a rotation the file may list several).
    let Some(issuing) = issuing.into_iter().find(|c| c.subject() == cert.issuer()) else {
        return Err(Failure::Invalid(format!(
            "unknown issuer: no CA in {} is named {}",
            path.display(),
            cert.issuer()
        )));
    };
    CaChain::new(issuing, root).map_err(|e| match e {
        PkiError::UnknownIssuer | PkiError::BadSignature => Failure::Invalid(format!(
            "the issuing CA in {} is not signed by its root ({e})",
            path.display()
        )),
        other => input(format!("{}: {other}", path.display())),
    })
}

fn parse_crl(path: &Path) -> Result<Crl, Failure> {
    Crl::from_pem_or_der(&read(path)?)
        .map_err(|e| input(format!("{}: not a usable CRL ({e})", path.display())))
}

/// The default validation time: this machine's clock.
#[allow(clippy::disallowed_methods)] // the CLI's one clock read: the default of --at
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn verify(args: &VerifyArgs) -> Result<String, Failure> {
    let cert_path = &args.file;
    let cert = match parse_object(cert_path, &read(cert_path)?)? {
        Object::Cert(cert) => cert,
        Object::Crl(_) | Object::Csr(_) => {
            return Err(input(format!(
                "{}: a CRL or CSR, not a certificate",
                cert_path.display()
            )));
        }
    };
    let at = match &args.at {
        Some(s) => OffsetDateTime::parse(s.trim(), &Rfc3339)
            .map_err(|e| input(format!("--at {s:?} is not an RFC 3339 time: {e}")))?,
        None => now(),
    };
    if args.crl.len() > MAX_CRLS {
        return Err(input(format!("at most {MAX_CRLS} --crl files")));
    }
    let crls = args
        .crl
        .iter()
        .map(|p| parse_crl(p))
        .collect::<Result<Vec<_>, _>>()?;
    let chain = select_chain(&args.chain, parse_chain(&args.chain)?, &cert)?;
    let empty = RevocationSet::new();
    let revocation = if crls.is_empty() {
        Revocation::Set(&empty)
    } else {
        Revocation::Crls(&crls)
    };
    let valid = validate_end_entity_unbound(cert.der(), &chain, revocation, at)
        .map_err(|e| Failure::Invalid(e.to_string()))?;
    let crl_numbers: Vec<Option<u64>> = crls.iter().map(|c| c.number().ok().flatten()).collect();
    if args.json {
        return pretty(&verified_json(&valid, &chain, at, &crl_numbers));
    }
    let revocation = if crls.is_empty() {
        "NOT checked (no --crl given)".to_owned()
    } else {
        let numbers: Vec<String> = crl_numbers
            .iter()
            .map(|n| n.map_or_else(|| "?".to_owned(), |n| n.to_string()))
            .collect();
        format!("not revoked (CRL number {})", numbers.join(", "))
    };
    Ok(format!(
        "certificate valid at {at}\n  serial:     {serial}\n  subject:    {subject}\n  user:       {user}\n  device:     {device}\n  key:        {key}\n  not after:  {not_after}\n  issuing CA: {issuing}\n  root CA:    {root}\n  revocation: {revocation}\n",
        at = rfc3339(at),
        serial = valid.serial.to_hex(),
        subject = valid.cert.subject(),
        user = valid.user_id.as_str(),
        device = valid.device_id.as_str(),
        key = key_description(&valid.public_key),
        not_after = rfc3339(valid.not_after),
        issuing = chain.issuing().subject(),
        root = chain.root().subject(),
    ))
}

fn key_description(key: &CertPublicKey) -> String {
    match key {
        CertPublicKey::Signature(k) => format!("signature, {}", k.algorithm().id()),
        CertPublicKey::Kem(k) => format!("KEM, {}", k.algorithm().id()),
    }
}

fn verified_json(
    valid: &ValidatedCert,
    chain: &CaChain,
    at: OffsetDateTime,
    crl_numbers: &[Option<u64>],
) -> Value {
    json!({
        "valid": true,
        "at": rfc3339(at),
        "serial": valid.serial.to_hex(),
        "subject": valid.cert.subject(),
        "user_id": valid.user_id.as_str(),
        "device_id": valid.device_id.as_str(),
        "key": key_description(&valid.public_key),
        "not_after": rfc3339(valid.not_after),
        "issuing_ca": chain.issuing().subject(),
        "root_ca": chain.root().subject(),
        "revocation_checked": !crl_numbers.is_empty(),
        "crl_numbers": crl_numbers,
    })
}
