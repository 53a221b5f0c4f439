//! Ledger API: accounts, device-signed transfers, the cash desk, approvals, transactions,
//! statements (JSON and CSV), reports, the approval policy and the invariant check.

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use pqbank_domain::{AccountId, TransferId, UserId};
use pqbank_domain::{AccountStatus, Currency, Money, TransferStatus};
use pqbank_service::identity::Principal;
use pqbank_service::ledger::{
    ApprovalReport, Channel, LedgerSettings, OpenAccount, SignedRequest, Statement, Submitted,
    VolumeReport,
};
use pqbank_service::monitoring::MonitoringSettings;
use pqbank_store::{AccountRecord, LedgerCheck, PostingRecord, TransferRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::problem::{ApiError, Problem, service_problem};
use crate::routes::extract::{Id, parse_query_id};
use crate::routes::rfc3339;

type Body<T> = Result<Json<T>, axum::extract::rejection::JsonRejection>;

fn invalid(msg: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", msg)
}

fn time_of(us: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map(rfc3339)
        .unwrap_or_default()
}

fn b64(bytes: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// An amount: decimal string with the currency's exponent, and the ISO 4217 code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyDto {
    /// Decimal amount, e.g. `"-12.50"`.
    pub amount: String,
    /// ISO 4217 code.
    pub currency: String,
}

fn money(minor: i64, currency: Currency) -> MoneyDto {
    MoneyDto {
        amount: Money::from_minor(minor, currency).to_decimal_string(),
        currency: currency.code().to_owned(),
    }
}

fn parse_money(m: &MoneyDto) -> Result<Money, ApiError> {
    let currency: Currency = m
        .currency
        .parse()
        .map_err(|_| invalid("currency: unknown ISO 4217 code"))?;
    Money::parse_decimal(&m.amount, currency).map_err(|e| invalid(format!("amount: {e}")))
}

/// Balances of an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct BalanceDto {
    /// Posted balance.
    pub posted: MoneyDto,
    /// Reserved by outgoing transfers waiting for approval.
    pub pending_debits: MoneyDto,
    /// Reserved for incoming transfers waiting for approval.
    pub pending_credits: MoneyDto,
    /// What can be spent now (posted - pending debits + overdraft); none for internal accounts.
    pub available: Option<MoneyDto>,
}

/// An account.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDto {
    /// Id (UUID).
    pub id: String,
    /// Owning customer; none for the bank's internal accounts.
    pub owner_id: Option<String>,
    /// `current`, `savings`, `cash` or `suspense`.
    pub kind: String,
    /// ISO 4217 code.
    pub currency: String,
    /// `open`, `frozen` or `closed`.
    pub status: String,
    /// Overdraft limit.
    pub overdraft_limit: MoneyDto,
    /// Balances.
    pub balance: BalanceDto,
    /// Opening time.
    pub created_at: String,
    /// Changes with every booking and setting.
    pub version: i64,
}

fn account_dto(a: AccountRecord) -> AccountDto {
    let c = a.currency;
    AccountDto {
        balance: BalanceDto {
            posted: money(a.posted, c),
            pending_debits: money(a.pending_debits, c),
            pending_credits: money(a.pending_credits, c),
            available: a.available().map(|v| money(v, c)),
        },
        overdraft_limit: money(a.overdraft_minor, c),
        kind: a.kind.as_str().to_owned(),
        currency: c.code().to_owned(),
        status: a.status.as_str().to_owned(),
        created_at: time_of(a.created_us),
        version: a.version,
        owner_id: a.owner_id,
        id: a.id,
    }
}

/// A manager's signed decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalDto {
    /// The signed approval payload (canonical JSON text).
    pub payload: String,
    /// The signature (base64url).
    pub signature: String,
    /// The approver's certificate serial.
    pub cert_serial: String,
}

/// A transfer, with what was signed so anyone can re-verify it.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferDto {
    /// Client-chosen id (UUIDv7), also the idempotency key.
    pub id: String,
    /// `posted`, `pending_approval`, `rejected`, `expired` or `voided`.
    pub status: String,
    /// `transfer`, `cash_deposit` or `cash_withdrawal`.
    pub kind: String,
    /// Debited account.
    pub from_account: String,
    /// Credited account.
    pub to_account: String,
    /// Amount.
    pub amount: MoneyDto,
    /// Reference.
    pub reference: String,
    /// Acceptance time (server clock).
    pub created_at: String,
    /// Who signed it.
    pub initiator_id: String,
    /// With which certificate.
    pub initiator_cert_serial: String,
    /// The signed payload (JSON object).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// SHA-256 of the canonical payload bytes (hex).
    pub payload_sha256: String,
    /// Device signature (base64url).
    pub signature: String,
    /// Its algorithm.
    pub signature_algorithm: String,
    /// At or above the approval threshold.
    pub approval_required: bool,
    /// Deadline of a pending transfer.
    pub expires_at: Option<String>,
    /// Decision time.
    pub decided_at: Option<String>,
    /// Who decided.
    pub decided_by: Option<String>,
    /// The signed approval or rejection.
    pub approval: Option<ApprovalDto>,
    /// Rejection reason.
    pub reason: Option<String>,
}

