//! The client side of identity: device keys, registration / activation with a CSR,
//! challenge-response login with an ephemeral X-Wing key, and MAC-signed requests.

use std::sync::atomic::{AtomicI64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_crypto::session::{derive_session_key, request_mac, sha256};
use pqbank_crypto::{
    Ciphertext, DecapsulationKey, KemAlgorithm, SecretBytes, SignatureAlgorithm, SigningKey,
};
use pqbank_domain::auth::{
    LOGIN_SIGNATURE_CONTEXT, LoginTranscript, MAC_HEADER, SESSION_KEY_INFO, request_mac_input,
};
use rand::SeedableRng;
use rand::rngs::StdRng;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{ClientError, PqbankClient, decode};

/// A CSPRNG seeded from the operating system (aws-lc-rs).
///
/// # Errors
/// [`ClientError::Crypto`] if the system RNG fails.
pub fn os_rng() -> Result<StdRng, ClientError> {
    let mut seed = [0u8; 32];
    aws_lc_rs::rand::fill(&mut seed).map_err(|_| ClientError::Crypto("system RNG".into()))?;
    Ok(StdRng::from_seed(seed))
}

fn crypto(e: impl std::fmt::Display) -> ClientError {
    ClientError::Crypto(e.to_string())
}

/// A device's signature key and, once enrolled, its identity.
#[derive(Debug)]
pub struct DeviceKeys {
    /// The composite signature key (never leaves the device).
    pub signing: SigningKey,
    /// Certificate serial (hex) once enrolled.
    pub cert_serial: Option<String>,
    /// Device id once enrolled.
    pub device_id: Option<String>,
    /// User id once enrolled.
    pub user_id: Option<String>,
    /// Username once enrolled.
    pub username: Option<String>,
    /// Certificate PEM once enrolled.
    pub cert_pem: Option<String>,
}

/// Serialised form of [`DeviceKeys`] (the profile file encrypts it).
#[derive(Serialize, Deserialize)]
struct DeviceFile {
    algorithm: String,
    pkcs8_b64: String,
    cert_serial: Option<String>,
    device_id: Option<String>,
    user_id: Option<String>,
    username: Option<String>,
    cert_pem: Option<String>,
}

impl DeviceKeys {
    /// A new device key (composite ML-DSA-65 + Ed25519 unless told otherwise).
    ///
    /// # Errors
    /// [`ClientError::Crypto`].
    pub fn generate(alg: SignatureAlgorithm) -> Result<Self, ClientError> {
        Ok(Self {
            signing: SigningKey::generate(alg, &mut os_rng()?).map_err(crypto)?,
            cert_serial: None,
            device_id: None,
            user_id: None,
            username: None,
            cert_pem: None,
        })
    }

    /// A PKCS#10 CSR (PEM) over the device key.
    ///
    /// # Errors
    /// [`ClientError::Crypto`].
    pub fn csr_pem(&self) -> Result<String, ClientError> {
        pqbank_pki::build_csr(&self.signing, "CN=pqbank device", &mut os_rng()?)
            .and_then(|c| c.to_pem())
            .map_err(crypto)
    }

    /// Secret serialisation (to be encrypted by the caller).
    ///
    /// # Errors
    /// [`ClientError::Crypto`].
    pub fn to_secret_json(&self) -> Result<SecretBytes, ClientError> {
        let file = DeviceFile {
            algorithm: self.signing.algorithm().id().to_owned(),
            pkcs8_b64: B64.encode(self.signing.to_pkcs8_der().map_err(crypto)?.expose()),
            cert_serial: self.cert_serial.clone(),
            device_id: self.device_id.clone(),
            user_id: self.user_id.clone(),
            username: self.username.clone(),
            cert_pem: self.cert_pem.clone(),
        };
        Ok(SecretBytes::from(
            serde_json::to_vec(&file).map_err(crypto)?,
        ))
    }

    /// Parses [`Self::to_secret_json`].
    ///
    /// # Errors
    /// [`ClientError::Crypto`] for a damaged file.
    pub fn from_secret_json(bytes: &[u8]) -> Result<Self, ClientError> {
        let file: DeviceFile = serde_json::from_slice(bytes).map_err(crypto)?;
        let der = SecretBytes::from(B64.decode(&file.pkcs8_b64).map_err(crypto)?);
        Ok(Self {
            signing: SigningKey::from_pkcs8_der(der.expose()).map_err(crypto)?,
            cert_serial: file.cert_serial,
            device_id: file.device_id,
            user_id: file.user_id,
            username: file.username,
            cert_pem: file.cert_pem,
        })
    }

    fn enrolled(&mut self, e: &Enrolled) {
        self.cert_serial = Some(e.certificate_serial.clone());
        self.device_id = Some(e.device_id.clone());
        self.user_id = Some(e.user.id.clone());
        self.username = Some(e.user.username.clone());
        self.cert_pem = Some(e.certificate_pem.clone());
    }
}

/// A user as the API returns it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct User {
    /// Id.
    pub id: String,
    /// Username.
    pub username: String,
    /// Roles.
    pub roles: Vec<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Status.
    pub status: String,
    /// Legal name.
    pub legal_name: String,
    /// Email.
    pub email: String,
}

