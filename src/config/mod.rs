//! Configuration from environment variables, parsed once at start-up.
//!
//! Every variable has a default that works on a developer machine with the
//! services of the README; a malformed value stops start-up with a message
//! naming the variable.

mod history;
mod limits;
mod parse;
mod sections;
#[cfg(test)]
mod tests;

pub use history::HistorySettings;
pub use limits::Limits;

use crate::{domain::interaction::settings::WsSettings, secrets::KeyConfig};
use parse::{parse, parse_bool, parse_hosts, parse_origins};
use sections::{default_node_id, key_config, ws_settings};
use std::{net::SocketAddr, time::Duration};

/// Everything the server reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: Postgres; the database is created if missing.
    pub database_url: String,
    /// `LEPTOS_SITE_ADDR`: where the HTTP server listens.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: the folder with the compiled site (`pkg/`, assets).
    pub site_root: String,
    /// `LEPTOS_HASH_FILE_NAME`: where the release build listed the content
    /// hashes in the names of the wasm, its JavaScript and the stylesheet;
    /// a relative path starts at the server binary's folder (the build
    /// writes `hash.txt` beside it). Without the file the plain names are
    /// used (a build without hashes).
    pub hash_file: String,
    /// `FEEDBOARD_ADMIN_PASSWORD`: password of the first admin, used only
    /// when no user exists yet.
    pub admin_password: Option<String>,
    /// `FEEDBOARD_DEMO`: create demo feeds and publish synthetic data.
    pub demo: bool,
    /// `FEEDBOARD_ALLOWED_ORIGINS`: exact origins allowed to open WebSockets
    /// and send state-changing requests; `None` means the site's own origin.
    pub allowed_origins: Option<Vec<String>>,
    /// `FEEDBOARD_ALLOWED_HOSTS`: `Host` names (optionally `name:port`)
    /// served besides the loopback names, the listen address and the hosts
    /// of `allowed_origins`; `*` accepts any. Guards against DNS rebinding.
    pub allowed_hosts: Vec<String>,
    /// `FEEDBOARD_ANONYMOUS_VIEW`: whether dashboards can be watched without
    /// signing in.
    pub anonymous_view: bool,
    /// `FEEDBOARD_COOKIE_SECURE`: mark the session cookie `Secure` (HTTPS).
    pub cookie_secure: bool,
    /// `FEEDBOARD_MAX_REPLAY`: most messages per feed a resuming stream
    /// replays; a client further behind gets `reset` and reloads history.
    pub max_replay: i64,
    /// `FEEDBOARD_HUB_BUFFER`: messages kept per feed for live subscribers
    /// that fall behind (they catch up from Postgres beyond that).
    pub hub_buffer: usize,
    /// `FEEDBOARD_SESSION_PURGE_SECS`: how often expired sessions are
    /// deleted from the session store.
    pub session_purge_every: Duration,
    /// `FEEDBOARD_PASSWORD_CONCURRENCY`: password hashes (argon2, 19 MiB
    /// each) that may run at once.
    pub password_concurrency: usize,
    /// `FEEDBOARD_PASSWORD_QUEUE`: password checks that may wait for one of
    /// those; beyond that, sign-ins are answered 503 at once.
    pub password_queue: usize,
    /// `FEEDBOARD_MQTT_URL`: broker the demo feeds use.
    pub demo_mqtt_url: String,
    /// `FEEDBOARD_AMQP_URL`: broker the demo log feed uses when reachable.
    pub demo_amqp_url: String,
    /// Limits and timings of the ingest pipeline (defaults in
    /// `ingest::Settings`; tests shrink them).
    pub ingest: crate::ingest::Settings,
    /// `FEEDBOARD_NODE_ID`: this process's name among the processes that
    /// share the database (in feed leases and statuses).
    pub node_id: String,
    /// Heartbeats and catch-up between nodes (defaults in
    /// `cluster::Settings`; tests shrink them).
    pub cluster: crate::cluster::Settings,
    /// Bounds that keep one client (or a crowd) from exhausting the server.
    pub limits: Limits,
    /// Retention defaults and the pace of history maintenance.
    pub history: HistorySettings,
    /// The interaction WebSocket: `FEEDBOARD_WS_PING` (ping a quiet
    /// socket, default 20s), `FEEDBOARD_WS_IDLE_TIMEOUT` (close a silent
    /// one, 60s), `FEEDBOARD_CHAT_BURST` (messages a user may send at once,
    /// 10) and `FEEDBOARD_CHAT_PER_SECOND` (then per second, 1); the rest
    /// have defaults in `WsSettings`.
    pub ws: WsSettings,
    /// `FEEDBOARD_SECRET_KEY` (else the key file `FEEDBOARD_SECRET_KEY_FILE`,
    /// default `$XDG_CONFIG_HOME/feedboard/secret.key` or
    /// `~/.config/feedboard/secret.key`) and `FEEDBOARD_SECRET_KEY_OLD`: the
    /// keys that encrypt broker passwords in the database.
    pub secret_key: KeyConfig,
}

