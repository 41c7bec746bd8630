//! Candle rollups against the real Postgres: for random ticks arriving out
//! of `ts` order, written in random batches and rolled up in random steps,
//! the candles read from the rollups equal those computed from raw ticks,
//! at every rolled-up width, and the newest ticks past the watermark count.

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use feedboard::{
    domain::history::{bucket_end, bucket_start},
    model::NewTick,
    store::{
        batch::{self, DEFAULT_ID_WINDOW, NewBatch, Rows},
        history,
        lifecycle::rollup::{self, WIDTHS},
    },
};
use proptest::prelude::*;
use sqlx::PgPool;

/// One generated tick: symbol index, seconds into a three-day window, price, size.
type Gen = (usize, i64, u32, u8);

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 22, 0, 0).unwrap()
}

async fn new_feed(db: &PgPool) -> i64 {
    let name = format!("roll-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let id: i64 = sqlx::query_scalar("INSERT INTO feeds (name, kind, source) VALUES ($1, 'ticks', '{}') RETURNING id")
        .bind(name)
        .fetch_one(db)
        .await
        .unwrap();
    sqlx::query("INSERT INTO feed_positions (feed_id) VALUES ($1)").bind(id).execute(db).await.unwrap();
    id
}

/// Writes `ticks` in batches cut at `cuts`, rolling up `step` ticks at a
/// time after each batch (so rollups see the ticks in several pieces).
async fn load(db: &PgPool, feed: i64, ticks: &[Gen], cuts: &[usize], step: i64) {
    let symbols = ["AAA", "BBB"];
    let rows: Vec<(NewTick, DateTime<Utc>)> = ticks
        .iter()
        .map(|&(s, secs, price, size)| {
            let tick = NewTick {
                symbol: symbols[s].into(),
                price: f64::from(price) / 4.0,
                size: f64::from(size),
                ts: base() + Duration::seconds(secs),
                publisher_id: None,
            };
            (tick, Utc::now())
        })
        .collect();
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (rows.len() + 1)).collect();
    bounds.extend([0, rows.len()]);
    bounds.sort_unstable();
    bounds.dedup();
    for pair in bounds.windows(2) {
        let part = &rows[pair[0]..pair[1]];
        let new = NewBatch {
            id: rand_id(),
            fence: None,
            rows: Rows::Ticks(part),
            rejected: &[],
            id_window: DEFAULT_ID_WINDOW,
        };
        batch::write(db, feed, &new).await.unwrap();
        rollup::step(db, feed, step).await.unwrap();
    }
}

fn rand_id() -> i64 {
    i64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap())
}

async fn check(db: &PgPool, feed: i64) {
    let (from, to) = (base() - Duration::days(1), base() + Duration::days(4));
    let mut compared = 0;
    for width in WIDTHS {
        let w = i64::from(width);
        let (lo, hi) = (bucket_start(from, w), bucket_end(to, w));
        for symbol in ["AAA", "BBB"] {
            let (raw, raw_seq) = history::candles(db, feed, symbol, Duration::seconds(w), lo, hi).await.unwrap();
            let (rolled, rolled_seq) = rollup::candles(db, feed, symbol, width, lo, hi).await.unwrap();
            assert_eq!(rolled, raw, "{symbol} at {width}s");
            assert_eq!(rolled_seq, raw_seq);
            compared += raw.len();
        }
    }
    assert!(compared > 0, "there were candles to compare");
}

/// Random ticks in random batches and rollup steps: candles from rollups
/// equal candles from raw ticks. (A proptest runner inside one Tokio test,
/// so every case shares one app and database, dropped at the end.)
#[tokio::test(flavor = "multi_thread")]
async fn rollup_candles_equal_raw_candles() {
    let app = common::spawn_app_with(|c| c.history.maintenance_every = std::time::Duration::from_secs(3600)).await;
    let db = app.db().clone();
    let strategy = (
        prop::collection::vec((0usize..2, 0i64..3 * 86_400, 1u32..4_000, 1u8..200), 1..300),
        prop::collection::vec(0usize..300, 0..6),
        1i64..400,
        any::<bool>(),
    );
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig { cases: 24, ..ProptestConfig::default() });
    let handle = tokio::runtime::Handle::current();
    let result = tokio::task::block_in_place(|| {
        runner.run(&strategy, |(ticks, cuts, step, finish)| {
            handle.block_on(async {
                let feed = new_feed(&db).await;
                load(&db, feed, &ticks, &cuts, step).await;
                if finish {
                    while rollup::step(&db, feed, step).await.unwrap() > 0 {}
                    assert_eq!(rollup::watermark(&db, feed).await.unwrap(), ticks.len() as i64, "caught up");
                }
                check(&db, feed).await;
            });
            Ok(())
        })
    });
    app.stop().await;
    result.unwrap();
}
