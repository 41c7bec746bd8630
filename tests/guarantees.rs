//! The ingest guarantees under faults, against the real Postgres and
//! brokers: nothing acknowledged that is not stored (or kept as rejected),
//! nothing stored twice.

mod common;

use common::{
    TestApp,
    brokers::{AMQP_URL, MQTT_URL, amqp_publish, mqtt_publish, spawn_mqtt_publisher, spawn_tick_publisher, unique},
    spawn_app, spawn_app_with,
};
use serde_json::{Value, json};
use std::{collections::HashSet, time::Duration};
use tokio_util::sync::CancellationToken;

/// Every item of a history endpoint, paged by `after_seq`.
async fn all_items(app: &TestApp, path: &str) -> Vec<Value> {
    let admin = app.admin().await;
    let mut items = Vec::new();
    loop {
        let after = items.last().map_or(0, |i: &Value| i["seq"].as_i64().unwrap());
        let url = app.url(&format!("{path}?limit=10000&after_seq={after}"));
        let page: Value = admin.get(url).send().await.unwrap().json().await.unwrap();
        let page = page["items"].as_array().unwrap().clone();
        if page.is_empty() {
            return items;
        }
        items.extend(page);
    }
}

/// Waits until the feed's status counts `n` messages stored.
async fn wait_stored(app: &TestApp, feed: &str, n: u64) -> Value {
    app.wait_for_long(&format!("{n} stored in {feed}"), || async {
        let f = app.get_json(&format!("/api/v1/feeds/{feed}")).await;
        (f["status"]["stored"].as_u64() >= Some(n)).then_some(f)
    })
    .await
}

