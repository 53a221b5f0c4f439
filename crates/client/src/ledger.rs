//! The client side of the ledger (issue #6): typed accounts, transfers and entries, device-signed
//! transfer and approval requests, and the API calls (see `LEDGER_API.md`).
//!
//! A transfer is a [`TransferPayload`] whose canonical bytes the device signs under
//! [`TRANSFER_SIGNATURE_CONTEXT`]; the request body is
//! `{"payload": <payload object>, "signature": "<base64url>"}`. Approvals sign an
//! [`ApprovalPayload`] under [`APPROVAL_SIGNATURE_CONTEXT`]; rejections are not signed (only the
//! authenticated request and a reason).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use pqbank_crypto::session::sha256;
use pqbank_domain::auth::MAC_HEADER;
use pqbank_domain::payload::{APPROVAL_SIGNATURE_CONTEXT, TRANSFER_SIGNATURE_CONTEXT};
use pqbank_domain::{
    AccountId, ApprovalDecision, ApprovalPayload, CertificateSerial, Money, PayloadDigest,
    Timestamp, TransferAmount, TransferId, TransferPayload, TransferReference,
};
use rand::Rng as _;
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::auth::{DeviceKeys, Session, os_rng};
use crate::{ClientError, PqbankClient, decode};

fn crypto(e: impl std::fmt::Display) -> ClientError {
    ClientError::Crypto(e.to_string())
}

/// Balances of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountBalance {
    /// Booked balance.
    pub posted: Money,
    /// Reserved outgoing amounts (transfers waiting for approval).
    pub pending_debits: Money,
    /// Reserved incoming amounts.
    pub pending_credits: Money,
    /// What may be spent now (absent for accounts without a limit, e.g. cash desks).
    #[serde(default)]
    pub available: Option<Money>,
}

/// An account as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Id.
    pub id: AccountId,
    /// Owner (absent for bank-internal accounts).
    #[serde(default)]
    pub owner_id: Option<String>,
    /// `current`, `savings`, `cash`, `suspense`.
    pub kind: String,
    /// ISO 4217 code.
    pub currency: String,
    /// `open`, `frozen`, `closed`.
    pub status: String,
    /// Overdraft limit.
    pub overdraft_limit: Money,
    /// Balances.
    pub balance: AccountBalance,
    /// Creation time.
    pub created_at: String,
    /// Optimistic-locking version.
    #[serde(default)]
    pub version: i64,
}

/// The signed approval stored with a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRecord {
    /// The [`ApprovalPayload`]: its canonical JSON text (as the server returns it) or a JSON
    /// object; see [`ApprovalRecord::payload_bytes`].
    pub payload: Value,
    /// base64url signature.
    pub signature: String,
    /// The approver's certificate serial.
    pub cert_serial: String,
}

impl ApprovalRecord {
    /// The approval payload's bytes: the text itself when the server sent the canonical text,
    /// else the JSON serialisation of the object.
    pub fn payload_bytes(&self) -> Vec<u8> {
        match &self.payload {
            Value::String(s) => s.as_bytes().to_vec(),
            other => serde_json::to_vec(other).unwrap_or_default(),
        }
    }
}

/// The receipt of one transfer of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferReceipt {
    /// Id (= the payload's `transfer_id`).
    pub id: TransferId,
    /// `posted` or `pending_approval` (or its later state, for a replay).
    pub status: String,
    /// Creation time.
    pub created_at: String,
    /// When a pending transfer expires.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// The result of one transfer of a batch.
#[derive(Debug, Clone, Deserialize)]
pub struct BatchItem {
    /// 201 booked, 200 idempotent replay, otherwise the problem's status.
    pub status: u16,
    /// The booked or replayed transfer.
    #[serde(default)]
    pub transfer: Option<TransferReceipt>,
    /// Why it was refused.
    #[serde(default)]
    pub problem: Option<crate::Problem>,
}

/// The results of `POST /api/v1/transfer-batches`, in request order.
#[derive(Debug, Clone, Deserialize)]
pub struct TransferBatch {
    /// One per submitted transfer.
    pub results: Vec<BatchItem>,
    /// How many were booked now.
    pub created: usize,
    /// How many were refused.
    pub refused: usize,
}

