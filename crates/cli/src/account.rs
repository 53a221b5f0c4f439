//! The CLI as a bank client: a local profile (device key + session, encrypted under a
//! passphrase, files 0600), registration, device enrollment (activation), challenge-response
//! login, whoami and logout.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use pqbank_client::PqbankClient;
use pqbank_client::auth::{DeviceKeys, Session, os_rng};
use pqbank_crypto::{Argon2Params, SecretBytes, SignatureAlgorithm, lock_bytes, unlock_bytes};
use serde::{Deserialize, Serialize};

use crate::{Remote, client};

/// Where the profile lives and how it is unlocked.
#[derive(Debug, Clone, Args)]
pub struct Profile {
    /// Profile directory (device key and session, encrypted).
    #[arg(
        long = "profile",
        env = "PQBANK_PROFILE",
        default_value = "./pqbank-profile"
    )]
    pub dir: PathBuf,
    /// Passphrase protecting the profile (read from this variable; never a flag).
    #[arg(long = "passphrase-env", default_value = "PQBANK_PROFILE_PASSPHRASE")]
    pub passphrase_env: String,
}

/// Account commands.
#[derive(Debug, Subcommand)]
pub enum AccountCommand {
    /// Register a new customer account and bind this profile's new device to it.
    Register {
        /// Where the server is.
        #[command(flatten)]
        remote: Remote,
        /// The profile.
        #[command(flatten)]
        profile: Profile,
        /// Username.
        #[arg(long)]
        username: String,
        /// Legal name.
        #[arg(long)]
        legal_name: String,
        /// Email.
        #[arg(long)]
        email: String,
        /// Device name.
        #[arg(long, default_value = "pqbank CLI")]
        device_name: String,
        /// Environment variable holding the account password.
        #[arg(long, default_value = "PQBANK_PASSWORD")]
        password_env: String,
    },
    /// Log in with password + device challenge-response; stores the session in the profile.
    Login {
        /// Where the server is.
        #[command(flatten)]
        remote: Remote,
        /// The profile.
        #[command(flatten)]
        profile: Profile,
        /// Environment variable holding the account password.
        #[arg(long, default_value = "PQBANK_PASSWORD")]
        password_env: String,
    },
    /// Show who the stored session belongs to.
    Whoami {
        /// Where the server is.
        #[command(flatten)]
        remote: Remote,
        /// The profile.
        #[command(flatten)]
        profile: Profile,
        /// JSON output.
        #[arg(long)]
        json: bool,
    },
    /// End the stored session on the server and forget it.
    Logout {
        /// Where the server is.
        #[command(flatten)]
        remote: Remote,
        /// The profile.
        #[command(flatten)]
        profile: Profile,
    },
}

/// Device commands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Generate this profile's device key and bind it by activating a pending account with its
    /// one-time code (from a clerk, or the bootstrap admin's one-time password).
    Enroll {
        /// Where the server is.
        #[command(flatten)]
        remote: Remote,
        /// The profile.
        #[command(flatten)]
        profile: Profile,
        /// Username.
        #[arg(long)]
        username: String,
        /// One-time activation code.
        #[arg(long, env = "PQBANK_ACTIVATION_CODE")]
        activation_code: String,
        /// Device name.
        #[arg(long, default_value = "pqbank CLI")]
        device_name: String,
        /// Environment variable holding the new password to set.
        #[arg(long, default_value = "PQBANK_PASSWORD")]
        password_env: String,
    },
}

const DEVICE_FILE: &str = "device.locked";
const SESSION_FILE: &str = "session.locked";

#[derive(Serialize, Deserialize)]
struct SessionFile {
    token: String,
    session_id: String,
    user_id: String,
    roles: Vec<String>,
    key_hex: String,
    counter: i64,
    url: String,
}

fn secret_env(name: &str, what: &str) -> Result<String, String> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => Err(format!("set {name} to the {what}")),
    }
}

fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(|e| format!("{}: {e}", path.display()))?;
    }
    f.write_all(bytes)
        .map_err(|e| format!("{}: {e}", path.display()))
}

impl Profile {
    fn passphrase(&self) -> Result<String, String> {
        secret_env(&self.passphrase_env, "profile passphrase")
    }

