//! Alerts (API.md "Alerts"): rules over one feed, the state each is in, and
//! the firings they leave. Shared by the API, the admin page and the
//! dashboard's toasts.

use crate::{LogLevel, MaxAge};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Longest window a rule may look back over.
pub const MAX_WINDOW_SECS: u64 = 86_400;
/// Most matching log lines a `log_rate` rule may count to.
pub const MAX_LOG_COUNT: u32 = 10_000;

/// What a rule watches. Windows use the retention syntax (`30s`, `5m`, `1h`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AlertRule {
    /// A tick of `symbol` above `level`, after one at or below it.
    PriceAbove { symbol: String, level: f64 },
    /// A tick of `symbol` below `level`, after one at or above it.
    PriceBelow { symbol: String, level: f64 },
    /// `symbol` moved by at least `pct` percent (either way) within `window`.
    ChangePct {
        symbol: String,
        pct: f64,
        #[cfg_attr(feature = "ssr", schema(value_type = String, example = "60s"))]
        window: MaxAge,
    },
    /// Nothing stored on the feed for `window`.
    NoData {
        #[cfg_attr(feature = "ssr", schema(value_type = String, example = "30s"))]
        window: MaxAge,
    },
    /// At least `count` lines at `level` or above (containing `q`, if set,
    /// in any case) within `window`.
    LogRate {
        #[cfg_attr(feature = "ssr", schema(value_type = String, example = "ERROR"))]
        level: String,
        #[serde(default)]
        q: Option<String>,
        count: u32,
        #[cfg_attr(feature = "ssr", schema(value_type = String, example = "10s"))]
        window: MaxAge,
    },
}

/// The rule kinds, in the order forms offer them.
pub const RULE_TYPES: [&str; 5] = ["price_above", "price_below", "change_pct", "no_data", "log_rate"];

impl AlertRule {
    /// The rule's `type` as the API spells it.
    pub fn type_name(&self) -> &'static str {
        match self {
            AlertRule::PriceAbove { .. } => "price_above",
            AlertRule::PriceBelow { .. } => "price_below",
            AlertRule::ChangePct { .. } => "change_pct",
            AlertRule::NoData { .. } => "no_data",
            AlertRule::LogRate { .. } => "log_rate",
        }
    }

    /// The symbol a tick rule watches.
    pub fn symbol(&self) -> Option<&str> {
        match self {
            AlertRule::PriceAbove { symbol, .. }
            | AlertRule::PriceBelow { symbol, .. }
            | AlertRule::ChangePct { symbol, .. } => Some(symbol),
            AlertRule::NoData { .. } | AlertRule::LogRate { .. } => None,
        }
    }

    /// Whether the rule reads ticks (`Some(true)`), log lines
    /// (`Some(false)`), or only the clock (`None`, any feed).
    pub fn reads_ticks(&self) -> Option<bool> {
        match self {
            AlertRule::PriceAbove { .. } | AlertRule::PriceBelow { .. } | AlertRule::ChangePct { .. } => Some(true),
            AlertRule::LogRate { .. } => Some(false),
            AlertRule::NoData { .. } => None,
        }
    }

    /// The least severe level a `log_rate` rule counts.
    pub fn min_level(&self) -> Option<LogLevel> {
        match self {
            AlertRule::LogRate { level, .. } => LogLevel::normalize(level),
            _ => None,
        }
    }

    fn check(&self, fail: &mut impl FnMut(&str, &str)) {
        if let Some(symbol) = self.symbol() {
            let len = symbol.trim().chars().count();
            if len == 0 || len > 64 {
                fail("rule.symbol", "must be 1 to 64 characters");
            }
        }
        let window = match self {
            AlertRule::PriceAbove { level, .. } | AlertRule::PriceBelow { level, .. } => {
                if !level.is_finite() {
                    fail("rule.level", "must be a number");
                }
                None
            }
            AlertRule::ChangePct { pct, window, .. } => {
                if !(pct.is_finite() && *pct > 0.0 && *pct <= 1000.0) {
                    fail("rule.pct", "must be a percentage above 0 and at most 1000");
                }
                Some(window)
            }
            AlertRule::NoData { window } => Some(window),
            AlertRule::LogRate { level, q, count, window } => {
                if LogLevel::normalize(level).is_none() {
                    fail("rule.level", "must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL");
                }
                if q.as_ref().is_some_and(|q| q.chars().count() > 200) {
                    fail("rule.q", "must be at most 200 characters");
                }
                if !(1..=MAX_LOG_COUNT).contains(count) {
                    fail("rule.count", "must be 1 to 10000");
                }
                Some(window)
            }
        };
        if window.is_some_and(|w| w.as_secs() > MAX_WINDOW_SECS) {
            fail("rule.window", "must be at most 1d");
        }
    }

    /// A short description: "AAPL above 190", "no data for 30s".
    pub fn describe(&self) -> String {
        match self {
            AlertRule::PriceAbove { symbol, level } => format!("{symbol} above {level}"),
            AlertRule::PriceBelow { symbol, level } => format!("{symbol} below {level}"),
            AlertRule::ChangePct { symbol, pct, window } => format!("{symbol} moves {pct}% within {window}"),
            AlertRule::NoData { window } => format!("no data for {window}"),
            AlertRule::LogRate { level, q, count, window } => {
                let matching = q.as_deref().map(|q| format!(" containing {q:?}")).unwrap_or_default();
                format!("{count} {level}+ lines{matching} within {window}")
            }
        }
    }
}

