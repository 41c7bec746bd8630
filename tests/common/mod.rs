//! Test harness: the real server on a random port with a database of its own.

#![allow(dead_code)]

use feedboard::{config::Config, server};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::net::SocketAddr;

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
    let name = format!("fbtest_{}", uuid::Uuid::new_v4().simple());
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
    let running = server::start(config).await.expect("server starts");
    TestApp { addr: running.addr, database_url, running: Some(running) }
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

    pub async fn stop(mut self) {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
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
pub mod sse;

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
    pub async fn wait_for<T, F, Fut>(&self, what: &str, mut check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            if let Some(v) = check().await {
                return v;
            }
            assert!(tokio::time::Instant::now() < deadline, "timed out waiting for {what}");
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
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

impl TestApp {
    /// Stops this server and starts another on the same database (a
    /// feedboard restart).
    pub async fn restart(self) -> TestApp {
        self.restart_with_env(&[]).await
    }

    /// Like [`TestApp::restart`], with environment variables of the test's own.
    pub async fn restart_with_env(mut self, env: &[(&str, &str)]) -> TestApp {
        if let Some(running) = self.running.take() {
            running.shutdown().await;
        }
        let url = self.database_url.clone();
        spawn_app_with_env(env, |c| c.database_url = url).await
    }
}
