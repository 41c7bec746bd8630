use super::*;
use chrono::TimeZone;

fn arrival() -> Arrival<'static> {
    Arrival::at("app/api-1", Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap())
}

fn tick(payload: &str) -> Result<NewTick, String> {
    match parse(FeedKind::Ticks, &Mapping::default(), payload.as_bytes(), arrival(), DEFAULT_MAX_PAYLOAD)? {
        Parsed::Tick(t) => Ok(t),
        other => panic!("not a tick: {other:?}"),
    }
}

fn log(payload: &[u8]) -> Result<NewLog, String> {
    match parse(FeedKind::Logs, &Mapping::default(), payload, arrival(), DEFAULT_MAX_PAYLOAD)? {
        Parsed::Log(l) => Ok(l),
        other => panic!("not a log: {other:?}"),
    }
}

#[test]
fn full_tick() {
    let t = tick(r#"{"symbol":"AAPL","price":189.52,"size":100,"ts":"2026-11-24T12:00:00.123Z","id":"p-1"}"#).unwrap();
    assert_eq!(t.symbol, "AAPL");
    assert_eq!(t.price, 189.52);
    assert_eq!(t.size, 100.0);
    assert_eq!(t.ts.timestamp_millis() % 1000, 123);
    assert_eq!(t.publisher_id.as_deref(), Some("p-1"));
}

#[test]
fn tick_defaults_and_epoch_millis() {
    let t = tick(r#"{"symbol":"MSFT","price":1}"#).unwrap();
    assert_eq!(t.size, 0.0);
    assert_eq!(t.ts, arrival().received_at);
    assert_eq!(t.publisher_id, None);
    let t = tick(r#"{"symbol":"MSFT","price":1,"ts":1764000000123}"#).unwrap();
    assert_eq!(t.ts.timestamp_millis(), 1_764_000_000_123);
}

#[test]
fn mapping_renames_fields() {
    let mapping = Mapping { symbol: Some("s".into()), price: Some("p".into()), ..Mapping::default() };
    let parsed = parse(FeedKind::Ticks, &mapping, br#"{"s":"X","p":2.5}"#, arrival(), 1024).unwrap();
    assert!(matches!(parsed, Parsed::Tick(NewTick { price, .. }) if price == 2.5));
    let err = parse(FeedKind::Ticks, &mapping, br#"{"symbol":"X","price":2.5}"#, arrival(), 1024).unwrap_err();
    assert_eq!(err, r#"missing field "s""#);
}

#[test]
fn bad_ticks_say_why() {
    let cases = [
        ("not json", "invalid JSON"),
        ("[1,2]", "expected a JSON object, got an array"),
        (r#"{"price":1}"#, r#"missing field "symbol""#),
        (r#"{"symbol":"A"}"#, r#"missing field "price""#),
        (r#"{"symbol":"A","price":"1.0x"}"#, r#"field "price" must be a number, got a string that is not one"#),
        (r#"{"symbol":"A","price":"NaN"}"#, r#"field "price" is not a finite number"#),
        (r#"{"symbol":7,"price":1}"#, r#"field "symbol" must be a string"#),
        (r#"{"symbol":"","price":1}"#, "must not be empty"),
        (r#"{"symbol":"A","price":1e400}"#, "invalid JSON"),
        (r#"{"symbol":"A","price":NaN}"#, "invalid JSON"),
        (r#"{"symbol":"A","price":1,"ts":"yesterday"}"#, "RFC 3339"),
        (r#"{"symbol":"A","price":1,"ts":1e300}"#, "RFC 3339"),
        (r#"{"symbol":"A","price":1,"ts":true}"#, "RFC 3339"),
        (r#"{"symbol":"A","price":1,"id":5}"#, r#"field "id" must be a string"#),
        (r#"{"symbol":"A\u0000","price":1}"#, "NUL"),
    ];
    for (payload, reason) in cases {
        let err = tick(payload).unwrap_err();
        assert!(err.contains(reason), "{payload}: {err:?} should mention {reason:?}");
    }
    let long = format!(r#"{{"symbol":"{}","price":1}}"#, "A".repeat(65));
    assert!(tick(&long).unwrap_err().contains("longer than 64"));
}

#[test]
fn deep_nesting_is_rejected_not_a_crash() {
    let deep = format!(r#"{{"symbol":"A","price":1,"x":{}{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
    assert!(tick(&deep).unwrap_err().contains("invalid JSON"));
}

#[test]
fn size_limit_and_invalid_utf8() {
    let big = vec![b'a'; 2000];
    let err = parse(FeedKind::Logs, &Mapping::default(), &big, arrival(), 1000).unwrap_err();
    assert_eq!(err, "payload of 2000 bytes is over the 1000-byte limit");
    assert!(log(&[b'o', b'k', 0xff, 0xfe]).unwrap_err().starts_with("not valid UTF-8"));
}

#[test]
fn json_logs() {
    let l =
        log(br#"{"ts":"2026-11-24T12:00:01Z","level":"warning","source":"api-1","message":"slow","id":"x"}"#).unwrap();
    assert_eq!((l.level.as_str(), l.source.as_str(), l.message.as_str()), ("WARN", "api-1", "slow"));
    assert_eq!(l.publisher_id.as_deref(), Some("x"));
    let l = log(br#"{"message":"hi"}"#).unwrap();
    assert_eq!((l.level.as_str(), l.source.as_str()), ("INFO", "app/api-1"));
    assert!(log(br#"{"level":"INFO"}"#).unwrap_err().contains(r#"missing field "message""#));
    assert!(log(br#"{"message":"x","level":"LOUD"}"#).unwrap_err().contains("unknown level"));
    assert!(log(br#"{"message":"x""#).unwrap_err().contains("invalid JSON"));
}

#[test]
fn text_lines_take_their_level_from_the_first_word() {
    let cases: [(&[u8], &str); 7] = [
        (b"ERROR disk full", "ERROR"),
        (b"warning: slow query", "WARN"),
        (b"[debug] cache miss", "DEBUG"),
        (b"FATAL: out of memory\n  at main.rs:1\n  at lib.rs:2\n", "FATAL"),
        (b"user logged in", "INFO"),
        (b"Errors are fine", "INFO"),
        (b"<script>alert(1)</script>", "INFO"),
    ];
    for (line, level) in cases {
        let l = log(line).unwrap();
        assert_eq!(l.level, level, "{}", String::from_utf8_lossy(line));
        assert!(!l.message.ends_with('\n'));
    }
    assert_eq!(log(b"FATAL: x\n  at a\n").unwrap().message, "FATAL: x\n  at a");
    assert_eq!(log(b"  \n").unwrap_err(), "empty log line");
    assert!(log(b"bad\0line").unwrap_err().contains("NUL"));
}

fn mapped(kind: FeedKind, mapping: &Mapping, origin: &str, payload: &str) -> Result<Parsed, String> {
    parse(kind, mapping, payload.as_bytes(), Arrival { origin, ..arrival() }, DEFAULT_MAX_PAYLOAD)
}

#[test]
fn nested_fields_and_topic_levels() {
    let mapping = Mapping {
        symbol: Some("topic[2]".into()),
        price: Some("/data/last/px".into()),
        size: Some("/data/last/q~1lot".into()),
        ts: Some("/data/t".into()),
        ..Mapping::default()
    };
    let payload = r#"{"data":{"last":{"px":"189.52","q/lot":3},"t":1764000000}}"#;
    let Ok(Parsed::Tick(t)) = mapped(FeedKind::Ticks, &mapping, "ticks/NASDAQ/AAPL", payload) else { panic!() };
    assert_eq!((t.symbol.as_str(), t.price, t.size), ("AAPL", 189.52, 3.0));
    assert_eq!(t.ts.timestamp(), 1_764_000_000, "epoch seconds");
    let amqp = mapped(FeedKind::Ticks, &mapping, "ticks.NYSE.IBM", payload).unwrap();
    assert!(matches!(amqp, Parsed::Tick(NewTick { ref symbol, .. }) if symbol == "IBM"), "routing keys split on dots");
    assert_eq!(mapped(FeedKind::Ticks, &mapping, "ticks/AAPL", payload).unwrap_err(), r#"missing field "topic[2]""#);
    assert_eq!(
        mapped(FeedKind::Ticks, &mapping, "a/b/c", r#"{"data":{"last":{"px":{}}}}"#).unwrap_err(),
        r#"field "/data/last/px" must be a number, got an object"#
    );
}

#[test]
fn log_aliases_and_logfmt() {
    let l = log(br#"{"msg":"slow","severity":"warning","@timestamp":"2025-11-24T16:00:01Z"}"#).unwrap();
    assert_eq!((l.message.as_str(), l.level.as_str()), ("slow", "WARN"));
    assert_eq!(l.ts.timestamp(), 1_764_000_001);
    let l = log(br#"{"message":"kept","msg":"ignored"}"#).unwrap();
    assert_eq!(l.message, "kept", "the field itself wins over its alias");
    let custom = Mapping { message: Some("text".into()), ..Mapping::default() };
    let err = mapped(FeedKind::Logs, &custom, "o", r#"{"msg":"x"}"#).unwrap_err();
    assert_eq!(err, r#"missing field "text""#, "a renamed field takes no alias");

    let l = log(br#"ts=1764000001000 level=error source=api-1 msg="disk \"/\" full" id=a-1"#).unwrap();
    assert_eq!((l.level.as_str(), l.source.as_str(), l.message.as_str()), ("ERROR", "api-1", r#"disk "/" full"#));
    assert_eq!((l.ts.timestamp(), l.publisher_id.as_deref()), (1_764_000_001, Some("a-1")));
    let l = log(b"user=bob logged in").unwrap();
    assert_eq!((l.message.as_str(), l.level.as_str()), ("user=bob logged in", "INFO"), "not logfmt: plain text");
}

#[test]
fn epoch_units_are_told_apart_by_magnitude() {
    for ts in ["1764000000", "1764000000000", "1764000000000000", "1764000000000000000", r#""1764000000""#] {
        let t = tick(&format!(r#"{{"symbol":"A","price":1,"ts":{ts}}}"#)).unwrap();
        assert_eq!(t.ts.timestamp(), 1_764_000_000, "{ts}");
    }
}

#[test]
fn the_envelope_gives_id_and_time_when_the_payload_has_none() {
    let sent = Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap();
    let envelope = Envelope { id: Some("m-1".into()), sent_at: Some(sent) };
    let enveloped = Arrival { envelope: &envelope, ..arrival() };
    let read =
        |payload: &str, kind| parse(kind, &Mapping::default(), payload.as_bytes(), enveloped, DEFAULT_MAX_PAYLOAD);
    let Ok(Parsed::Tick(t)) = read(r#"{"symbol":"A","price":1}"#, FeedKind::Ticks) else { panic!() };
    assert_eq!((t.publisher_id.as_deref(), t.ts), (Some("m-1"), sent));
    let Ok(Parsed::Tick(t)) = read(r#"{"symbol":"A","price":1,"id":"own","ts":1764000000}"#, FeedKind::Ticks) else {
        panic!()
    };
    assert_eq!((t.publisher_id.as_deref(), t.ts.timestamp()), (Some("own"), 1_764_000_000), "the payload wins");
    let Ok(Parsed::Log(l)) = read("ERROR plain line", FeedKind::Logs) else { panic!() };
    assert_eq!((l.publisher_id.as_deref(), l.ts), (Some("m-1"), sent), "plain lines too");
    let long = Envelope { id: Some("x".repeat(300)), sent_at: None };
    let err = parse(FeedKind::Logs, &Mapping::default(), b"line", Arrival { envelope: &long, ..arrival() }, 1024);
    assert_eq!(err.unwrap_err(), "message id is longer than 256 characters");
}