fn transfer_dto(t: TransferRecord) -> TransferDto {
    let approval = match (
        &t.approval_payload,
        &t.approval_signature,
        &t.approval_cert_serial,
    ) {
        (Some(p), Some(s), Some(c)) => Some(ApprovalDto {
            payload: String::from_utf8_lossy(p).into_owned(),
            signature: b64(s),
            cert_serial: c.clone(),
        }),
        _ => None,
    };
    TransferDto {
        payload: serde_json::from_slice(&t.payload).unwrap_or(serde_json::Value::Null),
        signature: b64(&t.signature),
        status: t.status.as_str().to_owned(),
        kind: t.kind.as_str().to_owned(),
        amount: money(t.amount_minor, t.currency),
        created_at: time_of(t.created_us),
        expires_at: t.expires_us.map(time_of),
        decided_at: t.decided_us.map(time_of),
        approval,
        id: t.id,
        from_account: t.from_account,
        to_account: t.to_account,
        reference: t.reference,
        initiator_id: t.initiator_id,
        initiator_cert_serial: t.initiator_cert_serial,
        payload_sha256: t.payload_sha256,
        signature_algorithm: t.signature_alg,
        approval_required: t.approval_required,
        decided_by: t.decided_by,
        reason: t.reason,
    }
}

/// One booking on an account.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    /// Position (cursor).
    pub seq: i64,
    /// The transfer.
    pub transfer_id: String,
    /// Booking time.
    pub time: String,
    /// Signed amount: negative for debits.
    pub amount: MoneyDto,
    /// Posted balance after it.
    pub balance_after: MoneyDto,
    /// The other account.
    pub counterparty: String,
    /// Reference.
    pub reference: String,
    /// `transfer`, `cash_deposit` or `cash_withdrawal`.
    pub kind: String,
}

fn entry_dto(p: PostingRecord) -> EntryDto {
    EntryDto {
        seq: p.seq,
        time: time_of(p.time_us),
        amount: money(p.amount_minor, p.currency),
        balance_after: money(p.balance_after, p.currency),
        kind: p.kind.as_str().to_owned(),
        transfer_id: p.transfer_id,
        counterparty: p.counterparty,
        reference: p.reference,
    }
}

/// A page of accounts.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    /// Accounts.
    pub items: Vec<AccountDto>,
    /// Cursor for the next page (`after=`), if there may be more.
    pub next: Option<String>,
}

/// A page of transfers.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferPage {
    /// Transfers.
    pub items: Vec<TransferDto>,
    /// Cursor for the next page (`after=`).
    pub next: Option<String>,
}

/// A page of bookings.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryPage {
    /// Bookings, newest first.
    pub items: Vec<EntryDto>,
    /// Cursor for older bookings (`before=`).
    pub next: Option<String>,
}

/// Opening an account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenAccountBody {
    /// Customer (customers: their own id).
    pub owner_id: String,
    /// `current` or `savings`.
    pub kind: String,
    /// ISO 4217 code.
    pub currency: String,
}

/// Opens an account for a customer.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "ledger", request_body = OpenAccountBody,
    responses((status = 201, body = AccountDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn open_account(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Body<OpenAccountBody>,
) -> Result<(StatusCode, Json<AccountDto>), ApiError> {
    let Json(b) = body?;
    let req = OpenAccount {
        owner_id: b.owner_id,
        kind: b
            .kind
            .parse()
            .map_err(|_| invalid("kind must be current or savings"))?,
        currency: b
            .currency
            .parse()
            .map_err(|_| invalid("currency: unknown ISO 4217 code"))?,
    };
    let a = state.bank.open_account(&p, req).await?;
    Ok((StatusCode::CREATED, Json(account_dto(a))))
}

/// Account list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// Staff: a customer's accounts (customers always get their own).
    pub owner_id: Option<String>,
    /// Cursor.
    pub after: Option<String>,
    /// Page size (≤ 200).
    pub limit: Option<u32>,
}

/// Lists accounts.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "ledger", params(AccountQuery),
    responses((status = 200, body = AccountPage), (status = 404, body = Problem)))]
pub async fn list_accounts(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<AccountQuery>,
) -> Result<Json<AccountPage>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let owner = parse_query_id::<UserId>("owner_id", q.owner_id.as_deref())?.map(|u| u.to_string());
    let after = parse_query_id::<AccountId>("after", q.after.as_deref())?.map(|a| a.to_string());
    let items = state
        .bank
        .accounts(&p, owner.as_deref(), after.as_deref(), limit)
        .await?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|a| a.id.clone()))
        .flatten();
    Ok(Json(AccountPage {
        items: items.into_iter().map(account_dto).collect(),
        next,
    }))
}