/// A transfer as the API returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    /// Id (= the payload's `transfer_id`).
    pub id: TransferId,
    /// `posted`, `pending_approval`, `rejected`, `expired`, `voided`.
    pub status: String,
    /// `transfer`, `cash_deposit`, `cash_withdrawal`.
    pub kind: String,
    /// Debited account.
    pub from_account: AccountId,
    /// Credited account.
    pub to_account: AccountId,
    /// Amount.
    pub amount: Money,
    /// Reference.
    #[serde(default)]
    pub reference: String,
    /// Creation time.
    pub created_at: String,
    /// Initiating user.
    pub initiator_id: String,
    /// Certificate serial of the initiating device.
    pub initiator_cert_serial: String,
    /// The signed [`TransferPayload`] as a JSON object.
    pub payload: Value,
    /// SHA-256 (hex) of the payload's canonical bytes.
    pub payload_sha256: String,
    /// base64url signature over the canonical bytes.
    pub signature: String,
    /// Signature algorithm.
    #[serde(default)]
    pub signature_algorithm: String,
    /// At or above the approval threshold.
    #[serde(default)]
    pub approval_required: bool,
    /// When a pending transfer expires.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// When it was approved or rejected.
    #[serde(default)]
    pub decided_at: Option<String>,
    /// Who decided.
    #[serde(default)]
    pub decided_by: Option<String>,
    /// The signed approval.
    #[serde(default)]
    pub approval: Option<ApprovalRecord>,
    /// Rejection reason.
    #[serde(default)]
    pub reason: Option<String>,
}

/// One line of an account's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Position (the cursor of [`EntryQuery::before`]).
    #[serde(default)]
    pub seq: Option<i64>,
    /// The transfer.
    pub transfer_id: TransferId,
    /// Booking time.
    pub time: String,
    /// Signed amount (negative = debit).
    pub amount: Money,
    /// Balance after the entry (when known).
    #[serde(default)]
    pub balance_after: Option<Money>,
    /// The other account.
    #[serde(default)]
    pub counterparty: Option<String>,
    /// Reference.
    #[serde(default)]
    pub reference: String,
    /// `transfer`, `cash_deposit`, `cash_withdrawal`.
    #[serde(default)]
    pub kind: Option<String>,
    /// Transfer status (when the server reports it).
    #[serde(default)]
    pub status: Option<String>,
}

/// A page of a list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Page<T> {
    /// Items.
    pub items: Vec<T>,
    /// Cursor of the next page.
    #[serde(default)]
    pub next: Option<String>,
}

/// An account statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Statement {
    /// The account.
    pub account: Account,
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day.
    pub to: String,
    /// Balance before the first entry.
    pub opening: Money,
    /// Balance after the last entry.
    pub closing: Money,
    /// Entries.
    pub entries: Vec<Entry>,
}

