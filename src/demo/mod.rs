//! The built-in demo (`FEEDBOARD_DEMO=1`): creates the `demo-stocks` and
//! `demo-logs` feeds and a `markets` dashboard, then publishes synthetic
//! ticks and log lines through the real brokers, so a new installation
//! moves at once.

mod logs;
mod publisher;
mod ticks;

use crate::{
    model::{Dashboard, FeedKind, FeedSpec, Mapping, Source, Widget, WidgetKind},
    server::AppState,
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
pub async fn start(state: &AppState) {
    let config = &state.config;
    let logs_over_amqp = publisher::amqp_reachable(&config.demo_amqp_url).await;
    let tick_source = Source::Mqtt { url: config.demo_mqtt_url.clone(), topic: format!("{TICK_TOPIC}/#") };
    let log_source = if logs_over_amqp {
        Source::Amqp {
            url: config.demo_amqp_url.clone(),
            exchange: LOG_EXCHANGE.into(),
            binding_key: "logs.#".into(),
            queue: None,
        }
    } else {
        tracing::info!("RabbitMQ is not reachable; the demo log feed uses MQTT");
        Source::Mqtt { url: config.demo_mqtt_url.clone(), topic: format!("{LOG_TOPIC}/#") }
    };
    ensure_feed(state, "demo-stocks", FeedKind::Ticks, tick_source).await;
    ensure_feed(state, "demo-logs", FeedKind::Logs, log_source).await;
    ensure_dashboard(state).await;

    let shutdown = state.shutdown.clone();
    let mqtt = config.demo_mqtt_url.clone();
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

async fn ensure_feed(state: &AppState, name: &str, kind: FeedKind, source: Source) {
    match store::feeds::by_name(&state.db, name).await {
        Ok(Some(_)) => {}
        Ok(None) => {
            let spec = FeedSpec { name: name.into(), kind, source, mapping: Mapping::default(), enabled: true };
            if let Err(e) = store::feeds::insert(&state.db, &spec).await {
                tracing::warn!(error = %e, feed = name, "could not create the demo feed");
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not look up demo feeds"),
    }
}

async fn ensure_dashboard(state: &AppState) {
    let widget =
        |kind, feed: &str, symbol: Option<&str>| Widget { kind, feed: feed.into(), symbol: symbol.map(Into::into) };
    let dashboard = Dashboard {
        slug: "markets".into(),
        title: "Markets (demo)".into(),
        widgets: vec![
            widget(WidgetKind::Ticker, "demo-stocks", None),
            widget(WidgetKind::Chart, "demo-stocks", Some("AAPL")),
            widget(WidgetKind::Log, "demo-logs", None),
        ],
    };
    if let Ok(None) = store::dashboards::by_slug(&state.db, &dashboard.slug).await
        && let Err(e) = store::dashboards::insert(&state.db, &dashboard).await
    {
        tracing::warn!(error = %e, "could not create the demo dashboard");
    }
}

/// How often publishers wake up to send what is due.
const PUBLISH_TICK: Duration = Duration::from_millis(20);
