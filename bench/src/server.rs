//! The feedboard server under test: a release build in its own process, on
//! a free loopback port and a fresh database (or, for more nodes of one
//! cluster, an existing one); can be killed, stopped and restarted.

use crate::{Result, api::Api, context};
use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// Password of the `admin` user the suite signs in with.
pub const ADMIN_PASSWORD: &str = "bench-admin-password";

/// `FEEDBOARD_SECRET_KEY` of the suite's servers (same across restarts), so
/// no run writes a key file into `HOME`.
pub const SECRET_KEY: &str = "QAfXgDqa5xZd6vxdmpSjddzLvjEu/UyqmLHAh4ePTZU=";

/// A running (or killed) server.
pub struct Server {
    child: Option<Child>,
    port: u16,
    database: String,
    env: Vec<(String, String)>,
    /// Where the server's output goes.
    pub log: PathBuf,
}

impl Server {
    /// Starts a server without the demo on a fresh database named `database`,
    /// with extra environment `env`; returns it and how long it took to
    /// become ready.
    pub async fn start(database: &str, env: &[(&str, &str)]) -> Result<(Self, Duration)> {
        recreate_database(database).await?;
        Self::join(database, env).await
    }

    /// Starts another server on the existing database `database` (another
    /// node of the same cluster when `env` sets its `FEEDBOARD_NODE_ID`);
    /// returns it and how long it took to become ready. Its log is
    /// `<tmp>/<database>-<node id>.log` (`<database>.log` without an id).
    pub async fn join(database: &str, env: &[(&str, &str)]) -> Result<(Self, Duration)> {
        let port = free_port()?;
        let log_name = match env.iter().find(|(k, _)| *k == "FEEDBOARD_NODE_ID") {
            Some((_, node)) => format!("{database}-{node}.log"),
            None => format!("{database}.log"),
        };
        let log = std::env::temp_dir().join(log_name);
        // A fresh log per run: panics are counted from it.
        let _ = std::fs::remove_file(&log);
        let env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut server = Server { child: None, port, database: database.to_owned(), env, log };
        let took = server.restart().await?;
        Ok((server, took))
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    /// `127.0.0.1:<port>`, where it listens.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The server's database.
    pub fn database_url(&self) -> String {
        database_url(&self.database)
    }

    /// Kills the process with SIGKILL, as a crash would.
    pub async fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }

    /// Stops the process with SIGTERM, as an orchestrator would, and waits
    /// (at most `limit`, then kills it) until it has exited; returns how
    /// long the graceful shutdown took.
    pub async fn sigterm(&mut self, limit: Duration) -> Result<Duration> {
        let Some(mut child) = self.child.take() else { return Err("the server is not running".into()) };
        let pid = child.id().ok_or("the server has already exited")?;
        let started = Instant::now();
        let status = Command::new("kill").args(["-TERM", &pid.to_string()]).status().await;
        if !status.is_ok_and(|s| s.success()) {
            let _ = child.start_kill();
            return Err(format!("kill -TERM {pid} failed"));
        }
        match tokio::time::timeout(limit, child.wait()).await {
            Ok(Ok(_)) => Ok(started.elapsed()),
            Ok(Err(e)) => Err(format!("waiting for the server to exit: {e}")),
            Err(_) => {
                let _ = child.start_kill();
                let _ = child.wait().await;
                Err(format!("the server did not exit within {limit:?} of SIGTERM; killed; see {}", self.log.display()))
            }
        }
    }

    /// The process id of the running server.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().and_then(Child::id)
    }

    /// Starts the process (again) and waits until `/readyz` answers 200;
    /// returns how long that took.
    pub async fn restart(&mut self) -> Result<Duration> {
        self.kill9().await;
        let out =
            std::fs::OpenOptions::new().create(true).append(true).open(&self.log).map_err(context("server log"))?;
        let err = out.try_clone().map_err(context("server log"))?;
        let started = Instant::now();
        let child = Command::new(server_binary()?)
            .env("DATABASE_URL", self.database_url())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{}", self.port))
            .env("FEEDBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FEEDBOARD_SECRET_KEY", SECRET_KEY)
            .env("FEEDBOARD_DEMO", "0")
            // The fan-out cases open 2,000 streams and wsbench 1,000 sockets,
            // all from 127.0.0.1: far above the default per-client cap.
            .env("FEEDBOARD_MAX_STREAMS_PER_CLIENT", "100000")
            .env("RUST_LOG", "warn,feedboard=info")
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .map_err(context("start the feedboard server ($FEEDBOARD_BIN)"))?;
        self.child = Some(child);
        let http = reqwest::Client::new();
        let ready = format!("{}/readyz", self.url());
        while started.elapsed() < Duration::from_secs(60) {
            if http.get(&ready).send().await.is_ok_and(|r| r.status() == 200) {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Err(format!("the server did not become ready in 60 s; see {}", self.log.display()))
    }

    /// Whether the process started last is still running (not exited or crashed).
    pub fn is_running(&mut self) -> bool {
        self.child.as_mut().is_some_and(|c| matches!(c.try_wait(), Ok(None)))
    }

    /// Whether `/healthz` answers 200.
    pub async fn healthy(&self) -> bool {
        let health = reqwest::get(format!("{}/healthz", self.url())).await;
        health.is_ok_and(|r| r.status() == 200)
    }

    /// How many lines of the server's log contain `text`.
    pub fn log_mentions(&self, text: &str) -> Result<usize> {
        let log = std::fs::read(&self.log).map_err(context("read the server log"))?;
        Ok(String::from_utf8_lossy(&log).lines().filter(|l| l.contains(text)).count())
    }

    /// A client signed in as the admin.
    pub async fn admin(&self) -> Result<Api> {
        Api::sign_in(&self.url(), "admin", ADMIN_PASSWORD).await
    }
}

/// The release server binary: `$FEEDBOARD_BIN` (set by `cargo xtask`).
fn server_binary() -> Result<PathBuf> {
    std::env::var_os("FEEDBOARD_BIN").map(PathBuf::from).ok_or_else(|| "set FEEDBOARD_BIN (run via cargo xtask)".into())
}

/// `postgres://…/<database>` on the local server.
pub fn database_url(database: &str) -> String {
    let base = std::env::var("BENCH_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    format!("{base}/{database}")
}

/// Drops and creates `database`; returns its URL.
pub async fn fresh_database(database: &str) -> Result<String> {
    recreate_database(database).await?;
    Ok(database_url(database))
}

async fn recreate_database(database: &str) -> Result {
    let mut admin = drop_database(database).await?;
    sqlx::query(&format!("CREATE DATABASE \"{database}\"")).execute(&mut admin).await.map_err(context("create it"))?;
    Ok(())
}

/// Drops `database` if it exists; returns the connection to `postgres`
/// that did it.
pub async fn drop_database(database: &str) -> Result<sqlx::PgConnection> {
    use sqlx::Connection;
    let mut admin = sqlx::PgConnection::connect(&database_url("postgres")).await.map_err(context("Postgres"))?;
    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .map_err(context("drop the bench database"))?;
    Ok(admin)
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(context("no free port"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}
