//! Audit log API (auditors and admins): the latest signed checkpoint, entries, inclusion and
//! consistency proofs. Everything here can be re-checked offline (`pqbank audit verify`).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use base64::Engine as _;
use pqbank_service::identity::Principal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::problem::{ApiError, Problem};
use crate::routes::rfc3339;

/// A signed tree head (C2SP tlog-checkpoint signed note).
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointDto {
    /// Tree size.
    pub size: u64,
    /// Signing time (RFC 3339).
    pub time: String,
    /// The signed note (origin, size, base64 root hash, composite ML-DSA-65 + Ed25519 signature).
    pub note: String,
}

fn checkpoint_dto(c: pqbank_store::CheckpointRecord) -> CheckpointDto {
    CheckpointDto {
        size: c.size,
        time: rfc3339(c.time),
        note: c.note,
    }
}

/// The latest signed checkpoint (one is made on demand if none exists yet).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = CheckpointDto), (status = 403, body = Problem)))]
pub async fn checkpoint(State(state): State<AppState>) -> Result<Json<CheckpointDto>, ApiError> {
    let c = match state.bank.latest_checkpoint().await? {
        Some(c) => c,
        None => state.bank.create_checkpoint().await?,
    };
    Ok(Json(checkpoint_dto(c)))
}

/// A page of checkpoints.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckpointsQuery {
    /// Only checkpoints of a larger tree size.
    pub after_size: Option<u64>,
    /// Page size (at most 200).
    pub limit: Option<u32>,
}

/// Checkpoint history, by increasing tree size (consecutive ones can be checked with a
/// consistency proof).
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit", params(CheckpointsQuery),
    responses((status = 200, body = Vec<CheckpointDto>), (status = 401, body = Problem)))]
pub async fn checkpoints(
    State(state): State<AppState>,
    Query(q): Query<CheckpointsQuery>,
) -> Result<Json<Vec<CheckpointDto>>, ApiError> {
    let list = state
        .bank
        .checkpoints(q.after_size, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(list.into_iter().map(checkpoint_dto).collect()))
}

/// Signs a checkpoint over the current log now.
#[utoipa::path(post, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 201, body = CheckpointDto), (status = 403, body = Problem)))]
pub async fn create_checkpoint(
    State(state): State<AppState>,
) -> Result<(StatusCode, Json<CheckpointDto>), ApiError> {
    let c = state.bank.create_checkpoint().await?;
    Ok((StatusCode::CREATED, Json(checkpoint_dto(c))))
}

/// A range of entries.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EntriesQuery {
    /// First index (inclusive).
    pub start: u64,
    /// Last index (exclusive); at most 1000 entries per page.
    pub end: u64,
}

/// One audit entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntryDto {
    /// Index.
    pub index: u64,
    /// RFC 9162 leaf hash (hex).
    pub leaf_hash: String,
    /// The canonical event (RFC 8785 JSON text, exactly the Merkle leaf).
    pub leaf: String,
}

impl From<pqbank_store::AuditEntry> for EntryDto {
    fn from(e: pqbank_store::AuditEntry) -> Self {
        Self {
            index: e.index,
            leaf_hash: hex::encode(e.leaf_hash.0),
            leaf: String::from_utf8_lossy(&e.leaf).into_owned(),
        }
    }
}

/// Entries `start..end`.
#[utoipa::path(get, path = "/api/v1/audit/entries", tag = "audit", params(EntriesQuery),
    responses((status = 200, body = Vec<EntryDto>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn entries(
    State(state): State<AppState>,
    Query(q): Query<EntriesQuery>,
) -> Result<Json<Vec<EntryDto>>, ApiError> {
    let rows = state.bank.audit_entries(q.start, q.end).await?;
    Ok(Json(rows.into_iter().map(EntryDto::from).collect()))
}

/// Inclusion proof query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct InclusionQuery {
    /// Entry index.
    pub index: u64,
    /// Tree size (e.g. a checkpoint's).
    pub tree_size: u64,
}

/// An inclusion proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct InclusionDto {
    /// Entry index.
    pub index: u64,
    /// Tree size.
    pub tree_size: u64,
    /// Leaf hash (hex).
    pub leaf_hash: String,
    /// Audit path (hex), leaf sibling first.
    pub hashes: Vec<String>,
}

