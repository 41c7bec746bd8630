//! One face for the two MQTT versions, which rumqttc implements in two
//! modules (`rumqttc` for 3.1.1, `rumqttc::v5`): options from a feed's URL
//! and TLS settings, the client's requests, and the events the session
//! cares about.

use super::MAX_PACKET;
use crate::ingest::source::{SourceError, credentials, tls};
use crate::model::{MqttVersion, TlsSettings};
use bytes::Bytes;
use rumqttc::{
    NetworkOptions, Outgoing, Transport,
    v5::{self, mqttbytes::v5 as p5},
};
use std::time::Duration;

/// A protocol version a connection speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    V5,
    V311,
}

impl Protocol {
    /// The version as the API spells it.
    pub fn version(self) -> MqttVersion {
        match self {
            Protocol::V5 => MqttVersion::V5,
            Protocol::V311 => MqttVersion::V311,
        }
    }
}

/// What the broker keeps of a connection's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionKind {
    /// A feed's session: kept while away, QoS 1 acks sent by the feed
    /// after commit, at most `receive_max` unacknowledged deliveries (MQTT 5).
    Persistent { receive_max: u16 },
    /// No session (previews and probes).
    Clean,
    /// Replaces a stored session with nothing, removing it.
    Discard,
}

/// How long the broker keeps a persistent MQTT 5 session (and queued
/// messages) while we are away. (3.1.1 sessions last as the broker says.)
const SESSION_EXPIRY_SECS: u32 = 7 * 24 * 3600;

/// Where and how to connect.
pub struct Target<'a> {
    pub url: &'a str,
    pub tls: Option<&'a TlsSettings>,
    pub client_id: &'a str,
}

/// The client half of a connection: requests go through it.
#[derive(Clone)]
pub enum Client {
    V5(v5::AsyncClient),
    V311(rumqttc::AsyncClient),
}

/// The event loop half of a connection.
pub enum Events {
    V5(Box<v5::EventLoop>),
    V311(Box<rumqttc::EventLoop>),
}

/// What acknowledging a delivery needs (its packet id), payload dropped.
pub enum Receipt {
    V5(Box<p5::Publish>),
    V311(Box<rumqttc::Publish>),
}

/// What the session reacts to.
pub enum Happened {
    ConnAck,
    /// The broker answered a subscription; `refused` says why it did not
    /// grant it.
    SubAck {
        refused: Option<String>,
    },
    UnsubAck,
    DisconnectSent,
    Publish {
        topic: String,
        payload: Bytes,
        receipt: Receipt,
    },
    Other,
}

/// Opens a connection (lazily: nothing is sent before the first poll).
/// `capacity` bounds the request channel; acks queue there.
pub fn open(
    target: &Target,
    protocol: Protocol,
    kind: SessionKind,
    capacity: usize,
) -> Result<(Client, Events), SourceError> {
    let endpoint = Endpoint::of(target)?;
    Ok(match protocol {
        Protocol::V5 => {
            let mut options = v5::MqttOptions::new(target.client_id, endpoint.host.clone(), endpoint.port);
            options.set_keep_alive(Duration::from_secs(15)).set_connection_timeout(5).set_transport(endpoint.transport);
            options.set_request_channel_capacity(capacity).set_max_packet_size(Some(MAX_PACKET));
            if let Some((user, password)) = endpoint.credentials {
                options.set_credentials(user, password);
            }
            match kind {
                SessionKind::Persistent { receive_max } => {
                    options
                        .set_clean_start(false)
                        .set_session_expiry_interval(Some(SESSION_EXPIRY_SECS))
                        .set_manual_acks(true)
                        .set_receive_maximum(Some(receive_max));
                }
                SessionKind::Clean => {
                    options.set_clean_start(true);
                }
                SessionKind::Discard => {
                    options.set_clean_start(true).set_session_expiry_interval(None);
                }
            }
            let (client, events) = v5::AsyncClient::new(options, capacity);
            (Client::V5(client), Events::V5(Box::new(events)))
        }
        Protocol::V311 => {
            let mut options = rumqttc::MqttOptions::new(target.client_id, endpoint.host.clone(), endpoint.port);
            options.set_keep_alive(Duration::from_secs(15)).set_transport(endpoint.transport);
            options.set_request_channel_capacity(capacity).set_max_packet_size(MAX_PACKET as usize, 1024 * 1024);
            if let Some((user, password)) = endpoint.credentials {
                options.set_credentials(user, password);
            }
            let persistent = matches!(kind, SessionKind::Persistent { .. });
            options.set_clean_session(!persistent).set_manual_acks(persistent);
            let (client, mut events) = rumqttc::AsyncClient::new(options, capacity);
            let mut network = NetworkOptions::new();
            network.set_connection_timeout(5);
            events.set_network_options(network);
            (Client::V311(client), Events::V311(Box::new(events)))
        }
    })
}

