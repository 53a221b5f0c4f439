//! SQLite implementation of [`IdentityStore`].

use async_trait::async_trait;
use pqbank_audit::AuditEvent;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;
use time::OffsetDateTime;

use crate::identity::{
    ChallengeRecord, DeviceRecord, DeviceStatus, IdentityStore, MAX_DEVICES_PER_USER,
    MAX_SESSION_LIST, MAX_TOUCH_BATCH, NewDevice, SecurityEventRecord, SecurityEventStatus,
    SessionRecord, SessionTouch, UserRecord, UserStatus, check_device, check_user,
};
use crate::pki::check_cert;
use crate::sqlite::{CERT_COLUMNS, fmt_time, parse_time, unique_conflict};
use crate::{SqliteStore, StoreError, audit, clamp_limit};

const USER_COLUMNS: &str = "id, username, password_hash, roles, branch, status, pii_encrypted, \
    activation_hash, activation_expires_at, failed_logins, locked_until, created_at, updated_at, version";
const DEVICE_COLUMNS: &str = "id, user_id, name, status, created_at, removed_at";
const CHALLENGE_COLUMNS: &str =
    "nonce, username, cert_serial, origin, created_at, expires_at, used";
const SESSION_COLUMNS: &str = "id, public_id, user_id, device_id, cert_serial, key_encrypted, \
    created_at, last_seen_at, expires_at, idle_secs, last_counter, revoked_at, client_addr, user_agent";
const EVENT_COLUMNS: &str = "id, time, kind, severity, user_id, client_addr, details, status, \
                             evidence, status_by, status_note, status_time";

fn opt_time(t: Option<OffsetDateTime>) -> Result<Option<String>, StoreError> {
    t.map(fmt_time).transpose()
}

fn get_opt_time(row: &SqliteRow, col: &str) -> Result<Option<OffsetDateTime>, StoreError> {
    row.try_get::<Option<String>, _>(col)?
        .as_deref()
        .map(parse_time)
        .transpose()
}

fn get_time(row: &SqliteRow, col: &str) -> Result<OffsetDateTime, StoreError> {
    parse_time(&row.try_get::<String, _>(col)?)
}

fn user_from_row(row: &SqliteRow) -> Result<UserRecord, StoreError> {
    user_from_prefixed_row(row, "")
}

/// A user from columns named `<prefix><column>`.
fn user_from_prefixed_row(row: &SqliteRow, prefix: &str) -> Result<UserRecord, StoreError> {
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
        activation_expires_at: get_opt_time(row, &c("activation_expires_at"))?,
        failed_logins: row.try_get(c("failed_logins").as_str())?,
        locked_until: get_opt_time(row, &c("locked_until"))?,
        created_at: get_time(row, &c("created_at"))?,
        updated_at: get_time(row, &c("updated_at"))?,
        version: row.try_get(c("version").as_str())?,
    })
}

fn device_from_row(row: &SqliteRow) -> Result<DeviceRecord, StoreError> {
    Ok(DeviceRecord {
        id: row.try_get("id")?,
        user_id: row.try_get("user_id")?,
        name: row.try_get("name")?,
        status: DeviceStatus::parse(&row.try_get::<String, _>("status")?)?,
        created_at: get_time(row, "created_at")?,
        removed_at: get_opt_time(row, "removed_at")?,
    })
}

fn challenge_from_row(row: &SqliteRow) -> Result<ChallengeRecord, StoreError> {
    Ok(ChallengeRecord {
        nonce: row.try_get("nonce")?,
        username: row.try_get("username")?,
        cert_serial: row.try_get("cert_serial")?,
        origin: row.try_get("origin")?,
        created_at: get_time(row, "created_at")?,
        expires_at: get_time(row, "expires_at")?,
        used: row.try_get::<i64, _>("used")? != 0,
    })
}

fn session_from_row(row: &SqliteRow) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: row.try_get("id")?,
        public_id: row.try_get("public_id")?,
        user_id: row.try_get("user_id")?,
        device_id: row.try_get("device_id")?,
        cert_serial: row.try_get("cert_serial")?,
        key_encrypted: row.try_get("key_encrypted")?,
        created_at: get_time(row, "created_at")?,
        last_seen_at: get_time(row, "last_seen_at")?,
        expires_at: get_time(row, "expires_at")?,
        idle_secs: row.try_get("idle_secs")?,
        last_counter: row.try_get("last_counter")?,
        revoked_at: get_opt_time(row, "revoked_at")?,
        client_addr: row.try_get("client_addr")?,
        user_agent: row.try_get("user_agent")?,
    })
}

