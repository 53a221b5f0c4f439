//! `pqbank bench transfers`: a load benchmark of device-signed transfers against a real pqbank
//! server started in-process (HTTPS on 127.0.0.1, port chosen by the OS).
//!
//! Setup (not measured): a fresh database (temporary SQLite file by default; with
//! `--database postgres://...` a fresh schema in that database), the bootstrap administrator, one
//! clerk, `--accounts` customers each with a device and a current EUR account funded by clerk cash
//! deposits below the approval threshold, one session per customer (sessions' MAC counters
//! must grow, so a session is only ever used by one sender at a time). Every transfer is signed
//! before the clock starts.
//!
//! Load: `--concurrency C` closed loop (C senders, each sending its next transfer as soon as the
//! previous one answered), or `--rate R` open loop (transfer k is due at start + k/R; latency is
//! measured from that intended time, so queueing counts). Reports throughput, latency
//! percentiles and errors by problem code (`--json` for machines).
//!
//! The bench's own server raises the per-address login limit (all logins come from 127.0.0.1);
//! should a login still be refused with 429, it waits for the next minute window. Payloads carry
//! their signing time, which the server accepts within 10 minutes of its clock: runs (signing
//! included) must stay well below that.
#![allow(clippy::disallowed_methods)] // a benchmark reads the real clock (Instant) by design

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::net::{IpAddr, Ipv4Addr};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use pqbank_client::auth::{DeviceKeys, Session};
use pqbank_client::ledger::{Account, new_transfer_payload, sign_transfer};
use pqbank_client::{ClientError, PqbankClient, decode};
use pqbank_crypto::SignatureAlgorithm;
use pqbank_domain::{AccountId, Currency, TransferAmount, TransferReference};
use pqbank_service::clock::SystemClock;
use pqbank_service::entropy::OsEntropy;
use rand::RngExt as _;
use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::Server;
use crate::config::{Config, ServeArgs};

/// Password of every benchmark user.
const PASSWORD: &str = "bench violet staple orbit 42";
/// Largest single cash deposit (below the default approval threshold of 10,000.00).
const MAX_DEPOSIT_MINOR: i64 = 900_000;

/// Benchmarks.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Device-signed transfers against an in-process server.
    Transfers(TransfersArgs),
}

/// `pqbank bench transfers` options.
#[derive(Debug, Clone, Args)]
pub struct TransfersArgs {
    /// Database: a `sqlite://PATH` or `postgres://...` URL (PostgreSQL: a fresh schema in that
    /// database is created per run). Default: a fresh temporary SQLite file.
    #[arg(long)]
    pub database: Option<String>,
    /// Number of transfers.
    #[arg(long, default_value_t = 2000)]
    pub transfers: usize,
    /// Number of customer accounts (one customer, device and session each).
    #[arg(long, default_value_t = 32)]
    pub accounts: usize,
    /// Closed loop: concurrent senders (at most --accounts).
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Open loop: target rate in transfers per second (latency from the intended send time).
    #[arg(long)]
    pub rate: Option<f64>,
    /// Largest transfer amount in cents (amounts are uniform in 1..=this).
    #[arg(long, default_value_t = 100)]
    pub max_amount_cents: i64,
    /// Database pool size of the server.
    #[arg(long)]
    pub db_max_connections: Option<u32>,
    /// Send over HTTP/1.1 (one keep-alive connection per sender) instead of HTTP/2, as
    /// command-line and server-to-server clients often do; browsers use HTTP/2.
    #[arg(long)]
    pub http1: bool,
    /// Transfers per request: 1 sends each to `POST /api/v1/transfers`; more sends each
    /// customer's transfers in batches of up to this many to `POST /api/v1/transfer-batches`
    /// (1..=100). A transfer's latency is its batch's, from the transfer's own send time. With
    /// --rate, each customer's transfers are due in runs of this many in a row, as a bulk
    /// payment arrives.
    #[arg(long, default_value_t = 1)]
    pub batch: usize,
    /// Print the result as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    /// "sqlite" or "postgres".
    pub database: String,
    /// "closed" or "open".
    pub mode: String,
    /// "2" or "1.1".
    pub http: String,
    /// Transfers per request.
    pub batch: usize,
    /// Transfers sent.
    pub transfers: usize,
    /// Customer accounts.
    pub accounts: usize,
    /// Concurrent senders (closed loop) or lanes (open loop).
    pub concurrency: usize,
    /// Target rate (open loop).
    pub target_rate: Option<f64>,
    /// Setup time (server, users, accounts, funding, logins), seconds.
    pub setup_s: f64,
    /// Time to sign all transfers, seconds.
    pub signing_s: f64,
    /// Measured time, seconds.
    pub elapsed_s: f64,
    /// Successful transfers.
    pub ok: usize,
    /// Successful transfers per second.
    pub throughput_tps: f64,
    /// Failures by problem code (`http_error` for transport failures).
    pub errors: BTreeMap<String, usize>,
    /// Latency of successful and failed requests, milliseconds.
    pub latency_ms: Latency,
    /// Sum of the customers' posted balances equals the deposits (None: not checked).
    pub balances_consistent: Option<bool>,
}

