//! Alert rules, their evaluation state, firings and webhook deliveries
//! (`migrations/0050_alerts.sql`).

use super::StoreError;
use crate::model::{Alert, AlertRule, AlertSpec, AlertState, Firing};
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor, PgPool, types::Json};

const COLUMNS: &str = "r.id, r.name, f.name AS feed, r.feed_id, r.enabled, r.rule, r.webhook_url, r.silenced_until, \
                       r.firing, r.last_fired_at";

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    feed: String,
    feed_id: i64,
    enabled: bool,
    rule: Json<AlertRule>,
    webhook_url: Option<String>,
    silenced_until: Option<DateTime<Utc>>,
    firing: bool,
    last_fired_at: Option<DateTime<Utc>>,
}

/// A stored rule with its feed's id.
#[derive(Clone, Debug)]
pub struct AlertRow {
    pub feed_id: i64,
    pub alert: Alert,
}

impl Row {
    fn into_alert(self, now: DateTime<Utc>) -> AlertRow {
        let state = if !self.enabled {
            AlertState::Disabled
        } else if self.silenced_until.is_some_and(|until| until > now) {
            AlertState::Silenced
        } else if self.firing {
            AlertState::Firing
        } else {
            AlertState::Ok
        };
        let spec = AlertSpec {
            name: self.name,
            feed: self.feed,
            enabled: self.enabled,
            rule: self.rule.0,
            webhook_url: self.webhook_url,
        };
        let silenced_until = self.silenced_until.filter(|until| *until > now);
        AlertRow {
            feed_id: self.feed_id,
            alert: Alert { id: self.id, spec, state, silenced_until, last_fired_at: self.last_fired_at },
        }
    }
}

/// Every rule, by feed and name.
pub async fn list(db: &PgPool) -> Result<Vec<AlertRow>, StoreError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM alert_rules r JOIN feeds f ON f.id = r.feed_id ORDER BY f.name, lower(r.name), r.id"
    ))
    .fetch_all(db)
    .await?;
    let now = Utc::now();
    Ok(rows.into_iter().map(|r| r.into_alert(now)).collect())
}

pub async fn by_id(db: &PgPool, id: i64) -> Result<Option<AlertRow>, StoreError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM alert_rules r JOIN feeds f ON f.id = r.feed_id WHERE r.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.into_alert(Utc::now())))
}

/// Where a new or changed rule starts: after the feed's newest message,
/// with a fresh memory (history before it never fires).
pub struct Start {
    pub watermark: i64,
    pub memory: serde_json::Value,
}

/// Creates a rule; its id.
pub async fn insert(db: &PgPool, spec: &AlertSpec, feed_id: i64, start: &Start) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO alert_rules (name, feed_id, enabled, rule, webhook_url, watermark, memory)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(spec.name.trim())
    .bind(feed_id)
    .bind(spec.enabled)
    .bind(Json(&spec.rule))
    .bind(&spec.webhook_url)
    .bind(start.watermark)
    .bind(Json(&start.memory))
    .fetch_one(db)
    .await?)
}

/// Replaces a rule's definition. With `restart`, its evaluation starts
/// over (the rule, its feed or its switch changed); otherwise it carries on.
pub async fn update(
    db: &PgPool,
    id: i64,
    spec: &AlertSpec,
    feed_id: i64,
    restart: Option<&Start>,
) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE alert_rules SET name = $2, feed_id = $3, enabled = $4, rule = $5, webhook_url = $6,
             watermark = COALESCE($7, watermark), memory = COALESCE($8, memory),
             firing = CASE WHEN $7 IS NULL THEN firing ELSE false END
         WHERE id = $1",
    )
    .bind(id)
    .bind(spec.name.trim())
    .bind(feed_id)
    .bind(spec.enabled)
    .bind(Json(&spec.rule))
    .bind(&spec.webhook_url)
    .bind(restart.map(|s| s.watermark))
    .bind(restart.map(|s| Json(&s.memory)))
    .execute(db)
    .await?;
    found(done.rows_affected(), id)
}

