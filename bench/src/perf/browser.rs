//! The browser under load: a dashboard (ticker, chart, log tail) in headless
//! Chromium at 5k ticks/s + 1k log lines/s; longest main-thread task and JS
//! heap growth, beside the same dashboard idle; then a cold page's time to
//! its first live tick under the same load. The page work is in
//! `end2end/bench/browser.bench.ts`.

use super::Scale;
use feedboard_bench::{
    Result,
    report::{Report, Row},
    server::{ADMIN_PASSWORD, Server},
};
use serde_json::Value;

/// Adds the browser rows.
pub async fn measure(report: &mut Report, server: &Server, scale: Scale) -> Result {
    let dir = std::path::absolute(crate::out_dir()).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let result = dir.join("browser.json");
    let _ = std::fs::remove_file(&result);
    let status = tokio::process::Command::new("node_modules/.bin/playwright")
        .args(["test", "-c", "end2end/bench.config.ts"])
        .env("BASE_URL", server.url())
        .env("E2E_ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("BENCH_SECONDS", scale.browser_seconds.to_string())
        .env("BENCH_RESULT", &result)
        .status()
        .await
        .map_err(|e| format!("playwright: {e}"))?;
    let text =
        std::fs::read_to_string(&result).map_err(|e| format!("the browser bench wrote no result ({status}): {e}"))?;
    let r: Value = serde_json::from_str(&text).map_err(|e| format!("browser result: {e}"))?;
    let n = |phase: &str, key: &str| r[phase][key].as_f64().unwrap_or(0.0);
    let load = format!(
        "{:.0} ticks/s + {:.0} lines/s for {} s; rows rendered {:.0}",
        n("load", "tickRate"),
        n("load", "logRate"),
        scale.browser_seconds,
        n("load", "logRows")
    );
    report.add(
        Row::new("browser: longest main-thread task", n("load", "longestTaskMs"), "ms")
            .baseline(n("idle", "longestTaskMs"))
            .at_most(50.0)
            .note(format!("{load}; baseline: same page idle")),
    );
    // One longest task is one sample; how many there were, and their share
    // of the time, say more on a noisy machine.
    let per_minute = |phase: &str, secs: f64| n(phase, "longTasks") * 60.0 / secs.max(1.0);
    let busy = |phase: &str, secs: f64| n(phase, "longTaskMs") / (secs.max(1.0) * 1000.0) * 100.0;
    let (idle_secs, load_secs) = ((scale.browser_seconds.min(10)) as f64, scale.browser_seconds as f64);
    report.add(
        Row::new("browser: tasks over 50 ms per minute", per_minute("load", load_secs), "/min")
            .baseline(per_minute("idle", idle_secs))
            .note(format!(
                "{:.0} long tasks, {:.1}% of the time; baseline: same page idle",
                n("load", "longTasks"),
                busy("load", load_secs)
            )),
    );
    report.add(
        Row::new("browser: frames over 50 ms per minute", n_frames(&r, "load") * 60.0 / load_secs.max(1.0), "/min")
            .baseline(n_frames(&r, "idle") * 60.0 / idle_secs.max(1.0))
            .note(long_frames(&r["load"]["longFrames"])),
    );
    report.add(Row::new("browser: cold page → first live tick", n("cold", "firstTickMs"), "ms").note(format!(
        "new context (empty cache) under the same load: HTML after {:.0} ms, hydrated after {:.0} ms",
        n("cold", "htmlMs"),
        n("cold", "hydratedMs")
    )));
    report.add(
        Row::new("browser: JS heap growth", n("load", "heapGrowthMb"), "MiB")
            .baseline(n("idle", "heapGrowthMb"))
            .note(format!("heap {:.1} → {:.1} MiB", n("load", "heapStartMb"), n("load", "heapEndMb"))),
    );
    Ok(())
}

fn n_frames(r: &Value, phase: &str) -> f64 {
    r[phase]["longFrames"]["count"].as_f64().unwrap_or(0.0)
}

/// Where the long frames' time went: scripts (by invoker), forced layouts,
/// style and layout after the scripts.
fn long_frames(f: &Value) -> String {
    let ms = |key: &str| f[key].as_f64().unwrap_or(0.0);
    let mut invokers: Vec<(&String, f64)> = f["invokers"]
        .as_object()
        .map(|o| o.iter().map(|(k, v)| (k, v.as_f64().unwrap_or(0.0))).collect())
        .unwrap_or_default();
    invokers.sort_by(|a, b| b.1.total_cmp(&a.1));
    let top: Vec<String> = invokers.iter().take(4).map(|(k, v)| format!("{k} {v:.0} ms")).collect();
    format!(
        "{:.0} frames, {:.0} ms: scripts {:.0} ms ({}), of which forced layout {:.0} ms; style and layout {:.0} ms",
        ms("count"),
        ms("totalMs"),
        ms("scriptMs"),
        top.join(", "),
        ms("forcedLayoutMs"),
        ms("styleLayoutMs")
    )
}
