//! PostgreSQL implementation of [`IdentityStore`].

use async_trait::async_trait;
use pqbank_audit::AuditEvent;
use sqlx::Row;
use sqlx::postgres::PgRow;
use time::OffsetDateTime;

use crate::identity::{
    ChallengeRecord, DeviceRecord, DeviceStatus, IdentityStore, MAX_DEVICES_PER_USER,
    MAX_SESSION_LIST, MAX_TOUCH_BATCH, NewDevice, SecurityEventRecord, SecurityEventStatus,
    SessionRecord, SessionTouch, UserRecord, UserStatus, check_device, check_user,
};
use crate::pki::check_cert;
use crate::postgres::{CERT_COLUMNS, unique_conflict};
use crate::{PgStore, StoreError, audit, clamp_limit};

const USER_COLUMNS: &str = "id, username, password_hash, roles, branch, status, pii_encrypted, \
    activation_hash, activation_expires_at, failed_logins, locked_until, created_at, updated_at, version";
const DEVICE_COLUMNS: &str = "id, user_id, name, status, created_at, removed_at";
const CHALLENGE_COLUMNS: &str =
    "nonce, username, cert_serial, origin, created_at, expires_at, used";
const SESSION_COLUMNS: &str = "id, public_id, user_id, device_id, cert_serial, key_encrypted, \
    created_at, last_seen_at, expires_at, idle_secs, last_counter, revoked_at, client_addr, user_agent";
const EVENT_COLUMNS: &str = "id, time, kind, severity, user_id, client_addr, details, status, \
                             evidence, status_by, status_note, status_time";

fn user_from_row(row: &PgRow) -> Result<UserRecord, StoreError> {
    user_from_prefixed_row(row, "")
}

/// A user from columns named `<prefix><column>`.
fn user_from_prefixed_row(row: &PgRow, prefix: &str) -> Result<UserRecord, StoreError> {
    let c = |name: &str| format!("{prefix}{name}");
    Ok(UserRecord {
        id: row.try_get(c("id").as_str())?,
        username: row.try_get(c("username").as_str())?,
        password_hash: row.try_get(c("password_hash").as_str())?,
        roles: row.try_get(c("roles").as_str())?,
        branch: row.try_get(c("branch").as_str())?,
        status: UserStatus::parse(&row.try_get::<String, _>(c("status").as_str())?)?,
        pii_encrypted: row.try_get(c("pii_encrypted").as_str())?,
        activation_hash: row.try_get(c("activation_hash").as_str())?,
        activation_expires_at: row.try_get(c("activation_expires_at").as_str())?,
        failed_logins: row.try_get(c("failed_logins").as_str())?,
        locked_until: row.try_get(c("locked_until").as_str())?,
        created_at: row.try_get(c("created_at").as_str())?,
        updated_at: row.try_get(c("updated_at").as_str())?,
        version: row.try_get(c("version").as_str())?,
    })
}

fn device_from_row(row: &PgRow) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        status: DeviceStatus::parse(&row.try_get::<String, _>("status")?)?,
        created_at: row.try_get("created_at")?,
        removed_at: row.try_get("removed_at")?,
    })
}

fn challenge_from_row(row: &PgRow) -> Result<ChallengeRecord, StoreError> {
    Ok(ChallengeRecord {
        nonce: row.try_get("nonce")?,
        username: row.try_get("username")?,
        cert_serial: row.try_get("cert_serial")?,
        origin: row.try_get("origin")?,
        created_at: row.try_get("created_at")?,
        expires_at: row.try_get("expires_at")?,
        used: row.try_get("used")?,
    })
}

fn session_from_row(row: &PgRow) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        public_id: row.try_get("public_id")?,
        user_id: row.try_get("user_id")?,
        device_id: row.try_get("device_id")?,
        cert_serial: row.try_get("cert_serial")?,
        key_encrypted: row.try_get("key_encrypted")?,
        created_at: row.try_get("created_at")?,
        last_seen_at: row.try_get("last_seen_at")?,
        expires_at: row.try_get("expires_at")?,
        idle_secs: row.try_get("idle_secs")?,
        last_counter: row.try_get("last_counter")?,
        revoked_at: row.try_get("revoked_at")?,
        client_addr: row.try_get("client_addr")?,
        user_agent: row.try_get("user_agent")?,
    })
}