/// Answer of registration and activation.
#[derive(Debug, Clone, Deserialize)]
pub struct Enrolled {
    /// The user.
    pub user: User,
    /// Device id.
    pub device_id: String,
    /// Certificate serial.
    pub certificate_serial: String,
    /// Certificate PEM.
    pub certificate_pem: String,
}

/// `GET /api/v1/me`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WhoAmI {
    /// The user.
    pub user: User,
    /// Session id.
    pub session_id: String,
    /// Device id.
    pub device_id: String,
    /// Device certificate serial.
    pub device_cert_serial: String,
}

#[derive(Deserialize)]
struct ChallengeAnswer {
    nonce: String,
}

#[derive(Deserialize)]
struct LoginAnswer {
    token: String,
    session_id: String,
    kem_ciphertext: String,
    user_id: String,
    roles: Vec<String>,
}

/// A signed-in session: bearer token, session key for request MACs, counter.
#[derive(Debug)]
pub struct Session {
    /// Bearer token.
    pub token: String,
    /// Public session id.
    pub session_id: String,
    /// User id.
    pub user_id: String,
    /// Roles at login.
    pub roles: Vec<String>,
    key: SecretBytes,
    counter: AtomicI64,
}

impl Session {
    /// Rebuilds a session (from a profile).
    pub fn restore(
        token: String,
        session_id: String,
        user_id: String,
        roles: Vec<String>,
        key: SecretBytes,
        counter: i64,
    ) -> Self {
        Self {
            token,
            session_id,
            user_id,
            roles,
            key,
            counter: AtomicI64::new(counter),
        }
    }

    /// The session key (profile storage).
    pub fn key(&self) -> &SecretBytes {
        &self.key
    }

    /// The last counter used.
    pub fn counter(&self) -> i64 {
        self.counter.load(Ordering::SeqCst)
    }

    /// The MAC header value for a request, using the next counter.
    pub fn mac_header(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        now_unix: i64,
    ) -> String {
        let ctr = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        self.mac_header_with(method, path_and_query, body, now_unix, ctr)
    }

    /// The MAC header value with an explicit counter (tests use it to replay).
    pub fn mac_header_with(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        now_unix: i64,
        counter: i64,
    ) -> String {
        let input = request_mac_input(
            method,
            path_and_query,
            &hex::encode(sha256(body)),
            now_unix,
            counter,
        );
        let mac = request_mac(self.key.expose(), &input);
        format!("v1 ts={now_unix},ctr={counter},mac={}", B64.encode(mac))
    }
}

