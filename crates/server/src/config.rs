//! Configuration: flags > `PQBANK_*` environment variables > TOML file (`--config`) > defaults.
//! Clap resolves flag-over-env; [`Config::resolve`] layers the file and the defaults beneath.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pqbank_store::DatabaseUrl;
use serde::{Deserialize, Serialize};

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Human,
    /// One JSON object per line.
    Json,
}

/// Options shared by `pqbank serve` and `pqbank config show`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ServeArgs {
    /// TOML configuration file.
    #[arg(long, env = "PQBANK_CONFIG")]
    pub config: Option<PathBuf>,
    /// Data directory (database, TLS and key material). Default ./pqbank-data.
    #[arg(long, env = "PQBANK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Address to serve HTTPS on. Default 127.0.0.1:8443.
    #[arg(long, env = "PQBANK_LISTEN")]
    pub listen: Option<SocketAddr>,
    /// Database URL: sqlite://PATH or postgres://... Default: SQLite in the data directory.
    #[arg(long, env = "PQBANK_DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<String>,
    /// PEM certificate chain for the HTTPS listener (with --tls-key).
    #[arg(long, env = "PQBANK_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key for the HTTPS listener (with --tls-cert).
    #[arg(long, env = "PQBANK_TLS_KEY")]
    pub tls_key: Option<PathBuf>,
    /// Log format.
    #[arg(long, env = "PQBANK_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
    /// Log filter (tracing env-filter syntax). Default "info".
    #[arg(long, env = "PQBANK_LOG")]
    pub log: Option<String>,
    /// The bank's name (certificate subjects, web app).
    #[arg(long, env = "PQBANK_BANK_NAME")]
    pub bank_name: Option<String>,
    /// Largest request body in bytes. Default 1 MiB.
    #[arg(long, env = "PQBANK_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Largest request head (request line + headers) in bytes. Default 16 KiB.
    #[arg(long, env = "PQBANK_MAX_HEADER_BYTES")]
    pub max_header_bytes: Option<usize>,
    /// Per-request time limit in seconds. Default 30.
    #[arg(long, env = "PQBANK_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Concurrent client connections. Default 1024.
    #[arg(long, env = "PQBANK_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Database pool size. Default 16.
    #[arg(long, env = "PQBANK_DB_MAX_CONNECTIONS")]
    pub db_max_connections: Option<u32>,
    /// Seconds to let in-flight requests finish on shutdown. Default 10.
    #[arg(long, env = "PQBANK_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// Signature algorithm of new CAs (registry id: mldsa65-ed25519, mldsa65-ecdsa-p256,
    /// mldsa65-rsa3072-pss, mldsa65). Default mldsa65-ed25519.
    #[arg(long, env = "PQBANK_CA_ALGORITHM")]
    pub ca_algorithm: Option<String>,
    /// Login attempts per client address and minute (per instance). Default 30.
    #[arg(long, env = "PQBANK_LOGIN_RATE_PER_MINUTE")]
    pub login_rate_per_minute: Option<u32>,
    /// Sign an audit checkpoint once this many events are not yet covered by one. Default 1000.
    #[arg(long, env = "PQBANK_CHECKPOINT_EVERY")]
    pub checkpoint_every: Option<u64>,
    /// Sign an audit checkpoint at least this often (seconds) while new events arrive.
    /// Default 60.
    #[arg(long, env = "PQBANK_CHECKPOINT_SECONDS")]
    pub checkpoint_seconds: Option<u64>,
}

/// The TOML file: the same keys as the flags (snake_case), all optional.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data_dir: Option<PathBuf>,
    listen: Option<SocketAddr>,
    database_url: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    log_format: Option<LogFormat>,
    log: Option<String>,
    bank_name: Option<String>,
    max_body_bytes: Option<usize>,
    max_header_bytes: Option<usize>,
    request_timeout_secs: Option<u64>,
    max_connections: Option<usize>,
    db_max_connections: Option<u32>,
    shutdown_grace_secs: Option<u64>,
    ca_algorithm: Option<String>,
    login_rate_per_minute: Option<u32>,
    checkpoint_every: Option<u64>,
    checkpoint_seconds: Option<u64>,
}

/// HTTP limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Limits {
    /// Largest request body.
    pub max_body_bytes: usize,
    /// Largest request head.
    pub max_header_bytes: usize,
    /// Per-request time limit.
    #[serde(with = "secs")]
    pub request_timeout: Duration,
    /// Concurrent connections.
    pub max_connections: usize,
    /// Grace period for in-flight requests on shutdown.
    #[serde(with = "secs")]
    pub shutdown_grace: Duration,
}