/// Latency percentiles in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Latency {
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Maximum.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Latency {
    /// Nearest-rank percentiles of `samples` (sorted in place).
    pub fn of(samples: &mut [Duration]) -> Latency {
        if samples.is_empty() {
            return Latency::default();
        }
        samples.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let pct = |p: f64| {
            let rank = (p / 100.0 * samples.len() as f64).ceil() as usize;
            ms(samples[rank.clamp(1, samples.len()) - 1])
        };
        let total: f64 = samples.iter().map(|d| ms(*d)).sum();
        Latency {
            p50: pct(50.0),
            p90: pct(90.0),
            p99: pct(99.0),
            max: ms(samples[samples.len() - 1]),
            mean: total / samples.len() as f64,
        }
    }
}

impl std::fmt::Display for BenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mode = match self.target_rate {
            Some(r) => format!("open loop at {r} tps over {} lanes", self.concurrency),
            None => format!("closed loop, concurrency {}", self.concurrency),
        };
        writeln!(
            f,
            "pqbank bench transfers: {} transfers between {} accounts ({}), database {}, HTTP/{}, {}",
            self.transfers,
            self.accounts,
            mode,
            self.database,
            self.http,
            if self.batch > 1 {
                format!("batches of up to {}", self.batch)
            } else {
                "one per request".to_owned()
            }
        )?;
        writeln!(
            f,
            "  setup {:.1} s, signing {:.1} s (not measured)",
            self.setup_s, self.signing_s
        )?;
        writeln!(
            f,
            "  elapsed {:.2} s, ok {}, throughput {:.1} transfers/s",
            self.elapsed_s, self.ok, self.throughput_tps
        )?;
        let l = &self.latency_ms;
        writeln!(
            f,
            "  latency ms: p50 {:.1}  p90 {:.1}  p99 {:.1}  max {:.1}  mean {:.1}",
            l.p50, l.p90, l.p99, l.max, l.mean
        )?;
        if self.errors.is_empty() {
            writeln!(f, "  errors: none")?;
        } else {
            let list: Vec<String> = self
                .errors
                .iter()
                .map(|(k, v)| format!("{k} {v}"))
                .collect();
            writeln!(f, "  errors: {}", list.join(", "))?;
        }
        match self.balances_consistent {
            Some(true) => writeln!(
                f,
                "  balances: consistent (sum of customer balances = deposits)"
            ),
            Some(false) => writeln!(f, "  balances: INCONSISTENT"),
            None => writeln!(f, "  balances: not checked"),
        }
    }
}

