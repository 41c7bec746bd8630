//! Hostile input (`feedboard-bench hostile`): malformed broker messages
//! among valid ones, then schemathesis fuzzing the HTTP API from its
//! OpenAPI document. The server must neither crash nor answer 5xx.

mod fuzz_api;
mod messages;
mod payloads;

use feedboard_bench::{Result, report::Report, server::Server};

/// Sizes of one run.
#[derive(Clone, Copy, Debug)]
struct Scale {
    /// Malformed broker messages in all (as many valid ones go between them).
    malformed: u64,
    /// Generated cases per API operation.
    examples: u32,
}

const FULL: Scale = Scale { malformed: 10_000, examples: 100 };
const QUICK: Scale = Scale { malformed: 1_000, examples: 10 };

/// Runs both halves, prints the table, writes `hostile.json`; fails when a
/// figure misses its target.
pub async fn run(quick: bool) -> Result {
    let scale = if quick { QUICK } else { FULL };
    println!("hostile run at {scale:?}");
    let mut report = Report::default();
    let (mut server, _) = Server::start("feedboard_bench_hostile", &[]).await?;
    messages::measure(&mut report, &mut server, scale.malformed).await?;
    fuzz_api::measure(&mut report, &server, scale.examples).await?;
    let alive = server.is_running() && server.healthy().await;
    report.finish("feedboard hostile", "hostile")?;
    if !alive {
        return Err(format!("the server did not survive the API fuzzing; see {}", server.log.display()));
    }
    if report.all_met() { Ok(()) } else { Err("hostile: some figures missed their target (see the table)".into()) }
}