/// Reads an account with its balances.
#[utoipa::path(get, path = "/api/v1/accounts/{account_id}", tag = "ledger", params(("account_id" = String, Path, format = Uuid, description = "Account id (lower-case UUID)")),
    responses((status = 200, body = AccountDto), (status = 404, body = Problem)))]
pub async fn get_account(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(account_id): Id<AccountId>,
) -> Result<Json<AccountDto>, ApiError> {
    Ok(Json(account_dto(
        state.bank.account(&p, &account_id.to_string()).await?,
    )))
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusBody {
    /// `open` (unfreeze), `frozen` or `closed`.
    pub status: String,
    /// Why, kept in the audit log: 1 to 200 characters, no control characters.
    pub reason: Option<String>,
}

/// Freezes, unfreezes or closes an account (managers).
#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/status", tag = "ledger", params(("account_id" = String, Path, format = Uuid, description = "Account id (lower-case UUID)")), request_body = StatusBody,
    responses((status = 200, body = AccountDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_account_status(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(account_id): Id<AccountId>,
    body: Body<StatusBody>,
) -> Result<Json<AccountDto>, ApiError> {
    let Json(b) = body?;
    let status: AccountStatus = b
        .status
        .parse()
        .map_err(|_| invalid("status must be open, frozen or closed"))?;
    let a = state
        .bank
        .change_account(
            &p,
            &account_id.to_string(),
            Some(status),
            None,
            b.reason.as_deref(),
        )
        .await?;
    Ok(Json(account_dto(a)))
}

/// An overdraft limit.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverdraftBody {
    /// The new limit (≥ 0, the account's currency).
    pub limit: MoneyDto,
    /// Why, kept in the audit log: 1 to 200 characters, no control characters.
    pub reason: Option<String>,
}

/// Sets a current account's overdraft limit (managers).
#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/overdraft", tag = "ledger", params(("account_id" = String, Path, format = Uuid, description = "Account id (lower-case UUID)")), request_body = OverdraftBody,
    responses((status = 200, body = AccountDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_overdraft(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(account_id): Id<AccountId>,
    body: Body<OverdraftBody>,
) -> Result<Json<AccountDto>, ApiError> {
    let Json(b) = body?;
    let limit = parse_money(&b.limit)?;
    let a = state
        .bank
        .change_account(
            &p,
            &account_id.to_string(),
            None,
            Some(limit),
            b.reason.as_deref(),
        )
        .await?;
    Ok(Json(account_dto(a)))
}

/// Booking list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntryQuery {
    /// Cursor: bookings older than this `seq`.
    pub before: Option<i64>,
    /// From this time (RFC 3339, inclusive).
    pub from: Option<String>,
    /// Until this time (RFC 3339, exclusive).
    pub to: Option<String>,
    /// Page size (≤ 200).
    pub limit: Option<u32>,
}

fn parse_time(field: &str, s: Option<&str>) -> Result<Option<time::OffsetDateTime>, ApiError> {
    s.map(|s| {
        time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
            .map_err(|_| invalid(format!("{field}: expected an RFC 3339 time")))
    })
    .transpose()
}

/// An account's bookings, newest first.
#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/transactions", tag = "ledger", params(("account_id" = String, Path, format = Uuid, description = "Account id (lower-case UUID)"), EntryQuery),
    responses((status = 200, body = EntryPage), (status = 404, body = Problem)))]
pub async fn transactions(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(account_id): Id<AccountId>,
    Query(q): Query<EntryQuery>,
) -> Result<Json<EntryPage>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let from = parse_time("from", q.from.as_deref())?;
    let to = parse_time("to", q.to.as_deref())?;
    let items = state
        .bank
        .account_postings(&p, &account_id.to_string(), q.before, from, to, limit)
        .await?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|e| e.seq.to_string()))
        .flatten();
    Ok(Json(EntryPage {
        items: items.into_iter().map(entry_dto).collect(),
        next,
    }))
}

/// Statement period.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct StatementQuery {
    /// First day (YYYY-MM-DD, UTC).
    pub from: String,
    /// Last day, inclusive.
    pub to: String,
    /// `json` (default) or `csv`.
    pub format: Option<String>,
}

/// A statement.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatementDto {
    /// The account now.
    pub account: AccountDto,
    /// First day.
    pub from: String,
    /// Last day.
    pub to: String,
    /// Posted balance at the start.
    pub opening: MoneyDto,
    /// Posted balance at the end.
    pub closing: MoneyDto,
    /// Bookings, oldest first.
    pub entries: Vec<EntryDto>,
}