/// Runs a benchmark command (its own multi-threaded runtime).
#[allow(clippy::print_stdout)] // a CLI prints its results
pub fn run(command: BenchCommand) -> ExitCode {
    let BenchCommand::Transfers(args) = command;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pqbank: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench_transfers(&args)) {
        Ok(report) => {
            if args.json {
                match serde_json::to_string_pretty(&report) {
                    Ok(s) => println!("{s}"),
                    Err(e) => eprintln!("pqbank: {e}"),
                }
            } else {
                print!("{report}");
            }
            if report.errors.is_empty() && report.balances_consistent != Some(false) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("pqbank bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The database of a run, kept alive for its duration.
enum BenchDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres(pqbank_store::testing::TestDatabase),
}

impl BenchDb {
    async fn open(url: Option<&str>) -> Result<Self, String> {
        match url.map(str::trim) {
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => {
                let db = pqbank_store::testing::fresh_postgres(u)
                    .await
                    .map_err(|e| format!("PostgreSQL: {e}"))?;
                Ok(Self::Postgres(db))
            }
            Some(u) => {
                let dir = tempfile::tempdir().map_err(err)?;
                Ok(Self::Sqlite {
                    _dir: dir,
                    url: u.to_owned(),
                })
            }
            None => {
                let dir = tempfile::tempdir().map_err(err)?;
                let url = format!("sqlite://{}", dir.path().join("bench.db").display());
                Ok(Self::Sqlite { _dir: dir, url })
            }
        }
    }

    fn url(&self) -> &str {
        match self {
            Self::Sqlite { url, .. } => url,
            Self::Postgres(db) => &db.url_string,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Sqlite { .. } => "sqlite",
            Self::Postgres(_) => "postgres",
        }
    }
}

/// A running in-process server.
pub struct BenchServer {
    /// `https://127.0.0.1:PORT`.
    pub base_url: String,
    /// The TLS CA to trust.
    pub ca_pem: String,
    /// The bootstrap administrator's one-time password.
    pub admin_code: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for BenchServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BenchServer")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

impl BenchServer {
    /// Starts a server on 127.0.0.1:0 with `data_dir` and `database_url`.
    ///
    /// # Errors
    /// Configuration or start-up failures.
    pub async fn start(
        data_dir: &std::path::Path,
        database_url: &str,
        db_max_connections: Option<u32>,
    ) -> Result<Self, String> {
        let args = ServeArgs {
            listen: Some(std::net::SocketAddr::from((Ipv4Addr::LOCALHOST, 0))),
            data_dir: Some(data_dir.to_owned()),
            database_url: Some(database_url.to_owned()),
            db_max_connections,
            login_rate_per_minute: Some(1_000_000),
            ..ServeArgs::default()
        };
        let config = Config::resolve(&args).map_err(err)?;
        let server = Server::bind(config, Arc::new(SystemClock), Arc::new(OsEntropy))
            .await
            .map_err(err)?;
        let base_url = format!("https://127.0.0.1:{}", server.local_addr().port());
        let ca_pem = server
            .tls_ca_pem()
            .ok_or("the server has no managed TLS CA")?
            .to_owned();
        let admin_code = server.bootstrap_admin_code().map(str::to_owned);
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Ok(Self {
            base_url,
            ca_pem,
            admin_code,
            shutdown: Some(tx),
            handle: Some(handle),
        })
    }

    /// A client of this server (optionally from a given local source address), over HTTP/2
    /// when the server offers it or over HTTP/1.1 only (`http1`).
    ///
    /// # Errors
    /// TLS configuration failures.
    pub fn client(&self, local: Option<IpAddr>, http1: bool) -> Result<PqbankClient, String> {
        let mut tls = pqbank_client::tls_config(&self.ca_pem).map_err(err)?;
        let mut builder = reqwest::Client::builder();
        if http1 {
            tls.alpn_protocols = vec![b"http/1.1".to_vec()];
            builder = builder.http1_only();
        }
        let http = builder
            .use_preconfigured_tls(tls)
            .timeout(Duration::from_secs(60))
            .local_address(local)
            .build()
            .map_err(err)?;
        Ok(PqbankClient::with_http(&self.base_url, http))
    }

    /// Stops the server and waits until it has closed the database.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            let _ = h.await;
        }
    }
}

fn problem_code(e: &ClientError) -> String {
    match e {
        ClientError::Problem { code, .. } => code.clone(),
        ClientError::Http(_) => "http_error".into(),
        ClientError::Crypto(_) => "client_crypto".into(),
        ClientError::Ca(_) | ClientError::Tls(_) => "client_tls".into(),
    }
}

fn is_rate_limited(e: &ClientError) -> bool {
    matches!(e, ClientError::Problem { status: 429, .. })
}

/// Logs in, waiting for the next minute window when the per-address limit answers 429.
async fn login_patiently(
    api: &PqbankClient,
    device: &DeviceKeys,
    username: &str,
) -> Result<Session, String> {
    for _ in 0..5 {
        match api.login(device, username, PASSWORD).await {
            Ok(s) => return Ok(s),
            Err(e) if is_rate_limited(&e) => {
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap_or_default()
                    .as_secs();
                tokio::time::sleep(Duration::from_secs(61 - now % 60)).await;
            }
            Err(e) => return Err(format!("login of {username}: {e}")),
        }
    }
    Err(format!("login of {username}: still rate limited"))
}

/// The bank staff and the customers a benchmark needs.
pub struct Population {
    /// The clerk's device.
    pub clerk_device: DeviceKeys,
    /// The clerk's session.
    pub clerk: Session,
    /// Customers: device, session, account.
    pub customers: Vec<Customer>,
    /// The EUR cash desk account.
    pub cash_eur: AccountId,
}

impl std::fmt::Debug for Population {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Population")
            .field("customers", &self.customers.len())
            .finish_non_exhaustive()
    }
}

