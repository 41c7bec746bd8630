//! Which MQTT version a feed's connections speak: the configured one, or
//! for `auto`, MQTT 5 until a broker refuses it, then 3.1.1 from then on.

use super::client::{self, Protocol};
use crate::{ingest::source::SourceError, model::MqttVersion};

/// Why a connection attempt ended, and whether the broker had accepted it
/// (sent its CONNACK) before.
pub struct Broke {
    pub error: SourceError,
    pub accepted: bool,
}

/// The version state of one feed (or one short connection).
#[derive(Debug)]
pub struct Negotiated {
    configured: MqttVersion,
    settled: Option<Protocol>,
    /// The MQTT 5 error while the 3.1.1 fallback is being tried.
    refused_v5: Option<SourceError>,
}

impl Negotiated {
    pub fn new(configured: MqttVersion) -> Self {
        Negotiated { configured, settled: None, refused_v5: None }
    }

    /// The version the next connection tries.
    pub fn next(&self) -> Protocol {
        self.settled.unwrap_or(match self.configured {
            MqttVersion::V311 => Protocol::V311,
            MqttVersion::V5 | MqttVersion::Auto => Protocol::V5,
        })
    }

    /// Whether an MQTT 5 attempt that failed with `error` before its
    /// CONNACK is to be tried again with 3.1.1 (and then 3.1.1 kept).
    fn falls_back_after(&mut self, error: &SourceError) -> bool {
        let fall_back = self.configured == MqttVersion::Auto && self.settled.is_none() && client::refuses_v5(error);
        if fall_back {
            self.settled = Some(Protocol::V311);
        }
        fall_back
    }

    /// A connection with `protocol` was accepted: keep speaking it.
    fn accepted(&mut self, protocol: Protocol) {
        self.settled = Some(protocol);
    }

    /// The fallback did not connect either: `auto` starts over with 5.
    fn reset(&mut self) {
        self.settled = None;
    }

    /// Takes an attempt with `protocol` that ended as `broke`: `None` to try
    /// again at once (now with 3.1.1, after a broker refused MQTT 5), else
    /// the error to show. A version the broker accepted is kept; when the
    /// fallback fails too, the MQTT 5 error is the one shown, and `auto`
    /// starts over next time. `who` names the connection in the log.
    pub fn failed(&mut self, protocol: Protocol, broke: Broke, who: &str) -> Option<SourceError> {
        let refused_v5 = self.refused_v5.take();
        if broke.accepted {
            self.accepted(protocol);
            return Some(broke.error);
        }
        if refused_v5.is_none() && self.falls_back_after(&broke.error) {
            tracing::info!(%who, error = %broke.error, "the broker refused MQTT 5; trying 3.1.1");
            self.refused_v5 = Some(broke.error);
            return None;
        }
        if refused_v5.is_some() {
            self.reset();
        }
        Some(refused_v5.unwrap_or(broke.error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rumqttc::v5::{ConnectionError, mqttbytes::v5::ConnectReturnCode};

    fn refused(code: ConnectReturnCode) -> SourceError {
        ConnectionError::ConnectionRefused(code).into()
    }

    fn io(kind: std::io::ErrorKind) -> SourceError {
        ConnectionError::Io(kind.into()).into()
    }

    #[test]
    fn auto_falls_back_once_on_a_refusal_of_version_5() {
        let mut auto = Negotiated::new(MqttVersion::Auto);
        assert_eq!(auto.next(), Protocol::V5);
        assert!(auto.falls_back_after(&refused(ConnectReturnCode::UnsupportedProtocolVersion)));
        assert_eq!(auto.next(), Protocol::V311);
        assert!(!auto.falls_back_after(&io(std::io::ErrorKind::UnexpectedEof)), "already on 3.1.1");
        auto.reset();
        assert_eq!(auto.next(), Protocol::V5);
        assert!(auto.falls_back_after(&io(std::io::ErrorKind::UnexpectedEof)), "a broker hanging up on CONNECT");
    }

    #[test]
    fn other_failures_and_fixed_versions_do_not_fall_back() {
        let mut auto = Negotiated::new(MqttVersion::Auto);
        assert!(!auto.falls_back_after(&io(std::io::ErrorKind::ConnectionRefused)), "nothing listens");
        assert!(!auto.falls_back_after(&refused(ConnectReturnCode::NotAuthorized)), "credentials");
        assert!(!auto.falls_back_after(&SourceError::Timeout("MQTT connect")));
        auto.accepted(Protocol::V5);
        assert!(!auto.falls_back_after(&refused(ConnectReturnCode::UnsupportedProtocolVersion)), "5 worked before");
        let mut five = Negotiated::new(MqttVersion::V5);
        assert!(!five.falls_back_after(&refused(ConnectReturnCode::UnsupportedProtocolVersion)));
        assert_eq!(Negotiated::new(MqttVersion::V311).next(), Protocol::V311);
    }

    #[test]
    fn the_mqtt_5_error_is_shown_when_the_fallback_fails_too() {
        let broke = |error, accepted| Broke { error, accepted };
        let refused = || refused(ConnectReturnCode::UnsupportedProtocolVersion);
        let mut auto = Negotiated::new(MqttVersion::Auto);
        assert!(auto.failed(Protocol::V5, broke(refused(), false), "t").is_none(), "try 3.1.1 at once");
        assert_eq!(auto.next(), Protocol::V311);
        let shown = auto.failed(Protocol::V311, broke(io(std::io::ErrorKind::ConnectionRefused), false), "t");
        assert!(matches!(shown, Some(SourceError::Mqtt(e)) if e.to_string().contains("UnsupportedProtocolVersion")));
        assert_eq!(auto.next(), Protocol::V5, "auto starts over");
        // A fallback the broker accepted is kept when that connection breaks later.
        assert!(auto.failed(Protocol::V5, broke(refused(), false), "t").is_none());
        assert!(auto.failed(Protocol::V311, broke(io(std::io::ErrorKind::ConnectionReset), true), "t").is_some());
        assert_eq!(auto.next(), Protocol::V311);
    }
}
