//! pqbank-cli: the client-side commands of the `pqbank` binary (status, crypto; device, transfers,
//! certificates, audit verification and benchmarks as they land).

pub mod account;
pub mod audit;
pub mod cert;
pub mod crypto;
pub mod transfer;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use pqbank_client::PqbankClient;

/// Where the server is and which CA to trust.
#[derive(Debug, Clone, Args)]
pub struct Remote {
    /// Server URL.
    #[arg(long, env = "PQBANK_URL", default_value = "https://127.0.0.1:8443")]
    pub url: String,
    /// CA certificate (PEM) to trust for the server's TLS certificate.
    #[arg(long, env = "PQBANK_CA", default_value = "./pqbank-data/tls-ca.pem")]
    pub ca: PathBuf,
}

/// Client-side commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check that a server is alive and ready.
    Status(Remote),
    /// Account: register, login, whoami, logout.
    #[command(flatten)]
    Account(account::AccountCommand),
    /// This profile's device: enroll (activate an account with a one-time code).
    Device {
        /// What to do.
        #[command(subcommand)]
        command: account::DeviceCommand,
    },
    /// Hybrid post-quantum crypto on files: keygen, sign, verify, seal, open, algorithms.
    Crypto {
        /// What to do.
        #[command(subcommand)]
        command: crypto::CryptoCommand,
    },
    /// Certificates, CSRs and CRLs: inspect (text or JSON), verify against the CA chain and CRL.
    Cert {
        /// What to do.
        #[command(subcommand)]
        command: cert::CertCommand,
    },
    /// Transfers: send (device-signed), show, list, verify offline, approve, reject.
    Transfer {
        /// What to do.
        #[command(subcommand)]
        command: transfer::TransferCommand,
    },
    /// Bank accounts: list, show, create (staff), transactions, statement.
    Accounts {
        /// What to do.
        #[command(subcommand)]
        command: transfer::AccountsCommand,
    },
    /// The approval queue (managers).
    Approvals {
        /// What to do.
        #[command(subcommand)]
        command: transfer::ApprovalsCommand,
    },
}

/// Runs a command and returns the process exit code.
pub fn run(command: Command) -> ExitCode {
    if let Command::Crypto { command } = command {
        return exit(crypto::run(command));
    }
    if let Command::Cert { command } = command {
        return cert::run(command);
    }
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
    let result = runtime.block_on(async {
        match command {
            Command::Status(remote) => status(&remote).await,
            Command::Account(c) => account::run_account(c).await,
            Command::Device { command } => account::run_device(command).await,
            Command::Transfer { command } => transfer::run_transfer(command).await,
            Command::Accounts { command } => transfer::run_accounts(command).await,
            Command::Approvals { command } => transfer::run_approvals(command).await,
            Command::Crypto { .. } | Command::Cert { .. } => Err("handled above".to_owned()),
        }
    });
    exit(result)
}

fn exit(result: Result<(), String>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("pqbank: {e}");
            ExitCode::FAILURE
        }
    }
}

fn client(remote: &Remote) -> Result<PqbankClient, String> {
    let ca =
        std::fs::read_to_string(&remote.ca).map_err(|e| format!("{}: {e}", remote.ca.display()))?;
    PqbankClient::new(&remote.url, &ca).map_err(|e| e.to_string())
}

#[allow(clippy::print_stdout)] // a CLI prints its results
async fn status(remote: &Remote) -> Result<(), String> {
    let c = client(remote)?;
    let health = c.health().await.map_err(|e| e.to_string())?;
    let ready = c.ready().await.map_err(|e| e.to_string())?;
    println!(
        "{}: alive (version {}), ready (database {})",
        remote.url, health.version, ready.database
    );
    Ok(())
}
