//! One Server-Sent Events stream of live updates for every signed-in user: alerts (auditors,
//! admins), approval queue changes (managers), status changes of one's own transfers
//! (customers). Fed from the audit log, so it works across instances; `Last-Event-ID` resumes.

use std::convert::Infallible;
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt as _};
use pqbank_service::identity::Principal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::problem::{ApiError, Problem};

/// Polls before the stream ends (about an hour; clients reconnect with `Last-Event-ID`).
const POLLS: u32 = 3600;

/// One live update (SSE `data`; the SSE `event` is `kind`, the `id` the audit index).
#[derive(Debug, Serialize, ToSchema)]
pub struct LiveEventDto {
    /// Audit index.
    pub index: u64,
    /// `alert`, `approval_queue` or `transfer`.
    pub kind: String,
    /// Audit action, e.g. `transfer.approve`.
    pub action: String,
    /// Transfer id or security event id.
    pub resource_id: String,
    /// New status, where there is one.
    pub status: Option<String>,
}

/// Live updates for the caller's roles (text/event-stream).
#[utoipa::path(get, path = "/api/v1/events/stream", tag = "audit",
    responses((status = 200, description = "text/event-stream of live updates", content_type = "text/event-stream"),
              (status = 401, body = Problem)))]
pub async fn stream(
    State(state): State<AppState>,
    Extension(p): Extension<Principal>,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|last| last.saturating_add(1));
    let start = match resume {
        Some(next) => next,
        None => state.bank.live_cursor().await?,
    };
    let stream = futures_util::stream::unfold(
        (state.bank.clone(), p, start, 0u32),
        |(bank, p, cursor, polls)| async move {
            let (mut cursor, mut polls) = (cursor, polls);
            while polls < POLLS {
                polls += 1;
                match bank.live_events(&p, cursor).await {
                    Ok((events, next)) => {
                        cursor = next;
                        if !events.is_empty() {
                            let items: Vec<Event> = events
                                .into_iter()
                                .filter_map(|e| {
                                    Event::default()
                                        .event(e.kind)
                                        .id(e.index.to_string())
                                        .json_data(LiveEventDto {
                                            index: e.index,
                                            kind: e.kind.to_owned(),
                                            action: e.action,
                                            resource_id: e.resource_id,
                                            status: e.status,
                                        })
                                        .ok()
                                })
                                .collect();
                            return Some((items, (bank, p, cursor, polls)));
                        }
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "live event stream ends");
                        return None;
                    }
                }
            }
            None
        },
    )
    .flat_map(|items| futures_util::stream::iter(items.into_iter().map(Ok)));
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