fn csv_field(s: &str) -> String {
    // Quote every text field; neutralise spreadsheet formulas.
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn statement_csv(s: &Statement) -> String {
    let c = s.account.currency;
    let mut out = String::from(
        "date,transfer_id,kind,reference,counterparty,amount,balance_after,currency\n",
    );
    for e in &s.entries {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            time_of(e.time_us),
            e.transfer_id,
            e.kind.as_str(),
            csv_field(&e.reference),
            e.counterparty,
            Money::from_minor(e.amount_minor, c).to_decimal_string(),
            Money::from_minor(e.balance_after, c).to_decimal_string(),
            c.code()
        ));
    }
    out
}

/// An account statement for whole UTC days (JSON or CSV).
#[utoipa::path(get, path = "/api/v1/accounts/{account_id}/statement", tag = "ledger", params(("account_id" = String, Path, format = Uuid, description = "Account id (lower-case UUID)"), StatementQuery),
    responses((status = 200, body = StatementDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn statement(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(account_id): Id<AccountId>,
    Query(q): Query<StatementQuery>,
) -> Result<Response, ApiError> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let from =
        time::Date::parse(&q.from, &fmt).map_err(|_| invalid("from: expected YYYY-MM-DD"))?;
    let to = time::Date::parse(&q.to, &fmt).map_err(|_| invalid("to: expected YYYY-MM-DD"))?;
    let s = state
        .bank
        .statement(&p, &account_id.to_string(), from, to)
        .await?;
    match q.format.as_deref() {
        Some("csv") => {
            let mut r = statement_csv(&s).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            );
            let name = format!(
                "attachment; filename=\"statement-{}-{}-{}.csv\"",
                s.account.id, q.from, q.to
            );
            if let Ok(v) = HeaderValue::from_str(&name) {
                r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
            }
            Ok(r)
        }
        None | Some("json") => {
            let c = s.account.currency;
            Ok(Json(StatementDto {
                from: q.from,
                to: q.to,
                opening: money(s.opening_minor, c),
                closing: money(s.closing_minor, c),
                entries: s.entries.into_iter().map(entry_dto).collect(),
                account: account_dto(s.account),
            })
            .into_response())
        }
        Some(_) => Err(invalid("format must be json or csv")),
    }
}

/// The cash desk accounts.
#[utoipa::path(get, path = "/api/v1/cash/accounts", tag = "ledger",
    responses((status = 200, body = AccountPage), (status = 403, body = Problem)))]
pub async fn cash_accounts(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<AccountPage>, ApiError> {
    let items = state.bank.cash_accounts(&p).await?;
    Ok(Json(AccountPage {
        items: items.into_iter().map(account_dto).collect(),
        next: None,
    }))
}

/// A signed payload.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedBody {
    /// The payload (JSON object, see the transfer / approval payload formats).
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Device signature over its canonical bytes (base64url).
    pub signature: String,
    /// Rejections: why.
    pub reason: Option<String>,
}

fn request_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

async fn submit(
    state: &AppState,
    p: &Principal,
    channel: Channel,
    headers: &HeaderMap,
    body: Body<SignedBody>,
) -> Result<(StatusCode, Json<TransferDto>), ApiError> {
    let Json(b) = body?;
    if b.reason.is_some() {
        return Err(invalid("reason is only for rejections"));
    }
    let req = SignedRequest {
        payload: b.payload,
        signature: b.signature,
    };
    let Submitted { transfer, created } = state
        .bank
        .submit_transfer(p, channel, &req, request_id(headers).as_deref())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(transfer_dto(transfer))))
}

/// Sends a device-signed transfer (201 new, 200 idempotent replay, 409 conflicting replay).
#[utoipa::path(post, path = "/api/v1/transfers", tag = "ledger", request_body = SignedBody,
    responses((status = 201, body = TransferDto), (status = 200, body = TransferDto),
              (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_transfer(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Body<SignedBody>,
) -> Result<(StatusCode, Json<TransferDto>), ApiError> {
    submit(&state, &p, Channel::Customer, &headers, body).await
}

/// A batch of device-signed transfers (a bulk payment).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransferBatchBody {
    /// 1 to 100 signed transfers of the caller, each as for `POST /api/v1/transfers`.
    pub transfers: Vec<SignedBody>,
}

/// What became of one transfer of a batch: a receipt, or the problem it would have had alone.
#[derive(Debug, Serialize, ToSchema)]
pub struct BatchItemDto {
    /// The status the transfer would have had alone: 201 booked, 200 idempotent replay,
    /// otherwise the problem's status.
    pub status: u16,
    /// The booked or replayed transfer (`GET /api/v1/transfers/{id}` has everything).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer: Option<TransferReceiptDto>,
    /// Why it was refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<Problem>,
}

/// A short receipt of a transfer.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferReceiptDto {
    /// Its id.
    pub id: String,
    /// `posted` or `pending_approval` (or its later state, for a replay).
    pub status: String,
    /// Acceptance time (server clock).
    pub created_at: String,
    /// Deadline of a pending transfer.
    pub expires_at: Option<String>,
}

