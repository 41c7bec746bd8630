use super::*;
use chrono::{DateTime, Utc};

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn line(message: &str) -> LogLine {
    LogLine {
        seq: 7,
        ts: at("2026-01-02T03:04:05.006789Z"),
        level: "ERROR".into(),
        source: "api-1".into(),
        message: message.into(),
    }
}

fn csv<R: Row>(r: &R) -> String {
    let mut out = Vec::new();
    row(Format::Csv, r, &mut out);
    String::from_utf8(out).unwrap()
}

fn ndjson<R: Row>(r: &R) -> String {
    let mut out = Vec::new();
    row(Format::Ndjson, r, &mut out);
    String::from_utf8(out).unwrap()
}

/// Splits one CSV record as an RFC 4180 reader does.
fn read_record(text: &str) -> Vec<String> {
    let body = text.strip_suffix("\r\n").expect("a record ends with CRLF");
    let (mut fields, mut field, mut quoted, mut chars) = (Vec::new(), String::new(), false, body.chars().peekable());
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', false) if field.is_empty() => quoted = true,
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            ('"', true) => quoted = false,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

#[test]
fn headers_name_the_columns_and_ndjson_has_none() {
    let mut out = Vec::new();
    header::<Tick>(Format::Csv, &mut out);
    header::<LogLine>(Format::Csv, &mut out);
    header::<Candle>(Format::Csv, &mut out);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "seq,ts,symbol,price,size\r\nseq,ts,level,source,message\r\nt,open,high,low,close,volume\r\n"
    );
    let mut out = Vec::new();
    header::<Tick>(Format::Ndjson, &mut out);
    assert!(out.is_empty());
}

#[test]
fn ticks_and_candles_write_plain_numbers_and_api_times() {
    let tick = Tick { seq: 42, symbol: "AAPL".into(), price: 189.52, size: 100.0, ts: at("2026-01-02T03:04:05Z") };
    assert_eq!(csv(&tick), "42,2026-01-02T03:04:05.000Z,AAPL,189.52,100\r\n");
    let candle = Candle { t: at("2026-01-02T03:04:00Z"), open: 1.5, high: 2.0, low: -0.25, close: 1e-7, volume: 3e20 };
    assert_eq!(csv(&candle), "2026-01-02T03:04:00.000Z,1.5,2,-0.25,0.0000001,300000000000000000000\r\n");
    for value in [189.52, 0.1 + 0.2, -1e-9, 123456789.125, f64::MAX] {
        let fields = read_record(&csv(&Tick { price: value, ..tick.clone() }));
        assert_eq!(fields[3].parse::<f64>().unwrap(), value, "{value} reads back exactly");
    }
}

#[test]
fn times_have_milliseconds_in_utc() {
    assert_eq!(read_record(&csv(&line("x")))[1], "2026-01-02T03:04:05.006Z");
}

#[test]
fn hostile_text_round_trips_through_an_rfc_4180_reader() {
    let hostile = [
        "plain",
        "a,b",
        "say \"hi\"",
        "\"",
        "\"\"",
        "two\nlines",
        "cr\ronly",
        "crlf\r\nend",
        "=cmd|' /C calc'!A0",
        "+1",
        "-1",
        "@SUM(A1)",
        "\tx",
        " padded ",
        "",
        "ünïcode ✓ 😀",
        "trailing,",
        ",leading",
        "\"quoted, with comma\"\r\n\"and more\"",
    ];
    for text in hostile {
        let out = csv(&line(text));
        assert_eq!(read_record(&out), ["7", "2026-01-02T03:04:05.006Z", "ERROR", "api-1", text], "{out:?}");
    }
}

#[test]
fn text_is_quoted_only_when_it_needs_it() {
    assert_eq!(csv(&line("all fine here")), "7,2026-01-02T03:04:05.006Z,ERROR,api-1,all fine here\r\n");
    assert_eq!(csv(&line("a \"b\", c")), "7,2026-01-02T03:04:05.006Z,ERROR,api-1,\"a \"\"b\"\", c\"\r\n");
    for formula in ["=1+1", "+1", "-2", "@x", "\tt"] {
        assert!(csv(&line(formula)).ends_with(&format!(",\"{formula}\"\r\n")), "{formula:?} is quoted, not altered");
    }
    assert!(csv(&line("")).ends_with(",\"\"\r\n"));
}

#[test]
fn ndjson_lines_are_the_api_items() {
    let text = "multi\nline \"quoted\" \u{2028} end";
    let out = ndjson(&line(text));
    assert_eq!(out.matches('\n').count(), 1, "one line per row: {out:?}");
    let value: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value, serde_json::to_value(line(text)).unwrap());
    assert_eq!(value["ts"], "2026-01-02T03:04:05.006Z");
    let tick = Tick { seq: 1, symbol: "S".into(), price: 1.25, size: 0.0, ts: at("2026-01-02T03:04:05Z") };
    assert_eq!(
        ndjson(&tick),
        "{\"seq\":1,\"symbol\":\"S\",\"price\":1.25,\"size\":0.0,\"ts\":\"2026-01-02T03:04:05.000Z\"}\n"
    );
}

#[test]
fn formats_are_named_by_their_parameter() {
    assert_eq!(Format::parse("csv"), Some(Format::Csv));
    assert_eq!(Format::parse("ndjson"), Some(Format::Ndjson));
    assert_eq!(Format::parse("CSV"), None);
    assert_eq!(Format::parse("json"), None);
    assert_eq!(Format::Csv.content_type(), "text/csv; charset=utf-8");
    assert_eq!(Format::Ndjson.content_type(), "application/x-ndjson");
}
