//! Reading a feed's history: the checks and defaults behind the history API
//! and the widgets' server functions, in one place.

use crate::{
    domain::Core,
    error::{AppError, ErrorCode},
    model::{Candle, FeedKind, LevelCount, LogPage, Rejected, SeqPage, SeqRange, SymbolSummary, Tick},
    store::{
        self,
        feeds::FeedRow,
        history::{LogQuery, TickQuery},
    },
};
use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};

/// Checks a time from a request: years 0001 to 9999 (what RFC 3339 can
/// write, and well inside what Postgres keeps), else 400 naming `field`.
pub fn check_time(field: &str, t: Option<DateTime<Utc>>) -> Result<Option<DateTime<Utc>>, AppError> {
    match t {
        Some(t) if !(1..=9999).contains(&t.year()) => Err(AppError::bad_request(format!(
            "{field} is out of range: times must be between 0001-01-01 and 9999-12-31 (UTC)"
        ))),
        t => Ok(t),
    }
}

/// The feed `name`, which must carry `kind` (else 422).
pub(crate) async fn feed_of_kind(core: &Core, name: &str, kind: FeedKind) -> Result<FeedRow, AppError> {
    let feed = super::feeds::find(core, name).await?;
    if feed.spec.kind != kind {
        return Err(AppError::new(
            ErrorCode::Invalid,
            format!("feed {name:?} carries {}, not {}", feed.spec.kind.as_str(), kind.as_str()),
        ));
    }
    Ok(feed)
}

/// `GET /api/v1/feeds/{name}/ticks` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TickParams {
    pub symbol: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub after_seq: Option<i64>,
    /// Default 1000, at most 10000.
    pub limit: Option<i64>,
}

/// Ticks in `seq` order.
pub async fn ticks(core: &Core, feed: &str, p: TickParams) -> Result<Vec<Tick>, AppError> {
    let feed = feed_of_kind(core, feed, FeedKind::Ticks).await?;
    let query = TickQuery {
        symbol: p.symbol,
        from: check_time("from", p.from)?,
        to: check_time("to", p.to)?,
        after_seq: p.after_seq,
        limit: p.limit.unwrap_or(1000).clamp(1, 10_000),
    };
    Ok(store::history::ticks(&core.db, feed.id, &query).await?)
}

/// `GET /api/v1/feeds/{name}/candles` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandleParams {
    pub symbol: String,
    /// `1s`, `1m`, `5m`, `1h` or `1d` (default `1m`).
    pub interval: Option<String>,
    /// Default: 150 intervals before `to`.
    pub from: Option<DateTime<Utc>>,
    /// Default: now.
    pub to: Option<DateTime<Utc>>,
}

/// Parses `1s|1m|5m|1h|1d`.
pub fn parse_interval(s: &str) -> Option<Duration> {
    match s {
        "1s" => Some(Duration::seconds(1)),
        "1m" => Some(Duration::minutes(1)),
        "5m" => Some(Duration::minutes(5)),
        "1h" => Some(Duration::hours(1)),
        "1d" => Some(Duration::days(1)),
        _ => None,
    }
}

/// OHLC candles with volume for the buckets that start in `[from, to)`
/// (`from` rounded down to a bucket start): whole buckets, the newest
/// holding the ticks so far. 1m, 5m, 1h and 1d read the rollups; 1s
/// aggregates raw ticks.
pub async fn candles(core: &Core, feed: &str, p: CandleParams) -> Result<SeqPage<Candle>, AppError> {
    let feed = feed_of_kind(core, feed, FeedKind::Ticks).await?;
    let text = p.interval.as_deref().unwrap_or("1m");
    let interval = parse_interval(text)
        .ok_or_else(|| AppError::bad_request(format!("interval {text:?} is not one of 1s, 1m, 5m, 1h, 1d")))?;
    let width = interval.num_seconds();
    let (from, to) = bucket_range(p.from, p.to, width, &CANDLE_BUCKETS)?;
    let (items, last_seq) = match store::lifecycle::rollup::WIDTHS.iter().find(|w| i64::from(**w) == width) {
        Some(&rolled_up) => {
            store::lifecycle::rollup::candles(&core.db, feed.id, &p.symbol, rolled_up, from, to).await?
        }
        None => store::history::candles(&core.db, feed.id, &p.symbol, interval, from, to).await?,
    };
    Ok(SeqPage { items, last_seq })
}

/// How a bucketed query (candles, level counts) names and bounds its buckets.
struct Buckets {
    /// What a bucket is called in messages.
    noun: &'static str,
    /// Buckets before `to` when no `from` is given.
    default: i32,
    /// Most buckets one request may span.
    most: i64,
    /// How to ask for fewer, in messages.
    coarser: &'static str,
}

