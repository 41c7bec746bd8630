//! Resource limits against the real server: the read timeout and the pool
//! reserved for ingest, bounded short searches, replays taking turns,
//! per-client connection caps, the header-read and write timeouts, and
//! checked time arithmetic. Every limit is made small through configuration;
//! nothing here races the machine's speed.

mod common;

use common::{
    TestApp, assert_error,
    brokers::{MQTT_URL, mqtt_publish, unique},
    spawn_app, spawn_app_with,
    sse::{self, SseStream},
};
use feedboard::http::client_caps::Channel;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, PgPool};
use std::{net::IpAddr, time::Duration};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpSocket, TcpStream},
};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, http::HeaderValue};

const WAIT: Duration = Duration::from_secs(10);
const LOCALHOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

async fn feed_of(app: &TestApp, kind: &str) -> String {
    let name = unique(kind);
    app.feed(json!({"name": name, "kind": kind, "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/#")}}))
        .await;
    name
}

fn ticks(from: usize, to: usize) -> Vec<Vec<u8>> {
    (from..to).map(|i| json!({"symbol": "S", "price": i, "id": format!("t{i}")}).to_string().into_bytes()).collect()
}

fn seqs(page: &Value) -> Vec<i64> {
    page["items"].as_array().expect("items").iter().map(|i| i["seq"].as_i64().unwrap()).collect()
}

/// Holds `table` with an ACCESS EXCLUSIVE lock until dropped (or rolled back):
/// every query touching it waits, as a heavy one would, however fast the machine.
async fn lock_table(app: &TestApp, table: &str) -> PgConnection {
    let mut conn = PgConnection::connect(&app.database_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
    sqlx::query(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")).execute(&mut conn).await.unwrap();
    conn
}

/// Replay queries waiting on a lock (the history upkeep's first step, which
/// runs at start and may reach the rollup of the test's feed late on a busy
/// machine, reads ticks with another statement).
async fn lock_waiters(db: &PgPool) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock'
           AND query LIKE 'SELECT seq, symbol, price, size, ts FROM ticks%'",
    )
    .fetch_one(db)
    .await
    .unwrap()
}

fn state(app: &TestApp) -> &feedboard::http::AppState {
    &app.running.as_ref().expect("running").state
}

