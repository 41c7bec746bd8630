//! Every request, observed once: counted and timed by route template and
//! status (`feedboard_http_requests_total`,
//! `feedboard_http_request_duration_seconds`), and logged in one line with
//! a request id.
//!
//! The route label is the matched path template (`/api/v1/feeds/{name}`),
//! never the raw URL, so the series stay few; requests no route matched
//! (static files, unknown pages) are labelled `fallback`. The time is until
//! the response head: a live stream or socket counts when it opens.
//!
//! The log line (target `feedboard::http::request`, `info`; probes at
//! `debug`) has the method, the path without its query string, the route,
//! the status and the time; no bodies, no headers. The id comes from the
//! client's `x-request-id` when that is a short token, else it is made
//! here; it is echoed in the response's `x-request-id` and set on a span
//! around the request, so whatever the handler logs carries it too.

use axum::{
    extract::{MatchedPath, Request},
    http::{HeaderValue, Method},
    middleware::Next,
    response::Response,
};
use std::time::Instant;
use tracing::Instrument;

/// The header that carries the request id both ways.
pub const REQUEST_ID: &str = "x-request-id";

/// The route label of requests no route matched.
pub const FALLBACK_ROUTE: &str = "fallback";

/// The middleware: wraps every route and the fallback (`Router::layer`),
/// so the matched path is known here.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let id = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| is_token(v))
        .map_or_else(|| uuid::Uuid::new_v4().simple().to_string(), str::to_owned);
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().map_or(FALLBACK_ROUTE, MatchedPath::as_str).to_owned();
    let path = request.uri().path().to_owned();

    let span = tracing::info_span!(target: "feedboard::http::request", "request", id = %id);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();

    let status = response.status().as_u16().to_string();
    let labels = [("method", method.to_owned()), ("route", route.clone()), ("status", status)];
    metrics::counter!("feedboard_http_requests_total", &labels).increment(1);
    metrics::histogram!("feedboard_http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }

    let _entered = span.enter();
    let status = response.status().as_u16();
    let ms = elapsed.as_secs_f64() * 1000.0;
    if is_probe(&route) {
        tracing::debug!(target: "feedboard::http::request", method, path = %path, route = %route, status, ms, "request");
    } else {
        tracing::info!(target: "feedboard::http::request", method, path = %path, route = %route, status, ms, "request");
    }
    response
}

/// A client's request id is kept when it is 1 to 64 characters of
/// `[A-Za-z0-9._-]` (nothing that could forge a log line or a header).
fn is_token(value: &str) -> bool {
    (1..=64).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// The standard methods by name, anything else as `other` (a client picks
/// the method; the label set must stay bounded).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Probes are called every few seconds by orchestrators and scrapers;
/// their lines would drown the rest at `info`.
fn is_probe(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_request_ids_are_kept_only_when_they_are_short_tokens() {
        assert!(is_token("abc-123_x.y"));
        assert!(is_token(&"a".repeat(64)));
        assert!(!is_token(""));
        assert!(!is_token(&"a".repeat(65)));
        assert!(!is_token("a b"));
        assert!(!is_token("a\nb"));
        assert!(!is_token("ä"));
    }

    #[test]
    fn unusual_methods_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"BREW").unwrap()), "other");
    }
}
