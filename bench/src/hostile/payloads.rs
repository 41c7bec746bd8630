//! Hostile broker payloads: malformed ones feedboard must reject (and
//! count), and valid but nasty ones (markup, control characters, odd
//! Unicode) it must store exactly as sent.

use feedboard_bench::chaos::verify::Kind;

/// Markup a careless page would run; stored and shown as text.
pub const XSS: [&str; 2] = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>"];

/// Malformed payload number `k` for a feed of `kind`: each is one of the
/// cases of [`CASES_TICKS`] / [`CASES_LOGS`] in turn, and each must be rejected.
pub fn malformed(kind: Kind, k: u64) -> Vec<u8> {
    let cases = match kind {
        Kind::Ticks => CASES_TICKS.len(),
        Kind::Logs => CASES_LOGS.len(),
    } as u64;
    let case = (k % cases) as usize;
    // Big payloads are costly to carry and keep: only every tenth is a full megabyte.
    let big = if (k / cases).is_multiple_of(10) { 1024 * 1024 } else { 70 * 1024 };
    match kind {
        Kind::Ticks => tick_case(case, big),
        Kind::Logs => log_case(case, big),
    }
}

/// Names of the malformed tick cases, in order.
pub const CASES_TICKS: [&str; 20] = [
    "truncated JSON",
    "not JSON",
    "100k nested [ (over the size limit)",
    "30k nested [ (parser depth)",
    "price 1e400",
    "price NaN",
    "price -Infinity",
    "price a string that is no number",
    "missing price",
    "missing symbol",
    "invalid UTF-8",
    "over-size payload (70 KiB / 1 MiB)",
    "NUL in symbol",
    "raw control character in a JSON string",
    "10k-character symbol",
    "top-level array",
    "empty payload",
    "blank symbol",
    "ts not a time",
    "id a number",
];

fn tick_case(case: usize, big: usize) -> Vec<u8> {
    let text = match case {
        0 => r#"{"symbol":"AAPL","price":18"#.to_owned(),
        1 => "symbol=AAPL price=1".to_owned(),
        2 => "[".repeat(100_000),
        3 => format!(r#"{{"symbol":"A","price":1,"x":{}}}"#, "[".repeat(30_000)),
        4 => r#"{"symbol":"A","price":1e400}"#.to_owned(),
        5 => r#"{"symbol":"A","price":NaN}"#.to_owned(),
        6 => r#"{"symbol":"A","price":-Infinity}"#.to_owned(),
        7 => r#"{"symbol":"A","price":"189.52 USD"}"#.to_owned(),
        8 => r#"{"symbol":"A","size":5}"#.to_owned(),
        9 => r#"{"price":1.5}"#.to_owned(),
        10 => return [br#"{"symbol":"A"#.as_slice(), &[0xff, 0xfe, 0xc3], br#"","price":1}"#].concat(),
        11 => format!(r#"{{"symbol":"A","price":1,"pad":"{}"}}"#, "x".repeat(big)),
        12 => r#"{"symbol":"A\u0000B","price":1}"#.to_owned(),
        13 => "{\"symbol\":\"A\u{1}B\",\"price\":1}".to_owned(),
        14 => format!(r#"{{"symbol":"{}","price":1}}"#, "S".repeat(10_000)),
        15 => "[1,2,3]".to_owned(),
        16 => String::new(),
        17 => r#"{"symbol":"   ","price":1}"#.to_owned(),
        18 => r#"{"symbol":"A","price":1,"ts":"yesterday"}"#.to_owned(),
        _ => r#"{"symbol":"A","price":1,"id":42}"#.to_owned(),
    };
    text.into_bytes()
}

/// Names of the malformed log cases, in order.
pub const CASES_LOGS: [&str; 16] = [
    "truncated JSON",
    "30k nested [ in a JSON log",
    "invalid UTF-8",
    "over-size payload (70 KiB / 1 MiB)",
    "NUL byte in a text line",
    "NUL in a JSON message",
    "message a number",
    "missing message",
    "unknown level",
    "blank line",
    "ts NaN",
    "ts 1e400",
    "300-character source",
    "id an object",
    "raw control character in a JSON string",
    "100k nested [ after { (over the size limit)",
];

fn log_case(case: usize, big: usize) -> Vec<u8> {
    let text = match case {
        0 => r#"{"message":"disk fu"#.to_owned(),
        1 => format!(r#"{{"message":"x","extra":{}}}"#, "[".repeat(30_000)),
        2 => return [b"ERROR disk ".as_slice(), &[0xc3, 0x28, 0xa0, 0xa1], b" full"].concat(),
        3 => format!("INFO {}", "y".repeat(big)),
        4 => "INFO before\0after".to_owned(),
        5 => r#"{"message":"a\u0000b"}"#.to_owned(),
        6 => r#"{"message":404}"#.to_owned(),
        7 => r#"{"level":"ERROR","source":"api-1"}"#.to_owned(),
        8 => r#"{"message":"x","level":"LOUD"}"#.to_owned(),
        9 => " \t \r\n".to_owned(),
        10 => r#"{"message":"x","ts":NaN}"#.to_owned(),
        11 => r#"{"message":"x","ts":1e400}"#.to_owned(),
        12 => format!(r#"{{"message":"x","source":"{}"}}"#, "s".repeat(300)),
        13 => r#"{"message":"x","id":{"a":1}}"#.to_owned(),
        14 => "{\"message\":\"a\u{8}b\"}".to_owned(),
        _ => format!("{{{}", "[".repeat(100_000)),
    };
    text.into_bytes()
}

/// Valid message `i` with its id; every fourth is a hostile one (markup,
/// control characters, odd Unicode) that must be stored exactly as sent.
pub fn valid(kind: Kind, i: u64) -> Vec<u8> {
    if !i.is_multiple_of(4) {
        return kind.payload(i);
    }
    let nasty = hostile_text(i);
    let value = match kind {
        Kind::Ticks => serde_json::json!({"symbol": nasty, "price": 1.25, "size": i, "id": kind.id(i)}),
        Kind::Logs => serde_json::json!({"message": format!("line {i} {nasty}"), "level": "warn", "id": kind.id(i)}),
    };
    value.to_string().into_bytes()
}

/// The hostile text valid message `i` carries (for `i % 4 == 0`).
pub fn hostile_text(i: u64) -> &'static str {
    const TEXTS: [&str; 4] = [XSS[0], XSS[1], "\"'&<>\u{7}\u{1b}[31m", "Ωμέγα 😀 \u{202e}gnp.exe"];
    TEXTS[(i / 4 % 4) as usize]
}
