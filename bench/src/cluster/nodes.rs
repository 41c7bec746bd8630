//! Several feedboard nodes on one database (`FEEDBOARD_NODE_ID=node-1…`),
//! started, stopped and watched as one cluster.

use feedboard_bench::{Result, api::Api, context, server::Server};
use serde_json::Value;
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

/// How long a node may take to leave after SIGTERM (its drain limit is 10 s).
const STOP_LIMIT: Duration = Duration::from_secs(60);
/// How long the nodes may take to agree on who is live.
const FORM_LIMIT: Duration = Duration::from_secs(60);

/// One node.
struct Node {
    id: String,
    server: Server,
    up: bool,
}

/// The nodes of one cluster, by index (`node-1` is index 0).
pub struct Nodes {
    database: String,
    nodes: Vec<Node>,
    http: reqwest::Client,
}

impl Nodes {
    /// Starts `count` nodes on a fresh database `database`, one after the
    /// other, and waits until each lists all of them as live.
    pub async fn start(database: &str, count: usize) -> Result<Self> {
        let mut nodes = Nodes { database: database.to_owned(), nodes: Vec::new(), http: reqwest::Client::new() };
        for _ in 0..count {
            nodes.spawn().await?;
        }
        nodes.wait_formed().await?;
        Ok(nodes)
    }

    /// Adds one more node (the next `node-<n>`) and waits until the cluster
    /// includes it.
    pub async fn add(&mut self) -> Result<Duration> {
        self.spawn().await?;
        self.wait_formed().await
    }

    async fn spawn(&mut self) -> Result {
        let id = format!("node-{}", self.nodes.len() + 1);
        let env = [("FEEDBOARD_NODE_ID", id.as_str())];
        let (server, _) = if self.nodes.is_empty() {
            Server::start(&self.database, &env).await?
        } else {
            Server::join(&self.database, &env).await?
        };
        self.nodes.push(Node { id, server, up: true });
        Ok(())
    }

    /// How many nodes there are (running or not).
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// The id of node `i`.
    pub fn id(&self, i: usize) -> &str {
        &self.nodes[i].id
    }

    /// The index of the node named `id`.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.nodes.iter().position(|n| n.id == id)
    }

    /// Every node's base URL, by index.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.server.url()).collect()
    }

    /// `(id, 127.0.0.1:port)` of every node, for the load balancer.
    pub fn backends(&self) -> Vec<(String, String)> {
        self.nodes.iter().map(|n| (n.id.clone(), n.server.addr())).collect()
    }

    /// Indexes of the nodes running now.
    pub fn up(&self) -> Vec<usize> {
        (0..self.nodes.len()).filter(|&i| self.nodes[i].up).collect()
    }

    /// `(id, pid)` of the running nodes.
    pub fn pids(&self) -> Vec<(String, u32)> {
        self.nodes.iter().filter_map(|n| Some((n.id.clone(), n.server.pid()?))).collect()
    }

    /// The shared database.
    pub fn database_url(&self) -> String {
        self.nodes[0].server.database_url()
    }

    /// Every node's log file.
    pub fn logs(&self) -> Vec<PathBuf> {
        self.nodes.iter().map(|n| n.server.log.clone()).collect()
    }

    /// A client of node `i` signed in as the admin.
    pub async fn admin(&self, i: usize) -> Result<Api> {
        self.nodes[i].server.admin().await
    }

    /// Kills node `i` with SIGKILL, as a crash would.
    pub async fn kill9(&mut self, i: usize) {
        self.nodes[i].server.kill9().await;
        self.nodes[i].up = false;
    }

    /// Stops node `i` with SIGTERM and waits until it exited; returns how
    /// long that took.
    pub async fn sigterm(&mut self, i: usize) -> Result<Duration> {
        self.nodes[i].up = false;
        self.nodes[i].server.sigterm(STOP_LIMIT).await
    }

    /// Starts node `i` again (same id, port and database).
    pub async fn restart(&mut self, i: usize) -> Result<Duration> {
        let took = self.nodes[i].server.restart().await?;
        self.nodes[i].up = true;
        Ok(took)
    }

    /// Waits until every running node lists exactly the running nodes as
    /// live in `/readyz`; returns how long that took.
    pub async fn wait_formed(&self) -> Result<Duration> {
        let started = Instant::now();
        let mut want: Vec<String> = self.up().into_iter().map(|i| self.nodes[i].id.clone()).collect();
        want.sort();
        while started.elapsed() < FORM_LIMIT {
            let mut agreed = true;
            for i in self.up() {
                let live = self.live_seen_by(i).await.unwrap_or_default();
                agreed &= live == want;
            }
            if agreed {
                return Ok(started.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("the nodes did not agree on the live nodes {want:?} within {FORM_LIMIT:?}"))
    }

    /// The node ingesting each of `feeds` (by index), once for every feed
    /// exactly one running node says in `/readyz` that it ingests it and is
    /// connected (up to a minute).
    pub async fn ingesters(&self, feeds: &[String]) -> Result<Vec<usize>> {
        let started = Instant::now();
        loop {
            let mut holders = vec![Vec::new(); feeds.len()];
            for i in self.up() {
                let Ok(ready) = self.readyz(i).await else { continue };
                for (feed, holders) in feeds.iter().zip(&mut holders) {
                    if ingests_connected(&ready, feed) {
                        holders.push(i);
                    }
                }
            }
            if holders.iter().all(|h| h.len() == 1) {
                return Ok(holders.into_iter().map(|h| h[0]).collect());
            }
            if started.elapsed() > FORM_LIMIT {
                return Err(format!("no single connected ingesting node for each of {feeds:?}: {holders:?}"));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The live nodes as node `i` sees them (`/readyz`, `cluster.nodes`).
    async fn live_seen_by(&self, i: usize) -> Result<Vec<String>> {
        let nodes = self.readyz(i).await?["cluster"]["nodes"].as_array().cloned().unwrap_or_default();
        Ok(nodes.iter().filter_map(|n| n.as_str().map(str::to_owned)).collect())
    }

    async fn readyz(&self, i: usize) -> Result<Value> {
        let url = format!("{}/readyz", self.nodes[i].server.url());
        let res = self.http.get(url).timeout(Duration::from_secs(2)).send().await.map_err(context("readyz"))?;
        res.json().await.map_err(context("readyz body"))
    }
}

/// Whether a node's `/readyz` says it ingests `feed` and the feed is connected.
fn ingests_connected(ready: &Value, feed: &str) -> bool {
    let ingesting = ready["ingest"]["ingesting"].as_array().is_some_and(|f| f.iter().any(|n| n == feed));
    let prefix = format!("feed:{feed} (");
    let connected = ready["dependencies"].as_array().is_some_and(|deps| {
        deps.iter().any(|d| d["name"].as_str().is_some_and(|n| n.starts_with(&prefix)) && d["ok"] == true)
    });
    ingesting && connected
}

#[cfg(test)]
mod tests {
    use super::ingests_connected;
    use serde_json::json;

    #[test]
    fn a_node_ingests_a_feed_when_it_holds_it_and_it_is_connected() {
        let ready = |ok: bool| {
            json!({"dependencies": [{"name": "postgres", "ok": true}, {"name": "feed:a (mqtt)", "ok": ok}],
                   "ingest": {"node": "node-1", "ingesting": ["a"], "standby": ["b"]}})
        };
        assert!(ingests_connected(&ready(true), "a"));
        assert!(!ingests_connected(&ready(false), "a"));
        assert!(!ingests_connected(&ready(true), "b"));
    }
}
