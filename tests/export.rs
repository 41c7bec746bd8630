//! History exports (`format=csv|ndjson`) against the real server: the same
//! rows as the JSON API, hostile text through an RFC 4180 reader, errors
//! before the first byte, the bound on concurrent exports, the read timeout
//! that does not apply to them, a client that leaves, a read that breaks
//! off (an incomplete download, not a short file), and a million ticks
//! streamed in flat memory.
//!
//! Rows are written straight into the test database with SQL, as ingest
//! would have stored them (and `feed_positions` moved on).

mod common;

use common::{TestApp, assert_error, brokers::MQTT_URL, brokers::unique, spawn_app, spawn_app_with};
use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection, PgPool};
use std::time::{Duration, Instant};

/// The memory test measures this process's RSS: it runs alone, the others
/// share.
static MEMORY: tokio::sync::RwLock<()> = tokio::sync::RwLock::const_new(());

/// Creates a disabled feed of `kind` (nothing ingests it) that keeps
/// everything (its rows are from 2026-01-01, past the default retention);
/// its name and id.
async fn feed(app: &TestApp, kind: &str) -> (String, i64) {
    let name = unique(kind);
    let body = json!({"name": name, "kind": kind, "enabled": false, "retention": {"max_age": null},
        "source": {"protocol": "mqtt", "url": MQTT_URL, "topic": format!("{name}/#")}});
    let res = app.admin().await.post(app.url("/api/v1/feeds")).json(&body).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let id = sqlx::query_scalar("SELECT id FROM feeds WHERE name = $1").bind(&name).fetch_one(app.db()).await.unwrap();
    (name, id)
}

/// A pool of the test's own on the app's database (no read timeout).
async fn sql(app: &TestApp) -> PgPool {
    PgPool::connect(&app.database_url).await.unwrap()
}

/// Stores ticks `1..=n` of feed `id`: seven symbols (`SYMBOL-<n>-XNYS`), prices with cents and
/// fractions of them, times with microseconds (cut to milliseconds on the
/// wire), 37 ms apart from 2026-01-01.
async fn insert_ticks(db: &PgPool, id: i64, n: i64) {
    sqlx::query(
        "INSERT INTO ticks (feed_id, seq, symbol, price, size, ts, received_at)
         SELECT $1, s, 'SYMBOL-' || (s % 7) || '-XNYS', 100 + (s * 7919 % 100000) / 1000.0, s % 500,
                TIMESTAMPTZ '2026-01-01 00:00:00Z' + s * INTERVAL '37001 microseconds', now()
         FROM generate_series(1, $2::bigint) s",
    )
    .bind(id)
    .bind(n)
    .execute(db)
    .await
    .unwrap();
    advance(db, id, n).await;
}

/// Moves the feed's `last_seq` to `n`, as a writer's commit does.
async fn advance(db: &PgPool, id: i64, n: i64) {
    sqlx::query("UPDATE feed_positions SET last_seq = $2 WHERE feed_id = $1")
        .bind(id)
        .bind(n)
        .execute(db)
        .await
        .unwrap();
}

/// GETs `path` and returns the body as text, checking the status and the
/// download headers of `format`.
async fn export(app: &TestApp, path: &str, format: &str) -> String {
    let res = app.client().get(app.url(path)).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "{path}");
    let content_type = if format == "csv" { "text/csv; charset=utf-8" } else { "application/x-ndjson" };
    assert_eq!(res.headers()[header::CONTENT_TYPE], content_type, "{path}");
    let disposition = res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment; filename=\"") && disposition.ends_with(&format!(".{format}\"")));
    res.text().await.unwrap()
}