fn event_from_row(row: &SqliteRow) -> Result<SecurityEventRecord, StoreError> {
    Ok(SecurityEventRecord {
        id: row.try_get("id")?,
        time: get_time(row, "time")?,
        kind: row.try_get("kind")?,
        severity: row.try_get("severity")?,
        user_id: row.try_get("user_id")?,
        client_addr: row.try_get("client_addr")?,
        details: row.try_get("details")?,
        status: row.try_get("status")?,
        evidence: crate::identity::parse_evidence(&row.try_get::<String, _>("evidence")?)?,
        status_by: row.try_get("status_by")?,
        status_note: row.try_get("status_note")?,
        status_time: get_opt_time(row, "status_time")?,
    })
}

async fn bind_device(
    conn: &mut sqlx::SqliteConnection,
    new: NewDevice<'_>,
) -> Result<(), StoreError> {
    check_device(new.device)?;
    check_cert(new.cert)?;
    if new.cert.device_id != new.device.id || new.cert.user_id != new.device.user_id {
        return Err(StoreError::Invalid("certificate does not match the device"));
    }
    let active: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM devices WHERE user_id = ? AND status = 'active'")
            .bind(&new.device.user_id)
            .fetch_one(&mut *conn)
            .await?;
    if active >= i64::from(MAX_DEVICES_PER_USER) {
        return Err(StoreError::Conflict("too many devices"));
    }
    sqlx::query(&format!(
        "INSERT INTO devices ({DEVICE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)"
    ))
    .bind(&new.device.id)
    .bind(&new.device.user_id)
    .bind(&new.device.name)
    .bind(new.device.status.as_str())
    .bind(fmt_time(new.device.created_at)?)
    .bind(opt_time(new.device.removed_at)?)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_conflict(e, "device exists"))?;
    let cert = new.cert;
    sqlx::query(&format!(
        "INSERT INTO certificates ({CERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    ))
    .bind(&cert.serial)
    .bind(&cert.ca_id)
    .bind(&cert.user_id)
    .bind(&cert.device_id)
    .bind(cert.usage.as_str())
    .bind(&cert.cert_der)
    .bind(fmt_time(cert.not_after)?)
    .bind(cert.status.as_str())
    .bind(&cert.superseded_by)
    .bind(fmt_time(cert.created_at)?)
    .execute(&mut *conn)
    .await
    .map_err(|e| unique_conflict(e, "serial exists"))?;
    Ok(())
}

async fn write_user(
    conn: &mut sqlx::SqliteConnection,
    u: &UserRecord,
    sql: &str,
    version: i64,
) -> Result<u64, StoreError> {
    let q = sqlx::query(sql)
        .bind(&u.username)
        .bind(&u.password_hash)
        .bind(&u.roles)
        .bind(&u.branch)
        .bind(u.status.as_str())
        .bind(&u.pii_encrypted)
        .bind(&u.activation_hash)
        .bind(opt_time(u.activation_expires_at)?)
        .bind(u.failed_logins)
        .bind(opt_time(u.locked_until)?)
        .bind(fmt_time(u.created_at)?)
        .bind(fmt_time(u.updated_at)?)
        .bind(version)
        .bind(&u.id);
    Ok(q.execute(&mut *conn)
        .await
        .map_err(|e| unique_conflict(e, "username exists"))?
        .rows_affected())
}

#[async_trait]
impl IdentityStore for SqliteStore {
    async fn create_user(
        &self,
        user: &UserRecord,
        device: Option<NewDevice<'_>>,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        check_user(user)?;
        let user = user.clone();
        let device = device.map(|d| (d.device.clone(), d.cert.clone()));
        self.write_tx(move |conn| {
            Box::pin(async move {
                write_user(
                    conn,
                    &user,
                    "INSERT INTO users (username, password_hash, roles, branch, status, \
                     pii_encrypted, activation_hash, activation_expires_at, failed_logins, \
                     locked_until, created_at, updated_at, version, id) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    1,
                )
                .await?;
                if let Some((d, c)) = &device {
                    bind_device(conn, NewDevice { device: d, cert: c }).await?;
                }
                audit::append_sqlite(conn, audit_events).await?;
                Ok(())
            })
        })
        .await
    }

    async fn update_user(
        &self,
        user: &UserRecord,
        expected_version: i64,
        device: Option<NewDevice<'_>>,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        check_user(user)?;
        let user = user.clone();
        let device = device.map(|d| (d.device.clone(), d.cert.clone()));
        self.write_tx(move |conn| {
            Box::pin(async move {
                let stored: Option<i64> =
                    sqlx::query_scalar("SELECT version FROM users WHERE id = ?")
                        .bind(&user.id)
                        .fetch_optional(&mut *conn)
                        .await?;
                match stored {
                    None => return Err(StoreError::NotFound("user")),
                    Some(v) if v != expected_version => {
                        return Err(StoreError::Conflict("user changed concurrently"));
                    }
                    Some(_) => {}
                }
                write_user(
                    conn,
                    &user,
                    "UPDATE users SET username = ?, password_hash = ?, roles = ?, branch = ?, \
                     status = ?, pii_encrypted = ?, activation_hash = ?, activation_expires_at = ?, \
                     failed_logins = ?, locked_until = ?, created_at = ?, updated_at = ?, \
                     version = ? WHERE id = ?",
                    expected_version + 1,
                )
                .await?;
                if let Some((d, c)) = &device {
                    bind_device(conn, NewDevice { device: d, cert: c }).await?;
                }
                audit::append_sqlite(conn, audit_events).await?;
                Ok(())
            })
        })
        .await
    }

    async fn get_user(&self, id: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?
            .as_ref()
            .map(user_from_row)
            .transpose()
    }

    async fn get_user_by_username(&self, username: &str) -> Result<Option<UserRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users WHERE username = ?"
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
            "SELECT {USER_COLUMNS} FROM users WHERE username > ? ORDER BY username LIMIT ?"
        ))
        .bind(after.unwrap_or(""))
        .bind(clamp_limit(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn role_has_holder(&self, role: &str) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM users WHERE (',' || roles || ',') LIKE ('%,' || ? || ',%')",
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
        let user_id = user_id.to_owned();
        let locked = opt_time(locked_until)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                let n: Option<i64> = sqlx::query_scalar(
                    "UPDATE users SET failed_logins = failed_logins + 1, \
                     locked_until = COALESCE(?, locked_until) WHERE id = ? RETURNING failed_logins",
                )
                .bind(&locked)
                .bind(&user_id)
                .fetch_optional(&mut *conn)
                .await?;
                n.ok_or(StoreError::NotFound("user"))
            })
        })
        .await
    }

    async fn insert_device(
        &self,
        device: NewDevice<'_>,
        audit_events: Vec<AuditEvent>,
    ) -> Result<(), StoreError> {
        let (d, c) = (device.device.clone(), device.cert.clone());
        self.write_tx(move |conn| {
            Box::pin(async move {
                bind_device(
                    conn,
                    NewDevice {
                        device: &d,
                        cert: &c,
                    },
                )
                .await?;
                audit::append_sqlite(conn, audit_events).await?;
                Ok(())
            })
        })
        .await
    }

    async fn get_device(&self, id: &str) -> Result<Option<DeviceRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?"
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
            "SELECT {DEVICE_COLUMNS} FROM devices WHERE user_id = ? ORDER BY created_at, id LIMIT 200"
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
        let id = id.to_owned();
        let now = fmt_time(now)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE devices SET status = 'removed', removed_at = ? \
                     WHERE id = ? AND status = 'active'",
                )
                .bind(&now)
                .bind(&id)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                sqlx::query(
                    "UPDATE sessions SET revoked_at = ? WHERE device_id = ? AND revoked_at IS NULL",
                )
                .bind(&now)
                .bind(&id)
                .execute(&mut *conn)
                .await?;
                audit::append_sqlite(conn, audit_events).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn insert_challenge(&self, c: &ChallengeRecord) -> Result<(), StoreError> {
        if c.nonce.len() < 32 || c.nonce.len() > 128 || c.origin.len() > 256 {
            return Err(StoreError::Invalid("challenge nonce or origin length"));
        }
        sqlx::query(&format!(
            "INSERT INTO login_challenges ({CHALLENGE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&c.nonce)
        .bind(&c.username)
        .bind(&c.cert_serial)
        .bind(&c.origin)
        .bind(fmt_time(c.created_at)?)
        .bind(fmt_time(c.expires_at)?)
        .bind(i64::from(c.used))
        .execute(&mut *self.write_conn().await?)
        .await
        .map_err(|e| unique_conflict(e, "nonce exists"))?;
        Ok(())
    }

    async fn consume_challenge(&self, nonce: &str) -> Result<Option<ChallengeRecord>, StoreError> {
        let nonce = nonce.to_owned();
        self.write_tx(move |conn| {
            Box::pin(async move {
                let row = sqlx::query(&format!(
                    "SELECT {CHALLENGE_COLUMNS} FROM login_challenges WHERE nonce = ?"
                ))
                .bind(&nonce)
                .fetch_optional(&mut *conn)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let record = challenge_from_row(&row)?;
                sqlx::query("UPDATE login_challenges SET used = 1 WHERE nonce = ?")
                    .bind(&nonce)
                    .execute(&mut *conn)
                    .await?;
                Ok(Some(record))
            })
        })
        .await
    }

    async fn purge_challenges(&self, before: OffsetDateTime) -> Result<u64, StoreError> {
        // Times are RFC 3339 text of varying precision: julianday() compares them as instants.
        Ok(
            sqlx::query("DELETE FROM login_challenges WHERE julianday(expires_at) < julianday(?)")
                .bind(fmt_time(before)?)
                .execute(&mut *self.write_conn().await?)
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
        let s = s.clone();
        self.write_tx(move |conn| {
            Box::pin(async move {
                sqlx::query(&format!(
                    "INSERT INTO sessions ({SESSION_COLUMNS}) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                ))
                .bind(&s.id)
                .bind(&s.public_id)
                .bind(&s.user_id)
                .bind(&s.device_id)
                .bind(&s.cert_serial)
                .bind(&s.key_encrypted)
                .bind(fmt_time(s.created_at)?)
                .bind(fmt_time(s.last_seen_at)?)
                .bind(fmt_time(s.expires_at)?)
                .bind(s.idle_secs)
                .bind(s.last_counter)
                .bind(opt_time(s.revoked_at)?)
                .bind(&s.client_addr)
                .bind(&s.user_agent)
                .execute(&mut *conn)
                .await
                .map_err(|e| unique_conflict(e, "session exists"))?;
                sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?")
                    .bind(&s.user_id)
                    .execute(&mut *conn)
                    .await?;
                audit::append_sqlite(conn, audit_events).await?;
                Ok(())
            })
        })
        .await
    }

    async fn get_session(&self, id: &str) -> Result<Option<SessionRecord>, StoreError> {
        sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = ?"
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
            "SELECT {}, {} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?",
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
        let touches = prepare_touches(touches)?;
        if touches.is_empty() {
            return Ok(Vec::new());
        }
        self.write_tx(move |conn| Box::pin(async move { touch_in(conn, &touches).await }))
            .await
    }

    async fn list_sessions(
        &self,
        user_id: &str,
        limit: u32,
    ) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user_id = ? \
             ORDER BY created_at DESC LIMIT ?"
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
        let public_id = public_id.to_owned();
        let user_id = user_id.to_owned();
        let now = fmt_time(now)?;
        self.write_tx(move |conn| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE sessions SET revoked_at = ? \
                     WHERE public_id = ? AND user_id = ? AND revoked_at IS NULL",
                )
                .bind(&now)
                .bind(&public_id)
                .bind(&user_id)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                audit::append_sqlite(conn, audit_events).await?;
                Ok(true)
            })
        })
        .await
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
        let e = e.clone();
        self.write_tx(move |conn| {
            Box::pin(async move {
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO security_events (time, kind, severity, user_id, client_addr, \
                     details, status, evidence) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                )
                .bind(fmt_time(e.time)?)
                .bind(&e.kind)
                .bind(&e.severity)
                .bind(&e.user_id)
                .bind(&e.client_addr)
                .bind(&e.details)
                .bind(&e.status)
                .bind(&evidence)
                .fetch_one(&mut *conn)
                .await?;
                let indexes = audit::append_sqlite(conn, audit_events).await?;
                Ok((id, indexes))
            })
        })
        .await
    }

    async fn set_security_event_status(
        &self,
        id: i64,
        status: &SecurityEventStatus,
        audit_events: Vec<AuditEvent>,
    ) -> Result<bool, StoreError> {
        crate::identity::check_status(status)?;
        let status = status.clone();
        self.write_tx(move |conn| {
            Box::pin(async move {
                let done = sqlx::query(
                    "UPDATE security_events SET status = ?, status_by = ?, status_note = ?, \
                     status_time = ? WHERE id = ?",
                )
                .bind(&status.status)
                .bind(&status.by)
                .bind(&status.note)
                .bind(fmt_time(status.time)?)
                .bind(id)
                .execute(&mut *conn)
                .await?;
                if done.rows_affected() != 1 {
                    return Ok(false);
                }
                audit::append_sqlite(conn, audit_events).await?;
                Ok(true)
            })
        })
        .await
    }

    async fn get_security_event(&self, id: i64) -> Result<Option<SecurityEventRecord>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM security_events WHERE id = ?"
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
             WHERE id > ? AND (? IS NULL OR user_id = ?) ORDER BY id LIMIT ?"
        ))
        .bind(after)
        .bind(user_id)
        .bind(user_id)
        .bind(clamp_limit(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(event_from_row).collect()
    }
}