pub async fn delete(db: &PgPool, id: i64) -> Result<(), StoreError> {
    let done = sqlx::query("DELETE FROM alert_rules WHERE id = $1").bind(id).execute(db).await?;
    found(done.rows_affected(), id)
}

/// Holds a rule's firings back until `until` (`None`: from now on, not).
pub async fn silence(db: &PgPool, id: i64, until: Option<DateTime<Utc>>) -> Result<(), StoreError> {
    let done = sqlx::query("UPDATE alert_rules SET silenced_until = $2 WHERE id = $1")
        .bind(id)
        .bind(until)
        .execute(db)
        .await?;
    found(done.rows_affected(), id)
}

fn found(rows: u64, id: i64) -> Result<(), StoreError> {
    if rows == 0 { Err(StoreError::NotFound(format!("alert {id}"))) } else { Ok(()) }
}

/// The enabled rules (id, feed id), of `feeds` only if given, for the engine.
pub async fn enabled(db: &PgPool, feeds: Option<&[i64]>) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, feed_id FROM alert_rules WHERE enabled AND ($1::bigint[] IS NULL OR feed_id = ANY($1)) ORDER BY id",
    )
    .bind(feeds)
    .fetch_all(db)
    .await?)
}

/// A rule locked for one evaluation.
#[derive(sqlx::FromRow)]
pub struct Claim {
    pub id: i64,
    pub feed_id: i64,
    pub rule: Json<AlertRule>,
    pub watermark: i64,
    pub memory: Json<serde_json::Value>,
    pub silenced_until: Option<DateTime<Utc>>,
    pub webhook_url: Option<String>,
}

/// Locks an enabled rule for evaluation inside `tx`; `None` when it is
/// gone, disabled, or another node is evaluating it right now.
pub async fn claim(tx: &mut PgConnection, id: i64) -> Result<Option<Claim>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT id, feed_id, rule, watermark, memory, silenced_until, webhook_url FROM alert_rules
         WHERE id = $1 AND enabled FOR UPDATE SKIP LOCKED",
    )
    .bind(id)
    .fetch_optional(tx)
    .await?)
}

/// Ticks of `symbol` with `seq` in (after, upto], oldest first.
pub async fn ticks_after(
    tx: &mut PgConnection,
    feed_id: i64,
    symbol: &str,
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<(i64, DateTime<Utc>, f64)>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, ts, price FROM ticks WHERE feed_id = $1 AND symbol = $2 AND seq > $3 AND seq <= $4
         ORDER BY seq LIMIT $5",
    )
    .bind(feed_id)
    .bind(symbol)
    .bind(after)
    .bind(upto)
    .bind(limit)
    .fetch_all(tx)
    .await?)
}

/// A log line as a rule sees it.
#[derive(sqlx::FromRow)]
pub struct RuleLog {
    pub seq: i64,
    pub ts: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub level: String,
    pub message: String,
}

/// Log lines at one of `levels` with `seq` in (after, upto], oldest first.
pub async fn logs_after(
    tx: &mut PgConnection,
    feed_id: i64,
    levels: &[&str],
    after: i64,
    upto: i64,
    limit: i64,
) -> Result<Vec<RuleLog>, StoreError> {
    Ok(sqlx::query_as(
        "SELECT seq, ts, received_at, level, message FROM logs
         WHERE feed_id = $1 AND level = ANY($2) AND seq > $3 AND seq <= $4 ORDER BY seq LIMIT $5",
    )
    .bind(feed_id)
    .bind(levels)
    .bind(after)
    .bind(upto)
    .bind(limit)
    .fetch_all(tx)
    .await?)
}

