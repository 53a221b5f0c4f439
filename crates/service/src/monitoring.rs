//! Security monitoring: rules over what the bank sees, each with thresholds admins set
//! (`monitoring.rules` setting). A rule that fires records an alert (a security event with its
//! `alert.raise` audit event in the same transaction) that the live stream pushes to auditors and
//! admins, and, when it concerns a customer, to that customer as a security notice.
//!
//! | Rule (alert kind)           | Fires when                                                       |
//! |-----------------------------|------------------------------------------------------------------|
//! | `auth.account_locked`       | failed logins of one account reach the lockout threshold         |
//! | `auth.address_blocked`      | failed logins from one client address reach the threshold within  |
//! |                             | the window (the address is then refused for the window)          |
//! | `auth.challenge_reused`     | a login nonce is presented twice                                 |
//! | `auth.replayed_request`     | a request MAC counter is presented twice                         |
//! | `transfer.signature_replay` | a signed transfer comes again with another payload, or from      |
//! |                             | someone who is not its signer                                    |
//! | `auth.revoked_device`       | a revoked certificate is used (login, request or signature)      |
//! | `auth.unknown_certificate`  | a certificate the CA never issued to the user is used            |
//! | `auth.unbound_device`       | a certificate of a removed or unbound device is used             |
//! | `transfer.velocity_count`   | one customer's transfers in the window exceed the count          |
//! | `transfer.velocity_amount`  | one customer's transfers in the window exceed the amount         |
//! | `transfer.unusual_amount`   | an amount exceeds the factor times the customer's average        |
//! | `admin.privilege_change`    | roles change, a staff user is created, a user disabled/enabled   |
//! | `admin.setting_change`      | a setting changes                                                |
//! | `audit.self_check_failed`   | stored audit events no longer match the signed checkpoint        |
//!
//! The per-address window is kept in memory by each instance (bounded); everything else reads
//! the shared store, so it holds across instances.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::{Mutex, RwLock};

use pqbank_audit::{AuditEvent, Outcome};
use pqbank_domain::{Currency, Money};
use pqbank_store::{AuditFilter, MAX_EVIDENCE, TransferRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::authz::{ObjectRef, authz};
use crate::identity::Principal;
use crate::{Bank, ServiceError};

/// Settings key of the monitoring thresholds.
pub const MONITORING_SETTING: &str = "monitoring.rules";
/// Most client addresses one instance tracks for the failed-login rule.
const MAX_TRACKED_ADDRESSES: usize = 100_000;
/// Earlier transfers the unusual-amount rule averages over.
const HISTORY: u32 = 50;

/// Thresholds of the monitoring rules (admins change them; every change is audited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonitoringSettings {
    /// Failed logins from one client address within the window that block it.
    pub failed_logins_per_address: u32,
    /// The failed-login window, also how long a blocked address stays blocked.
    pub failed_login_window_seconds: i64,
    /// Transfers one customer may initiate within the velocity window.
    pub velocity_max_count: u32,
    /// The velocity window.
    pub velocity_window_seconds: i64,
    /// Amount one customer may move within the velocity window, per currency (others: 50,000
    /// major units).
    pub velocity_max_amount: BTreeMap<Currency, Money>,
    /// An amount above this factor times the customer's average is unusual.
    pub unusual_amount_factor: u32,
    /// Earlier posted transfers needed before the unusual-amount rule applies.
    pub unusual_min_history: u32,
}

impl Default for MonitoringSettings {
    fn default() -> Self {
        Self {
            failed_logins_per_address: 10,
            failed_login_window_seconds: 600,
            velocity_max_count: 20,
            velocity_window_seconds: 3600,
            velocity_max_amount: BTreeMap::new(),
            unusual_amount_factor: 10,
            unusual_min_history: 5,
        }
    }
}

