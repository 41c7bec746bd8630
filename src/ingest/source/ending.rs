//! How a source ends: the stop signal with its reason, and what each reason
//! means for the broker-side state a feed leaves behind (a persistent MQTT
//! session with its subscriptions, an AMQP queue with its bindings).

use super::{amqp::Binding, same_broker};
use crate::model::{FeedSpec, Source};
use std::sync::{Arc, OnceLock};
use tokio_util::sync::CancellationToken;

/// Why a feed's source stops.
#[derive(Clone, Debug, PartialEq)]
pub enum Ending {
    /// The process stops or the feed moves to another process: keep the
    /// session and queue as they are, for whoever ingests the feed next.
    Shutdown,
    /// The feed was edited; `next` is what it is now.
    Replaced(Box<FeedSpec>),
    /// The feed was deleted: remove its session or own queue.
    Deleted,
}

/// The stop handshake between a feed's pipeline and its source: `stop`
/// asks the source to stop consuming; `drained` tells it that everything
/// it delivered is stored and acknowledged, so it may leave its broker.
#[derive(Clone, Debug, Default)]
pub struct Stopping {
    requested: CancellationToken,
    ending: Arc<OnceLock<Ending>>,
    drained: CancellationToken,
}

impl Stopping {
    /// Asks the source to stop consuming; the first reason given counts.
    pub fn stop(&self, ending: Ending) {
        let _ = self.ending.set(ending);
        self.requested.cancel();
    }

    /// A token cancelled with the stop request.
    pub fn token(&self) -> CancellationToken {
        self.requested.clone()
    }

    pub fn is_requested(&self) -> bool {
        self.requested.is_cancelled()
    }

    /// Resolves once a stop is asked for.
    pub async fn requested(&self) {
        self.requested.cancelled().await
    }

    /// Why the source stops (`Shutdown` if no reason was given).
    pub fn ending(&self) -> Ending {
        self.ending.get().cloned().unwrap_or(Ending::Shutdown)
    }

    /// Tells the source that the writer is done.
    pub fn set_drained(&self) {
        self.drained.cancel();
    }

    /// Resolves once the writer is done.
    pub async fn drained(&self) {
        self.drained.cancelled().await
    }
}

/// What an MQTT source does with its session as it leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MqttLeave {
    Keep,
    /// The feed now subscribes to something else on the same broker.
    Unsubscribe,
    /// The feed is gone from this broker: the session goes with it.
    Discard,
}

/// What leaving means for an MQTT feed subscribed to `topic` at `url`.
pub fn mqtt_leave(url: &str, topic: &str, ending: &Ending) -> MqttLeave {
    match ending {
        Ending::Shutdown => MqttLeave::Keep,
        Ending::Deleted => MqttLeave::Discard,
        Ending::Replaced(next) => match &next.source {
            Source::Mqtt { url: next_url, topic: next_topic, .. } if same_broker(url, next_url) => {
                if next_topic == topic { MqttLeave::Keep } else { MqttLeave::Unsubscribe }
            }
            _ => MqttLeave::Discard,
        },
    }
}

/// What an AMQP source does with its queue as it leaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AmqpLeave {
    /// Remove the feed's binding (its exchange and key changed, or the feed
    /// left the queue).
    pub unbind: bool,
    /// Delete the queue (the feed's own, when the feed is gone).
    pub delete: bool,
    /// Declare and bind the edited feed's queue before leaving, so messages
    /// published until its next session starts wait there.
    pub prepare: Option<Binding>,
}

/// What leaving means for an AMQP feed at `url` consuming `current`.
pub fn amqp_leave(url: &str, current: &Binding, ending: &Ending) -> AmqpLeave {
    let (own, exchange) = (current.own, current.exchange.as_str());
    let gone = AmqpLeave { unbind: !own && !exchange.is_empty(), delete: own, prepare: None };
    let keep = AmqpLeave { unbind: false, delete: false, prepare: None };
    match ending {
        Ending::Shutdown => keep,
        Ending::Deleted => gone,
        Ending::Replaced(next) => match &next.source {
            // The next session takes over what changed (see `handover`); its
            // binding is made now, so nothing published meanwhile is lost.
            Source::Amqp { url: next_url, exchange, binding_key, queue, .. } if same_broker(url, next_url) => {
                let next = Binding::of(&next.name, exchange, binding_key, queue.as_deref());
                AmqpLeave { prepare: Some(next).filter(|next| next != current), ..keep }
            }
            _ => gone,
        },
    }
}

/// What an AMQP feed's next session takes over from the previous one on the
/// same broker, after it has bound its own queue: the former binding to
/// remove, and the former own queue to empty into the new one and delete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Handover {
    pub unbind: Option<Binding>,
    pub migrate: Option<String>,
}