/// The results of a batch, one per transfer, in request order.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferBatchDto {
    /// One per submitted transfer.
    pub results: Vec<BatchItemDto>,
    /// How many were booked now (201).
    pub created: usize,
    /// How many were refused.
    pub refused: usize,
}

/// Sends up to 100 device-signed transfers in one request (a bulk payment). Each transfer is
/// checked and booked on its own, exactly as by `POST /api/v1/transfers`, with its own result:
/// one refusal does not stop the others. 200 with the results; a problem only when the batch
/// itself is malformed (empty, too many, bad JSON).
#[utoipa::path(post, path = "/api/v1/transfer-batches", tag = "ledger",
    request_body = TransferBatchBody,
    responses((status = 200, body = TransferBatchDto), (status = 413, body = Problem),
              (status = 422, body = Problem)))]
pub async fn create_transfer_batch(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Body<TransferBatchBody>,
) -> Result<Json<TransferBatchDto>, ApiError> {
    let Json(b) = body?;
    if b.transfers.iter().any(|t| t.reason.is_some()) {
        return Err(invalid("reason is only for rejections"));
    }
    let requests = b
        .transfers
        .into_iter()
        .map(|t| SignedRequest {
            payload: t.payload,
            signature: t.signature,
        })
        .collect();
    let outcomes = state
        .bank
        .submit_transfers(&p, requests, request_id(&headers).as_deref())
        .await?;
    let mut created = 0;
    let mut refused = 0;
    let results = outcomes
        .into_iter()
        .map(|outcome| match outcome {
            Ok(Submitted {
                transfer,
                created: new,
            }) => {
                if new {
                    created += 1;
                }
                BatchItemDto {
                    status: if new { 201 } else { 200 },
                    transfer: Some(TransferReceiptDto {
                        id: transfer.id,
                        status: transfer.status.as_str().to_owned(),
                        created_at: time_of(transfer.created_us),
                        expires_at: transfer.expires_us.map(time_of),
                    }),
                    problem: None,
                }
            }
            Err(e) => {
                refused += 1;
                let problem = service_problem(e);
                BatchItemDto {
                    status: problem.status,
                    transfer: None,
                    problem: Some(problem),
                }
            }
        })
        .collect();
    Ok(Json(TransferBatchDto {
        results,
        created,
        refused,
    }))
}

/// Records a cash deposit (clerks; signed on the clerk's device; from the cash desk account).
#[utoipa::path(post, path = "/api/v1/cash/deposit", tag = "ledger", request_body = SignedBody,
    responses((status = 201, body = TransferDto), (status = 200, body = TransferDto),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cash_deposit(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Body<SignedBody>,
) -> Result<(StatusCode, Json<TransferDto>), ApiError> {
    submit(&state, &p, Channel::CashDeposit, &headers, body).await
}

/// Records a cash withdrawal (clerks; to the cash desk account).
#[utoipa::path(post, path = "/api/v1/cash/withdraw", tag = "ledger", request_body = SignedBody,
    responses((status = 201, body = TransferDto), (status = 200, body = TransferDto),
              (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn cash_withdraw(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
    body: Body<SignedBody>,
) -> Result<(StatusCode, Json<TransferDto>), ApiError> {
    submit(&state, &p, Channel::CashWithdrawal, &headers, body).await
}

/// Transfer list filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct TransferQuery {
    /// Transfers of this account (customers: default all of theirs).
    pub account: Option<String>,
    /// With this status.
    pub status: Option<String>,
    /// Cursor from the previous page.
    pub after: Option<String>,
    /// Page size (≤ 200).
    pub limit: Option<u32>,
}

fn parse_cursor(s: &str) -> Result<(i64, String), ApiError> {
    let (us, id) = s
        .split_once('_')
        .ok_or_else(|| invalid("after: bad cursor"))?;
    let us = us.parse().map_err(|_| invalid("after: bad cursor"))?;
    let id: TransferId = id.parse().map_err(|_| invalid("after: bad cursor"))?;
    Ok((us, id.to_string()))
}

/// Lists transfers, newest first.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "ledger", params(TransferQuery),
    responses((status = 200, body = TransferPage), (status = 404, body = Problem)))]
pub async fn list_transfers(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<TransferQuery>,
) -> Result<Json<TransferPage>, ApiError> {
    let limit = q.limit.unwrap_or(50).clamp(1, 200);
    let status = q
        .status
        .as_deref()
        .map(str::parse::<TransferStatus>)
        .transpose()
        .map_err(|_| invalid("status: unknown transfer status"))?;
    let after = q.after.as_deref().map(parse_cursor).transpose()?;
    let account =
        parse_query_id::<AccountId>("account", q.account.as_deref())?.map(|a| a.to_string());
    let items = state
        .bank
        .transfers(&p, account.as_deref(), status, after, limit)
        .await?;
    let next = (items.len() == limit as usize)
        .then(|| items.last().map(|t| format!("{}_{}", t.created_us, t.id)))
        .flatten();
    Ok(Json(TransferPage {
        items: items.into_iter().map(transfer_dto).collect(),
        next,
    }))
}

