//! The names of the live stream's SSE events (`GET /api/v1/stream`), shared
//! by the server that sends them and the browser that listens for them.

use std::fmt;

/// One kind of event on the live stream (the SSE `event:` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LiveEvent {
    /// Where live delivery starts, per feed; first on every connection.
    Ready,
    /// A stored tick.
    Tick,
    /// A stored log line.
    Log,
    /// A feed's ingest status changed.
    Status,
    /// A feed's live delivery restarted: reload its history.
    Reset,
    /// Nothing else to say; proves the connection is alive.
    Heartbeat,
    /// A replay reached the end of its window.
    End,
    /// An alert rule on a feed fired.
    Alert,
}

impl LiveEvent {
    /// Every event the stream sends.
    pub const ALL: [LiveEvent; 8] = [
        LiveEvent::Ready,
        LiveEvent::Tick,
        LiveEvent::Log,
        LiveEvent::Status,
        LiveEvent::Reset,
        LiveEvent::Heartbeat,
        LiveEvent::End,
        LiveEvent::Alert,
    ];

    /// The name on the wire (`ready`, `tick`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            LiveEvent::Ready => "ready",
            LiveEvent::Tick => "tick",
            LiveEvent::Log => "log",
            LiveEvent::Status => "status",
            LiveEvent::Reset => "reset",
            LiveEvent::Heartbeat => "heartbeat",
            LiveEvent::End => "end",
            LiveEvent::Alert => "alert",
        }
    }

    /// The event called `name` on the wire, if there is one.
    pub fn from_name(name: &str) -> Option<LiveEvent> {
        LiveEvent::ALL.into_iter().find(|event| event.as_str() == name)
    }
}

impl fmt::Display for LiveEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for event in LiveEvent::ALL {
            assert_eq!(LiveEvent::from_name(event.as_str()), Some(event));
            assert_eq!(event.to_string(), event.as_str());
        }
        assert_eq!(LiveEvent::from_name("Ready"), None, "names are case-sensitive");
        assert_eq!(LiveEvent::from_name(""), None);
    }

    #[test]
    fn names_are_the_ones_the_api_documents() {
        let names: Vec<&str> = LiveEvent::ALL.iter().map(|e| e.as_str()).collect();
        assert_eq!(names, ["ready", "tick", "log", "status", "reset", "heartbeat", "end", "alert"]);
    }
}
