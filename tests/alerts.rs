//! Alerts against the real brokers and Postgres (API.md "Alerts"): a rule
//! fires once per crossing, exactly once across a kill -9, reaches viewers
//! live, and reaches a failing webhook on a later try with the same key.

mod common;

use common::{
    ADMIN_PASSWORD, TEST_SECRET_KEY, assert_error,
    brokers::{amqp_publish, mqtt_publish, unique},
    feeds::{amqp_feed, mqtt_feed},
    spawn_app, spawn_app_with, spawn_node, sse,
};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

/// A tick with a publisher id of its own, so a redelivery (after a
/// reconnect on a busy machine) is stored once and cannot fake a crossing.
fn tick(symbol: &str, price: f64) -> Vec<u8> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let id = format!("t{}", NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    json!({"symbol": symbol, "price": price, "id": id}).to_string().into_bytes()
}

impl common::TestApp {
    /// Creates an alert rule as admin; its id.
    async fn alert(&self, body: Value) -> i64 {
        let res = self.admin().await.post(self.url("/api/v1/alerts")).json(&body).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap_or_default());
        res.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
    }

    async fn firings(&self, id: i64) -> Vec<Value> {
        self.get_json(&format!("/api/v1/alerts/{id}/firings")).await["items"].as_array().unwrap().clone()
    }

    /// Waits until rule `id` has evaluated every message of its feed.
    async fn evaluated(&self, id: i64) {
        self.wait_for_long(&format!("alert {id} to catch up with its feed"), || async {
            let (watermark, head): (i64, i64) = sqlx::query_as(
                "SELECT r.watermark, COALESCE(p.last_seq, 0) FROM alert_rules r
                 LEFT JOIN feed_positions p ON p.feed_id = r.feed_id WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(self.db())
            .await
            .ok()?;
            (watermark == head && head > 0).then_some(())
        })
        .await
    }
}

