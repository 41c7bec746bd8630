//! Synthetic ticks: a random walk per symbol.

use super::{PUBLISH_TICK, publisher::Outbound};
use rand::{Rng, SeedableRng, rngs::StdRng};
use rand_distr::{Distribution, Normal};
use serde_json::json;
use tokio::sync::mpsc;

const SYMBOLS: [(&str, f64); 10] = [
    ("AAPL", 189.5),
    ("MSFT", 415.2),
    ("GOOG", 171.3),
    ("AMZN", 186.9),
    ("NVDA", 121.4),
    ("META", 502.8),
    ("TSLA", 248.1),
    ("NFLX", 676.0),
    ("AMD", 158.7),
    ("INTC", 30.9),
];

/// Prices of the demo symbols, moving at random.
pub struct Market {
    rng: StdRng,
    prices: Vec<f64>,
    step: Normal<f64>,
    next_id: u64,
}

impl Market {
    pub fn new(seed: u64) -> Self {
        Market {
            rng: StdRng::seed_from_u64(seed),
            prices: SYMBOLS.iter().map(|(_, p)| *p).collect(),
            step: Normal::new(0.0, 0.0008).expect("a valid standard deviation"),
            next_id: seed % 1_000_000_000,
        }
    }

    /// The next tick as JSON: one symbol's price moves a little.
    pub fn next_tick(&mut self) -> (String, serde_json::Value) {
        let i = self.rng.gen_range(0..SYMBOLS.len());
        let price = (self.prices[i] * self.step.sample(&mut self.rng).exp()).max(0.01);
        self.prices[i] = price;
        self.next_id += 1;
        let tick = json!({
            "symbol": SYMBOLS[i].0,
            "price": (price * 100.0).round() / 100.0,
            "size": self.rng.gen_range(1..50) * 100,
            "ts": crate::model::time::format(&chrono::Utc::now()),
            "id": format!("demo-{}", self.next_id),
        });
        (SYMBOLS[i].0.to_owned(), tick)
    }

    /// Sends `per_second` ticks a second to `prefix/<symbol>` until the
    /// channel closes.
    pub async fn publish_to(mut self, out: mpsc::Sender<Outbound>, per_second: u32, prefix: &str) {
        let mut interval = tokio::time::interval(PUBLISH_TICK);
        let per_tick = f64::from(per_second) * PUBLISH_TICK.as_secs_f64();
        let mut budget = 0.0;
        loop {
            interval.tick().await;
            budget += per_tick;
            while budget >= 1.0 {
                budget -= 1.0;
                let (symbol, tick) = self.next_tick();
                if out.send((format!("{prefix}/{symbol}"), tick.to_string().into_bytes())).await.is_err() {
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_valid_payloads_that_wander() {
        let mut market = Market::new(7);
        let ticks: Vec<_> = (0..2000).map(|_| market.next_tick().1).collect();
        for t in &ticks {
            let parsed = crate::ingest::parse::parse(
                crate::model::FeedKind::Ticks,
                &Default::default(),
                t.to_string().as_bytes(),
                crate::ingest::parse::Arrival::at("x", chrono::Utc::now()),
                1024,
            );
            assert!(parsed.is_ok(), "{t}");
        }
        let aapl: Vec<f64> =
            ticks.iter().filter(|t| t["symbol"] == "AAPL").map(|t| t["price"].as_f64().unwrap()).collect();
        assert!(aapl.len() > 100);
        assert!(aapl.iter().any(|p| *p != aapl[0]), "prices move");
        assert!(aapl.iter().all(|p| (p / 189.5 - 1.0).abs() < 0.5), "but stay plausible");
    }
}