/// One customer.
#[derive(Debug)]
pub struct Customer {
    /// Device key (signs transfers).
    pub device: Arc<DeviceKeys>,
    /// Session (one sender at a time).
    pub session: Session,
    /// The current account.
    pub account: AccountId,
}

async fn post_json(
    api: &PqbankClient,
    session: &Session,
    path: &str,
    body: &Value,
) -> Result<Value, String> {
    let resp = api
        .send(session, Method::POST, path, Some(body))
        .await
        .map_err(err)?;
    decode::<Value>(resp)
        .await
        .map_err(|e| format!("POST {path}: {e}"))
}

/// Activates the bootstrap admin, creates a clerk, `customers` customers with a device, a
/// current EUR account and a session each, and funds account `i` with `funding[i]` cents of
/// clerk cash deposits (each below the approval threshold).
///
/// # Errors
/// Any refused step.
pub async fn populate(
    server: &BenchServer,
    customers: usize,
    funding: &[i64],
) -> Result<Population, String> {
    let api = server.client(None, false)?;
    // The administrator (first start of this database).
    let code = server
        .admin_code
        .clone()
        .ok_or("the database already had an administrator")?;
    let mut admin_device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).map_err(err)?;
    api.activate(&mut admin_device, "admin", &code, PASSWORD, "bench admin")
        .await
        .map_err(|e| format!("admin activation: {e}"))?;
    let admin = login_patiently(&api, &admin_device, "admin").await?;
    // The clerk.
    let created = post_json(
        &api,
        &admin,
        "/api/v1/users",
        &json!({
            "username": "bench-clerk", "roles": ["clerk"], "branch": "HQ",
            "legal_name": "Bench Clerk", "email": "bench-clerk@bank.example",
        }),
    )
    .await?;
    let clerk_code = created["activation_code"]
        .as_str()
        .ok_or("no activation code for the clerk")?
        .to_owned();
    let mut clerk_device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).map_err(err)?;
    api.activate(
        &mut clerk_device,
        "bench-clerk",
        &clerk_code,
        PASSWORD,
        "bench clerk",
    )
    .await
    .map_err(|e| format!("clerk activation: {e}"))?;
    let clerk = login_patiently(&api, &clerk_device, "bench-clerk").await?;
    let cash: Vec<Account> = api.cash_accounts(&clerk).await.map_err(err)?;
    let cash_eur = cash
        .iter()
        .find(|a| a.kind == "cash" && a.currency == "EUR")
        .ok_or("no EUR cash account")?
        .id;

    // Customers register in parallel (Argon2 dominates), a few at a time.
    let mut registered: Vec<(usize, DeviceKeys, String)> = Vec::with_capacity(customers);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..customers {
        let api = api.clone();
        set.spawn(async move {
            let username = format!("bench-c{i}");
            let mut device = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519)
                .map_err(|e| e.to_string())?;
            let e = api
                .register(
                    &mut device,
                    &username,
                    PASSWORD,
                    "Bench Customer",
                    &format!("{username}@example.com"),
                    "bench device",
                )
                .await
                .map_err(|e| format!("register {username}: {e}"))?;
            Ok::<_, String>((i, device, e.user.id))
        });
        if set.len() >= 4
            && let Some(r) = set.join_next().await
        {
            registered.push(r.map_err(err)??);
        }
    }
    while let Some(r) = set.join_next().await {
        registered.push(r.map_err(err)??);
    }
    registered.sort_by_key(|(i, _, _)| *i);

    let mut out = Vec::with_capacity(customers);
    for (i, device, user_id) in registered {
        let account = api
            .create_account(&clerk, &user_id, "current", "EUR")
            .await
            .map_err(|e| format!("account for bench-c{i}: {e}"))?;
        let mut left = funding.get(i).copied().unwrap_or(0);
        while left > 0 {
            let chunk = left.min(MAX_DEPOSIT_MINOR);
            let payload = new_transfer_payload(
                &clerk_device,
                cash_eur,
                account.id,
                TransferAmount::from_minor(chunk, Currency::EUR).map_err(err)?,
                TransferReference::parse("bench funding").map_err(err)?,
            )
            .map_err(err)?;
            api.cash_deposit(&clerk, &clerk_device, &payload)
                .await
                .map_err(|e| format!("deposit for bench-c{i}: {e}"))?;
            left -= chunk;
        }
        let session = login_patiently(&api, &device, &format!("bench-c{i}")).await?;
        out.push(Customer {
            device: Arc::new(device),
            session,
            account: account.id,
        });
    }
    Ok(Population {
        clerk_device,
        clerk,
        customers: out,
        cash_eur,
    })
}

