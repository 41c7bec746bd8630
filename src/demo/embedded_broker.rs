//! An MQTT broker inside the process (rumqttd), for the demo when no
//! broker is reachable: the demo then still moves, over real MQTT.

use rumqttd::{Broker, Config, ConnectionSettings, RouterConfig, ServerSettings};
use std::{
    collections::HashMap,
    net::{SocketAddr, TcpListener, TcpStream},
    time::{Duration, Instant},
};

/// Whether something accepts TCP connections at the host and port of `url`.
pub fn reachable(url: &str) -> bool {
    let Ok(parsed) = url::Url::parse(url) else { return false };
    let (Some(host), port) = (parsed.host_str(), parsed.port().unwrap_or(1883)) else { return false };
    let Ok(mut addrs) = std::net::ToSocketAddrs::to_socket_addrs(&(host, port)) else { return false };
    addrs.any(|addr| TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok())
}

/// Starts a broker with an MQTT v5 listener on a free loopback port;
/// returns its URL once it accepts connections.
pub fn start() -> Result<String, String> {
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let listen = SocketAddr::from(([127, 0, 0, 1], port));
    let connections = ConnectionSettings {
        connection_timeout_ms: 60_000,
        max_payload_size: 1024 * 1024,
        max_inflight_count: 10_000,
        auth: None,
        external_auth: None,
        dynamic_filters: true,
    };
    let server = ServerSettings { name: "v5-demo".into(), listen, tls: None, next_connection_delay_ms: 1, connections };
    let config = Config {
        id: 0,
        router: RouterConfig {
            max_connections: 1000,
            max_outgoing_packet_count: 1000,
            max_segment_size: 64 * 1024 * 1024,
            max_segment_count: 4,
            custom_segment: None,
            initialized_filters: None,
            shared_subscriptions_strategy: Default::default(),
        },
        v4: None,
        v5: Some(HashMap::from([("1".to_owned(), server)])),
        ws: None,
        cluster: None,
        console: None,
        bridge: None,
        prometheus: None,
        metrics: None,
    };
    std::thread::Builder::new()
        .name("embedded-mqtt".into())
        .spawn(move || {
            if let Err(e) = Broker::new(config).start() {
                tracing::error!(error = %e, "the embedded MQTT broker stopped");
            }
        })
        .map_err(|e| e.to_string())?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if TcpStream::connect_timeout(&listen, Duration::from_millis(200)).is_ok() {
            return Ok(format!("mqtt://{listen}"));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err("the embedded MQTT broker did not start listening".into())
}
