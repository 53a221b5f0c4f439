//! Storage of the audit log: events (canonical RFC 8785 leaves) and the Merkle tree's
//! perfect-subtree nodes, appended inside the same database transaction as the action they record.
//!
//! INTERFACE CONTRACT (lead + audit helper): identity/ledger store methods call
//! [`append_sqlite`] / [`append_pg`] inside their own transaction. Each function assigns the next
//! indexes (the `index` field of the given events is overwritten), stores the canonical leaf bytes
//! and the new tree nodes, and returns the assigned indexes. The PostgreSQL variant serialises
//! appenders itself (lock on the log head); SQLite callers already hold `BEGIN IMMEDIATE`.
//!
//! Lock order on PostgreSQL: the log head (`audit_head`, one row) is locked by the append, so
//! callers should append their events as the LAST statement of their transaction; every
//! transaction then takes the head lock last and appends never deadlock with each other.
//!
//! Cost per append of `k` events to a log of `n`: one head row read and written (the frontier,
//! popcount(n) hashes), `k` event rows and about `2k` node rows inserted in batches. No read of
//! the nodes table: O(log n) work, independent of the log size.

use async_trait::async_trait;
use pqbank_audit::{AuditEvent, Frontier, Hash, NodeId, Outcome};
use time::OffsetDateTime;

use crate::StoreError;

/// Most events one append may carry.
pub const MAX_AUDIT_APPEND: usize = 1000;
/// Most entries one read returns.
pub const MAX_AUDIT_PAGE: u64 = 1000;
/// Most tree nodes one [`AuditStore::audit_nodes`] call may ask for (a proof needs at most
/// about 2 * 64 of them).
pub const MAX_AUDIT_NODES: usize = 512;
/// Largest signed checkpoint note accepted.
pub const MAX_CHECKPOINT_NOTE: usize = 256 * 1024;

/// One stored log entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the log.
    pub index: u64,
    /// Canonical event encoding (the Merkle leaf).
    pub leaf: Vec<u8>,
    /// RFC 9162 leaf hash stored at append time.
    pub leaf_hash: Hash,
}

/// A filtered, paged query over the log. Every condition is optional; results are in index
/// order, starting after `after_index` (the cursor: the last index of the previous page).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Exact action name.
    pub action: Option<String>,
    /// Actor user id.
    pub user_id: Option<String>,
    /// Events at or after this time.
    pub from: Option<OffsetDateTime>,
    /// Events strictly before this time.
    pub until: Option<OffsetDateTime>,
    /// Only entries with a greater index.
    pub after_index: Option<u64>,
    /// Page size (capped at [`MAX_AUDIT_PAGE`]).
    pub limit: u32,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointRecord {
    /// Tree size it commits to.
    pub size: u64,
    /// Signing time (microsecond precision).
    pub time: OffsetDateTime,
    /// The signed note text.
    pub note: String,
}

/// The audit signing key: its certificate and its private key encrypted with the key ring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditKeyRecord {
    /// Stable id (1..=64 bytes).
    pub id: String,
    /// Signature algorithm registry id.
    pub algorithm: String,
    /// Certificate (DER), issued by the issuing CA.
    pub cert_der: Vec<u8>,
    /// Private key, encrypted (the key ring's `EncryptedRecord` bytes). Never plaintext.
    pub key_encrypted: Vec<u8>,
    /// End of the certificate's validity.
    pub not_after: OffsetDateTime,
    /// The key that signs now (at most one).
    pub active: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
}

