//! Ledger commands: `pqbank transfer send|bulk|show|list|verify|approve|reject`,
//! `pqbank accounts list|show|transactions|statement`, `pqbank approvals list`.
//!
//! Transfers are signed on this device (the profile's key) and sent over the stored session.
//! `transfer verify` re-checks a transfer offline: the canonical payload hashes to its
//! `payload_sha256`, the device signature verifies with the key of the initiator's certificate
//! under the transfer context, the certificate chains to the bank's CA (at the payload's
//! creation time), and the same for an approval.

use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use clap::{Args, Subcommand};
use pqbank_client::PqbankClient;
use pqbank_client::auth::Session;
use pqbank_client::ledger::{
    Account, EntryQuery, Transfer, TransferQuery, new_transfer_payload, payload_digest,
    sign_transfer,
};
use pqbank_crypto::Signature;
use pqbank_domain::payload::{APPROVAL_SIGNATURE_CONTEXT, TRANSFER_SIGNATURE_CONTEXT};
use pqbank_domain::{
    AccountId, ApprovalPayload, Currency, TransferAmount, TransferPayload, TransferReference,
};
use pqbank_pki::{CaChain, Cert, CertPublicKey, Revocation, RevocationSet, ValidatedCert};
use serde::Serialize;
use serde_json::Value;

use crate::account::Profile;
use crate::{Remote, client};

/// Most certificates a chain may hold.
const MAX_CHAIN_CERTS: usize = 16;
/// Most lines of a bulk payment file.
pub const MAX_BULK_LINES: usize = 10_000;
/// Transfers per request of a bulk payment (the server's batch limit).
const BULK_CHUNK: usize = 100;
/// Largest bulk payment file, bytes.
const MAX_BULK_FILE: u64 = 4 * 1024 * 1024;

/// Where the server is and whose profile signs.
#[derive(Debug, Clone, Args)]
pub struct Ctx {
    /// Where the server is.
    #[command(flatten)]
    pub remote: Remote,
    /// The profile.
    #[command(flatten)]
    pub profile: Profile,
}

