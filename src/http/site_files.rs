//! The compiled site's files (`target/site`): sent as the release build
//! wrote them, brotli or gzip copy included, and cached by browsers by name.
//!
//! The release build names the wasm, its JavaScript glue, the stylesheet
//! and the lazy routes' chunks after their content
//! (`/pkg/feedboard.<hash>.wasm`, cargo-leptos `hash-files`): a new build is
//! a new name, so those are cached for a year and never asked for again.
//! Everything else (`favicon.svg`, the vendored chart library) keeps its
//! name across builds, so browsers revalidate it on every use (`no-cache`,
//! answered by a 304 while unchanged): a page of a new release never runs
//! with a file of the old one.

use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::Response,
};
use std::convert::Infallible;
use tower::Service;
use tower_http::services::ServeDir;

/// Cache policy of a file whose name changes with its content.
const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Cache policy of a file that keeps its name across builds.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// Serves `site_root`; what is not there goes to `not_found`.
pub fn service<F>(site_root: &str, not_found: F) -> Router
where
    F: Service<Request, Response = Response, Error = Infallible> + Clone + Send + Sync + 'static,
    F::Future: Send + 'static,
{
    // The release build writes `.br` and `.gz` beside each file
    // (`cargo leptos build --precompress`): sent as they are, not compressed
    // again for every request (the compression layer leaves encoded bodies).
    let files = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .fallback(not_found);
    Router::new().fallback_service(files).layer(middleware::from_fn(cache_policy))
}

async fn cache_policy(request: Request, next: Next) -> Response {
    let policy = if is_content_hashed(request.uri().path()) { FOREVER } else { REVALIDATE };
    let mut response = next.run(request).await;
    if response.status().is_success() || response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().insert(header::CACHE_CONTROL, policy);
    }
    response
}

/// Whether `path` names a file of `/pkg/` that carries its content hash:
/// `name.<hash>.ext`, the hash being cargo-leptos' 22 characters of
/// URL-safe base64 (an MD5).
fn is_content_hashed(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/").filter(|name| !name.contains('/')) else {
        return false;
    };
    name.split('.')
        .skip(1)
        .any(|part| part.len() == 22 && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_pkg_files_named_by_their_content_are_cached_for_good() {
        assert!(is_content_hashed("/pkg/feedboard.Zm9vYmFyYmF6cXV4cXV1eA.wasm"));
        assert!(is_content_hashed("/pkg/feedboard.Zm9vYmFy-mF6cXV4cX_1eA.js.br"));
        assert!(!is_content_hashed("/pkg/feedboard.wasm"), "an unhashed build");
        assert!(!is_content_hashed("/pkg/Zm9vYmFyYmF6cXV4cXV1eA.wasm"), "the name itself is no hash");
        assert!(!is_content_hashed("/vendor/chart.Zm9vYmFyYmF6cXV4cXV1eA.js"), "outside /pkg/");
        assert!(!is_content_hashed("/pkg/sub/feedboard.Zm9vYmFyYmF6cXV4cXV1eA.js"));
        assert!(!is_content_hashed("/favicon.svg"));
    }
}
