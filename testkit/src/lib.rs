//! What the integration tests (`tests/`) and the proof suite (`bench/`)
//! share: one SSE client for `/api/v1/stream`, and publishers on the real
//! brokers. Everything talks to loopback only.

pub mod brokers;
pub mod pki;
pub mod processes;
pub mod sse;

/// Result of a step; the message says what failed.
pub type Result<T = ()> = std::result::Result<T, String>;

/// Turns any error into the step's message, with what was being done.
pub fn context<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

/// A name unique to this run, for topics, exchanges, queues and feeds.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &uuid::Uuid::new_v4().simple().to_string()[..10])
}