mod secs {
    pub fn serialize<S: serde::Serializer>(
        d: &std::time::Duration,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }
}

/// Where the listener's certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsSource {
    /// Generated and kept in the data directory (classical ECDSA P-256 TLS CA).
    Managed,
    /// Operator-supplied PEM files.
    Files {
        /// Certificate chain.
        cert: PathBuf,
        /// Private key.
        key: PathBuf,
    },
}

/// The effective configuration.
#[derive(Clone)]
pub struct Config {
    /// Data directory.
    pub data_dir: PathBuf,
    /// Listen address.
    pub listen: SocketAddr,
    /// Database.
    pub database_url: DatabaseUrl,
    /// TLS certificate source.
    pub tls: TlsSource,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter.
    pub log: String,
    /// Bank name.
    pub bank_name: String,
    /// HTTP limits.
    pub limits: Limits,
    /// Database pool size.
    pub db_max_connections: u32,
    /// Signature algorithm of new CAs.
    pub ca_algorithm: pqbank_crypto::SignatureAlgorithm,
    /// Login attempts per client address and minute.
    pub login_rate_per_minute: u32,
    /// Audit checkpoint after this many uncovered events.
    pub checkpoint_every: u64,
    /// Audit checkpoint at least this often (seconds).
    pub checkpoint_seconds: u64,
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_redacted_toml())
    }
}

/// Configuration problems, reported before anything starts.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// File.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The config file is not valid TOML for pqbank.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// File.
        path: PathBuf,
        /// Parser message.
        message: String,
    },
    /// A value is out of range or inconsistent.
    #[error("invalid configuration: {0}")]
    Invalid(String),
    /// The database URL is not usable.
    #[error("{0}")]
    Database(#[from] pqbank_store::StoreError),
}

/// Default values.
pub mod defaults {
    /// Data directory.
    pub const DATA_DIR: &str = "./pqbank-data";
    /// Listen address.
    pub const LISTEN: &str = "127.0.0.1:8443";
    /// Bank name.
    pub const BANK_NAME: &str = "pqbank";
    /// Body limit.
    pub const MAX_BODY_BYTES: usize = 1024 * 1024;
    /// Header limit.
    pub const MAX_HEADER_BYTES: usize = 16 * 1024;
    /// Request timeout.
    pub const REQUEST_TIMEOUT_SECS: u64 = 30;
    /// Connections.
    pub const MAX_CONNECTIONS: usize = 1024;
    /// Pool size.
    pub const DB_MAX_CONNECTIONS: u32 = 16;
    /// Shutdown grace.
    pub const SHUTDOWN_GRACE_SECS: u64 = 10;
}

fn in_range<T: PartialOrd + fmt::Display + Copy>(
    name: &str,
    v: T,
    lo: T,
    hi: T,
) -> Result<T, ConfigError> {
    if v < lo || v > hi {
        return Err(ConfigError::Invalid(format!(
            "{name} = {v} is outside {lo}..={hi}"
        )));
    }
    Ok(v)
}