/// Audit log storage. Appends that record an action go through the in-transaction functions
/// of this module; [`AuditStore::append_audit`] is for standalone events.
#[async_trait]
pub trait AuditStore {
    /// Appends standalone events in their own transaction; returns the assigned indexes.
    /// [`StoreError::Invalid`] for more than [`MAX_AUDIT_APPEND`] events or an event without a
    /// canonical encoding (nothing is written then).
    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<Vec<u64>, StoreError>;
    /// Number of entries (the tree size).
    async fn audit_size(&self) -> Result<u64, StoreError>;
    /// Entries `start..end` in order. [`StoreError::Invalid`] if `end < start` or the range is
    /// longer than [`MAX_AUDIT_PAGE`]; entries at or beyond the size are simply absent.
    async fn audit_entries(&self, start: u64, end: u64) -> Result<Vec<AuditEntry>, StoreError>;
    /// Entries matching `filter`, in index order, at most `filter.limit`.
    async fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError>;
    /// Tree nodes in the order asked (`None` when not stored). [`StoreError::Invalid`] for more
    /// than [`MAX_AUDIT_NODES`] ids.
    async fn audit_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError>;
    /// Stores a checkpoint; returns false (and changes nothing) if one exists for its size.
    /// [`StoreError::Invalid`] if the size exceeds the log or the note is too large.
    async fn put_checkpoint(&self, checkpoint: &CheckpointRecord) -> Result<bool, StoreError>;
    /// The checkpoint of the largest size.
    async fn latest_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError>;
    /// Checkpoints by increasing size, with size greater than `after_size` when given, at most
    /// `limit` (capped at [`crate::MAX_LIST_LIMIT`]).
    async fn list_checkpoints(
        &self,
        after_size: Option<u64>,
        limit: u32,
    ) -> Result<Vec<CheckpointRecord>, StoreError>;
    /// Stores an audit key; an active one deactivates the previous active key in the same
    /// transaction. [`StoreError::Conflict`] if the id exists.
    async fn insert_audit_key(&self, key: &AuditKeyRecord) -> Result<(), StoreError>;
    /// Every audit key, oldest first (at most [`crate::MAX_LIST_LIMIT`]).
    async fn list_audit_keys(&self) -> Result<Vec<AuditKeyRecord>, StoreError>;

    /// Test hook: runs the in-transaction append inside a transaction that is then rolled
    /// back, as when the recorded action fails after its event was appended.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    async fn audit_append_rolled_back(
        &self,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<u64>, StoreError>;
}

/// One event row ready to insert.
pub(crate) struct EventRow {
    pub(crate) idx: i64,
    pub(crate) leaf: Vec<u8>,
    pub(crate) leaf_hash: Vec<u8>,
    pub(crate) time_us: i64,
    pub(crate) action: String,
    pub(crate) user_id: Option<String>,
    pub(crate) resource_kind: String,
    pub(crate) resource_id: String,
    pub(crate) outcome: &'static str,
}

/// What one append writes.
pub(crate) struct PreparedAppend {
    pub(crate) rows: Vec<EventRow>,
    pub(crate) nodes: Vec<(i16, i64, Vec<u8>)>,
    pub(crate) new_size: i64,
    pub(crate) frontier: Vec<u8>,
    pub(crate) indexes: Vec<u64>,
}

fn corrupt_head() -> StoreError {
    StoreError::Corrupt("audit head")
}

pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Invalid("index out of range"))
}

pub(crate) fn to_u64(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Corrupt("negative index"))
}

pub(crate) fn hash_from(bytes: &[u8]) -> Result<Hash, StoreError> {
    Hash::from_slice(bytes).map_err(|_| StoreError::Corrupt("hash length"))
}

/// Microseconds since the Unix epoch.
pub(crate) fn micros(t: OffsetDateTime) -> Result<i64, StoreError> {
    i64::try_from(t.unix_timestamp_nanos() / 1000)
        .map_err(|_| StoreError::Invalid("timestamp out of range"))
}

pub(crate) fn from_micros(us: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(us) * 1000)
        .map_err(|_| StoreError::Corrupt("timestamp"))
}

/// Assigns indexes from the head (`size`, `frontier` bytes), encodes the events and computes the
/// new tree nodes and head. Pure: nothing is written.
pub(crate) fn prepare(
    size: i64,
    frontier: &[u8],
    events: Vec<AuditEvent>,
) -> Result<PreparedAppend, StoreError> {
    if events.len() > MAX_AUDIT_APPEND {
        return Err(StoreError::Invalid(
            "more than 1000 audit events in one append",
        ));
    }
    let size = u64::try_from(size).map_err(|_| corrupt_head())?;
    if !frontier.len().is_multiple_of(32) {
        return Err(corrupt_head());
    }
    let hashes = frontier
        .chunks_exact(32)
        .map(hash_from)
        .collect::<Result<Vec<_>, _>>()?;
    let mut tree = Frontier::from_parts(size, hashes).map_err(|_| corrupt_head())?;
    let mut rows = Vec::with_capacity(events.len());
    let mut nodes = Vec::with_capacity(events.len() * 2 + 2);
    let mut indexes = Vec::with_capacity(events.len());
    for mut event in events {
        let index = tree.size();
        event.index = index;
        let leaf = event
            .leaf_bytes()
            .map_err(|_| StoreError::Invalid("audit event has no canonical encoding"))?;
        let hash = pqbank_audit::leaf_hash(&leaf);
        let mut failed = false;
        tree.push_with(hash, |id, h| match i64::try_from(id.index) {
            Ok(i) => nodes.push((i16::from(id.level), i, h.as_bytes().to_vec())),
            Err(_) => failed = true,
        })
        .map_err(|_| StoreError::Invalid("audit log is full"))?;
        if failed {
            return Err(StoreError::Invalid("audit log is full"));
        }
        rows.push(EventRow {
            idx: to_i64(index)?,
            leaf,
            leaf_hash: hash.as_bytes().to_vec(),
            time_us: event.time.unix_micros(),
            action: event.action.as_str().to_owned(),
            user_id: event.actor.user_id.as_ref().map(|u| u.as_str().to_owned()),
            resource_kind: event.resource.kind.as_str().to_owned(),
            resource_id: event.resource.id.as_str().to_owned(),
            outcome: match event.outcome {
                Outcome::Success => "success",
                Outcome::Failure { .. } => "failure",
            },
        });
        indexes.push(index);
    }
    Ok(PreparedAppend {
        rows,
        nodes,
        new_size: to_i64(tree.size())?,
        frontier: tree.hashes().iter().flat_map(|h| h.0).collect(),
        indexes,
    })
}