/// One pre-signed transfer.
struct Job {
    /// Global index (open loop: due at start + index / rate).
    index: usize,
    body: Value,
}

/// The result of one request.
struct Outcome {
    latency: Duration,
    error: Option<String>,
}

/// Picks sources, destinations and amounts: transfer k leaves customer (k / run) mod A for a
/// random other customer, so each customer's transfers come in runs of `run` consecutive ones
/// (open loop with batches: a batch is due as soon as its last transfer, the way a bulk
/// payment arrives, instead of waiting for transfers spread over the whole run). Returns
/// (from, to, cents) per transfer.
fn plan(
    transfers: usize,
    accounts: usize,
    max_cents: i64,
    run: usize,
) -> Result<Vec<(usize, usize, i64)>, String> {
    let mut rng = pqbank_client::auth::os_rng().map_err(err)?;
    let max_cents = max_cents.max(1);
    let run = run.max(1);
    Ok((0..transfers)
        .map(|k| {
            let from = (k / run) % accounts;
            let offset = rng.random_range(1..accounts);
            let to = (from + offset) % accounts;
            (from, to, rng.random_range(1..=max_cents))
        })
        .collect())
}

/// Signs every transfer of `plan` with its sender's device (on the blocking pool, one task per
/// customer); returns the jobs of each customer in order.
async fn sign_all(
    customers: &[Customer],
    plan: &[(usize, usize, i64)],
) -> Result<Vec<Vec<Job>>, String> {
    let mut set = tokio::task::JoinSet::new();
    for (c, customer) in customers.iter().enumerate() {
        let device = customer.device.clone();
        let mine: Vec<(usize, AccountId, AccountId, i64)> = plan
            .iter()
            .enumerate()
            .filter(|(_, (from, _, _))| *from == c)
            .map(|(k, (from, to, cents))| {
                (k, customers[*from].account, customers[*to].account, *cents)
            })
            .collect();
        set.spawn_blocking(move || {
            let reference = TransferReference::parse("bench").map_err(|e| e.to_string())?;
            let jobs = mine
                .into_iter()
                .map(|(index, from, to, cents)| {
                    let amount = TransferAmount::from_minor(cents, Currency::EUR)
                        .map_err(|e| e.to_string())?;
                    let payload =
                        new_transfer_payload(&device, from, to, amount, reference.clone())
                            .map_err(|e| e.to_string())?;
                    let body = sign_transfer(&device, &payload).map_err(|e| e.to_string())?;
                    Ok::<_, String>(Job { index, body })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok::<_, String>((c, jobs))
        });
    }
    let mut out: Vec<Vec<Job>> = (0..customers.len()).map(|_| Vec::new()).collect();
    while let Some(r) = set.join_next().await {
        let (c, jobs) = r.map_err(err)??;
        out[c] = jobs;
    }
    Ok(out)
}

async fn send_one(api: &PqbankClient, session: &Session, body: &Value) -> Option<String> {
    match api.submit_transfer(session, body).await {
        Ok(_) => None,
        Err(e) => Some(problem_code(&e)),
    }
}

/// Sends one customer's transfers in one batch request: one result per transfer.
async fn send_batch(api: &PqbankClient, session: &Session, jobs: &[Job]) -> Vec<Option<String>> {
    let bodies: Vec<&Value> = jobs.iter().map(|j| &j.body).collect();
    match api.submit_transfer_batch(session, &bodies).await {
        Ok(batch) if batch.results.len() == jobs.len() => batch
            .results
            .into_iter()
            .map(|item| {
                (item.status >= 300).then(|| {
                    item.problem
                        .map_or_else(|| format!("http_{}", item.status), |p| p.code)
                })
            })
            .collect(),
        Ok(_) => vec![Some("batch_result_count".to_owned()); jobs.len()],
        Err(e) => vec![Some(problem_code(&e)); jobs.len()],
    }
}

/// A lane's requests: single transfers in global order, or each customer's transfers in
/// batches of up to `batch`, ordered by the send time of their last transfer.
fn requests(
    work: Vec<(usize, Arc<Customer>, Job)>,
    batch: usize,
) -> Vec<(Arc<Customer>, Vec<Job>)> {
    let mut out: Vec<(Arc<Customer>, Vec<Job>)> = Vec::new();
    if batch <= 1 {
        out = work.into_iter().map(|(_, c, j)| (c, vec![j])).collect();
    } else {
        let mut by_customer: BTreeMap<usize, (Arc<Customer>, Vec<Job>)> = BTreeMap::new();
        for (index, c, job) in work {
            by_customer
                .entry(index)
                .or_insert_with(|| (c, Vec::new()))
                .1
                .push(job);
        }
        for (_, (c, jobs)) in by_customer {
            let mut jobs = jobs.into_iter().peekable();
            while jobs.peek().is_some() {
                let chunk: Vec<Job> = jobs.by_ref().take(batch).collect();
                out.push((c.clone(), chunk));
            }
        }
    }
    out.sort_by_key(|(_, jobs)| jobs.last().map_or(0, |j| j.index));
    out
}

fn progress(total: usize) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} transfers  {per_sec}  eta {eta}")
    {
        bar.set_style(style);
    }
    bar
}