fn now_unix() -> i64 {
    #[allow(clippy::disallowed_methods)] // The client reads the real clock for MAC timestamps.
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl PqbankClient {
    /// The origin this client talks to.
    pub fn origin(&self) -> &str {
        &self.base
    }

    /// Registers a customer with this device.
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals.
    pub async fn register(
        &self,
        device: &mut DeviceKeys,
        username: &str,
        password: &str,
        legal_name: &str,
        email: &str,
        device_name: &str,
    ) -> Result<Enrolled, ClientError> {
        let body = json!({
            "username": username, "password": password, "legal_name": legal_name,
            "email": email, "device_name": device_name, "csr_pem": device.csr_pem()?,
        });
        let resp = self
            .http()
            .post(self.url("/api/v1/auth/register"))
            .json(&body)
            .send()
            .await?;
        let e: Enrolled = decode(resp).await?;
        device.enrolled(&e);
        Ok(e)
    }

    /// Activates a pending account with its one-time code, binding this device.
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals.
    pub async fn activate(
        &self,
        device: &mut DeviceKeys,
        username: &str,
        code: &str,
        new_password: &str,
        device_name: &str,
    ) -> Result<Enrolled, ClientError> {
        let body = json!({
            "username": username, "code": code, "new_password": new_password,
            "device_name": device_name, "csr_pem": device.csr_pem()?,
        });
        let resp = self
            .http()
            .post(self.url("/api/v1/auth/activate"))
            .json(&body)
            .send()
            .await?;
        let e: Enrolled = decode(resp).await?;
        device.enrolled(&e);
        Ok(e)
    }

    /// Asks for a challenge (step 1 of login).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn challenge(
        &self,
        username: &str,
        cert_serial: &str,
    ) -> Result<String, ClientError> {
        let resp = self
            .http()
            .post(self.url("/api/v1/auth/challenge"))
            .json(&json!({ "username": username, "device_cert_serial": cert_serial, "origin": self.origin() }))
            .send()
            .await?;
        Ok(decode::<ChallengeAnswer>(resp).await?.nonce)
    }

    /// Builds and signs the login request for `nonce`; returns the body and the ephemeral key.
    ///
    /// # Errors
    /// [`ClientError::Crypto`].
    pub fn login_body(
        &self,
        device: &DeviceKeys,
        username: &str,
        password: &str,
        nonce: &str,
    ) -> Result<(Value, DecapsulationKey, Vec<u8>), ClientError> {
        let serial = device
            .cert_serial
            .clone()
            .ok_or_else(|| ClientError::Crypto("device not enrolled".into()))?;
        let mut rng = os_rng()?;
        let eph = DecapsulationKey::generate(KemAlgorithm::XWing, &mut rng).map_err(crypto)?;
        let transcript = LoginTranscript {
            nonce: nonce.to_owned(),
            username: username.to_owned(),
            device_cert_serial: serial,
            client_kem_public_key: B64.encode(eph.encapsulation_key().as_bytes()),
            origin: self.origin().to_owned(),
        };
        let bytes = transcript.canonical_bytes();
        let sig = device
            .signing
            .sign(&bytes, LOGIN_SIGNATURE_CONTEXT, &mut rng)
            .map_err(crypto)?;
        let body = json!({
            "password": password,
            "transcript": {
                "nonce": transcript.nonce, "username": transcript.username,
                "device_cert_serial": transcript.device_cert_serial,
                "client_kem_public_key": transcript.client_kem_public_key,
                "origin": transcript.origin,
            },
            "signature": B64.encode(sig.as_bytes()),
        });
        Ok((body, eph, bytes))
    }

    /// Sends a login body built by [`Self::login_body`] and derives the session key.
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals, [`ClientError::Crypto`].
    pub async fn finish_login(
        &self,
        body: &Value,
        eph: &DecapsulationKey,
        transcript: &[u8],
    ) -> Result<Session, ClientError> {
        let resp = self
            .http()
            .post(self.url("/api/v1/auth/login"))
            .json(body)
            .send()
            .await?;
        let a: LoginAnswer = decode(resp).await?;
        let ct_bytes = B64.decode(&a.kem_ciphertext).map_err(crypto)?;
        let ct = Ciphertext::from_bytes(KemAlgorithm::XWing, &ct_bytes).map_err(crypto)?;
        let shared = eph.decapsulate(&ct).map_err(crypto)?;
        let key =
            derive_session_key(shared.expose(), transcript, SESSION_KEY_INFO).map_err(crypto)?;
        Ok(Session::restore(
            a.token,
            a.session_id,
            a.user_id,
            a.roles,
            key,
            0,
        ))
    }

    /// Password + device challenge-response login.
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals.
    pub async fn login(
        &self,
        device: &DeviceKeys,
        username: &str,
        password: &str,
    ) -> Result<Session, ClientError> {
        let serial = device
            .cert_serial
            .clone()
            .ok_or_else(|| ClientError::Crypto("device not enrolled".into()))?;
        let nonce = self.challenge(username, &serial).await?;
        let (body, eph, transcript) = self.login_body(device, username, password, &nonce)?;
        self.finish_login(&body, &eph, &transcript).await
    }

    /// An authenticated request (bearer token; MAC on every request).
    ///
    /// # Errors
    /// [`ClientError::Http`].
    pub async fn send(
        &self,
        session: &Session,
        method: Method,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> Result<reqwest::Response, ClientError> {
        let bytes = match body {
            Some(v) => serde_json::to_vec(v).map_err(crypto)?,
            None => Vec::new(),
        };
        let mac = session.mac_header(method.as_str(), path_and_query, &bytes, now_unix());
        let mut req = self
            .http()
            .request(method, self.url(path_and_query))
            .bearer_auth(&session.token)
            .header(MAC_HEADER, mac);
        if body.is_some() {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(bytes);
        }
        Ok(req.send().await?)
    }

    /// `GET /api/v1/me`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn whoami(&self, session: &Session) -> Result<WhoAmI, ClientError> {
        decode(self.send(session, Method::GET, "/api/v1/me", None).await?).await
    }

    /// `POST /api/v1/auth/logout`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn logout(&self, session: &Session) -> Result<(), ClientError> {
        let resp = self
            .send(session, Method::POST, "/api/v1/auth/logout", None)
            .await?;
        if resp.status().is_success() {
            return Ok(());
        }
        decode::<Value>(resp).await.map(|_| ())
    }
}
