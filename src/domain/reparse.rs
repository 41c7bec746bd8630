//! Re-parsing a feed's stored rejected messages with its current rules:
//! after the mapping is fixed, the messages that parse now are stored (new
//! `seq` numbers, in the order they were received) and leave the rejected
//! list, in transactions of one page each. A page is locked while it is
//! handled, so a repeated or concurrent run never stores a message twice,
//! and an interrupted run leaves every message either stored or rejected.

use crate::{
    cluster::Event,
    domain::Core,
    error::AppError,
    hub::LiveMessage,
    ingest::parse::{self, Arrival, Parsed},
    model::Reparse,
    store::{
        self,
        batch::{NewBatch, Rows, Stored},
        feeds::FeedRow,
        reparse::RejectedRow,
    },
};
use serde_json::json;

/// Rejected messages handled per transaction.
const PAGE: i64 = 500;

/// What a re-parse found, or did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Tally {
    /// Messages that parse now (stored, unless a dry run).
    accepted: u64,
    /// Messages that still fail (they stay rejected).
    still_rejected: u64,
}

/// Counts how many of the feed's rejected messages its rules accept now.
pub async fn dry_run(core: &Core, feed: &str) -> Result<Reparse, AppError> {
    let feed = super::feeds::find(core, feed).await?;
    let (mut found, mut after) = (Tally::default(), 0);
    loop {
        let rows = store::reparse::page(&core.ingest_db, feed.id, after, PAGE).await?;
        let Some(last) = rows.last() else {
            return Ok(Reparse {
                would_accept: Some(found.accepted),
                accepted: None,
                still_rejected: found.still_rejected,
            });
        };
        after = last.id;
        let accepted = rows.iter().filter(|row| parse_row(core, &feed, row).is_some()).count() as u64;
        found.accepted += accepted;
        found.still_rejected += rows.len() as u64 - accepted;
    }
}

/// Stores every rejected message of the feed that its rules accept now.
pub async fn run(core: &Core, actor: &str, feed: &str) -> Result<Reparse, AppError> {
    let feed = super::feeds::find(core, feed).await?;
    let (mut done, mut after) = (Tally::default(), 0);
    loop {
        let page = store::reparse::lock_page(&core.ingest_db, feed.id, after, PAGE).await?;
        let Some(last) = page.rows.last() else { break };
        after = last.id;
        let (mut ticks, mut logs, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for row in &page.rows {
            match parse_row(core, &feed, row) {
                Some(Parsed::Tick(t)) => ticks.push((t, row.received_at)),
                Some(Parsed::Log(l)) => logs.push((l, row.received_at)),
                None => continue,
            }
            ids.push(row.id);
        }
        done.still_rejected += (page.rows.len() - ids.len()) as u64;
        if ids.is_empty() {
            continue;
        }
        let rows = if logs.is_empty() { Rows::Ticks(&ticks) } else { Rows::Logs(&logs) };
        let id_window = core.ingest.settings().id_window;
        let batch = NewBatch { id: rand::random(), fence: None, rows, rejected: &[], id_window };
        let stored = page.accept(feed.id, &batch, &ids).await?;
        done.accepted += ids.len() as u64;
        moved_over(core, feed.id, ids.len() as u64);
        publish(core, &feed, &stored);
    }
    if done.accepted > 0 {
        let details = json!({"accepted": done.accepted, "still_rejected": done.still_rejected});
        store::audit::record(&core.db, actor, "feed.reparse", &super::feeds::target(&feed.spec.name), details).await?;
    }
    Ok(Reparse { would_accept: None, accepted: Some(done.accepted), still_rejected: done.still_rejected })
}

/// The message as the feed's rules read it now; `None` if it still fails
/// (or only a prefix of it was kept).
fn parse_row(core: &Core, feed: &FeedRow, row: &RejectedRow) -> Option<Parsed> {
    if row.truncated {
        return None;
    }
    let arrival = Arrival::at(row.origin.as_deref().unwrap_or_default(), row.received_at);
    let spec = &feed.spec;
    parse::parse(spec.kind, &spec.mapping, &row.payload, arrival, core.ingest.settings().max_payload).ok()
}

/// Moves `n` messages from rejected to stored in the feed's counters, here
/// and on the node that ingests it (whose counters the status shows).
fn moved_over(core: &Core, feed_id: i64, n: u64) {
    core.ingest.reparsed(feed_id, n);
    core.bus.send(Event::Reparsed { node: core.bus.node().to_owned(), feed: feed_id, stored: n });
}

/// Hands the stored rows to this node's live viewers.
fn publish(core: &Core, feed: &FeedRow, stored: &Stored) {
    let (id, name) = (feed.id, feed.spec.name.as_str());
    let ticks = stored.ticks.iter().map(|t| LiveMessage::tick(id, name, t, None));
    let logs = stored.logs.iter().map(|l| LiveMessage::log(id, name, l, None));
    core.hub.publish(id, ticks.chain(logs));
}
