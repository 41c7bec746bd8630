//! The services tests talk to: Postgres, Mosquitto, RabbitMQ. Started with
//! the machine's own commands when they are installed but not running.

use crate::{Result, cmd};
use std::{
    net::{SocketAddr, TcpStream},
    process::Command,
    thread::sleep,
    time::{Duration, Instant},
};

struct Service {
    name: &'static str,
    addr: &'static str,
    start: &'static [&'static str],
}

const POSTGRES: Service = Service {
    name: "Postgres",
    addr: "127.0.0.1:5432",
    start: &["sh", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql | tail -1) main start"],
};
const MOSQUITTO: Service = Service {
    name: "Mosquitto",
    addr: "127.0.0.1:1883",
    start: &["mosquitto", "-d", "-c", "/etc/mosquitto/mosquitto.conf"],
};
const RABBITMQ: Service =
    Service { name: "RabbitMQ", addr: "127.0.0.1:5672", start: &["rabbitmq-server", "-detached"] };

/// Makes sure every service the tests need answers.
pub fn ensure() -> Result {
    for service in [&POSTGRES, &MOSQUITTO, &RABBITMQ] {
        ensure_one(service)?;
    }
    Ok(())
}

/// Makes sure Postgres answers (enough to serve; the demo falls back when a
/// broker is missing).
pub fn ensure_postgres() -> Result {
    ensure_one(&POSTGRES)
}

fn ensure_one(service: &Service) -> Result {
    if is_up(service.addr) {
        return Ok(());
    }
    cmd::step(&format!("start {} ({})", service.name, service.start.join(" ")));
    let _ = cmd::output(Command::new(service.start[0]).args(&service.start[1..]));
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if is_up(service.addr) {
            return Ok(());
        }
        sleep(Duration::from_millis(500));
    }
    Err(format!("{} is not reachable at {}; start it and try again", service.name, service.addr))
}

fn is_up(addr: &str) -> bool {
    let addr: SocketAddr = addr.parse().expect("service addresses are valid");
    TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_ok()
}
