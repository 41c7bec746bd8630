//! Feed configurations.

use super::{
    StoreError,
    sealed::{self, StoredSecrets, Unreadable},
};
use crate::{
    model::{FeedKind, FeedSpec, Mapping, MaxAge, Retention, Source},
    secrets::Keyring,
};
use sqlx::{PgPool, types::Json};

/// A stored feed: its id and what the admin configured, secrets masked.
#[derive(Clone, Debug, PartialEq)]
pub struct FeedRow {
    pub id: i64,
    /// The configuration, with every secret of the source masked.
    pub spec: FeedSpec,
    /// The source's secrets, sealed.
    pub secrets: StoredSecrets,
}

impl FeedRow {
    /// The source with its secrets decrypted, to connect to the broker.
    pub fn source(&self, keys: &Keyring) -> Result<Source, Unreadable> {
        self.secrets.open(&self.spec.source, keys)
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    kind: String,
    source: Json<serde_json::Value>,
    mapping: Json<Mapping>,
    enabled: bool,
    retention_secs: Option<i64>,
}

impl TryFrom<Row> for FeedRow {
    type Error = StoreError;

    fn try_from(r: Row) -> Result<Self, StoreError> {
        let kind = if r.kind == "logs" { FeedKind::Logs } else { FeedKind::Ticks };
        let (source, secrets) = sealed::unpack(r.source.0).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
        let max_age = r.retention_secs.and_then(|s| MaxAge::from_secs(u64::try_from(s).ok()?));
        let retention = Some(Retention { max_age });
        let spec = FeedSpec { name: r.name, kind, source, mapping: r.mapping.0, enabled: r.enabled, retention };
        Ok(FeedRow { id: r.id, spec, secrets })
    }
}

fn rows(rows: Vec<Row>) -> Result<Vec<FeedRow>, StoreError> {
    rows.into_iter().map(FeedRow::try_from).collect()
}

/// The stored form of `spec`'s source: JSON with sealed secrets, and the row's masked view.
fn seal(spec: &FeedSpec, keys: &Keyring) -> Result<(serde_json::Value, FeedSpec, StoredSecrets), StoreError> {
    let (json, source, secrets) = sealed::seal(&spec.source, keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
    Ok((json, FeedSpec { source, ..spec.clone() }, secrets))
}

const COLUMNS: &str = "id, name, kind, source, mapping, enabled, retention_secs";

/// The stored form of a retention: seconds, `NULL` keeping everything.
fn retention_secs(spec: &FeedSpec) -> Option<i64> {
    spec.retention.and_then(|r| r.max_age).map(|age| age.as_secs() as i64)
}

/// Every feed, by name.
pub async fn list(db: &PgPool) -> Result<Vec<FeedRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds ORDER BY name")).fetch_all(db).await?;
    self::rows(rows)
}

pub async fn by_name(db: &PgPool, name: &str) -> Result<Option<FeedRow>, StoreError> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds WHERE name = $1")).bind(name).fetch_optional(db).await?;
    row.map(FeedRow::try_from).transpose()
}

/// Looks up several feeds at once; unknown names are left out.
pub async fn by_names(db: &PgPool, names: &[String]) -> Result<Vec<FeedRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM feeds WHERE name = ANY($1) ORDER BY name"))
        .bind(names)
        .fetch_all(db)
        .await?;
    self::rows(rows)
}

/// Creates a feed and its sequence counter, its secrets sealed with
/// `keys`; `Conflict` if the name is taken.
pub async fn insert(db: &PgPool, keys: &Keyring, spec: &FeedSpec) -> Result<FeedRow, StoreError> {
    let (json, spec, secrets) = seal(spec, keys)?;
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO feeds (name, kind, source, mapping, enabled, retention_secs) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(&spec.name)
    .bind(spec.kind.as_str())
    .bind(Json(&json))
    .bind(Json(&spec.mapping))
    .bind(spec.enabled)
    .bind(retention_secs(&spec))
    .fetch_one(&mut *tx)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("feed {:?}", spec.name)))?;
    sqlx::query("INSERT INTO feed_positions (feed_id) VALUES ($1)").bind(id).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(FeedRow { id, spec, secrets })
}

