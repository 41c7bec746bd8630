//! The proof suite's shared parts: a feedboard server process to measure,
//! its REST API, publishers and bare consumers on the real brokers, an SSE
//! client, latency statistics and the report table.
//!
//! Everything talks to loopback only; load generators run in this process,
//! apart from the server they load.

pub mod api;
pub mod broker;
pub mod chaos;
pub mod cpu;
pub mod db;
pub mod faults;
pub mod mosquitto;
pub mod report;
pub mod server;
pub mod stats;

pub use feedboard_testkit::{Result, context, sse};