/// `pqbank transfer ...`.
#[derive(Debug, Subcommand)]
pub enum TransferCommand {
    /// Sign a transfer with this device and send it.
    Send {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Account to debit.
        #[arg(long)]
        from: String,
        /// Account to credit.
        #[arg(long)]
        to: String,
        /// Amount as a decimal, e.g. 12.34.
        #[arg(long)]
        amount: String,
        /// ISO 4217 currency code.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// Free-text reference (up to 140 characters).
        #[arg(long, default_value = "")]
        reference: String,
        /// Cash desk (clerks): `deposit` (from = cash account) or `withdraw` (to = cash account).
        #[arg(long, value_parser = ["deposit", "withdraw"])]
        cash: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Sign a bulk payment (a CSV file, e.g. a payroll run) with this device and send it in
    /// batches of up to 100. Each line is its own transfer with its own result; exits non-zero
    /// when any was refused.
    Bulk {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Account to debit.
        #[arg(long)]
        from: String,
        /// ISO 4217 currency code of every line.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// CSV file, one transfer per line: `to_account,amount,reference` (the reference is
        /// the rest of the line and may be empty). A header line `to,amount,reference`, empty
        /// lines and lines starting with `#` are skipped. At most 10,000 lines.
        file: PathBuf,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one transfer.
    Show {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Transfer id.
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// List transfers.
    List {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Only transfers touching this account.
        #[arg(long)]
        account: Option<String>,
        /// Only this status.
        #[arg(long)]
        status: Option<String>,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Cursor from a previous page.
        #[arg(long)]
        after: Option<String>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Re-verify a transfer's signatures and certificates offline (exit 1 if anything fails).
    Verify {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Transfer id.
        id: String,
        /// Trusted CA chain (PEM: root + issuing CAs). Default: fetched from the server's
        /// /pki/ca.pem (which then only proves consistency with what the server serves).
        #[arg(long)]
        chain: Option<PathBuf>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Approve a pending transfer (manager; signs an approval with this device).
    Approve {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Transfer id.
        id: String,
    },
    /// Reject a pending transfer (manager).
    Reject {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Transfer id.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
}

/// `pqbank accounts ...`.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List accounts (customers: their own; staff: --owner).
    List {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Owner (staff).
        #[arg(long)]
        owner: Option<String>,
        /// Cash desk accounts (clerks, managers).
        #[arg(long)]
        cash: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Show one account.
    Show {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Account id.
        id: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// Open an account for a customer (clerk, manager).
    Create {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Owner (user id).
        #[arg(long)]
        owner: String,
        /// `current` or `savings`.
        #[arg(long, default_value = "current")]
        kind: String,
        /// Currency.
        #[arg(long, default_value = "EUR")]
        currency: String,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// An account's entries.
    Transactions {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Account id.
        id: String,
        /// Page size.
        #[arg(long)]
        limit: Option<u32>,
        /// Cursor: entries older than this position (the previous page's "next").
        #[arg(long)]
        before: Option<i64>,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// A statement for a date range (YYYY-MM-DD).
    Statement {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// Account id.
        id: String,
        /// First day.
        #[arg(long)]
        from: String,
        /// Last day.
        #[arg(long)]
        to: String,
        /// CSV instead of text.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

/// `pqbank approvals ...`.
#[derive(Debug, Subcommand)]
pub enum ApprovalsCommand {
    /// The pending approval queue (managers), oldest first.
    List {
        /// Context.
        #[command(flatten)]
        ctx: Ctx,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The API client and the stored session; `finish` writes the session's counter back.
struct Open {
    api: PqbankClient,
    session: Session,
    ctx: Ctx,
}

impl Open {
    fn new(ctx: Ctx) -> Result<Self, String> {
        let session = ctx.profile.load_session()?;
        let api = client(&ctx.remote)?;
        Ok(Self { api, session, ctx })
    }

    /// Persists the MAC counter (every request used one) and passes `r` through.
    fn finish<T>(&self, r: Result<T, pqbank_client::ClientError>) -> Result<T, String> {
        let saved = self
            .ctx
            .profile
            .save_session(&self.session, &self.ctx.remote.url);
        let value = r.map_err(err)?;
        saved?;
        Ok(value)
    }
}

fn json_out(value: &impl Serialize) -> Result<String, String> {
    serde_json::to_string_pretty(value).map_err(err)
}

fn transfer_line(t: &Transfer) -> String {
    format!(
        "{}  {:<16}  {:>16}  {} -> {}  {}",
        t.id, t.status, t.amount, t.from_account, t.to_account, t.reference
    )
}

fn transfer_text(t: &Transfer) -> String {
    let mut out = format!(
        "transfer {}\n  status:     {}\n  kind:       {}\n  amount:     {}\n  from:       {}\n  to:         {}\n  reference:  {}\n  created:    {}\n  initiator:  {} (certificate {}, {})\n  payload:    sha256 {}\n",
        t.id,
        t.status,
        t.kind,
        t.amount,
        t.from_account,
        t.to_account,
        t.reference,
        t.created_at,
        t.initiator_id,
        t.initiator_cert_serial,
        t.signature_algorithm,
        t.payload_sha256
    );
    if let Some(e) = &t.expires_at {
        out.push_str(&format!("  expires:    {e}\n"));
    }
    if let Some(d) = &t.decided_at {
        out.push_str(&format!(
            "  decided:    {d} by {}\n",
            t.decided_by.as_deref().unwrap_or("?")
        ));
    }
    if let Some(a) = &t.approval {
        out.push_str(&format!(
            "  approval:   signed by certificate {}\n",
            a.cert_serial
        ));
    }
    if let Some(r) = &t.reason {
        out.push_str(&format!("  reason:     {r}\n"));
    }
    out
}

fn account_line(a: &Account) -> String {
    let available = a
        .balance
        .available
        .map_or_else(|| "-".to_owned(), |m| m.to_string());
    format!(
        "{}  {:<8} {:<7} posted {:>16}  available {:>16}  {}",
        a.id,
        a.kind,
        a.status,
        a.balance.posted,
        available,
        a.owner_id.as_deref().unwrap_or("(bank)")
    )
}

/// One line of a bulk payment file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkLine {
    /// Line number in the file (1-based).
    pub line: usize,
    /// Account to credit.
    pub to: AccountId,
    /// Amount.
    pub amount: TransferAmount,
    /// Reference.
    pub reference: TransferReference,
}

/// Parses a bulk payment file (see `pqbank transfer bulk --help`).
///
/// # Errors
/// The first bad line, by number; an empty file; more than [`MAX_BULK_LINES`] lines.
pub fn parse_bulk(text: &str, currency: Currency) -> Result<Vec<BulkLine>, String> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty()
            || trimmed.starts_with('#')
            || (out.is_empty() && trimmed.eq_ignore_ascii_case("to,amount,reference"))
        {
            continue;
        }
        if out.len() == MAX_BULK_LINES {
            return Err(format!("more than {MAX_BULK_LINES} transfers"));
        }
        let mut fields = trimmed.splitn(3, ',');
        let to = fields.next().unwrap_or_default().trim();
        let amount = fields
            .next()
            .ok_or_else(|| format!("line {line}: expected to_account,amount,reference"))?
            .trim();
        let reference = fields.next().unwrap_or_default().trim();
        out.push(BulkLine {
            line,
            to: to
                .parse()
                .map_err(|e| format!("line {line}: account: {e}"))?,
            amount: TransferAmount::parse_decimal(amount, currency)
                .map_err(|e| format!("line {line}: amount: {e}"))?,
            reference: TransferReference::parse(reference)
                .map_err(|e| format!("line {line}: reference: {e}"))?,
        });
    }
    if out.is_empty() {
        return Err("the file holds no transfers".into());
    }
    Ok(out)
}

/// The result of one line of a bulk payment.
#[derive(Debug, Serialize)]
struct BulkResult {
    line: usize,
    status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transfer_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
}

/// Signs and sends a parsed bulk payment; one result per line, in file order.
async fn send_bulk(
    o: &Open,
    device: &pqbank_client::auth::DeviceKeys,
    from: AccountId,
    lines: &[BulkLine],
) -> Result<Vec<BulkResult>, String> {
    let mut results = Vec::with_capacity(lines.len());
    for chunk in lines.chunks(BULK_CHUNK) {
        let bodies = chunk
            .iter()
            .map(|l| {
                let payload =
                    new_transfer_payload(device, from, l.to, l.amount, l.reference.clone())
                        .map_err(err)?;
                sign_transfer(device, &payload).map_err(err)
            })
            .collect::<Result<Vec<Value>, String>>()?;
        let batch = o.finish(o.api.submit_transfer_batch(&o.session, &bodies).await)?;
        if batch.results.len() != chunk.len() {
            return Err("the server answered a different number of results".into());
        }
        for (l, item) in chunk.iter().zip(batch.results) {
            results.push(BulkResult {
                line: l.line,
                status: item.status,
                transfer_id: item.transfer.as_ref().map(|t| t.id.to_string()),
                transfer_status: item.transfer.map(|t| t.status),
                code: item.problem.as_ref().map(|p| p.code.clone()),
                detail: item.problem.and_then(|p| p.detail),
            });
        }
    }
    Ok(results)
}

/// Runs a transfer command.
#[allow(clippy::print_stdout)] // a CLI prints its results
pub async fn run_transfer(command: TransferCommand) -> Result<(), String> {
    match command {
        TransferCommand::Send {
            ctx,
            from,
            to,
            amount,
            currency,
            reference,
            cash,
            json,
        } => {
            let currency: Currency = currency.parse().map_err(err)?;
            let amount = TransferAmount::parse_decimal(&amount, currency)
                .map_err(|e| format!("--amount: {e}"))?;
            let from: AccountId = from.parse().map_err(|e| format!("--from: {e}"))?;
            let to: AccountId = to.parse().map_err(|e| format!("--to: {e}"))?;
            let reference =
                TransferReference::parse(&reference).map_err(|e| format!("--reference: {e}"))?;
            let device = ctx.profile.load_device()?;
            let payload =
                new_transfer_payload(&device, from, to, amount, reference).map_err(err)?;
            let o = Open::new(ctx)?;
            let r = match cash.as_deref() {
                Some("deposit") => o.api.cash_deposit(&o.session, &device, &payload).await,
                Some(_) => o.api.cash_withdraw(&o.session, &device, &payload).await,
                None => o.api.transfer(&o.session, &device, &payload).await,
            };
            let t = o.finish(r)?;
            if json {
                println!("{}", json_out(&t)?);
            } else {
                print!("{}", transfer_text(&t));
            }
            Ok(())
        }
        TransferCommand::Bulk {
            ctx,
            from,
            currency,
            file,
            json,
        } => {
            let currency: Currency = currency.parse().map_err(err)?;
            let from: AccountId = from.parse().map_err(|e| format!("--from: {e}"))?;
            let size = std::fs::metadata(&file)
                .map_err(|e| format!("{}: {e}", file.display()))?
                .len();
            if size > MAX_BULK_FILE {
                return Err(format!(
                    "{}: larger than {MAX_BULK_FILE} bytes",
                    file.display()
                ));
            }
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let lines = parse_bulk(&text, currency)?;
            let device = ctx.profile.load_device()?;
            let o = Open::new(ctx)?;
            let results = send_bulk(&o, &device, from, &lines).await?;
            let refused = results.iter().filter(|r| r.status >= 300).count();
            if json {
                println!("{}", json_out(&results)?);
            } else {
                for r in &results {
                    match (&r.transfer_id, &r.code) {
                        (Some(id), _) => println!(
                            "line {:>5}  {}  {}  {}",
                            r.line,
                            r.status,
                            r.transfer_status.as_deref().unwrap_or(""),
                            id
                        ),
                        (None, code) => println!(
                            "line {:>5}  {}  refused: {}  {}",
                            r.line,
                            r.status,
                            code.as_deref().unwrap_or("error"),
                            r.detail.as_deref().unwrap_or("")
                        ),
                    }
                }
                println!(
                    "{} of {} transfers accepted, {refused} refused",
                    results.len() - refused,
                    results.len()
                );
            }
            if refused > 0 {
                return Err(format!("{refused} of {} transfers refused", results.len()));
            }
            Ok(())
        }
        TransferCommand::Show { ctx, id, json } => {
            let o = Open::new(ctx)?;
            let t = o.finish(o.api.get_transfer(&o.session, &id).await)?;
            if json {
                println!("{}", json_out(&t)?);
            } else {
                print!("{}", transfer_text(&t));
            }
            Ok(())
        }
        TransferCommand::List {
            ctx,
            account,
            status,
            limit,
            after,
            json,
        } => {
            let o = Open::new(ctx)?;
            let q = TransferQuery {
                account,
                status,
                limit,
                after,
            };
            let page = o.finish(o.api.transfers(&o.session, &q).await)?;
            if json {
                println!("{}", json_out(&page)?);
            } else {
                for t in &page.items {
                    println!("{}", transfer_line(t));
                }
                if let Some(next) = &page.next {
                    println!("(more: --after {next})");
                }
            }
            Ok(())
        }
        TransferCommand::Verify {
            ctx,
            id,
            chain,
            json,
        } => verify(ctx, &id, chain, json).await,
        TransferCommand::Approve { ctx, id } => {
            let device = ctx.profile.load_device()?;
            let o = Open::new(ctx)?;
            let t = o.finish(o.api.approve(&o.session, &device, &id).await)?;
            println!("approved: {}", transfer_line(&t));
            Ok(())
        }
        TransferCommand::Reject { ctx, id, reason } => {
            let o = Open::new(ctx)?;
            let t = o.finish(o.api.reject(&o.session, &id, &reason).await)?;
            println!("rejected: {}", transfer_line(&t));
            Ok(())
        }
    }
}

/// Runs an accounts command.
#[allow(clippy::print_stdout)] // a CLI prints its results
pub async fn run_accounts(command: AccountsCommand) -> Result<(), String> {
    match command {
        AccountsCommand::List {
            ctx,
            owner,
            cash,
            json,
        } => {
            let o = Open::new(ctx)?;
            let items = if cash {
                o.finish(o.api.cash_accounts(&o.session).await)?
            } else {
                let mut items = Vec::new();
                let mut after: Option<String> = None;
                loop {
                    let r = o
                        .api
                        .accounts(&o.session, owner.as_deref(), Some(200), after.as_deref())
                        .await;
                    let page = o.finish(r)?;
                    items.extend(page.items);
                    match page.next {
                        Some(n) if items.len() < 10_000 => after = Some(n),
                        _ => break,
                    }
                }
                items
            };
            if json {
                println!("{}", json_out(&items)?);
            } else {
                for a in &items {
                    println!("{}", account_line(a));
                }
            }
            Ok(())
        }
        AccountsCommand::Show { ctx, id, json } => {
            let o = Open::new(ctx)?;
            let a = o.finish(o.api.account(&o.session, &id).await)?;
            if json {
                println!("{}", json_out(&a)?);
            } else {
                println!("{}", account_line(&a));
            }
            Ok(())
        }
        AccountsCommand::Create {
            ctx,
            owner,
            kind,
            currency,
            json,
        } => {
            let o = Open::new(ctx)?;
            let a = o.finish(
                o.api
                    .create_account(&o.session, &owner, &kind, &currency)
                    .await,
            )?;
            if json {
                println!("{}", json_out(&a)?);
            } else {
                println!("{}", account_line(&a));
            }
            Ok(())
        }
        AccountsCommand::Transactions {
            ctx,
            id,
            limit,
            before,
            json,
        } => {
            let o = Open::new(ctx)?;
            let q = EntryQuery {
                limit,
                before,
                ..EntryQuery::default()
            };
            let page = o.finish(o.api.transactions(&o.session, &id, &q).await)?;
            if json {
                println!("{}", json_out(&page)?);
            } else {
                for e in &page.items {
                    let after = e
                        .balance_after
                        .map_or_else(|| "-".to_owned(), |m| m.to_string());
                    println!(
                        "{}  {}  {:>16}  balance {:>16}  {:<16} {}  {}",
                        e.time,
                        e.transfer_id,
                        e.amount,
                        after,
                        e.kind.as_deref().or(e.status.as_deref()).unwrap_or("-"),
                        e.counterparty.as_deref().unwrap_or("-"),
                        e.reference
                    );
                }
                if let Some(next) = &page.next {
                    println!("(more: --before {next})");
                }
            }
            Ok(())
        }
        AccountsCommand::Statement {
            ctx,
            id,
            from,
            to,
            csv,
            json,
        } => {
            let o = Open::new(ctx)?;
            if csv {
                let text = o.finish(o.api.statement_csv(&o.session, &id, &from, &to).await)?;
                print!("{text}");
                return Ok(());
            }
            let s = o.finish(o.api.statement(&o.session, &id, &from, &to).await)?;
            if json {
                println!("{}", json_out(&s)?);
            } else {
                println!("statement of {} from {} to {}", s.account.id, s.from, s.to);
                println!("  opening {}", s.opening);
                for e in &s.entries {
                    println!(
                        "  {}  {:>16}  {}  {}",
                        e.time, e.amount, e.transfer_id, e.reference
                    );
                }
                println!("  closing {}", s.closing);
            }
            Ok(())
        }
    }
}

/// Runs an approvals command.
#[allow(clippy::print_stdout)] // a CLI prints its results
pub async fn run_approvals(command: ApprovalsCommand) -> Result<(), String> {
    match command {
        ApprovalsCommand::List { ctx, json } => {
            let o = Open::new(ctx)?;
            let items = o.finish(o.api.approvals(&o.session).await)?;
            if json {
                println!("{}", json_out(&items)?);
            } else if items.is_empty() {
                println!("no transfers waiting for approval");
            } else {
                for t in &items {
                    println!(
                        "{}  (expires {})",
                        transfer_line(t),
                        t.expires_at.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(())
        }
    }
}

/// The certificates of a PEM file or text.
///
/// # Errors
/// A message for text without certificates or with unusable ones.
pub fn certs_from_pem(text: &str) -> Result<Vec<Cert>, String> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut certs = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let tail = &rest[start..];
        let end = tail
            .find(END)
            .ok_or("BEGIN CERTIFICATE without END")?
            .saturating_add(END.len());
        if certs.len() == MAX_CHAIN_CERTS {
            return Err(format!("more than {MAX_CHAIN_CERTS} certificates"));
        }
        certs.push(Cert::from_pem(&tail[..end]).map_err(err)?);
        rest = &tail[end..];
    }
    if certs.is_empty() {
        return Err("no PEM CERTIFICATE block".into());
    }
    Ok(certs)
}

async fn verify(ctx: Ctx, id: &str, chain: Option<PathBuf>, json: bool) -> Result<(), String> {
    let o = Open::new(ctx)?;
    let transfer = o.finish(o.api.get_transfer(&o.session, id).await)?;
    let ca_text = match &chain {
        Some(path) => {
            std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => o.api.ca_chain_pem().await.map_err(err)?,
    };
    let ca_chain = certs_from_pem(&ca_text).map_err(|e| format!("CA chain: {e}"))?;
    let mut serials = vec![transfer.initiator_cert_serial.clone()];
    if let Some(a) = &transfer.approval {
        serials.push(a.cert_serial.clone());
    }
    let mut certs = Vec::new();
    for serial in &serials {
        let r = o.api.certificate_pem(&o.session, serial).await;
        match o.finish(r) {
            Ok(pem) => certs.extend(certs_from_pem(&pem)?),
            Err(e) => return Err(format!("cannot fetch certificate {serial}: {e}")),
        }
    }
    let report = verify_transfer_record(&transfer, &certs, &ca_chain)
        .map_err(|e| format!("transfer {id} does NOT verify: {e}"))?;
    print_report(&report, json)
}

#[allow(clippy::print_stdout)] // a CLI prints its results
fn print_report(report: &VerifyReport, json: bool) -> Result<(), String> {
    if json {
        println!("{}", json_out(report)?);
    } else {
        print!("{report}");
    }
    Ok(())
}

/// A verified signer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerReport {
    /// Certificate serial (hex).
    pub cert_serial: String,
    /// User named by the certificate.
    pub user_id: String,
    /// Device named by the certificate.
    pub device_id: String,
    /// Signature algorithm.
    pub algorithm: String,
    /// Signing time claimed by the payload (certificate validity checked at that time).
    pub signed_at: String,
}

/// What [`verify_transfer_record`] established.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Transfer id.
    pub transfer_id: String,
    /// Status as the server reports it.
    pub status: String,
    /// Amount (e.g. `12.34 EUR`).
    pub amount: String,
    /// From.
    pub from_account: String,
    /// To.
    pub to_account: String,
    /// SHA-256 of the canonical payload.
    pub payload_sha256: String,
    /// The initiator.
    pub initiator: SignerReport,
    /// The approver, if the transfer carries an approval.
    pub approver: Option<SignerReport>,
    /// Issuing CA subject.
    pub issuing_ca: String,
    /// Root CA subject.
    pub root_ca: String,
    /// Revocation is not checked (a later revocation does not undo a past signature).
    pub revocation_checked: bool,
}

impl std::fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "transfer {} verifies", self.transfer_id)?;
        writeln!(
            f,
            "  {} from {} to {} ({})",
            self.amount, self.from_account, self.to_account, self.status
        )?;
        writeln!(f, "  payload sha256: {} (matches)", self.payload_sha256)?;
        let signer = |f: &mut std::fmt::Formatter<'_>, what: &str, s: &SignerReport| {
            writeln!(
                f,
                "  {what}: user {} device {} certificate {} ({}), signature valid, certificate valid at {}",
                s.user_id, s.device_id, s.cert_serial, s.algorithm, s.signed_at
            )
        };
        signer(f, "initiator", &self.initiator)?;
        match &self.approver {
            Some(a) => signer(f, "approver ", a)?,
            None => writeln!(f, "  approver : none")?,
        }
        writeln!(f, "  chain: {} <- {}", self.issuing_ca, self.root_ca)?;
        writeln!(
            f,
            "  revocation: not checked (signatures are judged at signing time)"
        )
    }
}

/// Picks the root (self-signed) and the issuing CA that issued `cert` from `ca_chain`.
fn chain_for(cert: &Cert, ca_chain: &[Cert]) -> Result<CaChain, String> {
    let self_signed = |c: &Cert| c.subject() == c.issuer() && c.verify_issued_by(c).is_ok();
    let mut roots = ca_chain.iter().filter(|c| self_signed(c));
    let (Some(root), None) = (roots.next(), roots.next()) else {
        return Err("the CA chain must contain exactly one self-signed root".into());
    };
    let issuing = ca_chain
        .iter()
        .filter(|c| !self_signed(c))
        .find(|c| c.subject() == cert.issuer() && cert.verify_issued_by(c).is_ok())
        .ok_or_else(|| format!("no issuing CA in the chain issued {}", cert.issuer()))?;
    CaChain::new(issuing.clone(), root.clone()).map_err(|e| format!("CA chain: {e}"))
}

/// One signature to check.
struct Signed<'a> {
    /// "initiator" or "approver".
    what: &'a str,
    /// Certificate serial (hex).
    serial: &'a str,
    /// Claimed signing time (Unix seconds).
    at: i64,
    /// Signed bytes.
    message: &'a [u8],
    /// Signature context.
    context: &'a [u8],
    /// base64url signature.
    signature: &'a str,
}

/// Finds the certificate with `s.serial`, validates it through `ca_chain` at `s.at` and
/// verifies the signature over the message under the context.
fn check_signer(
    s: &Signed<'_>,
    certs: &[Cert],
    ca_chain: &[Cert],
) -> Result<(SignerReport, ValidatedCert), String> {
    let Signed {
        what,
        serial,
        at,
        message,
        context,
        signature,
    } = *s;
    let cert = certs
        .iter()
        .find(|c| c.serial().is_ok_and(|s| s.to_hex() == serial))
        .ok_or_else(|| format!("{what}: certificate {serial} not provided"))?;
    let chain = chain_for(cert, ca_chain).map_err(|e| format!("{what}: {e}"))?;
    let time = time::OffsetDateTime::from_unix_timestamp(at).map_err(err)?;
    let empty = RevocationSet::new();
    let valid =
        pqbank_pki::validate_end_entity_unbound(cert.der(), &chain, Revocation::Set(&empty), time)
            .map_err(|e| format!("{what}: certificate {serial} not valid at signing time: {e}"))?;
    let CertPublicKey::Signature(key) = &valid.public_key else {
        return Err(format!(
            "{what}: certificate {serial} does not certify a signature key"
        ));
    };
    let bytes = B64
        .decode(signature)
        .map_err(|_| format!("{what}: signature is not base64url"))?;
    let sig = Signature::from_bytes(key.algorithm(), &bytes)
        .map_err(|e| format!("{what}: unusable signature ({e})"))?;
    key.verify(message, context, &sig)
        .map_err(|_| format!("{what}: signature does NOT verify"))?;
    let report = SignerReport {
        cert_serial: serial.to_owned(),
        user_id: valid.user_id.as_str().to_owned(),
        device_id: valid.device_id.as_str().to_owned(),
        algorithm: key.algorithm().id().to_owned(),
        signed_at: time
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default(),
    };
    Ok((report, valid))
}

/// Re-verifies a transfer record offline: the payload parses strictly and agrees with the
/// record, its canonical bytes hash to `payload_sha256`, the signature verifies with the key of
/// the initiator's certificate (from `certs`) under the transfer context, that certificate
/// chains to the CA in `ca_chain` (root + issuing CAs) and was valid when the payload was
/// created, and it names the record's initiator. If the record carries an approval: the same
/// for the approval payload (bound to this transfer and digest), by a different user.
///
/// # Errors
/// A message naming the first check that failed.
pub fn verify_transfer_record(
    record: &Transfer,
    certs: &[Cert],
    ca_chain: &[Cert],
) -> Result<VerifyReport, String> {
    let payload_json = serde_json::to_vec(&record.payload).map_err(err)?;
    let payload = TransferPayload::from_json(&payload_json)
        .map_err(|e| format!("payload does not parse: {e}"))?;
    let mismatch = |what: &str| format!("the record's {what} differs from the signed payload");
    if payload.transfer_id != record.id {
        return Err(mismatch("id"));
    }
    if payload.from_account != record.from_account {
        return Err(mismatch("from_account"));
    }
    if payload.to_account != record.to_account {
        return Err(mismatch("to_account"));
    }
    if payload.amount.money() != record.amount {
        return Err(mismatch("amount"));
    }
    if payload.reference.as_str() != record.reference {
        return Err(mismatch("reference"));
    }
    if payload.initiator_cert_serial.to_string() != record.initiator_cert_serial {
        return Err(mismatch("initiator_cert_serial"));
    }
    let digest = payload_digest(&payload);
    if digest.to_string() != record.payload_sha256 {
        return Err(format!(
            "payload_sha256 {} does not match the canonical payload's SHA-256 {digest}",
            record.payload_sha256
        ));
    }
    let canonical = payload.canonical_bytes();
    let (initiator, initiator_cert) = check_signer(
        &Signed {
            what: "initiator",
            serial: &record.initiator_cert_serial,
            at: payload.created_at.unix_seconds(),
            message: &canonical,
            context: TRANSFER_SIGNATURE_CONTEXT,
            signature: &record.signature,
        },
        certs,
        ca_chain,
    )?;
    if initiator.user_id != record.initiator_id {
        return Err(format!(
            "the initiator's certificate names user {}, the record {}",
            initiator.user_id, record.initiator_id
        ));
    }
    let approver = match &record.approval {
        None => None,
        Some(a) => {
            // The server returns the canonical text; a JSON object is accepted too.
            let approval = match &a.payload {
                Value::String(text) => ApprovalPayload::from_canonical_bytes(text.as_bytes()),
                _ => ApprovalPayload::from_json(&a.payload_bytes()),
            }
            .map_err(|e| format!("approval payload does not parse: {e}"))?;
            if !approval.matches(record.id, &digest) {
                return Err("the approval is for another transfer or payload".into());
            }
            if approval.approver_cert_serial.to_string() != a.cert_serial {
                return Err("the approval names another certificate than the record".into());
            }
            let (report, _) = check_signer(
                &Signed {
                    what: "approver",
                    serial: &a.cert_serial,
                    at: approval.created_at.unix_seconds(),
                    message: &approval.canonical_bytes(),
                    context: APPROVAL_SIGNATURE_CONTEXT,
                    signature: &a.signature,
                },
                certs,
                ca_chain,
            )?;
            if report.user_id == initiator.user_id {
                return Err("four eyes: the approver is the initiator".into());
            }
            if let Some(by) = &record.decided_by
                && by != &report.user_id
            {
                return Err(format!(
                    "the record says decided by {by}, the approval is signed by {}",
                    report.user_id
                ));
            }
            Some(report)
        }
    };
    let chain = chain_for(&initiator_cert.cert, ca_chain)?;
    Ok(VerifyReport {
        transfer_id: record.id.to_string(),
        status: record.status.clone(),
        amount: record.amount.to_string(),
        from_account: record.from_account.to_string(),
        to_account: record.to_account.to_string(),
        payload_sha256: record.payload_sha256.clone(),
        initiator,
        approver,
        issuing_ca: chain.issuing().subject(),
        root_ca: chain.root().subject(),
        revocation_checked: false,
    })
}

/// A JSON value's string member (helper for callers building records by hand).
pub fn str_member<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use pqbank_client::auth::DeviceKeys;
    use pqbank_client::ledger::{
        ApprovalRecord, new_approval_payload, sign_approval, sign_transfer,
    };
    use pqbank_crypto::{SignatureAlgorithm, SigningKey};
    use pqbank_domain::{Money, Timestamp, TransferId};
    use pqbank_pki::{
        BankName, CertificateAuthority, CrlUri, DeviceCertParams, DeviceIdentity, Serial,
        ValidityPeriod, build_csr, build_issuing_ca, build_root_ca, issue_device_signature_cert,
        parse_csr,
    };
    use rand::SeedableRng;
    use rand::rngs::StdRng;
    use time::OffsetDateTime;
    use time::macros::datetime;

    const NOW: OffsetDateTime = datetime!(2026-06-01 12:00 UTC);

    #[test]
    fn bulk_files_parse_line_by_line() {
        let a = "0192f0c1-7c1a-7000-8000-000000000001";
        let b = "0192f0c1-7c1a-7000-8000-000000000002";
        let text = format!(
            "to,amount,reference\n# payroll\n\n{a},1500.00,Salary, November\n{b}, 12.5 ,\n"
        );
        let lines = parse_bulk(&text, Currency::EUR).unwrap();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].line, 4);
        assert_eq!(lines[0].to.to_string(), a);
        assert_eq!(lines[0].amount.minor_units(), 150_000);
        assert_eq!(lines[0].reference.as_str(), "Salary, November");
        assert_eq!((lines[1].line, lines[1].amount.minor_units()), (5, 1250));
        assert_eq!(lines[1].reference.as_str(), "");
        // Errors name the line; nothing is half-parsed.
        for (bad, want) in [
            (
                format!("{a},1.00,x\nnot-an-account,1.00,x"),
                "line 2: account",
            ),
            (format!("{a},-1.00,x"), "line 1: amount"),
            (format!("{a},1.001,x"), "line 1: amount"),
            (a.to_owned(), "line 1: expected"),
            ("# nothing\n".to_owned(), "no transfers"),
        ] {
            let e = parse_bulk(&bad, Currency::EUR).unwrap_err();
            assert!(e.contains(want), "{bad:?}: {e}");
        }
        let many = format!("{a},1.00,x\n").repeat(MAX_BULK_LINES + 1);
        assert!(
            parse_bulk(&many, Currency::EUR)
                .unwrap_err()
                .contains("more than")
        );
    }

    struct Pki {
        root: Cert,
        issuing_key: SigningKey,
        issuing: Cert,
        rng: StdRng,
    }

    fn serial(rng: &mut StdRng) -> Serial {
        let mut bytes = [0u8; 16];
        rand::Rng::fill_bytes(rng, &mut bytes);
        Serial::from_random(&bytes).unwrap()
    }

    impl Pki {
        fn new(seed: u8) -> Self {
            let mut rng = StdRng::from_seed([seed; 32]);
            let alg = SignatureAlgorithm::MlDsa65Ed25519;
            let root_key = SigningKey::generate(alg, &mut rng).unwrap();
            let validity = ValidityPeriod::days_from(NOW - time::Duration::days(30), 3650).unwrap();
            let root_serial = serial(&mut rng);
            let root = build_root_ca(
                &root_key,
                "CN=Test Root,O=pqbank",
                validity,
                &root_serial,
                &mut rng,
            )
            .unwrap();
            let issuing_key = SigningKey::generate(alg, &mut rng).unwrap();
            let issuing_serial = serial(&mut rng);
            let issuing = build_issuing_ca(
                &CertificateAuthority::new(&root_key, root.clone()).unwrap(),
                &issuing_key.public_key(),
                "CN=Test Issuing,O=pqbank",
                ValidityPeriod::days_from(NOW - time::Duration::days(30), 1825).unwrap(),
                &issuing_serial,
                &mut rng,
            )
            .unwrap();
            Self {
                root,
                issuing_key,
                issuing,
                rng,
            }
        }

        fn chain(&self) -> Vec<Cert> {
            vec![self.issuing.clone(), self.root.clone()]
        }

        /// A device of `user` with a certificate valid for 90 days from NOW - 1 day.
        fn device(&mut self, user: &str, device: &str) -> (DeviceKeys, Cert) {
            let mut keys = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
            let csr = build_csr(&keys.signing, &format!("CN={device}"), &mut self.rng).unwrap();
            let verified = parse_csr(csr.to_pem().unwrap().as_bytes()).unwrap();
            let params = DeviceCertParams {
                bank_name: BankName::new("pqbank").unwrap(),
                validity: ValidityPeriod::days_from(NOW - time::Duration::days(1), 90).unwrap(),
                serial: serial(&mut self.rng),
                crl_uri: CrlUri::new("https://pki.example/crl.der").unwrap(),
            };
            let ca = CertificateAuthority::new(&self.issuing_key, self.issuing.clone()).unwrap();
            let cert = issue_device_signature_cert(
                &ca,
                &verified,
                &DeviceIdentity::new(user, device).unwrap(),
                &params,
                &mut self.rng,
            )
            .unwrap();
            keys.cert_serial = Some(cert.serial().unwrap().to_hex());
            keys.user_id = Some(user.to_owned());
            (keys, cert)
        }
    }

    const ALICE: &str = "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a01";
    const MANAGER: &str = "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a02";

    fn signed_record(keys: &DeviceKeys, user: &str, minor: i64) -> Transfer {
        let payload = TransferPayload {
            transfer_id: TransferId::new_v7(1_780_000_000_000, [9; 10]),
            from_account: AccountId::new_v7(1, [1; 10]),
            to_account: AccountId::new_v7(1, [2; 10]),
            amount: TransferAmount::from_minor(minor, Currency::EUR).unwrap(),
            reference: TransferReference::parse("Invoice 42").unwrap(),
            created_at: Timestamp::from_unix_seconds(NOW.unix_timestamp()).unwrap(),
            initiator_cert_serial: keys.cert_serial.as_deref().unwrap().parse().unwrap(),
        };
        let body = sign_transfer(keys, &payload).unwrap();
        Transfer {
            id: payload.transfer_id,
            status: "posted".into(),
            kind: "transfer".into(),
            from_account: payload.from_account,
            to_account: payload.to_account,
            amount: payload.amount.money(),
            reference: payload.reference.as_str().into(),
            created_at: payload.created_at.to_string(),
            initiator_id: user.into(),
            initiator_cert_serial: payload.initiator_cert_serial.to_string(),
            payload: body["payload"].clone(),
            payload_sha256: payload_digest(&payload).to_string(),
            signature: str_member(&body, "signature").unwrap().into(),
            signature_algorithm: "mldsa65-ed25519".into(),
            approval_required: false,
            expires_at: None,
            decided_at: None,
            decided_by: None,
            approval: None,
            reason: None,
        }
    }

    /// Signs an approval dated NOW (the helper in the client stamps the real clock).
    fn approve(record: &mut Transfer, keys: &DeviceKeys, user: &str) {
        let mut a = new_approval_payload(keys, record).unwrap();
        a.created_at = Timestamp::from_unix_seconds(NOW.unix_timestamp() + 60).unwrap();
        let body = sign_approval(keys, &a).unwrap();
        // As the server returns it: the canonical text.
        record.approval = Some(ApprovalRecord {
            payload: Value::String(a.canonical_json()),
            signature: str_member(&body, "signature").unwrap().into(),
            cert_serial: keys.cert_serial.clone().unwrap(),
        });
        record.decided_by = Some(user.into());
    }

    #[test]
    fn a_good_transfer_verifies() {
        let mut pki = Pki::new(1);
        let (alice, alice_cert) = pki.device(ALICE, "phone");
        let record = signed_record(&alice, ALICE, 1234);
        let report = verify_transfer_record(&record, &[alice_cert], &pki.chain()).unwrap();
        assert_eq!(report.initiator.user_id, ALICE);
        assert_eq!(report.initiator.device_id, "phone");
        assert_eq!(report.amount, "12.34 EUR");
        assert_eq!(report.root_ca, "CN=Test Root,O=pqbank");
        assert!(report.approver.is_none());
        assert!(report.to_string().contains("verifies"));
    }

    #[test]
    fn an_approved_transfer_verifies() {
        let mut pki = Pki::new(2);
        let (alice, alice_cert) = pki.device(ALICE, "phone");
        let (manager, manager_cert) = pki.device(MANAGER, "desk");
        let mut record = signed_record(&alice, ALICE, 2_000_000);
        approve(&mut record, &manager, MANAGER);
        let certs = [alice_cert.clone(), manager_cert.clone()];
        let report = verify_transfer_record(&record, &certs, &pki.chain()).unwrap();
        assert_eq!(report.approver.unwrap().user_id, MANAGER);
        // The approval as a JSON object verifies too; a non-canonical text does not parse.
        let mut as_object = record.clone();
        let mut bad_text = record.clone();
        if let (Some(a), Some(b)) = (as_object.approval.as_mut(), bad_text.approval.as_mut()) {
            let text = a.payload.as_str().unwrap().to_owned();
            a.payload = serde_json::from_str(&text).unwrap();
            b.payload = Value::String(format!(" {text}"));
        }
        assert!(verify_transfer_record(&as_object, &certs, &pki.chain()).is_ok());
        let e = verify_transfer_record(&bad_text, &certs, &pki.chain()).unwrap_err();
        assert!(e.contains("approval payload does not parse"), "{e}");

        // The approver's certificate missing.
        let e = verify_transfer_record(&record, std::slice::from_ref(&alice_cert), &pki.chain())
            .unwrap_err();
        assert!(e.contains("approver"), "{e}");
        // Self-approval (four eyes).
        let mut own = signed_record(&alice, ALICE, 2_000_000);
        approve(&mut own, &alice, ALICE);
        let e = verify_transfer_record(&own, &certs, &pki.chain()).unwrap_err();
        assert!(e.contains("four eyes"), "{e}");
        // An approval moved onto another transfer.
        let mut other = signed_record(&alice, ALICE, 2_000_001);
        other.approval = record.approval.clone();
        let e = verify_transfer_record(&other, &certs, &pki.chain()).unwrap_err();
        assert!(e.contains("another transfer"), "{e}");
        // A tampered approval signature.
        let mut bad = record.clone();
        if let Some(a) = bad.approval.as_mut() {
            a.signature = record.signature.clone();
        }
        let e = verify_transfer_record(&bad, &certs, &pki.chain()).unwrap_err();
        assert!(e.contains("approver"), "{e}");
    }

    #[test]
    fn tampering_is_detected() {
        let mut pki = Pki::new(3);
        let (alice, alice_cert) = pki.device(ALICE, "phone");
        let good = signed_record(&alice, ALICE, 1234);
        let certs = [alice_cert];
        let chain = pki.chain();

        // The record shows another amount than was signed.
        let mut r = good.clone();
        r.amount = Money::from_minor(99_999, Currency::EUR);
        assert!(
            verify_transfer_record(&r, &certs, &chain)
                .unwrap_err()
                .contains("amount")
        );
        // The payload was changed (and the digest recomputed): the signature fails.
        let mut r = good.clone();
        r.payload["amount"] = Value::from("99999");
        r.amount = Money::from_minor(99_999, Currency::EUR);
        let p: TransferPayload = serde_json::from_value(r.payload.clone()).unwrap();
        r.payload_sha256 = payload_digest(&p).to_string();
        let e = verify_transfer_record(&r, &certs, &chain).unwrap_err();
        assert!(e.contains("does NOT verify"), "{e}");
        // Wrong digest.
        let mut r = good.clone();
        r.payload_sha256 = "00".repeat(32);
        assert!(
            verify_transfer_record(&r, &certs, &chain)
                .unwrap_err()
                .contains("payload_sha256")
        );
        // Another user's name on the record.
        let mut r = good.clone();
        r.initiator_id = MANAGER.into();
        assert!(
            verify_transfer_record(&r, &certs, &chain)
                .unwrap_err()
                .contains("names user")
        );
        // Garbage signature.
        let mut r = good.clone();
        r.signature = "AAAA".into();
        assert!(verify_transfer_record(&r, &certs, &chain).is_err());
    }

    #[test]
    fn certificates_must_chain_and_be_valid_at_signing_time() {
        let mut pki = Pki::new(4);
        let (alice, alice_cert) = pki.device(ALICE, "phone");
        let good = signed_record(&alice, ALICE, 1234);
        // A different bank's CA.
        let other = Pki::new(5);
        let e = verify_transfer_record(&good, std::slice::from_ref(&alice_cert), &other.chain())
            .unwrap_err();
        assert!(e.contains("issuing CA"), "{e}");
        // A certificate signed by a key that is not the one that signed the transfer.
        let (_, mallory_cert) = pki.device(ALICE, "phone");
        let mut r = good.clone();
        let mallory_serial = mallory_cert.serial().unwrap().to_hex();
        r.initiator_cert_serial = mallory_serial.clone();
        r.payload["initiator_cert_serial"] = Value::from(mallory_serial);
        let p: TransferPayload = serde_json::from_value(r.payload.clone()).unwrap();
        r.payload_sha256 = payload_digest(&p).to_string();
        let e = verify_transfer_record(&r, &[mallory_cert], &pki.chain()).unwrap_err();
        assert!(e.contains("does NOT verify"), "{e}");
        // Signed (claimed) long after the certificate expired.
        let mut late = good.clone();
        late.payload["created_at"] = Value::from("2027-06-01T12:00:00Z");
        let p: TransferPayload = serde_json::from_value(late.payload.clone()).unwrap();
        late.payload_sha256 = payload_digest(&p).to_string();
        let e = verify_transfer_record(&late, std::slice::from_ref(&alice_cert), &pki.chain())
            .unwrap_err();
        assert!(e.contains("not valid at signing time"), "{e}");
        // No certificate at all.
        let e = verify_transfer_record(&good, &[], &pki.chain()).unwrap_err();
        assert!(e.contains("not provided"), "{e}");
        // PEM round trip of the chain.
        let pem = format!(
            "{}{}",
            pki.issuing.to_pem().unwrap(),
            pki.root.to_pem().unwrap()
        );
        let chain = certs_from_pem(&pem).unwrap();
        assert!(verify_transfer_record(&good, &[alice_cert], &chain).is_ok());
        assert!(certs_from_pem("nothing").is_err());
    }
}
