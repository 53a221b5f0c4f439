//! The `pqbank` binary: `serve`, `config show`, the operator commands `ca init` / `ca rotate` and
//! `audit export`, and the client-side commands of pqbank-cli.

use std::process::ExitCode;
use std::sync::Arc;

/// mimalloc instead of the system allocator: the request path (TLS records, HTTP/2 frames, JSON,
/// database rows) allocates many small objects on several threads, where glibc's malloc spent
/// about a sixth of the CPU in the transfer benchmark; mimalloc gave about 12 % more transfers/s.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use aws_lc_rs::digest;
use clap::{Args, Parser, Subcommand};
use pqbank_server::config::{Config, LogFormat, ServeArgs};
use pqbank_server::listener::shutdown_signal;
use pqbank_server::{Server, open_bank};
use pqbank_service::Bank;
use pqbank_service::ca::{CaInfo, CaSummary};
use pqbank_service::clock::SystemClock;
use pqbank_service::entropy::OsEntropy;
use tracing_subscriber::EnvFilter;

/// pqbank: a quantum-safe bank.
#[derive(Debug, Parser)]
#[command(name = "pqbank", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the bank server (HTTPS API and web app).
    Serve(ServeArgs),
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Operate the bank's certificate authority on the configured data directory and database.
    Ca {
        #[command(subcommand)]
        command: CaCommand,
    },
    /// User administration on the configured data directory and database (operator).
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// The audit log: export (operator, on the server) and offline verification.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// The books: invariant check on the configured database (operator).
    Ledger {
        #[command(subcommand)]
        command: LedgerCommand,
    },
    /// Load benchmarks against an in-process server (`bench transfers`).
    Bench {
        #[command(subcommand)]
        command: pqbank_server::bench::BenchCommand,
    },
    #[command(flatten)]
    Client(pqbank_cli::Command),
}

#[derive(Debug, Subcommand)]
enum LedgerCommand {
    /// Recompute every balance from the postings and check the ledger invariants (postings sum
    /// to zero per currency, balances equal their postings, reservations equal pending
    /// transfers, no available balance below its limit, each transfer applied at most once).
    /// Exits 1 listing the violations.
    Check {
        /// Print the result as JSON.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        serve: Box<ServeArgs>,
    },
}

#[derive(Debug, Subcommand)]
enum CaCommand {
    /// Create the root and issuing CA. If a CA exists, report it and change nothing.
    Init(CaInitArgs),
    /// Create a new issuing CA under the root and make it the active one; certificates of the
    /// previous issuing CAs stay valid until they expire.
    Rotate(ServeArgs),
}

#[derive(Debug, Args)]
struct CaInitArgs {
    /// Signature algorithm of the new CA (same as --ca-algorithm): mldsa65-ed25519 (default),
    /// mldsa65-ecdsa-p256, mldsa65-rsa3072-pss or mldsa65.
    #[arg(long)]
    algorithm: Option<String>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum AdminCommand {
    /// Create a user (staff or customer); prints the one-time activation code to hand over
    /// (`pqbank device enroll --username U --activation-code CODE`).
    CreateUser(CreateUserArgs),
}

#[derive(Debug, Args)]
struct CreateUserArgs {
    /// Username.
    #[arg(long)]
    username: String,
    /// Role (repeat for several): customer, clerk, manager, auditor, admin.
    #[arg(long = "role", required = true)]
    roles: Vec<String>,
    /// Branch (required for clerk and manager).
    #[arg(long)]
    branch: Option<String>,
    /// Legal name.
    #[arg(long)]
    legal_name: String,
    /// Email.
    #[arg(long)]
    email: String,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
enum AuditCommand {
    /// Export the audit log for offline verification (opens the bank's database and key ring;
    /// signs a checkpoint covering the whole log first).
    Export {
        /// Directory to write (created; must be empty).
        #[arg(long)]
        out: std::path::PathBuf,
        #[command(flatten)]
        serve: Box<ServeArgs>,
    },
    #[command(flatten)]
    Offline(pqbank_cli::audit::AuditCommand),
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the effective configuration (flags > env > file > defaults), secrets redacted.
    Show(ServeArgs),
}

fn init_logging(config: &Config) {
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).init(),
        LogFormat::Human => builder.init(),
    }
}

