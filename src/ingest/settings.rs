//! Tuning knobs of the ingest pipeline, with their defaults.

use super::parse;
use crate::store;
use std::time::Duration;

/// Tuning knobs of the ingest pipeline.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Most messages written in one statement.
    pub batch_max: usize,
    /// A batch is closed once its payloads reach this many bytes.
    pub batch_bytes: usize,
    /// Payloads above this many bytes are rejected (a prefix of this size
    /// is kept with the reason).
    pub max_payload: usize,
    /// Bytes a feed may hold between its broker and the database.
    pub inflight_bytes: usize,
    /// Unacknowledged MQTT messages the broker may send us (MQTT v5
    /// Receive Maximum): bounds memory and in-flight work per feed.
    pub mqtt_receive_maximum: u16,
    /// Unacknowledged AMQP deliveries per consumer (`basic.qos`).
    pub amqp_prefetch: u16,
    /// How long a stopping feed may take to store and acknowledge what it
    /// holds before the rest is left to the broker to redeliver.
    pub drain_limit: Duration,
    /// How long a feed's lease lasts without renewal: a process that dies
    /// loses its feeds after this long.
    pub lease_ttl: Duration,
    /// How often the holder renews a lease.
    pub lease_renew: Duration,
    /// How often a process that does not hold a lease tries to take it.
    pub lease_poll: Duration,
    /// Fault injection for tests: the writer panics on the first payload
    /// that is exactly this (once per process). Never set outside tests.
    pub panic_on_payload: Option<&'static str>,
    /// How long a publisher id is remembered for exactly-once storage
    /// (`FEEDBOARD_ID_WINDOW`, 7 days; pruned sooner with a shorter
    /// retention).
    pub id_window: Duration,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            batch_max: 1000,
            batch_bytes: 8 << 20,
            max_payload: parse::DEFAULT_MAX_PAYLOAD,
            inflight_bytes: 64 << 20,
            mqtt_receive_maximum: 10_000,
            amqp_prefetch: 5_000,
            drain_limit: Duration::from_secs(10),
            lease_ttl: Duration::from_secs(6),
            lease_renew: Duration::from_secs(2),
            lease_poll: Duration::from_secs(2),
            panic_on_payload: None,
            id_window: store::batch::DEFAULT_ID_WINDOW,
        }
    }
}