/// The broker address as rumqttc takes it: host and port for TCP, the
/// whole URL (without credentials) for WebSocket.
struct Endpoint {
    host: String,
    port: u16,
    transport: Transport,
    credentials: Option<(String, String)>,
}

impl Endpoint {
    /// Errors name the problem, never the URL (it may hold a password).
    fn of(target: &Target) -> Result<Endpoint, SourceError> {
        let mut url = url::Url::parse(target.url).map_err(|e| SourceError::Url(e.to_string()))?;
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| SourceError::Url("no host".into()))?;
        let host = host.trim_matches(['[', ']']).to_owned();
        let credentials = credentials(&url);
        let tls = || {
            let config = tls::client_config(target.tls).map_err(SourceError::tls_settings)?;
            Ok::<_, SourceError>(rumqttc::TlsConfiguration::Rustls(config))
        };
        let (transport, default_port) = match url.scheme() {
            "mqtt" | "tcp" => (Transport::Tcp, 1883),
            "mqtts" | "ssl" => (Transport::Tls(tls()?), 8883),
            "ws" => (Transport::Ws, 80),
            "wss" => (Transport::Wss(tls()?), 443),
            other => return Err(SourceError::Url(format!("unsupported scheme {other:?}"))),
        };
        let port = url.port().unwrap_or(default_port);
        if matches!(transport, Transport::Ws | Transport::Wss(_)) {
            // rumqttc reads host, port and path from the URL itself.
            let _ = url.set_username("");
            let _ = url.set_password(None);
            return Ok(Endpoint { host: url.into(), port, transport, credentials });
        }
        Ok(Endpoint { host, port, transport, credentials })
    }
}

impl Client {
    pub async fn subscribe(&self, topic: &str) -> Result<(), SourceError> {
        match self {
            Client::V5(c) => c.subscribe(topic, v5::mqttbytes::QoS::AtLeastOnce).await?,
            Client::V311(c) => c.subscribe(topic, rumqttc::QoS::AtLeastOnce).await?,
        }
        Ok(())
    }

    pub async fn unsubscribe(&self, topic: &str) -> Result<(), SourceError> {
        match self {
            Client::V5(c) => c.unsubscribe(topic).await?,
            Client::V311(c) => c.unsubscribe(topic).await?,
        }
        Ok(())
    }

    pub async fn disconnect(&self) -> Result<(), SourceError> {
        match self {
            Client::V5(c) => c.disconnect().await?,
            Client::V311(c) => c.disconnect().await?,
        }
        Ok(())
    }

    /// Publishes `payload` to `topic` with QoS 1 (the demo's publishers).
    pub async fn publish(&self, topic: &str, payload: Vec<u8>) -> Result<(), SourceError> {
        match self {
            Client::V5(c) => c.publish(topic, v5::mqttbytes::QoS::AtLeastOnce, false, payload).await?,
            Client::V311(c) => c.publish(topic, rumqttc::QoS::AtLeastOnce, false, payload).await?,
        }
        Ok(())
    }