    fn ensure_dir(&self) -> Result<(), String> {
        std::fs::create_dir_all(&self.dir).map_err(|e| format!("{}: {e}", self.dir.display()))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| format!("{}: {e}", self.dir.display()))?;
        }
        Ok(())
    }

    fn save(&self, name: &str, plain: &SecretBytes) -> Result<(), String> {
        self.ensure_dir()?;
        let pass = self.passphrase()?;
        let locked = lock_bytes(
            plain.expose(),
            pass.as_bytes(),
            Argon2Params::MINIMUM,
            &mut os_rng().map_err(|e| e.to_string())?,
        )
        .map_err(|e| e.to_string())?;
        write_private(&self.dir.join(name), &locked)
    }

    fn load(&self, name: &str) -> Result<SecretBytes, String> {
        let path = self.dir.join(name);
        let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        unlock_bytes(&bytes, self.passphrase()?.as_bytes())
            .map_err(|_| format!("{}: wrong passphrase or damaged file", path.display()))
    }

    fn save_device(&self, device: &DeviceKeys) -> Result<(), String> {
        self.save(
            DEVICE_FILE,
            &device.to_secret_json().map_err(|e| e.to_string())?,
        )
    }

    pub(crate) fn load_device(&self) -> Result<DeviceKeys, String> {
        DeviceKeys::from_secret_json(self.load(DEVICE_FILE)?.expose()).map_err(|e| e.to_string())
    }

    pub(crate) fn save_session(&self, s: &Session, url: &str) -> Result<(), String> {
        let file = SessionFile {
            token: s.token.clone(),
            session_id: s.session_id.clone(),
            user_id: s.user_id.clone(),
            roles: s.roles.clone(),
            key_hex: hex::encode(s.key().expose()),
            counter: s.counter(),
            url: url.to_owned(),
        };
        let json = serde_json::to_vec(&file).map_err(|e| e.to_string())?;
        self.save(SESSION_FILE, &SecretBytes::from(json))
    }

    pub(crate) fn load_session(&self) -> Result<Session, String> {
        let plain = self
            .load(SESSION_FILE)
            .map_err(|e| format!("not logged in ({e}); run `pqbank login`"))?;
        let f: SessionFile = serde_json::from_slice(plain.expose()).map_err(|e| e.to_string())?;
        let key = hex::decode(&f.key_hex).map_err(|e| e.to_string())?;
        Ok(Session::restore(
            f.token,
            f.session_id,
            f.user_id,
            f.roles,
            SecretBytes::from(key),
            f.counter,
        ))
    }
}

fn new_device(profile: &Profile) -> Result<DeviceKeys, String> {
    if profile.dir.join(DEVICE_FILE).exists() {
        return Err(format!(
            "{} already holds a device; use another --profile",
            profile.dir.display()
        ));
    }
    DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).map_err(|e| e.to_string())
}

/// Runs an account command.
#[allow(clippy::print_stdout)] // a CLI prints its results
pub async fn run_account(command: AccountCommand) -> Result<(), String> {
    match command {
        AccountCommand::Register {
            remote,
            profile,
            username,
            legal_name,
            email,
            device_name,
            password_env,
        } => {
            let password = secret_env(&password_env, "account password")?;
            profile.passphrase()?;
            let api = client(&remote)?;
            let mut device = new_device(&profile)?;
            let e = api
                .register(
                    &mut device,
                    &username,
                    &password,
                    &legal_name,
                    &email,
                    &device_name,
                )
                .await
                .map_err(|e| e.to_string())?;
            profile.save_device(&device)?;
            println!(
                "registered {} (user {}), device {} with certificate {}",
                e.user.username, e.user.id, e.device_id, e.certificate_serial
            );
            Ok(())
        }
        AccountCommand::Login {
            remote,
            profile,
            password_env,
        } => {
            let password = secret_env(&password_env, "account password")?;
            let device = profile.load_device()?;
            let username = device
                .username
                .clone()
                .ok_or("the profile's device is not enrolled")?;
            let api = client(&remote)?;
            let session = api
                .login(&device, &username, &password)
                .await
                .map_err(|e| e.to_string())?;
            profile.save_session(&session, &remote.url)?;
            println!("logged in as {username} (session {})", session.session_id);
            Ok(())
        }
        AccountCommand::Whoami {
            remote,
            profile,
            json,
        } => {
            let session = profile.load_session()?;
            let api = client(&remote)?;
            let me = api.whoami(&session).await.map_err(|e| e.to_string())?;
            profile.save_session(&session, &remote.url)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&me).map_err(|e| e.to_string())?
                );
            } else {
                println!(
                    "{} ({}), roles: {}, device {} (certificate {}), session {}",
                    me.user.username,
                    me.user.id,
                    me.user.roles.join(", "),
                    me.device_id,
                    me.device_cert_serial,
                    me.session_id
                );
            }
            Ok(())
        }
        AccountCommand::Logout { remote, profile } => {
            let session = profile.load_session()?;
            let api = client(&remote)?;
            let result = api.logout(&session).await;
            let _ = std::fs::remove_file(profile.dir.join(SESSION_FILE));
            result.map_err(|e| e.to_string())?;
            println!("logged out");
            Ok(())
        }
    }
}

/// Runs a device command.
#[allow(clippy::print_stdout)] // a CLI prints its results
pub async fn run_device(command: DeviceCommand) -> Result<(), String> {
    match command {
        DeviceCommand::Enroll {
            remote,
            profile,
            username,
            activation_code,
            device_name,
            password_env,
        } => {
            let password = secret_env(&password_env, "new account password")?;
            profile.passphrase()?;
            let api: PqbankClient = client(&remote)?;
            let mut device = new_device(&profile)?;
            let e = api
                .activate(
                    &mut device,
                    &username,
                    &activation_code,
                    &password,
                    &device_name,
                )
                .await
                .map_err(|e| e.to_string())?;
            profile.save_device(&device)?;
            println!(
                "device {} enrolled for {} with certificate {}",
                e.device_id, e.user.username, e.certificate_serial
            );
            Ok(())
        }
    }
}
