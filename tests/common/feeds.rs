//! Feed bodies for the REST API, on the machine's brokers.

use super::brokers::{AMQP_URL, MQTT_URL};
use serde_json::{Value, json};

/// An MQTT feed of `kind` subscribed to `topic`.
pub fn mqtt_feed(name: &str, kind: &str, topic: &str) -> Value {
    json!({"name": name, "kind": kind, "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}})
}

/// An AMQP feed of `kind` bound to `exchange` with `key`.
pub fn amqp_feed(name: &str, kind: &str, exchange: &str, key: &str) -> Value {
    json!({"name": name, "kind": kind,
           "source": {"protocol": "amqp", "url": AMQP_URL, "exchange": exchange, "binding_key": key}})
}
