//! Live updates for dashboards, read from the audit log (the one ordered feed every instance
//! shares): new alerts for auditors and admins, approval queue changes for managers, status
//! changes of their own transfers and security notices about themselves for customers. The cursor is the audit index, so a client that
//! reconnects with `Last-Event-ID` misses nothing, on any instance.

use std::collections::HashSet;

use pqbank_audit::{AuditEvent, Outcome};
use pqbank_store::MAX_AUDIT_PAGE;

use crate::authz::{ObjectRef, authz};
use crate::identity::Principal;
use crate::{Bank, ServiceError};

/// Most audit entries one poll reads.
const MAX_SCAN: u64 = 500;

/// One live update.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// Audit index (the event id and cursor).
    pub index: u64,
    /// `alert`, `security_notice`, `approval_queue` or `transfer`.
    pub kind: &'static str,
    /// The audit action (`transfer.create`, `transfer.approve`, `alert.raise`, ...).
    pub action: String,
    /// The resource (transfer id, security event id, ...).
    pub resource_id: String,
    /// New status where the action has one (`pending_approval`, `posted`, `rejected`, ...).
    pub status: Option<String>,
}

const TRANSFER_ACTIONS: [&str; 6] = [
    "transfer.create",
    "cash.deposit",
    "cash.withdraw",
    "transfer.approve",
    "transfer.reject",
    "transfer.expire",
];

fn detail(event: &AuditEvent, key: &str) -> Option<String> {
    event
        .details
        .iter()
        .find(|(k, _)| k.as_str() == key)
        .map(|(_, v)| v.as_str().to_owned())
}

impl Bank {
    /// The current end of the feed (start a stream here to see only new events).
    ///
    /// # Errors
    /// Store errors.
    pub async fn live_cursor(&self) -> Result<u64, ServiceError> {
        Ok(self.store.audit_size().await?)
    }

    /// The updates `principal` may see after `after` (exclusive cursor: the next index to read)
    /// and the new cursor.
    ///
    /// # Errors
    /// Store errors.
    pub async fn live_events(
        &self,
        principal: &Principal,
        after: u64,
    ) -> Result<(Vec<LiveEvent>, u64), ServiceError> {
        let size = self.store.audit_size().await?;
        if after >= size {
            return Ok((Vec::new(), size));
        }
        let end = size.min(after.saturating_add(MAX_SCAN.min(MAX_AUDIT_PAGE)));
        let entries = self.store.audit_entries(after, end).await?;
        let route = ObjectRef::route(principal);
        let az = authz()?;
        let sees_alerts = az.is_allowed(principal, "security_event.list", &route);
        let sees_queue = az.is_allowed(principal, "transfer.approve", &route);
        let mut own_accounts: Option<HashSet<String>> = None;
        let mut out = Vec::new();
        for entry in entries {
            let Ok(event) = AuditEvent::from_leaf_bytes(&entry.leaf) else {
                continue;
            };
            if event.outcome != Outcome::Success {
                continue;
            }
            let action = event.action.as_str();
            let resource_id = event.resource.id.as_str().to_owned();
            if action == "alert.raise" {
                if sees_alerts {
                    out.push(LiveEvent {
                        index: entry.index,
                        kind: "alert",
                        action: action.to_owned(),
                        resource_id,
                        status: detail(&event, "severity"),
                    });
                } else if principal.roles.contains(pqbank_domain::Role::Customer)
                    && event
                        .actor
                        .user_id
                        .as_ref()
                        .is_some_and(|u| u.as_str() == principal.user_id)
                {
                    // A security notice about the customer themselves.
                    out.push(LiveEvent {
                        index: entry.index,
                        kind: "security_notice",
                        action: action.to_owned(),
                        resource_id,
                        status: detail(&event, "severity"),
                    });
                }
                continue;
            }
            if !TRANSFER_ACTIONS.contains(&action) {
                continue;
            }
            let status = detail(&event, "status");
            let queue_change = status.as_deref() == Some("pending_approval")
                || matches!(
                    action,
                    "transfer.approve" | "transfer.reject" | "transfer.expire"
                );
            if sees_queue && queue_change {
                out.push(LiveEvent {
                    index: entry.index,
                    kind: "approval_queue",
                    action: action.to_owned(),
                    resource_id: resource_id.clone(),
                    status: status.clone(),
                });
            }
            // The customer's own transfers (either side).
            if principal.roles.contains(pqbank_domain::Role::Customer) {
                let (from, to) = match (detail(&event, "from"), detail(&event, "to")) {
                    (Some(f), Some(t)) => (f, t),
                    _ => match self.store.get_transfer(&resource_id).await? {
                        Some(t) => (t.from_account, t.to_account),
                        None => continue,
                    },
                };
                if own_accounts.is_none() {
                    let mut set = HashSet::new();
                    let mut after_id: Option<String> = None;
                    loop {
                        let page = self
                            .store
                            .list_accounts(
                                Some(&principal.user_id),
                                false,
                                after_id.as_deref(),
                                200,
                            )
                            .await?;
                        let done = page.len() < 200;
                        after_id = page.last().map(|a| a.id.clone());
                        set.extend(page.into_iter().map(|a| a.id));
                        if done || set.len() > 10_000 {
                            break;
                        }
                    }
                    own_accounts = Some(set);
                }
                if own_accounts
                    .as_ref()
                    .is_some_and(|s| s.contains(&from) || s.contains(&to))
                {
                    let status = match (action, status) {
                        (_, Some(s)) => Some(s),
                        ("transfer.reject", None) => Some("rejected".to_owned()),
                        ("transfer.expire", None) => Some("expired".to_owned()),
                        ("transfer.approve", None) => Some("posted".to_owned()),
                        (_, None) => None,
                    };
                    out.push(LiveEvent {
                        index: entry.index,
                        kind: "transfer",
                        action: action.to_owned(),
                        resource_id,
                        status,
                    });
                }
            }
        }
        Ok((out, end))
    }
}