#[allow(clippy::print_stdout)] // a CLI prints its results
fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Config {
            command: ConfigCommand::Show(args),
        } => match Config::resolve(&args) {
            Ok(config) => {
                print!("{}", config.to_redacted_toml());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pqbank: {e}");
                ExitCode::from(2)
            }
        },
        Command::Serve(args) => {
            let config = match Config::resolve(&args) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("pqbank: {e}");
                    return ExitCode::from(2);
                }
            };
            init_logging(&config);
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
            runtime.block_on(async move {
                match Server::bind(config, Arc::new(SystemClock), Arc::new(OsEntropy)).await {
                    Ok(server) => {
                        if let Some(code) = server.bootstrap_admin_code() {
                            // Shown once, on the console only (never logged): the bootstrap
                            // administrator activates with it and sets a new password.
                            eprintln!(
                                "\n  pqbank: created the administrator account `admin`.\n  \
                                 One-time password (shown only now): {code}\n  \
                                 Activate it with a device: pqbank device enroll --username admin --activation-code {code}\n"
                            );
                        }
                        server.run(shutdown_signal()).await;
                        ExitCode::SUCCESS
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "pqbank cannot start");
                        eprintln!("pqbank: {e}");
                        ExitCode::FAILURE
                    }
                }
            })
        }
        Command::Ca { command } => ca(command),
        Command::Admin {
            command: AdminCommand::CreateUser(args),
        } => admin_create_user(args),
        Command::Audit { command } => match command {
            AuditCommand::Export { out, serve } => audit_export(&serve, &out),
            AuditCommand::Offline(command) => match pqbank_cli::audit::run(command) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("pqbank: {e}");
                    ExitCode::FAILURE
                }
            },
        },
        Command::Ledger {
            command: LedgerCommand::Check { json, serve },
        } => ledger_check(&serve, json),
        Command::Bench { command } => pqbank_server::bench::run(command),
        Command::Client(command) => pqbank_cli::run(command),
    }
}

/// Resolves the configuration like `serve`, starts logging and the async runtime for an operator
/// command; the exit code to return when that fails.
fn operator(args: &ServeArgs) -> Result<(Config, tokio::runtime::Runtime), ExitCode> {
    let config = Config::resolve(args).map_err(|e| {
        eprintln!("pqbank: {e}");
        ExitCode::from(2)
    })?;
    init_logging(&config);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("pqbank: cannot start the async runtime: {e}");
            ExitCode::FAILURE
        })?;
    Ok((config, runtime))
}