    /// Acknowledges a delivery (QoS 1 PUBACK).
    pub async fn ack(&self, receipt: &Receipt) -> Result<(), SourceError> {
        match (self, receipt) {
            (Client::V5(c), Receipt::V5(p)) => c.ack(p).await?,
            (Client::V311(c), Receipt::V311(p)) => c.ack(p).await?,
            _ => unreachable!("a receipt comes from its own client's connection"),
        }
        Ok(())
    }
}

impl Events {
    /// The next event; an error ends the connection.
    pub async fn poll(&mut self) -> Result<Happened, SourceError> {
        Ok(match self {
            Events::V5(events) => match events.poll().await? {
                v5::Event::Incoming(p5::Packet::ConnAck(_)) => Happened::ConnAck,
                v5::Event::Incoming(p5::Packet::SubAck(ack)) => Happened::SubAck {
                    refused: ack
                        .return_codes
                        .iter()
                        .find(|c| !matches!(c, p5::SubscribeReasonCode::Success(_)))
                        .map(|c| format!("{c:?}")),
                },
                v5::Event::Incoming(p5::Packet::UnsubAck(_)) => Happened::UnsubAck,
                v5::Event::Incoming(p5::Packet::Publish(publish)) => Happened::Publish {
                    topic: String::from_utf8_lossy(&publish.topic).into_owned(),
                    payload: publish.payload.clone(),
                    receipt: Receipt::V5(Box::new(p5::Publish { payload: Bytes::new(), ..publish })),
                },
                v5::Event::Outgoing(Outgoing::Disconnect) => Happened::DisconnectSent,
                _ => Happened::Other,
            },
            Events::V311(events) => match events.poll().await? {
                rumqttc::Event::Incoming(rumqttc::Packet::ConnAck(_)) => Happened::ConnAck,
                rumqttc::Event::Incoming(rumqttc::Packet::SubAck(ack)) => Happened::SubAck {
                    refused: ack
                        .return_codes
                        .iter()
                        .any(|c| matches!(c, rumqttc::SubscribeReasonCode::Failure))
                        .then(|| "Failure".to_owned()),
                },
                rumqttc::Event::Incoming(rumqttc::Packet::UnsubAck(_)) => Happened::UnsubAck,
                rumqttc::Event::Incoming(rumqttc::Packet::Publish(publish)) => Happened::Publish {
                    topic: publish.topic.clone(),
                    payload: publish.payload.clone(),
                    receipt: Receipt::V311(Box::new(rumqttc::Publish { payload: Bytes::new(), ..publish })),
                },
                rumqttc::Event::Outgoing(Outgoing::Disconnect) => Happened::DisconnectSent,
                _ => Happened::Other,
            },
        })
    }
}

/// Whether an error before the first CONNACK of an MQTT 5 attempt may
/// mean a broker that speaks only 3.1.1: a refusal of the version, an
/// answer that is not MQTT 5, or a broker that hangs up on the CONNECT.
/// Not: an address nobody listens on, a TLS failure, a timeout, or a
/// refusal for another reason (credentials, client id). A wrong guess costs
/// one 3.1.1 attempt; when that fails too, the MQTT 5 error is the one shown.
pub fn refuses_v5(error: &SourceError) -> bool {
    use std::io::ErrorKind;
    use v5::{ConnectionError as E, mqttbytes::v5::ConnectReturnCode as Code};
    let SourceError::Mqtt(error) = error else { return false };
    match error.as_ref() {
        E::ConnectionRefused(code) => matches!(code, Code::UnsupportedProtocolVersion),
        E::Tls(_) | E::Timeout(_) | E::RequestsDone | E::InvalidUrl(_) | E::WsConnect(_) => false,
        E::Io(e) => !matches!(
            e.kind(),
            ErrorKind::ConnectionRefused
                | ErrorKind::NotFound
                | ErrorKind::AddrNotAvailable
                | ErrorKind::HostUnreachable
                | ErrorKind::NetworkUnreachable
                | ErrorKind::TimedOut
        ),
        _ => true,
    }
}
