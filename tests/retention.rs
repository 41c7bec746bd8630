//! Retention against the real Postgres and Mosquitto: old messages leave
//! history while ingest goes on, a change applies without a restart, a day
//! no feed keeps goes whole, and a cursor older than what is kept is reset.

mod common;

use chrono::{Duration as Span, Utc};
use common::{
    TestApp,
    brokers::{MQTT_URL, mqtt_publish, spawn_mqtt_publisher, unique},
    spawn_app_with, sse,
};
use feedboard::domain::upkeep;
use serde_json::{Value, json};
use std::{collections::BTreeSet, time::Duration};
use tokio_util::sync::CancellationToken;

/// An app whose upkeep runs every second.
async fn app() -> TestApp {
    spawn_app_with(|c| c.history.maintenance_every = Duration::from_secs(1)).await
}

/// Creates an MQTT ticks feed with `retention`; returns (name, topic).
async fn ticks_feed(app: &TestApp, retention: Value) -> (String, String) {
    let (name, topic) = (unique("ret"), unique("ret/t"));
    app.feed(json!({
        "name": name, "kind": "ticks", "retention": retention,
        "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": topic},
    }))
    .await;
    (name, topic)
}

/// A tick priced `n`, `age` before now (none: the broker's receive time).
fn tick(n: usize, age: Option<Span>) -> Vec<u8> {
    let mut t = json!({"symbol": "R", "price": n as f64, "size": 1, "id": format!("r{n}")});
    if let Some(age) = age {
        t["ts"] = json!((Utc::now() - age).to_rfc3339());
    }
    t.to_string().into_bytes()
}

/// The prices of every tick the history API returns for `feed`.
async fn prices(app: &TestApp, feed: &str) -> Vec<i64> {
    let body = app.get_json(&format!("/api/v1/feeds/{feed}/ticks?limit=10000")).await;
    body["items"].as_array().unwrap().iter().map(|t| t["price"].as_f64().unwrap() as i64).collect()
}

async fn feed_json(app: &TestApp, feed: &str) -> Value {
    app.get_json(&format!("/api/v1/feeds/{feed}")).await
}

/// `(feed id, last_seq, pruned_seq)` from the database.
async fn positions(app: &TestApp, feed: &str) -> (i64, i64, i64) {
    sqlx::query_as(
        "SELECT f.id, p.last_seq, COALESCE(r.seq, 0) FROM feeds f JOIN feed_positions p ON p.feed_id = f.id
         LEFT JOIN prune_positions r ON r.feed_id = f.id WHERE f.name = $1",
    )
    .bind(feed)
    .fetch_one(app.db())
    .await
    .unwrap()
}

#[tokio::test]
async fn old_ticks_leave_history_within_a_minute_while_ingest_goes_on() {
    let app = app().await;
    let (feed, topic) = ticks_feed(&app, json!({"max_age": "1h"})).await;
    assert_eq!(feed_json(&app, &feed).await["retention"]["max_age"], "1h");
    // Every odd tick is two hours old; the even ones are new.
    let stop = CancellationToken::new();
    let publisher = spawn_mqtt_publisher(topic, 200, stop.clone(), |n| tick(n, (n % 2 == 1).then(|| Span::hours(2))));
    tokio::time::sleep(Duration::from_secs(4)).await;
    stop.cancel();
    let sent = publisher.await.unwrap();
    assert!(sent >= 100, "published {sent}");
    let kept: BTreeSet<i64> = (0..sent as i64).filter(|n| n % 2 == 0).collect();
    let seen = app
        .wait_within("only the new ticks left", Duration::from_secs(60), || async {
            let p = prices(&app, &feed).await;
            (p.len() == kept.len()).then_some(p)
        })
        .await;
    assert_eq!(seen.iter().copied().collect::<BTreeSet<_>>(), kept, "each new tick once, no old one");
    let (_, last_seq, pruned_seq) = positions(&app, &feed).await;
    assert_eq!(last_seq, sent as i64, "every tick was stored first (seq is gap-free)");
    assert!(pruned_seq > 0, "retention removed what it removed, and says so");
    let storage = app
        .wait_for("storage to count only what is kept", || async {
            let s = feed_json(&app, &feed).await["storage"].clone();
            (s["rows"] == kept.len()).then_some(s)
        })
        .await;
    assert!(storage["bytes"].as_i64().unwrap() > 0, "{storage}");
    assert!(storage["oldest"].is_string(), "{storage}");
    app.stop().await;
}

#[tokio::test]
async fn a_retention_change_applies_without_a_restart() {
    let app = app().await;
    let (feed, topic) = ticks_feed(&app, json!({"max_age": null})).await;
    let payloads = (0..60).map(|n| tick(n, (n < 30).then(|| Span::hours(3)))).collect();
    mqtt_publish(&topic, payloads).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks?limit=10000"), 60).await;
    let core = &app.state().core;
    app.wait_for("an upkeep step of its own", || async {
        upkeep::step(core, Utc::now()).await.unwrap().ran.then_some(())
    })
    .await;
    assert_eq!(prices(&app, &feed).await.len(), 60, "keeping everything keeps everything");

    let admin = app.admin().await;
    let mut body = feed_json(&app, &feed).await;
    body["retention"] = json!({"max_age": "2h"});
    let res = admin.put(app.url(&format!("/api/v1/feeds/{feed}"))).json(&body).send().await.unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let left = app
        .wait_within("the old half to go", Duration::from_secs(60), || async {
            let p = prices(&app, &feed).await;
            (p.len() == 30).then_some(p)
        })
        .await;
    assert_eq!(left, (30..60).collect::<Vec<_>>());
    app.stop().await;
}