/// `pqbank ledger check`: opens the database like `serve` and runs the invariant check.
#[allow(clippy::print_stdout)] // a CLI prints its results
fn ledger_check(args: &ServeArgs, json: bool) -> ExitCode {
    let (config, runtime) = match operator(args) {
        Ok(v) => v,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let result = async {
            let bank =
                pqbank_server::open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy))
                    .await
                    .map_err(|e| e.to_string())?;
            let check = bank.ledger_check().await.map_err(|e| e.to_string());
            bank.store().close().await;
            check
        }
        .await;
        match result {
            Ok(check) => {
                let ok = check.violations.is_empty();
                if json {
                    let dto = pqbank_server::routes::ledger::check_dto(check);
                    println!("{}", serde_json::to_string_pretty(&dto).unwrap_or_default());
                } else {
                    println!(
                        "checked {} accounts, {} transfers, {} postings",
                        check.accounts, check.transfers, check.postings
                    );
                    for v in &check.violations {
                        println!("VIOLATION {v}");
                    }
                    println!(
                        "{}",
                        if ok {
                            "ledger OK"
                        } else {
                            "ledger INCONSISTENT"
                        }
                    );
                }
                if ok {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("pqbank: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// `pqbank audit export --out DIR`: opens the bank like `serve` and writes the export.
#[allow(clippy::print_stdout)] // a CLI prints its results
fn audit_export(args: &ServeArgs, out: &std::path::Path) -> ExitCode {
    let (config, runtime) = match operator(args) {
        Ok(v) => v,
        Err(code) => return code,
    };
    runtime.block_on(async move {
        let result = async {
            let bank =
                pqbank_server::open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy))
                    .await
                    .map_err(|e| e.to_string())?;
            bank.ensure_ca().await.map_err(|e| e.to_string())?;
            let summary = bank.export_audit(out).await.map_err(|e| e.to_string());
            bank.store().close().await;
            summary
        }
        .await;
        match result {
            Ok(s) => {
                println!(
                    "exported {} entries and {} checkpoints to {} (root {})",
                    s.entries,
                    s.checkpoints,
                    out.display(),
                    s.root
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pqbank: audit export failed: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

/// `pqbank ca init|rotate`: opens the data directory and database like `serve` (migrations
/// included), acts on the CA and prints a summary.
#[allow(clippy::print_stdout)] // a CLI prints its results
fn ca(command: CaCommand) -> ExitCode {
    let (args, rotate) = match command {
        CaCommand::Init(CaInitArgs {
            algorithm,
            mut serve,
        }) => {
            if algorithm.is_some() {
                serve.ca_algorithm = algorithm;
            }
            (serve, false)
        }
        CaCommand::Rotate(serve) => (serve, true),
    };
    let config = match Config::resolve(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pqbank: {e}");
            return ExitCode::from(2);
        }
    };
    init_logging(&config);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pqbank: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let requested = config.ca_algorithm;
        let bank = match open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy)).await {
            Ok(bank) => bank,
            Err(e) => {
                eprintln!("pqbank: {e}");
                return ExitCode::FAILURE;
            }
        };
        let result = if rotate {
            ca_rotate(&bank).await
        } else {
            ca_init(&bank, requested.id()).await
        };
        bank.store().close().await;
        match result {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pqbank: {e}");
                ExitCode::FAILURE
            }
        }
    })
}

async fn ca_init(bank: &Bank, requested: &str) -> Result<String, String> {
    let (summary, created) = bank.ensure_ca().await.map_err(|e| e.to_string())?;
    let mut text = if created {
        format!("created a new CA ({requested})\n")
    } else {
        let mut t = "a CA already exists; nothing changed\n".to_owned();
        if summary.root.algorithm != requested {
            t.push_str(&format!(
                "note: the existing CA uses {}, not the requested {requested}\n",
                summary.root.algorithm
            ));
        }
        t
    };
    text.push_str(&ca_summary_text(bank, &summary)?);
    Ok(text)
}

async fn ca_rotate(bank: &Bank) -> Result<String, String> {
    if !bank.load_ca().await.map_err(|e| e.to_string())? {
        return Err("no CA yet: run `pqbank ca init` first".to_owned());
    }
    let previous = bank.ca_summary().map_err(|e| e.to_string())?.issuing.id;
    let summary = bank.rotate_issuing_ca().await.map_err(|e| e.to_string())?;
    let mut text = format!(
        "rotated the issuing CA: {previous} -> {} (certificates of {previous} stay valid until they expire)\n",
        summary.issuing.id
    );
    text.push_str(&ca_summary_text(bank, &summary)?);
    Ok(text)
}

/// Root and active issuing CA: ids, algorithm, subject, serial, validity, SHA-256 fingerprints.
fn ca_summary_text(bank: &Bank, summary: &CaSummary) -> Result<String, String> {
    let pem = bank.ca_chain_pem().map_err(|e| e.to_string())?;
    // ca_chain_pem is the issuing CA followed by the root.
    let mut fingerprints = pem
        .split_inclusive("-----END CERTIFICATE-----")
        .filter(|block| block.contains("-----BEGIN CERTIFICATE-----"))
        .map(|block| {
            pqbank_pki::Cert::from_pem(block.trim())
                .map(|cert| hex::encode(digest::digest(&digest::SHA256, cert.der())))
                .map_err(|e| e.to_string())
        });
    let issuing_fp = fingerprints.next().transpose()?.unwrap_or_default();
    let root_fp = fingerprints.next().transpose()?.unwrap_or_default();
    let mut text = String::new();
    ca_info_text(&mut text, "root CA", &summary.root, &root_fp);
    ca_info_text(
        &mut text,
        &format!(
            "issuing CA (active; {} issuing CA(s) still valid)",
            summary.issuing_count
        ),
        &summary.issuing,
        &issuing_fp,
    );
    Ok(text)
}

fn ca_info_text(out: &mut String, title: &str, info: &CaInfo, fingerprint: &str) {
    let time = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|_| t.to_string())
    };
    out.push_str(&format!(
        "{title}\n  id:          {}\n  algorithm:   {}\n  subject:     {}\n  serial:      {}\n  not before:  {}\n  not after:   {}\n  sha256:      {fingerprint}\n",
        info.id,
        info.algorithm,
        info.subject,
        info.serial,
        time(info.not_before),
        time(info.not_after),
    ));
}

/// `pqbank admin create-user`: opens the bank like `serve` and creates a pending user.
#[allow(clippy::print_stdout)] // a CLI prints its results
fn admin_create_user(args: CreateUserArgs) -> ExitCode {
    let config = match Config::resolve(&args.serve) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("pqbank: {e}");
            return ExitCode::FAILURE;
        }
    };
    let roles = match args
        .roles
        .iter()
        .map(|r| r.parse::<pqbank_domain::Role>())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())
        .and_then(|r| pqbank_domain::RoleSet::from_roles(r).map_err(|e| e.to_string()))
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pqbank: --role: {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("pqbank: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async move {
        let result = async {
            let bank = open_bank(&config, Arc::new(SystemClock), Arc::new(OsEntropy))
                .await
                .map_err(|e| e.to_string())?;
            bank.ensure_ca().await.map_err(|e| e.to_string())?;
            let created = bank
                .create_user_as_operator(pqbank_service::identity::NewStaffUser {
                    username: args.username,
                    roles,
                    branch: args.branch,
                    legal_name: args.legal_name,
                    email: args.email,
                })
                .await
                .map_err(|e| e.to_string());
            bank.store().close().await;
            created
        }
        .await;
        match result {
            Ok(o) => {
                println!(
                    "created {} ({}), status {}\none-time activation code (shown only now): {}",
                    o.user.username, o.user.id, o.user.status, o.activation_code
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("pqbank: {e}");
                ExitCode::FAILURE
            }
        }
    })
}
