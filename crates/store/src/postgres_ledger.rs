//! PostgreSQL implementation of [`LedgerStore`]: a batch locks the transfers it decides and the
//! accounts it touches with `FOR UPDATE` in id order (transfers, then accounts, then the audit
//! head), so concurrent batches on any number of instances never deadlock and never interleave
//! on a balance. These locks also prove the batch's references (the accounts it books on
//! exist and stay), so the ledger's tables keep no foreign keys here (migration 0010); the
//! invariant check verifies the references instead.

use std::collections::{HashMap, HashSet};

use async_trait::async_trait;
use pqbank_audit::AuditEvent;
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Postgres, QueryBuilder, Row};

use crate::ledger::{
    AccountAuditBuilder, AccountChange, AccountChangeError, AccountRecord, LEDGER_CHECKS,
    LedgerCheck, LedgerCommand, LedgerOutcome, LedgerStore, LedgerWrites, MAX_WINDOW_TRANSFERS,
    MonitoringFacts, MonitoringQuery, PostingRecord, TransferFilter, TransferKind, TransferRecord,
    VolumeRow, WindowTransfer, account_ids, apply_account_change, check_account, device_ids, page,
    plan_ledger, transfer_ids,
};
use crate::sqlite_ledger::{ACCOUNT_COLUMNS, TRANSFER_COLUMNS};
use crate::{PgStore, StoreError, audit};

fn corrupt(what: &'static str) -> impl Fn(pqbank_domain::AccountError) -> StoreError {
    move |_| StoreError::Corrupt(what)
}

fn account_from_row(row: &PgRow) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        id: row.try_get("id")?,
        owner_id: row.try_get("owner_id")?,
        kind: row
            .try_get::<String, _>("kind")?
            .parse()
            .map_err(corrupt("account kind"))?,
        currency: row
            .try_get::<String, _>("currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("currency"))?,
        status: row
            .try_get::<String, _>("status")?
            .parse()
            .map_err(corrupt("account status"))?,
        overdraft_minor: row.try_get("overdraft_minor")?,
        posted: row.try_get("posted")?,
        pending_debits: row.try_get("pending_debits")?,
        pending_credits: row.try_get("pending_credits")?,
        created_us: row.try_get("created_us")?,
        updated_us: row.try_get("updated_us")?,
        version: row.try_get("version")?,
    })
}