fn enabled_by_default() -> bool {
    true
}

/// What an admin writes (`POST`/`PUT /api/v1/alerts`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct AlertSpec {
    pub name: String,
    /// The feed the rule watches.
    pub feed: String,
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
    pub rule: AlertRule,
    /// Where each firing is also POSTed (JSON, with an `Idempotency-Key`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

impl AlertSpec {
    /// Checks every field, one message per offending field (shared by the
    /// API and the admin form).
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: &str| {
            errors.push(crate::FieldError { field: field.to_owned(), message: message.to_owned() });
        };
        let name_len = self.name.trim().chars().count();
        if name_len == 0 || name_len > 100 {
            fail("name", "must be 1 to 100 characters");
        }
        if self.feed.is_empty() {
            fail("feed", "choose a feed");
        }
        self.rule.check(&mut fail);
        if let Some(hook) = &self.webhook_url {
            match url::Url::parse(hook) {
                Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {}
                _ => fail("webhook_url", "must be an http:// or https:// URL"),
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

/// Where a rule stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    /// Watching; the condition does not hold.
    #[default]
    Ok,
    /// The condition holds since the last firing.
    Firing,
    /// Firings are held back until `silenced_until`.
    Silenced,
    /// Not evaluated.
    Disabled,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Ok => "ok",
            AlertState::Firing => "firing",
            AlertState::Silenced => "silenced",
            AlertState::Disabled => "disabled",
        }
    }
}

impl fmt::Display for AlertState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rule as `GET /api/v1/alerts/{id}` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Alert {
    pub id: i64,
    #[serde(flatten)]
    pub spec: AlertSpec,
    pub state: AlertState,
    #[serde(default, with = "crate::time::option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub silenced_until: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub last_fired_at: Option<DateTime<Utc>>,
}

/// One firing: the rule's condition began to hold.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Firing {
    pub id: i64,
    /// The rule that fired.
    pub alert: i64,
    pub alert_name: String,
    pub feed: String,
    /// When it was evaluated.
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub fired_at: DateTime<Utc>,
    /// The time of the message that triggered it (of the evaluation, for
    /// `no_data`): where the chart marks it.
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
    /// The stored messages that made the crossing (`seq` from..=to).
    pub seq_from: i64,
    pub seq_to: i64,
    /// The price, percentage, line count or seconds without data.
    pub value: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<String>,
    pub message: String,
    #[serde(default, with = "crate::time::option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Who acknowledged it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<String>,
}

/// `POST /api/v1/alerts/{id}/silence`: hold firings back for `for`, or
/// lift the silence (`null`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Silence {
    #[serde(rename = "for")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>, example = "1h"))]
    pub duration: Option<MaxAge>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(rule: serde_json::Value) -> AlertSpec {
        serde_json::from_value(json!({"name": "n", "feed": "f", "rule": rule})).unwrap()
    }

    #[test]
    fn rules_read_the_api_examples() {
        let examples = [
            json!({"type": "price_above", "symbol": "AAPL", "level": 190}),
            json!({"type": "price_below", "symbol": "AAPL", "level": 190}),
            json!({"type": "change_pct", "symbol": "AAPL", "pct": 2, "window": "60s"}),
            json!({"type": "no_data", "window": "30s"}),
            json!({"type": "log_rate", "level": "ERROR", "q": null, "count": 5, "window": "10s"}),
        ];
        for (example, name) in examples.into_iter().zip(RULE_TYPES) {
            let spec = spec(example.clone());
            assert!(spec.enabled, "enabled by default");
            assert_eq!(spec.rule.type_name(), name);
            assert_eq!(spec.validate(), Ok(()), "{example}");
            let again: AlertRule = serde_json::from_value(serde_json::to_value(&spec.rule).unwrap()).unwrap();
            assert_eq!(again, spec.rule, "round trip");
        }
    }

    #[test]
    fn bad_rules_name_the_field() {
        let fields = |rule: serde_json::Value| -> Vec<String> {
            spec(rule).validate().unwrap_err().into_iter().map(|e| e.field).collect()
        };
        assert_eq!(fields(json!({"type": "price_above", "symbol": " ", "level": 1})), ["rule.symbol"]);
        assert_eq!(
            fields(json!({"type": "change_pct", "symbol": "A", "pct": -1, "window": "2d"})),
            ["rule.pct", "rule.window"]
        );
        assert_eq!(
            fields(json!({"type": "log_rate", "level": "LOUD", "count": 0, "window": "1s"})),
            ["rule.level", "rule.count"]
        );
        let mut hooked = spec(json!({"type": "no_data", "window": "30s"}));
        hooked.webhook_url = Some("ftp://example.com/x".into());
        hooked.name = String::new();
        let errors: Vec<String> = hooked.validate().unwrap_err().into_iter().map(|e| e.field).collect();
        assert_eq!(errors, ["name", "webhook_url"]);
    }

    #[test]
    fn descriptions_say_what_is_watched() {
        assert_eq!(
            spec(json!({"type": "price_above", "symbol": "AAPL", "level": 190.5})).rule.describe(),
            "AAPL above 190.5"
        );
        assert_eq!(
            spec(json!({"type": "log_rate", "level": "ERROR", "q": "disk", "count": 5, "window": "10s"}))
                .rule
                .describe(),
            "5 ERROR+ lines containing \"disk\" within 10s"
        );
    }
}
