//! Test harness: the real server on a random port with a database of its own.
//!
//! Each test's database (`fbtest_…`) is dropped when its app stops or is
//! dropped (a failing test too), and every run first sweeps away test
//! databases that earlier, killed runs left behind.

#![allow(dead_code)]

use feedboard::{config::Config, http, server};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use sqlx::{Connection, PgConnection};
use std::net::SocketAddr;

/// Where test databases are created, dropped and swept.
const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Test databases are named `fbtest_<uuid>`.
const PREFIX: &str = "fbtest_";
/// Left-over test databases older than this are dropped at start-up
/// (younger ones may belong to a run still going, e.g. in another checkout).
const STALE_AFTER_HOURS: i32 = 6;

/// Password of the `admin` user every test app starts with.
pub const ADMIN_PASSWORD: &str = "test-admin-password";

/// The key every test app seals broker secrets with (`FEEDBOARD_SECRET_KEY`),
/// the same across restarts; tests never touch a key file in `HOME`.
pub const TEST_SECRET_KEY: &str = "1gKbz90PY+EwgHa77Z+kljX+Vp5o1xxtNw6eFze+fsA=";

/// A running server and a database that belong to one test.
pub struct TestApp {
    pub addr: SocketAddr,
    pub database_url: String,
    pub running: Option<server::Running>,
    /// The test database this app drops when it goes, unless handed on.
    database: Option<String>,
}

/// Starts feedboard with a fresh database and the demo off.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Like [`spawn_app`], letting the test adjust the configuration first.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    spawn_app_with_env(&[], adjust).await
}

/// Like [`spawn_app_with`], with environment variables of the test's own
/// that take precedence over the test defaults (e.g. another secret key).
pub async fn spawn_app_with_env(env: &[(&str, &str)], adjust: impl FnOnce(&mut Config)) -> TestApp {
    sweep_stale_databases().await;
    let name = format!("{PREFIX}{}", uuid::Uuid::new_v4().simple());
    let database_url = format!("postgres://postgres@127.0.0.1:5432/{name}");
    let own = |var: &str| env.iter().find(|(k, _)| *k == var).map(|(_, v)| v.to_string());
    let mut config = Config::from_lookup(|var| {
        own(var).or_else(|| match var {
            "DATABASE_URL" => Some(database_url.clone()),
            "LEPTOS_SITE_ADDR" => Some("127.0.0.1:0".into()),
            "FEEDBOARD_ADMIN_PASSWORD" => Some(ADMIN_PASSWORD.into()),
            "FEEDBOARD_DEMO" => Some("0".into()),
            "FEEDBOARD_SECRET_KEY" => Some(TEST_SECRET_KEY.into()),
            _ => None,
        })
    })
    .expect("test configuration is valid");
    adjust(&mut config);
    let database_url = config.database_url.clone();
    let database = test_database(&database_url);
    let running = server::start(config).await.expect("server starts");
    TestApp { addr: running.addr, database_url, running: Some(running), database }
}

/// The name of the database at `url` if it is a test database.
fn test_database(url: &str) -> Option<String> {
    let name = url.rsplit('/').next()?.split('?').next()?;
    (name.starts_with(PREFIX) && name[PREFIX.len()..].chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| name.to_owned())
}

/// Drops the test database `name`, closing whatever is still connected.
async fn drop_database(name: &str) {
    match PgConnection::connect(ADMIN_URL).await {
        Ok(mut admin) => {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            if let Err(e) = sqlx::query(&sql).execute(&mut admin).await {
                eprintln!("could not drop test database {name}: {e}");
            }
            let _ = admin.close().await;
        }
        Err(e) => eprintln!("could not drop test database {name}: {e}"),
    }
}