fn transfer_from_row(row: &PgRow) -> Result<TransferRecord, StoreError> {
    Ok(TransferRecord {
        id: row.try_get("id")?,
        kind: TransferKind::parse(&row.try_get::<String, _>("kind")?)?,
        status: row
            .try_get::<String, _>("status")?
            .parse()
            .map_err(|_| StoreError::Corrupt("transfer status"))?,
        from_account: row.try_get("from_account")?,
        to_account: row.try_get("to_account")?,
        amount_minor: row.try_get("amount_minor")?,
        currency: row
            .try_get::<String, _>("currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("currency"))?,
        reference: row.try_get("reference")?,
        initiator_id: row.try_get("initiator_id")?,
        initiator_cert_serial: row.try_get("initiator_cert_serial")?,
        payload: row.try_get("payload")?,
        payload_sha256: row.try_get("payload_sha256")?,
        signature: row.try_get("signature")?,
        signature_alg: row.try_get("signature_alg")?,
        approval_required: row.try_get("approval_required")?,
        created_us: row.try_get("created_us")?,
        expires_us: row.try_get("expires_us")?,
        decided_us: row.try_get("decided_us")?,
        decided_by: row.try_get("decided_by")?,
        approval_payload: row.try_get("approval_payload")?,
        approval_signature: row.try_get("approval_signature")?,
        approval_cert_serial: row.try_get("approval_cert_serial")?,
        reason: row.try_get("reason")?,
    })
}

fn window_from_row(r: &PgRow) -> Result<WindowTransfer, StoreError> {
    Ok(WindowTransfer {
        id: r.try_get("id")?,
        created_us: r.try_get("created_us")?,
        currency: r
            .try_get::<String, _>("currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("currency"))?,
        amount_minor: r.try_get("amount_minor")?,
    })
}

fn posting_from_row(row: &PgRow) -> Result<PostingRecord, StoreError> {
    Ok(PostingRecord {
        seq: row.try_get("seq")?,
        transfer_id: row.try_get("transfer_id")?,
        account_id: row.try_get("account_id")?,
        amount_minor: row.try_get("amount_minor")?,
        currency: row
            .try_get::<String, _>("currency")?
            .parse()
            .map_err(|_| StoreError::Corrupt("currency"))?,
        balance_after: row.try_get("balance_after")?,
        time_us: row.try_get("time_us")?,
        reference: row.try_get("reference")?,
        counterparty: row.try_get("counterparty")?,
        kind: TransferKind::parse(&row.try_get::<String, _>("kind")?)?,
    })
}

async fn insert_account(conn: &mut PgConnection, a: &AccountRecord) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "INSERT INTO accounts ({ACCOUNT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    ))
    .bind(&a.id)
    .bind(&a.owner_id)
    .bind(a.kind.as_str())
    .bind(a.currency.code())
    .bind(a.status.as_str())
    .bind(a.overdraft_minor)
    .bind(a.posted)
    .bind(a.pending_debits)
    .bind(a.pending_credits)
    .bind(a.created_us)
    .bind(a.updated_us)
    .bind(a.version)
    .execute(&mut *conn)
    .await
    .map_err(|e| crate::postgres::unique_conflict(e, "account exists"))?;
    Ok(())
}

async fn load_ledger(
    conn: &mut PgConnection,
    commands: &[&LedgerCommand],
) -> Result<LedgerWrites, StoreError> {
    let ids = transfer_ids(commands)?;
    let mut transfers = HashMap::new();
    // Lock order: transfers (by id), then accounts (by id), then the audit head. The ids are
    // joined as a set (`IN (SELECT unnest(..))`), not matched with `= ANY($1)`: a prepared
    // statement's generic plan compares every row of a small table with every id (measured:
    // 8 % of the database's CPU at 256 accounts); the join hashes them, or probes the index
    // of a large table.
    let rows = sqlx::query(&format!(
        "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id IN (SELECT unnest($1::text[])) \
         ORDER BY id FOR UPDATE"
    ))
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let t = transfer_from_row(&row)?;
        transfers.insert(t.id.clone(), t);
    }
    let ids = account_ids(commands, &transfers);
    let mut accounts = HashMap::new();
    let rows = sqlx::query(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id IN (SELECT unnest($1::text[])) \
         ORDER BY id FOR UPDATE"
    ))
    .bind(&ids)
    .fetch_all(&mut *conn)
    .await?;
    for row in rows {
        let a = account_from_row(&row)?;
        accounts.insert(a.id.clone(), a);
    }
    // The signing devices, shared-locked so that a removal waits for this batch (or this batch
    // for the removal): a transfer never posts on a device removed before it committed.
    let devices = device_ids(commands);
    let mut active = HashSet::new();
    if !devices.is_empty() {
        let rows: Vec<String> = sqlx::query_scalar(
            "SELECT id FROM devices WHERE id IN (SELECT unnest($1::text[])) \
             AND status = 'active' \
             ORDER BY id FOR SHARE",
        )
        .bind(&devices)
        .fetch_all(&mut *conn)
        .await?;
        active.extend(rows);
    }
    plan_ledger(commands, transfers, accounts, &active)
}

