//! The Content-Security-Policy of pages, set by the shell while it renders
//! (it knows the response's nonce). Other responses get the allow-nothing
//! policy of `http::security`.

use axum::http::{HeaderValue, header};

/// The one inline `<style>` element the pages may hold: lightweight-charts
/// 5.2 injects it to place its attribution logo (the text is a constant of
/// the library, so its hash is too; a new version with another text shows
/// up as a violation in the Playwright suite, `end2end/tests/security.spec.ts`).
pub const CHART_LOGO_STYLE_HASH: &str = "'sha256-3pRED1tOXas1FXFoPb9TGCjmYe9XQsmO9OV23khV2nY='";

/// The policy of a page whose inline scripts carry `nonce`.
///
/// - scripts: this origin (the wasm-bindgen module) and the nonce'd inline
///   ones; `'wasm-unsafe-eval'` lets the page compile its wasm.
/// - styles: this origin's stylesheet and the chart library's logo style
///   ([`CHART_LOGO_STYLE_HASH`]); `style` attributes are allowed because
///   Leptos renders `style:` bindings (the log tail's virtual rows) as
///   attributes on the server. No other inline `<style>` elements.
/// - connections: this origin only (server functions, SSE, the WebSocket,
///   which `'self'` covers for `ws:`/`wss:` in CSP Level 3 browsers).
/// - no plugins, no framing, no `<base>` tricks, forms only to us.
pub fn page_policy(nonce: &str, live_reload_port: Option<u32>) -> String {
    let reload = live_reload_port.map(|port| format!(" ws://*:{port}")).unwrap_or_default();
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' {CHART_LOGO_STYLE_HASH}; style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'{reload}; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// Sets the page policy on the response being rendered; called by the
/// shell, which knows the response's nonce. Without a nonce (not rendering
/// on the server) it does nothing.
pub fn set_page_policy(options: &leptos::config::LeptosOptions) {
    let Some(nonce) = leptos::nonce::use_nonce() else {
        return;
    };
    let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() else {
        return;
    };
    // cargo-leptos' live reload (development only) talks over its own port.
    let reload = std::env::var_os("LEPTOS_WATCH").map(|_| options.reload_port);
    if let Ok(value) = HeaderValue::from_str(&page_policy(&nonce, reload)) {
        response.insert_header(header::CONTENT_SECURITY_POLICY, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_allows_only_what_the_page_needs() {
        let policy = page_policy("abc123", None);
        assert!(policy.contains("script-src 'self' 'nonce-abc123' 'wasm-unsafe-eval';"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
        assert!(policy.contains("connect-src 'self';"));
        assert_eq!(policy.matches("'unsafe-inline'").count(), 1, "only for style attributes: {policy}");
        assert!(policy.contains("style-src-attr 'unsafe-inline'"));
        assert!(!policy.contains("'unsafe-eval'"), "wasm compilation only, no eval");
        assert!(page_policy("n", Some(3001)).contains("connect-src 'self' ws://*:3001;"));
        assert!(HeaderValue::from_str(&policy).is_ok());
    }
}
