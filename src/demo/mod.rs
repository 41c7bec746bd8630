//! The built-in demo (`FEEDBOARD_DEMO=1`): creates the `demo-stocks` and
//! `demo-logs` feeds and a `markets` dashboard, then publishes synthetic
//! ticks and log lines through the real brokers, so a new installation
//! moves at once.

#[cfg(feature = "embedded-broker")]
mod embedded_broker;
mod logs;
mod publisher;
mod ticks;

use crate::{
    domain::Core,
    model::{Dashboard, FeedKind, FeedSpec, Mapping, Source, Widget, WidgetKind, WidgetWidth},
    store,
};
use publisher::Publisher;
use std::time::Duration;

/// Ticks per second the demo publishes.
const TICKS_PER_SECOND: u32 = 200;
/// Log lines per second the demo publishes (on average).
const LOGS_PER_SECOND: u32 = 8;

const TICK_TOPIC: &str = "feedboard/demo/ticks";
const LOG_TOPIC: &str = "feedboard/demo/logs";
const LOG_EXCHANGE: &str = "feedboard.demo";

/// Creates what is missing of the demo and starts its publishers.
pub async fn start(core: &Core) {
    let config = &core.config;
    let mqtt = mqtt_url(&config.demo_mqtt_url).await;
    let logs_over_amqp = publisher::amqp_reachable(&config.demo_amqp_url).await;
    let tick_source = Source::mqtt(mqtt.clone(), format!("{TICK_TOPIC}/#"));
    let log_source = if logs_over_amqp {
        Source::Amqp {
            url: config.demo_amqp_url.clone(),
            exchange: LOG_EXCHANGE.into(),
            binding_key: "logs.#".into(),
            queue: None,
            tls: None,
        }
    } else {
        tracing::info!("RabbitMQ is not reachable; the demo log feed uses MQTT");
        Source::mqtt(mqtt.clone(), format!("{LOG_TOPIC}/#"))
    };
    ensure_feed(core, "demo-stocks", FeedKind::Ticks, tick_source).await;
    ensure_feed(core, "demo-logs", FeedKind::Logs, log_source).await;
    ensure_dashboard(core).await;

    let shutdown = core.shutdown.clone();
    tokio::spawn(Publisher::mqtt(mqtt.clone(), "ticks").run(shutdown.clone(), move |out| {
        ticks::Market::new(rand::random()).publish_to(out, TICKS_PER_SECOND, TICK_TOPIC)
    }));
    let log_publisher = if logs_over_amqp {
        Publisher::amqp(config.demo_amqp_url.clone(), LOG_EXCHANGE)
    } else {
        Publisher::mqtt(mqtt, "logs")
    };
    let prefix = if logs_over_amqp { "logs" } else { LOG_TOPIC };
    tokio::spawn(
        log_publisher
            .run(shutdown, move |out| logs::Service::new(rand::random()).publish_to(out, LOGS_PER_SECOND, prefix)),
    );
}

/// The configured broker when it answers, else an embedded one.
#[cfg(feature = "embedded-broker")]
async fn mqtt_url(configured: &str) -> String {
    let url = configured.to_owned();
    let up = tokio::task::spawn_blocking(move || embedded_broker::reachable(&url)).await.unwrap_or(false);
    if up {
        return configured.to_owned();
    }
    match tokio::task::spawn_blocking(embedded_broker::start).await.map_err(|e| e.to_string()).and_then(|r| r) {
        Ok(url) => {
            let shown = crate::model::redact_url(configured);
            tracing::warn!(%url, "no MQTT broker at {shown}; the demo uses an embedded one");
            url
        }
        Err(e) => {
            let shown = crate::model::redact_url(configured);
            tracing::error!(error = %e, "no MQTT broker at {shown} and the embedded one failed; demo ticks will wait");
            configured.to_owned()
        }
    }
}

/// The configured broker (this build has no embedded one).
#[cfg(not(feature = "embedded-broker"))]
async fn mqtt_url(configured: &str) -> String {
    configured.to_owned()
}

/// Creates a demo feed, or points an existing one at `source` when the
/// broker moved (e.g. to the embedded broker and back).
async fn ensure_feed(core: &Core, name: &str, kind: FeedKind, source: Source) {
    let retention = Some(core.config.history.demo_retention);
    let spec = FeedSpec { name: name.into(), kind, source, mapping: Mapping::default(), enabled: true, retention };
    let keys = &core.secrets;
    let result = match store::feeds::by_name(&core.db, name).await {
        Ok(Some(existing)) if existing.source(keys).is_ok_and(|s| s == spec.source) => Ok(()),
        Ok(Some(existing)) => store::feeds::update(
            &core.db,
            keys,
            name,
            &FeedSpec { enabled: existing.spec.enabled, retention: existing.spec.retention, ..spec },
        )
        .await
        .map(|_| ()),
        Ok(None) => store::feeds::insert(&core.db, keys, &spec).await.map(|_| ()),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        tracing::warn!(error = %e, feed = name, "could not set up the demo feed");
    }
}

async fn ensure_dashboard(core: &Core) {
    let widget = Widget::new;
    let dashboard = Dashboard {
        slug: "markets".into(),
        title: "Markets (demo)".into(),
        widgets: vec![
            widget(WidgetKind::Ticker, "demo-stocks", None),
            widget(WidgetKind::Chart, "demo-stocks", Some("AAPL")),
            widget(WidgetKind::Line, "demo-stocks", Some("AAPL,MSFT,GOOG,TSLA")),
            widget(WidgetKind::Stats, "demo-stocks", Some("AAPL")),
            Widget { width: Some(WidgetWidth::Full), ..widget(WidgetKind::Table, "demo-stocks", None) },
            widget(WidgetKind::Histogram, "demo-logs", None),
            widget(WidgetKind::Log, "demo-logs", None),
        ],
    };
    if let Ok(None) = store::dashboards::by_slug(&core.db, &dashboard.slug).await
        && let Err(e) = store::dashboards::insert(&core.db, &dashboard).await
    {
        tracing::warn!(error = %e, "could not create the demo dashboard");
    }
}

/// How often publishers wake up to send what is due.
const PUBLISH_TICK: Duration = Duration::from_millis(20);
