//! Persistence in Postgres: the only layer that speaks SQL.
//!
//! Other layers call functions named for what they mean
//! (`store::users::by_name`, `store::ticks::insert_batch`).

pub mod alerts;
pub mod annotations;
pub mod audit;
pub mod batch;
pub mod chat;
pub mod dashboards;
pub mod export;
pub mod feeds;
pub mod history;
pub mod leases;
pub mod lifecycle;
pub mod nodes;
pub mod reparse;
pub mod sealed;
pub mod settings;
pub mod users;

use sqlx::{
    Connection, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use std::{str::FromStr, time::Duration};

/// A storage failure, classified so the edge can answer precisely.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint said no (e.g. a name already taken).
    #[error("{0} already exists")]
    Conflict(String),
    /// The row asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The feed's ingest lease has passed to another process: this one
    /// must not write the feed any more.
    #[error("feed #{0} is now ingested by another process")]
    Fenced(i64),
    /// Anything else the database reported.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// What a writer should do about a write that failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteFailure {
    /// Keep the messages and try again later: the database is unreachable,
    /// short of resources, cancelled the statement, hit a deadlock, or
    /// failed for a reason that has nothing to do with the data.
    Hold,
    /// The data itself was refused (bad value, constraint, size limit):
    /// store the messages one by one so only the culprits are rejected.
    Refused,
    /// Another process owns the feed now: stop, acknowledging nothing.
    Fenced,
}

impl StoreError {
    /// Turns a unique-constraint violation into `Conflict(what)`.
    pub fn conflict_on_unique(e: sqlx::Error, what: impl Into<String>) -> Self {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Conflict(what.into()),
            _ => StoreError::Db(e),
        }
    }

    /// Whether retrying later may succeed (connection lost, server restarting).
    pub fn is_transient(&self) -> bool {
        match self {
            StoreError::Db(e) => is_transient(e),
            _ => false,
        }
    }
}

impl StoreError {
    /// How a writer treats this failure. Only errors about the data refuse
    /// it; everything else holds the batch, so nothing is acknowledged that
    /// is not stored.
    pub fn write_failure(&self) -> WriteFailure {
        match self {
            StoreError::Fenced(_) => WriteFailure::Fenced,
            StoreError::Db(sqlx::Error::Encode(_)) => WriteFailure::Refused,
            // 22 data exception, 23 integrity constraint, 54 program limit (e.g. an index row too large).
            StoreError::Db(sqlx::Error::Database(db))
                if db.code().is_some_and(|c| c.starts_with("22") || c.starts_with("23") || c.starts_with("54")) =>
            {
                WriteFailure::Refused
            }
            _ => WriteFailure::Hold,
        }
    }
}

/// Whether a database error is about reaching the server or its resources
/// rather than the query: trying again later may succeed.
pub fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            // 08 connection, 40 serialization/deadlock, 53 insufficient resources (disk full, out of
            // memory, too many connections), 55P03 lock not available, 57 operator intervention
            // (query cancelled, statement timeout, shutdown).
            db.code().is_some_and(|c| ["08", "40", "53", "57"].iter().any(|class| c.starts_with(class)) || c == "55P03")
        }
        _ => false,
    }
}

/// The server's two connection pools. Requests (history, live streams,
/// admin, sessions) share one whose queries are cancelled after the read
/// timeout; ingest has its own, so no number of readers can starve it.
#[derive(Clone, Debug)]
pub struct Pools {
    pub requests: PgPool,
    pub ingest: PgPool,
}

/// Sizes and the statement timeout of [`Pools`].
#[derive(Clone, Copy, Debug)]
pub struct PoolSettings {
    pub requests: u32,
    pub ingest: u32,
    /// `statement_timeout` of every request connection.
    pub statement_timeout: Duration,
}

/// Settings of every connection:
/// - `plan_cache_mode`: each execution of a prepared statement is planned
///   for its own values. A generic plan cannot prune day partitions by a
///   bound it has not seen nor tell a rare search word from a common one;
///   measured on 50M ticks, generic plans turned 6 ms reads into 2.5–6.7 s.
/// - `jit`: off. Statements here are short; JIT compilation of a big
///   estimated cost took 1 s of a 1.1 s prune.
pub const SESSION: [(&str, &str); 2] = [("plan_cache_mode", "force_custom_plan"), ("jit", "off")];

/// Connects to `url`, creating the database when it does not exist yet, and
/// applies the migrations in `migrations/` (over the ingest pool, which has
/// no statement timeout).
pub async fn connect_and_migrate(url: &str, settings: &PoolSettings) -> Result<Pools, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?.options(SESSION);
    create_database_if_missing(&options).await?;
    // One more than asked: the cluster bus listens on one connection for good.
    let ingest = PgPoolOptions::new()
        .max_connections(settings.ingest + 1)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options.clone())
        .await?;
    sqlx::migrate!("./migrations").run(&ingest).await?;
    let timeout_ms = settings.statement_timeout.as_millis().max(1).to_string();
    let requests = PgPoolOptions::new()
        .max_connections(settings.requests)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options.options([("statement_timeout", timeout_ms)]));
    Ok(Pools { requests, ingest })
}

/// Whether a query was cancelled by `statement_timeout` (57014
/// query_canceled).
pub fn is_timeout(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("57014"))
}

async fn create_database_if_missing(options: &PgConnectOptions) -> Result<(), sqlx::Error> {
    let Some(name) = options.get_database().map(str::to_owned) else {
        return Ok(());
    };
    let mut admin = PgConnection::connect_with(&options.clone().database("postgres")).await?;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
        .bind(&name)
        .fetch_one(&mut admin)
        .await?;
    if !exists {
        let quoted = format!("\"{}\"", name.replace('"', "\"\""));
        match sqlx::query(&format!("CREATE DATABASE {quoted}")).execute(&mut admin).await {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another process created it between our check and our CREATE.
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42P04") => {}
            Err(e) => return Err(e),
        }
    }
    admin.close().await
}
