//! The SSE live stream: live delivery, exact resume with Last-Event-ID,
//! resets, slow clients.

mod common;

use common::{
    brokers::{MQTT_URL, mqtt_publish, spawn_tick_publisher, unique},
    spawn_app, spawn_app_with,
    sse::{self, SseEvent, SseStream},
};
use serde_json::json;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const WAIT: Duration = Duration::from_secs(10);

fn ticks(from: usize, to: usize) -> Vec<Vec<u8>> {
    (from..to).map(|i| json!({"symbol": "S", "price": i, "id": format!("t{i}")}).to_string().into_bytes()).collect()
}

/// The next `tick`/`log` event (skipping ready, status and the heartbeat
/// every 10 s, which a slow run sees).
async fn next_message(stream: &mut SseStream) -> Option<SseEvent> {
    loop {
        let e = stream.next_data(WAIT).await?;
        if !is_housekeeping(&e) {
            return Some(e);
        }
    }
}

fn is_housekeeping(e: &SseEvent) -> bool {
    matches!(e.event.as_str(), "ready" | "status" | "heartbeat")
}

async fn read_seqs(stream: &mut SseStream, n: usize) -> (Vec<i64>, String) {
    let mut seqs = Vec::new();
    let mut last_id = String::new();
    while seqs.len() < n {
        let e = next_message(stream).await.unwrap_or_else(|| panic!("only {} of {n} events", seqs.len()));
        assert_eq!(e.event, "tick", "{e:?}");
        seqs.push(e.data["seq"].as_i64().unwrap());
        last_id = e.id.clone().expect("messages carry an id");
    }
    (seqs, last_id)
}

async fn ticks_feed(app: &common::TestApp) -> String {
    let name = unique("live");
    app.feed(json!({"name": name, "kind": "ticks", "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/#")}}))
        .await;
    name
}

#[tokio::test]
async fn live_events_then_an_exact_resume() {
    let app = spawn_app().await;
    let feed = ticks_feed(&app).await;
    let base = app.url("");
    let mut stream = sse::connect(&base, &[&feed], None).await;
    let ready = stream.next_data(WAIT).await.unwrap();
    assert_eq!(ready.event, "ready");
    assert_eq!(ready.data["feeds"][0]["feed"], feed.as_str());
    assert_eq!(ready.data["feeds"][0]["seq"], 0);

    mqtt_publish(&format!("{feed}/a"), ticks(0, 100)).await;
    let (seqs, last_id) = read_seqs(&mut stream, 100).await;
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
    drop(stream);

    mqtt_publish(&format!("{feed}/a"), ticks(100, 200)).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks?after_seq=199"), 1).await;
    let mut resumed = sse::connect(&base, &[&feed], Some(&last_id)).await;
    let ready = resumed.next_data(WAIT).await.unwrap();
    assert_eq!((ready.event.as_str(), &ready.data["resumed"]), ("ready", &json!(true)));
    let (seqs, _) = read_seqs(&mut resumed, 100).await;
    assert_eq!(seqs, (101..=200).collect::<Vec<_>>(), "exactly the missed messages");
    mqtt_publish(&format!("{feed}/a"), ticks(200, 250)).await;
    let (seqs, _) = read_seqs(&mut resumed, 50).await;
    assert_eq!(seqs, (201..=250).collect::<Vec<_>>(), "then live");
    assert!(resumed.next(Duration::from_millis(300)).await.is_none_or(|e| is_housekeeping(&e)), "no duplicates");
    app.stop().await;
}

#[tokio::test]
async fn two_hundred_reconnects_under_a_continuous_publisher_lose_and_repeat_nothing() {
    let app = spawn_app().await;
    let feed = ticks_feed(&app).await;
    let base = app.url("");
    let stop = CancellationToken::new();
    let publisher = spawn_tick_publisher(format!("{feed}/x"), 1000, stop.clone());

    let mut received: Vec<i64> = Vec::new();
    let mut last_id: Option<String> = None;
    for round in 0..200 {
        let mut stream = sse::connect(&base, &[&feed], last_id.as_deref()).await;
        // Read a few events (0 to 9), then hang up mid-stream.
        for _ in 0..(round % 10) {
            let Some(e) = next_message(&mut stream).await else { break };
            let seq = e.data["seq"].as_i64().unwrap();
            let expected = received.last().map_or(seq, |s| s + 1);
            assert_eq!(seq, expected, "round {round}: gap or duplicate at the seam");
            received.push(seq);
            last_id = e.id;
        }
        if last_id.is_none() {
            // Before the first message, resume from where the stream started.
            last_id = stream.next_data(WAIT).await.and_then(|ready| ready.id);
        }
    }
    stop.cancel();
    let published = publisher.await.unwrap();
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks?after_seq={}", published - 1), 1).await;
    let mut stream = sse::connect(&base, &[&feed], last_id.as_deref()).await;
    while received.last().copied().unwrap_or(0) < published as i64 {
        let e = next_message(&mut stream).await.expect("drain to the end");
        received.push(e.data["seq"].as_i64().unwrap());
    }
    assert!(received.windows(2).all(|w| w[1] == w[0] + 1), "contiguous across 200 reconnects");
    assert_eq!(*received.last().unwrap(), published as i64, "all {published} published messages arrived");
    assert!(stream.next(Duration::from_millis(300)).await.is_none_or(|e| is_housekeeping(&e)), "nothing extra");
    app.stop().await;
}