impl From<pqbank_service::audit::InclusionProof> for InclusionDto {
    fn from(p: pqbank_service::audit::InclusionProof) -> Self {
        Self {
            index: p.index,
            tree_size: p.tree_size,
            leaf_hash: hex::encode(p.leaf_hash.0),
            hashes: p.hashes.iter().map(|h| hex::encode(h.0)).collect(),
        }
    }
}

/// RFC 9162 inclusion proof.
#[utoipa::path(get, path = "/api/v1/audit/proof/inclusion", tag = "audit", params(InclusionQuery),
    responses((status = 200, body = InclusionDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn inclusion(
    State(state): State<AppState>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionDto>, ApiError> {
    let p = state.bank.inclusion_proof(q.index, q.tree_size).await?;
    Ok(Json(InclusionDto::from(p)))
}

/// Consistency proof query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConsistencyQuery {
    /// Older tree size.
    pub first: u64,
    /// Newer tree size.
    pub second: u64,
}

/// A consistency proof.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConsistencyDto {
    /// Older size.
    pub first: u64,
    /// Newer size.
    pub second: u64,
    /// Proof hashes (hex).
    pub hashes: Vec<String>,
}

/// RFC 9162 consistency proof.
#[utoipa::path(get, path = "/api/v1/audit/proof/consistency", tag = "audit", params(ConsistencyQuery),
    responses((status = 200, body = ConsistencyDto), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn consistency(
    State(state): State<AppState>,
    Query(q): Query<ConsistencyQuery>,
) -> Result<Json<ConsistencyDto>, ApiError> {
    let hashes = state.bank.consistency_proof(q.first, q.second).await?;
    Ok(Json(ConsistencyDto {
        first: q.first,
        second: q.second,
        hashes: hashes.iter().map(|h| hex::encode(h.0)).collect(),
    }))
}

/// The audit signing key, published so that anyone can verify checkpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditKeyDto {
    /// The log's origin: the first checkpoint line and the note key name.
    pub origin: String,
    /// The signed-note key ID (hex, 4 bytes): the first bytes of each signature.
    pub key_id: String,
    /// Signature algorithm (composite ML-DSA-65 + Ed25519); checkpoints are signed with the
    /// empty context over the note text.
    pub algorithm: String,
    /// Raw public key (base64url, no padding): ML-DSA-65 public key then Ed25519 public key.
    pub public_key: String,
    /// The key's certificate, issued by the bank's CA (PEM).
    pub certificate_pem: String,
}

/// The audit checkpoint key (public).
#[utoipa::path(get, path = "/api/v1/audit/key", tag = "audit",
    responses((status = 200, body = AuditKeyDto)))]
pub async fn key(State(state): State<AppState>) -> Result<Json<AuditKeyDto>, ApiError> {
    let k = state.bank.audit_key_info().await?;
    Ok(Json(AuditKeyDto {
        origin: k.origin,
        key_id: hex::encode(k.key_id),
        algorithm: k.algorithm,
        public_key: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&k.public_key),
        certificate_pem: k.cert_pem,
    }))
}

/// A page of one's own audit events.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OwnEntriesQuery {
    /// Only entries with a greater index.
    pub after: Option<u64>,
    /// Page size (at most 200).
    pub limit: Option<u32>,
}

/// The caller's own audit events (where they are the actor), oldest first.
#[utoipa::path(get, path = "/api/v1/me/audit", tag = "audit", params(OwnEntriesQuery),
    responses((status = 200, body = Vec<EntryDto>), (status = 401, body = Problem)))]
pub async fn own_entries(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<OwnEntriesQuery>,
) -> Result<Json<Vec<EntryDto>>, ApiError> {
    let rows = state
        .bank
        .own_audit_entries(&p, q.after, q.limit.unwrap_or(50))
        .await?;
    Ok(Json(rows.into_iter().map(EntryDto::from).collect()))
}

/// Inclusion proof of one of the caller's own audit events (others: 404).
#[utoipa::path(get, path = "/api/v1/me/audit/proof", tag = "audit", params(InclusionQuery),
    responses((status = 200, body = InclusionDto), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn own_inclusion(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    Query(q): Query<InclusionQuery>,
) -> Result<Json<InclusionDto>, ApiError> {
    let proof = state
        .bank
        .own_inclusion_proof(&p, q.index, q.tree_size)
        .await?;
    Ok(Json(InclusionDto::from(proof)))
}