/// Reads a transfer (with its signed payload and signatures).
#[utoipa::path(get, path = "/api/v1/transfers/{transfer_id}", tag = "ledger", params(("transfer_id" = String, Path, format = Uuid, description = "Transfer id (lower-case UUIDv7)")),
    responses((status = 200, body = TransferDto), (status = 404, body = Problem)))]
pub async fn get_transfer(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(transfer_id): Id<TransferId>,
) -> Result<Json<TransferDto>, ApiError> {
    Ok(Json(transfer_dto(
        state.bank.transfer(&p, &transfer_id.to_string()).await?,
    )))
}

/// The approval queue (managers), oldest first.
#[utoipa::path(get, path = "/api/v1/approvals", tag = "ledger",
    responses((status = 200, body = TransferPage), (status = 403, body = Problem)))]
pub async fn approvals(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<TransferPage>, ApiError> {
    let items = state.bank.approval_queue(&p, 200).await?;
    Ok(Json(TransferPage {
        items: items.into_iter().map(transfer_dto).collect(),
        next: None,
    }))
}

/// Approves a pending transfer with the manager's device signature (never one's own).
#[utoipa::path(post, path = "/api/v1/transfers/{transfer_id}/approve", tag = "ledger", params(("transfer_id" = String, Path, format = Uuid, description = "Transfer id (lower-case UUIDv7)")), request_body = SignedBody,
    responses((status = 200, body = TransferDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn approve(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(transfer_id): Id<TransferId>,
    body: Body<SignedBody>,
) -> Result<Json<TransferDto>, ApiError> {
    let Json(b) = body?;
    if b.reason.is_some() {
        return Err(invalid("reason is only for rejections"));
    }
    let req = SignedRequest {
        payload: b.payload,
        signature: b.signature,
    };
    let t = state
        .bank
        .approve_transfer(&p, &transfer_id.to_string(), &req)
        .await?;
    Ok(Json(transfer_dto(t)))
}

/// A rejection.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    /// Why (1 to 500 characters; shown to the initiator and kept in the audit log).
    pub reason: String,
}

/// Rejects a pending transfer with a reason (the reservation is released; never one's own).
#[utoipa::path(post, path = "/api/v1/transfers/{transfer_id}/reject", tag = "ledger", params(("transfer_id" = String, Path, format = Uuid, description = "Transfer id (lower-case UUIDv7)")), request_body = RejectBody,
    responses((status = 200, body = TransferDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn reject(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Id(transfer_id): Id<TransferId>,
    body: Body<RejectBody>,
) -> Result<Json<TransferDto>, ApiError> {
    let Json(b) = body?;
    let t = state
        .bank
        .reject_transfer(&p, &transfer_id.to_string(), &b.reason)
        .await?;
    Ok(Json(transfer_dto(t)))
}

/// Report window.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// Days back (1..=366, default 30).
    pub days: Option<i64>,
}

/// One day of volume.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolumeRowDto {
    /// UTC day (YYYY-MM-DD).
    pub day: String,
    /// ISO 4217 code.
    pub currency: String,
    /// Posted transfers.
    pub count: i64,
    /// Their total.
    pub total: MoneyDto,
}

/// Volume per day and currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct VolumeDto {
    /// Window start.
    pub since: String,
    /// Rows by day, then currency.
    pub rows: Vec<VolumeRowDto>,
}

fn volume_dto(v: VolumeReport) -> VolumeDto {
    VolumeDto {
        since: rfc3339(v.since),
        rows: v
            .rows
            .into_iter()
            .map(|r| VolumeRowDto {
                day: time::OffsetDateTime::from_unix_timestamp(r.day * 86_400)
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                currency: r.currency.code().to_owned(),
                count: r.count,
                total: money(r.total_minor, r.currency),
            })
            .collect(),
    }
}

/// Posted volume per day and currency (managers, auditors).
#[utoipa::path(get, path = "/api/v1/reports/volume", tag = "ledger", params(ReportQuery),
    responses((status = 200, body = VolumeDto), (status = 403, body = Problem)))]
pub async fn report_volume(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<VolumeDto>, ApiError> {
    Ok(Json(volume_dto(
        state.bank.report_volume(&p, q.days.unwrap_or(30)).await?,
    )))
}

/// The approval workload.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApprovalReportDto {
    /// Window start.
    pub since: String,
    /// Waiting now, oldest first.
    pub queue: Vec<TransferDto>,
    /// Transfers that needed approval in the window, newest first.
    pub large: Vec<TransferDto>,
    /// Approved.
    pub approved: u32,
    /// Rejected.
    pub rejected: u32,
    /// Expired.
    pub expired: u32,
    /// Median seconds from creation to decision.
    pub turnaround_p50_secs: Option<i64>,
    /// 90th percentile.
    pub turnaround_p90_secs: Option<i64>,
    /// Longest.
    pub turnaround_max_secs: Option<i64>,
    /// Totals of large transfers per currency.
    pub large_totals: Vec<MoneyDto>,
}

