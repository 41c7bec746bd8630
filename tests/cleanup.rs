//! What a feed leaves on its brokers when it is edited, renamed or deleted:
//! no stale subscription keeps ingesting, no queue of its own outlives it,
//! and nothing published during the change is lost.

mod common;

use common::{
    TestApp,
    brokers::{AMQP_URL, MQTT_URL, amqp_publish, unique},
    spawn_app,
};
use lapin::{Connection, ConnectionProperties, options::QueueDeclareOptions, types::FieldTable};
use rumqttc::v5::{AsyncClient, Event, MqttOptions, mqttbytes::QoS, mqttbytes::v5::Packet};
use serde_json::{Value, json};
use std::time::Duration;

fn tick(id: &str) -> Vec<u8> {
    json!({"symbol": "T", "price": 1.0, "id": id}).to_string().into_bytes()
}

/// Publishes `(topic, payload)` pairs in order over one connection.
async fn mqtt_publish_in_order(messages: &[(String, Vec<u8>)]) {
    let options = MqttOptions::new(format!("test-pub-{}", uuid::Uuid::new_v4().simple()), "127.0.0.1", 1883);
    let (client, mut events) = AsyncClient::new(options, 100);
    for (topic, payload) in messages {
        client.publish(topic.clone(), QoS::AtLeastOnce, false, payload.clone()).await.unwrap();
    }
    let mut acked = 0;
    while acked < messages.len() {
        if let Event::Incoming(Packet::PubAck(_)) = events.poll().await.unwrap() {
            acked += 1;
        }
    }
    let _ = client.disconnect().await;
}

async fn ids(app: &TestApp, feed: &str) -> Vec<String> {
    let body = app.get_json(&format!("/api/v1/feeds/{feed}/ticks?limit=10000")).await;
    body["items"].as_array().unwrap().iter().map(|t| t["seq"].to_string()).collect()
}

async fn edit(app: &TestApp, name: &str, change: impl FnOnce(&mut Value)) -> Value {
    let mut feed = app.get_json(&format!("/api/v1/feeds/{name}")).await;
    feed.as_object_mut().unwrap().remove("status");
    change(&mut feed);
    let new_name = feed["name"].as_str().unwrap().to_owned();
    let res = app.admin().await.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&feed).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap_or_default());
    app.wait_for("the edited feed connected", || async {
        let f = app.get_json(&format!("/api/v1/feeds/{new_name}")).await;
        (f["status"]["state"] == "connected").then_some(f)
    })
    .await
}

