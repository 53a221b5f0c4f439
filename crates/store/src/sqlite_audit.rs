//! [`AuditStore`] on SQLite (a child module of `sqlite`, sharing its helpers).

use async_trait::async_trait;
use pqbank_audit::{AuditEvent, Hash, NodeId};
use sqlx::Row;

use super::{SqliteStore, fmt_time, parse_time, unique_conflict};
use crate::audit::{
    AuditEntry, AuditFilter, AuditKeyRecord, AuditStore, CheckpointRecord, ENTRY_COLUMNS,
    MAX_AUDIT_PAGE, append_sqlite, check_audit_key, check_checkpoint, check_nodes, check_range,
    from_micros, hash_from, micros, order_nodes, to_i64, to_u64,
};
use crate::{StoreError, clamp_limit};

fn entry_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        index: to_u64(row.try_get("idx")?)?,
        leaf: row.try_get("leaf")?,
        leaf_hash: hash_from(&row.try_get::<Vec<u8>, _>("leaf_hash")?)?,
    })
}

fn checkpoint_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<CheckpointRecord, StoreError> {
    Ok(CheckpointRecord {
        size: to_u64(row.try_get("size")?)?,
        time: from_micros(row.try_get("time_us")?)?,
        note: row.try_get("note")?,
    })
}

const KEY_COLUMNS: &str = "id, algorithm, cert_der, key_encrypted, not_after, active, created_at";

fn key_from_row(row: &sqlx::sqlite::SqliteRow) -> Result<AuditKeyRecord, StoreError> {
    Ok(AuditKeyRecord {
        id: row.try_get("id")?,
        algorithm: row.try_get("algorithm")?,
        cert_der: row.try_get("cert_der")?,
        key_encrypted: row.try_get("key_encrypted")?,
        not_after: parse_time(&row.try_get::<String, _>("not_after")?)?,
        active: row.try_get::<i64, _>("active")? == 1,
        created_at: parse_time(&row.try_get::<String, _>("created_at")?)?,
    })
}

async fn size_of(conn: &mut sqlx::SqliteConnection) -> Result<u64, StoreError> {
    let size: i64 = sqlx::query_scalar("SELECT size FROM audit_head WHERE id = 1")
        .fetch_one(&mut *conn)
        .await?;
    to_u64(size)
}

#[async_trait]
impl AuditStore for SqliteStore {
    async fn append_audit(&self, events: Vec<AuditEvent>) -> Result<Vec<u64>, StoreError> {
        self.write_tx(move |conn| Box::pin(async move { append_sqlite(conn, events).await }))
            .await
    }

    #[cfg(feature = "testing")]
    async fn audit_append_rolled_back(
        &self,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<u64>, StoreError> {
        let mut conn = self.write_conn().await?;
        conn.begin().await?;
        let result = append_sqlite(&mut conn, events).await;
        let _ = conn
            .finish(Err::<(), _>(StoreError::Invalid("rolled back")))
            .await;
        result
    }

    async fn audit_size(&self) -> Result<u64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        size_of(&mut conn).await
    }

    async fn audit_entries(&self, start: u64, end: u64) -> Result<Vec<AuditEntry>, StoreError> {
        check_range(start, end)?;
        let rows = sqlx::query(&format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_events WHERE idx >= ? AND idx < ? ORDER BY idx"
        ))
        .bind(to_i64(start)?)
        .bind(to_i64(end)?)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    async fn audit_search(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(format!(
            "SELECT {ENTRY_COLUMNS} FROM audit_events WHERE 1 = 1"
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
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
            "SELECT level, idx, hash FROM audit_nodes WHERE (level, idx) IN (VALUES ",
        );
        let mut sep = qb.separated(", ");
        for id in ids {
            let Ok(i) = i64::try_from(id.index) else {
                continue;
            };
            sep.push("(")
                .push_bind_unseparated(i64::from(id.level))
                .push_unseparated(", ")
                .push_bind_unseparated(i)
                .push_unseparated(")");
        }
        qb.push(")");
        let rows = qb.build().fetch_all(&self.pool).await?;
        let found = rows
            .iter()
            .map(|r| Ok((r.try_get("level")?, r.try_get("idx")?, r.try_get("hash")?)))
            .collect::<Result<Vec<_>, StoreError>>()?;
        order_nodes(ids, found)
    }

    async fn put_checkpoint(&self, checkpoint: &CheckpointRecord) -> Result<bool, StoreError> {
        let cp = checkpoint.clone();
        let time_us = micros(cp.time)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                check_checkpoint(&cp, size_of(conn).await?)?;
                let done = sqlx::query(
                    "INSERT INTO audit_checkpoints (size, time_us, note) VALUES (?, ?, ?)
                     ON CONFLICT(size) DO NOTHING",
                )
                .bind(to_i64(cp.size)?)
                .bind(time_us)
                .bind(&cp.note)
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            })
        })
        .await
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
            "SELECT size, time_us, note FROM audit_checkpoints WHERE size > ? ORDER BY size LIMIT ?",
        )
        .bind(after)
        .bind(clamp_limit(limit))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(checkpoint_from_row).collect()
    }

    async fn insert_audit_key(&self, key: &AuditKeyRecord) -> Result<(), StoreError> {
        check_audit_key(key)?;
        let key = key.clone();
        let not_after = fmt_time(key.not_after)?;
        let created_at = fmt_time(key.created_at)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                if key.active {
                    sqlx::query("UPDATE audit_keys SET active = 0 WHERE active = 1")
                        .execute(&mut *conn)
                        .await?;
                }
                sqlx::query(&format!(
                    "INSERT INTO audit_keys ({KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
                ))
                .bind(&key.id)
                .bind(&key.algorithm)
                .bind(&key.cert_der)
                .bind(&key.key_encrypted)
                .bind(&not_after)
                .bind(i64::from(key.active))
                .bind(&created_at)
                .execute(&mut *conn)
                .await
                .map_err(|e| unique_conflict(e, "audit key id exists"))?;
                Ok(())
            })
        })
        .await
    }

    async fn list_audit_keys(&self) -> Result<Vec<AuditKeyRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {KEY_COLUMNS} FROM audit_keys ORDER BY created_at, id LIMIT ?"
        ))
        .bind(clamp_limit(crate::MAX_LIST_LIMIT))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(key_from_row).collect()
    }
}
