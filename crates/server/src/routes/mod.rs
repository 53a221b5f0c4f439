//! HTTP handlers. Each is thin: extract, call one service method, map the result.

pub mod audit;
pub mod auth;
pub mod certs;
pub mod events;
pub mod extract;
pub mod health;
pub mod ledger;
pub mod pki;
pub mod security;

/// RFC 3339 text of a time, as every JSON answer shows times.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
