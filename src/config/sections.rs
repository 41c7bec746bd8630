//! Sections of the configuration read from several variables: the
//! interaction socket, the secret keys, this node's name.

use super::{
    ConfigError,
    parse::{parse, parse_duration, positive},
};
use crate::{
    domain::interaction::settings::WsSettings,
    secrets::{KeyConfig, KeySource, SecretKey},
};
use std::path::PathBuf;

/// The interaction socket's settings: the documented variables over the defaults.
pub(super) fn ws_settings(get: &impl Fn(&str) -> Option<String>) -> Result<WsSettings, ConfigError> {
    let ping_every = parse(get, "FEEDBOARD_WS_PING", "20s", parse_duration)?;
    let idle_timeout = parse(get, "FEEDBOARD_WS_IDLE_TIMEOUT", "60s", parse_duration)?;
    if idle_timeout <= ping_every {
        return Err(ConfigError {
            var: "FEEDBOARD_WS_IDLE_TIMEOUT",
            value: format!("{idle_timeout:?}"),
            reason: format!("must be longer than FEEDBOARD_WS_PING ({ping_every:?}), or every socket closes"),
        });
    }
    let per_second = parse(get, "FEEDBOARD_CHAT_PER_SECOND", "1", |v| {
        v.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite() && *n > 0.0)
            .ok_or_else(|| "expected a positive number".to_owned())
    })?;
    Ok(WsSettings {
        ping_every,
        idle_timeout,
        burst: parse(get, "FEEDBOARD_CHAT_BURST", "10", positive)?,
        per_second,
        ..WsSettings::default()
    })
}

/// Host name and process id: unique among the processes of one machine.
pub(super) fn default_node_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "feedboard".into());
    format!("{host}-{}", std::process::id())
}

/// The secret key settings. Key values never appear in errors.
pub(super) fn key_config(get: &impl Fn(&str) -> Option<String>) -> Result<KeyConfig, ConfigError> {
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