fn approvals_dto(r: ApprovalReport) -> ApprovalReportDto {
    ApprovalReportDto {
        since: rfc3339(r.since),
        queue: r.queue.into_iter().map(transfer_dto).collect(),
        large: r.large.into_iter().map(transfer_dto).collect(),
        approved: r.approved,
        rejected: r.rejected,
        expired: r.expired,
        turnaround_p50_secs: r.turnaround_p50_secs,
        turnaround_p90_secs: r.turnaround_p90_secs,
        turnaround_max_secs: r.turnaround_max_secs,
        large_totals: r
            .large_totals
            .into_iter()
            .map(|(c, m)| money(m, c))
            .collect(),
    }
}

/// Approval queue, large transfers and turnaround (managers, auditors).
#[utoipa::path(get, path = "/api/v1/reports/approvals", tag = "ledger", params(ReportQuery),
    responses((status = 200, body = ApprovalReportDto), (status = 403, body = Problem)))]
pub async fn report_approvals(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<ReportQuery>,
) -> Result<Json<ApprovalReportDto>, ApiError> {
    Ok(Json(approvals_dto(
        state
            .bank
            .report_approvals(&p, q.days.unwrap_or(30))
            .await?,
    )))
}

/// The approval policy.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LedgerSettingsDto {
    /// Approval thresholds (inclusive), one per currency.
    pub thresholds: Vec<MoneyDto>,
    /// Seconds a transfer may wait for approval before it expires.
    pub pending_ttl_seconds: i64,
}

fn settings_dto(s: LedgerSettings) -> LedgerSettingsDto {
    LedgerSettingsDto {
        thresholds: s
            .thresholds
            .into_iter()
            .map(|(c, m)| money(m.minor_units(), c))
            .collect(),
        pending_ttl_seconds: s.pending_ttl_seconds,
    }
}

/// Reads the approval policy (everyone signed in: the web app shows it before signing).
#[utoipa::path(get, path = "/api/v1/settings/ledger", tag = "ledger",
    responses((status = 200, body = LedgerSettingsDto)))]
pub async fn get_settings(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<LedgerSettingsDto>, ApiError> {
    Ok(Json(settings_dto(state.bank.ledger_settings(&p)?)))
}

/// Sets the approval thresholds and pending time-to-live (admins).
#[utoipa::path(put, path = "/api/v1/settings/ledger", tag = "ledger", request_body = LedgerSettingsDto,
    responses((status = 200, body = LedgerSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_settings(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Body<LedgerSettingsDto>,
) -> Result<Json<LedgerSettingsDto>, ApiError> {
    let Json(b) = body?;
    if b.thresholds.len() > 50 {
        return Err(invalid("at most 50 thresholds"));
    }
    let mut thresholds = std::collections::BTreeMap::new();
    for m in &b.thresholds {
        let m = parse_money(m)?;
        thresholds.insert(m.currency(), m);
    }
    let s = state
        .bank
        .set_ledger_settings(
            &p,
            LedgerSettings {
                thresholds,
                pending_ttl_seconds: b.pending_ttl_seconds,
            },
        )
        .await?;
    Ok(Json(settings_dto(s)))
}

/// The thresholds of the security monitoring rules.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MonitoringSettingsDto {
    /// Failed logins from one client address within the window that block it (1..=1000).
    pub failed_logins_per_address: u32,
    /// The failed-login window and block duration (10..=86400 s).
    pub failed_login_window_seconds: i64,
    /// Transfers one customer may initiate within the velocity window (1..=500).
    pub velocity_max_count: u32,
    /// The velocity window (60..=604800 s).
    pub velocity_window_seconds: i64,
    /// Amount one customer may move within the velocity window, per currency.
    pub velocity_max_amount: Vec<MoneyDto>,
    /// An amount above this factor times the customer's average is unusual (2..=1000).
    pub unusual_amount_factor: u32,
    /// Earlier posted transfers needed before the unusual-amount rule applies (1..=50).
    pub unusual_min_history: u32,
}

fn monitoring_dto(s: MonitoringSettings) -> MonitoringSettingsDto {
    MonitoringSettingsDto {
        failed_logins_per_address: s.failed_logins_per_address,
        failed_login_window_seconds: s.failed_login_window_seconds,
        velocity_max_count: s.velocity_max_count,
        velocity_window_seconds: s.velocity_window_seconds,
        velocity_max_amount: s
            .velocity_max_amount
            .into_iter()
            .map(|(c, m)| money(m.minor_units(), c))
            .collect(),
        unusual_amount_factor: s.unusual_amount_factor,
        unusual_min_history: s.unusual_min_history,
    }
}

/// Reads the monitoring thresholds (auditors and admins).
#[utoipa::path(get, path = "/api/v1/settings/monitoring", tag = "audit",
    responses((status = 200, body = MonitoringSettingsDto), (status = 403, body = Problem)))]