/// Replaces the feed called `name` with `spec` (which may rename it), its
/// secrets sealed with `keys`.
pub async fn update(db: &PgPool, keys: &Keyring, name: &str, spec: &FeedSpec) -> Result<FeedRow, StoreError> {
    let (json, spec, secrets) = seal(spec, keys)?;
    let id: Option<i64> = sqlx::query_scalar(
        "UPDATE feeds SET name = $2, kind = $3, source = $4, mapping = $5, enabled = $6, retention_secs = $7,
                updated_at = now()
         WHERE name = $1 RETURNING id",
    )
    .bind(name)
    .bind(&spec.name)
    .bind(spec.kind.as_str())
    .bind(Json(&json))
    .bind(Json(&spec.mapping))
    .bind(spec.enabled)
    .bind(retention_secs(&spec))
    .fetch_optional(db)
    .await
    .map_err(|e| StoreError::conflict_on_unique(e, format!("feed {:?}", spec.name)))?;
    let id = id.ok_or_else(|| StoreError::NotFound(format!("feed {name:?}")))?;
    Ok(FeedRow { id, spec, secrets })
}

/// What [`reseal_all`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resealed {
    /// Feeds whose secrets are now sealed with the current key.
    pub resealed: usize,
    /// Feeds whose secrets no key of this process opens (left as they are).
    pub unreadable: usize,
}

/// Seals, with the current key, every stored secret that is in plaintext
/// (rows from before encryption) or sealed with an old key (a rotation).
/// A row changed meanwhile is left to its writer; one no key opens is left
/// as it is, so starting again with the right key still reads it.
pub async fn reseal_all(db: &PgPool, keys: &Keyring) -> Result<Resealed, StoreError> {
    let mut done = Resealed::default();
    let stored: Vec<(i64, String, Json<serde_json::Value>)> =
        sqlx::query_as("SELECT id, name, source FROM feeds ORDER BY id").fetch_all(db).await?;
    for (id, name, Json(before)) in stored {
        let Ok((masked, secrets)) = sealed::unpack(before.clone()) else { continue };
        if !secrets.needs_reseal(keys) {
            continue;
        }
        let source = match secrets.open(&masked, keys) {
            Ok(source) => source,
            Err(e) => {
                tracing::warn!(feed = %name, error = %e, "stored secret left as it is");
                done.unreadable += 1;
                continue;
            }
        };
        let (after, ..) = sealed::seal(&source, keys).map_err(|e| sqlx::Error::Encode(Box::new(e)))?;
        let changed = sqlx::query("UPDATE feeds SET source = $2 WHERE id = $1 AND source = $3")
            .bind(id)
            .bind(Json(&after))
            .bind(Json(&before))
            .execute(db)
            .await?;
        done.resealed += changed.rows_affected() as usize;
    }
    Ok(done)
}

/// The history tables without a foreign key to `feeds` (migration 0052):
/// deleting a feed deletes its rows there itself.
const UNCHECKED_HISTORY: [&str; 3] = ["ticks", "logs", "publisher_ids"];

/// Deletes a feed with everything stored for it, in one transaction. The
/// feed row goes first: its position row goes with it, once the feed's
/// writer has committed, and a writer after that finds no position to
/// lock, so no row of the feed can be stored behind the deletes below.
pub async fn delete(db: &PgPool, name: &str) -> Result<(), StoreError> {
    let mut tx = db.begin().await?;
    let id: i64 = sqlx::query_scalar("DELETE FROM feeds WHERE name = $1 RETURNING id")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("feed {name:?}")))?;
    for table in UNCHECKED_HISTORY {
        sqlx::query(&format!("DELETE FROM {table} WHERE feed_id = $1")).bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Totals for a feed's status: messages stored and rejected, ever; zero
/// for a feed deleted meanwhile (a reconcile can race a delete).
pub async fn totals(db: &PgPool, feed_id: i64) -> Result<(u64, u64), StoreError> {
    let (stored, rejected): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE((SELECT last_seq FROM feed_positions WHERE feed_id = $1), 0),
                (SELECT count(*) FROM rejected_messages WHERE feed_id = $1)",
    )
    .bind(feed_id)
    .fetch_one(db)
    .await?;
    Ok((stored.max(0) as u64, rejected.max(0) as u64))
}
