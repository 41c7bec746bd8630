//! The process's Prometheus recorder and the catalogue of every series it
//! exports: HELP text for each, histogram buckets by unit,
//! `process_start_time_seconds`.
//!
//! Adding a series means adding it to [`SERIES`] and to the README's
//! metrics table; the tests below fail on a `counter!`/`gauge!`/
//! `histogram!` in `src/` that is missing from either.

use metrics::Unit;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use std::{
    sync::OnceLock,
    time::{SystemTime, UNIX_EPOCH},
};

/// What kind of series.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

/// One exported series.
#[derive(Clone, Copy, Debug)]
pub struct Series {
    pub name: &'static str,
    pub kind: Kind,
    /// Its labels, comma-separated, for the README (`""` when none).
    pub labels: &'static str,
    pub help: &'static str,
}

/// The bounds of histograms in seconds: 1 ms to 5 min.
pub const SECONDS_BUCKETS: &[f64] =
    &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// The bounds of histograms in messages (a batch holds at most
/// `FEEDBOARD_BATCH_MAX`, 1000 by default).
pub const MESSAGES_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0];

const fn series(name: &'static str, kind: Kind, labels: &'static str, help: &'static str) -> Series {
    Series { name, kind, labels, help }
}

use Kind::{Counter, Gauge, Histogram};

/// Every series feedboard exports, with its HELP text.
pub const SERIES: &[Series] = &[
    // Process and HTTP.
    series("process_start_time_seconds", Gauge, "", "Start time of the process since the Unix epoch, in seconds."),
    series("feedboard_uptime_seconds", Gauge, "", "Seconds since this process started serving."),
    series(
        "feedboard_http_requests_total",
        Counter,
        "method, route, status",
        "HTTP requests answered, by route template and status.",
    ),
    series(
        "feedboard_http_request_duration_seconds",
        Histogram,
        "method, route, status",
        "Time from request to response head (streams and sockets: until they open).",
    ),
    series("feedboard_http_misdirected_total", Counter, "", "Requests refused with 421 for an unknown Host."),
    series(
        "feedboard_client_cap_refusals_total",
        Counter,
        "",
        "Streams and sockets refused because their client address had too many open.",
    ),
    series("feedboard_db_pool_connections", Gauge, "", "Open connections of the request database pool."),
    series("feedboard_ingest_db_pool_connections", Gauge, "", "Open connections of the ingest database pool."),
    // Accounts.
    series(
        "feedboard_password_checks_refused_total",
        Counter,
        "",
        "Password checks refused because the hashing queue was full.",
    ),
    series(
        "feedboard_rate_limiter_evictions_total",
        Counter,
        "",
        "Times a full rate limiter dropped its least recently used half.",
    ),
    // Ingest.
    series("feedboard_feed_connected", Gauge, "feed", "1 while the feed's broker connection is up, else 0."),
    series("feedboard_ingest_received_total", Counter, "feed", "Messages received from the broker."),
    series("feedboard_ingest_stored_total", Counter, "feed", "Messages committed to the history."),
    series(
        "feedboard_ingest_rejected_total",
        Counter,
        "feed",
        "Messages rejected by the payload rules (kept in rejected_messages).",
    ),
    series(
        "feedboard_ingest_lag_seconds",
        Histogram,
        "feed",
        "Age of a batch's oldest message when the batch is written.",
    ),
    series("feedboard_commit_seconds", Histogram, "", "Time to commit one ingest batch."),
    series("feedboard_batch_size_messages", Histogram, "", "Messages per committed ingest batch."),
    // Live streams.
    series("feedboard_sse_clients", Gauge, "", "Open live streams (SSE)."),
    series("feedboard_sse_replays", Gauge, "", "Open replay streams (SSE with replay_from)."),
    series(
        "feedboard_sse_stalled_total",
        Counter,
        "",
        "Live streams ended because the client read nothing within the send timeout.",
    ),
    series(
        "feedboard_sse_lagged_total",
        Counter,
        "",
        "Live messages a stream missed in the hub (it then catches up from the database).",
    ),
    series(
        "feedboard_sse_replayed_total",
        Counter,
        "",
        "Messages sent to live streams from the database (resume and catch-up).",
    ),
    series("feedboard_sse_resets_total", Counter, "", "Live streams told to reset (their resume point was gone)."),
    series("feedboard_sse_replays_active", Gauge, "", "Replay page reads holding a turn now."),
    series("feedboard_sse_replays_waiting", Gauge, "", "Replay page reads waiting for a turn."),
    series("feedboard_sse_replay_waits_total", Counter, "", "Replay page reads that had to wait for a turn."),
    series(
        "feedboard_push_latency_seconds",
        Histogram,
        "",
        "Time from a message's commit to its write on a live stream.",
    ),
    // Interaction socket.
    series("feedboard_ws_clients", Gauge, "", "Open interaction WebSockets."),
    series("feedboard_ws_messages_total", Counter, "direction, type", "WebSocket messages, in (by type) and out."),
    series("feedboard_ws_rate_limited_total", Counter, "", "WebSocket messages refused by the rate limit."),
    series("feedboard_ws_slow_closed_total", Counter, "", "WebSockets closed for not keeping up."),
    // Cluster.
    series("feedboard_cluster_nodes", Gauge, "", "Live nodes this node knows of, itself included."),
    series("feedboard_cluster_events_total", Counter, "", "Cluster bus events received from other nodes."),
    series(
        "feedboard_cluster_dropped_total",
        Counter,
        "",
        "Cluster bus events not sent (a full queue or a failed send).",
    ),
    series(
        "feedboard_cluster_resyncs_total",
        Counter,
        "",
        "Times the cluster bus connection was lost and the node caught up.",
    ),
    series(
        "feedboard_cluster_relayed_total",
        Counter,
        "",
        "Other nodes' committed messages relayed into the local hub.",
    ),
    series(
        "feedboard_cluster_caught_up_total",
        Counter,
        "",
        "Times the relay found a feed behind the database and caught it up.",
    ),
    // Exports.
    series("feedboard_exports_total", Counter, "outcome", "History exports, by outcome (complete, broken, refused)."),
    series("feedboard_export_rows_total", Counter, "", "Rows written by history exports."),
    // History upkeep.
    series("feedboard_prune_runs_total", Counter, "", "Upkeep steps that ran (pruning, rollups, partitions)."),
    series("feedboard_pruned_rows_total", Counter, "", "History rows deleted past retention."),
    series("feedboard_partitions_dropped_total", Counter, "", "Day partitions dropped past retention."),
    series("feedboard_rolled_up_ticks_total", Counter, "", "Ticks rolled up into candles."),
    series("feedboard_upkeep_step_seconds", Histogram, "", "Time of one upkeep step."),
    series("feedboard_upkeep_errors_total", Counter, "", "Upkeep steps that failed."),
    series("feedboard_alert_firings_total", Counter, "", "Alert firings stored (once per crossing, cluster-wide)."),
    series("feedboard_alert_errors_total", Counter, "", "Alert evaluation rounds that failed (retried next round)."),
    series("feedboard_alert_webhooks_total", Counter, "outcome", "Alert webhook attempts: delivered or failed."),
    series("feedboard_table_rows", Gauge, "table", "Rows per history table (the planner's estimate)."),
    series("feedboard_table_bytes", Gauge, "table", "Bytes on disk per history table, indexes included."),
    series("feedboard_table_partitions", Gauge, "table", "Partitions per history table."),
    series("feedboard_rollup_lag_ticks", Gauge, "", "Ticks not yet rolled up into candles."),
];

