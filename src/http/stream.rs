//! `GET /api/v1/stream`: the live SSE stream, one connection for any number
//! of feeds, resumable with `Last-Event-ID`.

use super::{client_caps::Channel, error::ApiQuery};
use crate::{
    auth::Viewer,
    error::{AppError, ErrorBody},
    http::AppState,
    hub::{
        StatusUpdate,
        cursor::Cursor,
        stream::{self, PumpLimits, ReplayRequest, Resume, StreamFeed, StreamRequest, Window},
    },
    model::LiveEvent,
};
use axum::{
    extract::{ConnectInfo, State},
    http::{HeaderMap, HeaderValue, header},
    response::{
        IntoResponse, Response,
        sse::{Event, KeepAlive, Sse},
    },
};
use serde::Deserialize;
use std::{convert::Infallible, net::SocketAddr, time::Duration};
use tokio_stream::{StreamExt, wrappers::ReceiverStream};

/// `?feeds=a,b&last_event_id=…`, or a replay:
/// `?feeds=a,b&replay_from=…&replay_to=…&speed=10`.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Comma-separated feed names.
    pub feeds: String,
    /// Resume point, for clients that cannot set the `Last-Event-ID` header.
    pub last_event_id: Option<String>,
    /// Replay the window from this time (RFC 3339) instead of following live.
    pub replay_from: Option<String>,
    /// End of the replay window (RFC 3339, exclusive).
    pub replay_to: Option<String>,
    /// Replay speed, 1 to 100 (default 1).
    pub speed: Option<f64>,
}

impl StreamParams {
    /// The replay asked for, if any; a 400 for an incomplete or bad one.
    fn replay(&self) -> Result<Option<(Window, f64)>, AppError> {
        let (from, to) = match (&self.replay_from, &self.replay_to) {
            (None, None) if self.speed.is_none() => return Ok(None),
            (Some(from), Some(to)) => (from, to),
            _ => return Err(AppError::bad_request("a replay needs both replay_from and replay_to")),
        };
        let time = |name: &str, text: &str| {
            chrono::DateTime::parse_from_rfc3339(text).map(|t| t.with_timezone(&chrono::Utc)).map_err(|_| {
                AppError::bad_request(format!("{name} must be an RFC 3339 time, e.g. 2026-11-30T10:00:00Z"))
            })
        };
        let window = Window { from: time("replay_from", from)?, to: time("replay_to", to)? };
        if window.from >= window.to {
            return Err(AppError::bad_request("replay_from must be before replay_to"));
        }
        let speed = self.speed.unwrap_or(1.0);
        if !(1.0..=100.0).contains(&speed) {
            return Err(AppError::bad_request("speed must be between 1 and 100"));
        }
        Ok(Some((window, speed)))
    }
}

/// Server-sent events: `ready`, `tick`, `log`, `status`, `reset`; for a
/// replay `ready`, `tick`, `log`, then `end`.
#[utoipa::path(get, path = "/api/v1/stream", tag = "live", params(StreamParams), responses(
    (status = 200, content_type = "text/event-stream", description = "the live stream"),
    (status = 404, body = ErrorBody, description = "an unknown feed"),
    (status = 429, body = ErrorBody, description = "too many open streams from this address")))]
pub async fn stream(
    State(state): State<AppState>,
    _: Viewer,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiQuery(params): ApiQuery<StreamParams>,
) -> Result<Response, AppError> {
    // Held by the response body: given back when the connection ends.
    let slot = state.client_caps.admit(Channel::Stream, peer.ip())?;
    let names: Vec<String> =
        params.feeds.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    if names.is_empty() || names.len() > 32 {
        return Err(AppError::bad_request("feeds must name 1 to 32 feeds, comma-separated"));
    }
    let replay = params.replay()?;
    let rows = crate::domain::feeds::find_all(&state.core, &names).await?;
    let limits = PumpLimits { replays: state.replays.clone(), send_timeout: state.core.config.limits.write_timeout };
    let feeds = rows.iter().map(|r| StreamFeed { id: r.id, name: r.spec.name.clone(), kind: r.spec.kind });
    if let Some((window, speed)) = replay {
        let request = ReplayRequest { feeds: feeds.collect(), window, speed };
        let events = stream::spawn_replay(state.core.db.clone(), request, limits, state.core.shutdown.clone());
        return Ok(sse_response(events, slot));
    }
    let feeds = feeds.collect();
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(params.last_event_id)
        .filter(|s| !s.is_empty())
        .map_or(Resume::Fresh, |s| Cursor::parse(&s).map_or(Resume::Unreadable, Resume::From));
    let initial_status = rows
        .iter()
        .map(|r| {
            let update =
                StatusUpdate { feed_id: r.id, feed: r.spec.name.clone(), status: state.core.ingest.status(r.id) };
            serde_json::to_string(&update).unwrap_or_default()
        })
        .collect();
    let request = StreamRequest { feeds, resume, initial_status, max_replay: state.core.config.max_replay };
    let events =
        stream::spawn(state.core.hub.clone(), state.core.db.clone(), request, limits, state.core.shutdown.clone());
    Ok(sse_response(events, slot))
}

/// The SSE response for a stream's events; `slot` (the client's admission)
/// is held until the connection ends.
fn sse_response(events: tokio::sync::mpsc::Receiver<stream::Outgoing>, slot: impl Send + Sync + 'static) -> Response {
    let body = ReceiverStream::new(events).map(move |out| {
        let _held = &slot;
        if out.event.is_empty() {
            return Ok::<_, Infallible>(Event::default().comment(out.data));
        }
        let mut event = Event::default().event(out.event).data(out.data);
        if let Some(id) = out.id {
            event = event.id(id);
        }
        if out.event == LiveEvent::Ready.as_str() {
            // Browsers reconnect this soon after a drop.
            event = event.retry(Duration::from_secs(1));
        }
        Ok::<_, Infallible>(event)
    });
    let sse = Sse::new(body).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("keep-alive"));
    let mut response = sse.into_response();
    // Proxies must neither buffer nor cache the stream.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, no-transform"));
    response.headers_mut().insert("x-accel-buffering", HeaderValue::from_static("no"));
    response
}