/// A touch as bound: session id, time as text, counter.
pub(crate) type BoundTouch = (String, String, Option<i64>);

/// Checks the batch limit and formats the times of `touches`.
pub(crate) fn prepare_touches(touches: &[SessionTouch]) -> Result<Vec<BoundTouch>, StoreError> {
    if touches.len() > MAX_TOUCH_BATCH {
        return Err(StoreError::Invalid("too many session touches in one batch"));
    }
    touches
        .iter()
        .map(|t| Ok((t.id.clone(), fmt_time(t.now)?, t.counter)))
        .collect()
}

/// Applies touches inside the caller's write transaction, as
/// [`IdentityStore::touch_sessions`] describes.
pub(crate) async fn touch_in(
    conn: &mut sqlx::SqliteConnection,
    touches: &[BoundTouch],
) -> Result<Vec<Option<i64>>, StoreError> {
    if touches.is_empty() {
        return Ok(Vec::new());
    }
    let mut seen = std::collections::HashSet::new();
    let distinct = touches.iter().all(|(id, _, _)| seen.insert(id.as_str()));
    if distinct {
        // Each session once: one statement for the whole batch.
        let mut qb = sqlx::QueryBuilder::<sqlx::Sqlite>::new("WITH v(id, now, counter) AS (");
        qb.push_values(touches, |mut b, (id, now, counter)| {
            b.push_bind(id).push_bind(now).push_bind(counter);
        });
        qb.push(
            ") UPDATE sessions SET last_seen_at = v.now, \
             last_counter = COALESCE(v.counter, sessions.last_counter) FROM v \
             WHERE sessions.id = v.id AND sessions.revoked_at IS NULL \
             AND (v.counter IS NULL OR sessions.last_counter < v.counter) \
             RETURNING sessions.id, \
             (SELECT version FROM users WHERE users.id = sessions.user_id)",
        );
        let rows = qb.build().fetch_all(&mut *conn).await?;
        let done = rows
            .iter()
            .map(|r| Ok((r.try_get::<String, _>(0)?, r.try_get::<i64, _>(1)?)))
            .collect::<Result<std::collections::HashMap<String, i64>, sqlx::Error>>()?;
        return Ok(touches
            .iter()
            .map(|(id, _, _)| done.get(id).copied())
            .collect());
    }
    // A session touched twice: one after the other, each seeing the one before.
    let mut done = Vec::with_capacity(touches.len());
    for (id, now, counter) in touches {
        let version: Option<i64> = sqlx::query_scalar(
            "UPDATE sessions SET last_seen_at = ?, \
             last_counter = COALESCE(?, last_counter) \
             WHERE id = ? AND revoked_at IS NULL \
             AND (? IS NULL OR last_counter < ?) \
             RETURNING (SELECT version FROM users WHERE users.id = sessions.user_id)",
        )
        .bind(now)
        .bind(counter)
        .bind(id)
        .bind(counter)
        .bind(counter)
        .fetch_optional(&mut *conn)
        .await?;
        done.push(version);
    }
    Ok(done)
}
