//! Measuring a takeover: from a fault on the node that ingests some feeds
//! until another node says, in its own status, that it ingests each of them
//! and is connected.

use feedboard_bench::api::Api;
use std::time::{Duration, Instant};

/// Longest a takeover is waited for.
pub const LIMIT: Duration = Duration::from_secs(60);

/// What one fault did to one feed.
#[derive(Debug, Clone)]
pub struct Takeover {
    pub feed: String,
    /// The node that ingested it before the fault.
    pub from: String,
    /// The node that took it over, and how long after the fault it showed
    /// `connected`; `None` if none did within [`LIMIT`].
    pub by: Option<(String, Duration)>,
}

/// Polls every survivor `(id, api)` every 50 ms until each of `feeds`
/// (ingested by `from` until `fault_at`) is ingested and connected on one
/// of them, or [`LIMIT`] passed.
pub async fn watch(survivors: &[(String, Api)], feeds: &[String], from: &str, fault_at: Instant) -> Vec<Takeover> {
    let mut found: Vec<Takeover> =
        feeds.iter().map(|feed| Takeover { feed: feed.clone(), from: from.to_owned(), by: None }).collect();
    while found.iter().any(|t| t.by.is_none()) && fault_at.elapsed() < LIMIT {
        for takeover in found.iter_mut().filter(|t| t.by.is_none()) {
            for (node, api) in survivors {
                let status = tokio::time::timeout(Duration::from_secs(1), api.status(&takeover.feed)).await;
                let Ok(Ok(status)) = status else { continue };
                if status["ingested_by"] == node.as_str() && status["state"] == "connected" {
                    takeover.by = Some((node.clone(), fault_at.elapsed()));
                    break;
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    found
}
