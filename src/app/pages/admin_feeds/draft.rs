//! The feed form's state: one signal per input, and the conversion to and
//! from the `FeedSpec` that the server validates.

use super::{retention::KeepDraft, tls_fields::TlsDraft};
use crate::{
    error::FieldError,
    model::{FeedKind, FeedSpec, Mapping, MappingField, MqttVersion, Source},
};
use leptos::prelude::*;

/// The broker URL a new MQTT feed starts with.
pub const DEFAULT_MQTT_URL: &str = "mqtt://127.0.0.1:1883";
/// The broker URL a new AMQP feed starts with.
pub const DEFAULT_AMQP_URL: &str = "amqp://guest:guest@127.0.0.1:5672/%2f";

/// What the form calls mapping field `field`.
pub fn mapping_label(field: MappingField) -> &'static str {
    match field {
        MappingField::Symbol => "Symbol field",
        MappingField::Price => "Price field",
        MappingField::Size => "Size field",
        MappingField::Message => "Message field",
        MappingField::Level => "Level field",
        MappingField::Source => "Source field",
        MappingField::Ts => "Time field",
        MappingField::Id => "Id field",
    }
}

/// The inputs of the feed form. Text inputs and choices are strings as the
/// controls hold them; `spec` turns them into what the server expects.
#[derive(Clone, Copy)]
pub struct FeedDraft {
    pub name: RwSignal<String>,
    /// `ticks` or `logs`.
    pub kind: RwSignal<String>,
    /// `mqtt` or `amqp`.
    pub protocol: RwSignal<String>,
    pub mqtt_url: RwSignal<String>,
    pub topic: RwSignal<String>,
    /// `auto`, `5` or `3.1.1`.
    pub mqtt_version: RwSignal<String>,
    pub amqp_url: RwSignal<String>,
    pub exchange: RwSignal<String>,
    pub binding_key: RwSignal<String>,
    pub queue: RwSignal<String>,
    /// TLS settings (shown for TLS URLs).
    pub tls: TlsDraft,
    /// Custom JSON field names, in [`MappingField::ALL`] order; empty = default.
    mapping: [RwSignal<String>; 8],
    pub enabled: RwSignal<bool>,
    /// How long messages are kept.
    pub keep: KeepDraft,
}

impl FeedDraft {
    /// The form for `spec`, or for a new feed with sensible defaults.
    pub fn new(spec: Option<&FeedSpec>) -> Self {
        let text = |s: &str| RwSignal::new(s.to_owned());
        let draft = FeedDraft {
            name: text(""),
            kind: text(FeedKind::Ticks.as_str()),
            protocol: text("mqtt"),
            mqtt_url: text(DEFAULT_MQTT_URL),
            topic: text(""),
            mqtt_version: text(MqttVersion::Auto.as_str()),
            amqp_url: text(DEFAULT_AMQP_URL),
            exchange: text(""),
            binding_key: text("#"),
            queue: text(""),
            tls: TlsDraft::new(),
            mapping: MappingField::ALL.map(|_| text("")),
            enabled: RwSignal::new(true),
            keep: KeepDraft::new(None),
        };
        if let Some(spec) = spec {
            draft.load(spec);
        }
        draft
    }

    fn load(&self, spec: &FeedSpec) {
        self.name.set(spec.name.clone());
        self.kind.set(spec.kind.as_str().to_owned());
        self.protocol.set(spec.source.protocol().to_owned());
        self.tls.load(spec.source.tls());
        match &spec.source {
            Source::Mqtt { url, topic, mqtt_version, .. } => {
                self.mqtt_url.set(url.clone());
                self.topic.set(topic.clone());
                self.mqtt_version.set(mqtt_version.as_str().to_owned());
            }
            Source::Amqp { url, exchange, binding_key, queue, .. } => {
                self.amqp_url.set(url.clone());
                self.exchange.set(exchange.clone());
                self.binding_key.set(binding_key.clone());
                self.queue.set(queue.clone().unwrap_or_default());
            }
        }
        for (field, signal) in MappingField::ALL.into_iter().zip(self.mapping) {
            if spec.mapping.field(field) != field.as_str() {
                signal.set(spec.mapping.field(field).to_owned());
            }
        }
        self.enabled.set(spec.enabled);
        self.keep.load(spec.retention);
    }

    /// The chosen kind (tracked).
    pub fn kind(&self) -> FeedKind {
        if self.kind.get() == FeedKind::Logs.as_str() { FeedKind::Logs } else { FeedKind::Ticks }
    }

    /// Whether the AMQP fields are shown (tracked).
    pub fn is_amqp(&self) -> bool {
        self.protocol.get() == "amqp"
    }

    /// The input holding the custom name of mapping field `field`.
    pub fn mapping_input(&self, field: MappingField) -> Option<RwSignal<String>> {
        MappingField::ALL.iter().position(|f| *f == field).map(|i| self.mapping[i])
    }

    /// The feed as entered, for saving (read without tracking); the error
    /// names the field the browser finds at fault before any request.
    pub fn spec(&self) -> Result<FeedSpec, FieldError> {
        let retention = self.keep.retention()?;
        Ok(untrack(|| {
            let (kind, source, mapping) = self.settings();
            FeedSpec {
                name: self.name.get().trim().to_owned(),
                kind,
                source,
                mapping,
                enabled: self.enabled.get(),
                retention,
            }
        }))
    }

