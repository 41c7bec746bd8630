//! DNS-rebinding protection: only requests whose `Host` names this server
//! are served.
//!
//! A page on `evil.example` whose DNS name is switched to 127.0.0.1 talks
//! to this server as "same origin", with `Host: evil.example:3000`. The
//! origin check trusts `Host` when `FEEDBOARD_ALLOWED_ORIGINS` is unset, so
//! `Host` itself must be one we know: the loopback names, the listen
//! address, the hosts of `FEEDBOARD_ALLOWED_ORIGINS` and those of
//! `FEEDBOARD_ALLOWED_HOSTS`. Others get 421. The probes (`/healthz`,
//! `/readyz`, `/metrics`) sit outside this check, for orchestrators that
//! call them by pod address.

use crate::{
    config::Config,
    error::{AppError, ErrorCode},
    http::AppState,
};
use axum::{
    extract::{Request, State},
    http::{header, uri::Authority},
    middleware::Next,
    response::{IntoResponse, Response},
};
use std::net::SocketAddr;

/// The `Host` values this server answers to.
#[derive(Clone, Debug)]
pub struct HostAllowlist {
    any: bool,
    /// Lower-case host names (IPv6 in brackets), each with the only port it
    /// may come with, or `None` for any port.
    hosts: Vec<(String, Option<u16>)>,
}

impl HostAllowlist {
    /// The list for `config`, serving on `bound`.
    pub fn new(config: &Config, bound: SocketAddr) -> Self {
        let mut hosts: Vec<(String, Option<u16>)> =
            ["localhost", "127.0.0.1", "[::1]"].iter().map(|h| ((*h).to_owned(), None)).collect();
        if !bound.ip().is_unspecified() {
            let ip = match bound {
                SocketAddr::V4(a) => a.ip().to_string(),
                SocketAddr::V6(a) => format!("[{}]", a.ip()),
            };
            hosts.push((ip, None));
        }
        for origin in config.allowed_origins.iter().flatten() {
            if let Ok(url) = url::Url::parse(origin)
                && let Some(host) = url.host_str()
            {
                hosts.push((host.to_ascii_lowercase(), url.port_or_known_default()));
            }
        }
        let mut any = false;
        for entry in &config.allowed_hosts {
            if entry == "*" {
                any = true;
            } else if let Some(parsed) = split(entry) {
                hosts.push(parsed);
            }
        }
        Self { any, hosts }
    }

    /// Whether a request with this `Host` value is for us.
    pub fn allows(&self, host: &str) -> bool {
        if self.any {
            return true;
        }
        let Some((name, port)) = split(host) else {
            return false;
        };
        self.hosts.iter().any(|(allowed, allowed_port)| {
            *allowed == name
                && match (allowed_port, port) {
                    (None, _) => true,
                    (Some(p), Some(q)) => *p == q,
                    // No port in `Host`: the scheme's default one.
                    (Some(p), None) => matches!(p, 80 | 443),
                }
        })
    }
}

/// `name[:port]` → lower-case name and port; `None` when it is not a
/// plain host (user info, a path, garbage).
fn split(host: &str) -> Option<(String, Option<u16>)> {
    let authority: Authority = host.parse().ok()?;
    if authority.as_str() != host || host.contains('@') || authority.host().is_empty() {
        return None;
    }
    Some((authority.host().to_ascii_lowercase(), authority.port_u16()))
}

/// Answers 421 to requests whose `Host` (or HTTP/2 `:authority`) is not in
/// the allowlist.
pub async fn reject_unknown_hosts(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(host) if state.hosts.allows(&host) => next.run(request).await,
        host => {
            metrics::counter!("feedboard_http_misdirected_total").increment(1);
            let shown: String = host.unwrap_or_default().chars().take(100).collect();
            AppError::new(
                ErrorCode::Misdirected,
                format!(
                    "this server does not serve the host {shown:?}; add it to FEEDBOARD_ALLOWED_HOSTS (or \
                     FEEDBOARD_ALLOWED_ORIGINS)"
                ),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: std::collections::HashMap<_, _> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| vars.get(k).cloned()).unwrap()
    }

    #[test]
    fn without_settings_only_loopback_and_the_listen_address() {
        let list = HostAllowlist::new(&config(&[]), "192.168.1.5:3000".parse().unwrap());
        for ok in ["localhost:3000", "127.0.0.1:3000", "[::1]:3000", "LOCALHOST:3000", "192.168.1.5:3000", "localhost"]
        {
            assert!(list.allows(ok), "{ok}");
        }
        for bad in ["evil.example:3000", "evil.example", "localhost.evil.example:3000", "127.0.0.1@evil:3000", "", " "]
        {
            assert!(!list.allows(bad), "{bad:?}");
        }
        let any_address = HostAllowlist::new(&config(&[]), "0.0.0.0:3000".parse().unwrap());
        assert!(!any_address.allows("0.0.0.0:3000"));
        assert!(any_address.allows("127.0.0.1:3000"));
    }

    #[test]
    fn origins_and_extra_hosts_are_served() {
        let c = config(&[
            ("FEEDBOARD_ALLOWED_ORIGINS", "https://feeds.example.com,http://lan-box:8080"),
            ("FEEDBOARD_ALLOWED_HOSTS", "dash.internal,10.0.0.5:3000"),
        ]);
        let list = HostAllowlist::new(&c, "0.0.0.0:3000".parse().unwrap());
        for ok in ["feeds.example.com", "feeds.example.com:443", "lan-box:8080", "dash.internal:1234", "10.0.0.5:3000"]
        {
            assert!(list.allows(ok), "{ok}");
        }
        for bad in ["feeds.example.com:8443", "lan-box", "lan-box:9", "10.0.0.5:3001", "evil.example"] {
            assert!(!list.allows(bad), "{bad}");
        }
        let open = HostAllowlist::new(&config(&[("FEEDBOARD_ALLOWED_HOSTS", "*")]), "0.0.0.0:3000".parse().unwrap());
        assert!(open.allows("anything.example"));
    }
}
