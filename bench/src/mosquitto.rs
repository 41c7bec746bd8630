//! A Mosquitto of the bench's own: persistent, without queue limits, and
//! restartable, so fault runs measure feedboard rather than the machine
//! broker's drop policy.

use crate::{Result, broker::MQTT_PORT, context};
use std::{
    sync::atomic::Ordering,
    time::{Duration, Instant},
};

/// A Mosquitto of the bench's own on a free port, with no queue limit
/// (the system broker drops QoS 1 messages beyond 1,000 queued per client,
/// which would measure its drop policy instead of the consumer) and with
/// persistence in its own folder, so [`restart_own_mosquitto`] keeps
/// sessions and queued messages as a production broker does. Stopped on
/// drop, when the helpers go back to the system broker. One at a time.
pub struct OwnMosquitto {
    dir: std::path::PathBuf,
}

/// The running own broker: its process and config.
struct Instance {
    child: std::process::Child,
    conf: std::path::PathBuf,
    port: u16,
}

static OWN: std::sync::Mutex<Option<Instance>> = std::sync::Mutex::new(None);

impl OwnMosquitto {
    /// Starts it and points the helpers at it.
    pub async fn start() -> Result<Self> {
        if OWN.lock().expect("own broker").is_some() {
            return Err("the bench's own Mosquitto is running already".into());
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(context("no free port"))?
            .port();
        let dir = std::env::temp_dir().join(format!("bench-mosquitto-{port}"));
        std::fs::create_dir_all(&dir).map_err(context("mosquitto dir"))?;
        // Started as root, Mosquitto drops to its own user: that user must be
        // able to write the persistence file here, or sessions die with a restart.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).map_err(context("mosquitto dir"))?;
        let conf = dir.join("mosquitto.conf");
        let text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence true\npersistence_location {}/\n\
             max_queued_messages 0\nmax_inflight_messages 0\n",
            dir.display()
        );
        std::fs::write(&conf, text).map_err(context("mosquitto config"))?;
        let child = spawn_mosquitto(&conf, port).await?;
        *OWN.lock().expect("own broker") = Some(Instance { child, conf, port });
        MQTT_PORT.store(port, Ordering::Relaxed);
        Ok(OwnMosquitto { dir })
    }
}

impl Drop for OwnMosquitto {
    fn drop(&mut self) {
        MQTT_PORT.store(1883, Ordering::Relaxed);
        if let Some(mut own) = OWN.lock().expect("own broker").take() {
            let _ = own.child.kill();
            let _ = own.child.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Stops the bench's own Mosquitto gracefully (SIGTERM: it writes its
/// persistence file), starts it again on the same port and waits until it
/// accepts connections. The machine's Mosquitto is never restarted.
pub async fn restart_own_mosquitto() -> Result {
    let pid = match OWN.lock().expect("own broker").as_ref() {
        Some(own) => own.child.id().to_string(),
        None => return Err("no own Mosquitto to restart: start one with OwnMosquitto::start".into()),
    };
    let killed = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await;
    if !killed.is_ok_and(|s| s.success()) {
        return Err(format!("could not signal the own Mosquitto (pid {pid})"));
    }
    let started = Instant::now();
    let (conf, port) = loop {
        {
            let mut own = OWN.lock().expect("own broker");
            let own = own.as_mut().ok_or("the own Mosquitto was dropped during a restart")?;
            if own.child.try_wait().map_err(context("own Mosquitto"))?.is_some() {
                break (own.conf.clone(), own.port);
            }
        }
        if started.elapsed() > Duration::from_secs(30) {
            return Err(format!("the own Mosquitto (pid {pid}) did not exit in 30 s"));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let child = spawn_mosquitto(&conf, port).await?;
    if let Some(own) = OWN.lock().expect("own broker").as_mut() {
        own.child = child;
    }
    Ok(())
}

/// Spawns Mosquitto with `conf` and waits (at most 10 s) until `port` accepts.
async fn spawn_mosquitto(conf: &std::path::Path, port: u16) -> Result<std::process::Child> {
    let mut child = std::process::Command::new("mosquitto")
        .arg("-c")
        .arg(conf)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(context("start mosquitto"))?;
    let started = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            return Err("the bench's own mosquitto did not start in 10 s".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(child)
}