/// Every item of a JSON history query, following `after_seq` pages (from
/// the query's own `after_seq`, if any).
async fn json_items(app: &TestApp, path: &str) -> Vec<Value> {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut after = query.split('&').find_map(|p| p.strip_prefix("after_seq=")).map(str::to_owned);
    let filters: Vec<&str> = query.split('&').filter(|p| !p.is_empty() && !p.starts_with("after_seq=")).collect();
    let mut items: Vec<Value> = Vec::new();
    loop {
        let cursor = after.as_ref().map_or(String::new(), |a| format!("&after_seq={a}"));
        let url = app.url(&format!("{base}?limit=1000&{}{cursor}", filters.join("&")));
        let page: Value = app.client().get(url).send().await.unwrap().json().await.unwrap();
        let page = page["items"].as_array().unwrap_or_else(|| panic!("{path}: {page}")).clone();
        let Some(last) = page.last() else { return items };
        after = Some(last["seq"].to_string());
        items.extend(page);
    }
}

/// Reads CSV as RFC 4180 says: records end with CRLF, fields in double
/// quotes may hold commas, quotes (doubled) and line breaks.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' if quoted => quoted = false,
            '"' if field.is_empty() => quoted = true,
            ',' if !quoted => record.push(std::mem::take(&mut field)),
            '\r' if !quoted && chars.peek() == Some(&'\n') => {
                chars.next();
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            c => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty() && !quoted, "the file ends with a whole record");
    records
}

fn ndjson_lines(text: &str) -> Vec<Value> {
    assert!(text.is_empty() || text.ends_with('\n'), "every line ends with a newline");
    text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// The CSV records as the JSON API's tick items.
fn ticks_of_csv(text: &str) -> Vec<Value> {
    let records = read_csv(text);
    assert_eq!(records[0], ["seq", "ts", "symbol", "price", "size"]);
    let number = |s: &str| s.parse::<f64>().unwrap();
    records[1..]
        .iter()
        .map(|r| json!({"seq": r[0].parse::<i64>().unwrap(), "ts": r[1], "symbol": r[2], "price": number(&r[3]), "size": number(&r[4])}))
        .collect()
}

#[tokio::test]
async fn csv_and_ndjson_of_ticks_are_the_json_rows() {
    let _shared = MEMORY.read().await;
    let app = spawn_app().await;
    let (name, id) = feed(&app, "ticks").await;
    insert_ticks(&sql(&app).await, id, 2500).await;

    for query in [
        "",
        "symbol=SYMBOL-3-XNYS",
        "from=2026-01-01T00:00:20Z&to=2026-01-01T00:01:00.5Z",
        "after_seq=2000&symbol=SYMBOL-0-XNYS",
    ] {
        let path = format!("/api/v1/feeds/{name}/ticks?{query}");
        let rows = json_items(&app, &path).await;
        assert!(!rows.is_empty(), "{query}: the filter matches some ticks");
        let csv = export(&app, &format!("{path}&format=csv&limit=5"), "csv").await;
        assert_eq!(ticks_of_csv(&csv), rows, "{query}: CSV, every row whatever the limit");
        let ndjson = export(&app, &format!("{path}&format=ndjson"), "ndjson").await;
        assert_eq!(ndjson_lines(&ndjson), rows, "{query}: NDJSON");
    }
    let all = json_items(&app, &format!("/api/v1/feeds/{name}/ticks?")).await;
    assert_eq!(all.len(), 2500);
    assert_eq!(all[0]["ts"], "2026-01-01T00:00:00.037Z", "times to the millisecond, UTC");

    // Accept asks the same as format=; the parameter wins over it.
    let path = format!("/api/v1/feeds/{name}/ticks?symbol=SYMBOL-1-XNYS");
    let get =
        |accept: &'static str, path: String| app.client().get(app.url(&path)).header(header::ACCEPT, accept).send();
    let by_accept = get("text/csv", path.clone()).await.unwrap();
    assert_eq!(by_accept.headers()[header::CONTENT_TYPE], "text/csv; charset=utf-8");
    assert_eq!(by_accept.text().await.unwrap(), export(&app, &format!("{path}&format=csv"), "csv").await);
    let ndjson = get("application/x-ndjson", path.clone()).await.unwrap();
    assert_eq!(ndjson.headers()[header::CONTENT_TYPE], "application/x-ndjson");
    assert_eq!(ndjson_lines(&ndjson.text().await.unwrap()).len(), json_items(&app, &path).await.len());
    let json = get("text/csv", format!("{path}&format=json")).await.unwrap();
    assert_eq!(json.headers()[header::CONTENT_TYPE], "application/json");
    let disposition = app.client().get(app.url(&format!("{path}&format=csv"))).send().await.unwrap();
    assert_eq!(
        disposition.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"{name}-ticks.csv\"")
    );
    app.stop().await;
}

