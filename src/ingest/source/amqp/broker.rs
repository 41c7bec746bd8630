//! What a feed's AMQP session stands on: the connection, its exchange,
//! its durable queue and binding.

use crate::{ingest::source::SourceError, model::TlsSettings};
use lapin::{
    Channel, Connection, ConnectionProperties, ExchangeKind,
    options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions},
    tcp::{AsyncTcpStream, RustlsConnector},
    types::{AMQPValue, FieldTable},
    uri::AMQPScheme,
};
use std::time::Duration;

/// A feed's own queue is deleted by the broker after this long without a
/// consumer (the same as an MQTT session's expiry): a safety net for queues
/// whose feed was deleted while feedboard could not clean up.
const OWN_QUEUE_EXPIRY_MS: i32 = 7 * 24 * 3600 * 1000;

/// The queue a feed consumes when none is configured: durable and named
/// after the feed, so messages wait while feedboard is down.
pub fn default_queue(feed: &str) -> String {
    format!("feedboard.{feed}")
}

/// Where a feed's messages come from: its queue and how that is bound.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub queue: String,
    /// The feed's own queue (not one named by the admin).
    pub own: bool,
    pub exchange: String,
    pub key: String,
}

impl Binding {
    pub fn of(feed: &str, exchange: &str, key: &str, queue: Option<&str>) -> Self {
        let (queue, own) = match queue {
            Some(q) => (q.to_owned(), false),
            None => (default_queue(feed), true),
        };
        Binding { queue, own, exchange: exchange.to_owned(), key: key.to_owned() }
    }
}

/// A broker to connect to: its URL and, for `amqps`, the TLS settings.
#[derive(Clone, Copy, Debug)]
pub struct Broker<'a> {
    pub url: &'a str,
    pub tls: Option<&'a TlsSettings>,
}

impl<'a> Broker<'a> {
    /// A broker reached with default TLS settings (system roots).
    pub fn at(url: &'a str) -> Self {
        Broker { url, tls: None }
    }
}

/// Connects to `broker` with a name the broker's management UI shows. The
/// URL is parsed here, not by lapin, whose errors may quote it whole; TLS
/// (`amqps`) uses the feed's own settings (CA, client certificate, name).
pub async fn connect(broker: &Broker<'_>, name: &str) -> Result<Connection, SourceError> {
    let uri: lapin::uri::AMQPUri = broker.url.parse().map_err(|e: String| {
        let reason = if e.contains(broker.url) { "not an AMQP URL".to_owned() } else { e };
        SourceError::Url(reason)
    })?;
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let tls = match uri.scheme {
        AMQPScheme::AMQPS => Some(super::super::tls::client_config(broker.tls).map_err(SourceError::tls_settings)?),
        AMQPScheme::AMQP => None,
    };
    let connect = async {
        let Some(config) = tls else { return Connection::connect_uri(uri, properties).await };
        let server_name = broker.tls.and_then(|t| t.server_name()).unwrap_or(&uri.authority.host).to_owned();
        let connector = RustlsConnector::from(config);
        Connection::connector(
            uri,
            lapin::runtime::default_runtime()?,
            async move |uri, runtime| {
                let host = (uri.authority.host.as_str(), uri.authority.port);
                let addrs: Vec<std::net::SocketAddr> = tokio::net::lookup_host(host).await?.collect();
                let stream = AsyncTcpStream::connect(&runtime, addrs).await?;
                Ok(stream.into_rustls(&connector, &server_name).await?)
            },
            properties,
        )
        .await
    };
    tokio::time::timeout(Duration::from_secs(5), connect)
        .await
        .map_err(|_| SourceError::Timeout("AMQP connect"))?
        .map_err(SourceError::from)
}

/// Uses `exchange` as it is when it exists, else declares it as a durable
/// topic exchange. Returns a usable channel (a failed passive declare
/// closes the channel it ran on).
pub async fn ensure_exchange(conn: &Connection, exchange: &str) -> Result<Channel, SourceError> {
    let channel = conn.create_channel().await?;
    if exchange.is_empty() {
        return Ok(channel); // the default exchange always exists
    }
    let passive = ExchangeDeclareOptions { passive: true, ..Default::default() };
    match channel.exchange_declare(exchange.into(), ExchangeKind::Topic, passive, FieldTable::default()).await {
        Ok(()) => Ok(channel),
        Err(e) if is_not_found(&e) => {
            let channel = conn.create_channel().await?;
            let durable = ExchangeDeclareOptions { durable: true, ..Default::default() };
            channel.exchange_declare(exchange.into(), ExchangeKind::Topic, durable, FieldTable::default()).await?;
            Ok(channel)
        }
        Err(e) => Err(e.into()),
    }
}

/// Whether the broker answered 404 NOT_FOUND.
pub fn is_not_found(e: &lapin::Error) -> bool {
    broker_code(e) == Some(404)
}

fn broker_code(e: &lapin::Error) -> Option<u16> {
    match e.kind() {
        lapin::ErrorKind::ProtocolError(amqp) => Some(amqp.get_id()),
        _ => None,
    }
}

/// Declares the feed's durable queue (its own one with an expiry) and binds
/// it. Returns a usable channel: a queue declared earlier without the
/// expiry refuses the new arguments (406), and is then used as it is.
pub(super) async fn declare(conn: &Connection, channel: Channel, binding: &Binding) -> Result<Channel, SourceError> {
    let durable = QueueDeclareOptions { durable: true, ..Default::default() };
    let mut arguments = FieldTable::default();
    if binding.own {
        arguments.insert("x-expires".into(), AMQPValue::LongInt(OWN_QUEUE_EXPIRY_MS));
    }
    let channel = match channel.queue_declare(binding.queue.as_str().into(), durable, arguments).await {
        Ok(_) => channel,
        Err(e) if broker_code(&e) == Some(406) => {
            let channel = conn.create_channel().await?;
            let passive = QueueDeclareOptions { passive: true, ..Default::default() };
            channel.queue_declare(binding.queue.as_str().into(), passive, FieldTable::default()).await?;
            channel
        }
        Err(e) => return Err(e.into()),
    };
    if !binding.exchange.is_empty() {
        channel
            .queue_bind(
                binding.queue.as_str().into(),
                binding.exchange.as_str().into(),
                binding.key.as_str().into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(channel)
}