/// The handover an edit from `before` to `after` calls for, if any.
pub fn handover(before: &FeedSpec, after: &FeedSpec) -> Option<Handover> {
    let (
        Source::Amqp { url: a, exchange: ea, binding_key: ka, queue: qa, .. },
        Source::Amqp { url: b, exchange: eb, binding_key: kb, queue: qb, .. },
    ) = (&before.source, &after.source)
    else {
        return None;
    };
    if !same_broker(a, b) {
        return None;
    }
    let old = Binding::of(&before.name, ea, ka, qa.as_deref());
    let new = Binding::of(&after.name, eb, kb, qb.as_deref());
    let unbind = (old != new && !old.exchange.is_empty()).then(|| old.clone());
    let migrate = (old.own && old.queue != new.queue).then(|| old.queue.clone());
    (unbind.is_some() || migrate.is_some()).then_some(Handover { unbind, migrate })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{FeedKind, Mapping};

    fn spec(name: &str, source: Source) -> Ending {
        Ending::Replaced(Box::new(FeedSpec {
            name: name.into(),
            kind: FeedKind::Ticks,
            source,
            mapping: Mapping::default(),
            enabled: true,
            retention: None,
        }))
    }

    fn mqtt(url: &str, topic: &str) -> Source {
        Source::mqtt(url, topic)
    }

    fn amqp(url: &str, exchange: &str, key: &str, queue: Option<&str>) -> Source {
        Source::Amqp {
            url: url.into(),
            exchange: exchange.into(),
            binding_key: key.into(),
            queue: queue.map(Into::into),
            tls: None,
        }
    }

    #[test]
    fn mqtt_sessions_follow_the_feed() {
        let (url, topic) = ("mqtt://u:a@broker:1883", "a/#");
        assert_eq!(mqtt_leave(url, topic, &Ending::Shutdown), MqttLeave::Keep);
        assert_eq!(mqtt_leave(url, topic, &Ending::Deleted), MqttLeave::Discard);
        assert_eq!(mqtt_leave(url, topic, &spec("f", mqtt("mqtt://u:new@broker:1883", "a/#"))), MqttLeave::Keep);
        assert_eq!(mqtt_leave(url, topic, &spec("f", mqtt(url, "b/#"))), MqttLeave::Unsubscribe);
        assert_eq!(mqtt_leave(url, topic, &spec("f", mqtt("mqtt://other:1883", "a/#"))), MqttLeave::Discard);
        assert_eq!(mqtt_leave(url, topic, &spec("f", amqp("amqp://broker", "x", "#", None))), MqttLeave::Discard);
    }

    #[test]
    fn amqp_queues_follow_the_feed() {
        let url = "amqp://guest:guest@rabbit:5672/%2f";
        let keep = AmqpLeave { unbind: false, delete: false, prepare: None };
        let current = Binding::of("f", "ex", "k.#", None);
        let own = |ending: &Ending| amqp_leave(url, &current, ending);
        assert_eq!(own(&Ending::Shutdown), keep);
        assert_eq!(own(&Ending::Deleted), AmqpLeave { delete: true, ..keep.clone() });
        assert_eq!(own(&spec("f", amqp(url, "ex", "k.#", None))), keep);
        let next = Binding::of("g", "ex", "other.#", None);
        assert_eq!(
            own(&spec("g", amqp(url, "ex", "other.#", None))),
            AmqpLeave { prepare: Some(next), ..keep.clone() },
            "the edited binding is made before leaving; the next session takes over"
        );
        let elsewhere = spec("f", amqp("amqp://elsewhere", "ex", "k.#", None));
        assert_eq!(own(&elsewhere), AmqpLeave { delete: true, ..keep.clone() });
        // A named queue is the user's: unbound, never deleted.
        let shared = Binding::of("f", "ex", "k.#", Some("shared"));
        let named = |ending: &Ending| amqp_leave(url, &shared, ending);
        assert_eq!(named(&Ending::Deleted), AmqpLeave { unbind: true, ..keep.clone() });
        assert_eq!(named(&spec("f", mqtt("mqtt://h", "#"))), AmqpLeave { unbind: true, ..keep.clone() });
    }

    #[test]
    fn edits_hand_over_the_former_binding_and_own_queue() {
        let url = "amqp://guest:guest@rabbit:5672/%2f";
        let feed = |name: &str, source: Source| FeedSpec {
            name: name.into(),
            kind: FeedKind::Logs,
            source,
            mapping: Mapping::default(),
            enabled: true,
            retention: None,
        };
        let before = feed("f", amqp(url, "ex", "k.#", None));
        let old = Binding::of("f", "ex", "k.#", None);
        assert_eq!(handover(&before, &feed("f", amqp("amqp://u:new@rabbit:5672/%2f", "ex", "k.#", None))), None);
        assert_eq!(
            handover(&before, &feed("f", amqp(url, "ex", "other.#", None))),
            Some(Handover { unbind: Some(old.clone()), migrate: None })
        );
        assert_eq!(
            handover(&before, &feed("g", amqp(url, "ex", "k.#", None))),
            Some(Handover { unbind: Some(old.clone()), migrate: Some("feedboard.f".into()) }),
            "a rename empties the former own queue into the new one"
        );
        assert_eq!(handover(&before, &feed("f", amqp("amqp://elsewhere", "ex", "k.#", None))), None);
        assert_eq!(handover(&before, &feed("f", mqtt("mqtt://h", "#"))), None);
    }
}