async fn write_ledger(conn: &mut PgConnection, w: LedgerWrites) -> Result<(), StoreError> {
    // One statement per table through UNNEST: one statement shape (one prepared statement and
    // plan) for any batch size, instead of a VALUES list of 23 parameters per row.
    if !w.inserts.is_empty() {
        let ts = &w.inserts;
        let text = |f: fn(&TransferRecord) -> &str| ts.iter().map(f).collect::<Vec<_>>();
        let opt_text =
            |f: fn(&TransferRecord) -> Option<&str>| ts.iter().map(f).collect::<Vec<_>>();
        let int = |f: fn(&TransferRecord) -> i64| ts.iter().map(f).collect::<Vec<_>>();
        let opt_int = |f: fn(&TransferRecord) -> Option<i64>| ts.iter().map(f).collect::<Vec<_>>();
        let bytes = |f: fn(&TransferRecord) -> &[u8]| ts.iter().map(f).collect::<Vec<_>>();
        let opt_bytes =
            |f: fn(&TransferRecord) -> Option<&[u8]>| ts.iter().map(f).collect::<Vec<_>>();
        sqlx::query(&format!(
            "INSERT INTO transfers ({TRANSFER_COLUMNS}) SELECT * FROM UNNEST(\
             $1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[], \
             $7::text[], $8::text[], $9::text[], $10::text[], $11::bytea[], $12::text[], \
             $13::bytea[], $14::text[], $15::bool[], $16::int8[], $17::int8[], $18::int8[], \
             $19::text[], $20::bytea[], $21::bytea[], $22::text[], $23::text[])"
        ))
        .bind(text(|t| &t.id))
        .bind(text(|t| t.kind.as_str()))
        .bind(text(|t| t.status.as_str()))
        .bind(text(|t| &t.from_account))
        .bind(text(|t| &t.to_account))
        .bind(int(|t| t.amount_minor))
        .bind(text(|t| t.currency.code()))
        .bind(text(|t| &t.reference))
        .bind(text(|t| &t.initiator_id))
        .bind(text(|t| &t.initiator_cert_serial))
        .bind(bytes(|t| &t.payload))
        .bind(text(|t| &t.payload_sha256))
        .bind(bytes(|t| &t.signature))
        .bind(text(|t| &t.signature_alg))
        .bind(ts.iter().map(|t| t.approval_required).collect::<Vec<_>>())
        .bind(int(|t| t.created_us))
        .bind(opt_int(|t| t.expires_us))
        .bind(opt_int(|t| t.decided_us))
        .bind(opt_text(|t| t.decided_by.as_deref()))
        .bind(opt_bytes(|t| t.approval_payload.as_deref()))
        .bind(opt_bytes(|t| t.approval_signature.as_deref()))
        .bind(opt_text(|t| t.approval_cert_serial.as_deref()))
        .bind(opt_text(|t| t.reason.as_deref()))
        .execute(&mut *conn)
        .await?;
    }
    for t in &w.updates {
        let done = sqlx::query(
            "UPDATE transfers SET status = $1, decided_us = $2, decided_by = $3, \
             approval_payload = $4, approval_signature = $5, approval_cert_serial = $6, \
             reason = $7 WHERE id = $8 AND status = 'pending_approval'",
        )
        .bind(t.status.as_str())
        .bind(t.decided_us)
        .bind(&t.decided_by)
        .bind(&t.approval_payload)
        .bind(&t.approval_signature)
        .bind(&t.approval_cert_serial)
        .bind(&t.reason)
        .bind(&t.id)
        .execute(&mut *conn)
        .await?;
        if done.rows_affected() != 1 {
            return Err(StoreError::Conflict("transfer decided concurrently"));
        }
    }
    if !w.postings.is_empty() {
        let ps = &w.postings;
        sqlx::query(
            "INSERT INTO postings (transfer_id, account_id, amount_minor, currency, \
             balance_after, time_us) SELECT * FROM UNNEST($1::text[], $2::text[], $3::int8[], \
             $4::text[], $5::int8[], $6::int8[])",
        )
        .bind(
            ps.iter()
                .map(|p| p.transfer_id.as_str())
                .collect::<Vec<_>>(),
        )
        .bind(ps.iter().map(|p| p.account_id.as_str()).collect::<Vec<_>>())
        .bind(ps.iter().map(|p| p.amount_minor).collect::<Vec<_>>())
        .bind(ps.iter().map(|p| p.currency.code()).collect::<Vec<_>>())
        .bind(ps.iter().map(|p| p.balance_after).collect::<Vec<_>>())
        .bind(ps.iter().map(|p| p.time_us).collect::<Vec<_>>())
        .execute(&mut *conn)
        .await?;
    }
    // All balances of the batch in one statement (the rows are locked already).
    if !w.accounts.is_empty() {
        let column = |f: fn(&AccountRecord) -> i64| w.accounts.iter().map(f).collect::<Vec<_>>();
        let done = sqlx::query(
            "UPDATE accounts AS a SET posted = v.posted, pending_debits = v.pending_debits, \
             pending_credits = v.pending_credits, updated_us = v.updated_us, \
             version = v.version \
             FROM UNNEST($1::text[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::int8[]) \
             AS v(id, posted, pending_debits, pending_credits, updated_us, version) \
             WHERE a.id = v.id",
        )
        .bind(w.accounts.iter().map(|a| a.id.clone()).collect::<Vec<_>>())
        .bind(column(|a| a.posted))
        .bind(column(|a| a.pending_debits))
        .bind(column(|a| a.pending_credits))
        .bind(column(|a| a.updated_us))
        .bind(column(|a| a.version))
        .execute(&mut *conn)
        .await?;
        if usize::try_from(done.rows_affected()).ok() != Some(w.accounts.len()) {
            return Err(StoreError::Corrupt("account missing during a ledger batch"));
        }
    }
    audit::append_pg(conn, w.events).await?;
    Ok(())
}