impl Config {
    /// Layers flags/env (already merged by clap), the file and the defaults.
    pub fn resolve(args: &ServeArgs) -> Result<Self, ConfigError> {
        let file = match &args.config {
            Some(path) => load_file(path)?,
            None => FileConfig::default(),
        };
        let data_dir = args
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(defaults::DATA_DIR));
        let listen = match args.listen.or(file.listen) {
            Some(l) => l,
            None => defaults::LISTEN
                .parse()
                .map_err(|_| ConfigError::Invalid("default listen address".into()))?,
        };
        let database_url = match args.database_url.clone().or(file.database_url) {
            Some(u) => DatabaseUrl::parse(&u)?,
            None => DatabaseUrl::Sqlite(data_dir.join("pqbank.db")),
        };
        let tls = match (
            args.tls_cert.clone().or(file.tls_cert),
            args.tls_key.clone().or(file.tls_key),
        ) {
            (None, None) => TlsSource::Managed,
            (Some(cert), Some(key)) => TlsSource::Files { cert, key },
            _ => {
                return Err(ConfigError::Invalid(
                    "--tls-cert and --tls-key go together".into(),
                ));
            }
        };
        let bank_name = args
            .bank_name
            .clone()
            .or(file.bank_name)
            .unwrap_or_else(|| defaults::BANK_NAME.into());
        if bank_name.trim().is_empty()
            || bank_name.len() > 64
            || bank_name.chars().any(char::is_control)
        {
            return Err(ConfigError::Invalid(
                "bank_name must be 1..=64 printable characters".into(),
            ));
        }
        let limits = Limits {
            max_body_bytes: in_range(
                "max_body_bytes",
                args.max_body_bytes
                    .or(file.max_body_bytes)
                    .unwrap_or(defaults::MAX_BODY_BYTES),
                1024,
                64 * 1024 * 1024,
            )?,
            max_header_bytes: in_range(
                "max_header_bytes",
                args.max_header_bytes
                    .or(file.max_header_bytes)
                    .unwrap_or(defaults::MAX_HEADER_BYTES),
                8192,
                1024 * 1024,
            )?,
            request_timeout: Duration::from_secs(in_range(
                "request_timeout_secs",
                args.request_timeout_secs
                    .or(file.request_timeout_secs)
                    .unwrap_or(defaults::REQUEST_TIMEOUT_SECS),
                1,
                3600,
            )?),
            max_connections: in_range(
                "max_connections",
                args.max_connections
                    .or(file.max_connections)
                    .unwrap_or(defaults::MAX_CONNECTIONS),
                1,
                1_000_000,
            )?,
            shutdown_grace: Duration::from_secs(in_range(
                "shutdown_grace_secs",
                args.shutdown_grace_secs
                    .or(file.shutdown_grace_secs)
                    .unwrap_or(defaults::SHUTDOWN_GRACE_SECS),
                0,
                600,
            )?),
        };
        let ca_algorithm = match args.ca_algorithm.clone().or(file.ca_algorithm) {
            None => pqbank_crypto::SignatureAlgorithm::default(),
            Some(id) => pqbank_crypto::SignatureAlgorithm::from_id(&id)
                .ok()
                .and_then(|alg| pqbank_pki::check_cert_algorithm(alg).ok())
                .ok_or_else(|| {
                    ConfigError::Invalid(format!(
                        "ca_algorithm {id:?} is not one of {}",
                        pqbank_pki::CERT_SIGNATURE_ALGORITHMS
                            .map(|a| a.id())
                            .join(", ")
                    ))
                })?,
        };
        let login_rate_per_minute = in_range(
            "login_rate_per_minute",
            args.login_rate_per_minute
                .or(file.login_rate_per_minute)
                .unwrap_or(30),
            1,
            1_000_000,
        )?;
        let checkpoint_every = in_range(
            "checkpoint_every",
            args.checkpoint_every
                .or(file.checkpoint_every)
                .unwrap_or(1000),
            1,
            1_000_000,
        )?;
        let checkpoint_seconds = in_range(
            "checkpoint_seconds",
            args.checkpoint_seconds
                .or(file.checkpoint_seconds)
                .unwrap_or(60),
            1,
            86_400,
        )?;
        Ok(Self {
            ca_algorithm,
            login_rate_per_minute,
            checkpoint_every,
            checkpoint_seconds,
            data_dir,
            listen,
            database_url,
            tls,
            log_format: args.log_format.or(file.log_format).unwrap_or_default(),
            log: args
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
            bank_name,
            limits,
            db_max_connections: in_range(
                "db_max_connections",
                args.db_max_connections
                    .or(file.db_max_connections)
                    .unwrap_or(defaults::DB_MAX_CONNECTIONS),
                1,
                1000,
            )?,
        })
    }

    /// The effective configuration as TOML, with secrets (database password) redacted.
    pub fn to_redacted_toml(&self) -> String {
        #[derive(Serialize)]
        struct Shown<'a> {
            data_dir: String,
            listen: String,
            database_url: String,
            tls: String,
            log_format: LogFormat,
            log: &'a str,
            bank_name: &'a str,
            max_body_bytes: usize,
            max_header_bytes: usize,
            request_timeout_secs: u64,
            max_connections: usize,
            db_max_connections: u32,
            shutdown_grace_secs: u64,
            ca_algorithm: &'static str,
            login_rate_per_minute: u32,
            checkpoint_every: u64,
            checkpoint_seconds: u64,
        }
        let shown = Shown {
            ca_algorithm: self.ca_algorithm.id(),
            login_rate_per_minute: self.login_rate_per_minute,
            checkpoint_every: self.checkpoint_every,
            checkpoint_seconds: self.checkpoint_seconds,
            data_dir: self.data_dir.display().to_string(),
            listen: self.listen.to_string(),
            database_url: self.database_url.redacted(),
            tls: match &self.tls {
                TlsSource::Managed => "managed (data directory)".into(),
                TlsSource::Files { cert, key } => {
                    format!("cert={} key={}", cert.display(), key.display())
                }
            },
            log_format: self.log_format,
            log: &self.log,
            bank_name: &self.bank_name,
            max_body_bytes: self.limits.max_body_bytes,
            max_header_bytes: self.limits.max_header_bytes,
            request_timeout_secs: self.limits.request_timeout.as_secs(),
            max_connections: self.limits.max_connections,
            db_max_connections: self.db_max_connections,
            shutdown_grace_secs: self.limits.shutdown_grace.as_secs(),
        };
        toml::to_string(&shown).unwrap_or_else(|e| format!("# cannot render configuration: {e}\n"))
    }
}

