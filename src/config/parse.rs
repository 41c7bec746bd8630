//! Parsing one variable: the value, its default, and a message naming the
//! variable when it cannot be used.

use super::ConfigError;
use std::time::Duration;

pub(super) fn parse<T>(
    get: &impl Fn(&str) -> Option<String>,
    var: &'static str,
    default: &str,
    f: impl Fn(&str) -> Result<T, String>,
) -> Result<T, ConfigError> {
    let value = get(var).unwrap_or_else(|| default.to_owned());
    f(value.trim()).map_err(|reason| ConfigError { var, value, reason })
}

pub(super) fn parse_bool(v: &str) -> Result<bool, String> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err("expected 1 or 0".into()),
    }
}

pub(super) fn positive<T: std::str::FromStr + Default + PartialOrd>(v: &str) -> Result<T, String> {
    v.parse::<T>().ok().filter(|n| *n > T::default()).ok_or_else(|| "expected a positive whole number".to_owned())
}

/// `250ms`, `5s`, `2m`; a bare number means seconds.
pub(super) fn parse_duration(v: &str) -> Result<Duration, String> {
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

pub(super) fn parse_origins(v: &str) -> Result<Vec<String>, String> {
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
pub(super) fn parse_hosts(v: &str) -> Result<Vec<String>, String> {
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
