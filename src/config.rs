//! Configuration from environment variables, parsed once at start-up.
//!
//! Every variable has a default that works on a developer machine with the
//! services of the README; a malformed value stops start-up with a message
//! naming the variable.

use crate::secrets::{KeyConfig, KeySource, SecretKey};
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// Everything the server reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    /// `DATABASE_URL`: Postgres; the database is created if missing.
    pub database_url: String,
    /// `LEPTOS_SITE_ADDR`: where the HTTP server listens.
    pub site_addr: SocketAddr,
    /// `LEPTOS_SITE_ROOT`: the folder with the compiled site (`pkg/`, assets).
    pub site_root: String,
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
    /// `FEEDBOARD_SECRET_KEY` (else the key file `FEEDBOARD_SECRET_KEY_FILE`,
    /// default `$XDG_CONFIG_HOME/feedboard/secret.key` or
    /// `~/.config/feedboard/secret.key`) and `FEEDBOARD_SECRET_KEY_OLD`: the
    /// keys that encrypt broker passwords in the database.
    pub secret_key: KeyConfig,
}

/// Resource limits: database pools and timeouts, search and replay bounds,
/// per-client connection caps, connection timeouts.
#[derive(Clone, Debug)]
pub struct Limits {
    /// `FEEDBOARD_DB_POOL`: connections for requests (history, streams,
    /// admin, sessions).
    pub db_pool: u32,
    /// `FEEDBOARD_INGEST_DB_POOL`: connections reserved for ingest, so
    /// readers can never starve the writers.
    pub ingest_db_pool: u32,
    /// `FEEDBOARD_READ_TIMEOUT`: Postgres `statement_timeout` of the request
    /// pool; a query running longer is cancelled and answered with 503.
    pub read_timeout: Duration,
    /// `FEEDBOARD_SHORT_SEARCH_WINDOW`: log lines a search without a word of
    /// 3+ letters or digits looks at per request (no index can help it).
    pub short_search_window: i64,
    /// `FEEDBOARD_REPLAY_CONCURRENCY`: replay pages read from Postgres at
    /// once, process-wide; further resuming streams wait their turn.
    pub replay_concurrency: usize,
    /// `FEEDBOARD_MAX_STREAMS_PER_CLIENT`: open live streams, and separately
    /// WebSockets, per client address (IPv6: per /64); `0`: no cap.
    pub max_streams_per_client: usize,
    /// `FEEDBOARD_HEADER_TIMEOUT`: time a client has to send a request's
    /// headers (also how long an idle keep-alive connection stays open).
    pub header_timeout: Duration,
    /// `FEEDBOARD_WRITE_TIMEOUT`: how long a write to a client may stay
    /// blocked (it reads nothing) before the connection is closed.
    pub write_timeout: Duration,
}

impl Limits {
    fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            db_pool: parse(get, "FEEDBOARD_DB_POOL", "16", positive)?,
            ingest_db_pool: parse(get, "FEEDBOARD_INGEST_DB_POOL", "8", positive)?,
            read_timeout: parse(get, "FEEDBOARD_READ_TIMEOUT", "5s", parse_duration)?,
            short_search_window: parse(get, "FEEDBOARD_SHORT_SEARCH_WINDOW", "50000", positive)?,
            replay_concurrency: parse(get, "FEEDBOARD_REPLAY_CONCURRENCY", "4", positive)?,
            max_streams_per_client: parse(get, "FEEDBOARD_MAX_STREAMS_PER_CLIENT", "64", |v| {
                v.parse().map_err(|_| "expected a whole number (0: no cap)".to_owned())
            })?,
            header_timeout: parse(get, "FEEDBOARD_HEADER_TIMEOUT", "10s", parse_duration)?,
            write_timeout: parse(get, "FEEDBOARD_WRITE_TIMEOUT", "30s", parse_duration)?,
        })
    }
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
            ingest: crate::ingest::Settings::default(),
            node_id: get("FEEDBOARD_NODE_ID").unwrap_or_else(default_node_id),
            cluster: crate::cluster::Settings::default(),
            limits: Limits::from_lookup(&get)?,
            secret_key: key_config(&get)?,
        })
    }
}

/// Host name and process id: unique among the processes of one machine.
fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "feedboard".into());
    format!("{host}-{}", std::process::id())
}

