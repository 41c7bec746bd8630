//! The ingest loops' backoff: [`model::Backoff`](crate::model::Backoff)
//! with ±50 % jitter drawn from `rand`.

use crate::model;
use std::time::Duration;

/// Delays that double from `min` to `max`, each randomised by ±50%, so
/// many clients do not reconnect in lockstep.
#[derive(Clone, Debug)]
pub struct Backoff(model::Backoff);

impl Backoff {
    /// Delays doubling from `min` to `max`, ±50 % jitter.
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff(model::Backoff::new(min, max).with_jitter(0.5))
    }

    /// The delay before the next attempt.
    pub fn next_delay(&mut self) -> Duration {
        self.0.next_delay(rand::random::<f64>())
    }

    /// Back to the shortest delay, after a success.
    pub fn reset(&mut self) {
        self.0.reset();
    }
}

impl Default for Backoff {
    /// 100 ms up to 5 s: brokers that restart come back within seconds.
    fn default() -> Self {
        Backoff::new(Duration::from_millis(100), Duration::from_secs(5))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let delays: Vec<Duration> = (0..8).map(|_| b.next_delay()).collect();
        assert!(delays[0] >= Duration::from_millis(50) && delays[0] <= Duration::from_millis(150));
        assert!(delays.iter().all(|d| *d <= Duration::from_secs(1)));
        assert!(delays[7] >= Duration::from_millis(500));
        b.reset();
        assert!(b.next_delay() <= Duration::from_millis(150));
    }
}
