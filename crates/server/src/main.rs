//! The `pqbank` binary: `serve`, `config show`, and the client-side commands of pqbank-cli.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use pqbank_server::Server;
use pqbank_server::config::{Config, LogFormat, ServeArgs};
use pqbank_server::listener::shutdown_signal;
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
    /// The audit log: export (operator, on the server) and offline verification.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    #[command(flatten)]
    Client(pqbank_cli::Command),
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
        Command::Client(command) => pqbank_cli::run(command),
    }
}

/// `pqbank audit export --out DIR`: opens the bank like `serve` and writes the export.
#[allow(clippy::print_stdout)] // a CLI prints its results
fn audit_export(args: &ServeArgs, out: &std::path::Path) -> ExitCode {
    let config = match Config::resolve(args) {
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