#[tokio::test]
async fn a_bad_retention_is_refused_naming_the_field() {
    let app = app().await;
    let admin = app.admin().await;
    let res = admin
        .post(app.url("/api/v1/feeds"))
        .json(&json!({
            "name": unique("ret"), "kind": "ticks", "retention": {"max_age": "a week"},
            "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": "x"},
        }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error(), "{}", res.status());
    let text = res.text().await.unwrap();
    assert!(text.contains("is not a duration"), "{text}");
    let (feed, _) = ticks_feed(&app, Value::Null).await;
    let default = feed_json(&app, &feed).await;
    assert_eq!(default["retention"]["max_age"], "30d", "a feed created without one gets FEEDBOARD_RETENTION");
    app.stop().await;
}

#[tokio::test]
async fn a_day_no_feed_keeps_is_dropped_whole_and_its_cursors_reset() {
    let app = app().await;
    let (feed, topic) = ticks_feed(&app, json!({"max_age": "1d"})).await;
    mqtt_publish(&topic, (0..100).map(|n| tick(n, None)).collect()).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks?limit=10000"), 100).await;
    let (feed_id, last_seq, _) = positions(&app, &feed).await;
    assert_eq!(last_seq, 100);
    let core = &app.state().core;
    // Five days on, today's partition is past every feed's retention.
    let later = Utc::now() + Span::days(5);
    let report = app
        .wait_for("an upkeep step of its own", || async {
            let report = upkeep::step(core, later).await.unwrap();
            report.ran.then_some(report)
        })
        .await;
    assert!(report.partitions_dropped >= 3, "today's partition of each table went whole: {report:?}");
    assert_eq!(prices(&app, &feed).await.len(), 0);
    let (_, _, pruned_seq) = positions(&app, &feed).await;
    assert_eq!(pruned_seq, 100, "the drop recorded what it removed");
    assert_eq!(feed_json(&app, &feed).await["storage"]["rows"], 0);

    let mut stream = sse::connect(&app.url(""), &[&feed], Some(&format!("{feed_id}:40"))).await;
    let reset = stream.next_data(Duration::from_secs(10)).await.expect("an event");
    assert_eq!((reset.event.as_str(), reset.data["reason"].as_str()), ("reset", Some("cursor older than retention")));
    let mut current = sse::connect(&app.url(""), &[&feed], Some(&format!("{feed_id}:100"))).await;
    let ready = current.next_data(Duration::from_secs(10)).await.expect("an event");
    assert_eq!(ready.event, "ready", "a cursor at the head resumes: {ready:?}");
    app.stop().await;
}

#[tokio::test]
async fn an_id_redelivered_with_another_time_is_stored_once() {
    let app = app().await;
    let (feed, topic) = ticks_feed(&app, json!({"max_age": "7d"})).await;
    // No `ts`: each delivery gets its own receive time, so only the id
    // register (not a unique key with the time in it) can tell them apart.
    let once = json!({"symbol": "R", "price": 1.0, "id": "same"}).to_string().into_bytes();
    mqtt_publish(&topic, vec![once.clone()]).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks"), 1).await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    let marker = json!({"symbol": "R", "price": 2.0, "id": "marker"}).to_string().into_bytes();
    mqtt_publish(&topic, vec![once, marker]).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks"), 2).await;
    assert_eq!(prices(&app, &feed).await, [1, 2]);
    app.stop().await;
}

#[tokio::test]
async fn an_id_is_remembered_across_days_for_the_id_window_then_forgotten() {
    let app = app().await;
    let (feed, topic) = ticks_feed(&app, json!({"max_age": "30d"})).await;
    let (feed_id, _, _) = positions(&app, &feed).await;
    // Ids seen before: two days ago (in another day of the register) and
    // eight days ago (past the 7-day window).
    for (id, age) in [("r1", Span::days(2)), ("r2", Span::days(8))] {
        sqlx::query("INSERT INTO publisher_ids (feed_id, publisher_id, seen_at) VALUES ($1, $2, $3)")
            .bind(feed_id)
            .bind(id)
            .bind(Utc::now() - age)
            .execute(app.db())
            .await
            .unwrap();
    }
    mqtt_publish(&topic, (1..=3).map(|n| tick(n, None)).collect()).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks"), 2).await;
    assert_eq!(prices(&app, &feed).await, [2, 3], "r1 is a duplicate; r2 was forgotten");

    let remembered = || async {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT publisher_id FROM publisher_ids WHERE feed_id = $1 ORDER BY seen_at, publisher_id",
        )
        .bind(feed_id)
        .fetch_all(app.db())
        .await
        .unwrap();
        ids
    };
    let forgotten = app
        .wait_for("upkeep to forget ids past the window", || async {
            let ids = remembered().await;
            (ids.len() == 3).then_some(ids)
        })
        .await;
    assert_eq!(forgotten, ["r1", "r2", "r3"], "the old r2 left, the new one and r3 stay");
    app.stop().await;
}
