//! The generated history: ticks, their publisher ids and log lines, row
//! `i` of `n` at `i / n` of the span, in Postgres' binary COPY format.

use super::load::{DAYS, SYMBOLS};
use chrono::NaiveDate;
use feedboard_bench::{Result, context};
use sqlx::{PgPool, postgres::PgPoolCopyExt};
use std::fmt::Write;

/// Words searched for: in 3 of 10 lines, 1 in 1,000, 1 in 100,000.
pub const OFTEN: &str = "request";
pub const UNCOMMON: &str = "timeout";
pub const RARE: &str = "zeppelin";

/// Rows per COPY statement (a transaction each).
const COPY_ROWS: u64 = 500_000;
/// Bytes per COPY data message.
const SEND_BYTES: usize = 1 << 20;
const DAY_MICROS: i64 = 86_400_000_000;

/// The span in Postgres microseconds: row `i` of `n` is at `at(i, n)`.
#[derive(Clone, Copy)]
pub struct Span {
    start: i64,
}

impl Span {
    pub fn new(first_day: NaiveDate) -> Result<Self> {
        let start = first_day.and_hms_opt(0, 0, 0).ok_or("midnight")?.and_utc();
        Ok(Span { start: pg_micros(start.timestamp_micros()) })
    }

    fn at(self, i: u64, n: u64) -> i64 {
        self.start + (i128::from(i) * i128::from(DAY_MICROS * DAYS as i64) / i128::from(n.max(1))) as i64
    }
}

/// Publisher id of tick `i` of `n`: 16 hex digits rising with `i` and
/// spread over the whole key space, so ids of new messages (random UUIDs)
/// land all over the register's index, as they would after months.
fn publisher_id(i: u64, n: u64) -> [u8; 16] {
    let x = i.wrapping_mul(u64::MAX / n.max(1));
    let mut out = [0u8; 16];
    for (k, c) in out.iter_mut().enumerate() {
        *c = b"0123456789abcdef"[((x >> (60 - 4 * k)) & 0xf) as usize];
    }
    out
}

pub async fn copy_ticks(db: &PgPool, feed_id: i64, n: u64, span: Span) -> Result {
    let sql =
        "COPY ticks (feed_id, seq, symbol, price, size, ts, received_at, publisher_id) FROM STDIN (FORMAT binary)";
    copy(db, sql, n, |i, buf| {
        let h = mix(i);
        let s = (i % SYMBOLS.len() as u64) as usize;
        let ts = span.at(i, n);
        let wave = (ts as f64 / DAY_MICROS as f64 * 0.7 + s as f64).sin();
        let price = 50.0 * (s + 1) as f64 + 5.0 * wave + (h % 1000) as f64 / 1000.0;
        buf.extend_from_slice(&8i16.to_be_bytes());
        field(buf, &feed_id.to_be_bytes());
        field(buf, &(i as i64 + 1).to_be_bytes());
        field(buf, SYMBOLS[s].as_bytes());
        field(buf, &price.to_be_bytes());
        field(buf, &(1.0 + ((h >> 20) % 100) as f64).to_be_bytes());
        field(buf, &ts.to_be_bytes());
        field(buf, &(ts + 3_000).to_be_bytes());
        field(buf, &publisher_id(i, n));
    })
    .await
}

pub async fn copy_publisher_ids(db: &PgPool, feed_id: i64, n: u64, span: Span) -> Result {
    let sql = "COPY publisher_ids (feed_id, publisher_id, seen_at) FROM STDIN (FORMAT binary)";
    copy(db, sql, n, |i, buf| {
        buf.extend_from_slice(&3i16.to_be_bytes());
        field(buf, &feed_id.to_be_bytes());
        field(buf, &publisher_id(i, n));
        field(buf, &(span.at(i, n) + 3_000).to_be_bytes());
    })
    .await
}

pub async fn copy_logs(db: &PgPool, feed_id: i64, n: u64, span: Span) -> Result {
    let sql =
        "COPY logs (feed_id, seq, ts, level, source, message, received_at, publisher_id) FROM STDIN (FORMAT binary)";
    let mut message = String::with_capacity(128);
    copy(db, sql, n, |i, buf| {
        let (level, source) = log_line(i, &mut message);
        let ts = span.at(i, n);
        buf.extend_from_slice(&8i16.to_be_bytes());
        field(buf, &feed_id.to_be_bytes());
        field(buf, &(i as i64 + 1).to_be_bytes());
        field(buf, &ts.to_be_bytes());
        field(buf, level.as_bytes());
        field(buf, format!("api-{source}").as_bytes());
        field(buf, message.as_bytes());
        field(buf, &(ts + 3_000).to_be_bytes());
        buf.extend_from_slice(&(-1i32).to_be_bytes()); // publisher_id NULL
    })
    .await
}

