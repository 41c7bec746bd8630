//! Feeds: where messages come from, what they are, and how they are doing.

use super::{FeedStorage, Mapping, MappingField, Retention, Source};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a feed carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    Ticks,
    Logs,
}

impl FeedKind {
    /// The kind's name as the API spells it (`ticks`, `logs`).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Ticks => "ticks",
            FeedKind::Logs => "logs",
        }
    }
}

/// What an admin configures: the writable part of a feed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeedSpec {
    pub name: String,
    pub kind: FeedKind,
    pub source: Source,
    #[serde(default)]
    pub mapping: Mapping,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// How long messages are kept. Absent in a request: the server's
    /// default when creating, unchanged when editing; always set on a
    /// stored feed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retention: Option<Retention>,
}

fn yes() -> bool {
    true
}

/// Connection state of a feed's ingest task.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum FeedState {
    #[default]
    Connecting,
    Connected,
    Error,
    Disabled,
}

impl FeedState {
    /// The state's name as the API spells it (`connected`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            FeedState::Connecting => "connecting",
            FeedState::Connected => "connected",
            FeedState::Error => "error",
            FeedState::Disabled => "disabled",
        }
    }
}

/// Live status of a feed (read-only).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct FeedStatus {
    pub state: FeedState,
    pub last_error: Option<String>,
    #[serde(with = "crate::time::option")]
    #[cfg_attr(feature = "ssr", schema(value_type = Option<String>))]
    pub last_message_at: Option<DateTime<Utc>>,
    /// Messages taken from the broker since this server started.
    pub received: u64,
    /// Messages stored, in all.
    pub stored: u64,
    /// Messages rejected, in all.
    pub rejected: u64,
    /// The feedboard process (`FEEDBOARD_NODE_ID`) that ingests the feed;
    /// `None` while no process holds it.
    #[serde(default)]
    pub ingested_by: Option<String>,
    /// The MQTT version the broker accepted (MQTT feeds, once connected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mqtt_version: Option<crate::MqttVersion>,
}

/// A feed with its live status, as `GET /api/v1/feeds/{name}` returns it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
pub struct Feed {
    #[serde(flatten)]
    pub spec: FeedSpec,
    pub status: FeedStatus,
    /// What the feed keeps now.
    #[serde(default)]
    pub storage: FeedStorage,
}

impl FeedSpec {
    /// Checks every field, returning one message per offending field
    /// (`name`, `source.url`, `source.topic`, …). Shared by the API and the
    /// admin form, so both say the same thing.
    pub fn validate(&self) -> Result<(), Vec<crate::FieldError>> {
        let mut errors = Vec::new();
        let mut check = |field: &str, result: Result<(), String>| {
            if let Err(message) = result {
                errors.push(crate::FieldError { field: field.to_owned(), message });
            }
        };
        check("name", crate::Slug::parse(&self.name).map(|_| ()).map_err(|e| e.to_string()));
        self.source.validate(&mut check);
        for field in MappingField::ALL {
            let name = self.mapping.field(field);
            if name.len() > 128 {
                check(&format!("mapping.{field}"), Err("must be at most 128 characters".into()));
            } else {
                check(&format!("mapping.{field}"), self.mapping.path(field).map(|_| ()));
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mqtt(url: &str, topic: &str) -> FeedSpec {
        FeedSpec {
            name: "us-stocks".into(),
            kind: FeedKind::Ticks,
            source: Source::mqtt(url, topic),
            mapping: Mapping::default(),
            enabled: true,
            retention: None,
        }
    }

    fn fields(spec: &FeedSpec) -> Vec<String> {
        spec.validate().err().unwrap_or_default().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn valid_specs_pass() {
        assert!(mqtt("mqtt://127.0.0.1:1883", "ticks/#").validate().is_ok());
        assert!(mqtt("mqtts://user:pw@broker.example", "a/+/c").validate().is_ok());
        let amqp = FeedSpec {
            source: Source::Amqp {
                url: "amqp://guest:guest@127.0.0.1:5672/%2f".into(),
                exchange: "logs".into(),
                binding_key: "app.#".into(),
                queue: None,
                tls: None,
            },
            ..mqtt("", "")
        };
        assert!(amqp.validate().is_ok());
    }

    #[test]
    fn each_bad_field_is_named() {
        assert_eq!(fields(&mqtt("http://x", "a")), ["source.url"]);
        assert_eq!(fields(&mqtt("mqtt://", "a")), ["source.url"]);
        assert_eq!(fields(&mqtt("mqtt://h", "")), ["source.topic"]);
        assert_eq!(fields(&mqtt("mqtt://h", "a/#/b")), ["source.topic"]);
        assert_eq!(fields(&mqtt("mqtt://h", "a/b+")), ["source.topic"]);
        let bad_port = mqtt("mqtt://user:hunter2@127.0.0.1:99999", "a");
        let error = bad_port.validate().unwrap_err().remove(0);
        assert_eq!(
            (error.field.as_str(), error.message.as_str()),
            ("source.url", "is not a valid URL: invalid port number")
        );
        let spec = FeedSpec { name: "Bad Name".into(), ..mqtt("x", "") };
        assert_eq!(fields(&spec), ["name", "source.url", "source.topic"]);
    }
}
