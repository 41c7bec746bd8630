//! Persistence in Postgres: the only layer that speaks SQL.
//!
//! Other layers call functions named for what they mean
//! (`store::users::by_name`, `store::ticks::insert_batch`).

pub mod annotations;
pub mod audit;
pub mod batch;
pub mod chat;
pub mod dashboards;
pub mod feeds;
pub mod history;
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
    /// Anything else the database reported.
    #[error(transparent)]
    Db(#[from] sqlx::Error),
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

/// Whether a database error is about reaching the server rather than the query.
pub fn is_transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => {
            // 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now, 08xxx connection errors
            db.code().is_some_and(|c| c.starts_with("57P") || c.starts_with("08"))
        }
        _ => false,
    }
}

/// Connects to `url`, creating the database when it does not exist yet, and
/// applies the migrations in `migrations/`.
pub async fn connect_and_migrate(url: &str) -> Result<PgPool, sqlx::Error> {
    let options = PgConnectOptions::from_str(url)?;
    create_database_if_missing(&options).await?;
    let pool =
        PgPoolOptions::new().max_connections(16).acquire_timeout(Duration::from_secs(5)).connect_with(options).await?;
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
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