/// Rows per multi-row INSERT (keeps the number of bound parameters small for SQLite).
pub(crate) const EVENT_CHUNK: usize = 200;
/// Node rows per multi-row INSERT.
pub(crate) const NODE_CHUNK: usize = 400;

pub(crate) const ENTRY_COLUMNS: &str = "idx, leaf, leaf_hash";

pub(crate) fn check_range(start: u64, end: u64) -> Result<(), StoreError> {
    if end < start {
        return Err(StoreError::Invalid("audit range end before start"));
    }
    if end - start > MAX_AUDIT_PAGE {
        return Err(StoreError::Invalid("audit range longer than 1000 entries"));
    }
    Ok(())
}

pub(crate) fn check_checkpoint(cp: &CheckpointRecord, size: u64) -> Result<(), StoreError> {
    if cp.note.is_empty() || cp.note.len() > MAX_CHECKPOINT_NOTE {
        return Err(StoreError::Invalid(
            "checkpoint note must be 1 byte to 256 KiB",
        ));
    }
    if cp.size > size {
        return Err(StoreError::Invalid("checkpoint beyond the log size"));
    }
    Ok(())
}

pub(crate) fn check_audit_key(key: &AuditKeyRecord) -> Result<(), StoreError> {
    if key.id.is_empty() || key.id.len() > 64 {
        return Err(StoreError::Invalid("audit key id must be 1..=64 bytes"));
    }
    if key.algorithm.is_empty() || key.algorithm.len() > 64 {
        return Err(StoreError::Invalid("algorithm id must be 1..=64 bytes"));
    }
    if key.cert_der.len() > 32 * 1024 || key.key_encrypted.len() > 64 * 1024 {
        return Err(StoreError::Invalid("audit certificate or key too large"));
    }
    Ok(())
}

pub(crate) fn check_nodes(ids: &[NodeId]) -> Result<(), StoreError> {
    if ids.len() > MAX_AUDIT_NODES {
        return Err(StoreError::Invalid("more than 512 tree nodes asked"));
    }
    Ok(())
}

/// Orders looked-up nodes as asked.
pub(crate) fn order_nodes(
    ids: &[NodeId],
    found: Vec<(i64, i64, Vec<u8>)>,
) -> Result<Vec<Option<Hash>>, StoreError> {
    let mut map = std::collections::HashMap::with_capacity(found.len());
    for (level, idx, hash) in found {
        map.insert((level, idx), hash_from(&hash)?);
    }
    Ok(ids
        .iter()
        .map(|id| {
            i64::try_from(id.index)
                .ok()
                .and_then(|i| map.get(&(i64::from(id.level), i)).copied())
        })
        .collect())
}