#[tokio::test]
async fn reads_past_the_timeout_get_503_while_ingest_keeps_storing() {
    let app = spawn_app_with(|c| c.limits.read_timeout = Duration::from_secs(1)).await;
    let (ticks_feed, logs_feed) = (feed_of(&app, "ticks").await, feed_of(&app, "logs").await);
    mqtt_publish(&format!("{logs_feed}/a"), vec![b"ERROR boom".to_vec()]).await;
    let logs_path = format!("/api/v1/feeds/{logs_feed}/logs");
    app.wait_items(&logs_path, 1).await;

    // Every log read now waits on the lock, and more of them than the
    // request pool (16) has connections.
    let locker = lock_table(&app, "logs").await;
    let client = reqwest::Client::new();
    let reads: Vec<_> = (0..20)
        .map(|_| tokio::spawn(client.get(app.url(&logs_path)).timeout(Duration::from_secs(60)).send()))
        .collect();

    // Ingest has its own pool: ticks are stored meanwhile.
    mqtt_publish(&format!("{ticks_feed}/a"), ticks(0, 50)).await;
    let db = PgPool::connect(&app.database_url).await.unwrap();
    let stored = "SELECT count(*) FROM ticks t JOIN feeds f ON f.id = t.feed_id WHERE f.name = $1";
    app.wait_for("ticks stored while the readers wait", || async {
        let n: i64 = sqlx::query_scalar(stored).bind(&ticks_feed).fetch_one(&db).await.ok()?;
        (n == 50).then_some(())
    })
    .await;

    // The readers were cancelled after the read timeout: 503, not a hang.
    let mut messages = Vec::new();
    for read in reads {
        let body = assert_error(read.await.unwrap().unwrap(), StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
        messages.push(body["error"]["message"].as_str().unwrap().to_owned());
    }
    assert!(messages.iter().any(|m| m.contains("FEEDBOARD_READ_TIMEOUT")), "{messages:?}");
    drop(locker);
    let res = client.get(app.url(&logs_path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "reads work again once the lock is gone");
    app.stop().await;
}

#[tokio::test]
async fn searches_look_at_a_bounded_window_smaller_without_a_three_letter_word() {
    let app = spawn_app_with(|c| {
        c.limits.short_search_window = 10;
        c.limits.log_search_window = 25;
    })
    .await;
    let feed = feed_of(&app, "logs").await;
    mqtt_publish(&format!("{feed}/a"), (0..30).map(|i| format!("line {i} x").into_bytes()).collect()).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/logs?limit=100"), 30).await;
    let path = |query: &str| format!("/api/v1/feeds/{feed}/logs?{query}");

    let newest = app.get_json(&path("q=x")).await;
    assert_eq!(seqs(&newest), (21..=30).rev().collect::<Vec<_>>(), "only the newest 10 lines were searched");
    assert_eq!(newest["searched"], json!({"from_seq": 21, "to_seq": 30}));
    let older = app.get_json(&path("q=x&before_seq=21")).await;
    assert_eq!(seqs(&older), (11..=20).rev().collect::<Vec<_>>(), "the next window back");
    assert_eq!(older["searched"], json!({"from_seq": 11, "to_seq": 20}));
    let after = app.get_json(&path("q=X&after_seq=5")).await;
    assert_eq!(seqs(&after), (6..=15).collect::<Vec<_>>());
    assert_eq!(after["searched"], json!({"from_seq": 6, "to_seq": 15}));
    let none = app.get_json(&path("q=ab")).await;
    assert_eq!(seqs(&none), Vec::<i64>::new());
    assert_eq!(none["searched"], json!({"from_seq": 21, "to_seq": 30}));

    // A word the trigram index can look up has a larger window; the last
    // page back says it reached the start (`from_seq` 1).
    let indexed = app.get_json(&path("q=line&limit=100")).await;
    assert_eq!(seqs(&indexed), (6..=30).rev().collect::<Vec<_>>());
    assert_eq!(indexed["searched"], json!({"from_seq": 6, "to_seq": 30}));
    let rest = app.get_json(&path("q=line&limit=100&before_seq=6")).await;
    assert_eq!(seqs(&rest), (1..=5).rev().collect::<Vec<_>>());
    assert_eq!(rest["searched"], json!({"from_seq": 1, "to_seq": 5}));
    let unfiltered = app.get_json(&path("limit=100")).await;
    assert_eq!(seqs(&unfiltered).len(), 30);
    assert!(unfiltered.get("searched").is_none(), "no search, no window: {unfiltered}");
    app.stop().await;
}

#[tokio::test]
async fn replays_take_turns_process_wide() {
    let app = spawn_app_with(|c| {
        c.limits.replay_concurrency = 1;
        c.limits.read_timeout = Duration::from_secs(60);
        // No upkeep step (which reads ticks too) waits on the locked table.
        c.history.maintenance_every = Duration::from_secs(3600);
    })
    .await;
    let feed = feed_of(&app, "ticks").await;
    let base = app.url("");
    let mut first = sse::connect(&base, &[&feed], None).await;
    let start = first.next_data(WAIT).await.unwrap().id.expect("ready carries the cursor");
    drop(first);
    mqtt_publish(&format!("{feed}/a"), ticks(0, 20)).await;
    app.wait_items(&format!("/api/v1/feeds/{feed}/ticks?after_seq=19"), 1).await;

    // Replay reads now wait on the lock; two streams resume at once.
    let locker = lock_table(&app, "ticks").await;
    let mut a = sse::connect(&base, &[&feed], Some(&start)).await;
    let mut b = sse::connect(&base, &[&feed], Some(&start)).await;
    let db = PgPool::connect(&app.database_url).await.unwrap();
    app.wait_for("one replay query in Postgres", || async { (lock_waiters(&db).await >= 1).then_some(()) }).await;
    let replays = state(&app).replays.clone();
    app.wait_for("the other stream waiting for its turn", || async { (replays.waiting() == 1).then_some(()) }).await;
    assert_eq!(lock_waiters(&db).await, 1, "only one replay reads from Postgres");
    assert_eq!(replays.active(), 1);

    drop(locker);
    for stream in [&mut a, &mut b] {
        assert_eq!(tick_seqs(stream, 20).await, (1..=20).collect::<Vec<_>>(), "each stream replays everything");
    }
    assert_eq!((replays.active(), replays.waiting()), (0, 0));
    app.stop().await;
}

async fn tick_seqs(stream: &mut SseStream, n: usize) -> Vec<i64> {
    let mut seqs = Vec::new();
    while seqs.len() < n {
        let e = stream.next_data(WAIT).await.unwrap_or_else(|| panic!("only {} of {n} ticks", seqs.len()));
        if e.event == "tick" {
            seqs.push(e.data["seq"].as_i64().unwrap());
        }
    }
    seqs
}

fn ws_request(app: &TestApp) -> tokio_tungstenite::tungstenite::handshake::client::Request {
    let mut req = format!("ws://{}/api/v1/ws", app.addr).into_client_request().unwrap();
    req.headers_mut().insert("origin", HeaderValue::from_str(&format!("http://{}", app.addr)).unwrap());
    req
}

#[tokio::test]
async fn streams_and_sockets_are_capped_per_client_address() {
    let app = spawn_app_with(|c| c.limits.max_streams_per_client = 2).await;
    let feed = feed_of(&app, "ticks").await;
    let stream_url = app.url(&format!("/api/v1/stream?feeds={feed}"));
    let client = reqwest::Client::new();
    let first = sse::connect(&app.url(""), &[&feed], None).await;
    let _second = sse::connect(&app.url(""), &[&feed], None).await;
    let third = client.get(&stream_url).send().await.unwrap();
    let body = assert_error(third, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("at most 2"), "{body}");

    // Sockets count on their own: two more are fine, the third is refused.
    let (ws1, _) = tokio_tungstenite::connect_async(ws_request(&app)).await.expect("first socket");
    let (_ws2, _) = tokio_tungstenite::connect_async(ws_request(&app)).await.expect("second socket");
    match tokio_tungstenite::connect_async(ws_request(&app)).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(res)) => assert_eq!(res.status(), 429),
        other => panic!("expected 429, got {other:?}"),
    }

    // Closing one frees its slot.
    drop(first);
    let caps = state(&app).client_caps.clone();
    app.wait_for("the closed stream's slot", || async { (caps.open(Channel::Stream, LOCALHOST) == 1).then_some(()) })
        .await;
    let again = client.get(&stream_url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    drop(ws1);
    app.wait_for("the closed socket's slot", || async { (caps.open(Channel::Socket, LOCALHOST) == 1).then_some(()) })
        .await;
    tokio_tungstenite::connect_async(ws_request(&app)).await.expect("a socket again");
    app.stop().await;
}

/// Reads until the server closes the connection (EOF or reset); `false`
/// if it is still open after `wait`.
async fn closed_within(tcp: &mut TcpStream, wait: Duration) -> bool {
    let mut sink = vec![0; 64 * 1024];
    tokio::time::timeout(wait, async {
        while let Ok(n) = tcp.read(&mut sink).await
            && n > 0
        {}
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn clients_that_do_not_finish_their_request_head_are_cut_off() {
    let app = spawn_app_with(|c| c.limits.header_timeout = Duration::from_millis(500)).await;
    let mut partial = TcpStream::connect(app.addr).await.unwrap();
    partial.write_all(b"GET /healthz HTTP/1.1\r\nHost: feedboard\r\n").await.unwrap();
    let mut silent = TcpStream::connect(app.addr).await.unwrap();
    assert!(closed_within(&mut partial, Duration::from_secs(20)).await, "a partial request head is cut off");
    assert!(closed_within(&mut silent, Duration::from_secs(20)).await, "a connection that sends nothing is cut off");

    // Whole requests are served as before.
    let res = reqwest::get(app.url("/healthz")).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn a_stream_whose_client_stopped_reading_is_closed() {
    let app = spawn_app_with(|c| c.limits.write_timeout = Duration::from_millis(500)).await;
    let feed = feed_of(&app, "logs").await;
    // A client with a small receive window that reads the response head,
    // then nothing more.
    let socket = TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let mut tcp = socket.connect(app.addr).await.unwrap();
    let request = format!("GET /api/v1/stream?feeds={feed} HTTP/1.1\r\nHost: {}\r\n\r\n", app.addr);
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut head = vec![0; 4096];
    let n = tcp.read(&mut head).await.unwrap();
    assert!(String::from_utf8_lossy(&head[..n]).starts_with("HTTP/1.1 200"), "the stream started");
    let caps = state(&app).client_caps.clone();
    assert_eq!(caps.open(Channel::Stream, LOCALHOST), 1);

    // 12 MB of log lines: more than the socket buffers (at most 4 MiB here)
    // and hyper's write buffer hold.
    let line = "x".repeat(30_000);
    mqtt_publish(&format!("{feed}/a"), (0..400).map(|i| format!("INFO {i} {line}").into_bytes()).collect()).await;
    app.wait_for("the stalled stream to be dropped", || async {
        (caps.open(Channel::Stream, LOCALHOST) == 0).then_some(())
    })
    .await;
    assert!(closed_within(&mut tcp, Duration::from_secs(20)).await, "its connection is closed");

    // A client that reads still gets everything.
    let mut reader = sse::connect(&app.url(""), &[&feed], None).await;
    assert_eq!(reader.next_data(WAIT).await.unwrap().event, "ready");
    app.stop().await;
}

#[tokio::test]
async fn extreme_times_and_limits_get_400_or_an_answer_never_a_panic() {
    let app = spawn_app().await;
    let (ticks_feed, logs_feed) = (feed_of(&app, "ticks").await, feed_of(&app, "logs").await);
    let client = app.client();
    // chrono's own range (what a query string can carry) ends at these.
    let (min, max) = ("-262143-01-01T00:00:00Z", "%2B262142-12-31T23:59:59Z");
    let t = format!("/api/v1/feeds/{ticks_feed}");
    let out_of_range = [
        // The report of issue 10 (beyond chrono's range: refused while parsing).
        format!("{t}/candles?symbol=AAPL&to=-262144-01-01T00:00:00Z"),
        format!("{t}/candles?symbol=AAPL&to={min}"),
        format!("{t}/candles?symbol=AAPL&to={max}"),
        format!("{t}/candles?symbol=AAPL&from={min}&to=2026-01-01T00:00:00Z"),
        format!("{t}/candles?symbol=AAPL&interval=1d&from={min}&to={max}"),
        format!("{t}/ticks?from={min}"),
        format!("{t}/ticks?to={max}"),
        format!("{t}/symbols?since={min}"),
        format!("{t}/annotations?from={min}&to={max}"),
    ];
    for path in &out_of_range {
        let res = client.get(app.url(path)).send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        let body = assert_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(body["error"]["message"].as_str().unwrap().contains("out of range"), "{path}: {body}");
    }
    let other_bad = [
        format!("{t}/candles?symbol=AAPL&interval=1s&from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z"),
        format!("{t}/ticks?limit=99999999999999999999"),
    ];
    for path in &other_bad {
        let res = client.get(app.url(path)).send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
    }
    let l = format!("/api/v1/feeds/{logs_feed}");
    let answered = [
        format!("{t}/candles?symbol=AAPL&interval=1d&to=0001-01-01T00:00:00Z"),
        format!("{t}/candles?symbol=AAPL&from=9999-12-31T00:00:00Z&to=9999-12-31T23:59:59.999Z"),
        format!("{t}/ticks?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z&limit=9223372036854775807"),
        format!("{t}/ticks?after_seq=9223372036854775807&limit=-9223372036854775808"),
        format!("{t}/symbols?recent=9223372036854775807&since=0001-01-01T00:00:00Z"),
        format!("{l}/logs?before_seq=-9223372036854775808&q=x&limit=9223372036854775807"),
        format!("{l}/logs?after_seq=9223372036854775807&q=x"),
        format!("{l}/logs?before_seq=9223372036854775807&after_seq=-9223372036854775808&q=y"),
    ];
    for path in &answered {
        let res = client.get(app.url(path)).send().await.unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(res.status(), StatusCode::OK, "{path}: {}", res.text().await.unwrap_or_default());
    }
    app.stop().await;
}