#[tokio::test]
async fn unusable_cursors_get_an_explicit_reset() {
    let app = spawn_app_with(|c| c.max_replay = 50).await;
    let feed = ticks_feed(&app).await;
    let base = app.url("");
    let mut stream = sse::connect(&base, &[&feed], None).await;
    let start_id = stream.next_data(WAIT).await.unwrap().id.unwrap();
    drop(stream);
    mqtt_publish(&format!("{feed}/a"), ticks(0, 120)).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks?after_seq=119"), 1).await;

    for (cursor, reason) in [(start_id.as_str(), "cursor too old"), ("1:99999999", "ahead"), ("garbage", "unreadable")]
    {
        let mut stream = sse::connect(&base, &[&feed], Some(cursor)).await;
        let reset = stream.next_data(WAIT).await.unwrap();
        assert_eq!(reset.event, "reset", "{cursor}");
        assert_eq!(reset.data["feed"], feed.as_str());
        assert!(reset.data["reason"].as_str().unwrap().contains(reason), "{reset:?}");
        let ready = stream.next_data(WAIT).await.unwrap();
        assert_eq!(ready.data["feeds"][0]["seq"], 120, "continues live from the head");
    }
    app.stop().await;
}

#[tokio::test]
async fn one_connection_multiplexes_feeds_and_resumes_each() {
    let app = spawn_app().await;
    let (a, b) = (ticks_feed(&app).await, ticks_feed(&app).await);
    let base = app.url("");
    let mut stream = sse::connect(&base, &[&a, &b], None).await;
    stream.next_data(WAIT).await.unwrap();
    mqtt_publish(&format!("{a}/x"), ticks(0, 10)).await;
    mqtt_publish(&format!("{b}/x"), ticks(0, 5)).await;
    let mut last_id = None;
    let mut seen = (0, 0);
    while seen != (10, 5) {
        let e = next_message(&mut stream).await.expect("events of both feeds");
        if e.data["feed"] == a.as_str() {
            seen.0 += 1
        } else {
            seen.1 += 1
        }
        last_id = e.id;
    }
    drop(stream);
    mqtt_publish(&format!("{a}/x"), ticks(10, 13)).await;
    mqtt_publish(&format!("{b}/x"), ticks(5, 7)).await;
    app.wait_items(&format!("/api/v1/feeds/{b}/ticks?after_seq=6"), 1).await;
    app.wait_items(&format!("/api/v1/feeds/{a}/ticks?after_seq=12"), 1).await;
    let mut stream = sse::connect(&base, &[&a, &b], last_id.as_deref()).await;
    let mut got: Vec<(String, i64)> = Vec::new();
    while got.len() < 5 {
        let e = next_message(&mut stream).await.expect("the missed events");
        got.push((e.data["feed"].as_str().unwrap().to_owned(), e.data["seq"].as_i64().unwrap()));
    }
    got.sort();
    let mut expected = vec![(a.clone(), 11), (a.clone(), 12), (a.clone(), 13), (b.clone(), 6), (b.clone(), 7)];
    expected.sort();
    assert_eq!(got, expected);
    app.stop().await;
}

#[tokio::test]
async fn a_slow_client_catches_up_without_holding_anyone_back() {
    let app = spawn_app_with(|c| c.hub_buffer = 64).await;
    let feed = ticks_feed(&app).await;
    let base = app.url("");
    let mut slow = sse::connect(&base, &[&feed], None).await;
    let mut fast = sse::connect(&base, &[&feed], None).await;
    slow.next_data(WAIT).await.unwrap();
    fast.next_data(WAIT).await.unwrap();
    let n = 20_000;
    let topic = format!("{feed}/a");
    let publish = tokio::spawn(async move { mqtt_publish(&topic, ticks(0, n)).await });
    // The fast client keeps up while the slow one reads nothing.
    let (seqs, _) = read_seqs(&mut fast, n).await;
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>());
    publish.await.unwrap();
    let (seqs, _) = read_seqs(&mut slow, n).await;
    assert_eq!(seqs, (1..=n as i64).collect::<Vec<_>>(), "complete and in order after catching up");
    app.stop().await;
}

#[tokio::test]
async fn unknown_feeds_and_empty_requests_are_refused() {
    let app = spawn_app().await;
    let client = app.client();
    let res = client.get(app.url("/api/v1/stream?feeds=nope")).send().await.unwrap();
    common::assert_error(res, reqwest::StatusCode::NOT_FOUND, "not_found").await;
    let res = client.get(app.url("/api/v1/stream?feeds=")).send().await.unwrap();
    common::assert_error(res, reqwest::StatusCode::BAD_REQUEST, "bad_request").await;
    app.stop().await;
}
