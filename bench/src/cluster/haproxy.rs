//! HAProxy (Debian's package) in front of the nodes, on loopback:
//! round-robin, no stickiness, `/healthz` checks, long tunnel timeout for
//! SSE and WebSockets. Runs in the foreground as a child process and is
//! stopped when dropped, whatever happened.

use feedboard_bench::{Result, context};
use std::{
    path::PathBuf,
    process::Stdio,
    time::{Duration, Instant},
};
use tokio::process::{Child, Command};

/// A running load balancer.
pub struct Haproxy {
    child: Child,
    dir: PathBuf,
    port: u16,
}

/// The configuration for `port` in front of `backends` (`(name, host:port)`).
pub fn config(port: u16, backends: &[(String, String)]) -> String {
    let servers: String = backends.iter().map(|(name, addr)| format!("    server {name} {addr} check\n")).collect();
    format!(
        "global
    # Two descriptors per connection must fit the process's file limit.
    maxconn 4000

defaults
    mode http
    timeout connect 2s
    # Live streams send a heartbeat every 10 s, well within these.
    timeout client 30s
    timeout server 30s
    # SSE and WebSockets may stay open for hours.
    timeout tunnel 1h
    # A connection refused by a node that just died goes to another one.
    retries 3
    option redispatch

frontend feedboard
    bind 127.0.0.1:{port}
    default_backend nodes

backend nodes
    balance roundrobin
    option httpchk
    http-check send meth GET uri /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2
{servers}"
    )
}

impl Haproxy {
    /// Writes the configuration to a temporary folder, starts `haproxy` in
    /// the foreground and waits until it routes `/healthz` to a node.
    pub async fn start(backends: &[(String, String)]) -> Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(context("no free port"))?
            .port();
        let dir = std::env::temp_dir().join("feedboard-bench-haproxy");
        std::fs::create_dir_all(&dir).map_err(context("haproxy dir"))?;
        let conf = dir.join("haproxy.cfg");
        std::fs::write(&conf, config(port, backends)).map_err(context("haproxy config"))?;
        let log = std::fs::File::create(dir.join("haproxy.log")).map_err(context("haproxy log"))?;
        let child = Command::new("haproxy")
            .arg("-db") // foreground
            .arg("-f")
            .arg(&conf)
            .stdout(Stdio::from(log.try_clone().map_err(context("haproxy log"))?))
            .stderr(Stdio::from(log))
            .kill_on_drop(true)
            .spawn()
            .map_err(context("start haproxy (run via `cargo xtask cluster`, which installs it)"))?;
        let mut haproxy = Haproxy { child, dir, port };
        haproxy.wait_routing().await?;
        Ok(haproxy)
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn wait_routing(&mut self) -> Result {
        let http = reqwest::Client::new();
        let started = Instant::now();
        let log = self.dir.join("haproxy.log");
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(Some(status)) = self.child.try_wait() {
                let said = std::fs::read_to_string(&log).unwrap_or_default();
                return Err(format!("haproxy exited ({status}): {}", said.trim()));
            }
            let health = http.get(format!("{}/healthz", self.url())).send().await;
            if health.is_ok_and(|r| r.status() == 200) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err(format!("haproxy did not route /healthz within 20 s; see {}", log.display()))
    }

    /// Its folder, holding `haproxy.cfg` and `haproxy.log` (kept after the run).
    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

impl Drop for Haproxy {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

#[cfg(test)]
mod tests {
    use super::config;

    #[test]
    fn the_config_lists_every_node_with_a_health_check() {
        let text =
            config(8080, &[("node-1".into(), "127.0.0.1:3001".into()), ("node-2".into(), "127.0.0.1:3002".into())]);
        assert!(text.contains("bind 127.0.0.1:8080"));
        assert!(text.contains("server node-1 127.0.0.1:3001 check\n"));
        assert!(text.contains("server node-2 127.0.0.1:3002 check\n"));
        assert!(
            text.contains("balance roundrobin") && text.contains("uri /healthz") && text.contains("timeout tunnel")
        );
        assert!(!text.contains("cookie"), "no sticky sessions");
    }
}