/// Appends `events` to the log inside the caller's SQLite write transaction (the caller holds
/// `BEGIN IMMEDIATE`). Overwrites each event's index; returns the assigned indexes.
///
/// # Errors
/// [`StoreError::Invalid`] for too many events or an event without a canonical encoding; the
/// caller must then roll back (nothing of this call was written).
#[allow(dead_code)] // Callers arrive with the identity and ledger stores.
pub(crate) async fn append_sqlite(
    conn: &mut sqlx::SqliteConnection,
    events: Vec<AuditEvent>,
) -> Result<Vec<u64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let (size, frontier): (i64, Vec<u8>) =
        sqlx::query_as("SELECT size, frontier FROM audit_head WHERE id = 1")
            .fetch_one(&mut *conn)
            .await?;
    let prepared = prepare(size, &frontier, events)?;
    for chunk in prepared.rows.chunks(EVENT_CHUNK) {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "INSERT INTO audit_events (idx, leaf, leaf_hash, time_us, action, actor_user_id, \
             resource_kind, resource_id, outcome) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(r.idx)
                .push_bind(r.leaf.as_slice())
                .push_bind(r.leaf_hash.as_slice())
                .push_bind(r.time_us)
                .push_bind(r.action.as_str())
                .push_bind(r.user_id.as_deref())
                .push_bind(r.resource_kind.as_str())
                .push_bind(r.resource_id.as_str())
                .push_bind(r.outcome);
        });
        qb.build().execute(&mut *conn).await?;
    }
    for chunk in prepared.nodes.chunks(NODE_CHUNK) {
        let mut qb =
            sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO audit_nodes (level, idx, hash) ");
        qb.push_values(chunk, |mut b, (level, idx, hash)| {
            b.push_bind(i64::from(*level))
                .push_bind(*idx)
                .push_bind(hash.as_slice());
        });
        qb.build().execute(&mut *conn).await?;
    }
    let done =
        sqlx::query("UPDATE audit_head SET size = ?, frontier = ? WHERE id = 1 AND size = ?")
            .bind(prepared.new_size)
            .bind(&prepared.frontier)
            .bind(size)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict("audit head moved during append"));
    }
    Ok(prepared.indexes)
}

/// Appends `events` to the log inside the caller's PostgreSQL transaction, locking the log head
/// (`SELECT ... FOR UPDATE`) until the caller commits or rolls back. Overwrites each event's
/// index; returns the assigned indexes.
///
/// # Errors
/// As [`append_sqlite`].
#[allow(dead_code)] // Callers arrive with the identity and ledger stores.
pub(crate) async fn append_pg(
    conn: &mut sqlx::PgConnection,
    events: Vec<AuditEvent>,
) -> Result<Vec<u64>, StoreError> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let (size, frontier): (i64, Vec<u8>) =
        sqlx::query_as("SELECT size, frontier FROM audit_head WHERE id = 1 FOR UPDATE")
            .fetch_one(&mut *conn)
            .await?;
    let prepared = prepare(size, &frontier, events)?;
    // One statement per table through UNNEST: constant parameter count for any batch size.
    let mut idx = Vec::with_capacity(prepared.rows.len());
    let mut leaf = Vec::with_capacity(prepared.rows.len());
    let mut leaf_hash = Vec::with_capacity(prepared.rows.len());
    let mut time_us = Vec::with_capacity(prepared.rows.len());
    let mut action = Vec::with_capacity(prepared.rows.len());
    let mut user = Vec::with_capacity(prepared.rows.len());
    let mut kind = Vec::with_capacity(prepared.rows.len());
    let mut rid = Vec::with_capacity(prepared.rows.len());
    let mut outcome = Vec::with_capacity(prepared.rows.len());
    for r in prepared.rows {
        idx.push(r.idx);
        leaf.push(r.leaf);
        leaf_hash.push(r.leaf_hash);
        time_us.push(r.time_us);
        action.push(r.action);
        user.push(r.user_id);
        kind.push(r.resource_kind);
        rid.push(r.resource_id);
        outcome.push(r.outcome.to_owned());
    }
    sqlx::query(
        "INSERT INTO audit_events (idx, leaf, leaf_hash, time_us, action, actor_user_id, \
         resource_kind, resource_id, outcome) \
         SELECT * FROM UNNEST($1::bigint[], $2::bytea[], $3::bytea[], $4::bigint[], $5::text[], \
         $6::text[], $7::text[], $8::text[], $9::text[])",
    )
    .bind(&idx)
    .bind(&leaf)
    .bind(&leaf_hash)
    .bind(&time_us)
    .bind(&action)
    .bind(&user)
    .bind(&kind)
    .bind(&rid)
    .bind(&outcome)
    .execute(&mut *conn)
    .await?;
    let mut levels = Vec::with_capacity(prepared.nodes.len());
    let mut node_idx = Vec::with_capacity(prepared.nodes.len());
    let mut hashes = Vec::with_capacity(prepared.nodes.len());
    for (level, i, hash) in prepared.nodes {
        levels.push(level);
        node_idx.push(i);
        hashes.push(hash);
    }
    sqlx::query(
        "INSERT INTO audit_nodes (level, idx, hash) \
         SELECT * FROM UNNEST($1::smallint[], $2::bigint[], $3::bytea[])",
    )
    .bind(&levels)
    .bind(&node_idx)
    .bind(&hashes)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE audit_head SET size = $1, frontier = $2 WHERE id = 1")
        .bind(prepared.new_size)
        .bind(&prepared.frontier)
        .execute(&mut *conn)
        .await?;
    Ok(prepared.indexes)
}

