//! Brokers the broker tests start as processes of their own, on free
//! loopback ports, and stop when dropped: an MQTT broker that speaks only
//! 3.1.1 (TCP and WebSocket), a second Mosquitto with a TLS listener that
//! requires client certificates, and stunnel as TLS in front of RabbitMQ.

use crate::{Result, context, pki::TestPki};
use std::{
    net::{SocketAddr, TcpListener, TcpStream},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A broker process; killed when dropped.
pub struct BrokerProcess {
    name: &'static str,
    command: Vec<String>,
    /// The ports it listens on (ready once all accept connections).
    ports: Vec<u16>,
    child: Option<Child>,
    /// Files it reads (configuration, certificates), removed when dropped.
    dir: Option<PathBuf>,
}

impl BrokerProcess {
    fn start(name: &'static str, command: Vec<String>, ports: Vec<u16>, dir: Option<PathBuf>) -> Result<Self> {
        let mut broker = BrokerProcess { name, command, ports, child: None, dir };
        broker.spawn()?;
        Ok(broker)
    }

    fn spawn(&mut self) -> Result {
        let child = Command::new(&self.command[0])
            .args(&self.command[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(context(&format!("starting {} ({})", self.name, self.command[0])))?;
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.ports.iter().all(|p| accepts(*p)) {
            if let Some(Some(status)) = self.child.as_mut().map(|c| c.try_wait().ok().flatten()) {
                return Err(format!("{} exited at start ({status})", self.name));
            }
            if Instant::now() > deadline {
                return Err(format!("{} did not listen on {:?} within 30 s", self.name, self.ports));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Ok(())
    }

    /// Kills the process (as a crash would) and starts it again on the same ports.
    pub fn restart(&mut self) -> Result {
        self.kill();
        let deadline = Instant::now() + Duration::from_secs(30);
        while self.ports.iter().any(|p| accepts(*p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.spawn()
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// The port of its `i`th listener.
    pub fn port(&self, i: usize) -> u16 {
        self.ports[i]
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        self.kill();
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

fn accepts(port: u16) -> bool {
    TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), Duration::from_millis(200)).is_ok()
}

/// A loopback port nobody listens on now.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(context("finding a free port"))?;
    Ok(listener.local_addr().map_err(context("finding a free port"))?.port())
}

/// The MQTT 3.1.1 broker (`feedboard-test-broker`, rumqttd): port 0 TCP,
/// port 1 WebSocket (any path). It refuses MQTT 5 by closing the socket.
pub fn mqtt311_broker() -> Result<BrokerProcess> {
    let binary = test_broker_binary()?;
    let (tcp, ws) = (free_port()?, free_port()?);
    let command = vec![binary.display().to_string(), format!("127.0.0.1:{tcp}"), format!("127.0.0.1:{ws}")];
    BrokerProcess::start("the MQTT 3.1.1 test broker", command, vec![tcp, ws], None)
}

/// `feedboard-test-broker` next to the test binaries (`target/<profile>/`);
/// built first by `cargo xtask test`, else here.
fn test_broker_binary() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(context("locating the test binary"))?;
    let profile_dir = exe.parent().and_then(Path::parent).ok_or("no target directory")?;
    let binary = profile_dir.join("feedboard-test-broker");
    if !binary.exists() {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let status = Command::new(cargo)
            .args(["build", "-p", "feedboard-testkit", "--bin", "feedboard-test-broker"])
            .status()
            .map_err(context("building feedboard-test-broker"))?;
        if !status.success() || !binary.exists() {
            return Err(format!("{} is missing: run cargo build -p feedboard-testkit --bins", binary.display()));
        }
    }
    Ok(binary)
}

/// A directory for a broker's files, readable by the user Mosquitto drops to.
fn files_dir(prefix: &str) -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(crate::unique(prefix));
    std::fs::create_dir_all(&dir).map_err(context("creating the broker's directory"))?;
    set_mode(&dir, 0o755)?;
    Ok(dir)
}

fn write(dir: &Path, name: &str, text: &str) -> Result<String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(context(&format!("writing {name}")))?;
    set_mode(&path, 0o644)?;
    Ok(path.display().to_string())
}

fn set_mode(path: &Path, mode: u32) -> Result {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).map_err(context("setting permissions"))
}

/// A second Mosquitto: a TLS listener (port 0) with the test CA's server
/// certificate, requiring a client certificate from the same CA, and a
/// plain one (port 1) for the tests' publishers.
pub fn mosquitto_tls(pki: &TestPki) -> Result<BrokerProcess> {
    let dir = files_dir("mosquitto-tls")?;
    let (port, plain) = (free_port()?, free_port()?);
    let ca = write(&dir, "ca.pem", &pki.ca_pem)?;
    let cert = write(&dir, "server.pem", &pki.server.cert_pem)?;
    let key = write(&dir, "server.key", &pki.server.key_pem)?;
    let conf = format!(
        "per_listener_settings false\nallow_anonymous true\npersistence false\nlog_dest stderr\nlog_type error\n\
         listener {port} 127.0.0.1\ncafile {ca}\ncertfile {cert}\nkeyfile {key}\nrequire_certificate true\n\
         listener {plain} 127.0.0.1\n"
    );
    let conf = write(&dir, "mosquitto.conf", &conf)?;
    let binary =
        ["/usr/sbin/mosquitto", "mosquitto"].into_iter().find(|b| Path::new(b).exists()).unwrap_or("mosquitto");
    let command = vec![binary.into(), "-c".into(), conf];
    BrokerProcess::start("Mosquitto with TLS", command, vec![port, plain], Some(dir))
}

/// stunnel on port 0: TLS with the test CA's server certificate, in front
/// of the local RabbitMQ (127.0.0.1:5672).
pub fn amqps_terminator(pki: &TestPki) -> Result<BrokerProcess> {
    tls_terminator(pki, 5672)
}

/// stunnel on port 0: TLS with the test CA's server certificate, in front
/// of `127.0.0.1:target` (e.g. a broker's WebSocket listener, for `wss`).
pub fn tls_terminator(pki: &TestPki, target: u16) -> Result<BrokerProcess> {
    let dir = files_dir("stunnel")?;
    let port = free_port()?;
    let cert = write(&dir, "server.pem", &pki.server.cert_pem)?;
    let key = write(&dir, "server.key", &pki.server.key_pem)?;
    let conf = format!(
        "foreground = yes\npid =\nsyslog = no\ndebug = crit\n\n[amqps]\naccept = 127.0.0.1:{port}\n\
         connect = 127.0.0.1:{target}\ncert = {cert}\nkey = {key}\n"
    );
    let conf = write(&dir, "stunnel.conf", &conf)?;
    let command = vec!["stunnel".into(), conf];
    BrokerProcess::start("stunnel", command, vec![port], Some(dir))
}
