//! The built-in demo: feeds, dashboard and data flowing at once.

mod common;

use common::spawn_app_with;
use serde_json::Value;

async fn wait_for_data(app: &common::TestApp) -> Vec<Value> {
    let feeds = app
        .wait_for("demo feeds storing", || async {
            let body: Value = app.client().get(app.url("/api/v1/feeds")).send().await.ok()?.json().await.ok()?;
            let feeds = body["items"].as_array()?.clone();
            let flowing = feeds.len() == 2 && feeds.iter().all(|f| f["status"]["stored"].as_u64().unwrap_or(0) > 0);
            flowing.then_some(feeds)
        })
        .await;
    let dashboard: Value =
        app.client().get(app.url("/api/v1/dashboards/markets")).send().await.unwrap().json().await.unwrap();
    let kinds: Vec<&str> =
        dashboard["widgets"].as_array().unwrap().iter().map(|w| w["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ticker", "chart", "line", "stats", "table", "histogram", "log"], "every kind of widget");
    feeds
}

#[tokio::test]
async fn the_demo_publishes_through_the_real_brokers() {
    let app = spawn_app_with(|c| c.demo = true).await;
    let feeds = wait_for_data(&app).await;
    let protocols: Vec<&str> = feeds.iter().map(|f| f["source"]["protocol"].as_str().unwrap()).collect();
    assert_eq!(protocols, ["amqp", "mqtt"], "demo-logs over RabbitMQ, demo-stocks over Mosquitto");
    app.stop().await;
}

/// Needs the `embedded-broker` feature (`cargo xtask test` turns it on).
#[cfg(feature = "embedded-broker")]
#[tokio::test]
async fn without_brokers_the_demo_runs_an_embedded_mqtt_broker() {
    let app = spawn_app_with(|c| {
        c.demo = true;
        c.demo_mqtt_url = "mqtt://127.0.0.1:1".into();
        c.demo_amqp_url = "amqp://guest:guest@127.0.0.1:1/%2f".into();
    })
    .await;
    let feeds = wait_for_data(&app).await;
    for feed in &feeds {
        assert_eq!(feed["source"]["protocol"], "mqtt");
        assert_ne!(feed["source"]["url"], "mqtt://127.0.0.1:1");
    }
    app.stop().await;
}