/// Once per test process: drops `fbtest_*` databases created more than
/// `STALE_AFTER_HOURS` ago (their creation time is that of the files
/// Postgres wrote for them).
async fn sweep_stale_databases() {
    static SWEPT: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let Ok(mut admin) = PgConnection::connect(ADMIN_URL).await else { return };
            let stale: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database
                 WHERE datname LIKE 'fbtest\\_%'
                   AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification
                       < now() - make_interval(hours => $1)",
            )
            .bind(STALE_AFTER_HOURS)
            .fetch_all(&mut admin)
            .await
            .unwrap_or_default();
            let _ = admin.close().await;
            for name in stale.iter().filter(|n| test_database(&format!("/{n}")).is_some()) {
                drop_database(name).await;
            }
        })
        .await;
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with its own cookie jar (one browser, in effect).
    pub fn client(&self) -> Client {
        Client::builder().cookie_store(true).build().expect("client builds")
    }

    /// A client signed in as `username`.
    pub async fn signed_in(&self, username: &str, password: &str) -> Client {
        let client = self.client();
        let res = client
            .post(self.url("/api/v1/login"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .expect("login request");
        assert_eq!(res.status(), StatusCode::OK, "login as {username}");
        client
    }

    pub async fn admin(&self) -> Client {
        self.signed_in("admin", ADMIN_PASSWORD).await
    }

    /// Creates a user with `role` through the API and returns a client
    /// signed in as that user.
    pub async fn user(&self, username: &str, role: &str) -> Client {
        let res = self
            .admin()
            .await
            .post(self.url("/api/v1/users"))
            .json(&json!({"username": username, "password": "password-123", "role": role}))
            .send()
            .await
            .expect("create user");
        assert_eq!(res.status(), StatusCode::CREATED);
        self.signed_in(username, "password-123").await
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        self.shut_down().await;
        if let Some(name) = self.database.take() {
            drop_database(&name).await;
        }
    }

    /// Stops the server but keeps its database, for a test that starts
    /// another server on it (`spawn_app_with(|c| c.database_url = url)`,
    /// which then owns it); returns the database URL.
    pub async fn stop_keeping_database(mut self) -> String {
        self.shut_down().await;
        self.database = None;
        self.database_url.clone()
    }

    async fn shut_down(&mut self) {
        if let Some(running) = self.running.take() {
            let db = running.state.core.db.clone();
            running.shutdown().await;
            db.close().await;
        }
    }

    /// The server's own database pool.
    pub fn db(&self) -> &sqlx::PgPool {
        &self.running.as_ref().expect("the app is running").state.core.db
    }

    /// The server's shared state (limiter, password checker, sockets…).
    pub fn state(&self) -> &http::AppState {
        &self.running.as_ref().expect("the app is running").state
    }
}

/// Asserts the status and the API error code of a failed response.
pub async fn assert_error(res: Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status, "status");
    let body: Value = res.json().await.expect("JSON error body");
    assert_eq!(body["error"]["code"], code, "error code in {body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "message in {body}");
    body
}

pub mod brokers;
pub mod feeds;
pub mod sse;
pub mod ws;

impl TestApp {
    /// Creates a feed through the API (as admin) and waits until it is connected.
    pub async fn feed(&self, body: Value) -> Value {
        let admin = self.admin().await;
        let res = admin.post(self.url("/api/v1/feeds")).json(&body).send().await.expect("create feed");
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap_or_default());
        let name = body["name"].as_str().unwrap().to_owned();
        self.wait_for(&format!("feed {name} connected"), || async {
            let feed: Value =
                admin.get(self.url(&format!("/api/v1/feeds/{name}"))).send().await.ok()?.json().await.ok()?;
            (feed["status"]["state"] == "connected").then_some(feed)
        })
        .await
    }

    /// Polls `check` every 50 ms until it returns `Some`, for up to 20 s.
    pub async fn wait_for<T, F, Fut>(&self, what: &str, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        self.wait_within(what, std::time::Duration::from_secs(20), check).await
    }

    /// Like [`wait_for`](Self::wait_for), for up to 120 s: for work whose
    /// length depends on the machine's speed (large loads, recoveries).
    pub async fn wait_for_long<T, F, Fut>(&self, what: &str, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        self.wait_within(what, std::time::Duration::from_secs(120), check).await
    }

    /// Polls `check` every 50 ms until it returns `Some`, for up to `limit`.
    pub async fn wait_within<T, F, Fut>(&self, what: &str, limit: std::time::Duration, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        wait_until(what, limit, check).await
    }

    /// GETs `path` as JSON with the admin's session.
    pub async fn get_json(&self, path: &str) -> Value {
        self.admin().await.get(self.url(path)).send().await.unwrap().json().await.unwrap()
    }

    /// Waits until `path` returns at least `n` items; returns them.
    pub async fn wait_items(&self, path: &str, n: usize) -> Vec<Value> {
        let admin = self.admin().await;
        self.wait_for(&format!("{n} items at {path}"), || async {
            let body: Value = admin.get(self.url(path)).send().await.ok()?.json().await.ok()?;
            let items = body["items"].as_array()?.clone();
            (items.len() >= n).then_some(items)
        })
        .await
    }
}

/// Polls `check` every 50 ms until it returns `Some`, for up to `limit`.
pub async fn wait_until<T, F, Fut>(what: &str, limit: std::time::Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// A cluster node named `name` with short leases and heartbeats (so a
/// cluster settles fast), on a fresh database or on `database_url`.
pub async fn spawn_node(name: &'static str, database_url: Option<String>) -> TestApp {
    use std::time::Duration;
    spawn_app_with(|c| {
        c.node_id = name.into();
        c.ingest.lease_ttl = Duration::from_secs(3);
        c.ingest.lease_renew = Duration::from_millis(500);
        c.ingest.lease_poll = Duration::from_millis(300);
        c.cluster.heartbeat = Duration::from_millis(300);
        c.cluster.node_ttl = Duration::from_secs(2);
        c.cluster.sweep = Duration::from_secs(1);
        if let Some(url) = database_url {
            c.database_url = url;
        }
    })
    .await
}

impl TestApp {
    /// Stops this server and starts another on the same database (a
    /// feedboard restart).
    pub async fn restart(self) -> TestApp {
        self.restart_with_env(&[]).await
    }

    /// Like [`TestApp::restart`], with environment variables of the test's own.
    pub async fn restart_with_env(self, env: &[(&str, &str)]) -> TestApp {
        let url = self.stop_keeping_database().await;
        spawn_app_with_env(env, |c| c.database_url = url).await
    }
}

impl Drop for TestApp {
    /// A test that ends without `stop()` (a panic, an early return) still
    /// drops its database: on a thread of its own, as this may run inside
    /// the test's runtime, where blocking on a future is not allowed.
    fn drop(&mut self) {
        if let Some(name) = self.database.take() {
            let dropped = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(drop_database(&name));
                }
            });
            let _ = dropped.join();
        }
    }
}