/// Unix milliseconds of the real clock.
pub fn now_unix_millis() -> u64 {
    #[allow(clippy::disallowed_methods)] // the client stamps its payloads with the real clock
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A fresh UUIDv7 transfer id (real clock, OS randomness).
///
/// # Errors
/// [`ClientError::Crypto`] if the system RNG fails.
pub fn fresh_transfer_id() -> Result<TransferId, ClientError> {
    let mut random = [0u8; 10];
    os_rng()?.fill_bytes(&mut random);
    Ok(TransferId::new_v7(now_unix_millis(), random))
}

fn now_timestamp() -> Result<Timestamp, ClientError> {
    let secs = i64::try_from(now_unix_millis() / 1000).map_err(crypto)?;
    Timestamp::from_unix_seconds(secs).map_err(crypto)
}

fn device_serial(keys: &DeviceKeys) -> Result<CertificateSerial, ClientError> {
    keys.cert_serial
        .as_deref()
        .ok_or_else(|| ClientError::Crypto("device not enrolled".into()))?
        .parse()
        .map_err(crypto)
}

/// A transfer payload from this device with a fresh UUIDv7 and `created_at` = now.
///
/// # Errors
/// [`ClientError::Crypto`] if the device is not enrolled or the RNG fails.
pub fn new_transfer_payload(
    keys: &DeviceKeys,
    from_account: AccountId,
    to_account: AccountId,
    amount: TransferAmount,
    reference: TransferReference,
) -> Result<TransferPayload, ClientError> {
    Ok(TransferPayload {
        transfer_id: fresh_transfer_id()?,
        from_account,
        to_account,
        amount,
        reference,
        created_at: now_timestamp()?,
        initiator_cert_serial: device_serial(keys)?,
    })
}

/// Signs `payload` with the device key under [`TRANSFER_SIGNATURE_CONTEXT`]; returns the
/// request body of `POST /transfers` (and the cash desk routes).
///
/// # Errors
/// [`ClientError::Crypto`] if the payload names another certificate than the device's, or
/// signing fails.
pub fn sign_transfer(keys: &DeviceKeys, payload: &TransferPayload) -> Result<Value, ClientError> {
    if let Some(serial) = &keys.cert_serial
        && serial.parse::<CertificateSerial>().ok() != Some(payload.initiator_cert_serial)
    {
        return Err(ClientError::Crypto(
            "the payload names another certificate than this device's".into(),
        ));
    }
    let sig = keys
        .signing
        .sign(
            &payload.canonical_bytes(),
            TRANSFER_SIGNATURE_CONTEXT,
            &mut os_rng()?,
        )
        .map_err(crypto)?;
    Ok(json!({
        "payload": serde_json::to_value(payload).map_err(crypto)?,
        "signature": B64.encode(sig.as_bytes()),
    }))
}

/// SHA-256 of a transfer payload's canonical bytes (what approvals bind to).
pub fn payload_digest(payload: &TransferPayload) -> PayloadDigest {
    PayloadDigest::from_bytes(sha256(&payload.canonical_bytes()))
}

/// The approval payload for `transfer` from this device (`created_at` = now). The digest is
/// recomputed from the transfer's payload and must equal its `payload_sha256`.
///
/// # Errors
/// [`ClientError::Crypto`] for a transfer whose payload does not parse or does not match its
/// digest, or an unenrolled device.
pub fn new_approval_payload(
    keys: &DeviceKeys,
    transfer: &Transfer,
) -> Result<ApprovalPayload, ClientError> {
    let payload: TransferPayload =
        serde_json::from_value(transfer.payload.clone()).map_err(crypto)?;
    if payload.transfer_id != transfer.id {
        return Err(ClientError::Crypto(
            "the transfer's payload names another transfer".into(),
        ));
    }
    let digest = payload_digest(&payload);
    if digest.to_string() != transfer.payload_sha256 {
        return Err(ClientError::Crypto(
            "the transfer's payload does not match its payload_sha256".into(),
        ));
    }
    Ok(ApprovalPayload {
        transfer_id: transfer.id,
        payload_digest: digest,
        decision: ApprovalDecision::Approve,
        approver_cert_serial: device_serial(keys)?,
        created_at: now_timestamp()?,
    })
}

/// Signs an approval under [`APPROVAL_SIGNATURE_CONTEXT`]; returns the request body of
/// `POST /transfers/{id}/approve`.
///
/// # Errors
/// [`ClientError::Crypto`] if signing fails.
pub fn sign_approval(keys: &DeviceKeys, payload: &ApprovalPayload) -> Result<Value, ClientError> {
    let sig = keys
        .signing
        .sign(
            &payload.canonical_bytes(),
            APPROVAL_SIGNATURE_CONTEXT,
            &mut os_rng()?,
        )
        .map_err(crypto)?;
    Ok(json!({
        "payload": serde_json::to_value(payload).map_err(crypto)?,
        "signature": B64.encode(sig.as_bytes()),
    }))
}

/// Percent-encodes a query value (unreserved characters kept).
fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `path?k=v&...` for the present values.
fn with_query(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let q: Vec<String> = params
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}={}", enc(v))))
        .collect();
    if q.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", q.join("&"))
    }
}

/// Filters of `GET /transfers`.
#[derive(Debug, Clone, Default)]
pub struct TransferQuery {
    /// Only transfers touching this account.
    pub account: Option<String>,
    /// Only this status.
    pub status: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor.
    pub after: Option<String>,
}

/// Filters of `GET /accounts/{id}/transactions` (newest first).
#[derive(Debug, Clone, Default)]
pub struct EntryQuery {
    /// Page size.
    pub limit: Option<u32>,
    /// Cursor: entries older than this `seq` (the previous page's `next`).
    pub before: Option<i64>,
    /// From this time (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Until this time (RFC 3339, exclusive).
    pub to: Option<String>,
}

