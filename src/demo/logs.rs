//! Synthetic log lines from a few services: mostly INFO, some warnings and
//! errors, now and then a multi-line stack trace; JSON and plain text.

use super::{PUBLISH_TICK, publisher::Outbound};
use rand::{Rng, SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde_json::json;
use tokio::sync::mpsc;

const SOURCES: [&str; 5] = ["api-1", "api-2", "worker-1", "billing", "db-proxy"];
const PATHS: [&str; 6] = ["/api/orders", "/api/quotes", "/api/users/me", "/api/portfolio", "/login", "/api/alerts"];

/// A make-believe fleet of services writing logs.
pub struct Service {
    rng: StdRng,
    next_id: u64,
}

impl Service {
    pub fn new(seed: u64) -> Self {
        Service { rng: StdRng::seed_from_u64(seed), next_id: seed % 1_000_000_000 }
    }

    /// The next line: routing-key suffix and payload.
    pub fn next_line(&mut self) -> (String, Vec<u8>) {
        let source = *SOURCES.choose(&mut self.rng).expect("sources are not empty");
        let roll: f64 = self.rng.r#gen();
        let (level, message) = if roll < 0.68 {
            let path = PATHS.choose(&mut self.rng).expect("paths are not empty");
            let status = if self.rng.gen_bool(0.95) { 200 } else { 404 };
            ("INFO", format!("GET {path} {status} in {} ms", self.rng.gen_range(2..180)))
        } else if roll < 0.80 {
            ("DEBUG", format!("cache miss for key user:{}", self.rng.gen_range(1000..9999)))
        } else if roll < 0.92 {
            (
                "WARN",
                format!(
                    "slow query took {} ms: SELECT * FROM positions WHERE account_id = $1",
                    self.rng.gen_range(500..4000)
                ),
            )
        } else if roll < 0.99 {
            (
                "ERROR",
                format!(
                    "payment provider timeout after {} ms (attempt {}/3)",
                    self.rng.gen_range(3000..9000),
                    self.rng.gen_range(1..4)
                ),
            )
        } else {
            ("FATAL", "worker crashed: out of memory".to_owned())
        };
        self.next_id += 1;
        let key = format!("{source}.{}", level.to_ascii_lowercase());
        // Errors from the worker come as plain text with a stack trace.
        if level == "ERROR" && source == "worker-1" {
            let trace = format!(
                "ERROR {message}\n    at billing::charge (src/billing.rs:{})\n    at worker::run (src/worker.rs:88)\n    at tokio::runtime::task (task.rs:42)",
                self.rng.gen_range(10..300)
            );
            return (key, trace.into_bytes());
        }
        let line = json!({
            "ts": crate::model::time::format(&chrono::Utc::now()),
            "level": level,
            "source": source,
            "message": message,
            "id": format!("demo-log-{}", self.next_id),
        });
        (key, line.to_string().into_bytes())
    }

    /// Sends about `per_second` lines a second, in bursts now and then,
    /// to `prefix.<source>.<level>` (AMQP) or `prefix/…` (MQTT).
    pub async fn publish_to(mut self, out: mpsc::Sender<Outbound>, per_second: u32, prefix: &str) {
        let separator = if prefix.contains('/') { "/" } else { "." };
        let mut interval = tokio::time::interval(PUBLISH_TICK);
        let per_tick = f64::from(per_second) * PUBLISH_TICK.as_secs_f64();
        loop {
            interval.tick().await;
            let burst = if self.rng.gen_bool(0.002) { 30 } else { 0 };
            let count = burst + usize::from(self.rng.gen_bool(per_tick.min(1.0)));
            for _ in 0..count {
                let (key, payload) = self.next_line();
                let key = format!("{prefix}{separator}{}", key.replace('.', separator));
                if out.send((key, payload)).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::parse::{Arrival, Parsed, parse};

    #[test]
    fn lines_parse_with_every_level() {
        let mut service = Service::new(3);
        let mut levels = std::collections::BTreeSet::new();
        for _ in 0..5000 {
            let (key, payload) = service.next_line();
            let arrival = Arrival::at(&key, chrono::Utc::now());
            match parse(crate::model::FeedKind::Logs, &Default::default(), &payload, arrival, 65536) {
                Ok(Parsed::Log(l)) => {
                    levels.insert(l.level);
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(levels.into_iter().collect::<Vec<_>>(), ["DEBUG", "ERROR", "FATAL", "INFO", "WARN"]);
    }
}
