//! Keeping history for months: day partitions created ahead and dropped
//! whole, rows a feed's retention no longer keeps pruned a bounded batch at
//! a time, candles rolled up from committed ticks, and what each feed keeps.
//!
//! The maintenance task (`domain::upkeep`) calls these in turn; every
//! function does a bounded amount of work and can be repeated, so a step
//! that fails half-way is finished by the next one.

pub mod partitions;
pub mod prune;
pub mod rollup;
pub mod storage;

/// A history table partitioned by day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Partitioned {
    Ticks,
    Logs,
    Rejected,
    /// The exactly-once register, by when an id was first seen.
    PublisherIds,
}

impl Partitioned {
    pub const ALL: [Partitioned; 4] =
        [Partitioned::Ticks, Partitioned::Logs, Partitioned::Rejected, Partitioned::PublisherIds];

    /// The partitioned (parent) table.
    pub fn table(self) -> &'static str {
        match self {
            Partitioned::Ticks => "ticks",
            Partitioned::Logs => "logs",
            Partitioned::Rejected => "rejected_messages",
            Partitioned::PublisherIds => "publisher_ids",
        }
    }

    /// The column partitions are ranged on.
    fn key(self) -> &'static str {
        match self {
            Partitioned::Ticks | Partitioned::Logs => "ts",
            Partitioned::Rejected => "received_at",
            Partitioned::PublisherIds => "seen_at",
        }
    }

    /// Whether the writer counts this table's rows per feed and day in
    /// `feed_days` (messages do, rejects and ids do not).
    fn counted(self) -> bool {
        matches!(self, Partitioned::Ticks | Partitioned::Logs)
    }
}

/// This process's turn at maintenance: a session advisory lock held on a
/// connection of its own, released when the turn is dropped (the
/// connection is closed, also when a step fails half-way or the process
/// dies), so one node at a time does the work.
pub struct Turn(#[allow(dead_code)] sqlx::pool::PoolConnection<sqlx::Postgres>);

/// The maintenance turn, if no other process holds it.
pub async fn turn(db: &sqlx::PgPool) -> Result<Option<Turn>, crate::store::StoreError> {
    let mut conn = db.acquire().await?;
    conn.close_on_drop();
    let got: bool =
        sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext('feedboard.upkeep'))").fetch_one(&mut *conn).await?;
    Ok(got.then_some(Turn(conn)))
}
