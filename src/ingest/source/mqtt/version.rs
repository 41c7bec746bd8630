//! Which MQTT version a feed's connections speak: the configured one, or
//! for `auto`, MQTT 5 until a broker refuses it, then 3.1.1 from then on.

use super::client::{self, Protocol};
use crate::{ingest::source::SourceError, model::MqttVersion};

/// The version state of one feed (or one short connection).
#[derive(Clone, Debug)]
pub struct Negotiated {
    configured: MqttVersion,
    settled: Option<Protocol>,
}

impl Negotiated {
    pub fn new(configured: MqttVersion) -> Self {
        Negotiated { configured, settled: None }
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
    pub fn falls_back_after(&mut self, error: &SourceError) -> bool {
        let fall_back = self.configured == MqttVersion::Auto && self.settled.is_none() && client::refuses_v5(error);
        if fall_back {
            self.settled = Some(Protocol::V311);
        }
        fall_back
    }

    /// A connection with `protocol` was accepted: keep speaking it.
    pub fn accepted(&mut self, protocol: Protocol) {
        self.settled = Some(protocol);
    }

    /// The fallback did not connect either: `auto` starts over with 5.
    pub fn reset(&mut self) {
        self.settled = None;
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
}
