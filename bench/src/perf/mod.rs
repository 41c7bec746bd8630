//! `perf`: every figure of the Performance section, each beside a baseline
//! measured in the same run.

mod browser;
mod history;
mod ingest;
pub mod live;
mod site;
mod storage;
mod ws;

use feedboard_bench::{Result, report::Report, server::Server};

/// Sizes of one run: `--quick` is a smoke run for CI-like checks.
#[derive(Clone, Copy, Debug)]
pub struct Scale {
    /// Messages per ingest run.
    pub ingest: u64,
    /// Rows per storage run.
    pub rows: u64,
    /// Seconds per latency/fan-out step.
    pub seconds: u64,
    /// SSE client counts of the fan-out steps.
    pub fanout: &'static [usize],
    /// Seconds of the browser run.
    pub browser_seconds: u64,
    /// WebSocket receivers in one room.
    pub ws_clients: usize,
    /// SSE clients of the many-viewers step.
    pub viewers: usize,
}

const FULL: Scale = Scale {
    ingest: 100_000,
    rows: 200_000,
    seconds: 10,
    fanout: &[250, 500, 1000, 2000],
    browser_seconds: 120,
    ws_clients: 1000,
    viewers: 10_000,
};
const QUICK: Scale =
    Scale { ingest: 5_000, rows: 10_000, seconds: 3, fanout: &[50], browser_seconds: 10, ws_clients: 50, viewers: 500 };

/// Runs every perf case (or those named in `BENCH_ONLY`, comma-separated:
/// site, ingest, storage, history, live, viewers, ws, browser) and prints the table.
pub async fn run(quick: bool) -> Result {
    let scale = if quick { QUICK } else { FULL };
    let mut report = Report::default();
    println!("perf run at {scale:?}");
    let only = std::env::var("BENCH_ONLY").ok();
    let wants = |case: &str| only.as_deref().is_none_or(|o| o.split(',').any(|c| c == case));
    // Before the server starts, so that it inherits the limit too.
    live::raise_open_files();
    let (server, start_time) = Server::start("feedboard_bench_perf", &[]).await?;
    if wants("site") {
        site::measure(&mut report, start_time)?;
    }
    if wants("ingest") {
        ingest::measure(&mut report, &server, scale).await?;
    }
    if wants("storage") {
        storage::measure(&mut report, scale).await?;
    }
    if wants("history") {
        history::measure(&mut report, quick).await?;
    }
    if wants("live") {
        live::measure(&mut report, &server, scale).await?;
    }
    if wants("viewers") {
        live::viewers(&mut report, &server, scale).await?;
    }
    if wants("ws") {
        ws::measure(&mut report, &server, scale).await?;
    }
    if wants("browser") {
        browser::measure(&mut report, &server, scale).await?;
    }
    report.print("feedboard perf");
    let path = crate::out_dir().join("perf.json");
    report.write_json(&path, crate::run_meta("perf")).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("\nJSON: {}", path.display());
    Ok(())
}