#[tokio::test]
async fn a_price_crossing_up_down_up_fires_exactly_twice_and_viewers_see_it_live() {
    let app = spawn_app().await;
    let (name, topic) = (unique("cross"), unique("cross-topic"));
    app.feed(mqtt_feed(&name, "ticks", &topic)).await;
    let id = app
        .alert(
            json!({"name": "AAPL high", "feed": name, "rule": {"type": "price_above", "symbol": "AAPL", "level": 190}}),
        )
        .await;
    let mut stream = sse::connect(&app.url(""), &[&name], None).await;
    assert_eq!(stream.next(Duration::from_secs(10)).await.unwrap().event, "ready");

    let prices = [189.0, 191.0, 192.0, 188.0, 190.0, 193.0];
    let mut payloads: Vec<Vec<u8>> = prices.iter().map(|p| tick("AAPL", *p)).collect();
    payloads.insert(2, tick("MSFT", 500.0)); // another symbol between: not looked at
    mqtt_publish(&topic, payloads).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 7).await;
    app.evaluated(id).await;

    let firings = app.firings(id).await;
    let seen: Vec<(f64, i64, i64)> = firings
        .iter()
        .map(|f| (f["value"].as_f64().unwrap(), f["seq_from"].as_i64().unwrap(), f["seq_to"].as_i64().unwrap()))
        .collect();
    assert_eq!(seen, [(193.0, 6, 7), (191.0, 1, 2)], "newest first; each with the seq range that crossed");
    assert_eq!(firings[1]["message"], "AAPL at 191 crossed above 190");
    assert_eq!(app.get_json(&format!("/api/v1/alerts/{id}")).await["state"], "firing");

    let mut live = Vec::new();
    // Heartbeats keep a stream busy, so the wait has a deadline of its own.
    let two_alerts = async {
        while live.len() < 2 {
            let event = stream.next_data(Duration::from_secs(20)).await.expect("the alert events");
            if event.event == "alert" {
                live.push((event.data["value"].as_f64().unwrap(), event.data["alert_name"].clone(), event.id));
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(60), two_alerts).await.expect("both firings arrive live within 60 s");
    assert_eq!(live, [(191.0, json!("AAPL high"), None), (193.0, json!("AAPL high"), None)], "no cursor id");
    app.stop().await;
}

#[tokio::test]
async fn no_data_fires_after_the_window_and_clears_when_data_returns() {
    let app = spawn_app().await;
    let (name, topic) = (unique("quiet"), unique("quiet-topic"));
    app.feed(mqtt_feed(&name, "ticks", &topic)).await;
    let id = app.alert(json!({"name": "quiet", "feed": name, "rule": {"type": "no_data", "window": "2s"}})).await;
    mqtt_publish(&topic, vec![tick("A", 1.0)]).await;
    let fired = app
        .wait_for("the no_data firing", || async {
            let firings = app.firings(id).await;
            (!firings.is_empty()).then_some(firings)
        })
        .await;
    assert_eq!((fired[0]["seq_from"].as_i64(), fired[0]["seq_to"].as_i64()), (Some(1), Some(1)), "names the last tick");
    assert!(fired[0]["value"].as_f64().unwrap() >= 2.0);
    assert_eq!(app.get_json(&format!("/api/v1/alerts/{id}")).await["state"], "firing");

    mqtt_publish(&topic, vec![tick("A", 2.0)]).await;
    app.wait_for("the rule to clear on data", || async {
        (app.get_json(&format!("/api/v1/alerts/{id}")).await["state"] == "ok").then_some(())
    })
    .await;
    let again = app
        .wait_for("the next quiet spell to fire", || async {
            let firings = app.firings(id).await;
            (firings.len() == 2).then_some(firings)
        })
        .await;
    assert_eq!(again[0]["seq_to"], 2);
    app.stop().await;
}

#[tokio::test]
async fn log_rate_counts_matching_lines_and_a_silenced_rule_stays_quiet() {
    let app = spawn_app().await;
    let (name, exchange) = (unique("rate"), unique("rate-ex"));
    app.feed(amqp_feed(&name, "logs", &exchange, "#")).await;
    let rule = json!({"type": "log_rate", "level": "ERROR", "q": "disk", "count": 3, "window": "1h"});
    let rate = app.alert(json!({"name": "disk errors", "feed": name, "rule": rule})).await;
    let silenced = app.alert(json!({"name": "silenced", "feed": name, "rule": rule})).await;
    let admin = app.admin().await;
    let res =
        admin.post(app.url(&format!("/api/v1/alerts/{silenced}/silence"))).json(&json!({"for": "1h"})).send().await;
    let body: Value = res.unwrap().json().await.unwrap();
    assert_eq!(body["state"], "silenced");
    assert!(body["silenced_until"].is_string());

    let line = |level: &str, message: &str| {
        json!({"level": level, "message": message, "id": message}).to_string().into_bytes()
    };
    let lines = vec![
        line("ERROR", "disk full"),
        line("WARN", "disk almost full"), // below the level
        line("ERROR", "network down"),    // does not match q
        line("FATAL", "Disk gone"),       // above the level counts
        line("ERROR", "disk full again"), // the third: fires
        line("ERROR", "disk full once more"),
    ];
    amqp_publish(&exchange, "app", lines).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/logs"), 6).await;
    app.evaluated(rate).await;
    app.evaluated(silenced).await;
    let firings = app.firings(rate).await;
    assert_eq!(firings.len(), 1, "{firings:?}");
    assert_eq!((firings[0]["seq_from"].as_i64(), firings[0]["seq_to"].as_i64()), (Some(1), Some(5)));
    assert!(app.firings(silenced).await.is_empty(), "silenced: nothing fired");
    app.stop().await;
}

#[tokio::test]
async fn rules_are_checked_and_only_admins_write_them() {
    let app = spawn_app().await;
    let logs = unique("checked");
    app.feed(mqtt_feed(&logs, "logs", &unique("checked-topic"))).await;
    let admin = app.admin().await;
    let post = |body: Value| admin.post(app.url("/api/v1/alerts")).json(&body).send();
    let wrong_kind = json!({"name": "x", "feed": logs, "rule": {"type": "price_above", "symbol": "A", "level": 1}});
    let body = assert_error(post(wrong_kind.clone()).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    assert_eq!(body["error"]["fields"][0]["field"], "rule.type", "{body}");
    let unknown = json!({"name": "x", "feed": "nope", "rule": {"type": "no_data", "window": "30s"}});
    assert_error(post(unknown).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    let bad_window = json!({"name": "x", "feed": logs, "rule": {"type": "no_data", "window": "soon"}});
    assert_error(post(bad_window).await.unwrap(), StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;

    let viewer = app.user("viewer1", "viewer").await;
    let ok = json!({"name": "quiet", "feed": logs, "rule": {"type": "no_data", "window": "30s"}});
    let res = viewer.post(app.url("/api/v1/alerts")).json(&ok).send().await.unwrap();
    assert_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let id = app.alert(ok).await;
    let listed: Value = viewer.get(app.url("/api/v1/alerts")).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["items"][0]["id"], id, "viewers read rules");
    assert_eq!(listed["items"][0]["state"], "ok");
    assert_error(
        admin.get(app.url("/api/v1/alerts/abc")).send().await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_error(admin.get(app.url("/api/v1/alerts/999999")).send().await.unwrap(), StatusCode::NOT_FOUND, "not_found")
        .await;
    let res = admin.delete(app.url(&format!("/api/v1/alerts/{id}"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_evaluating_the_same_rule_fire_each_crossing_once_and_one_carries_on_alone() {
    let a = spawn_node("alert-a", None).await;
    let b = spawn_node("alert-b", Some(a.database_url.clone())).await;
    let (name, topic) = (unique("pair"), unique("pair-topic"));
    a.feed(mqtt_feed(&name, "ticks", &topic)).await;
    let id = a
        .alert(json!({"name": "flapping", "feed": name, "rule": {"type": "price_above", "symbol": "F", "level": 100}}))
        .await;
    let mut on_b = sse::connect(&b.url(""), &[&name], None).await;
    assert_eq!(on_b.next(Duration::from_secs(10)).await.unwrap().event, "ready");
    // 50 crossings up, published as fast as the broker takes them.
    let flapping = |n: usize| (0..2 * n).map(|i| tick("F", if i % 2 == 0 { 99.0 } else { 101.0 })).collect();
    mqtt_publish(&topic, flapping(50)).await;
    a.wait_items(&format!("/api/v1/feeds/{name}/ticks"), 100).await;
    a.evaluated(id).await;
    assert_eq!(a.firings(id).await.len(), 50, "both nodes evaluate; each crossing fires once");
    let mut live = 0;
    let fifty_alerts = async {
        while live < 50 {
            let event = on_b.next_data(Duration::from_secs(20)).await.expect("events on node b");
            live += usize::from(event.event == "alert");
        }
    };
    tokio::time::timeout(Duration::from_secs(60), fifty_alerts)
        .await
        .unwrap_or_else(|_| panic!("every firing reaches node b's viewers within 60 s ({live} of 50 did)"));

    a.stop_keeping_database().await; // b owns the database from here
    mqtt_publish(&topic, flapping(10)).await;
    b.wait_items(&format!("/api/v1/feeds/{name}/ticks?after_seq=119"), 1).await;
    b.evaluated(id).await;
    let firings = b.firings(id).await;
    assert_eq!(firings.len(), 60, "node b alone fires the next 10");
    let seqs: std::collections::BTreeSet<i64> = firings.iter().map(|f| f["seq_to"].as_i64().unwrap()).collect();
    assert_eq!(seqs, (1..=60).map(|n| 2 * n).collect(), "at every even seq (each tick at 101)");
    b.stop().await;
}

/// What the test's webhook receiver saw: each attempt's idempotency key
/// and firing id.
type Attempts = Arc<Mutex<Vec<(String, i64)>>>;

/// A webhook that answers 500 to its first `failures` attempts, then 200.
async fn flaky_webhook(failures: usize) -> (String, Attempts) {
    use axum::{extract::State, http::HeaderMap, routing::post};
    let attempts: Attempts = Arc::default();
    let app = axum::Router::new()
        .route(
            "/hook",
            post(move |State(seen): State<Attempts>, headers: HeaderMap, body: axum::Json<Value>| async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
                let mut seen = seen.lock().unwrap();
                seen.push((key, body["id"].as_i64().unwrap_or(-1)));
                if seen.len() <= failures { StatusCode::INTERNAL_SERVER_ERROR } else { StatusCode::OK }
            }),
        )
        .with_state(attempts.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, attempts)
}

#[tokio::test]
async fn a_webhook_that_fails_twice_gets_the_firing_on_the_third_try_with_the_same_key() {
    let app = spawn_app().await;
    let (name, topic) = (unique("hook"), unique("hook-topic"));
    app.feed(mqtt_feed(&name, "ticks", &topic)).await;
    let (url, attempts) = flaky_webhook(2).await;
    let rule = json!({"type": "price_below", "symbol": "X", "level": 10});
    let id = app.alert(json!({"name": "X low", "feed": name, "rule": rule, "webhook_url": url})).await;
    mqtt_publish(&topic, vec![tick("X", 11.0), tick("X", 9.0)]).await;
    let firing = app.wait_for("the firing", || async { app.firings(id).await.into_iter().next() }).await;
    app.wait_for_long("three webhook attempts", || async { (attempts.lock().unwrap().len() >= 3).then_some(()) }).await;
    let seen = attempts.lock().unwrap().clone();
    let key = format!("feedboard-alert-{id}-firing-{}", firing["id"]);
    assert_eq!(seen, vec![(key.clone(), firing["id"].as_i64().unwrap()); 3], "the same key and firing each time");
    let delivered: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT delivered_at FROM alert_deliveries").fetch_one(app.db()).await.unwrap();
    assert!(delivered.is_some(), "the third try is recorded as delivered");
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(attempts.lock().unwrap().len(), 3, "nothing is sent after a success");
    app.stop().await;
}

/// feedboard as a process of its own (the binary `cargo test` built), so
/// the test can kill it with SIGKILL.
struct Process(std::process::Child);

impl Process {
    fn start(database_url: &str) -> (Process, String) {
        let port = feedboard_testkit::processes::free_port().unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_feedboard"))
            .env("DATABASE_URL", database_url)
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("FEEDBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FEEDBOARD_SECRET_KEY", TEST_SECRET_KEY)
            .env("FEEDBOARD_DEMO", "0")
            .env("RUST_LOG", "warn")
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("feedboard starts");
        (Process(child), format!("http://127.0.0.1:{port}"))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill(); // SIGKILL
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn a_kill_9_in_the_middle_of_a_crossing_burst_leaves_exactly_one_firing() {
    // Mosquitto keeps at most 1,000 queued messages for a client that is
    // away (its default `max_queued_messages`) and drops the rest: what is
    // not stored at the kill (at most BURST / 2 - 100) must fit, however
    // fast storage is next to the publisher.
    const BURST: usize = 1800;
    let app = spawn_app().await;
    let (name, topic) = (unique("killed"), unique("killed-topic"));
    app.feed(mqtt_feed(&name, "ticks", &topic)).await;
    let id = app
        .alert(json!({"name": "crossing", "feed": name, "rule": {"type": "price_above", "symbol": "K", "level": 100}}))
        .await;
    let url = app.stop_keeping_database().await;

    let (process, base) = Process::start(&url);
    let db = sqlx::PgPool::connect(&url).await.unwrap();
    let client = reqwest::Client::new();
    common::wait_until("the process to serve", Duration::from_secs(60), || async {
        client.get(format!("{base}/healthz")).send().await.ok()?.status().is_success().then_some(())
    })
    .await;
    // Below the level for the first half, above it from then on: one
    // crossing. The ticks carry publisher ids: what the killed process had
    // stored but not yet acknowledged comes again and is stored once.
    let burst = tokio::spawn({
        let topic = topic.clone();
        async move {
            // With publisher ids: what the killed process had stored but
            // not yet acknowledged comes again and must be stored once.
            let prices = (0..BURST).map(|i| tick("K", if i < BURST / 2 { 99.0 } else { 101.0 })).collect();
            mqtt_publish(&topic, prices).await;
        }
    });
    let stored = || async {
        sqlx::query_scalar::<_, i64>("SELECT COALESCE(max(last_seq), 0) FROM feed_positions").fetch_one(&db).await.ok()
    };
    common::wait_until("the crossing to be stored", Duration::from_secs(120), || async {
        stored().await.filter(|n| *n as usize > BURST / 2 + 100)
    })
    .await;
    drop(process); // kill -9 in the middle of the burst
    let at_kill = stored().await.unwrap();
    eprintln!("killed with {at_kill} of {BURST} ticks stored");
    burst.await.unwrap();

    let app = spawn_app_with(|c| c.database_url = url.clone()).await;
    app.wait_items(&format!("/api/v1/feeds/{name}/ticks?limit=1&after_seq={}", BURST - 1), 1).await;
    app.evaluated(id).await;
    let firings = app.firings(id).await;
    assert_eq!(firings.len(), 1, "exactly one firing (killed at seq {at_kill}): {firings:?}");
    assert_eq!(firings[0]["seq_to"], BURST / 2 + 1, "at the first tick above the level");
    db.close().await;
    app.stop().await;
}