/// Runs the load against a populated server; returns the outcomes and the measured time.
async fn drive(
    server: &BenchServer,
    customers: Vec<Customer>,
    jobs: Vec<Vec<Job>>,
    concurrency: usize,
    args: &TransfersArgs,
    bar: &ProgressBar,
) -> Result<(Vec<Outcome>, Duration, Vec<Customer>), String> {
    let (rate, http1, batch) = (args.rate, args.http1, args.batch);
    let clients: Vec<PqbankClient> = (0..concurrency)
        .map(|_| server.client(None, http1))
        .collect::<Result<_, _>>()?;
    // Lanes: closed loop, sender w serves the customers c with c mod C = w (in turn, in the
    // global order of their transfers); open loop, one lane per customer.
    let lanes: Vec<Vec<usize>> = match rate {
        None => (0..concurrency)
            .map(|w| (w..customers.len()).step_by(concurrency).collect())
            .collect(),
        Some(_) => (0..customers.len()).map(|c| vec![c]).collect(),
    };
    let customers: Vec<Arc<Customer>> = customers.into_iter().map(Arc::new).collect();
    let mut jobs: Vec<Option<Vec<Job>>> = jobs.into_iter().map(Some).collect();
    let start = Instant::now() + Duration::from_millis(50);
    let mut set = tokio::task::JoinSet::new();
    for (lane, members) in lanes.into_iter().enumerate() {
        let api = clients[lane % clients.len()].clone();
        let mut work: Vec<(usize, Arc<Customer>, Job)> = Vec::new();
        for c in members {
            for job in jobs[c].take().unwrap_or_default() {
                work.push((c, customers[c].clone(), job));
            }
        }
        work.sort_by_key(|(_, _, j)| j.index);
        let work = requests(work, batch);
        let bar = bar.clone();
        set.spawn(async move {
            tokio::time::sleep_until(start.into()).await;
            let mut out = Vec::new();
            for (customer, jobs) in work {
                // Open loop: each transfer's send time; a batch goes when its last is due.
                let dues: Vec<Instant> = match rate {
                    Some(r) => jobs
                        .iter()
                        .map(|j| start + Duration::from_secs_f64(j.index as f64 / r))
                        .collect(),
                    None => vec![Instant::now(); jobs.len()],
                };
                if let Some(last) = dues.last() {
                    tokio::time::sleep_until((*last).into()).await;
                }
                let errors = if batch <= 1 {
                    let mut e = Vec::with_capacity(jobs.len());
                    for job in &jobs {
                        e.push(send_one(&api, &customer.session, &job.body).await);
                    }
                    e
                } else {
                    send_batch(&api, &customer.session, &jobs).await
                };
                for (due, error) in dues.into_iter().zip(errors) {
                    out.push(Outcome {
                        latency: due.elapsed(),
                        error,
                    });
                    bar.inc(1);
                }
            }
            out
        });
    }
    let mut outcomes = Vec::new();
    while let Some(r) = set.join_next().await {
        outcomes.extend(r.map_err(err)?);
    }
    let elapsed = start.elapsed();
    let customers = customers
        .into_iter()
        .filter_map(|c| Arc::try_unwrap(c).ok())
        .collect();
    Ok((outcomes, elapsed, customers))
}