const CANDLE_BUCKETS: Buckets = Buckets { noun: "candles", default: 150, most: 10_000, coarser: "a longer interval" };
const LEVEL_BUCKETS: Buckets =
    Buckets { noun: "buckets", default: 60, most: MOST_LEVEL_BUCKETS, coarser: "a wider bucket" };

/// The `[from, to)` of a bucketed query of `width`-second buckets, rounded
/// out to whole buckets: `to` defaults to now and `from` to `b.default`
/// buckets before it; `from` must come first and at most `b.most` buckets fit.
fn bucket_range(
    from: Option<DateTime<Utc>>,
    to: Option<DateTime<Utc>>,
    width: i64,
    b: &Buckets,
) -> Result<(DateTime<Utc>, DateTime<Utc>), AppError> {
    let to = check_time("to", to)?.unwrap_or_else(Utc::now);
    let from = match check_time("from", from)? {
        Some(from) => from,
        None => Duration::seconds(width)
            .checked_mul(b.default)
            .and_then(|span| to.checked_sub_signed(span))
            .ok_or_else(|| {
                AppError::bad_request(format!(
                    "to is too early for {} {} before it; give from as well",
                    b.default, b.noun
                ))
            })?,
    };
    if from >= to {
        return Err(AppError::bad_request("from must be before to"));
    }
    if to.signed_duration_since(from).num_seconds() / width.max(1) > b.most {
        return Err(AppError::bad_request(format!(
            "more than {} {}; narrow from/to or use {}",
            b.most, b.noun, b.coarser
        )));
    }
    Ok((bucket_start(from, width), bucket_end(to, width)))
}

/// The start of the `width`-second bucket holding `t` (buckets are aligned
/// to the Unix epoch, as `date_bin` from 2000-01-01 aligns them).
pub fn bucket_start(t: DateTime<Utc>, width: i64) -> DateTime<Utc> {
    let micros = width.max(1) * 1_000_000;
    let start = t.timestamp_micros().div_euclid(micros) * micros;
    DateTime::from_timestamp_micros(start).unwrap_or(t)
}

/// The end of the bucket holding `t`, or `t` itself on a boundary.
pub fn bucket_end(t: DateTime<Utc>, width: i64) -> DateTime<Utc> {
    let start = bucket_start(t, width);
    if start == t { t } else { start.checked_add_signed(Duration::seconds(width.max(1))).unwrap_or(t) }
}

/// `GET /api/v1/feeds/{name}/symbols` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SymbolParams {
    /// Window start for `open` (default: 00:00 UTC today).
    pub since: Option<DateTime<Utc>>,
    /// How many recent prices per symbol (default 60, at most 500).
    pub recent: Option<i64>,
}

/// Each symbol's last price, open and recent prices.
pub async fn symbols(core: &Core, feed: &str, p: SymbolParams) -> Result<SeqPage<SymbolSummary>, AppError> {
    let feed = feed_of_kind(core, feed, FeedKind::Ticks).await?;
    let midnight = Utc::now().date_naive().and_hms_opt(0, 0, 0).map(|t| t.and_utc()).unwrap_or_else(Utc::now);
    let since = check_time("since", p.since)?.unwrap_or(midnight);
    let last_seq = store::history::last_seq(&core.db, feed.id).await?;
    let items = store::history::symbols(&core.db, feed.id, since, p.recent.unwrap_or(60).clamp(1, 500)).await?;
    Ok(SeqPage { items, last_seq })
}

/// `GET /api/v1/feeds/{name}/levels` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LevelParams {
    /// Bucket width in seconds, 1 to 86400 (default 60).
    pub bucket: Option<i64>,
    /// Default: 60 buckets before `to`.
    pub from: Option<DateTime<Utc>>,
    /// Default: now.
    pub to: Option<DateTime<Utc>>,
}

/// Most buckets one request may ask for.
pub const MOST_LEVEL_BUCKETS: i64 = 1_000;

/// Log lines per time bucket and level (the level histogram), for the
/// buckets that start in `[from, to)`.
pub async fn level_counts(core: &Core, feed: &str, p: LevelParams) -> Result<SeqPage<LevelCount>, AppError> {
    let feed = feed_of_kind(core, feed, FeedKind::Logs).await?;
    let width = p.bucket.unwrap_or(60);
    if !(1..=86_400).contains(&width) {
        return Err(AppError::bad_request("bucket must be 1 to 86400 seconds"));
    }
    let (from, to) = bucket_range(p.from, p.to, width, &LEVEL_BUCKETS)?;
    let (items, last_seq) = store::history::level_counts(&core.db, feed.id, width, from, to).await?;
    Ok(SeqPage { items, last_seq })
}

