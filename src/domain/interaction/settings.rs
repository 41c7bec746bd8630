//! The knobs of the interaction socket: timings, queue sizes, rate limits.

use crate::auth::rate_limit::RateLimiter;
use std::{net::IpAddr, time::Duration};

/// Timings and bounds of every interaction socket.
#[derive(Clone, Copy, Debug)]
pub struct WsSettings {
    /// How often the server pings an otherwise quiet socket.
    pub ping_every: Duration,
    /// A socket with no traffic at all (pongs included) for this long is closed.
    pub idle_timeout: Duration,
    /// Messages waiting for one socket; a socket whose queue is full is closed.
    pub outbox: usize,
    /// How long one write may take before the socket counts as gone.
    pub write_timeout: Duration,
    /// Presence changes are gathered for this long, then announced once, so
    /// a crowd arriving costs one update per interval, not one per arrival.
    pub presence_every: Duration,
    /// Rooms one socket may be in at once.
    pub max_rooms: usize,
    /// Messages a user (or an anonymous address) may send at once…
    pub burst: u32,
    /// …then per second.
    pub per_second: f64,
}

impl Default for WsSettings {
    fn default() -> Self {
        Self {
            ping_every: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            outbox: 256,
            write_timeout: Duration::from_secs(10),
            presence_every: Duration::from_millis(200),
            max_rooms: 16,
            burst: 10,
            per_second: 1.0,
        }
    }
}

/// Whose messages a rate limit counts. Writes count per user across all
/// their sockets, or per address for anonymous viewers (who may not write,
/// but may not flood the refusals either). Joining and leaving count per
/// socket, so a crowd of viewers behind one address can all come in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RateKey {
    User(i64),
    Ip(IpAddr),
    Socket(u64),
}

/// The per-sender message limiter.
pub type WsLimiter = RateLimiter<RateKey>;
