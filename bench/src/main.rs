//! `feedboard-bench`: the proof suite. Each command starts a release
//! feedboard on a fresh database, drives it through the real brokers from
//! this separate process (loopback only, bounded in count and time), and
//! prints figures beside baselines measured in the same run.
//!
//! ```text
//! cargo xtask bench      # perf: ingest, storage, SSE, WebSocket, browser, size
//! cargo xtask chaos      # broker/Postgres restarts, kill -9, reconnect storms
//! cargo xtask hostile    # malformed broker messages, API fuzzing
//! cargo xtask cluster    # 3 nodes behind HAProxy: kill -9, SIGTERM, fan-out 1 vs 2 nodes
//! cargo xtask soak       # the demo for an hour with a short retention: database size over time
//! ```

mod cluster;
mod hostile;
mod perf;
mod soak;

use feedboard_bench::chaos;
pub use feedboard_bench::report::{out_dir, run_meta};

use std::process::ExitCode;

const USAGE: &str = "usage: feedboard-bench <perf | chaos | hostile | cluster | soak> [--quick]
  (run through `cargo xtask bench|chaos|hostile|cluster|soak`, which builds and sets FEEDBOARD_BIN)";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let result = match args.first().map(String::as_str) {
        Some("perf") => perf::run(quick).await,
        Some("chaos") => chaos::run(quick).await,
        Some("hostile") => hostile::run(quick).await,
        Some("cluster") => cluster::run(quick).await,
        Some("soak") => soak::run(quick).await,
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nfeedboard-bench: {e}");
            ExitCode::FAILURE
        }
    }
}