#[async_trait]
impl LedgerStore for PgStore {
    async fn create_account(
        &self,
        account: &AccountRecord,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        check_account(account)?;
        let mut tx = self.pool().begin().await?;
        insert_account(&mut tx, account).await?;
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn ensure_internal_account(
        &self,
        candidate: &AccountRecord,
    ) -> Result<AccountRecord, StoreError> {
        check_account(candidate)?;
        if candidate.owner_id.is_some() {
            return Err(StoreError::Invalid("not an internal account"));
        }
        let mut tx = self.pool().begin().await?;
        // Serialise creators of internal accounts (the unique index would also refuse a twin).
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(format!("internal-account:{}", candidate.currency.code()))
            .execute(&mut *tx)
            .await?;
        let found = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts \
             WHERE owner_id IS NULL AND kind = $1 AND currency = $2"
        ))
        .bind(candidate.kind.as_str())
        .bind(candidate.currency.code())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(row) = found {
            tx.rollback().await?;
            return account_from_row(&row);
        }
        insert_account(&mut tx, candidate).await?;
        tx.commit().await?;
        Ok(candidate.clone())
    }

    async fn get_account(&self, id: &str) -> Result<Option<AccountRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(account_from_row)
        .transpose()
    }

    async fn list_accounts(
        &self,
        owner: Option<&str>,
        internal: bool,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AccountRecord>, StoreError> {
        let mut qb: QueryBuilder<Postgres> =
            QueryBuilder::new(format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE "));
        if internal {
            qb.push("owner_id IS NULL");
        } else {
            qb.push("owner_id IS NOT NULL");
        }
        if let Some(owner) = owner {
            qb.push(" AND owner_id = ").push_bind(owner);
        }
        if let Some(after) = after {
            qb.push(" AND id > ").push_bind(after);
        }
        qb.push(" ORDER BY id LIMIT ").push_bind(page(limit));
        qb.build()
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(account_from_row)
            .collect()
    }

    async fn change_account(
        &self,
        id: &str,
        change: AccountChange,
        audit_events: AccountAuditBuilder,
    ) -> Result<Result<AccountRecord, AccountChangeError>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(&format!(
            "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1 FOR UPDATE"
        ))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound("account"))?;
        let current = account_from_row(&row)?;
        let next = match apply_account_change(&current, change)? {
            Ok(n) => n,
            Err(e) => return Ok(Err(e)),
        };
        sqlx::query(
            "UPDATE accounts SET status = $1, overdraft_minor = $2, updated_us = $3, \
             version = $4 WHERE id = $5 AND version = $6",
        )
        .bind(next.status.as_str())
        .bind(next.overdraft_minor)
        .bind(next.updated_us)
        .bind(next.version)
        .bind(id)
        .bind(current.version)
        .execute(&mut *tx)
        .await?;
        audit::append_pg(&mut tx, audit_events(&next)).await?;
        tx.commit().await?;
        Ok(Ok(next))
    }

    async fn execute_ledger(
        &self,
        commands: &[LedgerCommand],
    ) -> Result<Vec<LedgerOutcome>, StoreError> {
        if commands.is_empty() {
            return Ok(Vec::new());
        }
        let commands: Vec<&LedgerCommand> = commands.iter().collect();
        Ok(crate::Store::execute_writes(self, &[], &commands).await?.1)
    }

    async fn get_transfer(&self, id: &str) -> Result<Option<TransferRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(transfer_from_row)
        .transpose()
    }

    async fn list_transfers(
        &self,
        filter: &TransferFilter,
        limit: u32,
    ) -> Result<Vec<TransferRecord>, StoreError> {
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(format!(
            "SELECT {TRANSFER_COLUMNS} FROM transfers WHERE 1 = 1"
        ));
        if let Some(account) = &filter.account {
            qb.push(" AND (from_account = ")
                .push_bind(account)
                .push(" OR to_account = ")
                .push_bind(account)
                .push(")");
        }
        if let Some(owner) = &filter.owner {
            qb.push(" AND (from_account IN (SELECT id FROM accounts WHERE owner_id = ")
                .push_bind(owner)
                .push(") OR to_account IN (SELECT id FROM accounts WHERE owner_id = ")
                .push_bind(owner)
                .push("))");
        }
        if let Some(status) = filter.status {
            qb.push(" AND status = ").push_bind(status.as_str());
        }
        if let Some(required) = filter.approval_required {
            qb.push(" AND approval_required = ").push_bind(required);
        }
        if let Some(since) = filter.since_us {
            qb.push(" AND created_us >= ").push_bind(since);
        }
        let (cmp, order) = if filter.ascending {
            (">", "ASC")
        } else {
            ("<", "DESC")
        };
        if let Some((us, id)) = &filter.after {
            qb.push(format!(" AND (created_us, id) {cmp} ("))
                .push_bind(*us)
                .push(", ")
                .push_bind(id)
                .push(")");
        }
        qb.push(format!(" ORDER BY created_us {order}, id {order} LIMIT "))
            .push_bind(page(limit));
        qb.build()
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(transfer_from_row)
            .collect()
    }

    async fn due_pending_transfers(
        &self,
        now_us: i64,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM transfers WHERE status = 'pending_approval' AND expires_us <= $1 \
             ORDER BY expires_us, id LIMIT $2",
        )
        .bind(now_us)
        .bind(page(limit))
        .fetch_all(self.pool())
        .await?)
    }

    async fn list_postings(
        &self,
        account: &str,
        before_seq: Option<i64>,
        from_us: Option<i64>,
        to_us: Option<i64>,
        limit: u32,
    ) -> Result<Vec<PostingRecord>, StoreError> {
        let mut qb: QueryBuilder<Postgres> = QueryBuilder::new(
            "SELECT p.seq, p.transfer_id, p.account_id, p.amount_minor, p.currency, \
             p.balance_after, p.time_us, t.reference, t.kind, \
             CASE WHEN t.from_account = p.account_id THEN t.to_account ELSE t.from_account END \
             AS counterparty FROM postings p JOIN transfers t ON t.id = p.transfer_id \
             WHERE p.account_id = ",
        );
        qb.push_bind(account);
        if let Some(seq) = before_seq {
            qb.push(" AND p.seq < ").push_bind(seq);
        }
        if let Some(from) = from_us {
            qb.push(" AND p.time_us >= ").push_bind(from);
        }
        if let Some(to) = to_us {
            qb.push(" AND p.time_us < ").push_bind(to);
        }
        qb.push(" ORDER BY p.seq DESC LIMIT ")
            .push_bind(page(limit));
        qb.build()
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(posting_from_row)
            .collect()
    }

    async fn posted_balance_before(
        &self,
        account: &str,
        before_us: i64,
    ) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT COALESCE(SUM(amount_minor), 0)::BIGINT FROM postings \
             WHERE account_id = $1 AND time_us < $2",
        )
        .bind(account)
        .bind(before_us)
        .fetch_one(self.pool())
        .await?)
    }

    async fn initiated_since(
        &self,
        initiator: &str,
        since_us: i64,
        limit: u32,
    ) -> Result<Vec<WindowTransfer>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, created_us, currency, amount_minor FROM transfers \
             WHERE initiator_id = $1 AND kind = 'transfer' AND created_us >= $2 \
             ORDER BY created_us, id LIMIT $3",
        )
        .bind(initiator)
        .bind(since_us)
        .bind(i64::from(limit.min(MAX_WINDOW_TRANSFERS)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(window_from_row).collect()
    }

    async fn recent_outgoing(
        &self,
        account: &str,
        currency: &str,
        before_us: i64,
        limit: u32,
    ) -> Result<(i64, i64), StoreError> {
        let row = sqlx::query(
            "SELECT COUNT(*)::BIGINT AS n, COALESCE(SUM(amount_minor), 0)::BIGINT AS total FROM ( \
             SELECT amount_minor FROM transfers WHERE from_account = $1 AND currency = $2 \
             AND status = 'posted' AND kind = 'transfer' AND created_us < $3 \
             ORDER BY created_us DESC LIMIT $4) recent",
        )
        .bind(account)
        .bind(currency)
        .bind(before_us)
        .bind(i64::from(limit.min(100)))
        .fetch_one(self.pool())
        .await?;
        Ok((row.try_get("n")?, row.try_get("total")?))
    }

    async fn monitoring_facts(
        &self,
        q: &MonitoringQuery<'_>,
    ) -> Result<MonitoringFacts, StoreError> {
        // One statement: the window's rows (part 0) and one row with the usual (part 1).
        let rows = sqlx::query(
            "SELECT 0 AS part, id, created_us, currency, amount_minor FROM ( \
             SELECT id, created_us, currency, amount_minor FROM transfers \
             WHERE initiator_id = $1 AND kind = 'transfer' AND created_us >= $2 \
             ORDER BY created_us, id LIMIT $3) win \
             UNION ALL \
             SELECT 1, NULL, COUNT(*)::BIGINT, NULL, COALESCE(SUM(amount_minor), 0)::BIGINT FROM ( \
             SELECT amount_minor FROM transfers WHERE from_account = $4 AND currency = $5 \
             AND status = 'posted' AND kind = 'transfer' AND created_us < $6 \
             ORDER BY created_us DESC LIMIT $7) recent",
        )
        .bind(q.initiator)
        .bind(q.since_us)
        .bind(i64::from(q.window_limit.min(MAX_WINDOW_TRANSFERS)))
        .bind(q.account)
        .bind(q.currency)
        .bind(q.before_us)
        .bind(i64::from(q.history.min(100)))
        .fetch_all(self.pool())
        .await?;
        let mut window = Vec::new();
        let mut recent = (0, 0);
        for r in &rows {
            if r.try_get::<i32, _>("part")? == 0 {
                window.push(window_from_row(r)?);
            } else {
                recent = (r.try_get("created_us")?, r.try_get("amount_minor")?);
            }
        }
        Ok(MonitoringFacts::new(window, recent))
    }

    async fn volume_by_day(&self, since_us: i64) -> Result<Vec<VolumeRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT created_us / 86400000000 AS day, currency, COUNT(*) AS n, \
             SUM(amount_minor)::BIGINT AS total FROM transfers \
             WHERE status = 'posted' AND created_us >= $1 \
             GROUP BY day, currency ORDER BY day, currency LIMIT 10000",
        )
        .bind(since_us)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(VolumeRow {
                    day: r.try_get("day")?,
                    currency: r
                        .try_get::<String, _>("currency")?
                        .parse()
                        .map_err(|_| StoreError::Corrupt("currency"))?,
                    count: r.try_get("n")?,
                    total_minor: r.try_get("total")?,
                })
            })
            .collect()
    }

    async fn ledger_check(&self) -> Result<LedgerCheck, StoreError> {
        let mut conn = self.pool().acquire().await?;
        // One consistent snapshot of every table.
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *conn)
            .await?;
        let result = run_check(&mut conn).await;
        let _ = sqlx::query("COMMIT").execute(&mut *conn).await;
        result
    }
}

