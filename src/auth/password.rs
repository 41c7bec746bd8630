//! Password hashing with argon2id (OWASP parameters, per-hash salt), with a
//! bound on how many hashes run at once.
//!
//! Each argon2 run takes 19 MiB and tens of milliseconds of a core. Left
//! unbounded, a flood of sign-ins would start one blocking task per request
//! and exhaust memory; [`Passwords`] lets at most `concurrency` run and at
//! most `max_waiting` wait, and refuses the rest at once with 503.

use crate::error::{AppError, ErrorCode};
use argon2::{
    Argon2,
    password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng},
};
use std::sync::{
    Arc,
    atomic::{AtomicU64, AtomicUsize, Ordering},
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The one place passwords are hashed and checked.
#[derive(Debug)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    concurrency: usize,
    max_waiting: usize,
    waiting: AtomicUsize,
    verifications: AtomicU64,
}

impl Passwords {
    /// Runs at most `concurrency` hashes at once (at least one), with at
    /// most `max_waiting` callers queued behind them.
    pub fn new(concurrency: usize, max_waiting: usize) -> Self {
        let concurrency = concurrency.max(1);
        Self {
            slots: Arc::new(Semaphore::new(concurrency)),
            concurrency,
            max_waiting,
            waiting: AtomicUsize::new(0),
            verifications: AtomicU64::new(0),
        }
    }

    /// Hashes `password` into a PHC string, off the async threads.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        let slot = self.slot().await?;
        tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "hashing task failed");
            AppError::internal()
        })?
        .map_err(|e| {
            tracing::error!(error = %e, "argon2 failed");
            AppError::internal()
        })
    }

    /// Whether `password` matches the PHC string `hash`. A malformed hash
    /// never matches. Every call runs argon2 once (and is counted), so the
    /// caller decides the cost, not the data.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool, AppError> {
        let slot = self.slot().await?;
        self.verifications.fetch_add(1, Ordering::Relaxed);
        Ok(tokio::task::spawn_blocking(move || {
            let _slot = slot;
            PasswordHash::new(&hash)
                .map(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
                .unwrap_or(false)
        })
        .await
        .unwrap_or(false))
    }

    /// How many verifications have run since start (for tests and metrics).
    pub fn verifications(&self) -> u64 {
        self.verifications.load(Ordering::Relaxed)
    }

    /// How many hashes may run at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Waits for a free hashing slot, or refuses when the queue is full.
    /// The slot moves into the blocking task, so a caller that goes away
    /// (a dropped connection) does not free it before argon2 is done.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, AppError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(permit);
        }
        let _queued = Queued::join(&self.waiting, self.max_waiting).ok_or_else(|| {
            metrics::counter!("feedboard_password_checks_refused_total").increment(1);
            AppError::new(
                ErrorCode::Unavailable,
                "too many sign-ins are being checked right now; try again in a few seconds",
            )
        })?;
        self.slots.clone().acquire_owned().await.map_err(|_| AppError::internal())
    }
}

/// A place in the queue for a hashing slot; leaving (also by cancellation)
/// gives it back.
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn join(waiting: &'a AtomicUsize, max: usize) -> Option<Self> {
        waiting.fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| (n < max).then_some(n + 1)).ok()?;
        Some(Queued(waiting))
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Default for Passwords {
    /// As many hashes at once as there are cores, 32 waiting per core.
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(usize::from).unwrap_or(2);
        Self::new(cores, cores * 32)
    }
}

/// A hash of a random password with the default parameters: compared
/// against when the user does not exist, so a wrong username costs the same
/// argon2 run as a wrong password.
pub fn dummy_hash() -> &'static str {
    "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2bHmsvW0oYbQC7J1SRYoTzT2TQ2Wz9tcIlbEdDu9KIw"
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn hashes_verify_and_wrong_passwords_do_not() {
        let passwords = Passwords::default();
        let h = passwords.hash("s3cret!".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(passwords.verify("s3cret!".into(), h.clone()).await.unwrap());
        assert!(!passwords.verify("s3cret".into(), h).await.unwrap());
        assert!(!passwords.verify("x".into(), "not a hash".into()).await.unwrap());
        assert!(!passwords.verify("x".into(), dummy_hash().into()).await.unwrap());
        assert_eq!(passwords.verifications(), 4);
    }

    #[test]
    fn the_dummy_hash_costs_what_a_real_one_does() {
        // A dummy that failed to parse would answer at once, and the time
        // would tell that the user does not exist.
        let dummy = PasswordHash::new(dummy_hash()).expect("the dummy hash parses");
        let salt = SaltString::generate(&mut OsRng);
        let real = Argon2::default().hash_password(b"x", &salt).unwrap();
        assert_eq!(dummy.algorithm, real.algorithm);
        assert_eq!(dummy.version, real.version);
        assert_eq!(dummy.params, real.params, "same memory, time and parallelism cost");
    }

    #[tokio::test]
    async fn at_most_the_concurrency_runs_and_a_full_queue_is_refused() {
        let passwords = Arc::new(Passwords::new(1, 1));
        let held = passwords.slot().await.unwrap();
        let queued = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.slot().await.map(|_| ()) }
        });
        // Wait until the second caller is queued behind the held slot.
        while passwords.waiting.load(Ordering::Acquire) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let refused = passwords.slot().await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Unavailable);
        assert!(refused.message.contains("try again"), "{}", refused.message);
        drop(held);
        queued.await.unwrap().expect("the queued caller gets the slot once it is free");
        assert_eq!(passwords.waiting.load(Ordering::Acquire), 0);
        let _free_again = passwords.slot().await.expect("free again");
    }

    #[tokio::test]
    async fn a_caller_that_gives_up_leaves_the_queue() {
        let passwords = Arc::new(Passwords::new(1, 1));
        let held = passwords.slot().await.unwrap();
        let waiter = tokio::spawn({
            let passwords = passwords.clone();
            async move { passwords.slot().await.map(|_| ()) }
        });
        while passwords.waiting.load(Ordering::Acquire) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        waiter.abort();
        let _ = waiter.await;
        assert_eq!(passwords.waiting.load(Ordering::Acquire), 0, "the aborted caller's place is free");
        drop(held);
    }
}
