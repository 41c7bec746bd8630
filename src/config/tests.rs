use super::*;
use crate::secrets::{KeySource, SecretKey};
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
    assert_eq!(config(&[("FEEDBOARD_PASSWORD_CONCURRENCY", "x")]).unwrap_err().var, "FEEDBOARD_PASSWORD_CONCURRENCY");
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

#[test]
fn the_interaction_socket_is_configurable_and_checked() {
    let c = config(&[]).unwrap();
    assert_eq!(
        (c.ws.ping_every, c.ws.idle_timeout, c.ws.burst),
        (Duration::from_secs(20), Duration::from_secs(60), 10)
    );
    let c = config(&[
        ("FEEDBOARD_WS_PING", "250ms"),
        ("FEEDBOARD_WS_IDLE_TIMEOUT", "2s"),
        ("FEEDBOARD_CHAT_BURST", "3"),
        ("FEEDBOARD_CHAT_PER_SECOND", "0.05"),
    ])
    .unwrap();
    assert_eq!((c.ws.ping_every, c.ws.idle_timeout), (Duration::from_millis(250), Duration::from_secs(2)));
    assert_eq!((c.ws.burst, c.ws.per_second), (3, 0.05));
    let e = config(&[("FEEDBOARD_WS_PING", "30s"), ("FEEDBOARD_WS_IDLE_TIMEOUT", "10s")]).unwrap_err();
    assert_eq!(e.var, "FEEDBOARD_WS_IDLE_TIMEOUT");
    assert_eq!(config(&[("FEEDBOARD_CHAT_PER_SECOND", "0")]).unwrap_err().var, "FEEDBOARD_CHAT_PER_SECOND");
}

#[test]
fn history_defaults_and_retention_spellings() {
    let h = config(&[]).unwrap().history;
    assert_eq!(h.default_retention.max_age.map(|a| a.to_string()).as_deref(), Some("30d"));
    assert_eq!(h.demo_retention.max_age.map(|a| a.to_string()).as_deref(), Some("7d"));
    assert_eq!(h.maintenance_every, Duration::from_secs(10));
    let forever = config(&[("FEEDBOARD_RETENTION", "forever"), ("FEEDBOARD_DEMO_RETENTION", "10m")]).unwrap().history;
    assert_eq!(forever.default_retention.max_age, None);
    assert_eq!(forever.demo_retention.max_age.map(|a| a.as_secs()), Some(600));
    let e = config(&[("FEEDBOARD_RETENTION", "a month")]).unwrap_err();
    assert_eq!(e.var, "FEEDBOARD_RETENTION");
    assert!(e.reason.ends_with("or forever"), "{e}");
    assert_eq!(config(&[("FEEDBOARD_MAINTENANCE_EVERY", "0s")]).unwrap_err().var, "FEEDBOARD_MAINTENANCE_EVERY");
}