pub async fn get_monitoring(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<MonitoringSettingsDto>, ApiError> {
    Ok(Json(monitoring_dto(state.bank.monitoring_settings(&p)?)))
}

/// Sets the monitoring thresholds (admins; audited).
#[utoipa::path(put, path = "/api/v1/settings/monitoring", tag = "audit", request_body = MonitoringSettingsDto,
    responses((status = 200, body = MonitoringSettingsDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn put_monitoring(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    body: Body<MonitoringSettingsDto>,
) -> Result<Json<MonitoringSettingsDto>, ApiError> {
    let Json(b) = body?;
    if b.velocity_max_amount.len() > 50 {
        return Err(invalid("at most 50 amounts"));
    }
    let mut velocity_max_amount = std::collections::BTreeMap::new();
    for m in &b.velocity_max_amount {
        let m = parse_money(m)?;
        velocity_max_amount.insert(m.currency(), m);
    }
    let s = state
        .bank
        .set_monitoring_settings(
            &p,
            MonitoringSettings {
                failed_logins_per_address: b.failed_logins_per_address,
                failed_login_window_seconds: b.failed_login_window_seconds,
                velocity_max_count: b.velocity_max_count,
                velocity_window_seconds: b.velocity_window_seconds,
                velocity_max_amount,
                unusual_amount_factor: b.unusual_amount_factor,
                unusual_min_history: b.unusual_min_history,
            },
        )
        .await?;
    Ok(Json(monitoring_dto(s)))
}

/// Identity security settings in force (from the server's configuration; read-only here).
#[derive(Debug, Serialize, ToSchema)]
pub struct IdentitySettingsDto {
    /// Failed logins before an account locks.
    pub lockout_threshold: i64,
    /// First lock (seconds); doubles with every further failure.
    pub lockout_base_seconds: i64,
    /// Longest lock (seconds).
    pub lockout_max_seconds: i64,
    /// Idle timeout of sessions (seconds).
    pub session_idle_seconds: i64,
    /// Absolute lifetime of sessions (seconds).
    pub session_absolute_seconds: i64,
    /// Lifetime of a login challenge (seconds).
    pub challenge_ttl_seconds: i64,
    /// Lifetime of activation codes (seconds).
    pub activation_ttl_seconds: i64,
    /// Accepted clock difference of request MACs (seconds).
    pub mac_skew_seconds: i64,
    /// Login attempts per client address and minute (per instance).
    pub login_rate_per_minute: u32,
}

/// Reads the identity security settings (admins).
#[utoipa::path(get, path = "/api/v1/settings/identity", tag = "identity",
    responses((status = 200, body = IdentitySettingsDto), (status = 403, body = Problem)))]
pub async fn get_identity_settings(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
) -> Result<Json<IdentitySettingsDto>, ApiError> {
    let c = state.bank.identity_settings(&p)?;
    Ok(Json(IdentitySettingsDto {
        lockout_threshold: c.lockout_threshold,
        lockout_base_seconds: c.lockout_base.whole_seconds(),
        lockout_max_seconds: c.lockout_max.whole_seconds(),
        session_idle_seconds: c.session_idle.whole_seconds(),
        session_absolute_seconds: c.session_absolute.whole_seconds(),
        challenge_ttl_seconds: c.challenge_ttl.whole_seconds(),
        activation_ttl_seconds: c.activation_ttl.whole_seconds(),
        mac_skew_seconds: c.mac_skew.whole_seconds(),
        login_rate_per_minute: c.login_rate_per_minute,
    }))
}

/// The result of the ledger invariant check.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerCheckDto {
    /// True when no invariant is violated.
    pub ok: bool,
    /// Accounts checked.
    pub accounts: i64,
    /// Transfers checked.
    pub transfers: i64,
    /// Postings checked.
    pub postings: i64,
    /// Violations found.
    pub violations: Vec<String>,
}

/// Converts a check for the API and the CLI.
pub fn check_dto(c: LedgerCheck) -> LedgerCheckDto {
    LedgerCheckDto {
        ok: c.violations.is_empty(),
        accounts: c.accounts,
        transfers: c.transfers,
        postings: c.postings,
        violations: c.violations,
    }
}

/// Recomputes every balance and checks the ledger invariants (auditors, admins).
#[utoipa::path(get, path = "/api/v1/ledger/check", tag = "ledger",
    responses((status = 200, body = LedgerCheckDto), (status = 403, body = Problem)))]
pub async fn ledger_check(
    State(state): State<AppState>,
    Extension(_p): Extension<Principal>,
) -> Result<Json<LedgerCheckDto>, ApiError> {
    Ok(Json(check_dto(state.bank.ledger_check().await?)))
}
