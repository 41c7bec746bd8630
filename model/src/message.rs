//! Stored feed messages as history and the live stream carry them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One trade/quote tick.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Tick {
    pub seq: i64,
    pub symbol: String,
    pub price: f64,
    pub size: f64,
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogLine {
    pub seq: i64,
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
    pub level: String,
    pub source: String,
    pub message: String,
}

/// One OHLC bucket with volume.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct Candle {
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub t: DateTime<Utc>,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// How many lines of one level a log feed got in one time bucket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct LevelCount {
    /// The bucket's start.
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub t: DateTime<Utc>,
    pub level: String,
    pub lines: i64,
}

/// A payload that could not be stored as a tick or log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rejected {
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub received_at: DateTime<Utc>,
    pub reason: String,
    /// Lossy UTF-8, truncated for display.
    pub payload: String,
}

/// A ticker line: last price, the first price since the window start,
/// and the most recent prices (oldest first) for a sparkline.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema, sqlx::FromRow))]
pub struct SymbolSummary {
    pub symbol: String,
    /// `seq` of the latest tick.
    pub seq: i64,
    pub last: f64,
    /// First price since the window start (00:00 UTC by default).
    pub open: Option<f64>,
    #[serde(with = "crate::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
    pub recent: Vec<f64>,
}

/// A list response: `{"items":[…]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// Items plus the feed's last `seq` in the same snapshot: live messages up
/// to `last_seq` are already accounted for in `items`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeqPage<T> {
    pub items: Vec<T>,
    pub last_seq: i64,
}

/// A page of log lines (`GET /api/v1/feeds/{name}/logs`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogPage {
    pub items: Vec<LogLine>,
    /// Present for a text search, which looks at a bounded window of lines
    /// only: continue with `before_seq=from_seq` (or `after_seq=to_seq`) to
    /// search further; `from_seq` 1 means it reached the start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub searched: Option<SeqRange>,
}

/// The `seq` range, inclusive, a bounded search looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct SeqRange {
    pub from_seq: i64,
    pub to_seq: i64,
}

/// What a log view shows: levels (none = all), a source, text to find,
/// and a time window (`from <= ts < to`; none: all time).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogFilter {
    pub levels: Vec<String>,
    pub source: Option<String>,
    pub text: Option<String>,
    #[serde(default, with = "crate::time::option")]
    pub from: Option<DateTime<Utc>>,
    #[serde(default, with = "crate::time::option")]
    pub to: Option<DateTime<Utc>>,
}

impl LogFilter {
    /// Whether a line passes the filter (the same rules as the server's:
    /// exact level and source, case-insensitive text).
    pub fn matches(&self, line: &LogLine) -> bool {
        (self.levels.is_empty() || self.levels.contains(&line.level))
            && self.source.as_ref().is_none_or(|s| *s == line.source)
            && self.text.as_ref().is_none_or(|t| line.message.to_lowercase().contains(&t.to_lowercase()))
            && self.from.is_none_or(|from| line.ts >= from)
            && self.to.is_none_or(|to| line.ts < to)
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
            && self.source.is_none()
            && self.text.is_none()
            && self.from.is_none()
            && self.to.is_none()
    }

    /// The same filter over `from <= ts < to` only.
    pub fn within(self, (from, to): (Option<DateTime<Utc>>, Option<DateTime<Utc>>)) -> LogFilter {
        LogFilter { from, to, ..self }
    }

    /// The query keys a filter's levels, source and text are written under
    /// (the history API's, too; the window is the page's time range).
    pub const QUERY_KEYS: [&'static str; 3] = ["level", "source", "q"];

    /// The filter as query values (`level=WARN,ERROR&source=…&q=…`), each
    /// key with its value or `None` when that part is unset.
    pub fn to_query(&self) -> [(&'static str, Option<String>); 3] {
        let [level, source, q] = Self::QUERY_KEYS;
        [
            (level, (!self.levels.is_empty()).then(|| self.levels.join(","))),
            (source, self.source.clone()),
            (q, self.text.clone()),
        ]
    }

    /// The filter that [`LogFilter::to_query`] wrote; empty parts are unset.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> LogFilter {
        let [level, source, q] = Self::QUERY_KEYS.map(|key| get(key).filter(|v| !v.trim().is_empty()));
        let levels = level.map(|l| l.split(',').map(|l| l.trim().to_uppercase()).filter(|l| !l.is_empty()).collect());
        LogFilter { levels: levels.unwrap_or_default(), source, text: q, from: None, to: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_filters_round_trip_through_the_query() {
        let filters = [
            LogFilter::default(),
            LogFilter {
                levels: vec!["WARN".into(), "ERROR".into()],
                source: Some("api-1".into()),
                text: Some("disk full".into()),
                ..LogFilter::default()
            },
            LogFilter { text: Some("a&b=c".into()), ..LogFilter::default() },
        ];
        for filter in filters {
            let query = filter.to_query();
            let back = LogFilter::from_query(|key| query.iter().find(|(k, _)| *k == key).and_then(|(_, v)| v.clone()));
            assert_eq!(back, filter);
        }
        let typed = LogFilter::from_query(|key| (key == "level").then(|| "warn, error,".to_owned()));
        assert_eq!(typed.levels, ["WARN", "ERROR"]);
        assert!(LogFilter::from_query(|key| (key == "q").then(|| "  ".to_owned())).is_empty());
    }

    #[test]
    fn a_window_keeps_the_lines_inside_it() {
        let at = |secs| DateTime::from_timestamp(secs, 0).unwrap();
        let line =
            |secs| LogLine { seq: 1, ts: at(secs), level: "INFO".into(), source: "s".into(), message: "m".into() };
        let window = LogFilter::default().within((Some(at(100)), Some(at(200))));
        assert!(!window.matches(&line(99)));
        assert!(window.matches(&line(100)));
        assert!(window.matches(&line(199)));
        assert!(!window.matches(&line(200)));
        assert!(LogFilter::default().within((None, None)).matches(&line(5)));
    }
}
