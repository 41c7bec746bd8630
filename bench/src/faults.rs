//! Service faults: restarts of the machine's RabbitMQ and Postgres and of
//! the bench's own Mosquitto (graceful stop of that one process, start,
//! wait until it serves again), and the lock that keeps such runs from
//! overlapping. The machine's Mosquitto drops QoS 1 messages beyond 1,000
//! queued for a client that is away, so a restart test on it would measure
//! that limit; the own broker has none (see `broker::OwnMosquitto`).
//!
//! Every restart waits with a time limit and says what did not come back;
//! [`ensure_running`] starts whatever is down, so a run that failed halfway
//! still leaves all three services up.

use crate::{Result, context};
use std::{
    fs::File,
    time::{Duration, Instant},
};
use tokio::{net::TcpStream, process::Command};

/// How long a service may take to stop or to start.
const LIMIT: Duration = Duration::from_secs(90);

/// The lock every run that restarts services holds. Only this code takes it
/// (opened close-on-exec), so a restarted service never inherits it; a lock
/// file shared with flock(1) was kept forever by the daemons it restarted.
pub const LOCK_PATH: &str = "/tmp/feedboard-proof.lock";

/// A service feedboard depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// The bench's own Mosquitto (`broker::OwnMosquitto`), which must be running.
    Mosquitto,
    RabbitMq,
    Postgres,
}

impl Service {
    /// The machine's services, in the order `ensure_running` checks them.
    pub const MACHINE: [Service; 2] = [Service::Postgres, Service::RabbitMq];

    /// Human name.
    pub fn name(self) -> &'static str {
        match self {
            Service::Mosquitto => "Mosquitto",
            Service::RabbitMq => "RabbitMQ",
            Service::Postgres => "Postgres",
        }
    }

    fn addr(self) -> &'static str {
        match self {
            Service::Mosquitto => "127.0.0.1:1883",
            Service::RabbitMq => "127.0.0.1:5672",
            Service::Postgres => "127.0.0.1:5432",
        }
    }

    /// Stops the service gracefully, starts it again and waits until it
    /// accepts connections; returns the downtime (stop begun → serving).
    pub async fn restart(self) -> Result<Duration> {
        let started = Instant::now();
        if self == Service::Mosquitto {
            crate::broker::restart_own_mosquitto().await?;
        } else {
            self.stop().await?;
            self.start().await?;
        }
        Ok(started.elapsed())
    }

    async fn stop(self) -> Result {
        match self {
            Service::Mosquitto => Err(MACHINE_MOSQUITTO.into()),
            // `shutdown` stops this node gracefully and returns once its OS process has exited.
            Service::RabbitMq => run(Command::new("rabbitmqctl").arg("shutdown")).await,
            Service::Postgres => {
                run(Command::new("pg_ctlcluster").args(postgres_cluster(&["stop", "-m", "fast"]))).await
            }
        }?;
        wait_until(&format!("{} to close its port", self.name()), || async { !accepts(self.addr()).await }).await
    }

    async fn start(self) -> Result {
        match self {
            Service::Mosquitto => Err(MACHINE_MOSQUITTO.into()),
            Service::RabbitMq => {
                run(Command::new("rabbitmq-server").arg("-detached")).await?;
                // The node registers with epmd only after a moment; until then `await_startup` fails at once.
                wait_until("RabbitMQ to boot", || async {
                    run(Command::new("rabbitmqctl").args(["await_startup", "--timeout", "5"])).await.is_ok()
                })
                .await
            }
            Service::Postgres => run(Command::new("pg_ctlcluster").args(postgres_cluster(&["start"]))).await,
        }?;
        wait_until(&format!("{} to accept connections on {}", self.name(), self.addr()), || async {
            accepts(self.addr()).await
        })
        .await
    }

    /// Whether the service accepts TCP connections now.
    pub async fn is_up(self) -> bool {
        accepts(self.addr()).await
    }
}

/// Why the machine's Mosquitto is never stopped or started here.
const MACHINE_MOSQUITTO: &str = "faults restart the bench's own Mosquitto, never the machine's";

/// Starts every machine service that is down (after a failed run); errors name the
/// ones that still do not answer.
pub async fn ensure_running() -> Result {
    let mut down = Vec::new();
    for service in Service::MACHINE {
        if service.is_up().await {
            continue;
        }
        eprintln!("  {} is down; starting it", service.name());
        if let Err(e) = service.start().await {
            down.push(e);
        }
    }
    if down.is_empty() { Ok(()) } else { Err(down.join("; ")) }
}

/// Holds [`LOCK_PATH`] (waiting for it) so heavy runs never overlap; the
/// lock is released when the returned file is dropped. Use it only in
/// processes not already started under `flock` on the same file.
pub async fn hold_bench_lock() -> Result<File> {
    let file = File::options().create(true).append(true).open(LOCK_PATH).map_err(context(LOCK_PATH))?;
    let started = Instant::now();
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => {
                if started.elapsed().as_secs().is_multiple_of(60) {
                    eprintln!("  waiting for {LOCK_PATH} (another heavy run holds it)…");
                }
                if started.elapsed() > Duration::from_secs(3600) {
                    return Err(format!("{LOCK_PATH} stayed locked for an hour"));
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(format!("lock {LOCK_PATH}: {e}")),
        }
    }
}

/// `<version> main <args…>` for the newest installed cluster (as xtask starts it).
fn postgres_cluster(args: &[&str]) -> Vec<String> {
    let version = std::fs::read_dir("/etc/postgresql")
        .ok()
        .and_then(|dir| dir.filter_map(|e| e.ok()?.file_name().into_string().ok()).max())
        .unwrap_or_else(|| "15".into());
    let mut all = vec!["--skip-systemctl-redirect".to_owned(), version, "main".to_owned()];
    all.extend(args.iter().map(|a| a.to_string()));
    all
}

async fn accepts(addr: &str) -> bool {
    matches!(tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(addr)).await, Ok(Ok(_)))
}

/// Runs a service command; a non-zero exit is an error with its output.
async fn run(command: &mut Command) -> Result {
    let what = format!("{:?}", command.as_std());
    let output = tokio::time::timeout(LIMIT, command.kill_on_drop(true).output())
        .await
        .map_err(|_| format!("{what} did not finish in {LIMIT:?}"))?
        .map_err(context(&what))?;
    if output.status.success() {
        return Ok(());
    }
    Err(format!(
        "{what} failed ({}): {}{}",
        output.status,
        String::from_utf8_lossy(&output.stdout).trim(),
        String::from_utf8_lossy(&output.stderr).trim()
    ))
}

/// Polls `done` every 50 ms until it holds, for at most [`LIMIT`].
async fn wait_until<F: Future<Output = bool>>(what: &str, mut done: impl FnMut() -> F) -> Result {
    let started = Instant::now();
    while started.elapsed() < LIMIT {
        if done().await {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("timed out after {LIMIT:?} waiting for {what}"))
}
