//! Browser security headers on every response.
//!
//! Pages get a Content-Security-Policy with the per-response nonce that
//! Leptos puts on its inline scripts (hydration, streamed resources) and
//! that the shell puts on the theme boot script; the shell sets it through
//! the response options (`app::csp`). Every other response (JSON,
//! assets, errors) gets a policy that allows nothing, so a document that is
//! not a page can never run anything. All responses get `nosniff`, a
//! same-origin referrer policy and frame denial.

use axum::{
    Router,
    http::{HeaderName, HeaderValue, header},
};
use tower_http::set_header::SetResponseHeaderLayer;

/// The policy of responses that are not pages.
pub const NON_PAGE_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/// Adds the headers to every response of `router`.
pub fn apply<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    let fixed: [(HeaderName, &'static str); 3] = [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        // For browsers that predate `frame-ancestors`.
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    let router = router.layer(SetResponseHeaderLayer::if_not_present(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(NON_PAGE_POLICY),
    ));
    fixed.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::overriding(name, HeaderValue::from_static(value)))
    })
}