/// `GET /api/v1/feeds/{name}/logs` parameters.
#[derive(Clone, Debug, Default, Serialize, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LogParams {
    /// One level or several, comma-separated.
    pub level: Option<String>,
    pub source: Option<String>,
    /// Text to find in the message (case-insensitive).
    pub q: Option<String>,
    pub before_seq: Option<i64>,
    pub after_seq: Option<i64>,
    /// Only lines with `ts` at or after this.
    pub from: Option<DateTime<Utc>>,
    /// Only lines with `ts` before this.
    pub to: Option<DateTime<Utc>>,
    /// Default 200, at most 10000.
    pub limit: Option<i64>,
}

/// Log lines: newest first, or oldest first after `after_seq`. A search
/// looks at a bounded window of lines next to the cursor only, and says
/// which (`searched`), so the client can offer to search further: the
/// window is large where the trigram index finds candidates, small where
/// it cannot help (no word of 3+ letters or digits).
pub async fn logs(core: &Core, feed: &str, p: LogParams) -> Result<LogPage, AppError> {
    let feed = feed_of_kind(core, feed, FeedKind::Logs).await?;
    let mut query = LogQuery {
        levels: parse_levels(p.level.as_deref())?,
        source: p.source.filter(|s| !s.is_empty()),
        text: p.q.filter(|q| !q.trim().is_empty()),
        before_seq: p.before_seq,
        after_seq: p.after_seq,
        limit: p.limit.unwrap_or(200).clamp(1, 10_000),
        from: check_time("from", p.from)?,
        to: check_time("to", p.to)?,
        ..LogQuery::default()
    };
    let searched = match &query.text {
        Some(text) => {
            let head = match (query.after_seq, query.before_seq) {
                (None, None) => store::history::last_seq(&core.db, feed.id).await?,
                _ => 0,
            };
            let limits = &core.config.limits;
            let window = if has_trigram_word(text) { limits.log_search_window } else { limits.short_search_window };
            Some(search_window(query.after_seq, query.before_seq, head, window))
        }
        None => None,
    };
    query.window = searched.map(|r| (r.from_seq, r.to_seq));
    let items = store::history::logs(&core.db, feed.id, &query).await?;
    Ok(LogPage { items, searched })
}

/// The `level` parameter: one level or several, comma-separated, in any
/// case (`warning` for `WARN`), as stored; none means every level.
pub(crate) fn parse_levels(level: Option<&str>) -> Result<Vec<String>, AppError> {
    level
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            crate::model::LogLevel::normalize(l)
                .map(|level| level.as_str().to_owned())
                .ok_or_else(|| AppError::bad_request(format!("unknown level {l:?}")))
        })
        .collect()
}

/// Whether `text` has a run of 3 letters or digits, which the trigram index
/// can look up; anything shorter means reading every line.
fn has_trigram_word(text: &str) -> bool {
    text.split(|c: char| !c.is_alphanumeric()).any(|word| word.chars().count() >= 3)
}

/// The `window` lines a bounded search reads: right after `after_seq`,
/// right before `before_seq`, or the newest up to `head`.
fn search_window(after_seq: Option<i64>, before_seq: Option<i64>, head: i64, window: i64) -> SeqRange {
    let span = window.max(1) - 1;
    match (after_seq, before_seq) {
        (Some(after), before) => {
            let from_seq = after.saturating_add(1);
            let to_seq = from_seq.saturating_add(span);
            SeqRange { from_seq, to_seq: before.map_or(to_seq, |b| to_seq.min(b.saturating_sub(1))) }
        }
        (None, Some(before)) => {
            let to_seq = before.saturating_sub(1);
            SeqRange { from_seq: to_seq.saturating_sub(span).max(1), to_seq }
        }
        (None, None) => SeqRange { from_seq: head.saturating_sub(span).max(1), to_seq: head },
    }
}

/// The distinct sources of a log feed's recent lines.
pub async fn log_sources(core: &Core, feed: &str) -> Result<Vec<String>, AppError> {
    let feed = feed_of_kind(core, feed, FeedKind::Logs).await?;
    Ok(store::history::log_sources(&core.db, feed.id).await?)
}

/// The most recent rejected payloads (newest first, at most `limit`).
pub async fn rejected(core: &Core, feed: &str, limit: Option<i64>) -> Result<Vec<Rejected>, AppError> {
    let feed = super::feeds::find(core, feed).await?;
    Ok(store::history::rejected(&core.db, feed.id, limit.unwrap_or(100).clamp(1, 1000), 2048).await?)
}

#[cfg(test)]
mod tests;