impl MonitoringSettings {
    /// Checks every bound.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] naming the first value out of range.
    pub fn validate(&self) -> Result<(), ServiceError> {
        let bad = |what: &str| Err(ServiceError::Invalid(what.to_owned()));
        if !(1..=1000).contains(&self.failed_logins_per_address) {
            return bad("failed_logins_per_address must be 1..=1000");
        }
        if !(10..=86_400).contains(&self.failed_login_window_seconds) {
            return bad("failed_login_window_seconds must be 10..=86400");
        }
        if !(1..=500).contains(&self.velocity_max_count) {
            return bad("velocity_max_count must be 1..=500");
        }
        if !(60..=604_800).contains(&self.velocity_window_seconds) {
            return bad("velocity_window_seconds must be 60..=604800");
        }
        if self.velocity_max_amount.len() > 50 {
            return bad("velocity_max_amount: at most 50 currencies");
        }
        if self
            .velocity_max_amount
            .iter()
            .any(|(c, m)| m.currency() != *c || m.minor_units() <= 0)
        {
            return bad("velocity_max_amount: each amount must be positive");
        }
        if !(2..=1000).contains(&self.unusual_amount_factor) {
            return bad("unusual_amount_factor must be 2..=1000");
        }
        if !(1..=HISTORY).contains(&self.unusual_min_history) {
            return bad("unusual_min_history must be 1..=50");
        }
        Ok(())
    }

    /// The velocity amount limit of `currency` in minor units.
    pub fn velocity_limit(&self, currency: Currency) -> i64 {
        self.velocity_max_amount
            .get(&currency)
            .map(|m| m.minor_units())
            .unwrap_or_else(|| {
                50_000i64.saturating_mul(10i64.saturating_pow(u32::from(currency.minor_units())))
            })
    }
}

#[derive(Debug, Default)]
struct AddressWindow {
    /// Failure times with the audit index of each failure's record.
    failures: VecDeque<(OffsetDateTime, Option<u64>)>,
    blocked_until: Option<OffsetDateTime>,
}

/// Per-instance state of the monitor.
#[derive(Debug, Default)]
pub(crate) struct MonitorState {
    settings: RwLock<MonitoringSettings>,
    addresses: Mutex<HashMap<String, AddressWindow>>,
}

/// A rule that fired: what the alert records.
pub(crate) struct Alert {
    pub(crate) rule: &'static str,
    pub(crate) severity: &'static str,
    pub(crate) user_id: Option<String>,
    pub(crate) client_addr: Option<String>,
    pub(crate) details: serde_json::Value,
    pub(crate) evidence: Vec<u64>,
}

/// Events per read of an alert's evidence beyond the transfer events it needs (the customer's
/// other events in the window, such as sign-ins, are read and skipped), the most per read, and
/// the most reads.
const EVIDENCE_SLACK: u32 = 16;
const EVIDENCE_PAGE: u32 = 200;
const EVIDENCE_PAGES: usize = 5;

fn last_evidence(mut indexes: Vec<u64>) -> Vec<u64> {
    if indexes.len() > MAX_EVIDENCE {
        indexes.drain(..indexes.len() - MAX_EVIDENCE);
    }
    indexes
}