/// A firing about to be stored.
pub struct NewFiring<'a> {
    pub rule_id: i64,
    pub feed_id: i64,
    pub fired_at: DateTime<Utc>,
    pub ts: DateTime<Utc>,
    pub seq_from: i64,
    pub seq_to: i64,
    pub value: f64,
    pub symbol: Option<&'a str>,
    pub message: &'a str,
    /// Where to POST it, if the rule has a webhook.
    pub webhook_url: Option<&'a str>,
}

/// Stores a firing (and its webhook delivery) inside the evaluation's
/// transaction; the trigger tells every node at commit.
pub async fn insert_firing(tx: &mut PgConnection, firing: &NewFiring<'_>) -> Result<i64, StoreError> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO alert_firings (rule_id, feed_id, fired_at, ts, seq_from, seq_to, value, symbol, message)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
    )
    .bind(firing.rule_id)
    .bind(firing.feed_id)
    .bind(firing.fired_at)
    .bind(firing.ts)
    .bind(firing.seq_from)
    .bind(firing.seq_to)
    .bind(firing.value)
    .bind(firing.symbol)
    .bind(firing.message)
    .fetch_one(&mut *tx)
    .await?;
    if let Some(url) = firing.webhook_url {
        sqlx::query("INSERT INTO alert_deliveries (firing_id, url) VALUES ($1, $2)")
            .bind(id)
            .bind(url)
            .execute(&mut *tx)
            .await?;
    }
    Ok(id)
}

/// Stores where an evaluation got to.
pub async fn save(
    tx: &mut PgConnection,
    id: i64,
    watermark: i64,
    memory: &serde_json::Value,
    firing: bool,
    fired_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE alert_rules SET watermark = $2, memory = $3, firing = $4,
             last_fired_at = COALESCE($5, last_fired_at) WHERE id = $1",
    )
    .bind(id)
    .bind(watermark)
    .bind(Json(memory))
    .bind(firing)
    .bind(fired_at)
    .execute(tx)
    .await?;
    Ok(())
}

const FIRING_COLUMNS: &str = "a.id, a.rule_id AS alert, r.name AS alert_name, f.name AS feed, a.fired_at, a.ts, \
                              a.seq_from, a.seq_to, a.value, a.symbol, a.message, a.acknowledged_at, \
                              a.acknowledged_by";
const FIRING_FROM: &str = "alert_firings a JOIN alert_rules r ON r.id = a.rule_id JOIN feeds f ON f.id = a.feed_id";

#[derive(sqlx::FromRow)]
struct FiringRow {
    id: i64,
    alert: i64,
    alert_name: String,
    feed: String,
    fired_at: DateTime<Utc>,
    ts: DateTime<Utc>,
    seq_from: i64,
    seq_to: i64,
    value: f64,
    symbol: Option<String>,
    message: String,
    acknowledged_at: Option<DateTime<Utc>>,
    acknowledged_by: Option<String>,
}

impl From<FiringRow> for Firing {
    fn from(r: FiringRow) -> Self {
        Firing {
            id: r.id,
            alert: r.alert,
            alert_name: r.alert_name,
            feed: r.feed,
            fired_at: r.fired_at,
            ts: r.ts,
            seq_from: r.seq_from,
            seq_to: r.seq_to,
            value: r.value,
            symbol: r.symbol,
            message: r.message,
            acknowledged_at: r.acknowledged_at,
            acknowledged_by: r.acknowledged_by,
        }
    }
}

/// A rule's newest firings first, older than `before` if given.
pub async fn firings(db: &PgPool, rule_id: i64, before: Option<i64>, limit: i64) -> Result<Vec<Firing>, StoreError> {
    let rows: Vec<FiringRow> = sqlx::query_as(&format!(
        "SELECT {FIRING_COLUMNS} FROM {FIRING_FROM} WHERE a.rule_id = $1 AND ($2::bigint IS NULL OR a.id < $2)
         ORDER BY a.id DESC LIMIT $3"
    ))
    .bind(rule_id)
    .bind(before)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Firing::from).collect())
}

