//! feedboard's REST API as the benches use it: feeds, dashboards, status.

use crate::{Result, context};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// The MQTT broker every bench uses.
pub const MQTT_URL: &str = "mqtt://127.0.0.1:1883";
/// The AMQP broker every bench uses.
pub use feedboard_testkit::brokers::AMQP_URL;

/// A signed-in API client.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// Signs in as `username`.
    pub async fn sign_in(base: &str, username: &str, password: &str) -> Result<Self> {
        let http = reqwest::Client::builder().cookie_store(true).build().map_err(|e| e.to_string())?;
        let api = Api { http, base: base.to_owned() };
        api.send(api.http.post(api.url("/api/v1/login")).json(&json!({"username": username, "password": password})))
            .await?;
        Ok(api)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn send(&self, req: reqwest::RequestBuilder) -> Result<Value> {
        let res = req.send().await.map_err(context("feedboard API"))?;
        let status = res.status();
        let body: Value = res.json().await.unwrap_or(Value::Null);
        if !status.is_success() {
            return Err(format!("feedboard API answered {status}: {body}"));
        }
        Ok(body)
    }

    /// `GET path` as JSON.
    pub async fn get(&self, path: &str) -> Result<Value> {
        self.send(self.http.get(self.url(path))).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Result<Value> {
        self.send(self.http.post(self.url(path)).json(&body)).await
    }

    /// `PUT path` with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Result<Value> {
        self.send(self.http.put(self.url(path)).json(&body)).await
    }

    /// Deletes a feed (its stored messages go with it).
    pub async fn delete_feed(&self, name: &str) -> Result<()> {
        self.send(self.http.delete(self.url(&format!("/api/v1/feeds/{name}")))).await.map(drop)
    }

    /// Creates a feed and waits until it is connected.
    pub async fn create_feed(&self, feed: Value) -> Result<()> {
        let name = feed["name"].as_str().unwrap_or_default().to_owned();
        self.post("/api/v1/feeds", feed).await?;
        self.wait_connected(&name).await
    }

    /// Creates a feed, waits until it is connected, then disables it and
    /// waits until it has left its broker (its subscription or queue stays,
    /// so what is published meanwhile waits there).
    pub async fn create_disabled_feed(&self, feed: Value) -> Result<()> {
        let name = feed["name"].as_str().unwrap_or_default().to_owned();
        self.create_feed(feed).await?;
        self.set_enabled(&name, false).await?;
        self.wait_state(&name, "disabled").await
    }

    /// Waits (up to a minute) until `name`'s status is `connected`.
    pub async fn wait_connected(&self, name: &str) -> Result<()> {
        self.wait_state(name, "connected").await
    }

    /// Waits (up to a minute) until `name`'s status is in `state`.
    async fn wait_state(&self, name: &str, state: &str) -> Result<()> {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(60) {
            if self.status(name).await.is_ok_and(|s| s["state"] == state) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("feed {name} was not {state} within 60 s"))
    }

    /// The feed's live status (state, counters, last error).
    pub async fn status(&self, name: &str) -> Result<Value> {
        Ok(self.get(&format!("/api/v1/feeds/{name}")).await?["status"].clone())
    }

    /// Enables or disables a feed.
    pub async fn set_enabled(&self, name: &str, enabled: bool) -> Result<()> {
        let path = format!("/api/v1/feeds/{name}");
        let mut spec = self.get(&path).await?;
        spec["enabled"] = enabled.into();
        if let Some(fields) = spec.as_object_mut() {
            fields.remove("status");
        }
        self.put(&path, spec).await.map(drop)
    }
}

/// An MQTT feed of `kind` on `topic`, on the broker the bench uses now.
pub fn mqtt_feed(name: &str, kind: &str, topic: &str) -> Value {
    json!({"name": name, "kind": kind, "source": {"protocol": "mqtt", "url": crate::broker::mqtt_url(), "topic": topic}})
}

/// An AMQP feed of `kind` bound to `exchange` with `key`.
pub fn amqp_feed(name: &str, kind: &str, exchange: &str, key: &str) -> Value {
    json!({"name": name, "kind": kind,
           "source": {"protocol": "amqp", "url": AMQP_URL, "exchange": exchange, "binding_key": key}})
}
