//! Statements and management reports.

use pqbank_domain::{Currency, TransferStatus};
use pqbank_store::{AccountRecord, PostingRecord, TransferFilter, TransferRecord, VolumeRow};
use time::{Date, OffsetDateTime, Time};

use super::micros;
use crate::authz::{ObjectRef, authz};
use crate::identity::Principal;
use crate::{Bank, ServiceError};

/// Most entries a statement holds (longer periods must be split).
pub const MAX_STATEMENT_ENTRIES: usize = 5000;
/// Longest statement period in days.
pub const MAX_STATEMENT_DAYS: i64 = 366;
/// Longest report window in days.
pub const MAX_REPORT_DAYS: i64 = 366;

/// An account statement for `[from, to]` (whole UTC days).
#[derive(Debug, Clone)]
pub struct Statement {
    /// The account.
    pub account: AccountRecord,
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub to: Date,
    /// Posted balance at the start of `from`.
    pub opening_minor: i64,
    /// Posted balance at the end of `to`.
    pub closing_minor: i64,
    /// Postings in the period, oldest first.
    pub entries: Vec<PostingRecord>,
}

/// Volume per day and currency.
#[derive(Debug, Clone)]
pub struct VolumeReport {
    /// Window start.
    pub since: OffsetDateTime,
    /// Rows, by day then currency.
    pub rows: Vec<VolumeRow>,
}

/// The approval workload.
#[derive(Debug, Clone)]
pub struct ApprovalReport {
    /// Window start.
    pub since: OffsetDateTime,
    /// Waiting now, oldest first.
    pub queue: Vec<TransferRecord>,
    /// Transfers in the window that needed approval, newest first (the large transfers).
    pub large: Vec<TransferRecord>,
    /// Approved in the window.
    pub approved: u32,
    /// Rejected in the window.
    pub rejected: u32,
    /// Expired in the window.
    pub expired: u32,
    /// Turnaround (creation to decision) of decided ones, in seconds: median.
    pub turnaround_p50_secs: Option<i64>,
    /// 90th percentile.
    pub turnaround_p90_secs: Option<i64>,
    /// Longest.
    pub turnaround_max_secs: Option<i64>,
    /// Per currency: totals of the large transfers.
    pub large_totals: Vec<(Currency, i64)>,
}

fn day_start(d: Date) -> OffsetDateTime {
    d.with_time(Time::MIDNIGHT).assume_utc()
}

fn percentile(sorted: &[i64], p: usize) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let idx = (sorted.len() * p).div_ceil(100).saturating_sub(1);
    sorted.get(idx.min(sorted.len() - 1)).copied()
}

impl Bank {
    /// A statement of an account for whole UTC days `from..=to`.
    ///
    /// # Errors
    /// [`ServiceError::Invalid`] for a reversed or too long period, or more than
    /// [`MAX_STATEMENT_ENTRIES`] entries; [`ServiceError::NotFound`].
    pub async fn statement(
        &self,
        principal: &Principal,
        account: &str,
        from: Date,
        to: Date,
    ) -> Result<Statement, ServiceError> {
        if to < from || (to - from).whole_days() >= MAX_STATEMENT_DAYS {
            return Err(ServiceError::Invalid(format!(
                "the period must run forwards and span at most {MAX_STATEMENT_DAYS} days"
            )));
        }
        let account = self.account(principal, account).await?;
        let start = micros(day_start(from))?;
        let end = to
            .next_day()
            .map(day_start)
            .map(micros)
            .transpose()?
            .ok_or_else(|| ServiceError::Invalid("to: date out of range".into()))?;
        let opening = self.store.posted_balance_before(&account.id, start).await?;
        let mut entries = Vec::new();
        let mut before = None;
        loop {
            let page = self
                .store
                .list_postings(&account.id, before, Some(start), Some(end), 500)
                .await?;
            let done = page.len() < 500;
            before = page.last().map(|p| p.seq);
            entries.extend(page);
            if entries.len() > MAX_STATEMENT_ENTRIES {
                return Err(ServiceError::Invalid(format!(
                    "more than {MAX_STATEMENT_ENTRIES} entries: choose a shorter period"
                )));
            }
            if done {
                break;
            }
        }
        entries.reverse();
        let closing = entries
            .iter()
            .try_fold(opening, |acc, p| acc.checked_add(p.amount_minor))
            .ok_or_else(|| ServiceError::Invalid("balance out of range".into()))?;
        Ok(Statement {
            account,
            from,
            to,
            opening_minor: opening,
            closing_minor: closing,
            entries,
        })
    }

    /// Posted volume per UTC day and currency over the last `days` days (managers, auditors).
    ///
    /// # Errors
    /// [`ServiceError::Forbidden`]; [`ServiceError::Invalid`] for a window over a year.
    pub async fn report_volume(
        &self,
        principal: &Principal,
        days: i64,
    ) -> Result<VolumeReport, ServiceError> {
        authz()?.require(principal, "report.read", &ObjectRef::route(principal))?;
        if !(1..=MAX_REPORT_DAYS).contains(&days) {
            return Err(ServiceError::Invalid(format!(
                "days must be 1..={MAX_REPORT_DAYS}"
            )));
        }
        let today = self.clock.now().date();
        let since = day_start(today - time::Duration::days(days - 1));
        let rows = self.store.volume_by_day(micros(since)?).await?;
        Ok(VolumeReport { since, rows })
    }

    /// The approval queue, large transfers and approval turnaround over the last `days` days.
    ///
    /// # Errors
    /// As [`Self::report_volume`].
    pub async fn report_approvals(
        &self,
        principal: &Principal,
        days: i64,
    ) -> Result<ApprovalReport, ServiceError> {
        authz()?.require(principal, "report.read", &ObjectRef::route(principal))?;
        if !(1..=MAX_REPORT_DAYS).contains(&days) {
            return Err(ServiceError::Invalid(format!(
                "days must be 1..={MAX_REPORT_DAYS}"
            )));
        }
        let since = self.clock.now() - time::Duration::days(days);
        let queue = self
            .store
            .list_transfers(
                &TransferFilter {
                    status: Some(TransferStatus::PendingApproval),
                    ascending: true,
                    ..TransferFilter::default()
                },
                200,
            )
            .await?;
        let large = self
            .store
            .list_transfers(
                &TransferFilter {
                    approval_required: Some(true),
                    since_us: Some(micros(since)?),
                    ..TransferFilter::default()
                },
                500,
            )
            .await?;
        let (mut approved, mut rejected, mut expired) = (0, 0, 0);
        let mut turnaround = Vec::new();
        let mut totals: std::collections::BTreeMap<Currency, i64> = Default::default();
        for t in &large {
            match t.status {
                TransferStatus::Posted => approved += 1,
                TransferStatus::Rejected => rejected += 1,
                TransferStatus::Expired => expired += 1,
                _ => {}
            }
            if let (Some(d), Some(_)) = (t.decided_us, &t.decided_by) {
                turnaround.push((d - t.created_us) / 1_000_000);
            }
            let e = totals.entry(t.currency).or_default();
            *e = e.saturating_add(t.amount_minor);
        }
        turnaround.sort_unstable();
        Ok(ApprovalReport {
            since,
            queue,
            approved,
            rejected,
            expired,
            turnaround_p50_secs: percentile(&turnaround, 50),
            turnaround_p90_secs: percentile(&turnaround, 90),
            turnaround_max_secs: turnaround.last().copied(),
            large_totals: totals.into_iter().collect(),
            large,
        })
    }
}