/// The newest firings on any of `feed_ids`, newest first.
pub async fn recent_firings(db: &PgPool, feed_ids: &[i64], limit: i64) -> Result<Vec<Firing>, StoreError> {
    let rows: Vec<FiringRow> = sqlx::query_as(&format!(
        "SELECT {FIRING_COLUMNS} FROM {FIRING_FROM} WHERE a.feed_id = ANY($1) ORDER BY a.id DESC LIMIT $2"
    ))
    .bind(feed_ids)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Firing::from).collect())
}

/// Firings on any of `feed_ids` whose message time is in [from, to), by
/// time (what a replay of that window shows).
pub async fn firings_between(
    db: impl PgExecutor<'_>,
    feed_ids: &[i64],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<Firing>, StoreError> {
    let rows: Vec<FiringRow> = sqlx::query_as(&format!(
        "SELECT {FIRING_COLUMNS} FROM {FIRING_FROM} WHERE a.feed_id = ANY($1) AND a.ts >= $2 AND a.ts < $3
         ORDER BY a.ts, a.id LIMIT $4"
    ))
    .bind(feed_ids)
    .bind(from)
    .bind(to)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Firing::from).collect())
}

pub async fn firing_by_id(db: &PgPool, id: i64) -> Result<Option<Firing>, StoreError> {
    let row: Option<FiringRow> = sqlx::query_as(&format!("SELECT {FIRING_COLUMNS} FROM {FIRING_FROM} WHERE a.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    Ok(row.map(Firing::from))
}

/// Marks a firing of `rule_id` as seen by `by` (the first time counts).
pub async fn acknowledge(db: &PgPool, rule_id: i64, firing_id: i64, by: &str) -> Result<Firing, StoreError> {
    let done = sqlx::query(
        "UPDATE alert_firings SET acknowledged_at = COALESCE(acknowledged_at, now()),
             acknowledged_by = COALESCE(acknowledged_by, $3)
         WHERE id = $2 AND rule_id = $1",
    )
    .bind(rule_id)
    .bind(firing_id)
    .bind(by)
    .execute(db)
    .await?;
    found(done.rows_affected(), rule_id)?;
    firing_by_id(db, firing_id).await?.ok_or_else(|| StoreError::NotFound(format!("firing {firing_id}")))
}

/// A webhook delivery taken for one attempt.
#[derive(sqlx::FromRow)]
pub struct Delivery {
    pub firing_id: i64,
    pub url: String,
    /// Attempts so far, this one included.
    pub attempts: i32,
}

/// Takes up to `limit` due deliveries for one attempt each, holding them
/// for `lease` (another node retries them after that if this one dies).
pub async fn take_deliveries(db: &PgPool, lease: chrono::TimeDelta, limit: i64) -> Result<Vec<Delivery>, StoreError> {
    Ok(sqlx::query_as(
        "UPDATE alert_deliveries SET attempts = attempts + 1, next_at = now() + $1
         WHERE firing_id IN (
             SELECT firing_id FROM alert_deliveries WHERE delivered_at IS NULL AND next_at <= now()
             ORDER BY next_at LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING firing_id, url, attempts",
    )
    .bind(lease)
    .bind(limit)
    .fetch_all(db)
    .await?)
}

/// The attempt succeeded.
pub async fn delivered(db: &PgPool, firing_id: i64) -> Result<(), StoreError> {
    sqlx::query("UPDATE alert_deliveries SET delivered_at = now(), last_error = NULL WHERE firing_id = $1")
        .bind(firing_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The attempt failed: try again at `retry_at`, or never (`None`).
pub async fn attempt_failed(
    db: &PgPool,
    firing_id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE alert_deliveries SET last_error = $2, next_at = COALESCE($3, 'infinity') WHERE firing_id = $1")
        .bind(firing_id)
        .bind(error)
        .bind(retry_at)
        .execute(db)
        .await?;
    Ok(())
}