async fn run_check(conn: &mut PgConnection) -> Result<LedgerCheck, StoreError> {
    let mut check = LedgerCheck {
        accounts: sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *conn)
            .await?,
        transfers: sqlx::query_scalar("SELECT COUNT(*) FROM transfers")
            .fetch_one(&mut *conn)
            .await?,
        postings: sqlx::query_scalar("SELECT COUNT(*) FROM postings")
            .fetch_one(&mut *conn)
            .await?,
        violations: Vec::new(),
    };
    for (label, query) in LEDGER_CHECKS {
        let rows: Vec<(String,)> = sqlx::query_as(query).fetch_all(&mut *conn).await?;
        for (what,) in rows {
            check.violations.push(format!("{label}: {what}"));
        }
    }
    Ok(check)
}

/// Executes ledger commands inside the caller's transaction (row locks in a fixed order, see
/// `load_ledger`); one outcome per command.
pub(crate) async fn ledger_in(
    conn: &mut PgConnection,
    commands: &[&LedgerCommand],
) -> Result<Vec<LedgerOutcome>, StoreError> {
    if commands.is_empty() {
        return Ok(Vec::new());
    }
    let mut writes = load_ledger(conn, commands).await?;
    let outcomes = std::mem::take(&mut writes.outcomes);
    write_ledger(conn, writes).await?;
    Ok(outcomes)
}
