//! Counting what arrived: every publisher id against the rows in Postgres
//! (lost, duplicated, `seq` gaps), and a sample of the history API against
//! the same rows.

use crate::{Result, api::Api, context};
use serde_json::Value;
use sqlx::PgPool;
use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

/// The kind of a feed, with its table and the history field carrying `i`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Ticks,
    Logs,
}

impl Kind {
    /// `ticks` or `logs`: the feed kind, its table and its history path.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Ticks => "ticks",
            Kind::Logs => "logs",
        }
    }

    /// The publisher id of message `i`.
    pub fn id(self, i: u64) -> String {
        match self {
            Kind::Ticks => format!("t{i}"),
            Kind::Logs => format!("l{i}"),
        }
    }

    /// Message `i` as JSON with its id; `i` is also in `size` / at the start
    /// of `message` (`line <i>…`), so a history row names the message it came from.
    pub fn payload(self, i: u64) -> Vec<u8> {
        self.stamped_payload(i, None)
    }

    /// [`Kind::payload`], carrying the send time `sent` (µs, see
    /// [`crate::stats::micros`]) if given: as the tick's `price`, or after
    /// `sent ` in the log line (`line <i> sent <µs>`); [`Kind::sent_micros`]
    /// reads it back from a live event.
    pub fn stamped_payload(self, i: u64, sent: Option<u64>) -> Vec<u8> {
        match self {
            Kind::Ticks => {
                let price = sent.map_or_else(|| "100.5".to_owned(), |us| us.to_string());
                format!(r#"{{"symbol":"S{}","price":{price},"size":{i},"id":"t{i}"}}"#, i % 10)
            }
            Kind::Logs => {
                let sent = sent.map(|us| format!(" sent {us}")).unwrap_or_default();
                format!(r#"{{"level":"INFO","source":"chaos","message":"line {i}{sent}","id":"l{i}"}}"#)
            }
        }
        .into_bytes()
    }

    /// The send time a [`Kind::stamped_payload`] carried, read from the live
    /// event it became.
    pub fn sent_micros(self, event: &crate::sse::Event) -> Option<u64> {
        match self {
            Kind::Ticks => event.number("price").map(|us| us as u64),
            Kind::Logs => {
                let key = " sent ";
                let start = event.data.find(key)? + key.len();
                let digits = event.data[start..].split(|c: char| !c.is_ascii_digit()).next()?;
                digits.parse().ok()
            }
        }
    }

    /// Which message a history item came from.
    fn index_of(self, item: &Value) -> Option<u64> {
        match self {
            Kind::Ticks => item["size"].as_f64().map(|x| x as u64),
            Kind::Logs => {
                let rest = item["message"].as_str()?.strip_prefix("line ")?;
                rest[..rest.find(' ').unwrap_or(rest.len())].parse().ok()
            }
        }
    }
}

/// What one feed holds, judged against what was sent.
#[derive(Debug, Default, Clone)]
pub struct Count {
    pub sent: u64,
    pub stored: u64,
    /// Ids sent but not stored.
    pub lost: u64,
    /// Rows beyond one per distinct id.
    pub duplicated: u64,
    /// `seq` numbers missing from 1..=max, plus rows whose id was never sent.
    pub gaps: u64,
    /// History API rows that disagree with Postgres.
    pub api_mismatches: u64,
}

impl Count {
    /// Adds another feed's figures.
    pub fn add(&mut self, other: &Count) {
        self.sent += other.sent;
        self.stored += other.stored;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.gaps += other.gaps;
        self.api_mismatches += other.api_mismatches;
    }
}

/// Waits until `feed` stored `sent` rows (or stopped moving for `quiet`).
pub async fn wait_stored(db: &PgPool, feed: &str, sent: u64, quiet: Duration) -> Result<u64> {
    let (mut last, mut moved) = (0, Instant::now());
    loop {
        let now = crate::db::last_seq(db, feed).await?;
        if now >= sent || moved.elapsed() > quiet {
            return Ok(now);
        }
        if now > last {
            (last, moved) = (now, Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Compares the rows of `feed` with messages `0..sent` and samples its
/// history API.
pub async fn count(db: &PgPool, api: &Api, feed: &str, kind: Kind, sent: u64) -> Result<Count> {
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as(&format!(
        "SELECT r.seq, r.publisher_id FROM {} r JOIN feeds f ON f.id = r.feed_id WHERE f.name = $1 ORDER BY r.seq",
        kind.as_str()
    ))
    .bind(feed)
    .fetch_all(db)
    .await
    .map_err(context("read the stored rows"))?;
    let ids: HashSet<&str> = rows.iter().filter_map(|r| r.1.as_deref()).collect();
    let seqs: HashSet<i64> = rows.iter().map(|r| r.0).collect();
    let max_seq = rows.last().map_or(0, |r| r.0);
    let sent_ids: HashSet<String> = (0..sent).map(|i| kind.id(i)).collect();
    let strangers = ids.iter().filter(|id| !sent_ids.contains(**id)).count() as u64;
    let mut count = Count {
        sent,
        stored: rows.len() as u64,
        lost: sent_ids.iter().filter(|id| !ids.contains(id.as_str())).count() as u64,
        duplicated: rows.len() as u64 - ids.len() as u64,
        gaps: (max_seq as u64).saturating_sub(seqs.len() as u64) + strangers,
        api_mismatches: 0,
    };
    let by_seq: HashMap<i64, &str> = rows.iter().filter_map(|r| Some((r.0, r.1.as_deref()?))).collect();
    count.api_mismatches = sample_history(api, feed, kind, max_seq, &by_seq).await?;
    Ok(count)
}

/// Reads three pages of history (start, middle, end) and counts rows whose
/// `seq` or message differs from Postgres, or pages with a hole.
async fn sample_history(api: &Api, feed: &str, kind: Kind, max_seq: i64, by_seq: &HashMap<i64, &str>) -> Result<u64> {
    const PAGE: i64 = 500;
    let mut mismatches = 0;
    for after in [0, max_seq / 2, (max_seq - PAGE).max(0)] {
        let page = api.get(&format!("/api/v1/feeds/{feed}/{}?after_seq={after}&limit={PAGE}", kind.as_str())).await?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        let want = PAGE.min(max_seq - after).max(0) as u64;
        mismatches += want.abs_diff(items.len() as u64);
        for (k, item) in items.iter().enumerate() {
            let seq = item["seq"].as_i64().unwrap_or(-1);
            let id = kind.index_of(item).map(|i| kind.id(i));
            if seq != after + 1 + k as i64 || by_seq.get(&seq).copied() != id.as_deref() {
                mismatches += 1;
            }
        }
    }
    Ok(mismatches)
}

#[cfg(test)]
mod tests {
    use super::Kind;
    use crate::sse::Event;

    #[test]
    fn stamped_payloads_carry_their_send_time_and_index() {
        for kind in [Kind::Ticks, Kind::Logs] {
            let payload = String::from_utf8(kind.stamped_payload(42, Some(1_234_567))).unwrap();
            let item: serde_json::Value = serde_json::from_str(&payload).unwrap();
            assert_eq!(kind.index_of(&item), Some(42), "{payload}");
            assert_eq!(item["id"], kind.id(42));
            // The live event is the stored row as JSON, with the same fields.
            let event = Event { data: payload, ..Event::default() };
            assert_eq!(kind.sent_micros(&event), Some(1_234_567));
        }
        let plain = Event { data: String::from_utf8(Kind::Logs.payload(42)).unwrap(), ..Event::default() };
        assert_eq!(Kind::Logs.sent_micros(&plain), None);
    }
}
