//! A process-wide bound on replay reads: however many streams resume at
//! once (a reconnect storm after a deploy), at most `n` replay pages are read
//! from Postgres at a time; the other streams wait their turn, in order.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Permits to read one replay page; cheap to clone.
#[derive(Clone, Debug)]
pub struct ReplayLimiter {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    permits: Arc<Semaphore>,
    size: usize,
    waiting: AtomicUsize,
}

/// Held while one page is read; dropping it lets the next stream in.
#[derive(Debug)]
pub struct ReplayPermit {
    _permit: OwnedSemaphorePermit,
}

impl ReplayLimiter {
    /// At most `n` (at least 1) pages read at once.
    pub fn new(n: usize) -> Self {
        let size = n.max(1);
        Self { inner: Arc::new(Inner { permits: Arc::new(Semaphore::new(size)), size, waiting: AtomicUsize::new(0) }) }
    }

    /// Waits for a turn to read a page.
    pub async fn acquire(&self) -> ReplayPermit {
        if let Ok(permit) = self.inner.permits.clone().try_acquire_owned() {
            return ReplayPermit { _permit: permit };
        }
        let _waiting = Waiting::new(&self.inner.waiting);
        metrics::counter!("feedboard_sse_replay_waits_total").increment(1);
        let permit = self.inner.permits.clone().acquire_owned().await.expect("the replay semaphore is never closed");
        ReplayPermit { _permit: permit }
    }

    /// Pages being read right now.
    pub fn active(&self) -> usize {
        self.inner.size - self.inner.permits.available_permits()
    }

    /// Streams waiting for a turn right now.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.load(Ordering::Relaxed)
    }
}

/// Counts a waiter for as long as it waits (also when its stream ends first).
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        metrics::gauge!("feedboard_sse_replays_waiting").increment(1.0);
        Waiting(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
        metrics::gauge!("feedboard_sse_replays_waiting").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiters_get_in_as_permits_are_dropped() {
        let limiter = ReplayLimiter::new(1);
        let first = limiter.acquire().await;
        assert_eq!((limiter.active(), limiter.waiting()), (1, 0));
        let second = tokio::spawn({
            let limiter = limiter.clone();
            async move { limiter.acquire().await }
        });
        while limiter.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!((limiter.active(), limiter.waiting()), (1, 1), "the second waits");
        drop(first);
        let second = second.await.unwrap();
        assert_eq!((limiter.active(), limiter.waiting()), (1, 0));
        drop(second);
        assert_eq!(limiter.active(), 0);
    }
}
