//! Day partitions: `<table>_pYYYYMMDD` holds `[day, day + 1)` in UTC.
//!
//! A day is created ahead of time with `CREATE TABLE … LIKE` and `ATTACH`
//! (which does not block readers or the writer), taking over the rows of
//! that day that wait in the default partition (only then, e.g. at the
//! first start after an upgrade, is the table locked for the move). A day goes whole in two
//! transactions: it is detached with its bookkeeping (holding the parent
//! table's lock for a moment; it waits at most a second for that lock and
//! otherwise gives up until the next step), then the detached table is
//! dropped, which costs in proportion to its bytes (its files are unlinked
//! at commit) but locks nothing a reader or the writer needs.

use super::Partitioned;
use crate::store::StoreError;
use chrono::{Days, NaiveDate};
use sqlx::PgPool;

/// How long creating or dropping a partition waits for a table lock before
/// it gives up (readers and the writer queue behind a waiting drop).
const LOCK_TIMEOUT: &str = "1s";

/// The day partitions of `table` that exist, oldest first.
pub async fn days(db: &PgPool, table: Partitioned) -> Result<Vec<NaiveDate>, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT c.relname::text FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
         WHERE i.inhparent = $1::regclass",
    )
    .bind(table.table())
    .fetch_all(db)
    .await?;
    let prefix = format!("{}_p", table.table());
    let mut days: Vec<NaiveDate> = names
        .iter()
        .filter_map(|n| n.strip_prefix(&prefix))
        .filter_map(|d| NaiveDate::parse_from_str(d, "%Y%m%d").ok())
        .collect();
    days.sort_unstable();
    Ok(days)
}

fn name(table: Partitioned, day: NaiveDate) -> String {
    format!("{}_p{}", table.table(), day.format("%Y%m%d"))
}

/// The partition bound of `day`: its midnight in UTC, as SQL text.
fn bound(day: NaiveDate) -> String {
    format!("{} 00:00:00+00", day.format("%Y-%m-%d"))
}

/// Creates the partition of `day`, moving into it the rows of that day
/// that wait in the default partition.
pub async fn create(db: &PgPool, table: Partitioned, day: NaiveDate) -> Result<(), StoreError> {
    let (t, key, part) = (table.table(), table.key(), name(table, day));
    let next =
        day.checked_add_days(Days::new(1)).ok_or_else(|| StoreError::NotFound(format!("the day after {day}")))?;
    let (from, to) = (bound(day), bound(next));
    let mut tx = db.begin().await?;
    lock_feeds_first(&mut tx).await?;
    // `ATTACH` lets statements go on that planned with the partitions as
    // they were; for one of them, rows moved out of the default partition
    // would vanish (a replay would skip them, an id look-up miss them). So
    // when there are rows to move, the table is locked whole first.
    let waiting: bool = sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM {t}_default WHERE {key} >= '{from}' AND {key} < '{to}')"
    ))
    .fetch_one(&mut *tx)
    .await?;
    if waiting {
        sqlx::query(&format!("LOCK TABLE {t} IN ACCESS EXCLUSIVE MODE")).execute(&mut *tx).await?;
    }
    sqlx::query(&format!("CREATE TABLE {part} (LIKE {t} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
        .execute(&mut *tx)
        .await?;
    sqlx::query(&format!(
        "WITH moved AS (DELETE FROM {t}_default WHERE {key} >= '{from}' AND {key} < '{to}' RETURNING *)
         INSERT INTO {part} SELECT * FROM moved"
    ))
    .execute(&mut *tx)
    .await?;
    sqlx::query(&format!("ALTER TABLE {t} ATTACH PARTITION {part} FOR VALUES FROM ('{from}') TO ('{to}')"))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Takes the partition of `day` out of `table`; [`discard`] then drops it.
/// For messages, each feed that had rows in it records them as pruned
/// (`prune_positions`, `feed_days`) in the same transaction. `Ok(false)`:
/// the table stayed busy for the lock timeout.
pub async fn detach(db: &PgPool, table: Partitioned, day: NaiveDate) -> Result<bool, StoreError> {
    let mut tx = db.begin().await?;
    let result = async {
        lock_feeds_first(&mut tx).await?;
        sqlx::query(&format!("ALTER TABLE {} DETACH PARTITION {}", table.table(), name(table, day)))
            .execute(&mut *tx)
            .await?;
        if table.counted() {
            sqlx::query(
                "WITH gone AS (
                     DELETE FROM feed_days d USING feeds f
                     WHERE d.day = $1 AND f.id = d.feed_id AND f.kind = $2 RETURNING d.feed_id, d.max_seq
                 )
                 INSERT INTO prune_positions AS p (feed_id, seq) SELECT feed_id, max_seq FROM gone
                 ON CONFLICT (feed_id) DO UPDATE SET seq = GREATEST(p.seq, EXCLUDED.seq)",
            )
            .bind(day)
            .bind(table.table())
            .execute(&mut *tx)
            .await?;
        }
        Ok::<_, sqlx::Error>(())
    }
    .await;
    match result {
        Ok(()) => {
            tx.commit().await?;
            Ok(true)
        }
        Err(e) if is_lock_timeout(&e) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

/// Drops the day tables of `table` that are detached (by [`detach`], also
/// those a crash left between the two steps); returns how many.
pub async fn discard(db: &PgPool, table: Partitioned) -> Result<usize, StoreError> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT relname::text FROM pg_class
         WHERE relkind = 'r' AND NOT relispartition AND relnamespace = current_schema()::regnamespace
           AND relname ~ ('^' || $1 || '_p[0-9]{8}$')",
    )
    .bind(table.table())
    .fetch_all(db)
    .await?;
    for name in &names {
        sqlx::query(&format!("DROP TABLE IF EXISTS {name}")).execute(db).await?;
    }
    Ok(names.len())
}

/// Sets the lock timeout and takes the lock on `feeds` that attaching or
/// detaching a partition takes anyway (its foreign key is cloned or
/// dropped), before any lock on the partitions: deleting a feed takes
/// `feeds` first and then the partitions (its cascade), so taking them in
/// the same order keeps the two from deadlocking.
async fn lock_feeds_first(tx: &mut sqlx::Transaction<'_, sqlx::Postgres>) -> Result<(), sqlx::Error> {
    sqlx::query(&format!("SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")).execute(&mut **tx).await?;
    sqlx::query("LOCK TABLE feeds IN SHARE ROW EXCLUSIVE MODE").execute(&mut **tx).await?;
    Ok(())
}

fn is_lock_timeout(e: &sqlx::Error) -> bool {
    e.as_database_error().and_then(|d| d.code()).is_some_and(|code| code == "55P03")
}