/// Log line `j`: its level, source number, and message in `msg`. The
/// searched words occur at fixed rates, so their count grows with history.
fn log_line(j: u64, msg: &mut String) -> (&'static str, u64) {
    const RESOURCES: [&str; 5] = ["orders", "users", "quotes", "invoices", "sessions"];
    const SERVICES: [&str; 6] = ["pricing", "ledger", "auth", "search", "mailer", "billing"];
    const TABLES: [&str; 4] = ["accounts", "orders", "positions", "fills"];
    const JOBS: [&str; 4] = ["reindex", "settle", "export", "digest"];
    let h = mix(j ^ 0x5eed_5eed);
    let (a, b, c) = (h % 1000, (h >> 10) % 256, (h >> 20) % 10_000);
    let pick = |list: &[&'static str]| list[((h >> 40) % list.len() as u64) as usize];
    msg.clear();
    let _ = if j % 100_000 == 77_777 {
        write!(msg, "checksum mismatch on {RARE} shard {}", a % 64)
    } else if j % 1_000 == 500 {
        write!(msg, "upstream {UNCOMMON} after {} ms calling {}", 1000 + a, pick(&SERVICES))
    } else {
        match h % 10 {
            0..=2 => write!(msg, "GET /api/v1/{}/{c} {OFTEN} served in {} ms", pick(&RESOURCES), a % 300),
            3 => write!(msg, "user u{c} signed in from 10.{b}.{}.{}", a % 256, (h >> 48) % 256),
            4 => write!(msg, "cache miss for {}:{c}", pick(&RESOURCES)),
            5 => write!(msg, "payment p{c}{a} settled for account ac{b}"),
            6 => write!(msg, "slow query on {} took {} ms", pick(&TABLES), 200 + a),
            7 => write!(msg, "connection reset by peer 10.0.{b}.{}:{}", a % 256, 1024 + c),
            8 => write!(msg, "job {} finished batch {c} with {a} items", pick(&JOBS)),
            _ => write!(msg, "config reloaded by u{c} version {b}.{}", a % 10),
        }
    };
    let level = match (h >> 32) % 100 {
        0..60 => "INFO",
        60..80 => "DEBUG",
        80..93 => "WARN",
        _ => "ERROR",
    };
    (level, (h >> 56) % 8)
}

/// Streams `n` rows made by `row` into `sql` (a binary COPY), a statement
/// of [`COPY_ROWS`] at a time.
async fn copy(db: &PgPool, sql: &str, n: u64, mut row: impl FnMut(u64, &mut Vec<u8>)) -> Result {
    let mut from = 0;
    while from < n {
        let to = (from + COPY_ROWS).min(n);
        let mut copy = db.copy_in_raw(sql).await.map_err(context("COPY"))?;
        let mut buf = Vec::with_capacity(SEND_BYTES + 4096);
        buf.extend_from_slice(b"PGCOPY\n\xff\r\n\0");
        buf.extend_from_slice(&0i32.to_be_bytes());
        buf.extend_from_slice(&0i32.to_be_bytes());
        for i in from..to {
            row(i, &mut buf);
            if buf.len() >= SEND_BYTES {
                let full = std::mem::replace(&mut buf, Vec::with_capacity(SEND_BYTES + 4096));
                copy.send(full).await.map_err(context("COPY data"))?;
            }
        }
        buf.extend_from_slice(&(-1i16).to_be_bytes());
        copy.send(buf).await.map_err(context("COPY data"))?;
        copy.finish().await.map_err(context("COPY finish"))?;
        from = to;
    }
    Ok(())
}

fn field(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&(bytes.len() as i32).to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// Unix microseconds as Postgres' binary timestamptz (since 2000-01-01).
fn pg_micros(unix_micros: i64) -> i64 {
    unix_micros - 946_684_800_000_000
}

/// splitmix64: deterministic noise for row `i`.
fn mix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searched_words_occur_at_their_rates_only() {
        let mut msg = String::new();
        let count = |word: &str, msg: &mut String| {
            (0..200_000).filter(|&j| log_line(j, msg).1 < 8 && msg.contains(word)).count()
        };
        assert_eq!(count(RARE, &mut msg), 2);
        assert_eq!(count(UNCOMMON, &mut msg), 200);
        let often = count(OFTEN, &mut msg);
        assert!((55_000..65_000).contains(&often), "{often}");
    }

    #[test]
    fn publisher_ids_rise_and_rows_fill_the_span() {
        assert!(publisher_id(1, 1000) < publisher_id(2, 1000));
        assert_eq!(&publisher_id(0, 10), b"0000000000000000");
        let span = Span { start: 0 };
        assert_eq!(span.at(0, 50_000_000), 0);
        assert!(span.at(49_999_999, 50_000_000) < DAY_MICROS * DAYS as i64);
    }
}