impl PqbankClient {
    /// An authenticated GET with an `Accept` header (MAC like [`Self::send`]).
    async fn send_with_accept(
        &self,
        session: &Session,
        path_and_query: &str,
        accept: &str,
    ) -> Result<reqwest::Response, ClientError> {
        let now = i64::try_from(now_unix_millis() / 1000).unwrap_or(i64::MAX);
        let mac = session.mac_header("GET", path_and_query, &[], now);
        Ok(self
            .http()
            .get(self.url(path_and_query))
            .bearer_auth(&session.token)
            .header(MAC_HEADER, mac)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await?)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        session: &Session,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<T, ClientError> {
        decode(self.send(session, method, path, body).await?).await
    }

    /// `POST /api/v1/accounts` (clerk, manager).
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals.
    pub async fn create_account(
        &self,
        session: &Session,
        owner_id: &str,
        kind: &str,
        currency: &str,
    ) -> Result<Account, ClientError> {
        let body = json!({ "owner_id": owner_id, "kind": kind, "currency": currency });
        self.call(session, Method::POST, "/api/v1/accounts", Some(&body))
            .await
    }

    /// `GET /api/v1/accounts` (own accounts; staff may filter by owner).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn accounts(
        &self,
        session: &Session,
        owner_id: Option<&str>,
        limit: Option<u32>,
        after: Option<&str>,
    ) -> Result<Page<Account>, ClientError> {
        let limit = limit.map(|l| l.to_string());
        let path = with_query(
            "/api/v1/accounts",
            &[
                ("owner_id", owner_id),
                ("limit", limit.as_deref()),
                ("after", after),
            ],
        );
        self.call(session, Method::GET, &path, None).await
    }

