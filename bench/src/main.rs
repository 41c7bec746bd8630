//! `feedboard-bench`: the proof suite. Each command starts a release
//! feedboard on a fresh database, drives it through the real brokers from
//! this separate process (loopback only, bounded in count and time), and
//! prints figures beside baselines measured in the same run.
//!
//! ```text
//! cargo xtask bench      # perf: ingest, storage, SSE, WebSocket, browser, size
//! cargo xtask chaos      # broker/Postgres restarts, kill -9, reconnect storms
//! cargo xtask hostile    # malformed broker messages, API fuzzing
//! ```

mod chaos;
mod hostile;
mod perf;

use std::process::ExitCode;

const USAGE: &str = "usage: feedboard-bench <perf [--quick] | chaos [--quick] | hostile [--quick]>
  (run through `cargo xtask bench|chaos|hostile`, which builds and sets FEEDBOARD_BIN)";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let quick = args.iter().any(|a| a == "--quick");
    let result = match args.first().map(String::as_str) {
        Some("perf") => perf::run(quick).await,
        Some("chaos") => chaos::run(quick).await,
        Some("hostile") => hostile::run(quick).await,
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

/// Where reports go: `$BENCH_OUT`, else `target/bench` in the project.
pub fn out_dir() -> std::path::PathBuf {
    std::env::var_os("BENCH_OUT").map(Into::into).unwrap_or_else(|| "target/bench".into())
}

/// What every report records about the run.
pub fn run_meta(command: &str) -> serde_json::Value {
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    serde_json::json!({"command": command, "date": chrono::Utc::now().to_rfc3339(), "cores": cores})
}
