//! The state of a live connection (the SSE stream, the room's WebSocket),
//! as the UI tells it.

/// Where a connection stands; [`ConnectionState::label`] is the text the
/// badges show (`data-testid="connection-status"`, `data-state` of
/// `room-status`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ConnectionState {
    /// Opening the first connection.
    #[default]
    Connecting,
    /// Connected and receiving (data or heartbeats).
    Live,
    /// Lost, or not yet open, and trying again.
    Reconnecting,
    /// The browser is offline.
    Offline,
    /// Playing back a past window instead of following live.
    Replay,
}

impl ConnectionState {
    /// The state in one lower-case word.
    pub fn label(self) -> &'static str {
        match self {
            ConnectionState::Connecting => "connecting",
            ConnectionState::Live => "live",
            ConnectionState::Reconnecting => "reconnecting",
            ConnectionState::Offline => "offline",
            ConnectionState::Replay => "replay",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_the_words_the_badges_show() {
        let states = [
            ConnectionState::Connecting,
            ConnectionState::Live,
            ConnectionState::Reconnecting,
            ConnectionState::Offline,
            ConnectionState::Replay,
        ];
        let labels: Vec<&str> = states.into_iter().map(ConnectionState::label).collect();
        assert_eq!(labels, ["connecting", "live", "reconnecting", "offline", "replay"]);
    }
}
