//! The in-flight byte budget of one feed: every delivery holds a share of it
//! from the moment it leaves the broker connection until the writer is done
//! with it (stored or rejected, and acknowledged). A source that finds the
//! budget spent stops reading from its broker until the writer catches up,
//! so a publisher of huge messages cannot exhaust memory, whatever the
//! broker's message count limits allow.

use std::sync::Arc;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Bytes a feed may hold between its broker and the database.
#[derive(Clone, Debug)]
pub struct Budget {
    bytes: Arc<Semaphore>,
    limit: u32,
}

/// A delivery's share of the budget, given back when dropped.
#[derive(Debug)]
pub struct Held(#[allow(dead_code)] OwnedSemaphorePermit);

impl Budget {
    /// A budget of `limit` bytes (at least 1 KiB, at most 4 GiB).
    pub fn new(limit: usize) -> Self {
        let limit = u32::try_from(limit.max(1024)).unwrap_or(u32::MAX);
        Budget { bytes: Arc::new(Semaphore::new(limit as usize)), limit }
    }

    /// Waits until `size` bytes are free and takes them. A message larger
    /// than the whole budget takes all of it, so it still passes, alone.
    pub async fn take(&self, size: usize) -> Held {
        let want = u32::try_from(size).unwrap_or(u32::MAX).clamp(1, self.limit);
        let permit = self.bytes.clone().acquire_many_owned(want).await.expect("the budget's semaphore is never closed");
        Held(permit)
    }

    /// Takes `size` bytes if they are free now.
    pub fn try_take(&self, size: usize) -> Option<Held> {
        let want = u32::try_from(size).unwrap_or(u32::MAX).clamp(1, self.limit);
        self.bytes.clone().try_acquire_many_owned(want).ok().map(Held)
    }

    /// Bytes currently held.
    pub fn in_use(&self) -> usize {
        self.limit as usize - self.bytes.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn holds_until_dropped_and_lets_a_huge_message_through_alone() {
        let budget = Budget::new(4096);
        let a = budget.take(3000).await;
        assert!(budget.try_take(2000).is_none(), "over the budget");
        assert_eq!(budget.in_use(), 3000);
        drop(a);
        let huge = budget.take(10 << 20).await;
        assert_eq!(budget.in_use(), 4096, "a message over the budget takes all of it");
        assert!(budget.try_take(1).is_none());
        drop(huge);
        assert_eq!(budget.in_use(), 0);
    }
}