fn event_from_row(row: &PgRow) -> Result<SecurityEventRecord, StoreError> {
    Ok(SecurityEventRecord {
        id: row.try_get("id")?,
        time: row.try_get("time")?,
        kind: row.try_get("kind")?,
        severity: row.try_get("severity")?,
        user_id: row.try_get("user_id")?,
        client_addr: row.try_get("client_addr")?,
        details: row.try_get("details")?,
        status: row.try_get("status")?,
        evidence: crate::identity::parse_evidence(&row.try_get::<String, _>("evidence")?)?,
        status_by: row.try_get("status_by")?,
        status_note: row.try_get("status_note")?,
        status_time: row.try_get("status_time")?,
    })
}

async fn bind_device(conn: &mut sqlx::PgConnection, new: NewDevice<'_>) -> Result<(), StoreError> {
    check_device(new.device)?;
    check_cert(new.cert)?;
    if new.cert.device_id != new.device.id || new.cert.user_id != new.device.user_id {
        return Err(StoreError::Invalid("certificate does not match the device"));
    }
    // Serialise device binding per user so the limit holds under concurrency.
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(&new.device.user_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(StoreError::NotFound("user"))?;
    let active: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE user_id = $1 AND status = 'active'")
            .bind(&new.device.user_id)
            .fetch_one(&mut *conn)
            .await?;
    if active >= i64::from(MAX_DEVICES_PER_USER) {
        return Err(StoreError::Conflict("too many devices"));
    }
    sqlx::query(&format!(
        "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
    ))
    .bind(&new.device.id)
    .bind(&new.device.user_id)
    .bind(&new.device.name)
    .bind(new.device.status.as_str())
    .bind(new.device.created_at)
    .bind(new.device.removed_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_conflict(e, "device exists"))?;
    let cert = new.cert;
    sqlx::query(&format!(
        "INSERT INTO certificates ({CERT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    ))
    .bind(&cert.serial)
    .bind(&cert.ca_id)
    .bind(&cert.user_id)
    .bind(&cert.device_id)
    .bind(cert.usage.as_str())
    .bind(&cert.cert_der)
    .bind(cert.not_after)
    .bind(cert.status.as_str())
    .bind(&cert.superseded_by)
    .bind(cert.created_at)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_conflict(e, "serial exists"))?;
    Ok(())
}

async fn write_user(
    conn: &mut sqlx::PgConnection,
    u: &UserRecord,
    sql: &str,
    version: i64,
) -> Result<u64, StoreError> {
    Ok(sqlx::query(sql)
        .bind(&u.username)
        .bind(&u.password_hash)
        .bind(&u.roles)
        .bind(&u.branch)
        .bind(u.status.as_str())
        .bind(&u.pii_encrypted)
        .bind(&u.activation_hash)
        .bind(u.activation_expires_at)
        .bind(u.failed_logins)
        .bind(u.locked_until)
        .bind(u.created_at)
        .bind(u.updated_at)
        .bind(version)
        .bind(&u.id)
        .execute(&mut *conn)
        .await
        .map_err(|e| unique_conflict(e, "username exists"))?
        .rows_affected())
}

#[async_trait]
impl IdentityStore for PgStore {
    async fn create_user(
        &self,
        user: &UserRecord,
        device: Option<NewDevice<'_>>,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        check_user(user)?;
        let mut tx = self.pool().begin().await?;
        write_user(
            &mut tx,
            user,
            "INSERT INTO users (username, password_hash, roles, branch, status, pii_encrypted, \
             activation_hash, activation_expires_at, failed_logins, locked_until, created_at, \
             updated_at, version, id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
            1,
        )
        .await?;
        if let Some(d) = device {
            bind_device(&mut tx, d).await?;
        }
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        device: Option<NewDevice<'_>>,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        check_user(user)?;
        let mut tx = self.pool().begin().await?;
        let stored: Option<i64> =
            sqlx::query_scalar("SELECT version FROM users WHERE id = $1 FOR UPDATE")
                .bind(&user.id)
                .fetch_optional(&mut *tx)
                .await?;
        match stored {
            None => return Err(StoreError::NotFound("user")),
            Some(v) if v != expected_version => {
                return Err(StoreError::Conflict("user changed concurrently"));
            }
            Some(_) => {}
        }
        write_user(
            &mut tx,
            user,
            "UPDATE users SET username = $1, password_hash = $2, roles = $3, branch = $4, \
             status = $5, pii_encrypted = $6, activation_hash = $7, activation_expires_at = $8, \
             failed_logins = $9, locked_until = $10, created_at = $11, updated_at = $12, \
             version = $13 WHERE id = $14",
            expected_version + 1,
        )
        .await?;
        if let Some(d) = device {
            bind_device(&mut tx, d).await?;
        }
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn get_user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = $1"
        ))
        .bind(username)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(user_from_row)
        .transpose()
    }

    async fn list_users(
        &self,
        after: Option<&str>,
        limit: u32,
    ) -> Result<Vec<UserRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username > $1 ORDER BY username LIMIT $2"
        ))
        .bind(after.unwrap_or(""))
        .bind(clamp_limit(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn role_has_holder(&self, role: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE $1 = ANY(string_to_array(roles, ','))",
        )
        .bind(role)
        .fetch_one(self.pool())
        .await?;
        Ok(n > 0)
    }

    async fn record_login_failure(
        &self,
        user_id: &str,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<i64, StoreError> {
        let n: Option<i64> = sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until = COALESCE($1, locked_until) WHERE id = $2 RETURNING failed_logins",
        )
        .bind(locked_until)
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        n.ok_or(StoreError::NotFound("user"))
    }

    async fn insert_device(
        &self,
        device: NewDevice<'_>,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        bind_device(&mut tx, device).await?;
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_device(&self, id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(device_from_row)
        .transpose()
    }

    async fn list_devices(&self, user_id: &str) -> Result<Vec<DeviceRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = $1 ORDER BY created_at, id LIMIT 200"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(device_from_row).collect()
    }

    async fn remove_device(
        &self,
        id: &str,
        now: OffsetDateTime,
        audit_events: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE devices SET status = 'removed', removed_at = $1 \
             WHERE id = $2 AND status = 'active'",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        sqlx::query(
            "UPDATE sessions SET revoked_at = $1 WHERE device_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_challenge(&self, c: &ChallengeRecord) -> Result<(), StoreError> {
        if c.nonce.len() < 32 || c.nonce.len() > 128 || c.origin.len() > 256 {
            return Err(StoreError::Invalid("challenge nonce or origin length"));
        }
        sqlx::query(&format!(
            "INSERT INTO login_challenges ({CHALLENGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
        ))
        .bind(&c.nonce)
        .bind(&c.username)
        .bind(&c.cert_serial)
        .bind(&c.origin)
        .bind(c.created_at)
        .bind(c.expires_at)
        .bind(c.used)
        .execute(self.pool())
        .await
        .map_err(|e| unique_conflict(e, "nonce exists"))?;
        Ok(())
    }

    async fn consume_challenge(&self, nonce: &str) -> Result<Option<ChallengeRecord>, StoreError> {
        // The old row is returned: the sub-select sees the snapshot before the update.
        let row = sqlx::query(&format!(
            "UPDATE login_challenges c SET used = TRUE \
             FROM (SELECT {CHALLENGE_COLUMNS} FROM login_challenges WHERE nonce = $1 FOR UPDATE) old \
             WHERE c.nonce = old.nonce \
             RETURNING old.nonce, old.username, old.cert_serial, old.origin, old.created_at, \
             old.expires_at, old.used"
        ))
        .bind(nonce)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(challenge_from_row).transpose()
    }

    async fn purge_challenges(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        Ok(
            sqlx::query("DELETE FROM login_challenges WHERE expires_at < $1")
                .bind(before)
                .execute(self.pool())
                .await?
                .rows_affected(),
        )
    }

    async fn create_session(
        &self,
        s: &SessionRecord,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        if s.id.len() != 64 || s.key_encrypted.len() > 8192 {
            return Err(StoreError::Invalid("session id or key length"));
        }
        let mut tx = self.pool().begin().await?;
        sqlx::query(&format!(
            "INSERT INTO sessions ({SESSION_COLUMNS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)"
        ))
        .bind(&s.id)
        .bind(&s.public_id)
        .bind(&s.user_id)
        .bind(&s.device_id)
        .bind(&s.cert_serial)
        .bind(&s.key_encrypted)
        .bind(s.created_at)
        .bind(s.last_seen_at)
        .bind(s.expires_at)
        .bind(s.idle_secs)
        .bind(s.last_counter)
        .bind(s.revoked_at)
        .bind(&s.client_addr)
        .bind(&s.user_agent)
        .execute(&mut *tx)
        .await
        .map_err(|e| unique_conflict(e, "session exists"))?;
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
            .bind(&s.user_id)
            .execute(&mut *tx)
            .await?;
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .as_ref()
        .map(session_from_row)
        .transpose()
    }

    async fn get_session_and_user(
        &self,
        id: &str,
    ) -> Result<Option<(SessionRecord, UserRecord)>, StoreError> {
        let sql = format!(
            "SELECT {}, {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1",
            crate::identity::qualified_columns("s", SESSION_COLUMNS),
            crate::identity::prefixed_user_columns(USER_COLUMNS),
        );
        let Some(row) = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        Ok(Some((
            session_from_row(&row)?,
            user_from_prefixed_row(&row, "u_")?,
        )))
    }

    async fn touch_sessions(
        &self,
        touches: &[SessionTouch],
    ) -> Result<Vec<Option<i64>>, StoreError> {
        check_touches(touches)?;
        if touches.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool().begin().await?;
        let done = touch_in(&mut tx, touches).await?;
        tx.commit().await?;
        Ok(done)
    }

    async fn list_sessions(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = $1 \
             ORDER BY created_at DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(i64::from(limit.min(MAX_SESSION_LIST)))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(session_from_row).collect()
    }

    async fn revoke_session(
        &self,
        user_id: &str,
        public_id: &str,
        now: OffsetDateTime,
        audit_events: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at = $1 \
             WHERE public_id = $2 AND user_id = $3 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(public_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn insert_security_event(
        &self,
        e: &SecurityEventRecord,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(i64, Vec<u64>), StoreError> {
        if e.details.len() > 4096 || e.kind.is_empty() || e.kind.len() > 64 {
            return Err(StoreError::Invalid("security event kind or details length"));
        }
        let evidence = crate::identity::evidence_json(e)?;
        let mut tx = self.pool().begin().await?;
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO security_events (time, kind, severity, user_id, client_addr, details, \
             status, evidence) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.time)
        .bind(&e.kind)
        .bind(&e.severity)
        .bind(&e.user_id)
        .bind(&e.client_addr)
        .bind(&e.details)
        .bind(&e.status)
        .bind(&evidence)
        .fetch_one(&mut *tx)
        .await?;
        let indexes = audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok((id, indexes))
    }

    async fn set_security_event_status(
        &self,
        id: i64,
        status: &SecurityEventStatus,
        audit_events: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        crate::identity::check_status(status)?;
        let mut tx = self.pool().begin().await?;
        let done = sqlx::query(
            "UPDATE security_events SET status = $1, status_by = $2, status_note = $3, \
             status_time = $4 WHERE id = $5",
        )
        .bind(&status.status)
        .bind(&status.by)
        .bind(&status.note)
        .bind(status.time)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(false);
        }
        audit::append_pg(&mut tx, audit_events).await?;
        tx.commit().await?;
        Ok(true)
    }

    async fn get_security_event(&self, id: i64) -> Result<Option<SecurityEventRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM security_events WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(event_from_row).transpose()
    }

    async fn list_security_events(
        &self,
        after: i64,
        user_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<SecurityEventRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM security_events \
             WHERE id > $1 AND ($2::text IS NULL OR user_id = $2) ORDER BY id LIMIT $3"
        ))
        .bind(after)
        .bind(user_id)
        .bind(clamp_limit(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

/// Refuses a batch of more than [`MAX_TOUCH_BATCH`] touches.
pub(crate) fn check_touches(touches: &[SessionTouch]) -> Result<(), StoreError> {
    if touches.len() > MAX_TOUCH_BATCH {
        return Err(StoreError::Invalid("too many session touches in one batch"));
    }
    Ok(())
}

/// Applies touches inside the caller's transaction, as [`IdentityStore::touch_sessions`]
/// describes. Rows are locked in session-id order (a stable sort keeps one session's touches in
/// their order), so two instances' batches cannot deadlock.
pub(crate) async fn touch_in(
    conn: &mut sqlx::PgConnection,
    touches: &[SessionTouch],
) -> Result<Vec<Option<i64>>, StoreError> {
    if touches.is_empty() {
        return Ok(Vec::new());
    }
    let mut order: Vec<usize> = (0..touches.len()).collect();
    order.sort_by(|a, b| touches[*a].id.cmp(&touches[*b].id));
    let distinct = order
        .windows(2)
        .all(|w| touches[w[0]].id != touches[w[1]].id);
    if distinct {
        // Each session once: lock them in id order, then one statement for the batch.
        let ids: Vec<String> = order.iter().map(|i| touches[*i].id.clone()).collect();
        // The ids as a joined set, as in the ledger's locks (`postgres_ledger::load_ledger`).
        sqlx::query(
            "SELECT id FROM sessions WHERE id IN (SELECT unnest($1::text[])) ORDER BY id FOR UPDATE",
        )
            .bind(&ids)
            .fetch_all(&mut *conn)
            .await?;
        let rows = sqlx::query(
            "UPDATE sessions AS s SET last_seen_at = v.now, \
             last_counter = COALESCE(v.counter, s.last_counter) \
             FROM UNNEST($1::text[], $2::timestamptz[], $3::int8[]) AS v(id, now, counter) \
             WHERE s.id = v.id AND s.revoked_at IS NULL \
             AND (v.counter IS NULL OR s.last_counter < v.counter) \
             RETURNING s.id, (SELECT u.version FROM users AS u WHERE u.id = s.user_id)",
        )
        .bind(touches.iter().map(|t| t.id.clone()).collect::<Vec<_>>())
        .bind(touches.iter().map(|t| t.now).collect::<Vec<_>>())
        .bind(touches.iter().map(|t| t.counter).collect::<Vec<_>>())
        .fetch_all(&mut *conn)
        .await?;
        let done = rows
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect::<Result<std::collections::HashMap<String, i64>, sqlx::Error>>()?;
        return Ok(touches.iter().map(|t| done.get(&t.id).copied()).collect());
    }
    // A session touched twice: one after the other, each seeing the one before.
    let mut done = vec![None; touches.len()];
    for i in order {
        let t = &touches[i];
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET last_seen_at = $1, \
             last_counter = COALESCE($2, last_counter) \
             WHERE id = $3 AND revoked_at IS NULL \
             AND ($2::int8 IS NULL OR last_counter < $2) \
             RETURNING (SELECT u.version FROM users AS u WHERE u.id = sessions.user_id)",
        )
        .bind(t.now)
        .bind(t.counter)
        .bind(&t.id)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some(slot) = done.get_mut(i) {
            *slot = version;
        }
    }
    Ok(done)
}