impl Bank {
    /// The thresholds in force on this instance.
    pub(crate) fn monitoring_now(&self) -> MonitoringSettings {
        self.monitor
            .settings
            .read()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// Re-reads the thresholds from the settings (other instances may have changed them).
    ///
    /// # Errors
    /// Store errors; a corrupt setting is an internal error.
    pub async fn reload_monitoring_settings(&self) -> Result<(), ServiceError> {
        let Some(setting) = self.store.get_setting(MONITORING_SETTING).await? else {
            return Ok(());
        };
        let settings: MonitoringSettings =
            serde_json::from_str(&setting.value).map_err(crate::ca::internal)?;
        settings.validate()?;
        if let Ok(mut s) = self.monitor.settings.write() {
            *s = settings;
        }
        Ok(())
    }

    /// The monitoring thresholds (auditors and admins), with the amount limit of every cash
    /// currency spelled out.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`].
    pub fn monitoring_settings(
        &self,
        principal: &Principal,
    ) -> Result<MonitoringSettings, ServiceError> {
        authz()?.require(
            principal,
            "security_event.list",
            &ObjectRef::route(principal),
        )?;
        let mut s = self.monitoring_now();
        for c in &self.ledger.config.cash_currencies {
            let limit = s.velocity_limit(*c);
            s.velocity_max_amount
                .entry(*c)
                .or_insert_with(|| Money::from_minor(limit, *c));
        }
        Ok(s)
    }

    /// The identity security settings in force (admins): lockout, session timeouts, login rate.
    /// They come from the server's configuration (flags, environment, file).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`].
    pub fn identity_settings(
        &self,
        principal: &Principal,
    ) -> Result<crate::identity::IdentityConfig, ServiceError> {
        authz()?.require(principal, "settings.write", &ObjectRef::route(principal))?;
        Ok(self.identity.config.clone())
    }

    /// Sets the monitoring thresholds (admins). The change and its audit event commit together;
    /// it takes effect at once here and within the maintenance period on other instances.
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`]; [`ServiceError::Invalid`] for a value out of range.
    pub async fn set_monitoring_settings(
        &self,
        principal: &Principal,
        settings: MonitoringSettings,
    ) -> Result<MonitoringSettings, ServiceError> {
        authz()?.require(principal, "settings.write", &ObjectRef::route(principal))?;
        settings.validate()?;
        let value = serde_json::to_string(&settings).map_err(crate::ca::internal)?;
        self.change_setting(principal, MONITORING_SETTING, &value)
            .await?;
        if let Ok(mut s) = self.monitor.settings.write() {
            *s = settings;
        }
        self.monitoring_settings(principal)
    }

    /// Writes a setting with its `setting.change` audit event in one transaction, then raises
    /// the `admin.setting_change` alert.
    pub(crate) async fn change_setting(
        &self,
        principal: &Principal,
        key: &str,
        value: &str,
    ) -> Result<(), ServiceError> {
        let mut event = self.audit_event(
            principal.actor(),
            pqbank_audit::actions::SETTING_CHANGE,
            "setting",
            key,
            Outcome::Success,
        )?;
        crate::identity::add_detail(
            &mut event,
            "value",
            &value.chars().take(200).collect::<String>(),
        );
        self.store
            .put_setting(key, value, self.clock.now(), None, vec![event])
            .await?;
        self.raise(Alert {
            rule: "admin.setting_change",
            severity: "info",
            user_id: Some(principal.user_id.clone()),
            client_addr: None,
            details: json!({ "setting": key }),
            evidence: Vec::new(),
        })
        .await;
        Ok(())
    }

    /// Records an alert; failing to record is logged, never shown to the client. Returns the
    /// audit index of its `alert.raise` event.
    pub(crate) async fn raise(&self, alert: Alert) -> Option<u64> {
        self.security_event(
            alert.rule,
            alert.severity,
            alert.user_id.as_deref(),
            alert.client_addr.as_deref(),
            alert.details,
            alert.evidence,
        )
        .await
    }

    /// Whether `addr` is blocked by the failed-login rule at `now`.
    pub(crate) fn address_blocked(&self, addr: &str, now: OffsetDateTime) -> bool {
        let Ok(map) = self.monitor.addresses.lock() else {
            return false;
        };
        map.get(addr)
            .and_then(|w| w.blocked_until)
            .is_some_and(|until| now < until)
    }

    /// Counts a failed login from `addr` (with the audit index of its record); blocks the
    /// address and raises `auth.address_blocked` when the threshold is reached in the window.
    pub(crate) async fn note_login_failure(
        &self,
        addr: Option<&str>,
        audit_index: Option<u64>,
        now: OffsetDateTime,
    ) {
        let Some(addr) = addr else {
            return;
        };
        let settings = self.monitoring_now();
        let window = Duration::seconds(settings.failed_login_window_seconds);
        let fired = {
            let Ok(mut map) = self.monitor.addresses.lock() else {
                return;
            };
            if !map.contains_key(addr) && map.len() >= MAX_TRACKED_ADDRESSES {
                map.retain(|_, w| {
                    w.blocked_until.is_some_and(|u| now < u)
                        || w.failures.back().is_some_and(|(t, _)| now - *t < window)
                });
                if map.len() >= MAX_TRACKED_ADDRESSES {
                    tracing::warn!("failed-login monitor full; address not tracked");
                    return;
                }
            }
            let w = map.entry(addr.to_owned()).or_default();
            while w.failures.front().is_some_and(|(t, _)| now - *t >= window) {
                w.failures.pop_front();
            }
            w.failures.push_back((now, audit_index));
            let limit = usize::try_from(settings.failed_logins_per_address).unwrap_or(usize::MAX);
            while w.failures.len() > limit.max(MAX_EVIDENCE) {
                w.failures.pop_front();
            }
            let blocked = w.blocked_until.is_some_and(|u| now < u);
            if !blocked && w.failures.len() >= limit {
                w.blocked_until = Some(now + window);
                let evidence: Vec<u64> = w.failures.iter().filter_map(|(_, i)| *i).collect();
                w.failures.clear();
                Some((evidence, limit))
            } else {
                None
            }
        };
        if let Some((evidence, failures)) = fired {
            self.raise(Alert {
                rule: "auth.address_blocked",
                severity: "critical",
                user_id: None,
                client_addr: Some(addr.to_owned()),
                details: json!({
                    "failures": failures,
                    "window_seconds": settings.failed_login_window_seconds,
                }),
                evidence: last_evidence(evidence),
            })
            .await;
        }
    }

    /// Runs the transfer rules (velocity by count and amount, unusual amount) after a
    /// customer's transfer was accepted. Never fails the transfer.
    pub(crate) async fn check_transfer_rules(&self, principal: &Principal, t: &TransferRecord) {
        self.check_transfers_rules(principal, &[t]).await;
    }

    /// The transfer rules for transfers of one customer accepted together (a batch), each
    /// judged as if alone: a transfer's place in the customer's window does not depend on
    /// later ones, and the account's usual is what came before the batch. One read per
    /// source account and currency instead of one per transfer. Never fails the transfers.
    pub(crate) async fn check_transfers_rules(
        &self,
        principal: &Principal,
        transfers: &[&TransferRecord],
    ) {
        let mut groups: Vec<(&str, Currency, Vec<&TransferRecord>)> = Vec::new();
        for &t in transfers {
            match groups.iter_mut().find(|(account, currency, _)| {
                *account == t.from_account && *currency == t.currency
            }) {
                Some((_, _, members)) => members.push(t),
                None => groups.push((&t.from_account, t.currency, vec![t])),
            }
        }
        for (account, currency, members) in groups {
            if let Err(e) = self
                .try_transfer_rules(principal, account, currency, &members)
                .await
            {
                tracing::warn!(error = %e, account, "transfer monitoring failed");
            }
        }
    }

    async fn try_transfer_rules(
        &self,
        principal: &Principal,
        account: &str,
        currency: Currency,
        members: &[&TransferRecord],
    ) -> Result<(), ServiceError> {
        let s = self.monitoring_now();
        let now = self.clock.now();
        let from = now - Duration::seconds(s.velocity_window_seconds);
        // The window's transfers of this customer, oldest first, read only as far as the count
        // rule needs (its limit + 2): a transfer fires the count rule when it is the first one
        // over the limit; later ones in the same window do not fire again. Small rows from the
        // ledger; the audit log is read only for an alert's evidence.
        let max_count = usize::try_from(s.velocity_max_count).unwrap_or(usize::MAX);
        let page = u32::try_from(max_count.saturating_add(2)).unwrap_or(u32::MAX);
        let before_us = members
            .iter()
            .map(|t| t.created_us)
            .min()
            .unwrap_or(i64::MAX);
        // Both reads in one statement: the window and the account's usual.
        let facts = self
            .store
            .monitoring_facts(&pqbank_store::MonitoringQuery {
                initiator: &principal.user_id,
                since_us: crate::ledger::micros(from)?,
                window_limit: page,
                account,
                currency: currency.code(),
                before_us,
                history: HISTORY,
            })
            .await?;
        for t in members {
            if let Err(e) = self
                .judge_transfer(principal, t, &facts, &s, from, page)
                .await
            {
                tracing::warn!(error = %e, transfer = %t.id, "transfer monitoring failed");
            }
        }
        Ok(())
    }

    /// The transfer rules for one transfer, on the facts read for it (and its batch).
    async fn judge_transfer(
        &self,
        principal: &Principal,
        t: &TransferRecord,
        facts: &pqbank_store::MonitoringFacts,
        s: &MonitoringSettings,
        from: OffsetDateTime,
        page: u32,
    ) -> Result<(), ServiceError> {
        let max_count = usize::try_from(s.velocity_max_count).unwrap_or(usize::MAX);
        let window = &facts.window;
        // `own` is the transfer's position (1-based) in the window.
        let own = window.iter().position(|w| w.id == t.id).map(|p| p + 1);
        let total = window
            .iter()
            .take(own.unwrap_or(0))
            .filter(|w| w.currency == t.currency)
            .fold(0_i64, |sum, w| sum.saturating_add(w.amount_minor));
        let count_fires = own == Some(max_count.saturating_add(1));
        // The amount rule sums the window up to this transfer (exact while the transfer is
        // within the page read; beyond it the count rule has fired for this window).
        let limit = s.velocity_limit(t.currency);
        let amount_fires =
            own.is_some() && total > limit && total.saturating_sub(t.amount_minor) <= limit;
        let mut evidence = None;
        if count_fires || amount_fires {
            evidence = Some(self.window_evidence(principal, t, from, page).await?);
        }
        let indexes = evidence.as_ref().map(|e| e.0.clone()).unwrap_or_default();
        if count_fires {
            self.raise(Alert {
                rule: "transfer.velocity_count",
                severity: "warning",
                user_id: Some(principal.user_id.clone()),
                client_addr: None,
                details: json!({
                    "transfer_id": t.id,
                    "count": own.unwrap_or(0),
                    "limit": s.velocity_max_count,
                    "window_seconds": s.velocity_window_seconds,
                }),
                evidence: last_evidence(indexes.clone()),
            })
            .await;
        }
        if amount_fires {
            self.raise(Alert {
                rule: "transfer.velocity_amount",
                severity: "warning",
                user_id: Some(principal.user_id.clone()),
                client_addr: None,
                details: json!({
                    "transfer_id": t.id,
                    "currency": t.currency.code(),
                    "total_minor": total,
                    "limit_minor": limit,
                    "window_seconds": s.velocity_window_seconds,
                }),
                evidence: last_evidence(indexes.clone()),
            })
            .await;
        }
        // The customer's usual: the average of the account's latest posted transfers.
        let (n, sum) = facts.recent;
        if n >= i64::from(s.unusual_min_history) && n > 0 {
            let average = sum / n;
            if t.amount_minor > average.saturating_mul(i64::from(s.unusual_amount_factor)) {
                let own_index = match evidence {
                    Some((_, own_index)) => own_index,
                    None => self.window_evidence(principal, t, from, page).await?.1,
                };
                self.raise(Alert {
                    rule: "transfer.unusual_amount",
                    severity: "warning",
                    user_id: Some(principal.user_id.clone()),
                    client_addr: None,
                    details: json!({
                        "transfer_id": t.id,
                        "currency": t.currency.code(),
                        "amount_minor": t.amount_minor,
                        "average_minor": average,
                        "history": n,
                        "factor": s.unusual_amount_factor,
                    }),
                    evidence: own_index.into_iter().collect(),
                })
                .await;
            }
        }
        Ok(())
    }

    /// The audit log indexes behind a transfer alert: the customer's successful transfer
    /// events in the window up to and including `t`'s (among the first `page` transfer events
    /// of the window), and `t`'s own index.
    ///
    /// The search asks for the customer's events since `from` and picks the transfer events
    /// here: a search by action as well let PostgreSQL, without statistics on a young table,
    /// intersect the customer's index with the action's, which holds nearly every event of
    /// the log (measured: 5 to 50 ms per alert at 40,000 events). The user and time index
    /// (PostgreSQL migration 0012; on SQLite the user's index carries the time, its migration
    /// 0010) reads only the customer's window. A read asks for little more than the `page`
    /// transfer events needed: each leaf of a transfer event is several KiB.
    async fn window_evidence(
        &self,
        principal: &Principal,
        t: &TransferRecord,
        from: OffsetDateTime,
        page: u32,
    ) -> Result<(Vec<u64>, Option<u64>), ServiceError> {
        let mut indexes = Vec::new();
        let mut transfer_events = 0_u32;
        let mut after_index = None;
        let limit = page.saturating_add(EVIDENCE_SLACK).min(EVIDENCE_PAGE);
        for _ in 0..EVIDENCE_PAGES {
            let entries = self
                .store
                .audit_search(&AuditFilter {
                    action: None,
                    user_id: Some(principal.user_id.clone()),
                    from: Some(from),
                    until: None,
                    after_index,
                    limit,
                })
                .await?;
            for entry in &entries {
                after_index = Some(entry.index);
                let Ok(event) = AuditEvent::from_leaf_bytes(&entry.leaf) else {
                    continue;
                };
                if event.action != pqbank_audit::actions::TRANSFER_CREATE {
                    continue;
                }
                transfer_events = transfer_events.saturating_add(1);
                if transfer_events > page {
                    return Ok((indexes, None));
                }
                if event.outcome != Outcome::Success {
                    continue;
                }
                indexes.push(entry.index);
                if event.resource.id.as_str() == t.id {
                    return Ok((indexes, Some(entry.index)));
                }
            }
            if entries.len() < usize::try_from(limit).unwrap_or(usize::MAX) {
                break;
            }
        }
        Ok((indexes, None))
    }

    /// Raises `admin.privilege_change` for a change of `subject`'s privileges by `principal`.
    pub(crate) async fn privilege_alert(
        &self,
        principal: &Principal,
        subject: &str,
        change: &str,
        roles: &str,
    ) {
        self.raise(Alert {
            rule: "admin.privilege_change",
            severity: "warning",
            user_id: Some(subject.to_owned()),
            client_addr: None,
            details: json!({ "change": change, "by": principal.user_id, "roles": roles }),
            evidence: Vec::new(),
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn defaults_validate_and_bounds_are_enforced() {
        let d = MonitoringSettings::default();
        d.validate().unwrap();
        assert_eq!(d.velocity_limit(Currency::EUR), 5_000_000);
        for bad in [
            MonitoringSettings {
                failed_logins_per_address: 0,
                ..d.clone()
            },
            MonitoringSettings {
                velocity_window_seconds: 10,
                ..d.clone()
            },
            MonitoringSettings {
                unusual_amount_factor: 1,
                ..d.clone()
            },
            MonitoringSettings {
                velocity_max_amount: [(Currency::EUR, Money::from_minor(0, Currency::EUR))].into(),
                ..d.clone()
            },
            MonitoringSettings {
                velocity_max_amount: [(Currency::EUR, Money::from_minor(5, Currency::USD))].into(),
                ..d.clone()
            },
        ] {
            assert!(matches!(bad.validate(), Err(ServiceError::Invalid(_))));
        }
    }

    #[test]
    fn evidence_keeps_the_latest() {
        let v: Vec<u64> = (0..150).collect();
        let kept = last_evidence(v);
        assert_eq!(kept.len(), MAX_EVIDENCE);
        assert_eq!(kept.first(), Some(&50));
    }
}
