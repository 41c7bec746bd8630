//! Latency samples and their percentiles, and the clock senders stamp
//! messages with.

use std::{sync::OnceLock, time::Instant};

/// Microseconds since this process first read the clock: publishers stamp
/// messages with it and receivers in the same process subtract it, so every
/// latency is measured on one monotonic clock.
pub fn micros() -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_micros() as u64
}

/// Latencies in microseconds.
#[derive(Default)]
pub struct Samples(Vec<u64>);

impl Samples {
    /// Adds one latency in microseconds.
    pub fn push(&mut self, micros: u64) {
        self.0.push(micros);
    }

    /// Adds many latencies in microseconds.
    pub fn extend(&mut self, more: Vec<u64>) {
        self.0.extend(more);
    }

    /// Adds another set's samples.
    pub fn merge(&mut self, other: Samples) {
        self.0.extend(other.0);
    }

    /// How many samples there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The `p`-th percentile (0–100) in milliseconds; 0 without samples.
    pub fn percentile_ms(&mut self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        self.0.sort_unstable();
        let rank = ((p / 100.0) * (self.0.len() - 1) as f64).round() as usize;
        self.0[rank.min(self.0.len() - 1)] as f64 / 1000.0
    }
}

#[cfg(test)]
mod tests {
    use super::Samples;

    #[test]
    fn percentiles_pick_by_rank() {
        let mut s = Samples::default();
        s.extend((1..=100).map(|ms| ms * 1000).collect());
        assert_eq!(s.percentile_ms(50.0), 51.0);
        assert_eq!(s.percentile_ms(99.0), 99.0);
        assert_eq!(s.percentile_ms(100.0), 100.0);
        assert_eq!(Samples::default().percentile_ms(50.0), 0.0);
    }
}
