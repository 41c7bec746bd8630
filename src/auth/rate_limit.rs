//! A keyed token bucket: `burst` requests at once, then `per_second` steady,
//! with a bounded number of keys.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Keys a limiter remembers unless told otherwise.
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// Limits how often each key (user, address) may act.
#[derive(Debug)]
pub struct RateLimiter<K> {
    burst: f64,
    per_second: f64,
    max_keys: usize,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl<K: Hash + Eq + Clone> RateLimiter<K> {
    /// A limiter allowing `burst` actions at once, refilled at `per_second`.
    pub fn new(burst: u32, per_second: f64) -> Self {
        Self::with_max_keys(burst, per_second, DEFAULT_MAX_KEYS)
    }

    /// Like [`RateLimiter::new`], remembering at most `max_keys` keys.
    pub fn with_max_keys(burst: u32, per_second: f64, max_keys: usize) -> Self {
        Self { burst: f64::from(burst), per_second, max_keys: max_keys.max(2), buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one token for `key`; `Err(wait)` says how long until one is free.
    pub fn check(&self, key: &K) -> Result<(), Duration> {
        self.check_at(key, Instant::now())
    }

    /// Gives back the token taken by the last `check` for `key`: for limits
    /// that count only failures (a correct sign-in costs nothing).
    pub fn refund(&self, key: &K) {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(self.burst);
        }
    }

    /// How many keys are remembered now.
    pub fn len(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no key is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= self.max_keys && !buckets.contains_key(key) {
            self.shrink(&mut buckets, now);
        }
        let bucket = buckets.entry(key.clone()).or_insert(Bucket { tokens: self.burst, updated: now });
        let refill = now.duration_since(bucket.updated).as_secs_f64() * self.per_second;
        bucket.tokens = (bucket.tokens + refill).min(self.burst);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / self.per_second))
        }
    }

    /// Makes room: forgets buckets that have refilled (forgetting them
    /// changes nothing), then, if that is not enough, the least recently
    /// used half. Down to half the capacity, so the O(n) pass runs at most
    /// once per `max_keys / 2` new keys and memory stays bounded whatever a
    /// flood of distinct keys does.
    fn shrink(&self, buckets: &mut HashMap<K, Bucket>, now: Instant) {
        let (burst, rate) = (self.burst, self.per_second);
        buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst);
        let target = self.max_keys / 2;
        if buckets.len() > target {
            let mut ages: Vec<Instant> = buckets.values().map(|b| b.updated).collect();
            let cut = ages.len() - target;
            let (_, oldest_kept, _) = ages.select_nth_unstable(cut);
            let oldest_kept = *oldest_kept;
            buckets.retain(|_, b| b.updated >= oldest_kept);
        }
        metrics::counter!("feedboard_rate_limiter_evictions_total").increment(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_a_burst_then_the_steady_rate() {
        let limiter = RateLimiter::new(3, 1.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check_at(&"alice", t0).is_ok());
        }
        let wait = limiter.check_at(&"alice", t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1));
        assert!(limiter.check_at(&"bob", t0).is_ok(), "keys are independent");
        assert!(limiter.check_at(&"alice", t0 + Duration::from_millis(1001)).is_ok());
        assert!(limiter.check_at(&"alice", t0 + Duration::from_millis(1002)).is_err());
    }

    #[test]
    fn a_refund_returns_the_token() {
        let limiter = RateLimiter::new(1, 0.001);
        let t0 = Instant::now();
        assert!(limiter.check_at(&"alice", t0).is_ok());
        limiter.refund(&"alice");
        assert!(limiter.check_at(&"alice", t0).is_ok());
        assert!(limiter.check_at(&"alice", t0).is_err());
    }

    #[test]
    fn a_flood_of_distinct_keys_stays_within_the_capacity() {
        // Every key is half-used (not refilled), so "forget the full ones"
        // alone would keep them all.
        let limiter = RateLimiter::with_max_keys(10, 0.001, 100);
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            let _ = limiter.check_at(&i, t0 + Duration::from_micros(u64::from(i)));
            assert!(limiter.len() <= 100, "{} keys after {i}", limiter.len());
        }
        // The most recent keys are remembered: a key still being throttled
        // keeps its (empty) bucket through the pruning of older ones.
        let hot = RateLimiter::with_max_keys(1, 0.001, 10);
        assert!(hot.check_at(&u32::MAX, t0).is_ok());
        for i in 0..100u32 {
            let now = t0 + Duration::from_millis(u64::from(i));
            let _ = hot.check_at(&i, now);
            assert!(hot.check_at(&u32::MAX, now).is_err(), "the hot key stays throttled after {i}");
        }
    }
}