/// The secret key settings. Key values never appear in errors.
fn key_config(get: &impl Fn(&str) -> Option<String>) -> Result<KeyConfig, ConfigError> {
    let key = |var: &'static str, text: &str| {
        SecretKey::from_base64(text).map_err(|e| ConfigError {
            var,
            value: crate::secrets::MASK.into(),
            reason: e.to_string(),
        })
    };
    let current = match (get("FEEDBOARD_SECRET_KEY"), get("FEEDBOARD_SECRET_KEY_FILE")) {
        (Some(value), _) => KeySource::Value(key("FEEDBOARD_SECRET_KEY", &value)?),
        (None, Some(path)) => KeySource::File(PathBuf::from(path)),
        (None, None) => get("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| get("HOME").map(|home| PathBuf::from(home).join(".config")))
            .map_or(KeySource::Unset, |dir| KeySource::File(dir.join("feedboard").join("secret.key"))),
    };
    let old = get("FEEDBOARD_SECRET_KEY_OLD")
        .unwrap_or_default()
        .split([',', ' ', '\n'])
        .filter(|s| !s.trim().is_empty())
        .map(|text| key("FEEDBOARD_SECRET_KEY_OLD", text))
        .collect::<Result<_, _>>()?;
    Ok(KeyConfig { current, old })
}

fn parse<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
    f: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = get(var).unwrap_or_else(|| default.to_owned());
    f(value.trim()).map_err(|reason| ConfigError { var, value, reason })
}

fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected 1 or 0".into()),
    }
}

fn positive<T: std::str::FromStr + Default + PartialOrd>(v: &str) -> Result<T, String> {
    v.parse::<T>().ok().filter(|n| *n > T::default()).ok_or_else(|| "expected a positive whole number".to_owned())
}

/// `250ms`, `5s`, `2m`; a bare number means seconds.
fn parse_duration(v: &str) -> Result<Duration, String> {
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: u64 = number.parse().map_err(|_| "expected a duration such as 500ms, 5s or 2m".to_owned())?;
    let d = match unit.trim() {
        "ms" => Duration::from_millis(n),
        "" | "s" => Duration::from_secs(n),
        "m" => Duration::from_secs(n.saturating_mul(60)),
        _ => return Err("expected a duration such as 500ms, 5s or 2m".to_owned()),
    };
    if d.is_zero() {
        return Err("must be more than zero".to_owned());
    }
    Ok(d)
}

fn parse_origins(v: &str) -> Result<Vec<String>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let url = url::Url::parse(s).map_err(|e| format!("{s:?}: {e}"))?;
            let origin = url.origin().ascii_serialization();
            if origin == "null" || url.path() != "/" {
                return Err(format!("{s:?} is not an origin such as https://feeds.example.com"));
            }
            Ok(origin)
        })
        .collect()
}

