//! WebSocket broadcast latency with many receivers in one room, beside one
//! receiver: runs the `wsbench` load generator as its own process.

use super::Scale;
use feedboard_bench::{
    Result,
    report::{Report, Row},
    server::{ADMIN_PASSWORD, Server},
};
use serde_json::Value;

/// Adds the WebSocket rows.
pub async fn measure(report: &mut Report, server: &Server, scale: Scale) -> Result {
    let wsbench = std::env::current_exe().map_err(|e| e.to_string())?.with_file_name("wsbench");
    let out = tokio::process::Command::new(&wsbench)
        .args(["--url", &server.url(), "--password", ADMIN_PASSWORD])
        .args(["--clients", &scale.ws_clients.to_string(), "--senders", "4"])
        .args(["--seconds", &scale.seconds.to_string()])
        .output()
        .await
        .map_err(|e| format!("{}: {e}", wsbench.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("WSBENCH_JSON "))
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| format!("wsbench failed: {stdout}{}", String::from_utf8_lossy(&out.stderr)))?;
    let number = |key: &str| summary[key].as_f64().unwrap_or(0.0);
    let note = format!(
        "{} of {} receivers held, {}/{} deliveries; baseline: 1 receiver",
        number("held"),
        number("clients"),
        number("deliveries"),
        number("expected")
    );
    for p in ["p50", "p99"] {
        report.add(
            Row::new(
                format!("WebSocket broadcast {p}, {} in one room", scale.ws_clients),
                number(&format!("{p}_ms")),
                "ms",
            )
            .baseline(number(&format!("baseline_{p}_ms")))
            .note(note.clone()),
        );
    }
    Ok(())
}