/// Sum of the customers' posted balances (read by the clerk), in cents.
async fn posted_sum(
    api: &PqbankClient,
    clerk: &Session,
    customers: &[Customer],
) -> Result<i64, String> {
    let mut sum = 0i64;
    for c in customers {
        let a = api
            .account(clerk, &c.account.to_string())
            .await
            .map_err(err)?;
        sum = sum.saturating_add(a.balance.posted.minor_units());
    }
    Ok(sum)
}

/// Runs `pqbank bench transfers`.
///
/// # Errors
/// Setup failures (failed transfers are counted, not errors).
pub async fn bench_transfers(args: &TransfersArgs) -> Result<BenchReport, String> {
    if args.accounts < 2 {
        return Err("--accounts must be at least 2".into());
    }
    if args.transfers == 0 {
        return Err("--transfers must be positive".into());
    }
    if !(1..=pqbank_service::ledger::MAX_TRANSFER_BATCH).contains(&args.batch) {
        return Err(format!(
            "--batch must be 1..={}",
            pqbank_service::ledger::MAX_TRANSFER_BATCH
        ));
    }
    if let Some(r) = args.rate
        && !(r.is_finite() && r > 0.0)
    {
        return Err("--rate must be a positive number".into());
    }
    let setup_started = Instant::now();
    let db = BenchDb::open(args.database.as_deref()).await?;
    let data_dir = tempfile::tempdir().map_err(err)?;
    let server = BenchServer::start(data_dir.path(), db.url(), args.db_max_connections).await?;
    let result = run_against(&server, args, setup_started, db.kind()).await;
    server.stop().await;
    drop(db);
    result
}