    /// `GET /api/v1/accounts/{id}`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn account(&self, session: &Session, id: &str) -> Result<Account, ClientError> {
        let path = format!("/api/v1/accounts/{}", enc(id));
        self.call(session, Method::GET, &path, None).await
    }

    /// `GET /api/v1/cash/accounts` (clerk, manager).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn cash_accounts(&self, session: &Session) -> Result<Vec<Account>, ClientError> {
        let page: Page<Account> = self
            .call(session, Method::GET, "/api/v1/cash/accounts", None)
            .await?;
        Ok(page.items)
    }

    /// Sends a signed body (from [`sign_transfer`]) to `POST /api/v1/transfers`.
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals (`insufficient_funds`, `idempotency_conflict`, ...).
    pub async fn submit_transfer(
        &self,
        session: &Session,
        signed: &Value,
    ) -> Result<Transfer, ClientError> {
        self.call(session, Method::POST, "/api/v1/transfers", Some(signed))
            .await
    }

    /// Sends up to 100 signed bodies (from [`sign_transfer`]) in one request
    /// (`POST /api/v1/transfer-batches`). Each gets its own result; refusals are per item.
    ///
    /// # Errors
    /// [`ClientError::Problem`] only when the batch as a whole is refused (empty, too large).
    pub async fn submit_transfer_batch<B: Serialize + Sync>(
        &self,
        session: &Session,
        signed: &[B],
    ) -> Result<TransferBatch, ClientError> {
        let body = serde_json::json!({ "transfers": signed });
        self.call(
            session,
            Method::POST,
            "/api/v1/transfer-batches",
            Some(&body),
        )
        .await
    }

    /// Signs `payload` with `keys` and sends it (`POST /api/v1/transfers`).
    ///
    /// # Errors
    /// As [`sign_transfer`] and [`Self::submit_transfer`].
    pub async fn transfer(
        &self,
        session: &Session,
        keys: &DeviceKeys,
        payload: &TransferPayload,
    ) -> Result<Transfer, ClientError> {
        let body = sign_transfer(keys, payload)?;
        self.submit_transfer(session, &body).await
    }

    /// Clerk cash deposit (`POST /api/v1/cash/deposit`; `from` = the cash account).
    ///
    /// # Errors
    /// As [`Self::transfer`].
    pub async fn cash_deposit(
        &self,
        session: &Session,
        keys: &DeviceKeys,
        payload: &TransferPayload,
    ) -> Result<Transfer, ClientError> {
        let body = sign_transfer(keys, payload)?;
        self.call(session, Method::POST, "/api/v1/cash/deposit", Some(&body))
            .await
    }

    /// Clerk cash withdrawal (`POST /api/v1/cash/withdraw`; `to` = the cash account).
    ///
    /// # Errors
    /// As [`Self::transfer`].
    pub async fn cash_withdraw(
        &self,
        session: &Session,
        keys: &DeviceKeys,
        payload: &TransferPayload,
    ) -> Result<Transfer, ClientError> {
        let body = sign_transfer(keys, payload)?;
        self.call(session, Method::POST, "/api/v1/cash/withdraw", Some(&body))
            .await
    }

    /// `GET /api/v1/transfers/{id}`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn get_transfer(&self, session: &Session, id: &str) -> Result<Transfer, ClientError> {
        let path = format!("/api/v1/transfers/{}", enc(id));
        self.call(session, Method::GET, &path, None).await
    }

    /// `GET /api/v1/transfers`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn transfers(
        &self,
        session: &Session,
        q: &TransferQuery,
    ) -> Result<Page<Transfer>, ClientError> {
        let limit = q.limit.map(|l| l.to_string());
        let path = with_query(
            "/api/v1/transfers",
            &[
                ("account", q.account.as_deref()),
                ("status", q.status.as_deref()),
                ("limit", limit.as_deref()),
                ("after", q.after.as_deref()),
            ],
        );
        self.call(session, Method::GET, &path, None).await
    }

    /// `GET /api/v1/approvals` (manager): the pending queue, oldest first.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn approvals(&self, session: &Session) -> Result<Vec<Transfer>, ClientError> {
        let page: Page<Transfer> = self
            .call(session, Method::GET, "/api/v1/approvals", None)
            .await?;
        Ok(page.items)
    }

    /// Fetches the transfer, signs an approval over its payload digest and sends it
    /// (`POST /api/v1/transfers/{id}/approve`).
    ///
    /// # Errors
    /// [`ClientError::Problem`] for refusals, [`ClientError::Crypto`].
    pub async fn approve(
        &self,
        session: &Session,
        keys: &DeviceKeys,
        id: &str,
    ) -> Result<Transfer, ClientError> {
        let transfer = self.get_transfer(session, id).await?;
        let approval = new_approval_payload(keys, &transfer)?;
        let body = sign_approval(keys, &approval)?;
        let path = format!("/api/v1/transfers/{}/approve", transfer.id);
        self.call(session, Method::POST, &path, Some(&body)).await
    }

    /// `POST /api/v1/transfers/{id}/reject` with a reason (rejections are not signed payloads).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn reject(
        &self,
        session: &Session,
        id: &str,
        reason: &str,
    ) -> Result<Transfer, ClientError> {
        let path = format!("/api/v1/transfers/{}/reject", enc(id));
        let body = json!({ "reason": reason });
        self.call(session, Method::POST, &path, Some(&body)).await
    }

    /// `GET /api/v1/accounts/{id}/transactions`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn transactions(
        &self,
        session: &Session,
        account: &str,
        q: &EntryQuery,
    ) -> Result<Page<Entry>, ClientError> {
        let limit = q.limit.map(|l| l.to_string());
        let before = q.before.map(|b| b.to_string());
        let path = with_query(
            &format!("/api/v1/accounts/{}/transactions", enc(account)),
            &[
                ("limit", limit.as_deref()),
                ("before", before.as_deref()),
                ("from", q.from.as_deref()),
                ("to", q.to.as_deref()),
            ],
        );
        self.call(session, Method::GET, &path, None).await
    }

    /// `GET /api/v1/accounts/{id}/statement?from=&to=` (JSON).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn statement(
        &self,
        session: &Session,
        account: &str,
        from: &str,
        to: &str,
    ) -> Result<Statement, ClientError> {
        let path = with_query(
            &format!("/api/v1/accounts/{}/statement", enc(account)),
            &[("from", Some(from)), ("to", Some(to))],
        );
        self.call(session, Method::GET, &path, None).await
    }

    /// `GET /api/v1/accounts/{id}/statement?...&format=csv`.
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn statement_csv(
        &self,
        session: &Session,
        account: &str,
        from: &str,
        to: &str,
    ) -> Result<String, ClientError> {
        let path = with_query(
            &format!("/api/v1/accounts/{}/statement", enc(account)),
            &[
                ("from", Some(from)),
                ("to", Some(to)),
                ("format", Some("csv")),
            ],
        );
        let resp = self.send(session, Method::GET, &path, None).await?;
        if resp.status().is_success() {
            return Ok(resp.text().await?);
        }
        decode::<Value>(resp).await.map(|_| String::new())
    }

    /// A certificate in PEM (`GET /api/v1/certificates/{serial}` with `Accept: ...pem...`).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn certificate_pem(
        &self,
        session: &Session,
        serial: &str,
    ) -> Result<String, ClientError> {
        let path = format!("/api/v1/certificates/{}", enc(serial));
        let resp = self
            .send_with_accept(session, &path, "application/pem-certificate-chain")
            .await?;
        if resp.status().is_success() {
            return Ok(resp.text().await?);
        }
        decode::<Value>(resp).await.map(|_| String::new())
    }

    /// The bank's CA chain (issuing CA then root, PEM; public `GET /pki/ca.pem`).
    ///
    /// # Errors
    /// [`ClientError::Problem`].
    pub async fn ca_chain_pem(&self) -> Result<String, ClientError> {
        let resp = self.http().get(self.url("/pki/ca.pem")).send().await?;
        if resp.status().is_success() {
            return Ok(resp.text().await?);
        }
        decode::<Value>(resp).await.map(|_| String::new())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use pqbank_crypto::{Signature, SignatureAlgorithm};
    use pqbank_domain::Currency;

    fn device() -> DeviceKeys {
        let mut d = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
        d.cert_serial = Some("3f2a9c1b7d4e5f60718293a4b5c6d7e8".into());
        d
    }

    fn payload(d: &DeviceKeys) -> TransferPayload {
        new_transfer_payload(
            d,
            AccountId::new_v7(1, [1; 10]),
            AccountId::new_v7(1, [2; 10]),
            TransferAmount::parse_decimal("12.34", Currency::EUR).unwrap(),
            TransferReference::parse("Rent – Zoë").unwrap(),
        )
        .unwrap()
    }

    fn decode_sig(alg: SignatureAlgorithm, body: &Value) -> Signature {
        let bytes = B64.decode(body["signature"].as_str().unwrap()).unwrap();
        Signature::from_bytes(alg, &bytes).unwrap()
    }

    #[test]
    fn transfer_signature_round_trip() {
        let d = device();
        let p = payload(&d);
        assert_eq!(p.amount.minor_units(), 1234);
        assert_eq!(
            p.initiator_cert_serial.to_string(),
            "3f2a9c1b7d4e5f60718293a4b5c6d7e8"
        );
        let body = sign_transfer(&d, &p).unwrap();
        // The payload travels as its canonical object and parses back to the same payload.
        let back: TransferPayload = serde_json::from_value(body["payload"].clone()).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            serde_json::to_vec(&body["payload"]).unwrap(),
            p.canonical_bytes()
        );
        let alg = d.signing.algorithm();
        let sig = decode_sig(alg, &body);
        let vk = d.signing.public_key();
        vk.verify(&p.canonical_bytes(), TRANSFER_SIGNATURE_CONTEXT, &sig)
            .unwrap();
        // Domain separation: not valid as an approval or a login, nor for other bytes.
        assert!(
            vk.verify(&p.canonical_bytes(), APPROVAL_SIGNATURE_CONTEXT, &sig)
                .is_err()
        );
        let mut other = p.clone();
        other.reference = TransferReference::parse("Rent").unwrap();
        assert!(
            vk.verify(&other.canonical_bytes(), TRANSFER_SIGNATURE_CONTEXT, &sig)
                .is_err()
        );
    }

    #[test]
    fn fresh_ids_are_v7_and_distinct() {
        let a = fresh_transfer_id().unwrap();
        let b = fresh_transfer_id().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.as_uuid().get_version_num(), 7);
    }

    #[test]
    fn refuses_foreign_certificate_and_unenrolled_device() {
        let d = device();
        let mut p = payload(&d);
        p.initiator_cert_serial = "00c0ffee00c0ffee00".parse().unwrap();
        assert!(matches!(sign_transfer(&d, &p), Err(ClientError::Crypto(_))));
        let unenrolled = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
        assert!(
            new_transfer_payload(
                &unenrolled,
                AccountId::new_v7(1, [1; 10]),
                AccountId::new_v7(1, [2; 10]),
                TransferAmount::from_minor(1, Currency::EUR).unwrap(),
                TransferReference::default(),
            )
            .is_err()
        );
    }

    fn record(p: &TransferPayload, body: &Value) -> Transfer {
        Transfer {
            id: p.transfer_id,
            status: "pending_approval".into(),
            kind: "transfer".into(),
            from_account: p.from_account,
            to_account: p.to_account,
            amount: p.amount.money(),
            reference: p.reference.as_str().into(),
            created_at: p.created_at.to_string(),
            initiator_id: "u".into(),
            initiator_cert_serial: p.initiator_cert_serial.to_string(),
            payload: body["payload"].clone(),
            payload_sha256: payload_digest(p).to_string(),
            signature: body["signature"].as_str().unwrap().into(),
            signature_algorithm: "mldsa65-ed25519".into(),
            approval_required: true,
            expires_at: None,
            decided_at: None,
            decided_by: None,
            approval: None,
            reason: None,
        }
    }

    #[test]
    fn approval_signature_round_trip() {
        let initiator = device();
        let p = payload(&initiator);
        let t = record(&p, &sign_transfer(&initiator, &p).unwrap());
        let mut manager = DeviceKeys::generate(SignatureAlgorithm::MlDsa65Ed25519).unwrap();
        manager.cert_serial = Some("00c0ffee00c0ffee00".into());
        let a = new_approval_payload(&manager, &t).unwrap();
        assert!(a.matches(p.transfer_id, &payload_digest(&p)));
        assert_eq!(hex::encode(sha256(&p.canonical_bytes())), t.payload_sha256);
        let body = sign_approval(&manager, &a).unwrap();
        let back: ApprovalPayload = serde_json::from_value(body["payload"].clone()).unwrap();
        assert_eq!(back, a);
        let sig = decode_sig(manager.signing.algorithm(), &body);
        let vk = manager.signing.public_key();
        vk.verify(&a.canonical_bytes(), APPROVAL_SIGNATURE_CONTEXT, &sig)
            .unwrap();
        assert!(
            vk.verify(&a.canonical_bytes(), TRANSFER_SIGNATURE_CONTEXT, &sig)
                .is_err()
        );
        // A record whose digest does not match its payload is refused.
        let mut bad = t.clone();
        bad.payload_sha256 = hex::encode([0u8; 32]);
        assert!(new_approval_payload(&manager, &bad).is_err());
    }

    #[test]
    fn wire_types_parse_the_contract_examples() {
        let account: Account = serde_json::from_value(json!({
            "id": "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a5b", "owner_id": null, "kind": "cash",
            "currency": "EUR", "status": "open",
            "overdraft_limit": {"amount": "0.00", "currency": "EUR"},
            "balance": {"posted": {"amount": "-5.00", "currency": "EUR"},
                        "pending_debits": {"amount": "0.00", "currency": "EUR"},
                        "pending_credits": {"amount": "0.00", "currency": "EUR"},
                        "available": null},
            "created_at": "2026-11-29T09:10:00Z", "version": 3, "extra": true
        }))
        .unwrap();
        assert_eq!(account.balance.posted.minor_units(), -500);
        let page: Page<Entry> = serde_json::from_value(json!({"items": [{
            "transfer_id": "01936f0e-8c2a-7b3d-9e4f-0123456789ab", "time": "2026-11-29T09:10:00Z",
            "amount": {"amount": "-12.34", "currency": "EUR"}, "balance_after": null,
            "counterparty": "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a5b", "reference": "x", "status": "posted"
        }, {
            "seq": 7, "transfer_id": "01936f0e-8c2a-7b3d-9e4f-0123456789ab", "time": "2026-11-29T09:10:00Z",
            "amount": {"amount": "12.34", "currency": "EUR"},
            "balance_after": {"amount": "12.34", "currency": "EUR"},
            "counterparty": "0192b6a4-3c5d-7e6f-8a9b-0c1d2e3f4a5b", "reference": "", "kind": "transfer"
        }], "next": "7"}))
        .unwrap();
        assert_eq!(page.items[0].amount.minor_units(), -1234);
        assert_eq!(page.items[1].seq, Some(7));
        let approval = ApprovalRecord {
            payload: Value::String("{\"a\":\"b\"}".into()),
            signature: String::new(),
            cert_serial: String::new(),
        };
        assert_eq!(approval.payload_bytes(), b"{\"a\":\"b\"}");
        assert_eq!(
            with_query("/a", &[("x", Some("a b&c")), ("y", None), ("z", Some("1"))]),
            "/a?x=a%20b%26c&z=1"
        );
    }
}
