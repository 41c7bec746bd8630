//! The broker side of a feed: protocol, address, what to consume, and how
//! to reach the broker (MQTT version, TLS).

use super::TlsSettings;
use serde::{Deserialize, Serialize};

/// The broker side of a feed. Its `Debug` masks the URL's password and the
/// TLS client key (`model::broker_url`), so a feed can be logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(tag = "protocol", rename_all = "lowercase")]
pub enum Source {
    /// An MQTT topic filter (`+`/`#` wildcards), QoS 1, persistent session.
    Mqtt {
        url: String,
        topic: String,
        #[serde(default)]
        mqtt_version: MqttVersion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<TlsSettings>,
    },
    /// An AMQP 0-9-1 exchange and binding key, into a durable queue.
    Amqp {
        url: String,
        exchange: String,
        binding_key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        queue: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        tls: Option<TlsSettings>,
    },
}

/// The MQTT protocol version a feed speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub enum MqttVersion {
    #[serde(rename = "5")]
    V5,
    #[serde(rename = "3.1.1")]
    V311,
    /// MQTT 5, falling back to 3.1.1 when the broker refuses 5.
    #[default]
    #[serde(rename = "auto")]
    Auto,
}

impl MqttVersion {
    pub const ALL: [MqttVersion; 3] = [MqttVersion::Auto, MqttVersion::V5, MqttVersion::V311];

    /// The version as the API spells it (`5`, `3.1.1`, `auto`).
    pub fn as_str(self) -> &'static str {
        match self {
            MqttVersion::V5 => "5",
            MqttVersion::V311 => "3.1.1",
            MqttVersion::Auto => "auto",
        }
    }

    /// The version spelled `text`, as [`as_str`](Self::as_str) spells it.
    pub fn parse(text: &str) -> Option<MqttVersion> {
        Self::ALL.into_iter().find(|v| v.as_str() == text)
    }
}

/// URL schemes an MQTT source accepts (`tcp`/`ssl` as aliases).
const MQTT_SCHEMES: [&str; 6] = ["mqtt", "mqtts", "ws", "wss", "tcp", "ssl"];
/// URL schemes an AMQP source accepts.
const AMQP_SCHEMES: [&str; 2] = ["amqp", "amqps"];

/// Whether a broker URL is encrypted (`mqtts`, `ssl`, `wss`, `amqps`).
pub fn is_tls_url(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| matches!(scheme, "mqtts" | "ssl" | "wss" | "amqps"))
}

impl Source {
    /// An MQTT source with the default version and no TLS settings.
    pub fn mqtt(url: impl Into<String>, topic: impl Into<String>) -> Source {
        Source::Mqtt { url: url.into(), topic: topic.into(), mqtt_version: MqttVersion::Auto, tls: None }
    }

    /// The broker protocol (`mqtt`, `amqp`), as the `protocol` tag says.
    pub fn protocol(&self) -> &'static str {
        match self {
            Source::Mqtt { .. } => "mqtt",
            Source::Amqp { .. } => "amqp",
        }
    }

    /// The broker URL (password included: mask it before showing it).
    pub fn url(&self) -> &str {
        match self {
            Source::Mqtt { url, .. } | Source::Amqp { url, .. } => url,
        }
    }

    /// The TLS settings, if any were given.
    pub fn tls(&self) -> Option<&TlsSettings> {
        match self {
            Source::Mqtt { tls, .. } | Source::Amqp { tls, .. } => tls.as_ref(),
        }
    }

    /// The TLS settings, to change them in place.
    pub fn tls_mut(&mut self) -> &mut Option<TlsSettings> {
        match self {
            Source::Mqtt { tls, .. } | Source::Amqp { tls, .. } => tls,
        }
    }

    /// Checks every field, calling `check` with each field's name and verdict.
    pub(crate) fn validate(&self, check: &mut impl FnMut(&str, Result<(), String>)) {
        match self {
            Source::Mqtt { url, topic, .. } => {
                check("source.url", check_url(url, &MQTT_SCHEMES));
                check("source.topic", check_topic_filter(topic));
            }
            Source::Amqp { url, exchange, binding_key, queue, .. } => {
                check("source.url", check_url(url, &AMQP_SCHEMES));
                check("source.exchange", check_amqp_name(exchange, false));
                check("source.binding_key", check_amqp_name(binding_key, true));
                if let Some(queue) = queue {
                    check("source.queue", check_amqp_name(queue, true));
                }
            }
        }
        if let Some(tls) = self.tls().filter(|t| !t.is_empty()) {
            if !is_tls_url(self.url()) {
                check("source.tls", Err("TLS settings need an mqtts://, wss:// or amqps:// URL".into()));
            }
            tls.validate(check);
        }
    }
}

