//! [`AuditStore`] on PostgreSQL (a child module of `postgres`, sharing its helpers).

use async_trait::async_trait;
use pqbank_audit::{AuditEvent, Hash, NodeId};
use sqlx::Row;

use super::{PgStore, unique_conflict};
use crate::audit::{
    AuditEntry, AuditFilter, AuditKeyRecord, AuditStore, CheckpointRecord, ENTRY_COLUMNS,
    MAX_AUDIT_PAGE, append_pg, check_audit_key, check_checkpoint, check_nodes, check_range,
    from_micros, hash_from, micros, order_nodes, to_i64, to_u64,
};
use crate::{StoreError, clamp_limit};

fn entry_from_row(row: &sqlx::postgres::PgRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        index: to_u64(row.try_get("idx")?)?,
        leaf: row.try_get("leaf")?,
        leaf_hash: hash_from(&row.try_get::<Vec<u8>, _>("leaf_hash")?)?,
    })
}

fn checkpoint_from_row(row: &sqlx::postgres::PgRow) -> Result<CheckpointRecord, StoreError> {
    Ok(CheckpointRecord {
        size: to_u64(row.try_get("size")?)?,
        time: from_micros(row.try_get("time_us")?)?,
        note: row.try_get("note")?,
    })
}

const KEY_COLUMNS: &str = "id, algorithm, cert_der, key_encrypted, not_after, active, created_at";

fn key_from_row(row: &sqlx::postgres::PgRow) -> Result<AuditKeyRecord, StoreError> {
    Ok(AuditKeyRecord {
        id: row.try_get("id")?,
        algorithm: row.try_get("algorithm")?,
        cert_der: row.try_get("cert_der")?,
        key_encrypted: row.try_get("key_encrypted")?,
        not_after: row.try_get("not_after")?,
        active: row.try_get("active")?,
        created_at: row.try_get("created_at")?,
    })
}

#[async_trait]
impl AuditStore for PgStore {
    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let indexes = append_pg(&mut tx, events).await?;
        tx.commit().await?;
        Ok(indexes)
    }

    #[cfg(feature = "testing")]
    async fn audit_append_rolled_back(
        &self,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<u64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let result = append_pg(&mut tx, events).await;
        tx.rollback().await?;
        result
    }

    async fn audit_size(&self) -> Result<u64, StoreError> {
        let size: i64 = sqlx::query_scalar("SELECT size FROM audit_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        to_u64(size)
    }

    async fn audit_entries(&self, start: u64, end: u64) -> Result<Vec<AuditEntry>, StoreError> {
        check_range(start, end)?;
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_events WHERE idx >= $1 AND idx < $2 ORDER BY idx"
        ))
        .bind(to_i64(start)?)
        .bind(to_i64(end)?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_events WHERE TRUE"
        ));
        if let Some(action) = &filter.action {
            qb.push(" AND action = ").push_bind(action.clone());
        }
        if let Some(user) = &filter.user_id {
            qb.push(" AND actor_user_id = ").push_bind(user.clone());
        }
        if let Some(from) = filter.from {
            qb.push(" AND time_us >= ").push_bind(micros(from)?);
        }
        if let Some(until) = filter.until {
            qb.push(" AND time_us < ").push_bind(micros(until)?);
        }
        if let Some(after) = filter.after_index {
            qb.push(" AND idx > ").push_bind(to_i64(after)?);
        }
        qb.push(" ORDER BY idx LIMIT ")
            .push_bind(clamp_limit(filter.limit).min(to_i64(MAX_AUDIT_PAGE)?));
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_nodes(&self, ids: &[NodeId]) -> Result<Vec<Option<Hash>>, StoreError> {
        check_nodes(ids)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let (levels, indexes): (Vec<i16>, Vec<i64>) = ids
            .iter()
            .filter_map(|id| Some((i16::from(id.level), i64::try_from(id.index).ok()?)))
            .unzip();
        let rows = sqlx::query(
            "SELECT level::bigint AS level, idx, hash FROM audit_nodes
             WHERE (level, idx) IN (SELECT * FROM UNNEST($1::smallint[], $2::bigint[]))",
        )
        .bind(&levels)
        .bind(&indexes)
        .fetch_all(&self.pool)
        .await?;
        let found = rows
            .iter()
            .map(|r| Ok((r.try_get("level")?, r.try_get("idx")?, r.try_get("hash")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        order_nodes(ids, found)
    }

    async fn put_checkpoint(&self, checkpoint: &CheckpointRecord) -> Result<bool, StoreError> {
        let size = self.audit_size().await?;
        check_checkpoint(checkpoint, size)?;
        let done = sqlx::query(
            "INSERT INTO audit_checkpoints (size, time_us, note) VALUES ($1, $2, $3)
             ON CONFLICT (size) DO NOTHING",
        )
        .bind(to_i64(checkpoint.size)?)
        .bind(micros(checkpoint.time)?)
        .bind(&checkpoint.note)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn latest_checkpoint(&self) -> Result<Option<CheckpointRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT size, time_us, note FROM audit_checkpoints ORDER BY size DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(checkpoint_from_row).transpose()
    }

    async fn list_checkpoints(
        &self,
        after_size: Option<u64>,
        limit: u32,
    ) -> Result<Vec<CheckpointRecord>, StoreError> {
        let after = match after_size {
            Some(s) => to_i64(s)?,
            None => -1,
        };
        let rows = sqlx::query(
            "SELECT size, time_us, note FROM audit_checkpoints WHERE size > $1 ORDER BY size LIMIT $2",
        )
        .bind(after)
        .bind(clamp_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    async fn insert_audit_key(&self, key: &AuditKeyRecord) -> Result<(), StoreError> {
        check_audit_key(key)?;
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('pqbank:audit_keys', 0))")
            .execute(&mut *tx)
            .await?;
        if key.active {
            sqlx::query("UPDATE audit_keys SET active = FALSE WHERE active")
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query(&format!(
            "INSERT INTO audit_keys ({KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&key.id)
        .bind(&key.algorithm)
        .bind(&key.cert_der)
        .bind(&key.key_encrypted)
        .bind(key.not_after)
        .bind(key.active)
        .bind(key.created_at)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_conflict(e, "audit key id exists"))?;
        tx.commit().await?;
        Ok(())
    }

    async fn list_audit_keys(&self) -> Result<Vec<AuditKeyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM audit_keys ORDER BY created_at, id LIMIT $1"
        ))
        .bind(clamp_limit(crate::MAX_LIST_LIMIT))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }
}
