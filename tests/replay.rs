//! Time travel (API.md "Replay"): `/api/v1/stream` with `replay_from`,
//! `replay_to` and `speed` sends a stored window as live would, paced by
//! `ts`, then `end`.

mod common;

use common::{
    brokers::{mqtt_publish, unique},
    feeds::mqtt_feed,
    spawn_app,
    sse::replay,
};
use reqwest::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// The start of the tests' history: two hours ago, on a whole second (well
/// inside the default retention).
static T0_MS: std::sync::LazyLock<i64> = std::sync::LazyLock::new(|| (chrono::Utc::now().timestamp() - 7200) * 1000);

fn at(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(*T0_MS + ms).unwrap().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

async fn wait_rows(app: &common::TestApp, table: &str, name: &str, n: i64) {
    let sql = format!("SELECT count(*) FROM {table} t JOIN feeds f ON f.id = t.feed_id WHERE f.name = $1");
    app.wait_for_long(&format!("{n} rows in {name}"), || async {
        let count: i64 = sqlx::query_scalar(&sql).bind(name).fetch_one(app.db()).await.ok()?;
        (count >= n).then_some(())
    })
    .await;
}

#[tokio::test]
async fn a_replay_at_100x_delivers_every_tick_in_order_paced_by_time() {
    let app = spawn_app().await;
    let name = unique("replay");
    app.feed(mqtt_feed(&name, "ticks", &format!("{name}/#"))).await;
    // 10,000 ticks 100 ms apart: 999.9 s of history, 9.999 s at 100×.
    let ticks = (0..10_000)
        .map(|i| {
            json!({"symbol": "RPL", "price": i, "ts": at(i * 100), "id": format!("r{i}")}).to_string().into_bytes()
        })
        .collect();
    mqtt_publish(&format!("{name}/x"), ticks).await;
    wait_rows(&app, "ticks", &name, 10_000).await;

    let mut stream = replay(&app.url(""), &[&name], &at(0), &at(1_000_000), 100).await;
    let ready = stream.next(Duration::from_secs(10)).await.expect("ready");
    assert_eq!((ready.event.as_str(), ready.data["replay"]["speed"].as_f64()), ("ready", Some(100.0)));
    let (mut seqs, mut first, mut last) = (Vec::new(), None, None);
    loop {
        let event = stream.next_data(Duration::from_secs(30)).await.expect("the replay goes on");
        match event.event.as_str() {
            "tick" => {
                let now = Instant::now();
                first.get_or_insert(now);
                last = Some(now);
                seqs.push(event.data["seq"].as_i64().unwrap());
            }
            "end" => {
                assert_eq!(event.data["replay_to"], at(1_000_000));
                break;
            }
            "heartbeat" => {}
            other => panic!("unexpected {other} event"),
        }
    }
    assert_eq!(seqs.len(), 10_000);
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq order");
    let took = last.unwrap() - first.unwrap();
    eprintln!("10,000 ticks replayed at 100x in {took:?} (expected {:?})", Duration::from_millis(9_999));
    let expected = Duration::from_millis(9_999);
    assert!(took >= expected.mul_f64(0.9) && took <= expected.mul_f64(1.1), "took {took:?} for {expected:?}");
    app.stop().await;
}

#[tokio::test]
async fn a_replay_of_ticks_and_logs_interleaves_them_by_time() {
    let app = spawn_app().await;
    let (ticks, logs) = (unique("rp-ticks"), unique("rp-logs"));
    app.feed(mqtt_feed(&ticks, "ticks", &format!("{ticks}/#"))).await;
    app.feed(mqtt_feed(&logs, "logs", &format!("{logs}/#"))).await;
    let tick = |i: i64| json!({"symbol": "IL", "price": i, "ts": at(i * 200)}).to_string().into_bytes();
    let line = |i: i64| json!({"message": format!("line {i}"), "ts": at(i * 200 + 100)}).to_string().into_bytes();
    mqtt_publish(&format!("{ticks}/x"), (0..50).map(tick).collect()).await;
    mqtt_publish(&format!("{logs}/x"), (0..50).map(line).collect()).await;
    wait_rows(&app, "ticks", &ticks, 50).await;
    wait_rows(&app, "logs", &logs, 50).await;

    let mut stream = replay(&app.url(""), &[&ticks, &logs], &at(0), &at(10_000), 100).await;
    let mut order = Vec::new();
    while let Some(event) = stream.next_data(Duration::from_secs(10)).await {
        match event.event.as_str() {
            "tick" | "log" => order.push((event.event, event.data["ts"].as_str().unwrap().to_owned())),
            "end" => break,
            _ => {}
        }
    }
    assert_eq!(order.len(), 100);
    let expected: Vec<(String, String)> =
        (0..50).flat_map(|i| [("tick".to_owned(), at(i * 200)), ("log".to_owned(), at(i * 200 + 100))]).collect();
    assert_eq!(order, expected);
    app.stop().await;
}

#[tokio::test]
async fn bad_replay_parameters_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let name = unique("rp-bad");
    app.feed(mqtt_feed(&name, "ticks", &format!("{name}/#"))).await;
    let http = reqwest::Client::new();
    for (query, says) in [
        (vec![("replay_from", at(0))], "both replay_from and replay_to"),
        (vec![("replay_from", at(10)), ("replay_to", at(0))], "before replay_to"),
        (vec![("replay_from", "yesterday".into()), ("replay_to", at(0))], "RFC 3339"),
        (vec![("replay_from", at(0)), ("replay_to", at(10)), ("speed", "500".into())], "between 1 and 100"),
    ] {
        let res = http.get(app.url("/api/v1/stream")).query(&[("feeds", &name)]).query(&query).send().await.unwrap();
        let body = common::assert_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(body["error"]["message"].as_str().unwrap().contains(says), "{body}");
    }
    app.stop().await;
}