fn load_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.into(),
        source,
    })?;
    if text.len() > 1024 * 1024 {
        return Err(ConfigError::Invalid("config file larger than 1 MiB".into()));
    }
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.into(),
        message: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_without_any_configuration() {
        let c = Config::resolve(&ServeArgs::default()).unwrap();
        assert_eq!(c.data_dir, PathBuf::from("./pqbank-data"));
        assert_eq!(c.listen.to_string(), "127.0.0.1:8443");
        assert!(
            matches!(&c.database_url, DatabaseUrl::Sqlite(p) if p == &PathBuf::from("./pqbank-data/pqbank.db"))
        );
        assert_eq!(c.tls, TlsSource::Managed);
        assert_eq!(c.limits.max_body_bytes, 1024 * 1024);
        assert_eq!(c.ca_algorithm.id(), "mldsa65-ed25519");
    }

    #[test]
    fn ca_algorithm_accepts_the_certificate_algorithms_only() {
        for id in [
            "mldsa65-ed25519",
            "mldsa65-ecdsa-p256",
            "mldsa65-rsa3072-pss",
            "mldsa65",
        ] {
            let args = ServeArgs {
                ca_algorithm: Some(id.into()),
                ..Default::default()
            };
            assert_eq!(Config::resolve(&args).unwrap().ca_algorithm.id(), id);
        }
        for bad in ["ed25519", "rsa", ""] {
            let args = ServeArgs {
                ca_algorithm: Some(bad.into()),
                ..Default::default()
            };
            assert!(matches!(
                Config::resolve(&args),
                Err(ConfigError::Invalid(_))
            ));
        }
    }

    #[test]
    fn flags_override_file_and_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pqbank.toml");
        std::fs::write(
            &path,
            "listen = \"127.0.0.1:9000\"\nbank_name = \"File Bank\"\nmax_body_bytes = 4096\n",
        )
        .unwrap();
        let args = ServeArgs {
            config: Some(path),
            listen: Some("127.0.0.1:9100".parse().unwrap()),
            ..Default::default()
        };
        let c = Config::resolve(&args).unwrap();
        assert_eq!(c.listen.port(), 9100, "flag beats file");
        assert_eq!(c.bank_name, "File Bank", "file beats default");
        assert_eq!(c.limits.max_body_bytes, 4096);
    }

    #[test]
    fn refuses_unknown_keys_schemes_and_out_of_range_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "listn = \"x\"\n").unwrap();
        assert!(matches!(
            Config::resolve(&ServeArgs {
                config: Some(path),
                ..Default::default()
            }),
            Err(ConfigError::Parse { .. })
        ));
        let args = ServeArgs {
            database_url: Some("mysql://root@localhost/bank".into()),
            ..Default::default()
        };
        let err = Config::resolve(&args).unwrap_err().to_string();
        assert!(err.contains("unsupported database URL scheme"), "{err}");
        let args = ServeArgs {
            max_body_bytes: Some(1),
            ..Default::default()
        };
        assert!(matches!(
            Config::resolve(&args),
            Err(ConfigError::Invalid(_))
        ));
        let args = ServeArgs {
            tls_cert: Some("a.pem".into()),
            ..Default::default()
        };
        assert!(matches!(
            Config::resolve(&args),
            Err(ConfigError::Invalid(_))
        ));
    }

    #[test]
    fn shown_configuration_redacts_the_database_password() {
        let args = ServeArgs {
            database_url: Some("postgres://bank:hunter2@db/pq".into()),
            ..Default::default()
        };
        let c = Config::resolve(&args).unwrap();
        let shown = c.to_redacted_toml();
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("postgres://bank:***@db/pq"), "{shown}");
        assert!(!format!("{c:?}").contains("hunter2"));
    }
}
