//! Payload mapping against the real brokers (API.md "Payload mapping
//! paths"): nested fields, topic levels, numbers as strings, epoch seconds,
//! logfmt lines, and AMQP properties standing in for a missing id and time.

mod common;

use common::{
    brokers::{amqp_publish, mqtt_publish, unique},
    feeds::{amqp_feed, mqtt_feed},
    spawn_app,
};
use serde_json::json;

/// Two hours ago in whole seconds: recent enough that retention never prunes
/// the rows before the test reads them.
fn t0() -> i64 {
    chrono::Utc::now().timestamp() - 7200
}

/// The API's rendering of `secs` seconds plus `ms` milliseconds.
fn iso(secs: i64, ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(secs * 1000 + ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

#[tokio::test]
async fn mappings_read_nested_fields_topic_levels_and_logfmt() {
    let app = spawn_app().await;
    let ticks = unique("paths");
    let mut feed = mqtt_feed(&ticks, "ticks", &format!("{ticks}/#"));
    feed["mapping"] = json!({"symbol": "topic[1]", "price": "/d/px", "ts": "/d/t"});
    app.feed(feed).await;
    let t0 = t0();
    let tick = |i: i64| json!({"d": {"px": format!("{}.5", 100 + i), "t": t0 + i}}).to_string().into_bytes();
    mqtt_publish(&format!("{ticks}/AAPL"), (0..3).map(tick).collect()).await;
    let stored = app.wait_items(&format!("/api/v1/feeds/{ticks}/ticks"), 3).await;
    let seen: Vec<(&str, f64, String)> = stored
        .iter()
        .map(|t| (t["symbol"].as_str().unwrap(), t["price"].as_f64().unwrap(), t["ts"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(
        seen,
        [("AAPL", 100.5, iso(t0, 0)), ("AAPL", 101.5, iso(t0 + 1, 0)), ("AAPL", 102.5, iso(t0 + 2, 0))],
        "epoch seconds given as numbers"
    );

    let logs = unique("logfmt");
    let exchange = unique("logfmt-ex");
    app.feed(amqp_feed(&logs, "logs", &exchange, "app.#")).await;
    let line = format!(r#"level=warn source=api-1 msg="disk \"/\" almost full" ts={t0}123"#);
    amqp_publish(&exchange, "app.api", vec![line.into_bytes()]).await;
    let stored = app.wait_items(&format!("/api/v1/feeds/{logs}/logs"), 1).await;
    assert_eq!(stored[0]["level"], "WARN");
    assert_eq!(stored[0]["source"], "api-1");
    assert_eq!(stored[0]["message"], r#"disk "/" almost full"#);
    assert_eq!(stored[0]["ts"], iso(t0, 123), "epoch milliseconds in a logfmt field");
    app.stop().await;
}

#[tokio::test]
async fn amqp_properties_give_the_id_and_time_a_payload_lacks() {
    let app = spawn_app().await;
    let (name, exchange) = (unique("props"), unique("props-ex"));
    app.feed(amqp_feed(&name, "ticks", &exchange, "#")).await;
    let t0 = t0();
    let (conn, channel) = feedboard_testkit::brokers::amqp_channel(&exchange).await.unwrap();
    channel.confirm_select(Default::default()).await.unwrap();
    // m-1 twice (a publisher's retry), then m-2.
    for (id, price) in [("m-1", 1), ("m-1", 1), ("m-2", 2)] {
        let props = lapin::BasicProperties::default()
            .with_message_id(id.into())
            .with_timestamp(t0 as u64)
            .with_delivery_mode(2);
        let payload = json!({"symbol": "P", "price": price}).to_string();
        let confirm = channel
            .basic_publish(exchange.as_str().into(), "k".into(), Default::default(), payload.as_bytes(), props)
            .await
            .unwrap();
        confirm.await.unwrap();
    }
    let stored = app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 2).await;
    let seen: Vec<(f64, String)> =
        stored.iter().map(|t| (t["price"].as_f64().unwrap(), t["ts"].as_str().unwrap().to_owned())).collect();
    assert_eq!(seen, [(1.0, iso(t0, 0)), (2.0, iso(t0, 0))], "m-1 stored once");
    let _ = conn.close(200, "done".into()).await;
    app.stop().await;
}