/// The benchmark against a started server (also used by the integration test).
///
/// # Errors
/// Setup failures.
pub async fn run_against(
    server: &BenchServer,
    args: &TransfersArgs,
    setup_started: Instant,
    database: &str,
) -> Result<BenchReport, String> {
    let accounts = args.accounts;
    // Closed loop: one transfer per customer in turn (a sender's customers alternate); open
    // loop with batches: runs of a batch (see `plan`).
    let run = if args.rate.is_some() { args.batch } else { 1 };
    let plan = plan(args.transfers, accounts, args.max_amount_cents, run)?;
    let mut funding = vec![0i64; accounts];
    for (from, _, cents) in &plan {
        funding[*from] = funding[*from].saturating_add(*cents);
    }
    // Something to spare for every account (also those that only receive).
    for f in &mut funding {
        *f = f.saturating_add(100);
    }
    let deposits: i64 = funding.iter().sum();
    let population = populate(server, accounts, &funding).await?;
    let setup_s = setup_started.elapsed().as_secs_f64();

    let signing_started = Instant::now();
    let jobs = sign_all(&population.customers, &plan).await?;
    let signing_s = signing_started.elapsed().as_secs_f64();

    let concurrency = args.concurrency.clamp(1, accounts);
    let bar = progress(args.transfers);
    let Population {
        clerk, customers, ..
    } = population;
    let (outcomes, elapsed, customers) =
        drive(server, customers, jobs, concurrency, args, &bar).await?;
    bar.finish_and_clear();

    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut latencies: Vec<Duration> = Vec::with_capacity(outcomes.len());
    let mut ok = 0usize;
    for o in outcomes {
        latencies.push(o.latency);
        match o.error {
            None => ok += 1,
            Some(code) => *errors.entry(code).or_default() += 1,
        }
    }
    let api = server.client(None, false)?;
    let balances_consistent = if customers.len() == accounts {
        posted_sum(&api, &clerk, &customers)
            .await
            .ok()
            .map(|sum| sum == deposits)
    } else {
        None
    };
    let elapsed_s = elapsed.as_secs_f64();
    Ok(BenchReport {
        database: database.to_owned(),
        http: if args.http1 { "1.1" } else { "2" }.to_owned(),
        batch: args.batch,
        mode: if args.rate.is_some() {
            "open"
        } else {
            "closed"
        }
        .to_owned(),
        transfers: args.transfers,
        accounts,
        concurrency: if args.rate.is_some() {
            accounts
        } else {
            concurrency
        },
        target_rate: args.rate,
        setup_s,
        signing_s,
        elapsed_s,
        ok,
        throughput_tps: if elapsed_s > 0.0 {
            ok as f64 / elapsed_s
        } else {
            0.0
        },
        errors,
        latency_ms: Latency::of(&mut latencies),
        balances_consistent,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;

    #[test]
    fn percentiles() {
        let mut s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let l = Latency::of(&mut s);
        assert_eq!(l.p50, 50.0);
        assert_eq!(l.p90, 90.0);
        assert_eq!(l.p99, 99.0);
        assert_eq!(l.max, 100.0);
        assert!((l.mean - 50.5).abs() < 1e-9);
        assert_eq!(Latency::of(&mut []).max, 0.0);
        let mut one = vec![Duration::from_millis(7)];
        assert_eq!(Latency::of(&mut one).p99, 7.0);
    }

    #[test]
    fn plan_never_sends_to_self_and_spreads_sources() {
        let p = plan(1000, 7, 50, 1).unwrap();
        assert!(
            p.iter()
                .all(|(f, t, c)| f != t && *t < 7 && (1..=50).contains(c))
        );
        for a in 0..7 {
            assert!(p.iter().filter(|(f, _, _)| *f == a).count() >= 142);
        }
    }

    #[test]
    fn open_loop_batches_come_in_runs() {
        let p = plan(100, 3, 50, 8).unwrap();
        assert!(p.iter().all(|(f, t, _)| f != t && *t < 3));
        // Transfers 0..8 leave customer 0, 8..16 customer 1, 16..24 customer 2, 24..32 0 again.
        let sources: Vec<usize> = p.iter().map(|(f, _, _)| *f).collect();
        assert_eq!(&sources[..8], &[0; 8]);
        assert_eq!(&sources[8..16], &[1; 8]);
        assert_eq!(&sources[16..24], &[2; 8]);
        assert_eq!(&sources[24..32], &[0; 8]);
        assert_eq!(sources[96..], [0; 4]);
        // A run of 1 is the closed loop's round robin.
        let p = plan(10, 4, 50, 1).unwrap();
        let sources: Vec<usize> = p.iter().map(|(f, _, _)| *f).collect();
        assert_eq!(sources, vec![0, 1, 2, 3, 0, 1, 2, 3, 0, 1]);
    }
}