/// Whether RabbitMQ has a queue called `queue`.
async fn queue_exists(queue: &str) -> bool {
    let conn = Connection::connect(AMQP_URL, ConnectionProperties::default()).await.unwrap();
    let channel = conn.create_channel().await.unwrap();
    let passive = QueueDeclareOptions { passive: true, ..Default::default() };
    let exists = channel.queue_declare(queue.into(), passive, FieldTable::default()).await.is_ok();
    let _ = conn.close(200, "done".into()).await;
    exists
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_edit_unsubscribes_the_former_filter() {
    let app = spawn_app().await;
    let name = unique("topic-edit");
    let source = json!({"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/a/#")});
    app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    mqtt_publish_in_order(&[(format!("{name}/a/x"), tick("first"))]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 1).await;

    edit(&app, &name, |f| f["source"]["topic"] = json!(format!("{name}/b/#"))).await;
    // In order over one connection: were the former filter still there,
    // "stale" would arrive before "marker".
    mqtt_publish_in_order(&[(format!("{name}/a/x"), tick("stale")), (format!("{name}/b/x"), tick("marker"))]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 2).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ids(&app, &name).await.len(), 2, "only the first tick and the marker");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_mqtt_feed_takes_its_session_along() {
    let app = spawn_app().await;
    let name = unique("mq-delete");
    let source = json!({"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/#")});
    app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    let db = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let install: String =
        sqlx::query_scalar("SELECT value FROM settings WHERE key = 'install_id'").fetch_one(&db).await.unwrap();
    let feed_id: i64 =
        sqlx::query_scalar("SELECT id FROM feeds WHERE name = $1").bind(&name).fetch_one(&db).await.unwrap();
    let res = app.admin().await.delete(app.url(&format!("/api/v1/feeds/{name}"))).send().await.unwrap();
    assert_eq!(res.status(), 204);

    // Connecting with the feed's client id and asking for its session finds none.
    let mut options = MqttOptions::new(format!("feedboard-{install}-{feed_id}"), "127.0.0.1", 1883);
    options.set_clean_start(false).set_session_expiry_interval(Some(60));
    let (client, mut events) = AsyncClient::new(options, 10);
    let present = loop {
        if let Event::Incoming(Packet::ConnAck(ack)) = events.poll().await.unwrap() {
            break ack.session_present;
        }
    };
    assert!(!present, "the broker no longer keeps a session for the deleted feed");
    // Leave no session behind either.
    let _ = client.disconnect().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binding_edit_loses_nothing_and_a_delete_removes_the_own_queue() {
    let app = spawn_app().await;
    let name = unique("bind-edit");
    let exchange = unique("ex");
    let source = json!({"protocol": "amqp", "url": AMQP_URL, "exchange": exchange, "binding_key": "a.#"});
    app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    amqp_publish(&exchange, "a.x", vec![tick("first")]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 1).await;

    // Published while the feed changes over: on the new key, it must arrive.
    let admin = app.admin().await;
    let mut feed = app.get_json(&format!("/api/v1/feeds/{name}")).await;
    feed.as_object_mut().unwrap().remove("status");
    feed["source"]["binding_key"] = json!("b.#");
    let res = admin.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&feed).send().await.unwrap();
    assert_eq!(res.status(), 200);
    amqp_publish(&exchange, "b.x", vec![tick("during")]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 2).await;

    // The former key is unbound: "stale" goes nowhere, "marker" arrives.
    amqp_publish(&exchange, "a.x", vec![tick("stale")]).await;
    amqp_publish(&exchange, "b.x", vec![tick("marker")]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 3).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ids(&app, &name).await.len(), 3, "first, during and marker; not stale");

    let queue = format!("feedboard.{name}");
    assert!(queue_exists(&queue).await);
    let res = admin.delete(app.url(&format!("/api/v1/feeds/{name}"))).send().await.unwrap();
    assert_eq!(res.status(), 204);
    assert!(!queue_exists(&queue).await, "the feed's own queue went with it");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_renamed_feed_keeps_what_waited_in_its_former_queue() {
    let app = spawn_app().await;
    let name = unique("rename");
    let exchange = unique("ex");
    let source = json!({"protocol": "amqp", "url": AMQP_URL, "exchange": exchange, "binding_key": "#"});
    app.feed(json!({"name": name, "kind": "ticks", "source": source})).await;
    let admin = app.admin().await;
    let mut feed = app.get_json(&format!("/api/v1/feeds/{name}")).await;
    feed.as_object_mut().unwrap().remove("status");
    feed["enabled"] = json!(false);
    let res = admin.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&feed).send().await.unwrap();
    assert_eq!(res.status(), 200);

    // While it is disabled, 50 ticks wait in its queue; then it is renamed and enabled.
    amqp_publish(&exchange, "x", (0..50).map(|i| tick(&format!("w{i}"))).collect()).await;
    let renamed = unique("renamed");
    edit(&app, &name, |f| {
        f["name"] = json!(renamed);
        f["enabled"] = json!(true);
    })
    .await;
    app.wait_items(&format!("/api/v1/feeds/{renamed}/ticks"), 50).await;
    app.wait_for("the former queue deleted", || async {
        (!queue_exists(&format!("feedboard.{name}")).await).then_some(())
    })
    .await;
    amqp_publish(&exchange, "x", vec![tick("after")]).await;
    app.wait_items(&format!("/api/v1/feeds/{renamed}/ticks"), 51).await;
    app.stop().await;
}
