//! The Playwright suite against the release server on a fresh database,
//! with a second node on the same database for the cluster spec.

use crate::{Result, cmd, paths};
use std::{
    fs::File,
    net::{TcpListener, TcpStream},
    process::{Child, Command},
    thread::sleep,
    time::{Duration, Instant},
};

/// Password of the `admin` user the suite signs in with.
const ADMIN_PASSWORD: &str = "e2e-admin-password";
/// `FEEDBOARD_SECRET_KEY` of the e2e server, so no run writes a key file into `HOME`.
const SECRET_KEY: &str = "52bpgNBcPnwAT3+Dmo2j8tHQA7Djy/gqtN/NTlfQJfw=";

/// Starts the server, runs the suite (or what `filter` picks: spec files,
/// `-g <title>`, any Playwright argument), stops the server.
pub fn run(filter: &[String]) -> Result {
    cmd::step("Playwright end-to-end suite (Debian Chromium)");
    let database = e2e_database();
    let server = Server::start(&database)?;
    let second = Server::join(&database)?;
    let result = cmd::run(
        cmd::cargo_env(Command::new(paths::node_bin().join("playwright")))
            .args(["test", "-c", "end2end/playwright.config.ts"])
            .args(filter)
            .env("BASE_URL", server.url())
            .env("BASE_URL_B", second.url())
            .env("E2E_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("DATABASE_URL", server.database_url()),
    );
    if result.is_err() {
        println!("server logs: {} and {}", server.log.display(), second.log.display());
    }
    drop(second);
    drop(server);
    result
}

/// A release server process on a free port with its own database.
pub struct Server {
    child: Child,
    port: u16,
    database: String,
    pub log: std::path::PathBuf,
}

impl Server {
    /// Starts the server (node `e2e-a`, with the demo unless
    /// `FEEDBOARD_DEMO` says otherwise) on a fresh database named
    /// `database` and waits until `/readyz` answers.
    pub fn start(database: &str) -> Result<Self> {
        drop_database(database)?;
        let demo = std::env::var("FEEDBOARD_DEMO").unwrap_or_else(|_| "1".into());
        Self::spawn(database, "e2e-a", &demo)
    }

    /// Starts a second node (`e2e-b`, no demo of its own) on the database of
    /// a running server.
    pub fn join(database: &str) -> Result<Self> {
        Self::spawn(database, "e2e-b", "0")
    }

    fn spawn(database: &str, node: &str, demo: &str) -> Result<Self> {
        let port = free_port()?;
        let log = paths::cache().join(format!("{database}-{node}.log"));
        let out = File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let err = out.try_clone().map_err(|e| e.to_string())?;
        let child = cmd::cargo_env(Command::new(paths::server_binary()))
            .env("DATABASE_URL", database_url(database))
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_SITE_ROOT", paths::site_root())
            .env("FEEDBOARD_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env("FEEDBOARD_SECRET_KEY", SECRET_KEY)
            .env("FEEDBOARD_DEMO", demo)
            .env("FEEDBOARD_NODE_ID", node)
            // A chat limit no loaded machine can type under (10 at once,
            // then one per 50 s), so "too fast" shows however slow the browser.
            .env("FEEDBOARD_CHAT_PER_SECOND", "0.02")
            // Log searches look 100 lines back per request, so a test can
            // reach "searched back to …" without publishing a million lines.
            .env("FEEDBOARD_LOG_SEARCH_WINDOW", "100")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(out)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", paths::server_binary().display()))?;
        let server = Server { child, port, database: database.to_owned(), log };
        server.wait_ready()?;
        Ok(server)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn database_url(&self) -> String {
        database_url(&self.database)
    }

    fn wait_ready(&self) -> Result {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if http_status(self.port, "/readyz") == Some(200) {
                return Ok(());
            }
            sleep(Duration::from_millis(200));
        }
        Err(format!("the server did not become ready in 60 s; see {}", self.log.display()))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

/// A database name of this checkout's own, so suites of several checkouts
/// on one machine do not collide.
fn e2e_database() -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    paths::root().hash(&mut hasher);
    format!("feedboard_e2e_{:08x}", hasher.finish() as u32)
}

fn database_url(database: &str) -> String {
    format!("postgres://postgres@127.0.0.1:5432/{database}")
}

fn drop_database(database: &str) -> Result {
    cmd::run(
        Command::new("psql")
            .args(["-q", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c"])
            .arg(format!("DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)")),
    )
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("no free port: {e}"))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

/// The status of `GET path` on the local port, if it answered.
fn http_status(port: u16, path: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}
