//! An MQTT broker that speaks only 3.1.1, over TCP and WebSocket (rumqttd),
//! for the broker tests: `feedboard-test-broker <tcp addr> <ws addr>`.
//! It keeps sessions in memory only, as many small brokers do.

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};
use std::{collections::HashMap, net::SocketAddr};

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<SocketAddr>());
    let (Some(Ok(tcp)), Some(Ok(ws))) = (args.next(), args.next()) else {
        eprintln!("usage: feedboard-test-broker <tcp addr> <ws addr>");
        std::process::exit(2);
    };
    let connections = ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: 1024 * 1024,
        max_inflight_count: 100,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server = |name: &str, listen| ServerSettings {
        name: name.into(),
        listen,
        tls: None,
        next_connection_delay_ms: 1,
        connections: connections.clone(),
    };
    let config = Config {
        id: 0,
        router: RouterConfig {
            max_connections: 1000,
            max_outgoing_packet_count: 200,
            max_segment_size: 100 * 1024 * 1024,
            max_segment_count: 10,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: Some(HashMap::from([("tcp".to_owned(), server("v4-tcp", tcp))])),
        v5: None,
        ws: Some(HashMap::from([("ws".to_owned(), server("v4-ws", ws))])),
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    };
    if let Err(e) = Broker::new(config).start() {
        eprintln!("broker stopped: {e}");
        std::process::exit(1);
    }
}
