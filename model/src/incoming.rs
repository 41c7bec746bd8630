//! Messages parsed from a broker and not yet stored: what ingest hands to
//! storage. They get their `seq` when the batch holding them commits.

use chrono::{DateTime, Utc};

/// A tick ready to store (no sequence number yet).
#[derive(Clone, Debug, PartialEq)]
pub struct NewTick {
    pub symbol: String,
    pub price: f64,
    pub size: f64,
    pub ts: DateTime<Utc>,
    pub publisher_id: Option<String>,
}

/// A log line ready to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewLog {
    pub ts: DateTime<Utc>,
    pub level: String,
    pub source: String,
    pub message: String,
    pub publisher_id: Option<String>,
}

/// A payload kept with the reason it was not stored: at most a bounded
/// prefix of it, with its full size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewRejected {
    pub received_at: DateTime<Utc>,
    pub reason: String,
    pub payload: Vec<u8>,
    /// Size of the payload as received (`payload` may be a prefix).
    pub size: usize,
    /// MQTT topic or AMQP routing key it came on (kept so a re-parse sees
    /// the topic levels and default source the first parse saw).
    pub origin: String,
}