/// A [`pqbank_audit::NodeStore`] that answers every read with a placeholder and records which
/// nodes were asked for: the first pass of the two-pass proof computation below.
struct Recorder {
    size: u64,
    asked: std::cell::RefCell<Vec<NodeId>>,
}

impl pqbank_audit::NodeStore for Recorder {
    fn tree_size(&self) -> Result<u64, pqbank_audit::ExternalError> {
        Ok(self.size)
    }
    fn get(&self, id: NodeId) -> Result<Option<Hash>, pqbank_audit::ExternalError> {
        self.asked.borrow_mut().push(id);
        Ok(Some(Hash::new([0; 32])))
    }
    fn put(&mut self, _: NodeId, _: Hash) -> Result<(), pqbank_audit::ExternalError> {
        Err(pqbank_audit::ExternalError::msg("read-only"))
    }
}

/// The nodes fetched from the database: the second pass.
struct Fetched {
    size: u64,
    nodes: std::collections::HashMap<NodeId, Hash>,
}

impl pqbank_audit::NodeStore for Fetched {
    fn tree_size(&self) -> Result<u64, pqbank_audit::ExternalError> {
        Ok(self.size)
    }
    fn get(&self, id: NodeId) -> Result<Option<Hash>, pqbank_audit::ExternalError> {
        Ok(self.nodes.get(&id).copied())
    }
    fn put(&mut self, _: NodeId, _: Hash) -> Result<(), pqbank_audit::ExternalError> {
        Err(pqbank_audit::ExternalError::msg("read-only"))
    }
}

fn tree_error(e: pqbank_audit::TreeError) -> StoreError {
    use pqbank_audit::TreeError as T;
    match e {
        T::IndexOutOfRange { .. } => StoreError::Invalid("leaf index not below the tree size"),
        T::SizeOutOfRange { .. } => StoreError::Invalid("tree size beyond the log"),
        T::SizesOutOfOrder { .. } => StoreError::Invalid("first size greater than second"),
        T::MissingNode(_) | T::BadStoreAnswer { .. } | T::Store(_) => {
            StoreError::Corrupt("audit tree node missing")
        }
        T::Full => StoreError::Invalid("audit log is full"),
    }
}

/// Runs a tree computation over the stored nodes: once to learn which nodes it reads (O(log n)),
/// then with exactly those nodes fetched in one query.
async fn with_nodes<T>(
    store: &(dyn AuditStore + Sync),
    f: impl Fn(&dyn pqbank_audit::NodeStore) -> Result<T, pqbank_audit::TreeError> + Send,
) -> Result<T, StoreError> {
    let size = store.audit_size().await?;
    let recorder = Recorder {
        size,
        asked: std::cell::RefCell::new(Vec::new()),
    };
    f(&recorder).map_err(tree_error)?;
    let mut ids = recorder.asked.into_inner();
    ids.sort_unstable();
    ids.dedup();
    let found = store.audit_nodes(&ids).await?;
    let nodes = ids
        .into_iter()
        .zip(found)
        .filter_map(|(id, h)| Some((id, h?)))
        .collect();
    f(&Fetched { size, nodes }).map_err(tree_error)
}

/// The RFC 9162 root of the first `size` entries, from the stored nodes.
///
/// # Errors
/// [`StoreError::Invalid`] if `size` exceeds the log; [`StoreError::Corrupt`] for missing nodes.
pub async fn audit_root(store: &(dyn AuditStore + Sync), size: u64) -> Result<Hash, StoreError> {
    with_nodes(store, |s| pqbank_audit::root(s, size)).await
}

/// Inclusion proof of entry `index` in the tree of `size` entries, from the stored nodes.
///
/// # Errors
/// As [`audit_root`]; [`StoreError::Invalid`] if `index >= size`.
pub async fn audit_inclusion_proof(
    store: &(dyn AuditStore + Sync),
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, StoreError> {
    with_nodes(store, |s| pqbank_audit::inclusion_proof(s, index, size)).await
}

/// Consistency proof between the trees of `old` and `new` entries, from the stored nodes.
///
/// # Errors
/// As [`audit_root`]; [`StoreError::Invalid`] if `old > new`.
pub async fn audit_consistency_proof(
    store: &(dyn AuditStore + Sync),
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, StoreError> {
    with_nodes(store, |s| pqbank_audit::consistency_proof(s, old, new)).await
}