/// Log text a publisher could send to break a CSV file or a spreadsheet.
const HOSTILE: &[&str] = &[
    "plain line",
    "a,b,c",
    "say \"hi\"",
    "\"",
    "two\nlines",
    "cr\ronly",
    "crlf\r\nend",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2",
    "@SUM(A1:A9)",
    "\ttab first",
    " padded ",
    "",
    "ünïcode ✓ 😀",
    "\"quoted, with comma\"\r\n\"and more\"",
    "<script>alert(1)</script>",
];

#[tokio::test]
async fn hostile_log_text_round_trips_through_a_csv_reader() {
    let _shared = MEMORY.read().await;
    let app = spawn_app().await;
    let (name, id) = feed(&app, "logs").await;
    let (mut messages, mut levels, mut sources) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..3 {
        for (i, text) in HOSTILE.iter().enumerate() {
            messages.push(format!("{text}{}", if round == 1 { " ,\"x\"" } else { "" }));
            levels.push(["ERROR", "INFO", "WARN"][(i + round) % 3]);
            sources.push(if i % 2 == 0 { "api-1" } else { "we,ird \"src\"\n" });
        }
    }
    let db = sql(&app).await;
    sqlx::query(
        "INSERT INTO logs (feed_id, seq, ts, level, source, message, received_at)
         SELECT $1, o, TIMESTAMPTZ '2026-01-01 00:00:00Z' + o * INTERVAL '1500 microseconds', l, s, m, now()
         FROM unnest($2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS u(m, l, s, o)",
    )
    .bind(id)
    .bind(&messages)
    .bind(&levels)
    .bind(&sources)
    .execute(&db)
    .await
    .unwrap();
    advance(&db, id, messages.len() as i64).await;

    let queries = [
        "after_seq=0",
        "after_seq=0&level=error,warn",
        "after_seq=0&source=we,ird%20%22src%22%0A",
        "after_seq=10&q=quoted",
    ];
    for query in queries {
        let path = format!("/api/v1/feeds/{name}/logs?{query}");
        let rows: Value =
            app.client().get(app.url(&format!("{path}&limit=1000"))).send().await.unwrap().json().await.unwrap();
        let rows = rows["items"].as_array().unwrap().clone();
        assert!(!rows.is_empty(), "{query}: the filter matches some lines");
        let records = read_csv(&export(&app, &format!("{path}&format=csv"), "csv").await);
        assert_eq!(records[0], ["seq", "ts", "level", "source", "message"]);
        let from_csv: Vec<Value> = records[1..]
            .iter()
            .map(|r| json!({"seq": r[0].parse::<i64>().unwrap(), "ts": r[1], "level": r[2], "source": r[3], "message": r[4]}))
            .collect();
        assert_eq!(from_csv, rows, "{query}: CSV");
        assert_eq!(
            ndjson_lines(&export(&app, &format!("{path}&format=ndjson"), "ndjson").await),
            rows,
            "{query}: NDJSON"
        );
    }
    // Every hostile text came back exactly, and the export is oldest first
    // whatever the cursor (the JSON page is newest first without one).
    let records = read_csv(&export(&app, &format!("/api/v1/feeds/{name}/logs?format=csv"), "csv").await);
    let exported: Vec<&str> = records[1..].iter().map(|r| r[4].as_str()).collect();
    assert_eq!(exported, messages.iter().map(String::as_str).collect::<Vec<_>>());
    let before = read_csv(&export(&app, &format!("/api/v1/feeds/{name}/logs?before_seq=4&format=csv"), "csv").await);
    assert_eq!(before[1..].iter().map(|r| r[0].as_str()).collect::<Vec<_>>(), ["1", "2", "3"]);
    app.stop().await;
}

#[tokio::test]
async fn candle_exports_are_the_candles_of_the_json_api() {
    let _shared = MEMORY.read().await;
    let app = spawn_app().await;
    let (name, id) = feed(&app, "ticks").await;
    insert_ticks(&sql(&app).await, id, 5000).await;
    let path = format!(
        "/api/v1/feeds/{name}/candles?symbol=SYMBOL-2-XNYS&interval=1s&from=2026-01-01T00:00:00Z&to=2026-01-01T00:02:00Z"
    );
    let page: Value = app.client().get(app.url(&path)).send().await.unwrap().json().await.unwrap();
    let candles = page["items"].as_array().unwrap().clone();
    assert_eq!(candles.len(), 120, "one candle a second");
    let records = read_csv(&export(&app, &format!("{path}&format=csv"), "csv").await);
    assert_eq!(records[0], ["t", "open", "high", "low", "close", "volume"]);
    let number = |s: &str| s.parse::<f64>().unwrap();
    let from_csv: Vec<Value> = records[1..]
        .iter()
        .map(|r| json!({"t": r[0], "open": number(&r[1]), "high": number(&r[2]), "low": number(&r[3]), "close": number(&r[4]), "volume": number(&r[5])}))
        .collect();
    assert_eq!(from_csv, candles);
    assert_eq!(ndjson_lines(&export(&app, &format!("{path}&format=ndjson"), "ndjson").await), candles);
    let disposition = app.client().get(app.url(&format!("{path}&format=ndjson"))).send().await.unwrap();
    assert_eq!(
        disposition.headers()[header::CONTENT_DISPOSITION],
        format!("attachment; filename=\"{name}-candles.ndjson\"")
    );
    app.stop().await;
}

/// The level histogram's counts: lines per bucket and level, what a
/// committed `last_seq` covers only, with the API's errors for bad buckets;
/// and log lines within a time window (the log tail in a fixed range).
#[tokio::test]
async fn level_counts_are_lines_per_bucket_and_level() {
    let _shared = MEMORY.read().await;
    let app = spawn_app().await;
    let (name, id) = feed(&app, "logs").await;
    // Lines 1..=7: two ERROR and one INFO in 00:00, four WARN in 00:01; line 7 is not committed yet.
    sqlx::query(
        "INSERT INTO logs (feed_id, seq, ts, level, source, message, received_at)
         SELECT $1, s, TIMESTAMPTZ '2026-01-01 00:00:00Z' + s * INTERVAL '17 seconds',
                CASE WHEN s <= 2 THEN 'ERROR' WHEN s = 3 THEN 'INFO' ELSE 'WARN' END, 'src', 'line ' || s, now()
         FROM generate_series(1, 7) s",
    )
    .bind(id)
    .execute(app.db())
    .await
    .unwrap();
    advance(app.db(), id, 6).await;
    let path = format!("/api/v1/feeds/{name}/levels?bucket=60&from=2026-01-01T00:00:00Z&to=2026-01-01T00:05:00Z");
    let page = app.get_json(&path).await;
    assert_eq!(page["last_seq"], 6);
    let counts: Vec<(String, String, i64)> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (c["t"].as_str().unwrap().to_owned(), c["level"].as_str().unwrap().to_owned(), c["lines"].as_i64().unwrap())
        })
        .collect();
    let t = |m: u32| format!("2026-01-01T00:0{m}:00.000Z");
    assert_eq!(counts, [(t(0), "ERROR".into(), 2), (t(0), "INFO".into(), 1), (t(1), "WARN".into(), 3)]);

    // The log tail's time window, in the page and in its export: lines 4 (01:08) and 5 (01:25).
    let window = "from=2026-01-01T00:01:00Z&to=2026-01-01T00:01:30Z";
    let page = app.get_json(&format!("/api/v1/feeds/{name}/logs?{window}")).await;
    let seqs: Vec<i64> = page["items"].as_array().unwrap().iter().map(|l| l["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, [5, 4]);
    let csv = export(&app, &format!("/api/v1/feeds/{name}/logs?{window}&format=csv"), "csv").await;
    let rows: Vec<&str> = csv.lines().skip(1).map(|l| l.split(',').next().unwrap()).collect();
    assert_eq!(rows, ["4", "5"]);

    for (query, message) in [
        ("bucket=0", "bucket must be 1 to 86400 seconds"),
        ("bucket=1&from=2026-01-01T00:00:00Z&to=2026-01-02T00:00:00Z", "more than 1000 buckets"),
        ("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", "from must be before to"),
    ] {
        let res = app.client().get(app.url(&format!("/api/v1/feeds/{name}/levels?{query}"))).send().await.unwrap();
        let body = assert_error(res, StatusCode::BAD_REQUEST, "bad_request").await;
        assert!(body["error"]["message"].as_str().unwrap().contains(message), "{query}: {body}");
    }
    let (ticks, _) = feed(&app, "ticks").await;
    let res = app.client().get(app.url(&format!("/api/v1/feeds/{ticks}/levels"))).send().await.unwrap();
    assert_error(res, StatusCode::UNPROCESSABLE_ENTITY, "invalid").await;
    app.stop().await;
}

#[tokio::test]
async fn errors_before_the_first_byte_are_json_errors() {
    let _shared = MEMORY.read().await;
    let app = spawn_app().await;
    let (ticks, _) = feed(&app, "ticks").await;
    let (logs, _) = feed(&app, "logs").await;
    let get = |path: String| app.client().get(app.url(&path)).send();
    assert_error(
        get("/api/v1/feeds/no-such-feed/ticks?format=csv".into()).await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_error(
        get(format!("/api/v1/feeds/{ticks}/ticks?format=xml")).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_error(
        get(format!("/api/v1/feeds/{logs}/ticks?format=csv")).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_error(
        get(format!("/api/v1/feeds/{ticks}/logs?format=ndjson")).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid",
    )
    .await;
    assert_error(
        get(format!("/api/v1/feeds/{logs}/logs?format=csv&level=loud")).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_error(
        get(format!("/api/v1/feeds/{ticks}/ticks?format=csv&from=0000-12-31T00:00:00Z")).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;
    assert_error(
        get(format!("/api/v1/feeds/{ticks}/candles?format=csv&symbol=A&interval=1s&from=2020-01-01T00:00:00Z"))
            .await
            .unwrap(),
        StatusCode::BAD_REQUEST,
        "bad_request",
    )
    .await;

    // An empty feed: a header alone, or nothing at all.
    assert_eq!(
        export(&app, &format!("/api/v1/feeds/{ticks}/ticks?format=csv"), "csv").await,
        "seq,ts,symbol,price,size\r\n"
    );
    assert_eq!(export(&app, &format!("/api/v1/feeds/{logs}/logs?format=ndjson"), "ndjson").await, "");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_export_formats() {
    let _shared = MEMORY.read().await;
    let app = spawn_app().await;
    let doc: Value = app.client().get(app.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    for what in ["ticks", "candles", "logs"] {
        let get = &doc["paths"][format!("/api/v1/feeds/{{name}}/{what}")]["get"];
        let params = get["parameters"].as_array().unwrap_or_else(|| panic!("{what} missing: {get}"));
        let format = params.iter().find(|p| p["name"] == "format").unwrap_or_else(|| panic!("{what}: no format"));
        assert!(format["description"].as_str().unwrap().contains("ndjson"), "{format}");
        let content = &get["responses"]["200"]["content"];
        for media in ["application/json", "text/csv", "application/x-ndjson"] {
            assert!(content.get(media).is_some(), "{what}: {media} missing from {content}");
        }
    }
    app.stop().await;
}

/// Holds `table` with an ACCESS EXCLUSIVE lock until dropped: a query on it
/// waits, as a long one would, however fast the machine.
async fn lock_table(app: &TestApp, table: &str) -> PgConnection {
    let mut conn = PgConnection::connect(&app.database_url).await.unwrap();
    sqlx::query("BEGIN").execute(&mut conn).await.unwrap();
    sqlx::query(&format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")).execute(&mut conn).await.unwrap();
    conn
}

#[tokio::test]
async fn exports_outlive_the_read_timeout_and_take_turns() {
    let _shared = MEMORY.read().await;
    let app = spawn_app_with(|c| {
        c.limits.read_timeout = Duration::from_secs(1);
        // A quarter of the pool: one export at a time.
        c.limits.db_pool = 4;
    })
    .await;
    let (name, id) = feed(&app, "ticks").await;
    insert_ticks(&sql(&app).await, id, 100).await;
    let exports = app.state().core.exports.clone();
    assert_eq!(exports.size(), 1);

    let locker = lock_table(&app, "ticks").await;
    let url = app.url(&format!("/api/v1/feeds/{name}/ticks?format=csv"));
    let first = tokio::spawn(app.client().get(url.clone()).send());
    let waiting =
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                   AND query LIKE 'SELECT seq, symbol, price, size, ts FROM ticks%' AND query NOT LIKE '%LIMIT%'";
    let db = sql(&app).await;
    app.wait_for("the export to wait on the lock", || async {
        let n: i64 = sqlx::query_scalar(waiting).fetch_one(&db).await.ok()?;
        (n == 1 && exports.running() == 1).then_some(())
    })
    .await;

    let busy = app.client().get(url.clone()).send().await.unwrap();
    let body = assert_error(busy, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    assert!(body["error"]["message"].as_str().unwrap().contains("as many exports as it allows"), "{body}");
    // A JSON read of the same rows is cut off by the read timeout meanwhile…
    let read = app.client().get(app.url(&format!("/api/v1/feeds/{name}/ticks"))).send().await.unwrap();
    assert_error(read, StatusCode::SERVICE_UNAVAILABLE, "unavailable").await;
    // …the export, waiting longer than that, is not.
    drop(locker);
    let res = first.await.unwrap().unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap().lines().count(), 101);
    app.wait_for("the slot to be free", || async { (exports.running() == 0).then_some(()) }).await;
    let again = app.client().get(url).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(again.text().await.unwrap().lines().count(), 101);
    app.stop().await;
}

#[tokio::test]
async fn a_client_that_leaves_or_a_broken_read_end_the_export() {
    let _shared = MEMORY.read().await;
    let app = spawn_app_with(|c| c.limits.db_pool = 4).await;
    let (name, id) = feed(&app, "ticks").await;
    let db = sql(&app).await;
    // ~27 MB of CSV: far more than the socket buffers hold.
    insert_ticks(&db, id, 500_000).await;
    let exports = app.state().core.exports.clone();
    let mut res = app.client().get(app.url(&format!("/api/v1/feeds/{name}/ticks?format=csv"))).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.chunk().await.unwrap().is_some());
    let exporting = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'active'
                     AND query LIKE 'SELECT seq, symbol, price, size, ts FROM ticks%'";
    let count = |db: PgPool| async move { sqlx::query_scalar::<_, i64>(exporting).fetch_one(&db).await.unwrap() };
    assert_eq!(exports.running(), 1, "the export waits for its reader");
    assert_eq!(count(db.clone()).await, 1, "its query is running");

    drop(res);
    app.wait_for("the slot to be free", || async { (exports.running() == 0).then_some(()) }).await;
    app.wait_for("the query to end", || async { (count(db.clone()).await == 0).then_some(()) }).await;

    // The database going away mid-way: the download is broken off, it does
    // not end as if it were whole.
    let mut res = app.client().get(app.url(&format!("/api/v1/feeds/{name}/ticks?format=csv"))).send().await.unwrap();
    let mut bytes = res.chunk().await.unwrap().unwrap().len();
    let stopped: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()
         AND state = 'active' AND query LIKE 'SELECT seq, symbol, price, size, ts FROM ticks%'",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(stopped, [true]);
    let end = loop {
        match res.chunk().await {
            Ok(Some(chunk)) => bytes += chunk.len(),
            end => break end,
        }
    };
    assert!(end.is_err(), "the body ends with an error, not a clean end ({bytes} bytes)");
    assert!(bytes < 25_000_000, "{bytes} bytes: the export did not finish");
    app.wait_for("the slot to be free", || async { (exports.running() == 0).then_some(()) }).await;
    let again = app
        .client()
        .get(app.url(&format!("/api/v1/feeds/{name}/ticks?format=csv&after_seq=499990")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.text().await.unwrap().lines().count(), 11);
    app.stop().await;
}

/// This process's resident memory (the server runs inside it), in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

const MIB: u64 = 1024 * 1024;

#[tokio::test]
async fn a_million_ticks_export_in_flat_memory() {
    let _alone = MEMORY.write().await;
    const ROWS: u64 = 1_000_000;
    let app = spawn_app().await;
    let (name, id) = feed(&app, "ticks").await;
    let db = sql(&app).await;
    insert_ticks(&db, id, ROWS as i64).await;
    db.close().await;

    for format in ["csv", "ndjson"] {
        let start = rss();
        let started = Instant::now();
        let url = app.url(&format!("/api/v1/feeds/{name}/ticks?format={format}"));
        let mut res = app.client().get(url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let (mut lines, mut bytes, mut peak, mut next_sample) = (0u64, 0u64, start, 0u64);
        let (mut head, mut tail) = (Vec::new(), Vec::new());
        while let Some(chunk) = res.chunk().await.unwrap() {
            lines += chunk.iter().filter(|b| **b == b'\n').count() as u64;
            bytes += chunk.len() as u64;
            if head.len() < 200 {
                head.extend_from_slice(&chunk[..chunk.len().min(200)]);
            }
            tail.extend_from_slice(&chunk[chunk.len().saturating_sub(200)..]);
            tail.drain(..tail.len().saturating_sub(200));
            if bytes >= next_sample {
                peak = peak.max(rss());
                next_sample = bytes + MIB;
            }
        }
        let secs = started.elapsed().as_secs_f64();
        peak = peak.max(rss());
        let growth = peak.saturating_sub(start);
        eprintln!(
            "{format}: {ROWS} rows, {:.1} MiB in {secs:.1} s ({:.0} rows/s); RSS {:.1} MiB at start, growth {:.1} MiB",
            bytes as f64 / MIB as f64,
            ROWS as f64 / secs,
            start as f64 / MIB as f64,
            growth as f64 / MIB as f64
        );

        let (head, tail) = (String::from_utf8_lossy(&head), String::from_utf8_lossy(&tail));
        let last = tail.trim_end().rsplit('\n').next().unwrap();
        if format == "csv" {
            assert_eq!(lines, ROWS + 1, "a header and every row");
            assert!(
                head.starts_with("seq,ts,symbol,price,size\r\n1,2026-01-01T00:00:00.037Z,SYMBOL-1-XNYS,"),
                "{head}"
            );
            assert!(last.starts_with(&format!("{ROWS},")), "{last}");
        } else {
            assert_eq!(lines, ROWS, "every row");
            assert!(head.starts_with("{\"seq\":1,\"symbol\":\"SYMBOL-1-XNYS\","), "{head}");
            assert_eq!(serde_json::from_str::<Value>(last).unwrap()["seq"], ROWS);
        }
        // Holding the file (or a good part of it) anywhere would show.
        assert!(bytes > 50 * MIB, "the file ({bytes} bytes) is larger than the growth allowed");
        assert!(growth < 50 * MIB, "{format}: RSS grew by {} MiB", growth / MIB);
    }
    app.stop().await;
}
