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
    #[serde(with = "crate::model::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
}

/// One log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct LogLine {
    pub seq: i64,
    #[serde(with = "crate::model::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub ts: DateTime<Utc>,
    pub level: String,
    pub source: String,
    pub message: String,
}

/// One OHLC bucket with volume.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Candle {
    #[serde(with = "crate::model::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub t: DateTime<Utc>,
    pub open: f64,
    pub high: f64,
    pub low: f64,
    pub close: f64,
    pub volume: f64,
}

/// A payload that could not be stored as a tick or log line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Rejected {
    #[serde(with = "crate::model::time")]
    #[cfg_attr(feature = "ssr", schema(value_type = String))]
    pub received_at: DateTime<Utc>,
    pub reason: String,
    /// Lossy UTF-8, truncated for display.
    pub payload: String,
}

/// A list response: `{"items":[…]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Items<T> {
    pub items: Vec<T>,
}
