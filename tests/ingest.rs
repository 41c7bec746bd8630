//! Ingest from the real Mosquitto and RabbitMQ into the real Postgres,
//! read back through the history API.

mod common;

use common::{
    assert_error,
    brokers::{MQTT_URL, amqp_publish, mqtt_publish, unique},
    feeds::{amqp_feed, mqtt_feed},
    spawn_app,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

fn tick(i: usize, id: bool) -> Vec<u8> {
    let symbol = ["AAPL", "MSFT", "GOOG"][i % 3];
    let mut t = json!({"symbol": symbol, "price": 100.0 + i as f64 / 100.0, "size": i});
    if id {
        t["id"] = json!(format!("tick-{i}"));
    }
    t.to_string().into_bytes()
}

fn log_line(i: usize) -> Vec<u8> {
    if i.is_multiple_of(2) {
        let level = ["INFO", "WARN", "ERROR"][i % 3];
        json!({"level": level, "source": "api-1", "message": format!("request {i}"), "id": format!("log-{i}")})
            .to_string()
            .into_bytes()
    } else {
        format!("ERROR line {i}\n  at main.rs:{i}").into_bytes()
    }
}

fn seqs(items: &[Value]) -> Vec<i64> {
    items.iter().map(|i| i["seq"].as_i64().unwrap()).collect()
}

#[tokio::test]
async fn mqtt_ticks_are_stored_in_order_and_redeliveries_once() {
    let app = spawn_app().await;
    let name = unique("mq-ticks");
    app.feed(mqtt_feed(&name, "ticks", &format!("{name}/#"))).await;

    let n = 500;
    mqtt_publish(&format!("{name}/nasdaq"), (0..n).map(|i| tick(i, true)).collect()).await;
    let path = format!("/api/v1/feeds/{name}/ticks?limit=10000");
    let items = app.wait_items(&path, n).await;
    assert_eq!(seqs(&items), (1..=n as i64).collect::<Vec<_>>(), "gap-free, ordered seq");
    assert_eq!(items[0]["symbol"], "AAPL");
    assert!(items[0]["ts"].as_str().unwrap().ends_with('Z'));

    // The same ids again (a redelivery) plus 10 new ones: only the new are stored.
    mqtt_publish(&format!("{name}/nasdaq"), (0..n + 10).map(|i| tick(i, true)).collect()).await;
    let items = app.wait_items(&path, n + 10).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let items_after = app.get_json(&path).await["items"].as_array().unwrap().clone();
    assert_eq!(items_after.len(), items.len(), "no duplicate stored");
    assert_eq!(items.len(), n + 10);
    app.stop().await;
}

#[tokio::test]
async fn amqp_logs_are_stored_with_levels_and_sources() {
    let app = spawn_app().await;
    let name = unique("am-logs");
    app.feed(amqp_feed(&name, "logs", &name, "app.#")).await;

    let n = 300;
    amqp_publish(&name, "app.api", (0..n).map(log_line).collect()).await;
    amqp_publish(&name, "other.api", vec![b"not bound".to_vec()]).await;
    let path = format!("/api/v1/feeds/{name}/logs?after_seq=0&limit=10000");
    let items = app.wait_items(&path, n).await;
    assert_eq!(items.len(), n, "only messages matching the binding");
    assert_eq!(seqs(&items), (1..=n as i64).collect::<Vec<_>>());
    assert_eq!(items[0]["level"], "INFO");
    assert_eq!(items[0]["source"], "api-1");
    assert_eq!(items[1]["level"], "ERROR");
    assert_eq!(items[1]["source"], "app.api", "text lines take the routing key as source");
    assert_eq!(items[1]["message"], "ERROR line 1\n  at main.rs:1");

    let errors = app.get_json(&format!("/api/v1/feeds/{name}/logs?level=error&limit=1000")).await;
    let errors = errors["items"].as_array().unwrap();
    assert!(errors.iter().all(|l| l["level"] == "ERROR"));
    assert!(errors.windows(2).all(|w| w[0]["seq"].as_i64() > w[1]["seq"].as_i64()), "newest first");
    let found = app.get_json(&format!("/api/v1/feeds/{name}/logs?q=REQUEST%2012")).await;
    assert!(found["items"].as_array().unwrap().iter().all(|l| l["message"].as_str().unwrap().contains("request 12")));
    app.stop().await;
}

#[tokio::test]
async fn mqtt_logs_and_amqp_ticks_work_too() {
    let app = spawn_app().await;
    let logs = unique("mq-logs");
    let ticks = unique("am-ticks");
    app.feed(mqtt_feed(&logs, "logs", &format!("{logs}/+/app"))).await;
    app.feed(amqp_feed(&ticks, "ticks", &ticks, "#")).await;
    mqtt_publish(&format!("{logs}/eu/app"), (0..200).map(log_line).collect()).await;
    mqtt_publish(&format!("{logs}/eu/deep/app"), vec![b"not matched by +".to_vec()]).await;
    amqp_publish(&ticks, "x.y", (0..200).map(|i| tick(i, false)).collect()).await;
    assert_eq!(app.wait_items(&format!("/api/v1/feeds/{logs}/logs?after_seq=0&limit=1000"), 200).await.len(), 200);
    assert_eq!(app.wait_items(&format!("/api/v1/feeds/{ticks}/ticks"), 200).await.len(), 200);
    app.stop().await;
}

#[tokio::test]
async fn bad_payloads_are_rejected_with_reasons_and_good_ones_still_stored() {
    let app = spawn_app().await;
    let name = unique("bad");
    app.feed(mqtt_feed(&name, "ticks", &format!("{name}/#"))).await;
    let mut bad: Vec<Vec<u8>> = vec![
        b"not json".to_vec(),
        b"[1,2,3]".to_vec(),
        br#"{"price": 1}"#.to_vec(),
        br#"{"symbol": "A", "price": "12 USD"}"#.to_vec(),
        br#"{"symbol": "A", "price": NaN}"#.to_vec(),
        br#"{"symbol": "A", "price": 1e999}"#.to_vec(),
        br#"{"symbol": "A", "price": 1, "ts": "tomorrow"}"#.to_vec(),
        vec![b'{', 0xff, 0xfe, b'}'],
        format!(r#"{{"symbol":"A","price":1,"x":"{}"}}"#, "x".repeat(70_000)).into_bytes(),
        format!(r#"{{"symbol":"A","price":1,"x":{}{}}}"#, "[".repeat(5000), "]".repeat(5000)).into_bytes(),
    ];
    let expected_rejects = bad.len();
    bad.push(tick(1, false));
    bad.push(br#"{"symbol":"<script>alert(1)</script>","price":2}"#.to_vec());
    mqtt_publish(&format!("{name}/x"), bad).await;

    let ticks = app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 2).await;
    assert_eq!(ticks[1]["symbol"], "<script>alert(1)</script>", "stored as given; escaping is the UI's job");
    let rejected = app.wait_items(&format!("/api/v1/feeds/{name}/rejected"), expected_rejects).await;
    assert_eq!(rejected.len(), expected_rejects);
    let reasons: Vec<&str> = rejected.iter().map(|r| r["reason"].as_str().unwrap()).collect();
    for fragment in [
        "invalid JSON",
        "expected a JSON object",
        "missing field",
        "must be a number",
        "RFC 3339",
        "UTF-8",
        "over the 65536-byte limit",
    ] {
        assert!(reasons.iter().any(|r| r.contains(fragment)), "no reason mentions {fragment:?}: {reasons:#?}");
    }
    let feed = app.get_json(&format!("/api/v1/feeds/{name}")).await;
    assert_eq!(feed["status"]["rejected"], expected_rejects);
    assert_eq!(feed["status"]["stored"], 2);
    assert_eq!(feed["status"]["state"], "connected", "bad input does not break the feed");

    let viewer = app.user("vic", "viewer").await;
    let denied = viewer.get(app.url(&format!("/api/v1/feeds/{name}/rejected"))).send().await.unwrap();
    assert_error(denied, StatusCode::FORBIDDEN, "forbidden").await;
    app.stop().await;
}

#[tokio::test]
async fn amqp_messages_published_while_feedboard_is_down_wait_for_it() {
    let app = spawn_app().await;
    let name = unique("durable");
    app.feed(amqp_feed(&name, "logs", &name, "#")).await;
    let app = {
        let url = app.stop_keeping_database().await;
        amqp_publish(&name, "k", (0..50).map(log_line).collect()).await;
        common::spawn_app_with(|c| c.database_url = url).await
    };
    let items = app.wait_items(&format!("/api/v1/feeds/{name}/logs?after_seq=0"), 50).await;
    assert_eq!(items.len(), 50);
    app.stop().await;
}

#[tokio::test]
async fn mqtt_messages_published_while_feedboard_is_down_wait_in_the_session() {
    let app = spawn_app().await;
    let name = unique("session");
    app.feed(mqtt_feed(&name, "ticks", &format!("{name}/#"))).await;
    let app = {
        let url = app.stop_keeping_database().await;
        mqtt_publish(&format!("{name}/a"), (0..50).map(|i| tick(i, true)).collect()).await;
        common::spawn_app_with(|c| c.database_url = url).await
    };
    assert_eq!(app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 50).await.len(), 50);
    app.stop().await;
}

#[tokio::test]
async fn feeds_are_validated_changed_disabled_and_deleted_without_restart() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let feeds = app.url("/api/v1/feeds");

    let invalid = json!({"name": "Bad Name", "kind": "ticks", "source": {"protocol": "mqtt", "url": "http://x", "topic": "a/#/b"},
                         "mapping": {"symbol": "topic[x]", "price": "/a~2"}});
    let res = admin.post(&feeds).json(&invalid).send().await.unwrap();
    let body = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let fields: Vec<&str> =
        body["error"]["fields"].as_array().unwrap().iter().map(|f| f["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["name", "source.url", "source.topic", "mapping.symbol", "mapping.price"]);
    let unknown_kind =
        json!({"name": "x", "kind": "trades", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": "a"}});
    assert_error(
        admin.post(&feeds).json(&unknown_kind).send().await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;

    let name = unique("crud");
    let created = app.feed(mqtt_feed(&name, "ticks", &format!("{name}/old/#"))).await;
    assert_eq!(created["status"]["state"], "connected");
    let dup = admin.post(&feeds).json(&mqtt_feed(&name, "ticks", "x")).send().await.unwrap();
    assert_error(dup, StatusCode::CONFLICT, "conflict").await;

    // Change the topic: messages on the new topic flow, without a restart.
    let one = app.url(&format!("/api/v1/feeds/{name}"));
    let changed = admin.put(&one).json(&mqtt_feed(&name, "ticks", &format!("{name}/new/#"))).send().await.unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    app.wait_for("reconnected", || async {
        let f: Value = admin.get(&one).send().await.ok()?.json().await.ok()?;
        (f["status"]["state"] == "connected").then_some(())
    })
    .await;
    mqtt_publish(&format!("{name}/new/x"), vec![tick(0, false), tick(1, true)]).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 2).await;

    let kind_change = admin.put(&one).json(&mqtt_feed(&name, "logs", "x")).send().await.unwrap();
    assert_error(kind_change, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;

    let mut disabled = mqtt_feed(&name, "ticks", &format!("{name}/new/#"));
    disabled["enabled"] = json!(false);
    let res: Value = admin.put(&one).json(&disabled).send().await.unwrap().json().await.unwrap();
    assert_eq!(res["status"]["state"], "disabled");
    assert_eq!(res["enabled"], false);

    let viewer = app.user("val", "viewer").await;
    assert_error(viewer.delete(&one).send().await.unwrap(), StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(viewer.get(&one).send().await.unwrap().status(), StatusCode::OK, "viewers may read feeds");

    let feed_id: i64 =
        sqlx::query_scalar("SELECT id FROM feeds WHERE name = $1").bind(&name).fetch_one(app.db()).await.unwrap();
    let left = || async {
        let mut counts = Vec::new();
        for table in ["ticks", "publisher_ids", "feed_positions"] {
            let sql = format!("SELECT count(*) FROM {table} WHERE feed_id = $1");
            counts.push(sqlx::query_scalar::<_, i64>(&sql).bind(feed_id).fetch_one(app.db()).await.unwrap());
        }
        counts
    };
    assert_eq!(left().await, [2, 1, 1], "two ticks, one publisher id, the position");
    assert_eq!(admin.delete(&one).send().await.unwrap().status(), StatusCode::NO_CONTENT);
    assert_error(admin.get(&one).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(left().await, [0, 0, 0], "a deleted feed leaves nothing stored");
    app.stop().await;
}

#[tokio::test]
async fn preview_shows_how_live_messages_parse() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let topic = unique("preview");
    let publisher = {
        let topic = topic.clone();
        tokio::spawn(async move {
            for i in 0..40usize {
                let payload = if i.is_multiple_of(2) { tick(i, false) } else { b"garbage".to_vec() };
                mqtt_publish(&format!("{topic}/x"), vec![payload]).await;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        })
    };
    let body = json!({"kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{topic}/#")}});
    let res = admin.post(app.url("/api/v1/feeds/preview?n=4&wait_ms=8000")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let preview: Value = res.json().await.unwrap();
    let messages = preview["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert!(messages.iter().any(|m| m["parsed"]["symbol"].is_string() && m["error"].is_null()));
    assert!(messages.iter().any(|m| m["parsed"].is_null() && m["error"].as_str().unwrap().contains("invalid JSON")));
    publisher.abort();

    let unreachable = json!({"kind": "logs", "source": {"protocol": "amqp", "url": "amqp://guest:guest@127.0.0.1:1/%2f", "exchange": "x", "binding_key": "#"}});
    let res = admin.post(app.url("/api/v1/feeds/preview")).json(&unreachable).send().await.unwrap();
    let body = assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert!(body["error"]["message"].as_str().unwrap().starts_with("cannot connect"), "{body}");
    app.stop().await;
}

#[tokio::test]
async fn broker_passwords_are_masked_when_read_and_kept_when_written_back() {
    let app = spawn_app().await;
    let name = unique("masked");
    let shown = app.feed(amqp_feed(&name, "logs", &name, "#")).await;
    assert_eq!(shown["source"]["url"], "amqp://guest:********@127.0.0.1:5672/%2f");
    let anonymous: Value = app.client().get(app.url("/api/v1/feeds")).send().await.unwrap().json().await.unwrap();
    assert!(!anonymous.to_string().contains("guest:guest"), "no password in any listing");

    // An admin edits the binding and sends back the masked URL: the stored password stays.
    let mut edited = shown.clone();
    edited["source"]["binding_key"] = json!("app.#");
    edited.as_object_mut().unwrap().remove("status");
    let admin = app.admin().await;
    let res = admin.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&edited).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    amqp_publish(&name, "app.x", vec![b"INFO hello".to_vec()]).await;
    let items = app.wait_items(&format!("/api/v1/feeds/{name}/logs"), 1).await;
    assert_eq!(items[0]["message"], "INFO hello", "reconnected with the real password");
    app.stop().await;
}