/// A variable that is set but cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("invalid {var}={value:?}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub value: String,
    pub reason: String,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
    }

    /// Reads variables through `get`, so tests can supply their own.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let var = |name: &'static str, default: &str| get(name).unwrap_or_else(|| default.to_owned());
        let site_addr = parse(&get, "LEPTOS_SITE_ADDR", "127.0.0.1:3000", |v| {
            v.parse::<SocketAddr>().map_err(|e| format!("{e}; expected host:port such as 127.0.0.1:3000"))
        })?;
        let database_url = parse(&get, "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/feedboard", |v| {
            let url = url::Url::parse(v).map_err(|e| e.to_string())?;
            match url.scheme() {
                "postgres" | "postgresql" => Ok(v.to_owned()),
                other => Err(format!("scheme {other:?} is not postgres://")),
            }
        })?;
        let allowed_origins = match get("FEEDBOARD_ALLOWED_ORIGINS") {
            None => None,
            Some(v) => Some(parse_origins(&v).map_err(|reason| ConfigError {
                var: "FEEDBOARD_ALLOWED_ORIGINS",
                value: v.clone(),
                reason,
            })?),
        };
        let allowed_hosts = match get("FEEDBOARD_ALLOWED_HOSTS") {
            None => Vec::new(),
            Some(v) => parse_hosts(&v).map_err(|reason| ConfigError {
                var: "FEEDBOARD_ALLOWED_HOSTS",
                value: v.clone(),
                reason,
            })?,
        };
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2).to_string();
        Ok(Self {
            database_url,
            site_addr,
            site_root: var("LEPTOS_SITE_ROOT", "target/site"),
            hash_file: var("LEPTOS_HASH_FILE_NAME", "hash.txt"),
            admin_password: get("FEEDBOARD_ADMIN_PASSWORD"),
            demo: parse(&get, "FEEDBOARD_DEMO", "1", parse_bool)?,
            allowed_origins,
            allowed_hosts,
            anonymous_view: parse(&get, "FEEDBOARD_ANONYMOUS_VIEW", "1", parse_bool)?,
            cookie_secure: parse(&get, "FEEDBOARD_COOKIE_SECURE", "0", parse_bool)?,
            max_replay: parse(&get, "FEEDBOARD_MAX_REPLAY", "50000", |v| {
                v.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| "expected a positive whole number".to_owned())
            })?,
            hub_buffer: parse(&get, "FEEDBOARD_HUB_BUFFER", "4096", |v| {
                v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| "expected a positive whole number".to_owned())
            })?,
            session_purge_every: parse(&get, "FEEDBOARD_SESSION_PURGE_SECS", "600", |v| {
                v.parse::<u64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .map(Duration::from_secs)
                    .ok_or_else(|| "expected a positive number of seconds".to_owned())
            })?,
            password_concurrency: parse(&get, "FEEDBOARD_PASSWORD_CONCURRENCY", &cores, |v| {
                v.parse::<usize>().ok().filter(|n| *n > 0).ok_or_else(|| "expected a positive whole number".to_owned())
            })?,
            password_queue: parse(&get, "FEEDBOARD_PASSWORD_QUEUE", "64", |v| {
                v.parse::<usize>().map_err(|_| "expected a whole number".to_owned())
            })?,
            demo_mqtt_url: var("FEEDBOARD_MQTT_URL", "mqtt://127.0.0.1:1883"),
            demo_amqp_url: var("FEEDBOARD_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
            ingest: crate::ingest::Settings {
                id_window: parse(&get, "FEEDBOARD_ID_WINDOW", "7d", |v| {
                    v.parse::<crate::model::MaxAge>()
                        .map(|a| Duration::from_secs(a.as_secs()))
                        .map_err(|e| e.to_string())
                })?,
                ..crate::ingest::Settings::default()
            },
            node_id: get("FEEDBOARD_NODE_ID").unwrap_or_else(default_node_id),
            cluster: crate::cluster::Settings::default(),
            limits: Limits::from_lookup(&get)?,
            history: HistorySettings::from_lookup(&get)?,
            ws: ws_settings(&get)?,
            secret_key: key_config(&get)?,
        })
    }
}
