//! What the connection badge says, from what the browser knows: whether it
//! is online, whether the stream is open, and when the last event came.

use crate::model::ConnectionState;

/// Without any event for this long (ms), the badge says "stale since".
pub const STALE_AFTER_MS: f64 = 25_000.0;

/// The badge's state: offline wins, then an open stream is live.
pub fn connection_state(online: bool, open: bool) -> ConnectionState {
    match (online, open) {
        (false, _) => ConnectionState::Offline,
        (true, true) => ConnectionState::Live,
        (true, false) => ConnectionState::Reconnecting,
    }
}

/// Since when (ms since the epoch) an open stream has been silent, if for
/// longer than [`STALE_AFTER_MS`] at `now_ms`; a closed one is not stale,
/// it is reconnecting.
pub fn stale_since(open: bool, last_event_ms: f64, now_ms: f64) -> Option<f64> {
    (open && now_ms - last_event_ms > STALE_AFTER_MS).then_some(last_event_ms)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_wins_over_an_open_stream() {
        assert_eq!(connection_state(false, true), ConnectionState::Offline);
        assert_eq!(connection_state(true, true), ConnectionState::Live);
        assert_eq!(connection_state(true, false), ConnectionState::Reconnecting);
    }

    #[test]
    fn an_open_stream_goes_stale_after_the_quiet_period() {
        let last = 1_000_000.0;
        assert_eq!(stale_since(true, last, last + STALE_AFTER_MS), None);
        assert_eq!(stale_since(true, last, last + STALE_AFTER_MS + 1.0), Some(last));
        assert_eq!(stale_since(false, last, last + 60_000.0), None, "closed: reconnecting, not stale");
    }
}