fn assert_exact_seq(items: &[Value]) {
    let seqs: Vec<i64> = items.iter().map(|i| i["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=items.len() as i64).collect::<Vec<_>>(), "seq gap-free and in order");
}

/// Cancels running statements (SQLSTATE 57014, as a statement timeout
/// does) and now and then terminates sessions of `database` until `stop`;
/// returns how many statements it hit.
fn spawn_saboteur(database_url: String, stop: CancellationToken) -> tokio::task::JoinHandle<i64> {
    tokio::spawn(async move {
        let db_name = database_url.rsplit('/').next().unwrap().to_owned();
        let admin = sqlx::PgPool::connect("postgres://postgres@127.0.0.1:5432/postgres").await.unwrap();
        let mut hits = 0;
        let mut round = 0u64;
        while !stop.is_cancelled() {
            round += 1;
            let action = if round.is_multiple_of(7) { "pg_terminate_backend" } else { "pg_cancel_backend" };
            let sql = format!(
                "SELECT count(*) FILTER (WHERE {action}(pid)) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid() AND state = 'active'"
            );
            hits += sqlx::query_scalar::<_, i64>(&sql).bind(&db_name).fetch_one(&admin).await.unwrap_or(0);
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
        hits
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancelled_and_killed_statements_mid_batch_lose_and_duplicate_nothing() {
    let app = spawn_app().await;
    let name = unique("sabotage");
    let topic = format!("{name}/x");
    app.feed(json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}}))
        .await;
    let (stop_publishing, stop_sabotage) = (CancellationToken::new(), CancellationToken::new());
    let saboteur = spawn_saboteur(app.database_url.clone(), stop_sabotage.clone());
    let publisher = spawn_tick_publisher(topic, 1000, stop_publishing.clone());
    tokio::time::sleep(Duration::from_secs(5)).await;
    stop_publishing.cancel();
    let sent = publisher.await.unwrap();
    stop_sabotage.cancel();
    let hits = saboteur.await.unwrap();
    assert!(hits > 10, "the saboteur hit only {hits} statements");

    let feed = wait_stored(&app, &name, sent as u64).await;
    let items = all_items(&app, &format!("/api/v1/feeds/{name}/ticks")).await;
    assert_eq!(items.len(), sent, "every message stored, none twice ({hits} statements hit)");
    assert_exact_seq(&items);
    let prices: HashSet<i64> = items.iter().map(|i| i["price"].as_f64().unwrap() as i64).collect();
    assert_eq!(prices.len(), sent, "each published message once");
    assert_eq!(feed["status"]["rejected"], 0, "a database error is no reason to reject");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_ten_mebibyte_payloads_is_rejected_with_bounded_prefixes() {
    let app = spawn_app().await;
    let name = unique("huge");
    let topic = format!("{name}/x");
    app.feed(json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}}))
        .await;
    let huge = vec![b'x'; 10 << 20];
    let mut payloads = Vec::new();
    for i in 0..200 {
        payloads.push(json!({"symbol": "OK", "price": i, "id": format!("t{i}")}).to_string().into_bytes());
        if i % 10 == 0 {
            payloads.push(huge.clone());
        }
    }
    mqtt_publish(&topic, payloads).await;
    let feed = app
        .wait_for_long("200 stored, 20 rejected", || async {
            let f = app.get_json(&format!("/api/v1/feeds/{name}")).await;
            (f["status"]["stored"] == 200 && f["status"]["rejected"] == 20).then_some(f)
        })
        .await;
    assert_eq!(feed["status"]["state"], "connected");
    let db = sqlx::PgPool::connect(&app.database_url).await.unwrap();
    let (count, longest, smallest_size): (i64, i32, i32) =
        sqlx::query_as("SELECT count(*), max(length(payload)), min(payload_size) FROM rejected_messages")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(count, 20);
    assert!(longest <= 64 * 1024, "kept at most the 64 KiB limit, kept {longest} bytes");
    assert_eq!(smallest_size, 10 << 20, "the full size is recorded");
    let rejected = app.get_json(&format!("/api/v1/feeds/{name}/rejected")).await;
    let shown = rejected["items"][0]["payload"].as_str().unwrap();
    assert!(shown.ends_with("(10485760 bytes in all)"), "{}", &shown[shown.len() - 40..]);
    app.stop().await;
}

/// Edits a feed's mapping back and forth (each edit restarts its task)
/// while `lines` id-less log lines arrive; every line must be stored once.
async fn edit_under_load(app: &TestApp, name: &str, publish: impl std::future::Future<Output = usize>) {
    let admin = app.admin().await;
    let edits = async {
        for i in 0..6 {
            tokio::time::sleep(Duration::from_millis(900)).await;
            let mut feed = app.get_json(&format!("/api/v1/feeds/{name}")).await;
            feed["mapping"] = if i % 2 == 0 { json!({"level": "severity"}) } else { json!({}) };
            let res = admin.put(app.url(&format!("/api/v1/feeds/{name}"))).json(&feed).send().await.unwrap();
            assert_eq!(res.status(), 200, "edit {i}");
        }
    };
    let (sent, ()) = tokio::join!(publish, edits);
    wait_stored(app, name, sent as u64).await;
    // Time for a stray redelivery to show up, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let items = all_items(app, &format!("/api/v1/feeds/{name}/logs")).await;
    let distinct: HashSet<&str> = items.iter().map(|i| i["message"].as_str().unwrap()).collect();
    let mut seen = std::collections::HashMap::new();
    for i in &items {
        if let Some(prev) = seen.insert(i["message"].as_str().unwrap(), i["seq"].as_i64().unwrap()) {
            eprintln!("DUP {} at seq {prev} and {}", i["message"], i["seq"]);
        }
    }
    assert_eq!(distinct.len(), sent, "every line stored");
    assert_eq!(items.len(), sent, "no line stored twice");
    assert_exact_seq(&items);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_edits_under_mqtt_load_store_id_less_lines_exactly_once() {
    let app = spawn_app().await;
    let name = unique("edit-mq");
    let topic = format!("{name}/app");
    app.feed(json!({"name": name, "kind": "logs", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}}))
        .await;
    let stop = CancellationToken::new();
    let publisher = spawn_mqtt_publisher(topic, 400, stop.clone(), |n| format!("INFO line {n}").into_bytes());
    let publish = async {
        tokio::time::sleep(Duration::from_secs(7)).await;
        stop.cancel();
        publisher.await.unwrap()
    };
    edit_under_load(&app, &name, publish).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feed_edits_under_amqp_load_store_id_less_lines_exactly_once() {
    let app = spawn_app().await;
    let name = unique("edit-am");
    let exchange = unique("ex");
    let source = json!({"protocol": "amqp", "url": AMQP_URL, "exchange": exchange, "binding_key": "app.#"});
    app.feed(json!({"name": name, "kind": "logs", "source": source})).await;
    let publish = async {
        let mut sent = 0;
        for _ in 0..35 {
            let lines = (sent..sent + 80).map(|n| format!("WARN line {n}").into_bytes()).collect();
            amqp_publish(&exchange, "app.api", lines).await;
            sent += 80;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        sent
    };
    edit_under_load(&app, &name, publish).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_panic_restarts_the_feed_and_loses_nothing() {
    let app = spawn_app_with(|c| c.ingest.panic_on_payload = Some("INFO panic now")).await;
    let name = unique("panic");
    let topic = format!("{name}/app");
    app.feed(json!({"name": name, "kind": "logs", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic}}))
        .await;
    mqtt_publish(&topic, vec![b"INFO before".to_vec()]).await;
    wait_stored(&app, &name, 1).await;
    mqtt_publish(&topic, vec![b"INFO panic now".to_vec(), b"INFO after".to_vec()]).await;
    wait_stored(&app, &name, 3).await;
    let feed = app
        .wait_for("the feed running again", || async {
            let f = app.get_json(&format!("/api/v1/feeds/{name}")).await;
            (f["status"]["state"] == "connected").then_some(f)
        })
        .await;
    let error = feed["status"]["last_error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("the writer panicked"), "the status tells why the feed restarted: {error:?}");
    let items = all_items(&app, &format!("/api/v1/feeds/{name}/logs")).await;
    let messages: Vec<&str> = items.iter().map(|i| i["message"].as_str().unwrap()).collect();
    assert_eq!(messages, ["INFO before", "INFO panic now", "INFO after"], "the unacknowledged message came again");
    app.stop().await;
}
