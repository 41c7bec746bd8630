//! A keyed token bucket: `burst` requests at once, then `per_second` steady.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::Mutex,
    time::{Duration, Instant},
};

/// Limits how often each key (user, address) may act.
#[derive(Debug)]
pub struct RateLimiter<K> {
    burst: f64,
    per_second: f64,
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
        Self { burst: f64::from(burst), per_second, buckets: Mutex::new(HashMap::new()) }
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

    fn check_at(&self, key: &K, now: Instant) -> Result<(), Duration> {
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets so a flood of distinct keys cannot grow memory forever.
            let (burst, rate) = (self.burst, self.per_second);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < burst);
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
}