fn check_url(url: &str, schemes: &[&str]) -> Result<(), String> {
    let expected = || format!("expected {}://host[:port]", schemes[0]);
    let (scheme, rest) = url.split_once("://").ok_or_else(expected)?;
    if !schemes.contains(&scheme) {
        return Err(format!("scheme must be one of {}", schemes.join(", ")));
    }
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(expected());
    }
    if url.chars().any(char::is_whitespace) {
        return Err("must not contain spaces".into());
    }
    // The parser the broker clients use; its messages never repeat the URL.
    url::Url::parse(url).map(|_| ()).map_err(|e| format!("is not a valid URL: {e}"))
}

/// MQTT topic filter rules: `+` fills a whole level, `#` only as the last.
fn check_topic_filter(topic: &str) -> Result<(), String> {
    if topic.is_empty() {
        return Err("must not be empty".into());
    }
    if topic.len() > 65_535 || topic.contains('\0') {
        return Err("is not a valid MQTT topic".into());
    }
    let levels: Vec<&str> = topic.split('/').collect();
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i != levels.len() - 1) {
            return Err("'#' must be a whole level and the last one".into());
        }
        if level.contains('+') && *level != "+" {
            return Err("'+' must be a whole level".into());
        }
    }
    Ok(())
}

fn check_amqp_name(name: &str, may_be_empty: bool) -> Result<(), String> {
    if name.is_empty() && !may_be_empty {
        return Err("must not be empty".into());
    }
    if name.len() > 255 {
        return Err("must be at most 255 characters".into());
    }
    if name.starts_with("amq.") && !may_be_empty {
        // Built-in exchanges (amq.topic, …) are fine to bind to.
        return Ok(());
    }
    if name.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_read_and_write_as_the_api_spells_them() {
        for version in MqttVersion::ALL {
            let json = serde_json::to_value(version).unwrap();
            assert_eq!(json, version.as_str());
            assert_eq!(MqttVersion::parse(version.as_str()), Some(version));
        }
        let old: Source = serde_json::from_str(r#"{"protocol":"mqtt","url":"mqtt://h","topic":"a"}"#).unwrap();
        assert_eq!(old, Source::mqtt("mqtt://h", "a"), "stored feeds from before default to auto");
    }

    #[test]
    fn websocket_urls_are_mqtt_urls() {
        let mut errors = vec![];
        for url in ["ws://127.0.0.1:8080/mqtt", "wss://broker.example/mqtt", "mqtts://h:8883"] {
            Source::mqtt(url, "a/#").validate(&mut |f, r| errors.extend(r.err().map(|e| (f.to_owned(), e))));
        }
        assert!(errors.is_empty(), "{errors:?}");
    }

    #[test]
    fn tls_settings_need_a_tls_url() {
        let tls = TlsSettings { server_name: Some("broker.internal".into()), ..TlsSettings::default() };
        let mut fields = vec![];
        let mut source = Source::mqtt("mqtt://h", "a");
        *source.tls_mut() = Some(tls);
        source.validate(&mut |f, r| fields.extend(r.err().map(|_| f.to_owned())));
        assert_eq!(fields, ["source.tls"]);
    }
}
