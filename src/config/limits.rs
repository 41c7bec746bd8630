//! Resource limits: the `Limits` section of the configuration.

use super::{
    ConfigError,
    parse::{parse, parse_duration, positive},
};
use std::time::Duration;

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
    /// `FEEDBOARD_LOG_SEARCH_WINDOW`: log lines any other search looks at
    /// per request (the trigram index finds candidates; the window keeps a
    /// search over months of history from running for minutes).
    pub log_search_window: i64,
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
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Ok(Self {
            db_pool: parse(get, "FEEDBOARD_DB_POOL", "16", positive)?,
            ingest_db_pool: parse(get, "FEEDBOARD_INGEST_DB_POOL", "8", positive)?,
            read_timeout: parse(get, "FEEDBOARD_READ_TIMEOUT", "5s", parse_duration)?,
            short_search_window: parse(get, "FEEDBOARD_SHORT_SEARCH_WINDOW", "50000", positive)?,
            log_search_window: parse(get, "FEEDBOARD_LOG_SEARCH_WINDOW", "1000000", positive)?,
            replay_concurrency: parse(get, "FEEDBOARD_REPLAY_CONCURRENCY", "4", positive)?,
            max_streams_per_client: parse(get, "FEEDBOARD_MAX_STREAMS_PER_CLIENT", "64", |v| {
                v.parse().map_err(|_| "expected a whole number (0: no cap)".to_owned())
            })?,
            header_timeout: parse(get, "FEEDBOARD_HEADER_TIMEOUT", "10s", parse_duration)?,
            write_timeout: parse(get, "FEEDBOARD_WRITE_TIMEOUT", "30s", parse_duration)?,
        })
    }
}