    /// The kind, source and mapping as entered (read without tracking).
    pub fn settings(&self) -> (FeedKind, Source, Mapping) {
        untrack(|| (self.kind(), self.source(), self.mapping()))
    }

    fn source(&self) -> Source {
        let trimmed = |s: RwSignal<String>| s.get().trim().to_owned();
        if self.is_amqp() {
            let queue = trimmed(self.queue);
            Source::Amqp {
                url: trimmed(self.amqp_url),
                exchange: trimmed(self.exchange),
                binding_key: trimmed(self.binding_key),
                queue: (!queue.is_empty()).then_some(queue),
                tls: self.tls.settings(),
            }
        } else {
            Source::Mqtt {
                url: trimmed(self.mqtt_url),
                topic: trimmed(self.topic),
                mqtt_version: MqttVersion::parse(&self.mqtt_version.get()).unwrap_or_default(),
                tls: self.tls.settings(),
            }
        }
    }

    /// Only the fields this kind reads, and only those given a name.
    fn mapping(&self) -> Mapping {
        let mut mapping = Mapping::default();
        for &field in MappingField::for_kind(self.kind()) {
            let name = self.mapping_input(field).map(|s| s.get().trim().to_owned()).filter(|s| !s.is_empty());
            mapping.set(field, name);
        }
        mapping
    }
}

#[cfg(test)]
mod tests {
    use super::{super::retention::CUSTOM, *};
    use crate::model::Retention;

    fn amqp_spec() -> FeedSpec {
        FeedSpec {
            name: "app-logs".into(),
            kind: FeedKind::Logs,
            source: Source::Amqp {
                url: "amqp://u:p@broker:5672/%2f".into(),
                exchange: "logs".into(),
                binding_key: "app.#".into(),
                queue: Some("mine".into()),
                tls: None,
            },
            mapping: Mapping { message: Some("msg".into()), ..Mapping::default() },
            enabled: false,
            retention: None,
        }
    }

    /// Runs `f` where signals can live (server-side arenas need an owner).
    fn with_owner(f: impl FnOnce()) {
        Owner::new().with(f);
    }

    #[test]
    fn a_new_feed_starts_with_local_brokers() {
        with_owner(|| {
            let draft = FeedDraft::new(None);
            draft.name.set(" us-stocks ".into());
            draft.topic.set("ticks/#".into());
            let spec = draft.spec().unwrap();
            assert_eq!(spec.name, "us-stocks");
            assert_eq!(spec.kind, FeedKind::Ticks);
            assert_eq!(spec.source, Source::mqtt(DEFAULT_MQTT_URL, "ticks/#"));
            assert_eq!(spec.mapping, Mapping::default());
            assert!(spec.enabled);
            assert_eq!(spec.retention, None, "the server's default");
            draft.protocol.set("amqp".into());
            assert_eq!(draft.spec().unwrap().source.url(), DEFAULT_AMQP_URL);
        });
    }

    #[test]
    fn a_stored_feed_comes_back_unchanged() {
        with_owner(|| {
            let spec = amqp_spec();
            assert_eq!(FeedDraft::new(Some(&spec)).spec(), Ok(spec));
            let mqtt = FeedSpec {
                kind: FeedKind::Ticks,
                source: Source::Mqtt {
                    url: "mqtts://h".into(),
                    topic: "a/+".into(),
                    mqtt_version: MqttVersion::V311,
                    tls: Some(crate::model::TlsSettings {
                        server_name: Some("broker.internal".into()),
                        ..Default::default()
                    }),
                },
                mapping: Mapping { price: Some("p".into()), ..Mapping::default() },
                retention: Some(Retention::keep("36h".parse().unwrap())),
                ..amqp_spec()
            };
            assert_eq!(FeedDraft::new(Some(&mqtt)).spec(), Ok(mqtt.clone()));
            let forever = FeedSpec { retention: Some(Retention::default()), ..mqtt };
            assert_eq!(FeedDraft::new(Some(&forever)).spec(), Ok(forever));
        });
    }

    #[test]
    fn mapping_keeps_only_what_the_kind_reads() {
        with_owner(|| {
            let draft = FeedDraft::new(Some(&amqp_spec()));
            draft.mapping_input(MappingField::Price).expect("price is a mapping field").set("p".into());
            assert_eq!(draft.spec().unwrap().mapping, Mapping { message: Some("msg".into()), ..Mapping::default() });
            draft.queue.set("  ".into());
            assert!(matches!(draft.spec().unwrap().source, Source::Amqp { queue: None, .. }));
        });
    }

    #[test]
    fn a_bad_custom_retention_names_its_field_and_sends_nothing() {
        with_owner(|| {
            let draft = FeedDraft::new(Some(&amqp_spec()));
            draft.keep.choice.set(CUSTOM.into());
            draft.keep.custom.set("a week".into());
            assert_eq!(draft.spec().unwrap_err().field, "retention.max_age");
            draft.keep.custom.set("14d".into());
            assert_eq!(draft.spec().unwrap().retention, Some(Retention::keep("14d".parse().unwrap())));
        });
    }
}