/// Host names as `Host` headers carry them: `name`, `name:port`, `[v6]`,
/// `[v6]:port`, lower-cased; or `*`.
fn parse_hosts(v: &str) -> Result<Vec<String>, String> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            if s == "*" {
                return Ok(s.to_owned());
            }
            match s.parse::<axum::http::uri::Authority>() {
                Ok(a) if a.as_str() == s && !s.contains('@') => Ok(s.to_ascii_lowercase()),
                _ => Err(format!("{s:?} is not a host such as feeds.example.com or feeds.example.com:8080")),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_work_without_any_variable() {
        let c = config(&[]).unwrap();
        assert_eq!(c.site_addr.to_string(), "127.0.0.1:3000");
        assert!(c.demo);
        assert!(c.allowed_origins.is_none());
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("FEEDBOARD_DEMO", "maybe")]).unwrap_err();
        assert_eq!(e.var, "FEEDBOARD_DEMO");
        assert!(e.to_string().contains("FEEDBOARD_DEMO=\"maybe\""), "{e}");
        assert_eq!(config(&[("LEPTOS_SITE_ADDR", "nope")]).unwrap_err().var, "LEPTOS_SITE_ADDR");
        assert_eq!(config(&[("DATABASE_URL", "mysql://x")]).unwrap_err().var, "DATABASE_URL");
        let e = config(&[("FEEDBOARD_ALLOWED_ORIGINS", "https://a.example/path")]).unwrap_err();
        assert_eq!(e.var, "FEEDBOARD_ALLOWED_ORIGINS");
    }

    #[test]
    fn hosts_and_timings() {
        let c = config(&[("FEEDBOARD_ALLOWED_HOSTS", "Feeds.Example.com, 10.0.0.5:3000,[::1]:3000")]).unwrap();
        assert_eq!(c.allowed_hosts, ["feeds.example.com", "10.0.0.5:3000", "[::1]:3000"]);
        assert_eq!(config(&[("FEEDBOARD_ALLOWED_HOSTS", "https://x")]).unwrap_err().var, "FEEDBOARD_ALLOWED_HOSTS");
        assert_eq!(config(&[("FEEDBOARD_ALLOWED_HOSTS", "a@b")]).unwrap_err().var, "FEEDBOARD_ALLOWED_HOSTS");
        let d = config(&[]).unwrap();
        assert!(d.allowed_hosts.is_empty());
        assert_eq!(d.session_purge_every, Duration::from_secs(600));
        assert!(d.password_concurrency >= 1);
        assert_eq!(config(&[("FEEDBOARD_SESSION_PURGE_SECS", "0")]).unwrap_err().var, "FEEDBOARD_SESSION_PURGE_SECS");
        assert_eq!(
            config(&[("FEEDBOARD_PASSWORD_CONCURRENCY", "x")]).unwrap_err().var,
            "FEEDBOARD_PASSWORD_CONCURRENCY"
        );
    }

    #[test]
    fn limits_have_defaults_and_named_errors() {
        let l = config(&[]).unwrap().limits;
        assert_eq!((l.db_pool, l.ingest_db_pool), (16, 8));
        assert_eq!(l.read_timeout, Duration::from_secs(5));
        assert_eq!(l.short_search_window, 50_000);
        assert_eq!((l.replay_concurrency, l.max_streams_per_client), (4, 64));
        assert_eq!((l.header_timeout, l.write_timeout), (Duration::from_secs(10), Duration::from_secs(30)));
        let l = config(&[("FEEDBOARD_READ_TIMEOUT", "250ms"), ("FEEDBOARD_WRITE_TIMEOUT", "2m")]).unwrap().limits;
        assert_eq!((l.read_timeout, l.write_timeout), (Duration::from_millis(250), Duration::from_secs(120)));
        assert_eq!(config(&[("FEEDBOARD_MAX_STREAMS_PER_CLIENT", "0")]).unwrap().limits.max_streams_per_client, 0);
        for (var, bad) in [
            ("FEEDBOARD_READ_TIMEOUT", "soon"),
            ("FEEDBOARD_READ_TIMEOUT", "0s"),
            ("FEEDBOARD_HEADER_TIMEOUT", "5h"),
            ("FEEDBOARD_DB_POOL", "0"),
            ("FEEDBOARD_REPLAY_CONCURRENCY", "-1"),
            ("FEEDBOARD_MAX_STREAMS_PER_CLIENT", "many"),
        ] {
            assert_eq!(config(&[(var, bad)]).unwrap_err().var, var, "{var}={bad}");
        }
    }

    #[test]
    fn the_secret_key_comes_from_the_variable_or_a_key_file() {
        let key = crate::secrets::SecretKey::generate().unwrap();
        let c = config(&[("FEEDBOARD_SECRET_KEY", &key.to_base64()), ("FEEDBOARD_SECRET_KEY_FILE", "/x")]).unwrap();
        assert!(matches!(c.secret_key.current, KeySource::Value(k) if k.id() == key.id()), "the variable wins");
        let c = config(&[("FEEDBOARD_SECRET_KEY_FILE", "/etc/fb.key")]).unwrap();
        assert!(matches!(c.secret_key.current, KeySource::File(p) if p == std::path::Path::new("/etc/fb.key")));
        let c = config(&[("HOME", "/home/u")]).unwrap();
        let default = std::path::Path::new("/home/u/.config/feedboard/secret.key");
        assert!(matches!(c.secret_key.current, KeySource::File(p) if p == default));
        let c = config(&[("HOME", "/home/u"), ("XDG_CONFIG_HOME", "/cfg")]).unwrap();
        assert!(
            matches!(c.secret_key.current, KeySource::File(p) if p == std::path::Path::new("/cfg/feedboard/secret.key"))
        );
        assert!(matches!(config(&[]).unwrap().secret_key.current, KeySource::Unset));
        let old = [SecretKey::generate().unwrap(), SecretKey::generate().unwrap()];
        let list = format!("{}, {}", old[0].to_base64(), old[1].to_base64());
        let c = config(&[("FEEDBOARD_SECRET_KEY_OLD", &list)]).unwrap();
        assert_eq!(c.secret_key.old.iter().map(|k| k.id()).collect::<Vec<_>>(), [old[0].id(), old[1].id()]);
    }

    #[test]
    fn a_malformed_secret_key_is_named_but_never_shown() {
        for var in ["FEEDBOARD_SECRET_KEY", "FEEDBOARD_SECRET_KEY_OLD"] {
            let e = config(&[(var, "hunter2-not-a-key")]).unwrap_err();
            assert_eq!(e.var, var);
            assert!(!e.to_string().contains("hunter2") && !format!("{e:?}").contains("hunter2"), "{e}");
        }
    }

    #[test]
    fn origins_are_normalised() {
        let c = config(&[("FEEDBOARD_ALLOWED_ORIGINS", "https://A.example:443, http://localhost:3000")]).unwrap();
        assert_eq!(c.allowed_origins.unwrap(), vec!["https://a.example", "http://localhost:3000"]);
    }
}
