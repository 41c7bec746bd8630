//! Capped exponential backoff with jitter, for every reconnect loop: ingest
//! on the server, the live stream and the room socket in the browser. Pure:
//! the caller supplies the randomness, so one type serves both targets and
//! tests are deterministic.

use std::time::Duration;

/// Delays that double from `min` up to `max`, each scaled by a random
/// factor within `1 ± jitter` (and never above `max`), so clients that lost
/// the same server do not all come back in the same instant.
#[derive(Clone, Debug, PartialEq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    /// How far a delay may stray from its base, as a fraction (0 to 1).
    jitter: f64,
    /// The base of the next delay.
    current: Duration,
}

impl Backoff {
    /// Delays doubling from `min` to `max`, without jitter.
    pub const fn new(min: Duration, max: Duration) -> Self {
        Backoff { min, max, jitter: 0.0, current: min }
    }

    /// The same delays, each randomised by ±`jitter` (a fraction; clamped
    /// to 0 to 1: `0.25` is ±25 %).
    pub const fn with_jitter(self, jitter: f64) -> Self {
        Backoff { jitter: jitter.clamp(0.0, 1.0), ..self }
    }

    /// The delay before the next attempt. `random` is a uniformly random
    /// number in `[0, 1)` (values outside are clamped); `0.5` gives the
    /// unjittered base.
    pub fn next_delay(&mut self, random: f64) -> Duration {
        let base = self.current;
        self.current = self.current.saturating_mul(2).min(self.max);
        let factor = 1.0 - self.jitter + 2.0 * self.jitter * random.clamp(0.0, 1.0);
        base.mul_f64(factor).min(self.max)
    }

    /// Back to the shortest delay, after a success.
    pub fn reset(&mut self) {
        self.current = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(millis: u64) -> Duration {
        Duration::from_millis(millis)
    }

    fn delays(backoff: &mut Backoff, randoms: &[f64]) -> Vec<Duration> {
        randoms.iter().map(|r| backoff.next_delay(*r)).collect()
    }

    #[test]
    fn doubles_up_to_the_cap() {
        let mut b = Backoff::new(ms(100), ms(1000)).with_jitter(0.5);
        assert_eq!(delays(&mut b, &[0.5; 6]), [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
    }

    #[test]
    fn a_reset_starts_again_from_the_shortest_delay() {
        let mut b = Backoff::new(ms(500), ms(16_000));
        delays(&mut b, &[0.0; 5]);
        b.reset();
        assert_eq!(delays(&mut b, &[0.0; 2]), [ms(500), ms(1000)]);
    }

    #[test]
    fn jitter_stays_within_its_bounds_and_under_the_cap() {
        let mut b = Backoff::new(ms(1000), ms(10_000)).with_jitter(0.25);
        assert_eq!(b.next_delay(0.0), ms(750));
        assert!(b.next_delay(0.999_999) < ms(2500));
        let mut capped = Backoff::new(ms(10_000), ms(10_000)).with_jitter(0.5);
        assert_eq!(capped.next_delay(0.99), ms(10_000), "never above the cap");
        assert_eq!(capped.next_delay(0.0), ms(5000));
    }

    #[test]
    fn no_jitter_means_every_client_waits_the_same() {
        let mut b = Backoff::new(ms(1000), ms(10_000));
        assert_eq!(delays(&mut b, &[0.0, 0.99, 0.3]), [ms(1000), ms(2000), ms(4000)]);
    }

    #[test]
    fn the_same_random_values_give_the_same_delays() {
        let randoms = [0.1, 0.9, 0.42, 0.0, 0.77, 0.5, 0.3];
        let template = Backoff::new(ms(100), ms(5000)).with_jitter(0.5);
        let (mut a, mut b) = (template.clone(), template);
        assert_eq!(delays(&mut a, &randoms), delays(&mut b, &randoms));
    }

    #[test]
    fn out_of_range_inputs_are_clamped() {
        let mut b = Backoff::new(ms(1000), ms(10_000)).with_jitter(3.0);
        assert_eq!(b.next_delay(-1.0), Duration::ZERO, "jitter is clamped to 1: random 0 gives factor 0");
        assert_eq!(b.next_delay(2.0), ms(4000), "random is clamped to 1: factor 2 on the 2 s base");
    }
}