/// The process-wide recorder, installed on first use with the buckets,
/// every series described and the process start time set.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let handle = builder().install_recorder().expect("no other metrics recorder is installed in this process");
            describe_all();
            let start = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            metrics::gauge!("process_start_time_seconds").set(start.as_secs_f64());
            handle
        })
        .clone()
}

/// Histograms as Prometheus histograms (`_bucket` series), with bounds by
/// the unit their name ends with; a histogram of another unit is exported
/// as a summary (the test below keeps that from happening).
fn builder() -> PrometheusBuilder {
    let rules: [(Matcher, &[f64]); 2] = [
        (Matcher::Suffix("_seconds".into()), SECONDS_BUCKETS),
        (Matcher::Suffix("_messages".into()), MESSAGES_BUCKETS),
    ];
    rules.into_iter().fold(PrometheusBuilder::new(), |builder, (matcher, bounds)| {
        builder.set_buckets_for_metric(matcher, bounds).expect("bucket bounds are not empty")
    })
}

/// Gives every series of [`SERIES`] its HELP text and unit.
pub fn describe_all() {
    for s in SERIES {
        let unit = unit_of(s.name);
        match (s.kind, unit) {
            (Kind::Counter, Some(unit)) => metrics::describe_counter!(s.name, unit, s.help),
            (Kind::Counter, None) => metrics::describe_counter!(s.name, s.help),
            (Kind::Gauge, Some(unit)) => metrics::describe_gauge!(s.name, unit, s.help),
            (Kind::Gauge, None) => metrics::describe_gauge!(s.name, s.help),
            (Kind::Histogram, Some(unit)) => metrics::describe_histogram!(s.name, unit, s.help),
            (Kind::Histogram, None) => metrics::describe_histogram!(s.name, s.help),
        }
    }
}

/// The unit a series' name ends with, when it is one `metrics` knows.
fn unit_of(name: &str) -> Option<Unit> {
    let name = name.strip_suffix("_total").unwrap_or(name);
    if name.ends_with("_seconds") {
        Some(Unit::Seconds)
    } else if name.ends_with("_bytes") {
        Some(Unit::Bytes)
    } else if name.ends_with("_connections") || name.ends_with("_messages") || name.ends_with("_rows") {
        Some(Unit::Count)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
